/* EventSub chat events in the IRC chat model: Twitch's documented shapes
 * (tests/fixtures/eventsub/client/) give what IRC gives for the same chat
 * event; hostile frames are refused with an error, never a crash. */
#include <gst/twitch/chat/eventsub-map.h>
#include <gst/twitch/chat/irc.h>
#include <gst/twitch/common/json.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

using namespace twitch;

namespace
{

std::string
fixture (const char *name)
{
  std::ifstream f (
      std::string (TWITCH_TEST_FIXTURES) + "/eventsub/client/" + name);
  std::stringstream s;
  s << f.rdbuf ();
  EXPECT_FALSE (s.str ().empty ()) << name;
  return s.str ();
}

ChatMessage
map_ok (const char *name)
{
  EventSubFrame f;
  GError *err = nullptr;
  EXPECT_TRUE (eventsub_frame_parse (fixture (name), f, &err))
      << (err ? err->message : "");
  g_clear_error (&err);
  ChatMessage m;
  simdjson::dom::object ev;
  EXPECT_TRUE (f.event (ev));
  if (!f.event (ev))
    return m;
  EXPECT_TRUE (
      eventsub_event_to_chat (f.subscription_type, ev, f.timestamp_ms, m, &err))
      << (err ? err->message : "");
  g_clear_error (&err);
  return m;
}

/* Maps a hand-written event; false with the error's message in @why. */
bool
map_event (const char *type, const std::string &event_json, ChatMessage &m,
    std::string *why = nullptr)
{
  GError *err = nullptr;
  bool ok = eventsub_event_json_to_chat (type, event_json, 1000, m, &err);
  if (why && err)
    *why = err->message;
  g_clear_error (&err);
  return ok;
}

} // namespace

TEST (EventSubFrame, WelcomeSession)
{
  EventSubFrame f;
  ASSERT_TRUE (eventsub_frame_parse (fixture ("welcome.json"), f, nullptr));
  EXPECT_EQ (f.message_type, "session_welcome");
  EXPECT_EQ (f.message_id, "96a3f3b5-5dec-4eed-908e-e11ee657416c");
  /* Nanoseconds in Twitch's timestamps: ms kept, the rest dropped. */
  EXPECT_EQ (f.timestamp_ms, 1689778611634);
  EventSubSessionInfo s;
  ASSERT_TRUE (eventsub_session_parse (f.payload, s, nullptr));
  EXPECT_EQ (s.id, "AQoQILE98gtqShGmLD7AM6yJThAB");
  EXPECT_EQ (s.status, "connected");
  EXPECT_EQ (s.keepalive_timeout_s, 10);
  EXPECT_EQ (s.reconnect_url, "");
}

