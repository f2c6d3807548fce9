/* cache_new_from_name(): names, environment, errors with domain and code;
 * a network backend with nothing listening is a prompt miss. */
#include "config.h"

#include <gst/twitch/cache/cache.h>

#include "support/log_capture.h"
#include "support/peer.h"
#include "support/require.h"

#include <gtest/gtest.h>

#include <map>

namespace
{

/* Sets environment variables for one test and restores them after. */
class Env
{
 public:
  ~Env ()
  {
    for (const auto &v : saved_) {
      if (v.second.first)
        g_setenv (v.first.c_str (), v.second.second.c_str (), TRUE);
      else
        g_unsetenv (v.first.c_str ());
    }
  }
  void set (const std::string &name, const char *value)
  {
    if (!saved_.count (name)) {
      const char *old = g_getenv (name.c_str ());
      saved_[name] = {old != nullptr, old ? old : ""};
    }
    if (value)
      g_setenv (name.c_str (), value, TRUE);
    else
      g_unsetenv (name.c_str ());
  }

 private:
  std::map<std::string, std::pair<bool, std::string>> saved_;
};

void
expect_error (const char *name, int code, const char *mentions)
{
  GError *error = nullptr;
  auto c = twitch::cache_new_from_name (name, &error);
  EXPECT_FALSE (c) << name;
  ASSERT_NE (error, nullptr) << name;
  EXPECT_EQ (error->domain, TWITCH_CACHE_ERROR) << name;
  EXPECT_EQ (error->code, code) << name << ": " << error->message;
  EXPECT_NE (std::string (error->message).find (mentions), std::string::npos)
      << error->message;
  g_clear_error (&error);
}

std::unique_ptr<twitch::Cache>
make (const char *name)
{
  GError *error = nullptr;
  auto c = twitch::cache_new_from_name (name, &error);
  EXPECT_EQ (error, nullptr) << name << ": " << (error ? error->message : "");
  g_clear_error (&error);
  return c;
}

} // namespace

TEST (CacheFactory, NamesAndNone)
{
  GError *error = nullptr;
  EXPECT_FALSE (twitch::cache_new_from_name ("none", &error));
  EXPECT_EQ (error, nullptr) << "none: caching off, no error";
  EXPECT_FALSE (twitch::cache_new_from_name ("", &error));
  EXPECT_EQ (error, nullptr);

  auto m = make ("memory");
  ASSERT_TRUE (m);
  EXPECT_STREQ (m->name (), "memory");
  m = make ("Memory");
  ASSERT_TRUE (m) << "names are case-insensitive";

  twitch_test::TempDir tmp;
  Env env;
  env.set ("TWITCH_CACHE_TEMP", tmp.file ("tree").c_str ());
  auto f = make ("file");
  ASSERT_TRUE (f);
  EXPECT_STREQ (f->name (), "file");
  twitch::CacheEntry e;
  e.body = "b";
  std::string key = twitch::cache_key ("u", "i");
  f->put (key, e, 60);
  EXPECT_TRUE (g_file_test ((tmp.file ("tree") + "/" + key.substr (0, 2) + "/"
                                + key.substr (2, 2) + "/" + key)
                                .c_str (),
      G_FILE_TEST_IS_REGULAR))
      << "the file backend lives in TWITCH_CACHE_TEMP";
}

TEST (CacheFactory, UnknownNameCarriesDomainAndCode)
{
  expect_error ("redsi", twitch::CACHE_ERROR_UNKNOWN_BACKEND, "redsi");
  expect_error ("files", twitch::CACHE_ERROR_UNKNOWN_BACKEND, "memcached");
}

TEST (CacheFactory, BadEnvironmentIsASettingsError)
{
  {
    Env env;
    env.set ("REDIS_PORT", "sixthousand");
    expect_error ("redis", twitch::CACHE_ERROR_SETTINGS, "REDIS_PORT");
    env.set ("REDIS_PORT", "70000");
    expect_error ("redis", twitch::CACHE_ERROR_SETTINGS, "REDIS_PORT");
  }
  {
    Env env;
    env.set ("REDIS_DB", "-1");
    expect_error ("redis", twitch::CACHE_ERROR_SETTINGS, "REDIS_DB");
  }
  {
    Env env;
    env.set ("TWITCH_CACHE_MAX_SIZE", "lots");
    expect_error (
        "file", twitch::CACHE_ERROR_SETTINGS, "TWITCH_CACHE_MAX_SIZE");
  }
  {
    Env env;
    env.set ("TWITCH_CACHE_MEMORY_SIZE", "12Q");
    expect_error (
        "memory", twitch::CACHE_ERROR_SETTINGS, "TWITCH_CACHE_MEMORY_SIZE");
  }
  {
    Env env;
    env.set ("TWITCH_CACHE_TIMEOUT_MS", "0");
    expect_error (
        "memcached", twitch::CACHE_ERROR_SETTINGS, "TWITCH_CACHE_TIMEOUT_MS");
  }
}

