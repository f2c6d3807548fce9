/* Twitch message model (see message.h). */
#include "config.h"

#include <gst/twitch/chat/message.h>

#include "chat-private.h"

#include <gst/twitch/common/json-write.h>
#include <gst/twitch/common/json.h>

#include <json-glib/json-glib.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace twitch
{

GstDebugCategory *
chat_debug_category ()
{
  static GstDebugCategory *cat = nullptr;
  static gsize once = 0;
  if (g_once_init_enter (&once)) {
    cat = _gst_debug_category_new ("twitchchat", 0, "Twitch chat client");
    g_once_init_leave (&once, 1);
  }
  return cat;
}

static const struct {
  ChatKind kind;
  const char *name;
} kKindNames[] = {
    {ChatKind::PRIVMSG, "PRIVMSG"},
    {ChatKind::USERNOTICE, "USERNOTICE"},
    {ChatKind::CLEARCHAT, "CLEARCHAT"},
    {ChatKind::CLEARMSG, "CLEARMSG"},
    {ChatKind::ROOMSTATE, "ROOMSTATE"},
    {ChatKind::USERSTATE, "USERSTATE"},
    {ChatKind::GLOBALUSERSTATE, "GLOBALUSERSTATE"},
    {ChatKind::NOTICE, "NOTICE"},
    {ChatKind::WHISPER, "WHISPER"},
    {ChatKind::RECONNECT, "RECONNECT"},
    {ChatKind::PING, "PING"},
    {ChatKind::PONG, "PONG"},
    {ChatKind::JOIN, "JOIN"},
    {ChatKind::PART, "PART"},
    {ChatKind::CAP, "CAP"},
    {ChatKind::HOSTTARGET, "HOSTTARGET"},
};

const char *
chat_kind_name (ChatKind kind)
{
  if (kind == ChatKind::NUMERIC)
    return "NUMERIC";
  for (const auto &k : kKindNames)
    if (k.kind == kind)
      return k.name;
  return "UNKNOWN";
}

ChatKind
chat_kind_from_command (std::string_view command)
{
  for (const auto &k : kKindNames)
    if (command == k.name)
      return k.kind;
  if (command.size () == 3 && g_ascii_isdigit (command[0])
      && g_ascii_isdigit (command[1]) && g_ascii_isdigit (command[2]))
    return ChatKind::NUMERIC;
  return ChatKind::UNKNOWN;
}

const std::string &
ChatMessage::tag (std::string_view key) const
{
  static const std::string empty;
  for (const auto &t : tags)
    if (t.first == key)
      return t.second;
  return empty;
}

bool
ChatMessage::has_tag (std::string_view key) const
{
  for (const auto &t : tags)
    if (t.first == key)
      return true;
  return false;
}

static bool
parse_int (std::string_view s, int64_t *out)
{
  if (s.empty () || s.size () > 20)
    return false;
  /* Twitch's numbers: [-]digits, at most 18 of them (no overflow). Anything
   * else takes g_ascii_strtoll's road, as before. */
  size_t i = s[0] == '-' ? 1 : 0;
  if (i < s.size () && s.size () - i <= 18) {
    int64_t v = 0;
    size_t j = i;
    for (; j < s.size () && g_ascii_isdigit (s[j]); ++j)
      v = v * 10 + (s[j] - '0');
    if (j == s.size ()) {
      *out = i ? -v : v;
      return true;
    }
  }
  char buf[24];
  memcpy (buf, s.data (), s.size ());
  buf[s.size ()] = '\0';
  char *end = nullptr;
  gint64 v = g_ascii_strtoll (buf, &end, 10);
  if (end != buf + s.size ())
    return false;
  *out = v;
  return true;
}

int64_t
ChatMessage::tag_int (std::string_view key, int64_t fallback) const
{
  int64_t v;
  if (!has_tag (key) || !parse_int (tag (key), &v))
    return fallback;
  return v;
}

bool
ChatMessage::has_badge (std::string_view name) const
{
  for (const auto &b : badges)
    if (b.name == name)
      return true;
  return false;
}

bool
ChatMessage::is_moderator () const
{
  return mod || has_badge ("moderator") || has_badge ("broadcaster")
         || user_type == "mod";
}

size_t
utf8_code_points (std::string_view s)
{
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

/* Parses into @out, reusing its elements' storage (hot path). */
static void
parse_badges_into (std::string_view v, std::vector<ChatBadge> &out)
{
  size_t n = 0;
  while (!v.empty ()) {
    size_t comma = v.find (',');
    std::string_view item = v.substr (0, comma);
    if (!item.empty ()) {
      size_t slash = item.find ('/');
      std::string_view name = item.substr (0, slash);
      if (!name.empty ()) {
        if (n == out.size ())
          out.emplace_back ();
        out[n].name.assign (name);
        if (slash != std::string_view::npos)
          out[n].version.assign (item.substr (slash + 1));
        else
          out[n].version.clear ();
        ++n;
      }
    }
    if (comma == std::string_view::npos)
      break;
    v.remove_prefix (comma + 1);
  }
  out.resize (n);
}

std::vector<ChatBadge>
chat_parse_badges (std::string_view v)
{
  std::vector<ChatBadge> out;
  parse_badges_into (v, out);
  return out;
}

/* Into @out, reusing its elements' storage (hot path). */
static void
parse_emotes_into (
    std::string_view v, std::string_view text, std::vector<ChatEmote> &out)
{
  size_t n = 0;
  if (v.empty ()) {
    out.clear ();
    return;
  }
  /* Byte offset of every code point, and one past the end. */
  thread_local std::vector<size_t> cp_offsets_tls;
  std::vector<size_t> &cp_offsets = cp_offsets_tls;
  cp_offsets.clear ();
  cp_offsets.reserve (text.size () + 1);
  for (size_t i = 0; i < text.size (); ++i)
    if ((static_cast<unsigned char> (text[i]) & 0xC0) != 0x80)
      cp_offsets.push_back (i);
  const int n_cp = static_cast<int> (cp_offsets.size ());
  cp_offsets.push_back (text.size ());

  while (!v.empty ()) {
    size_t slash = v.find ('/');
    std::string_view item = v.substr (0, slash);
    size_t colon = item.find (':');
    if (colon != std::string_view::npos && colon > 0) {
      std::string_view id = item.substr (0, colon);
      std::string_view ranges = item.substr (colon + 1);
      while (!ranges.empty ()) {
        size_t comma = ranges.find (',');
        std::string_view r = ranges.substr (0, comma);
        size_t dash = r.find ('-');
        int64_t a, b;
        if (dash != std::string_view::npos && parse_int (r.substr (0, dash), &a)
            && parse_int (r.substr (dash + 1), &b) && a >= 0 && b >= a
            && b < n_cp) {
          if (n == out.size ())
            out.emplace_back ();
          ChatEmote &e = out[n++];
          e.id.assign (id);
          e.start = static_cast<int> (a);
          e.end = static_cast<int> (b);
          e.byte_start = cp_offsets[a];
          e.byte_end = cp_offsets[b + 1];
        } else {
          GST_DEBUG ("skipping emote range '%.*s' of emote %.*s (text has %d "
                     "code points)",
              (int)r.size (), r.data (), (int)id.size (), id.data (), n_cp);
        }
        if (comma == std::string_view::npos)
          break;
        ranges.remove_prefix (comma + 1);
      }
    }
    if (slash == std::string_view::npos)
      break;
    v.remove_prefix (slash + 1);
  }
  out.resize (n);
  std::sort (
      out.begin (), out.end (), [] (const ChatEmote &x, const ChatEmote &y) {
        return x.start < y.start;
      });
}

std::vector<ChatEmote>
chat_parse_emotes (std::string_view v, std::string_view text)
{
  std::vector<ChatEmote> out;
  parse_emotes_into (v, text, out);
  return out;
}

static std::string_view
strip_hash (std::string_view c)
{
  if (!c.empty () && c[0] == '#')
    c.remove_prefix (1);
  return c;
}

enum TagField {
  F_ID = 1,
  F_MESSAGE_ID,
  F_USER_ID,
  F_ROOM_ID,
  F_COLOR,
  F_USER_TYPE,
  F_DISPLAY_NAME,
  F_BADGES,
  F_BADGE_INFO,
  F_EMOTES,
  F_BITS,
  F_FIRST_MSG,
  F_RETURNING,
  F_MOD,
  F_SUBSCRIBER,
  F_VIP,
  F_TURBO,
  F_TMI_SENT_TS,
  F_R_MSG_ID,
  F_R_USER_ID,
  F_R_USER_LOGIN,
  F_R_DISPLAY_NAME,
  F_R_BODY,
  F_R_THREAD_ID,
  F_R_THREAD_LOGIN,
  F_MSG_ID,
  F_SYSTEM_MSG,
  F_TARGET_USER,
  F_BAN_DURATION,
  F_TARGET_MSG,
  F_EMOTE_ONLY,
  F_FOLLOWERS_ONLY,
  F_R9K,
  F_SLOW,
  F_SUBS_ONLY,
  F_THREAD_ID,
  F_EMOTE_SETS,
  F_LOGIN,
};

/* Tag keys are short ASCII words from a small set: length and three bytes
 * tell them apart well enough for a hash, far cheaper than hashing all of
 * them. */
struct KeyHash {
  size_t operator() (std::string_view k) const
  {
    if (k.empty ())
      return 0;
    return k.size () * 2654435761u ^ (size_t)(unsigned char)k[0] << 8
           ^ (size_t)(unsigned char)k[k.size () / 2] << 16
           ^ (size_t)(unsigned char)k.back () << 24;
  }
};

static int
tag_field (const std::string &key)
{
  static const std::unordered_map<std::string_view, int, KeyHash> fields = {
      {"id", F_ID},
      {"message-id", F_MESSAGE_ID},
      {"user-id", F_USER_ID},
      {"room-id", F_ROOM_ID},
      {"color", F_COLOR},
      {"user-type", F_USER_TYPE},
      {"display-name", F_DISPLAY_NAME},
      {"badges", F_BADGES},
      {"badge-info", F_BADGE_INFO},
      {"emotes", F_EMOTES},
      {"bits", F_BITS},
      {"first-msg", F_FIRST_MSG},
      {"returning-chatter", F_RETURNING},
      {"mod", F_MOD},
      {"subscriber", F_SUBSCRIBER},
      {"vip", F_VIP},
      {"turbo", F_TURBO},
      {"tmi-sent-ts", F_TMI_SENT_TS},
      {"reply-parent-msg-id", F_R_MSG_ID},
      {"reply-parent-user-id", F_R_USER_ID},
      {"reply-parent-user-login", F_R_USER_LOGIN},
      {"reply-parent-display-name", F_R_DISPLAY_NAME},
      {"reply-parent-msg-body", F_R_BODY},
      {"reply-thread-parent-msg-id", F_R_THREAD_ID},
      {"reply-thread-parent-user-login", F_R_THREAD_LOGIN},
      {"msg-id", F_MSG_ID},
      {"system-msg", F_SYSTEM_MSG},
      {"target-user-id", F_TARGET_USER},
      {"ban-duration", F_BAN_DURATION},
      {"target-msg-id", F_TARGET_MSG},
      {"emote-only", F_EMOTE_ONLY},
      {"followers-only", F_FOLLOWERS_ONLY},
      {"r9k", F_R9K},
      {"slow", F_SLOW},
      {"subs-only", F_SUBS_ONLY},
      {"thread-id", F_THREAD_ID},
      {"emote-sets", F_EMOTE_SETS},
      {"login", F_LOGIN},
  };
  auto it = fields.find (key);
  return it == fields.end () ? 0 : it->second;
}

/* Typed fields from the tags, in one pass. @fields: tag_field() of each
 * tag when the caller knows them, else nullptr. */
static void
derive_typed (ChatMessage &m, const int *fields = nullptr)
{
  int64_t v;
  bool has_vip = false;
  bool has_badges = false, has_badge_info = false;
  const std::string *emotes = nullptr;
  const std::string *login = nullptr;
  const std::string *message_id = nullptr;
  auto opt = [&v] (const std::string &s) -> std::optional<int64_t> {
    if (parse_int (s, &v))
      return v;
    return std::nullopt;
  };
  for (size_t i = 0; i < m.tags.size (); ++i) {
    const auto &t = m.tags[i];
    const std::string &val = t.second;
    switch (fields ? fields[i] : tag_field (t.first)) {
      case F_ID:
        m.id = val;
        break;
      case F_MESSAGE_ID:
        message_id = &val;
        break;
      case F_USER_ID:
        m.user_id = val;
        break;
      case F_ROOM_ID:
        m.room_id = val;
        break;
      case F_COLOR:
        m.color = val;
        break;
      case F_USER_TYPE:
        m.user_type = val;
        break;
      case F_DISPLAY_NAME:
        m.display_name = val;
        break;
      case F_BADGES:
        parse_badges_into (val, m.badges);
        has_badges = true;
        break;
      case F_BADGE_INFO:
        parse_badges_into (val, m.badge_info);
        has_badge_info = true;
        break;
      case F_EMOTES:
        emotes = &val;
        break;
      case F_BITS:
        m.bits = parse_int (val, &v) ? v : 0;
        break;
      case F_FIRST_MSG:
        m.first_msg = val == "1";
        break;
      case F_RETURNING:
        m.returning_chatter = val == "1";
        break;
      case F_MOD:
        m.mod = val == "1";
        break;
      case F_SUBSCRIBER:
        m.subscriber = val == "1";
        break;
      case F_VIP:
        has_vip = true;
        m.vip = val != "0";
        break;
      case F_TURBO:
        m.turbo = val == "1";
        break;
      case F_TMI_SENT_TS:
        m.tmi_sent_ts = parse_int (val, &v) ? v : -1;
        break;
      case F_R_MSG_ID:
        m.reply.parent_msg_id = val;
        break;
      case F_R_USER_ID:
        m.reply.parent_user_id = val;
        break;
      case F_R_USER_LOGIN:
        m.reply.parent_user_login = val;
        break;
      case F_R_DISPLAY_NAME:
        m.reply.parent_display_name = val;
        break;
      case F_R_BODY:
        m.reply.parent_msg_body = val;
        break;
      case F_R_THREAD_ID:
        m.reply.thread_parent_msg_id = val;
        break;
      case F_R_THREAD_LOGIN:
        m.reply.thread_parent_user_login = val;
        break;
      case F_MSG_ID:
        m.msg_id = val;
        break;
      case F_SYSTEM_MSG:
        m.system_msg = val;
        break;
      case F_TARGET_USER:
        m.target_user_id = val;
        break;
      case F_BAN_DURATION:
        m.ban_duration = parse_int (val, &v) ? v : -1;
        break;
      case F_TARGET_MSG:
        m.target_msg_id = val;
        break;
      case F_EMOTE_ONLY:
        m.emote_only = opt (val);
        break;
      case F_FOLLOWERS_ONLY:
        m.followers_only = opt (val);
        break;
      case F_R9K:
        m.r9k = opt (val);
        break;
      case F_SLOW:
        m.slow = opt (val);
        break;
      case F_SUBS_ONLY:
        m.subs_only = opt (val);
        break;
      case F_THREAD_ID:
        m.thread_id = val;
        break;
      case F_EMOTE_SETS:
        m.emote_sets = val;
        break;
      case F_LOGIN:
        login = &val;
        break;
      default:
        break;
    }
  }
  if (!has_badges)
    m.badges.clear ();
  if (!has_badge_info)
    m.badge_info.clear ();
  if (m.kind == ChatKind::WHISPER && m.id.empty () && message_id)
    m.id = *message_id;
  if (!has_vip)
    m.vip = m.has_badge ("vip");
  if (emotes)
    parse_emotes_into (*emotes, m.text, m.emotes);
  if ((m.kind == ChatKind::USERNOTICE || m.kind == ChatKind::CLEARMSG)
      && m.login.empty () && login)
    m.login = *login;
}

static bool
invalid (GError **error, const IrcMessage &irc, const char *what)
{
  g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_INVALID,
      "%.*s message %s", (int)irc.command.size (), irc.command.data (), what);
  return false;
}

/* Empties @m but keeps its strings' storage: the streaming thread parses
 * every chat line into the same message, so steady state allocates
 * (almost) nothing. */
static void
reset (ChatMessage &m)
{
  m.kind = ChatKind::UNKNOWN;
  for (std::string *str : {&m.command, &m.channel, &m.login, &m.display_name,
           &m.text, &m.id, &m.user_id, &m.room_id, &m.color, &m.user_type,
           &m.reply.parent_msg_id, &m.reply.parent_user_id,
           &m.reply.parent_user_login, &m.reply.parent_display_name,
           &m.reply.parent_msg_body, &m.reply.thread_parent_msg_id,
           &m.reply.thread_parent_user_login, &m.msg_id, &m.system_msg,
           &m.target_user_id, &m.target_msg_id, &m.recipient, &m.thread_id,
           &m.emote_sets, &m.raw})
    str->clear ();
  m.action = m.first_msg = m.returning_chatter = m.mod = m.subscriber = m.vip
      = m.turbo = false;
  m.bits = 0;
  m.tmi_sent_ts = -1;
  m.ban_duration = -1;
  m.emote_only = m.followers_only = m.r9k = m.slow = m.subs_only = std::nullopt;
  m.emotes.clear ();
  m.transport = ChatTransport::IRC;
  m.arrival_ms = 0;
}

bool
chat_message_from_irc (const IrcMessage &irc, ChatMessage &m, GError **error)
{
  reset (m);
  m.command.assign (irc.command);
  m.kind = chat_kind_from_command (irc.command);
  /* Tags into the existing elements (their storage is reused). Twitch
   * sends the same keys in the same order line after line, so a key is
   * compared with the one at its place before being copied or looked up:
   * the typed field of the key at each place is remembered per thread. */
  /* In the message itself, not thread_local: in a shared library every
   * access to one is a call. */
  std::vector<ChatMessage::PlacedKey> &placed = m.placed_keys;
  std::vector<int> &fields = m.tag_fields;
  size_t n = 0;
  guint64 seen = 0; /* one bit per (length, first byte) class of key */
  for (const auto &t : irc.tags) {
    /* A repeated key: the last value wins (IRCv3 message-tags). Keys are
     * never empty (irc_parse refuses them). */
    guint64 bit = G_GUINT64_CONSTANT (1)
                  << ((t.key.size () * 7 + (unsigned char)t.key[0]) & 63);
    std::string *dest = nullptr;
    if (seen & bit) {
      for (size_t i = 0; i < n; ++i) {
        if (m.tags[i].first.size () == t.key.size ()
            && m.tags[i].first == t.key) {
          dest = &m.tags[i].second;
          break;
        }
      }
    }
    seen |= bit;
    if (!dest) {
      if (n == m.tags.size ())
        m.tags.emplace_back ();
      if (m.tags[n].first != t.key)
        m.tags[n].first.assign (t.key);
      if (n == placed.size ())
        placed.emplace_back ();
      if (placed[n].key != t.key) {
        placed[n].key.assign (t.key);
        placed[n].field = tag_field (placed[n].key);
      }
      if (n == fields.size ())
        fields.push_back (0);
      fields[n] = placed[n].field;
      dest = &m.tags[n].second;
      ++n;
    }
    dest->clear ();
    irc_unescape_tag_value_into (t.raw_value, *dest);
  }
  m.tags.resize (n);

  switch (m.kind) {
    case ChatKind::PRIVMSG:
      if (irc.params.size () < 2)
        return invalid (error, irc, "without a channel and a text");
      if (irc.nick.empty ())
        return invalid (error, irc, "without a sender");
      m.channel.assign (strip_hash (irc.params[0]));
      m.login.assign (irc.nick);
      m.text.assign (irc.params[1]);
      break;
    case ChatKind::WHISPER:
      if (irc.params.size () < 2)
        return invalid (error, irc, "without a recipient and a text");
      m.recipient.assign (irc.params[0]);
      m.login.assign (irc.nick);
      m.text.assign (irc.params[1]);
      break;
    case ChatKind::USERNOTICE:
    case ChatKind::ROOMSTATE:
    case ChatKind::USERSTATE:
    case ChatKind::JOIN:
    case ChatKind::PART:
    case ChatKind::HOSTTARGET:
      if (irc.params.empty ())
        return invalid (error, irc, "without a channel");
      m.channel.assign (strip_hash (irc.params[0]));
      if (irc.params.size () > 1)
        m.text.assign (irc.params[1]);
      if (m.kind == ChatKind::JOIN || m.kind == ChatKind::PART)
        m.login.assign (irc.nick);
      break;
    case ChatKind::CLEARCHAT:
    case ChatKind::CLEARMSG:
      if (irc.params.empty ())
        return invalid (error, irc, "without a channel");
      m.channel.assign (strip_hash (irc.params[0]));
      if (irc.params.size () > 1) {
        if (m.kind == ChatKind::CLEARCHAT)
          m.login.assign (irc.params[1]);
        else
          m.text.assign (irc.params[1]);
      }
      break;
    case ChatKind::NOTICE:
      if (irc.params.empty ())
        return invalid (error, irc, "without a target");
      if (irc.params[0] != "*")
        m.channel.assign (strip_hash (irc.params[0]));
      if (irc.params.size () > 1)
        m.text.assign (irc.params[1]);
      break;
    case ChatKind::PING:
    case ChatKind::PONG:
      if (!irc.params.empty ())
        m.text.assign (irc.params.back ());
      break;
    default:
      /* GLOBALUSERSTATE, RECONNECT, CAP, numerics, unknown: text is the
       * last param when there is one. */
      if (irc.params.size () > 1 || irc.has_trailing)
        m.text.assign (irc.params.back ());
      break;
  }

  /* CTCP ACTION: "\x01ACTION text\x01". */
  if ((m.kind == ChatKind::PRIVMSG || m.kind == ChatKind::WHISPER)
      && m.text.size () >= 8
      && m.text.compare (0, 8,
             "\x01"
             "ACTION ")
             == 0) {
    size_t len = m.text.size () - 8;
    if (len > 0 && m.text.back () == '\x01')
      --len;
    m.text = m.text.substr (8, len);
    m.action = true;
  }
  if (m.login.empty () && m.kind == ChatKind::PRIVMSG)
    m.login = std::string (irc.nick);
  derive_typed (m, fields.data ());
  if (m.display_name.empty ()
      && (m.kind == ChatKind::PRIVMSG || m.kind == ChatKind::WHISPER
          || m.kind == ChatKind::USERNOTICE))
    m.display_name = m.login;
  return true;
}

bool
chat_message_parse (std::string_view line, ChatMessage &out, GError **error)
{
  thread_local IrcMessage irc;
  if (!irc_parse (line, irc, error))
    return false;
  if (!chat_message_from_irc (irc, out, error))
    return false;
  while (!line.empty () && (line.back () == '\n' || line.back () == '\r'))
    line.remove_suffix (1);
  out.raw = std::string (line);
  return true;
}

/* JSON ------------------------------------------------------------------ */

const char *
chat_transport_name (ChatTransport t)
{
  return t == ChatTransport::EVENTSUB ? "eventsub" : "irc";
}

/* JSON strings must be UTF-8: invalid bytes become U+FFFD, so a line read
 * from chat always makes a readable recording. */
static std::string
valid_utf8 (const std::string &v)
{
  if (g_utf8_validate (v.data (), (gssize)v.size (), nullptr))
    return v;
  gchar *fixed = g_utf8_make_valid (v.data (), (gssize)v.size ());
  std::string out (fixed);
  g_free (fixed);
  return out;
}

static void
add_badges (JsonBuilder *b, const char *name, const std::vector<ChatBadge> &v)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  for (const auto &x : v) {
    json_builder_set_member_name (b, valid_utf8 (x.name).c_str ());
    json_builder_add_string_value (b, valid_utf8 (x.version).c_str ());
  }
  json_builder_end_object (b);
}

