/* twitchsink's connection state machine with a fake clock: no element, no
 * network, every time given by the test. */
#include "gsttwitchsink-connection.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using twitchsink::Connection;
using twitchsink::ConnectionCallbacks;
using twitchsink::ConnectionConfig;
using twitchsink::ConnState;
using twitchsink::OutputSample;

namespace
{

constexpr int64_t kMs = 1000;
constexpr int64_t kS = 1000 * kMs;

/* Records what the connection asked for and reported, in order. */
struct Recorder {
  std::vector<std::string> events;
  bool connect_ok = true;
  int connects = 0;
  int64_t last_delay = 0;

  ConnectionCallbacks callbacks ()
  {
    ConnectionCallbacks cb;
    cb.connect = [this] (bool reconnect) {
      connects++;
      events.push_back (reconnect ? "connect(again)" : "connect");
      return connect_ok;
    };
    cb.disconnect = [this] () { events.push_back ("disconnect"); };
    cb.connected = [this] (int64_t, bool reconnect) {
      events.push_back (reconnect ? "connected(again)" : "connected");
    };
    cb.disconnected
        = [this] (const std::string &) { events.push_back ("disconnected"); };
    cb.first_failure = [this] (const std::string &r, int64_t d, bool never) {
      last_delay = d;
      events.push_back (
          std::string ("first-failure:") + (never ? "never:" : "") + r);
    };
    cb.reconnecting = [this] (int attempt, int64_t d, const std::string &) {
      last_delay = d;
      events.push_back ("reconnecting:" + std::to_string (attempt));
    };
    cb.recovered = [this] (int attempts) {
      events.push_back ("recovered:" + std::to_string (attempts));
    };
    cb.gave_up = [this] (const std::string &, int attempts) {
      events.push_back ("gave-up:" + std::to_string (attempts));
    };
    cb.refused = [this] (const std::string &) { events.push_back ("refused"); };
    return cb;
  }
  int count (const std::string &prefix) const
  {
    int n = 0;
    for (const auto &e : events)
      n += e.rfind (prefix, 0) == 0;
    return n;
  }
};

ConnectionConfig
config (int max_retries = 3)
{
  ConnectionConfig c;
  c.policy.initial_delay_us = 2 * kS;
  c.policy.multiplier = 1.5;
  c.policy.jitter = 0;
  c.policy.max_delay_us = 60 * kS;
  c.policy.max_retries = max_retries;
  c.stall_timeout_us = 5 * kS;
  c.seed = 42;
  return c;
}

/* Bytes flowing: the sink received and the socket wrote more. */
OutputSample
flowing (uint64_t bytes, int64_t now)
{
  OutputSample s;
  s.bytes_sent = bytes;
  s.last_progress_us = now;
  return s;
}

} // namespace

TEST (TwitchSinkConnection, ConnectedWhenBytesLeave)
{
  Recorder rec;
  Connection c (config (), rec.callbacks ());
  int64_t t = 0;
  c.start (t);
  EXPECT_EQ (c.state (), ConnState::CONNECTING);
  t += 50 * kMs;
  c.tick (t, flowing (0, t));
  EXPECT_EQ (c.state (), ConnState::CONNECTING);
  t += 50 * kMs;
  c.tick (t, flowing (1000, t));
  EXPECT_EQ (c.state (), ConnState::CONNECTED);
  EXPECT_EQ (rec.events, (std::vector<std::string>{"connect", "connected"}));
  auto st = c.stats (t);
  EXPECT_EQ (st.connect_time_us, 100 * kMs);
  EXPECT_TRUE (st.ever_connected);
}

TEST (TwitchSinkConnection, NeverConnectedStatsSayZero)
{
  Recorder rec;
  Connection c (config (), rec.callbacks ());
  auto st = c.stats (0);
  EXPECT_EQ (st.connect_time_us, 0);
  EXPECT_EQ (st.uptime_us, 0);
  EXPECT_FALSE (st.ever_connected);
}

