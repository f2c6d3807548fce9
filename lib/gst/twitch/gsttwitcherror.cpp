#include "config.h"

#include <gst/twitch/gsttwitch-private.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/chat/irc.h>

/* The codes are the internals' own; the domains are the C API's own
 * (readable names), and errors are moved into them where they leave the
 * internals (gst_twitch_internal::to_public_error). */
static_assert (
    (int)GST_TWITCH_API_ERROR_NOT_FOUND == twitch::API_ERROR_NOT_FOUND);
static_assert (
    (int)GST_TWITCH_API_ERROR_UNAUTHORIZED == twitch::API_ERROR_UNAUTHORIZED);
static_assert (
    (int)GST_TWITCH_API_ERROR_MISSING_SCOPE == twitch::API_ERROR_MISSING_SCOPE);
static_assert (
    (int)GST_TWITCH_API_ERROR_RATE_LIMITED == twitch::API_ERROR_RATE_LIMITED);
static_assert ((int)GST_TWITCH_API_ERROR_SERVER == twitch::API_ERROR_SERVER);
static_assert ((int)GST_TWITCH_API_ERROR_NETWORK == twitch::API_ERROR_NETWORK);
static_assert (
    (int)GST_TWITCH_API_ERROR_BAD_RESPONSE == twitch::API_ERROR_BAD_RESPONSE);
static_assert (
    (int)GST_TWITCH_API_ERROR_BAD_REQUEST == twitch::API_ERROR_BAD_REQUEST);
static_assert ((int)GST_TWITCH_API_ERROR_AUTHORIZATION_PENDING
               == twitch::API_ERROR_AUTHORIZATION_PENDING);
static_assert ((int)GST_TWITCH_API_ERROR_EXPIRED == twitch::API_ERROR_EXPIRED);

/**
 * gst_twitch_api_error_quark:
 *
 * Returns: the #GQuark of %GST_TWITCH_API_ERROR.
 *
 * Since: 1.0
 */
GQuark
gst_twitch_api_error_quark (void)
{
  return g_quark_from_static_string ("gst-twitch-api-error-quark");
}

static_assert (
    (int)GST_TWITCH_CHAT_ERROR_PARSE == twitch::TWITCH_CHAT_ERROR_PARSE);
static_assert (
    (int)GST_TWITCH_CHAT_ERROR_SETTINGS == twitch::TWITCH_CHAT_ERROR_SETTINGS);

/**
 * gst_twitch_chat_error_quark:
 *
 * Returns: the #GQuark of %GST_TWITCH_CHAT_ERROR.
 *
 * Since: 1.0
 */
GQuark
gst_twitch_chat_error_quark (void)
{
  return g_quark_from_static_string ("gst-twitch-chat-error-quark");
}

void
gst_twitch_internal::to_public_error (GError **error)
{
  if (error == nullptr || *error == nullptr)
    return;
  GError *e = *error;
  if (e->domain == twitch::api_error_quark ())
    e->domain = GST_TWITCH_API_ERROR;
  else if (e->domain == twitch::chat_error_quark ())
    e->domain = GST_TWITCH_CHAT_ERROR;
}

bool
gst_twitch_internal::check_credential (const char *what,
    const std::string &value, GQuark domain, int code, GError **error)
{
  bool ok = value.size () <= 512;
  for (char c : value)
    ok = ok && c > 0x20 && c < 0x7f;
  if (!ok)
    /* Never the value itself: it is a secret. */
    g_set_error (error, domain, code,
        "%s must be printable ASCII without spaces, at most 512 characters",
        what);
  return ok;
}
