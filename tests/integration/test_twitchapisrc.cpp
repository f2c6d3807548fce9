/* twitchapisrc against the Helix fake: live/offline transitions seen by an
 * appsink and by textoverlay, bus messages, tags and events, quiet retries,
 * one clear error for bad credentials, no secret in the debug log. */
#include <gst/twitch/common/secrets.h>

#include "apisrc_harness.h"
#include "support/peer.h"
#include "support/require.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <json-glib/json-glib.h>

#include <mutex>
#include <string>
#include <vector>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;
using twitch_test::HelixFakeOptions;

constexpr gint64 kWaitUs = 30 * G_USEC_PER_SEC;

class ApiSrc : public ApiSrcTest
{
 protected:
  /* Element messages and errors seen so far. */
  void drain_bus ()
  {
    GstBus *bus = gst_element_get_bus (pipeline);
    while (GstMessage *m = gst_bus_pop (bus)) {
      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT) {
        const GstStructure *s = gst_message_get_structure (m);
        std::string name = gst_structure_get_name (s);
        if (name.rfind ("twitchapisrc-", 0) == 0
            && name != "twitchapisrc-changed")
          transitions.push_back (name);
        if (name == "twitchapisrc-changed")
          changes++;
      } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
        GError *err = nullptr;
        gst_message_parse_error (m, &err, nullptr);
        errors.push_back (err);
      }
      gst_message_unref (m);
    }
    gst_object_unref (bus);
  }

  std::vector<std::string> transitions;
  int changes = 0;
  std::vector<GError *> errors;

 public:
  ~ApiSrc () override
  {
    for (auto *e : errors)
      g_error_free (e);
  }
};

struct JsonState {
  bool live = false;
  int64_t viewers = -1;
  std::string title;
};

JsonState
parse_state (GstSample *sample)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;
  JsonState st;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return st;
  JsonParser *parser = json_parser_new ();
  if (json_parser_load_from_data (parser,
          reinterpret_cast<const char *> (map.data),
          static_cast<gssize> (map.size), nullptr)) {
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    st.live = json_object_get_boolean_member (o, "live");
    st.viewers = json_object_get_int_member (o, "viewer_count");
    st.title = json_object_get_string_member (o, "title");
  }
  g_object_unref (parser);
  gst_buffer_unmap (buf, &map);
  return st;
}

/* Pulls JSON states until @pred holds or the wait runs out. */
template <typename Pred>
bool
pull_until (GstElement *sink, Pred pred)
{
  gint64 deadline = g_get_monotonic_time () + kWaitUs;
  while (g_get_monotonic_time () < deadline) {
    GstSample *s
        = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), GST_SECOND);
    if (s == nullptr)
      continue;
    JsonState st = parse_state (s);
    gst_sample_unref (s);
    if (pred (st))
      return true;
  }
  return false;
}

struct EventLog {
  std::mutex lock;
  std::vector<std::string> titles;
  std::vector<std::string> genres;
  std::vector<gboolean> live;
  int custom = 0;
};

GstPadProbeReturn
log_events (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto *log = static_cast<EventLog *> (data);
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  std::lock_guard<std::mutex> g (log->lock);
  if (GST_EVENT_TYPE (ev) == GST_EVENT_TAG) {
    GstTagList *tags = nullptr;
    gst_event_parse_tag (ev, &tags);
    gchar *title = nullptr, *genre = nullptr;
    gboolean live = FALSE;
    if (gst_tag_list_get_string (tags, GST_TAG_TITLE, &title))
      log->titles.emplace_back (title);
    if (gst_tag_list_get_string (tags, GST_TAG_GENRE, &genre))
      log->genres.emplace_back (genre);
    if (gst_tag_list_get_boolean (tags, "twitch-live", &live))
      log->live.push_back (live);
    g_free (title);
    g_free (genre);
  } else if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM
             && gst_event_has_name (ev, "twitchapi-state")) {
    log->custom++;
  }
  return GST_PAD_PROBE_OK;
}

