/* The chat client against the Twitch-dialect fake TMI server: login, TLS,
 * joins, RECONNECT, 20 dropped sockets, rate limits as recorded by the
 * server, login failure, keepalive, queue policy and max age. */
#include <gst/gst.h>
#include <gst/twitch/chat/client.h>

#include <gtest/gtest.h>

#include "chat_harness.h"

#include <algorithm>
#include <map>
#include <set>

using namespace twitch;
using twitch_test::poll_until;
using twitch_test::TmiFake;
using twitch_test::TmiFakeOptions;

namespace
{

const char *kToken = "abcdefghijklmnop0123456789";

class ChatClientTest : public ChatFakeTest
{
 protected:
  ChatClientTest () : ChatFakeTest (kToken) {}
};

TEST_F (ChatClientTest, AnonymousLoginJoinsEveryChannelAndParsesFixtures)
{
  start_fake ();
  ChatClient client (config ({"alpha", "beta", "gamma"}), rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 3; }, 20000));
  EXPECT_EQ (fake.control ("fixture twitch-docs.irc"), "ok 22");
  /* The fixture ends in RECONNECT, PING, JOIN, PART after 18 lines. */
  ASSERT_TRUE (poll_until (
      [&] { return rec.count_kind (ChatKind::RECONNECT) == 1; }, 20000));
  EXPECT_EQ (rec.count_kind (ChatKind::PRIVMSG), 4u);
  EXPECT_EQ (rec.count_kind (ChatKind::USERNOTICE), 6u);
  EXPECT_EQ (rec.count_kind (ChatKind::WHISPER), 1u);
  auto lines = fake.recorded ();
  ASSERT_GE (lines.size (), 4u);
  EXPECT_EQ (lines[0].line,
      "CAP REQ :twitch.tv/tags twitch.tv/commands twitch.tv/membership");
  bool anon = false;
  std::set<std::string> joins;
  for (auto &l : lines) {
    if (l.line.rfind ("NICK justinfan", 0) == 0)
      anon = true;
    EXPECT_EQ (l.line.rfind ("PASS", 0), std::string::npos);
    if (l.line.rfind ("JOIN #", 0) == 0)
      joins.insert (l.line.substr (6));
  }
  EXPECT_TRUE (anon);
  EXPECT_EQ (joins, (std::set<std::string>{"alpha", "beta", "gamma"}));
  client.stop ();
}

TEST_F (ChatClientTest, TlsWithTrustedSelfSignedCertificate)
{
  TmiFakeOptions o;
  o.tls = true;
  start_fake (o);
  ChatClient client (config ({"secure"}), rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  fake.control ("privmsg secure 3");
  ASSERT_TRUE (poll_until (
      [&] { return rec.count_kind (ChatKind::PRIVMSG) == 3; }, 20000));
  client.stop ();
}

TEST_F (ChatClientTest, TlsRefusesAnUntrustedCertificate)
{
  TmiFakeOptions o;
  o.tls = true;
  start_fake (o);
  ChatConfig c = config ({"secure"});
  c.tls_ca_file.clear (); /* system store: the self-signed cert is unknown */
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  /* One fatal error (test_chat_hostile checks it is never retried), and
   * it never logs in. */
  ASSERT_TRUE (poll_until (
      [&] {
        std::lock_guard<std::mutex> lk (rec.mu);
        return !rec.fatal.empty ();
      },
      20000));
  EXPECT_EQ (rec.connected_count (), 0);
  EXPECT_EQ (rec.joined_count (), 0u);
  client.stop ();
}

TEST_F (ChatClientTest, ReconnectHonouredAtOnceAndChannelsRejoined)
{
  start_fake ();
  ChatClient client (config ({"one", "two"}), rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 2; }, 20000));
  gint64 t0 = g_get_monotonic_time ();
  fake.control ("reconnect");
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 4; }, 20000));
  /* At once: no backoff delay before the new connection. */
  EXPECT_LT (g_get_monotonic_time () - t0, 5 * G_USEC_PER_SEC);
  EXPECT_EQ (rec.connected_count (), 2);
  std::string stats = fake.control ("stats");
  EXPECT_NE (stats.find ("\"clients\": 1"), std::string::npos) << stats;
  EXPECT_NE (stats.find ("\"channels\": [\"one\", \"two\"]"), std::string::npos)
      << stats;
  fake.control ("privmsg one 2");
  ASSERT_TRUE (poll_until (
      [&] { return rec.count_kind (ChatKind::PRIVMSG) == 2; }, 20000));
  client.stop ();
}

