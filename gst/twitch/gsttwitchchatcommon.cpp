/* Shared by twitchchatsrc and twitchchatsink (see gsttwitchchatcommon.h). */
#include "config.h"

#include "gsttwitchchatcommon.h"

#include <gst/twitch/common/secrets.h>

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

static GQuark
tag_quark (const std::string &key)
{
  thread_local std::unordered_map<std::string, GQuark, KeyHash> cache;
  auto it = cache.find (key);
  if (it != cache.end ())
    return it->second;
  GQuark q = g_quark_from_string (key.c_str ());
  if (cache.size () < 4096)
    cache.emplace (key, q);
  return q;
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
  for (const auto &b : v)
    set_str (s, tag_quark (b.name), b.version);
  return s;
}

static void
set_opt (GstStructure *s, GQuark field, const std::optional<int64_t> &v)
{
  if (v)
    set_int64 (s, field, *v);
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

  GstStructure *tags = gst_structure_new_id_empty (Q ("tags"));
  for (const auto &t : m.tags)
    set_str (tags, tag_quark (t.first), t.second);
  take_structure (s, Q ("tags"), tags);
  return s;
}

GstStructure *
gst_twitch_chat_send_result_to_structure (const twitch::SendResult &r)
{
  return gst_structure_new ("twitch-chat-send", "id", G_TYPE_UINT64,
      (guint64)r.id, "outcome", G_TYPE_STRING,
      twitch::send_outcome_name (r.outcome), "channel", G_TYPE_STRING,
      r.channel.c_str (), "text", G_TYPE_STRING, r.text.c_str (), "reason",
      G_TYPE_STRING, r.reason.c_str (), "message-id", G_TYPE_STRING,
      r.message_id.c_str (), nullptr);
}

GstStructure *
gst_twitch_chat_state_to_structure (
    twitch::ChatState state, int attempt, int64_t delay_us, const GError *why)
{
  std::string reason
      = why ? twitch::secrets_redact (why->message) : std::string ();
  return gst_structure_new ("twitch-chat-connection", "state", G_TYPE_STRING,
      twitch::chat_state_name (state), "attempt", G_TYPE_INT, attempt, "delay",
      G_TYPE_UINT64, (guint64)delay_us * 1000, "reason", G_TYPE_STRING,
      reason.c_str (), nullptr);
}

bool
gst_twitch_chat_configure (twitch::ChatConfig &c, const std::string &server,
    const std::string &tls_ca_file, const std::string &login,
    const std::string &token, GstTwitchChatSendPolicy policy,
    guint64 max_age_ns, GError **error)
{
  if (!twitch::chat_config_set_server (c, server, error))
    return false;
  c.tls_ca_file = tls_ca_file;
  c.login = login;
  c.token = token;
  /* A token on a gst-launch command line is logged by the parser itself
   * (and shown by ps) before any element exists: the environment keeps it
   * out of both. */
  if (c.token.empty ()) {
    const char *env = g_getenv ("TWITCH_OAUTH_TOKEN");
    if (env && *env)
      c.token = env;
  }
  if (!c.token.empty () && login.empty ()) {
    g_set_error (error, TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_SETTINGS,
        "oauth-token is set but login is empty: set login to the Twitch "
        "user name the token belongs to");
    return false;
  }
  switch (policy) {
    case GST_TWITCH_CHAT_SEND_POLICY_DROP:
      c.send_policy = twitch::SendPolicy::DROP;
      break;
    case GST_TWITCH_CHAT_SEND_POLICY_ERROR:
      c.send_policy = twitch::SendPolicy::ERROR;
      break;
    default:
      c.send_policy = twitch::SendPolicy::ENQUEUE;
      break;
  }
  c.max_age_us = (int64_t)(max_age_ns / 1000);
  /* Test hooks: scaled keepalive and rate limits (documented in
   * docs/chat.md, never needed against Twitch). */
  if (const char *v = g_getenv ("GST_TWITCH_CHAT_PING_IDLE_MS"))
    c.ping_idle_us = g_ascii_strtoll (v, nullptr, 10) * 1000;
  if (const char *v = g_getenv ("GST_TWITCH_CHAT_PONG_TIMEOUT_MS"))
    c.pong_timeout_us = g_ascii_strtoll (v, nullptr, 10) * 1000;
  return true;
}

void
gst_twitch_chat_post_fatal (
    GstElement *element, const GError *error, GstResourceError other_code)
{
  bool refused =
      g_error_matches (error, TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_LOGIN);
  std::string text = twitch::secrets_redact (error->message);
  gst_element_message_full (element, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
      refused ? GST_RESOURCE_ERROR_NOT_AUTHORIZED : other_code,
      g_strdup (text.c_str ()),
      g_strdup_printf ("domain %s, code %d", g_quark_to_string (error->domain),
          error->code),
      __FILE__, GST_FUNCTION, __LINE__);
}

void
gst_twitch_chat_post_state (GstElement *element, twitch::ChatState state,
    int attempt, int64_t delay_us, const GError *why)
{
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element),
          gst_twitch_chat_state_to_structure (state, attempt, delay_us, why)));
}
