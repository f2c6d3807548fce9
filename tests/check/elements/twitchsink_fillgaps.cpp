/* twitchsink's fill-gaps element alone, through GstHarness with a test
 * clock: it repeats the last frame once the next one is late, from its own
 * thread, drops what it already covered, fills the hole at a late join, and
 * only forwards while disabled. Built from its source (it is not a plugin
 * feature). */
#include "gsttwitchsink-fillgaps.h"

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>

#define MS GST_MSECOND

static GstHarness *
fill_gaps_harness (gboolean enabled)
{
  GstElement *e
      = GST_ELEMENT (g_object_new (GST_TYPE_TWITCH_SINK_FILL_GAPS, NULL));
  gst_twitch_sink_fill_gaps_set_enabled (
      GST_TWITCH_SINK_FILL_GAPS (e), enabled);
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_use_testclock (h);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=4,height=4,framerate=10/1");
  gst_harness_play (h);
  return h;
}

static GstBuffer *
frame (GstClockTime pts)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 16, NULL);
  gst_buffer_memset (b, 0, (guint8)(pts / MS), 16);
  GST_BUFFER_PTS (b) = pts;
  GST_BUFFER_DURATION (b) = 100 * MS;
  return b;
}

GST_START_TEST (test_repeats_the_last_frame_when_late)
{
  GstHarness *h = fill_gaps_harness (TRUE);
  fail_unless_equals_int (gst_harness_push (h, frame (0)), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 0);
  fail_if (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_GAP));
  gst_buffer_unref (out);

  /* Nothing more comes: the element waits on the clock for the end of the
   * frame (100 ms) plus 3 frames plus one, then repeats up to then. */
  fail_unless (gst_harness_crank_single_clock_wait (h));
  GstTestClock *clock = gst_harness_get_testclock (h);
  fail_unless_equals_uint64 (gst_clock_get_time (GST_CLOCK (clock)), 500 * MS);
  gst_object_unref (clock);
  for (guint i = 1; i <= 4; i++) {
    out = gst_harness_pull (h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * 100 * MS);
    fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_GAP));
    GstMapInfo map;
    gst_buffer_map (out, &map, GST_MAP_READ);
    fail_unless_equals_int (map.data[0], 0); /* the last real frame */
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
  }
  /* Then one frame at a time, on time. */
  fail_unless (gst_harness_crank_single_clock_wait (h));
  out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 500 * MS);
  gst_buffer_unref (out);

  /* The producer comes back late: what was covered is dropped, the next
   * one goes through. */
  fail_unless_equals_int (gst_harness_push (h, frame (500 * MS)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, frame (600 * MS)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 600 * MS);
  fail_if (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_GAP));
  gst_buffer_unref (out);
  fail_unless (gst_twitch_sink_fill_gaps_get_filled (
                   GST_TWITCH_SINK_FILL_GAPS (h->element))
               == 5);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_fills_the_hole_at_a_late_join)
{
  GstHarness *h = fill_gaps_harness (TRUE);
  gst_harness_push (h, frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  /* Before the clock says late, a frame 300 ms on: 100 and 200 filled. */
  fail_unless_equals_int (gst_harness_push (h, frame (300 * MS)), GST_FLOW_OK);
  for (guint i = 1; i <= 3; i++) {
    GstBuffer *out = gst_harness_pull (h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * 100 * MS);
    fail_unless_equals_int (
        GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_GAP), i < 3);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_disabled_only_forwards)
{
  GstHarness *h = fill_gaps_harness (FALSE);
  gst_harness_push (h, frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  gst_harness_push (h, frame (300 * MS));
  GstBuffer *out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 300 * MS);
  gst_buffer_unref (out);
  /* No clock wait is ever scheduled. */
  GstTestClock *clock = gst_harness_get_testclock (h);
  fail_if (
      gst_test_clock_timed_wait_for_multiple_pending_ids (clock, 1, 200, NULL));
  gst_object_unref (clock);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
twitchsink_fillgaps_suite (void)
{
  Suite *s = suite_create ("twitchsink_fillgaps");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_repeats_the_last_frame_when_late);
  tcase_add_test (tc, test_fills_the_hole_at_a_late_join);
  tcase_add_test (tc, test_disabled_only_forwards);
  return s;
}

GST_CHECK_MAIN (twitchsink_fillgaps);
