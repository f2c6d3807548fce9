/* One ChatMessage reused line after line (what twitchchatsrc's streaming
 * thread does) gives what a fresh parse gives, whatever the tags of the
 * line before: the parser remembers the key at each place of the tag
 * list, so keys that move, change or repeat must not leak from one line
 * into the next. */
#include <gst/twitch/chat/message.h>

#include <gtest/gtest.h>

using namespace twitch;

namespace
{

void
expect_same (const ChatMessage &a, const ChatMessage &b, const std::string &l)
{
  EXPECT_EQ (a.kind, b.kind) << l;
  EXPECT_EQ (a.tags, b.tags) << l;
  EXPECT_EQ (a.id, b.id) << l;
  EXPECT_EQ (a.user_id, b.user_id) << l;
  EXPECT_EQ (a.room_id, b.room_id) << l;
  EXPECT_EQ (a.color, b.color) << l;
  EXPECT_EQ (a.display_name, b.display_name) << l;
  EXPECT_EQ (a.login, b.login) << l;
  EXPECT_EQ (a.text, b.text) << l;
  EXPECT_EQ (a.bits, b.bits) << l;
  EXPECT_EQ (a.mod, b.mod) << l;
  EXPECT_EQ (a.subscriber, b.subscriber) << l;
  EXPECT_EQ (a.tmi_sent_ts, b.tmi_sent_ts) << l;
  EXPECT_EQ (a.badges.size (), b.badges.size ()) << l;
  EXPECT_EQ (a.emotes.size (), b.emotes.size ()) << l;
  for (size_t i = 0; i < a.emotes.size () && i < b.emotes.size (); ++i) {
    EXPECT_EQ (a.emotes[i].id, b.emotes[i].id) << l;
    EXPECT_EQ (a.emotes[i].start, b.emotes[i].start) << l;
  }
  EXPECT_EQ (a.reply.parent_msg_id, b.reply.parent_msg_id) << l;
}

} // namespace

TEST (ChatReuse, KeysThatMoveChangeOrRepeat)
{
  const std::string tail = " :u!u@u.tmi.twitch.tv PRIVMSG #c :Kappa hello";
  const std::vector<std::string> lines = {
      "@id=aaa;user-id=1;color=#FF0000;bits=5;mod=1" + tail,
      /* The same keys, swapped: each place now holds the other key. */
      "@user-id=2;id=bbb;mod=0;color=#00FF00;bits=7" + tail,
      /* Other keys at the same places. */
      "@room-id=9;tmi-sent-ts=1700000000000;subscriber=1;emotes=25:0-4" + tail,
      /* Fewer tags, then more again. */
      "@id=ccc" + tail,
      "@badges=vip/1,moderator/1;id=ddd;display-name=Zed;reply-parent-msg-id="
      "p1;bits=9;mod=1;color=#123456"
          + tail,
      /* A key repeated: the last value wins, once. Keys of one length and
       * first letter (id, ix) share a class of the duplicate check. */
      "@id=eee;ix=1;id=fff;bits=1;bits=2" + tail,
      "@ix=2;id=ggg" + tail,
      /* Same length and first byte as "mod" but another key. */
      "@mud=1;mod=1;id=hhh" + tail,
      "@mod=0;mud=1;id=iii" + tail,
      /* Escaped values. */
      "@display-name=A\\sB;id=j\\:k" + tail,
  };
  ChatMessage reused;
  /* Twice round, so every line follows a different one. */
  for (int round = 0; round < 2; ++round) {
    for (const auto &l : lines) {
      GError *err = nullptr;
      ChatMessage fresh;
      ASSERT_TRUE (chat_message_parse (l, fresh, &err)) << l;
      ASSERT_TRUE (chat_message_parse (l, reused, &err)) << l;
      expect_same (reused, fresh, l);
    }
  }
}

TEST (ChatReuse, RepeatedKeyLastValueWins)
{
  ChatMessage m;
  ASSERT_TRUE (chat_message_parse (
      "@id=a;ix=b;id=c;iy=d :u!u@u PRIVMSG #c :hi", m, nullptr));
  ASSERT_EQ (m.tags.size (), 3u);
  EXPECT_EQ (m.tags[0].first, "id");
  EXPECT_EQ (m.tags[0].second, "c");
  EXPECT_EQ (m.id, "c");
  EXPECT_EQ (m.tag ("ix"), "b");
  EXPECT_EQ (m.tag ("iy"), "d");
}

TEST (ChatReuse, TagErrorsAfterAGoodLine)
{
  ChatMessage m;
  ASSERT_TRUE (
      chat_message_parse ("@id=a;mod=1 :u!u@u PRIVMSG #c :hi", m, nullptr));
  for (const char *bad : {"@=x :u!u@u PRIVMSG #c :hi",
           "@+ :u!u@u PRIVMSG #c :hi", "@a;=b :u!u@u PRIVMSG #c :hi",
           "@a b=1 :u!u@u PRIVMSG #c :hi", "@i\xc3\xa9=1 PING :x"}) {
    GError *err = nullptr;
    EXPECT_FALSE (chat_message_parse (bad, m, &err)) << bad;
    ASSERT_NE (err, nullptr) << bad;
    EXPECT_TRUE (
        g_error_matches (err, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE))
        << bad << ": " << err->message;
    g_clear_error (&err);
  }
  /* Empty items are skipped, as before. */
  ASSERT_TRUE (
      chat_message_parse ("@;;id=z;;mod=1; :u!u@u PRIVMSG #c :hi", m, nullptr));
  EXPECT_EQ (m.id, "z");
  EXPECT_TRUE (m.mod);
  EXPECT_EQ (m.tags.size (), 2u);
}
