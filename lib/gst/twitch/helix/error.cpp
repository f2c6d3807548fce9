#include "config.h"

#include <gst/twitch/helix/error.h>

#include <gst/twitch/common/json.h>

#include <string>

namespace twitch
{

/* Spelled out rather than G_DEFINE_QUARK, whose stringified first argument
 * a formatter would space ("twitch - api - ..."). */
GQuark
api_error_quark (void)
{
  static GQuark q = 0;
  if (G_UNLIKELY (q == 0))
    q = g_quark_from_static_string ("twitch-api-error-quark");
  return q;
}

/* Twitch's error answers: {"error":"Unauthorized","status":401,
 * "message":"Missing scope: moderator:read:followers"}. The OAuth server
 * answers {"status":400,"message":"Invalid refresh token"}. */
std::string
api_error_message (std::string_view body)
{
  if (body.empty () || body.front () != '{')
    return {};
  /* Bounded: an error body is as hostile as any other answer. */
  thread_local JsonReader reader;
  JsonDomObject o;
  if (!reader.parse_object (body, o, nullptr))
    return {};
  std::string message (json_string_or (o, "message"));
  /* One readable line: Twitch's messages are short. */
  if (message.size () > 512)
    message.resize (512);
  return message;
}

std::string
api_error_missing_scope (std::string_view body)
{
  std::string message = api_error_message (body);
  static constexpr std::string_view kPrefix = "Missing scope:";
  auto pos = message.find (kPrefix);
  if (pos == std::string::npos)
    return {};
  std::string scope = message.substr (pos + kPrefix.size ());
  /* Trim and stop at the first space or comma ("Missing scope: a, b"
   * is reported whole). */
  while (!scope.empty () && g_ascii_isspace (scope.front ()))
    scope.erase (0, 1);
  while (!scope.empty ()
         && (g_ascii_isspace (scope.back ()) || scope.back () == '.'))
    scope.pop_back ();
  return scope;
}

int
api_error_code_for_status (guint status, std::string_view body)
{
  if (status >= 200 && status < 300)
    return 0;
  switch (status) {
    case 404:
      return API_ERROR_NOT_FOUND;
    case 401:
    case 403:
      return api_error_missing_scope (body).empty () ? API_ERROR_UNAUTHORIZED
                                                     : API_ERROR_MISSING_SCOPE;
    case 429:
      return API_ERROR_RATE_LIMITED;
    default:
      break;
  }
  if (status >= 500)
    return API_ERROR_SERVER;
  if (status >= 400)
    return API_ERROR_BAD_REQUEST;
  /* 1xx/3xx are not expected from Helix (redirects are followed). */
  return API_ERROR_BAD_RESPONSE;
}

void
api_error_set_from_http (
    GError **error, guint status, std::string_view body, std::string_view what)
{
  int code = api_error_code_for_status (status, body);
  std::string w (what);
  if (code == API_ERROR_MISSING_SCOPE) {
    std::string scope = api_error_missing_scope (body);
    g_set_error (error, TWITCH_API_ERROR, code,
        "%s needs the OAuth scope \"%s\", which the token lacks: get a user "
        "token with that scope (gst-twitch login --scope %s)",
        w.c_str (), scope.c_str (), scope.c_str ());
    return;
  }
  std::string message = api_error_message (body);
  std::string detail
      = message.empty () ? std::string () : std::string (": ") + message;
  switch (code) {
    case API_ERROR_NOT_FOUND:
      g_set_error (error, TWITCH_API_ERROR, code, "%s: not found (HTTP %u)%s",
          w.c_str (), status, detail.c_str ());
      break;
    case API_ERROR_UNAUTHORIZED:
      g_set_error (error, TWITCH_API_ERROR, code,
          "%s: Twitch rejected the credentials (HTTP %u)%s; check "
          "TWITCH_CLIENT_ID and the token (client-id, oauth-token), or log "
          "in again",
          w.c_str (), status, detail.c_str ());
      break;
    case API_ERROR_RATE_LIMITED:
      g_set_error (error, TWITCH_API_ERROR, code,
          "%s: rate limited by Twitch (HTTP 429)%s; try again later",
          w.c_str (), detail.c_str ());
      break;
    case API_ERROR_SERVER:
      g_set_error (error, TWITCH_API_ERROR, code,
          "%s: Twitch server error (HTTP %u)%s", w.c_str (), status,
          detail.c_str ());
      break;
    default:
      g_set_error (error, TWITCH_API_ERROR, code, "%s: HTTP %u%s", w.c_str (),
          status, detail.c_str ());
      break;
  }
}

const char *
api_error_code_name (int code)
{
  switch (code) {
    case API_ERROR_NOT_FOUND:
      return "not-found";
    case API_ERROR_UNAUTHORIZED:
      return "unauthorized";
    case API_ERROR_MISSING_SCOPE:
      return "missing-scope";
    case API_ERROR_RATE_LIMITED:
      return "rate-limited";
    case API_ERROR_SERVER:
      return "server";
    case API_ERROR_NETWORK:
      return "network";
    case API_ERROR_BAD_RESPONSE:
      return "bad-response";
    case API_ERROR_BAD_REQUEST:
      return "bad-request";
    case API_ERROR_AUTHORIZATION_PENDING:
      return "authorization-pending";
    case API_ERROR_EXPIRED:
      return "expired";
    default:
      return "unknown";
  }
}

} // namespace twitch