TEST_F (ApiSrc, AppsinkSeesLiveOfflineTransitions)
{
  ASSERT_TRUE (launch ("twitchapisrc channel=TwitchDev interval=1 ! "
                       "application/json ! appsink name=sink sync=false"));
  GstElement *sink = by_name ("sink");
  EventLog events;
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, log_events, &events, nullptr);
  gst_object_unref (pad);
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);

  EXPECT_TRUE (pull_until (sink, [] (const JsonState &s) {
    return s.live && s.viewers == 100 && s.title == "Hello chat";
  }));
  fake->set_live ("twitchdev", false);
  EXPECT_TRUE (pull_until (sink, [] (const JsonState &s) { return !s.live; }));
  fake->set_live ("twitchdev", true, 250, "Back again");
  EXPECT_TRUE (pull_until (sink, [] (const JsonState &s) {
    return s.live && s.viewers == 250 && s.title == "Back again";
  }));

  drain_bus ();
  EXPECT_EQ (transitions, (std::vector<std::string>{"twitchapisrc-online",
                              "twitchapisrc-offline", "twitchapisrc-online"}));
  EXPECT_GE (changes, 3);
  EXPECT_TRUE (errors.empty ());
  std::lock_guard<std::mutex> g (events.lock);
  ASSERT_GE (events.titles.size (), 3u);
  EXPECT_EQ (events.titles.front (), "Hello chat");
  EXPECT_EQ (events.titles.back (), "Back again");
  EXPECT_EQ (events.genres.front (), "Just Chatting");
  ASSERT_GE (events.live.size (), 3u);
  EXPECT_TRUE (events.live[0]);
  EXPECT_FALSE (events.live[1]);
  EXPECT_GE (events.custom, 3);
}

std::string
pull_text (GstElement *sink)
{
  GstSample *s
      = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
  if (s == nullptr)
    return "<no buffer>";
  GstBuffer *buf = gst_sample_get_buffer (s);
  GstMapInfo map;
  std::string text;
  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    text.assign (reinterpret_cast<const char *> (map.data), map.size);
    gst_buffer_unmap (buf, &map);
  }
  EXPECT_TRUE (GST_BUFFER_PTS_IS_VALID (buf));
  EXPECT_EQ (GST_BUFFER_DURATION (buf), GST_SECOND); /* one interval */
  gst_sample_unref (s);
  return text;
}

TEST_F (ApiSrc, TextFromTheFormatTemplates)
{
  fake->set_live ("twitchdev", true, 77, "Braces {here}", "Just Chatting");
  ASSERT_TRUE (launch ("twitchapisrc channel=twitchdev interval=1 "
                       "format=\"{{{viewer_count}}} {title} / {category} / "
                       "{followers} / {live} / {nope}\" "
                       "offline-format=\"{channel} is {live}\" ! "
                       "text/x-raw ! appsink name=sink sync=false"));
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  GstElement *sink = by_name ("sink");
  EXPECT_EQ (pull_text (sink),
      "{77} Braces {here} / Just Chatting / 100000 / live / {nope}");
  fake->set_live ("twitchdev", false);
  std::string text;
  for (int i = 0; i < 30 && text != "twitchdev is offline"; i++)
    text = pull_text (sink);
  EXPECT_EQ (text, "twitchdev is offline");
}

/* Bright pixels of a frame (text on a black picture). */
size_t
bright_pixels (GstSample *sample)
{
  GstVideoInfo info;
  gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
  GstVideoFrame frame;
  if (!gst_video_frame_map (
          &frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    return 0;
  size_t n = 0;
  const guint8 *data
      = static_cast<const guint8 *> (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0));
  int stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (int y = 0; y < GST_VIDEO_FRAME_HEIGHT (&frame); y++)
    for (int x = 0; x < GST_VIDEO_FRAME_WIDTH (&frame); x++) {
      const guint8 *px = data + y * stride + x * 4;
      if (px[0] > 128 && px[1] > 128 && px[2] > 128)
        n++;
    }
  gst_video_frame_unmap (&frame);
  return n;
}

template <typename Pred>
bool
frames_until (GstElement *sink, Pred pred)
{
  gint64 deadline = g_get_monotonic_time () + kWaitUs;
  while (g_get_monotonic_time () < deadline) {
    GstSample *s
        = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), GST_SECOND);
    if (s == nullptr)
      continue;
    size_t n = bright_pixels (s);
    gst_sample_unref (s);
    if (pred (n))
      return true;
  }
  return false;
}