static void
add_str (JsonBuilder *b, const char *name, const std::string &v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, valid_utf8 (v).c_str ());
}

std::string
chat_message_to_json (const ChatMessage &m, int64_t pts)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  add_str (b, "command", m.command);
  add_str (b, "channel", m.channel);
  add_str (b, "login", m.login);
  add_str (b, "display-name", m.display_name);
  add_str (b, "text", m.text);
  json_builder_set_member_name (b, "action");
  json_builder_add_boolean_value (b, m.action);
  json_builder_set_member_name (b, "timestamp");
  json_builder_add_int_value (b, m.timestamp_ms ());
  json_builder_set_member_name (b, "arrival");
  json_builder_add_int_value (b, m.arrival_ms);
  add_str (b, "transport", chat_transport_name (m.transport));
  if (pts >= 0) {
    json_builder_set_member_name (b, "pts");
    json_builder_add_int_value (b, pts);
  }
  if (!m.id.empty ())
    add_str (b, "id", m.id);
  if (!m.user_id.empty ())
    add_str (b, "user-id", m.user_id);
  if (!m.color.empty ())
    add_str (b, "color", m.color);
  if (!m.msg_id.empty ())
    add_str (b, "msg-id", m.msg_id);
  if (!m.badges.empty ())
    add_badges (b, "badges", m.badges);
  if (!m.emotes.empty ()) {
    json_builder_set_member_name (b, "emotes");
    json_builder_begin_array (b);
    for (const auto &e : m.emotes) {
      json_builder_begin_object (b);
      add_str (b, "id", e.id);
      json_builder_set_member_name (b, "start");
      json_builder_add_int_value (b, e.start);
      json_builder_set_member_name (b, "end");
      json_builder_add_int_value (b, e.end);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
  }
  if (m.bits > 0) {
    json_builder_set_member_name (b, "bits");
    json_builder_add_int_value (b, m.bits);
  }
  json_builder_set_member_name (b, "tags");
  json_builder_begin_object (b);
  for (const auto &t : m.tags) {
    json_builder_set_member_name (b, valid_utf8 (t.first).c_str ());
    json_builder_add_string_value (b, valid_utf8 (t.second).c_str ());
  }
  json_builder_end_object (b);
  json_builder_end_object (b);

  std::string out = json_text (b);
  g_object_unref (b);
  return out;
}

