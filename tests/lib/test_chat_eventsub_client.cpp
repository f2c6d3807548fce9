/* The chat client with transport EVENTSUB against the EventSub stand-in of
 * the Helix fake (tests/peers/helix-fake): subscriptions after the welcome,
 * the keepalive watchdog, session_reconnect without loss, duplicates or
 * resubscribing, close codes and drops -> a new session with everything
 * resubscribed, duplicates dropped across sessions, a missing scope as one
 * clear error, sending through Helix with is_sent / drop_reason. */
#include <gst/twitch/chat/client.h>
#include <gst/twitch/helix/error.h>

#include "helix_fake.h"

#include <gst/gst.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

using namespace twitch;
using twitch_test::HelixFake;
using twitch_test::HelixFakeOptions;

namespace
{

/* GStreamer's debug log (the library's categories) readable with
 * GST_DEBUG=twitchchat:6 when a test fails. */
class GstEnvironment : public ::testing::Environment
{
 public:
  void SetUp () override { gst_init (nullptr, nullptr); }
};
const auto *gst_environment
    = ::testing::AddGlobalTestEnvironment (new GstEnvironment);

constexpr const char *kChannel = "twitchdev";
constexpr const char *kChannelId = "141981764";
/* Generous: the machine is shared; nothing here is a timing assertion. */
constexpr int64_t kWaitUs = 30 * G_USEC_PER_SEC;

struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<ChatMessage> messages;
  std::vector<ChatState> states;
  std::vector<SendResult> sends;
  std::vector<std::string> joined;
  std::vector<std::string> fatal;
  std::vector<int> fatal_codes;
};

