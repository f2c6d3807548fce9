/* EventSub chat events in the IRC chat model (see eventsub-map.h). */
#include "config.h"

#include <gst/twitch/chat/eventsub-map.h>

#include "chat-private.h"
#include <gst/twitch/chat/irc.h>
#include <gst/twitch/chat/names.h>
#include <gst/twitch/common/json.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace twitch
{

namespace
{

/* Longest string value taken from an event: a 500-character message is at
 * most 2000 bytes; system messages and reply bodies are of that order. */
constexpr size_t kMaxValueBytes = 8192;
/* Fragments of one message read at most (500 characters make at most 500
 * fragments). */
constexpr guint kMaxFragments = 1024;

bool
fail (GError **error, std::string_view type, const std::string &what)
{
  g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_INVALID,
      "EventSub %.*s event: %s", (int)type.size (), type.data (),
      what.c_str ());
  return false;
}

using Obj = simdjson::dom::object;
using simdjson::dom::element;

/* An empty object, for members that are absent (a default-constructed
 * simdjson object may not be read). Parsed once; read-only after. */
const Obj &
empty_object ()
{
  static simdjson::dom::parser parser;
  static const Obj empty = [] {
    Obj o;
    element e;
    if (parser.parse ("{}", 2).get (e) != simdjson::SUCCESS
        || e.get_object ().get (o) != simdjson::SUCCESS)
      g_error ("simdjson cannot parse {}");
    return o;
  }();
  return empty;
}

/* A member that is an object; an empty object when absent or not one. */
Obj
member_object (const Obj &o, const char *name, bool *found = nullptr)
{
  Obj out;
  bool ok = o[name].get_object ().get (out) == simdjson::SUCCESS;
  if (found)
    *found = ok;
  return ok ? out : empty_object ();
}

bool
member_array (const Obj &o, const char *name, simdjson::dom::array &out)
{
  return o[name].get_array ().get (out) == simdjson::SUCCESS;
}

/* A string member, valid UTF-8 (invalid bytes replaced) and at most
 * kMaxValueBytes; "" when absent, null or not a string. */
std::string
member_string (const Obj &o, const char *name)
{
  std::string_view sv;
  if (o[name].get_string ().get (sv) != simdjson::SUCCESS)
    return {};
  std::string v (sv);
  if (v.size () > kMaxValueBytes) {
    /* Cut at a character boundary. */
    const char *end
        = g_utf8_find_prev_char (v.data (), v.data () + kMaxValueBytes + 1);
    v.resize (end ? (size_t)(end - v.data ()) : 0);
  }
  /* simdjson checks UTF-8; a \u escape of a lone surrogate is the only
   * way to invalid bytes. */
  if (!g_utf8_validate (v.data (), (gssize)v.size (), nullptr)) {
    gchar *fixed = g_utf8_make_valid (v.data (), (gssize)v.size ());
    v = fixed;
    g_free (fixed);
  }
  return v;
}

bool
member_bool (const Obj &o, const char *name)
{
  bool b = false;
  return o[name].get_bool ().get (b) == simdjson::SUCCESS && b;
}

/* An integer member in [lo, hi], else nullopt (doubles truncated, as
 * json_double_to_int64 does). */
std::optional<int64_t>
member_int (const Obj &o, const char *name, int64_t lo, int64_t hi)
{
  int64_t v = 0;
  double d = 0;
  if (o[name].get_int64 ().get (v) != simdjson::SUCCESS) {
    if (o[name].get_double ().get (d) != simdjson::SUCCESS)
      return std::nullopt;
    v = json_double_to_int64 (d, lo - 1);
  }
  if (v < lo || v > hi)
    return std::nullopt;
  return v;
}

/* Twitch user ids are decimal numbers. */
bool
is_user_id (const std::string &s)
{
  if (s.empty () || s.size () > 20)
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

/* Badge set ids and versions, emote ids: [A-Za-z0-9_-]. */
bool
is_token (const std::string &s, size_t max = 128)
{
  if (s.empty () || s.size () > max)
    return false;
  for (char c : s)
    if (!g_ascii_isalnum (c) && c != '_' && c != '-')
      return false;
  return true;
}

std::string
login_of (const Obj &o, const char *name)
{
  std::string v = member_string (o, name), out;
  if (v.empty () || !twitch_name_normalize (v, false, name, &out, nullptr))
    return {};
  return out;
}

std::string
user_id_of (const Obj &o, const char *name)
{
  std::string v = member_string (o, name);
  return is_user_id (v) ? v : std::string ();
}

std::string
message_id_of (const Obj &o, const char *name)
{
  std::string v = member_string (o, name);
  return twitch_message_id_validate (v, name, nullptr) ? v : std::string ();
}

/* "#1E90FF" or "". */
std::string
color_of (const Obj &o)
{
  std::string v = member_string (o, "color");
  if (v.size () != 7 || v[0] != '#')
    return {};
  for (size_t i = 1; i < 7; ++i)
    if (!g_ascii_isxdigit (v[i]))
      return {};
  return v;
}

/* A display name: no control characters or spaces (IRC's display names
 * have none); otherwise the login stands in. */
std::string
display_name_of (const Obj &o, const char *name, const std::string &login)
{
  std::string v = member_string (o, name);
  for (char c : v)
    if ((unsigned char)c < 0x20 || c == ' ' || c == 0x7f)
      return login;
  return v.empty () ? login : v;
}

/* The tags of one line, keyed by literals: a handful per event, so a
 * flat vector (no node or key allocation per tag, as std::map had: a
 * tenth of a message's cost) sorted once when the line is written. */
class Tags
{
 public:
  Tags () { v_.reserve (32); }
  std::string &operator[] (const char *key)
  {
    for (auto &kv : v_)
      if (kv.first == key
          || (kv.first[0] == key[0] && strcmp (kv.first, key) == 0))
        return kv.second;
    v_.emplace_back (key, std::string ());
    return v_.back ().second;
  }
  /* In Twitch's order (alphabetical, as std::map<std::string> had it);
   * the entries are sorted by pointer, their strings not moved. */
  std::vector<const std::pair<const char *, std::string> *> sorted () const
  {
    std::vector<const std::pair<const char *, std::string> *> out;
    out.reserve (v_.size ());
    for (const auto &kv : v_)
      out.push_back (&kv);
    std::sort (out.begin (), out.end (), [] (const auto *a, const auto *b) {
      return strcmp (a->first, b->first) < 0;
    });
    return out;
  }

 private:
  std::vector<std::pair<const char *, std::string>> v_;
};

/* Escaped as irc_escape_tag_value() does; most values need nothing,
 * and are appended without a temporary. */
void
append_escaped (std::string &out, const std::string &value)
{
  for (char c : value)
    if (c == ' ' || c == ';' || c == '\\' || c == '\r' || c == '\n') {
      out += irc_escape_tag_value (value);
      return;
    }
  out += value;
}

/* badges, badge-info, and the flags IRC derives from them. */
void
add_badges (const Obj &event, Tags &tags, bool with_flags)
{
  std::string badges, info;
  bool mod = false, sub = false, turbo = false, vip = false;
  simdjson::dom::array a;
  if (member_array (event, "badges", a)) {
    size_t n = 0;
    for (element bn : a) {
      if (++n > 64)
        break;
      Obj b;
      if (bn.get_object ().get (b) != simdjson::SUCCESS)
        continue;
      std::string set = member_string (b, "set_id");
      std::string id = member_string (b, "id");
      std::string inf = member_string (b, "info");
      if (!is_token (set) || !is_token (id))
        continue;
      if (!badges.empty ())
        badges += ',';
      badges += set + "/" + id;
      if (!inf.empty () && inf.size () <= 128
          && inf.find_first_of (",/") == std::string::npos) {
        if (!info.empty ())
          info += ',';
        info += set + "/" + inf;
      }
      mod |= set == "moderator";
      sub |= set == "subscriber" || set == "founder";
      turbo |= set == "turbo";
      vip |= set == "vip";
    }
  }
  tags["badge-info"] = info;
  tags["badges"] = badges;
  if (!with_flags)
    return;
  tags["mod"] = mod ? "1" : "0";
  tags["subscriber"] = sub ? "1" : "0";
  tags["turbo"] = turbo ? "1" : "0";
  tags["user-type"] = mod ? "mod" : "";
  if (vip)
    tags["vip"] = "1";
}

/* `emotes` ("id:s-e,s-e/id2:s-e", code points) from message.fragments,
 * when the fragments add up to exactly @text (else none: a range that
 * does not fit the text would point at the wrong characters). */
std::string
emotes_of (const Obj &message, const std::string &text)
{
  simdjson::dom::array frags;
  if (!member_array (message, "fragments", frags))
    return {};
  if (frags.size () > kMaxFragments)
    return {};
  std::string joined;
  std::vector<std::pair<std::string, std::string>> ranges; /* id, "s-e" */
  size_t cp = 0;
  for (element fn : frags) {
    Obj f;
    if (fn.get_object ().get (f) != simdjson::SUCCESS)
      return {};
    std::string ftext = member_string (f, "text");
    size_t len = utf8_code_points (ftext);
    if (member_string (f, "type") == "emote" && len > 0) {
      std::string id = member_string (member_object (f, "emote"), "id");
      if (is_token (id))
        ranges.emplace_back (
            id, std::to_string (cp) + "-" + std::to_string (cp + len - 1));
    }
    joined += ftext;
    cp += len;
    if (joined.size () > text.size ())
      return {};
  }
  if (joined != text)
    return {};
  /* Grouped by id in order of first appearance, as Twitch's IRC. */
  std::string out;
  std::vector<bool> done (ranges.size (), false);
  for (size_t i = 0; i < ranges.size (); ++i) {
    if (done[i])
      continue;
    if (!out.empty ())
      out += '/';
    out += ranges[i].first + ":" + ranges[i].second;
    for (size_t j = i + 1; j < ranges.size (); ++j) {
      if (!done[j] && ranges[j].first == ranges[i].first) {
        out += "," + ranges[j].second;
        done[j] = true;
      }
    }
  }
  return out;
}

void
set_if (Tags &tags, const char *key, const std::string &v)
{
  if (!v.empty ())
    tags[key] = v;
}

std::string
int_str (std::optional<int64_t> v)
{
  return v ? std::to_string (*v) : std::string ();
}

/* Twitch's sub_tier "1000"/"2000"/"3000", "Prime" when is_prime. */
std::string
sub_plan (const Obj &o)
{
  if (member_bool (o, "is_prime"))
    return "Prime";
  std::string t = member_string (o, "sub_tier");
  return (t == "1000" || t == "2000" || t == "3000") ? t : std::string ();
}

/* The typed fields of a notification as IRC's msg-param-* tags. */
void
add_notice_params (const Obj &event, const std::string &notice, Tags &tags)
{
  Obj o = member_object (event, notice.c_str ());
  const int64_t kBig = 1000000000;
  if (notice == "sub") {
    set_if (tags, "msg-param-sub-plan", sub_plan (o));
    set_if (tags, "msg-param-multimonth-duration",
        int_str (member_int (o, "duration_months", 0, 1200)));
  } else if (notice == "resub") {
    set_if (tags, "msg-param-cumulative-months",
        int_str (member_int (o, "cumulative_months", 0, 1200)));
    set_if (tags, "msg-param-streak-months",
        int_str (member_int (o, "streak_months", 0, 1200)));
    set_if (tags, "msg-param-multimonth-duration",
        int_str (member_int (o, "duration_months", 0, 1200)));
    set_if (tags, "msg-param-sub-plan", sub_plan (o));
    tags["msg-param-was-gifted"]
        = member_bool (o, "is_gift") ? "true" : "false";
  } else if (notice == "sub_gift") {
    set_if (tags, "msg-param-gift-months",
        int_str (member_int (o, "duration_months", 0, 1200)));
    set_if (tags, "msg-param-sender-count",
        int_str (member_int (o, "cumulative_total", 0, kBig)));
    std::string rl = login_of (o, "recipient_user_login");
    set_if (
        tags, "msg-param-recipient-id", user_id_of (o, "recipient_user_id"));
    set_if (tags, "msg-param-recipient-user-name", rl);
    if (!rl.empty ())
      tags["msg-param-recipient-display-name"]
          = display_name_of (o, "recipient_user_name", rl);
    set_if (tags, "msg-param-sub-plan", sub_plan (o));
    set_if (tags, "msg-param-community-gift-id",
        message_id_of (o, "community_gift_id"));
  } else if (notice == "community_sub_gift") {
    set_if (tags, "msg-param-mass-gift-count",
        int_str (member_int (o, "total", 0, kBig)));
    set_if (tags, "msg-param-sender-count",
        int_str (member_int (o, "cumulative_total", 0, kBig)));
    set_if (tags, "msg-param-sub-plan", sub_plan (o));
    set_if (tags, "msg-param-community-gift-id", message_id_of (o, "id"));
  } else if (notice == "gift_paid_upgrade") {
    std::string gl = login_of (o, "gifter_user_login");
    set_if (tags, "msg-param-sender-login", gl);
    if (!gl.empty ())
      tags["msg-param-sender-name"]
          = display_name_of (o, "gifter_user_name", gl);
  } else if (notice == "prime_paid_upgrade") {
    set_if (tags, "msg-param-sub-plan", sub_plan (o));
  } else if (notice == "raid") {
    std::string rl = login_of (o, "user_login");
    set_if (tags, "msg-param-login", rl);
    if (!rl.empty ())
      tags["msg-param-displayName"] = display_name_of (o, "user_name", rl);
    set_if (tags, "msg-param-viewerCount",
        int_str (member_int (o, "viewer_count", 0, kBig)));
    std::string img = member_string (o, "profile_image_url");
    if (img.rfind ("https://", 0) == 0)
      tags["msg-param-profileImageURL"] = img;
  } else if (notice == "announcement") {
    /* IRC spells the colour upper-case ("PRIMARY"). */
    std::string c = member_string (o, "color");
    if (is_token (c, 32)) {
      for (auto &ch : c)
        ch = g_ascii_toupper (ch);
      tags["msg-param-color"] = c;
    }
  } else if (notice == "bits_badge_tier") {
    set_if (
        tags, "msg-param-threshold", int_str (member_int (o, "tier", 0, kBig)));
  } else if (notice == "pay_it_forward") {
    std::string gl = login_of (o, "gifter_user_login");
    set_if (tags, "msg-param-prior-gifter-user-name", gl);
    set_if (
        tags, "msg-param-prior-gifter-id", user_id_of (o, "gifter_user_id"));
  }
}

} // namespace

bool
EventSubFrame::event (simdjson::dom::object &out) const
{
  return has_payload
         && payload["event"].get_object ().get (out) == simdjson::SUCCESS;
}

namespace
{

/* Digits s[pos..pos+n) as a number, or -1. */
int
digits_at (std::string_view s, size_t pos, size_t n)
{
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size () || s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Twitch's own form, "2023-07-19T14:56:51.634234626Z" (fraction optional),
 * read without GLib's general ISO 8601 parser (a GDateTime and a time
 * zone per message); -1 for anything else, which GLib then reads. */
int64_t
parse_twitch_utc (std::string_view s)
{
  if (s.size () < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T'
      || s[13] != ':' || s[16] != ':' || s.back () != 'Z')
    return -1;
  int y = digits_at (s, 0, 4), mo = digits_at (s, 5, 2),
      d = digits_at (s, 8, 2), h = digits_at (s, 11, 2),
      mi = digits_at (s, 14, 2), sec = digits_at (s, 17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0
      || mi > 59 || sec < 0 || sec > 59)
    return -1;
  if (d > g_date_get_days_in_month ((GDateMonth)mo, (GDateYear)y))
    return -1;
  int ms = 0;
  size_t pos = 19;
  if (s[pos] == '.') {
    size_t n = 0;
    for (++pos; pos < s.size () && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n)
      if (n < 3)
        ms = ms * 10 + (s[pos] - '0');
    if (n == 0)
      return -1;
    for (; n < 3; ++n)
      ms *= 10;
  }
  if (pos != s.size () - 1)
    return -1;
  /* Days since 1970-01-01 (Howard Hinnant's days_from_civil). */
  int yy = mo <= 2 ? y - 1 : y;
  int era = yy / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = (int64_t)era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * (int64_t)60000 + sec * 1000 + ms;
}

} // namespace

int64_t
eventsub_parse_timestamp (std::string_view s)
{
  if (s.empty () || s.size () > 64)
    return -1;
  int64_t fast = parse_twitch_utc (s);
  if (fast >= 0)
    return fast;
  std::string str (s);
  GDateTime *dt = g_date_time_new_from_iso8601 (str.c_str (), nullptr);
  if (!dt)
    return -1;
  int64_t ms = g_date_time_to_unix (dt) * 1000
               + g_date_time_get_microsecond (dt) / 1000;
  g_date_time_unref (dt);
  return ms;
}

bool
eventsub_frame_parse (std::string_view text, EventSubFrame &out, GError **error)
{
  out.has_payload = false;
  out.message_id.clear ();
  out.message_type.clear ();
  out.subscription_type.clear ();
  out.timestamp_ms = -1;
  /* Bounded in size and depth: simdjson parses without recursion and
   * stops at max_depth itself, so json_check_bounds' extra pass over
   * every byte (a fifth of a frame's cost) is not needed here. */
  if (text.size () > kEventSubMaxFrameBytes) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
        "EventSub message of %" G_GSIZE_FORMAT
        " bytes, more than the %" G_GSIZE_FORMAT " a chat event takes",
        text.size (), kEventSubMaxFrameBytes);
    return false;
  }
  if (out.parser.max_depth () != kEventSubMaxDepth
      && out.parser.allocate (16 * 1024, kEventSubMaxDepth)
             != simdjson::SUCCESS) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
        "no memory for the EventSub parser");
    return false;
  }
  element root;
  Obj o;
  auto err = out.parser.parse (text.data (), text.size ()).get (root);
  if (err == simdjson::SUCCESS)
    err = root.get_object ().get (o);
  if (err != simdjson::SUCCESS) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
        "EventSub message is not the JSON Twitch documents: %s",
        simdjson::error_message (err));
    return false;
  }
  Obj meta = member_object (o, "metadata");
  bool has_payload = false;
  Obj payload = member_object (o, "payload", &has_payload);
  out.message_id = member_string (meta, "message_id");
  out.message_type = member_string (meta, "message_type");
  out.subscription_type = member_string (meta, "subscription_type");
  out.timestamp_ms
      = eventsub_parse_timestamp (member_string (meta, "message_timestamp"));
  if (out.message_id.empty () || out.message_id.size () > 128
      || out.message_type.empty () || !has_payload) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
        "EventSub message without metadata.message_id, "
        "metadata.message_type or payload");
    return false;
  }
  out.payload = payload;
  out.has_payload = true;
  return true;
}

