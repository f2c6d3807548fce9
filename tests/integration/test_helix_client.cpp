/* The Helix client against the Helix fake on loopback: endpoints, paging,
 * batching, rate limits, retries, auth, scopes, cancellation and caching. */
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/helix.h>

#include "support/helix_env.h"
#include "support/peer.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;
using twitch_test::HelixFakeOptions;

/* After gst_init (support/helix_env.h): the secrets' log filter. */
class SecretsEnvironment : public ::testing::Environment
{
 public:
  void SetUp () override { twitch::secrets_install_log_filter (); }
};
const auto *secrets_environment
    = ::testing::AddGlobalTestEnvironment (new SecretsEnvironment);

/* A Cache test double: in memory, records what the client stores. */
class RecordingCache : public twitch::Cache
{
 public:
  const char *name () const override { return "test-double"; }
  std::optional<twitch::CacheEntry> get (const std::string &key) override
  {
    std::lock_guard<std::mutex> g (lock);
    gets++;
    auto it = entries.find (key);
    if (it == entries.end ())
      return std::nullopt;
    return it->second;
  }
  void put (const std::string &key, const twitch::CacheEntry &entry,
      int64_t ttl_seconds) override
  {
    std::lock_guard<std::mutex> g (lock);
    entries[key] = entry;
    ttls[key] = ttl_seconds;
  }
  void remove (const std::string &key) override
  {
    std::lock_guard<std::mutex> g (lock);
    entries.erase (key);
  }
  std::mutex lock;
  std::map<std::string, twitch::CacheEntry> entries;
  std::map<std::string, int64_t> ttls;
  int gets = 0;
};

class HelixClient : public ::testing::Test
{
 protected:
  void SetUp () override { start_fake ({}); }

  void start_fake (HelixFakeOptions opt)
  {
    fake.reset ();
    fake = twitch_test::start_helix_fake (opt);
    ASSERT_NE (fake, nullptr);
  }

  twitch::HelixConfig config (bool user_token = true)
  {
    auto c = twitch_test::helix_config (*fake, user_token);
    c.client_secret = fake->options ().client_secret;
    c.timeout_sec = 20;
    return c;
  }

  std::unique_ptr<HelixFake> fake;
};

#define EXPECT_API_ERROR(error, code_)                                         \
  do {                                                                         \
    ASSERT_NE ((error), nullptr);                                              \
    EXPECT_EQ ((error)->domain, TWITCH_API_ERROR) << (error)->message;         \
    EXPECT_EQ ((error)->code, (code_)) << (error)->message;                    \
  } while (0)

