/* twitchsink fed by an application through appsrc, the way
 * python-twitch-stream's users feed it: the buffer-level signals tell the app
 * to feed or to slow down, and fill-gaps keeps the stream going when the app
 * stalls. Against a real nginx-rtmp. */
#include "twitchsink_harness.h"

#include <gst/app/gstappsrc.h>

#include <atomic>
#include <cmath>

using namespace twitch_test;

namespace
{

class TwitchSinkApp : public IngestTest
{
 protected:
  TwitchSinkApp () : IngestTest (true) {}
};

const int kW = 320, kH = 240, kFps = 30;
const GstClockTime kFrame = GST_SECOND / kFps;

GstBuffer *
frame (guint n)
{
  GstBuffer *b = gst_buffer_new_allocate (nullptr, kW * kH * 3 / 2, nullptr);
  gst_buffer_memset (b, 0, (n * 7) & 0xff, kW * kH);
  gst_buffer_memset (b, kW * kH, 128, kW * kH / 2);
  return b;
}

GstBuffer *
tone (guint n, guint samples)
{
  GstBuffer *b = gst_buffer_new_allocate (nullptr, samples * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map (b, &map, GST_MAP_WRITE);
  auto *s = reinterpret_cast<gint16 *> (map.data);
  for (guint i = 0; i < samples; i++) {
    double t = (double)(n * samples + i) / 48000.0;
    s[2 * i] = s[2 * i + 1] = (gint16)(8000 * std::sin (2 * G_PI * 440 * t));
  }
  gst_buffer_unmap (b, &map);
  return b;
}

} // namespace

/* An app that pushes as fast as it can is told to slow down (buffer-high);
 * when it stops, it is told to feed (buffer-low). Levels follow. */
TEST_F (TwitchSinkApp, BufferLevelSignalsFollowTheFeeding)
{
  GstElement *p = parse (
      "appsrc name=v format=time is-live=false caps=video/x-raw,format=I420,"
      "width=320,height=240,framerate=30/1 ! twitchsink name=t server="
      + ingest_->url ()
      + " stream-key=live_42_appkey speed-preset=ultrafast bitrate=500 "
        "low-watermark=300000000 high-watermark=1500000000");
  GstElement *t = gst_bin_get_by_name (GST_BIN (p), "t");
  GstAppSrc *src = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (p), "v"));
  std::atomic<int> lows{0}, highs{0};
  std::atomic<bool> feeding{true};
  g_signal_connect (t, "buffer-high",
      G_CALLBACK (+[] (GstElement *, gpointer d) {
        static_cast<std::atomic<int> *> (d)->fetch_add (1);
      }),
      &highs);
  g_signal_connect (t, "buffer-low",
      G_CALLBACK (+[] (GstElement *, gpointer d) {
        static_cast<std::atomic<int> *> (d)->fetch_add (1);
      }),
      &lows);
  guint n = 0;
  guint max_level = 0;
  int lows_when_high = -1;
  RunResult r;
  run_pipeline (p, r, 60, [&] (double time, GstElement *) {
    /* Too fast: 10 frames a tick (every ~50 ms, 6x real time) until told
     * to slow down; then nothing (too slow) until told to feed. */
    if (highs.load () > 0 && lows_when_high < 0) {
      lows_when_high = lows.load ();
      feeding = false;
    }
    if (feeding) {
      for (int i = 0; i < 10; i++, n++) {
        GstBuffer *b = frame (n);
        GST_BUFFER_PTS (b) = n * kFrame;
        GST_BUFFER_DURATION (b) = kFrame;
        gst_app_src_push_buffer (src, b);
      }
    }
    guint level = 0;
    g_object_get (t, "video-buffer-level", &level, nullptr);
    max_level = std::max (max_level, level);
    if (lows_when_high >= 0 && lows.load () > lows_when_high) {
      gst_app_src_end_of_stream (src);
      return true; /* EOS follows from the app */
    }
    return time < 30;
  });
  gst_object_unref (src);
  gst_object_unref (t);
  gst_object_unref (p);

  EXPECT_TRUE (r.errors.empty ()) << r.error_texts[0];
  EXPECT_GE (highs.load (), 1) << "an app ahead of the stream is told so";
  ASSERT_GE (lows_when_high, 0);
  EXPECT_GT (lows.load (), lows_when_high)
      << "an app that stops is told to feed";
  EXPECT_GE (max_level, 40u) << "about 1.5 s of frames queued at the top";
  EXPECT_TRUE (r.eos);
  /* Nothing the app pushed ahead of time was dropped. */
  auto recs = ingest_->recordings ();
  ASSERT_EQ (recs.size (), 1u);
  EXPECT_EQ (ffprobe_packets (recs[0], "v").size (), n);
}

