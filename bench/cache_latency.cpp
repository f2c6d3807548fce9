/* Cache get latency: p50/p90/p99 of a hit on a 20 KB Helix-like JSON page
 * (a channels/followers page of 100 entries), for every backend: memory,
 * file, Redis and memcached (servers of its own on 127.0.0.1). Also the put
 * latency and the stored size. Prints a table; not a pass/fail test.
 *
 *   meson test -C build --benchmark cache-latency --verbose
 *   build/bench/cache-latency [iterations]      (default 5000) */
#include "config.h"

#include <gst/twitch/cache/cache.h>

#include "support/memcached_peer.h"
#include "support/peer.h"
#include "support/redis_peer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace
{

/* Microseconds, with sub-microsecond resolution. */
double
now_us ()
{
  return std::chrono::duration<double, std::micro> (
      std::chrono::steady_clock::now ().time_since_epoch ())
      .count ();
}

/* A followers page as Helix sends it (100 entries: ids, logins, names,
 * dates; here with the profile image URL of each follower too, as a client
 * joining users would keep), then the cursor. About 20 KB. */
std::string
helix_page ()
{
  GRand *r = g_rand_new_with_seed (42);
  std::string s = "{\"total\":104233,\"data\":[";
  const char *words[] = {"pixel", "nova", "grim", "lumen", "otter", "vex",
      "karma", "drift", "echo", "blaze", "mochi", "tundra"};
  for (int i = 0; i < 100; i++) {
    std::string login = std::string (words[g_rand_int_range (r, 0, 12)])
                        + words[g_rand_int_range (r, 0, 12)]
                        + std::to_string (g_rand_int_range (r, 0, 100000));
    std::string name = login;
    name[0] = g_ascii_toupper (name[0]);
    char date[64];
    g_snprintf (date, sizeof (date), "20%02d-%02d-%02dT%02d:%02d:%02dZ",
        g_rand_int_range (r, 15, 25), g_rand_int_range (r, 1, 13),
        g_rand_int_range (r, 1, 29), g_rand_int_range (r, 0, 24),
        g_rand_int_range (r, 0, 60), g_rand_int_range (r, 0, 60));
    if (i)
      s += ",";
    s += "{\"user_id\":\""
         + std::to_string (g_rand_int_range (r, 10000000, 999999999))
         + "\",\"user_login\":\"" + login + "\",\"user_name\":\"" + name
         + "\",\"followed_at\":\"" + date
         + "\",\"profile_image_url\":\"https://static-cdn.jtvnw.net/"
         + std::to_string (g_rand_int (r)) + "-profile_image-300x300.png\"}";
  }
  s += "],\"pagination\":{\"cursor\":\"eyJiIjpudWxsLCJhIjp7IkN1cnNvciI6IjE2ND"
       "kyNjAxNjAyMjY1MTUwMDAifX0\"}}";
  g_rand_free (r);
  return s;
}

double
percentile (std::vector<double> &v, double p)
{
  if (v.empty ())
    return 0;
  std::sort (v.begin (), v.end ());
  size_t i = static_cast<size_t> (p * (v.size () - 1) + 0.5);
  return v[std::min (i, v.size () - 1)];
}

void
run (const char *label, twitch::Cache *cache, const std::string &body,
    int iterations)
{
  if (!cache) {
    printf ("%-10s  (not available)\n", label);
    return;
  }
  twitch::CacheEntry e;
  e.body = body;
  e.fetched_at_us = g_get_real_time ();
  /* 64 distinct pages, as a paging client would read them back. */
  const int kKeys = 64;
  std::vector<std::string> keys;
  std::vector<double> put_us;
  for (int i = 0; i < kKeys; i++) {
    keys.push_back (twitch::cache_key (
        "https://api.twitch.tv/helix/channels/followers?broadcaster_id=1&"
        "first=100&after="
            + std::to_string (i),
        "client-id"));
    double t0 = now_us ();
    cache->put (keys.back (), e, 3600);
    put_us.push_back (now_us () - t0);
  }
  /* Warm up: connections, page cache. */
  for (int i = 0; i < 200; i++)
    (void)cache->get (keys[i % kKeys]);

  std::vector<double> us;
  us.reserve (iterations);
  int misses = 0;
  for (int i = 0; i < iterations; i++) {
    double t0 = now_us ();
    auto hit = cache->get (keys[i % kKeys]);
    double t1 = now_us ();
    if (!hit || hit->body.size () != body.size ())
      misses++;
    us.push_back (t1 - t0);
  }
  double mean = 0;
  for (double x : us)
    mean += x;
  mean /= us.size ();
  double p50 = percentile (us, 0.50), p90 = percentile (us, 0.90),
         p99 = percentile (us, 0.99), max = us.back ();
  double put50 = percentile (put_us, 0.50);
  printf ("%-10s  %8.1f  %8.1f  %8.1f  %8.1f  %8.1f  %9.1f  %6d\n", label, p50,
      p90, p99, max, mean, put50, misses);
}

} // namespace

int
main (int argc, char **argv)
{
  int iterations = argc > 1 ? atoi (argv[1]) : 5000;
  if (iterations <= 0)
    iterations = 5000;
  std::string body = helix_page ();
  std::string encoded = twitch::cache_encode ({body, 0}, INT64_MAX);
  printf ("cache get latency, hit on a %zu-byte Helix followers page "
          "(%zu bytes stored with zstd), %d gets over 64 keys, microseconds\n",
      body.size (), encoded.size (), iterations);
  printf ("%-10s  %8s  %8s  %8s  %8s  %8s  %9s  %6s\n", "backend", "p50", "p90",
      "p99", "max", "mean", "put p50", "misses");

  auto memory = twitch::cache_memory_new ();
  run ("memory", memory.get (), body, iterations);

  twitch_test::TempDir tmp ("gst-twitch-bench-cache");
  twitch::FileCacheOptions fo;
  fo.dir = tmp.file ("tree");
  GError *error = nullptr;
  auto file = twitch::cache_file_new (fo, &error);
  g_clear_error (&error);
  run ("file", file.get (), body, iterations);

  twitch_test::RedisPeer redis;
  std::unique_ptr<twitch::Cache> rc;
  if (redis.start (&error)) {
    twitch::RedisCacheOptions o;
    o.host = "127.0.0.1";
    o.port = redis.port ();
    rc = twitch::cache_redis_new (o, &error);
  } else {
    fprintf (stderr, "redis: %s\n", error->message);
  }
  g_clear_error (&error);
  run ("redis", rc.get (), body, iterations);

  twitch_test::MemcachedPeer memcached;
  std::unique_ptr<twitch::Cache> mc;
  if (memcached.start (&error)) {
    twitch::MemcachedCacheOptions o;
    o.servers = memcached.address ();
    mc = twitch::cache_memcached_new (o, &error);
  } else {
    fprintf (stderr, "memcached: %s\n", error->message);
  }
  g_clear_error (&error);
  run ("memcached", mc.get (), body, iterations);

  /* For scale: decoding alone (what every byte-storing backend pays). */
  std::vector<double> us;
  for (int i = 0; i < iterations; i++) {
    double t0 = now_us ();
    auto d = twitch::cache_decode (encoded, 0);
    us.push_back (now_us () - t0);
  }
  printf ("(zstd decode alone: p50 %.1f us, p99 %.1f us)\n",
      percentile (us, 0.5), percentile (us, 0.99));
  return 0;
}