class EventSubClient : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    fake = std::make_unique<HelixFake> (options);
    GError *error = nullptr;
    if (!fake->start (&error)) {
      std::string msg = error->message;
      g_error_free (error);
      GTEST_SKIP () << "cannot listen on loopback: " << msg;
    }
    for (const char *v : {"TWITCH_OAUTH_TOKEN", "TWITCH_REFRESH_TOKEN",
             "TWITCH_CLIENT_ID", "TWITCH_CLIENT_SECRET"})
      g_unsetenv (v);
    g_setenv ("TWITCH_HELIX_URL", fake->helix_url ().c_str (), TRUE);
    g_setenv ("TWITCH_AUTH_URL", fake->auth_url ().c_str (), TRUE);
    g_setenv ("TWITCH_EVENTSUB_URL",
        (fake->eventsub_url () + "?keepalive_timeout_seconds=2").c_str (),
        TRUE);
  }

  void TearDown () override
  {
    if (client)
      client->stop ();
    client.reset ();
    if (fake)
      fake->stop ();
  }

  void start (std::vector<std::string> channels = {kChannel},
      SendPolicy policy = SendPolicy::ENQUEUE)
  {
    ChatConfig c;
    c.transport = ChatTransport::EVENTSUB;
    c.token = fake->current_user_token ();
    c.login = kChannel;
    c.channels = channels;
    c.send_policy = policy;
    /* The first retry of the chat backoff, without its jitter's spread
     * mattering to the test's duration. */
    c.backoff.initial_delay_us = 200 * 1000;
    ChatCallbacks cb;
    cb.on_message = [this] (ChatMessage &&m) {
      std::lock_guard<std::mutex> lk (seen.mu);
      seen.messages.push_back (std::move (m));
      seen.cv.notify_all ();
    };
    cb.on_state = [this] (ChatState s, int, int64_t, const GError *) {
      std::lock_guard<std::mutex> lk (seen.mu);
      seen.states.push_back (s);
      seen.cv.notify_all ();
    };
    cb.on_send_result = [this] (const SendResult &r) {
      std::lock_guard<std::mutex> lk (seen.mu);
      seen.sends.push_back (r);
      seen.cv.notify_all ();
    };
    cb.on_joined = [this] (const std::string &ch) {
      std::lock_guard<std::mutex> lk (seen.mu);
      seen.joined.push_back (ch);
      seen.cv.notify_all ();
    };
    cb.on_fatal = [this] (const GError *e) {
      std::lock_guard<std::mutex> lk (seen.mu);
      seen.fatal.push_back (e ? e->message : "");
      seen.fatal_codes.push_back (e ? e->code : 0);
      seen.cv.notify_all ();
    };
    client = std::make_unique<ChatClient> (c, cb);
    GError *error = nullptr;
    ASSERT_TRUE (client->start (&error)) << error->message;
  }

  /* Waits (bounded) until @pred holds, checked under the lock and on each
   * callback. */
  bool wait (const std::function<bool ()> &pred)
  {
    std::unique_lock<std::mutex> lk (seen.mu);
    return seen.cv.wait_for (lk, std::chrono::microseconds (kWaitUs), pred);
  }
  /* Waits for a condition on the fake (polled). */
  bool wait_fake (const std::function<bool ()> &pred)
  {
    int64_t end = g_get_monotonic_time () + kWaitUs;
    while (!pred ()) {
      if (g_get_monotonic_time () > end)
        return false;
      g_usleep (20 * 1000);
    }
    return true;
  }

  size_t joined_count ()
  {
    std::lock_guard<std::mutex> lk (seen.mu);
    return seen.joined.size ();
  }
  std::vector<std::string> texts ()
  {
    std::lock_guard<std::mutex> lk (seen.mu);
    std::vector<std::string> out;
    for (const auto &m : seen.messages)
      out.push_back (m.text);
    return out;
  }
  size_t count_states (ChatState s)
  {
    std::lock_guard<std::mutex> lk (seen.mu);
    return std::count (seen.states.begin (), seen.states.end (), s);
  }
  uint64_t subscription_posts ()
  {
    return fake->requests ("/helix/eventsub/subscriptions");
  }

  /* A channel.chat.message event of the main channel, Twitch's shape. */
  static std::string event (const std::string &text, const std::string &id)
  {
    return std::string ("{\"broadcaster_user_id\":\"") + kChannelId
           + "\",\"broadcaster_user_login\":\"twitchdev\","
             "\"broadcaster_user_name\":\"TwitchDev\","
             "\"chatter_user_id\":\"42\",\"chatter_user_login\":\"viewer\","
             "\"chatter_user_name\":\"Viewer\",\"message_id\":\""
           + id + "\",\"message\":{\"text\":\"" + text
           + "\",\"fragments\":[{\"type\":\"text\",\"text\":\"" + text
           + "\"}]},\"color\":\"\",\"badges\":[],\"message_type\":\"text\","
             "\"cheer\":null,\"reply\":null}";
  }

  void say (const std::string &text)
  {
    static int n = 0;
    fake->eventsub_notify (
        "channel.chat.message", event (text, "msg-" + std::to_string (++n)));
  }

  bool got (const std::string &text)
  {
    return wait ([&] {
      for (const auto &m : seen.messages)
        if (m.text == text)
          return true;
      return false;
    });
  }

  HelixFakeOptions options;
  std::unique_ptr<HelixFake> fake;
  std::unique_ptr<ChatClient> client;
  Seen seen;
};

} // namespace

TEST_F (EventSubClient, SubscribesTheFiveChatTypesAfterTheWelcome)
{
  start ();
  ASSERT_TRUE (wait ([&] { return !seen.joined.empty (); }));
  auto types = fake->eventsub_subscription_types ();
  std::sort (types.begin (), types.end ());
  EXPECT_EQ (
      types, (std::vector<std::string>{"channel.chat.clear",
                 "channel.chat.clear_user_messages", "channel.chat.message",
                 "channel.chat.message_delete", "channel.chat.notification"}));
  EXPECT_EQ (client->state (), ChatState::CONNECTED);
  EXPECT_EQ (client->nick (), "twitchdev");
  /* The broadcaster's id came from one batched users lookup. */
  EXPECT_EQ (fake->requests ("/helix/users"), 1u);

  fake->eventsub_chat_message (kChannel, "chatter0001", "hello over eventsub");
  ASSERT_TRUE (got ("hello over eventsub"));
  std::lock_guard<std::mutex> lk (seen.mu);
  const ChatMessage &m = seen.messages.back ();
  EXPECT_EQ (m.kind, ChatKind::PRIVMSG);
  EXPECT_EQ (m.channel, kChannel);
  EXPECT_EQ (m.login, "chatter0001");
  EXPECT_EQ (m.room_id, kChannelId);
  EXPECT_EQ (m.transport, ChatTransport::EVENTSUB);
  EXPECT_GT (m.arrival_ms, 0);
  /* One session: Twitch's "unused" close (4003, 10 s after a welcome
   * without subscriptions) never came. */
  EXPECT_EQ (fake->eventsub_connections (), 1u);
}

