/* Errors of the Helix client: one GError domain, HTTP statuses mapped in one
 * helper. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <gio/gio.h>

#include <string>
#include <string_view>

namespace twitch
{

#define TWITCH_API_ERROR (twitch::api_error_quark ())
GST_TWITCH_API GQuark api_error_quark ();

/**
 * ApiError:
 * @API_ERROR_NOT_FOUND: the channel, user, game or resource does not exist
 *   (HTTP 404, or an empty answer to a lookup by name).
 * @API_ERROR_UNAUTHORIZED: no credentials, a token Twitch rejects (HTTP 401
 *   after one refresh), an invalid grant on refresh, or HTTP 403.
 * @API_ERROR_MISSING_SCOPE: the token lacks a scope the endpoint needs; the
 *   message names the scope (e.g. "moderator:read:followers").
 * @API_ERROR_RATE_LIMITED: HTTP 429 still answered after the retries.
 * @API_ERROR_SERVER: HTTP 5xx after 3 retries.
 * @API_ERROR_NETWORK: connection, TLS or timeout failure after 3 retries.
 * @API_ERROR_BAD_RESPONSE: the answer was not the JSON Twitch documents.
 * @API_ERROR_BAD_REQUEST: HTTP 400 and other 4xx: a bad argument.
 * @API_ERROR_AUTHORIZATION_PENDING: device code flow: the user has not
 *   entered the code yet (only from device_code_poll_once()).
 * @API_ERROR_EXPIRED: device code flow: the code expired before the user
 *   entered it.
 *
 * Cancellation is reported as G_IO_ERROR_CANCELLED, not in this domain.
 */
enum ApiError {
  API_ERROR_NOT_FOUND = 1,
  API_ERROR_UNAUTHORIZED,
  API_ERROR_MISSING_SCOPE,
  API_ERROR_RATE_LIMITED,
  API_ERROR_SERVER,
  API_ERROR_NETWORK,
  API_ERROR_BAD_RESPONSE,
  API_ERROR_BAD_REQUEST,
  API_ERROR_AUTHORIZATION_PENDING,
  API_ERROR_EXPIRED,
};

/* The one place HTTP statuses become ApiError codes: 404 NOT_FOUND, 401
 * UNAUTHORIZED (MISSING_SCOPE when @body says "Missing scope: X"), 403
 * UNAUTHORIZED, 429 RATE_LIMITED, 5xx SERVER, other 4xx BAD_REQUEST.
 * Returns 0 for 2xx. */
GST_TWITCH_API int api_error_code_for_status (
    guint status, std::string_view body);

/* Sets @error from an HTTP answer: the code from
 * api_error_code_for_status(), a message naming @what (e.g. "GET
 * /helix/users") and Twitch's own "message" field when the body has one.
 * For MISSING_SCOPE the message names the scope and how to get it. */
GST_TWITCH_API void api_error_set_from_http (
    GError **error, guint status, std::string_view body, std::string_view what);

/* The "message" of an error answer ({"status":403,"message":"invalid
 * client secret"}), at most 512 bytes, or empty. */
GST_TWITCH_API std::string api_error_message (std::string_view body);

/* The scope named by a "Missing scope: X" answer, or empty. */
GST_TWITCH_API std::string api_error_missing_scope (std::string_view body);

/* Human name of an ApiError code, for logs ("not-found", ...). */
GST_TWITCH_API const char *api_error_code_name (int code);

} // namespace twitch
