/* Stopping twitchsink while its network sink is blocked (a stalled ingest)
 * returns at once: the private output pipeline is taken down before the
 * queue's task, which is stuck pushing into it, is stopped. */
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
  GstHarness *h;
} Stopper;

static gpointer
teardown_thread (gpointer data)
{
  Stopper *s = data;
  gst_harness_teardown (s->h);
  g_mutex_lock (&s->lock);
  s->done = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  return NULL;
}

GST_START_TEST (test_stop_with_a_blocked_network_sink)
{
  GstElement *e = gst_element_factory_make ("twitchsink", NULL);
  /* Takes one buffer and blocks, as a stalled socket does. */
  GstElement *appsink = gst_parse_launch ("appsink sync=false max-buffers=1 "
                                          "drop=false",
      NULL);
  g_object_set (e, "sink", appsink, "stall-timeout", 0, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "speed-preset", "ultrafast");
  GstHarness *h = gst_harness_new_with_element (e, "video", NULL);
  gst_object_unref (e);
  gst_harness_play (h);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=30/1");
  for (guint i = 0; i < 30; i++) {
    GstBuffer *b = gst_harness_create_buffer (h, 64 * 48 * 3 / 2);
    gst_buffer_memset (b, 0, i, 64 * 48 * 3 / 2);
    GST_BUFFER_PTS (b) = gst_util_uint64_scale (i, GST_SECOND, 30);
    GST_BUFFER_DURATION (b) = gst_util_uint64_scale (1, GST_SECOND, 30);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  }
  /* The sink holds its one buffer; more wait behind it. */
  GstSample *sample = NULL;
  for (guint i = 0; i < 100 && sample == NULL; i++) {
    g_object_get (appsink, "last-sample", &sample, NULL);
    if (sample == NULL)
      g_usleep (50000);
  }
  if (sample)
    gst_sample_unref (sample);

  Stopper s = {0};
  g_mutex_init (&s.lock);
  g_cond_init (&s.cond);
  s.h = h;
  GThread *t = g_thread_new ("teardown", teardown_thread, &s);
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  g_mutex_lock (&s.lock);
  while (!s.done)
    if (!g_cond_wait_until (&s.cond, &s.lock, end))
      break;
  gboolean done = s.done;
  g_mutex_unlock (&s.lock);
  fail_unless (done, "stopping hung on the blocked network sink");
  g_thread_join (t);
  gst_object_unref (appsink);
}

GST_END_TEST;

static Suite *
twitchsink_stop_suite (void)
{
  Suite *s = suite_create ("twitchsink_stop");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_stop_with_a_blocked_network_sink);
  return s;
}

GST_CHECK_MAIN (twitchsink_stop);