/* The app stops pushing for 3 s: fill-gaps repeats the last frame and
 * inserts silence, so the recording keeps 30 fps and continuous audio. */
TEST_F (TwitchSinkApp, FillGapsKeepsTheFrameRateWhenTheAppStalls)
{
  GstElement *p = parse (
      "appsrc name=v format=time is-live=true "
      "caps=video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
      "twitchsink name=t fill-gaps=true server="
      + ingest_->url ()
      + " stream-key=live_42_appkey speed-preset=ultrafast bitrate=500 "
        "appsrc name=a format=time is-live=true "
        "caps=audio/x-raw,format=S16LE,layout=interleaved,rate=48000,"
        "channels=2 ! t.audio");
  GstAppSrc *v = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (p), "v"));
  GstAppSrc *a = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (p), "a"));
  guint frames = 0, chunks = 0;
  RunResult r;
  run_pipeline (p, r, 60, [&] (double time, GstElement *) {
    /* Real-time feeding for 3 s, nothing from 3 to 6 s, then 3 s more.
     * A live app stamps its media with the clock: what it did not send
     * during the stall is simply missing. */
    bool stalled = time > 3 && time < 6;
    if (stalled) {
      frames = (guint)(time * kFps);
      chunks = (guint)(time * 50);
    } else if (time < 9) {
      while (frames < time * kFps) {
        GstBuffer *b = frame (frames);
        GST_BUFFER_PTS (b) = frames++ * kFrame;
        GST_BUFFER_DURATION (b) = kFrame;
        gst_app_src_push_buffer (v, b);
      }
      while (chunks < time * 50) { /* 20 ms chunks */
        GstBuffer *b = tone (chunks, 960);
        GST_BUFFER_PTS (b) = chunks++ * 20 * GST_MSECOND;
        GST_BUFFER_DURATION (b) = 20 * GST_MSECOND;
        gst_app_src_push_buffer (a, b);
      }
    }
    if (time >= 9.2) {
      gst_app_src_end_of_stream (v);
      gst_app_src_end_of_stream (a);
      return true;
    }
    return time < 30;
  });
  gst_object_unref (v);
  gst_object_unref (a);
  gst_object_unref (p);
  EXPECT_TRUE (r.errors.empty ()) << r.error_texts[0];
  EXPECT_TRUE (r.eos);

  auto recs = ingest_->recordings ();
  ASSERT_EQ (recs.size (), 1u);
  /* Judged on the stream's own timeline, not on the wall clock: the app
   * stamped @frames frames 1/30 s apart and @chunks 20 ms chunks, fill-gaps
   * stood in for what the app did not send (the stall, and the end until
   * EOS). A loaded machine may make twitchsink drop late video by its
   * documented policy (counted in its stats) and may retime a late packet
   * at the muxer; it never makes the 3 s hole (90 frames, 140 AAC frames)
   * of a stream without fill-gaps. One unit of slack per join (the stall's
   * two and the end). */
  ASSERT_NE (r.last_stats, nullptr);
  guint64 dropped = 0;
  gst_structure_get_uint64 (r.last_stats, "video-frames-dropped", &dropped);
  const int kJoins = 3;
  const double kVideoFrame = 1.0 / kFps;
  auto video = ffprobe_packets (recs[0], "v");
  ASSERT_GT (video.size (), 2u);
  double video_span = video.back ().pts - video.front ().pts + kVideoFrame;
  EXPECT_GE (video_span, (frames - kJoins) * kVideoFrame)
      << "the whole timeline the app stamped (s)";
  /* No hole: every frame of the timeline reached the ingest or was dropped
   * by the sink's policy (30 fps). A join may overlap by a unit, never
   * leave one out. */
  EXPECT_GE ((double)(video.size () + dropped), video_span * kFps - kJoins)
      << video.size () << " frames recorded, " << dropped << " dropped, over "
      << video_span << " s";
  /* Audio is never dropped: every sample of the timeline is recorded, the
   * stall's as silence (AAC frames are 1024 samples; where the app's late
   * audio overlaps the silence already sent, a loaded run records more
   * audio than its timeline, never less). */
  auto audio = ffprobe_packets (recs[0], "a");
  ASSERT_GT (audio.size (), 2u);
  const double kAacFrame = 1024.0 / 48000;
  double audio_span = audio.back ().pts - audio.front ().pts + kAacFrame;
  EXPECT_GE (audio_span, chunks * 0.020 - kJoins * kAacFrame)
      << "the whole timeline the app stamped (s)";
  EXPECT_GE (audio.size () * kAacFrame, audio_span - kJoins * kAacFrame)
      << "seconds of audio recorded over its timeline of " << audio_span
      << " s";
}
