/* The chat elements' credentials (issue 11 item 4): the token `gst-twitch
 * login` stored is the fallback after the property and TWITCH_OAUTH_TOKEN,
 * and a token without login gets its login from Twitch's token validation
 * (the Helix fake's /oauth2/validate) before the chat client connects. */
#include "support/helix_env.h"
#include "support/peer.h"
#include "support/tmi_fake.h"

#include <gst/gst.h>
#include <gst/twitch/gsttwitchchatclient.h>
#include <gtest/gtest.h>

#include <glib/gstdio.h>

#include <string>

namespace
{

using twitch_test::HelixFake;
using twitch_test::TmiFake;

const std::string kConfigHome
    = twitch_test::private_config_home ("gst-twitch-chat-login");

class ChatLogin : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    ASSERT_EQ (std::string (g_get_user_config_dir ()), kConfigHome);
    helix = twitch_test::start_helix_fake ();
    ASSERT_NE (helix, nullptr);
    twitch_test::TmiFakeOptions o;
    o.token = helix->current_user_token ();
    tmi = std::make_unique<TmiFake> ();
    GError *error = nullptr;
    if (!tmi->start (o, &error)) {
      std::string msg = error->message;
      g_error_free (error);
      GTEST_FAIL () << "the fake TMI server did not start: " << msg;
    }
    twitch_test::point_environment_at (*helix, twitch_test::Credentials::kNone);
    g_mkdir_with_parents ((kConfigHome + "/gst-twitch").c_str (), 0700);
  }

  void TearDown () override
  {
    if (pipeline) {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pipeline);
    }
    g_unlink (path ().c_str ());
    g_unsetenv ("TWITCH_OAUTH_TOKEN");
  }

  static std::string path () { return kConfigHome + "/gst-twitch/token.json"; }

  /* What `gst-twitch login` writes. */
  void store ()
  {
    std::string json
        = "{\"client_id\":\"" + helix->options ().client_id
          + "\",\"access_token\":\"" + helix->current_user_token ()
          + "\",\"refresh_token\":\"" + helix->current_refresh_token ()
          + "\",\"login\":\"twitchdev\",\"user_id\":\"141981764\","
            "\"expires_at\":"
          + std::to_string (g_get_real_time () / G_USEC_PER_SEC + 10000)
          + ",\"scopes\":[\"chat:read\"]}";
    ASSERT_TRUE (twitch_test::write_file (path (), json));
    g_chmod (path ().c_str (), 0600);
  }

  void play_src ()
  {
    std::string launch = "twitchchatsrc server=" + tmi->uri ()
                         + " channels=twitchdev ! fakesink sync=false";
    GError *error = nullptr;
    pipeline = gst_parse_launch (launch.c_str (), &error);
    ASSERT_NE (pipeline, nullptr) << error->message;
    ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE);
  }

  /* Waits (20 s at most) for the client to JOIN; every line it sent. */
  std::string lines_until_join ()
  {
    if (!pipeline) {
      gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
      std::string all;
      while (g_get_monotonic_time () < end) {
        all.clear ();
        for (auto &r : tmi->recorded ())
          all += r.line + "\n";
        if (all.find ("JOIN ") != std::string::npos)
          return all;
        g_main_context_iteration (nullptr, FALSE);
        g_usleep (20000);
      }
      return all + "(no JOIN in 20 s)";
    }
    std::string all;
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    while (g_get_monotonic_time () < end) {
      all.clear ();
      bool joined = false;
      for (auto &r : tmi->recorded ()) {
        all += r.line + "\n";
        joined |= r.line.rfind ("JOIN ", 0) == 0;
      }
      if (joined)
        return all;
      GstBus *bus = gst_element_get_bus (pipeline);
      GstMessage *m = gst_bus_timed_pop_filtered (
          bus, 50 * GST_MSECOND, GST_MESSAGE_ERROR);
      gst_object_unref (bus);
      if (m) {
        GError *err = nullptr;
        gst_message_parse_error (m, &err, nullptr);
        std::string msg = err->message;
        g_error_free (err);
        gst_message_unref (m);
        return all + "ERROR: " + msg;
      }
    }
    return all + "(no JOIN in 20 s)";
  }

  std::unique_ptr<HelixFake> helix;
  std::unique_ptr<TmiFake> tmi;
  GstElement *pipeline = nullptr;
};

TEST_F (ChatLogin, TheStoredLoginIsUsedWithoutEnvironmentToken)
{
  store ();
  play_src ();
  std::string lines = lines_until_join ();
  EXPECT_NE (lines.find ("PASS oauth:" + helix->current_user_token ()),
      std::string::npos)
      << lines;
  EXPECT_NE (lines.find ("NICK twitchdev\n"), std::string::npos) << lines;
  EXPECT_NE (lines.find ("JOIN #twitchdev"), std::string::npos) << lines;
}

TEST_F (ChatLogin, ATokenWithoutLoginGetsItFromValidation)
{
  g_setenv ("TWITCH_OAUTH_TOKEN", helix->current_user_token ().c_str (), TRUE);
  helix->reset_stats ();
  play_src ();
  std::string lines = lines_until_join ();
  EXPECT_NE (lines.find ("NICK twitchdev\n"), std::string::npos) << lines;
  EXPECT_NE (lines.find ("JOIN #twitchdev"), std::string::npos) << lines;
  auto by_path = helix->requests_by_path ();
  EXPECT_GE (by_path["/oauth2/validate"], 1u);
}

TEST_F (ChatLogin, TheLibraryClientUsesTheStoredLogin)
{
  store ();
  GstTwitchChatClient *c = gst_twitch_chat_client_new ();
  g_object_set (c, "server", tmi->uri ().c_str (), nullptr);
  GError *error = nullptr;
  ASSERT_TRUE (gst_twitch_chat_client_join (c, "twitchdev", &error));
  ASSERT_TRUE (gst_twitch_chat_client_start (c, &error)) << error->message;
  std::string lines = lines_until_join ();
  EXPECT_NE (lines.find ("NICK twitchdev\n"), std::string::npos) << lines;
  EXPECT_NE (lines.find ("JOIN #twitchdev"), std::string::npos) << lines;
  gst_twitch_chat_client_stop (c);
  g_object_unref (c);
}

TEST_F (ChatLogin, AFailedValidationIsOneClearError)
{
  /* A well-formed token the fake does not know. */
  g_setenv ("TWITCH_OAUTH_TOKEN", "notavalidtoken00000000000009", TRUE);
  helix->reset_stats ();
  play_src ();
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m
      = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND, GST_MESSAGE_ERROR);
  ASSERT_NE (m, nullptr) << "no error";
  GError *err = nullptr;
  gst_message_parse_error (m, &err, nullptr);
  std::string msg = err->message;
  g_error_free (err);
  gst_message_unref (m);
  EXPECT_NE (msg.find ("TWITCH_OAUTH_TOKEN"), std::string::npos) << msg;
  EXPECT_NE (msg.find ("login"), std::string::npos) << msg;
  EXPECT_NE (msg.find ("could not be learnt"), std::string::npos) << msg;
  /* It came from asking Twitch, and nothing was sent to the chat server. */
  auto by_path = helix->requests_by_path ();
  EXPECT_GE (by_path["/oauth2/validate"], 1u);
  EXPECT_TRUE (tmi->recorded ().empty ());
  /* (GstBaseSrc follows any element error of a source with its generic
   * "Internal data stream error"; gst-launch shows the first only.) */
  gst_object_unref (bus);
}

} // namespace
