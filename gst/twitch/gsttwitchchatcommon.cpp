/* Shared by twitchchatsrc and twitchchatsink (see gsttwitchchatcommon.h). */
#include "config.h"

#include "gsttwitchchatcommon.h"

#include <gst/twitch/common/secrets.h>

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

static GstStructure *
badges_structure (const char *name, const std::vector<twitch::ChatBadge> &v)
{
  GstStructure *s = gst_structure_new_empty (name);
  for (const auto &b : v)
    gst_structure_set (
        s, b.name.c_str (), G_TYPE_STRING, b.version.c_str (), nullptr);
  return s;
}

static void
set_str (GstStructure *s, const char *field, const std::string &v)
{
  GValue val = G_VALUE_INIT;
  g_value_init (&val, G_TYPE_STRING);
  g_value_set_string (&val, v.c_str ());
  gst_structure_take_value (s, field, &val);
}

static void
set_opt (GstStructure *s, const char *field, const std::optional<int64_t> &v)
{
  if (v)
    gst_structure_set (s, field, G_TYPE_INT64, (gint64)*v, nullptr);
}

GstStructure *
gst_twitch_chat_message_to_structure (
    const twitch::ChatMessage &m, GstClockTime running_time)
{
  GstStructure *s = gst_structure_new_empty ("twitch-chat");
  set_str (s, "command", m.command);
  set_str (s, "channel", m.channel);
  set_str (s, "login", m.login);
  set_str (s, "display-name", m.display_name);
  set_str (s, "text", m.text);
  gst_structure_set (s, "action", G_TYPE_BOOLEAN, m.action, "timestamp",
      G_TYPE_INT64, (gint64)m.timestamp_ms (), nullptr);
  if (GST_CLOCK_TIME_IS_VALID (running_time))
    gst_structure_set (s, "running-time", G_TYPE_UINT64, running_time, nullptr);
  if (!m.id.empty ())
    set_str (s, "id", m.id);
  if (!m.user_id.empty ())
    set_str (s, "user-id", m.user_id);
  if (!m.room_id.empty ())
    set_str (s, "room-id", m.room_id);
  if (!m.color.empty ())
    set_str (s, "color", m.color);
  if (m.has_tag ("badges")) {
    GstStructure *b = badges_structure ("badges", m.badges);
    gst_structure_set (s, "badges", GST_TYPE_STRUCTURE, b, nullptr);
    gst_structure_free (b);
  }
  if (m.has_tag ("badge-info")) {
    GstStructure *b = badges_structure ("badge-info", m.badge_info);
    gst_structure_set (s, "badge-info", GST_TYPE_STRUCTURE, b, nullptr);
    gst_structure_free (b);
  }
  if (!m.emotes.empty ()) {
    GValue arr = G_VALUE_INIT;
    gst_value_array_init (&arr, m.emotes.size ());
    for (const auto &e : m.emotes) {
      GValue v = G_VALUE_INIT;
      g_value_init (&v, GST_TYPE_STRUCTURE);
      GstStructure *es
          = gst_structure_new ("emote", "id", G_TYPE_STRING, e.id.c_str (),
              "start", G_TYPE_INT, e.start, "end", G_TYPE_INT, e.end, nullptr);
      g_value_take_boxed (&v, es);
      gst_value_array_append_and_take_value (&arr, &v);
    }
    gst_structure_take_value (s, "emotes", &arr);
  }
  if (m.kind == twitch::ChatKind::PRIVMSG
      || m.kind == twitch::ChatKind::USERNOTICE) {
    gst_structure_set (s, "bits", G_TYPE_INT64, (gint64)m.bits, "first-msg",
        G_TYPE_BOOLEAN, m.first_msg, "returning-chatter", G_TYPE_BOOLEAN,
        m.returning_chatter, "mod", G_TYPE_BOOLEAN, m.mod, "subscriber",
        G_TYPE_BOOLEAN, m.subscriber, "vip", G_TYPE_BOOLEAN, m.vip, nullptr);
  }
  if (m.tmi_sent_ts >= 0)
    gst_structure_set (
        s, "tmi-sent-ts", G_TYPE_INT64, (gint64)m.tmi_sent_ts, nullptr);
  if (m.reply.present ()) {
    set_str (s, "reply-parent-msg-id", m.reply.parent_msg_id);
    set_str (s, "reply-parent-user-id", m.reply.parent_user_id);
    set_str (s, "reply-parent-user-login", m.reply.parent_user_login);
    set_str (s, "reply-parent-display-name", m.reply.parent_display_name);
    set_str (s, "reply-parent-msg-body", m.reply.parent_msg_body);
    if (!m.reply.thread_parent_msg_id.empty ())
      set_str (s, "reply-thread-parent-msg-id", m.reply.thread_parent_msg_id);
  }
  if (!m.msg_id.empty ())
    set_str (s, "msg-id", m.msg_id);
  if (!m.system_msg.empty ())
    set_str (s, "system-msg", m.system_msg);
  if (m.kind == twitch::ChatKind::CLEARCHAT) {
    if (!m.target_user_id.empty ())
      set_str (s, "target-user-id", m.target_user_id);
    gst_structure_set (
        s, "ban-duration", G_TYPE_INT64, (gint64)m.ban_duration, nullptr);
  }
  if (!m.target_msg_id.empty ())
    set_str (s, "target-msg-id", m.target_msg_id);
  set_opt (s, "emote-only", m.emote_only);
  set_opt (s, "followers-only", m.followers_only);
  set_opt (s, "r9k", m.r9k);
  set_opt (s, "slow", m.slow);
  set_opt (s, "subs-only", m.subs_only);
  if (!m.recipient.empty ())
    set_str (s, "recipient", m.recipient);
  if (!m.thread_id.empty ())
    set_str (s, "thread-id", m.thread_id);

  GstStructure *tags = gst_structure_new_empty ("tags");
  for (const auto &t : m.tags)
    set_str (tags, t.first.c_str (), t.second);
  gst_structure_set (s, "tags", GST_TYPE_STRUCTURE, tags, nullptr);
  gst_structure_free (tags);
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