TEST_F (HelixClient, UsersByLoginIdAndOwnToken)
{
  twitch::Helix helix (config ());
  GError *error = nullptr;
  auto u = helix.user_by_login ("TwitchDev", nullptr, &error);
  ASSERT_TRUE (u.has_value ()) << error->message;
  EXPECT_EQ (u->id, "141981764");
  EXPECT_EQ (u->display_name, "TwitchDev");
  EXPECT_EQ (twitch::time_to_iso8601 (u->created_at), "2016-12-14T20:32:28Z");

  auto by_id = helix.user_by_id ("200000042", nullptr, &error);
  ASSERT_TRUE (by_id.has_value ());
  EXPECT_EQ (by_id->login, "follower000042");

  auto me = helix.users ({}, {}, nullptr, &error);
  ASSERT_TRUE (me.has_value ());
  ASSERT_EQ (me->size (), 1u);
  EXPECT_EQ ((*me)[0].login, "twitchdev");

  EXPECT_FALSE (helix.user_by_login ("nobody_here", nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_NOT_FOUND);
  EXPECT_NE (
      std::string (error->message).find ("nobody_here"), std::string::npos);
  g_clear_error (&error);
}

TEST_F (HelixClient, LookupsAreBatched100ARequest)
{
  twitch::Helix helix (config ());
  std::vector<std::string> ids;
  for (int i = 0; i < 250; i++)
    ids.push_back (std::to_string (200000000 + i * 3));
  GError *error = nullptr;
  auto users = helix.users (ids, {"twitchdev"}, nullptr, &error);
  ASSERT_TRUE (users.has_value ()) << error->message;
  EXPECT_EQ (users->size (), 251u);
  EXPECT_EQ (fake->requests ("/helix/users"), 3u);
  std::set<std::string> seen;
  for (const auto &u : *users)
    seen.insert (u.id);
  EXPECT_EQ (seen.size (), 251u);
}

TEST_F (HelixClient, ChannelsStreamsAndLiveState)
{
  twitch::Helix helix (config ());
  GError *error = nullptr;
  auto ch = helix.channels ({"141981764", "44322889"}, nullptr, &error);
  ASSERT_TRUE (ch.has_value ()) << error->message;
  ASSERT_EQ (ch->size (), 2u);
  EXPECT_EQ ((*ch)[0].game_name, "Science & Technology");

  fake->set_live ("twitchdev", true, 4321, "Live now", "Just Chatting");
  auto live = helix.streams ({}, {"twitchdev"}, nullptr, &error);
  ASSERT_TRUE (live.has_value ());
  ASSERT_EQ (live->size (), 1u);
  EXPECT_EQ ((*live)[0].viewer_count, 4321);
  EXPECT_EQ ((*live)[0].title, "Live now");
  EXPECT_GT ((*live)[0].started_at, 0);

  fake->set_live ("twitchdev", false);
  auto offline = helix.streams ({"141981764"}, {}, nullptr, &error);
  ASSERT_TRUE (offline.has_value ());
  EXPECT_TRUE (offline->empty ());

  /* Nothing asked, nothing sent. */
  fake->reset_stats ();
  EXPECT_TRUE (helix.streams ({}, {}, nullptr, &error)->empty ());
  EXPECT_TRUE (helix.channels ({}, nullptr, &error)->empty ());
  EXPECT_TRUE (helix.games ({}, {}, nullptr, &error)->empty ());
  EXPECT_EQ (fake->requests (), 0u);

  twitch::StreamQuery q;
  q.languages = {"de"};
  auto top = helix.top_streams (q, 150).collect (nullptr, &error);
  ASSERT_TRUE (top.has_value ());
  EXPECT_EQ (top->size (), 60u); /* 300 streams, every 5th German */
  for (const auto &s : *top)
    EXPECT_EQ (s.language, "de");
  EXPECT_GE ((*top)[0].viewer_count, (*top)[1].viewer_count);
}

TEST_F (HelixClient, PagingOver100000FollowersReturnsEachOnce)
{
  /* Twitch's 800 a minute would make this a minute of waiting. */
  fake->set_rate_limit (100000, 60);
  twitch::Helix helix (config ());
  auto pager = helix.followers ("141981764", 0);
  std::vector<twitch::Follower> page;
  std::vector<bool> seen (100000, false);
  size_t n = 0, pages = 0;
  twitch::TimeUs last = INT64_MAX;
  GError *error = nullptr;
  while (pager.next (page, nullptr, &error)) {
    pages++;
    for (const auto &f : page) {
      int64_t i = g_ascii_strtoll (f.user_id.c_str (), nullptr, 10) - 200000000;
      ASSERT_GE (i, 0);
      ASSERT_LT (i, 100000);
      ASSERT_FALSE (seen[i]) << "follower " << i << " twice";
      seen[i] = true;
      EXPECT_LE (f.followed_at, last); /* newest first */
      last = f.followed_at;
      n++;
    }
  }
  ASSERT_EQ (error, nullptr) << error->message;
  EXPECT_EQ (n, 100000u);
  EXPECT_EQ (pages, 1000u);
  EXPECT_EQ (pager.total ().value_or (-1), 100000);
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 1000u);
}

TEST_F (HelixClient, PagingStopsAtTheLimit)
{
  twitch::Helix helix (config ());
  GError *error = nullptr;
  auto list = helix.followers ("141981764", 250).collect (nullptr, &error);
  ASSERT_TRUE (list.has_value ());
  EXPECT_EQ (list->size (), 250u);
  EXPECT_EQ ((*list)[249].user_login, "follower000249");
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 3u);
  auto total = helix.followers_total ("141981764", nullptr, &error);
  ASSERT_TRUE (total.has_value ());
  EXPECT_EQ (*total, 100000);
}

