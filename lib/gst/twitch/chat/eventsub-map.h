/* EventSub's chat events (channel.chat.message, channel.chat.notification,
 * channel.chat.clear, channel.chat.clear_user_messages,
 * channel.chat.message_delete) in the chat model of IRC, so that text,
 * JSON, custom events and bus messages are the same whatever the
 * transport. One way: an event becomes the tags Twitch's IRC would have
 * sent for it, and the IRC model is built from them by the IRC parser
 * (chat_message_from_irc), so every typed field is derived in one place.
 *
 * Pure functions on Twitch's documented JSON shapes
 * (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/);
 * every value is checked where it is read. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/chat/message.h>

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace twitch
{

/* The five chat subscription types, in the order subscribed. */
inline constexpr const char *kEventSubChatTypes[] = {
    "channel.chat.message",
    "channel.chat.notification",
    "channel.chat.clear",
    "channel.chat.clear_user_messages",
    "channel.chat.message_delete",
};

/* Largest EventSub frame read: Twitch's chat notifications are a few KB
 * (a 500-character message with its fragments and a reply parent). */
inline constexpr size_t kEventSubMaxFrameBytes = 256 * 1024;
/* Twitch's documents nest 5 levels; fragments 6. */
inline constexpr size_t kEventSubMaxDepth = 16;

/* One frame of the EventSub WebSocket: its metadata and payload. Parsed
 * with simdjson (json-glib's GObject tree cost ~200 us a chat frame, 10x
 * the rest of the path); reuse one frame to reuse the parser's buffers. */
struct GST_TWITCH_API EventSubFrame {
  std::string message_id;
  std::string message_type;      /* session_welcome, notification, ... */
  int64_t timestamp_ms = -1;     /* metadata.message_timestamp */
  std::string subscription_type; /* notifications and revocations */
  /* Valid until the next parse with this frame. */
  simdjson::dom::object payload;
  bool has_payload = false;
  simdjson::dom::parser parser;

  EventSubFrame () : parser (kEventSubMaxFrameBytes) {}
  EventSubFrame (const EventSubFrame &) = delete;
  EventSubFrame &operator= (const EventSubFrame &) = delete;
  /* payload.event, when it is an object. */
  bool event (simdjson::dom::object &out) const;
};

/* Parses one frame (bounded: kEventSubMaxFrameBytes, kEventSubMaxDepth).
 * False with TWITCH_CHAT_ERROR_PARSE when it is not JSON or lacks
 * metadata.message_id / message_type or payload. */
GST_TWITCH_API bool eventsub_frame_parse (
    std::string_view text, EventSubFrame &out, GError **error);

/* The session of a session_welcome / session_reconnect payload. */
struct EventSubSessionInfo {
  std::string id;
  std::string status;
  int keepalive_timeout_s = 0; /* 0 when absent (reconnect) */
  std::string reconnect_url;
};
GST_TWITCH_API bool eventsub_session_parse (
    const simdjson::dom::object &payload, EventSubSessionInfo &out,
    GError **error);

/* RFC 3339 (Twitch: "2023-07-19T14:56:51.634234626Z") to ms since the
 * epoch; -1 when it is not one. */
GST_TWITCH_API int64_t eventsub_parse_timestamp (std::string_view s);

/* The IRC line Twitch's IRC would have sent for @event of subscription
 * @type at @timestamp_ms (tmi-sent-ts; -1 leaves it out): tags in Twitch's
 * order (alphabetical), escaped; the text of the line is @text_out's
 * (returned apart: an EventSub text may hold what one IRC line cannot).
 * False with TWITCH_CHAT_ERROR_INVALID naming what is missing or bad. */
GST_TWITCH_API bool eventsub_event_to_irc (std::string_view type,
    const simdjson::dom::object &event, int64_t timestamp_ms, std::string &line,
    std::string &text_out, GError **error);

/* eventsub_event_to_irc() then the IRC model: @out is what IRC gives for
 * the same chat event, with transport EVENTSUB. */
GST_TWITCH_API bool eventsub_event_to_chat (std::string_view type,
    const simdjson::dom::object &event, int64_t timestamp_ms, ChatMessage &out,
    GError **error);
/* The same from an event object's JSON text (bounded as a frame). */
GST_TWITCH_API bool eventsub_event_json_to_chat (std::string_view type,
    std::string_view event_json, int64_t timestamp_ms, ChatMessage &out,
    GError **error);

/* USERNOTICE msg-id of a channel.chat.notification notice_type ("sub_gift"
 * -> "subgift", ...); the notice type itself when IRC has no name for it. */
GST_TWITCH_API std::string eventsub_notice_msg_id (std::string_view type);

} // namespace twitch
