/* The chat send queue of both transports (see sendqueue.h). */
#include "config.h"

#include <gst/twitch/chat/irc.h>
#include <gst/twitch/chat/names.h>
#include <gst/twitch/chat/sendqueue.h>

#include "chat-private.h"

#include <algorithm>
#include <set>

namespace twitch
{

SendQueue::SendQueue (const ChatConfig &config,
    std::function<void (const SendResult &)> on_result, bool count_pieces)
    : policy_ (config.send_policy), max_age_us_ (config.max_age_us),
      max_queue_ (config.max_queue),
      max_chars_ (config.limits.max_message_chars),
      count_pieces_ (count_pieces), on_result_ (std::move (on_result)),
      clock_ (g_get_monotonic_time), limiter_ (config.limits)
{
}

void
SendQueue::set_clock (std::function<int64_t ()> clock)
{
  clock_ = std::move (clock);
}

uint64_t
SendQueue::submit (const std::string &channel, const std::string &text,
    const std::string &reply_parent_id, const std::string &refusal,
    bool *queued)
{
  *queued = false;
  uint64_t id = next_id_.fetch_add (1);
  std::string ch, why;
  GError *err = nullptr;
  if (channel.empty ())
    why = "no channel";
  else if (!twitch_name_normalize (channel, true, "channel", &ch, &err))
    why = err->message;
  else if (!reply_parent_id.empty ()
           && !twitch_message_id_validate (
               reply_parent_id, "reply-parent-id", &err))
    why = err->message;
  else if (!irc_text_is_safe (text))
    why = "text contains a line break or NUL";
  else if (!g_utf8_validate (text.data (), text.size (), nullptr))
    why = "text is not valid UTF-8";
  else if (!refusal.empty ())
    why = refusal;
  g_clear_error (&err);
  if (ch.empty ())
    ch = channel;
  const char *bad = why.empty () ? nullptr : why.c_str ();
  auto pieces = bad ? std::vector<std::string> ()
                    : chat_split_message (text, max_chars_);
  if (!bad && pieces.empty ())
    bad = "empty text";
  bool full = false;
  if (!bad) {
    std::lock_guard<std::mutex> lk (mu_);
    full = queued_ + inbox_.size () >= max_queue_;
  }
  if (bad || full) {
    SendResult r;
    r.id = id;
    r.outcome = SendOutcome::FAILED;
    r.channel = ch;
    r.text = text;
    r.reason = bad ? bad : "send queue full";
    GST_WARNING (
        "send %" G_GUINT64_FORMAT " refused: %s", id, r.reason.c_str ());
    if (on_result_)
      on_result_ (r);
    return id;
  }
  int64_t now = clock_ ();
  {
    std::lock_guard<std::mutex> lk (mu_);
    bool first = true;
    for (auto &p : pieces) {
      Submitted s;
      s.piece.id = id;
      s.piece.channel = ch;
      s.piece.text = std::move (p);
      s.piece.reply_parent = reply_parent_id;
      s.piece.enqueued_us = now;
      if (first) {
        s.book_pieces = static_cast<int> (pieces.size ());
        s.book_text = text;
        first = false;
      }
      inbox_.push_back (std::move (s));
    }
  }
  *queued = true;
  return id;
}

void
SendQueue::take (const std::function<void (const std::string &)> &each_channel)
{
  std::vector<Submitted> in;
  {
    std::lock_guard<std::mutex> lk (mu_);
    in.swap (inbox_);
  }
  for (auto &s : in) {
    if (each_channel)
      each_channel (s.piece.channel);
    if (s.book_pieces > 0) {
      Book &b = books_[s.piece.id];
      b.pieces_left = s.book_pieces;
      b.channel = s.piece.channel;
      b.full_text = std::move (s.book_text);
    }
    queue_.push_back (std::move (s.piece));
  }
}

void
SendQueue::set_queued ()
{
  std::lock_guard<std::mutex> lk (mu_);
  queued_ = queue_.size ();
}

bool
SendQueue::pump (
    int64_t now, SendTransport &transport, bool hold_after_write, int64_t *next)
{
  *next = INT64_MAX;
  std::set<std::string> blocked;
  for (size_t i = 0; i < queue_.size ();) {
    SendPiece &q = queue_[i];
    if (now - q.enqueued_us > max_age_us_) {
      SendPiece copy = q;
      GST_INFO ("send %" G_GUINT64_FORMAT " expired after %" G_GINT64_FORMAT
                " ms in the queue",
          copy.id, (now - copy.enqueued_us) / 1000);
      queue_.erase (queue_.begin () + i);
      finish (copy, SendOutcome::EXPIRED, "max-age", {});
      continue; /* finish may have erased more; i still valid */
    }
    if (blocked.count (q.channel)) {
      q.policy_checked = true;
      ++i;
      continue;
    }
    SendGate gate = transport.send_gate (q);
    if (gate.kind == SendGate::REFUSE) {
      SendPiece copy = q;
      queue_.erase (queue_.begin () + i);
      finish (copy, SendOutcome::FAILED, gate.reason, {});
      continue;
    }
    if (gate.kind == SendGate::BUSY) {
      blocked.insert (q.channel);
      ++i;
      continue;
    }
    int64_t t = gate.kind == SendGate::READY
                    ? limiter_.next_message (now, q.channel, gate.mod)
                    : INT64_MAX;
    if (t > now) {
      if (!q.policy_checked && policy_ != SendPolicy::ENQUEUE) {
        SendPiece copy = q;
        queue_.erase (queue_.begin () + i);
        if (policy_ == SendPolicy::DROP)
          finish (copy, SendOutcome::DROPPED, "policy", {});
        else
          finish (copy, SendOutcome::FAILED,
              gate.kind == SendGate::READY ? "rate limited" : gate.reason, {});
        continue;
      }
      q.policy_checked = true;
      blocked.insert (q.channel);
      if (t != INT64_MAX)
        *next = std::min (*next, t);
      ++i;
      continue;
    }
    if (!transport.send_write (q, now))
      return false;
    limiter_.record_message (now, q.channel);
    std::string channel = std::move (q.channel);
    queue_.erase (queue_.begin () + i);
    if (!hold_after_write)
      continue;
    /* Re-evaluate this channel for the next piece. */
    int64_t t2 = limiter_.next_message (now, channel, gate.mod);
    if (t2 > now) {
      blocked.insert (channel);
      *next = std::min (*next, t2);
    }
  }
  set_queued ();
  return true;
}

void
SendQueue::finish (const SendPiece &piece, SendOutcome outcome,
    const std::string &reason, const std::string &message_id)
{
  auto it = books_.find (piece.id);
  if (it == books_.end ())
    return;
  Book &b = it->second;
  if (!message_id.empty ())
    b.message_id = message_id;
  if (outcome == SendOutcome::SENT) {
    if (count_pieces_) {
      std::lock_guard<std::mutex> lk (mu_);
      sent_++;
    }
    if (--b.pieces_left > 0)
      return;
    if (!count_pieces_) {
      std::lock_guard<std::mutex> lk (mu_);
      sent_++;
    }
  } else {
    /* The other pieces of this send go with it. */
    queue_.erase (std::remove_if (queue_.begin (), queue_.end (),
                      [&] (const SendPiece &q) { return q.id == piece.id; }),
        queue_.end ());
  }
  SendResult r;
  r.id = piece.id;
  r.outcome = outcome;
  r.channel = b.channel;
  r.text = std::move (b.full_text);
  r.reason = reason;
  r.message_id = b.message_id;
  books_.erase (it);
  if (on_result_)
    on_result_ (r);
}

void
SendQueue::fail_all (const std::string &why)
{
  while (!queue_.empty ()) {
    SendPiece q = queue_.front ();
    queue_.pop_front ();
    finish (q, SendOutcome::FAILED, why, {});
  }
}

void
SendQueue::requeue_front (std::vector<SendPiece> &&pieces)
{
  for (auto it = pieces.rbegin (); it != pieces.rend (); ++it)
    queue_.push_front (std::move (*it));
}

uint64_t
SendQueue::sent () const
{
  std::lock_guard<std::mutex> lk (mu_);
  return sent_;
}

uint64_t
SendQueue::queued () const
{
  std::lock_guard<std::mutex> lk (mu_);
  return queued_;
}

} // namespace twitch
