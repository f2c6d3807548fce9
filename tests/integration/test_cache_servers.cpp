/* The Redis and memcached backends against real local servers: hits and
 * expiry, garbage values, two processes sharing one cache, the server killed
 * or stopped mid-run (prompt misses, one warning) and coming back. */
#include "config.h"

#include <gst/twitch/cache/cache.h>

#include "support/log_capture.h"
#include "support/memcached_peer.h"
#include "support/peer.h"
#include "support/redis_peer.h"
#include "support/require.h"

#include <gtest/gtest.h>

#if HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif
#if HAVE_LIBMEMCACHED
#include <libmemcached/memcached.h>
#endif

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <thread>

using twitch_test::LogCapture;

namespace
{

constexpr int kTimeoutMs = 1000;
constexpr int kRetryMs = 200;

[[maybe_unused]] twitch::CacheNetworkOptions
net_options ()
{
  twitch::CacheNetworkOptions net;
  net.connect_timeout_ms = kTimeoutMs;
  net.command_timeout_ms = kTimeoutMs;
  net.retry_initial_ms = kRetryMs;
  net.retry_max_ms = 1000;
  return net;
}

twitch::CacheEntry
entry (const std::string &body)
{
  twitch::CacheEntry e;
  e.body = body;
  e.fetched_at_us = g_get_real_time ();
  return e;
}

template <typename F>
bool
eventually (F cond, int seconds = 15)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline) {
    if (cond ())
      return true;
    g_usleep (50 * 1000);
  }
  return cond ();
}

/* SIGSTOP takes effect when each thread of the server next runs; a test
 * that wants a stalled server waits until every thread is stopped. */
bool
wait_all_threads_stopped (int pid, int timeout_ms = 10000)
{
  std::string dir = "/proc/" + std::to_string (pid) + "/task";
  return eventually (
      [&] {
        GDir *d = g_dir_open (dir.c_str (), 0, nullptr);
        if (!d)
          return false;
        bool all = true;
        int n = 0;
        while (const gchar *tid = g_dir_read_name (d)) {
          std::string stat = twitch_test::read_file (dir + "/" + tid + "/stat");
          /* "pid (comm) S ...": the state follows the last ')'. */
          size_t paren = stat.rfind (')');
          char state = paren != std::string::npos && paren + 2 < stat.size ()
                           ? stat[paren + 2]
                           : '?';
          all &= state == 'T' || state == 't';
          n++;
        }
        g_dir_close (d);
        return all && n > 0;
      },
      timeout_ms / 1000);
}

/* A server under test and how to reach it with and around the cache. */
class Server
{
 public:
  virtual ~Server () = default;
  virtual const char *backend () const = 0;
  virtual bool start (GError **error) = 0;
  virtual twitch_test::PeerProcess &process () = 0;
  virtual std::unique_ptr<twitch::Cache> make_cache () = 0;
  /* Environment for cache_new_from_name() in another process. */
  virtual std::map<std::string, std::string> env () = 0;
  /* Stores @value under the server key of @key, bypassing the cache. */
  virtual bool store_raw (const std::string &key, const std::string &value) = 0;
  /* Remaining server-side TTL of @key in seconds (-2 when absent, -3 when
   * the server cannot tell). */
  virtual long long server_ttl (const std::string &) { return -3; }
};

#if HAVE_HIREDIS
class RedisServer : public Server
{
 public:
  const char *backend () const override { return "redis"; }
  bool start (GError **error) override { return peer_.start (error); }
  twitch_test::PeerProcess &process () override { return peer_.process (); }
  std::unique_ptr<twitch::Cache> make_cache () override
  {
    twitch::RedisCacheOptions o;
    o.host = "127.0.0.1";
    o.port = peer_.port ();
    o.net = net_options ();
    GError *error = nullptr;
    auto c = twitch::cache_redis_new (o, &error);
    EXPECT_EQ (error, nullptr);
    g_clear_error (&error);
    return c;
  }
  std::map<std::string, std::string> env () override
  {
    return {{"REDIS_HOST", "127.0.0.1"},
        {"REDIS_PORT", std::to_string (peer_.port ())}};
  }
  /* A command on db 1 (the default database of the backend). */
  redisReply *command (
      const char *fmt, const std::string &a, const std::string &b = {})
  {
    timeval tv{5, 0};
    redisContext *c = redisConnectWithTimeout ("127.0.0.1", peer_.port (), tv);
    if (c == nullptr || c->err) {
      if (c)
        redisFree (c);
      return nullptr;
    }
    freeReplyObject (redisCommand (c, "SELECT 1"));
    auto *r = static_cast<redisReply *> (
        b.empty () ? redisCommand (c, fmt, a.data (), a.size ())
                   : redisCommand (
                       c, fmt, a.data (), a.size (), b.data (), b.size ()));
    redisFree (c);
    return r;
  }
  bool store_raw (const std::string &key, const std::string &value) override
  {
    redisReply *r = command ("SET %b %b", "gst-twitch:" + key, value);
    bool ok = r && r->type == REDIS_REPLY_STATUS;
    if (r)
      freeReplyObject (r);
    return ok;
  }
  long long server_ttl (const std::string &key) override
  {
    redisReply *r = command ("TTL %b", "gst-twitch:" + key);
    long long ttl = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -3;
    if (r)
      freeReplyObject (r);
    return ttl;
  }

