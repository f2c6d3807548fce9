/* twitchsink's connection: the state machine between twitchsink and its
 * output stage. It decides when a connection is up (bytes leave through the
 * network sink), when it is lost (an output error, a stalled ingest that no
 * longer reads or acknowledges), when to retry (OBS's backoff) and when to
 * give up; it keeps the bitrate window and the connection statistics.
 *
 * It touches no GStreamer element: it takes the output's errors and what the
 * output sent (OutputSample) as input, with the time, and acts through
 * callbacks. So it runs with a fake clock in
 * tests/lib/test_twitchsink_connection.
 *
 * Threading: tick(), start(), stop() and output_failed() are called from one
 * thread (twitchsink's worker); stats() and state() from any thread. The
 * callbacks run on the calling thread with no lock of this class held. */
#pragma once

#include <glib.h>

#include <gst/twitch/common/backoff.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace twitchsink
{

enum class ConnState {
  IDLE,       /* not started, or stopped */
  CONNECTING, /* the output is built, no byte has left yet */
  CONNECTED,
  WAITING, /* lost; the next attempt is scheduled */
  FAILED,  /* gave up, or the key was refused */
};

struct ConnectionConfig {
  twitch::BackoffPolicy policy = twitch::backoff_policy_obs ();
  /* No progress for this long while data waits is a stall; 0: off. */
  int64_t stall_timeout_us = 5 * G_USEC_PER_SEC;
  /* Seed of the backoff's jitter (0: random). */
  uint32_t seed = 0;
};

/* What the output did, sampled at each tick. */
struct OutputSample {
  uint64_t bytes_sent = 0;           /* reached the network sink, in total */
  int64_t last_progress_us = 0;      /* when bytes last did */
  int64_t push_blocked_since_us = 0; /* a push into the output blocked, or 0 */
  /* rtmp2sink's socket counters (have_sink_stats: false for other sinks). */
  bool have_sink_stats = false;
  uint64_t out_bytes = 0;
  uint64_t acked_bytes = 0;
  unsigned window = 0;
};

struct ConnectionCallbacks {
  /* Build the output and start it; false: fatal (already reported). */
  std::function<bool (bool reconnect)> connect;
  /* Take the output down. */
  std::function<void ()> disconnect;
  std::function<void (int64_t took_us, bool reconnect)> connected;
  /* A connection that was up is lost. */
  std::function<void (const std::string &reason)> disconnected;
  /* The first failure of an outage (a connection lost, or the first
   * attempt failing): with the next retry's delay. */
  std::function<void (
      const std::string &reason, int64_t delay_us, bool never_connected)>
      first_failure;
  std::function<void (int attempt, int64_t delay_us, const std::string &reason)>
      reconnecting;
  /* Up again after an outage of @attempts failed attempts. */
  std::function<void (int attempts)> recovered;
  std::function<void (const std::string &reason, int attempts)> gave_up;
  std::function<void (const std::string &reason)> refused;
};

struct ConnectionStats {
  ConnState state = ConnState::IDLE;
  uint64_t bitrate = 0; /* bit/s over the last second */
  uint64_t bytes_sent = 0;
  unsigned reconnects = 0;
  bool ever_connected = false;
  int64_t connect_time_us = 0; /* of the last connection; 0: never */
  int64_t uptime_us = 0;       /* of the current connection */
};

class Connection
{
 public:
  Connection (const ConnectionConfig &config, ConnectionCallbacks callbacks);
  ~Connection ();
  Connection (const Connection &) = delete;
  Connection &operator= (const Connection &) = delete;

  /* The first attempt. */
  void start (int64_t now_us);
  void stop ();
  /* Every ~50 ms: connection detection, stalls, the retry timer, the
   * bitrate window. */
  void tick (int64_t now_us, const OutputSample &sample);
  /* An error of the output. @refused: the ingest refused the key (fatal,
   * no retry). Ignored unless connecting or connected (stragglers of a
   * connection already being remade). */
  void output_failed (int64_t now_us, const std::string &reason, bool refused);

  ConnState state () const;
  ConnectionStats stats (int64_t now_us) const;

 private:
  using Effects = std::vector<std::function<void ()>>;
  void attempt_locked (int64_t now_us, Effects &fx);
  void fail_locked (
      int64_t now_us, const std::string &reason, bool refused, Effects &fx);
  static void run (Effects &fx);

  ConnectionConfig config_;
  ConnectionCallbacks cb_;

  mutable std::mutex lock_;
  ConnState state_ = ConnState::IDLE;
  std::unique_ptr<twitch::Backoff> backoff_;
  int64_t retry_at_us_ = 0;
  int64_t attempt_started_us_ = 0;
  int64_t connected_since_us_ = 0;
  int64_t connect_time_us_ = 0;
  unsigned reconnects_ = 0;
  bool ever_connected_ = false;
  bool in_outage_ = false;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_at_attempt_ = 0;
  uint64_t sink_out_bytes_ = 0;
  uint64_t sink_acked_bytes_ = 0;
  int64_t last_ack_us_ = 0;
  struct ByteSample {
    int64_t when_us;
    uint64_t bytes;
  };
  std::deque<ByteSample> history_;
};

/* Whether an error of the network sink means the ingest refused the key.
 * See the comment in the .cpp for what rtmp2sink 1.22 gives to go on. */
bool output_error_is_refused_key (const GError *error);

/* Whether it means the ingest still holds a stream under the key (an
 * earlier connection it has not seen close, or another encoder): retried. */
bool output_error_is_stream_in_use (const GError *error);

} // namespace twitchsink
