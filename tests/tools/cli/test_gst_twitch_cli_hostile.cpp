/* gst-twitch against a hostile Helix and hostile files (issue 8 items 8 and
 * 9): a page nested 100 000 deep, cursors that alternate A, B, A..., a chat
 * log line nested 100 000 deep. Each once crashed or never ended; each is
 * now one readable error line and a documented exit code. */
#include "cli_run.h"
#include "helix_fake.h"
#include "support/peer.h"

#include <gtest/gtest.h>

#include <gio/gio.h>

#include <map>
#include <string>
#include <vector>

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;
using twitch_test::TempDir;

namespace
{

constexpr int kExitBadResponse = 8; /* tools/cli/cli-error.h */

using cli_test::Result;

class CliHostile : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    twitch_test::HelixFakeOptions opt;
    opt.followers = 250;
    fake_ = std::make_unique<HelixFake> (opt);
    GError *err = nullptr;
    if (!fake_->start (&err)) {
      std::string msg = err ? err->message : "?";
      g_clear_error (&err);
      GTEST_SKIP () << "cannot start the Helix fake: " << msg;
    }
  }

  /* gst-twitch with the fake's user token in the environment. */
  Result run (const std::vector<std::string> &args)
  {
    std::map<std::string, std::string> e = {
        {"XDG_CONFIG_HOME", dir_.path () + "/config"},
        {"TWITCH_HELIX_URL", fake_->helix_url ()},
        {"TWITCH_AUTH_URL", fake_->auth_url ()},
        {"TWITCH_INGEST_URL", fake_->ingest_url ()},
        {"TWITCH_CACHE_TEMP", dir_.path () + "/cache"},
        {"TWITCH_CLIENT_ID", fake_->options ().client_id},
        {"TWITCH_OAUTH_TOKEN", fake_->options ().user_token},
    };
    return cli_test::run_cli (args,
        {"TWITCH_REFRESH_TOKEN", "TWITCH_CLIENT_SECRET", "GST_DEBUG",
            "REDIS_HOST", "REDIS_PORT", "MEMCACHE_SERVERS"},
        e);
  }

  /* Exactly one line on stderr, the program's own. */
  static void expect_one_error_line (const Result &r, const char *contains)
  {
    std::string e = r.err;
    if (!e.empty () && e.back () == '\n')
      e.pop_back ();
    EXPECT_EQ (e.find ('\n'), std::string::npos) << r.err;
    EXPECT_EQ (e.rfind ("gst-twitch: ", 0), 0u) << r.err;
    EXPECT_NE (e.find (contains), std::string::npos) << r.err;
  }

  TempDir dir_{"gst-twitch-cli-hostile"};
  std::unique_ptr<HelixFake> fake_;
};

TEST_F (CliHostile, VideosStopOnAlternatingCursors)
{
  HelixFakeFault f;
  f.path = "/helix/videos";
  f.kind = "cycle";
  f.count = 1000;
  fake_->add_fault (f);
  Result r = run ({"videos", "twitchdev", "--cache", "none"});
  EXPECT_EQ (r.status, kExitBadResponse) << r.err;
  expect_one_error_line (r, "cursor");
  /* A, B, then A again. */
  EXPECT_EQ (fake_->requests ("/helix/videos"), 3u);
}

TEST_F (CliHostile, DeepPageIsABadAnswerNotACrash)
{
  HelixFakeFault f;
  f.path = "/helix/videos";
  f.kind = "deep";
  f.status = 200;
  f.count = 1000;
  f.depth = 100000;
  fake_->add_fault (f);
  Result r = run ({"videos", "twitchdev", "--cache", "none"});
  EXPECT_EQ (r.status, kExitBadResponse) << r.err;
  expect_one_error_line (r, "videos");
}

TEST_F (CliHostile, DeepErrorBodyKeepsItsExitCode)
{
  HelixFakeFault f;
  f.path = "/helix/users";
  f.kind = "deep";
  f.status = 404;
  f.count = 1000;
  fake_->add_fault (f);
  Result r = run ({"created", "twitchdev", "--cache", "none"});
  EXPECT_EQ (r.status, 5) << r.err; /* EXIT_NOT_FOUND */
  expect_one_error_line (r, "not found");
}

TEST_F (CliHostile, ChatlogDeepLineIsABadLineNotACrash)
{
  std::string path = dir_.file ("chat.jsonl");
  std::string deep
      = "{\"command\":\"PRIVMSG\",\"tags\":" + std::string (100000, '[')
        + std::string (100000, ']') + "}\n";
  ASSERT_TRUE (twitch_test::write_file (path,
      deep
          + "{\"command\":\"PRIVMSG\",\"login\":\"viewer\",\"display-name\":"
            "\"Viewer\",\"text\":\"hello\"}\n"));
  Result r = run ({"chatlog", path});
  EXPECT_EQ (r.status, kExitBadResponse) << r.err;
  EXPECT_EQ (r.out, "Viewer : hello\n");
  expect_one_error_line (r, "line 1");
}

TEST_F (CliHostile, RateLimitWaitIsShownWithVerbose)
{
  fake_->set_rate_limit (2, 2);
  Result r = run ({"followers", "twitchdev", "-v", "--cache", "none"});
  EXPECT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.err.find ("gst-twitch: waiting "), std::string::npos) << r.err;
  EXPECT_NE (r.err.find ("s for Twitch's rate limit (0 of 2 requests left"),
      std::string::npos)
      << r.err;
}

TEST_F (CliHostile, DeepStoredTokenIsAClearError)
{
  std::string dir = dir_.path () + "/config/gst-twitch";
  g_mkdir_with_parents (dir.c_str (), 0700);
  ASSERT_TRUE (twitch_test::write_file (
      dir + "/token.json", "{\"access_token\":" + std::string (100000, '[')
                               + std::string (100000, ']') + "}"));
  Result r = run ({"whoami"});
  EXPECT_EQ (r.status, 1) << r.err;
  expect_one_error_line (r, "cannot read the stored token");
}

} // namespace
