/* The send queue both chat transports share (chat/sendqueue.h): validation,
 * splitting, the bound, pacing by the limiter, the send policy, expiry and
 * one outcome per send, on a fake clock with a fake transport. */
#include <gst/twitch/chat/sendqueue.h>

#include <gtest/gtest.h>

using namespace twitch;

static const int64_t S = G_USEC_PER_SEC;
static const char *kChan = "somechannel";
static const char *kParent = "b34ccfc7-4977-403a-8a94-33c6bac34fb8";

namespace
{

/* Writes every piece it is given, or answers the gate it is told to. */
struct FakeTransport : SendTransport {
  SendGate gate;
  std::vector<SendPiece> written;
  bool fail_write = false;
  /* As EventSub: BUSY from a write until the answer (confirm_all). */
  bool one_in_flight = false;
  FakeTransport () { gate.kind = SendGate::READY; }
  SendGate send_gate (const SendPiece &) override
  {
    if (one_in_flight && !written.empty ()) {
      SendGate busy;
      busy.kind = SendGate::BUSY;
      return busy;
    }
    return gate;
  }
  bool send_write (const SendPiece &p, int64_t) override
  {
    if (fail_write)
      return false;
    written.push_back (p);
    return true;
  }
};

struct Fixture {
  int64_t now = 0;
  std::vector<SendResult> results;
  FakeTransport transport;
  std::unique_ptr<SendQueue> q;

  explicit Fixture (SendPolicy policy = SendPolicy::ENQUEUE,
      bool count_pieces = true, size_t max_queue = 10000)
  {
    ChatConfig cfg;
    cfg.send_policy = policy;
    cfg.max_age_us = 60 * S;
    cfg.max_queue = max_queue;
    q = std::make_unique<SendQueue> (
        cfg, [this] (const SendResult &r) { results.push_back (r); },
        count_pieces);
    q->set_clock ([this] { return now; });
  }
  uint64_t send (const std::string &text, const std::string &parent = {},
      const std::string &refusal = {}, bool *queued_out = nullptr)
  {
    bool queued = false;
    uint64_t id = q->submit (kChan, text, parent, refusal, &queued);
    if (queued_out)
      *queued_out = queued;
    return id;
  }
  /* Takes what was submitted and pumps at the fake time; returns when the
   * next piece may go. */
  int64_t pump (bool hold_after_write = true)
  {
    q->take (nullptr);
    int64_t next = 0;
    EXPECT_TRUE (q->pump (now, transport, hold_after_write, &next));
    return next;
  }
  void set_gate (SendGate::Kind kind, const std::string &reason)
  {
    transport.gate.kind = kind;
    transport.gate.reason = reason;
  }
  /* The server confirms every written piece. */
  void confirm_all ()
  {
    for (auto &p : transport.written)
      q->finish (p, SendOutcome::SENT, {}, "mid-" + p.text);
    transport.written.clear ();
  }
};

/* A send's one outcome and its reason. */
void
expect_outcome (
    const SendResult &r, SendOutcome outcome, const std::string &reason)
{
  EXPECT_EQ (r.outcome, outcome) << r.text;
  EXPECT_EQ (r.reason, reason) << r.text;
}

} // namespace

TEST (ChatSendQueue, RefusesBadInputAtOnceAndQueuesNothing)
{
  Fixture f;
  bool queued = true;
  f.send ("two\nlines", {}, {}, &queued);
  EXPECT_FALSE (queued);
  f.send ("bad utf8 \xff", {}, {}, &queued);
  EXPECT_FALSE (queued);
  f.send ("hi", "not a message id", {}, &queued);
  EXPECT_FALSE (queued);
  f.send ("   ", {}, {}, &queued);
  EXPECT_FALSE (queued);
  f.send ("hi", {}, "anonymous chat cannot send", &queued);
  EXPECT_FALSE (queued);
  ASSERT_EQ (f.results.size (), 5u);
  for (auto &r : f.results)
    EXPECT_EQ (r.outcome, SendOutcome::FAILED) << r.reason;
  EXPECT_EQ (f.results[0].reason, "text contains a line break or NUL");
  EXPECT_EQ (f.results[1].reason, "text is not valid UTF-8");
  EXPECT_EQ (f.results[3].reason, "empty text");
  EXPECT_EQ (f.results[4].reason, "anonymous chat cannot send");
  f.pump ();
  EXPECT_TRUE (f.transport.written.empty ());
  EXPECT_TRUE (f.q->empty ());
}

