/* GstCheck tests of twitchchatsrc and twitchchatsink with transport=eventsub
 * against the Helix fake's EventSub stand-in (tests/peers/helix-fake): the
 * property on both elements, chat read into JSON records and bus messages,
 * the sink sending through Helix Send Chat Message, a missing scope as one
 * clear error, and one conversation giving the same JSON records (but
 * "transport") over IRC (tests/peers/tmi_fake.py) and over EventSub. */
#include <gst/app/app.h>
#include <gst/check/gstcheck.h>

#include <json-glib/json-glib.h>

#include "helix_fake.h"
#include "support/require.h"
#include "support/tmi_fake.h"

#include <sys/wait.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using twitch_test::HelixFake;
using twitch_test::poll_until;
using twitch_test::TmiFake;
using twitch_test::TmiFakeOptions;

static std::unique_ptr<HelixFake>
start_helix (const std::vector<std::string> *scopes = nullptr)
{
  auto fake = std::make_unique<HelixFake> ();
  GError *err = nullptr;
  bool ok = fake->start (&err);
  fail_unless (
      ok, "the Helix fake did not start: %s", err ? err->message : "?");
  if (scopes)
    fake->set_user_scopes (*scopes);
  for (const char *v : {"TWITCH_REFRESH_TOKEN", "TWITCH_CLIENT_ID",
           "TWITCH_CLIENT_SECRET", "XDG_CONFIG_HOME"})
    g_unsetenv (v);
  g_setenv ("TWITCH_HELIX_URL", fake->helix_url ().c_str (), TRUE);
  g_setenv ("TWITCH_AUTH_URL", fake->auth_url ().c_str (), TRUE);
  g_setenv ("TWITCH_EVENTSUB_URL", fake->eventsub_url ().c_str (), TRUE);
  /* The token stays off the pipeline description (as docs/chat.md says). */
  g_setenv ("TWITCH_OAUTH_TOKEN", fake->current_user_token ().c_str (), TRUE);
  return fake;
}

/* The JSON record of the next buffer of @sink, "" after 10 s. */
static std::string
pull_json (GstElement *sink)
{
  GstSample *s
      = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND);
  if (!s)
    return {};
  GstBuffer *b = gst_sample_get_buffer (s);
  GstMapInfo map;
  gst_buffer_map (b, &map, GST_MAP_READ);
  std::string line ((const char *)map.data, map.size);
  gst_buffer_unmap (b, &map);
  gst_sample_unref (s);
  return line;
}

/* @line without the members that depend on when and how it arrived. */
static std::string
without_transport (const std::string &line)
{
  JsonParser *p = json_parser_new ();
  fail_unless (json_parser_load_from_data (p, line.c_str (), -1, nullptr),
      "not JSON: %s", line.c_str ());
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  for (const char *k : {"transport", "arrival", "pts"})
    json_object_remove_member (o, k);
  JsonGenerator *g = json_generator_new ();
  json_generator_set_root (g, json_parser_get_root (p));
  gchar *s = json_generator_to_data (g, nullptr);
  std::string out (s);
  g_free (s);
  g_object_unref (g);
  g_object_unref (p);
  return out;
}

static std::string
member (const std::string &line, const char *name)
{
  JsonParser *p = json_parser_new ();
  std::string out;
  if (json_parser_load_from_data (p, line.c_str (), -1, nullptr)) {
    JsonObject *o = json_node_get_object (json_parser_get_root (p));
    if (json_object_has_member (o, name))
      out = json_object_get_string_member (o, name);
  }
  g_object_unref (p);
  return out;
}

GST_START_TEST (test_transport_property_on_both_elements)
{
  for (const char *factory : {"twitchchatsrc", "twitchchatsink"}) {
    GstElement *e = gst_element_factory_make (factory, nullptr);
    fail_unless (e != nullptr);
    GParamSpec *ps
        = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "transport");
    fail_unless (ps != nullptr, "%s has no transport", factory);
    fail_unless_equals_string (
        g_type_name (ps->owner_type), "GstTwitchChatSettingsHandler");
    fail_unless_equals_string (
        g_type_name (ps->value_type), "GstTwitchChatTransport");
    fail_unless (ps->flags & GST_PARAM_MUTABLE_READY);
    gint v = -1;
    g_object_get (e, "transport", &v, nullptr);
    fail_unless_equals_int (v, 0); /* irc */
    gst_util_set_object_arg (G_OBJECT (e), "transport", "eventsub");
    g_object_get (e, "transport", &v, nullptr);
    fail_unless_equals_int (v, 1);
    GEnumClass *ec = G_ENUM_CLASS (g_type_class_ref (ps->value_type));
    fail_unless_equals_string (g_enum_get_value (ec, 0)->value_nick, "irc");
    fail_unless_equals_string (
        g_enum_get_value (ec, 1)->value_nick, "eventsub");
    g_type_class_unref (ec);
    gst_object_unref (e);
  }
}
GST_END_TEST;