TEST_F (ChatClientTest, TwentyDroppedSocketsDeliverEverySendExactlyOnce)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);
  ChatConfig c = config ({"a", "b", "c"}, true);
  /* Twitch's limits scaled down 60x so the test stays short. */
  c.limits.window_us = 500 * 1000;
  c.limits.channel_gap_us = 17 * 1000;
  c.limits.margin_us = 20 * 1000;
  c.limits.join_window_us = 170 * 1000;
  c.max_age_us = 120 * G_USEC_PER_SEC;
  /* Sends the server never read (after the drop) are written again: the
   * default, at most once, would report them unconfirmed instead. */
  c.delivery = Delivery::AT_LEAST_ONCE;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 3; }, 20000));

  const char *chans[] = {"a", "b", "c"};
  std::map<uint64_t, std::string> sent_text;
  int n = 0;
  for (int drop = 0; drop < 20; ++drop) {
    for (int i = 0; i < 10; ++i, ++n) {
      std::string text = "queued message " + std::to_string (n);
      sent_text[client.send (chans[n % 3], text)] = text;
    }
    fake.control ("privmsg a 5");
    /* Let some of the sends go out, then drop mid-stream. */
    g_usleep ((20 + (drop % 5) * 30) * 1000);
    int before = rec.connected_count ();
    fake.control ("drop");
    ASSERT_TRUE (
        poll_until ([&] { return rec.connected_count () > before; }, 30000))
        << "no reconnect after drop " << drop;
    ASSERT_TRUE (poll_until (
        [&] {
          return fake.control ("stats").find (
                     "\"channels\": [\"a\", \"b\", \"c\"]")
                 != std::string::npos;
        },
        30000))
        << "channels not rejoined after drop " << drop;
    /* The server sends the last messages again: nothing twice downstream. */
    fake.control ("replay 5");
  }
  ASSERT_TRUE (poll_until (
      [&] { return rec.results_count () == sent_text.size (); }, 120000))
      << rec.results_count () << " of " << sent_text.size () << " outcomes";

  {
    std::lock_guard<std::mutex> lk (rec.mu);
    for (auto &kv : rec.results) {
      ASSERT_EQ (kv.second.size (), 1u) << "one outcome per send";
      EXPECT_EQ (kv.second[0].outcome, SendOutcome::SENT)
          << kv.second[0].reason;
      EXPECT_EQ (kv.second[0].text, sent_text[kv.first]);
    }
    std::set<std::string> ids;
    size_t privmsgs = 0;
    for (auto &m : rec.messages) {
      if (m.kind != ChatKind::PRIVMSG)
        continue;
      privmsgs++;
      EXPECT_TRUE (ids.insert (m.id).second) << "delivered twice: " << m.id;
    }
    EXPECT_EQ (privmsgs, 100u);
  }
  auto counts = recorded_privmsgs (fake);
  for (auto &kv : sent_text)
    EXPECT_EQ (counts[kv.second], 1)
        << "'" << kv.second << "' delivered " << counts[kv.second] << " times";
  EXPECT_GT (client.stats ().duplicates_dropped, 0u);
  EXPECT_EQ (client.stats ().connects, 21u);
  client.stop ();
}

/* Max events in any window of @span seconds. */
static int
max_in_window (std::vector<double> t, double span)
{
  std::sort (t.begin (), t.end ());
  int best = 0;
  size_t lo = 0;
  for (size_t hi = 0; hi < t.size (); ++hi) {
    while (t[hi] - t[lo] >= span)
      ++lo;
    best = std::max (best, (int)(hi - lo + 1));
  }
  return best;
}