TEST (ChatSendQueue, ReplyParentAndChannelReachTheTransport)
{
  Fixture f;
  uint64_t id = f.send ("hello", kParent);
  f.pump ();
  ASSERT_EQ (f.transport.written.size (), 1u);
  EXPECT_EQ (f.transport.written[0].id, id);
  EXPECT_EQ (f.transport.written[0].channel, kChan);
  EXPECT_EQ (f.transport.written[0].reply_parent, kParent);
  f.confirm_all ();
  ASSERT_EQ (f.results.size (), 1u);
  EXPECT_EQ (f.results[0].outcome, SendOutcome::SENT);
  EXPECT_EQ (f.results[0].message_id, "mid-hello");
}

TEST (ChatSendQueue, LongTextIsSplitAndReportedOnce)
{
  Fixture f;
  std::string text = std::string (400, 'a') + " " + std::string (300, 'b');
  uint64_t id = f.send (text);
  /* The two pieces are one channel apart by Twitch's 1 s gap. */
  int64_t next = f.pump ();
  ASSERT_EQ (f.transport.written.size (), 1u);
  EXPECT_EQ (f.transport.written[0].text, std::string (400, 'a'));
  EXPECT_GT (next, f.now);
  f.confirm_all ();
  EXPECT_TRUE (f.results.empty ()) << "reported before its last piece";
  f.now = next;
  f.pump ();
  ASSERT_EQ (f.transport.written.size (), 1u);
  EXPECT_EQ (f.transport.written[0].text, std::string (300, 'b'));
  f.confirm_all ();
  ASSERT_EQ (f.results.size (), 1u);
  EXPECT_EQ (f.results[0].id, id);
  EXPECT_EQ (f.results[0].text, text);
  EXPECT_EQ (f.q->sent (), 2u); /* counting pieces */
}

TEST (ChatSendQueue, AFailedPieceEndsTheSend)
{
  Fixture f;
  f.send (std::string (400, 'a') + " " + std::string (300, 'b'));
  f.pump ();
  ASSERT_EQ (f.transport.written.size (), 1u);
  f.q->finish (
      f.transport.written[0], SendOutcome::DROPPED, "msg_duplicate", {});
  ASSERT_EQ (f.results.size (), 1u);
  expect_outcome (f.results[0], SendOutcome::DROPPED, "msg_duplicate");
  EXPECT_TRUE (f.q->empty ()) << "the second piece still queued";
}

TEST (ChatSendQueue, EnqueuePolicyWaitsForTheLimiter)
{
  Fixture f (SendPolicy::ENQUEUE);
  f.send ("one");
  f.send ("two");
  int64_t next = f.pump ();
  ASSERT_EQ (f.transport.written.size (), 1u);
  /* Twitch's 1 s per channel plus the margin. */
  EXPECT_GE (next, f.now + S);
  f.now = next - 1;
  f.pump ();
  EXPECT_EQ (f.transport.written.size (), 1u) << "written before the gap";
  f.now = next;
  f.pump ();
  ASSERT_EQ (f.transport.written.size (), 2u);
  EXPECT_EQ (f.transport.written[1].text, "two");
  f.confirm_all ();
  ASSERT_EQ (f.results.size (), 2u);
  for (auto &r : f.results)
    EXPECT_EQ (r.outcome, SendOutcome::SENT);
}

TEST (ChatSendQueue, DropPolicyDropsWhatCannotGoAtOnce)
{
  Fixture f (SendPolicy::DROP);
  f.send ("one");
  f.pump ();
  /* Within Twitch's 1 s per channel of "one". */
  f.now += S / 2;
  f.send ("two");
  f.pump ();
  ASSERT_EQ (f.transport.written.size (), 1u);
  ASSERT_EQ (f.results.size (), 1u);
  expect_outcome (f.results[0], SendOutcome::DROPPED, "policy");
  EXPECT_EQ (f.results[0].text, "two");
}

TEST (ChatSendQueue, ErrorPolicyFailsWithTheTransportsReason)
{
  Fixture f (SendPolicy::ERROR);
  f.send ("one");
  f.pump ();
  f.send ("two");
  f.pump ();
  ASSERT_EQ (f.results.size (), 1u);
  expect_outcome (f.results[0], SendOutcome::FAILED, "rate limited");

  f.set_gate (SendGate::NOT_READY, "not connected");
  f.send ("three");
  f.pump ();
  ASSERT_EQ (f.results.size (), 2u);
  expect_outcome (f.results[1], SendOutcome::FAILED, "not connected");
}

TEST (ChatSendQueue, HeldBehindAWriteAPieceWaitsInsteadOfTheDrop)
{
  /* IRC: two sends to a channel taken in one pump: the second waits for
   * Twitch's 1 s (it was accepted to wait), the policy does not drop it. */
  Fixture f (SendPolicy::DROP);
  f.send ("one");
  f.send ("two");
  int64_t next = f.pump (true);
  ASSERT_EQ (f.transport.written.size (), 1u);
  EXPECT_TRUE (f.results.empty ());
  /* Another wake-up before the 1 s is over: still waiting, not dropped. */
  f.now = next - 1;
  f.pump (true);
  EXPECT_TRUE (f.results.empty ()) << "a piece accepted to wait was dropped";
  f.now = next;
  f.pump (true);
  ASSERT_EQ (f.transport.written.size (), 2u);
  EXPECT_EQ (f.transport.written[1].text, "two");
  EXPECT_TRUE (f.results.empty ());
}

