/* gst-twitch: the error domain of the Helix client. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

G_BEGIN_DECLS

/**
 * GST_TWITCH_API_ERROR:
 *
 * Error domain of the Helix client and the ingest list: errors in it are
 * #GstTwitchApiError codes. Cancellation is reported as
 * %G_IO_ERROR_CANCELLED instead.
 *
 * Since: 1.0
 */
#define GST_TWITCH_API_ERROR (gst_twitch_api_error_quark ())

/**
 * GstTwitchApiError:
 * @GST_TWITCH_API_ERROR_NOT_FOUND: the channel, user, game or resource does
 *   not exist (HTTP 404, or an empty answer to a lookup by name).
 * @GST_TWITCH_API_ERROR_UNAUTHORIZED: no credentials, a token Twitch rejects
 *   (HTTP 401 after one refresh), an invalid grant on refresh, or HTTP 403.
 * @GST_TWITCH_API_ERROR_MISSING_SCOPE: the token lacks a scope the endpoint
 *   needs; the message names the scope (e.g. `moderator:read:followers`).
 * @GST_TWITCH_API_ERROR_RATE_LIMITED: HTTP 429 still answered after the
 *   retries.
 * @GST_TWITCH_API_ERROR_SERVER: HTTP 5xx after 3 retries.
 * @GST_TWITCH_API_ERROR_NETWORK: connection, TLS or timeout failure after 3
 *   retries.
 * @GST_TWITCH_API_ERROR_BAD_RESPONSE: the answer was not the JSON Twitch
 *   documents.
 * @GST_TWITCH_API_ERROR_BAD_REQUEST: HTTP 400 and other 4xx, or an invalid
 *   argument (a login outside Twitch's grammar, an unknown cache name).
 * @GST_TWITCH_API_ERROR_AUTHORIZATION_PENDING: device code flow: the user has
 *   not entered the code yet.
 * @GST_TWITCH_API_ERROR_EXPIRED: device code flow: the code expired before the
 *   user entered it.
 *
 * The failures the Helix client distinguishes.
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_API_ERROR_NOT_FOUND = 1,
  GST_TWITCH_API_ERROR_UNAUTHORIZED,
  GST_TWITCH_API_ERROR_MISSING_SCOPE,
  GST_TWITCH_API_ERROR_RATE_LIMITED,
  GST_TWITCH_API_ERROR_SERVER,
  GST_TWITCH_API_ERROR_NETWORK,
  GST_TWITCH_API_ERROR_BAD_RESPONSE,
  GST_TWITCH_API_ERROR_BAD_REQUEST,
  GST_TWITCH_API_ERROR_AUTHORIZATION_PENDING,
  GST_TWITCH_API_ERROR_EXPIRED,
} GstTwitchApiError;

GST_TWITCH_API
GQuark gst_twitch_api_error_quark (void);

/**
 * GST_TWITCH_CHAT_ERROR:
 *
 * Error domain of the chat client: errors in it are #GstTwitchChatError
 * codes.
 *
 * Since: 1.0
 */
#define GST_TWITCH_CHAT_ERROR (gst_twitch_chat_error_quark ())

/**
 * GstTwitchChatError:
 * @GST_TWITCH_CHAT_ERROR_PARSE: a line that is not IRC
 * @GST_TWITCH_CHAT_ERROR_INVALID: a line of a known command lacking what
 *   Twitch always sends
 * @GST_TWITCH_CHAT_ERROR_LOGIN: Twitch refused the login (never retried)
 * @GST_TWITCH_CHAT_ERROR_CONNECTION: could not connect, TLS failed, the
 *   socket dropped
 * @GST_TWITCH_CHAT_ERROR_JOIN_TIMEOUT: Twitch never confirmed a join
 * @GST_TWITCH_CHAT_ERROR_SETTINGS: bad settings (server URI, channel name,
 *   a token without a login)
 *
 * The failures of the chat client.
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_CHAT_ERROR_PARSE = 1,
  GST_TWITCH_CHAT_ERROR_INVALID,
  GST_TWITCH_CHAT_ERROR_LOGIN,
  GST_TWITCH_CHAT_ERROR_CONNECTION,
  GST_TWITCH_CHAT_ERROR_JOIN_TIMEOUT,
  GST_TWITCH_CHAT_ERROR_SETTINGS,
} GstTwitchChatError;

GST_TWITCH_API
GQuark gst_twitch_chat_error_quark (void);

G_END_DECLS
