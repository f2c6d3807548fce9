/* The text template of twitchchatsrc: snake_case keys like twitchapisrc's,
 * the kebab-case spelling of earlier releases still accepted. */
#include <gst/twitch/chat/message.h>

#include <gtest/gtest.h>

using namespace twitch;

static ChatMessage
sample ()
{
  ChatMessage m;
  EXPECT_TRUE (chat_message_parse (
      "@display-name=Ann;msg-id=raid;system-msg=5\\sraiders;bits=100;"
      "color=#FF0000 :ann!ann@ann.tmi.twitch.tv USERNOTICE #room :hi",
      m));
  return m;
}

TEST (ChatFormat, SnakeCaseKeys)
{
  ChatMessage m = sample ();
  EXPECT_EQ (chat_format ("{display_name}|{msg_id}|{system_msg}|{bits}", m),
      "Ann|raid|5 raiders|100");
}

TEST (ChatFormat, KebabCaseKeysStillWork)
{
  ChatMessage m = sample ();
  EXPECT_EQ (chat_format ("{display-name}|{msg-id}|{system-msg}", m),
      chat_format ("{display_name}|{msg_id}|{system_msg}", m));
  /* Tag names are Twitch's own spelling. */
  EXPECT_EQ (chat_format ("{tag:display-name} {tag:msg-id}", m), "Ann raid");
}

TEST (ChatFormat, AppendReusesTheBuffer)
{
  ChatMessage m = sample ();
  std::string out = "x:";
  chat_format_append (out, "{channel} } {{ {nope}{color}", m);
  EXPECT_EQ (out, "x:room } { #FF0000");
  EXPECT_EQ (chat_format ("{unterminated", m), "{unterminated");
}
