/* The Helix client with the real cache backends (file, Redis, memcached)
 * against the Helix fake: hits across clients, expiry, a cache server killed
 * mid-run. Built when the cache backends are in the tree. */
#include <gst/twitch/cache/cache.h>
#include <gst/twitch/helix/helix.h>

#include "support/helix_env.h"
#include "support/memcached_peer.h"
#include "support/peer.h"
#include "support/redis_peer.h"
#include "support/require.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

namespace
{

using twitch_test::HelixFake;

class HelixCache : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    fake = twitch_test::start_helix_fake ();
    ASSERT_NE (fake, nullptr);
    g_setenv ("TWITCH_CACHE_TEMP", dir.path ().c_str (), TRUE);
  }

  std::shared_ptr<twitch::Cache> backend (const char *name)
  {
    GError *error = nullptr;
    std::shared_ptr<twitch::Cache> c (
        twitch::cache_new_from_name (name, &error).release ());
    EXPECT_NE (c, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
    return c;
  }

  twitch::HelixConfig config (std::shared_ptr<twitch::Cache> cache)
  {
    twitch::HelixConfig c;
    c.use_environment = false;
    c.helix_url = fake->helix_url ();
    c.auth_url = fake->auth_url ();
    c.client_id = fake->options ().client_id;
    c.oauth_token = fake->options ().user_token;
    c.refresh_token = fake->options ().refresh_token;
    c.cache = std::move (cache);
    c.retry_base_ms = 50;
    return c;
  }

  /* One "process": a client of its own, 500 followers and a user. */
  void pull (std::shared_ptr<twitch::Cache> cache,
      twitch::HelixStats *stats = nullptr,
      const twitch::CacheTtl *ttl = nullptr)
  {
    auto c = config (std::move (cache));
    if (ttl)
      c.ttl = *ttl;
    twitch::Helix helix (c);
    GError *error = nullptr;
    auto list = helix.followers ("141981764", 500).collect (nullptr, &error);
    ASSERT_TRUE (list.has_value ()) << error->message;
    ASSERT_EQ (list->size (), 500u);
    EXPECT_EQ ((*list)[499].user_login, "follower000499");
    auto user = helix.user_by_login ("twitchdev", nullptr, &error);
    ASSERT_TRUE (user.has_value ()) << error->message;
    EXPECT_EQ (user->id, "141981764");
    if (stats)
      *stats = helix.stats ();
  }

  std::unique_ptr<HelixFake> fake;
  twitch_test::TempDir dir{"gst-twitch-helix-cache"};
};

TEST_F (HelixCache, FileCacheServesASecondProcess)
{
  pull (backend ("file"));
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 5u);
  fake->reset_stats ();
  twitch::HelixStats stats;
  pull (backend ("file"), &stats); /* a new backend on the same folder */
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 0u);
  EXPECT_EQ (fake->requests ("/helix/users"), 0u);
  EXPECT_EQ (stats.cache_hits, 6u);
}

TEST_F (HelixCache, FileCacheEntriesExpireByKind)
{
  twitch::CacheTtl ttl = twitch::CacheTtl::all (3600);
  ttl.followers = 1; /* followers short, users long */
  pull (backend ("file"), nullptr, &ttl);
  /* Pull again until the followers have expired (1 s): the user (1 h)
   * must come from the cache every time. */
  bool expired = twitch_test::poll_until (
      [&] {
        fake->reset_stats ();
        pull (backend ("file"), nullptr, &ttl);
        EXPECT_EQ (fake->requests ("/helix/users"), 0u);
        return fake->requests ("/helix/channels/followers") > 0;
      },
      30000);
  EXPECT_TRUE (expired) << "the followers never expired";
}

TEST_F (HelixCache, RedisSharedThenKilledMidRun)
{
  TWITCH_REQUIRE_PROGRAM (
      twitch_test::RedisPeer::program (), "redis-server", "redis-server");
  twitch_test::RedisPeer server;
  GError *error = nullptr;
  ASSERT_TRUE (server.start (&error)) << error->message;
  g_setenv ("REDIS_HOST", "127.0.0.1", TRUE);
  g_setenv ("REDIS_PORT", std::to_string (server.port ()).c_str (), TRUE);

  pull (backend ("redis"));
  fake->reset_stats ();
  auto shared = backend ("redis");
  pull (shared);
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 0u);

  /* The cache server dies: every request still succeeds, from Helix. */
  server.process ().kill_hard ();
  fake->reset_stats ();
  pull (shared);
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 5u);
}

TEST_F (HelixCache, MemcachedShared)
{
  TWITCH_REQUIRE_PROGRAM (
      twitch_test::MemcachedPeer::program (), "memcached", "memcached");
  twitch_test::MemcachedPeer server;
  GError *error = nullptr;
  ASSERT_TRUE (server.start (&error)) << error->message;
  g_setenv ("MEMCACHE_SERVERS", server.address ().c_str (), TRUE);
  pull (backend ("memcached"));
  fake->reset_stats ();
  pull (backend ("memcached"));
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 0u);
}

} // namespace
