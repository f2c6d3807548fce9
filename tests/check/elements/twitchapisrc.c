/* GstCheck tests of twitchapisrc that need no server: properties, caps,
 * settings errors. The pipeline tests against the Helix fake are in
 * tests/integration/test_twitchapisrc.cpp. */
#include <gst/base/gstbasesrc.h>
#include <gst/check/gstcheck.h>

GST_START_TEST (test_properties)
{
  GstElement *src = gst_check_setup_element ("twitchapisrc");
  gchar *channel = NULL, *format = NULL, *offline = NULL;
  guint interval = 0;
  gboolean only_changes = TRUE;

  g_object_get (src, "channel", &channel, "interval", &interval, "format",
      &format, "offline-format", &offline, "only-changes", &only_changes, NULL);
  fail_unless (channel == NULL);
  fail_unless_equals_int (interval, 30);
  fail_unless_equals_string (format, "{viewer_count} viewers");
  fail_unless_equals_string (offline, "offline");
  fail_if (only_changes);
  g_free (format);
  g_free (offline);

  /* Logins are case-insensitive on Twitch. */
  g_object_set (src, "channel", "TwitchDev", NULL);
  g_object_get (src, "channel", &channel, NULL);
  fail_unless_equals_string (channel, "twitchdev");
  g_free (channel);

  fail_unless (gst_base_src_is_live (GST_BASE_SRC (src)));
  gst_check_teardown_element (src);
}

GST_END_TEST;

GST_START_TEST (test_secrets_are_write_only)
{
  GstElement *src = gst_check_setup_element ("twitchapisrc");
  GObjectClass *klass = G_OBJECT_GET_CLASS (src);
  const gchar *secrets[] = {"client-secret", "oauth-token"};

  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++) {
    GParamSpec *pspec = g_object_class_find_property (klass, secrets[i]);
    fail_unless (pspec != NULL, "no property %s", secrets[i]);
    fail_unless (pspec->flags & G_PARAM_WRITABLE);
    fail_if (pspec->flags & G_PARAM_READABLE, "%s is readable", secrets[i]);
  }
  g_object_set (src, "oauth-token", "sometokenvalue1234", "client-secret",
      "somesecretvalue1234", NULL);
  gst_check_teardown_element (src);
}

GST_END_TEST;

GST_START_TEST (test_src_caps)
{
  GstElement *src = gst_check_setup_element ("twitchapisrc");
  GstPad *pad = gst_element_get_static_pad (src, "src");
  GstCaps *caps = gst_pad_query_caps (pad, NULL);
  GstCaps *text = gst_caps_from_string ("text/x-raw, format=utf8");
  GstCaps *json = gst_caps_from_string ("application/json");

  fail_unless (gst_caps_can_intersect (caps, text));
  fail_unless (gst_caps_can_intersect (caps, json));
  gst_caps_unref (text);
  gst_caps_unref (json);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_check_teardown_element (src);
}

GST_END_TEST;

static void
expect_start_error (const gchar *desc, gint code)
{
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *err = NULL;

  fail_unless (pipeline != NULL);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (err->domain == GST_RESOURCE_ERROR, "%s", err->message);
  fail_unless_equals_int (err->code, code);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_no_channel_is_a_settings_error)
{
  expect_start_error ("twitchapisrc ! fakesink", GST_RESOURCE_ERROR_SETTINGS);
}

GST_END_TEST;

GST_START_TEST (test_no_credentials_is_not_authorized)
{
  g_unsetenv ("TWITCH_OAUTH_TOKEN");
  g_unsetenv ("TWITCH_REFRESH_TOKEN");
  g_unsetenv ("TWITCH_CLIENT_SECRET");
  expect_start_error ("twitchapisrc channel=twitchdev ! fakesink",
      GST_RESOURCE_ERROR_NOT_AUTHORIZED);
}

GST_END_TEST;

static Suite *
twitchapisrc_suite (void)
{
  Suite *s = suite_create ("twitchapisrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_secrets_are_write_only);
  tcase_add_test (tc, test_src_caps);
  tcase_add_test (tc, test_no_channel_is_a_settings_error);
  tcase_add_test (tc, test_no_credentials_is_not_authorized);
  return s;
}

GST_CHECK_MAIN (twitchapisrc);
