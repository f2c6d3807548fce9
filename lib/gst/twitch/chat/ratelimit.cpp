/* Send limits (see ratelimit.h). */
#include "config.h"

#include <gst/twitch/chat/ratelimit.h>

#include <algorithm>

namespace twitch
{

RateLimits
rate_limits_twitch ()
{
  return RateLimits ();
}

void
SlidingWindow::prune (int64_t now)
{
  while (!events_.empty () && events_.front () <= now - span_us_)
    events_.pop_front ();
}

size_t
SlidingWindow::count (int64_t now)
{
  prune (now);
  return events_.size ();
}

int64_t
SlidingWindow::next_allowed (int64_t now, int max)
{
  prune (now);
  if (max <= 0)
    return INT64_MAX;
  if (static_cast<int> (events_.size ()) < max)
    return now;
  /* The event that must leave the window before one more fits. */
  int64_t blocking = events_[events_.size () - max];
  return std::max (now, blocking + span_us_);
}

void
SlidingWindow::record (int64_t now)
{
  events_.push_back (now);
}

ChatRateLimiter::ChatRateLimiter (const RateLimits &limits)
{
  set_limits (limits);
}

void
ChatRateLimiter::set_limits (const RateLimits &limits)
{
  limits_ = limits;
  messages_.set_span (limits.window_us, limits.margin_us);
  joins_.set_span (limits.join_window_us, limits.margin_us);
}

int64_t
ChatRateLimiter::next_message (
    int64_t now, const std::string &channel, bool mod)
{
  int64_t t = messages_.next_allowed (
      now, mod ? limits_.max_messages_mod : limits_.max_messages);
  if (!mod) {
    auto it = last_in_channel_.find (channel);
    if (it != last_in_channel_.end ())
      t = std::max (t, it->second + limits_.channel_gap_us + limits_.margin_us);
  }
  return t;
}

void
ChatRateLimiter::record_message (int64_t now, const std::string &channel)
{
  messages_.record (now);
  last_in_channel_[channel] = now;
}

int64_t
ChatRateLimiter::next_join (int64_t now)
{
  return joins_.next_allowed (now, limits_.max_joins);
}

void
ChatRateLimiter::record_join (int64_t now)
{
  joins_.record (now);
}

std::vector<std::string>
chat_split_message (std::string_view text, size_t max_chars)
{
  std::vector<std::string> out;
  if (max_chars == 0)
    max_chars = 1;
  auto is_cont
      = [] (char c) { return (static_cast<unsigned char> (c) & 0xC0) == 0x80; };
  size_t pos = 0;
  while (pos < text.size ()) {
    while (pos < text.size () && text[pos] == ' ')
      ++pos;
    if (pos >= text.size ())
      break;
    /* Walk max_chars code points. */
    size_t end = pos;
    size_t n = 0;
    size_t last_space = std::string_view::npos;
    while (end < text.size () && n < max_chars) {
      if (text[end] == ' ')
        last_space = end;
      ++end;
      while (end < text.size () && is_cont (text[end]))
        ++end;
      ++n;
    }
    size_t cut;
    size_t next;
    if (end >= text.size ()) {
      cut = next = text.size ();
    } else if (text[end] == ' ') {
      cut = end;
      next = end + 1;
    } else if (last_space != std::string_view::npos && last_space > pos) {
      cut = last_space;
      next = last_space + 1;
    } else {
      cut = next = end;
    }
    std::string_view piece = text.substr (pos, cut - pos);
    while (!piece.empty () && piece.back () == ' ')
      piece.remove_suffix (1);
    if (!piece.empty ())
      out.emplace_back (piece);
    pos = next;
  }
  return out;
}

} // namespace twitch
