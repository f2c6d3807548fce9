/* twitchsink when the ingest misbehaves: killed, stalled, refusing the key;
 * and the key staying out of every log while it happens. All against a
 * real nginx-rtmp on loopback. */
#include "twitchsink_harness.h"

#include "support/http_server.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include <atomic>
#include <fstream>

using namespace twitch_test;

namespace
{

const char *kKey = "fake_7654321_resiliencekeyQ";

class TwitchSinkResilience : public IngestTest
{
 protected:
  TwitchSinkResilience () : IngestTest (false) {}
};

std::string
live_source (int w = 640, int h = 360)
{
  return "videotestsrc is-live=true pattern=ball ! video/x-raw,width="
         + std::to_string (w) + ",height=" + std::to_string (h)
         + ",framerate=30/1 ! ";
}

const char *kLiveTone = " audiotestsrc is-live=true samplesperbuffer=480 ! "
                        "audio/x-raw,rate=48000,channels=2 ! t.audio";

long
rss_kb ()
{
  std::ifstream f ("/proc/self/status");
  std::string line;
  while (std::getline (f, line))
    if (line.rfind ("VmRSS:", 0) == 0)
      return atol (line.c_str () + 6);
  return 0;
}

/* A tiny on_publish handler: 403 for every publish. */
struct Rejecter {
  HttpServer http;
  std::atomic<int> calls{0};
  std::string url;

  bool start ()
  {
    http.handle ("/publish", [this] (SoupServerMessage *msg) {
      calls++;
      soup_server_message_set_status (msg, 403, nullptr);
    });
    if (!http.start ())
      return false;
    url = http.url ("/publish");
    return true;
  }
};

/* The connections twitchsink reported so far, and when the last one was
 * reported (seconds of the run). */
struct ConnectionWatch {
  int connected = 0;
  double since = 0;
  void update (const RunResult &r, double now)
  {
    int n = r.count ("twitchsink-connected");
    if (n != connected) {
      connected = n;
      since = now;
    }
  }
  /* How long the current connection has been up. */
  double streamed (double now) const { return connected ? now - since : 0; }
};

guint64
stat_u64 (const GstStructure *s, const char *field)
{
  guint64 v = 0;
  gst_structure_get_uint64 (s, field, &v);
  return v;
}

} // namespace

TEST_F (TwitchSinkResilience, SurvivesTheIngestBeingKilledThreeTimes)
{
  NginxRtmpPeer ingest;
  ASSERT_TRUE (ingest.start ());
  GstElement *p = parse (live_source () + "twitchsink name=t server="
                         + ingest.url () + " stream-key=" + kKey
                         + " bitrate=800 speed-preset=ultrafast "
                           "retry-delay=500"
                         + kLiveTone);
  RunResult r;
  int kills = 0;
  double killed_at = -1;
  ConnectionWatch watch;
  run_pipeline (p, r, 120, [&] (double t, GstElement *) {
    watch.update (r, t);
    /* Each connection, once it has streamed for 1.5 s, is killed; the
     * ingest is back 1 s later. Driven by the connections twitchsink
     * reports, not by a timetable a loaded machine could fall behind. */
    if (kills < 3 && killed_at < 0 && watch.connected == kills + 1
        && watch.streamed (t) > 1.5) {
      ingest.kill_hard ();
      killed_at = t;
      kills++;
    }
    if (killed_at >= 0 && t > killed_at + 1.0) {
      EXPECT_TRUE (ingest.start ());
      killed_at = -1;
    }
    /* The fourth connection streams for 2 s, then EOS. */
    return !(watch.connected == 4 && watch.streamed (t) > 2.0);
  });
  EXPECT_FALSE (r.timed_out) << watch.connected << " connections";
  gst_object_unref (p);

  EXPECT_TRUE (r.errors.empty ()) << r.error_texts[0];
  EXPECT_TRUE (r.eos) << "EOS still ends the stream";
  EXPECT_EQ (r.count ("twitchsink-disconnected"), 3);
  EXPECT_GE (r.count ("twitchsink-reconnecting"), 3);
  EXPECT_EQ (r.count ("twitchsink-connected"), 4);
  for (auto *s : r.element_messages) {
    if (gst_structure_has_name (s, "twitchsink-reconnecting")) {
      int attempt = 0;
      guint64 delay = 0;
      EXPECT_TRUE (gst_structure_get_int (s, "attempt", &attempt));
      EXPECT_TRUE (gst_structure_get_uint64 (s, "delay", &delay));
      EXPECT_GE (attempt, 1);
      EXPECT_GE (delay, 300 * GST_MSECOND); /* 500 ms with jitter */
    }
  }
  ASSERT_NE (r.last_stats, nullptr);
  guint reconnects = 0;
  gst_structure_get_uint (r.last_stats, "reconnects", &reconnects);
  EXPECT_EQ (reconnects, 3u);
  EXPECT_GT (stat_u64 (r.last_stats, "bytes-sent"), 100000u);

  auto recs = ingest.recordings ();
  ASSERT_EQ (recs.size (), 4u) << "one recording per connection";
  for (const auto &rec : recs) {
    auto packets = ffprobe_packets (rec, "v");
    ASSERT_FALSE (packets.empty ()) << rec;
    EXPECT_TRUE (packets.front ().key) << rec << " must start on a keyframe";
    ProbeResult info = ffprobe (rec);
    EXPECT_TRUE (info.ok) << info.error;
    EXPECT_NE (info.audio (), nullptr) << rec;
  }
}

