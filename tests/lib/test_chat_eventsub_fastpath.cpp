/* The EventSub mapping's fast paths give what the general code gives:
 * Twitch's timestamps read without GLib's ISO 8601 parser give GLib's
 * milliseconds (and what is not Twitch's form still goes to GLib), and
 * tags written from the flat tag list are in Twitch's (alphabetical) order
 * and escaped as irc_escape_tag_value() escapes them. */
#include <gst/twitch/chat/eventsub-map.h>
#include <gst/twitch/chat/irc.h>

#include <glib.h>
#include <gtest/gtest.h>

#include <string>

using namespace twitch;

namespace
{

int64_t
glib_ms (const char *s)
{
  GDateTime *dt = g_date_time_new_from_iso8601 (s, nullptr);
  if (!dt)
    return -1;
  int64_t ms = g_date_time_to_unix (dt) * 1000
               + g_date_time_get_microsecond (dt) / 1000;
  g_date_time_unref (dt);
  return ms;
}

} // namespace

TEST (EventSubFastPath, TimestampsAsGLibReadsThem)
{
  const char *cases[] = {
      "2023-07-19T14:56:51.634234626Z",
      "2023-07-19T14:56:51Z",
      "2023-07-19T14:56:51.6Z",
      "2023-07-19T14:56:51.06Z",
      "1970-01-01T00:00:00.000Z",
      "2024-02-29T23:59:59.999999999Z",
      "2000-02-29T12:00:00.5Z",
      "2100-03-01T00:00:00Z",
      "2026-12-31T23:59:59.001Z",
      "2038-01-19T03:14:08Z",
      /* Not Twitch's form: GLib's reading. */
      "2023-07-19T14:56:51.634+02:00",
      "2023-07-19T14:56:51.634-05:30",
      "2023-07-19 14:56:51Z",
  };
  for (const char *c : cases) {
    ASSERT_GE (glib_ms (c), 0) << c;
    EXPECT_EQ (eventsub_parse_timestamp (c), glib_ms (c)) << c;
  }
  /* What neither reads. */
  for (const char *c :
      {"2023-02-29T00:00:00Z", "2023-13-01T00:00:00Z", "2023-07-19T24:00:00Z",
          "2023-07-19T14:56:51.Z", "2023-07-19T14:56:51.12aZ", "yesterday"})
    EXPECT_EQ (eventsub_parse_timestamp (c), -1) << c;
}

TEST (EventSubFastPath, TagsInOrderAndEscaped)
{
  simdjson::dom::parser p;
  simdjson::dom::object ev;
  ASSERT_EQ (p.parse (std::string (R"({"broadcaster_user_id":"1",
      "broadcaster_user_login":"chan","chatter_user_id":"2",
      "chatter_user_login":"ann","chatter_user_name":"Ann",
      "message_id":"7a8b","color":"#FF0000",
      "badges":[{"set_id":"vip","id":"1","info":""},
                {"set_id":"moderator","id":"1","info":""}],
      "message":{"text":"hi there","fragments":[]},
      "reply":{"parent_message_id":"p1","parent_user_id":"3",
               "parent_user_login":"bob","parent_user_name":"Bob",
               "parent_message_body":"a; b\\c"}})"))
                 .get_object ()
                 .get (ev),
      simdjson::SUCCESS);
  std::string line, text;
  ASSERT_TRUE (eventsub_event_to_irc (
      "channel.chat.message", ev, 5, line, text, nullptr));
  std::string tags = line.substr (1, line.find (' ') - 1);
  /* Every key after the one before it. */
  std::string prev;
  size_t pos = 0;
  while (pos < tags.size ()) {
    size_t end = tags.find (';', pos);
    if (end == std::string::npos)
      end = tags.size ();
    std::string key = tags.substr (pos, tags.find ('=', pos) - pos);
    EXPECT_LT (prev, key) << line;
    prev = key;
    pos = end + 1;
  }
  EXPECT_NE (line.find ("color=#FF0000;"), std::string::npos) << line;
  EXPECT_NE (line.find ("reply-parent-msg-body="
                        + irc_escape_tag_value ("a; b\\c") + ";"),
      std::string::npos)
      << line;
  EXPECT_NE (line.find ("badges=vip/1,moderator/1;"), std::string::npos)
      << line;
  EXPECT_NE (line.find (";tmi-sent-ts=5;"), std::string::npos) << line;
}
