/* Twitch's chat messages, typed (PRIVMSG, USERNOTICE, CLEARCHAT, CLEARMSG,
 * ROOMSTATE, USERSTATE, GLOBALUSERSTATE, NOTICE, WHISPER, RECONNECT, PING,
 * JOIN, PART, ...), built from a parsed IRC line, and their JSON form (the
 * application/x-twitch-chat recording format, docs/chat.md). */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/chat/irc.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace twitch
{

enum class ChatKind {
  UNKNOWN = 0,
  PRIVMSG,
  USERNOTICE,
  CLEARCHAT,
  CLEARMSG,
  ROOMSTATE,
  USERSTATE,
  GLOBALUSERSTATE,
  NOTICE,
  WHISPER,
  RECONNECT,
  PING,
  PONG,
  JOIN,
  PART,
  CAP,
  HOSTTARGET,
  NUMERIC,
};

/* "PRIVMSG", ... ("UNKNOWN" for UNKNOWN). */
GST_TWITCH_API const char *chat_kind_name (ChatKind kind);
GST_TWITCH_API ChatKind chat_kind_from_command (std::string_view command);

/* Where a message came from: Twitch's IRC (TMI) or EventSub (the
 * channel.chat.* events mapped into this model, chat/eventsub-map.h). */
enum class ChatTransport {
  IRC = 0,
  EVENTSUB,
};

/* "irc", "eventsub". */
GST_TWITCH_API const char *chat_transport_name (ChatTransport t);

struct ChatBadge {
  std::string name;    /* "subscriber" */
  std::string version; /* "12" */
};

/* One occurrence of an emote in the text. Twitch counts in Unicode code
 * points (an emoji before the emote counts as one); start/end are those
 * code-point indices (end inclusive), byte_start/byte_end (end exclusive)
 * the same range as UTF-8 byte offsets into ChatMessage::text. */
struct ChatEmote {
  std::string id;
  int start = 0;
  int end = 0;
  size_t byte_start = 0;
  size_t byte_end = 0;
};

struct ChatReply {
  std::string parent_msg_id;
  std::string parent_user_id;
  std::string parent_user_login;
  std::string parent_display_name;
  std::string parent_msg_body;
  std::string thread_parent_msg_id;
  std::string thread_parent_user_login;
  bool present () const { return !parent_msg_id.empty (); }
};

struct GST_TWITCH_API ChatMessage {
  ChatKind kind = ChatKind::UNKNOWN;
  /* The IRC command as received ("PRIVMSG", "001", ...). */
  std::string command;
  /* Without '#'; empty for messages that have none (PING, GLOBALUSERSTATE,
   * WHISPER). */
  std::string channel;
  /* Sender's login (PRIVMSG, USERNOTICE, WHISPER, JOIN, PART), the target of
   * a CLEARCHAT or CLEARMSG. */
  std::string login;
  std::string display_name;
  /* The message body; for /me, without the "\x01ACTION " wrapper. NOTICE:
   * the notice text; PING: the token to echo. */
  std::string text;
  bool action = false;

  /* Every tag, unescaped, in wire order. */
  std::vector<std::pair<std::string, std::string>> tags;

  /* Typed tags (empty / -1 / false when absent). */
  std::string id; /* `id` (PRIVMSG, USERNOTICE) or `message-id` (WHISPER) */
  std::string user_id; /* `user-id` */
  std::string room_id; /* `room-id` */
  std::string color;   /* "#1E90FF" or "" */
  std::string user_type;
  std::vector<ChatBadge> badges;
  std::vector<ChatBadge> badge_info;
  std::vector<ChatEmote> emotes;
  int64_t bits = 0;
  bool first_msg = false;
  bool returning_chatter = false;
  bool mod = false;
  bool subscriber = false;
  bool vip = false;
  bool turbo = false;
  int64_t tmi_sent_ts = -1; /* ms since the epoch */
  ChatReply reply;
  /* USERNOTICE / NOTICE `msg-id` ("sub", "raid", "msg_ratelimit", ...). */
  std::string msg_id;
  /* USERNOTICE `system-msg`. */
  std::string system_msg;
  /* CLEARCHAT: `target-user-id`, `ban-duration` (s, -1 permanent or none). */
  std::string target_user_id;
  int64_t ban_duration = -1;
  /* CLEARMSG: `target-msg-id`. */
  std::string target_msg_id;
  /* ROOMSTATE (absent fields are nullopt: a partial update). */
  std::optional<int64_t> emote_only, followers_only, r9k, slow, subs_only;
  /* WHISPER: recipient login; `thread-id`. */
  std::string recipient;
  std::string thread_id;
  /* USERSTATE/GLOBALUSERSTATE `emote-sets`. */
  std::string emote_sets;

  ChatTransport transport = ChatTransport::IRC;
  /* Local arrival, ms since the epoch (set by the connection). */
  int64_t arrival_ms = 0;
  /* The raw line. */
  std::string raw;

  /* The parser's memory of a reused message (chat_message_from_irc): the
   * key last seen at each place of the tag list and its typed field, so
   * the next line's same key is compared, not looked up. Not data. */
  struct PlacedKey {
    std::string key;
    int field = 0;
  };
  std::vector<PlacedKey> placed_keys;
  std::vector<int> tag_fields;

  /* Unescaped value of tag @key, "" when absent. */
  const std::string &tag (std::string_view key) const;
  bool has_tag (std::string_view key) const;
  int64_t tag_int (std::string_view key, int64_t fallback = 0) const;
  bool has_badge (std::string_view name) const;
  /* Moderator or broadcaster in the channel (USERSTATE/PRIVMSG). */
  bool is_moderator () const;
  /* tmi-sent-ts when present, else arrival. */
  int64_t timestamp_ms () const
  {
    return tmi_sent_ts >= 0 ? tmi_sent_ts : arrival_ms;
  }
};

/* Typed message from a parsed line. Unknown commands give kind UNKNOWN and
 * true; a known command missing what it needs gives false and
 * TWITCH_CHAT_ERROR_INVALID. Emote ranges outside the text are skipped. */
GST_TWITCH_API bool chat_message_from_irc (
    const IrcMessage &irc, ChatMessage &out, GError **error = nullptr);
/* irc_parse() then chat_message_from_irc(); keeps @line in out.raw. */
GST_TWITCH_API bool chat_message_parse (
    std::string_view line, ChatMessage &out, GError **error = nullptr);

/* `badges`/`badge-info`: "subscriber/12,premium/1". */
GST_TWITCH_API std::vector<ChatBadge> chat_parse_badges (std::string_view v);
/* `emotes`: "25:0-4,12-16/1902:6-10" against @text (code points). Ranges
 * that are malformed or outside the text are skipped. Sorted by start. */
GST_TWITCH_API std::vector<ChatEmote> chat_parse_emotes (
    std::string_view v, std::string_view text);

/* The application/x-twitch-chat object of @msg (one line, no newline):
 * command, channel, login, display-name, text, action, timestamp, pts,
 * tags, plus the typed fields (docs/chat.md). @pts: running time in ns, or
 * -1 to leave it out. */
GST_TWITCH_API std::string chat_message_to_json (
    const ChatMessage &msg, int64_t pts);
/* Back from a recorded line: rebuilds the typed fields from "tags".
 * @pts gets "pts" (-1 when absent). */
GST_TWITCH_API bool chat_message_from_json (std::string_view line,
    ChatMessage &out, int64_t *pts, GError **error = nullptr);

/* Renders a text template: {display_name} {login} {channel} {message}
 * (or {text}) {command} {color} {id} {msg_id} {system_msg} {bits}, and
 * {tag:NAME} for any tag (NAME as Twitch spells it). "{{" and "}}" are
 * literal braces; unknown fields render empty. {display_name} falls back
 * to the login. The kebab-case keys of earlier releases ({display-name},
 * {msg-id}, {system-msg}) are aliases. */
GST_TWITCH_API std::string chat_format (
    std::string_view tmpl, const ChatMessage &msg);
/* chat_format() appending to @out (whose storage the caller reuses). */
GST_TWITCH_API void chat_format_append (
    std::string &out, std::string_view tmpl, const ChatMessage &msg);

/* Number of Unicode code points in valid UTF-8 @s (invalid bytes count one
 * each). */
GST_TWITCH_API size_t utf8_code_points (std::string_view s);

} // namespace twitch
