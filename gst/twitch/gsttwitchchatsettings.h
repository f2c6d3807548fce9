/* The connection settings twitchchatsrc and twitchchatsink share, in one
 * place: the GstTwitchChatSettingsHandler interface installs the
 * properties (oauth-token, login, server, tls-ca-file, send-policy,
 * max-age, delivery, transport) with their docs; each element overrides them
 * and keeps their values in one GstTwitchChatSettings, checked as they are set
 * (chat/names.h), with the TWITCH_OAUTH_TOKEN fallback resolved at start.
 * The model is rtmp2's GstRtmpLocationHandler. */
#pragma once

#include "gsttwitchchatcommon.h"

#include <gst/twitch/gsttwitchchatenums.h>
#include <gst/twitch/gsttwitch-enum-types.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_CHAT_SETTINGS_HANDLER                                  \
  (gst_twitch_chat_settings_handler_get_type ())
G_DECLARE_INTERFACE (GstTwitchChatSettingsHandler,
    gst_twitch_chat_settings_handler, GST, TWITCH_CHAT_SETTINGS_HANDLER,
    GObject)

struct _GstTwitchChatSettingsHandlerInterface {
  GTypeInterface parent_iface;
};

G_END_DECLS

#include <gst/twitch/common/secret.h>

#include <map>
#include <string>

#define GST_TWITCH_CHAT_DEFAULT_SERVER "ircs://irc.chat.twitch.tv:6697"

/* The shared properties, as offsets from the element's first id for them
 * (gst_twitch_chat_settings_override). */
enum GstTwitchChatSettingsProp {
  GST_TWITCH_CHAT_SETTINGS_OAUTH_TOKEN = 0,
  GST_TWITCH_CHAT_SETTINGS_LOGIN,
  GST_TWITCH_CHAT_SETTINGS_SERVER,
  GST_TWITCH_CHAT_SETTINGS_TLS_CA_FILE,
  GST_TWITCH_CHAT_SETTINGS_SEND_POLICY,
  GST_TWITCH_CHAT_SETTINGS_MAX_AGE,
  GST_TWITCH_CHAT_SETTINGS_DELIVERY,
  GST_TWITCH_CHAT_SETTINGS_TRANSPORT,
  GST_TWITCH_CHAT_SETTINGS_N_PROPS,
};

/* The values of the shared properties (elements derive their settings
 * struct from it and hold it under their settings lock). Copyable: the
 * copies share the token, registered for redaction while any holds it. */
struct GstTwitchChatSettings {
  twitch::SharedSecret token;
  std::string login;
  std::string server = GST_TWITCH_CHAT_DEFAULT_SERVER;
  std::string tls_ca_file;
  GstTwitchChatSendPolicy send_policy = GST_TWITCH_CHAT_SEND_POLICY_ENQUEUE;
  guint64 max_age = 60 * GST_SECOND;
  GstTwitchChatDelivery delivery = GST_TWITCH_CHAT_DELIVERY_AT_MOST_ONCE;
  GstTwitchChatTransport transport = GST_TWITCH_CHAT_TRANSPORT_IRC;
  /* Property name -> why its value cannot be used (reported at start);
   * the element's own checked properties go here too. */
  std::map<std::string, std::string> invalid;
};

/* In class_init: overrides the interface's properties at ids @first ..
 * @first + GST_TWITCH_CHAT_SETTINGS_N_PROPS - 1. */
void gst_twitch_chat_settings_override (GObjectClass *klass, guint first);

/* Checks an element-specific string property that reaches the wire
 * ("channels", "channel") as it is set: records or clears it in
 * s.invalid, with a warning on @object. */
void gst_twitch_chat_settings_check (GstTwitchChatSettings &s, GObject *object,
    const char *property, const gchar *value);

/* set_property/get_property of the shared properties (@prop_id - @first in
 * GstTwitchChatSettingsProp); false when @prop_id is not one of them. */
bool gst_twitch_chat_settings_set_property (GstTwitchChatSettings &s,
    GObject *object, guint first, guint prop_id, const GValue *value);
bool gst_twitch_chat_settings_get_property (
    const GstTwitchChatSettings &s, guint first, guint prop_id, GValue *value);

/* What warnings call the chat server: host:port, or EventSub's URL. */
std::string gst_twitch_chat_server_name (const twitch::ChatConfig &config);

/* Lets go of the token (finalize). */
void gst_twitch_chat_settings_clear (GstTwitchChatSettings &s);

/* Whether a token is set, or TWITCH_OAUTH_TOKEN gives one. */
bool gst_twitch_chat_settings_has_token (const GstTwitchChatSettings &s);

/* Fills the connection part of @config; false with a
 * GST_RESOURCE_ERROR_SETTINGS-worthy message in @error on bad values (a
 * bad TWITCH_OAUTH_TOKEN, a token without login, a bad server). */
bool gst_twitch_chat_settings_configure (
    const GstTwitchChatSettings &s, twitch::ChatConfig &config, GError **error);
