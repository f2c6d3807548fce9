/* twitchchatsrc and twitchchatsink against hostile input and quiet or
 * failing peers (the fake TMI server): bad property values are one
 * SETTINGS error naming the property and never a line on the wire;
 * send-message arguments cannot inject; a silent Twitch-like channel keeps
 * one connection; the first failure of a connection is one warning, its
 * recovery another; a sink that sent nothing ends in an error, one that
 * lost some in a warning; invalid UTF-8 is never sent; a certificate error
 * is one error; tag keys a server invents do not become quarks forever. */
#include <gst/app/app.h>
#include <gst/check/gstcheck.h>

#include "tmi_fake_check.h"

#include <mutex>
#include <string>
#include <vector>

using twitch_test::poll_until;
using twitch_test::TmiFake;
using twitch_test::TmiFakeOptions;

static const char *kToken = "hostileElementTok3n0987";

/* Every bus message of @types until @until is seen (or @ms pass). */
static std::vector<GstMessage *>
collect (
    GstElement *pipeline, GstMessageType types, GstMessageType until, int ms)
{
  std::vector<GstMessage *> out;
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 end = g_get_monotonic_time () + (gint64)ms * 1000;
  while (g_get_monotonic_time () < end) {
    GstMessage *m = gst_bus_timed_pop_filtered (
        bus, 50 * GST_MSECOND, (GstMessageType)(types | until));
    if (!m)
      continue;
    bool stop = GST_MESSAGE_TYPE (m) & until;
    out.push_back (m);
    if (stop)
      break;
  }
  gst_object_unref (bus);
  return out;
}

static void
free_all (std::vector<GstMessage *> &v)
{
  for (auto *m : v)
    gst_message_unref (m);
  v.clear ();
}

static std::string
message_text (GstMessage *m)
{
  GError *err = nullptr;
  gchar *dbg = nullptr;
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
    gst_message_parse_error (m, &err, &dbg);
  else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING)
    gst_message_parse_warning (m, &err, &dbg);
  else
    return {};
  std::string t = err->message;
  g_error_free (err);
  g_free (dbg);
  return t;
}

static GstElement *
make_src_pipeline (GstElement **src_out)
{
  GstElement *p = gst_pipeline_new (nullptr);
  GstElement *src = gst_element_factory_make ("twitchchatsrc", "src");
  GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
  g_object_set (sink, "async", FALSE, nullptr);
  gst_bin_add_many (GST_BIN (p), src, sink, nullptr);
  gst_element_link (src, sink);
  *src_out = src;
  return p;
}

/* Runs @p to an error; checks it is RESOURCE/SETTINGS and names @needle. */
static void
expect_settings_error (GstElement *p, const char *needle, const char *secret)
{
  gst_element_set_state (p, GST_STATE_PLAYING);
  auto msgs = collect (p, GST_MESSAGE_ERROR, GST_MESSAGE_ERROR, 10000);
  fail_unless (!msgs.empty (), "no error (expected one naming %s)", needle);
  GError *err = nullptr;
  gst_message_parse_error (msgs.back (), &err, nullptr);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless_equals_int (err->code, GST_RESOURCE_ERROR_SETTINGS);
  fail_unless (strstr (err->message, needle) != nullptr,
      "'%s' does not name '%s'", err->message, needle);
  fail_unless (strchr (err->message, '\r') == nullptr);
  if (secret)
    fail_unless (strstr (err->message, secret) == nullptr);
  g_error_free (err);
  free_all (msgs);
  gst_element_set_state (p, GST_STATE_NULL);
}

