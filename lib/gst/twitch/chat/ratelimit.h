/* Twitch's chat send limits: a sliding-window limiter for messages (20 / 30 s,
 * 100 / 30 s where the user is moderator or broadcaster, >= 1 s between
 * messages in one channel otherwise) and JOINs (20 / 10 s), and the 500
 * character split. Pure logic on a caller-given clock (microseconds), so
 * it is tested with a fake clock. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace twitch
{

struct RateLimits {
  /* Sliding window for messages. */
  int64_t window_us = 30 * G_USEC_PER_SEC;
  int max_messages = 20;
  /* In channels where USERSTATE says moderator or broadcaster. */
  int max_messages_mod = 100;
  /* Between two messages in one channel, for non-moderators. */
  int64_t channel_gap_us = G_USEC_PER_SEC;
  /* Added to every interval above, so clock and network jitter between
   * us and Twitch never puts a message inside Twitch's window. */
  int64_t margin_us = 300 * 1000;
  /* JOINs. */
  int64_t join_window_us = 10 * G_USEC_PER_SEC;
  int max_joins = 20;
  /* Twitch's maximum message length, in code points. */
  size_t max_message_chars = 500;
};

/* Twitch's documented limits with the default safety margin. */
GST_TWITCH_API RateLimits rate_limits_twitch ();

/* At most @max events in any window of @window_us + @margin_us. */
class GST_TWITCH_API SlidingWindow
{
 public:
  SlidingWindow (int64_t window_us = 0, int64_t margin_us = 0)
      : span_us_ (window_us + margin_us)
  {
  }
  void set_span (int64_t window_us, int64_t margin_us)
  {
    span_us_ = window_us + margin_us;
  }
  /* Earliest time >= @now at which one more event stays within @max. */
  int64_t next_allowed (int64_t now, int max);
  void record (int64_t now);
  /* Events in (now - span, now]. */
  size_t count (int64_t now);
  void clear () { events_.clear (); }

 private:
  void prune (int64_t now);
  int64_t span_us_;
  std::deque<int64_t> events_;
};

class GST_TWITCH_API ChatRateLimiter
{
 public:
  explicit ChatRateLimiter (const RateLimits &limits = rate_limits_twitch ());
  void set_limits (const RateLimits &limits);
  const RateLimits &limits () const { return limits_; }

  /* Earliest time >= @now a message may go to @channel, given whether the
   * user moderates it. */
  int64_t next_message (int64_t now, const std::string &channel, bool mod);
  void record_message (int64_t now, const std::string &channel);
  int64_t next_join (int64_t now);
  void record_join (int64_t now);

 private:
  RateLimits limits_;
  SlidingWindow messages_;
  SlidingWindow joins_;
  std::map<std::string, int64_t> last_in_channel_;
};

/* Splits @text into pieces of at most @max_chars code points, on spaces
 * (the space is dropped); a word longer than @max_chars is cut at a code
 * point boundary. Leading/trailing spaces of each piece are trimmed; empty
 * pieces are not returned. */
GST_TWITCH_API std::vector<std::string> chat_split_message (
    std::string_view text, size_t max_chars = 500);

} // namespace twitch
