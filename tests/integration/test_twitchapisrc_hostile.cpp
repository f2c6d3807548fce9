/* twitchapisrc against a Helix that answers 200 KB of nested arrays (issue 8
 * item 8): on a non-200 answer the body's message was parsed by json-glib,
 * recursively, and the element crashed (SIGSEGV). Now the error keeps its
 * status's meaning and the pipeline ends cleanly. */
#include "support/helix_env.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;

class ApiSrcHostile : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    fake = twitch_test::start_helix_fake ();
    ASSERT_NE (fake, nullptr);
    twitch_test::point_environment_at (
        *fake, twitch_test::Credentials::kAccessToken);
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
