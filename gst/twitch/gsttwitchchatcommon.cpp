/* Shared by twitchchatsrc and twitchchatsink (see gsttwitchchatcommon.h). */
#include "config.h"

#include "gsttwitchchatcommon.h"

#include <gst/twitch/chat/names.h>
#include <gst/twitch/common/gsterror.h>
#include <gst/twitch/common/secrets.h>

#include <atomic>
#include <cstring>
#include <unordered_map>

GType
gst_twitch_chat_send_policy_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TWITCH_CHAT_SEND_POLICY_ENQUEUE,
          "Queue until it can be sent, up to max-age", "enqueue"},
      {GST_TWITCH_CHAT_SEND_POLICY_DROP,
          "Drop what cannot be sent at once (outcome dropped)", "drop"},
      {GST_TWITCH_CHAT_SEND_POLICY_ERROR,
          "Fail what cannot be sent at once (outcome failed)", "error"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstTwitchChatSendPolicy", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_twitch_chat_delivery_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TWITCH_CHAT_DELIVERY_AT_MOST_ONCE,
          "Never write a message twice: one whose connection dropped before "
          "Twitch confirmed it is reported unconfirmed",
          "at-most-once"},
      {GST_TWITCH_CHAT_DELIVERY_AT_LEAST_ONCE,
          "Write such a message again on the next connection (viewers may "
          "see it twice)",
          "at-least-once"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstTwitchChatDelivery", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* Field names as quarks, looked up once per call site: building the
 * structure of every chat event is on the hot path, and
 * g_quark_from_string takes a global lock. */
#define Q(name)                                                                \
  ([] {                                                                        \
    static const GQuark q = g_quark_from_static_string (name);                 \
    return q;                                                                  \
  }())

/* Tag names: few distinct ones, cached per thread (no global lock). */
struct KeyHash {
  size_t operator() (const std::string &k) const
  {
    if (k.empty ())
      return 0;
    return k.size () * 2654435761u ^ (size_t)(unsigned char)k[0] << 8
           ^ (size_t)(unsigned char)k[k.size () / 2] << 16
           ^ (size_t)(unsigned char)k.back () << 24;
  }
};

/* A quark is never freed: one for every tag key a server invents would
 * let a hostile server grow the process without bound. Twitch's documented
 * tags are quarks from the start; other keys get one while a small budget
 * lasts, then stay strings ("extra-tags"). */
static const char *const kTwitchTags[] = {"badge-info", "badges", "bits",
    "client-nonce", "color", "display-name", "emote-only", "emote-sets",
    "emotes", "first-msg", "flags", "followers-only", "id", "login", "mod",
    "msg-id", "r9k", "reply-parent-display-name", "reply-parent-msg-body",
    "reply-parent-msg-id", "reply-parent-user-id", "reply-parent-user-login",
    "reply-thread-parent-msg-id", "reply-thread-parent-user-login",
    "returning-chatter", "room-id", "slow", "subs-only", "subscriber",
    "system-msg", "target-msg-id", "target-user-id", "thread-id", "tmi-sent-ts",
    "turbo", "user-id", "user-type", "vip", "ban-duration", "message-id",
    "pinned-chat-paid-amount", "pinned-chat-paid-currency",
    "pinned-chat-paid-exponent", "pinned-chat-paid-level",
    "pinned-chat-paid-is-system-message", "source-badge-info", "source-badges",
    "source-id", "source-room-id", "source-only", "custom-reward-id",
    "animation-id", "msg-param-color", "msg-param-cumulative-months",
    "msg-param-displayName", "msg-param-login", "msg-param-mass-gift-count",
    "msg-param-months", "msg-param-multimonth-duration",
    "msg-param-multimonth-tenure", "msg-param-origin-id",
    "msg-param-promo-gift-total", "msg-param-promo-name",
    "msg-param-recipient-display-name", "msg-param-recipient-id",
    "msg-param-recipient-user-name", "msg-param-ritual-name",
    "msg-param-sender-count", "msg-param-sender-login", "msg-param-sender-name",
    "msg-param-should-share-streak", "msg-param-streak-months",
    "msg-param-sub-plan", "msg-param-sub-plan-name", "msg-param-threshold",
    "msg-param-viewerCount", "msg-param-was-gifted", "msg-param-gift-months",
    "msg-param-goal-contribution-type", "msg-param-goal-current-contributions",
    "msg-param-goal-description", "msg-param-goal-target-contributions",
    "msg-param-goal-user-contributions", "msg-param-profileImageURL",
    /* Badge names. */
    "admin", "broadcaster", "global_mod", "moderator", "staff", "partner",
    "premium", "founder", "sub-gifter", "sub-gift-leader", "bits-leader", "vip",
    "artist-badge", "no_audio", "no_video", "glhf-pledge", "predictions",
    "hype-train"};

static std::atomic<int> unknown_quarks_left{
    GST_TWITCH_CHAT_MAX_UNKNOWN_TAG_QUARKS};

static void
register_twitch_tags (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    for (const char *t : kTwitchTags)
      g_quark_from_static_string (t);
    g_once_init_leave (&done, 1);
  }
}