TEST (EventSubMapping, MessageIsPrivmsgWithCodePointEmotesReplyBadges)
{
  ChatMessage m = map_ok ("message-emotes-reply.json");
  EXPECT_EQ (m.kind, ChatKind::PRIVMSG);
  EXPECT_EQ (m.transport, ChatTransport::EVENTSUB);
  EXPECT_EQ (m.channel, "streamer");
  EXPECT_EQ (m.login, "viewer32");
  EXPECT_EQ (m.display_name, "Viewer32");
  EXPECT_EQ (m.text, "@Parent \xF0\x9F\x98\x80 Kappa hi Kappa");
  EXPECT_EQ (m.id, "cc106a89-1814-919d-454c-f4f2f970aae7");
  EXPECT_EQ (m.user_id, "4145994");
  EXPECT_EQ (m.room_id, "1971641");
  EXPECT_EQ (m.color, "#00FF7F");
  EXPECT_EQ (m.tmi_sent_ts, 1699294307492);
  /* The emoji is one code point (4 bytes): Kappa at 10-14 and 19-23. */
  ASSERT_EQ (m.emotes.size (), 2u);
  EXPECT_EQ (m.tag ("emotes"), "25:10-14,19-23");
  EXPECT_EQ (m.emotes[0].id, "25");
  EXPECT_EQ (m.emotes[0].start, 10);
  EXPECT_EQ (m.emotes[0].end, 14);
  EXPECT_EQ (m.text.substr (m.emotes[0].byte_start,
                 m.emotes[0].byte_end - m.emotes[0].byte_start),
      "Kappa");
  EXPECT_EQ (m.emotes[1].start, 19);
  EXPECT_EQ (m.text.substr (m.emotes[1].byte_start,
                 m.emotes[1].byte_end - m.emotes[1].byte_start),
      "Kappa");
  ASSERT_EQ (m.badges.size (), 3u);
  EXPECT_EQ (m.badges[0].name, "moderator");
  EXPECT_EQ (m.badges[1].name, "subscriber");
  EXPECT_EQ (m.badges[1].version, "12");
  ASSERT_EQ (m.badge_info.size (), 1u);
  EXPECT_EQ (m.badge_info[0].version, "16");
  EXPECT_TRUE (m.mod);
  EXPECT_TRUE (m.subscriber);
  EXPECT_TRUE (m.is_moderator ());
  EXPECT_EQ (m.user_type, "mod");
  EXPECT_EQ (m.reply.parent_msg_id, "0f3b5a1e-9c2d-4b7e-8f61-2a7d9c1e4b50");
  EXPECT_EQ (m.reply.parent_user_login, "parent");
  EXPECT_EQ (m.reply.parent_display_name, "Parent");
  EXPECT_EQ (m.reply.parent_user_id, "55");
  EXPECT_EQ (m.reply.parent_msg_body, "first message");
  EXPECT_EQ (
      m.reply.thread_parent_msg_id, "0f3b5a1e-9c2d-4b7e-8f61-2a7d9c1e4b50");
  EXPECT_EQ (m.bits, 0);
  /* The JSON record says where it came from. */
  std::string j = chat_message_to_json (m, -1);
  EXPECT_NE (j.find ("\"transport\":\"eventsub\""), std::string::npos) << j;
  ChatMessage back;
  ASSERT_TRUE (chat_message_from_json (j, back, nullptr, nullptr));
  EXPECT_EQ (back.transport, ChatTransport::EVENTSUB);
  EXPECT_EQ (back.emotes.size (), 2u);
}

TEST (EventSubMapping, CheerGivesBits)
{
  ChatMessage m = map_ok ("message-cheer.json");
  EXPECT_EQ (m.kind, ChatKind::PRIVMSG);
  EXPECT_EQ (m.bits, 100);
  EXPECT_EQ (chat_format ("{bits} {display_name}: {message}", m),
      "100 Cheerer: Cheer100 great stream");
  EXPECT_TRUE (m.vip);
  EXPECT_FALSE (m.mod);
  EXPECT_EQ (m.color, "");
  EXPECT_TRUE (m.emotes.empty ());
}

TEST (EventSubMapping, ResubIsUsernoticeWithTypedFields)
{
  ChatMessage m = map_ok ("notification-resub.json");
  EXPECT_EQ (m.kind, ChatKind::USERNOTICE);
  EXPECT_EQ (m.msg_id, "resub");
  EXPECT_EQ (m.login, "viewer23");
  EXPECT_EQ (m.text, "Still here Kappa");
  EXPECT_EQ (m.system_msg,
      "viewer23 subscribed at Tier 1. They've subscribed for 10 months!");
  EXPECT_EQ (m.tag ("msg-param-cumulative-months"), "10");
  EXPECT_EQ (m.tag ("msg-param-streak-months"), "3");
  EXPECT_EQ (m.tag ("msg-param-sub-plan"), "1000");
  EXPECT_EQ (m.tag ("msg-param-was-gifted"), "false");
  ASSERT_EQ (m.emotes.size (), 1u);
  EXPECT_EQ (m.emotes[0].start, 11);
  EXPECT_EQ (m.tmi_sent_ts, 1699294380250);
}

