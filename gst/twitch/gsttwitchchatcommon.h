/* Shared by twitchchatsrc and twitchchatsink: the send-policy enum type,
 * the GstStructure of a chat event, send outcome and connection messages. */
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

G_END_DECLS

/* "twitch-chat" structure of @msg: command, kind, channel, login,
 * display-name, text, action, id, user-id, room-id, color, badges and
 * badge-info (GstStructure name -> version), emotes (GstValueArray of
 * "emote" structures id/start/end), bits, first-msg, returning-chatter,
 * mod, subscriber, vip, tmi-sent-ts, timestamp, reply-parent-*, msg-id,
 * system-msg, the per-kind fields, and tags (every raw tag, unescaped).
 * @running_time is added as "running-time" when valid. */
GstStructure *gst_twitch_chat_message_to_structure (
    const twitch::ChatMessage &msg, GstClockTime running_time);

/* "twitch-chat-send" structure: id, outcome, channel, text, reason,
 * message-id. */
GstStructure *gst_twitch_chat_send_result_to_structure (
    const twitch::SendResult &result);

/* "twitch-chat-connection": state, attempt, delay (ns), reason. */
GstStructure *gst_twitch_chat_state_to_structure (
    twitch::ChatState state, int attempt, int64_t delay_us, const GError *why);

/* Posts the chat client's fatal error as @element's error: a refused login
 * is GST_RESOURCE_ERROR_NOT_AUTHORIZED, anything else @other_code (READ for
 * the source, WRITE for the sink). The text is redacted. */
void gst_twitch_chat_post_fatal (
    GstElement *element, const GError *error, GstResourceError other_code);

/* Posts a "twitch-chat-connection" element message on @element's bus. */
void gst_twitch_chat_post_state (GstElement *element, twitch::ChatState state,
    int attempt, int64_t delay_us, const GError *why);

/* Fills the connection part of @config from element settings; false with
 * a GST_RESOURCE_ERROR_SETTINGS-worthy message in @error on bad values. */
bool gst_twitch_chat_configure (twitch::ChatConfig &config,
    const std::string &server, const std::string &tls_ca_file,
    const std::string &login, const std::string &token,
    GstTwitchChatSendPolicy policy, guint64 max_age_ns, GError **error);
