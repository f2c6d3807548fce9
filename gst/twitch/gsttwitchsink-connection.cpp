/* twitchsink's connection state machine (see gsttwitchsink-connection.h). */
#include "config.h"

#include "gsttwitchsink-connection.h"

#include <gst/gst.h>

#include <cstring>

namespace twitchsink
{

Connection::Connection (
    const ConnectionConfig &config, ConnectionCallbacks callbacks)
    : config_ (config), cb_ (std::move (callbacks))
{
}

Connection::~Connection () = default;

void
Connection::run (Effects &fx)
{
  for (auto &f : fx)
    f ();
}

void
Connection::start (int64_t now_us)
{
  Effects fx;
  {
    std::lock_guard<std::mutex> lk (lock_);
    backoff_ = std::make_unique<twitch::Backoff> (config_.policy, config_.seed);
    reconnects_ = 0;
    ever_connected_ = false;
    in_outage_ = false;
    bytes_sent_ = 0;
    connect_time_us_ = 0;
    history_.clear ();
    attempt_locked (now_us, fx);
  }
  run (fx);
}

void
Connection::stop ()
{
  std::lock_guard<std::mutex> lk (lock_);
  state_ = ConnState::IDLE;
}

void
Connection::attempt_locked (int64_t now_us, Effects &fx)
{
  bool reconnect = ever_connected_ || in_outage_;
  state_ = ConnState::CONNECTING;
  attempt_started_us_ = now_us;
  bytes_at_attempt_ = bytes_sent_;
  sink_out_bytes_ = 0;
  last_ack_us_ = now_us;
  fx.push_back ([this, reconnect] () {
    if (cb_.connect && !cb_.connect (reconnect)) {
      std::lock_guard<std::mutex> lk (lock_);
      state_ = ConnState::FAILED;
    }
  });
}

void
Connection::fail_locked (
    int64_t now_us, const std::string &reason, bool refused, Effects &fx)
{
  bool was_connected = state_ == ConnState::CONNECTED;
  fx.push_back ([this] () {
    if (cb_.disconnect)
      cb_.disconnect ();
  });
  if (was_connected && cb_.disconnected)
    fx.push_back ([this, reason] () { cb_.disconnected (reason); });
  if (refused) {
    state_ = ConnState::FAILED;
    if (cb_.refused)
      fx.push_back ([this, reason] () { cb_.refused (reason); });
    return;
  }
  std::optional<int64_t> delay = backoff_->next_delay_us ();
  int attempt = backoff_->attempt ();
  if (!delay) {
    state_ = ConnState::FAILED;
    if (cb_.gave_up)
      fx.push_back (
          [this, reason, attempt] () { cb_.gave_up (reason, attempt); });
    return;
  }
  state_ = ConnState::WAITING;
  retry_at_us_ = now_us + *delay;
  if (!in_outage_) {
    in_outage_ = true;
    bool never = !ever_connected_;
    int64_t d = *delay;
    if (cb_.first_failure)
      fx.push_back ([this, reason, d, never] () {
        cb_.first_failure (reason, d, never);
      });
  }
  if (cb_.reconnecting) {
    int64_t d = *delay;
    fx.push_back ([this, attempt, d, reason] () {
      cb_.reconnecting (attempt, d, reason);
    });
  }
}

void
Connection::output_failed (
    int64_t now_us, const std::string &reason, bool refused)
{
  Effects fx;
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (state_ != ConnState::CONNECTING && state_ != ConnState::CONNECTED)
      return;
    fail_locked (now_us, reason, refused, fx);
  }
  run (fx);
}

