/* Shared by twitchchatsrc and twitchchatsink (see gsttwitchchatcommon.h). */
#include "config.h"

#include "gsttwitchchatcommon.h"

#include <gst/twitch/chat/names.h>
#include <gst/twitch/common/gsterror.h>
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
