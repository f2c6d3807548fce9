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

/* ---- Backends, for callers that configure them in code rather than from
 * the environment (cache_new_from_name() reads the environment and calls
 * these). Each is thread-safe and never fails a get/put (see Cache). */

/* Byte sizes of the caches when nothing else is configured. */
inline constexpr uint64_t kCacheMemoryDefaultMaxBytes = 64ull << 20;
inline constexpr uint64_t kCacheFileDefaultMaxBytes = 512ull << 20;

/* In-process LRU holding at most @max_bytes of keys and bodies (the least
 * recently used entries are dropped first; a body larger than the budget is
 * not stored). Entries live until they expire or are evicted. Bodies are
 * kept uncompressed: a hit is one copy, no zstd.
 * TWITCH_CACHE_MEMORY_SIZE sets @max_bytes in the factory. */
GST_TWITCH_API std::unique_ptr<Cache> cache_memory_new (
    uint64_t max_bytes = kCacheMemoryDefaultMaxBytes);

struct FileCacheOptions {
  /* The cache folder; empty: TWITCH_CACHE_TEMP, else
   * g_get_user_cache_dir()/gst-twitch. Created 0700 when missing. */
  std::string dir;
  /* Size cap of the entry files; past it the least recently read (or
   * written) entries are removed until the tree is at 90% of the cap.
   * 0: no cap. TWITCH_CACHE_MAX_SIZE in the factory. */
  uint64_t max_bytes = kCacheFileDefaultMaxBytes;
  /* fsync each entry before renaming it into place (TWITCH_CACHE_FSYNC=1).
   * Off by default: entries can be fetched again, and a file torn by a crash
   * is detected and ignored like any corrupt file. */
  bool fsync = false;
};

/* Entries are files <dir>/<k0k1>/<k2k3>/<key> (two-level fan-out on the
 * key's hex prefix), written atomically (temporary file in the same folder,
 * then rename), folders 0700 and files 0600 whatever the umask. Returns
 * nullptr and sets @error (CACHE_ERROR_SETTINGS) when the folder
 * cannot be created. */
GST_TWITCH_API std::unique_ptr<Cache> cache_file_new (
    const FileCacheOptions &options, GError **error);

/* Failure behaviour shared by the network backends. */
struct CacheNetworkOptions {
  /* Bounds for connecting and for each command; a stopped server costs a
   * caller at most about this once per outage. TWITCH_CACHE_TIMEOUT_MS. */
  int connect_timeout_ms = 500;
  int command_timeout_ms = 500;
  /* After a failure the backend is skipped (misses, puts dropped) and
   * retried after this delay, doubling up to retry_max_ms while it stays
   * down. */
  int retry_initial_ms = 1000;
  int retry_max_ms = 30000;
  /* Prefix of every key in the shared server ("gst-twitch:"). */
  std::string key_prefix = "gst-twitch:";
};

struct RedisCacheOptions {
  std::string host = "localhost";
  int port = 6379;
  /* Sent with AUTH when not empty; held in a twitch::Secret by the cache. */
  std::string password;
  int db = 1;
  CacheNetworkOptions net;
};

/* Redis through hiredis (0.14 API): GET, SET key value EX ttl, DEL. Does not
 * connect until first used. */
GST_TWITCH_API std::unique_ptr<Cache> cache_redis_new (
    const RedisCacheOptions &options, GError **error);

struct MemcachedCacheOptions {
  /* "host:port,host:port" (port defaults to 11211). */
  std::string servers = "localhost:11211";
  CacheNetworkOptions net;
};

/* memcached through libmemcached (consistent hashing over the servers). */
GST_TWITCH_API std::unique_ptr<Cache> cache_memcached_new (
    const MemcachedCacheOptions &options, GError **error);

/* Parses a size such as "512M", "2G", "65536", "100KiB" (binary units, case
 * insensitive). False on anything else. */
GST_TWITCH_API bool cache_parse_size (std::string_view text, uint64_t *out);

} // namespace twitch