 private:
  twitch_test::RedisPeer peer_;
};
#endif

#if HAVE_LIBMEMCACHED
class MemcachedServer : public Server
{
 public:
  const char *backend () const override { return "memcached"; }
  bool start (GError **error) override { return peer_.start (error); }
  twitch_test::PeerProcess &process () override { return peer_.process (); }
  std::unique_ptr<twitch::Cache> make_cache () override
  {
    twitch::MemcachedCacheOptions o;
    o.servers = peer_.address ();
    o.net = net_options ();
    GError *error = nullptr;
    auto c = twitch::cache_memcached_new (o, &error);
    EXPECT_EQ (error, nullptr);
    g_clear_error (&error);
    return c;
  }
  std::map<std::string, std::string> env () override
  {
    return {{"MEMCACHE_SERVERS", peer_.address ()}};
  }
  bool store_raw (const std::string &key, const std::string &value) override
  {
    std::string cfg = "--SERVER=" + peer_.address ();
    memcached_st *m = memcached (cfg.c_str (), cfg.size ());
    if (!m)
      return false;
    std::string k = "gst-twitch:" + key;
    memcached_return_t rc = memcached_set (
        m, k.data (), k.size (), value.data (), value.size (), 0, 0);
    memcached_free (m);
    return rc == MEMCACHED_SUCCESS;
  }

 private:
  twitch_test::MemcachedPeer peer_;
};
#endif

std::unique_ptr<Server>
make_server ([[maybe_unused]] const std::string &name)
{
#if HAVE_HIREDIS
  if (name == "redis")
    return std::make_unique<RedisServer> ();
#endif
#if HAVE_LIBMEMCACHED
  if (name == "memcached")
    return std::make_unique<MemcachedServer> ();
#endif
  return nullptr;
}

std::string
program_for (const std::string &name)
{
  return name == "redis" ? "redis-server" : "memcached";
}

/* Runs cache-client in another process; returns its exit status and output. */
int
run_client (const char *backend, const std::map<std::string, std::string> &env,
    const std::vector<std::string> &args, std::string *out = nullptr)
{
  const char *build = g_getenv ("TWITCH_TEST_BUILD_DIR");
  std::string client
      = std::string (build ? build : ".") + "/integration/cache-client";
  std::vector<const gchar *> argv = {client.c_str (), backend};
  for (const auto &a : args)
    argv.push_back (a.c_str ());
  argv.push_back (nullptr);
  GSubprocessLauncher *l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  for (const auto &kv : env)
    g_subprocess_launcher_setenv (
        l, kv.first.c_str (), kv.second.c_str (), TRUE);
  GError *error = nullptr;
  GSubprocess *p = g_subprocess_launcher_spawnv (l, argv.data (), &error);
  g_object_unref (l);
  if (!p) {
    ADD_FAILURE () << "cannot run " << client << ": " << error->message;
    g_clear_error (&error);
    return -1;
  }
  gchar *stdout_text = nullptr;
  g_subprocess_communicate_utf8 (
      p, nullptr, nullptr, &stdout_text, nullptr, nullptr);
  g_subprocess_wait (p, nullptr, nullptr);
  int status
      = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  if (out)
    *out = stdout_text ? stdout_text : "";
  g_free (stdout_text);
  g_object_unref (p);
  return status;
}

int
run_client (Server &server, const std::vector<std::string> &args,
    std::string *out = nullptr)
{
  return run_client (server.backend (), server.env (), args, out);
}