GST_START_TEST (test_bad_properties_never_reach_the_wire)
{
  auto fake = start_fake (kToken);
  std::string bad_token = std::string (kToken) + "\r\nPRIVMSG #other :x";
  struct {
    const char *element;
    const char *prop;
    const char *value;
  } cases[] = {
      {"twitchchatsrc", "channels", "good,evil\r\nQUIT"},
      {"twitchchatsrc", "channels", "good,#ok,b@d"},
      {"twitchchatsrc", "login", "testbot\r\nPRIVMSG #other :x"},
      {"twitchchatsrc", "oauth-token", bad_token.c_str ()},
      {"twitchchatsink", "channel", "good,#other"},
      {"twitchchatsink", "channel", "good\r\nQUIT"},
      {"twitchchatsink", "login", "testbot\r\nPRIVMSG #other :x"},
      {"twitchchatsink", "oauth-token", bad_token.c_str ()},
  };
  for (auto &c : cases) {
    GstElement *p;
    if (!strcmp (c.element, "twitchchatsrc")) {
      GstElement *src;
      p = make_src_pipeline (&src);
      g_object_set (src, "channels", "good", "login", "testbot", "oauth-token",
          kToken, "server", fake->uri ().c_str (), nullptr);
      g_object_set (src, c.prop, c.value, nullptr);
    } else {
      p = gst_parse_launch ("appsrc caps=text/x-raw,format=utf8 ! "
                            "twitchchatsink name=out",
          nullptr);
      GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
      g_object_set (out, "channel", "good", "login", "testbot", "oauth-token",
          kToken, "server", fake->uri ().c_str (), nullptr);
      g_object_set (out, c.prop, c.value, nullptr);
      gst_object_unref (out);
    }
    expect_settings_error (p, c.prop, kToken);
    gst_object_unref (p);
  }
  /* A value set right again is accepted. */
  GstElement *src;
  GstElement *p = make_src_pipeline (&src);
  g_object_set (src, "channels", "bad\nname", nullptr);
  g_object_set (
      src, "channels", "#Good", "server", fake->uri ().c_str (), nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until ([&] { return fake->joined ("good"); }, 30000));
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  /* Only the last pipeline ever spoke to the server, and only as itself. */
  fail_unless_equals_int (fake->stat ("connections"), 1);
  for (auto &r : fake->recorded ()) {
    fail_unless (
        r.line.find ("QUIT") == std::string::npos, "%s", r.line.c_str ());
    fail_unless (
        r.line.find ("#other") == std::string::npos, "%s", r.line.c_str ());
  }
}
GST_END_TEST;