bool
eventsub_session_parse (
    const Obj &payload, EventSubSessionInfo &out, GError **error)
{
  Obj s = member_object (payload, "session");
  out = EventSubSessionInfo ();
  out.id = member_string (s, "id");
  out.status = member_string (s, "status");
  out.reconnect_url = member_string (s, "reconnect_url");
  if (out.id.empty () || out.id.size () > 256) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
        "EventSub session message without a session id");
    return false;
  }
  for (char c : out.id) {
    if (!g_ascii_isgraph (c)) {
      g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_PARSE,
          "EventSub session id with spaces or control characters");
      return false;
    }
  }
  /* Twitch allows 10..600 s; anything else is not Twitch's. */
  out.keepalive_timeout_s
      = (int)member_int (s, "keepalive_timeout_seconds", 1, 3600).value_or (0);
  return true;
}

std::string
eventsub_notice_msg_id (std::string_view t)
{
  static const std::pair<const char *, const char *> kMap[] = {
      {"sub", "sub"},
      {"resub", "resub"},
      {"sub_gift", "subgift"},
      {"community_sub_gift", "submysterygift"},
      {"gift_paid_upgrade", "giftpaidupgrade"},
      {"prime_paid_upgrade", "primepaidupgrade"},
      {"raid", "raid"},
      {"unraid", "unraid"},
      {"pay_it_forward", "standardpayforward"},
      {"announcement", "announcement"},
      {"bits_badge_tier", "bitsbadgetier"},
      {"charity_donation", "charitydonation"},
  };
  for (const auto &kv : kMap)
    if (t == kv.first)
      return kv.second;
  return std::string (t);
}

