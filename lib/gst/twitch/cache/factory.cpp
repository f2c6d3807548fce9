/* cache_new_from_name(): a backend configured from the environment, with
 * itch's variable names where they exist. */
#include "config.h"

#include "cache-private.h"

#include <gst/twitch/common/environment.h>

#include <optional>
#include <string>

namespace twitch
{

namespace
{

/* The cache's variables (itch's names) are read here and nowhere else,
 * through the environment module's rules (empty is unset, bounded). */
std::optional<std::string>
env_value (const char *name)
{
  return twitch::env::get (name);
}

bool
env_int (const char *name, int min, int max, int *out, GError **error)
{
  auto v = env_value (name);
  if (!v)
    return true;
  gint64 n;
  if (!g_ascii_string_to_signed (v->c_str (), 10, min, max, &n, nullptr)) {
    g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
        "%s='%s' is not a number from %d to %d", name, v->c_str (), min, max);
    return false;
  }
  *out = static_cast<int> (n);
  return true;
}

bool
env_size (const char *name, uint64_t *out, GError **error)
{
  auto v = env_value (name);
  if (!v)
    return true;
  if (!cache_parse_size (*v, out)) {
    g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
        "%s='%s' is not a size: use bytes or a number with K, M or G "
        "(e.g. 512M)",
        name, v->c_str ());
    return false;
  }
  return true;
}

bool
env_net (CacheNetworkOptions *net, GError **error)
{
  int timeout = -1;
  if (!env_int ("TWITCH_CACHE_TIMEOUT_MS", 1, 600000, &timeout, error))
    return false;
  if (timeout > 0) {
    net->connect_timeout_ms = timeout;
    net->command_timeout_ms = timeout;
  }
  return true;
}

} // namespace

std::unique_ptr<Cache>
cache_new_from_name (std::string_view name_in, GError **error)
{
  (void)cache_internal::debug_category ();
  gchar *lower = g_ascii_strdown (
      name_in.data (), static_cast<gssize> (name_in.size ()));
  std::string name (lower);
  g_free (lower);

  if (name.empty () || name == "none")
    return nullptr;

  if (name == "memory") {
    uint64_t size = kCacheMemoryDefaultMaxBytes;
    if (!env_size ("TWITCH_CACHE_MEMORY_SIZE", &size, error))
      return nullptr;
    return cache_memory_new (size);
  }

  if (name == "file") {
    FileCacheOptions o;
    if (!env_size ("TWITCH_CACHE_MAX_SIZE", &o.max_bytes, error))
      return nullptr;
    auto f = env_value ("TWITCH_CACHE_FSYNC");
    o.fsync = f && *f != "0";
    return cache_file_new (o, error);
  }

  if (name == "redis") {
    RedisCacheOptions o;
    if (auto h = env_value ("REDIS_HOST"))
      o.host = *h;
    if (!env_int ("REDIS_PORT", 1, 65535, &o.port, error)
        || !env_int ("REDIS_DB", 0, G_MAXINT, &o.db, error)
        || !env_net (&o.net, error))
      return nullptr;
    if (auto p = env_value ("REDIS_PASSWORD"))
      o.password = *p;
    return cache_redis_new (o, error);
  }

  if (name == "memcache" || name == "memcached") {
    MemcachedCacheOptions o;
    if (auto s = env_value ("MEMCACHE_SERVERS"))
      o.servers = *s;
    if (!env_net (&o.net, error))
      return nullptr;
    return cache_memcached_new (o, error);
  }

  g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_UNKNOWN_BACKEND,
      "Unknown cache backend '%s': use none, memory, file, redis or "
      "memcached",
      std::string (name_in).c_str ());
  return nullptr;
}

} // namespace twitch
