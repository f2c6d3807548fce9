/* twitchapisrc as a new user meets it (issue 11): the overlay pipeline of the
 * README never holds the picture whatever Helix does, a Helix outage is one
 * warning on the bus and one more on recovery, configuration errors are one
 * error without GStreamer's generic duplicate, JSON output is JSON Lines. */
#include "apisrc_harness.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <json-glib/json-glib.h>

#include <memory>
#include <string>
#include <vector>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;
using twitch_test::HelixFakeOptions;

/* The README's overlay shape, with an appsink counting frames in real
 * time (sync=true, like a video sink). */
const char *kOverlay
    = "videotestsrc is-live=true ! "
      "video/x-raw,format=BGRx,width=160,height=90,framerate=20/1 ! "
      "textoverlay name=o ! appsink name=sink sync=true max-buffers=1000 "
      "twitchapisrc channel=twitchdev interval=1 ! o.text_sink";

class ApiSrcFirstHour : public ApiSrcTest
{
 protected:
  /* Stops the fake: its port now refuses connections. */
  int take_helix_down ()
  {
    int port = fake->port ();
    fake->stop ();
    return port;
  }

  /* Frames the appsink receives within @us microseconds. */
  int frames_within (gint64 us)
  {
    GstElement *sink = by_name ("sink");
    gint64 deadline = g_get_monotonic_time () + us;
    int n = 0;
    while (g_get_monotonic_time () < deadline) {
      GstSample *s = gst_app_sink_try_pull_sample (
          GST_APP_SINK (sink), 100 * GST_MSECOND);
      if (s) {
        n++;
        gst_sample_unref (s);
      }
    }
    return n;
  }
};

bool
have_textoverlay ()
{
  GstElementFactory *f = gst_element_factory_find ("textoverlay");
  if (f == nullptr)
    return false;
  gst_object_unref (f);
  return true;
}

/* Issue 11 item 1: with Helix down at start, no frame came in 20 s. */
TEST_F (ApiSrcFirstHour, HelixDownAtStartKeepsVideoFlowing)
{
  if (!have_textoverlay ())
    GTEST_SKIP () << "textoverlay (gst-plugins-base pango) is not installed";
  take_helix_down ();
  ASSERT_TRUE (launch (kOverlay));
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  /* 20 frames a second: a third of 3 s of them at least (a loaded test
   * machine), where a frozen picture gives none. */
  int n = frames_within (3 * G_USEC_PER_SEC);
  EXPECT_GE (n, 20) << "the overlay held the picture while Helix was down";
}

TEST_F (ApiSrcFirstHour, HelixHangingAtStartKeepsVideoFlowing)
{
  if (!have_textoverlay ())
    GTEST_SKIP () << "textoverlay (gst-plugins-base pango) is not installed";
  HelixFakeFault slow;
  slow.path = "/helix/users";
  slow.kind = "slow";
  slow.delay_ms = 20000;
  fake->add_fault (slow);
  ASSERT_TRUE (launch (kOverlay));
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  int n = frames_within (3 * G_USEC_PER_SEC);
  EXPECT_GE (n, 20) << "the overlay held the picture while Helix hung";
}

struct Warning {
  GQuark domain;
  int code;
  std::string message;
};

/* Warnings of the source until @until holds or @us passed. */
template <typename Pred>
std::vector<Warning>
warnings_until (GstElement *pipeline, gint64 us, Pred until)
{
  std::vector<Warning> out;
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + us;
  while (g_get_monotonic_time () < deadline && !until (out)) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus, 200 * GST_MSECOND,
        (GstMessageType)(GST_MESSAGE_WARNING | GST_MESSAGE_ERROR));
    if (m == nullptr)
      continue;
    GError *err = nullptr;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING)
      gst_message_parse_warning (m, &err, nullptr);
    else
      gst_message_parse_error (m, &err, nullptr);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      ADD_FAILURE () << "error: " << err->message;
    else if (g_str_has_prefix (GST_OBJECT_NAME (m->src), "twitchapisrc"))
      out.push_back ({err->domain, err->code, err->message});
    g_error_free (err);
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  return out;
}

bool
contains (const std::string &text, const char *needle)
{
  return text.find (needle) != std::string::npos;
}

/* Issue 11 item 2: a Helix outage was visible only under GST_DEBUG. */
TEST_F (ApiSrcFirstHour, OutageIsOneWarningAndRecoveryAnother)
{
  int port = take_helix_down ();
  ASSERT_TRUE (launch ("twitchapisrc channel=twitchdev interval=1 ! "
                       "application/json ! appsink name=sink sync=false"));
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);

  auto first = warnings_until (pipeline, 30 * G_USEC_PER_SEC,
      [] (const std::vector<Warning> &w) { return !w.empty (); });
  ASSERT_EQ (first.size (), 1u) << "no warning while Helix is down";
  EXPECT_EQ (first[0].domain, GST_RESOURCE_ERROR);
  EXPECT_EQ (first[0].code, GST_RESOURCE_ERROR_OPEN_READ);
  EXPECT_TRUE (contains (first[0].message, "Connection refused"))
      << first[0].message;
  EXPECT_TRUE (contains (first[0].message, "retrying every 1 s"))
      << first[0].message;

  /* Several more failed polls (each with its 3 quick retries) say nothing
   * more. */
  auto quiet = warnings_until (pipeline, 9 * G_USEC_PER_SEC,
      [] (const std::vector<Warning> &) { return false; });
  EXPECT_TRUE (quiet.empty ()) << quiet.front ().message;

  /* Helix answers again on the same port. */
  HelixFakeOptions opt;
  opt.port = port;
  HelixFake back (opt);
  GError *error = nullptr;
  if (!back.start (&error)) {
    std::string msg = error->message;
    g_error_free (error);
    GTEST_SKIP () << "port " << port << " was taken meanwhile: " << msg;
  }
  back.set_live ("twitchdev", true, 42, "Back");
  auto recovered = warnings_until (pipeline, 30 * G_USEC_PER_SEC,
      [] (const std::vector<Warning> &w) { return !w.empty (); });
  ASSERT_EQ (recovered.size (), 1u) << "no word when Helix answered again";
  EXPECT_TRUE (contains (recovered[0].message, "answers again"))
      << recovered[0].message;
  GstSample *s = gst_app_sink_try_pull_sample (
      GST_APP_SINK (by_name ("sink")), 30 * GST_SECOND);
  ASSERT_NE (s, nullptr) << "no state after recovery";
  gst_sample_unref (s);
  auto after = warnings_until (pipeline, 3 * G_USEC_PER_SEC,
      [] (const std::vector<Warning> &) { return false; });
  EXPECT_TRUE (after.empty ()) << after.front ().message;
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