TEST_F (HelixClient, EveryListEndpoint)
{
  twitch::Helix helix (config ());
  GError *error = nullptr;
  auto followed = helix.followed ("141981764", 0).collect (nullptr, &error);
  ASSERT_TRUE (followed.has_value ()) << error->message;
  EXPECT_EQ (followed->size (), 250u);
  EXPECT_EQ (
      helix.followed_total ("141981764", nullptr, &error).value_or (-1), 250);

  auto videos
      = helix.videos ("141981764", "archive", 0).collect (nullptr, &error);
  ASSERT_TRUE (videos.has_value ());
  EXPECT_EQ (videos->size (), 40u);
  EXPECT_EQ ((*videos)[0].type, "archive");
  EXPECT_GE ((*videos)[0].duration_seconds, 3600);
  EXPECT_GT ((*videos)[0].ended_at (), (*videos)[0].created_at);
  auto highlights
      = helix.videos ("141981764", "highlight", 0).collect (nullptr, &error);
  ASSERT_TRUE (highlights.has_value ());
  EXPECT_TRUE (highlights->empty ());

  twitch::ClipQuery cq;
  cq.broadcaster_id = "141981764";
  auto clips = helix.clips (cq, 0).collect (nullptr, &error);
  ASSERT_TRUE (clips.has_value ());
  EXPECT_EQ (clips->size (), 60u);
  cq.started_at = *twitch::time_parse_iso8601 ("2024-05-31T00:00:00Z");
  auto recent = helix.clips (cq, 0).collect (nullptr, &error);
  ASSERT_TRUE (recent.has_value ());
  EXPECT_EQ (recent->size (), 3u); /* one every 12 h from 2024-06-01 */

  auto chatters = helix.chatters ("141981764", "", 0);
  auto chatter_list = chatters.collect (nullptr, &error);
  ASSERT_TRUE (chatter_list.has_value ()) << error->message;
  EXPECT_EQ (chatter_list->size (), 250u);
  EXPECT_EQ (chatters.total ().value_or (-1), 250);

  auto games
      = helix.games ({"33214"}, {"Minecraft", "Game 7"}, nullptr, &error);
  ASSERT_TRUE (games.has_value ());
  EXPECT_EQ (games->size (), 3u);
  auto top_games = helix.top_games (30).collect (nullptr, &error);
  ASSERT_TRUE (top_games.has_value ());
  EXPECT_EQ (top_games->size (), 30u);

  auto search
      = helix.search_channels ("streamer00", true, 0).collect (nullptr, &error);
  ASSERT_TRUE (search.has_value ());
  EXPECT_EQ (search->size (), 100u);
  for (const auto &s : *search)
    EXPECT_TRUE (s.is_live);

  auto subs = helix.subscriptions ("141981764", 0);
  auto sub_list = subs.collect (nullptr, &error);
  ASSERT_TRUE (sub_list.has_value ());
  EXPECT_EQ (sub_list->size (), 120u);
  EXPECT_EQ (subs.total ().value_or (-1), 120);

  auto ingests = helix.ingests (nullptr, &error);
  ASSERT_TRUE (ingests.has_value ()) << error->message;
  EXPECT_EQ (ingests->size (), 3u);
}

