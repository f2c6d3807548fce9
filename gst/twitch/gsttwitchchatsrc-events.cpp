/* twitchchatsrc: what one chat event becomes: the "twitch-chat"
 * structure, the serialized downstream event carrying it, the bus message
 * and the buffer (text from the format template, or the JSON line). */
#include "config.h"

#include "gsttwitchchatsrc-private.h"
#include "gsttwitchchatsrc-events.h"

#include <atomic>
#include <cstring>
#include <unordered_map>

#define GST_CAT_DEFAULT gst_twitch_chat_src_debug

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

/* Badge names: a handful in real chat, looked up twice a badge; a short
 * list compares faster than the hash map hashes. */
static GQuark
tag_quark (const std::string &key)
{
  thread_local std::vector<std::pair<std::string, GQuark>> recent_tls;
  auto &recent = recent_tls;
  for (const auto &r : recent)
    if (r.first == key)
      return r.second;
  GQuark q = tag_info (key).quark;
  if (recent.size () < 32)
    recent.emplace_back (key, q);
  return q;
}

/* Fields are set through gst_structure_id_set(): its value collection
 * costs less than g_value_init + g_value_set_* + take_value, and a group
 * of fields goes in one call. */
static void
set_str (GstStructure *s, GQuark field, const std::string &v)
{
  gst_structure_id_set (s, field, G_TYPE_STRING, v.c_str (), NULL);
}

