/* GstCheck tests of twitchchatsrc and twitchchatsink against the fake TMI
 * server: textoverlay rendering, JSON output, events and bus messages,
 * replay, login failure, send-message, the sink, and the token at
 * GST_DEBUG=*:9. */
#include <gst/app/app.h>
#include <gst/check/gstcheck.h>
#include <gst/twitch/chat/message.h>
#include <gst/video/video.h>

#include <json-glib/json-glib.h>

#include "support/require.h"
#include "tmi_fake_check.h"

#include <signal.h>
#include <sys/wait.h>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using twitch_test::poll_until;
using twitch_test::TmiFake;
using twitch_test::TmiFakeOptions;

static const char *kToken = "zq7Kx9PlmT3vR8wYb2Nc4Hd6";

/* Waits for a message of @types on @pipeline's bus, up to @ms. */
static GstMessage *
wait_message (GstElement *pipeline, GstMessageType types, int ms)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m
      = gst_bus_timed_pop_filtered (bus, (GstClockTime)ms * GST_MSECOND, types);
  gst_object_unref (bus);
  return m;
}

GST_START_TEST (test_properties)
{
  GstElement *src = gst_element_factory_make ("twitchchatsrc", nullptr);
  fail_unless (src != nullptr);
  gchar *server = nullptr, *format = nullptr;
  guint64 duration = 0;
  g_object_get (src, "server", &server, "format", &format, "duration",
      &duration, nullptr);
  fail_unless_equals_string (server, "ircs://irc.chat.twitch.tv:6697");
  fail_unless_equals_string (format, "{display_name}: {message}");
  fail_unless_equals_uint64 (duration, 5 * GST_SECOND);
  g_free (server);
  g_free (format);
  GParamSpec *ps
      = g_object_class_find_property (G_OBJECT_GET_CLASS (src), "oauth-token");
  fail_unless (ps != nullptr);
  fail_if (ps->flags & G_PARAM_READABLE, "the token must not be readable");
  fail_unless (gst_base_src_is_live (GST_BASE_SRC (src)));
  gst_object_unref (src);

  GstElement *sink = gst_element_factory_make ("twitchchatsink", nullptr);
  fail_unless (sink != nullptr);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "oauth-token");
  fail_if (ps->flags & G_PARAM_READABLE);
  gst_object_unref (sink);
}
GST_END_TEST;

GST_START_TEST (test_bad_settings_are_errors)
{
  struct {
    const char *launch;
    const char *needle;
  } cases[] = {
      {"twitchchatsrc ! fakesink", "channels"},
      {"twitchchatsrc channels=a server=http://x ! fakesink", "irc://"},
      {"twitchchatsrc channels=a oauth-token=abcdefgh12345 ! fakesink",
          "login"},
      {"twitchchatsrc location=/nonexistent/chat.jsonl ! fakesink",
          "/nonexistent/chat.jsonl"},
      {"fakesrc num-buffers=1 ! text/x-raw,format=utf8 ! twitchchatsink",
          "channel"},
      {"fakesrc num-buffers=1 ! text/x-raw,format=utf8 ! twitchchatsink "
       "channel=a",
          "oauth-token"},
  };
  for (auto &c : cases) {
    GstElement *p = gst_parse_launch (c.launch, nullptr);
    fail_unless (p != nullptr, c.launch);
    gst_element_set_state (p, GST_STATE_PLAYING);
    GstMessage *m = wait_message (p, GST_MESSAGE_ERROR, 10000);
    fail_unless (m != nullptr, "no error for %s", c.launch);
    GError *err = nullptr;
    gst_message_parse_error (m, &err, nullptr);
    fail_unless (err->domain == GST_RESOURCE_ERROR, "%s", c.launch);
    /* NOT_AUTHORIZED: a token without login whose login cannot be learnt
     * (TWITCH_AUTH_URL is unreachable here). */
    fail_unless (err->code == GST_RESOURCE_ERROR_SETTINGS
                     || err->code == GST_RESOURCE_ERROR_OPEN_READ
                     || err->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED,
        "%s: %s", c.launch, err->message);
    fail_unless (strstr (err->message, c.needle) != nullptr,
        "'%s' does not name '%s'", err->message, c.needle);
    fail_if (strstr (err->message, "abcdefgh12345") != nullptr);
    g_error_free (err);
    gst_message_unref (m);
    gst_element_set_state (p, GST_STATE_NULL);
    gst_object_unref (p);
  }
}
GST_END_TEST;

