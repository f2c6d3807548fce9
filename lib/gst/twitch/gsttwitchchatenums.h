/* gst-twitch: the enumerations of the chat client. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

G_BEGIN_DECLS

/**
 * GstTwitchChatKind:
 * @GST_TWITCH_CHAT_KIND_UNKNOWN: a command gst-twitch does not type
 * @GST_TWITCH_CHAT_KIND_PRIVMSG: a chat message
 * @GST_TWITCH_CHAT_KIND_USERNOTICE: an event: sub, resub, subgift, raid,
 *   announcement, ... (see #GstTwitchChatMessage:notice-id)
 * @GST_TWITCH_CHAT_KIND_CLEARCHAT: chat cleared, or a user timed out or banned
 * @GST_TWITCH_CHAT_KIND_CLEARMSG: one message deleted
 * @GST_TWITCH_CHAT_KIND_ROOMSTATE: the channel's chat settings
 * @GST_TWITCH_CHAT_KIND_USERSTATE: our own state in a channel (after joining
 *   and after each message sent)
 * @GST_TWITCH_CHAT_KIND_GLOBALUSERSTATE: our own state after login
 * @GST_TWITCH_CHAT_KIND_NOTICE: a notice from Twitch (refusals, rate limits)
 * @GST_TWITCH_CHAT_KIND_WHISPER: a whisper
 * @GST_TWITCH_CHAT_KIND_RECONNECT: Twitch asks to reconnect (the client does)
 * @GST_TWITCH_CHAT_KIND_PING: a keepalive PING (the client answers it)
 * @GST_TWITCH_CHAT_KIND_PONG: a keepalive answer
 * @GST_TWITCH_CHAT_KIND_JOIN: a user joined
 * @GST_TWITCH_CHAT_KIND_PART: a user left
 * @GST_TWITCH_CHAT_KIND_CAP: capability negotiation
 * @GST_TWITCH_CHAT_KIND_HOSTTARGET: a host (retired by Twitch)
 * @GST_TWITCH_CHAT_KIND_NUMERIC: a numeric server reply
 *
 * The kinds of chat messages.
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_CHAT_KIND_UNKNOWN = 0,
  GST_TWITCH_CHAT_KIND_PRIVMSG,
  GST_TWITCH_CHAT_KIND_USERNOTICE,
  GST_TWITCH_CHAT_KIND_CLEARCHAT,
  GST_TWITCH_CHAT_KIND_CLEARMSG,
  GST_TWITCH_CHAT_KIND_ROOMSTATE,
  GST_TWITCH_CHAT_KIND_USERSTATE,
  GST_TWITCH_CHAT_KIND_GLOBALUSERSTATE,
  GST_TWITCH_CHAT_KIND_NOTICE,
  GST_TWITCH_CHAT_KIND_WHISPER,
  GST_TWITCH_CHAT_KIND_RECONNECT,
  GST_TWITCH_CHAT_KIND_PING,
  GST_TWITCH_CHAT_KIND_PONG,
  GST_TWITCH_CHAT_KIND_JOIN,
  GST_TWITCH_CHAT_KIND_PART,
  GST_TWITCH_CHAT_KIND_CAP,
  GST_TWITCH_CHAT_KIND_HOSTTARGET,
  GST_TWITCH_CHAT_KIND_NUMERIC,
} GstTwitchChatKind;

/**
 * GstTwitchChatState:
 * @GST_TWITCH_CHAT_STATE_STOPPED: not started, or stopped
 * @GST_TWITCH_CHAT_STATE_CONNECTING: connecting and logging in
 * @GST_TWITCH_CHAT_STATE_CONNECTED: logged in
 * @GST_TWITCH_CHAT_STATE_RECONNECTING: waiting before the next attempt
 *
 * The connection state of a #GstTwitchChatClient.
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_CHAT_STATE_STOPPED = 0,
  GST_TWITCH_CHAT_STATE_CONNECTING,
  GST_TWITCH_CHAT_STATE_CONNECTED,
  GST_TWITCH_CHAT_STATE_RECONNECTING,
} GstTwitchChatState;

/**
 * GstTwitchSendOutcome:
 * @GST_TWITCH_SEND_OUTCOME_SENT: written, and confirmed by Twitch when the
 *   server confirms messages
 * @GST_TWITCH_SEND_OUTCOME_DROPPED: Twitch refused it (rate limit, duplicate,
 *   ...: the reason is Twitch's `msg-id`)
 * @GST_TWITCH_SEND_OUTCOME_EXPIRED: it waited longer than the maximum age
 *   before it could be sent
 * @GST_TWITCH_SEND_OUTCOME_FAILED: bad input, queue full or client stopped
 *
 * What became of a message given to gst_twitch_chat_client_send().
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_SEND_OUTCOME_SENT = 0,
  GST_TWITCH_SEND_OUTCOME_DROPPED,
  GST_TWITCH_SEND_OUTCOME_EXPIRED,
  GST_TWITCH_SEND_OUTCOME_FAILED,
} GstTwitchSendOutcome;

/**
 * GstTwitchChatTransport:
 * @GST_TWITCH_CHAT_TRANSPORT_IRC: Twitch's IRC (TMI): reads anonymously or
 *   with a `chat:read` token, sends with `chat:edit`
 * @GST_TWITCH_CHAT_TRANSPORT_EVENTSUB: the EventSub WebSocket to read (a
 *   user token with `user:read:chat`) and Helix Send Chat Message to send
 *   (`user:write:chat`); what Twitch recommends for bots and tools
 *
 * How chat is read and sent. Messages look the same either way (the
 * EventSub events are mapped into the IRC model); the JSON record's
 * `transport` says which one it came from.
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_CHAT_TRANSPORT_IRC = 0,
  GST_TWITCH_CHAT_TRANSPORT_EVENTSUB,
} GstTwitchChatTransport;

G_END_DECLS
