/* The chat client against hostile or merely Twitch-like peers (the fake TMI
 * server): a silent channel kept for many PING idle times on one
 * connection, a server that stops answering PONG, sends around a dropped
 * connection (at most once by default), injection through every entry
 * point, an over-long line with a forged tail, a PING carrying a CR, a
 * rejected TLS certificate, and stop() racing send() from another
 * thread. */
#include <gst/gst.h>
#include <gst/twitch/chat/client.h>

#include <gtest/gtest.h>

#include "chat_harness.h"

#include <atomic>
#include <thread>

using namespace twitch;
using twitch_test::poll_until;
using twitch_test::TmiFake;
using twitch_test::TmiFakeOptions;

namespace
{

const char *kToken = "hostiletesttoken0123456789";

class ChatHostileTest : public ChatFakeTest
{
 protected:
  ChatHostileTest () : ChatFakeTest (kToken) {}

  ChatConfig config (std::vector<std::string> channels, bool auth = false)
  {
    ChatConfig c = ChatFakeTest::config (std::move (channels), auth);
    c.limits.channel_gap_us = 10 * 1000;
    c.limits.margin_us = 10 * 1000;
    return c;
  }

  SendResult result_of (uint64_t id)
  {
    std::lock_guard<std::mutex> lk (rec.mu);
    return rec.results[id].empty () ? SendResult () : rec.results[id][0];
  }
};

/* Twitch on a quiet channel: nothing after the join but its own PING about
 * every 5 minutes, against the client's 60 s idle PING and 10 s PONG
 * timeout. Scaled: idle 1 s, PONG timeout 0.5 s, server PING every 5 s.
 * Ten idle times later: still the first connection, the client PINGed on
 * its own and answered the server's PINGs. */
TEST_F (ChatHostileTest, SilentTwitchLikeServerKeepsOneConnection)
{
  TmiFakeOptions o;
  o.ping_interval = 5.0;
  start_fake (o);
  ChatConfig c = config ({"quiet"});
  c.ping_idle_us = G_USEC_PER_SEC;
  c.pong_timeout_us = 500 * 1000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  gint64 t0 = g_get_monotonic_time ();
  /* Ten idle times, counted by the client's own PINGs (one each idle time
   * at most), and two of the server's PINGs answered. */
  ASSERT_TRUE (poll_until (
      [&] {
        return fake.count_lines ("PING ") >= 8 && fake.stat ("pongs") >= 2;
      },
      60000))
      << fake.count_lines ("PING ") << " client PINGs, " << fake.stat ("pongs")
      << " PONGs";
  EXPECT_GE (g_get_monotonic_time () - t0, 8 * G_USEC_PER_SEC);
  EXPECT_EQ (fake.stat ("connections"), 1);
  EXPECT_EQ (rec.connected_count (), 1);
  EXPECT_EQ (client.stats ().reconnects, 0u);
  EXPECT_EQ (client.state (), ChatState::CONNECTED);
  client.stop ();
}

/* The same quiet server, once it stops answering: the missing PONG ends
 * the connection within the idle time plus the PONG timeout. */
TEST_F (ChatHostileTest, ServerThatStopsAnsweringPongIsDetected)
{
  TmiFakeOptions o;
  o.ping_interval = 5.0;
  start_fake (o);
  ChatConfig c = config ({"quiet"});
  c.ping_idle_us = 500 * 1000;
  c.pong_timeout_us = 500 * 1000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  ASSERT_TRUE (
      poll_until ([&] { return fake.count_lines ("PING ") >= 2; }, 20000));
  EXPECT_EQ (rec.connected_count (), 1);
  fake.control ("set ignore-ping on");
  gint64 t0 = g_get_monotonic_time ();
  ASSERT_TRUE (poll_until ([&] { return rec.connected_count () >= 2; }, 20000));
  /* idle 0.5 s + PONG timeout 0.5 s, plus ticks and the reconnect. */
  EXPECT_LT (g_get_monotonic_time () - t0, 5 * G_USEC_PER_SEC);
  client.stop ();
}

/* A message written to a connection that drops before Twitch's USERSTATE
 * arrives: by default it is never written again, and reported
 * unconfirmed; a later send goes out normally. */
TEST_F (ChatHostileTest, SendAroundADropIsAtMostOnceAndUnconfirmed)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);
  ChatClient client (config ({"room"}, true), rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  fake.control ("set hold-userstate on");
  uint64_t id = client.send ("room", "only once please");
  ASSERT_TRUE (poll_until (
      [&] { return recorded_privmsgs (fake)["only once please"] == 1; },
      20000));
  /* Its USERSTATE was never sent; the connection drops. */
  fake.control ("set hold-userstate off");
  fake.control ("drop");
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 2; }, 20000));
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 1; }, 20000));
  SendResult r = result_of (id);
  EXPECT_EQ (r.outcome, SendOutcome::UNCONFIRMED) << r.reason;
  EXPECT_FALSE (r.reason.empty ());
  uint64_t id2 = client.send ("room", "after the drop");
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 2; }, 20000));
  EXPECT_EQ (result_of (id2).outcome, SendOutcome::SENT);
  /* Every copy the server read, live or not. */
  int copies = 0;
  for (auto &l : fake.recorded ())
    copies += l.line.find ("only once please") != std::string::npos;
  EXPECT_EQ (copies, 1) << "the message reached the server twice";
  client.stop ();
}