TEST_F (TwitchSinkResilience, DetectsAStalledIngestDropsByPriorityAndRecovers)
{
  NginxRtmpPeer ingest;
  ASSERT_TRUE (ingest.start ());
  const gint64 kBitrateKbps = 3000;
  GstElement *p = parse (
      live_source (1280, 720) + "twitchsink name=t server=" + ingest.url ()
      + " stream-key=" + kKey + " bitrate=" + std::to_string (kBitrateKbps)
      + " speed-preset=ultrafast "
        "retry-delay=500 stall-timeout=2000"
      + kLiveTone);
  GstElement *t = gst_bin_get_by_name (GST_BIN (p), "t");
  RunResult r;
  bool paused = false, resumed = false;
  double paused_at = 0;
  long rss_before = 0, rss_max = 0;
  GstClockTime max_queued = 0;
  guint64 dropped_during = 0;
  gint64 sent_at_recovery = -1;
  ConnectionWatch watch;
  run_pipeline (p, r, 150, [&] (double time, GstElement *) {
    watch.update (r, time);
    /* Stalled after 3 s of streaming; resumed once twitchsink has given
     * the connection up and 10 s have passed (the queue's 5 s bound
     * reached); the run ends once the new connection has carried 4 s of
     * the stream, counted in bytes at its constant bitrate (the recording
     * below needs 2 s), however late nginx comes back and however slowly
     * a loaded machine encodes. */
    if (!paused && watch.connected == 1 && watch.streamed (time) > 3) {
      rss_before = rss_kb ();
      ingest.pause ();
      paused = true;
      paused_at = time;
    }
    if (paused && !resumed) {
      rss_max = std::max (rss_max, rss_kb ());
      guint64 queued = 0;
      g_object_get (t, "video-buffer-duration", &queued, nullptr);
      max_queued = std::max<GstClockTime> (max_queued, queued);
      if (time > paused_at + 10 && r.count ("twitchsink-disconnected") >= 1) {
        GstStructure *s = nullptr;
        g_object_get (t, "stats", &s, nullptr);
        dropped_during = stat_u64 (s, "video-frames-dropped");
        gst_structure_free (s);
        ingest.resume ();
        resumed = true;
      }
    }
    if (resumed && watch.connected >= 2) {
      GstStructure *s = nullptr;
      g_object_get (t, "stats", &s, nullptr);
      guint64 sent = stat_u64 (s, "bytes-sent");
      gst_structure_free (s);
      if (sent_at_recovery < 0)
        sent_at_recovery = (gint64)sent;
      return (gint64)sent - sent_at_recovery < 4 * kBitrateKbps * 1000 / 8;
    }
    return true;
  });
  EXPECT_FALSE (r.timed_out) << "paused " << paused << ", resumed " << resumed
                             << ", " << watch.connected << " connections";
  gst_object_unref (t);
  gst_object_unref (p);

  EXPECT_TRUE (r.errors.empty ()) << r.error_texts[0];
  EXPECT_TRUE (r.eos);
  /* Detected: the connection was given up and remade. */
  ASSERT_GE (r.count ("twitchsink-disconnected"), 1);
  const GstStructure *first_disc = nullptr;
  for (auto *s : r.element_messages)
    if (gst_structure_has_name (s, "twitchsink-disconnected") && !first_disc)
      first_disc = s;
  EXPECT_NE (std::string (gst_structure_get_string (first_disc, "reason"))
                 .find ("stopped reading"),
      std::string::npos);
  EXPECT_GE (r.count ("twitchsink-connected"), 2) << "recovered";
  /* Dropped by priority, memory bounded: never more than max-queue-time
   * (5 s) queued, and no runaway growth. */
  EXPECT_GT (dropped_during, 0u);
  EXPECT_LE (max_queued, 5 * GST_SECOND + 500 * GST_MSECOND);
  EXPECT_LT (rss_max - rss_before, 150 * 1024) << "kB";
  /* After the stall: a new recording, opening on a keyframe, with 2 s of
   * the stream's timeline (frames a loaded machine could not encode in
   * time are dropped by policy, not a hole in the timeline). */
  auto recs = ingest.recordings ();
  ASSERT_GE (recs.size (), 2u);
  auto packets = ffprobe_packets (recs.back (), "v");
  ASSERT_GE (packets.size (), 2u);
  EXPECT_TRUE (packets.front ().key);
  EXPECT_GE (packets.back ().pts - packets.front ().pts + 1.0 / 30, 2.0)
      << packets.size () << " frames in " << recs.back () << " of "
      << recs.size () << " recordings";
}

