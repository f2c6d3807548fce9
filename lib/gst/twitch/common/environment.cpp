/* The one place gst-twitch reads the process environment (environment.h). */
#include "config.h"

#include <gst/twitch/common/environment.h>

#include <gst/gst.h>

namespace twitch
{
namespace env
{

namespace
{

GstDebugCategory *
category ()
{
  static GstDebugCategory *cat = nullptr;
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (cat, "twitchenv", 0, "gst-twitch environment");
    g_once_init_leave (&done, 1);
  }
  return cat;
}

std::optional<gint64>
milliseconds (const char *name)
{
  auto v = get (name);
  if (!v)
    return std::nullopt;
  gint64 ms = 0;
  if (!g_ascii_string_to_signed (
          v->c_str (), 10, 1, 3600 * 1000, &ms, nullptr)) {
    if (gst_is_initialized ())
      GST_CAT_WARNING (category (),
          "%s='%s' ignored: not a number of milliseconds from 1 to 3600000",
          name, v->c_str ());
    return std::nullopt;
  }
  return ms;
}

} // namespace

std::optional<std::string>
get (const char *name)
{
  const char *v = g_getenv (name);
  if (v == nullptr || *v == '\0')
    return std::nullopt;
  size_t n = strnlen (v, kEnvMaxLength + 1);
  if (n > kEnvMaxLength) {
    /* The value itself is not printed: it may be a secret. */
    if (gst_is_initialized ())
      GST_CAT_WARNING (category (), "%s ignored: longer than %zu bytes", name,
          kEnvMaxLength);
    return std::nullopt;
  }
  return std::string (v, n);
}

std::optional<std::string>
helix_url ()
{
  return get ("TWITCH_HELIX_URL");
}

std::optional<std::string>
auth_url ()
{
  return get ("TWITCH_AUTH_URL");
}

std::optional<std::string>
eventsub_url ()
{
  return get ("TWITCH_EVENTSUB_URL");
}

std::optional<std::string>
ingest_url ()
{
  return get ("TWITCH_INGEST_URL");
}

std::optional<std::string>
client_id ()
{
  return get ("TWITCH_CLIENT_ID");
}

std::optional<std::string>
client_secret ()
{
  return get ("TWITCH_CLIENT_SECRET");
}

std::optional<std::string>
oauth_token ()
{
  return get ("TWITCH_OAUTH_TOKEN");
}

std::optional<std::string>
refresh_token ()
{
  return get ("TWITCH_REFRESH_TOKEN");
}

std::optional<std::string>
stream_key ()
{
  return get ("TWITCH_STREAM_KEY");
}

std::optional<std::string>
cache_temp ()
{
  return get ("TWITCH_CACHE_TEMP");
}

std::optional<std::string>
debug_file ()
{
  return get ("GST_DEBUG_FILE");
}

std::optional<gint64>
chat_ping_idle_ms ()
{
  return milliseconds ("GST_TWITCH_CHAT_PING_IDLE_MS");
}

std::optional<gint64>
chat_pong_timeout_ms ()
{
  return milliseconds ("GST_TWITCH_CHAT_PONG_TIMEOUT_MS");
}

} // namespace env
} // namespace twitch