TEST_F (ApiSrc, TextoverlayShowsLiveOfflineTransitions)
{
  GstElementFactory *f = gst_element_factory_find ("textoverlay");
  TWITCH_REQUIRE_PEER (f == nullptr ? "the textoverlay element "
                                      "(gstreamer1.0-plugins-base)"
                                    : "");
  gst_object_unref (f);
  ASSERT_TRUE (launch (
      "videotestsrc is-live=true pattern=black ! "
      "video/x-raw,format=BGRx,width=320,height=120,framerate=10/1 ! "
      "textoverlay name=o font-desc=\"Sans 20\" ! appsink name=sink "
      "sync=false max-buffers=4 drop=true "
      "twitchapisrc channel=twitchdev interval=1 format=\"{viewer_count} "
      "viewers\" offline-format=\"\" ! o.text_sink"));
  GstElement *sink = by_name ("sink");
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (frames_until (sink, [] (size_t n) { return n > 50; }))
      << "no text on the picture while live";
  fake->set_live ("twitchdev", false);
  EXPECT_TRUE (frames_until (sink, [] (size_t n) { return n == 0; }))
      << "text stayed on the picture while offline";
  fake->set_live ("twitchdev", true, 5);
  EXPECT_TRUE (frames_until (sink, [] (size_t n) { return n > 20; }))
      << "no text after going live again";
  drain_bus ();
  EXPECT_TRUE (errors.empty ());
}

TEST_F (ApiSrc, NetworkFailuresAreRetriedQuietly)
{
  HelixFakeFault burst;
  burst.path = "/helix/streams";
  burst.kind = "status";
  burst.status = 503;
  burst.count = 4; /* one poll's request and its 3 retries */
  fake->add_fault (burst);
  ASSERT_TRUE (launch ("twitchapisrc channel=twitchdev interval=1 ! "
                       "application/json ! appsink name=sink sync=false"));
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (pull_until (by_name ("sink"),
      [] (const JsonState &s) { return s.live && s.viewers == 100; }));
  EXPECT_GE (fake->requests ("/helix/streams"), 5u);
  drain_bus ();
  EXPECT_TRUE (errors.empty ());
}

/* Waits for the first error; then checks no second one follows. */
void
expect_one_error (
    GstElement *pipeline, GQuark domain, int code, const char *needle)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m
      = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  ASSERT_NE (m, nullptr) << "no error posted";
  GError *err = nullptr;
  gchar *dbg = nullptr;
  gst_message_parse_error (m, &err, &dbg);
  EXPECT_EQ (err->domain, domain);
  EXPECT_EQ (err->code, code) << err->message;
  EXPECT_NE (std::string (err->message).find (needle), std::string::npos)
      << err->message;
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (m);
  /* GstBaseSrc follows a subclass's error with a generic one of its own
   * ("Failed to start", "Internal data stream error"); nothing else may
   * follow: no retry storm, no second clear error. */
  int others = 0;
  while (GstMessage *next = gst_bus_timed_pop_filtered (
             bus, 2 * GST_SECOND, GST_MESSAGE_ERROR)) {
    GError *e = nullptr;
    gst_message_parse_error (next, &e, nullptr);
    bool generic = (e->domain == GST_CORE_ERROR
                       && e->code == GST_CORE_ERROR_STATE_CHANGE)
                   || (e->domain == GST_STREAM_ERROR
                       && e->code == GST_STREAM_ERROR_FAILED);
    EXPECT_TRUE (generic) << "a second error: " << e->message;
    others++;
    g_error_free (e);
    gst_message_unref (next);
  }
  EXPECT_LE (others, 1);
  gst_object_unref (bus);
}

TEST_F (ApiSrc, RejectedTokenIsOneClearError)
{
  g_unsetenv ("TWITCH_REFRESH_TOKEN");
  ASSERT_TRUE (launch ("twitchapisrc channel=twitchdev interval=1 "
                       "oauth-token=notavalidtoken0000 ! "
                       "application/json ! fakesink"));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  expect_one_error (pipeline, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "log in again");
}

