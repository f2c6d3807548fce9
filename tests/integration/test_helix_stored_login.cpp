/* The token `gst-twitch login` stores is the library's fallback after the
 * environment (issue 11 item 4): every Helix user (twitchapisrc, apps)
 * finds it, and a refresh writes the rotated tokens back so that the next
 * run does not fail with "Invalid refresh token". */
#include <gst/twitch/helix/helix.h>

#include "support/helix_env.h"
#include "support/peer.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <glib/gstdio.h>

#include <string>
#include <unistd.h>

namespace
{

using twitch_test::HelixFake;

const std::string kConfigHome
    = twitch_test::private_config_home ("gst-twitch-login");

class StoredLogin : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    ASSERT_EQ (std::string (g_get_user_config_dir ()), kConfigHome);
    fake = twitch_test::start_helix_fake ();
    ASSERT_NE (fake, nullptr);
    twitch_test::point_environment_at (*fake, twitch_test::Credentials::kNone);
    g_mkdir_with_parents ((kConfigHome + "/gst-twitch").c_str (), 0700);
  }

  void TearDown () override { g_unlink (path ().c_str ()); }

  static std::string path () { return kConfigHome + "/gst-twitch/token.json"; }

  /* What `gst-twitch login` writes. */
  void store (int64_t expires_at)
  {
    std::string json = "{\"client_id\":\"" + fake->options ().client_id
                       + "\",\"access_token\":\"" + fake->current_user_token ()
                       + "\",\"refresh_token\":\""
                       + fake->current_refresh_token ()
                       + "\",\"login\":\"twitchdev\",\"user_id\":\"141981764\","
                         "\"expires_at\":"
                       + std::to_string (expires_at) + ",\"scopes\":[]}";
    ASSERT_TRUE (twitch_test::write_file (path (), json));
    g_chmod (path ().c_str (), 0600);
  }

  static int64_t now_s () { return g_get_real_time () / G_USEC_PER_SEC; }

  std::unique_ptr<HelixFake> fake;
};

TEST_F (StoredLogin, IsTheFallbackWhenTheEnvironmentHasNoCredentials)
{
  store (now_s () + 10000);
  twitch::Helix h;
  GError *error = nullptr;
  ASSERT_TRUE (h.check_credentials (&error)) << error->message;
  auto u = h.user_by_login ("twitchdev", nullptr, &error);
  ASSERT_TRUE (u) << error->message;
  EXPECT_EQ (h.client_id (), fake->options ().client_id);
  EXPECT_FALSE (h.token ().is_app);
}

TEST_F (StoredLogin, IsReadableWithoutAHelixClient)
{
  EXPECT_FALSE (twitch::stored_login_token ());
  store (now_s () + 10000);
  auto t = twitch::stored_login_token ();
  ASSERT_TRUE (t);
  EXPECT_EQ (t->access_token, fake->current_user_token ());
  EXPECT_EQ (t->login, "twitchdev");
  EXPECT_EQ (t->client_id, fake->options ().client_id);
  /* A link to it is not followed. */
  std::string real = kConfigHome + "/real.json";
  ASSERT_EQ (g_rename (path ().c_str (), real.c_str ()), 0);
  ASSERT_EQ (symlink (real.c_str (), path ().c_str ()), 0);
  EXPECT_FALSE (twitch::stored_login_token ());
  g_unlink (path ().c_str ());
  g_unlink (real.c_str ());
}

TEST_F (StoredLogin, TheEnvironmentComesFirst)
{
  store (now_s () + 10000);
  g_setenv ("TWITCH_OAUTH_TOKEN", "envtoken0000000000000001", TRUE);
  twitch::Helix h;
  g_unsetenv ("TWITCH_OAUTH_TOKEN");
  EXPECT_EQ (h.token ().access_token, "envtoken0000000000000001");
}

TEST_F (StoredLogin, AnotherApplicationsLoginIsNotUsed)
{
  store (now_s () + 10000);
  g_setenv ("TWITCH_CLIENT_ID", "someotherclientid0000000000000", TRUE);
  twitch::Helix h;
  g_unsetenv ("TWITCH_CLIENT_ID");
  EXPECT_TRUE (h.token ().access_token.empty ());
}

TEST_F (StoredLogin, ALoginReadableByOthersIsIgnored)
{
  store (now_s () + 10000);
  g_chmod (path ().c_str (), 0644);
  twitch::Helix h;
  EXPECT_TRUE (h.token ().access_token.empty ());
}

TEST_F (StoredLogin, RotatedRefreshTokenIsWrittenBackForTheNextRun)
{
  /* Expired: the first request refreshes, and Twitch (the fake) rotates the
   * refresh token, invalidating the stored one. */
  store (now_s () - 10);
  std::string old_refresh = fake->current_refresh_token ();
  {
    twitch::Helix run1;
    GError *error = nullptr;
    ASSERT_TRUE (run1.user_by_login ("twitchdev", nullptr, &error))
        << error->message;
    EXPECT_EQ (run1.stats ().token_refreshes, 1u);
  }
  ASSERT_NE (fake->current_refresh_token (), old_refresh);
  std::string stored = twitch_test::read_file (path ());
  EXPECT_NE (stored.find (fake->current_refresh_token ()), std::string::npos)
      << stored;
  EXPECT_NE (stored.find ("\"login\""), std::string::npos) << stored;
  struct stat st;
  ASSERT_EQ (g_stat (path ().c_str (), &st), 0);
  EXPECT_EQ (st.st_mode & 0777, 0600u);

  /* The next run must refresh again: it has the rotated token. */
  fake->expire_tokens ();
  twitch::Helix run2;
  GError *error = nullptr;
  ASSERT_TRUE (run2.user_by_login ("twitchdev", nullptr, &error))
      << error->message;
  EXPECT_EQ (run2.stats ().token_refreshes, 1u);
}

TEST_F (StoredLogin, AUsedRefreshTokenInTheEnvironmentIsExplained)
{
  g_setenv ("TWITCH_CLIENT_ID", fake->options ().client_id.c_str (), TRUE);
  g_setenv ("TWITCH_REFRESH_TOKEN", "fakerefreshtoken99999999999999", TRUE);
  twitch::Helix h;
  g_unsetenv ("TWITCH_CLIENT_ID");
  g_unsetenv ("TWITCH_REFRESH_TOKEN");
  GError *error = nullptr;
  EXPECT_FALSE (h.user_by_login ("twitchdev", nullptr, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->code, twitch::API_ERROR_UNAUTHORIZED);
  EXPECT_NE (std::string (error->message).find ("TWITCH_REFRESH_TOKEN"),
      std::string::npos)
      << error->message;
  g_error_free (error);
}

} // namespace