bool
chat_message_from_json (
    std::string_view line, ChatMessage &m, int64_t *pts, GError **error)
{
  m = ChatMessage ();
  /* Bounded (size, depth) like every JSON read (common/json.h); one reader
   * per thread keeps its buffers from line to line. */
  thread_local JsonReader reader;
  JsonDomElement root;
  if (!reader.parse (line, root, error))
    return false;
  JsonDomObject o;
  if (root.get_object ().get (o) != simdjson::SUCCESS) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
        "Chat recording line is not a JSON object");
    return false;
  }
  std::string_view command;
  GError *e = nullptr;
  if (!json_require_string (o, "command", command, &e)) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
        "Chat recording line has no \"command\" (%s)", e->message);
    g_error_free (e);
    return false;
  }
  m.command = command;
  m.kind = chat_kind_from_command (m.command);
  m.channel = json_string_or (o, "channel");
  m.login = json_string_or (o, "login");
  m.text = json_string_or (o, "text");
  m.action = json_bool_or (o, "action", false);
  m.arrival_ms
      = json_int64_or (o, "arrival", json_int64_or (o, "timestamp", 0));
  if (json_string_or (o, "transport") == "eventsub")
    m.transport = ChatTransport::EVENTSUB;
  if (pts) {
    /* A position in the stream or none (-1, what a negative one means: the
     * sink writes none for a message without a timestamp). */
    *pts = std::max<int64_t> (json_int64_or (o, "pts", -1), -1);
  }
  JsonDomObject tags;
  if (o["tags"].get_object ().get (tags) == simdjson::SUCCESS) {
    /* Members in document order; a repeated key keeps its first place and
     * takes its last value (as the recordings were always read). */
    std::unordered_map<std::string_view, size_t> seen;
    for (auto field : tags) {
      std::string_view v;
      if (field.value.get_string ().get (v) != simdjson::SUCCESS)
        continue;
      std::string_view k = json_c_string (field.key);
      auto [it, fresh] = seen.emplace (k, m.tags.size ());
      if (fresh)
        m.tags.emplace_back (k, json_c_string (v));
      else
        m.tags[it->second].second = json_c_string (v);
    }
  }
  std::string login = m.login;
  derive_typed (m);
  if (m.kind != ChatKind::USERNOTICE && m.kind != ChatKind::CLEARMSG)
    m.login = login;
  std::string_view dn = json_string_or (o, "display-name");
  if (!dn.empty ())
    m.display_name = dn;
  if (m.display_name.empty ())
    m.display_name = m.login;
  return true;
}