class CacheServer : public ::testing::TestWithParam<std::string>
{
 protected:
  void SetUp () override
  {
    server_ = make_server (GetParam ());
    TWITCH_REQUIRE_PEER (server_ ? std::string ()
                                 : "the " + GetParam ()
                                       + " backend (configure with -D"
                                       + GetParam () + "=enabled)");
    TWITCH_REQUIRE_PROGRAM (
        twitch_test::find_program (program_for (GetParam ()).c_str ()),
        program_for (GetParam ()), program_for (GetParam ()));
    GError *error = nullptr;
    ASSERT_TRUE (server_->start (&error)) << error->message;
    cache_ = server_->make_cache ();
    ASSERT_TRUE (cache_);
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<twitch::Cache> cache_;
};

} // namespace

TEST_P (CacheServer, HitsAndExpires)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  std::string key
      = twitch::cache_key ("https://h/helix/streams?user_id=1", "c");
  std::string body = "{\"data\":[{\"viewer_count\":1234}]}";
  EXPECT_FALSE (cache_->get (key));
  cache_->put (key, entry (body), 1);
  cache_->put ("longlived", entry ("l"), 3600);
  auto hit = cache_->get (key);
  ASSERT_TRUE (hit);
  EXPECT_EQ (hit->body, body);
  EXPECT_TRUE (eventually ([&] { return !cache_->get (key); }))
      << "a 1 s entry expires";
  EXPECT_TRUE (cache_->get ("longlived"));
  long long ttl = server_->server_ttl ("longlived");
  if (ttl != -3) {
    EXPECT_GT (ttl, 3000) << "SET ... EX ttl on db 1 under gst-twitch:";
    EXPECT_LE (ttl, 3600);
  }
  cache_->put ("forever", entry ("f"), INT64_MAX);
  EXPECT_TRUE (cache_->get ("forever")) << "a huge TTL is clamped, not refused";
  cache_->remove ("longlived");
  EXPECT_FALSE (cache_->get ("longlived"));
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 0u);
}

TEST_P (CacheServer, GarbageValuesAreMisses)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  std::string key = twitch::cache_key ("https://h/helix/users?id=9", "c");
  ASSERT_TRUE (server_->store_raw (key, "not a gst-twitch entry"));
  EXPECT_FALSE (cache_->get (key));
  ASSERT_TRUE (server_->store_raw (key, ""));
  EXPECT_FALSE (cache_->get (key));
  cache_->put (key, entry ("fresh"), 60);
  ASSERT_TRUE (cache_->get (key));
  EXPECT_EQ (cache_->get (key)->body, "fresh");
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 0u)
      << "garbage is a miss, not an outage";
}

TEST_P (CacheServer, TwoProcessesShareOneCache)
{
  std::string k1 = twitch::cache_key ("https://h/helix/users?login=a", "c");
  std::string k2 = twitch::cache_key ("https://h/helix/users?login=b", "c");
  cache_->put (k1, entry ("from the test"), 60);
  std::string out;
  EXPECT_EQ (run_client (*server_, {"get", k1}, &out), 0)
      << "another process hits what this one stored";
  EXPECT_EQ (out, "from the test");
  EXPECT_EQ (run_client (*server_, {"get", k2}), 2) << "miss";
  EXPECT_EQ (run_client (*server_, {"put", k2, "from the child", "60"}), 0);
  auto hit = cache_->get (k2);
  ASSERT_TRUE (hit) << "this process hits what the other stored";
  EXPECT_EQ (hit->body, "from the child");
  EXPECT_EQ (run_client (*server_, {"remove", k1}), 0);
  EXPECT_FALSE (cache_->get (k1));
}

TEST_P (CacheServer, KilledServerMissesPromptlyWithOneWarningThenRecovers)
{
  LogCapture log ("twitchcache", GST_LEVEL_INFO);
  cache_->put ("before", entry ("b"), 60);
  ASSERT_TRUE (cache_->get ("before"));

  server_->process ().kill_hard ();
  gint64 start = g_get_monotonic_time ();
  gint64 worst = 0;
  for (int i = 0; i < 100; i++) {
    gint64 t0 = g_get_monotonic_time ();
    EXPECT_FALSE (cache_->get ("before"));
    cache_->put ("k" + std::to_string (i), entry ("v"), 60);
    worst = std::max (worst, g_get_monotonic_time () - t0);
  }
  /* Bounds against hanging, not speed: a refused connection fails at once,
   * and the backend is then skipped. */
  EXPECT_LT (worst / 1000, 3 * kTimeoutMs);
  EXPECT_LT ((g_get_monotonic_time () - start) / 1000, 10 * kTimeoutMs);
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 1u) << "one warning per outage";

  GError *error = nullptr;
  ASSERT_TRUE (server_->start (&error)) << error->message;
  EXPECT_TRUE (eventually ([&] {
    cache_->put ("after", entry ("a"), 60);
    auto e = cache_->get ("after");
    return e && e->body == "a";
  })) << "hits again once the server is back";
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 1u);
  bool said_back = false;
  for (const auto &l : log.lines (GST_LEVEL_INFO))
    said_back |= l.find ("is back") != std::string::npos;
  EXPECT_TRUE (said_back);
}