bool
eventsub_event_to_irc (std::string_view type, const Obj &event,
    int64_t timestamp_ms, std::string &line, std::string &text, GError **error)
{
  line.clear ();
  text.clear ();
  std::string channel = login_of (event, "broadcaster_user_login");
  std::string room = user_id_of (event, "broadcaster_user_id");
  if (channel.empty () || room.empty ())
    return fail (
        error, type, "no valid broadcaster_user_login / broadcaster_user_id");
  Tags tags;
  tags["room-id"] = room;
  if (timestamp_ms >= 0)
    tags["tmi-sent-ts"] = std::to_string (timestamp_ms);
  std::string command, prefix = "tmi.twitch.tv", trailing;
  bool has_trailing = false;

  if (type == "channel.chat.message" || type == "channel.chat.notification") {
    bool notification = type == "channel.chat.notification";
    std::string login = login_of (event, "chatter_user_login");
    std::string user_id = user_id_of (event, "chatter_user_id");
    std::string id = message_id_of (event, "message_id");
    if (member_bool (event, "chatter_is_anonymous") && login.empty ()) {
      /* What IRC names an anonymous gifter. */
      login = "ananonymousgifter";
      user_id = "274598607";
    }
    if (login.empty () || user_id.empty () || id.empty ())
      return fail (error, type,
          "no valid chatter_user_login, chatter_user_id or message_id");
    bool has_message = false;
    Obj message = member_object (event, "message", &has_message);
    if (!notification && !has_message)
      return fail (error, type, "no message");
    text = member_string (message, "text");
    add_badges (event, tags, true);
    set_if (tags, "color", color_of (event));
    tags["color"]; /* IRC always sends it, empty when unset */
    tags["display-name"] = display_name_of (event, "chatter_user_name", login);
    tags["emotes"] = emotes_of (message, text);
    tags["id"] = id;
    tags["user-id"] = user_id;
    if (!notification) {
      command = "PRIVMSG";
      prefix = login + "!" + login + "@" + login + ".tmi.twitch.tv";
      has_trailing = true;
      Obj cheer = member_object (event, "cheer");
      set_if (tags, "bits", int_str (member_int (cheer, "bits", 1, 10000000)));
      bool has_reply = false;
      Obj r = member_object (event, "reply", &has_reply);
      if (has_reply) {
        std::string pid = message_id_of (r, "parent_message_id");
        if (!pid.empty ()) {
          std::string pl = login_of (r, "parent_user_login");
          std::string tl = login_of (r, "thread_user_login");
          tags["reply-parent-msg-id"] = pid;
          set_if (
              tags, "reply-parent-user-id", user_id_of (r, "parent_user_id"));
          set_if (tags, "reply-parent-user-login", pl);
          if (!pl.empty ())
            tags["reply-parent-display-name"]
                = display_name_of (r, "parent_user_name", pl);
          tags["reply-parent-msg-body"]
              = member_string (r, "parent_message_body");
          set_if (tags, "reply-thread-parent-msg-id",
              message_id_of (r, "thread_message_id"));
          set_if (tags, "reply-thread-parent-user-id",
              user_id_of (r, "thread_user_id"));
          set_if (tags, "reply-thread-parent-user-login", tl);
          if (!tl.empty ())
            tags["reply-thread-parent-display-name"]
                = display_name_of (r, "thread_user_name", tl);
        }
      }
      std::string mt = member_string (event, "message_type");
      if (mt == "channel_points_highlighted")
        tags["msg-id"] = "highlighted-message";
      else if (mt == "channel_points_sub_only")
        tags["msg-id"] = "skip-subs-mode-message";
      else if (mt == "user_intro")
        tags["msg-id"] = "user-intro";
      else if (mt == "power_ups_gigantified_emote")
        tags["msg-id"] = "gigantified-emote-message";
      else if (mt == "power_ups_message_effect")
        tags["msg-id"] = "animated-message";
      std::string reward
          = member_string (event, "channel_points_custom_reward_id");
      if (twitch_message_id_validate (reward, "reward", nullptr))
        tags["custom-reward-id"] = reward;
    } else {
      command = "USERNOTICE";
      has_trailing = !text.empty ();
      std::string notice = member_string (event, "notice_type");
      if (!is_token (notice, 64))
        return fail (error, type, "no valid notice_type");
      tags["login"] = login;
      tags["msg-id"] = eventsub_notice_msg_id (notice);
      tags["system-msg"] = member_string (event, "system_message");
      add_notice_params (event, notice, tags);
    }
  } else if (type == "channel.chat.clear") {
    command = "CLEARCHAT";
  } else if (type == "channel.chat.clear_user_messages") {
    command = "CLEARCHAT";
    std::string target = login_of (event, "target_user_login");
    std::string target_id = user_id_of (event, "target_user_id");
    if (target.empty () || target_id.empty ())
      return fail (error, type, "no valid target_user_login / target_user_id");
    tags["target-user-id"] = target_id;
    text = target;
    has_trailing = true;
  } else if (type == "channel.chat.message_delete") {
    command = "CLEARMSG";
    std::string target = login_of (event, "target_user_login");
    std::string mid = message_id_of (event, "message_id");
    if (target.empty () || mid.empty ())
      return fail (error, type, "no valid target_user_login / message_id");
    tags["login"] = target;
    tags["target-msg-id"] = mid;
  } else {
    return fail (error, type, "not a chat subscription type");
  }

  line.reserve (512 + text.size ());
  line += '@';
  bool first = true;
  for (const auto *kv : tags.sorted ()) {
    if (!first)
      line += ';';
    first = false;
    line += kv->first;
    line += '=';
    append_escaped (line, kv->second);
  }
  line += " :";
  line += prefix;
  line += ' ';
  line += command;
  line += " #";
  line += channel;
  if (has_trailing) {
    line += " :";
    /* The text travels apart when one IRC line cannot hold it. */
    if (irc_text_is_safe (text))
      line += text;
  }
  return true;
}

