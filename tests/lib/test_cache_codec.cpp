#include <gst/twitch/cache/cache.h>

#include <gtest/gtest.h>

TEST (CacheKey, Sha256OfUrlAndIdentityNeverTheToken)
{
  std::string a = twitch::cache_key (
      "https://api.twitch.tv/helix/users?login=a", "client-1");
  EXPECT_EQ (a.size (), 64u);
  EXPECT_EQ (a, twitch::cache_key (
                    "https://api.twitch.tv/helix/users?login=a", "client-1"));
  EXPECT_NE (a, twitch::cache_key (
                    "https://api.twitch.tv/helix/users?login=a", "client-2"));
  EXPECT_NE (twitch::cache_key ("ab", "c"), twitch::cache_key ("a", "bc"));
}

TEST (CacheCodec, RoundTripAndExpiry)
{
  twitch::CacheEntry e;
  e.body = std::string (20000, 'x') + "{\"data\":[]}";
  e.fetched_at_us = 1000;
  std::string bytes = twitch::cache_encode (e, 5000);
  EXPECT_LT (bytes.size (), e.body.size () / 10) << "zstd compresses";
  auto back = twitch::cache_decode (bytes, 4999);
  ASSERT_TRUE (back);
  EXPECT_EQ (back->body, e.body);
  EXPECT_EQ (back->fetched_at_us, 1000);
  EXPECT_FALSE (twitch::cache_decode (bytes, 5000)) << "expired";
}

TEST (CacheCodec, GarbageAndTruncationAreMisses)
{
  twitch::CacheEntry e;
  e.body = "{\"data\":[{\"id\":\"1\"}]}";
  std::string bytes = twitch::cache_encode (e, INT64_MAX);
  for (size_t len = 0; len < bytes.size (); len++)
    EXPECT_FALSE (twitch::cache_decode (bytes.substr (0, len), 0)) << len;
  std::string flipped = bytes;
  flipped[flipped.size () - 3] ^= 0x55;
  /* A flipped byte in the compressed body: zstd's checksum catches it. */
  EXPECT_FALSE (twitch::cache_decode (flipped, 0));
  EXPECT_FALSE (twitch::cache_decode ("not a cache entry at all, really", 0));
}
