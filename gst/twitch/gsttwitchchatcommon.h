/* Shared by twitchchatsrc and twitchchatsink: the send-policy enum type,
 * send outcome and connection messages (the twitch-chat structure of a
 * chat event is twitchchatsrc's: gsttwitchchatsrc-events.h). */
#pragma once

#include <gst/gst.h>
#include <gst/twitch/chat/client.h>

G_BEGIN_DECLS

/**
 * GstTwitchChatSendPolicy:
 * @GST_TWITCH_CHAT_SEND_POLICY_ENQUEUE: queue sends that cannot go out at
 *   once (disconnected or rate limited), up to max-age
 * @GST_TWITCH_CHAT_SEND_POLICY_DROP: drop them (outcome "dropped")
 * @GST_TWITCH_CHAT_SEND_POLICY_ERROR: fail them (outcome "failed")
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_CHAT_SEND_POLICY_ENQUEUE = 0,
  GST_TWITCH_CHAT_SEND_POLICY_DROP = 1,
  GST_TWITCH_CHAT_SEND_POLICY_ERROR = 2,
} GstTwitchChatSendPolicy;

#define GST_TYPE_TWITCH_CHAT_SEND_POLICY                                       \
  (gst_twitch_chat_send_policy_get_type ())
GType gst_twitch_chat_send_policy_get_type (void);

/**
 * GstTwitchChatDelivery:
 * @GST_TWITCH_CHAT_DELIVERY_AT_MOST_ONCE: a message written to a connection
 *   that dropped before Twitch confirmed it (with USERSTATE) is reported
 *   "unconfirmed" and never written again
 * @GST_TWITCH_CHAT_DELIVERY_AT_LEAST_ONCE: such a message is written again
 *   on the next connection; viewers may see it twice
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_CHAT_DELIVERY_AT_MOST_ONCE = 0,
  GST_TWITCH_CHAT_DELIVERY_AT_LEAST_ONCE = 1,
} GstTwitchChatDelivery;

#define GST_TYPE_TWITCH_CHAT_DELIVERY (gst_twitch_chat_delivery_get_type ())
GType gst_twitch_chat_delivery_get_type (void);

G_END_DECLS

#include <mutex>
#include <string>

/* Whether the connection is failing, for one warning an outage. */
struct GstTwitchChatConnectionWatch {
  std::mutex lock;
  std::string server; /* host:port, for the messages */
  bool failing = false;
  int failures = 0;
};

/* Bus messages of the chat elements are named after the element:
 * "<factory name>-<what>" ("twitchchatsrc-connected",
 * "twitchchatsink-send"), as twitchsink's are ("twitchsink-connected"). */
std::string gst_twitch_chat_message_prefix (GstElement *element);
std::string gst_twitch_chat_message_name (
    GstElement *element, const char *what);

/* Send outcome structure named @name ("<element>-send"): id, outcome,
 * channel, text, reason, message-id. */
GstStructure *gst_twitch_chat_send_result_to_structure (
    const char *name, const twitch::SendResult &result);

/* Posts @result as "<element>-send" on @element's bus. */
void gst_twitch_chat_post_send_result (
    GstElement *element, const twitch::SendResult &result);

/* "<prefix>-<state>" (connecting, connected, reconnecting, stopped):
 * state, attempt, delay (ns), reason. */
GstStructure *gst_twitch_chat_state_to_structure (const char *prefix,
    twitch::ChatState state, int attempt, int64_t delay_us, const GError *why);

/* Posts the chat client's fatal error as @element's error: a refused login
 * is GST_RESOURCE_ERROR_NOT_AUTHORIZED, anything else @other_code (READ for
 * the source, WRITE for the sink). The text is redacted. */
void gst_twitch_chat_post_fatal (
    GstElement *element, const GError *error, GstResourceError other_code);

/* Posts a "<element>-<state>" element message on @element's bus. */
void gst_twitch_chat_post_state (GstElement *element, twitch::ChatState state,
    int attempt, int64_t delay_us, const GError *why);

/* Posts the state message, and a GST_ELEMENT_WARNING (@code) on the first
 * failure of a connection (the cause and the next retry) and when it comes
 * back: what gst-launch shows. A server's RECONNECT is not a failure. */
void gst_twitch_chat_watch_state (GstElement *element,
    GstTwitchChatConnectionWatch &watch, GstResourceError code,
    twitch::ChatState state, int attempt, int64_t delay_us, const GError *why);

/* One warning when @config sends the token in clear text. */
void gst_twitch_chat_warn_insecure (
    GstElement *element, const twitch::ChatConfig &config);

/* Checks a string property that reaches the wire (channels, channel,
 * login, oauth-token) as it is set; false with @problem naming the
 * property (and never the token). */
bool gst_twitch_chat_check_property (
    const char *property, const gchar *value, std::string *problem);