TEST_P (CacheServer, StoppedServerCostsOneTimeoutThenIsSkipped)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  cache_->put ("kept", entry ("still here"), 600);
  ASSERT_TRUE (cache_->get ("kept"));

  server_->process ().pause ();
  ASSERT_TRUE (wait_all_threads_stopped (server_->process ().pid ()));
  gint64 t0 = g_get_monotonic_time ();
  EXPECT_FALSE (cache_->get ("kept"));
  gint64 first_ms = (g_get_monotonic_time () - t0) / 1000;
  /* Bounds against hanging, not speed tests: generous for a loaded CI
   * machine, yet far below a hang or 200 calls x one timeout each. */
  EXPECT_LT (first_ms, 20 * kTimeoutMs) << "bounded by the command timeout";
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < 100; i++) {
    EXPECT_FALSE (cache_->get ("kept"));
    cache_->put ("x", entry ("x"), 60);
  }
  EXPECT_LT ((g_get_monotonic_time () - t0) / 1000, 20 * kTimeoutMs)
      << "skipped while down, not one timeout per call";
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 1u);

  server_->process ().resume ();
  EXPECT_TRUE (eventually ([&] {
    auto e = cache_->get ("kept");
    return e && e->body == "still here";
  })) << "the same server, resumed, serves its entries again";
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 1u);
}

TEST_P (CacheServer, ConcurrentCallersSurviveAKill)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, hits{0}, calls{0};
  std::atomic<gint64> worst_us{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; t++) {
    threads.emplace_back ([&, t] {
      int i = 0;
      while (!stop) {
        std::string key = "c" + std::to_string ((i + t) % 8);
        std::string body (
            2000 + (i + t) % 8, static_cast<char> ('a' + (i + t) % 8));
        gint64 t0 = g_get_monotonic_time ();
        if (i % 2 == 0) {
          cache_->put (key, entry (body), 60);
        } else if (auto e = cache_->get (key)) {
          hits++;
          /* Each key always holds the same body. */
          if (e->body != body)
            bad++;
        }
        gint64 took = g_get_monotonic_time () - t0;
        gint64 w = worst_us;
        while (took > w && !worst_us.compare_exchange_weak (w, took)) {
        }
        calls++;
        i++;
      }
    });
  }
  EXPECT_TRUE (eventually ([&] { return hits > 100; }));
  /* Killed while writes are in flight on pooled connections: no SIGPIPE
   * (this process would die), no hang. */
  server_->process ().kill_hard ();
  int before = calls;
  EXPECT_TRUE (eventually ([&] { return calls > before + 2000; }))
      << "callers keep going while the server is gone";
  stop = true;
  for (auto &th : threads)
    th.join ();
  EXPECT_EQ (bad.load (), 0);
  EXPECT_LT (worst_us / 1000, 3 * kTimeoutMs);
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 1u);

  GError *error = nullptr;
  ASSERT_TRUE (server_->start (&error)) << error->message;
  EXPECT_TRUE (eventually ([&] {
    cache_->put ("again", entry ("a"), 60);
    return cache_->get ("again").has_value ();
  }));
}

TEST_P (CacheServer, ValueTooLargeForTheServerIsNotAnOutage)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  /* Incompressible and over memcached's 1 MB item limit. */
  GRand *r = g_rand_new_with_seed (1);
  std::string big (3 << 20, '\0');
  for (auto &ch : big)
    ch = static_cast<char> (g_rand_int (r));
  g_rand_free (r);
  cache_->put ("big", entry (big), 60);
  auto e = cache_->get ("big");
  if (GetParam () == "memcached") {
    EXPECT_FALSE (e) << "over memcached's 1 MB item limit: not stored";
  } else {
    ASSERT_TRUE (e) << "Redis takes values up to 512 MB";
    EXPECT_EQ (e->body, big);
  }
  cache_->put ("small", entry ("s"), 60);
  EXPECT_TRUE (cache_->get ("small")) << "the backend is still in use";
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 0u);
}

