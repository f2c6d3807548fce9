/* twitchsink against a real nginx-rtmp ingest: what Twitch would receive,
 * checked with ffprobe on nginx's recording. */
#include "twitchsink_harness.h"

#include <cmath>

using namespace twitch_test;

namespace
{

const char *kKey = "fake_1234567_streamtestkey";

class TwitchSinkStream : public IngestTest
{
 protected:
  TwitchSinkStream () : IngestTest (true) {}
  std::string sink (const std::string &extra = "") const
  {
    return "twitchsink name=t server=" + ingest_->url () + " stream-key=" + kKey
           + " " + extra;
  }
  /* The one recording, after nginx has closed it. */
  std::string recording ()
  {
    auto recs = ingest_->recordings ();
    EXPECT_EQ (recs.size (), 1u);
    return recs.empty () ? std::string () : recs.back ();
  }
};

/* 10 s of audio at 48 kHz in 10 ms buffers. */
const char *kTone = "audiotestsrc is-live=true wave=sine freq=440 "
                    "samplesperbuffer=480 num-buffers=1000 ! "
                    "audio/x-raw,rate=48000,channels=2 ! t.audio ";

/* Video frames twitchsink dropped by its policy (late or over the queue's
 * bound), from its stats at the end of the run. */
guint64
frames_dropped (const RunResult &r)
{
  guint64 n = 0;
  if (r.last_stats)
    gst_structure_get_uint64 (r.last_stats, "video-frames-dropped", &n);
  return n;
}

/* Keyframes every 2 s of the stream's own clock. On a machine too loaded
 * to keep a live stream's pace twitchsink may drop video by its policy
 * (whole GOPs when its queue is full), which it counts in its stats: then
 * an interval may span several GOPs, still a whole number of 2 s. */
void
expect_two_second_gop (const std::string &file, guint64 dropped)
{
  auto gaps = keyframe_intervals (file);
  ASSERT_GE (gaps.size (), 3u) << file;
  for (double g : gaps) {
    double gops = std::round (g / 2.0);
    EXPECT_NEAR (g, 2.0 * std::max (gops, 1.0), 0.04)
        << "keyframes must come every 2 s exactly";
    if (dropped == 0) {
      EXPECT_NEAR (g, 2.0, 0.04) << "no frame was dropped: not a GOP missing";
    }
  }
  auto packets = ffprobe_packets (file, "v");
  ASSERT_FALSE (packets.empty ());
  EXPECT_TRUE (packets.front ().key) << "the stream must open on a keyframe";
}

/* kbit/s of the recorded media of @type over the media's own duration:
 * what the encoder made, whether or not a loaded machine made twitchsink
 * drop video. @unit: seconds one packet lasts (a frame, an AAC frame). */
double
stream_kbps (const std::string &file, const char *type, double unit)
{
  double bytes = 0;
  auto packets = ffprobe_packets (file, type);
  for (const auto &p : packets)
    bytes += p.size;
  return packets.empty () ? 0 : bytes * 8 / (packets.size () * unit) / 1000;
}

} // namespace

TEST_F (TwitchSinkStream, RawVideoAndToneAreEncodedWithTwitchSettings)
{
  GstElement *p
      = parse ("videotestsrc is-live=true num-buffers=300 ! "
               "video/x-raw,width=1280,height=720,framerate=30/1 ! "
               + sink ("bitrate=3000 speed-preset=ultrafast") + " " + kTone);
  RunResult r;
  run_pipeline (p, r, 90);
  gst_object_unref (p);
  ASSERT_TRUE (r.errors.empty ()) << r.error_texts[0];
  ASSERT_TRUE (r.eos);
  EXPECT_EQ (r.count ("twitchsink-connected"), 1);

  std::string file = recording ();
  ProbeResult info = ffprobe (file);
  ASSERT_TRUE (info.ok) << info.error;
  ASSERT_NE (info.video (), nullptr);
  ASSERT_NE (info.audio (), nullptr);
  EXPECT_EQ (info.video ()->codec_name, "h264");
  EXPECT_TRUE (
      info.video ()->profile == "Main" || info.video ()->profile == "High")
      << info.video ()->profile;
  EXPECT_EQ (info.video ()->width, 1280);
  EXPECT_EQ (info.video ()->height, 720);
  EXPECT_EQ (info.audio ()->codec_name, "aac");
  EXPECT_EQ (info.audio ()->sample_rate, 48000);
  EXPECT_EQ (info.audio ()->channels, 2);
  EXPECT_NEAR (info.duration, 10.0, 1.0);
  expect_two_second_gop (file, frames_dropped (r));
  double vkbps = stream_kbps (file, "v", 1.0 / 30);
  double akbps = stream_kbps (file, "a", 1024.0 / 48000);
  EXPECT_NEAR (vkbps, 3000, 300) << "video bitrate (CBR)";
  EXPECT_NEAR (akbps, 160, 16) << "audio bitrate";
  if (frames_dropped (r) == 0) {
    EXPECT_NEAR (info.size * 8 / info.duration / 1000, 3160, 316)
        << "whole stream";
  }
}