TEST_F (ChatClientTest, ThousandSendsNeverExceedTheLimitsAsRecorded)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);
  ChatConfig c = config ({"s", "t", "u", "v", "w", "x", "y", "z"}, true);
  /* Twitch's shape (20 a window, a minimum gap per channel), scaled down
   * (window 0.5 s, gap 20 ms) so 1000 sends take ~35 s. The 200 ms margin
   * is what absorbs scheduling jitter between client and server (the fake
   * timestamps lines when its event loop reads them). */
  c.limits.window_us = 500 * 1000;
  c.limits.max_messages = 20;
  c.limits.channel_gap_us = 20 * 1000;
  c.limits.margin_us = 200 * 1000;
  c.max_age_us = 300 * G_USEC_PER_SEC;
  c.max_queue = 2000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 8; }, 20000));
  const char *chans[] = {"s", "t", "u", "v", "w", "x", "y", "z"};
  for (int i = 0; i < 1000; ++i)
    client.send (chans[i % 8], "limit test " + std::to_string (i));
  ASSERT_TRUE (
      poll_until ([&] { return rec.results_count () == 1000; }, 200000));
  std::vector<std::pair<double, std::string>> times;
  auto counts = recorded_privmsgs (fake, &times);
  ASSERT_EQ (times.size (), 1000u);
  std::vector<double> all;
  std::map<std::string, std::vector<double>> per;
  for (auto &t : times) {
    all.push_back (t.first);
    per[t.second].push_back (t.first);
  }
  EXPECT_LE (max_in_window (all, 0.5), 20);
  for (auto &kv : per) {
    std::sort (kv.second.begin (), kv.second.end ());
    for (size_t i = 1; i < kv.second.size (); ++i)
      EXPECT_GE (kv.second[i] - kv.second[i - 1], 0.020)
          << "#" << kv.first << " messages " << i - 1 << " and " << i;
  }
  /* Not needlessly slow either: ~ 1000 / 20 windows of 0.7 s. */
  EXPECT_LT (all.back () - all.front (), 90.0);
  client.stop ();
}

TEST_F (ChatClientTest, ModeratorLimitsFollowUserstate)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);
  fake.control ("set mod on"); /* USERSTATE on join says moderator */
  ChatConfig c = config ({"modded"}, true);
  c.limits.window_us = G_USEC_PER_SEC;
  c.limits.max_messages = 20;
  c.limits.max_messages_mod = 100;
  c.limits.channel_gap_us = 200 * 1000; /* would allow 5/s if applied */
  /* Generous: the fake timestamps lines when its event loop reads them. */
  c.limits.margin_us = 300 * 1000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  for (int i = 0; i < 150; ++i)
    client.send ("modded", "mod message " + std::to_string (i));
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 150; }, 60000));
  std::vector<std::pair<double, std::string>> times;
  recorded_privmsgs (fake, &times);
  ASSERT_EQ (times.size (), 150u);
  std::vector<double> all;
  for (auto &t : times)
    all.push_back (t.first);
  int most = max_in_window (all, 1.0);
  EXPECT_LE (most, 100);
  EXPECT_GT (most, 20) << "the moderator limit was not used";
  client.stop ();
}

TEST_F (ChatClientTest, ManyChannelsJoinedWithinTheJoinLimit)
{
  start_fake ();
  std::vector<std::string> channels;
  for (int i = 0; i < 45; ++i)
    channels.push_back ("chan" + std::to_string (i));
  ChatConfig c = config (channels);
  /* 20 JOINs a window, the window scaled from 10 s to 0.5 s. */
  c.limits.join_window_us = 500 * 1000;
  /* Generous: the fake timestamps lines when its event loop reads them. */
  c.limits.margin_us = 300 * 1000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 45; }, 30000));
  std::vector<double> joins;
  for (auto &l : fake.recorded ())
    if (l.line.rfind ("JOIN #", 0) == 0)
      joins.push_back (l.t);
  ASSERT_EQ (joins.size (), 45u);
  EXPECT_LE (max_in_window (joins, 0.5), 20);
  EXPECT_EQ (max_in_window (joins, 0.5), 20) << "the first 20 go at once";
  client.stop ();
}

