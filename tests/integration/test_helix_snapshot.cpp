/* The library calls the tools and twitchapisrc share (issue 10 item 2):
 * channel_snapshot(), Helix::revoke() and the saved login, against the
 * Helix fake. */
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/helix/saved-login.h>
#include <gst/twitch/helix/snapshot.h>

#include "helix_fake.h"
#include "support/peer.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <glib/gstdio.h>

#include <memory>
#include <optional>
#include <string>
#include <sys/stat.h>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeOptions;

/* A config folder of the test's own, set before GLib reads (and caches)
 * it; the SavedLogin test empties it. */
const std::string kConfigHome = [] {
  gchar *d = g_dir_make_tmp ("gst-twitch-snapshot-XXXXXX", nullptr);
  std::string s (d ? d : "/nonexistent");
  g_free (d);
  g_setenv ("XDG_CONFIG_HOME", s.c_str (), TRUE);
  gst_init (nullptr, nullptr);
  return s;
}();

class Snapshot : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    HelixFakeOptions opt;
    opt.followers = 1234;
    fake = std::make_unique<HelixFake> (opt);
    GError *error = nullptr;
    ASSERT_TRUE (fake->start (&error)) << error->message;
  }

  /* A client of the fake acting as twitchdev (its user token). */
  std::unique_ptr<twitch::Helix> client (const std::string &token = {})
  {
    twitch::HelixConfig c;
    c.use_environment = false;
    c.helix_url = fake->helix_url ();
    c.auth_url = fake->auth_url ();
    c.client_id = fake->options ().client_id;
    c.oauth_token = token.empty () ? fake->current_user_token () : token;
    c.retries = 0;
    return std::make_unique<twitch::Helix> (c);
  }

  /* twitchdev's snapshot with @flags; the fake's counters count only its
   * requests. */
  std::optional<twitch::ChannelSnapshot> take (unsigned flags, GError **error)
  {
    helix = client ();
    auto u = helix->user_by_login ("twitchdev", nullptr, error);
    if (!u)
      return std::nullopt;
    fake->reset_stats ();
    return twitch::channel_snapshot (*helix, *u, flags, nullptr, error);
  }

  std::unique_ptr<HelixFake> fake;
  std::unique_ptr<twitch::Helix> helix;
};

TEST_F (Snapshot, OfflineChannelGivesTheChannelInformation)
{
  fake->set_live ("twitchdev", false);
  GError *error = nullptr;
  auto s = take (twitch::CHANNEL_SNAPSHOT_LIVE, &error);
  ASSERT_TRUE (s.has_value ()) << error->message;
  EXPECT_FALSE (s->live ());
  EXPECT_FALSE (s->stream.has_value ());
  ASSERT_TRUE (s->channel.has_value ());
  EXPECT_EQ (s->title (), s->channel->title);
  EXPECT_FALSE (s->title ().empty ());
  EXPECT_EQ (s->language (), s->channel->broadcaster_language);
  EXPECT_EQ (s->followers, 1234);
  EXPECT_EQ (s->user.id, "141981764");
  EXPECT_EQ (fake->requests ("/helix/streams"), 1u);
  EXPECT_EQ (fake->requests ("/helix/channels"), 1u);
}

TEST_F (Snapshot, LiveChannelTakesTheStreamAndSkipsTheChannelRequest)
{
  fake->set_live ("twitchdev", true, 42, "Live now", "Chess");
  GError *error = nullptr;
  auto s = take (twitch::CHANNEL_SNAPSHOT_LIVE, &error);
  ASSERT_TRUE (s.has_value ()) << error->message;
  EXPECT_TRUE (s->live ());
  ASSERT_TRUE (s->stream.has_value ());
  EXPECT_EQ (s->stream->viewer_count, 42);
  EXPECT_EQ (s->title (), "Live now");
  EXPECT_EQ (s->category (), "Chess");
  EXPECT_FALSE (s->channel.has_value ());
  EXPECT_EQ (fake->requests ("/helix/channels"), 0u);
}

TEST_F (Snapshot, InfoAsksTheChannelNotTheStream)
{
  fake->set_live ("twitchdev", true, 42, "Live now", "Chess");
  GError *error = nullptr;
  auto s = take (twitch::CHANNEL_SNAPSHOT_INFO, &error);
  ASSERT_TRUE (s.has_value ()) << error->message;
  EXPECT_FALSE (s->stream.has_value ());
  ASSERT_TRUE (s->channel.has_value ());
  EXPECT_EQ (s->title (), s->channel->title);
  EXPECT_EQ (fake->requests ("/helix/streams"), 0u);
}

