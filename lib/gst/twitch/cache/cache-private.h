/* Internal to the cache backends: the "twitchcache" debug category, the
 * outage gate shared by the network backends, and key helpers. Not
 * installed. */
#pragma once

#include <gst/twitch/cache/cache.h>

#include <gst/gst.h>

#include <mutex>
#include <string>

namespace twitch
{
namespace cache_internal
{

/* The "twitchcache" category; safe to call before gst_init(). */
GstDebugCategory *debug_category ();

inline int64_t
now_us ()
{
  return g_get_real_time ();
}

/* The longest TTL handed to a server (10 years): Redis refuses larger EX
 * values and memcached takes an absolute 32-bit time past 30 days. */
inline constexpr int64_t kMaxServerTtlSeconds = 10LL * 365 * 24 * 3600;

/* Absolute expiry (wall clock, us) of an entry stored now for @ttl_seconds;
 * saturates instead of overflowing. */
int64_t expiry_from_ttl (int64_t ttl_seconds);

/* True when @key may be used as it is in a file name or a server key: 1 to
 * 128 characters of [0-9a-z_-] (cache_key() gives 64 hex digits). Other keys
 * are hashed first (safe_key()). */
bool key_is_plain (const std::string &key);
std::string safe_key (const std::string &key);

/* Circuit breaker of a network backend: after a failure the backend is
 * skipped until a retry delay has passed (doubling while it stays down), and
 * one caller at a time probes it. One GST_WARNING per outage, one GST_INFO
 * when it comes back. */
class OutageGate
{
 public:
  enum class Pass { SKIP, NORMAL, PROBE };

  OutageGate (std::string what, int retry_initial_ms, int retry_max_ms);

  /* Whether the caller may talk to the backend now. */
  Pass enter ();
  /* The call that got @pass succeeded or failed (@why: what went wrong, with
   * no secret in it). */
  void succeeded (Pass pass);
  void failed (Pass pass, const std::string &why);

  bool down ();
  /* Outages seen so far (each warned once). */
  unsigned outages ();

 private:
  std::mutex lock_;
  std::string what_;
  int64_t retry_initial_us_;
  int64_t retry_max_us_;
  bool down_ = false;
  bool probing_ = false;
  int64_t delay_us_ = 0;
  int64_t retry_at_us_ = 0;
  unsigned outages_ = 0;
};

} // namespace cache_internal
} // namespace twitch

#define TWITCH_CACHE_CAT (twitch::cache_internal::debug_category ())
#define CACHE_LOG(level, ...)                                                  \
  GST_CAT_LEVEL_LOG (TWITCH_CACHE_CAT, level, nullptr, __VA_ARGS__)
#define CACHE_WARNING(...) CACHE_LOG (GST_LEVEL_WARNING, __VA_ARGS__)
#define CACHE_INFO(...) CACHE_LOG (GST_LEVEL_INFO, __VA_ARGS__)
#define CACHE_DEBUG(...) CACHE_LOG (GST_LEVEL_DEBUG, __VA_ARGS__)
#define CACHE_LOG_(...) CACHE_LOG (GST_LEVEL_LOG, __VA_ARGS__)
