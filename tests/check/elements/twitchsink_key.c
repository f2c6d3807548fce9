/* The stream key is unreadable from every object of the application's
 * pipeline: graph dumps (what GST_DEBUG_DUMP_DOT_DIR writes) and every
 * readable property of every object reachable from the pipeline (children,
 * pads, pad peers and their elements, object-valued properties). */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>

#include <string.h>

#define KEY "live_fake_KeyThatMustNeverShow"

/* A port nothing listens on (bound, then closed). */
static guint
dead_port (void)
{
  GSocket *s = g_socket_new (
      G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
  fail_unless (g_socket_bind (s, addr, FALSE, NULL));
  GSocketAddress *bound = g_socket_get_local_address (s, NULL);
  guint port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  g_socket_close (s, NULL);
  g_object_unref (s);
  return port;
}

static void check_object (GObject *obj, GHashTable *seen);

static void
check_value (const GValue *v, GHashTable *seen, const gchar *where)
{
  gchar *text = g_strdup_value_contents (v);
  fail_if (strstr (text, KEY) != NULL, "%s holds the key: %s", where, text);
  g_free (text);
  if (G_VALUE_HOLDS (v, GST_TYPE_STRUCTURE) && gst_value_get_structure (v)) {
    gchar *s = gst_structure_to_string (gst_value_get_structure (v));
    fail_if (strstr (s, KEY) != NULL, "%s holds the key", where);
    g_free (s);
  }
  if (G_VALUE_HOLDS_OBJECT (v) && g_value_get_object (v))
    check_object (g_value_get_object (v), seen);
}

static void
check_pad (GstPad *pad, GHashTable *seen)
{
  check_object (G_OBJECT (pad), seen);
  GstPad *peer = gst_pad_get_peer (pad);
  if (peer) {
    check_object (G_OBJECT (peer), seen);
    GstObject *parent = gst_object_get_parent (GST_OBJECT (peer));
    if (parent) {
      check_object (G_OBJECT (parent), seen);
      gst_object_unref (parent);
    }
    gst_object_unref (peer);
  }
}

/* Every readable property, then what the object leads to. */
static void
check_object (GObject *obj, GHashTable *seen)
{
  if (!g_hash_table_add (seen, obj))
    return;
  guint n = 0;
  GParamSpec **specs
      = g_object_class_list_properties (G_OBJECT_GET_CLASS (obj), &n);
  for (guint i = 0; i < n; i++) {
    if (!(specs[i]->flags & G_PARAM_READABLE))
      continue;
    GValue v = G_VALUE_INIT;
    g_value_init (&v, specs[i]->value_type);
    g_object_get_property (obj, specs[i]->name, &v);
    gchar *where
        = g_strdup_printf ("%s::%s", G_OBJECT_TYPE_NAME (obj), specs[i]->name);
    check_value (&v, seen, where);
    g_free (where);
    g_value_unset (&v);
  }
  g_free (specs);
  if (GST_IS_OBJECT (obj)) {
    GstObject *parent = gst_object_get_parent (GST_OBJECT (obj));
    if (parent) {
      check_object (G_OBJECT (parent), seen);
      gst_object_unref (parent);
    }
  }
  if (GST_IS_ELEMENT (obj)) {
    GList *pads;
    GST_OBJECT_LOCK (obj);
    pads = g_list_copy_deep (
        GST_ELEMENT (obj)->pads, (GCopyFunc)gst_object_ref, NULL);
    GST_OBJECT_UNLOCK (obj);
    for (GList *l = pads; l; l = l->next)
      check_pad (GST_PAD (l->data), seen);
    g_list_free_full (pads, gst_object_unref);
    GstClock *clock = gst_element_get_clock (GST_ELEMENT (obj));
    if (clock) {
      check_object (G_OBJECT (clock), seen);
      gst_object_unref (clock);
    }
  }
  if (GST_IS_GHOST_PAD (obj)) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (obj));
    if (target) {
      check_pad (target, seen);
      gst_object_unref (target);
    }
  }
  if (GST_IS_PROXY_PAD (obj)) {
    GstProxyPad *internal = gst_proxy_pad_get_internal (GST_PROXY_PAD (obj));
    if (internal) {
      check_pad (GST_PAD (internal), seen);
      gst_object_unref (internal);
    }
  }
  if (GST_IS_BIN (obj)) {
    GList *children;
    GST_OBJECT_LOCK (obj);
    children = g_list_copy_deep (
        GST_BIN (obj)->children, (GCopyFunc)gst_object_ref, NULL);
    GST_OBJECT_UNLOCK (obj);
    for (GList *l = children; l; l = l->next)
      check_object (G_OBJECT (l->data), seen);
    g_list_free_full (children, gst_object_unref);
  }
}