static void
set_int64 (GstStructure *s, GQuark field, gint64 v)
{
  gst_structure_id_set (s, field, G_TYPE_INT64, v, NULL);
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
  /* Digits from the end (no printf: this runs for every numeric tag). */
  char buf[24];
  char *e = buf + sizeof (buf), *d = e;
  guint64 u = n < 0 ? 0 - (guint64)n : (guint64)n;
  do {
    *--d = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (n < 0)
    *--d = '-';
  return v.size () == (size_t)(e - d) && memcmp (v.data (), d, e - d) == 0;
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
GstTwitchChatEventBuilder::build (
    const twitch::ChatMessage &m, GstClockTime running_time)
{
  GstStructure *s
      = gst_structure_new_id (Q ("twitch-chat"), Q ("command"), G_TYPE_STRING,
          m.command.c_str (), Q ("channel"), G_TYPE_STRING, m.channel.c_str (),
          Q ("login"), G_TYPE_STRING, m.login.c_str (), Q ("display-name"),
          G_TYPE_STRING, m.display_name.c_str (), Q ("text"), G_TYPE_STRING,
          m.text.c_str (), Q ("action"), G_TYPE_BOOLEAN, (gboolean)m.action,
          Q ("timestamp"), G_TYPE_INT64, (gint64)m.timestamp_ms (), NULL);
  if (GST_CLOCK_TIME_IS_VALID (running_time))
    gst_structure_id_set (
        s, Q ("running-time"), G_TYPE_UINT64, (guint64)running_time, NULL);
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
      g_value_take_boxed (
          &v, gst_structure_new_id (Q ("emote"), Q ("id"), G_TYPE_STRING,
                  e.id.c_str (), Q ("start"), G_TYPE_INT, e.start, Q ("end"),
                  G_TYPE_INT, e.end, NULL));
      gst_value_array_append_and_take_value (&arr, &v);
    }
    gst_structure_id_take_value (s, Q ("emotes"), &arr);
  }
  if (m.kind == twitch::ChatKind::PRIVMSG
      || m.kind == twitch::ChatKind::USERNOTICE) {
    gst_structure_id_set (s, Q ("bits"), G_TYPE_INT64, (gint64)m.bits,
        Q ("first-msg"), G_TYPE_BOOLEAN, (gboolean)m.first_msg,
        Q ("returning-chatter"), G_TYPE_BOOLEAN, (gboolean)m.returning_chatter,
        Q ("mod"), G_TYPE_BOOLEAN, (gboolean)m.mod, Q ("subscriber"),
        G_TYPE_BOOLEAN, (gboolean)m.subscriber, Q ("vip"), G_TYPE_BOOLEAN,
        (gboolean)m.vip, NULL);
  }
  if (m.tmi_sent_ts >= 0)
    set_int64 (s, Q ("tmi-sent-ts"), m.tmi_sent_ts);
  if (m.reply.present ()) {
    gst_structure_id_set (s, Q ("reply-parent-msg-id"), G_TYPE_STRING,
        m.reply.parent_msg_id.c_str (), Q ("reply-parent-user-id"),
        G_TYPE_STRING, m.reply.parent_user_id.c_str (),
        Q ("reply-parent-user-login"), G_TYPE_STRING,
        m.reply.parent_user_login.c_str (), Q ("reply-parent-display-name"),
        G_TYPE_STRING, m.reply.parent_display_name.c_str (),
        Q ("reply-parent-msg-body"), G_TYPE_STRING,
        m.reply.parent_msg_body.c_str (), NULL);
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
  std::string &extra = extra_;
  extra.clear ();
  for (size_t i = 0; i < m.tags.size (); ++i) {
    const auto &t = m.tags[i];
    /* Twitch sends the same tags in the same order line after line: the
     * key at this place is most often the one of the message before, and
     * comparing it is cheaper than looking it up. */
    if (i == tag_cache_.size ())
      tag_cache_.emplace_back ();
    CachedTag &c = tag_cache_[i];
    if (c.key != t.first) {
      TagInfo info = tag_info (t.first);
      c.key = t.first;
      c.quark = info.quark;
      c.typed = info.typed;
    }
    if (typed_carries (m, c.typed, t.second))
      continue;
    if (GQuark q = c.quark) {
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

void
gst_twitch_chat_src_output (GstTwitchChatSrc *self, Pending &item, bool events,
    bool post, bool json, GstClockTime duration, GstBuffer **buf)
{
  auto *p = self->priv;
  GstBaseSrc *bsrc = GST_BASE_SRC (self);
  /* run is written by start() and stop() only, never while streaming. */
  const std::string &format = p->run.format;
  *buf = nullptr;
  const twitch::ChatMessage &m = item.msg;
  if (events || post) {
    GstStructure *s = p->event_builder.build (m, item.running_time);
    if (post) {
      /* The event's structure is "twitch-chat" (a data format); the bus
       * message is named after the element, like all of its others. */
      GstStructure *ms = events ? gst_structure_copy (s) : s;
      gst_structure_set_name (ms, p->chat_message_name.c_str ());
      gst_element_post_message (
          GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), ms));
    }
    if (events) {
      GstEvent *ev = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
      GST_EVENT_TIMESTAMP (ev) = item.running_time;
      gst_pad_push_event (GST_BASE_SRC_PAD (bsrc), ev);
    }
  }

  /* Reused message after message: no allocation once it has grown. */
  std::string &payload = p->payload;
  payload.clear ();
  if (json) {
    if (!item.json_line.empty ())
      payload = item.json_line;
    else
      payload = twitch::chat_message_to_json (m, (int64_t)item.running_time);
    payload.push_back ('\n');
  } else if (m.kind == twitch::ChatKind::PRIVMSG
             || m.kind == twitch::ChatKind::WHISPER) {
    twitch::chat_format_append (payload, format, m);
  } else if (m.kind == twitch::ChatKind::USERNOTICE) {
    twitch::ChatMessage shown = m;
    if (m.text.empty ())
      shown.text = m.system_msg;
    else if (!m.system_msg.empty ())
      shown.text = m.system_msg + " " + m.text;
    twitch::chat_format_append (payload, format, shown);
  }
  if (payload.empty ()) {
    /* An event without text: a gap keeps downstream (textoverlay)
     * moving. */
    gst_pad_push_event (
        GST_BASE_SRC_PAD (bsrc), gst_event_new_gap (item.running_time, 0));
    return;
  }
  GstBuffer *b = gst_buffer_new_allocate (nullptr, payload.size (), nullptr);
  gst_buffer_fill (b, 0, payload.data (), payload.size ());
  GST_BUFFER_PTS (b) = item.running_time;
  if (!json)
    GST_BUFFER_DURATION (b) = duration;
  {
    std::lock_guard<std::mutex> lk (p->lock);
    GST_BUFFER_OFFSET (b) = p->buffers++;
  }
  *buf = b;
}
