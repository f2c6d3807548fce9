#include <gst/twitch/ingest/ingest.h>
#include <gst/twitch/ingest/presets.h>

#include "support/peer.h"

#include <gtest/gtest.h>

namespace
{

std::vector<twitch::Ingest>
fixture_ingests ()
{
  std::string json = twitch_test::read_file (
      std::string (TWITCH_TEST_FIXTURES) + "/ingests.json");
  GError *error = nullptr;
  auto list = twitch::ingest_list_parse (json, &error);
  EXPECT_TRUE (list.has_value ()) << (error ? error->message : "");
  g_clear_error (&error);
  return list.value_or (std::vector<twitch::Ingest>{});
}

} // namespace

TEST (IngestList, ParsesTwitchsDocumentedShape)
{
  auto list = fixture_ingests ();
  ASSERT_EQ (list.size (), 3u);
  EXPECT_EQ (list[0].id, 24);
  EXPECT_EQ (list[0].name, "EU: Amsterdam, NL");
  EXPECT_EQ (list[1].availability, 0.0);
  EXPECT_TRUE (list[2].is_default);
  EXPECT_EQ (list[2].url_template_secure,
      "rtmps://sfo.contribute.live-video.net:443/app/{stream_key}");
}

TEST (IngestList, MalformedJsonIsAParseError)
{
  GError *error = nullptr;
  EXPECT_FALSE (twitch::ingest_list_parse ("{\"ingests\": [", &error));
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (
      g_error_matches (error, TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_PARSE));
  g_clear_error (&error);
  EXPECT_FALSE (twitch::ingest_list_parse ("{\"other\": 1}", &error));
  EXPECT_TRUE (
      g_error_matches (error, TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_PARSE));
  g_clear_error (&error);
}

TEST (IngestResolve, AutoPicksTheFirstAvailableOverRtmps)
{
  auto target = twitch::ingest_resolve (
      "auto", fixture_ingests (), "k3y_1234", true, false, nullptr);
  ASSERT_TRUE (target);
  EXPECT_TRUE (target->secure);
  EXPECT_EQ (target->host, "ams03.contribute.live-video.net");
  EXPECT_EQ (target->port, 443);
  EXPECT_EQ (target->application, "app");
  EXPECT_EQ (target->stream, "k3y_1234");
  EXPECT_EQ (target->redacted_url (),
      "rtmps://ams03.contribute.live-video.net:443/app/<redacted>");
}

TEST (IngestResolve, AutoWithoutAListFallsBackToLiveTwitchTv)
{
  auto target
      = twitch::ingest_resolve ("auto", {}, "k3y_1234", false, false, nullptr);
  ASSERT_TRUE (target);
  EXPECT_EQ (target->host, "live.twitch.tv");
  EXPECT_EQ (target->port, 1935);
  EXPECT_FALSE (target->secure);
}

TEST (IngestResolve, ByNameOrHostLabelAndPlainRtmpWhenAsked)
{
  auto by_label = twitch::ingest_resolve (
      "SFO", fixture_ingests (), "key_abcd", false, false, nullptr);
  ASSERT_TRUE (by_label);
  EXPECT_EQ (by_label->host, "sfo.contribute.live-video.net");
  EXPECT_FALSE (by_label->secure);
  auto by_name = twitch::ingest_resolve ("eu: frankfurt, de",
      fixture_ingests (), "key_abcd", true, false, nullptr);
  ASSERT_TRUE (by_name);
  EXPECT_EQ (by_name->host, "fra05.contribute.live-video.net");
}

TEST (IngestResolve, LocalUrlGetsTheKeyAppendedAndBandwidthTest)
{
  auto target = twitch::ingest_resolve (
      "rtmp://127.0.0.1:19350/app/", {}, "live_1_secret", true, true, nullptr);
  ASSERT_TRUE (target);
  EXPECT_FALSE (target->secure) << "an explicit URL keeps its scheme";
  EXPECT_EQ (target->host, "127.0.0.1");
  EXPECT_EQ (target->port, 19350);
  EXPECT_EQ (target->application, "app");
  EXPECT_EQ (target->stream, "live_1_secret?bandwidthtest=true");
  EXPECT_EQ (target->redacted_url ().find ("secret"), std::string::npos);
}

TEST (IngestResolve, TemplateUrlWithPlaceholder)
{
  auto target
      = twitch::ingest_resolve ("rtmps://example.invalid/live/app/{stream_key}",
          {}, "abcd1234", false, false, nullptr);
  ASSERT_TRUE (target);
  EXPECT_TRUE (target->secure);
  EXPECT_EQ (target->port, 443);
  EXPECT_EQ (target->application, "live/app");
}

TEST (IngestResolve, ErrorsNameTheProblem)
{
  GError *error = nullptr;
  EXPECT_FALSE (twitch::ingest_resolve (
      "nowhere", fixture_ingests (), "k3y_", true, false, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_UNKNOWN_SERVER));
  EXPECT_NE (std::string (error->message).find ("nowhere"), std::string::npos);
  g_clear_error (&error);

  EXPECT_FALSE (twitch::ingest_resolve ("auto", {}, "", true, false, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_INVALID));
  EXPECT_NE (
      std::string (error->message).find ("stream-key"), std::string::npos);
  g_clear_error (&error);

  EXPECT_FALSE (twitch::ingest_resolve (
      "rtmp://127.0.0.1:1935", {}, "k3y_1", true, false, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_INVALID));
  g_clear_error (&error);
}

TEST (Presets, TwitchRecommendedBitratesAndGop)
{
  EXPECT_EQ (twitch::recommended_video_bitrate_kbps (1920, 1080, 60), 6000);
  EXPECT_EQ (twitch::recommended_video_bitrate_kbps (1920, 1080, 30), 4500);
  EXPECT_EQ (twitch::recommended_video_bitrate_kbps (1280, 720, 60), 4500);
  EXPECT_EQ (twitch::recommended_video_bitrate_kbps (1280, 720, 30), 3000);
  EXPECT_EQ (twitch::keyframe_interval_frames (30), 60);
  EXPECT_EQ (twitch::keyframe_interval_frames (29.97), 60);
  EXPECT_EQ (twitch::keyframe_interval_frames (60), 120);
  EXPECT_TRUE (twitch::audio_rate_supported (48000));
  EXPECT_FALSE (twitch::audio_rate_supported (22050));
}
