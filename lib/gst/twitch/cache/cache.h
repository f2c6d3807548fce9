/* Response cache used by the Helix client: the interface every backend
 * (memory LRU, file tree, Redis, memcached) implements. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <gio/gio.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace twitch
{

#define TWITCH_CACHE_ERROR (twitch::cache_error_quark ())
GST_TWITCH_API GQuark cache_error_quark ();

enum CacheError {
  /* The backend name is not none, memory, file, redis or memcache(d). */
  CACHE_ERROR_UNKNOWN_BACKEND = 1,
  /* The backend was not compiled in (meson option redis/memcached). */
  CACHE_ERROR_NOT_SUPPORTED,
  /* Its configuration (environment variables) is invalid. */
  CACHE_ERROR_SETTINGS,
};

/* What is cached: a response body exactly as the server sent it, and when it
 * was fetched (wall clock, microseconds since the Unix epoch). */
struct CacheEntry {
  std::string body;
  int64_t fetched_at_us = 0;
};

/* Thread-safe: one instance may be used from several threads at once.
 * A backend that is down, slow or returns garbage never fails the caller:
 * get() then returns nullopt and put() does nothing, with one warning per
 * outage (GST_WARNING in category "twitchcache"), and the backend is tried
 * again later. */
class GST_TWITCH_API Cache
{
 public:
  virtual ~Cache () = default;

  /* "memory", "file", "redis", "memcached". */
  virtual const char *name () const = 0;

  /* The entry stored under @key, or nullopt when absent, expired, corrupt
   * or the backend failed. */
  virtual std::optional<CacheEntry> get (const std::string &key) = 0;

  /* Stores @entry for @ttl_seconds (> 0). Values are compressed with zstd
   * by the backend (cache_encode()). */
  virtual void put (
      const std::string &key, const CacheEntry &entry, int64_t ttl_seconds)
      = 0;

  virtual void remove (const std::string &key) = 0;
};

/* The cache key: lowercase hex SHA-256 of @url (with its query, as sent)
 * and @identity (what the answer depends on besides the URL: the client id
 * and the user id of a user token; never a token itself). */
GST_TWITCH_API std::string cache_key (
    std::string_view url, std::string_view identity);

/* Serialized form shared by the backends that store bytes: a small header
 * (magic, format version, fetched_at_us, expires_at_us) then the zstd-
 * compressed body. decode returns nullopt on anything malformed, truncated or
 * expired at @now_us. */
GST_TWITCH_API std::string cache_encode (
    const CacheEntry &entry, int64_t expires_at_us);
GST_TWITCH_API std::optional<CacheEntry> cache_decode (
    std::string_view data, int64_t now_us);

/* A backend by name, configured from the environment as itch was:
 *   "none" -> nullptr with no error (caching off)
 *   "memory" -> in-process LRU
 *   "file" -> TWITCH_CACHE_TEMP (default $XDG_CACHE_HOME/gst-twitch)
 *   "redis" -> REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_DB
 *              (defaults localhost, 6379, none, 1)
 *   "memcache" or "memcached" -> MEMCACHE_SERVERS (host:port,host:port;
 *              default localhost:11211)
 * Returns nullptr and sets @error for an unknown or unsupported name. */
GST_TWITCH_API std::unique_ptr<Cache> cache_new_from_name (
    std::string_view name, GError **error);

} // namespace twitch