TEST (ChatSendQueue, BusyIsNotCannotGoAtOnceThePolicyAppliesAfterIt)
{
  /* EventSub: while Twitch has not answered "one", "two" is BUSY, not
   * judged; once answered within Twitch's 1 s, the policy drops it. */
  Fixture f (SendPolicy::DROP);
  f.transport.one_in_flight = true;
  f.send ("one");
  f.send ("two");
  f.pump (false);
  ASSERT_EQ (f.transport.written.size (), 1u);
  EXPECT_TRUE (f.results.empty ()) << "dropped while only BUSY";
  f.now += S / 2;
  f.confirm_all ();
  f.pump (false);
  EXPECT_TRUE (f.transport.written.empty ());
  ASSERT_EQ (f.results.size (), 2u);
  EXPECT_EQ (f.results[0].text, "one");
  EXPECT_EQ (f.results[0].outcome, SendOutcome::SENT);
  EXPECT_EQ (f.results[1].text, "two");
  expect_outcome (f.results[1], SendOutcome::DROPPED, "policy");
}

TEST (ChatSendQueue, RefusedByTheTransportIsFailed)
{
  Fixture f;
  f.set_gate (SendGate::REFUSE, "no such channel");
  f.send ("one");
  f.pump ();
  ASSERT_EQ (f.results.size (), 1u);
  expect_outcome (f.results[0], SendOutcome::FAILED, "no such channel");
  EXPECT_TRUE (f.transport.written.empty ());
}

TEST (ChatSendQueue, OldSendsExpire)
{
  Fixture f;
  f.transport.gate.kind = SendGate::NOT_READY;
  f.send ("stale");
  f.pump ();
  EXPECT_TRUE (f.results.empty ());
  f.now += 61 * S;
  f.transport.gate.kind = SendGate::READY;
  f.pump ();
  EXPECT_TRUE (f.transport.written.empty ());
  ASSERT_EQ (f.results.size (), 1u);
  expect_outcome (f.results[0], SendOutcome::EXPIRED, "max-age");
}

TEST (ChatSendQueue, TheQueueIsBounded)
{
  Fixture f (SendPolicy::ENQUEUE, true, 2);
  f.transport.gate.kind = SendGate::NOT_READY;
  f.send ("one");
  f.send ("two");
  f.pump ();
  EXPECT_EQ (f.q->queued (), 2u);
  bool queued = true;
  f.send ("three", {}, {}, &queued);
  EXPECT_FALSE (queued);
  ASSERT_EQ (f.results.size (), 1u);
  expect_outcome (f.results[0], SendOutcome::FAILED, "send queue full");
}

TEST (ChatSendQueue, StopFailsEverythingAndWrittenPiecesCanGoAgain)
{
  Fixture f;
  f.send ("one");
  f.pump ();
  ASSERT_EQ (f.transport.written.size (), 1u);
  /* At least once: the written piece goes back to the head. */
  f.q->requeue_front ({f.transport.written[0]});
  f.transport.written.clear ();
  f.send ("two");
  f.q->take (nullptr);
  f.q->fail_all ("stopped");
  ASSERT_EQ (f.results.size (), 2u);
  EXPECT_EQ (f.results[0].text, "one");
  EXPECT_EQ (f.results[1].text, "two");
  for (auto &r : f.results) {
    EXPECT_EQ (r.outcome, SendOutcome::FAILED);
    EXPECT_EQ (r.reason, "stopped");
  }
}

TEST (ChatSendQueue, AFailedWriteStopsThePump)
{
  Fixture f;
  f.transport.fail_write = true;
  f.send ("one");
  f.q->take (nullptr);
  int64_t next = 0;
  EXPECT_FALSE (f.q->pump (f.now, f.transport, false, &next));
  EXPECT_FALSE (f.q->empty ()) << "a piece not written left the queue";
  EXPECT_TRUE (f.results.empty ());
}

TEST (ChatSendQueue, SentCountsWholeSendsWhenAsked)
{
  Fixture f (SendPolicy::ENQUEUE, false);
  f.send (std::string (400, 'a') + " " + std::string (300, 'b'));
  int64_t next = f.pump ();
  f.confirm_all ();
  f.now = next;
  f.pump ();
  f.confirm_all ();
  EXPECT_EQ (f.q->sent (), 1u);
}
