/* What twitchsink's `server` may be: an ingest name (which may hold spaces,
 * commas and colons), or an rtmp:// / rtmps:// URL; anything else that
 * looks like a URL says what to write instead, without echoing a key that
 * was pasted into it. */
#include <gst/twitch/ingest/ingest.h>

#include <gtest/gtest.h>

#include <string>

TEST (IngestServer, NamesAndUrls)
{
  EXPECT_TRUE (twitch::ingest_server_needs_list ("auto"));
  EXPECT_TRUE (twitch::ingest_server_needs_list ("sfo"));
  EXPECT_TRUE (twitch::ingest_server_needs_list ("live.twitch.tv"));
  EXPECT_TRUE (twitch::ingest_server_needs_list ("US West: San Francisco, CA"));
  EXPECT_FALSE (twitch::ingest_server_needs_list ("rtmp://127.0.0.1/app"));
  EXPECT_FALSE (twitch::ingest_server_needs_list ("RTMPS://host:443/app"));
  EXPECT_FALSE (twitch::ingest_server_needs_list ("http://127.0.0.1/app"));
  EXPECT_FALSE (twitch::ingest_server_needs_list ("127.0.0.1:19350/app"));
}

TEST (IngestServer, NonRtmpUrlsSayUseRtmp)
{
  for (const char *server :
      {"http://127.0.0.1:19350/app", "127.0.0.1:19350/app",
          "https://example.invalid/app/live_123_pastedkey"}) {
    GError *error = nullptr;
    EXPECT_FALSE (twitch::ingest_resolve (
        server, {}, "live_123_pastedkey", true, false, &error));
    ASSERT_NE (error, nullptr) << server;
    EXPECT_TRUE (g_error_matches (
        error, TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_INVALID));
    std::string text = error->message;
    EXPECT_NE (text.find ("use rtmp:// or rtmps://"), std::string::npos)
        << text;
    EXPECT_EQ (text.find ("No Twitch ingest"), std::string::npos) << text;
    EXPECT_EQ (text.find ("pastedkey"), std::string::npos) << text;
    g_clear_error (&error);
  }
}

TEST (IngestServer, NoKeyNamesTheEnvironmentVariable)
{
  GError *error = nullptr;
  EXPECT_FALSE (twitch::ingest_resolve (
      "rtmp://127.0.0.1/app", {}, "", true, false, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_NE (std::string (error->message).find ("TWITCH_STREAM_KEY"),
      std::string::npos);
  g_clear_error (&error);
}
