/* Identifier validation (chat/names.h) and the configuration checks built
 * on it: every way a line break, a second channel or a space could ride
 * into a command is refused, with an error naming the setting. */
#include <gst/twitch/chat/client.h>
#include <gst/twitch/chat/names.h>

#include <gtest/gtest.h>

using namespace twitch;

namespace
{

std::string
normalized (const char *in, bool hash = true)
{
  std::string out;
  GError *err = nullptr;
  bool ok = twitch_name_normalize (in, hash, "channel", &out, &err);
  if (!ok) {
    std::string m = err->message;
    g_error_free (err);
    return "ERROR: " + m;
  }
  return out;
}

TEST (ChatValidate, NamesFollowTwitchGrammar)
{
  EXPECT_EQ (normalized ("SomeChannel"), "somechannel");
  EXPECT_EQ (normalized ("#some_channel_42"), "some_channel_42");
  EXPECT_EQ (normalized ("a"), "a");
  EXPECT_EQ (normalized ("abcdefghijklmnopqrstuvwxy"), /* 25 */
      "abcdefghijklmnopqrstuvwxy");
  for (const char *bad : {"", "#", "##two", "abcdefghijklmnopqrstuvwxyz",
           "good,evil", "good\r\nQUIT", "a b", "caf\xc3\xa9", "dash-name",
           "#good,#other", "tab\t"}) {
    std::string r = normalized (bad);
    EXPECT_EQ (r.rfind ("ERROR: Invalid channel", 0), 0u) << bad << " -> " << r;
  }
  /* A leading '#' only where a channel is expected. */
  EXPECT_EQ (normalized ("#login", false).rfind ("ERROR: ", 0), 0u);
  /* The bad value is shown escaped: no raw line break in the message. */
  std::string r = normalized ("evil\r\nQUIT");
  EXPECT_EQ (r.find ('\r'), std::string::npos) << r;
  EXPECT_EQ (r.find ('\n'), std::string::npos) << r;
  EXPECT_NE (r.find ("\\r\\n"), std::string::npos) << r;
}

TEST (ChatValidate, ChannelListsAreAllOrNothing)
{
  std::vector<std::string> out;
  GError *err = nullptr;
  ASSERT_TRUE (
      twitch_channel_list_parse ("a,#B, c,,a", "channels", &out, &err));
  EXPECT_EQ (out, (std::vector<std::string>{"a", "b", "c"}));
  out.clear ();
  EXPECT_FALSE (
      twitch_channel_list_parse ("good,evil\r\nQUIT", "channels", &out, &err));
  ASSERT_NE (err, nullptr);
  EXPECT_TRUE (
      g_error_matches (err, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS));
  EXPECT_NE (std::string (err->message).find ("channels"), std::string::npos)
      << err->message;
  EXPECT_TRUE (out.empty ());
  g_clear_error (&err);
  /* The lenient parser keeps only valid names. */
  EXPECT_EQ (chat_parse_channels ("good,evil\r\nQUIT"),
      (std::vector<std::string>{"good"}));
}

TEST (ChatValidate, TokensHaveNoWhitespaceOrControls)
{
  GError *err = nullptr;
  EXPECT_TRUE (twitch_token_validate ("oauth:abc123DEF", "oauth-token", &err));
  EXPECT_TRUE (twitch_token_validate ("abc123DEF", "oauth-token", &err));
  const char *secret = "s3cr3tt0k3n";
  for (std::string bad : {std::string (secret) + "\r\nPRIVMSG #other :x",
           std::string (secret) + " x", std::string ("oauth:"),
           std::string (secret) + "\x01", std::string (600, 'a'),
           std::string (secret) + "\xc3\xa9"}) {
    EXPECT_FALSE (twitch_token_validate (bad, "oauth-token", &err)) << bad;
    ASSERT_NE (err, nullptr);
    EXPECT_NE (
        std::string (err->message).find ("oauth-token"), std::string::npos);
    EXPECT_EQ (std::string (err->message).find (secret), std::string::npos)
        << "the token must never be in the error";
    g_clear_error (&err);
  }
}

TEST (ChatValidate, MessageIds)
{
  GError *err = nullptr;
  EXPECT_TRUE (twitch_message_id_validate (
      "885196de-cb67-427a-baa8-82f9b0fcd05f", "reply-parent-id", &err));
  for (const char *bad : {"", "a b", "x\r\nQUIT", "a;b=c", "a\\sb"}) {
    EXPECT_FALSE (twitch_message_id_validate (bad, "reply-parent-id", &err))
        << bad;
    g_clear_error (&err);
  }
}

TEST (ChatValidate, ConfigValidationNormalizesAndRefuses)
{
  ChatConfig c;
  c.channels = {"#Alpha", "beta", "alpha"};
  c.login = "MyBot";
  c.token = "oauth:abc";
  GError *err = nullptr;
  ASSERT_TRUE (chat_config_validate (c, &err));
  EXPECT_EQ (c.channels, (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ (c.login, "mybot");

  ChatConfig bad_login;
  bad_login.login = "bot\r\nPRIVMSG #other :x";
  bad_login.token = "abc";
  EXPECT_FALSE (chat_config_validate (bad_login, &err));
  EXPECT_NE (std::string (err->message).find ("login"), std::string::npos);
  g_clear_error (&err);

  /* The client refuses to start with such a configuration. */
  ChatClient client (bad_login, {});
  EXPECT_FALSE (client.start (&err));
  EXPECT_TRUE (
      g_error_matches (err, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS));
  g_clear_error (&err);
}

TEST (ChatValidate, ReadTimeoutOutlastsTheKeepalive)
{
  ChatConfig c; /* Twitch's numbers: PING after 60 s idle, PONG in 10 s */
  EXPECT_GT (chat_read_timeout_us (c), c.ping_idle_us + c.pong_timeout_us);
  c.ping_idle_us = 300 * 1000;
  c.pong_timeout_us = 200 * 1000;
  EXPECT_GT (chat_read_timeout_us (c), c.ping_idle_us + c.pong_timeout_us);
}

TEST (ChatValidate, SecretsInClearTextAreNamed)
{
  ChatConfig c;
  GError *err = nullptr;
  ASSERT_TRUE (chat_config_set_server (c, "irc://chat.example.com:6667", &err));
  EXPECT_EQ (chat_config_security_warning (c), ""); /* anonymous */
  c.token = "abc";
  c.login = "bot";
  std::string w = chat_config_security_warning (c);
  EXPECT_NE (w.find ("clear text"), std::string::npos) << w;
  EXPECT_NE (w.find ("chat.example.com"), std::string::npos) << w;
  EXPECT_EQ (w.find ("abc"), std::string::npos);
  for (const char *local : {"irc://127.0.0.1:6667", "irc://localhost:1",
           "irc://[::1]:6667", "irc://[::ffff:127.0.0.2]:6667"}) {
    ASSERT_TRUE (chat_config_set_server (c, local, &err));
    EXPECT_EQ (chat_config_security_warning (c), "") << local;
  }
  ASSERT_TRUE (
      chat_config_set_server (c, "irc://[::ffff:10.0.0.1]:6667", &err));
  EXPECT_NE (chat_config_security_warning (c), "");
  ASSERT_TRUE (chat_config_set_server (c, "ircs://chat.example.com", &err));
  EXPECT_EQ (chat_config_security_warning (c), "");
}

TEST (ChatValidate, OutcomeAndDeliveryNames)
{
  EXPECT_STREQ (send_outcome_name (SendOutcome::UNCONFIRMED), "unconfirmed");
  EXPECT_STREQ (delivery_name (Delivery::AT_MOST_ONCE), "at-most-once");
  EXPECT_STREQ (delivery_name (Delivery::AT_LEAST_ONCE), "at-least-once");
  EXPECT_EQ (ChatConfig ().delivery, Delivery::AT_MOST_ONCE);
}

} // namespace