static int typed_kind (const std::string &key);

/* What the structure needs to know of a tag or badge name, looked up once
 * per message field through one per-thread cache: its quark (0 when it is
 * not a quark yet and the budget is spent: the caller keeps it as a
 * string) and which typed field, if any, carries it. */
struct TagInfo {
  GQuark quark = 0;
  int typed = 0;
};

static TagInfo
tag_info_uncached (const std::string &key)
{
  TagInfo info;
  info.typed = typed_kind (key);
  register_twitch_tags ();
  info.quark = g_quark_try_string (key.c_str ());
  if (!info.quark) {
    int left = unknown_quarks_left.load ();
    while (
        left > 0 && !unknown_quarks_left.compare_exchange_weak (left, left - 1))
      ;
    if (left > 0)
      info.quark = g_quark_from_string (key.c_str ());
  }
  return info;
}

static TagInfo
tag_info (const std::string &key)
{
  thread_local std::unordered_map<std::string, TagInfo, KeyHash> cache;
  auto it = cache.find (key);
  if (it != cache.end ())
    return it->second;
  TagInfo info = tag_info_uncached (key);
  /* Bounded: a server inventing keys fills it once, then misses. */
  if (cache.size () < 4096)
    cache.emplace (key, info);
  return info;
}

static GQuark
tag_quark (const std::string &key)
{
  return tag_info (key).quark;
}

static void
set_str (GstStructure *s, GQuark field, const std::string &v)
{
  GValue val = G_VALUE_INIT;
  g_value_init (&val, G_TYPE_STRING);
  g_value_set_string (&val, v.c_str ());
  gst_structure_id_take_value (s, field, &val);
}

static void
set_int64 (GstStructure *s, GQuark field, gint64 v)
{
  GValue val = G_VALUE_INIT;
  g_value_init (&val, G_TYPE_INT64);
  g_value_set_int64 (&val, v);
  gst_structure_id_take_value (s, field, &val);
}

static void
set_bool (GstStructure *s, GQuark field, bool v)
{
  GValue val = G_VALUE_INIT;
  g_value_init (&val, G_TYPE_BOOLEAN);
  g_value_set_boolean (&val, v);
  gst_structure_id_take_value (s, field, &val);
}

static void
take_structure (GstStructure *s, GQuark field, GstStructure *child)
{
  GValue val = G_VALUE_INIT;
  g_value_init (&val, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&val, child);
  gst_structure_id_take_value (s, field, &val);
}

static GstStructure *
badges_structure (GQuark name, const std::vector<twitch::ChatBadge> &v)
{
  GstStructure *s = gst_structure_new_id_empty (name);
  for (const auto &b : v) {
    /* A badge name beyond the quark budget stays in tags' "badges". */
    if (GQuark q = tag_quark (b.name))
      set_str (s, q, b.version);
  }
  return s;
}

static void
set_opt (GstStructure *s, GQuark field, const std::optional<int64_t> &v)
{
  if (v)
    set_int64 (s, field, *v);
}