TEST_F (EventSubClient, WatchdogStartsANewSessionWhenNothingArrives)
{
  start ();
  ASSERT_TRUE (wait ([&] { return !seen.joined.empty (); }));
  fake->eventsub_silence (true);
  /* Keepalive 2 s: silence beyond it is a lost connection. */
  ASSERT_TRUE (wait_fake ([&] { return fake->eventsub_connections () >= 2; }));
  fake->eventsub_silence (false);
  ASSERT_TRUE (wait ([&] { return seen.joined.size () >= 2; }));
  EXPECT_GE (count_states (ChatState::RECONNECTING), 1u);
  /* A new session: everything subscribed again, chat flows. */
  EXPECT_EQ (subscription_posts (), 10u);
  say ("after the watchdog");
  EXPECT_TRUE (got ("after the watchdog"));
}

TEST_F (
    EventSubClient, SessionReconnectMovesWithoutLossDuplicatesOrResubscribing)
{
  start ();
  ASSERT_TRUE (wait ([&] { return !seen.joined.empty (); }));
  say ("before");
  ASSERT_TRUE (got ("before"));
  fake->eventsub_reconnect ();
  /* During the overlap: still delivered once. */
  say ("during");
  ASSERT_TRUE (wait_fake ([&] {
    return fake->eventsub_connections () == 2
           && fake->eventsub_sessions () == 1;
  }));
  say ("after");
  ASSERT_TRUE (got ("after"));
  ASSERT_TRUE (got ("during"));
  EXPECT_EQ (texts (), (std::vector<std::string>{"before", "during", "after"}));
  /* Subscriptions moved with the session: none posted again. */
  EXPECT_EQ (subscription_posts (), 5u);
  EXPECT_EQ (fake->eventsub_subscriptions (), 5u);
  EXPECT_EQ (count_states (ChatState::RECONNECTING), 0u);
  EXPECT_EQ (client->stats ().reconnects, 0u);
}

TEST_F (EventSubClient, CloseCodesAndDropsStartANewSessionAndResubscribe)
{
  start ();
  ASSERT_TRUE (wait ([&] { return seen.joined.size () >= 1; }));
  uint64_t posts = subscription_posts ();
  size_t expect_joins = 1;
  for (unsigned short code : {4000, 4005, 4007}) {
    fake->eventsub_close (code);
    ++expect_joins;
    ASSERT_TRUE (wait ([&] { return seen.joined.size () >= expect_joins; }))
        << "no new session after close code " << code << "; sessions "
        << fake->eventsub_sessions () << ", subscriptions "
        << fake->eventsub_subscriptions ();
    posts += 5;
    EXPECT_EQ (subscription_posts (), posts) << "after " << code;
    say ("after " + std::to_string (code));
    EXPECT_TRUE (got ("after " + std::to_string (code)));
  }
  fake->eventsub_drop ();
  ++expect_joins;
  ASSERT_TRUE (wait ([&] { return seen.joined.size () >= expect_joins; }));
  say ("after the drop");
  EXPECT_TRUE (got ("after the drop"));
  EXPECT_EQ (fake->eventsub_subscriptions (), 5u);
  EXPECT_GE (count_states (ChatState::RECONNECTING), 4u);
  EXPECT_GE (client->stats ().reconnects, 4u);
}

