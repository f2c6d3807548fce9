/* The Helix client against a hostile or confused server, and the cache
 * identity across users (issue 8 items 6, 8, 9 and the suspected ones):
 * every case here once crashed, looped or leaked an answer. */
#include <gst/twitch/cache/cache.h>
#include <gst/twitch/helix/helix.h>

#include "support/helix_env.h"
#include "support/log_capture.h"
#include "support/peer.h"

#include <gst/gst.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <glib/gstdio.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;

const char *const kMainId = "141981764";

class HelixHostile : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    fake = twitch_test::start_helix_fake ();
    ASSERT_NE (fake, nullptr);
  }

  twitch::HelixConfig base () const
  {
    auto c = twitch_test::helix_config (*fake, false);
    c.retry_base_ms = 10;
    return c;
  }

  /* A user client holding its access token. */
  twitch::HelixConfig user () const
  {
    auto c = twitch_test::helix_config (*fake, true);
    c.retry_base_ms = 10;
    return c;
  }

  std::unique_ptr<HelixFake> fake;
};

/* ---- item 6: the cache key carries the identity that fetched ------------- */

TEST_F (HelixHostile, PrivateAnswerIsNotServedToTheAppIdentity)
{
  std::shared_ptr<twitch::Cache> shared (twitch::cache_memory_new ());
  const twitch::Query q{{"broadcaster_id", kMainId}};
  {
    /* Client A: only a refresh token (the user's access token is obtained
     * on the first request). */
    auto c = base ();
    c.refresh_token = fake->options ().refresh_token;
    c.cache = shared;
    twitch::Helix a (c);
    GError *error = nullptr;
    auto r = a.get ("subscriptions", q, twitch::ResourceKind::SUBSCRIPTIONS,
        nullptr, &error);
    ASSERT_TRUE (r.has_value ()) << error->message;
    EXPECT_FALSE (r->from_cache);
    EXPECT_NE (r->body.find ("\"tier\""), std::string::npos);
  }
  ASSERT_EQ (fake->requests ("/helix/subscriptions"), 1u);
  /* Client B: only the app's id and secret. Its answer must come from
   * Twitch (which refuses an app token), never from A's cache entry. */
  auto c = base ();
  c.client_secret = fake->options ().client_secret;
  c.cache = shared;
  twitch::Helix b (c);
  GError *error = nullptr;
  auto r = b.get (
      "subscriptions", q, twitch::ResourceKind::SUBSCRIPTIONS, nullptr, &error);
  EXPECT_EQ (fake->requests ("/helix/subscriptions"), 2u);
  EXPECT_FALSE (r.has_value ());
  if (r) {
    EXPECT_FALSE (r->from_cache);
  }
  g_clear_error (&error);
  EXPECT_EQ (b.stats ().cache_hits, 0u);
}

TEST_F (HelixHostile, SameUserWithARefreshTokenOnlyHitsTheCache)
{
  /* The other side of the identity: the same user, first holding only a
   * refresh token and then its access token, shares its entries. */
  std::shared_ptr<twitch::Cache> shared (twitch::cache_memory_new ());
  const twitch::Query q{{"broadcaster_id", kMainId}};
  {
    auto c = base ();
    c.refresh_token = fake->options ().refresh_token;
    c.cache = shared;
    twitch::Helix a (c);
    GError *error = nullptr;
    ASSERT_TRUE (a.get ("subscriptions", q, twitch::ResourceKind::SUBSCRIPTIONS,
                      nullptr, &error)
                     .has_value ())
        << error->message;
  }
  auto c = user ();
  c.oauth_token = fake->current_user_token ();
  c.cache = shared;
  twitch::Helix b (c);
  GError *error = nullptr;
  auto r = b.get (
      "subscriptions", q, twitch::ResourceKind::SUBSCRIPTIONS, nullptr, &error);
  ASSERT_TRUE (r.has_value ()) << error->message;
  EXPECT_TRUE (r->from_cache);
  EXPECT_EQ (fake->requests ("/helix/subscriptions"), 1u);
}