/* Template ---------------------------------------------------------------- */

/* Appends template field @name of @m to @out (nothing for unknown ones).
 * Keys are snake_case, as twitchapisrc's ({viewer_count}); the kebab-case
 * spelling of the first releases ({display-name}) is still accepted. */
static void
append_field (std::string &out, std::string_view name, const ChatMessage &m)
{
  if (name == "display_name" || name == "display-name")
    out += m.display_name.empty () ? m.login : m.display_name;
  else if (name == "login" || name == "user")
    out += m.login;
  else if (name == "channel")
    out += m.channel;
  else if (name == "message" || name == "text")
    out += m.text;
  else if (name == "command")
    out += m.command;
  else if (name == "color")
    out += m.color;
  else if (name == "id")
    out += m.id;
  else if (name == "msg_id" || name == "msg-id")
    out += m.msg_id;
  else if (name == "system_msg" || name == "system-msg")
    out += m.system_msg;
  else if (name == "bits") {
    if (m.bits) {
      char buf[24];
      int n
          = g_snprintf (buf, sizeof (buf), "%" G_GINT64_FORMAT, (gint64)m.bits);
      out.append (buf, n);
    }
  } else if (name.substr (0, 4) == "tag:")
    out += m.tag (name.substr (4));
}

void
chat_format_append (
    std::string &out, std::string_view tmpl, const ChatMessage &m)
{
  size_t i = 0;
  while (i < tmpl.size ()) {
    char c = tmpl[i];
    if (c == '{' && i + 1 < tmpl.size () && tmpl[i + 1] == '{') {
      out.push_back ('{');
      i += 2;
    } else if (c == '}' && i + 1 < tmpl.size () && tmpl[i + 1] == '}') {
      out.push_back ('}');
      i += 2;
    } else if (c == '{') {
      size_t close = tmpl.find ('}', i + 1);
      if (close == std::string_view::npos) {
        out.append (tmpl.substr (i));
        break;
      }
      append_field (out, tmpl.substr (i + 1, close - i - 1), m);
      i = close + 1;
    } else {
      /* The literal run up to the next brace in one go. */
      size_t next = tmpl.find_first_of ("{}", i + 1);
      if (next == std::string_view::npos)
        next = tmpl.size ();
      out.append (tmpl.substr (i, next - i));
      i = next;
    }
  }
}

std::string
chat_format (std::string_view tmpl, const ChatMessage &m)
{
  std::string out;
  out.reserve (tmpl.size () + m.text.size () + 32);
  chat_format_append (out, tmpl, m);
  return out;
}

} // namespace twitch
