/* memcached backend (libmemcached).
 *
 * A memcached_st is not thread-safe: a template handle holds the server list
 * and behaviours, and each call uses a clone taken from a small pool. Connect
 * and poll timeouts bound every call; a failure drops the clone, the
 * OutageGate skips the backend (one warning) and retries it later. Values are
 * cache_encode() bytes under "gst-twitch:<key>" with the TTL as expiration. */
#include "config.h"

#include "cache-private.h"

#if HAVE_LIBMEMCACHED
#include <libmemcached/memcached.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace twitch
{

#if HAVE_LIBMEMCACHED

namespace
{

using namespace cache_internal;

constexpr size_t kMaxIdle = 4;
/* memcached reads expirations above 30 days as absolute Unix times. */
constexpr int64_t kMaxRelativeTtl = 30LL * 24 * 3600;

struct HandleDeleter {
  void operator() (memcached_st *m) const { memcached_free (m); }
};
using Handle = std::unique_ptr<memcached_st, HandleDeleter>;

/* Whether @rc means the server (not the key or the value) failed. */
bool
is_server_failure (memcached_return_t rc)
{
  switch (rc) {
    case MEMCACHED_SUCCESS:
    case MEMCACHED_NOTFOUND:
    case MEMCACHED_NOTSTORED:
    case MEMCACHED_DATA_EXISTS:
    case MEMCACHED_E2BIG:
    /* The server answered (e.g. "object too large", "out of memory"). */
    case MEMCACHED_SERVER_ERROR:
    case MEMCACHED_CLIENT_ERROR:
    case MEMCACHED_BAD_KEY_PROVIDED:
    case MEMCACHED_MEMORY_ALLOCATION_FAILURE:
    case MEMCACHED_SERVER_MEMORY_ALLOCATION_FAILURE:
    case MEMCACHED_BUFFERED:
    case MEMCACHED_STORED:
    case MEMCACHED_DELETED:
    case MEMCACHED_END:
      return false;
    default:
      return true;
  }
}

class MemcachedCache final : public Cache
{
 public:
  MemcachedCache (const MemcachedCacheOptions &o, Handle tmpl)
      : opts_ (o), template_ (std::move (tmpl)),
        gate_ ("memcached cache at " + o.servers, o.net.retry_initial_ms,
            o.net.retry_max_ms)
  {
  }

  ~MemcachedCache () override { idle_.clear (); }

  const char *name () const override { return "memcached"; }

  std::optional<CacheEntry> get (const std::string &key) override
  {
    std::string k = server_key (key);
    std::optional<CacheEntry> result;
    run ([&] (memcached_st *m) {
      size_t len = 0;
      uint32_t flags = 0;
      memcached_return_t rc;
      char *value = memcached_get (m, k.data (), k.size (), &len, &flags, &rc);
      if (value != nullptr) {
        result = cache_decode (std::string_view (value, len), now_us ());
        free (value);
      }
      return rc;
    });
    return result;
  }

  void put (const std::string &key, const CacheEntry &entry,
      int64_t ttl_seconds) override
  {
    if (ttl_seconds <= 0)
      return;
    ttl_seconds = std::min (ttl_seconds, kMaxServerTtlSeconds);
    std::string bytes = cache_encode (entry, expiry_from_ttl (ttl_seconds));
    if (bytes.empty ())
      return;
    std::string k = server_key (key);
    /* Past 30 days memcached wants an absolute time. */
    time_t expiration
        = ttl_seconds <= kMaxRelativeTtl
              ? static_cast<time_t> (ttl_seconds)
              : static_cast<time_t> (now_us () / G_USEC_PER_SEC + ttl_seconds);
    run ([&] (memcached_st *m) {
      return memcached_set (
          m, k.data (), k.size (), bytes.data (), bytes.size (), expiration, 0);
    });
  }

  void remove (const std::string &key) override
  {
    std::string k = server_key (key);
    run ([&] (memcached_st *m) {
      return memcached_delete (m, k.data (), k.size (), 0);
    });
  }

 private:
  std::string server_key (const std::string &key) const
  {
    return opts_.net.key_prefix + safe_key (key);
  }

  template <typename Op> void run (Op op)
  {
    auto pass = gate_.enter ();
    if (pass == OutageGate::Pass::SKIP)
      return;
    Handle m = take ();
    if (!m) {
      gate_.failed (pass, "out of memory");
      return;
    }
    memcached_return_t rc = op (m.get ());
    if (is_server_failure (rc)) {
      /* "CONNECTION FAILURE: Connection refused" (libmemcached's own
       * message also carries its source location). */
      std::string why = memcached_strerror (m.get (), rc);
      int err = memcached_last_error_errno (m.get ());
      if (err != 0)
        why += std::string (": ") + g_strerror (err);
      drop_idle ();
      gate_.failed (pass, why);
      return;
    }
    if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND)
      CACHE_DEBUG ("memcached: %s", memcached_strerror (m.get (), rc));
    gate_.succeeded (pass);
    give_back (std::move (m));
  }

  Handle take ()
  {
    std::lock_guard<std::mutex> guard (lock_);
    if (!idle_.empty ()) {
      Handle m = std::move (idle_.back ());
      idle_.pop_back ();
      return m;
    }
    return Handle (memcached_clone (nullptr, template_.get ()));
  }

  void give_back (Handle m)
  {
    std::lock_guard<std::mutex> guard (lock_);
    if (idle_.size () < kMaxIdle)
      idle_.push_back (std::move (m));
  }

  void drop_idle ()
  {
    std::vector<Handle> old;
    std::lock_guard<std::mutex> guard (lock_);
    old.swap (idle_);
  }

  const MemcachedCacheOptions opts_;
  /* Only cloned, under lock_. */
  Handle template_;
  OutageGate gate_;
  std::mutex lock_;
  std::vector<Handle> idle_;
};

} // namespace