TEST_F (HelixClient, Moderators)
{
  twitch::Helix helix (config ());
  GError *error = nullptr;
  auto mods = helix.moderators ("141981764", 0).collect (nullptr, &error);
  ASSERT_TRUE (mods.has_value ()) << error->message;
  EXPECT_EQ (mods->size (), 12u);
  EXPECT_EQ ((*mods)[0].user_login, "chatter0000");
  fake->set_user_scopes ({});
  EXPECT_FALSE (helix.moderators ("141981764", 0).collect (nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_MISSING_SCOPE);
  EXPECT_NE (
      std::string (error->message).find ("moderation:read"), std::string::npos);
  g_clear_error (&error);
}

TEST_F (HelixClient, FollowingTheHeadersNeverProvokesA429)
{
  /* 5 requests per 2 s window: 12 requests must wait twice for a reset and
   * never be refused. */
  fake->set_rate_limit (5, 2);
  twitch::Helix helix (config ());
  GError *error = nullptr;
  for (int i = 0; i < 12; i++)
    ASSERT_TRUE (
        helix.user_by_id (std::to_string (200000000 + i), nullptr, &error))
        << error->message;
  EXPECT_EQ (fake->requests ("/helix/users"), 12u); /* no 429 retried */
  EXPECT_GE (helix.stats ().rate_limit_waits, 2u);
}

TEST_F (HelixClient, MissingScopeNamesTheScope)
{
  fake->set_user_scopes ({"user:read:email"});
  twitch::Helix helix (config ());
  GError *error = nullptr;
  EXPECT_FALSE (helix.chatters ("141981764", "", 0).collect (nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_MISSING_SCOPE);
  EXPECT_NE (std::string (error->message).find ("moderator:read:chatters"),
      std::string::npos);
  g_clear_error (&error);

  EXPECT_FALSE (helix.followed ("141981764", 0).collect (nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_MISSING_SCOPE);
  EXPECT_NE (std::string (error->message).find ("user:read:follows"),
      std::string::npos);
  g_clear_error (&error);

  /* Followers: Twitch answers only the total; the client names the scope. */
  EXPECT_FALSE (helix.followers ("141981764", 0).collect (nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_MISSING_SCOPE);
  EXPECT_NE (std::string (error->message).find ("moderator:read:followers"),
      std::string::npos);
  g_clear_error (&error);
  /* The total alone needs no scope. */
  EXPECT_EQ (helix.followers_total ("141981764", nullptr, &error).value_or (-1),
      100000);
  /* A missing scope is not a reason to refresh. */
  EXPECT_EQ (fake->requests ("/oauth2/token"), 0u);
}

TEST_F (HelixClient, RateLimit429WaitsForTheReset)
{
  twitch::Helix helix (config ());
  HelixFakeFault f;
  f.path = "/helix/users";
  f.kind = "429";
  f.reset_in_s = 2;
  fake->add_fault (f);
  GError *error = nullptr;
  gint64 start = g_get_monotonic_time ();
  auto u = helix.user_by_login ("twitchdev", nullptr, &error);
  gint64 waited = g_get_monotonic_time () - start;
  ASSERT_TRUE (u.has_value ()) << error->message;
  EXPECT_EQ (fake->requests ("/helix/users"), 2u);
  EXPECT_EQ (helix.stats ().rate_limit_waits, 1u);
  /* Reset is 2 s ahead in whole seconds: at least 1 s of waiting. */
  EXPECT_GE (waited, 1 * G_USEC_PER_SEC);
}

TEST_F (HelixClient, RemainingZeroWaitsBeforeTheNextRequest)
{
  twitch::Helix helix (config ());
  HelixFakeFault f;
  f.path = "/helix/users";
  f.kind = "zero";
  f.reset_in_s = 2;
  fake->add_fault (f);
  GError *error = nullptr;
  ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_EQ (helix.rate_limit ().remaining, 0);
  EXPECT_EQ (helix.rate_limit ().limit, 800);
  gint64 start = g_get_monotonic_time ();
  ASSERT_TRUE (helix.user_by_login ("dallas", nullptr, &error));
  EXPECT_GE (g_get_monotonic_time () - start, 1 * G_USEC_PER_SEC);
  EXPECT_EQ (helix.stats ().rate_limit_waits, 1u);
  EXPECT_EQ (fake->requests ("/helix/users"), 2u); /* no 429 provoked */
}

TEST_F (HelixClient, AbsentRateLimitHeadersAreFine)
{
  HelixFakeOptions opt;
  opt.rate_limit_headers = false;
  start_fake (opt);
  twitch::Helix helix (config ());
  GError *error = nullptr;
  ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_EQ (helix.rate_limit ().remaining, -1);
  EXPECT_EQ (helix.stats ().rate_limit_waits, 0u);
}

TEST_F (HelixClient, ServerErrorsRetriedThenReported)
{
  twitch::Helix helix (config ());
  HelixFakeFault burst;
  burst.path = "/helix/users";
  burst.kind = "status";
  burst.status = 503;
  burst.count = 2;
  fake->add_fault (burst);
  GError *error = nullptr;
  ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_EQ (fake->requests ("/helix/users"), 3u);
  EXPECT_EQ (helix.stats ().retries, 2u);

  fake->reset_stats ();
  burst.count = 10;
  burst.status = 500;
  fake->add_fault (burst);
  gint64 start = g_get_monotonic_time ();
  EXPECT_FALSE (helix.user_by_login ("twitchdev", nullptr, &error));
  gint64 took = g_get_monotonic_time () - start;
  EXPECT_API_ERROR (error, twitch::API_ERROR_SERVER);
  EXPECT_NE (std::string (error->message).find ("500"), std::string::npos);
  g_clear_error (&error);
  EXPECT_EQ (fake->requests ("/helix/users"), 4u); /* 1 + 3 retries */
  /* 0.5 + 1 + 2 s: at least that, and well short of the next schedule
   * (a doubled base would wait 7 s). */
  EXPECT_GE (took, 3500 * 1000);
  EXPECT_LT (took, 6000 * 1000);
  fake->clear_faults ();
}

/* The documented settings (docs/helix.md, "Configuration"), written out:
 * 3 retries of 5xx and network errors at 0.5, 1, 2 s; 5 429s in a row;
 * resets at most 120 s away; 30 s per request. */
TEST (HelixConfigDefaults, AreTheDocumentedFigures)
{
  twitch::HelixConfig c;
  EXPECT_EQ (c.retries, 3);
  EXPECT_EQ (c.retry_base_ms, 500u);
  EXPECT_EQ (c.rate_limit_retries, 5);
  EXPECT_EQ (c.max_rate_limit_wait_sec, 120u);
  EXPECT_EQ (c.timeout_sec, 30u);
}

/* The retry delays double from the base: with a 200 ms base, 3 retries
 * take 200 + 400 + 800 ms. */
TEST_F (HelixClient, RetryDelaysDoubleFromTheBase)
{
  auto c = config ();
  c.retry_base_ms = 200;
  twitch::Helix helix (c);
  HelixFakeFault burst;
  burst.path = "/helix/users";
  burst.kind = "status";
  burst.status = 502;
  burst.count = 10;
  fake->add_fault (burst);
  GError *error = nullptr;
  gint64 start = g_get_monotonic_time ();
  EXPECT_FALSE (helix.user_by_login ("twitchdev", nullptr, &error));
  gint64 took = g_get_monotonic_time () - start;
  EXPECT_API_ERROR (error, twitch::API_ERROR_SERVER);
  g_clear_error (&error);
  EXPECT_EQ (fake->requests ("/helix/users"), 4u);
  EXPECT_GE (took, 1400 * 1000);
  EXPECT_LT (took, 2100 * 1000) << "delays longer than 200, 400, 800 ms";
  fake->clear_faults ();
}

/* A 429 is retried after the reset, 5 times in a row at most, then
 * RATE_LIMITED (docs/helix.md). */
TEST_F (HelixClient, FiveRateLimitedRetriesThenRateLimited)
{
  twitch::Helix helix (config ());
  HelixFakeFault f;
  f.path = "/helix/users";
  f.kind = "429";
  f.reset_in_s = 1;
  f.count = 20;
  fake->add_fault (f);
  GError *error = nullptr;
  EXPECT_FALSE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_RATE_LIMITED);
  g_clear_error (&error);
  EXPECT_EQ (fake->requests ("/helix/users"), 6u) << "1 + 5 retries";
  EXPECT_EQ (helix.stats ().rate_limit_waits, 5u);
  fake->clear_faults ();
}

TEST_F (HelixClient, NetworkErrorsRetriedThenReported)
{
  twitch_test::RefusedPort dead;
  auto c = config ();
  c.helix_url = dead.url ("http", "/helix");
  c.retry_base_ms = 20;
  twitch::Helix helix (c);
  GError *error = nullptr;
  EXPECT_FALSE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_NETWORK);
  g_clear_error (&error);
  EXPECT_EQ (helix.stats ().retries, 3u);
}

TEST_F (HelixClient, SlowAnswerTimesOutAndIsRetried)
{
  auto c = config ();
  c.timeout_sec = 2;
  twitch::Helix helix (c);
  HelixFakeFault slow;
  slow.path = "/helix/users";
  slow.kind = "slow";
  slow.delay_ms = 8000;
  fake->add_fault (slow);
  GError *error = nullptr;
  ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error))
      << error->message;
  /* At least the slow one; a loaded machine may time out another. */
  EXPECT_GE (helix.stats ().retries, 1u);
}