void
Connection::tick (int64_t now_us, const OutputSample &s)
{
  Effects fx;
  {
    std::lock_guard<std::mutex> lk (lock_);
    bytes_sent_ = s.bytes_sent;
    /* Bitrate window: a sample every 100 ms, one second kept. */
    if (history_.empty () || now_us - history_.back ().when_us >= 100000)
      history_.push_back ({now_us, bytes_sent_});
    while (history_.size () > 2
           && now_us - history_.front ().when_us > G_USEC_PER_SEC)
      history_.pop_front ();

    if (state_ == ConnState::WAITING && now_us >= retry_at_us_) {
      attempt_locked (now_us, fx);
    } else if (state_ == ConnState::CONNECTING
               || state_ == ConnState::CONNECTED) {
      bool connecting = state_ == ConnState::CONNECTING;
      bool up = false, ack_stalled = false;
      int64_t stall = config_.stall_timeout_us;
      if (s.have_sink_stats) {
        /* Up once bytes leave through the socket (rtmp2sink writes only
         * after the publish was accepted), and went in from us. */
        up = connecting && s.out_bytes > 0 && sink_out_bytes_ > 0
             && s.out_bytes > sink_out_bytes_
             && bytes_sent_ > bytes_at_attempt_;
        sink_out_bytes_ = s.out_bytes;
        /* A peer that acknowledges (RTMP window acks) and stops: more than
         * 1.5 windows unacknowledged and no new ack for stall-timeout. The
         * kernel buffers on the way can hold megabytes, so a stalled peer
         * does not block the sender for a long while. */
        if (s.acked_bytes != sink_acked_bytes_ || connecting) {
          sink_acked_bytes_ = s.acked_bytes;
          last_ack_us_ = now_us;
        }
        ack_stalled = !connecting && stall > 0 && s.acked_bytes > 0
                      && s.window > 0
                      && s.out_bytes > s.acked_bytes + s.window + s.window / 2
                      && now_us - last_ack_us_ > stall;
      } else {
        up = connecting && bytes_sent_ > bytes_at_attempt_;
      }
      if (up) {
        state_ = ConnState::CONNECTED;
        connected_since_us_ = now_us;
        connect_time_us_ = now_us - attempt_started_us_;
        bool reconnect = ever_connected_;
        ever_connected_ = true;
        if (reconnect)
          reconnects_++;
        int attempts = backoff_->attempt ();
        backoff_->reset ();
        int64_t took = connect_time_us_;
        if (cb_.connected)
          fx.push_back (
              [this, took, reconnect] () { cb_.connected (took, reconnect); });
        if (in_outage_) {
          in_outage_ = false;
          if (cb_.recovered)
            fx.push_back ([this, attempts] () { cb_.recovered (attempts); });
        }
      }
      /* Stalled: a push into the output blocked and nothing reaching the
       * network sink for stall-timeout (rtmp2sink's own timeout can hang),
       * or the acknowledgements stopped. */
      int64_t progress = MAX (s.last_progress_us, attempt_started_us_);
      bool stalled = stall > 0 && s.push_blocked_since_us != 0
                     && now_us - s.push_blocked_since_us > stall
                     && now_us - progress > stall;
      if (ack_stalled && state_ == ConnState::CONNECTED)
        stalled = true;
      if (stalled)
        fail_locked (now_us,
            "the ingest stopped reading (no progress for "
                + std::to_string (stall / 1000) + " ms)",
            false, fx);
    }
  }
  run (fx);
}

ConnState
Connection::state () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return state_;
}

ConnectionStats
Connection::stats (int64_t now_us) const
{
  std::lock_guard<std::mutex> lk (lock_);
  ConnectionStats st;
  st.state = state_;
  if (history_.size () >= 2) {
    uint64_t bytes = history_.back ().bytes - history_.front ().bytes;
    int64_t us = history_.back ().when_us - history_.front ().when_us;
    st.bitrate = us > 0 ? bytes * 8 * G_USEC_PER_SEC / us : 0;
  }
  st.bytes_sent = bytes_sent_;
  st.reconnects = reconnects_;
  st.ever_connected = ever_connected_;
  st.connect_time_us = connect_time_us_;
  st.uptime_us
      = state_ == ConnState::CONNECTED ? now_us - connected_since_us_ : 0;
  return st;
}

/* rtmp2sink 1.22 gives a refused key two ways:
 *  - GST_RESOURCE_ERROR_NOT_AUTHORIZED, when the server rejects the RTMP
 *    connect or answers NetStream.Publish.Denied (the structured signal);
 *  - a server that closes the connection on the publish (nginx on_publish
 *    answering 4xx, Twitch with a wrong key): "'publish' cmd failed", only
 *    as text, flattened by rtmp2sink into a GST_RESOURCE_ERROR_FAILED.
 * NetStream.Publish.BadName ("publish denied; stream already exists") is not
 * a refusal of the key: the ingest still holds a stream under it, the
 * connection it has not yet seen close (after a stall or a network change)
 * or another encoder using the same key. The first clears within seconds,
 * so it is retried like any lost connection, and its text is the reason the
 * warning and, when retries run out, the error give.
 * rtmp2sink 1.22 posts no error details structure and no code for the text
 * cases, so their text is the only signal there is; it is matched here, in
 * one place, after the code. */
bool
output_error_is_stream_in_use (const GError *error)
{
  const char *text = error && error->message ? error->message : "";
  return strstr (text, "Publish.BadName") != nullptr
         || strstr (text, "stream already exists") != nullptr;
}

bool
output_error_is_refused_key (const GError *error)
{
  if (error == nullptr)
    return false;
  if (error->domain == GST_RESOURCE_ERROR
      && error->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED)
    return true;
  if (output_error_is_stream_in_use (error))
    return false;
  const char *text = error->message ? error->message : "";
  return strstr (text, "'publish' cmd failed") != nullptr
         || strstr (text, "publish denied") != nullptr;
}

} // namespace twitchsink
