/* IRCv3 line parser for Twitch's dialect of IRC (TMI).
 *
 * A line is `[@tags ][:prefix ]COMMAND[ params][ :trailing]` without its
 * CR LF. The parser does not copy: every field of IrcMessage is a view into
 * the line, which must outlive the message. Tag values are kept escaped
 * (`\s \: \\ \r \n`); irc_unescape_tag_value() or IrcMessage::tag() give the
 * text. Malformed input yields false and an error, never a crash or a read
 * outside the line. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twitch
{

/* Error domain of the chat library (parse and connection errors). */
#define TWITCH_CHAT_ERROR (twitch::chat_error_quark ())
GST_TWITCH_API GQuark chat_error_quark ();

enum ChatError {
  /* A line that is not IRC (empty, no command, bad tags, NUL byte, ...). */
  TWITCH_CHAT_ERROR_PARSE = 1,
  /* A well-formed line of a known command that lacks what Twitch always
   * sends (e.g. PRIVMSG without a channel or text, emote range out of text). */
  TWITCH_CHAT_ERROR_INVALID,
  /* Twitch refused the login (NOTICE "Login authentication failed" or
   * "Improperly formatted auth"). Fatal: never retried. */
  TWITCH_CHAT_ERROR_LOGIN,
  /* Could not connect, TLS failed, the socket dropped. */
  TWITCH_CHAT_ERROR_CONNECTION,
  /* A join that Twitch never confirmed with ROOMSTATE. */
  TWITCH_CHAT_ERROR_JOIN_TIMEOUT,
  /* Bad settings (no channel, bad server URI, sending without a token, a
   * name or token that is not valid). */
  TWITCH_CHAT_ERROR_SETTINGS,
  /* The server's TLS certificate was rejected. Fatal: never retried. */
  TWITCH_CHAT_ERROR_CERTIFICATE,
  /* The server asked the client to reconnect (RECONNECT): not a failure. */
  TWITCH_CHAT_ERROR_RECONNECT_REQUESTED,
};

/* Lines longer than this are refused (Twitch's own limit is 8 KiB of tags
 * plus 512 bytes of message; this leaves room). */
inline constexpr size_t kIrcMaxLineLength = 64 * 1024;

struct IrcTag {
  std::string_view key;
  /* Escaped as on the wire; empty for `key` and `key=`. */
  std::string_view raw_value;
};

struct GST_TWITCH_API IrcMessage {
  std::vector<IrcTag> tags;
  /* Whole prefix without the ':' and its parts; nick is the whole prefix
   * when it has no '!' or '@' (a server name). */
  std::string_view prefix;
  std::string_view nick;
  std::string_view user;
  std::string_view host;
  std::string_view command;
  /* Middle params then the trailing one (without its ':'). */
  std::vector<std::string_view> params;
  /* True when the last param was given as `:trailing`. */
  bool has_trailing = false;

  void clear ();
  /* The raw (escaped) value of tag @key, or nullopt when absent. */
  std::optional<std::string_view> raw_tag (std::string_view key) const;
  /* The unescaped value of tag @key ("" when absent). */
  std::string tag (std::string_view key) const;
  bool has_tag (std::string_view key) const
  {
    return raw_tag (key).has_value ();
  }
  /* Params[i] or "" */
  std::string_view param (size_t i) const
  {
    return i < params.size () ? params[i] : std::string_view ();
  }
};

/* Parses @line (without CR LF; a trailing CR or LF is tolerated) into @msg,
 * which is cleared first and whose vectors are reused (no allocation once
 * they are large enough). Returns false and sets @error
 * (TWITCH_CHAT_ERROR_PARSE) on a malformed line. */
GST_TWITCH_API bool irc_parse (
    std::string_view line, IrcMessage &msg, GError **error = nullptr);

/* `\s` -> ' ', `\:` -> ';', `\\` -> '\', `\r` -> CR, `\n` -> LF, a lone
 * trailing '\' dropped, `\x` -> 'x' (IRCv3 message-tags). */
GST_TWITCH_API std::string irc_unescape_tag_value (std::string_view raw);
/* Appends the unescaped @raw to @out (no allocation when @out has room). */
GST_TWITCH_API void irc_unescape_tag_value_into (
    std::string_view raw, std::string &out);
/* The reverse, for client tags (`+reply`, `reply-parent-msg-id`). */
GST_TWITCH_API std::string irc_escape_tag_value (std::string_view value);

/* True when @s may be sent as one IRC param/trailing: no CR, LF or NUL. */
GST_TWITCH_API bool irc_text_is_safe (std::string_view s);

} // namespace twitch