TEST_F (HelixClient, CancellationIsPromptAndReportedAsCancelled)
{
  twitch::Helix helix (config ());
  HelixFakeFault slow;
  slow.path = "/helix/users";
  slow.kind = "slow";
  slow.delay_ms = 20000;
  fake->add_fault (slow);
  GCancellable *cancellable = g_cancellable_new ();
  std::thread canceller ([cancellable] {
    g_usleep (300 * 1000);
    g_cancellable_cancel (cancellable);
  });
  GError *error = nullptr;
  gint64 start = g_get_monotonic_time ();
  EXPECT_FALSE (helix.user_by_login ("twitchdev", cancellable, &error));
  gint64 took = g_get_monotonic_time () - start;
  canceller.join ();
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      << error->message;
  g_clear_error (&error);
  EXPECT_LT (took, 15 * G_USEC_PER_SEC);
  g_object_unref (cancellable);
  fake->clear_faults ();
}

TEST_F (HelixClient, MalformedJsonIsAClearError)
{
  twitch::Helix helix (config ());
  HelixFakeFault bad;
  bad.path = "/helix/channels";
  bad.kind = "malformed";
  fake->add_fault (bad);
  GError *error = nullptr;
  EXPECT_FALSE (helix.channels ({"141981764"}, nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_BAD_RESPONSE);
  EXPECT_NE (
      std::string (error->message).find ("malformed JSON"), std::string::npos);
  g_clear_error (&error);
}

TEST_F (HelixClient, Expired401RefreshesOnce)
{
  auto c = config ();
  std::vector<twitch::Token> stored;
  c.on_user_token
      = [&stored] (const twitch::Token &t) { stored.push_back (t); };
  twitch::Helix helix (c);
  GError *error = nullptr;
  ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error));
  std::string before = helix.token ().access_token;
  fake->expire_tokens ();
  ASSERT_TRUE (helix.user_by_login ("dallas", nullptr, &error))
      << error->message;
  EXPECT_EQ (helix.stats ().token_refreshes, 1u);
  EXPECT_EQ (fake->requests ("/oauth2/token"), 1u);
  EXPECT_NE (helix.token ().access_token, before);
  EXPECT_EQ (helix.token ().access_token, fake->current_user_token ());
  EXPECT_EQ (helix.token ().refresh_token, fake->current_refresh_token ());
  /* The app is told, to store the rotated refresh token. */
  ASSERT_EQ (stored.size (), 1u);
  EXPECT_EQ (stored[0].access_token, fake->current_user_token ());
  EXPECT_EQ (stored[0].refresh_token, fake->current_refresh_token ());
}

TEST_F (HelixClient, Persistent401IsReportedAfterOneRefresh)
{
  twitch::Helix helix (config ());
  HelixFakeFault unauthorized;
  unauthorized.path = "/helix/users";
  unauthorized.kind = "status";
  unauthorized.status = 401;
  unauthorized.count = 5;
  fake->add_fault (unauthorized);
  GError *error = nullptr;
  EXPECT_FALSE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  EXPECT_EQ (fake->requests ("/oauth2/token"), 1u);
  EXPECT_EQ (fake->requests ("/helix/users"), 2u);
  fake->clear_faults ();
}

TEST_F (HelixClient, InvalidGrantIsFatalAndNotRetried)
{
  twitch::Helix helix (config ());
  fake->expire_tokens ();
  fake->revoke_refresh_tokens ();
  GError *error = nullptr;
  EXPECT_FALSE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_UNAUTHORIZED);
  EXPECT_NE (
      std::string (error->message).find ("log in again"), std::string::npos);
  g_clear_error (&error);
  EXPECT_EQ (fake->requests ("/oauth2/token"), 1u);
}