TEST_F (ApiSrc, NoCredentialsFailsAtStart)
{
  g_unsetenv ("TWITCH_OAUTH_TOKEN");
  g_unsetenv ("TWITCH_REFRESH_TOKEN");
  ASSERT_TRUE (launch ("twitchapisrc channel=twitchdev ! fakesink"));
  EXPECT_EQ (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  expect_one_error (pipeline, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "TWITCH_OAUTH_TOKEN");
  EXPECT_EQ (fake->requests (), 0u);
}

TEST_F (ApiSrc, UnknownChannelIsNotFound)
{
  ASSERT_TRUE (launch ("twitchapisrc channel=nosuchchannel interval=1 ! "
                       "fakesink"));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  expect_one_error (pipeline, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "nosuchchannel");
}

TEST_F (ApiSrc, MissingChannelIsASettingsError)
{
  ASSERT_TRUE (launch ("twitchapisrc ! fakesink"));
  EXPECT_EQ (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  expect_one_error (
      pipeline, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "channel");
}

TEST_F (ApiSrc, StopsPromptlyWhileAPollHangs)
{
  HelixFakeFault slow;
  slow.path = "/helix/users";
  slow.kind = "slow";
  slow.delay_ms = 25000;
  fake->add_fault (slow);
  ASSERT_TRUE (launch ("twitchapisrc channel=twitchdev interval=1 ! "
                       "fakesink"));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* The poll is under way (and hangs). */
  ASSERT_TRUE (twitch_test::poll_until (
      [&] { return fake->requests ("/helix/users") >= 1; }, 30000));
  gint64 start = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_NULL);
  EXPECT_LT (g_get_monotonic_time () - start, 10 * G_USEC_PER_SEC);
}

/* Runs gst-launch-1.0 -v with @debug and returns its whole output. */
std::string
run_launch (const std::string &launch_bin, const char *debug,
    const std::vector<std::string> &args, bool secret_in_env,
    const std::string &secret, bool *ok)
{
  twitch_test::TempDir dir;
  std::string log = dir.file ("out.log");
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (
      (GSubprocessFlags)(G_SUBPROCESS_FLAGS_STDERR_MERGE));
  g_subprocess_launcher_setenv (launcher, "GST_DEBUG", debug, TRUE);
  g_subprocess_launcher_setenv (launcher, "GST_DEBUG_NO_COLOR", "1", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "TWITCH_OAUTH_TOKEN");
  g_subprocess_launcher_unsetenv (launcher, "TWITCH_REFRESH_TOKEN");
  if (secret_in_env)
    g_subprocess_launcher_setenv (
        launcher, "TWITCH_CLIENT_SECRET", secret.c_str (), TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log.c_str ());
  std::vector<const char *> argv{launch_bin.c_str (), "-v"};
  for (const auto &a : args)
    argv.push_back (a.c_str ());
  argv.push_back (nullptr);
  GError *error = nullptr;
  GSubprocess *child
      = g_subprocess_launcher_spawnv (launcher, argv.data (), &error);
  *ok = child != nullptr && g_subprocess_wait (child, nullptr, &error)
        && g_subprocess_get_successful (child);
  g_clear_error (&error);
  g_clear_object (&child);
  g_object_unref (launcher);
  return twitch_test::read_file (log);
}

TEST_F (ApiSrc, NoSecretInDebugOrVerboseOutput)
{
  std::string launch_bin = twitch_test::find_program ("gst-launch-1.0");
  TWITCH_REQUIRE_PROGRAM (launch_bin, "gst-launch-1.0", "gstreamer1.0-tools");
  /* No user token: only the client secret can get the app token the polls
   * need, so a run that succeeds has used it. */
  const std::string secret = fake->options ().client_secret;
  std::vector<std::string> args{"twitchapisrc", "channel=twitchdev",
      "interval=1", "num-buffers=2", "!", "application/json", "!", "fakesink",
      "silent=false"};

  /* The secret from the environment, every category at level 9. */
  bool ok = false;
  std::string text = run_launch (launch_bin, "*:9", args, true, secret, &ok);
  EXPECT_TRUE (ok);
  EXPECT_NE (text.find ("twitchapi"), std::string::npos)
      << "nothing logged: the check would prove nothing";
  EXPECT_EQ (text.find (secret), std::string::npos) << "client secret leaked";
  EXPECT_EQ (text.find ("fakeapptoken"), std::string::npos)
      << "app token leaked";

  /* The secret as a property. gst-launch's own parser logs the launch line
   * (categories default and GST_PIPELINE) before any element exists: that
   * is documented, and left out here. */
  args.insert (args.begin () + 1, "client-secret=" + secret);
  text = run_launch (
      launch_bin, "*:9,default:0,GST_PIPELINE:0", args, false, secret, &ok);
  EXPECT_TRUE (ok);
  EXPECT_EQ (text.find (secret), std::string::npos) << "client secret leaked";
  EXPECT_EQ (text.find ("fakeapptoken"), std::string::npos)
      << "app token leaked";
  EXPECT_EQ (fake->requests ("/oauth2/token"), 2u) << "the secret was not used";
}

} // namespace