/* Whether @v is the decimal form of @n (what set_int64 stores), so the
 * typed field gives the tag back as it came. */
static bool
is_decimal_of (const std::string &v, int64_t n)
{
  char buf[24];
  int len = g_snprintf (buf, sizeof (buf), "%" G_GINT64_FORMAT, (gint64)n);
  return v.size () == (size_t)len && memcmp (v.data (), buf, len) == 0;
}

static bool
is_bool_of (const std::string &v, bool b)
{
  return v == (b ? "1" : "0");
}

/* Whether the badges structure (name -> version) gives @raw back exactly:
 * every badge became a field, in order, "name/version,...". */
static bool
badges_give_back (
    const std::string &raw, const std::vector<twitch::ChatBadge> &v)
{
  size_t pos = 0;
  for (size_t i = 0; i < v.size (); ++i) {
    const auto &b = v[i];
    if (i > 0) {
      if (pos >= raw.size () || raw[pos] != ',')
        return false;
      pos++;
    }
    if (raw.compare (pos, b.name.size (), b.name) != 0)
      return false;
    pos += b.name.size ();
    if (pos >= raw.size () || raw[pos] != '/')
      return false;
    pos++;
    if (raw.compare (pos, b.version.size (), b.version) != 0)
      return false;
    pos += b.version.size ();
    if (!tag_quark (b.name))
      return false;
  }
  return pos == raw.size ();
}

/* Whether the typed emotes hold every range of @raw ("id:s-e,s-e/id:..."):
 * none was skipped as malformed or outside the text. */
static bool
emotes_give_back (
    const std::string &raw, const std::vector<twitch::ChatEmote> &v)
{
  if (raw.empty ())
    return false;
  size_t ranges = 1;
  for (char c : raw)
    ranges += c == ',' || c == '/';
  return ranges == v.size ();
}

enum TypedTag {
  T_NONE = 0,
  T_ID,
  T_USER_ID,
  T_ROOM_ID,
  T_COLOR,
  T_DISPLAY_NAME,
  T_LOGIN,
  T_BADGES,
  T_BADGE_INFO,
  T_EMOTES,
  T_BITS,
  T_FIRST_MSG,
  T_RETURNING,
  T_MOD,
  T_SUBSCRIBER,
  T_VIP,
  T_TMI_SENT_TS,
  T_R_MSG_ID,
  T_R_USER_ID,
  T_R_USER_LOGIN,
  T_R_DISPLAY_NAME,
  T_R_BODY,
  T_R_THREAD_ID,
  T_MSG_ID,
  T_SYSTEM_MSG,
  T_TARGET_USER,
  T_BAN_DURATION,
  T_TARGET_MSG,
  T_EMOTE_ONLY,
  T_FOLLOWERS_ONLY,
  T_R9K,
  T_SLOW,
  T_SUBS_ONLY,
  T_THREAD_ID,
};

/* Which typed field carries tag @key (T_NONE: none). */
static int
typed_kind (const std::string &key)
{
  static const std::unordered_map<std::string, int, KeyHash> typed = {
      {"id", T_ID},
      {"user-id", T_USER_ID},
      {"room-id", T_ROOM_ID},
      {"color", T_COLOR},
      {"display-name", T_DISPLAY_NAME},
      {"login", T_LOGIN},
      {"badges", T_BADGES},
      {"badge-info", T_BADGE_INFO},
      {"emotes", T_EMOTES},
      {"bits", T_BITS},
      {"first-msg", T_FIRST_MSG},
      {"returning-chatter", T_RETURNING},
      {"mod", T_MOD},
      {"subscriber", T_SUBSCRIBER},
      {"vip", T_VIP},
      {"tmi-sent-ts", T_TMI_SENT_TS},
      {"reply-parent-msg-id", T_R_MSG_ID},
      {"reply-parent-user-id", T_R_USER_ID},
      {"reply-parent-user-login", T_R_USER_LOGIN},
      {"reply-parent-display-name", T_R_DISPLAY_NAME},
      {"reply-parent-msg-body", T_R_BODY},
      {"reply-thread-parent-msg-id", T_R_THREAD_ID},
      {"msg-id", T_MSG_ID},
      {"system-msg", T_SYSTEM_MSG},
      {"target-user-id", T_TARGET_USER},
      {"ban-duration", T_BAN_DURATION},
      {"target-msg-id", T_TARGET_MSG},
      {"emote-only", T_EMOTE_ONLY},
      {"followers-only", T_FOLLOWERS_ONLY},
      {"r9k", T_R9K},
      {"slow", T_SLOW},
      {"subs-only", T_SUBS_ONLY},
      {"thread-id", T_THREAD_ID},
  };
  auto it = typed.find (key);
  return it == typed.end () ? T_NONE : it->second;
}