TEST_F (TwitchSinkStream, EncodedH264AndAacPassThrough)
{
  /* A 10 s FLV encoded beforehand, as an app with its own encoder has. */
  TempDir dir;
  std::string flv = dir.file ("in.flv");
  {
    GstElement *enc = parse (
        "videotestsrc num-buffers=300 ! "
        "video/x-raw,width=640,height=360,framerate=30/1 ! "
        "x264enc bitrate=1200 key-int-max=60 speed-preset=ultrafast "
        "option-string=scenecut=0:cabac=1:8x8dct=1 ! video/x-h264,profile=high "
        "! "
        "h264parse ! flvmux name=m streamable=true ! filesink location="
        + flv
        + " audiotestsrc num-buffers=469 ! audio/x-raw,rate=44100 ! "
          "avenc_aac bitrate=128000 ! aacparse ! m.");
    RunResult r;
    run_pipeline (enc, r, 120);
    gst_object_unref (enc);
    ASSERT_TRUE (r.eos && r.errors.empty ());
  }
  auto source = ffprobe_packets (flv, "v");
  ASSERT_EQ (source.size (), 300u);

  GstElement *p = parse ("filesrc location=" + flv
                         + " ! flvdemux name=d d.video ! queue ! " + sink ()
                         + " d.audio ! queue ! t.audio");
  RunResult r;
  run_pipeline (p, r, 60);
  /* Nothing was re-encoded: no encoder inside twitchsink. */
  GstElement *t = gst_bin_get_by_name (GST_BIN (p), "t");
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (t));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = GST_ELEMENT (g_value_get_object (&v));
    GstElementFactory *f = gst_element_get_factory (e);
    if (f) {
      std::string name = GST_OBJECT_NAME (f);
      EXPECT_NE (name, "x264enc");
      EXPECT_NE (name, "avenc_aac");
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  gst_object_unref (t);
  gst_object_unref (p);
  ASSERT_TRUE (r.errors.empty ()) << r.error_texts[0];
  ASSERT_TRUE (r.eos);

  std::string file = recording ();
  ProbeResult info = ffprobe (file);
  ASSERT_TRUE (info.ok) << info.error;
  ASSERT_NE (info.video (), nullptr);
  ASSERT_NE (info.audio (), nullptr);
  EXPECT_EQ (info.video ()->profile, "High") << "the source's profile, kept";
  EXPECT_EQ (info.audio ()->sample_rate, 44100);
  EXPECT_NEAR (info.duration, 10.0, 1.0);
  auto out = ffprobe_packets (file, "v");
  EXPECT_EQ (out.size (), source.size ()) << "every frame passed through";
  expect_two_second_gop (file, 0);
  /* Same bytes as the source: passthrough, not a re-encode. */
  double in_bytes = 0, out_bytes = 0;
  for (const auto &pk : source)
    in_bytes += pk.size;
  for (const auto &pk : out)
    out_bytes += pk.size;
  EXPECT_EQ (in_bytes, out_bytes);
}

TEST_F (TwitchSinkStream, VideoOnly)
{
  GstElement *p = parse ("videotestsrc is-live=true num-buffers=300 ! "
                         "video/x-raw,width=640,height=360,framerate=30/1 ! "
                         + sink ("bitrate=1000 speed-preset=ultrafast"));
  RunResult r;
  run_pipeline (p, r, 60);
  gst_object_unref (p);
  ASSERT_TRUE (r.errors.empty ()) << r.error_texts[0];
  ASSERT_TRUE (r.eos);
  std::string file = recording ();
  ProbeResult info = ffprobe (file);
  ASSERT_TRUE (info.ok) << info.error;
  ASSERT_NE (info.video (), nullptr);
  EXPECT_EQ (info.audio (), nullptr);
  EXPECT_NEAR (info.duration, 10.0, 1.0);
  expect_two_second_gop (file, frames_dropped (r));
  EXPECT_NEAR (stream_kbps (file, "v", 1.0 / 30), 1000, 100);
}

TEST_F (TwitchSinkStream, AudioOnly)
{
  GstElement *p = parse (std::string (kTone).replace (
      std::string (kTone).find ("t.audio"), 7, sink ("audio-bitrate=128")));
  RunResult r;
  run_pipeline (p, r, 60);
  gst_object_unref (p);
  ASSERT_TRUE (r.errors.empty ()) << r.error_texts[0];
  ASSERT_TRUE (r.eos);
  std::string file = recording ();
  ProbeResult info = ffprobe (file);
  ASSERT_TRUE (info.ok) << info.error;
  EXPECT_EQ (info.video (), nullptr);
  ASSERT_NE (info.audio (), nullptr);
  EXPECT_EQ (info.audio ()->codec_name, "aac");
  EXPECT_NEAR (info.duration, 10.0, 1.0);
  EXPECT_NEAR (stream_kbps (file, "a", 1024.0 / 48000), 128, 13);
}
