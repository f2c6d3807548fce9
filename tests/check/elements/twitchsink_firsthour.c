/* What a new user meets first with twitchsink: settings that are checked
 * (enums, server URLs), errors that say what went wrong (the ingest list
 * offline, a codec Twitch cannot take), stats that do not lie, and a word
 * when the key would travel in clear. No network: the ingest list URL is a
 * dead loopback port (the test environment's TWITCH_INGEST_URL). */
#include <gst/check/gstcheck.h>

#include <string.h>

#define KEY "live_fake_FirstHourKey"

/* The first message of @types from twitchsink within 20 s. */
static GstMessage *
pop (GstBus *bus, GstMessageType types)
{
  return gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND, types);
}

static gchar *
message_text (GstMessage *msg)
{
  GError *err = NULL;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, NULL);
  else
    gst_message_parse_warning (msg, &err, NULL);
  gchar *text = g_strdup (err->message);
  g_error_free (err);
  return text;
}

GST_START_TEST (test_encoder_settings_are_enums)
{
  const gchar *bad[] = {
      "twitchsink speed-preset=bogus",
      "twitchsink tune=foo",
      "twitchsink profile=baseline",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *err = NULL;
    GstElement *e = gst_parse_launch_full (
        bad[i], NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
    fail_unless (e == NULL, "%s was accepted", bad[i]);
    fail_unless (err != NULL);
    g_error_free (err);
  }
  GError *err = NULL;
  GstElement *e = gst_parse_launch ("twitchsink speed-preset=ultrafast "
                                    "tune=none profile=high",
      &err);
  fail_unless (e != NULL, "%s", err ? err->message : "");
  GParamSpec *p
      = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "speed-preset");
  fail_unless (G_IS_PARAM_SPEC_ENUM (p));
  gint profile = -1;
  g_object_get (e, "profile", &profile, NULL);
  GEnumValue *v = g_enum_get_value (
      G_PARAM_SPEC_ENUM (
          g_object_class_find_property (G_OBJECT_GET_CLASS (e), "profile"))
          ->enum_class,
      profile);
  fail_unless_equals_string (v->value_nick, "high");
  gst_object_unref (e);
}

GST_END_TEST;

/* http:// and a URL without a scheme say what to write instead. */
GST_START_TEST (test_non_rtmp_urls_say_use_rtmp)
{
  const gchar *servers[]
      = {"http://127.0.0.1:19350/app", "127.0.0.1:19350/app"};
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++) {
    GstElement *e = gst_element_factory_make ("twitchsink", NULL);
    GstBus *bus = gst_bus_new ();
    gst_element_set_bus (e, bus);
    g_object_set (e, "server", servers[i], "stream-key", KEY, NULL);
    fail_unless_equals_int (
        gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
    GstMessage *msg = pop (bus, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL);
    gchar *text = message_text (msg);
    fail_unless (strstr (text, "use rtmp:// or rtmps://") != NULL, "%s", text);
    fail_if (strstr (text, "No Twitch ingest") != NULL, "%s", text);
    g_free (text);
    gst_message_unref (msg);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
    gst_object_unref (e);
  }
}

GST_END_TEST;

/* server=sfo with the ingest list out of reach: the error says the list
 * could not be fetched, and what works without it. */
GST_START_TEST (test_named_ingest_offline_says_the_list_failed)
{
  GstElement *p
      = gst_parse_launch ("videotestsrc is-live=true ! "
                          "twitchsink name=t server=sfo stream-key=" KEY,
          NULL);
  fail_unless (p != NULL);
  GstBus *bus = gst_element_get_bus (p);
  /* READY does no I/O: the lookup happens on twitchsink's own thread. */
  gint64 before = g_get_monotonic_time ();
  fail_unless (
      gst_element_set_state (p, GST_STATE_READY) == GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - before < G_USEC_PER_SEC);
  gst_element_set_state (p, GST_STATE_PLAYING);
  GstMessage *msg = pop (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gchar *text = message_text (msg);
  fail_unless (strstr (text, "ingest list") != NULL, "%s", text);
  fail_unless (strstr (text, "server=auto") != NULL, "%s", text);
  fail_if (strstr (text, "No Twitch ingest is named") != NULL, "%s", text);
  g_free (text);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

GST_END_TEST;

GST_START_TEST (test_stats_before_any_connection)
{
  GstElement *e = gst_element_factory_make ("twitchsink", NULL);
  GstStructure *s = NULL;
  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  guint64 connect_time = 1;
  fail_unless (gst_structure_get_uint64 (s, "connect-time", &connect_time));
  fail_unless_equals_uint64 (connect_time, 0);
  gst_structure_free (s);
  gst_object_unref (e);
}

GST_END_TEST;

/* gst-launch's "vp8enc ! t." links, and the user reads twitchsink's own
 * words, not "could not link". */
GST_START_TEST (test_vp8_is_refused_in_words)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (
      "videotestsrc num-buffers=5 ! "
      "video/x-raw,width=160,height=120 ! vp8enc ! twitchsink name=t "
      "sink=fakesink stream-key=" KEY,
      &err);
  fail_unless (p != NULL && err == NULL, "%s", err ? err->message : "");
  GstBus *bus = gst_element_get_bus (p);
  gst_element_set_state (p, GST_STATE_PLAYING);
  GstMessage *msg = pop (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gchar *text = message_text (msg);
  fail_unless (strstr (text, "twitchsink cannot stream video/x-vp8") != NULL,
      "%s", text);
  g_free (text);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

GST_END_TEST;

/* rtmp:// to a host other than this one: one warning at READY (nothing is
 * sent before PAUSED, so no packet leaves the machine). */
GST_START_TEST (test_plain_rtmp_off_the_machine_is_a_warning)
{
  const struct {
    const gchar *server;
    gboolean warn;
  } cases[] = {
      {"rtmp://192.0.2.7/app", TRUE},
      {"rtmps://192.0.2.7/app", FALSE},
      {"rtmp://127.0.0.1:1935/app", FALSE},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *e = gst_element_factory_make ("twitchsink", NULL);
    GstBus *bus = gst_bus_new ();
    gst_element_set_bus (e, bus);
    g_object_set (e, "server", cases[i].server, "stream-key", KEY, NULL);
    fail_unless_equals_int (
        gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
    if (cases[i].warn) {
      fail_unless (msg != NULL, "%s", cases[i].server);
      gchar *text = message_text (msg);
      fail_unless (strstr (text, "unencrypted") != NULL, "%s", text);
      fail_if (strstr (text, KEY) != NULL);
      g_free (text);
      gst_message_unref (msg);
      fail_if (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) != NULL,
          "one warning");
    } else {
      fail_unless (msg == NULL, "%s", cases[i].server);
    }
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
    gst_object_unref (e);
  }
}

GST_END_TEST;

static Suite *
twitchsink_firsthour_suite (void)
{
  Suite *s = suite_create ("twitchsink_firsthour");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 90);
  tcase_add_test (tc, test_encoder_settings_are_enums);
  tcase_add_test (tc, test_non_rtmp_urls_say_use_rtmp);
  tcase_add_test (tc, test_named_ingest_offline_says_the_list_failed);
  tcase_add_test (tc, test_stats_before_any_connection);
  tcase_add_test (tc, test_vp8_is_refused_in_words);
  tcase_add_test (tc, test_plain_rtmp_off_the_machine_is_a_warning);
  return s;
}

GST_CHECK_MAIN (twitchsink_firsthour);