TEST_F (EventSubClient, DuplicatesDroppedAcrossSessions)
{
  start ();
  ASSERT_TRUE (wait ([&] { return !seen.joined.empty (); }));
  const std::string ev = event ("once", "dup-1");
  fake->eventsub_notify_with_id (
      "channel.chat.message", ev, "2a7c0b7e-0000-4000-8000-00000000d0d0");
  ASSERT_TRUE (got ("once"));
  fake->eventsub_notify_with_id (
      "channel.chat.message", ev, "2a7c0b7e-0000-4000-8000-00000000d0d0");
  fake->eventsub_close (4006);
  ASSERT_TRUE (wait ([&] { return seen.joined.size () >= 2; }));
  /* Twitch may deliver it again on the new session. */
  fake->eventsub_notify_with_id (
      "channel.chat.message", ev, "2a7c0b7e-0000-4000-8000-00000000d0d0");
  say ("marker");
  ASSERT_TRUE (got ("marker"));
  EXPECT_EQ (texts (), (std::vector<std::string>{"once", "marker"}));
  EXPECT_EQ (client->stats ().duplicates_dropped, 2u);
}

TEST_F (EventSubClient, MissingReadScopeIsOneErrorNamingIt)
{
  fake->set_user_scopes ({"user:write:chat"});
  start ();
  ASSERT_TRUE (wait ([&] { return !seen.fatal.empty (); }));
  std::lock_guard<std::mutex> lk (seen.mu);
  ASSERT_EQ (seen.fatal.size (), 1u);
  EXPECT_NE (seen.fatal[0].find ("user:read:chat"), std::string::npos)
      << seen.fatal[0];
  EXPECT_EQ (seen.fatal_codes[0], TWITCH_CHAT_ERROR_LOGIN);
  /* No WebSocket was opened, no retry storm. */
  EXPECT_EQ (fake->eventsub_connections (), 0u);
  EXPECT_EQ (client->state (), ChatState::STOPPED);
}

TEST_F (EventSubClient, SendsThroughHelixWithIsSentAndDropReason)
{
  start ();
  ASSERT_TRUE (wait ([&] { return !seen.joined.empty (); }));
  uint64_t id = client->send (kChannel, "hello from gst-twitch");
  ASSERT_TRUE (wait ([&] { return !seen.sends.empty (); }));
  {
    std::lock_guard<std::mutex> lk (seen.mu);
    EXPECT_EQ (seen.sends[0].id, id);
    EXPECT_EQ (seen.sends[0].outcome, SendOutcome::SENT)
        << seen.sends[0].reason;
    EXPECT_FALSE (seen.sends[0].message_id.empty ());
  }
  auto sent = fake->sent_chat_messages ();
  ASSERT_EQ (sent.size (), 1u);
  EXPECT_EQ (sent[0], "hello from gst-twitch");
  /* Twitch echoes it as channel.chat.message. */
  EXPECT_TRUE (got ("hello from gst-twitch"));

  fake->set_drop_reason ("msg_duplicate", "Your message is identical.");
  client->send (kChannel, "again");
  ASSERT_TRUE (wait ([&] { return seen.sends.size () >= 2; }));
  {
    std::lock_guard<std::mutex> lk (seen.mu);
    EXPECT_EQ (seen.sends[1].outcome, SendOutcome::DROPPED);
    EXPECT_EQ (seen.sends[1].reason, "msg_duplicate");
  }
  EXPECT_EQ (fake->sent_chat_messages ().size (), 1u);
}

TEST_F (EventSubClient, SendWithoutWriteScopeFailsNamingIt)
{
  fake->set_user_scopes ({"user:read:chat"});
  start ();
  ASSERT_TRUE (wait ([&] { return !seen.joined.empty (); }));
  client->send (kChannel, "not allowed");
  ASSERT_TRUE (wait ([&] { return !seen.sends.empty (); }));
  std::lock_guard<std::mutex> lk (seen.mu);
  EXPECT_EQ (seen.sends[0].outcome, SendOutcome::FAILED);
  EXPECT_NE (seen.sends[0].reason.find ("user:write:chat"), std::string::npos)
      << seen.sends[0].reason;
  EXPECT_TRUE (fake->sent_chat_messages ().empty ());
}