/* Whether the typed fields of the structure carry a tag of kind @typed
 * (typed_kind) with value @v exactly (same value once read back), so
 * "tags" need not repeat it. A tag whose value did not survive typing (say
 * a "bits" that is not a number) stays in "tags". */
static bool
typed_carries (const twitch::ChatMessage &m, int typed, const std::string &v)
{
  bool chat = m.kind == twitch::ChatKind::PRIVMSG
              || m.kind == twitch::ChatKind::USERNOTICE;
  auto same_set = [&v] (const std::string &field) {
    return !field.empty () && field == v;
  };
  auto same_opt = [&v] (const std::optional<int64_t> &o) {
    return o && is_decimal_of (v, *o);
  };
  switch (typed) {
    case T_NONE:
      return false;
    case T_ID:
      return same_set (m.id);
    case T_USER_ID:
      return same_set (m.user_id);
    case T_ROOM_ID:
      return same_set (m.room_id);
    case T_COLOR:
      return same_set (m.color);
    case T_DISPLAY_NAME:
      return same_set (m.display_name);
    case T_LOGIN:
      return same_set (m.login);
    case T_BADGES:
      return badges_give_back (v, m.badges);
    case T_BADGE_INFO:
      return badges_give_back (v, m.badge_info);
    case T_EMOTES:
      return emotes_give_back (v, m.emotes);
    case T_BITS:
      return chat && is_decimal_of (v, m.bits);
    case T_FIRST_MSG:
      return chat && is_bool_of (v, m.first_msg);
    case T_RETURNING:
      return chat && is_bool_of (v, m.returning_chatter);
    case T_MOD:
      return chat && is_bool_of (v, m.mod);
    case T_SUBSCRIBER:
      return chat && is_bool_of (v, m.subscriber);
    case T_VIP:
      return chat && is_bool_of (v, m.vip);
    case T_TMI_SENT_TS:
      return m.tmi_sent_ts >= 0 && is_decimal_of (v, m.tmi_sent_ts);
    case T_R_MSG_ID:
      return same_set (m.reply.parent_msg_id);
    case T_R_USER_ID:
      return m.reply.present () && m.reply.parent_user_id == v;
    case T_R_USER_LOGIN:
      return m.reply.present () && m.reply.parent_user_login == v;
    case T_R_DISPLAY_NAME:
      return m.reply.present () && m.reply.parent_display_name == v;
    case T_R_BODY:
      return m.reply.present () && m.reply.parent_msg_body == v;
    case T_R_THREAD_ID:
      return m.reply.present () && same_set (m.reply.thread_parent_msg_id);
    case T_MSG_ID:
      return same_set (m.msg_id);
    case T_SYSTEM_MSG:
      return same_set (m.system_msg);
    case T_TARGET_USER:
      return m.kind == twitch::ChatKind::CLEARCHAT
             && same_set (m.target_user_id);
    case T_BAN_DURATION:
      return m.kind == twitch::ChatKind::CLEARCHAT
             && is_decimal_of (v, m.ban_duration);
    case T_TARGET_MSG:
      return same_set (m.target_msg_id);
    case T_EMOTE_ONLY:
      return same_opt (m.emote_only);
    case T_FOLLOWERS_ONLY:
      return same_opt (m.followers_only);
    case T_R9K:
      return same_opt (m.r9k);
    case T_SLOW:
      return same_opt (m.slow);
    case T_SUBS_ONLY:
      return same_opt (m.subs_only);
    case T_THREAD_ID:
      return same_set (m.thread_id);
  }
  return false;
}

