/* The colour demo example (examples/chat-colour-demo) against the fake TMI
 * server: colour and tone follow chat, the pipeline runs and stops. */
#include <gst/gst.h>

#include <gtest/gtest.h>

#include "support/require.h"
#include "support/tmi_fake.h"

using twitch_test::poll_until;
using twitch_test::TmiFake;

TEST (ChatExample, ColourAndToneFollowChat)
{
  std::string demo = std::string (g_getenv ("TWITCH_TEST_BUILD_DIR"))
                     + "/../examples/chat-colour-demo";
  if (!g_file_test (demo.c_str (), G_FILE_TEST_IS_EXECUTABLE))
    TWITCH_REQUIRE_PEER (demo
                         + " (configure with -Dexamples=enabled, as "
                           "scripts/test.sh does)");
  TmiFake fake;
  GError *err = nullptr;
  if (!fake.start ({}, &err))
    GTEST_FAIL () << "fake TMI server did not start: " << err->message;
  twitch_test::TempDir dir;
  std::string out = dir.file ("out.txt");
  std::string server = fake.uri ();
  const gchar *argv[] = {demo.c_str (), "--channel", "demo", "--sink", "null",
      "--seconds", "8", "--chat-server", server.c_str (), nullptr};
  GSubprocessLauncher *l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (l, out.c_str ());
  GSubprocess *p = g_subprocess_launcher_spawnv (l, argv, &err);
  g_object_unref (l);
  ASSERT_NE (p, nullptr) << err->message;
  ASSERT_TRUE (poll_until (
      [&] {
        return fake.control ("stats").find ("\"channels\": [\"demo\"]")
               != std::string::npos;
      },
      30000));
  fake.control (
      "raw @display-name=Viewer;id=c1 :viewer!viewer@viewer.tmi.twitch.tv "
      "PRIVMSG #demo :make it BLUE please");
  fake.control (
      "raw @display-name=Viewer;id=c2 :viewer!viewer@viewer.tmi.twitch.tv "
      "PRIVMSG #demo :880");
  ASSERT_TRUE (g_subprocess_wait_check (p, nullptr, &err)) << err->message;
  g_object_unref (p);
  std::string text = twitch_test::read_file (out);
  EXPECT_NE (text.find ("joined #demo"), std::string::npos) << text;
  EXPECT_NE (text.find ("colour blue (from Viewer)"), std::string::npos)
      << text;
  EXPECT_NE (text.find ("frequency 880 Hz"), std::string::npos) << text;
  EXPECT_NE (text.find (" frames, "), std::string::npos) << text;
  EXPECT_EQ (text.find (" 0 frames"), std::string::npos) << text;
}