TEST (TwitchSinkConnection, OneWarningPerOutageAndOneOnRecovery)
{
  Recorder rec;
  Connection c (config (10), rec.callbacks ());
  int64_t t = 0;
  c.start (t);
  /* Three failed attempts: one first-failure, three reconnecting. */
  for (int i = 0; i < 3; i++) {
    t += 10 * kMs;
    c.output_failed (t, "Connection refused", false);
    EXPECT_EQ (c.state (), ConnState::WAITING);
    int64_t retry_at = t + rec.last_delay;
    c.tick (retry_at - kMs, flowing (0, t));
    EXPECT_EQ (c.state (), ConnState::WAITING) << "not before the delay";
    t = retry_at;
    c.tick (t, flowing (0, t));
    EXPECT_EQ (c.state (), ConnState::CONNECTING);
  }
  EXPECT_EQ (rec.count ("first-failure:never:Connection refused"), 1);
  EXPECT_EQ (rec.count ("reconnecting:"), 3);
  t += 50 * kMs;
  c.tick (t, flowing (500, t));
  EXPECT_EQ (c.state (), ConnState::CONNECTED);
  EXPECT_EQ (rec.count ("recovered:3"), 1);
  /* A later loss is a new outage: one more first failure. */
  t += kS;
  c.output_failed (t, "Connection reset", false);
  EXPECT_EQ (rec.count ("first-failure:"), 2);
  EXPECT_EQ (rec.count ("first-failure:never:"), 1);
  EXPECT_EQ (rec.count ("disconnected"), 1);
}

TEST (TwitchSinkConnection, BackoffGrowsAndGivesUp)
{
  Recorder rec;
  Connection c (config (3), rec.callbacks ());
  int64_t t = 0;
  c.start (t);
  std::vector<int64_t> delays;
  for (int i = 0; i < 3; i++) {
    c.output_failed (t, "refused", false);
    delays.push_back (rec.last_delay);
    t += rec.last_delay;
    c.tick (t, flowing (0, t));
  }
  EXPECT_EQ (delays, (std::vector<int64_t>{2 * kS, 3 * kS, 4500 * kMs}));
  c.output_failed (t, "refused", false);
  EXPECT_EQ (c.state (), ConnState::FAILED);
  EXPECT_EQ (rec.count ("gave-up:"), 1);
  EXPECT_EQ (rec.connects, 4);
  /* Nothing more happens. */
  t += 100 * kS;
  c.tick (t, flowing (0, t));
  EXPECT_EQ (rec.connects, 4);
}

TEST (TwitchSinkConnection, ARefusedKeyIsNeverRetried)
{
  Recorder rec;
  Connection c (config (), rec.callbacks ());
  c.start (0);
  c.output_failed (10 * kMs, "publish denied", true);
  EXPECT_EQ (c.state (), ConnState::FAILED);
  c.tick (100 * kS, flowing (0, 100 * kS));
  EXPECT_EQ (rec.connects, 1);
  EXPECT_EQ (rec.count ("refused"), 1);
  EXPECT_EQ (rec.count ("reconnecting:"), 0);
}

TEST (TwitchSinkConnection, StragglersAreIgnored)
{
  Recorder rec;
  Connection c (config (), rec.callbacks ());
  c.start (0);
  c.output_failed (kMs, "first", false);
  /* The output's last words while it is taken down. */
  c.output_failed (2 * kMs, "second", false);
  EXPECT_EQ (rec.count ("reconnecting:"), 1);
}