static void
assert_key_unreachable (GstElement *pipeline)
{
  gchar *dot = gst_debug_bin_to_dot_data (GST_BIN (pipeline),
      GST_DEBUG_GRAPH_SHOW_ALL | GST_DEBUG_GRAPH_SHOW_FULL_PARAMS);
  fail_unless (dot != NULL);
  fail_unless (
      strstr (dot, "twitchsink") != NULL || strstr (dot, "TwitchSink") != NULL);
  fail_if (strstr (dot, KEY) != NULL, "the graph dump holds the key");
  fail_if (strstr (dot, "KeyThatMustNeverShow") != NULL,
      "the graph dump holds the key");
  g_free (dot);
  GHashTable *seen = g_hash_table_new (NULL, NULL);
  check_object (G_OBJECT (pipeline), seen);
  /* The walk went through twitchsink's insides. */
  fail_unless (g_hash_table_size (seen) > 10);
  g_hash_table_unref (seen);
}

/* Waits for twitchsink's first warning: its first connection attempt has
 * failed, so the output stage was configured with the key and tried. */
static gboolean
wait_for_attempt (GstBus *bus)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    GstMessage *msg = gst_bus_timed_pop_filtered (
        bus, 100 * GST_MSECOND, GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
    if (msg == NULL)
      continue;
    gboolean warning = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING;
    GError *err = NULL;
    if (warning)
      gst_message_parse_warning (msg, &err, NULL);
    else
      gst_message_parse_error (msg, &err, NULL);
    fail_unless (warning, "unexpected error: %s", err->message);
    fail_if (strstr (err->message, KEY) != NULL);
    gboolean attempt = strstr (err->message, "connect") != NULL;
    g_error_free (err);
    gst_message_unref (msg);
    if (attempt)
      return TRUE;
  }
  return FALSE;
}

GST_START_TEST (test_key_unreadable_from_the_pipeline)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc is-live=true ! "
      "video/x-raw,width=160,height=120,framerate=15/1 ! "
      "twitchsink name=t server=rtmp://127.0.0.1:%u/app speed-preset=ultrafast "
      "retry-delay=60000 stream-key=" KEY "  audiotestsrc is-live=true ! t.",
      dead_port ());
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (pipeline != NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
           == GST_STATE_CHANGE_FAILURE);
  gboolean attempted = wait_for_attempt (bus);
  assert_key_unreachable (pipeline);
  fail_unless (attempted, "twitchsink tried to connect");

  /* The sink property gives back nothing the application did not set. */
  GstElement *t = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  GstElement *sink = NULL;
  g_object_get (t, "sink", &sink, NULL);
  fail_unless (sink == NULL);
  gst_object_unref (t);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  assert_key_unreachable (pipeline);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
twitchsink_key_suite (void)
{
  Suite *s = suite_create ("twitchsink_key");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 90);
  tcase_add_test (tc, test_key_unreadable_from_the_pipeline);
  return s;
}

GST_CHECK_MAIN (twitchsink_key);
