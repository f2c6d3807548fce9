#include <gst/twitch/common/secrets.h>

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include "support/peer.h"

GST_DEBUG_CATEGORY_STATIC (test_secrets_debug);
#define GST_CAT_DEFAULT test_secrets_debug

TEST (Secrets, RedactIsReferenceCounted)
{
  EXPECT_EQ (
      twitch::secrets_redact ("a live_4444_abcdef b"), "a live_4444_abcdef b");
  twitch::secrets_register ("live_4444_abcdef");
  twitch::secrets_register ("live_4444_abcdef");
  EXPECT_EQ (twitch::secrets_redact ("a live_4444_abcdef b live_4444_abcdef"),
      "a <redacted> b <redacted>");
  twitch::secrets_unregister ("live_4444_abcdef");
  EXPECT_EQ (twitch::secrets_redact ("live_4444_abcdef"), "<redacted>");
  twitch::secrets_unregister ("live_4444_abcdef");
  EXPECT_EQ (twitch::secrets_redact ("live_4444_abcdef"), "live_4444_abcdef");
  EXPECT_EQ (twitch::secrets_redact ("x tok123 y", "tok123"), "x <redacted> y");
}

TEST (Secrets, TooShortToRedactIsIgnored)
{
  size_t before = twitch::secrets_count ();
  twitch::secrets_register ("ab");
  EXPECT_EQ (twitch::secrets_count (), before);
  EXPECT_EQ (twitch::secrets_redact ("abab"), "abab");
}

int
main (int argc, char **argv)
{
  /* The log filter is tested end to end: this binary logs a secret at every
   * level into GST_DEBUG_FILE, and the file must not contain it. */
  twitch_test::TempDir dir;
  std::string log = dir.file ("gst.log");
  g_setenv ("GST_DEBUG_FILE", log.c_str (), TRUE);
  g_setenv ("GST_DEBUG", "*:9", TRUE);
  /* Registered before gst_init(): the filter must still be installed by the
   * next registration once GStreamer is up. */
  const char *early = "EarlySecret_0xA11CE";
  twitch::secrets_register (early);
  gst_init (&argc, &argv);
  GST_DEBUG_CATEGORY_INIT (test_secrets_debug, "testsecrets", 0, "test");
  ::testing::InitGoogleTest (&argc, argv);
  int ret = RUN_ALL_TESTS ();

  const char *key = "test_only_SeCrEt-stream-key";
  twitch::secrets_register (key);
  GST_INFO ("early secret %s", early);
  GST_ERROR ("error with %s inside", key);
  GST_INFO ("Creating stream '%s'", key);
  GST_LOG ("log %s", key);
  GST_MEMDUMP ("dump", reinterpret_cast<const guint8 *> (key), strlen (key));
  GST_WARNING ("no secret in this line");
  twitch::secrets_unregister (key);
  GST_WARNING ("after unregister");

  std::string contents = twitch_test::read_file (log);
  bool leaked = contents.find ("SeCrEt") != std::string::npos
                || contents.find ("A11CE") != std::string::npos
                || contents.find ("53 65 43 72") != std::string::npos;
  bool redacted
      = contents.find ("Creating stream '<redacted>'") != std::string::npos;
  bool kept = contents.find ("no secret in this line") != std::string::npos
              && contents.find ("after unregister") != std::string::npos;
  if (leaked || !redacted || !kept) {
    fprintf (stderr, "log filter failed: leaked=%d redacted=%d kept=%d\n%s\n",
        leaked, redacted, kept, contents.c_str ());
    return 1;
  }
  return ret;
}