TEST_F (HelixHostile, AppOnlyCacheHitNeedsNoTokenRequest)
{
  std::shared_ptr<twitch::Cache> shared (twitch::cache_memory_new ());
  auto c = base ();
  c.client_secret = fake->options ().client_secret;
  c.cache = shared;
  GError *error = nullptr;
  {
    twitch::Helix first (c);
    ASSERT_TRUE (first.user_by_login ("twitchdev", nullptr, &error))
        << error->message;
  }
  ASSERT_EQ (fake->requests ("/oauth2/token"), 1u);
  twitch::Helix second (c);
  ASSERT_TRUE (second.user_by_login ("twitchdev", nullptr, &error))
      << error->message;
  EXPECT_EQ (second.stats ().cache_hits, 1u);
  EXPECT_EQ (fake->requests ("/oauth2/token"), 1u);
  EXPECT_EQ (fake->requests ("/helix/users"), 1u);
}

TEST_F (HelixHostile, ValidateRefreshesARejectedToken)
{
  twitch::Helix h (user ());
  fake->expire_tokens ();
  GError *error = nullptr;
  auto info = h.validate (nullptr, &error);
  ASSERT_TRUE (info.has_value ()) << error->message;
  EXPECT_EQ (info->user_id, kMainId);
  EXPECT_EQ (h.stats ().token_refreshes, 1u);
  EXPECT_EQ (h.token ().access_token, fake->current_user_token ());
}

TEST_F (HelixHostile, ValidateWithARevokedRefreshTokenFailsClearly)
{
  twitch::Helix h (user ());
  fake->expire_tokens ();
  fake->revoke_refresh_tokens ();
  GError *error = nullptr;
  auto info = h.validate (nullptr, &error);
  ASSERT_FALSE (info.has_value ());
  EXPECT_EQ (error->domain, TWITCH_API_ERROR);
  EXPECT_EQ (error->code, twitch::API_ERROR_UNAUTHORIZED);
  EXPECT_NE (
      std::string (error->message).find ("log in again"), std::string::npos)
      << error->message;
  g_error_free (error);
}

/* ---- item 8: deep JSON on every answer path ------------------------------ */

HelixFakeFault
deep (const std::string &path, unsigned status)
{
  HelixFakeFault f;
  f.path = path;
  f.kind = "deep";
  f.status = status;
  f.count = 1000;
  f.depth = 100000; /* 200 KB */
  return f;
}

void
expect_bad_response (GError *&error, const char *what)
{
  ASSERT_NE (error, nullptr) << what;
  EXPECT_EQ (error->domain, TWITCH_API_ERROR) << error->message;
  EXPECT_EQ (error->code, twitch::API_ERROR_BAD_RESPONSE) << error->message;
  EXPECT_NE (std::string (error->message).find ("nested"), std::string::npos)
      << error->message;
  g_clear_error (&error);
}

TEST_F (HelixHostile, DeepPageIsABadResponse)
{
  fake->add_fault (deep ("/helix/videos", 200));
  twitch::Helix h (user ());
  GError *error = nullptr;
  auto list = h.videos (kMainId, "archive", 0).collect (nullptr, &error);
  EXPECT_FALSE (list);
  expect_bad_response (error, "videos");
}

TEST_F (HelixHostile, DeepErrorBodiesAreStillTheirStatus)
{
  twitch::Helix h (user ());
  for (unsigned status : {400u, 401u, 404u, 500u}) {
    fake->clear_faults ();
    fake->add_fault (deep ("/helix/users", status));
    GError *error = nullptr;
    auto r = h.get ("users", {{"login", "twitchdev"}},
        twitch::ResourceKind::UNCACHED, nullptr, &error);
    EXPECT_FALSE (r);
    ASSERT_NE (error, nullptr) << status;
    EXPECT_EQ (error->domain, TWITCH_API_ERROR);
    EXPECT_EQ (error->code,
        twitch::api_error_code_for_status (status, std::string_view ()))
        << status << ": " << error->message;
    g_error_free (error);
  }
}

TEST_F (HelixHostile, DeepOAuthAnswersAreBadResponses)
{
  auto c = base ();
  c.client_secret = fake->options ().client_secret;
  twitch::Helix app (c);
  fake->add_fault (deep ("/oauth2/token", 200));
  GError *error = nullptr;
  EXPECT_FALSE (app.ensure_token (nullptr, &error));
  expect_bad_response (error, "token");

  fake->clear_faults ();
  twitch::Helix u (user ());
  fake->add_fault (deep ("/oauth2/validate", 200));
  EXPECT_FALSE (u.validate (nullptr, &error));
  expect_bad_response (error, "validate");
}

