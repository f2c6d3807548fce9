#include "config.h"

#include <gst/twitch/common/backoff.h>

#include <algorithm>
#include <cmath>

namespace twitch
{

BackoffPolicy
backoff_policy_obs ()
{
  return BackoffPolicy{};
}

BackoffPolicy
backoff_policy_chat ()
{
  BackoffPolicy p;
  p.initial_delay_us = G_USEC_PER_SEC;
  p.multiplier = 2.0;
  p.jitter = 0.25;
  p.max_delay_us = 30 * G_USEC_PER_SEC;
  p.max_retries = -1;
  return p;
}

Backoff::Backoff (const BackoffPolicy &policy, uint32_t seed)
    : policy_ (policy),
      rand_ (seed ? g_rand_new_with_seed (seed) : g_rand_new ())
{
  reset ();
}

Backoff::~Backoff ()
{
  g_rand_free (rand_);
}

void
Backoff::reset ()
{
  attempt_ = 0;
  base_us_ = static_cast<double> (policy_.initial_delay_us);
}

std::optional<int64_t>
Backoff::next_delay_us ()
{
  if (policy_.max_retries >= 0 && attempt_ >= policy_.max_retries)
    return std::nullopt;
  attempt_++;

  double base = std::min (base_us_, static_cast<double> (policy_.max_delay_us));
  double spread = std::clamp (policy_.jitter, 0.0, 1.0);
  double factor = spread > 0
                      ? g_rand_double_range (rand_, 1.0 - spread, 1.0 + spread)
                      : 1.0;
  double delay
      = std::min (base * factor, static_cast<double> (policy_.max_delay_us));

  /* Grow from the un-jittered base so jitter does not compound. */
  base_us_ = std::min (base_us_ * policy_.multiplier,
      static_cast<double> (policy_.max_delay_us));
  return static_cast<int64_t> (std::llround (std::max (delay, 0.0)));
}

} // namespace twitch