TEST (EventSubMapping, AnonymousSubGift)
{
  ChatMessage m = map_ok ("notification-subgift-anonymous.json");
  EXPECT_EQ (m.kind, ChatKind::USERNOTICE);
  EXPECT_EQ (m.msg_id, "subgift");
  EXPECT_EQ (m.login, "ananonymousgifter");
  EXPECT_EQ (m.tag ("msg-param-recipient-user-name"), "lucky");
  EXPECT_EQ (m.tag ("msg-param-recipient-display-name"), "Lucky");
  EXPECT_EQ (m.tag ("msg-param-recipient-id"), "99");
  EXPECT_EQ (m.text, "");
}

TEST (EventSubMapping, RaidAndAnnouncement)
{
  ChatMessage r = map_ok ("notification-raid.json");
  EXPECT_EQ (r.msg_id, "raid");
  EXPECT_EQ (r.tag ("msg-param-viewerCount"), "42");
  EXPECT_EQ (r.tag ("msg-param-login"), "raider");
  EXPECT_EQ (r.tag ("msg-param-displayName"), "Raider");
  ChatMessage a = map_ok ("notification-announcement.json");
  EXPECT_EQ (a.msg_id, "announcement");
  EXPECT_EQ (a.tag ("msg-param-color"), "PURPLE");
  EXPECT_EQ (a.text, "Giveaway at 8!");
  EXPECT_TRUE (a.is_moderator ());
}

TEST (EventSubMapping, ClearsAreClearchatAndClearmsg)
{
  ChatMessage c = map_ok ("clear.json");
  EXPECT_EQ (c.kind, ChatKind::CLEARCHAT);
  EXPECT_EQ (c.channel, "streamer");
  EXPECT_EQ (c.login, "");
  EXPECT_EQ (c.target_user_id, "");
  ChatMessage u = map_ok ("clear-user-messages.json");
  EXPECT_EQ (u.kind, ChatKind::CLEARCHAT);
  EXPECT_EQ (u.login, "troll");
  EXPECT_EQ (u.target_user_id, "7734");
  EXPECT_EQ (u.ban_duration, -1);
  ChatMessage d = map_ok ("message-delete.json");
  EXPECT_EQ (d.kind, ChatKind::CLEARMSG);
  EXPECT_EQ (d.login, "troll");
  EXPECT_EQ (d.target_msg_id, "ab24e0b0-2260-4bac-94e4-05eedd4ecd0e");
  EXPECT_EQ (d.room_id, "1971641");
}

TEST (EventSubMapping, NoticeTypesHaveIrcNames)
{
  EXPECT_EQ (eventsub_notice_msg_id ("sub_gift"), "subgift");
  EXPECT_EQ (eventsub_notice_msg_id ("community_sub_gift"), "submysterygift");
  EXPECT_EQ (eventsub_notice_msg_id ("gift_paid_upgrade"), "giftpaidupgrade");
  EXPECT_EQ (eventsub_notice_msg_id ("shared_chat_sub"), "shared_chat_sub");
}

/* A text IRC cannot carry on one line (a line break) is kept whole, and
 * cannot smuggle a second IRC command into the model. */
TEST (EventSubHostile, LineBreakInTextKeptAndHarmless)
{
  ChatMessage m;
  ASSERT_TRUE (map_event ("channel.chat.message",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message_id":"abc-1","message":{"text":"hi\r\nPRIVMSG #x :evil",
          "fragments":[{"type":"text","text":"hi\r\nPRIVMSG #x :evil"}]},
          "badges":[{"set_id":"a b","id":"1"},{"set_id":"ok","id":"1"}],
          "color":"red;x=1"})",
      m));
  EXPECT_EQ (m.kind, ChatKind::PRIVMSG);
  EXPECT_EQ (m.channel, "chan");
  EXPECT_EQ (m.text, "hi\r\nPRIVMSG #x :evil");
  /* A badge that is not a badge is left out; a colour that is not one. */
  ASSERT_EQ (m.badges.size (), 1u);
  EXPECT_EQ (m.badges[0].name, "ok");
  EXPECT_EQ (m.color, "");
}

