/* Shared by the twitchapisrc integration tests: the Helix fake started with
 * twitchdev live, the environment pointed at it (a refreshable login), and
 * the test's pipeline, stopped and freed after the test. */
#pragma once

#include "support/helix_env.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

class ApiSrcTest : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    fake = twitch_test::start_helix_fake ();
    ASSERT_NE (fake, nullptr);
    twitch_test::point_environment_at (
        *fake, twitch_test::Credentials::kRefreshable);
    fake->set_live ("twitchdev", true, 100, "Hello chat", "Just Chatting");
  }

  void TearDown () override
  {
    if (pipeline) {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pipeline);
    }
  }

  /* gst_parse_launch() into pipeline (a failure fails the test). */
  GstElement *launch (const std::string &desc)
  {
    GError *error = nullptr;
    pipeline = gst_parse_launch (desc.c_str (), &error);
    EXPECT_NE (pipeline, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
    return pipeline;
  }

  /* An element of pipeline (which keeps it alive). */
  GstElement *by_name (const char *name)
  {
    GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
    gst_object_unref (e);
    return e;
  }

  std::unique_ptr<twitch_test::HelixFake> fake;
  GstElement *pipeline = nullptr;
};
