/* twitchchatsrc and twitchchatsink take their connection settings from one
 * interface (GstTwitchChatSettingsHandler): the same properties, docs,
 * defaults and checks on both, the token write-only. */
#include <gst/check/gstcheck.h>

#include <initializer_list>

static const char *const kShared[] = {"oauth-token", "login", "server",
    "tls-ca-file", "send-policy", "max-age", "delivery"};

GST_START_TEST (test_both_elements_share_the_settings)
{
  GstElement *src = gst_element_factory_make ("twitchchatsrc", nullptr);
  GstElement *sink = gst_element_factory_make ("twitchchatsink", nullptr);
  fail_unless (src && sink);
  GType iface = g_type_from_name ("GstTwitchChatSettingsHandler");
  fail_unless (iface != 0 && G_TYPE_IS_INTERFACE (iface));
  fail_unless (g_type_is_a (G_OBJECT_TYPE (src), iface));
  fail_unless (g_type_is_a (G_OBJECT_TYPE (sink), iface));
  for (const char *name : kShared) {
    GParamSpec *a
        = g_object_class_find_property (G_OBJECT_GET_CLASS (src), name);
    GParamSpec *b
        = g_object_class_find_property (G_OBJECT_GET_CLASS (sink), name);
    fail_unless (a && b, "%s missing", name);
    /* One definition, the interface's, documented once (an overridden
     * property is found as the one it redirects to). */
    fail_unless (a == b, "%s defined twice", name);
    GParamSpec *def = a;
    fail_unless (def->owner_type == iface, "%s owned by %s", name,
        g_type_name (def->owner_type));
    fail_unless (g_param_spec_get_blurb (def) && *g_param_spec_get_blurb (def));
    fail_unless (def->flags & GST_PARAM_MUTABLE_READY, "%s", name);
  }
  GParamSpec *tok
      = g_object_class_find_property (G_OBJECT_GET_CLASS (src), "oauth-token");
  fail_if (tok->flags & G_PARAM_READABLE);

  /* Same values and defaults through both. */
  for (GstElement *e : {src, sink}) {
    gchar *server = nullptr;
    guint64 max_age = 0;
    g_object_get (e, "server", &server, "max-age", &max_age, nullptr);
    fail_unless_equals_string (server, "ircs://irc.chat.twitch.tv:6697");
    fail_unless_equals_uint64 (max_age, 60 * GST_SECOND);
    g_free (server);
    g_object_set (e, "login", "somebot", "max-age", 5 * GST_SECOND, "server",
        "irc://127.0.0.1:6667", nullptr);
    gchar *login = nullptr;
    g_object_get (
        e, "login", &login, "server", &server, "max-age", &max_age, nullptr);
    fail_unless_equals_string (login, "somebot");
    fail_unless_equals_string (server, "irc://127.0.0.1:6667");
    fail_unless_equals_uint64 (max_age, 5 * GST_SECOND);
    g_free (login);
    g_free (server);
    /* Unset server: back to the default. */
    g_object_set (e, "server", nullptr, nullptr);
    g_object_get (e, "server", &server, nullptr);
    fail_unless_equals_string (server, "ircs://irc.chat.twitch.tv:6697");
    g_free (server);
  }
  gst_object_unref (src);
  gst_object_unref (sink);
}
GST_END_TEST;

/* A bad shared value fails start() with a SETTINGS error naming the
 * property, on either element. */
GST_START_TEST (test_bad_login_is_named_by_both)
{
  for (const char *factory : {"twitchchatsrc", "twitchchatsink"}) {
    GstElement *e = gst_element_factory_make (factory, nullptr);
    g_object_set (e, "login", "not a name", nullptr);
    if (!g_strcmp0 (factory, "twitchchatsrc"))
      g_object_set (e, "channels", "room", nullptr);
    else
      g_object_set (e, "channel", "room", nullptr);
    GstBus *bus = gst_bus_new ();
    gst_element_set_bus (e, bus);
    fail_unless (gst_element_set_state (e, GST_STATE_PAUSED)
                 == GST_STATE_CHANGE_FAILURE);
    GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (m != nullptr, "%s: no error", factory);
    GError *err = nullptr;
    gchar *dbg = nullptr;
    gst_message_parse_error (m, &err, &dbg);
    fail_unless (
        g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
    fail_unless (
        strstr (err->message, "login") || (dbg && strstr (dbg, "login")),
        "%s: %s", factory, err->message);
    g_error_free (err);
    g_free (dbg);
    gst_message_unref (m);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_element_set_bus (e, nullptr);
    gst_object_unref (bus);
    gst_object_unref (e);
  }
}
GST_END_TEST;

static Suite *
twitchchat_settings_suite (void)
{
  Suite *s = suite_create ("twitchchat_settings");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_both_elements_share_the_settings);
  tcase_add_test (tc, test_bad_login_is_named_by_both);
  return s;
}

GST_CHECK_MAIN (twitchchat_settings);
