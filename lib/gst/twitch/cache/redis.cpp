/* Redis backend (hiredis, 0.14 API).
 *
 * A small pool of blocking connections, each used by one thread at a time,
 * with connect and command timeouts so that a stopped server costs a caller
 * at most one timeout. A failed connection is dropped, the OutageGate skips
 * the backend (one warning) and retries it later. Values are cache_encode()
 * bytes, stored with SET key value EX ttl under "gst-twitch:<key>". */
#include "config.h"

#include "cache-private.h"

#include <gst/twitch/common/secret.h>
#include <gst/twitch/common/secrets.h>

#if HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <mutex>
#include <pthread.h>
#include <vector>

namespace twitch
{

#if HAVE_HIREDIS

namespace
{

using namespace cache_internal;

/* Idle connections kept for reuse; more threads open more, closed after. */
constexpr size_t kMaxIdle = 4;

timeval
to_timeval (int ms)
{
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

/* hiredis writes with write(2): a write to a connection the server closed
 * raises SIGPIPE, which kills a process that did not ignore it (most
 * GStreamer applications). Blocks SIGPIPE in this thread for the duration of
 * a command and swallows one raised meanwhile, as libcurl does. */
class SigpipeGuard
{
 public:
  SigpipeGuard ()
  {
    sigemptyset (&pipe_);
    sigaddset (&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending (&pending);
    was_pending_ = sigismember (&pending, SIGPIPE) == 1;
    pthread_sigmask (SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard ()
  {
    if (!was_pending_) {
      sigset_t pending;
      sigpending (&pending);
      if (sigismember (&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        while (sigtimedwait (&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask (SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard (const SigpipeGuard &) = delete;
  SigpipeGuard &operator= (const SigpipeGuard &) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

struct ReplyDeleter {
  void operator() (redisReply *r) const { freeReplyObject (r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator() (redisContext *c) const { redisFree (c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

class RedisCache final : public Cache
{
 public:
  explicit RedisCache (const RedisCacheOptions &o)
      : opts_ (without_password (o)),
        gate_ ("Redis cache at " + o.host + ":" + std::to_string (o.port),
            o.net.retry_initial_ms, o.net.retry_max_ms)
  {
    password_.set (o.password);
  }

  ~RedisCache () override { idle_.clear (); }

  const char *name () const override { return "redis"; }

  std::optional<CacheEntry> get (const std::string &key) override
  {
    std::string k = server_key (key);
    std::optional<CacheEntry> result;
    run ([&] (redisContext *c, std::string *why) {
      Reply r (static_cast<redisReply *> (
          redisCommand (c, "GET %b", k.data (), k.size ())));
      if (!r) {
        *why = io_error (c);
        return false;
      }
      if (r->type == REDIS_REPLY_STRING)
        result = cache_decode (std::string_view (r->str, r->len), now_us ());
      else if (r->type == REDIS_REPLY_ERROR)
        CACHE_DEBUG ("redis: GET answered an error: %.*s",
            static_cast<int> (r->len), r->str);
      return true;
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
    long long ttl = ttl_seconds;
    run ([&] (redisContext *c, std::string *why) {
      Reply r (static_cast<redisReply *> (redisCommand (c, "SET %b %b EX %lld",
          k.data (), k.size (), bytes.data (), bytes.size (), ttl)));
      if (!r) {
        *why = io_error (c);
        return false;
      }
      if (r->type == REDIS_REPLY_ERROR)
        /* E.g. OOM with maxmemory and noeviction: the server works, this
         * entry is simply not cached. */
        CACHE_DEBUG ("redis: SET answered an error: %.*s",
            static_cast<int> (r->len), r->str);
      return true;
    });
  }

  void remove (const std::string &key) override
  {
    std::string k = server_key (key);
    run ([&] (redisContext *c, std::string *why) {
      Reply r (static_cast<redisReply *> (
          redisCommand (c, "DEL %b", k.data (), k.size ())));
      if (!r) {
        *why = io_error (c);
        return false;
      }
      return true;
    });
  }

 private:
  std::string server_key (const std::string &key) const
  {
    return opts_.net.key_prefix + safe_key (key);
  }

  /* Right after the failed call (reads errno). */
  std::string io_error (redisContext *c) const
  {
    int err = errno;
    if (c->err == REDIS_ERR_IO && (err == EAGAIN || err == EWOULDBLOCK))
      return "no answer within " + std::to_string (opts_.net.command_timeout_ms)
             + " ms: server stopped or overloaded";
    return c->err ? std::string (c->errstr) : "no reply";
  }

  /* Runs @op on a pooled connection unless the backend is skipped. @op
   * returns false (and says why) when the connection failed. */
  template <typename Op> void run (Op op)
  {
    auto pass = gate_.enter ();
    if (pass == OutageGate::Pass::SKIP)
      return;
    SigpipeGuard no_sigpipe;
    std::string why;
    Context c = take (&why);
    if (!c) {
      gate_.failed (pass, why);
      return;
    }
    if (!op (c.get (), &why)) {
      /* The connection is in an unknown state (half a reply read): drop
       * it and every idle one, which most likely died with it. */
      drop_idle ();
      gate_.failed (pass, why);
      return;
    }
    gate_.succeeded (pass);
    give_back (std::move (c));
  }

  Context take (std::string *why)
  {
    {
      std::lock_guard<std::mutex> guard (lock_);
      if (!idle_.empty ()) {
        Context c = std::move (idle_.back ());
        idle_.pop_back ();
        return c;
      }
    }
    return connect (why);
  }

  void give_back (Context c)
  {
    std::lock_guard<std::mutex> guard (lock_);
    if (idle_.size () < kMaxIdle)
      idle_.push_back (std::move (c));
  }

  void drop_idle ()
  {
    std::vector<Context> old;
    std::lock_guard<std::mutex> guard (lock_);
    old.swap (idle_);
  }

  Context connect (std::string *why)
  {
    Context c (redisConnectWithTimeout (opts_.host.c_str (), opts_.port,
        to_timeval (opts_.net.connect_timeout_ms)));
    if (!c) {
      *why = "out of memory";
      return nullptr;
    }
    if (c->err) {
      *why = std::string ("cannot connect: ") + c->errstr;
      return nullptr;
    }
    if (redisSetTimeout (c.get (), to_timeval (opts_.net.command_timeout_ms))
        != REDIS_OK) {
      *why = "cannot set the command timeout";
      return nullptr;
    }
    redisEnableKeepAlive (c.get ());
    if (!password_.empty ()) {
      const std::string &password = password_.reveal ();
      Reply r (static_cast<redisReply *> (redisCommand (
          c.get (), "AUTH %b", password.data (), password.size ())));
      if (!r) {
        *why = io_error (c.get ());
        return nullptr;
      }
      if (r->type == REDIS_REPLY_ERROR) {
        *why = "AUTH refused (check REDIS_PASSWORD): "
               + secrets_redact (std::string (r->str, r->len));
        return nullptr;
      }
    }
    if (opts_.db != 0) {
      Reply r (static_cast<redisReply *> (
          redisCommand (c.get (), "SELECT %d", opts_.db)));
      if (!r) {
        *why = io_error (c.get ());
        return nullptr;
      }
      if (r->type == REDIS_REPLY_ERROR) {
        *why = "SELECT " + std::to_string (opts_.db)
               + " refused (check REDIS_DB): " + std::string (r->str, r->len);
        return nullptr;
      }
    }
    CACHE_DEBUG ("redis: connected to %s:%d db %d", opts_.host.c_str (),
        opts_.port, opts_.db);
    return c;
  }

  /* The options but the password, which only password_ holds. */
  static RedisCacheOptions without_password (RedisCacheOptions o)
  {
    secret_wipe (o.password);
    return o;
  }

  const RedisCacheOptions opts_;
  Secret password_;
  OutageGate gate_;
  std::mutex lock_;
  std::vector<Context> idle_;
};

} // namespace

std::unique_ptr<Cache>
cache_redis_new (const RedisCacheOptions &options, GError **error)
{
  (void)cache_internal::debug_category ();
  if (options.host.empty () || options.port <= 0 || options.port > 65535
      || options.db < 0) {
    g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
        "Invalid Redis address %s:%d db %d: set REDIS_HOST, REDIS_PORT "
        "(1-65535) and REDIS_DB (0 or more)",
        options.host.c_str (), options.port, options.db);
    return nullptr;
  }
  CACHE_INFO ("Redis cache at %s:%d db %d", options.host.c_str (), options.port,
      options.db);
  return std::make_unique<RedisCache> (options);
}

#else /* !HAVE_HIREDIS */

std::unique_ptr<Cache>
cache_redis_new (const RedisCacheOptions &, GError **error)
{
  g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_NOT_SUPPORTED,
      "gst-twitch was built without the Redis cache: install hiredis "
      "(libhiredis-dev) and configure with -Dredis=enabled");
  return nullptr;
}

#endif

} // namespace twitch