GstStructure *
gst_twitch_chat_message_to_structure (
    const twitch::ChatMessage &m, GstClockTime running_time)
{
  GstStructure *s = gst_structure_new_id_empty (Q ("twitch-chat"));
  set_str (s, Q ("command"), m.command);
  set_str (s, Q ("channel"), m.channel);
  set_str (s, Q ("login"), m.login);
  set_str (s, Q ("display-name"), m.display_name);
  set_str (s, Q ("text"), m.text);
  set_bool (s, Q ("action"), m.action);
  set_int64 (s, Q ("timestamp"), m.timestamp_ms ());
  if (GST_CLOCK_TIME_IS_VALID (running_time)) {
    GValue val = G_VALUE_INIT;
    g_value_init (&val, G_TYPE_UINT64);
    g_value_set_uint64 (&val, running_time);
    gst_structure_id_take_value (s, Q ("running-time"), &val);
  }
  if (!m.id.empty ())
    set_str (s, Q ("id"), m.id);
  if (!m.user_id.empty ())
    set_str (s, Q ("user-id"), m.user_id);
  if (!m.room_id.empty ())
    set_str (s, Q ("room-id"), m.room_id);
  if (!m.color.empty ())
    set_str (s, Q ("color"), m.color);
  if (m.has_tag ("badges"))
    take_structure (s, Q ("badges"), badges_structure (Q ("badges"), m.badges));
  if (m.has_tag ("badge-info"))
    take_structure (
        s, Q ("badge-info"), badges_structure (Q ("badge-info"), m.badge_info));
  if (!m.emotes.empty ()) {
    GValue arr = G_VALUE_INIT;
    gst_value_array_init (&arr, m.emotes.size ());
    for (const auto &e : m.emotes) {
      GValue v = G_VALUE_INIT;
      g_value_init (&v, GST_TYPE_STRUCTURE);
      GstStructure *es = gst_structure_new_id_empty (Q ("emote"));
      set_str (es, Q ("id"), e.id);
      GValue iv = G_VALUE_INIT;
      g_value_init (&iv, G_TYPE_INT);
      g_value_set_int (&iv, e.start);
      gst_structure_id_set_value (es, Q ("start"), &iv);
      g_value_set_int (&iv, e.end);
      gst_structure_id_take_value (es, Q ("end"), &iv);
      g_value_take_boxed (&v, es);
      gst_value_array_append_and_take_value (&arr, &v);
    }
    gst_structure_id_take_value (s, Q ("emotes"), &arr);
  }
  if (m.kind == twitch::ChatKind::PRIVMSG
      || m.kind == twitch::ChatKind::USERNOTICE) {
    set_int64 (s, Q ("bits"), m.bits);
    set_bool (s, Q ("first-msg"), m.first_msg);
    set_bool (s, Q ("returning-chatter"), m.returning_chatter);
    set_bool (s, Q ("mod"), m.mod);
    set_bool (s, Q ("subscriber"), m.subscriber);
    set_bool (s, Q ("vip"), m.vip);
  }
  if (m.tmi_sent_ts >= 0)
    set_int64 (s, Q ("tmi-sent-ts"), m.tmi_sent_ts);
  if (m.reply.present ()) {
    set_str (s, Q ("reply-parent-msg-id"), m.reply.parent_msg_id);
    set_str (s, Q ("reply-parent-user-id"), m.reply.parent_user_id);
    set_str (s, Q ("reply-parent-user-login"), m.reply.parent_user_login);
    set_str (s, Q ("reply-parent-display-name"), m.reply.parent_display_name);
    set_str (s, Q ("reply-parent-msg-body"), m.reply.parent_msg_body);
    if (!m.reply.thread_parent_msg_id.empty ())
      set_str (
          s, Q ("reply-thread-parent-msg-id"), m.reply.thread_parent_msg_id);
  }
  if (!m.msg_id.empty ())
    set_str (s, Q ("msg-id"), m.msg_id);
  if (!m.system_msg.empty ())
    set_str (s, Q ("system-msg"), m.system_msg);
  if (m.kind == twitch::ChatKind::CLEARCHAT) {
    if (!m.target_user_id.empty ())
      set_str (s, Q ("target-user-id"), m.target_user_id);
    set_int64 (s, Q ("ban-duration"), m.ban_duration);
  }
  if (!m.target_msg_id.empty ())
    set_str (s, Q ("target-msg-id"), m.target_msg_id);
  set_opt (s, Q ("emote-only"), m.emote_only);
  set_opt (s, Q ("followers-only"), m.followers_only);
  set_opt (s, Q ("r9k"), m.r9k);
  set_opt (s, Q ("slow"), m.slow);
  set_opt (s, Q ("subs-only"), m.subs_only);
  if (!m.recipient.empty ())
    set_str (s, Q ("recipient"), m.recipient);
  if (!m.thread_id.empty ())
    set_str (s, Q ("thread-id"), m.thread_id);

  /* "tags": only what no typed field above carries exactly, so every tag
   * is in the structure once (building it twice was a third of the cost of
   * an event). */
  GstStructure *tags = gst_structure_new_id_empty (Q ("tags"));
  std::string extra;
  for (const auto &t : m.tags) {
    TagInfo info = tag_info (t.first);
    if (typed_carries (m, info.typed, t.second))
      continue;
    if (GQuark q = info.quark) {
      set_str (tags, q, t.second);
    } else {
      if (!extra.empty ())
        extra.push_back (';');
      extra += t.first;
      extra.push_back ('=');
      extra += twitch::irc_escape_tag_value (t.second);
    }
  }
  take_structure (s, Q ("tags"), tags);
  if (!extra.empty ())
    set_str (s, Q ("extra-tags"), extra);
  return s;
}