GST_START_TEST (test_src_reads_chat_over_eventsub)
{
  auto fake = start_helix ();
  GstElement *p = gst_parse_launch (
      "twitchchatsrc channels=twitchdev transport=eventsub post-messages=true "
      "! application/x-twitch-chat ! appsink name=out sync=false",
      nullptr);
  fail_unless (p != nullptr);
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (
      poll_until ([&] { return fake->eventsub_subscriptions () == 5; }, 30000),
      "the five chat subscriptions were not made");
  fake->eventsub_chat_message ("twitchdev", "chatter0001", "hi from eventsub");
  std::string line = pull_json (out);
  fail_if (line.empty (), "no buffer");
  /* Named: the check macros keep the pointers past the statement. */
  std::string command = member (line, "command"), text = member (line, "text"),
              login = member (line, "login"),
              transport = member (line, "transport");
  fail_unless_equals_string (command.c_str (), "PRIVMSG");
  fail_unless_equals_string (text.c_str (), "hi from eventsub");
  fail_unless_equals_string (login.c_str (), "chatter0001");
  fail_unless_equals_string (transport.c_str (), "eventsub");
  /* The bus message, as over IRC. */
  GstBus *bus = gst_element_get_bus (p);
  bool chat_message = false;
  for (int i = 0; i < 50 && !chat_message; ++i) {
    GstMessage *m = gst_bus_timed_pop_filtered (
        bus, 200 * GST_MSECOND, GST_MESSAGE_ELEMENT);
    if (!m)
      continue;
    const GstStructure *s = gst_message_get_structure (m);
    chat_message = gst_structure_has_name (s, "twitchchatsrc-chat")
                   && g_strcmp0 (gst_structure_get_string (s, "text"),
                          "hi from eventsub")
                          == 0;
    gst_message_unref (m);
  }
  fail_unless (chat_message, "no twitchchatsrc-chat bus message");
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (out);
  gst_object_unref (p);
  /* Stopping closed the WebSocket. */
  fail_unless (
      poll_until ([&] { return fake->eventsub_sessions () == 0; }, 10000));
}
GST_END_TEST;

GST_START_TEST (test_sink_sends_through_helix)
{
  auto fake = start_helix ();
  GstElement *p = gst_parse_launch (
      "appsrc name=in format=time caps=text/x-raw,format=utf8 "
      "! twitchchatsink channel=twitchdev transport=eventsub",
      nullptr);
  fail_unless (p != nullptr);
  GstElement *in = gst_bin_get_by_name (GST_BIN (p), "in");
  gst_element_set_state (p, GST_STATE_PLAYING);
  const char *text = "hello from twitchchatsink";
  GstBuffer *b = gst_buffer_new_memdup (text, strlen (text));
  GST_BUFFER_PTS (b) = 0;
  fail_unless_equals_int (
      gst_app_src_push_buffer (GST_APP_SRC (in), b), GST_FLOW_OK);
  fail_unless (poll_until (
      [&] {
        auto sent = fake->sent_chat_messages ();
        return !sent.empty () && sent.back () == text;
      },
      30000));
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (in);
  gst_object_unref (p);
}
GST_END_TEST;