bool
eventsub_event_json_to_chat (std::string_view type, std::string_view event_json,
    int64_t timestamp_ms, ChatMessage &out, GError **error)
{
  JsonLimits limits;
  limits.max_bytes = kEventSubMaxFrameBytes;
  limits.max_depth = kEventSubMaxDepth;
  JsonReader reader (limits);
  Obj o;
  GError *e = nullptr;
  if (!reader.parse_object (event_json, o, &e)) {
    bool r = fail (error, type, e->message);
    g_error_free (e);
    return r;
  }
  return eventsub_event_to_chat (type, o, timestamp_ms, out, error);
}

bool
eventsub_event_to_chat (std::string_view type, const Obj &event,
    int64_t timestamp_ms, ChatMessage &out, GError **error)
{
  /* Reused: a message's line is built without allocating it anew. */
  thread_local std::string line, text;
  if (!eventsub_event_to_irc (type, event, timestamp_ms, line, text, error))
    return false;
  /* chat_message_parse() without its copy of the line into raw, which
   * an EventSub message does not keep. */
  thread_local IrcMessage irc;
  if (!irc_parse (line, irc, error))
    return false;
  /* Each event fills a new ChatMessage (it is handed over): the IRC
   * model's per-place key cache is kept here between events instead, so
   * that each key's typed field is not looked up again every time. */
  thread_local std::vector<ChatMessage::PlacedKey> placed;
  thread_local std::vector<int> fields;
  out.placed_keys.swap (placed);
  out.tag_fields.swap (fields);
  out.tags.reserve (irc.tags.size ());
  bool ok = chat_message_from_irc (irc, out, error);
  out.placed_keys.swap (placed);
  out.tag_fields.swap (fields);
  if (!ok)
    return false;
  if (out.kind != ChatKind::CLEARCHAT && out.text != text) {
    /* A text with a line break or NUL: the real one, emotes against it. */
    out.text = text;
    out.emotes = chat_parse_emotes (out.tag ("emotes"), out.text);
  }
  out.raw.clear ();
  out.transport = ChatTransport::EVENTSUB;
  return true;
}

} // namespace twitch
