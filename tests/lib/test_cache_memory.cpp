/* The memory backend: hits, expiry, the LRU byte budget, threads. */
#include <gst/twitch/cache/cache.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace
{

twitch::CacheEntry
entry (const std::string &body, int64_t fetched = 1)
{
  twitch::CacheEntry e;
  e.body = body;
  e.fetched_at_us = fetched;
  return e;
}

/* Polls @cond every 50 ms for up to @seconds. */
template <typename F>
bool
eventually (F cond, int seconds = 10)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline) {
    if (cond ())
      return true;
    g_usleep (50 * 1000);
  }
  return cond ();
}

} // namespace

TEST (MemoryCache, HitMissRemoveOverwrite)
{
  auto c = twitch::cache_memory_new ();
  EXPECT_STREQ (c->name (), "memory");
  std::string key = twitch::cache_key ("https://h/helix/users?id=1", "c");
  EXPECT_FALSE (c->get (key));
  c->put (key, entry ("{\"data\":[1]}", 42), 60);
  auto hit = c->get (key);
  ASSERT_TRUE (hit);
  EXPECT_EQ (hit->body, "{\"data\":[1]}");
  EXPECT_EQ (hit->fetched_at_us, 42);
  c->put (key, entry ("{\"data\":[2]}", 43), 60);
  EXPECT_EQ (c->get (key)->body, "{\"data\":[2]}");
  c->remove (key);
  EXPECT_FALSE (c->get (key));
  c->put (key, entry ("x"), 0);
  EXPECT_FALSE (c->get (key)) << "a TTL of 0 stores nothing";
}

TEST (MemoryCache, Expires)
{
  auto c = twitch::cache_memory_new ();
  c->put ("k1", entry ("short"), 1);
  c->put ("k2", entry ("long"), 3600);
  ASSERT_TRUE (c->get ("k1"));
  EXPECT_TRUE (eventually ([&] { return !c->get ("k1"); }))
      << "an entry with a 1 s TTL is gone after its TTL";
  EXPECT_TRUE (c->get ("k2"));
}

TEST (MemoryCache, ByteBudgetEvictsLeastRecentlyUsed)
{
  /* Room for about 4 entries of 1000 bytes with their overhead. */
  auto c = twitch::cache_memory_new (4 * 1200);
  std::string body (1000, 'j');
  for (int i = 0; i < 4; i++)
    c->put ("k" + std::to_string (i), entry (body), 60);
  for (int i = 0; i < 4; i++)
    ASSERT_TRUE (c->get ("k" + std::to_string (i))) << i;
  /* k0 becomes the most recently used; k1 is now the oldest. */
  ASSERT_TRUE (c->get ("k0"));
  c->put ("k4", entry (body), 60);
  EXPECT_FALSE (c->get ("k1")) << "the least recently used entry went first";
  EXPECT_TRUE (c->get ("k0"));
  EXPECT_TRUE (c->get ("k4"));

  /* Larger than the whole budget: not stored, nothing else evicted. */
  c->put ("huge", entry (std::string (10000, 'h')), 60);
  EXPECT_FALSE (c->get ("huge"));
  EXPECT_TRUE (c->get ("k4"));
}

TEST (MemoryCache, BudgetHoldsUnderManyPuts)
{
  auto c = twitch::cache_memory_new (64 * 1024);
  std::string body (900, 'b');
  for (int i = 0; i < 5000; i++)
    c->put ("key" + std::to_string (i), entry (body), 60);
  int present = 0;
  for (int i = 0; i < 5000; i++)
    present += c->get ("key" + std::to_string (i)) ? 1 : 0;
  EXPECT_GT (present, 10);
  EXPECT_LE (present * 900, 64 * 1024) << "no more than the budget is kept";
  EXPECT_TRUE (c->get ("key4999")) << "the newest entry is kept";
}

TEST (MemoryCache, ThreadSafe)
{
  auto c = twitch::cache_memory_new (256 * 1024);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++) {
    threads.emplace_back ([&, t] {
      for (int i = 0; i < 3000; i++) {
        std::string key = "k" + std::to_string ((i * 7 + t) % 200);
        if (i % 3 == 0) {
          c->put (key, entry (std::string (500, 'a' + (i % 26)) + key), 60);
        } else if (i % 17 == 0) {
          c->remove (key);
        } else if (auto e = c->get (key)) {
          /* Whatever value is there was written whole for this key. */
          if (e->body.size () != 500 + key.size ()
              || e->body.compare (500, std::string::npos, key) != 0)
            bad++;
        }
      }
    });
  }
  for (auto &th : threads)
    th.join ();
  EXPECT_EQ (bad.load (), 0);
}