TEST_F (Snapshot, FollowerTotalRefusedIsAnErrorUnlessOptional)
{
  twitch_test::HelixFakeFault f;
  f.path = "/helix/channels/followers";
  f.kind = "status";
  f.status = 401;
  f.count = 100; /* a 401 is answered by a refresh and a retry */
  fake->add_fault (f);
  GError *error = nullptr;
  EXPECT_FALSE (take (twitch::CHANNEL_SNAPSHOT_INFO, &error).has_value ());
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->domain, TWITCH_API_ERROR);
  EXPECT_EQ (error->code, twitch::API_ERROR_UNAUTHORIZED) << error->message;
  g_clear_error (&error);

  auto lenient = take (twitch::CHANNEL_SNAPSHOT_INFO
                           | twitch::CHANNEL_SNAPSHOT_FOLLOWERS_OPTIONAL,
      &error);
  ASSERT_TRUE (lenient.has_value ()) << error->message;
  EXPECT_FALSE (lenient->followers.has_value ());
  EXPECT_TRUE (lenient->channel.has_value ());
}

TEST_F (Snapshot, RevokeKillsTheToken)
{
  auto helix = client ();
  GError *error = nullptr;
  ASSERT_TRUE (helix->validate (nullptr, &error)) << error->message;
  ASSERT_TRUE (helix->revoke (nullptr, &error)) << error->message;
  EXPECT_EQ (fake->requests ("/oauth2/revoke"), 1u);

  /* Twitch no longer knows it: validating it fails. */
  auto again = client (helix->token ().access_token);
  EXPECT_FALSE (again->validate (nullptr, &error));
  g_clear_error (&error);

  /* Revoking a token Twitch already forgot is what was asked. */
  EXPECT_TRUE (again->revoke (nullptr, &error))
      << (error ? error->message : "");
}

TEST (SavedLogin, RoundTripAndRefusals)
{
  std::string path = twitch::saved_login_path ();
  EXPECT_EQ (path, kConfigHome + "/gst-twitch/token.json");
  g_unlink (path.c_str ());
  GError *error = nullptr;
  EXPECT_FALSE (twitch::saved_login_read (&error).has_value ());
  EXPECT_EQ (error, nullptr) << "no file is no error";

  twitch::SavedLogin s;
  s.client_id = "fakeclientid";
  s.access_token = "fake-token-access";
  s.refresh_token = "fake-token-refresh";
  s.login = "twitchdev";
  s.user_id = "141981764";
  s.scopes = {"moderator:read:followers", "user:read:follows"};
  s.expires_at = 1700000000;
  ASSERT_TRUE (twitch::saved_login_write (s, &error)) << error->message;
  struct stat st;
  ASSERT_EQ (g_stat (path.c_str (), &st), 0);
  EXPECT_EQ (st.st_mode & 0777, 0600u);

  auto back = twitch::saved_login_read (&error);
  ASSERT_TRUE (back.has_value ()) << error->message;
  EXPECT_EQ (back->client_id, s.client_id);
  EXPECT_EQ (back->access_token, s.access_token);
  EXPECT_EQ (back->refresh_token, s.refresh_token);
  EXPECT_EQ (back->login, s.login);
  EXPECT_EQ (back->user_id, s.user_id);
  EXPECT_EQ (back->scopes, s.scopes);
  EXPECT_EQ (back->expires_at, s.expires_at);

  /* What Helix falls back to is the same file. */
  auto stored = twitch::stored_login_token ();
  ASSERT_TRUE (stored.has_value ());
  EXPECT_EQ (stored->access_token, s.access_token);

  /* Readable by others, or garbage: a clear error, never a token. */
  g_chmod (path.c_str (), 0644);
  EXPECT_FALSE (twitch::saved_login_read (&error).has_value ());
  ASSERT_NE (error, nullptr);
  EXPECT_NE (std::string (error->message).find ("readable by others"),
      std::string::npos)
      << error->message;
  g_clear_error (&error);
  EXPECT_FALSE (twitch::stored_login_token ().has_value ());

  ASSERT_TRUE (twitch_test::write_file (
      path, "{\"access_token\":" + std::string (1000, '[')
                + std::string (1000, ']') + "}"));
  g_chmod (path.c_str (), 0600);
  EXPECT_FALSE (twitch::saved_login_read (&error).has_value ());
  EXPECT_NE (error, nullptr);
  g_clear_error (&error);

  EXPECT_TRUE (twitch::saved_login_remove (&error));
  EXPECT_FALSE (twitch::saved_login_remove (&error));
  EXPECT_EQ (error, nullptr);
  g_rmdir ((kConfigHome + "/gst-twitch").c_str ());
  g_rmdir (kConfigHome.c_str ());
}

} // namespace