TEST_F (HelixClient, RefreshFailingWith5xxIsRetried)
{
  twitch::Helix helix (config ());
  fake->expire_tokens ();
  HelixFakeFault down;
  down.path = "/oauth2/token";
  down.kind = "status";
  down.status = 502;
  down.count = 2;
  fake->add_fault (down);
  GError *error = nullptr;
  ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error))
      << error->message;
  EXPECT_EQ (fake->requests ("/oauth2/token"), 3u);
}

TEST_F (HelixClient, RefreshesAMinuteBeforeExpiry)
{
  auto c = config ();
  c.token_expires_at = g_get_real_time () + 30 * G_USEC_PER_SEC;
  twitch::Helix helix (c);
  GError *error = nullptr;
  ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_EQ (fake->requests ("/oauth2/token"), 1u);
  EXPECT_EQ (fake->requests ("/helix/users"), 1u); /* no 401 first */
  EXPECT_GT (helix.token ().expires_at,
      g_get_real_time () + int64_t{3600} * G_USEC_PER_SEC);
}

TEST_F (HelixClient, AppTokenFromClientCredentials)
{
  twitch::Helix helix (config (false));
  GError *error = nullptr;
  auto u = helix.user_by_login ("twitchdev", nullptr, &error);
  ASSERT_TRUE (u.has_value ()) << error->message;
  EXPECT_TRUE (helix.token ().is_app);
  EXPECT_EQ (fake->requests ("/oauth2/token"), 1u);
  /* An expired app token is replaced by a new one on 401. */
  fake->expire_tokens ();
  ASSERT_TRUE (helix.user_by_login ("dallas", nullptr, &error));
  EXPECT_EQ (fake->requests ("/oauth2/token"), 2u);

  auto c = config (false);
  c.client_secret = "wrong-secret-value";
  twitch::Helix wrong (c);
  EXPECT_FALSE (wrong.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
}

TEST_F (HelixClient, NoCredentialsIsAClearError)
{
  auto c = config (false);
  c.client_secret.clear ();
  twitch::Helix helix (c);
  GError *error = nullptr;
  EXPECT_FALSE (helix.check_credentials (&error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_UNAUTHORIZED);
  EXPECT_NE (std::string (error->message).find ("TWITCH_OAUTH_TOKEN"),
      std::string::npos);
  g_clear_error (&error);
  EXPECT_FALSE (helix.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  EXPECT_EQ (fake->requests (), 0u);
}

TEST_F (HelixClient, ValidateAndDeviceCodeFlow)
{
  HelixFakeOptions opt;
  opt.user_token.clear ();
  opt.device_pending_polls = 2;
  start_fake (opt);
  auto c = config (false);
  c.client_secret.clear ();
  twitch::Helix helix (c);
  GError *error = nullptr;
  auto code = helix.device_code_start (
      {"moderator:read:followers", "user:read:follows"}, nullptr, &error);
  ASSERT_TRUE (code.has_value ()) << error->message;
  EXPECT_EQ (code->user_code, "ABCDEFGH");
  EXPECT_EQ (code->interval, 1);
  auto pending = helix.device_code_poll_once (*code, nullptr, &error);
  EXPECT_FALSE (pending);
  EXPECT_API_ERROR (error, twitch::API_ERROR_AUTHORIZATION_PENDING);
  g_clear_error (&error);
  auto token = helix.device_code_wait (*code, nullptr, &error);
  ASSERT_TRUE (token.has_value ()) << error->message;
  EXPECT_FALSE (token->access_token.empty ());
  EXPECT_FALSE (token->refresh_token.empty ());
  EXPECT_EQ (token->scopes.size (), 2u);
  EXPECT_GT (token->expires_at, g_get_real_time ());

  auto info = helix.validate (nullptr, &error);
  ASSERT_TRUE (info.has_value ()) << error->message;
  EXPECT_EQ (info->login, "twitchdev");
  EXPECT_EQ (info->user_id, "141981764");
  EXPECT_EQ (info->client_id, fake->options ().client_id);
  EXPECT_TRUE (helix.followers ("141981764", 10).collect (nullptr, &error));
}

TEST_F (HelixClient, DeviceCodeExpires)
{
  HelixFakeOptions opt;
  opt.device_pending_polls = -1;
  start_fake (opt);
  twitch::Helix helix (config (false));
  GError *error = nullptr;
  auto code = helix.device_code_start ({}, nullptr, &error);
  ASSERT_TRUE (code.has_value ());
  code->expires_in = 2;
  EXPECT_FALSE (helix.device_code_wait (*code, nullptr, &error));
  EXPECT_API_ERROR (error, twitch::API_ERROR_EXPIRED);
  g_clear_error (&error);
}

TEST_F (HelixClient, AsyncGet)
{
  twitch::Helix helix (config ());
  GMainContext *ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  struct Result {
    bool done = false;
    std::optional<twitch::HelixResponse> r;
    GError *error = nullptr;
    twitch::Helix *helix;
  } result;
  result.helix = &helix;
  helix.get_async (
      "users", {{"login", "twitchdev"}}, twitch::ResourceKind::USERS, nullptr,
      [] (GObject *, GAsyncResult *res, gpointer data) {
        auto *r = static_cast<Result *> (data);
        r->r = r->helix->get_finish (res, &r->error);
        r->done = true;
      },
      &result);
  while (!result.done)
    g_main_context_iteration (ctx, TRUE);
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);
  ASSERT_TRUE (result.r.has_value ());
  EXPECT_NE (result.r->body.find ("twitchdev"), std::string::npos);
}

/* The TTL each kind of answer is cached for: the table of docs/helix.md
 * ("TTL per kind"), written out here rather than read from CacheTtl, so a
 * changed default fails. */
TEST_F (HelixClient, CacheTtlPerKindIsTheDocumentedTable)
{
  using K = twitch::ResourceKind;
  const std::pair<K, int64_t> documented[] = {
      {K::USERS, 24 * 3600},
      {K::CHANNELS, 10 * 60},
      {K::STREAMS, 30},
      {K::FOLLOWERS, 10 * 60},
      {K::FOLLOWED, 10 * 60},
      {K::VIDEOS, 30 * 60},
      {K::CLIPS, 30 * 60},
      {K::CHATTERS, 60},
      {K::MODERATORS, 10 * 60},
      {K::GAMES, 24 * 3600},
      {K::SEARCH, 5 * 60},
      {K::SUBSCRIPTIONS, 10 * 60},
      {K::INGESTS, 24 * 3600},
  };
  auto cache = std::make_shared<RecordingCache> ();
  auto c = config ();
  c.cache = cache;
  twitch::Helix helix (c);
  int i = 0;
  for (const auto &[kind, ttl] : documented) {
    GError *error = nullptr;
    /* One URL per kind (the fake ignores the extra parameter). */
    auto r = helix.get ("users",
        {{"login", "twitchdev"}, {"n", std::to_string (i)}}, kind, nullptr,
        &error);
    ASSERT_TRUE (r.has_value ()) << (error ? error->message : "");
    std::lock_guard<std::mutex> g (cache->lock);
    ASSERT_EQ (cache->ttls.size (), (size_t)i + 1) << "kind " << i;
    int64_t got = -1;
    for (const auto &kv : cache->ttls)
      if (kv.second != -2)
        got = kv.second;
    EXPECT_EQ (got, ttl) << "kind " << i;
    for (auto &kv : cache->ttls)
      kv.second = -2; /* seen */
    i++;
  }
  /* UNCACHED is never stored. */
  GError *error = nullptr;
  ASSERT_TRUE (helix.get ("users", {{"login", "twitchdev"}, {"n", "u"}},
      K::UNCACHED, nullptr, &error));
  EXPECT_EQ (cache->ttls.size (), (size_t)i);
}

TEST_F (HelixClient, CacheServesRepeatsWithIdentityNotToken)
{
  auto cache = std::make_shared<RecordingCache> ();
  auto c = config ();
  c.cache = cache;
  {
    twitch::Helix helix (c);
    GError *error = nullptr;
    auto first = helix.followers ("141981764", 500).collect (nullptr, &error);
    ASSERT_TRUE (first.has_value ()) << error->message;
    ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error));
    ASSERT_TRUE (helix.streams ({}, {"twitchdev"}, nullptr, &error));
  }
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 5u);
  EXPECT_EQ (fake->requests ("/oauth2/validate"), 1u);
  /* TTL per kind, the documented figures (docs/helix.md). */
  std::map<int64_t, int> ttls;
  for (const auto &kv : cache->ttls)
    ttls[kv.second]++;
  EXPECT_EQ (ttls[24 * 3600], 1) << "users: 24 h";
  EXPECT_EQ (ttls[30], 1) << "streams: 30 s";
  EXPECT_EQ (ttls[10 * 60], 5) << "followers: 10 min, each page";
  /* Keys: URL + client id + user id, never the token. */
  std::string url = fake->helix_url () + "/users?login=twitchdev";
  std::string key = twitch::cache_key (
      url, fake->options ().client_id + "\n" + "141981764");
  EXPECT_TRUE (cache->entries.count (key));

  /* A new process (new client, new token after a refresh): same identity,
   * served from the cache. */
  fake->reset_stats ();
  twitch::Helix again (c);
  GError *error = nullptr;
  auto second = again.followers ("141981764", 500).collect (nullptr, &error);
  ASSERT_TRUE (second.has_value ());
  EXPECT_EQ (second->size (), 500u);
  EXPECT_EQ (fake->requests ("/helix/channels/followers"), 0u);
  EXPECT_EQ (again.stats ().cache_hits, 5u);

  /* Another user (another identity) does not see these entries. */
  auto app = config (false);
  app.cache = cache;
  twitch::Helix other (app);
  ASSERT_TRUE (other.user_by_login ("twitchdev", nullptr, &error));
  EXPECT_EQ (fake->requests ("/helix/users"), 1u);
}