GST_START_TEST (test_bad_environment_token_is_named)
{
  auto fake = start_fake (kToken);
  std::string bad = std::string (kToken) + "\nQUIT";
  g_setenv ("TWITCH_OAUTH_TOKEN", bad.c_str (), TRUE);
  GstElement *p = gst_parse_launch (
      "appsrc caps=text/x-raw,format=utf8 ! twitchchatsink name=out "
      "channel=good login=testbot",
      nullptr);
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  g_object_set (out, "server", fake->uri ().c_str (), nullptr);
  gst_object_unref (out);
  expect_settings_error (p, "TWITCH_OAUTH_TOKEN", kToken);
  gst_object_unref (p);
  g_unsetenv ("TWITCH_OAUTH_TOKEN");
  /* No token at all: the error names both ways to give one. */
  p = gst_parse_launch ("appsrc caps=text/x-raw,format=utf8 ! twitchchatsink "
                        "channel=good login=testbot",
      nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  auto msgs = collect (p, GST_MESSAGE_ERROR, GST_MESSAGE_ERROR, 10000);
  fail_unless (!msgs.empty ());
  std::string t = message_text (msgs.back ());
  fail_unless (
      t.find ("TWITCH_OAUTH_TOKEN") != std::string::npos, "%s", t.c_str ());
  fail_unless (t.find ("oauth-token") != std::string::npos, "%s", t.c_str ());
  free_all (msgs);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  fail_unless_equals_int (fake->stat ("connections"), 0);
}
GST_END_TEST;

struct Outcomes {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> got; /* outcome, reason */
};

static void
on_outcome (GstElement *, guint64, const gchar *outcome, const gchar *reason,
    gpointer data)
{
  auto *o = static_cast<Outcomes *> (data);
  std::lock_guard<std::mutex> lk (o->mu);
  o->got.emplace_back (outcome, reason ? reason : "");
}

GST_START_TEST (test_send_message_cannot_inject)
{
  auto fake = start_fake (kToken);
  GstElement *src;
  GstElement *p = make_src_pipeline (&src);
  g_object_set (src, "channels", "good", "login", "testbot", "oauth-token",
      kToken, "server", fake->uri ().c_str (), nullptr);
  Outcomes o;
  g_signal_connect (src, "send-outcome", G_CALLBACK (on_outcome), &o);
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until ([&] { return fake->joined ("good"); }, 30000));
  struct {
    const char *channel, *text, *reply;
  } bad[] = {
      {"good,#other", "hi", nullptr},
      {"good other", "hi", nullptr},
      {"good\r\nQUIT", "hi", nullptr},
      {"good", "hi\r\nQUIT", nullptr},
      {"good", "hi", "x\r\nQUIT"},
      {"good", "hi", "a b"},
      {"good", "bad \xff utf-8", nullptr},
  };
  for (auto &b : bad) {
    guint64 id = 0;
    g_signal_emit_by_name (
        src, "send-message", b.channel, b.text, b.reply, &id);
    fail_unless (id > 0);
  }
  guint64 id = 0;
  g_signal_emit_by_name (src, "send-message", "#good", "marker", nullptr, &id);
  fail_unless (poll_until (
      [&] {
        std::lock_guard<std::mutex> lk (o.mu);
        return o.got.size () == G_N_ELEMENTS (bad) + 1;
      },
      30000));
  {
    std::lock_guard<std::mutex> lk (o.mu);
    int sent = 0;
    for (auto &g : o.got) {
      if (g.first == "sent") {
        sent++;
        continue;
      }
      fail_unless_equals_string (g.first.c_str (), "failed");
      fail_if (g.second.empty (), "a failed send must say why");
    }
    fail_unless_equals_int (sent, 1);
  }
  for (auto &r : fake->recorded ()) {
    const std::string &l = r.line;
    bool expected = l.rfind ("CAP ", 0) == 0 || l.rfind ("PASS ", 0) == 0
                    || l == "NICK testbot" || l.rfind ("USER testbot", 0) == 0
                    || l == "JOIN #good" || l == "PRIVMSG #good :marker";
    fail_unless (expected, "unexpected line on the wire: %s", l.c_str ());
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

/* Twitch on a quiet channel, scaled down 120x: the client PINGs after
 * 0.5 s idle (60 s), the server every 2.5 s (5 minutes). Many idle times
 * later: one connection, and no warning. */
GST_START_TEST (test_silent_channel_keeps_one_connection)
{
  auto fake = start_fake (nullptr, false, 2.5);
  g_setenv ("GST_TWITCH_CHAT_PING_IDLE_MS", "500", TRUE);
  g_setenv ("GST_TWITCH_CHAT_PONG_TIMEOUT_MS", "500", TRUE);
  GstElement *src;
  GstElement *p = make_src_pipeline (&src);
  g_object_set (
      src, "channels", "quiet", "server", fake->uri ().c_str (), nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until ([&] { return fake->joined ("quiet"); }, 30000));
  fail_unless (poll_until (
                   [&] {
                     return fake->count_lines ("PING ") >= 12
                            && fake->stat ("pongs") >= 2;
                   },
                   60000),
      "%d client PINGs, %d PONGs", fake->count_lines ("PING "),
      fake->stat ("pongs"));
  fail_unless_equals_int (fake->stat ("connections"), 1);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *w = gst_bus_pop_filtered (
      bus, (GstMessageType)(GST_MESSAGE_WARNING | GST_MESSAGE_ERROR));
  fail_unless (w == nullptr, "%s", w ? message_text (w).c_str () : "");
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  g_unsetenv ("GST_TWITCH_CHAT_PING_IDLE_MS");
  g_unsetenv ("GST_TWITCH_CHAT_PONG_TIMEOUT_MS");
}
GST_END_TEST;

static int
count_type (const std::vector<GstMessage *> &v, GstMessageType t)
{
  int n = 0;
  for (auto *m : v)
    n += GST_MESSAGE_TYPE (m) == t;
  return n;
}

static int
count_states (const std::vector<GstMessage *> &v, const char *state)
{
  int n = 0;
  for (auto *m : v) {
    const GstStructure *s = gst_message_get_structure (m);
    /* Named after the element and the state: twitchchatsrc-connected. */
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && (gst_structure_has_name (
                s, (std::string ("twitchchatsrc-") + state).c_str ())
            || gst_structure_has_name (
                s, (std::string ("twitchchatsink-") + state).c_str ())))
      n += !g_strcmp0 (gst_structure_get_string (s, "state"), state);
  }
  return n;
}

GST_START_TEST (test_failure_warns_once_and_recovery_once)
{
  auto fake = start_fake ();
  /* A server that is down: one warning naming the cause and the retry,
   * however many retries follow. */
  GstElement *src;
  GstElement *p = make_src_pipeline (&src);
  twitch_test::RefusedPort dead;
  g_object_set (
      src, "channels", "room", "server", dead.url ("irc").c_str (), nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  std::vector<GstMessage *> msgs;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (count_states (msgs, "reconnecting") < 3
         && g_get_monotonic_time () < end) {
    auto more = collect (p,
        (GstMessageType)(GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT),
        GST_MESSAGE_ERROR, 200);
    msgs.insert (msgs.end (), more.begin (), more.end ());
  }
  fail_unless (count_states (msgs, "reconnecting") >= 3);
  fail_unless_equals_int (count_type (msgs, GST_MESSAGE_WARNING), 1);
  for (auto *m : msgs)
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      std::string t = message_text (m);
      fail_unless (t.find ("Could not connect") != std::string::npos
                       && t.find ("Retrying in") != std::string::npos,
          "%s", t.c_str ());
    }
  free_all (msgs);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);

  /* A connection that drops and comes back: one warning for the drop,
   * one for the recovery. */
  p = make_src_pipeline (&src);
  g_object_set (
      src, "channels", "room", "server", fake->uri ().c_str (), nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until ([&] { return fake->joined ("room"); }, 30000));
  auto before = collect (p, GST_MESSAGE_WARNING, GST_MESSAGE_WARNING, 100);
  fail_unless_equals_int ((int)before.size (), 0);
  fake->control ("drop");
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (count_type (msgs, GST_MESSAGE_WARNING) < 2
         && g_get_monotonic_time () < end) {
    auto more = collect (p, GST_MESSAGE_WARNING, GST_MESSAGE_ERROR, 200);
    msgs.insert (msgs.end (), more.begin (), more.end ());
  }
  fail_unless_equals_int (count_type (msgs, GST_MESSAGE_WARNING), 2);
  std::string first = message_text (msgs[0]);
  std::string second = message_text (msgs[1]);
  fail_unless (first.find ("lost") != std::string::npos, "%s", first.c_str ());
  fail_unless (
      second.find ("is back") != std::string::npos, "%s", second.c_str ());
  free_all (msgs);
  /* A server's RECONNECT is routine, not a failure. */
  fake->control ("reconnect");
  fail_unless (poll_until (
      [&] { return fake->stat ("connections") == 3 && fake->joined ("room"); },
      30000));
  msgs = collect (p, GST_MESSAGE_WARNING, GST_MESSAGE_ERROR, 500);
  fail_unless_equals_int (count_type (msgs, GST_MESSAGE_WARNING), 0);
  free_all (msgs);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

static GstElement *
sink_pipeline (const std::string &server, const char *extra = "")
{
  std::string launch = std::string ("appsrc name=in format=time "
                                    "caps=text/x-raw,format=utf8 ! "
                                    "twitchchatsink name=out channel=room "
                                    "login=bot ")
                       + extra;
  GstElement *p = gst_parse_launch (launch.c_str (), nullptr);
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  g_object_set (out, "server", server.c_str (), "oauth-token", kToken, nullptr);
  gst_object_unref (out);
  return p;
}

static void
push_and_end (GstElement *p, const std::string &text)
{
  GstElement *in = gst_bin_get_by_name (GST_BIN (p), "in");
  gst_app_src_push_buffer (
      GST_APP_SRC (in), gst_buffer_new_memdup (text.data (), text.size ()));
  gst_app_src_end_of_stream (GST_APP_SRC (in));
  gst_object_unref (in);
}

GST_START_TEST (test_sink_that_sent_nothing_ends_in_error)
{
  twitch_test::RefusedPort dead;
  GstElement *p = sink_pipeline (dead.url ("irc"), "max-age=300000000");
  gst_element_set_state (p, GST_STATE_PLAYING);
  push_and_end (p, "one\ntwo\n");
  auto msgs = collect (p, GST_MESSAGE_WARNING,
      (GstMessageType)(GST_MESSAGE_ERROR | GST_MESSAGE_EOS), 30000);
  fail_unless (!msgs.empty ());
  GstMessage *last = msgs.back ();
  fail_unless_equals_int (GST_MESSAGE_TYPE (last), GST_MESSAGE_ERROR);
  GError *err = nullptr;
  gst_message_parse_error (last, &err, nullptr);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless_equals_int (err->code, GST_RESOURCE_ERROR_WRITE);
  fail_unless (
      strstr (err->message, "None of the 2") != nullptr, "%s", err->message);
  fail_unless (
      strstr (err->message, "2 expired") != nullptr, "%s", err->message);
  g_error_free (err);
  /* The connection failure itself was said first. */
  fail_unless (count_type (msgs, GST_MESSAGE_WARNING) >= 1);
  free_all (msgs);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

GST_START_TEST (test_sink_invalid_utf8_never_sent_and_counted)
{
  auto fake = start_fake (kToken);
  GstElement *p = sink_pipeline (fake->uri ());
  gst_element_set_state (p, GST_STATE_PLAYING);
  push_and_end (p, "good line\nbad \xff\xfe line\n");
  auto msgs
      = collect (p, (GstMessageType)(GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT),
          (GstMessageType)(GST_MESSAGE_ERROR | GST_MESSAGE_EOS), 30000);
  fail_unless (!msgs.empty ());
  fail_unless_equals_int (GST_MESSAGE_TYPE (msgs.back ()), GST_MESSAGE_EOS);
  bool warned = false, failed = false;
  for (auto *m : msgs) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      std::string t = message_text (m);
      warned |= t.find ("1 of 2 chat messages were not sent") == 0;
    }
    const GstStructure *s = gst_message_get_structure (m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "twitchchatsink-send")
        && !g_strcmp0 (gst_structure_get_string (s, "outcome"), "failed")) {
      failed = true;
      fail_unless (strstr (gst_structure_get_string (s, "reason"), "UTF-8"));
    }
  }
  fail_unless (warned, "no warning counting the lost message");
  fail_unless (failed, "no failed outcome for the invalid line");
  free_all (msgs);
  int privmsgs = 0;
  for (auto &r : fake->recorded ())
    if (r.line.rfind ("PRIVMSG", 0) == 0) {
      privmsgs++;
      fail_unless (r.line == "PRIVMSG #room :good line", "%s", r.line.c_str ());
    }
  fail_unless_equals_int (privmsgs, 1);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

