/* Library errors -> GstResourceError (gsterror.h). */
#include "config.h"

#include <gst/twitch/common/gsterror.h>

#include <gst/twitch/cache/cache.h>
#include <gst/twitch/chat/irc.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/ingest/ingest.h>

#include <gio/gio.h>

namespace twitch
{

bool
error_is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

GstResourceError
gst_resource_error_of (const GError *error, GstResourceError other)
{
  if (error == nullptr)
    return other;
  if (error->domain == GST_RESOURCE_ERROR)
    return (GstResourceError)error->code;
  if (error->domain == TWITCH_API_ERROR) {
    switch (error->code) {
      case API_ERROR_UNAUTHORIZED:
      case API_ERROR_MISSING_SCOPE:
        return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
      case API_ERROR_NOT_FOUND:
        return GST_RESOURCE_ERROR_NOT_FOUND;
      case API_ERROR_BAD_REQUEST:
        return GST_RESOURCE_ERROR_SETTINGS;
      default:
        return other;
    }
  }
  if (error->domain == TWITCH_CHAT_ERROR) {
    switch (error->code) {
      case TWITCH_CHAT_ERROR_LOGIN:
        return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
      case TWITCH_CHAT_ERROR_SETTINGS:
        return GST_RESOURCE_ERROR_SETTINGS;
      case TWITCH_CHAT_ERROR_CERTIFICATE:
        return GST_RESOURCE_ERROR_OPEN_READ_WRITE;
      default:
        return other;
    }
  }
  if (error->domain == TWITCH_INGEST_ERROR) {
    switch (error->code) {
      case INGEST_ERROR_UNKNOWN_SERVER:
        return GST_RESOURCE_ERROR_NOT_FOUND;
      case INGEST_ERROR_INVALID:
        return GST_RESOURCE_ERROR_SETTINGS;
      default:
        return other;
    }
  }
  if (error->domain == TWITCH_CACHE_ERROR)
    return GST_RESOURCE_ERROR_SETTINGS;
  if (error->domain == G_TLS_ERROR)
    return GST_RESOURCE_ERROR_OPEN_READ_WRITE;
  return other;
}

} // namespace twitch
