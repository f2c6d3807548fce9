/* twitch::env: every environment variable read in one place (issue 10). */
#include <gst/twitch/common/environment.h>

#include <glib.h>
#include <gtest/gtest.h>

TEST (Environment, EmptyIsUnset)
{
  g_setenv ("TWITCH_HELIX_URL", "", TRUE);
  EXPECT_FALSE (twitch::env::helix_url ());
  g_setenv ("TWITCH_HELIX_URL", "http://127.0.0.1:1/helix", TRUE);
  EXPECT_EQ (
      twitch::env::helix_url ().value_or (""), "http://127.0.0.1:1/helix");
  g_unsetenv ("TWITCH_HELIX_URL");
  EXPECT_FALSE (twitch::env::helix_url ());
}

TEST (Environment, OverlongValueIsRefusedNotCut)
{
  std::string huge (twitch::kEnvMaxLength + 1, 'a');
  g_setenv ("TWITCH_OAUTH_TOKEN", huge.c_str (), TRUE);
  EXPECT_FALSE (twitch::env::oauth_token ());
  huge.pop_back ();
  g_setenv ("TWITCH_OAUTH_TOKEN", huge.c_str (), TRUE);
  EXPECT_EQ (
      twitch::env::oauth_token ().value_or ("").size (), twitch::kEnvMaxLength);
  g_unsetenv ("TWITCH_OAUTH_TOKEN");
}

TEST (Environment, EachAccessorReadsItsVariable)
{
  struct Case {
    const char *name;
    std::optional<std::string> (*get) ();
  } cases[] = {
      {"TWITCH_HELIX_URL", twitch::env::helix_url},
      {"TWITCH_AUTH_URL", twitch::env::auth_url},
      {"TWITCH_EVENTSUB_URL", twitch::env::eventsub_url},
      {"TWITCH_INGEST_URL", twitch::env::ingest_url},
      {"TWITCH_CLIENT_ID", twitch::env::client_id},
      {"TWITCH_CLIENT_SECRET", twitch::env::client_secret},
      {"TWITCH_OAUTH_TOKEN", twitch::env::oauth_token},
      {"TWITCH_REFRESH_TOKEN", twitch::env::refresh_token},
      {"TWITCH_STREAM_KEY", twitch::env::stream_key},
      {"TWITCH_CACHE_TEMP", twitch::env::cache_temp},
      {"GST_DEBUG_FILE", twitch::env::debug_file},
  };
  for (const auto &c : cases) {
    g_setenv (c.name, "value-of-the-variable", TRUE);
    EXPECT_EQ (c.get ().value_or (""), "value-of-the-variable") << c.name;
    g_unsetenv (c.name);
    EXPECT_FALSE (c.get ()) << c.name;
  }
}

TEST (Environment, ChatTestHooksTakeBoundedMilliseconds)
{
  g_setenv ("GST_TWITCH_CHAT_PING_IDLE_MS", "500", TRUE);
  EXPECT_EQ (twitch::env::chat_ping_idle_ms ().value_or (0), 500);
  for (const char *bad :
      {"0", "-5", "12x", "3600001", "99999999999999999999"}) {
    g_setenv ("GST_TWITCH_CHAT_PING_IDLE_MS", bad, TRUE);
    EXPECT_FALSE (twitch::env::chat_ping_idle_ms ()) << bad;
  }
  g_unsetenv ("GST_TWITCH_CHAT_PING_IDLE_MS");
  g_setenv ("GST_TWITCH_CHAT_PONG_TIMEOUT_MS", "250", TRUE);
  EXPECT_EQ (twitch::env::chat_pong_timeout_ms ().value_or (0), 250);
  g_unsetenv ("GST_TWITCH_CHAT_PONG_TIMEOUT_MS");
  EXPECT_FALSE (twitch::env::chat_pong_timeout_ms ());
}
