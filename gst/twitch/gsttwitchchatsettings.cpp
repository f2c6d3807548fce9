/* The chat elements' shared settings (see gsttwitchchatsettings.h). */
#include "config.h"

#include "gsttwitchchatsettings.h"

#include <gst/twitch/chat/names.h>
#include <gst/twitch/common/environment.h>
#include <gst/twitch/common/secret.h>
#include <gst/twitch/helix/helix.h>

GST_DEBUG_CATEGORY_STATIC (gst_twitch_chat_settings_debug);
#define GST_CAT_DEFAULT gst_twitch_chat_settings_debug

static const char *const kNames[GST_TWITCH_CHAT_SETTINGS_N_PROPS]
    = {"oauth-token", "login", "server", "tls-ca-file", "send-policy",
        "max-age", "delivery", "transport"};

G_DEFINE_INTERFACE (GstTwitchChatSettingsHandler,
    gst_twitch_chat_settings_handler, G_TYPE_OBJECT)

static void
gst_twitch_chat_settings_handler_default_init (
    GstTwitchChatSettingsHandlerInterface *iface)
{
  GST_DEBUG_CATEGORY_INIT (gst_twitch_chat_settings_debug, "twitchchatsettings",
      0, "Twitch chat element settings");
  const GParamFlags rw_ready
      = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                      | GST_PARAM_MUTABLE_READY);
  /**
   * GstTwitchChatSettingsHandler:oauth-token:
   *
   * OAuth user access token, with or without "oauth:": chat:read to read,
   * chat:edit to send. Write-only; never logged. Unset: the
   * TWITCH_OAUTH_TOKEN environment variable (which keeps it off a
   * gst-launch command line), else the token `gst-twitch login` stored,
   * else anonymous read-only chat (twitchchatsrc; twitchchatsink needs a
   * token).
   *
   * Since: 1.0
   */
  g_object_interface_install_property (iface,
      g_param_spec_string ("oauth-token", "OAuth token",
          "OAuth user token, chat:read / chat:edit to send (write-only "
          "secret; default: TWITCH_OAUTH_TOKEN, else the gst-twitch login "
          "token, else anonymous read-only chat)",
          nullptr,
          (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_READY)));
  /**
   * GstTwitchChatSettingsHandler:login:
   *
   * The Twitch user name the oauth-token belongs to. Unset: the login
   * stored with the `gst-twitch login` token, else learnt from the token
   * (Twitch's token validation, TWITCH_AUTH_URL) before connecting.
   *
   * Since: 1.0
   */
  g_object_interface_install_property (
      iface, g_param_spec_string ("login", "Login",
                 "Twitch user name the oauth-token belongs to (default: learnt "
                 "from the token)",
                 nullptr, rw_ready));
  /**
   * GstTwitchChatSettingsHandler:server:
   *
   * Chat server: ircs://host:port (TLS, verified) or irc://host:port
   * (plain TCP, for local test servers).
   *
   * Since: 1.0
   */
  g_object_interface_install_property (
      iface, g_param_spec_string ("server", "Server",
                 "Chat server URI: ircs://host:port (TLS) or irc://host:port",
                 GST_TWITCH_CHAT_DEFAULT_SERVER, rw_ready));
  /**
   * GstTwitchChatSettingsHandler:tls-ca-file:
   *
   * PEM file of CA certificates to trust instead of the system's (a test
   * server's self-signed certificate). Certificates are always verified.
   *
   * Since: 1.0
   */
  g_object_interface_install_property (iface,
      g_param_spec_string ("tls-ca-file", "TLS CA file",
          "PEM file of CA certificates to trust instead of the system store",
          nullptr, rw_ready));
  /**
   * GstTwitchChatSettingsHandler:send-policy:
   *
   * What happens to a message that cannot go out at once (disconnected or
   * rate limited).
   *
   * Since: 1.0
   */
  g_object_interface_install_property (
      iface, g_param_spec_enum ("send-policy", "Send policy",
                 "What happens to a message that cannot be sent at once",
                 GST_TYPE_TWITCH_CHAT_SEND_POLICY,
                 GST_TWITCH_CHAT_SEND_POLICY_ENQUEUE, rw_ready));
  /**
   * GstTwitchChatSettingsHandler:max-age:
   *
   * Queued messages older than this expire instead of going out late.
   *
   * Since: 1.0
   */
  g_object_interface_install_property (iface,
      g_param_spec_uint64 ("max-age", "Max age",
          "Queued messages older than this (ns) expire instead of being sent",
          GST_MSECOND, G_MAXUINT64, 60 * GST_SECOND, rw_ready));
  /**
   * GstTwitchChatSettingsHandler:delivery:
   *
   * What happens to a message whose connection dropped before Twitch
   * confirmed it: at-most-once (the default) reports it "unconfirmed" and
   * never writes it again; at-least-once writes it again on the next
   * connection, and viewers may see it twice.
   *
   * Since: 1.0
   */
  g_object_interface_install_property (iface,
      g_param_spec_enum ("delivery", "Delivery",
          "A message whose connection dropped before Twitch confirmed it: "
          "at-most-once reports it unconfirmed, at-least-once writes it again",
          GST_TYPE_TWITCH_CHAT_DELIVERY, GST_TWITCH_CHAT_DELIVERY_AT_MOST_ONCE,
          rw_ready));
  /**
   * GstTwitchChatSettingsHandler:transport:
   *
   * How chat is read and sent. irc (the default): Twitch's IRC, anonymous
   * or with a chat:read / chat:edit token; server applies. eventsub: the
   * EventSub WebSocket (TWITCH_EVENTSUB_URL, else
   * wss://eventsub.wss.twitch.tv/ws) to read and Helix Send Chat Message
   * to send, with a user token with user:read:chat (and user:write:chat
   * to send); server is not used. Text, JSON records, events and bus
   * messages are the same either way; the JSON record's "transport" says
   * which.
   *
   * Since: 1.0
   */
  gst_type_mark_as_plugin_api (
      GST_TYPE_TWITCH_CHAT_TRANSPORT, (GstPluginAPIFlags)0);
  g_object_interface_install_property (iface,
      g_param_spec_enum ("transport", "Transport",
          "How chat is read and sent: irc (TMI) or eventsub (EventSub "
          "WebSocket + Helix; a token with user:read:chat, user:write:chat "
          "to send)",
          GST_TYPE_TWITCH_CHAT_TRANSPORT, GST_TWITCH_CHAT_TRANSPORT_IRC,
          rw_ready));
}