std::string
gst_twitch_chat_message_prefix (GstElement *element)
{
  GstElementFactory *f = gst_element_get_factory (element);
  return f ? GST_OBJECT_NAME (f) : "twitchchat";
}

std::string
gst_twitch_chat_message_name (GstElement *element, const char *what)
{
  return gst_twitch_chat_message_prefix (element) + "-" + what;
}

GstStructure *
gst_twitch_chat_send_result_to_structure (
    const char *name, const twitch::SendResult &r)
{
  /* A refused send may carry what made it invalid: strings in a structure
   * are UTF-8. */
  gchar *text = g_utf8_make_valid (r.text.data (), r.text.size ());
  gchar *channel = g_utf8_make_valid (r.channel.data (), r.channel.size ());
  GstStructure *s = gst_structure_new (name, "id", G_TYPE_UINT64, (guint64)r.id,
      "outcome", G_TYPE_STRING, twitch::send_outcome_name (r.outcome),
      "channel", G_TYPE_STRING, channel, "text", G_TYPE_STRING, text, "reason",
      G_TYPE_STRING, r.reason.c_str (), "message-id", G_TYPE_STRING,
      r.message_id.c_str (), nullptr);
  g_free (text);
  g_free (channel);
  return s;
}

void
gst_twitch_chat_post_send_result (
    GstElement *element, const twitch::SendResult &r)
{
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element),
          gst_twitch_chat_send_result_to_structure (
              gst_twitch_chat_message_name (element, "send").c_str (), r)));
}

GstStructure *
gst_twitch_chat_state_to_structure (const char *prefix, twitch::ChatState state,
    int attempt, int64_t delay_us, const GError *why)
{
  std::string reason
      = why ? twitch::secrets_redact (why->message) : std::string ();
  std::string name
      = std::string (prefix) + "-" + twitch::chat_state_name (state);
  return gst_structure_new (name.c_str (), "state", G_TYPE_STRING,
      twitch::chat_state_name (state), "attempt", G_TYPE_INT, attempt, "delay",
      G_TYPE_UINT64, (guint64)delay_us * 1000, "reason", G_TYPE_STRING,
      reason.c_str (), nullptr);
}

