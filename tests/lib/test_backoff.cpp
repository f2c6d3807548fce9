#include <gst/twitch/common/backoff.h>

#include <gtest/gtest.h>

using twitch::Backoff;
using twitch::BackoffPolicy;

TEST (Backoff, ObsPolicyGrowsByOneAndAHalfWithinJitterAndGivesUpAfter25)
{
  Backoff backoff (twitch::backoff_policy_obs (), 42);
  double expected = 2.0 * G_USEC_PER_SEC;
  for (int i = 0; i < 25; i++) {
    auto delay = backoff.next_delay_us ();
    ASSERT_TRUE (delay.has_value ()) << "attempt " << i + 1;
    double capped = std::min (expected, 60.0 * G_USEC_PER_SEC);
    EXPECT_GE (*delay, capped * 0.8 - 1) << "attempt " << i + 1;
    EXPECT_LE (*delay, std::min (capped * 1.2, 60.0 * G_USEC_PER_SEC) + 1);
    expected *= 1.5;
  }
  EXPECT_EQ (backoff.attempt (), 25);
  EXPECT_FALSE (backoff.next_delay_us ().has_value ());
}

TEST (Backoff, ResetStartsOverAtTheInitialDelay)
{
  BackoffPolicy p;
  p.jitter = 0;
  Backoff backoff (p);
  EXPECT_EQ (*backoff.next_delay_us (), 2 * G_USEC_PER_SEC);
  EXPECT_EQ (*backoff.next_delay_us (), 3 * G_USEC_PER_SEC);
  backoff.reset ();
  EXPECT_EQ (backoff.attempt (), 0);
  EXPECT_EQ (*backoff.next_delay_us (), 2 * G_USEC_PER_SEC);
}

TEST (Backoff, ChatPolicyNeverGivesUpAndIsCapped)
{
  Backoff backoff (twitch::backoff_policy_chat (), 7);
  int64_t last = 0;
  for (int i = 0; i < 1000; i++)
    last = *backoff.next_delay_us ();
  EXPECT_LE (last, 30 * G_USEC_PER_SEC);
  EXPECT_GE (last, 30 * G_USEC_PER_SEC * 0.75 - 1);
}

TEST (Backoff, JitterSpreadsClientsDroppedTogether)
{
  Backoff a (twitch::backoff_policy_obs (), 1);
  Backoff b (twitch::backoff_policy_obs (), 2);
  EXPECT_NE (*a.next_delay_us (), *b.next_delay_us ());
}
