/* Set-up shared by the tests that run against the in-process Helix fake
 * (tests/peers/helix-fake): GStreamer initialised once per program, the
 * fake started or the test failed, the library's environment or a client
 * configuration pointed at it, a config folder of the program's own.
 * Header-only: the programs link the fake (helix_fake_dep) themselves. */
#pragma once

#include <gst/twitch/helix/helix.h>

#include "helix_fake.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace twitch_test
{

/* gst_init() before the first test of every program that includes this
 * header (a GoogleTest environment, registered once per program). */
class GstEnvironment : public ::testing::Environment
{
 public:
  void SetUp () override { gst_init (nullptr, nullptr); }
};
inline ::testing::Environment *const gst_environment
    = ::testing::AddGlobalTestEnvironment (new GstEnvironment);

/* A started Helix fake with @opts, or nullptr after a failure naming why.
 * It runs in the test process with nothing to install: a fake that cannot
 * listen on loopback is a failure, never a skip. Call as
 * `fake = start_helix_fake (); ASSERT_NE (fake, nullptr);`. */
inline std::unique_ptr<HelixFake>
start_helix_fake (const HelixFakeOptions &opts = {})
{
  auto fake = std::make_unique<HelixFake> (opts);
  GError *error = nullptr;
  if (!fake->start (&error)) {
    ADD_FAILURE () << "the Helix fake did not start: "
                   << (error ? error->message : "?");
    g_clear_error (&error);
    return nullptr;
  }
  return fake;
}

/* Which credentials point_environment_at() puts in the environment. */
enum class Credentials {
  kNone,        /* none: a stored login or nothing */
  kAccessToken, /* client id and access token, no refresh token */
  kRefreshable, /* client id, access token and refresh token */
};

/* What the library reads from the environment (TWITCH_HELIX_URL,
 * TWITCH_AUTH_URL, the credentials of @creds) pointed at @fake; the
 * credentials not asked for, and TWITCH_CLIENT_SECRET, unset. */
inline void
point_environment_at (const HelixFake &fake, Credentials creds)
{
  for (const char *v : {"TWITCH_OAUTH_TOKEN", "TWITCH_REFRESH_TOKEN",
           "TWITCH_CLIENT_ID", "TWITCH_CLIENT_SECRET"})
    g_unsetenv (v);
  g_setenv ("TWITCH_HELIX_URL", fake.helix_url ().c_str (), TRUE);
  g_setenv ("TWITCH_AUTH_URL", fake.auth_url ().c_str (), TRUE);
  if (creds == Credentials::kNone)
    return;
  g_setenv ("TWITCH_CLIENT_ID", fake.options ().client_id.c_str (), TRUE);
  g_setenv ("TWITCH_OAUTH_TOKEN", fake.options ().user_token.c_str (), TRUE);
  if (creds == Credentials::kRefreshable)
    g_setenv (
        "TWITCH_REFRESH_TOKEN", fake.options ().refresh_token.c_str (), TRUE);
}

/* A client configuration for @fake that ignores the environment: its URLs
 * and client id, and with @user_token the user's access and refresh
 * tokens. */
inline twitch::HelixConfig
helix_config (const HelixFake &fake, bool user_token)
{
  twitch::HelixConfig c;
  c.use_environment = false;
  c.helix_url = fake.helix_url ();
  c.auth_url = fake.auth_url ();
  c.ingest_url = fake.ingest_url ();
  c.client_id = fake.options ().client_id;
  if (user_token) {
    c.oauth_token = fake.options ().user_token;
    c.refresh_token = fake.options ().refresh_token;
  }
  return c;
}

/* $XDG_CONFIG_HOME of the program's own, where `gst-twitch login` stores
 * its token: call before anything reads it (GLib caches the config folder),
 * from a namespace-scope initialiser. Removed, with the stored login, when
 * the program's tests are done. */
inline std::string
private_config_home (const char *prefix)
{
  class Cleanup : public ::testing::Environment
  {
   public:
    explicit Cleanup (std::string dir) : dir_ (std::move (dir)) {}
    void TearDown () override
    {
      g_unlink ((dir_ + "/gst-twitch/token.json").c_str ());
      g_rmdir ((dir_ + "/gst-twitch").c_str ());
      g_rmdir (dir_.c_str ());
    }

   private:
    std::string dir_;
  };
  std::string tmpl = std::string (prefix) + "-XXXXXX";
  gchar *d = g_dir_make_tmp (tmpl.c_str (), nullptr);
  std::string dir (d ? d : "/nonexistent");
  g_free (d);
  g_setenv ("XDG_CONFIG_HOME", dir.c_str (), TRUE);
  ::testing::AddGlobalTestEnvironment (new Cleanup (dir));
  return dir;
}

} // namespace twitch_test
