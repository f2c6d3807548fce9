/* Shared by the twitchsink integration tests: runs a pipeline against the
 * local nginx-rtmp ingest, collecting bus messages, with a per-tick hook
 * for the test to act (kill the ingest, read stats, ...). */
#pragma once

#include "support/nginx_peer.h"
#include "support/require.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace twitch_test
{

struct RunResult {
  bool eos = false;
  bool timed_out = false;
  std::vector<GError *> errors; /* owned */
  std::vector<std::string> error_texts;
  std::vector<GstStructure *> element_messages; /* twitchsink-*, owned */
  GstStructure *last_stats = nullptr;           /* owned */
  ~RunResult ()
  {
    for (auto *e : errors)
      g_error_free (e);
    for (auto *s : element_messages)
      gst_structure_free (s);
    if (last_stats)
      gst_structure_free (last_stats);
  }
  int count (const char *name) const
  {
    int n = 0;
    for (auto *s : element_messages)
      n += gst_structure_has_name (s, name);
    return n;
  }
};

/* @tick: called every ~50 ms with the elapsed seconds; return false to send
 * EOS. The pipeline runs until EOS, an error (unless @stop_on_error is
 * false), or @timeout_s. */
inline void
run_pipeline (GstElement *pipeline, RunResult &r, double timeout_s,
    const std::function<bool (double, GstElement *)> &tick = {},
    bool stop_on_error = true)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  gint64 start = g_get_monotonic_time ();
  bool eos_sent = false;
  while (true) {
    double elapsed = (g_get_monotonic_time () - start) / 1e6;
    if (elapsed > timeout_s) {
      r.timed_out = true;
      break;
    }
    if (tick && !eos_sent && !tick (elapsed, pipeline)) {
      gst_element_send_event (pipeline, gst_event_new_eos ());
      eos_sent = true;
    }
    GstMessage *msg = gst_bus_timed_pop (bus, 50 * GST_MSECOND);
    if (msg == nullptr)
      continue;
    bool done = false;
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        r.eos = true;
        done = true;
        break;
      case GST_MESSAGE_ERROR: {
        GError *err = nullptr;
        gchar *dbg = nullptr;
        gst_message_parse_error (msg, &err, &dbg);
        r.error_texts.push_back (
            std::string (err->message) + " | " + (dbg ? dbg : ""));
        r.errors.push_back (err);
        g_free (dbg);
        done = stop_on_error;
        break;
      }
      case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure (msg);
        if (s && g_str_has_prefix (gst_structure_get_name (s), "twitchsink-"))
          r.element_messages.push_back (gst_structure_copy (s));
        break;
      }
      default:
        break;
    }
    gst_message_unref (msg);
    if (done)
      break;
  }
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  if (sink) {
    g_object_get (sink, "stats", &r.last_stats, nullptr);
    gst_object_unref (sink);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
}

inline GstElement *
parse (const std::string &desc)
{
  GError *err = nullptr;
  GstElement *p = gst_parse_launch (desc.c_str (), &err);
  EXPECT_EQ (err, nullptr) << (err ? err->message : "") << "\n" << desc;
  g_clear_error (&err);
  return p;
}

/* Seconds between consecutive keyframes of the video of @file. */
inline std::vector<double>
keyframe_intervals (const std::string &file)
{
  std::vector<double> out;
  double last = -1;
  for (const auto &p : ffprobe_packets (file, "v")) {
    if (!p.key)
      continue;
    if (last >= 0)
      out.push_back (p.pts - last);
    last = p.pts;
  }
  return out;
}

#define SKIP_WITHOUT_INGEST()                                                  \
  do {                                                                         \
    TWITCH_REQUIRE_PEER (twitch_test::NginxRtmpPeer::missing ());              \
    TWITCH_REQUIRE_PROGRAM (                                                   \
        twitch_test::ffprobe_path (), "ffprobe", "ffmpeg");                    \
  } while (0)

/* A twitchsink test against nginx-rtmp: GStreamer initialised once, nginx
 * with its RTMP module and ffprobe required (in CI a missing one fails the
 * test), and with @with_ingest an nginx of each test's own in ingest_ (one
 * that does not start fails the test). */
class IngestTest : public ::testing::Test
{
 protected:
  explicit IngestTest (bool with_ingest) : with_ingest_ (with_ingest) {}
  static void SetUpTestSuite () { gst_init (nullptr, nullptr); }
  void SetUp () override
  {
    SKIP_WITHOUT_INGEST ();
    if (!with_ingest_)
      return;
    ingest_ = std::make_unique<NginxRtmpPeer> ();
    GError *err = nullptr;
    ASSERT_TRUE (ingest_->start (&err)) << (err ? err->message : "");
  }
  std::unique_ptr<NginxRtmpPeer> ingest_;

 private:
  bool with_ingest_;
};

} // namespace twitch_test
