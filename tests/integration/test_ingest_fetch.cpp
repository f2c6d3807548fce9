/* The ingest list through the Helix client's transport (issue 10: one HTTP
 * path): what twitchsink and gst_twitch_ingest_list_get() now get from it
 * that the list's own SoupSession never had (retries of a 5xx, the body
 * cap, errors in the API domain), against the Helix fake's /ingests. */
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/twitch.h>

#include "helix_fake.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;

class IngestFetch : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    fake = std::make_unique<HelixFake> ();
    GError *error = nullptr;
    if (!fake->start (&error)) {
      std::string msg = error->message;
      g_error_free (error);
      GTEST_SKIP () << "cannot listen on loopback: " << msg;
    }
    const char *saved = g_getenv ("TWITCH_INGEST_URL");
    saved_ = saved ? saved : "";
    g_setenv ("TWITCH_INGEST_URL", fake->ingest_url ().c_str (), TRUE);
  }
  void TearDown () override
  {
    g_setenv ("TWITCH_INGEST_URL", saved_.c_str (), TRUE);
  }

  std::unique_ptr<HelixFake> fake;
  std::string saved_;
};

} // namespace

TEST_F (IngestFetch, ListComesThroughTheHelixTransport)
{
  GError *error = nullptr;
  auto list = twitch::helix_fetch_ingests (nullptr, 10, &error);
  ASSERT_TRUE (list) << error->message;
  EXPECT_FALSE (list->empty ());
  EXPECT_EQ (fake->requests ("/ingests"), 1u);
}

/* A server error is retried like any Helix request (the list's own session
 * failed at once and twitchsink fell back to live.twitch.tv). */
TEST_F (IngestFetch, ServerErrorIsRetried)
{
  HelixFakeFault f;
  f.path = "/ingests";
  f.kind = "status";
  f.status = 503;
  f.count = 1;
  fake->add_fault (f);
  GError *error = nullptr;
  auto list = twitch::helix_fetch_ingests (nullptr, 10, &error);
  ASSERT_TRUE (list) << error->message;
  EXPECT_FALSE (list->empty ());
  EXPECT_EQ (fake->requests ("/ingests"), 2u);
}

/* A body past the transport's cap is refused while it is read. */
TEST_F (IngestFetch, HugeListIsCapped)
{
  HelixFakeFault f;
  f.path = "/ingests";
  f.kind = "big";
  f.status = 200;
  f.depth = 24 << 20;
  fake->add_fault (f);
  GError *error = nullptr;
  EXPECT_FALSE (twitch::helix_fetch_ingests (nullptr, 10, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (
      g_error_matches (error, TWITCH_API_ERROR, twitch::API_ERROR_BAD_RESPONSE))
      << error->message;
  EXPECT_NE (std::string (error->message).find ("MiB"), std::string::npos)
      << error->message;
  g_clear_error (&error);
}

TEST_F (IngestFetch, CancelledFetchSaysCancelled)
{
  GCancellable *c = g_cancellable_new ();
  g_cancellable_cancel (c);
  GError *error = nullptr;
  EXPECT_FALSE (twitch::helix_fetch_ingests (c, 10, &error));
  EXPECT_TRUE (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      << (error ? error->message : "(none)");
  g_clear_error (&error);
  g_object_unref (c);
}

/* The C API: the HTTP status's code, in its own domain. */
TEST_F (IngestFetch, PublicApiGivesTheStatusCode)
{
  HelixFakeFault f;
  f.path = "/ingests";
  f.kind = "status";
  f.status = 404;
  f.count = 1;
  fake->add_fault (f);
  GError *error = nullptr;
  GPtrArray *list = gst_twitch_ingest_list_get (nullptr, &error);
  EXPECT_EQ (list, nullptr);
  EXPECT_TRUE (g_error_matches (
      error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_NOT_FOUND))
      << (error ? error->message : "(none)");
  g_clear_error (&error);
  list = gst_twitch_ingest_list_get (nullptr, &error);
  ASSERT_NE (list, nullptr) << error->message;
  EXPECT_GT (list->len, 0u);
  g_ptr_array_unref (list);
}