TEST (CacheFactory, ParseSize)
{
  uint64_t v = 0;
  EXPECT_TRUE (twitch::cache_parse_size ("65536", &v));
  EXPECT_EQ (v, 65536u);
  EXPECT_TRUE (twitch::cache_parse_size ("512M", &v));
  EXPECT_EQ (v, 512ull << 20);
  EXPECT_TRUE (twitch::cache_parse_size (" 2 GiB ", &v));
  EXPECT_EQ (v, 2ull << 30);
  EXPECT_TRUE (twitch::cache_parse_size ("100kb", &v));
  EXPECT_EQ (v, 100ull << 10);
  for (const char *bad : {"", "M", "-1", "1.5G", "12Q", "99999999999999999999G",
           "18446744073709551616"})
    EXPECT_FALSE (twitch::cache_parse_size (bad, &v)) << bad;
}

/* Nothing listens on the port: every call is a miss, quickly, with one
 * warning for the outage however many calls are made. */
class DeadServer : public ::testing::TestWithParam<const char *>
{
};

TEST_P (DeadServer, PromptMissesAndOneWarning)
{
  twitch_test::LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  twitch_test::RefusedPort dead;
  int port = dead.port ();
  std::string addr = "127.0.0.1:" + std::to_string (port);
  Env env;
  env.set ("REDIS_HOST", "127.0.0.1");
  env.set ("REDIS_PORT", std::to_string (port).c_str ());
  env.set ("MEMCACHE_SERVERS", addr.c_str ());
  env.set ("TWITCH_CACHE_TIMEOUT_MS", "300");
  GError *error = nullptr;
  auto c = twitch::cache_new_from_name (GetParam (), &error);
  if (g_error_matches (
          error, TWITCH_CACHE_ERROR, twitch::CACHE_ERROR_NOT_SUPPORTED)) {
    g_clear_error (&error);
    TWITCH_REQUIRE_PEER (std::string ("the ") + GetParam ()
                         + " backend (configure with -D" + GetParam ()
                         + "=enabled)");
  }
  ASSERT_TRUE (c) << (error ? error->message : "");
  twitch::CacheEntry e;
  e.body = "x";
  /* A hang is caught by the test's timeout, not by a wall-clock bound. */
  for (int i = 0; i < 50; i++) {
    c->put ("k" + std::to_string (i), e, 60);
    EXPECT_FALSE (c->get ("k" + std::to_string (i)));
  }
  c->remove ("k0");
  auto warnings = log.lines (GST_LEVEL_WARNING);
  ASSERT_EQ (warnings.size (), 1u) << "one warning per outage";
  EXPECT_NE (warnings[0].find (std::to_string (port)), std::string::npos)
      << "the warning names the server: " << warnings[0];
}

/* A backend is supported exactly when it is built: never skipped, whatever
 * the configuration. */
static void
expect_supported (const char *name)
{
  GError *error = nullptr;
  auto c = twitch::cache_new_from_name (name, &error);
  EXPECT_FALSE (g_error_matches (
      error, TWITCH_CACHE_ERROR, twitch::CACHE_ERROR_NOT_SUPPORTED))
      << name << " is built but not supported: " << error->message;
  g_clear_error (&error);
}

TEST (CacheFactory, BackendsSupportedExactlyWhenBuilt)
{
#if HAVE_HIREDIS
  expect_supported ("redis");
#else
  expect_error ("redis", twitch::CACHE_ERROR_NOT_SUPPORTED, "hiredis");
#endif
#if HAVE_LIBMEMCACHED
  expect_supported ("memcached");
#else
  expect_error ("memcached", twitch::CACHE_ERROR_NOT_SUPPORTED, "libmemcached");
#endif
}

INSTANTIATE_TEST_SUITE_P (Backends, DeadServer,
    ::testing::Values ("redis", "memcached"),
    [] (const auto &info) { return std::string (info.param); });