INSTANTIATE_TEST_SUITE_P (Backends, CacheServer,
    ::testing::Values ("redis", "memcached"),
    [] (const auto &info) { return info.param; });

#if HAVE_HIREDIS
TEST (RedisCache, PasswordAndDatabase)
{
  TWITCH_REQUIRE_PROGRAM (
      twitch_test::RedisPeer::program (), "redis-server", "redis-server");
  const std::string password = "s3cret-redis-pass";
  twitch_test::RedisPeer peer ({"--requirepass", password});
  GError *error = nullptr;
  ASSERT_TRUE (peer.start (&error)) << error->message;

  twitch::RedisCacheOptions o;
  o.host = "127.0.0.1";
  o.port = peer.port ();
  o.password = password;
  o.db = 3;
  o.net = net_options ();
  auto good = twitch::cache_redis_new (o, &error);
  ASSERT_TRUE (good);
  good->put ("pw", entry ("authorized"), 60);
  ASSERT_TRUE (good->get ("pw"));
  EXPECT_EQ (good->get ("pw")->body, "authorized");

  /* The entry went to database 3. */
  timeval tv{5, 0};
  redisContext *c = redisConnectWithTimeout ("127.0.0.1", peer.port (), tv);
  ASSERT_TRUE (c && !c->err);
  freeReplyObject (redisCommand (c, "AUTH %s", password.c_str ()));
  freeReplyObject (redisCommand (c, "SELECT 3"));
  auto *r
      = static_cast<redisReply *> (redisCommand (c, "EXISTS gst-twitch:pw"));
  ASSERT_TRUE (r);
  EXPECT_EQ (r->integer, 1);
  freeReplyObject (r);
  redisFree (c);

  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  o.password = "wrong-password-xyz";
  auto bad = twitch::cache_redis_new (o, &error);
  ASSERT_TRUE (bad);
  for (int i = 0; i < 5; i++)
    EXPECT_FALSE (bad->get ("pw"));
  auto warnings = log.lines (GST_LEVEL_WARNING);
  ASSERT_EQ (warnings.size (), 1u);
  EXPECT_NE (warnings[0].find ("REDIS_PASSWORD"), std::string::npos)
      << warnings[0];
  EXPECT_EQ (warnings[0].find ("wrong-password-xyz"), std::string::npos)
      << "the password is never logged";
}
#endif

TEST (FileCache, TwoProcessesShareOneTree)
{
  twitch_test::TempDir tmp;
  std::map<std::string, std::string> env
      = {{"TWITCH_CACHE_TEMP", tmp.file ("tree")}};
  twitch::FileCacheOptions o;
  o.dir = tmp.file ("tree");
  GError *error = nullptr;
  auto cache = twitch::cache_file_new (o, &error);
  ASSERT_TRUE (cache) << error->message;
  std::string k1 = twitch::cache_key ("https://h/helix/videos?id=1", "c");
  std::string k2 = twitch::cache_key ("https://h/helix/videos?id=2", "c");
  cache->put (k1, entry ("written here"), 60);
  std::string out;
  EXPECT_EQ (run_client ("file", env, {"get", k1}, &out), 0);
  EXPECT_EQ (out, "written here");
  EXPECT_EQ (run_client ("file", env, {"put", k2, "written there", "60"}), 0);
  auto hit = cache->get (k2);
  ASSERT_TRUE (hit);
  EXPECT_EQ (hit->body, "written there");
}