/* The application may ask for at least once: then it is written again on
 * the next connection (and may be seen twice). */
TEST_F (ChatHostileTest, AtLeastOnceWritesAnUnconfirmedSendAgain)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);
  ChatConfig c = config ({"room"}, true);
  c.delivery = Delivery::AT_LEAST_ONCE;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  fake.control ("set hold-userstate on");
  uint64_t id = client.send ("room", "again if unsure");
  ASSERT_TRUE (poll_until (
      [&] { return recorded_privmsgs (fake)["again if unsure"] == 1; }, 20000));
  /* Its USERSTATE was never sent; the connection drops. */
  fake.control ("set hold-userstate off");
  fake.control ("drop");
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 2; }, 20000));
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 1; }, 20000));
  EXPECT_EQ (result_of (id).outcome, SendOutcome::SENT);
  EXPECT_EQ (recorded_privmsgs (fake)["again if unsure"], 2);
  client.stop ();
}

/* No configuration, join, part or send argument can put a line of its own
 * on the wire. */
TEST_F (ChatHostileTest, InjectionThroughEveryEntryPointIsRefused)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);

  /* Settings: start() refuses, nothing is even connected. */
  struct {
    const char *what;
    ChatConfig cfg;
  } bad[3];
  bad[0].what = "channel";
  bad[0].cfg = config ({"good,evil\r\nQUIT"}, true);
  bad[1].what = "login";
  bad[1].cfg = config ({"good"}, true);
  bad[1].cfg.login = "testbot\r\nPRIVMSG #other :x";
  bad[2].what = "token";
  bad[2].cfg = config ({"good"}, true);
  bad[2].cfg.token = std::string (kToken) + "\r\nPRIVMSG #other :x";
  for (auto &b : bad) {
    ChatClient client (b.cfg, {});
    GError *err = nullptr;
    EXPECT_FALSE (client.start (&err)) << b.what;
    ASSERT_NE (err, nullptr) << b.what;
    EXPECT_TRUE (
        g_error_matches (err, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS));
    EXPECT_NE (std::string (err->message).find (b.what), std::string::npos)
        << err->message;
    EXPECT_EQ (std::string (err->message).find (kToken), std::string::npos);
    g_clear_error (&err);
  }
  EXPECT_EQ (fake.stat ("connections"), 0);

  /* Calls on a logged-in client: failed sends with a reason, ignored
   * joins. */
  ChatClient client (config ({"good"}, true), rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  uint64_t a = client.send ("good,#other", "hi");
  uint64_t b = client.send ("good other", "hi");
  uint64_t d = client.send ("good", "hi", "x\r\nQUIT");
  uint64_t e = client.send ("good", "hi", "a b");
  uint64_t f = client.send ("good", "hi\r\nQUIT");
  uint64_t g = client.send ("good\r\nQUIT", "hi");
  client.join ("evil\r\nQUIT");
  client.part ("good,\r\nQUIT");
  client.send_raw ("PRIVMSG #good :x\r\nQUIT");
  uint64_t ok = client.send ("#Good", "marker");
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 7; }, 20000));
  for (uint64_t id : {a, b, d, e, f, g}) {
    SendResult r = result_of (id);
    EXPECT_EQ (r.outcome, SendOutcome::FAILED) << id;
    EXPECT_FALSE (r.reason.empty ());
  }
  EXPECT_NE (result_of (a).reason.find ("channel"), std::string::npos)
      << result_of (a).reason;
  EXPECT_NE (result_of (d).reason.find ("reply-parent-id"), std::string::npos)
      << result_of (d).reason;
  EXPECT_EQ (result_of (ok).outcome, SendOutcome::SENT);

  /* What the server read: the login, one JOIN, the marker. Nothing else. */
  for (auto &l : fake.recorded ()) {
    const std::string &s = l.line;
    bool expected = s.rfind ("CAP ", 0) == 0 || s.rfind ("PASS ", 0) == 0
                    || s == "NICK testbot" || s.rfind ("USER testbot", 0) == 0
                    || s == "JOIN #good" || s == "PRIVMSG #good :marker";
    EXPECT_TRUE (expected) << "unexpected line on the wire: " << s;
    EXPECT_EQ (s.find ('\r'), std::string::npos) << s;
  }
  EXPECT_EQ (fake.count_lines ("JOIN"), 1);
  client.stop ();
}

