#include "cli-error.h"

#include "helix.h"

#include <gst/twitch/cache/cache.h>
#include <gst/twitch/common/secrets.h>
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
  if (error->domain == CLI_HELIX_ERROR) {
    switch (error->code) {
      case HELIX_ERROR_NOT_FOUND:
        return EXIT_NOT_FOUND;
      case HELIX_ERROR_UNAUTHORIZED:
      case HELIX_ERROR_MISSING_SCOPE:
      case HELIX_ERROR_EXPIRED:
        return EXIT_UNAUTHORIZED;
      case HELIX_ERROR_NO_CREDENTIALS:
        return EXIT_NO_CREDENTIALS;
      case HELIX_ERROR_RATE_LIMITED:
      case HELIX_ERROR_SERVER:
        return EXIT_SERVER;
      case HELIX_ERROR_NETWORK:
        return EXIT_NETWORK;
      case HELIX_ERROR_BAD_RESPONSE:
        return EXIT_BAD_RESPONSE;
      case HELIX_ERROR_BAD_REQUEST:
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