TEST_F (HelixHostile, DeepIngestListIsABadResponse)
{
  fake->add_fault (deep ("/ingests", 200));
  twitch::Helix h (base ());
  GError *error = nullptr;
  EXPECT_FALSE (h.ingests (nullptr, &error));
  expect_bad_response (error, "ingests");
}

/* ---- suspected: a body past any sane size -------------------------------- */

TEST_F (HelixHostile, HugeAnswerIsCappedWithAClearError)
{
  HelixFakeFault f;
  f.path = "/helix/users";
  f.kind = "big";
  f.status = 200;
  f.depth = 24 << 20; /* a 24 MiB JSON string */
  fake->add_fault (f);
  twitch::Helix h (user ());
  GError *error = nullptr;
  auto r = h.get ("users", {{"login", "twitchdev"}},
      twitch::ResourceKind::UNCACHED, nullptr, &error);
  EXPECT_FALSE (r);
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->code, twitch::API_ERROR_BAD_RESPONSE) << error->message;
  EXPECT_NE (
      std::string (error->message).find ("more than 16 MiB"), std::string::npos)
      << error->message;
  g_error_free (error);
  /* Not retried: one request. */
  EXPECT_EQ (fake->requests ("/helix/users"), 1u);
}

/* ---- item 9: paging always ends ------------------------------------------ */

TEST_F (HelixHostile, AlternatingCursorsStopWithAnError)
{
  HelixFakeFault f;
  f.path = "/helix/videos";
  f.kind = "cycle";
  f.count = 1000;
  fake->add_fault (f);
  twitch::Helix h (user ());
  auto pager = h.videos (kMainId, "all", 0);
  std::vector<twitch::Video> page;
  GError *error = nullptr;
  int pages = 0;
  while (pager.next (page, nullptr, &error) && pages < 50)
    pages++;
  EXPECT_LT (pages, 50) << "paging did not stop";
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->domain, TWITCH_API_ERROR);
  EXPECT_EQ (error->code, twitch::API_ERROR_BAD_RESPONSE);
  EXPECT_NE (std::string (error->message).find ("cursor"), std::string::npos)
      << error->message;
  g_error_free (error);
  /* A, B, then A again: three requests. */
  EXPECT_EQ (fake->requests ("/helix/videos"), 3u);
  EXPECT_TRUE (pager.done ());
}

/* ---- item 7 end to end: an untrusted file cache still serves ------------- */

TEST_F (HelixHostile, SharedCacheFolderIsOffButRequestsAreServed)
{
  twitch_test::TempDir tmp;
  std::string root = tmp.file ("shared");
  ASSERT_EQ (g_mkdir (root.c_str (), 0777), 0);
  g_chmod (root.c_str (), 0777);
  twitch_test::LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  twitch::FileCacheOptions o;
  o.dir = root;
  GError *error = nullptr;
  std::shared_ptr<twitch::Cache> cache (
      twitch::cache_file_new (o, &error).release ());
  ASSERT_TRUE (cache) << error->message;
  auto c = user ();
  c.cache = cache;
  twitch::Helix h (c);
  for (int i = 0; i < 2; i++) {
    auto u = h.user_by_login ("twitchdev", nullptr, &error);
    ASSERT_TRUE (u) << error->message;
  }
  EXPECT_EQ (fake->requests ("/helix/users"), 2u);
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 1u);
}

/* ---- suspected: secrets over plain http to another machine --------------- */

TEST_F (HelixHostile, PlainHttpToAnotherMachineIsWarnedOnce)
{
  twitch_test::LogCapture log ("twitchapi", GST_LEVEL_WARNING);
  {
    auto c = base ();
    twitch::Helix local (c); /* the fake on 127.0.0.1: no warning */
  }
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 0u);
  auto c = base ();
  c.helix_url = "http://api.example.invalid/helix";
  c.auth_url = "https://id.example.invalid/oauth2";
  twitch::Helix remote (c);
  ASSERT_EQ (log.count (GST_LEVEL_WARNING), 1u);
  EXPECT_NE (log.lines (GST_LEVEL_WARNING)[0].find ("http://api.example"),
      std::string::npos);
}

/* ---- the wrong client secret is named ------------------------------------ */

