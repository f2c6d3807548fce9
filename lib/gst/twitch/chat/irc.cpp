/* IRCv3 line parser (see irc.h). Single pass, no copies, every index checked
 * against the end of the line. */
#include "config.h"

#include <gst/twitch/chat/irc.h>

#include <cstring>

namespace twitch
{

/* Spelled out rather than G_DEFINE_QUARK, whose stringified first argument
 * a formatter would space ("twitch - api - ..."). */
GQuark
chat_error_quark (void)
{
  static GQuark q = 0;
  if (G_UNLIKELY (q == 0))
    q = g_quark_from_static_string ("twitch-chat-error-quark");
  return q;
}

void
IrcMessage::clear ()
{
  tags.clear ();
  prefix = nick = user = host = command = std::string_view ();
  params.clear ();
  has_trailing = false;
}

std::optional<std::string_view>
IrcMessage::raw_tag (std::string_view key) const
{
  for (const auto &t : tags)
    if (t.key == key)
      return t.raw_value;
  return std::nullopt;
}

std::string
IrcMessage::tag (std::string_view key) const
{
  auto raw = raw_tag (key);
  if (!raw)
    return {};
  return irc_unescape_tag_value (*raw);
}

static bool
fail (GError **error, const char *what, size_t pos)
{
  g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
      "Malformed IRC line: %s (at byte %" G_GSIZE_FORMAT ")", what, pos);
  return false;
}

static inline bool
is_valid_key_char (char c)
{
  /* IRCv3: key = [ '+' ] [ vendor '/' ] key_name, key_name = 1*( ALPHA /
   * DIGIT / "-" ); vendor is a host name. Accept '.', '_' too (Twitch's tags
   * are all [a-z0-9-]). */
  return g_ascii_isalnum (c) || c == '-' || c == '/' || c == '.' || c == '_';
}

bool
irc_parse (std::string_view line, IrcMessage &msg, GError **error)
{
  msg.clear ();

  /* Tolerate the line terminator. */
  while (!line.empty () && (line.back () == '\n' || line.back () == '\r'))
    line.remove_suffix (1);
  if (line.empty ())
    return fail (error, "empty line", 0);
  if (line.size () > kIrcMaxLineLength)
    return fail (error, "line too long", kIrcMaxLineLength);
  if (memchr (line.data (), '\0', line.size ()))
    return fail (error, "NUL byte", line.find ('\0'));

  const char *const begin = line.data ();
  const char *const end = begin + line.size ();
  const char *p = begin;

  /* Tags. */
  if (*p == '@') {
    ++p;
    const char *tags_end = static_cast<const char *> (memchr (p, ' ', end - p));
    if (!tags_end)
      return fail (error, "tags without a command", p - begin);
    if (tags_end == p)
      return fail (error, "empty tags", p - begin);
    while (p < tags_end) {
      const char *semi
          = static_cast<const char *> (memchr (p, ';', tags_end - p));
      const char *item_end = semi ? semi : tags_end;
      if (item_end != p) {
        const char *eq
            = static_cast<const char *> (memchr (p, '=', item_end - p));
        const char *key_end = eq ? eq : item_end;
        const char *k = p;
        if (*k == '+')
          ++k;
        if (k == key_end)
          return fail (error, "empty tag key", p - begin);
        for (const char *c = k; c < key_end; ++c)
          if (!is_valid_key_char (*c))
            return fail (error, "bad character in tag key", c - begin);
        IrcTag tag;
        tag.key = std::string_view (p, key_end - p);
        if (eq)
          tag.raw_value = std::string_view (eq + 1, item_end - eq - 1);
        msg.tags.push_back (tag);
      }
      p = semi ? semi + 1 : tags_end;
    }
    p = tags_end;
    while (p < end && *p == ' ')
      ++p;
    if (p == end)
      return fail (error, "tags without a command", p - begin);
  }

  /* Prefix. */
  if (*p == ':') {
    ++p;
    const char *pe = static_cast<const char *> (memchr (p, ' ', end - p));
    if (!pe)
      return fail (error, "prefix without a command", p - begin);
    if (pe == p)
      return fail (error, "empty prefix", p - begin);
    msg.prefix = std::string_view (p, pe - p);
    const char *bang = static_cast<const char *> (memchr (p, '!', pe - p));
    const char *at = static_cast<const char *> (
        memchr (bang ? bang : p, '@', pe - (bang ? bang : p)));
    const char *nick_end = bang ? bang : (at ? at : pe);
    msg.nick = std::string_view (p, nick_end - p);
    if (bang)
      msg.user = std::string_view (bang + 1, (at ? at : pe) - bang - 1);
    if (at)
      msg.host = std::string_view (at + 1, pe - at - 1);
    p = pe;
    while (p < end && *p == ' ')
      ++p;
    if (p == end)
      return fail (error, "prefix without a command", p - begin);
  }

  /* Command: letters or a three-digit numeric. */
  const char *cmd = p;
  while (p < end && *p != ' ')
    ++p;
  msg.command = std::string_view (cmd, p - cmd);
  bool numeric = msg.command.size () == 3;
  bool alpha = true;
  for (char c : msg.command) {
    if (!g_ascii_isdigit (c))
      numeric = false;
    if (!g_ascii_isalpha (c))
      alpha = false;
  }
  if (msg.command.empty ())
    return fail (error, "no command", cmd - begin);
  if (!numeric && !alpha)
    return fail (error, "bad command", cmd - begin);

  /* Params. */
  while (p < end) {
    while (p < end && *p == ' ')
      ++p;
    if (p == end)
      break;
    if (*p == ':') {
      msg.params.emplace_back (p + 1, end - p - 1);
      msg.has_trailing = true;
      break;
    }
    const char *s = p;
    while (p < end && *p != ' ')
      ++p;
    msg.params.emplace_back (s, p - s);
  }
  return true;
}

void
irc_unescape_tag_value_into (std::string_view raw, std::string &out)
{
  const char *p = raw.data ();
  const char *end = p + raw.size ();
  while (p < end) {
    const char *bs = static_cast<const char *> (memchr (p, '\\', end - p));
    if (!bs) {
      out.append (p, end - p);
      return;
    }
    out.append (p, bs - p);
    p = bs + 1;
    if (p == end)
      return; /* a lone trailing backslash is dropped */
    switch (*p) {
      case 's':
        out.push_back (' ');
        break;
      case ':':
        out.push_back (';');
        break;
      case '\\':
        out.push_back ('\\');
        break;
      case 'r':
        out.push_back ('\r');
        break;
      case 'n':
        out.push_back ('\n');
        break;
      default:
        out.push_back (*p);
        break;
    }
    ++p;
  }
}

std::string
irc_unescape_tag_value (std::string_view raw)
{
  std::string out;
  out.reserve (raw.size ());
  irc_unescape_tag_value_into (raw, out);
  return out;
}

std::string
irc_escape_tag_value (std::string_view value)
{
  std::string out;
  out.reserve (value.size () + 8);
  for (char c : value) {
    switch (c) {
      case ' ':
        out += "\\s";
        break;
      case ';':
        out += "\\:";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back (c);
        break;
    }
  }
  return out;
}

bool
irc_text_is_safe (std::string_view s)
{
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0')
      return false;
  return true;
}

} // namespace twitch