TEST_F (TwitchSinkResilience, ARejectedKeyIsOneNotAuthorizedError)
{
  Rejecter rejecter;
  if (!rejecter.start ())
    GTEST_FAIL () << "the on_publish rejecter cannot listen on 127.0.0.1";
  NginxRtmpPeer ingest (rejecter.url);
  ASSERT_TRUE (ingest.start ());
  GstElement *p
      = parse (live_source () + "twitchsink name=t server=" + ingest.url ()
               + " stream-key=" + kKey
               + " speed-preset=ultrafast retry-delay=200" + kLiveTone);
  RunResult r;
  run_pipeline (p, r, 30, {}, true);
  gst_object_unref (p);

  ASSERT_EQ (r.errors.size (), 1u);
  EXPECT_EQ (r.errors[0]->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ (r.errors[0]->code, GST_RESOURCE_ERROR_NOT_AUTHORIZED)
      << r.error_texts[0];
  EXPECT_NE (r.error_texts[0].find ("stream key"), std::string::npos);
  EXPECT_EQ (r.error_texts[0].find (kKey), std::string::npos)
      << "the key stays out of the error";
  EXPECT_EQ (r.count ("twitchsink-reconnecting"), 0) << "no retry storm";
  EXPECT_EQ (rejecter.calls.load (), 1);
}

/* The whole run of gst-launch-1.0 -v at GST_DEBUG=*:9: connect, reconnect
 * after the ingest is killed, then the final error when it never comes
 * back. Not a byte of the key in the log, on stdout or stderr. */
TEST_F (TwitchSinkResilience, KeyNeverInDebugLogOrVerboseOutput)
{
  std::string launch = find_program ("gst-launch-1.0");
  TWITCH_REQUIRE_PROGRAM (launch, "gst-launch-1.0", "gstreamer1.0-tools");
  NginxRtmpPeer ingest;
  ASSERT_TRUE (ingest.start ());
  TempDir dir;
  std::string log = dir.file ("debug.log");
  std::string out = dir.file ("stdout.log");
  std::string pipeline
      = "videotestsrc is-live=true ! video/x-raw,width=160,height=120,"
        "framerate=15/1 ! twitchsink name=t server="
        + ingest.url ()
        + " speed-preset=ultrafast retry-delay=300 max-retries=2";
  GSubprocessLauncher *launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "GST_DEBUG", "*:9", TRUE);
  g_subprocess_launcher_setenv (launcher, "GST_DEBUG_NO_COLOR", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GST_DEBUG_FILE", log.c_str (), TRUE);
  g_subprocess_launcher_setenv (launcher, "TWITCH_STREAM_KEY", kKey, TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, out.c_str ());
  gchar **argv = g_strsplit ((launch + " -v -m " + pipeline).c_str (), " ", -1);
  GError *err = nullptr;
  GSubprocess *proc = g_subprocess_launcher_spawnv (launcher, argv, &err);
  g_strfreev (argv);
  g_object_unref (launcher);
  ASSERT_NE (proc, nullptr) << err->message;

  /* Connected (nginx records), killed, back (a second recording), killed
   * for good: the run ends with the retries-exhausted error. */
  auto wait_for = [&] (size_t n, int ms) {
    for (int i = 0; i < ms / 50 && ingest.recordings ().size () < n; i++)
      g_usleep (50000);
    return ingest.recordings ().size () >= n;
  };
  /* Events, not sleeps: media reached the recording. */
  auto recorded = [&] (size_t n, gint64 bytes) {
    return poll_until (
        [&] {
          auto recs = ingest.recordings ();
          if (recs.size () < n)
            return false;
          GStatBuf st;
          return g_stat (recs[n - 1].c_str (), &st) == 0 && st.st_size >= bytes;
        },
        30000);
  };
  EXPECT_TRUE (wait_for (1, 20000));
  EXPECT_TRUE (recorded (1, 50000)) << "media in the first recording";
  /* Back at once: the dead connection is noticed on the next write anyway,
   * and the second recording below is the proof of the reconnect. */
  ingest.kill_hard ();
  ASSERT_TRUE (ingest.start ());
  EXPECT_TRUE (wait_for (2, 20000));
  EXPECT_TRUE (recorded (2, 50000)) << "media in the second recording";
  ingest.kill_hard ();
  bool exited = false;
  for (int i = 0; i < 400 && !exited; i++) {
    g_usleep (50000);
    exited = g_subprocess_get_identifier (proc) == nullptr;
  }
  if (!exited)
    g_subprocess_force_exit (proc);
  g_subprocess_wait (proc, nullptr, nullptr);
  EXPECT_TRUE (exited) << "the run must end with an error";
  g_object_unref (proc);

  std::string debug = read_file (log);
  std::string stdout_text = read_file (out);
  EXPECT_GT (debug.size (), 100000u) << "GST_DEBUG=*:9 did log";
  EXPECT_NE (stdout_text.find ("twitchsink-reconnecting"), std::string::npos)
      << "-m shows the bus messages";
  EXPECT_NE (stdout_text.find ("ERROR"), std::string::npos);
  EXPECT_NE (stdout_text.find ("after 2 retries"), std::string::npos)
      << "the final error counts the retries max-retries allowed";
  for (const std::string *text : {&debug, &stdout_text}) {
    EXPECT_EQ (text->find (kKey), std::string::npos);
    /* Nor its hex dump (GST_MEMDUMP prints payloads as hex bytes). */
    EXPECT_EQ (text->find ("72 65 73 69 6c 69 65 6e 63 65"), std::string::npos);
    EXPECT_EQ (text->find ("resiliencekey"), std::string::npos);
  }
  EXPECT_NE (debug.find ("<redacted>"), std::string::npos)
      << "rtmp2sink's own INFO lines name the stream";
}