bool
gst_twitch_chat_check_property (
    const char *property, const gchar *value, std::string *problem)
{
  GError *err = nullptr;
  bool ok = true;
  if (value && *value) {
    if (!g_strcmp0 (property, "channels"))
      ok = twitch::twitch_channel_list_parse (value, property, nullptr, &err);
    else if (!g_strcmp0 (property, "channel"))
      ok = twitch::twitch_name_normalize (value, true, property, nullptr, &err);
    else if (!g_strcmp0 (property, "login"))
      ok = twitch::twitch_name_normalize (
          value, false, property, nullptr, &err);
    else if (!g_strcmp0 (property, "oauth-token"))
      ok = twitch::twitch_token_validate (value, property, &err);
  }
  if (!ok) {
    *problem = err->message;
    g_error_free (err);
  }
  return ok;
}

void
gst_twitch_chat_watch_state (GstElement *element,
    GstTwitchChatConnectionWatch &watch, GstResourceError code,
    twitch::ChatState state, int attempt, int64_t delay_us, const GError *why)
{
  gst_twitch_chat_post_state (element, state, attempt, delay_us, why);
  bool requested = why
                   && g_error_matches (why, TWITCH_CHAT_ERROR,
                       twitch::TWITCH_CHAT_ERROR_RECONNECT_REQUESTED);
  if (state == twitch::ChatState::RECONNECTING && why && !requested) {
    bool first;
    {
      std::lock_guard<std::mutex> lk (watch.lock);
      first = !watch.failing;
      watch.failing = true;
      watch.failures++;
    }
    if (first) {
      /* One warning for the outage, not one a retry. */
      std::string text = twitch::secrets_redact (why->message);
      gst_element_message_full (element, GST_MESSAGE_WARNING,
          GST_RESOURCE_ERROR, code,
          g_strdup_printf ("%s. Retrying in %.1f s, and on until it works "
                           "(one more warning when it does).",
              text.c_str (), delay_us / 1e6),
          g_strdup_printf ("attempt %d; domain %s, code %d", attempt,
              g_quark_to_string (why->domain), why->code),
          __FILE__, GST_FUNCTION, __LINE__);
    }
  } else if (state == twitch::ChatState::CONNECTED) {
    int failures;
    {
      std::lock_guard<std::mutex> lk (watch.lock);
      failures = watch.failing ? watch.failures : 0;
      watch.failing = false;
      watch.failures = 0;
    }
    if (failures > 0)
      gst_element_message_full (element, GST_MESSAGE_WARNING,
          GST_RESOURCE_ERROR, code,
          g_strdup_printf ("Chat connection to %s is back, after %d failed "
                           "attempt%s.",
              watch.server.c_str (), failures, failures == 1 ? "" : "s"),
          nullptr, __FILE__, GST_FUNCTION, __LINE__);
  }
}

void
gst_twitch_chat_warn_insecure (GstElement *element, const twitch::ChatConfig &c)
{
  std::string w = twitch::chat_config_security_warning (c);
  if (!w.empty ())
    gst_element_message_full (element, GST_MESSAGE_WARNING, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_SETTINGS, g_strdup (w.c_str ()), nullptr, __FILE__,
        GST_FUNCTION, __LINE__);
}

void
gst_twitch_chat_post_fatal (
    GstElement *element, const GError *error, GstResourceError other_code)
{
  std::string text = twitch::secrets_redact (error->message);
  gst_element_message_full (element, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
      twitch::gst_resource_error_of (error, other_code),
      g_strdup (text.c_str ()),
      g_strdup_printf (
          "domain %s, code %d", g_quark_to_string (error->domain), error->code),
      __FILE__, GST_FUNCTION, __LINE__);
}

void
gst_twitch_chat_post_state (GstElement *element, twitch::ChatState state,
    int attempt, int64_t delay_us, const GError *why)
{
  gst_element_post_message (
      element, gst_message_new_element (GST_OBJECT (element),
                   gst_twitch_chat_state_to_structure (
                       gst_twitch_chat_message_prefix (element).c_str (), state,
                       attempt, delay_us, why)));
}
