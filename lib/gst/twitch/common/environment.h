/* Every environment variable gst-twitch reads, one typed accessor each.
 *
 * The one place the process environment is read (docs/environment.md lists
 * them all): the rest of the code asks here, so a variable has one name,
 * one rule for "unset" and one bound. An empty value counts as unset.
 * Values longer than kEnvMaxLength are refused (with a warning in the
 * "twitchenv" debug category) rather than cut: a cut URL or token would
 * fail later with a misleading error. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <optional>
#include <string>

namespace twitch
{

/* A value longer than this is not a URL, a path or a token. */
inline constexpr size_t kEnvMaxLength = 4096;

namespace env
{

/* Any variable by name, with the rules above. Prefer the typed accessors:
 * this is for the few generic users (the cache factory's itch names). */
GST_TWITCH_API std::optional<std::string> get (const char *name);

/* Endpoints (tests point them at local fakes). TWITCH_HELIX_URL */
GST_TWITCH_API std::optional<std::string> helix_url ();
/* TWITCH_AUTH_URL */
GST_TWITCH_API std::optional<std::string> auth_url ();
/* TWITCH_EVENTSUB_URL */
GST_TWITCH_API std::optional<std::string> eventsub_url ();
/* TWITCH_INGEST_URL */
GST_TWITCH_API std::optional<std::string> ingest_url ();

/* Credentials; secrets go straight into a twitch::Secret.
 * TWITCH_CLIENT_ID */
GST_TWITCH_API std::optional<std::string> client_id ();
/* TWITCH_CLIENT_SECRET */
GST_TWITCH_API std::optional<std::string> client_secret ();
/* TWITCH_OAUTH_TOKEN */
GST_TWITCH_API std::optional<std::string> oauth_token ();
/* TWITCH_REFRESH_TOKEN */
GST_TWITCH_API std::optional<std::string> refresh_token ();
/* TWITCH_STREAM_KEY */
GST_TWITCH_API std::optional<std::string> stream_key ();

/* The file cache's folder (itch's name): TWITCH_CACHE_TEMP */
GST_TWITCH_API std::optional<std::string> cache_temp ();

/* GStreamer's own GST_DEBUG_FILE, read again by the redacting log function
 * ("-" is stdout). */
GST_TWITCH_API std::optional<std::string> debug_file ();

/* Test hooks of the chat library (never needed against Twitch): the
 * keepalive's idle time and PONG timeout in milliseconds, so a test sees a
 * dead peer in a second instead of 70. Only positive numbers up to an hour
 * count. Read by twitch::ChatClient, never by an element.
 * GST_TWITCH_CHAT_PING_IDLE_MS */
GST_TWITCH_API std::optional<gint64> chat_ping_idle_ms ();
/* GST_TWITCH_CHAT_PONG_TIMEOUT_MS */
GST_TWITCH_API std::optional<gint64> chat_pong_timeout_ms ();

} // namespace env
} // namespace twitch