TEST (TwitchSinkConnection, ABlockedPushWithoutProgressIsAStall)
{
  Recorder rec;
  Connection c (config (), rec.callbacks ());
  int64_t t = 0;
  c.start (t);
  t += 50 * kMs;
  c.tick (t, flowing (100, t));
  ASSERT_EQ (c.state (), ConnState::CONNECTED);
  int64_t stuck_at = t;
  OutputSample s = flowing (100, stuck_at);
  s.push_blocked_since_us = stuck_at;
  t = stuck_at + 4 * kS;
  c.tick (t, s);
  EXPECT_EQ (c.state (), ConnState::CONNECTED);
  t = stuck_at + 5 * kS + kMs;
  c.tick (t, s);
  EXPECT_EQ (c.state (), ConnState::WAITING);
  EXPECT_EQ (rec.count ("first-failure:the ingest stopped reading"), 1);
}

TEST (TwitchSinkConnection, AcknowledgementsStoppingIsAStall)
{
  Recorder rec;
  Connection c (config (), rec.callbacks ());
  int64_t t = 0;
  c.start (t);
  OutputSample s;
  s.have_sink_stats = true;
  s.window = 1000;
  /* Connected once the socket writes more, and bytes went in. */
  s.out_bytes = 100;
  t += 50 * kMs;
  c.tick (t, s);
  s.bytes_sent = 200;
  s.out_bytes = 300;
  s.acked_bytes = 100;
  t += 50 * kMs;
  c.tick (t, s);
  ASSERT_EQ (c.state (), ConnState::CONNECTED);
  /* More than 1.5 windows unacknowledged, no new ack for the timeout. */
  s.out_bytes = 100 + 1600;
  int64_t last_ack = t;
  t = last_ack + 5 * kS;
  c.tick (t, s);
  EXPECT_EQ (c.state (), ConnState::CONNECTED);
  t = last_ack + 5 * kS + 100 * kMs;
  c.tick (t, s);
  EXPECT_EQ (c.state (), ConnState::WAITING);
}

TEST (TwitchSinkConnection, BitrateOverTheLastSecond)
{
  Recorder rec;
  Connection c (config (), rec.callbacks ());
  int64_t t = 0;
  c.start (t);
  uint64_t bytes = 0;
  for (int i = 0; i < 40; i++) { /* 2 s at 100 ms, 1000 bytes each */
    t += 100 * kMs;
    c.tick (t, flowing (bytes += 1000, t));
  }
  EXPECT_EQ (c.stats (t).bitrate, 80000u); /* 10 kB/s */
}

TEST (TwitchSinkConnection, RefusedKeyRecognised)
{
  GError *e = g_error_new_literal (
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "Not authorized");
  EXPECT_TRUE (twitchsink::output_error_is_refused_key (e));
  g_error_free (e);
  e = g_error_new_literal (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "Failed to start stream: 'publish' cmd failed: _error: ...");
  EXPECT_TRUE (twitchsink::output_error_is_refused_key (e));
  g_error_free (e);
  e = g_error_new_literal (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
      "Could not connect to 127.0.0.1: Connection refused");
  EXPECT_FALSE (twitchsink::output_error_is_refused_key (e));
  g_error_free (e);
}

/* What rtmp2sink 1.22 posts when the ingest answers the publish with
 * NetStream.Publish.BadName: nginx-rtmp does so while it still holds the
 * connection a stall cut off, so it is retried, never a refused key. */
TEST (TwitchSinkConnection, StreamStillPublishedIsRetriedNotRefused)
{
  GError *e
      = g_error_new_literal (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
          "Failed to connect: publish denied; stream already exists: { "
          "\"level\": \"error\", \"code\": \"NetStream.Publish.BadName\", "
          "\"description\": \"Already publishing\" }");
  EXPECT_FALSE (twitchsink::output_error_is_refused_key (e));
  EXPECT_TRUE (twitchsink::output_error_is_stream_in_use (e));
  g_error_free (e);
  e = g_error_new_literal (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "Failed to start stream: 'publish' cmd failed: _error: ...");
  EXPECT_FALSE (twitchsink::output_error_is_stream_in_use (e));
  g_error_free (e);
}