TEST_F (EventSubClient, SendsKeepToTheRateLimiterAndPolicy)
{
  /* dallas: a channel where the token's user (twitchdev) is no moderator,
   * so Twitch's 1 s between two messages applies; send-policy drop. */
  start ({kChannel, "dallas"}, SendPolicy::DROP);
  ASSERT_TRUE (wait ([&] { return seen.joined.size () >= 2; }));
  client->send ("dallas", "one");
  client->send ("dallas", "two");
  /* The broadcaster's own channel: 100 / 30 s, no gap. */
  client->send (kChannel, "three");
  client->send (kChannel, "four");
  ASSERT_TRUE (wait ([&] { return seen.sends.size () >= 4; }));
  std::lock_guard<std::mutex> lk (seen.mu);
  std::map<std::string, SendResult> by_text;
  for (const auto &r : seen.sends)
    by_text[r.text] = r;
  EXPECT_EQ (by_text["one"].outcome, SendOutcome::SENT)
      << by_text["one"].reason;
  EXPECT_EQ (by_text["two"].outcome, SendOutcome::DROPPED);
  EXPECT_EQ (by_text["two"].reason, "policy");
  EXPECT_EQ (by_text["three"].outcome, SendOutcome::SENT);
  EXPECT_EQ (by_text["four"].outcome, SendOutcome::SENT);
}

TEST_F (EventSubClient, AnonymousIsRefusedAtStart)
{
  ChatConfig c;
  c.transport = ChatTransport::EVENTSUB;
  c.channels = {kChannel};
  ChatClient anon (c, {});
  GError *error = nullptr;
  EXPECT_FALSE (anon.start (&error));
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->code, TWITCH_CHAT_ERROR_SETTINGS);
  EXPECT_NE (
      std::string (error->message).find ("user:read:chat"), std::string::npos);
  g_error_free (error);
}

TEST_F (EventSubClient, PlainWebSocketOnlyToLoopback)
{
  g_setenv ("TWITCH_EVENTSUB_URL", "ws://example.com/ws", TRUE);
  ChatConfig c;
  c.transport = ChatTransport::EVENTSUB;
  c.token = "fake-token-0001";
  c.channels = {kChannel};
  ChatClient cl (c, {});
  GError *error = nullptr;
  EXPECT_FALSE (cl.start (&error));
  ASSERT_NE (error, nullptr);
  EXPECT_NE (std::string (error->message).find ("TWITCH_EVENTSUB_URL"),
      std::string::npos);
  g_error_free (error);
}

namespace
{
/* Helix answers after 300 ms: a send is still waiting for Twitch when the
 * client stops. */
class EventSubClientSlowHelix : public EventSubClient
{
 public:
  EventSubClientSlowHelix () { options.latency_ms = 300; }
};
} // namespace

TEST_F (EventSubClientSlowHelix, StopReportsEverySendOnce)
{
  start ();
  ASSERT_TRUE (wait ([&] { return !seen.joined.empty (); }));
  for (const char *t : {"a", "b", "c"})
    client->send (kChannel, t);
  /* The first is posted (waiting for the answer), the others queued. */
  ASSERT_TRUE (wait_fake ([&] { return client->stats ().queued == 2; }));
  client->stop ();
  std::lock_guard<std::mutex> lk (seen.mu);
  ASSERT_EQ (seen.sends.size (), 3u);
  std::map<std::string, int> per_text;
  for (const auto &r : seen.sends) {
    per_text[r.text]++;
    EXPECT_NE (r.outcome, SendOutcome::SENT) << r.text;
  }
  EXPECT_EQ (
      per_text, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));
}