TEST (HelixFakeProgram, PrintsItsPortAndServesAClient)
{
  const char *build = g_getenv ("TWITCH_TEST_BUILD_DIR");
  ASSERT_NE (build, nullptr);
  std::string program = std::string (build) + "/peers/helix-fake/helix-fake";
  twitch_test::TempDir dir;
  int port = -1;
  std::unique_ptr<twitch_test::PeerProcess> fake;
  GError *error = nullptr;
  ASSERT_TRUE (twitch_test::start_on_port (
      fake, port,
      [&] (int p) {
        return std::make_unique<twitch_test::PeerProcess> ("helix-fake",
            std::vector<std::string>{program, "--port", std::to_string (p),
                "--followers", "1234", "--env"},
            dir.file ("out.log"));
      },
      20000, &error))
      << error->message;
  twitch::HelixConfig c;
  c.use_environment = false;
  c.helix_url = "http://127.0.0.1:" + std::to_string (port) + "/helix";
  c.auth_url = "http://127.0.0.1:" + std::to_string (port) + "/oauth2";
  c.client_id = twitch_test::HelixFakeOptions{}.client_id;
  c.oauth_token = twitch_test::HelixFakeOptions{}.user_token;
  twitch::Helix helix (c);
  auto all = helix.followers ("141981764", 0).collect (nullptr, &error);
  ASSERT_TRUE (all.has_value ()) << error->message;
  EXPECT_EQ (all->size (), 1234u);
  fake->stop ();
  std::string out = twitch_test::read_file (dir.file ("out.log"));
  EXPECT_EQ (out.substr (0, out.find ('\n')), std::to_string (port));
  EXPECT_NE (out.find ("TWITCH_HELIX_URL=http://127.0.0.1:"
                       + std::to_string (port) + "/helix"),
      std::string::npos);
}