GST_START_TEST (test_missing_scope_is_one_clear_error)
{
  std::vector<std::string> scopes = {"user:write:chat"};
  auto fake = start_helix (&scopes);
  GstElement *p = gst_parse_launch (
      "twitchchatsrc channels=twitchdev transport=eventsub ! fakesink",
      nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *m
      = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (m != nullptr, "no error");
  GError *err = nullptr;
  gst_message_parse_error (m, &err, nullptr);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless_equals_int (err->code, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  fail_unless (
      strstr (err->message, "user:read:chat") != nullptr, "%s", err->message);
  g_error_free (err);
  gst_message_unref (m);
  /* No WebSocket was opened, nothing retried. */
  fail_unless_equals_uint64 (fake->eventsub_connections (), 0);
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

/* Reads @n JSON records of @src_desc ("twitchchatsrc ...") after @ready and
 * @feed. */
static std::vector<std::string>
records (const std::string &src_desc, int n,
    const std::function<bool ()> &ready, const std::function<void ()> &feed)
{
  GstElement *p = gst_parse_launch ((src_desc
                                        + " ! application/x-twitch-chat "
                                          "! appsink name=out sync=false")
                                        .c_str (),
      nullptr);
  fail_unless (p != nullptr);
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  gst_element_set_state (p, GST_STATE_PLAYING);
  fail_unless (poll_until (ready, 30000), "not joined: %s", src_desc.c_str ());
  feed ();
  std::vector<std::string> got;
  while ((int)got.size () < n) {
    std::string line = pull_json (out);
    if (line.empty ())
      break;
    /* The chat events; IRC's own state and membership (ROOMSTATE,
     * USERSTATE, JOIN, PART) have no EventSub counterpart. */
    std::string command = member (line, "command");
    if (command != "PRIVMSG" && command != "USERNOTICE"
        && command != "CLEARCHAT" && command != "CLEARMSG")
      continue;
    got.push_back (line);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (out);
  gst_object_unref (p);
  return got;
}

GST_START_TEST (test_same_records_over_irc_and_eventsub)
{
  const int kRecords = 8;
  /* Over IRC: the conversation as Twitch's IRC lines. */
  auto tmi = std::make_unique<TmiFake> ();
  TmiFakeOptions o;
  GError *err = nullptr;
  bool ok = tmi->start (o, &err);
  fail_unless (
      ok, "the fake TMI server did not start: %s", err ? err->message : "?");
  std::vector<std::string> irc = records (
      "twitchchatsrc channels=twitchdev server=" + tmi->uri (), kRecords,
      [&] {
        std::string s = tmi->control ("stats");
        return s.find ("\"twitchdev\"") != std::string::npos;
      },
      [&] {
        std::string r
            = tmi->control ("fixture ../eventsub/client/conversation.irc");
        fail_unless_equals_string (r.c_str (), "ok 8");
      });
  tmi->stop ();

  /* Over EventSub: the same conversation as EventSub notifications. */
  auto fake = start_helix ();
  std::vector<std::string> es = records (
      "twitchchatsrc channels=twitchdev transport=eventsub", kRecords,
      [&] { return fake->eventsub_subscriptions () == 5; },
      [&] {
        for (int i = 1; i <= kRecords; ++i) {
          std::string f = std::string (TWITCH_TEST_FIXTURES)
                          + "/eventsub/client/conversation-"
                          + std::to_string (i) + ".json";
          fail_unless (fake->eventsub_notify_fixture (f), "%s", f.c_str ());
        }
      });

  fail_unless_equals_int ((int)irc.size (), kRecords);
  fail_unless_equals_int ((int)es.size (), kRecords);
  for (int i = 0; i < kRecords; ++i) {
    std::string ti = member (irc[i], "transport"),
                te = member (es[i], "transport");
    fail_unless_equals_string (ti.c_str (), "irc");
    fail_unless_equals_string (te.c_str (), "eventsub");
    std::string a = without_transport (irc[i]);
    std::string b = without_transport (es[i]);
    fail_unless_equals_string (a.c_str (), b.c_str ());
  }
}
GST_END_TEST;

/* At GST_DEBUG=*:9 the token appears nowhere (the WebSocket, the Helix
 * calls, the subscriptions and sends are all logged). */
GST_START_TEST (test_token_never_in_debug_output)
{
  auto fake = start_helix ();
  std::string launcher = twitch_test::find_program ("gst-launch-1.0");
  fail_if (launcher.empty (), "gst-launch-1.0 not found");
  twitch_test::TempDir dir;
  std::string log = dir.file ("debug.log");
  std::string cmd = "exec /usr/bin/timeout -s INT 120 '" + launcher
                    + "' -v -m twitchchatsrc channels=twitchdev "
                      "transport=eventsub num-buffers=2 ! fakesink "
                      "silent=false > /dev/null 2>&1";
  const gchar *argv[] = {"/bin/sh", "-c", cmd.c_str (), nullptr};
  gchar **envp = g_get_environ ();
  envp = g_environ_setenv (envp, "GST_DEBUG", "*:9", TRUE);
  envp = g_environ_setenv (envp, "GST_DEBUG_FILE", log.c_str (), TRUE);
  envp = g_environ_setenv (envp, "GST_DEBUG_NO_COLOR", "1", TRUE);
  GPid pid = 0;
  fail_unless (g_spawn_async (nullptr, (gchar **)argv, envp,
      G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &pid, nullptr));
  g_strfreev (envp);
  bool subscribed = poll_until (
      [&] { return fake->eventsub_subscriptions () == 5; }, 60000);
  if (subscribed) {
    fake->eventsub_chat_message ("twitchdev", "chatter0001", "one");
    fake->eventsub_chat_message ("twitchdev", "chatter0002", "two");
  }
  int wstatus = 0;
  waitpid (pid, &wstatus, 0);
  g_spawn_close_pid (pid);
  fail_unless (subscribed, "gst-launch never subscribed");
  std::string l = twitch_test::read_file (log);
  fail_unless (
      l.find ("subscribed to the chat of twitchdev") != std::string::npos,
      "the debug log does not show the session");
  fail_unless (l.find (fake->current_user_token ()) == std::string::npos,
      "the token is in the debug log");
}
GST_END_TEST;

static Suite *
twitchchat_eventsub_suite (void)
{
  Suite *s = suite_create ("twitchchat_eventsub");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_transport_property_on_both_elements);
  tcase_add_test (tc, test_src_reads_chat_over_eventsub);
  tcase_add_test (tc, test_sink_sends_through_helix);
  tcase_add_test (tc, test_missing_scope_is_one_clear_error);
  tcase_add_test (tc, test_same_records_over_irc_and_eventsub);
  tcase_add_test (tc, test_token_never_in_debug_output);
  return s;
}

int
main (int argc, char **argv)
{
  std::string missing;
  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    missing = "/usr/bin/python3 not found, the fake TMI server's interpreter "
              "(apt-get install python3)";
  else if (twitch_test::find_program ("gst-launch-1.0").empty ())
    missing = "gst-launch-1.0 not found on PATH (apt-get install "
              "gstreamer1.0-tools)";
  twitch_test::require_peer_or_exit (missing);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (
      twitchchat_eventsub_suite (), "twitchchat_eventsub", __FILE__);
}