namespace
{

/* A server that accepts and at once closes every connection (a broken
 * cache server), recording when each connection arrived. */
class ClosingServer
{
 public:
  ClosingServer ()
  {
    GError *error = nullptr;
    sock_ = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
        G_SOCKET_PROTOCOL_TCP, &error);
    GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
    ok_ = sock_ && g_socket_bind (sock_, addr, TRUE, &error)
          && g_socket_listen (sock_, &error);
    g_object_unref (addr);
    g_object_unref (lo);
    g_clear_error (&error);
    if (!ok_)
      return;
    GSocketAddress *local = g_socket_get_local_address (sock_, nullptr);
    port_ = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    g_object_unref (local);
    g_socket_set_timeout (sock_, 0);
    thread_ = std::thread ([this] {
      while (!stop_) {
        if (!g_socket_condition_timed_wait (
                sock_, G_IO_IN, 50 * 1000, nullptr, nullptr))
          continue;
        GSocket *c = g_socket_accept (sock_, nullptr, nullptr);
        if (c == nullptr)
          continue;
        {
          std::lock_guard<std::mutex> g (lock_);
          arrivals_.push_back (g_get_monotonic_time ());
        }
        g_socket_close (c, nullptr);
        g_object_unref (c);
      }
    });
  }
  ~ClosingServer ()
  {
    stop_ = true;
    if (thread_.joinable ())
      thread_.join ();
    if (sock_)
      g_object_unref (sock_);
  }
  bool ok () const { return ok_; }
  int port () const { return port_; }
  std::vector<gint64> arrivals ()
  {
    std::lock_guard<std::mutex> g (lock_);
    return arrivals_;
  }

 private:
  GSocket *sock_ = nullptr;
  bool ok_ = false;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex lock_;
  std::vector<gint64> arrivals_;
};

} // namespace

#if HAVE_HIREDIS
/* The circuit breaker's documented figures (docs/cache.md, "Server down"):
 * retried after 1 s, doubling up to 30 s. */
TEST (CacheBreaker, DefaultsAreOneSecondDoublingToThirty)
{
  twitch::CacheNetworkOptions net;
  EXPECT_EQ (net.retry_initial_ms, 1000);
  EXPECT_EQ (net.retry_max_ms, 30000);
  EXPECT_EQ (net.connect_timeout_ms, 500);
  EXPECT_EQ (net.command_timeout_ms, 500);
}

/* With the defaults, a failed server is not called again for 1 s, and is
 * probed once soon after. */
TEST (CacheBreaker, FirstRetryAfterOneSecond)
{
  ClosingServer server;
  ASSERT_TRUE (server.ok ());
  twitch::RedisCacheOptions o;
  o.host = "127.0.0.1";
  o.port = server.port ();
  GError *error = nullptr;
  auto c = twitch::cache_redis_new (o, &error);
  ASSERT_TRUE (c) << (error ? error->message : "");
  EXPECT_FALSE (c->get ("k"));
  ASSERT_EQ (server.arrivals ().size (), 1u);
  gint64 first = server.arrivals ()[0];
  /* Callers keep asking; until a second connection arrives (or 10 s). */
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (server.arrivals ().size () < 2 && g_get_monotonic_time () < end) {
    EXPECT_FALSE (c->get ("k"));
    g_usleep (5 * 1000);
  }
  auto a = server.arrivals ();
  ASSERT_GE (a.size (), 2u) << "never probed again";
  EXPECT_GE (a[1] - first, 1000 * 1000 - 20 * 1000) << "retried before 1 s";
  EXPECT_LT (a[1] - first, 1000 * 1000 + 900 * 1000) << "not 2 s";
}

/* The schedule, scaled down (100 ms doubling up to 800 ms): probes after
 * 100, 200, 400, 800, 800 ms; between them no call reaches the server. */
TEST (CacheBreaker, RetryDelayDoublesUpToTheMaximum)
{
  ClosingServer server;
  ASSERT_TRUE (server.ok ());
  twitch::RedisCacheOptions o;
  o.host = "127.0.0.1";
  o.port = server.port ();
  o.net.retry_initial_ms = 100;
  o.net.retry_max_ms = 800;
  GError *error = nullptr;
  auto c = twitch::cache_redis_new (o, &error);
  ASSERT_TRUE (c) << (error ? error->message : "");
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (server.arrivals ().size () < 6 && g_get_monotonic_time () < end) {
    EXPECT_FALSE (c->get ("k"));
    g_usleep (2 * 1000);
  }
  auto a = server.arrivals ();
  ASSERT_GE (a.size (), 6u);
  const gint64 want_ms[] = {100, 200, 400, 800, 800};
  for (size_t i = 0; i < 5; i++) {
    gint64 gap_ms = (a[i + 1] - a[i]) / 1000;
    /* Slack for a loaded machine, short of the next step of the schedule
     * (a tripling or a missing cap fails). */
    gint64 slack = std::max<gint64> (150, want_ms[i] / 2);
    EXPECT_GE (gap_ms, want_ms[i] - 5) << "probe " << i + 1;
    EXPECT_LT (gap_ms, want_ms[i] + slack) << "probe " << i + 1;
  }
}
#endif