TEST_F (ChatClientTest, RateLimitNoticeReportsDropped)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);
  ChatClient client (config ({"busy"}, true), rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  fake.control ("set ratelimit-notice on");
  uint64_t id = client.send ("busy", "too fast");
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 1; }, 20000));
  std::lock_guard<std::mutex> lk (rec.mu);
  ASSERT_EQ (rec.results[id].size (), 1u);
  EXPECT_EQ (rec.results[id][0].outcome, SendOutcome::DROPPED);
  EXPECT_EQ (rec.results[id][0].reason, "msg_ratelimit");
}

TEST_F (ChatClientTest, LoginFailureIsOneFatalErrorNotAReconnectStorm)
{
  TmiFakeOptions o;
  o.token = "the-right-token-0000";
  start_fake (o);
  ChatConfig c = config ({"any"}, true); /* sends kToken: wrong */
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until (
      [&] {
        std::lock_guard<std::mutex> lk (rec.mu);
        return !rec.fatal.empty ();
      },
      20000));
  /* Stopped: no reconnect can follow, so the counts below are final. */
  ASSERT_TRUE (poll_until (
      [&] { return client.state () == ChatState::STOPPED; }, 20000));
  std::lock_guard<std::mutex> lk (rec.mu);
  ASSERT_EQ (rec.fatal.size (), 1u);
  EXPECT_EQ (rec.fatal_codes[0], TWITCH_CHAT_ERROR_LOGIN);
  EXPECT_NE (
      rec.fatal[0].find ("Login authentication failed"), std::string::npos);
  EXPECT_EQ (rec.fatal[0].find (kToken), std::string::npos);
  EXPECT_NE (
      fake.control ("stats").find ("\"connections\": 1,"), std::string::npos);
  EXPECT_EQ (client.state (), ChatState::STOPPED);
}

TEST_F (ChatClientTest, SilentServerIsPingedThenLeft)
{
  start_fake ();
  ChatConfig c = config ({"quiet"});
  c.ping_idle_us = 300 * 1000;
  c.pong_timeout_us = 400 * 1000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  /* Answered PINGs keep the connection. */
  ASSERT_TRUE (poll_until (
      [&] {
        int pings = 0;
        for (auto &l : fake.recorded ())
          pings += l.line.rfind ("PING", 0) == 0;
        return pings >= 3;
      },
      20000));
  EXPECT_EQ (rec.connected_count (), 1);
  /* Unanswered: reconnect. */
  fake.control ("set ignore-ping on");
  ASSERT_TRUE (poll_until ([&] { return rec.connected_count () >= 2; }, 20000));
  client.stop ();
}

TEST_F (ChatClientTest, QueuedSendsExpireAfterMaxAge)
{
  twitch_test::RefusedPort dead;
  ChatConfig c;
  c.host = "127.0.0.1";
  c.port = dead.port ();
  c.tls = false;
  c.login = "testbot";
  c.token = kToken;
  c.channels = {"nowhere"};
  c.max_age_us = 300 * 1000;
  c.backoff.initial_delay_us = 100 * 1000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  uint64_t id = client.send ("nowhere", "stale soon");
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 1; }, 20000));
  std::lock_guard<std::mutex> lk (rec.mu);
  EXPECT_EQ (rec.results[id][0].outcome, SendOutcome::EXPIRED);
}

TEST_F (ChatClientTest, DropPolicyAndRefusedInput)
{
  twitch_test::RefusedPort dead;
  ChatConfig c;
  c.host = "127.0.0.1";
  c.port = dead.port ();
  c.tls = false;
  c.login = "testbot";
  c.token = kToken;
  c.send_policy = SendPolicy::DROP;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  uint64_t a = client.send ("chan", "cannot go now");
  uint64_t b = client.send ("chan", "line\r\nbreak");
  uint64_t d = client.send ("", "no channel");
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 3; }, 20000));
  std::lock_guard<std::mutex> lk (rec.mu);
  EXPECT_EQ (rec.results[a][0].outcome, SendOutcome::DROPPED);
  EXPECT_EQ (rec.results[a][0].reason, "policy");
  EXPECT_EQ (rec.results[b][0].outcome, SendOutcome::FAILED);
  EXPECT_EQ (rec.results[d][0].outcome, SendOutcome::FAILED);
}