void
gst_twitch_chat_settings_override (GObjectClass *klass, guint first)
{
  for (guint i = 0; i < GST_TWITCH_CHAT_SETTINGS_N_PROPS; ++i)
    g_object_class_override_property (klass, first + i, kNames[i]);
}

void
gst_twitch_chat_settings_check (GstTwitchChatSettings &s, GObject *object,
    const char *property, const gchar *value)
{
  /* What reaches the wire is checked as it comes in; a bad value is the
   * error of start(), naming the property. */
  std::string problem;
  if (gst_twitch_chat_check_property (property, value, &problem)) {
    s.invalid.erase (property);
  } else {
    GST_WARNING_OBJECT (object, "%s", problem.c_str ());
    s.invalid[property] = problem;
  }
}

bool
gst_twitch_chat_settings_set_property (GstTwitchChatSettings &s,
    GObject *object, guint first, guint prop_id, const GValue *value)
{
  if (prop_id < first || prop_id >= first + GST_TWITCH_CHAT_SETTINGS_N_PROPS)
    return false;
  auto which = (GstTwitchChatSettingsProp)(prop_id - first);
  const gchar *v
      = G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : nullptr;
  switch (which) {
    case GST_TWITCH_CHAT_SETTINGS_OAUTH_TOKEN:
      gst_twitch_chat_settings_check (s, object, "oauth-token", v);
      s.token = twitch::secret_share (v ? v : "");
      break;
    case GST_TWITCH_CHAT_SETTINGS_LOGIN:
      gst_twitch_chat_settings_check (s, object, "login", v);
      s.login = v ? v : "";
      break;
    case GST_TWITCH_CHAT_SETTINGS_SERVER:
      s.server = v ? v : GST_TWITCH_CHAT_DEFAULT_SERVER;
      break;
    case GST_TWITCH_CHAT_SETTINGS_TLS_CA_FILE:
      s.tls_ca_file = v ? v : "";
      break;
    case GST_TWITCH_CHAT_SETTINGS_SEND_POLICY:
      s.send_policy = (GstTwitchChatSendPolicy)g_value_get_enum (value);
      break;
    case GST_TWITCH_CHAT_SETTINGS_MAX_AGE:
      s.max_age = g_value_get_uint64 (value);
      break;
    case GST_TWITCH_CHAT_SETTINGS_DELIVERY:
      s.delivery = (GstTwitchChatDelivery)g_value_get_enum (value);
      break;
    case GST_TWITCH_CHAT_SETTINGS_TRANSPORT:
      s.transport = (GstTwitchChatTransport)g_value_get_enum (value);
      break;
    case GST_TWITCH_CHAT_SETTINGS_N_PROPS:
      return false;
  }
  return true;
}

