/* Reconnect policy shared by twitchsink (OBS's policy) and the chat client. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <cstdint>
#include <optional>

namespace twitch
{

struct BackoffPolicy {
  /* Delay before the first retry, in microseconds. */
  int64_t initial_delay_us = 2 * G_USEC_PER_SEC;
  /* Each following delay is the previous one times this. */
  double multiplier = 1.5;
  /* Delays are spread uniformly by +/- this fraction, so that many clients
   * dropped together do not come back together. */
  double jitter = 0.2;
  /* No delay is longer than this. */
  int64_t max_delay_us = 60 * G_USEC_PER_SEC;
  /* Attempts before giving up; -1 retries forever. */
  int max_retries = 25;
};

/* The policy OBS uses for RTMP outputs: 2 s, x1.5, 25 retries. */
GST_TWITCH_API BackoffPolicy backoff_policy_obs ();
/* Twitch chat peers: 1 s, x2, capped at 30 s, never giving up. */
GST_TWITCH_API BackoffPolicy backoff_policy_chat ();

/* Not thread-safe: owned by one reconnect loop. */
class GST_TWITCH_API Backoff
{
 public:
  explicit Backoff (const BackoffPolicy &policy, uint32_t seed = 0);
  ~Backoff ();
  Backoff (const Backoff &) = delete;
  Backoff &operator= (const Backoff &) = delete;

  /* Delay before the next attempt, or nullopt when retries are exhausted.
   * Advances the attempt counter. */
  std::optional<int64_t> next_delay_us ();
  /* After a successful connection. */
  void reset ();
  /* Attempts made since the last reset (1 after the first next_delay_us()). */
  int attempt () const { return attempt_; }
  const BackoffPolicy &policy () const { return policy_; }

 private:
  BackoffPolicy policy_;
  int attempt_ = 0;
  double base_us_ = 0;
  GRand *rand_ = nullptr;
};

} // namespace twitch
