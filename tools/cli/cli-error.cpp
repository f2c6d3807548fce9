#include "cli-error.h"

#include "helix.h"

#include <gst/twitch/cache/cache.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/ingest/ingest.h>

#include <cstdarg>

namespace cli
{

void
fail (int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  gchar *msg = g_strdup_vprintf (format, args);
  va_end (args);
  std::string text = twitch::secrets_redact (msg);
  g_free (msg);
  throw Failure (code, text);
}

int
exit_code_for_gerror (const GError *error)
{
  if (error == nullptr)
    return EXIT_OTHER;
  if (error->domain == TWITCH_API_ERROR) {
    switch (error->code) {
      case twitch::API_ERROR_NOT_FOUND:
        return EXIT_NOT_FOUND;
      case twitch::API_ERROR_UNAUTHORIZED:
      case twitch::API_ERROR_MISSING_SCOPE:
      case twitch::API_ERROR_EXPIRED:
      case twitch::API_ERROR_AUTHORIZATION_PENDING:
        return EXIT_UNAUTHORIZED;
      case twitch::API_ERROR_RATE_LIMITED:
      case twitch::API_ERROR_SERVER:
        return EXIT_SERVER;
      case twitch::API_ERROR_NETWORK:
        return EXIT_NETWORK;
      case twitch::API_ERROR_BAD_RESPONSE:
        return EXIT_BAD_RESPONSE;
      case twitch::API_ERROR_BAD_REQUEST:
        return EXIT_USAGE;
      default:
        return EXIT_OTHER;
    }
  }
  if (error->domain == TWITCH_INGEST_ERROR) {
    if (error->code == twitch::INGEST_ERROR_FETCH)
      return EXIT_NETWORK;
    if (error->code == twitch::INGEST_ERROR_PARSE)
      return EXIT_BAD_RESPONSE;
    return EXIT_OTHER;
  }
  if (error->domain == TWITCH_CACHE_ERROR)
    return EXIT_USAGE;
  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR
      || error->domain == G_TLS_ERROR)
    return EXIT_NETWORK;
  return EXIT_OTHER;
}

void
fail_from_gerror (GError *error, const std::string &context)
{
  int code = exit_code_for_gerror (error);
  std::string msg = error ? error->message : "unknown error";
  if (error)
    g_error_free (error);
  if (!context.empty ())
    msg = context + ": " + msg;
  throw Failure (code, twitch::secrets_redact (msg));
}

} // namespace cli