TEST_F (HelixClient, NoSecretInTheDebugLog)
{
  /* Run the auth-heavy test in a child at GST_DEBUG=*:9 and read its log. */
  gchar *self = g_file_read_link ("/proc/self/exe", nullptr);
  ASSERT_NE (self, nullptr);
  twitch_test::TempDir dir;
  std::string log = dir.file ("debug.log");
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (
      (GSubprocessFlags)(G_SUBPROCESS_FLAGS_STDOUT_SILENCE));
  g_subprocess_launcher_setenv (launcher, "GST_DEBUG", "*:9", TRUE);
  g_subprocess_launcher_setenv (launcher, "GST_DEBUG_NO_COLOR", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "HELIX_LEAK_CHILD", "1", TRUE);
  g_subprocess_launcher_set_stderr_file_path (launcher, log.c_str ());
  GError *error = nullptr;
  GSubprocess *child = g_subprocess_launcher_spawn (launcher, &error, self,
      "--gtest_filter=HelixClient.DISABLED_LeakChild",
      "--gtest_also_run_disabled_tests", nullptr);
  ASSERT_NE (child, nullptr) << error->message;
  ASSERT_TRUE (g_subprocess_wait (child, nullptr, &error));
  EXPECT_TRUE (g_subprocess_get_successful (child));
  g_object_unref (child);
  g_object_unref (launcher);
  g_free (self);
  std::string text = twitch_test::read_file (log);
  EXPECT_NE (text.find ("twitchapi"), std::string::npos)
      << "the child logged nothing: the check would prove nothing";
  EXPECT_NE (text.find ("oauth2/token"), std::string::npos);
  for (const char *secret : {"fakeusertoken", "fakerefreshtoken",
           "fakeapptoken", "fakedevicecode", "fakeclientsecret"})
    EXPECT_EQ (text.find (secret), std::string::npos) << secret << " leaked";
}

/* Run only as the child of NoSecretInTheDebugLog (disabled otherwise, so a
 * normal run neither runs nor skips it). */
TEST_F (HelixClient, DISABLED_LeakChild)
{
  GError *error = nullptr;
  {
    twitch::Helix helix (config ());
    ASSERT_TRUE (helix.validate (nullptr, &error));
    fake->expire_tokens ();
    ASSERT_TRUE (helix.user_by_login ("twitchdev", nullptr, &error));
    ASSERT_TRUE (helix.followers ("141981764", 200).collect (nullptr, &error));
  }
  {
    twitch::Helix app (config (false));
    ASSERT_TRUE (app.user_by_login ("twitchdev", nullptr, &error));
  }
  {
    auto c = config (false);
    twitch::Helix device (c);
    auto code
        = device.device_code_start ({"user:read:follows"}, nullptr, &error);
    ASSERT_TRUE (code.has_value ());
    ASSERT_TRUE (device.device_code_wait (*code, nullptr, &error));
    ASSERT_TRUE (device.validate (nullptr, &error));
  }
}

} // namespace