struct Counts {
  std::atomic<int> buffers{0};
  std::atomic<int> chat_events{0};
  std::atomic<int> privmsg_events{0};
  std::atomic<int> bright_frames{0};
  std::atomic<int> frames{0};
  std::atomic<bool> event_before_segment{false};
  std::atomic<bool> segment_seen{false};
};

static GstPadProbeReturn
chat_probe (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto *c = static_cast<Counts *> (data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    c->buffers++;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT)
      c->segment_seen = true;
    if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM) {
      const GstStructure *s = gst_event_get_structure (ev);
      if (gst_structure_has_name (s, "twitch-chat")) {
        if (!c->segment_seen)
          c->event_before_segment = true;
        c->chat_events++;
        if (!g_strcmp0 (gst_structure_get_string (s, "command"), "PRIVMSG"))
          c->privmsg_events++;
      }
    }
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
frame_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  auto *c = static_cast<Counts *> (data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  c->frames++;
  (void)pad;
  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    /* I420 320x240 black: Y = 16. Rendered text makes bright pixels. */
    for (gsize i = 0; i < 320 * 240 && i < map.size; ++i) {
      if (map.data[i] > 128) {
        c->bright_frames++;
        break;
      }
    }
    gst_buffer_unmap (buf, &map);
  }
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_textoverlay_renders_chat)
{
  auto fake = start_fake ();
  std::string launch
      = "videotestsrc is-live=true pattern=black ! "
        "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
        "textoverlay name=o font-desc=\"Sans 24\" ! fakesink name=v sync=true "
        "twitchchatsrc name=chat channels=#ronni server="
        + fake->uri () + " ! o.text_sink";
  GError *err = nullptr;
  GstElement *p = gst_parse_launch (launch.c_str (), &err);
  fail_unless (p != nullptr, "%s", err ? err->message : "");
  Counts c;
  GstElement *chat = gst_bin_get_by_name (GST_BIN (p), "chat");
  GstPad *cpad = gst_element_get_static_pad (chat, "src");
  gst_pad_add_probe (cpad,
      (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER
                        | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      chat_probe, &c, nullptr);
  GstElement *v = gst_bin_get_by_name (GST_BIN (p), "v");
  GstPad *vpad = gst_element_get_static_pad (v, "sink");
  gst_pad_add_probe (vpad, GST_PAD_PROBE_TYPE_BUFFER, frame_probe, &c, nullptr);

  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstState state;
  fail_unless_equals_int (
      gst_element_get_state (p, &state, nullptr, 30 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (state, GST_STATE_PLAYING);
  fail_unless (poll_until ([&] { return fake->joined ("ronni"); }, 30000));
  fail_unless (poll_until ([&] { return c.frames > 5; }, 30000));
  fail_unless_equals_int (c.bright_frames.load (), 0);
  fake->control ("privmsg ronni 5");
  fail_unless (poll_until ([&] { return c.buffers >= 5; }, 30000));
  fail_unless (poll_until ([&] { return c.bright_frames > 3; }, 30000),
      "textoverlay never rendered the chat lines");
  fail_unless (c.privmsg_events >= 5);
  fail_if (c.event_before_segment.load (), "chat event before the segment");
  GstMessage *m = wait_message (p, GST_MESSAGE_ERROR, 0);
  fail_unless (m == nullptr);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (cpad);
  gst_object_unref (vpad);
  gst_object_unref (chat);
  gst_object_unref (v);
  gst_object_unref (p);
}
GST_END_TEST;

GST_START_TEST (test_json_events_and_bus_messages)
{
  auto fake = start_fake ();
  std::string launch = "twitchchatsrc name=chat channels=ronni,dallas "
                       "post-messages=true server="
                       + fake->uri ()
                       + " ! application/x-twitch-chat ! appsink name=out "
                         "sync=false";
  GstElement *p = gst_parse_launch (launch.c_str (), nullptr);
  fail_unless (p != nullptr);
  GstElement *chat = gst_bin_get_by_name (GST_BIN (p), "chat");
  GstPad *cpad = gst_element_get_static_pad (chat, "src");
  /* The probe may still be running on the streaming thread when it is
   * removed: it adds under a lock, and nothing once the test has closed it. */
  struct Collected {
    std::mutex lock;
    bool closed = false;
    std::vector<GstStructure *> events;
  } collected;
  std::vector<GstStructure *> &events = collected.events;
  gulong probe = gst_pad_add_probe (
      cpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      [] (GstPad *, GstPadProbeInfo *info, gpointer d) -> GstPadProbeReturn {
        auto *ev = GST_PAD_PROBE_INFO_EVENT (info);
        auto *c = static_cast<Collected *> (d);
        if (GST_EVENT_TYPE (ev) != GST_EVENT_CUSTOM_DOWNSTREAM)
          return GST_PAD_PROBE_OK;
        std::lock_guard<std::mutex> g (c->lock);
        if (!c->closed)
          c->events.push_back (
              gst_structure_copy (gst_event_get_structure (ev)));
        return GST_PAD_PROBE_OK;
      },
      &collected, nullptr);
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until (
      [&] { return fake->joined ("ronni") && fake->joined ("dallas"); },
      30000));
  /* Everything up to (not including) RECONNECT: 18 lines. */
  /* Named: the check macros keep the pointer past the statement. */
  std::string fixture_reply = fake->control ("fixture twitch-docs.irc");
  fail_unless_equals_string (fixture_reply.c_str (), "ok 22");
  int privmsg = 0, usernotice = 0, total = 0;
  bool saw_action = false;
  for (int i = 0; i < 40; ++i) {
    GstSample *s
        = gst_app_sink_try_pull_sample (GST_APP_SINK (out), 5 * GST_SECOND);
    if (!s)
      break;
    GstBuffer *b = gst_sample_get_buffer (s);
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    std::string line ((const char *)map.data, map.size);
    gst_buffer_unmap (b, &map);
    fail_unless (GST_BUFFER_PTS_IS_VALID (b));
    fail_unless (line.back () == '\n' && line.find ('\n') == line.size () - 1,
        "one JSON object a buffer, newline-terminated");
    JsonParser *jp = json_parser_new ();
    fail_unless (json_parser_load_from_data (jp, line.c_str (), -1, nullptr));
    JsonObject *o = json_node_get_object (json_parser_get_root (jp));
    for (const char *k : {"command", "channel", "login", "display-name", "text",
             "timestamp", "pts", "tags"})
      fail_unless (
          json_object_has_member (o, k), "missing %s in %s", k, line.c_str ());
    fail_unless_equals_uint64 (
        (guint64)json_object_get_int_member (o, "pts"), GST_BUFFER_PTS (b));
    std::string cmd = json_object_get_string_member (o, "command");
    privmsg += cmd == "PRIVMSG";
    usernotice += cmd == "USERNOTICE";
    if (cmd == "PRIVMSG" && json_object_get_boolean_member (o, "action")) {
      saw_action = true;
      fail_unless_equals_string (
          json_object_get_string_member (o, "text"), "😂 Kappa waves");
    }
    if (cmd == "PRIVMSG" && total == 0) {
      JsonObject *tags = json_object_get_object_member (o, "tags");
      fail_unless_equals_string (json_object_get_string_member (tags, "emotes"),
          "25:0-4,12-16/1902:6-10");
      fail_unless_equals_int64 (
          json_object_get_int_member (o, "timestamp"), 1507246572675);
    }
    g_object_unref (jp);
    gst_sample_unref (s);
    total++;
    if (cmd == "RECONNECT")
      break;
  }
  fail_unless_equals_int (privmsg, 4);
  fail_unless_equals_int (usernotice, 6);
  fail_unless (saw_action);

  /* Typed events: the first PRIVMSG carries emotes, badges, tags. The
   * probe goes first: the streaming thread must not grow the vector being
   * read (nor add events nobody frees). */
  gst_pad_remove_probe (cpad, probe);
  {
    std::lock_guard<std::mutex> g (collected.lock);
    collected.closed = true;
  }
  bool checked = false;
  for (GstStructure *s : events) {
    if (checked || !gst_structure_has_name (s, "twitch-chat")
        || g_strcmp0 (gst_structure_get_string (s, "command"), "PRIVMSG"))
      continue;
    checked = true;
    const GValue *emotes = gst_structure_get_value (s, "emotes");
    fail_unless (emotes && GST_VALUE_HOLDS_ARRAY (emotes));
    fail_unless_equals_int (gst_value_array_get_size (emotes), 3);
    const GstStructure *e0
        = gst_value_get_structure (gst_value_array_get_value (emotes, 0));
    int start = -1, end = -1;
    gst_structure_get_int (e0, "start", &start);
    gst_structure_get_int (e0, "end", &end);
    fail_unless_equals_int (start, 0);
    fail_unless_equals_int (end, 4);
    const GstStructure *badges = nullptr;
    const GValue *bv = gst_structure_get_value (s, "badges");
    fail_unless (bv != nullptr);
    badges = gst_value_get_structure (bv);
    fail_unless_equals_string (gst_structure_get_string (badges, "turbo"), "1");
    gboolean first = FALSE;
    gst_structure_get_boolean (s, "first-msg", &first);
    fail_unless (first);
    const GstStructure *tags
        = gst_value_get_structure (gst_structure_get_value (s, "tags"));
    /* 15 tags: the 13 with a typed field are not repeated in "tags". */
    fail_unless_equals_int (gst_structure_n_fields (tags), 2);
    fail_unless_equals_string (gst_structure_get_string (tags, "turbo"), "1");
    fail_unless_equals_string (
        gst_structure_get_string (tags, "user-type"), "global_mod");
    fail_unless (!gst_structure_has_field (tags, "id"));
  }
  fail_unless (checked);
  for (auto *s : events)
    gst_structure_free (s);

  /* post-messages: one "twitchchatsrc-chat" element message per event. */
  GstBus *bus = gst_element_get_bus (p);
  int chat_msgs = 0;
  while (GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) {
    if (gst_structure_has_name (
            gst_message_get_structure (m), "twitchchatsrc-chat"))
      chat_msgs++;
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  fail_unless (
      chat_msgs >= total, "%d bus messages for %d events", chat_msgs, total);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (cpad);
  gst_object_unref (chat);
  gst_object_unref (out);
  gst_object_unref (p);
}
GST_END_TEST;

GST_START_TEST (test_replay_follows_the_clock)
{
  twitch_test::TempDir dir;
  std::string path = dir.file ("chat.jsonl");
  std::string data;
  const guint64 pts[]
      = {100 * GST_MSECOND, 400 * GST_MSECOND, 700 * GST_MSECOND};
  for (int i = 0; i < 3; ++i) {
    twitch::ChatMessage m;
    fail_unless (twitch::chat_message_parse (
        "@display-name=Rec;id=r" + std::to_string (i)
            + ";tmi-sent-ts=1 :rec!rec@rec.tmi.twitch.tv PRIVMSG #vod :line "
            + std::to_string (i),
        m));
    data += twitch::chat_message_to_json (m, (int64_t)pts[i]) + "\n";
    if (i == 1)
      data += "this line is not JSON\n";
  }
  twitch_test::write_file (path, data);
  std::string launch = "twitchchatsrc location=" + path
                       + " format=\"{display-name}> {message}\" ! appsink "
                         "name=out sync=false";
  GstElement *p = gst_parse_launch (launch.c_str (), nullptr);
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  gst_element_set_state (p, GST_STATE_PLAYING);
  for (int i = 0; i < 3; ++i) {
    GstSample *s
        = gst_app_sink_try_pull_sample (GST_APP_SINK (out), 10 * GST_SECOND);
    fail_unless (s != nullptr, "sample %d", i);
    GstBuffer *b = gst_sample_get_buffer (s);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), pts[i]);
    GstClock *clock = gst_element_get_clock (p);
    GstClockTime now
        = gst_clock_get_time (clock) - gst_element_get_base_time (p);
    gst_object_unref (clock);
    fail_unless (now + 20 * GST_MSECOND >= pts[i],
        "line %d out at %" GST_TIME_FORMAT " before its time", i,
        GST_TIME_ARGS (now));
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    std::string text ((const char *)map.data, map.size);
    gst_buffer_unmap (b, &map);
    std::string expected = "Rec> line " + std::to_string (i);
    fail_unless_equals_string (text.c_str (), expected.c_str ());
    gst_sample_unref (s);
  }
  GstMessage *w = wait_message (p, GST_MESSAGE_WARNING, 5000);
  fail_unless (w != nullptr, "the bad line is reported");
  gst_message_unref (w);
  GstMessage *eos = wait_message (p, GST_MESSAGE_EOS, 10000);
  fail_unless (eos != nullptr);
  gst_message_unref (eos);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (out);
  gst_object_unref (p);
}
GST_END_TEST;

GST_START_TEST (test_login_failure_one_clear_error)
{
  auto fake = start_fake ("a-different-token-1234");
  std::string launch = std::string ("twitchchatsrc channels=x login=bot "
                                    "oauth-token=")
                       + kToken + " server=" + fake->uri () + " ! fakesink";
  GstElement *p = gst_parse_launch (launch.c_str (), nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  /* The error, and the client's "stopped" state (posted just before it):
   * once stopped no reconnect can follow, so the count below is final. */
  GstMessage *m = nullptr;
  bool stopped = false;
  while (m == nullptr || !stopped) {
    GstMessage *any = wait_message (
        p, (GstMessageType)(GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT), 30000);
    fail_unless (any != nullptr, "error %d, stopped %d", m != nullptr, stopped);
    if (GST_MESSAGE_TYPE (any) == GST_MESSAGE_ERROR) {
      fail_unless (m == nullptr, "one error only");
      m = any;
      continue;
    }
    const GstStructure *s = gst_message_get_structure (any);
    stopped |= gst_structure_has_name (s, "twitchchatsrc-stopped");
    gst_message_unref (any);
  }
  GError *err = nullptr;
  gchar *dbg = nullptr;
  gst_message_parse_error (m, &err, &dbg);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless_equals_int (err->code, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  fail_unless (
      strstr (err->message, "oauth-token") != nullptr, "%s", err->message);
  fail_if (strstr (err->message, kToken) || (dbg && strstr (dbg, kToken)));
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (m);
  fail_unless (fake->control ("stats").find ("\"connections\": 1,")
               != std::string::npos);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

struct Outcome {
  std::mutex mu;
  std::vector<std::pair<guint64, std::string>> got;
};

static void
on_outcome (GstElement *, guint64 id, const gchar *outcome, const gchar *,
    gpointer data)
{
  auto *o = static_cast<Outcome *> (data);
  std::lock_guard<std::mutex> lk (o->mu);
  o->got.emplace_back (id, outcome);
}

GST_START_TEST (test_send_message_signal)
{
  auto fake = start_fake (kToken, true);
  GstElement *p = gst_pipeline_new (nullptr);
  GstElement *src = gst_element_factory_make ("twitchchatsrc", nullptr);
  GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
  g_object_set (src, "channels", "ronni", "login", "bot", "oauth-token", kToken,
      "server", fake->uri ().c_str (), "tls-ca-file",
      fake->cert_file ().c_str (), nullptr);
  gst_bin_add_many (GST_BIN (p), src, sink, nullptr);
  gst_element_link (src, sink);
  Outcome o;
  g_signal_connect (src, "send-outcome", G_CALLBACK (on_outcome), &o);
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until ([&] { return fake->joined ("ronni"); }, 30000));
  guint64 id = 0;
  g_signal_emit_by_name (
      src, "send-message", "#ronni", "hello chat", "parent-42", &id);
  fail_unless (id > 0);
  fail_unless (poll_until (
      [&] {
        std::lock_guard<std::mutex> lk (o.mu);
        return !o.got.empty ();
      },
      30000));
  {
    std::lock_guard<std::mutex> lk (o.mu);
    fail_unless_equals_uint64 (o.got[0].first, id);
    fail_unless_equals_string (o.got[0].second.c_str (), "sent");
  }
  bool found = false;
  for (auto &r : fake->recorded ())
    found |= r.line
             == "@reply-parent-msg-id=parent-42 PRIVMSG #ronni :hello chat";
  fail_unless (found);
  GstMessage *m = nullptr;
  bool bus_outcome = false;
  GstBus *bus = gst_element_get_bus (p);
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_structure_has_name (
            gst_message_get_structure (m), "twitchchatsrc-send"))
      bus_outcome = true;
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  fail_unless (bus_outcome);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

GST_START_TEST (test_sink_sends_every_line)
{
  auto fake = start_fake (kToken);
  std::string launch = std::string ("appsrc name=in format=time "
                                    "caps=text/x-raw,format=utf8 ! "
                                    "twitchchatsink channel=room login=bot "
                                    "oauth-token=")
                       + kToken + " server=" + fake->uri ();
  GstElement *p = gst_parse_launch (launch.c_str (), nullptr);
  GstElement *in = gst_bin_get_by_name (GST_BIN (p), "in");
  gst_element_set_state (p, GST_STATE_PLAYING);
  const char *texts[] = {"first", "second\nthird", "  fourth  ", "", "fifth"};
  for (const char *t : texts) {
    GstBuffer *b
        = *t ? gst_buffer_new_memdup (t, strlen (t)) : gst_buffer_new ();
    fail_unless_equals_int (
        gst_app_src_push_buffer (GST_APP_SRC (in), b), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (in));
  GstMessage *m = wait_message (
      p, (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR), 60000);
  fail_unless (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS);
  gst_message_unref (m);
  /* EOS only after every line has an outcome: the server has them all. */
  std::vector<std::string> got;
  for (auto &r : fake->recorded ())
    if (r.line.rfind ("PRIVMSG #room :", 0) == 0)
      got.push_back (r.line.substr (15));
  std::vector<std::string> want
      = {"first", "second", "third", "fourth", "fifth"};
  fail_unless (got == want, "got %zu lines", got.size ());
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (in);
  gst_object_unref (p);
}
GST_END_TEST;

GST_START_TEST (test_token_never_in_debug_output)
{
  auto fake = start_fake (kToken);
  std::string launcher = twitch_test::find_program ("gst-launch-1.0");
  fail_if (launcher.empty (), "gst-launch-1.0 not found (checked in main)");
  twitch_test::TempDir dir;
  std::string log = dir.file ("debug.log");
  std::string server = "server=" + fake->uri ();
  std::string out_file = dir.file ("stdout.txt"),
              err_file = dir.file ("stderr.txt");
  /* gst-launch runs until the chat has flowed through it (not for a fixed
   * time: a slow machine or a sanitizer build must not empty the test);
   * `timeout` only bounds a hang, and relays the SIGINT sent below. */
  std::string cmd = "exec /usr/bin/timeout -s INT 120 '" + launcher
                    + "' -v -m twitchchatsrc channels=x login=bot " + server
                    + " post-messages=true ! fakesink silent=false > '"
                    + out_file + "' 2> '" + err_file + "'";
  const gchar *argv[] = {"/bin/sh", "-c", cmd.c_str (), nullptr};
  gchar **envp = g_get_environ ();
  envp = g_environ_setenv (envp, "GST_DEBUG", "*:9", TRUE);
  envp = g_environ_setenv (envp, "GST_DEBUG_FILE", log.c_str (), TRUE);
  envp = g_environ_setenv (envp, "GST_DEBUG_NO_COLOR", "1", TRUE);
  /* gst-launch's parser logs its command line before any element exists,
   * so the documented way to give gst-launch a token is the environment. */
  envp = g_environ_setenv (envp, "TWITCH_OAUTH_TOKEN", kToken, TRUE);
  GPid pid = 0;
  fail_unless (g_spawn_async (nullptr, (gchar **)argv, envp,
      G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &pid, nullptr));
  g_strfreev (envp);
  /* Chat flows while the pipeline runs: three lines, each seen by the
   * element (its debug log names them) before gst-launch is stopped. */
  bool joined_x = poll_until ([&] { return fake->joined ("x"); }, 60000);
  if (joined_x)
    fake->control ("privmsg x 3");
  bool seen
      = joined_x
        && poll_until (
            [&] {
              std::string l = twitch_test::read_file (log);
              size_t n = 0;
              for (size_t at = l.find ("PRIVMSG #x"); at != std::string::npos;
                   at = l.find ("PRIVMSG #x", at + 1))
                n++;
              return n >= 3;
            },
            60000);
  kill (pid, SIGINT);
  int wstatus = 0;
  waitpid (pid, &wstatus, 0);
  g_spawn_close_pid (pid);
  fail_unless (joined_x, "gst-launch never joined the channel");
  fail_unless (seen, "the chat lines never reached the element");
  std::string all = twitch_test::read_file (log)
                    + twitch_test::read_file (out_file)
                    + twitch_test::read_file (err_file);
  fail_unless (all.size () > 10000, "debug log too small: %zu", all.size ());
  fail_unless (all.find ("PASS oauth:<redacted>") != std::string::npos,
      "the login was not logged at all: the test would prove nothing");
  /* Not the token, nor any 8-byte piece of it. */
  std::string t (kToken);
  for (size_t i = 0; i + 8 <= t.size (); ++i)
    fail_unless (all.find (t.substr (i, 8)) == std::string::npos,
        "token bytes '%s' in the debug output", t.substr (i, 8).c_str ());
}
GST_END_TEST;

static guint64
stats_u64 (GstElement *src, const char *field)
{
  GstStructure *st = nullptr;
  guint64 v = 0;
  g_object_get (src, "stats", &st, nullptr);
  gst_structure_get_uint64 (st, field, &v);
  gst_structure_free (st);
  return v;
}

/* max-pending (docs/chat.md): 10000 by default; with downstream stuck, at
 * most max-pending events are held and the oldest beyond are dropped and
 * counted in stats' dropped-overflow; nothing is lost uncounted. */
GST_START_TEST (test_max_pending_overflow_drops_oldest_and_counts)
{
  GstElement *probe = gst_element_factory_make ("twitchchatsrc", nullptr);
  GParamSpec *ps = g_object_class_find_property (
      G_OBJECT_GET_CLASS (probe), "max-pending");
  fail_unless_equals_int (G_PARAM_SPEC_UINT (ps)->default_value, 10000);
  gst_object_unref (probe);

  auto fake = start_fake ();
  std::string launch = "twitchchatsrc name=chat channels=ronni max-pending=100 "
                       "server="
                       + fake->uri ()
                       + " ! application/x-twitch-chat ! appsink name=out "
                         "sync=false max-buffers=1 drop=false";
  GstElement *p = gst_parse_launch (launch.c_str (), nullptr);
  fail_unless (p != nullptr);
  GstElement *chat = gst_bin_get_by_name (GST_BIN (p), "chat");
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until ([&] { return fake->joined ("ronni"); }, 30000));
  /* Nobody pulls from the appsink: downstream is stuck after one event. */
  fake->control ("privmsg ronni 1000");
  /* The chat thread waits up to 1 s a read for room, then drops: wait
   * until at most 2 x 100 (the queue, and the batch the streaming thread
   * took from it; + what is downstream and the room's own events, as
   * bounded below) can be left, then until the count settles (the chat
   * thread's 1 s wait for room has passed with nothing more to drop). */
  fail_unless (
      poll_until (
          [&] { return stats_u64 (chat, "dropped-overflow") >= 788; }, 60000),
      "dropped-overflow %" G_GUINT64_FORMAT,
      stats_u64 (chat, "dropped-overflow"));
  guint64 dropped = stats_u64 (chat, "dropped-overflow");
  for (int settled = 0; settled < 30; settled++) {
    bool changed = poll_until (
        [&] { return stats_u64 (chat, "dropped-overflow") != dropped; }, 1500);
    if (!changed)
      break;
    dropped = stats_u64 (chat, "dropped-overflow");
  }
  /* Now drain: what is left is what was held. */
  guint delivered = 0;
  GstSample *smp;
  while ((smp = gst_app_sink_try_pull_sample (
              GST_APP_SINK (out), 2 * GST_SECOND))) {
    /* A buffer holds one or more events, one JSON object a line. */
    GstBuffer *b = gst_sample_get_buffer (smp);
    GstMapInfo map;
    fail_unless (gst_buffer_map (b, &map, GST_MAP_READ));
    for (gsize i = 0; i < map.size; i++)
      delivered += map.data[i] == '\n';
    if (map.size > 0 && map.data[map.size - 1] != '\n')
      delivered++;
    gst_buffer_unmap (b, &map);
    gst_sample_unref (smp);
  }
  fail_unless_equals_uint64 (stats_u64 (chat, "dropped-overflow"), dropped);
  /* The JOIN confirmation and room state may come before the chat. */
  fail_unless (delivered + dropped >= 1000 && delivered + dropped <= 1010,
      "delivered %u + dropped %" G_GUINT64_FORMAT, delivered, dropped);
  /* Whole socket reads are dropped, oldest first, so fewer than 100 may be
   * left in the queue; never more, and the streaming thread holds at most one
   * batch it took from the queue (+ the ones downstream and the room's own
   * events). */
  fail_unless (delivered >= 1 && delivered <= 2 * 100 + 2 + 10,
      "%u delivered: at most max-pending=100 queued and one batch of as many "
      "being pushed, plus the ones downstream",
      delivered);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (chat);
  gst_object_unref (out);
  gst_object_unref (p);
}
GST_END_TEST;

static Suite *
twitchchat_suite (void)
{
  Suite *s = suite_create ("twitchchat");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_bad_settings_are_errors);
  tcase_add_test (tc, test_textoverlay_renders_chat);
  tcase_add_test (tc, test_json_events_and_bus_messages);
  tcase_add_test (tc, test_replay_follows_the_clock);
  tcase_add_test (tc, test_login_failure_one_clear_error);
  tcase_add_test (tc, test_send_message_signal);
  tcase_add_test (tc, test_sink_sends_every_line);
  tcase_add_test (tc, test_token_never_in_debug_output);
  tcase_add_test (tc, test_max_pending_overflow_drops_oldest_and_counts);
  return s;
}

/* GST_CHECK_MAIN, after checking the peers: Check has no per-test skip, so
 * a missing peer skips (exit 77) or, in CI, fails the whole program. */
int
main (int argc, char **argv)
{
  std::string missing;
  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    missing = "/usr/bin/python3 not found, the fake TMI server's interpreter "
              "(apt-get install python3)";
  else if (twitch_test::find_program ("openssl").empty ())
    missing = "openssl not found on PATH (apt-get install openssl)";
  else if (twitch_test::find_program ("gst-launch-1.0").empty ())
    missing = "gst-launch-1.0 not found on PATH (apt-get install "
              "gstreamer1.0-tools)";
  twitch_test::require_peer_or_exit (missing);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (twitchchat_suite (), "twitchchat", __FILE__);
}