TEST_F (HelixHostile, WrongClientSecretNamesTheSecret)
{
  auto c = base ();
  c.client_secret = "wrong-secret-value";
  twitch::Helix h (c);
  GError *error = nullptr;
  EXPECT_FALSE (h.user_by_login ("twitchdev", nullptr, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->code, twitch::API_ERROR_UNAUTHORIZED);
  EXPECT_NE (std::string (error->message).find ("TWITCH_CLIENT_SECRET"),
      std::string::npos)
      << error->message;
  EXPECT_EQ (std::string (error->message).find ("wrong-secret-value"),
      std::string::npos)
      << error->message;
  g_error_free (error);
}

/* ---- certificates: an unverifiable one is fatal at once ------------------ */

TEST (HelixTls, UntrustedCertificateIsFatalAndNotRetried)
{
  GError *error = nullptr;
  GTlsCertificate *cert = g_tls_certificate_new_from_file (
      TWITCH_TEST_FIXTURES "/tls/self-signed-127.0.0.1.pem", &error);
  ASSERT_NE (cert, nullptr) << error->message;
  SoupServer *server = soup_server_new ("tls-certificate", cert, nullptr);
  g_object_unref (cert);
  int hits = 0;
  soup_server_add_handler (
      server, nullptr,
      +[] (SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
           gpointer data) {
        (*static_cast<int *> (data))++;
        soup_server_message_set_status (msg, 200, nullptr);
      },
      &hits, nullptr);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_HTTPS, &error)) {
    std::string msg = error->message;
    g_error_free (error);
    g_object_unref (server);
    GTEST_SKIP () << "cannot listen: " << msg;
  }
  GSList *uris = soup_server_get_uris (server);
  int port = g_uri_get_port (static_cast<GUri *> (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  /* The server runs in this thread's default context; serve it from a
   * thread while the client blocks. */
  GMainContext *ctx = g_main_context_default ();
  std::atomic<bool> stop{false};
  std::thread loop ([&] {
    while (!stop)
      g_main_context_iteration (ctx, FALSE), g_usleep (1000);
  });

  twitch::HelixConfig c;
  c.use_environment = false;
  std::string base = "https://127.0.0.1:" + std::to_string (port);
  c.helix_url = base + "/helix";
  c.auth_url = base + "/oauth2";
  c.client_id = "fakeclientid00000000000000000a";
  c.oauth_token = "fakeusertoken0000000000000001";
  c.retry_base_ms = 200;
  twitch::Helix h (c);
  auto r = h.get ("users", {{"login", "twitchdev"}},
      twitch::ResourceKind::UNCACHED, nullptr, &error);
  stop = true;
  loop.join ();
  EXPECT_FALSE (r);
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->domain, TWITCH_API_ERROR);
  EXPECT_EQ (error->code, twitch::API_ERROR_NETWORK) << error->message;
  g_error_free (error);
  EXPECT_EQ (h.stats ().requests, 1u) << "a certificate error was retried";
  EXPECT_EQ (h.stats ().retries, 0u);
  EXPECT_EQ (hits, 0);
  g_object_unref (server);
}

/* ---- issue 11 item 7: rate-limit waits are visible ----------------------- */

TEST_F (HelixHostile, RateLimitWaitsAreReportedWithReasonAndDuration)
{
  fake->set_rate_limit (2, 2);
  twitch_test::LogCapture log ("twitchapi", GST_LEVEL_WARNING);
  auto c = user ();
  std::vector<std::pair<int64_t, std::string>> waits;
  std::mutex lock;
  c.on_rate_limit_wait = [&] (int64_t ms, const std::string &reason) {
    std::lock_guard<std::mutex> g (lock);
    waits.emplace_back (ms, reason);
  };
  twitch::Helix h (c);
  GError *error = nullptr;
  for (int i = 0; i < 3; i++)
    ASSERT_TRUE (h.get ("users", {{"login", "twitchdev"}},
        twitch::ResourceKind::UNCACHED, nullptr, &error))
        << error->message;
  ASSERT_GE (waits.size (), 1u);
  EXPECT_EQ (waits.size (), h.stats ().rate_limit_waits);
  EXPECT_GT (waits[0].first, 0);
  EXPECT_LE (waits[0].first, 3000);
  EXPECT_NE (waits[0].second.find ("0 of 2 requests left"), std::string::npos)
      << waits[0].second;
  auto lines = log.lines (GST_LEVEL_WARNING);
  ASSERT_EQ (lines.size (), waits.size ());
  EXPECT_NE (lines[0].find ("rate limit"), std::string::npos) << lines[0];
}

} // namespace