TEST_F (ChatClientTest, UnconfirmedJoinIsReported)
{
  start_fake ();
  ChatConfig c = config ({"nojoin_channel", "fine"});
  c.join_timeout_us = 500 * 1000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until (
      [&] {
        std::lock_guard<std::mutex> lk (rec.mu);
        return !rec.join_failed.empty ();
      },
      20000));
  std::lock_guard<std::mutex> lk (rec.mu);
  EXPECT_EQ (rec.join_failed, std::vector<std::string>{"nojoin_channel"});
  EXPECT_EQ (rec.joined, std::vector<std::string>{"fine"});
}

TEST_F (ChatClientTest, LongMessagesSplitAndRepliesTagged)
{
  TmiFakeOptions o;
  o.token = kToken;
  start_fake (o);
  ChatConfig c = config ({"talk"}, true);
  c.limits.channel_gap_us = 10 * 1000;
  c.limits.margin_us = 10 * 1000;
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));
  std::string text;
  for (int i = 0; i < 120; ++i)
    text += "word" + std::to_string (i) + "😂 ";
  uint64_t id = client.send ("talk", text, "parent-id-1");
  ASSERT_TRUE (poll_until ([&] { return rec.results_count () == 1; }, 20000));
  {
    std::lock_guard<std::mutex> lk (rec.mu);
    EXPECT_EQ (rec.results[id][0].outcome, SendOutcome::SENT);
  }
  int pieces = 0;
  for (auto &l : fake.recorded ()) {
    if (l.line.find ("PRIVMSG #talk") == std::string::npos)
      continue;
    pieces++;
    EXPECT_EQ (l.line.rfind ("@reply-parent-msg-id=parent-id-1 PRIVMSG", 0), 0u)
        << l.line;
    std::string body = l.line.substr (l.line.find (" :") + 2);
    EXPECT_LE (utf8_code_points (body), 500u);
  }
  EXPECT_EQ (pieces, 2);
}

} // namespace

namespace
{

size_t
privmsg_count (ChatRecorder &rec)
{
  std::lock_guard<std::mutex> lk (rec.mu);
  size_t n = 0;
  for (auto &m : rec.messages)
    n += m.kind == ChatKind::PRIVMSG;
  return n;
}

} // namespace

/* The chat client remembers the last 8192 message ids (docs/chat.md): a
 * repeat of any of the last 8192 is dropped, a repeat of the 8193rd-last is
 * delivered again. */
TEST_F (ChatClientTest, DedupeRemembersTheLast8192Ids)
{
  start_fake ();
  ChatConfig c = config ({"a"});
  EXPECT_EQ (c.dedup_capacity, 8192u) << "the documented default";
  ChatClient client (c, rec.callbacks ());
  ASSERT_TRUE (client.start (nullptr));
  ASSERT_TRUE (poll_until ([&] { return rec.joined_count () == 1; }, 20000));

  fake.control ("privmsg a 8193");
  ASSERT_TRUE (poll_until ([&] { return privmsg_count (rec) == 8193; }, 60000))
      << privmsg_count (rec);
  /* The last 8192 again: every one a duplicate. */
  fake.control ("replay 8192");
  auto handled = [&] (size_t want) {
    return privmsg_count (rec) - 8193 + client.stats ().duplicates_dropped
           >= want;
  };
  ASSERT_TRUE (poll_until ([&] { return handled (8192); }, 60000));
  EXPECT_EQ (client.stats ().duplicates_dropped, 8192u);
  EXPECT_EQ (privmsg_count (rec), 8193u);
  /* From the 8193rd-last on: the oldest id was forgotten, so it is new, and
   * each one it pushes out makes the next one new too. */
  fake.control ("replay 8193");
  ASSERT_TRUE (poll_until ([&] { return handled (8192 + 8193); }, 60000));
  EXPECT_EQ (client.stats ().duplicates_dropped, 8192u);
  EXPECT_EQ (privmsg_count (rec), 2u * 8193);
  client.stop ();
}