bool
gst_twitch_chat_settings_get_property (
    const GstTwitchChatSettings &s, guint first, guint prop_id, GValue *value)
{
  if (prop_id < first || prop_id >= first + GST_TWITCH_CHAT_SETTINGS_N_PROPS)
    return false;
  auto set_str = [value] (const std::string &v) {
    g_value_set_string (value, v.empty () ? nullptr : v.c_str ());
  };
  switch ((GstTwitchChatSettingsProp)(prop_id - first)) {
    case GST_TWITCH_CHAT_SETTINGS_OAUTH_TOKEN:
      /* Write-only: GObject never asks. */
      break;
    case GST_TWITCH_CHAT_SETTINGS_LOGIN:
      set_str (s.login);
      break;
    case GST_TWITCH_CHAT_SETTINGS_SERVER:
      set_str (s.server);
      break;
    case GST_TWITCH_CHAT_SETTINGS_TLS_CA_FILE:
      set_str (s.tls_ca_file);
      break;
    case GST_TWITCH_CHAT_SETTINGS_SEND_POLICY:
      g_value_set_enum (value, s.send_policy);
      break;
    case GST_TWITCH_CHAT_SETTINGS_MAX_AGE:
      g_value_set_uint64 (value, s.max_age);
      break;
    case GST_TWITCH_CHAT_SETTINGS_DELIVERY:
      g_value_set_enum (value, s.delivery);
      break;
    case GST_TWITCH_CHAT_SETTINGS_TRANSPORT:
      g_value_set_enum (value, s.transport);
      break;
    case GST_TWITCH_CHAT_SETTINGS_N_PROPS:
      return false;
  }
  return true;
}

std::string
gst_twitch_chat_server_name (const twitch::ChatConfig &c)
{
  if (c.transport == twitch::ChatTransport::EVENTSUB)
    return c.eventsub_url.empty () ? twitch::eventsub_websocket_url ()
                                   : c.eventsub_url;
  return c.host + ":" + std::to_string (c.port);
}

void
gst_twitch_chat_settings_clear (GstTwitchChatSettings &s)
{
  s.token.reset ();
}

bool
gst_twitch_chat_settings_has_token (const GstTwitchChatSettings &s)
{
  /* Through a Secret: the value read is wiped, not left in a copy. */
  twitch::Secret env (twitch::env::oauth_token);
  return s.token || env.resolve () || twitch::stored_login_token ();
}

bool
gst_twitch_chat_settings_configure (
    const GstTwitchChatSettings &s, twitch::ChatConfig &c, GError **error)
{
  if (!twitch::chat_config_set_server (c, s.server, error))
    return false;
  c.tls_ca_file = s.tls_ca_file;
  c.login = s.login;
  c.token = twitch::secret_reveal (s.token);
  /* A token on a gst-launch command line is logged by the parser itself
   * (and shown by ps) before any element exists: the environment keeps it
   * out of both. */
  twitch::Secret env (twitch::env::oauth_token);
  if (c.token.empty () && env.resolve ()) {
    if (!twitch::twitch_token_validate (
            env.reveal (), "TWITCH_OAUTH_TOKEN", error))
      return false;
    c.token = env.reveal ();
  }
  /* Then the token `gst-twitch login` stored, with its login (the same
   * order as the Helix client). */
  if (c.token.empty ()) {
    if (auto stored = twitch::stored_login_token ()) {
      GST_INFO ("using the token stored by gst-twitch login (%s)",
          stored->path.c_str ());
      c.token = stored->access_token;
      if (c.login.empty ())
        c.login = stored->login;
    }
  }
  /* A token without login: the chat client learns the login from the
   * token (Twitch's token validation, TWITCH_AUTH_URL) on its own thread,
   * and fails with one clear error when it cannot. */
  switch (s.send_policy) {
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
  c.delivery = s.delivery == GST_TWITCH_CHAT_DELIVERY_AT_LEAST_ONCE
                   ? twitch::Delivery::AT_LEAST_ONCE
                   : twitch::Delivery::AT_MOST_ONCE;
  c.max_age_us = (int64_t)(s.max_age / 1000);
  c.transport = s.transport == GST_TWITCH_CHAT_TRANSPORT_EVENTSUB
                    ? twitch::ChatTransport::EVENTSUB
                    : twitch::ChatTransport::IRC;
  /* The keepalive test hooks (GST_TWITCH_CHAT_PING_IDLE_MS, ...) are read
   * by the chat client itself. */
  return true;
}