TEST (EventSubHostile, FragmentsThatDoNotMatchTheTextGiveNoEmotes)
{
  ChatMessage m;
  ASSERT_TRUE (map_event ("channel.chat.message",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message_id":"abc-1","message":{"text":"hi",
          "fragments":[{"type":"emote","text":"Kappa Kappa Kappa",
                        "emote":{"id":"25"}}]}})",
      m));
  EXPECT_TRUE (m.emotes.empty ());
  EXPECT_EQ (m.tag ("emotes"), "");
  EXPECT_EQ (m.text, "hi");
}

TEST (EventSubHostile, MissingOrBadIdentifiersAreErrors)
{
  ChatMessage m;
  std::string why;
  EXPECT_FALSE (map_event ("channel.chat.message",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message":{"text":"no id"}})",
      m, &why));
  EXPECT_NE (why.find ("message_id"), std::string::npos) << why;
  EXPECT_FALSE (map_event ("channel.chat.message",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"#bad chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message_id":"x","message":{"text":"t"}})",
      m, &why));
  EXPECT_NE (why.find ("broadcaster"), std::string::npos) << why;
  EXPECT_FALSE (map_event ("channel.chat.message",
      R"({"broadcaster_user_id":"1x","broadcaster_user_login":"chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message_id":"x","message":{"text":"t"}})",
      m));
  EXPECT_FALSE (map_event ("channel.chat.message",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message_id":"x;y","message":{"text":"t"}})",
      m));
  EXPECT_FALSE (map_event ("channel.follow",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"chan"})", m,
      &why));
  EXPECT_NE (why.find ("not a chat subscription type"), std::string::npos);
  EXPECT_FALSE (map_event ("channel.chat.notification",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message_id":"x","notice_type":"bad type;"})",
      m));
}

TEST (EventSubHostile, OutOfRangeNumbersAreLeftOut)
{
  ChatMessage m;
  ASSERT_TRUE (map_event ("channel.chat.message",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message_id":"x","message":{"text":"t"},"cheer":{"bits":1e300}})",
      m));
  EXPECT_EQ (m.bits, 0);
  ASSERT_TRUE (map_event ("channel.chat.message",
      R"({"broadcaster_user_id":"1","broadcaster_user_login":"chan",
          "chatter_user_id":"2","chatter_user_login":"bob",
          "message_id":"x","message":{"text":"t"},"cheer":{"bits":-5}})",
      m));
  EXPECT_EQ (m.bits, 0);
}

TEST (EventSubHostile, FramesBoundedInSizeAndDepth)
{
  EventSubFrame f;
  GError *err = nullptr;
  std::string deep (100, '[');
  EXPECT_FALSE (eventsub_frame_parse (deep, f, &err));
  ASSERT_NE (err, nullptr);
  g_clear_error (&err);
  std::string big = "{\"metadata\":{\"message_id\":\"x\",\"message_type\":"
                    "\"notification\"},\"payload\":{\"pad\":\""
                    + std::string (kEventSubMaxFrameBytes, 'a') + "\"}}";
  EXPECT_FALSE (eventsub_frame_parse (big, f, &err));
  g_clear_error (&err);
  EXPECT_FALSE (eventsub_frame_parse ("{\"payload\":{}}", f, &err));
  ASSERT_NE (err, nullptr);
  EXPECT_NE (std::string (err->message).find ("message_id"), std::string::npos);
  g_clear_error (&err);
  EXPECT_FALSE (eventsub_frame_parse ("not json", f, nullptr));
  EXPECT_EQ (eventsub_parse_timestamp ("yesterday"), -1);
  EventSubSessionInfo s;
  ASSERT_TRUE (eventsub_frame_parse (
      R"({"metadata":{"message_id":"m","message_type":"session_welcome"},
          "payload":{"session":{"id":"a b","keepalive_timeout_seconds":10}}})",
      f, nullptr));
  EXPECT_FALSE (eventsub_session_parse (f.payload, s, nullptr));
  /* Not JSON at all, or cut short. */
  EXPECT_FALSE (eventsub_frame_parse ("{\"metadata\":", f, nullptr));
}