/* Every error message on the bus, until none comes for 2 s. */
std::vector<GError *>
all_errors (GstElement *pipeline)
{
  std::vector<GError *> out;
  GstBus *bus = gst_element_get_bus (pipeline);
  while (GstMessage *m = gst_bus_timed_pop_filtered (
             bus, 2 * GST_SECOND, GST_MESSAGE_ERROR)) {
    GError *err = nullptr;
    gst_message_parse_error (m, &err, nullptr);
    out.push_back (err);
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  return out;
}

void
expect_only_error (GstElement *pipeline, int code, const char *needle)
{
  auto errors = all_errors (pipeline);
  ASSERT_FALSE (errors.empty ());
  EXPECT_EQ (errors[0]->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ (errors[0]->code, code);
  EXPECT_TRUE (contains (errors[0]->message, needle)) << errors[0]->message;
  for (size_t i = 1; i < errors.size (); i++)
    ADD_FAILURE () << "a second error follows: " << errors[i]->message;
  for (auto *e : errors)
    g_error_free (e);
}

/* Issue 11 (friction): GstBaseSrc followed the clear error with "state
 * change failed and some element failed to post a proper error". */
TEST_F (ApiSrcFirstHour, MissingChannelIsTheOnlyError)
{
  ASSERT_TRUE (launch ("twitchapisrc ! fakesink"));
  EXPECT_EQ (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  expect_only_error (pipeline, GST_RESOURCE_ERROR_SETTINGS, "channel=");
}

TEST_F (ApiSrcFirstHour, NoCredentialsIsTheOnlyError)
{
  g_unsetenv ("TWITCH_OAUTH_TOKEN");
  g_unsetenv ("TWITCH_REFRESH_TOKEN");
  g_unsetenv ("TWITCH_CLIENT_ID");
  /* The stored login of `gst-twitch login` must not rescue this run. */
  gchar *home = g_dir_make_tmp ("apisrc-XXXXXX", nullptr);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  ASSERT_TRUE (launch ("twitchapisrc channel=twitchdev ! fakesink"));
  EXPECT_EQ (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  expect_only_error (
      pipeline, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "TWITCH_OAUTH_TOKEN");
  g_unsetenv ("XDG_CONFIG_HOME");
  g_unsetenv ("XDG_DATA_HOME");
  g_rmdir (home);
  g_free (home);
}

/* Issue 11 (friction): a filesink recording ran objects together as }{. */
TEST_F (ApiSrcFirstHour, JsonBuffersAreJsonLines)
{
  ASSERT_TRUE (launch ("twitchapisrc channel=twitchdev interval=1 ! "
                       "application/json ! appsink name=sink sync=false"));
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  for (int i = 0; i < 2; i++) {
    GstSample *s = gst_app_sink_try_pull_sample (
        GST_APP_SINK (by_name ("sink")), 30 * GST_SECOND);
    ASSERT_NE (s, nullptr);
    GstMapInfo map;
    GstBuffer *buf = gst_sample_get_buffer (s);
    ASSERT_TRUE (gst_buffer_map (buf, &map, GST_MAP_READ));
    std::string text (reinterpret_cast<const char *> (map.data), map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (s);
    ASSERT_FALSE (text.empty ());
    EXPECT_EQ (text.back (), '\n') << text;
    EXPECT_EQ (text.find ('\n'), text.size () - 1) << "one line a buffer";
    JsonParser *parser = json_parser_new ();
    EXPECT_TRUE (json_parser_load_from_data (
        parser, text.c_str (), static_cast<gssize> (text.size ()), nullptr))
        << text;
    g_object_unref (parser);
  }
}

TEST_F (ApiSrcFirstHour, FormatBlurbListsEveryKey)
{
  GstElementFactory *f = gst_element_factory_find ("twitchapisrc");
  ASSERT_NE (f, nullptr);
  GstElement *e = gst_element_factory_create (f, nullptr);
  gst_object_unref (f);
  GParamSpec *spec
      = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "format");
  ASSERT_NE (spec, nullptr);
  std::string blurb = g_param_spec_get_blurb (spec);
  for (const char *key : {"{viewer_count}", "{follower_count}", "{title}",
           "{category}", "{category_id}", "{channel}", "{display_name}",
           "{user_id}", "{language}", "{live}", "{started_at}", "{uptime}"})
    EXPECT_TRUE (contains (blurb, key)) << key << " missing from: " << blurb;
  gst_object_unref (e);
}

} // namespace
