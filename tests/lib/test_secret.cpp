/* twitch::Secret: the one holder of stream keys and tokens (issue 10). */
#include <gst/twitch/common/environment.h>
#include <gst/twitch/common/secret.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/gsttwitchchatclient.h>

#include <glib.h>
#include <gtest/gtest.h>

#include <utility>

namespace
{

constexpr const char *kKey = "live_fake_secret_type_key_0001";
constexpr const char *kOther = "live_fake_secret_type_key_0002";

bool
redacted (const char *value)
{
  return twitch::secrets_redact (value) != value;
}

} // namespace

TEST (Secret, RedactedExactlyWhileHeld)
{
  {
    twitch::Secret s;
    EXPECT_FALSE (redacted (kKey));
    s.set (kKey);
    EXPECT_EQ (s.reveal (), kKey);
    EXPECT_EQ (twitch::secrets_redact (std::string ("rtmp://h/app/") + kKey),
        "rtmp://h/app/<redacted>");
  }
  EXPECT_FALSE (redacted (kKey)) << "destroyed, still registered";
}

TEST (Secret, ReplacingDropsTheOldRegistration)
{
  twitch::Secret s;
  s.set (kKey);
  s.set (kOther);
  EXPECT_FALSE (redacted (kKey));
  EXPECT_TRUE (redacted (kOther));
  s.clear ();
  EXPECT_FALSE (redacted (kOther));
  EXPECT_TRUE (s.empty ());
  EXPECT_FALSE (s.is_set ());
}

TEST (Secret, SettingTheSameValueTwiceKeepsItRegistered)
{
  twitch::Secret s;
  s.set (kKey);
  s.set (kKey);
  EXPECT_TRUE (redacted (kKey));
  s.clear ();
  EXPECT_FALSE (redacted (kKey));
}

TEST (Secret, MoveCarriesTheRegistration)
{
  size_t before = twitch::secrets_count ();
  twitch::Secret a;
  a.set (kKey);
  twitch::Secret b (std::move (a));
  EXPECT_TRUE (a.empty ());
  EXPECT_EQ (b.reveal (), kKey);
  {
    twitch::Secret c;
    c = std::move (b);
    EXPECT_TRUE (redacted (kKey));
    EXPECT_EQ (twitch::secrets_count (), before + 1);
  }
  /* a and b are moved from: nothing left registered, nothing unregistered
   * twice (which would drop someone else's registration). */
  EXPECT_FALSE (redacted (kKey));
  EXPECT_EQ (twitch::secrets_count (), before);
  twitch::Secret other;
  other.set (kKey);
  {
    twitch::Secret moved_from (std::move (a));
  }
  EXPECT_TRUE (redacted (kKey));
}

TEST (Secret, WipeOverwritesTheCharacters)
{
  std::string s (64, 'k');
  const char *buffer = s.data ();
  twitch::secret_wipe (s);
  EXPECT_TRUE (s.empty ());
  /* clear() keeps the allocation: the old characters must be zeros. */
  ASSERT_EQ (s.data (), buffer);
  for (int i = 0; i < 64; i++)
    ASSERT_EQ (buffer[i], '\0') << "byte " << i;
}

TEST (Secret, EnvironmentFallback)
{
  g_setenv ("TWITCH_STREAM_KEY", kKey, TRUE);
  twitch::Secret s (twitch::env::stream_key);
  EXPECT_TRUE (s.empty ()) << "the environment is read by resolve() only";
  EXPECT_TRUE (s.resolve ());
  EXPECT_EQ (s.reveal (), kKey);
  EXPECT_TRUE (redacted (kKey));

  /* A value set wins, and the environment is not read. */
  s.set (kOther);
  EXPECT_FALSE (s.resolve ());
  EXPECT_EQ (s.reveal (), kOther);
  EXPECT_FALSE (redacted (kKey));

  /* "" set on purpose (anonymous chat) is a choice too. */
  s.set ("");
  EXPECT_FALSE (s.resolve ());
  EXPECT_TRUE (s.empty ());
  EXPECT_TRUE (s.is_set ());

  /* Cleared: the environment again, read anew each time. */
  s.clear ();
  EXPECT_TRUE (s.resolve ());
  EXPECT_EQ (s.reveal (), kKey);
  g_setenv ("TWITCH_STREAM_KEY", "", TRUE);
  EXPECT_FALSE (s.resolve ()) << "empty is unset";
  EXPECT_TRUE (s.empty ());
  EXPECT_FALSE (redacted (kKey));
  g_unsetenv ("TWITCH_STREAM_KEY");
}

TEST (Secret, PropertyValueRule)
{
  twitch::Secret s;
  s.set_property_value (kKey);
  EXPECT_TRUE (s.is_set ());
  s.set_property_value ("");
  EXPECT_FALSE (s.is_set ()) << "an empty property leaves room for the env";
  s.set_property_value (kKey);
  s.set_property_value (nullptr);
  EXPECT_FALSE (s.is_set ());
  EXPECT_FALSE (redacted (kKey));
}

TEST (Secret, SharedByCopiesUntilTheLastIsGone)
{
  twitch::SharedSecret a = twitch::secret_share (kKey);
  twitch::SharedSecret copy = a;
  EXPECT_EQ (twitch::secret_reveal (copy), kKey);
  a.reset ();
  EXPECT_TRUE (redacted (kKey)) << "a copy still holds it";
  copy.reset ();
  EXPECT_FALSE (redacted (kKey));
  EXPECT_EQ (twitch::secret_reveal (copy), "");
  EXPECT_EQ (twitch::secret_share (""), nullptr);
}

/* GstTwitchChatClient holds its oauth-token in a Secret: redacted from the
 * moment it is set (it used to be only once the client ran), let go with
 * the object. */
TEST (Secret, ChatClientTokenRedactedWhileTheObjectHoldsIt)
{
  const char *token = "fake-token-chatclient-0001";
  GstTwitchChatClient *c = gst_twitch_chat_client_new ();
  g_object_set (c, "oauth-token", token, nullptr);
  EXPECT_TRUE (redacted (token));
  g_object_set (c, "oauth-token", nullptr, nullptr);
  EXPECT_FALSE (redacted (token));
  g_object_set (c, "oauth-token", token, nullptr);
  g_object_unref (c);
  EXPECT_FALSE (redacted (token));
}