std::unique_ptr<Cache>
cache_memcached_new (const MemcachedCacheOptions &options, GError **error)
{
  (void)cache_internal::debug_category ();
  memcached_server_st *servers
      = options.servers.empty ()
            ? nullptr
            : memcached_servers_parse (options.servers.c_str ());
  if (servers == nullptr) {
    g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
        "Invalid memcached server list '%s': set MEMCACHE_SERVERS to "
        "host:port[,host:port...]",
        options.servers.c_str ());
    return nullptr;
  }
  Handle m (memcached_create (nullptr));
  memcached_return_t rc
      = m ? memcached_server_push (m.get (), servers) : MEMCACHED_FAILURE;
  memcached_server_list_free (servers);
  if (rc != MEMCACHED_SUCCESS) {
    g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
        "Cannot use the memcached servers '%s': %s", options.servers.c_str (),
        m ? memcached_strerror (m.get (), rc) : "out of memory");
    return nullptr;
  }
  const auto &net = options.net;
  memcached_behavior_set (m.get (), MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT,
      static_cast<uint64_t> (net.connect_timeout_ms));
  memcached_behavior_set (m.get (), MEMCACHED_BEHAVIOR_POLL_TIMEOUT,
      static_cast<uint64_t> (net.command_timeout_ms));
  memcached_behavior_set (m.get (), MEMCACHED_BEHAVIOR_RCV_TIMEOUT,
      static_cast<uint64_t> (net.command_timeout_ms) * 1000);
  memcached_behavior_set (m.get (), MEMCACHED_BEHAVIOR_SND_TIMEOUT,
      static_cast<uint64_t> (net.command_timeout_ms) * 1000);
  memcached_behavior_set (m.get (), MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
  memcached_behavior_set (m.get (), MEMCACHED_BEHAVIOR_TCP_KEEPALIVE, 1);
  /* Keys spread over the servers so that adding one moves few of them. */
  memcached_behavior_set (m.get (), MEMCACHED_BEHAVIOR_DISTRIBUTION,
      MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
  /* Our own gate decides when to try again; let libmemcached retry a server
   * at once when asked. */
  memcached_behavior_set (m.get (), MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 0);
  CACHE_INFO ("memcached cache at %s", options.servers.c_str ());
  return std::make_unique<MemcachedCache> (options, std::move (m));
}

#else /* !HAVE_LIBMEMCACHED */

std::unique_ptr<Cache>
cache_memcached_new (const MemcachedCacheOptions &, GError **error)
{
  g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_NOT_SUPPORTED,
      "gst-twitch was built without the memcached cache: install "
      "libmemcached (libmemcached-dev) and configure with -Dmemcached=enabled");
  return nullptr;
}

#endif

} // namespace twitch