/* A PING whose token carries a CR: the PONG must not carry it (a real IRC
 * server ends a line at the CR, and reads the rest as a command). */
TEST_F (ChatHostileTest, PongNeverEchoesACarriageReturn)
{
  start_fake ();
  ChatClient client (config ({"room"}), rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  fake.control ("raw PING :tmi\rQUIT :forged");
  ASSERT_TRUE (
      poll_until ([&] { return fake.count_lines ("PONG") == 1; }, 20000));
  for (auto &l : fake.recorded ()) {
    EXPECT_EQ (l.line.find ('\r'), std::string::npos) << l.line;
    if (l.line.rfind ("PONG", 0) == 0) {
      EXPECT_EQ (l.line, "PONG :tmiQUIT :forged");
    }
  }
  client.stop ();
}

/* A 100 KB line whose tail is a forged PRIVMSG: the whole line is dropped
 * up to its newline, the tail is never taken for a line of its own. */
TEST_F (ChatHostileTest, OverlongLineTailIsNotParsedAsALine)
{
  start_fake ();
  ChatClient client (config ({"chan"}), rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  EXPECT_EQ (fake.control ("longline 100000 @id=2 "
                           ":forged!forged@forged.tmi.twitch.tv PRIVMSG "
                           "#chan :smuggled tail"),
      "ok");
  fake.control ("privmsg chan 1"); /* the next line is a normal one */
  ASSERT_TRUE (poll_until (
      [&] { return rec.count_kind (ChatKind::PRIVMSG) >= 1; }, 20000));
  {
    std::lock_guard<std::mutex> lk (rec.mu);
    for (auto &m : rec.messages)
      EXPECT_EQ (m.text.find ("smuggled"), std::string::npos)
          << "forged tail delivered: " << m.text;
  }
  EXPECT_EQ (rec.count_kind (ChatKind::PRIVMSG), 1u);
  EXPECT_GE (client.stats ().parse_errors, 1u);
  EXPECT_EQ (rec.connected_count (), 1);
  client.stop ();
}

/* A certificate that does not verify is one fatal error, never retried. */
TEST_F (ChatHostileTest, CertificateErrorIsFatalNotRetried)
{
  TmiFakeOptions o;
  o.tls = true;
  start_fake (o);
  ChatConfig c = config ({"secure"});
  c.tls_ca_file.clear (); /* system store: the self-signed cert is unknown */
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until (
      [&] {
        std::lock_guard<std::mutex> lk (rec.mu);
        return !rec.fatal.empty ();
      },
      20000));
  /* Retries would come every 50-500 ms: give them the chance. */
  g_usleep (1500 * 1000);
  std::lock_guard<std::mutex> lk (rec.mu);
  ASSERT_EQ (rec.fatal.size (), 1u);
  EXPECT_EQ (rec.fatal_codes[0], TWITCH_CHAT_ERROR_CERTIFICATE);
  EXPECT_NE (rec.fatal[0].find ("certificate"), std::string::npos)
      << rec.fatal[0];
  EXPECT_EQ (std::count (rec.states.begin (), rec.states.end (),
                 ChatState::RECONNECTING),
      0);
  /* The fake counts a connection once its TLS handshake succeeded. */
  EXPECT_EQ (fake.stat ("connections"), 0);
  EXPECT_EQ (client.state (), ChatState::STOPPED);
}

/* stop() while another thread sends, joins and reads stats (ThreadSanitizer
 * checks this in the build-tsan lane). Every send gets one outcome. */
TEST_F (ChatHostileTest, StopRacesSendFromAnotherThread)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);
  for (int round = 0; round < 3; ++round) {
    ChatRecorder r;
    ChatClient client (config ({"race"}, true), r.callbacks ());
    ASSERT_TRUE (client.start (nullptr));
    std::atomic<bool> go{true};
    std::atomic<int> sends{0};
    std::thread sender ([&] {
      while (go) {
        client.send ("race", "racing " + std::to_string (sends++));
        client.join ("race2");
        client.part ("race2");
        (void)client.stats ();
        (void)client.state ();
        g_usleep (500);
      }
    });
    poll_until ([&] { return r.results_count () >= 3; }, 5000);
    client.stop ();
    /* Sends after stop() are queued and failed at the next stop. */
    g_usleep (20 * 1000);
    go = false;
    sender.join ();
    client.stop ();
    ASSERT_TRUE (client.start (nullptr));
    client.stop ();
    std::lock_guard<std::mutex> lk (r.mu);
    for (auto &kv : r.results)
      EXPECT_EQ (kv.second.size (), 1u) << "send " << kv.first;
  }
}

} // namespace
