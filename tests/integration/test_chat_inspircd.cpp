/* Interop with a real IRCv3 server (inspircd 3 with cap, ircv3,
 * ircv3_ctctags, ircv3_msgid): framing, client-only '+' tags, PING/PONG,
 * and reconnect after the server dies. */
#include <gst/gst.h>
#include <gst/twitch/chat/client.h>

#include <gtest/gtest.h>

#include "chat_harness.h"
#include "support/inspircd_peer.h"
#include "support/require.h"

using namespace twitch;
using twitch_test::InspircdPeer;
using twitch_test::poll_until;

namespace
{

class InspircdTest : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    gst_init (nullptr, nullptr);
    TWITCH_REQUIRE_PROGRAM (
        twitch_test::find_program ("inspircd"), "inspircd", "inspircd");
    GError *err = nullptr;
    if (!ircd.start (&err)) {
      std::string m = err ? err->message : "?";
      g_clear_error (&err);
      GTEST_FAIL () << "inspircd did not start: " << m;
    }
  }

  ChatConfig config (const char *login)
  {
    ChatConfig c;
    EXPECT_TRUE (chat_config_set_server (c, ircd.uri (), nullptr));
    c.channels = {"room"};
    c.extra_caps = {"message-tags"};
    if (login) {
      c.login = login;
      /* inspircd has no password here and ignores PASS. */
      c.token = "not-checked-by-inspircd";
    }
    c.backoff.initial_delay_us = 100 * 1000;
    c.backoff.max_delay_us = 500 * 1000;
    c.limits.channel_gap_us = 10 * 1000;
    c.limits.margin_us = 10 * 1000;
    return c;
  }

  static std::vector<ChatMessage> privmsgs (ChatRecorder &r)
  {
    std::lock_guard<std::mutex> lk (r.mu);
    std::vector<ChatMessage> out;
    for (auto &m : r.messages)
      if (m.kind == ChatKind::PRIVMSG)
        out.push_back (m);
    return out;
  }

  InspircdPeer ircd;
};

TEST_F (InspircdTest, FramingTagsPingAndReconnect)
{
  ChatRecorder ra, rb;
  ChatConfig ca = config ("alice");
  ca.ping_idle_us = 300 * 1000;
  ca.pong_timeout_us = 2 * G_USEC_PER_SEC;
  ChatClient a (ca, ra.callbacks ());
  ChatClient b (config (nullptr), rb.callbacks ());
  ASSERT_TRUE (a.start (nullptr));
  ASSERT_TRUE (b.start (nullptr));
  ASSERT_TRUE (poll_until (
      [&] { return ra.joined_count () == 1 && rb.joined_count () == 1; },
      30000))
      << ircd.log ();

  /* Framing: texts that need the trailing ':' and UTF-8. */
  const std::vector<std::string> texts = {"plain", ":starts with a colon",
      "emoji 😂 and é", "  spaced  out", "semi;colon=equals\\backslash"};
  for (auto &t : texts)
    a.send ("room", t);
  ASSERT_TRUE (poll_until (
      [&] { return privmsgs (rb).size () == texts.size (); }, 20000));
  auto got = privmsgs (rb);
  for (size_t i = 0; i < texts.size (); ++i) {
    /* A leading space run is kept by IRC; our splitter trims edges. */
    std::string want = texts[i];
    want.erase (0, want.find_first_not_of (' '));
    want.erase (want.find_last_not_of (' ') + 1);
    EXPECT_EQ (got[i].text, want);
    EXPECT_EQ (got[i].login, "alice");
    EXPECT_EQ (got[i].channel, "room");
    EXPECT_TRUE (got[i].has_tag ("msgid")) << got[i].raw;
  }

  /* Client-only tags, escaped on the wire, unescaped on arrival. */
  b.send_raw ("@+example.com/note=a\\sb\\:c;+reply=xyz PRIVMSG #room :tagged");
  ASSERT_TRUE (poll_until ([&] { return privmsgs (ra).size () == 1; }, 20000));
  ChatMessage tagged = privmsgs (ra)[0];
  EXPECT_EQ (tagged.text, "tagged");
  EXPECT_EQ (tagged.tag ("+example.com/note"), "a b;c");
  EXPECT_EQ (tagged.tag ("+reply"), "xyz");
  EXPECT_TRUE (g_str_has_prefix (tagged.login.c_str (), "justinfan"));

  /* PING after 300 ms idle, answered by the server's PONG (twice: the
   * keepalive goes on): still the first connection. */
  auto pongs = [&] {
    std::lock_guard<std::mutex> lk (ra.mu);
    int n = 0;
    for (auto &m : ra.messages)
      n += m.kind == ChatKind::PONG;
    return n;
  };
  ASSERT_TRUE (poll_until ([&] { return pongs () >= 2; }, 20000))
      << "no PING was sent, or no PONG came back";
  EXPECT_EQ (ra.connected_count (), 1);

  /* The server dies and comes back on the same port: both reconnect,
   * rejoin, and chat flows again. */
  ircd.kill_hard ();
  ASSERT_TRUE (poll_until (
      [&] {
        std::lock_guard<std::mutex> lk (ra.mu);
        return !ra.states.empty () && ra.states.back () != ChatState::CONNECTED;
      },
      20000));
  GError *err = nullptr;
  ASSERT_TRUE (ircd.restart (&err)) << (err ? err->message : "");
  ASSERT_TRUE (poll_until (
      [&] { return ra.joined_count () == 2 && rb.joined_count () == 2; },
      30000));
  a.send ("room", "after the restart");
  ASSERT_TRUE (poll_until (
      [&] { return privmsgs (rb).size () == texts.size () + 1; }, 20000));
  EXPECT_EQ (privmsgs (rb).back ().text, "after the restart");
  a.stop ();
  b.stop ();
}

} // namespace
