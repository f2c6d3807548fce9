/* What a gst-launch user sees when the ingest is not there: the first
 * failure of a connection is one warning on the bus naming the cause and
 * the next retry, the recovery one more, and nothing in between. Against a
 * real nginx-rtmp on loopback, started late. */
#include "twitchsink_harness.h"

#include <string>
#include <vector>

using namespace twitch_test;

namespace
{

class TwitchSinkWarnings : public IngestTest
{
 protected:
  TwitchSinkWarnings () : IngestTest (false) {}
};

struct Seen {
  std::vector<std::string> warnings; /* twitchsink's, in order */
  std::vector<std::string> errors;
  int connected = 0;
};

/* Runs until @until says stop (or @timeout_s), collecting twitchsink's
 * warnings and errors; @act is called every 50 ms with the elapsed time. */
void
run (GstElement *p, Seen &seen, double timeout_s,
    const std::function<bool (double, const Seen &)> &act)
{
  GstBus *bus = gst_element_get_bus (p);
  ASSERT_NE (
      gst_element_set_state (p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  gint64 start = g_get_monotonic_time ();
  while (true) {
    double elapsed = (g_get_monotonic_time () - start) / 1e6;
    if (elapsed > timeout_s || !act (elapsed, seen))
      break;
    GstMessage *msg = gst_bus_timed_pop (bus, 50 * GST_MSECOND);
    if (msg == nullptr)
      continue;
    bool from_t = g_str_equal (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), "t");
    GError *err = nullptr;
    gchar *dbg = nullptr;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING && from_t) {
      gst_message_parse_warning (msg, &err, &dbg);
      seen.warnings.push_back (err->message);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, &dbg);
      seen.errors.push_back (err->message);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT) {
      const GstStructure *s = gst_message_get_structure (msg);
      seen.connected += s && gst_structure_has_name (s, "twitchsink-connected");
    }
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (msg);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
}

} // namespace

TEST_F (TwitchSinkWarnings, FirstFailureAndRecoveryAreOneWarningEach)
{
  /* Started once for a port of its own, then stopped: refused. */
  NginxRtmpPeer ingest;
  ASSERT_TRUE (ingest.start ());
  ingest.stop ();
  GstElement *p = parse (
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,"
      "framerate=15/1 ! twitchsink name=t server="
      + ingest.url ()
      + " stream-key=fake_0_warningskey speed-preset=ultrafast bitrate=300 "
        "retry-delay=300 max-retry-delay=600");
  ASSERT_NE (p, nullptr);
  Seen seen;
  bool started = false;
  double connected_at = -1;
  run (p, seen, 40, [&] (double t, const Seen &s) {
    /* Several attempts fail (0.3 s, 0.45 s, ...) before nginx starts. */
    if (!started && t > 2.5) {
      GError *err = nullptr;
      EXPECT_TRUE (ingest.start (&err)) << (err ? err->message : "");
      g_clear_error (&err);
      started = true;
    }
    if (s.connected > 0 && connected_at < 0)
      connected_at = t;
    return connected_at < 0 || t < connected_at + 1.0;
  });
  gst_object_unref (p);

  EXPECT_TRUE (seen.errors.empty ()) << seen.errors[0];
  ASSERT_EQ (seen.connected, 1);
  ASSERT_EQ (seen.warnings.size (), 2u)
      << "one on the first failure, one on recovery";
  /* The cause and the next retry. */
  EXPECT_NE (seen.warnings[0].find ("Could not connect"), std::string::npos)
      << seen.warnings[0];
  EXPECT_NE (seen.warnings[0].find ("refused"), std::string::npos)
      << seen.warnings[0];
  EXPECT_NE (seen.warnings[0].find ("Retrying in 0."), std::string::npos)
      << seen.warnings[0];
  EXPECT_NE (seen.warnings[1].find ("again"), std::string::npos)
      << seen.warnings[1];
  for (const auto &w : seen.warnings)
    EXPECT_EQ (w.find ("warningskey"), std::string::npos) << w;
}

TEST_F (TwitchSinkWarnings, GivingUpIsOneWarningThenTheError)
{
  NginxRtmpPeer ingest;
  ASSERT_TRUE (ingest.start ());
  ingest.stop (); /* and never again */
  GstElement *p = parse (
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,"
      "framerate=15/1 ! twitchsink name=t server="
      + ingest.url ()
      + " stream-key=fake_0_warningskey speed-preset=ultrafast bitrate=300 "
        "retry-delay=100 max-retries=3");
  ASSERT_NE (p, nullptr);
  Seen seen;
  run (p, seen, 30, [&] (double, const Seen &s) { return s.errors.empty (); });
  gst_object_unref (p);
  ASSERT_EQ (seen.errors.size (), 1u);
  EXPECT_NE (seen.errors[0].find ("after 3 retries"), std::string::npos)
      << seen.errors[0];
  EXPECT_EQ (seen.warnings.size (), 1u) << "no warning per retry";
}