GST_START_TEST (test_certificate_error_is_one_error)
{
  auto fake = start_fake (nullptr, true);
  GstElement *src;
  GstElement *p = make_src_pipeline (&src);
  /* No tls-ca-file: the fake's self-signed certificate does not verify. */
  g_object_set (
      src, "channels", "room", "server", fake->uri ().c_str (), nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  auto msgs = collect (p, GST_MESSAGE_WARNING, GST_MESSAGE_ERROR, 30000);
  fail_unless (!msgs.empty ());
  fail_unless_equals_int (GST_MESSAGE_TYPE (msgs.back ()), GST_MESSAGE_ERROR);
  GError *err = nullptr;
  gst_message_parse_error (msgs.back (), &err, nullptr);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless (
      strstr (err->message, "certificate") != nullptr, "%s", err->message);
  g_error_free (err);
  fail_unless_equals_int (count_type (msgs, GST_MESSAGE_WARNING), 0);
  free_all (msgs);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

struct TagCounts {
  std::mutex mu;
  int privmsgs = 0;
  int with_extra = 0;
};

static GstPadProbeReturn
tag_probe (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto *c = static_cast<TagCounts *> (data);
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (ev) != GST_EVENT_CUSTOM_DOWNSTREAM)
    return GST_PAD_PROBE_OK;
  const GstStructure *s = gst_event_get_structure (ev);
  if (!gst_structure_has_name (s, "twitch-chat")
      || g_strcmp0 (gst_structure_get_string (s, "command"), "PRIVMSG"))
    return GST_PAD_PROBE_OK;
  std::lock_guard<std::mutex> lk (c->mu);
  c->privmsgs++;
  const gchar *extra = gst_structure_get_string (s, "extra-tags");
  if (extra && g_str_has_prefix (extra, "zz-hostile-"))
    c->with_extra++;
  return GST_PAD_PROBE_OK;
}

/* A server inventing a new tag key in every message must not grow the
 * process's quark table (quarks are never freed) without bound. */
GST_START_TEST (test_invented_tag_keys_do_not_become_quarks)
{
  auto fake = start_fake ();
  GstElement *src;
  GstElement *p = make_src_pipeline (&src);
  g_object_set (
      src, "channels", "room", "server", fake->uri ().c_str (), nullptr);
  TagCounts c;
  GstPad *pad = gst_element_get_static_pad (src, "src");
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, tag_probe, &c, nullptr);
  gst_object_unref (pad);
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until ([&] { return fake->joined ("room"); }, 30000));
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    gchar *line = g_strdup_printf (
        "raw @zz-hostile-%d=v;id=00000000-0000-4000-8000-%012d;user-id=1 "
        ":u!u@u.tmi.twitch.tv PRIVMSG #room :tagged %d",
        i, i, i);
    fake->control (line);
    g_free (line);
  }
  fail_unless (poll_until (
      [&] {
        std::lock_guard<std::mutex> lk (c.mu);
        return c.privmsgs == n;
      },
      30000));
  int quarks = 0;
  for (int i = 0; i < n; ++i) {
    gchar *key = g_strdup_printf ("zz-hostile-%d", i);
    quarks += g_quark_try_string (key) != 0;
    g_free (key);
  }
  fail_unless (quarks <= 256, "%d invented keys became quarks", quarks);
  {
    std::lock_guard<std::mutex> lk (c.mu);
    /* The others are still there, as strings. */
    fail_unless_equals_int (c.with_extra, n - quarks);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

static Suite *
twitchchat_hostile_suite (void)
{
  Suite *s = suite_create ("twitchchat_hostile");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_bad_properties_never_reach_the_wire);
  tcase_add_test (tc, test_bad_environment_token_is_named);
  tcase_add_test (tc, test_send_message_cannot_inject);
  tcase_add_test (tc, test_silent_channel_keeps_one_connection);
  tcase_add_test (tc, test_failure_warns_once_and_recovery_once);
  tcase_add_test (tc, test_sink_that_sent_nothing_ends_in_error);
  tcase_add_test (tc, test_sink_invalid_utf8_never_sent_and_counted);
  tcase_add_test (tc, test_certificate_error_is_one_error);
  tcase_add_test (tc, test_invented_tag_keys_do_not_become_quarks);
  return s;
}

GST_CHECK_MAIN (twitchchat_hostile);
