/* The chat send queue both transports use (IRC: PRIVMSG lines; EventSub:
 * Helix Send Chat Message): each send validated where it enters, split at
 * Twitch's length, bounded (max_queue), paced per channel by the
 * ChatRateLimiter, the send policy applied to a piece that cannot go out at
 * once, expiry after max_age, and one outcome per send whatever the number
 * of pieces. The transport only says whether a piece can go now
 * (SendTransport::send_gate), writes it (send_write) and reports the
 * server's answer for it (SendQueue::finish).
 *
 * submit() is thread-safe; everything else runs on the transport's thread.
 * Time is the caller's (pump (now)) or the clock given to set_clock(), so
 * the queue is tested with a fake clock. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/chat/client.h>
#include <gst/twitch/chat/ratelimit.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace twitch
{

/* One piece (<= max_message_chars code points) of a send. */
struct SendPiece {
  uint64_t id = 0;
  std::string channel;
  std::string text;
  std::string reply_parent;
  int64_t enqueued_us = 0;
  /* The send policy was applied (or waiting was accepted) once. */
  bool policy_checked = false;
};

/* Whether a piece can go out now, as the transport sees it. */
struct SendGate {
  enum Kind {
    READY,     /* connected and the channel usable: the limiter decides */
    NOT_READY, /* cannot go now (not connected, not joined, ...): the
                  policy applies, with @reason for SendPolicy::ERROR */
    BUSY,      /* waiting for the server's answer to an earlier piece:
                  not "cannot go at once", the policy applies after it */
    REFUSE,    /* never: FAILED with @reason */
  };
  Kind kind = NOT_READY;
  /* READY: the user moderates the channel (the higher limits). */
  bool mod = false;
  std::string reason;
};

class GST_TWITCH_API SendTransport
{
 public:
  virtual ~SendTransport () = default;
  virtual SendGate send_gate (const SendPiece &piece) = 0;
  /* Writes @piece now; the transport later calls SendQueue::finish() with
   * the server's answer (or at once). False: the connection failed while
   * writing (the transport handled it); the pump stops. */
  virtual bool send_write (const SendPiece &piece, int64_t now) = 0;
};

class GST_TWITCH_API SendQueue
{
 public:
  /* Uses @config's limits, send_policy, max_age_us and max_queue.
   * @count_pieces: ChatStats::sent counts pieces (IRC) rather than whole
   * sends (EventSub). */
  SendQueue (const ChatConfig &config,
      std::function<void (const SendResult &)> on_result, bool count_pieces);
  SendQueue (const SendQueue &) = delete;
  SendQueue &operator= (const SendQueue &) = delete;

  /* Tests: the clock submit() stamps sends with (default monotonic). */
  void set_clock (std::function<int64_t ()> clock);

  /* Any thread. Checks @channel, @reply_parent_id and @text (no line
   * break, NUL or invalid UTF-8, not empty), then @refusal (the
   * transport's reason it cannot send at all, "" if it can), and the queue
   * bound; a refused send is reported FAILED at once. Returns the send id
   * and sets *@queued when the transport should wake its thread. */
  uint64_t submit (const std::string &channel, const std::string &text,
      const std::string &reply_parent_id, const std::string &refusal,
      bool *queued);

  /* Transport thread from here on. Moves submitted sends into the queue,
   * calling @each_channel with the channel of each. */
  void take (const std::function<void (const std::string &)> &each_channel);
  /* Expires, applies the policy, and writes every piece the limiter and
   * @transport allow (FIFO per channel); *@next: when the next piece may
   * go (INT64_MAX: none known). @hold_after_write: after a write, the
   * channel's later pieces wait for the limiter in this pump (accepted to
   * wait: the policy no longer applies to them) (IRC); else the gate
   * decides (EventSub: BUSY until Twitch answers, then the policy applies).
   * False when send_write() failed (the pump stopped). */
  bool pump (int64_t now, SendTransport &transport, bool hold_after_write,
      int64_t *next);
  /* The outcome of a written piece (SENT completes the send once all its
   * pieces are SENT; anything else ends it and drops its other pieces). */
  void finish (const SendPiece &piece, SendOutcome outcome,
      const std::string &reason, const std::string &message_id);
  /* Every queued piece FAILED with @why (call take() first). */
  void fail_all (const std::string &why);
  /* Written pieces to write again, in order, at the head of the queue. */
  void requeue_front (std::vector<SendPiece> &&pieces);

  bool empty () const { return queue_.empty (); }
  ChatRateLimiter &limiter () { return limiter_; }
  /* Any thread. */
  uint64_t sent () const;
  uint64_t queued () const;

 private:
  struct Book {
    int pieces_left = 0;
    std::string full_text;
    std::string channel;
    std::string message_id;
  };
  struct Submitted {
    SendPiece piece;
    int book_pieces = 0; /* on the first piece of a send only */
    std::string book_text;
  };
  void set_queued ();

  const SendPolicy policy_;
  const int64_t max_age_us_;
  const size_t max_queue_;
  const size_t max_chars_;
  const bool count_pieces_;
  std::function<void (const SendResult &)> on_result_;
  std::function<int64_t ()> clock_;
  std::atomic<uint64_t> next_id_{1};

  mutable std::mutex mu_; /* guards inbox_, sent_, queued_ */
  std::vector<Submitted> inbox_;
  uint64_t sent_ = 0;
  uint64_t queued_ = 0;

  ChatRateLimiter limiter_;
  std::deque<SendPiece> queue_;
  std::map<uint64_t, Book> books_;
};

} // namespace twitch
