/* twitchapisrc against a Helix that answers 200 KB of nested arrays (issue 8
 * item 8): on a non-200 answer the body's message was parsed by json-glib,
 * recursively, and the element crashed (SIGSEGV). Now the error keeps its
 * status's meaning and the pipeline ends cleanly. */
#include "helix_fake.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;

class GstEnvironment : public ::testing::Environment
{
 public:
  void SetUp () override { gst_init (nullptr, nullptr); }
};
const auto *gst_environment
    = ::testing::AddGlobalTestEnvironment (new GstEnvironment);

class ApiSrcHostile : public ::testing::Test
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
    g_setenv ("TWITCH_HELIX_URL", fake->helix_url ().c_str (), TRUE);
    g_setenv ("TWITCH_AUTH_URL", fake->auth_url ().c_str (), TRUE);
    g_setenv ("TWITCH_CLIENT_ID", fake->options ().client_id.c_str (), TRUE);
    g_setenv ("TWITCH_OAUTH_TOKEN", fake->options ().user_token.c_str (), TRUE);
    g_unsetenv ("TWITCH_REFRESH_TOKEN");
    g_unsetenv ("TWITCH_CLIENT_SECRET");
  }

  void TearDown () override
  {
    if (pipeline) {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pipeline);
    }
  }

  std::unique_ptr<HelixFake> fake;
  GstElement *pipeline = nullptr;
};

TEST_F (ApiSrcHostile, DeepErrorBodyIsStillNotFound)
{
  HelixFakeFault f;
  f.path = "/helix/users";
  f.kind = "deep";
  f.status = 404;
  f.count = 1000;
  f.depth = 100000; /* 200 KB */
  fake->add_fault (f);
  GError *error = nullptr;
  pipeline = gst_parse_launch (
      "twitchapisrc channel=twitchdev interval=1 ! fakesink", &error);
  ASSERT_NE (pipeline, nullptr) << error->message;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m
      = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  gst_object_unref (bus);
  ASSERT_NE (m, nullptr) << "no error posted";
  GError *err = nullptr;
  gst_message_parse_error (m, &err, nullptr);
  EXPECT_EQ (err->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ (err->code, GST_RESOURCE_ERROR_NOT_FOUND) << err->message;
  g_error_free (err);
  gst_message_unref (m);
}

TEST_F (ApiSrcHostile, DeepServerErrorsAreRetriedNotACrash)
{
  HelixFakeFault f;
  f.path = "/helix/streams";
  f.kind = "deep";
  f.status = 500;
  f.count = 1000;
  fake->add_fault (f);
  GError *error = nullptr;
  pipeline = gst_parse_launch (
      "twitchapisrc channel=twitchdev interval=1 ! fakesink", &error);
  ASSERT_NE (pipeline, nullptr) << error->message;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* The element asks again and again; the process lives through it. */
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (fake->requests ("/helix/streams") < 5
         && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  EXPECT_GE (fake->requests ("/helix/streams"), 5u);
}

} // namespace
