/* The Helix models parse the answers Twitch documents (fixtures copied in
 * shape from the API reference), and errors map HTTP statuses. */
#include <gst/twitch/helix/helix.h>

#include "support/peer.h"

#include <gtest/gtest.h>

namespace
{

std::string
fixture (const char *name)
{
  std::string text = twitch_test::read_file (
      std::string (TWITCH_TEST_FIXTURES) + "/helix/" + name);
  EXPECT_FALSE (text.empty ()) << name;
  return text;
}

template <typename T>
std::vector<T>
parse (const char *name, std::optional<int64_t> *total = nullptr,
    std::string *cursor = nullptr)
{
  std::vector<T> out;
  GError *error = nullptr;
  EXPECT_TRUE (
      twitch::helix_parse_data (fixture (name), out, total, cursor, &error))
      << (error ? error->message : "");
  g_clear_error (&error);
  return out;
}

int64_t
unix_of (const char *iso)
{
  return twitch::time_to_unix_seconds (
      twitch::time_parse_iso8601 (iso).value_or (0));
}

} // namespace

TEST (HelixTime, ParsesAndFormatsRfc3339)
{
  auto t = twitch::time_parse_iso8601 ("2016-12-14T20:32:28Z");
  ASSERT_TRUE (t.has_value ());
  EXPECT_EQ (twitch::time_to_unix_seconds (*t), 1481747548);
  EXPECT_EQ (twitch::time_to_iso8601 (*t), "2016-12-14T20:32:28Z");
  auto frac = twitch::time_parse_iso8601 ("2021-03-10T15:04:21.123456Z");
  ASSERT_TRUE (frac.has_value ());
  EXPECT_EQ (*frac % G_USEC_PER_SEC, 123456);
  auto offset = twitch::time_parse_iso8601 ("2021-03-10T17:04:21+02:00");
  ASSERT_TRUE (offset.has_value ());
  EXPECT_EQ (
      twitch::time_to_unix_seconds (*offset), unix_of ("2021-03-10T15:04:21Z"));
  EXPECT_FALSE (twitch::time_parse_iso8601 ("").has_value ());
  EXPECT_FALSE (twitch::time_parse_iso8601 ("yesterday").has_value ());
  GDateTime *dt = twitch::time_to_gdatetime (*t);
  ASSERT_NE (dt, nullptr);
  EXPECT_EQ (g_date_time_get_year (dt), 2016);
  EXPECT_EQ (g_date_time_get_hour (dt), 20);
  g_date_time_unref (dt);
  EXPECT_EQ (twitch::time_to_gdatetime (0), nullptr);
}

TEST (HelixTime, ParsesVideoDurations)
{
  EXPECT_EQ (twitch::duration_parse ("3h8m33s"), 3 * 3600 + 8 * 60 + 33);
  EXPECT_EQ (twitch::duration_parse ("3m21s"), 201);
  EXPECT_EQ (twitch::duration_parse ("59s"), 59);
  EXPECT_EQ (twitch::duration_parse ("2h"), 7200);
  EXPECT_EQ (twitch::duration_parse (""), -1);
  EXPECT_EQ (twitch::duration_parse ("h"), -1);
  EXPECT_EQ (twitch::duration_parse ("3x"), -1);
}

TEST (HelixModels, Users)
{
  auto users = parse<twitch::User> ("users.json");
  ASSERT_EQ (users.size (), 2u);
  EXPECT_EQ (users[0].id, "141981764");
  EXPECT_EQ (users[0].login, "twitchdev");
  EXPECT_EQ (users[0].display_name, "TwitchDev");
  EXPECT_EQ (users[0].broadcaster_type, "partner");
  EXPECT_EQ (users[0].view_count, 5980557);
  EXPECT_EQ (users[0].email, "not-real@email.com");
  EXPECT_EQ (twitch::time_to_unix_seconds (users[0].created_at), 1481747548);
  EXPECT_EQ (users[1].type, "staff");
  EXPECT_TRUE (users[1].email.empty ());
}

TEST (HelixModels, Channels)
{
  auto channels = parse<twitch::Channel> ("channels.json");
  ASSERT_EQ (channels.size (), 2u);
  EXPECT_EQ (channels[0].broadcaster_id, "141981764");
  EXPECT_EQ (channels[0].game_name, "Science & Technology");
  EXPECT_EQ (channels[0].title, "TwitchDev Monthly Update // May 6, 2021");
  ASSERT_EQ (channels[0].tags.size (), 1u);
  EXPECT_EQ (channels[0].tags[0], "DevsInTheKnow");
  EXPECT_EQ (channels[0].content_classification_labels.size (), 3u);
  EXPECT_FALSE (channels[0].is_branded_content);
}

TEST (HelixModels, Streams)
{
  std::string cursor;
  auto streams = parse<twitch::Stream> ("streams.json", nullptr, &cursor);
  ASSERT_EQ (streams.size (), 1u);
  EXPECT_EQ (streams[0].user_login, "sandysanderman");
  EXPECT_EQ (streams[0].type, "live");
  EXPECT_EQ (streams[0].viewer_count, 78365);
  EXPECT_EQ (streams[0].language, "es");
  EXPECT_EQ (twitch::time_to_unix_seconds (streams[0].started_at),
      unix_of ("2021-03-10T15:04:21Z"));
  EXPECT_EQ (streams[0].tags, std::vector<std::string>{"Español"});
  EXPECT_FALSE (cursor.empty ());
}

TEST (HelixModels, FollowersWithTotalAndCursor)
{
  std::optional<int64_t> total;
  std::string cursor;
  auto f = parse<twitch::Follower> ("followers.json", &total, &cursor);
  ASSERT_EQ (f.size (), 1u);
  EXPECT_EQ (f[0].user_id, "11111");
  EXPECT_EQ (f[0].user_login, "userloginname");
  EXPECT_EQ (f[0].user_name, "UserDisplayName");
  EXPECT_EQ (twitch::time_to_unix_seconds (f[0].followed_at),
      unix_of ("2022-05-24T22:22:08Z"));
  ASSERT_TRUE (total.has_value ());
  EXPECT_EQ (*total, 8);
  EXPECT_EQ (cursor, "eyJiIjpudWxsLCJhIjp7Ik9mZnNldCI6NX19");
}

TEST (HelixModels, Followed)
{
  std::optional<int64_t> total;
  auto f = parse<twitch::FollowedChannel> ("followed.json", &total);
  ASSERT_EQ (f.size (), 1u);
  EXPECT_EQ (f[0].broadcaster_login, "userloginname");
  EXPECT_NE (f[0].followed_at, 0);
  EXPECT_EQ (total.value_or (-1), 8);
}

TEST (HelixModels, VideosWithDurationAndEnd)
{
  std::string cursor = "unchanged";
  auto v = parse<twitch::Video> ("videos.json", nullptr, &cursor);
  ASSERT_EQ (v.size (), 1u);
  EXPECT_EQ (v[0].id, "335921245");
  EXPECT_TRUE (v[0].stream_id.empty ()); /* null in the example */
  EXPECT_EQ (v[0].type, "upload");
  EXPECT_EQ (v[0].duration, "3m21s");
  EXPECT_EQ (v[0].duration_seconds, 201);
  EXPECT_EQ (v[0].view_count, 1863062);
  EXPECT_EQ (twitch::time_to_unix_seconds (v[0].ended_at ()),
      unix_of ("2018-11-14T21:30:18Z") + 201);
  EXPECT_TRUE (cursor.empty ()); /* "pagination": {} */
}

TEST (HelixModels, Clips)
{
  auto c = parse<twitch::Clip> ("clips.json");
  ASSERT_EQ (c.size (), 1u);
  EXPECT_EQ (c[0].id, "AwkwardHelplessSalamanderSwiftRage");
  EXPECT_EQ (c[0].creator_name, "BlackNova03");
  EXPECT_DOUBLE_EQ (c[0].duration, 60.0);
  EXPECT_EQ (c[0].vod_offset, 480);
  EXPECT_EQ (c[0].view_count, 10);
}

TEST (HelixModels, Chatters)
{
  std::optional<int64_t> total;
  auto c = parse<twitch::Chatter> ("chatters.json", &total);
  ASSERT_EQ (c.size (), 1u);
  EXPECT_EQ (c[0].user_login, "smittysmithers");
  EXPECT_EQ (total.value_or (-1), 8);
}

TEST (HelixModels, GamesAndTopGames)
{
  auto g = parse<twitch::Game> ("games.json");
  ASSERT_EQ (g.size (), 4u);
  EXPECT_EQ (g[0].name, "Fortnite");
  EXPECT_EQ (g[0].igdb_id, "1905");
  std::string cursor;
  auto top = parse<twitch::Game> ("top_games.json", nullptr, &cursor);
  ASSERT_EQ (top.size (), 1u);
  EXPECT_EQ (top[0].id, "493057");
  EXPECT_FALSE (cursor.empty ());
}

TEST (HelixModels, SearchChannels)
{
  auto c = parse<twitch::SearchChannel> ("search_channels.json");
  ASSERT_EQ (c.size (), 2u);
  EXPECT_FALSE (c[0].is_live);
  EXPECT_EQ (c[0].started_at, 0); /* "" when offline */
  EXPECT_TRUE (c[1].is_live);
  EXPECT_EQ (c[1].broadcaster_login, "a_seagull");
  EXPECT_EQ (twitch::time_to_unix_seconds (c[1].started_at),
      unix_of ("2020-03-18T17:56:00Z"));
}

TEST (HelixModels, Subscriptions)
{
  std::optional<int64_t> total;
  auto s = parse<twitch::Subscription> ("subscriptions.json", &total);
  ASSERT_EQ (s.size (), 1u);
  EXPECT_TRUE (s[0].is_gift);
  EXPECT_EQ (s[0].tier, "1000");
  EXPECT_EQ (s[0].gifter_login, "twitch");
  EXPECT_EQ (total.value_or (-1), 13);
}

TEST (HelixModels, MalformedJsonIsAClearError)
{
  std::vector<twitch::User> users;
  GError *error = nullptr;
  EXPECT_FALSE (twitch::helix_parse_data (
      "{\"data\":[{\"id\":", users, nullptr, nullptr, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->domain, TWITCH_API_ERROR);
  EXPECT_EQ (error->code, twitch::API_ERROR_BAD_RESPONSE);
  EXPECT_NE (
      std::string (error->message).find ("malformed JSON"), std::string::npos);
  g_clear_error (&error);
  EXPECT_FALSE (twitch::helix_parse_data (
      "{\"items\":[]}", users, nullptr, nullptr, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->code, twitch::API_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  EXPECT_FALSE (twitch::helix_parse_data (
      "{\"data\":[1,2]}", users, nullptr, nullptr, &error));
  EXPECT_EQ (error->code, twitch::API_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
}

TEST (HelixErrors, StatusesMapInOnePlace)
{
  using namespace twitch;
  EXPECT_EQ (api_error_code_for_status (200, ""), 0);
  EXPECT_EQ (api_error_code_for_status (404, ""), API_ERROR_NOT_FOUND);
  EXPECT_EQ (api_error_code_for_status (401, "{\"message\":\"Invalid OAuth "
                                             "token\"}"),
      API_ERROR_UNAUTHORIZED);
  EXPECT_EQ (api_error_code_for_status (403, ""), API_ERROR_UNAUTHORIZED);
  EXPECT_EQ (api_error_code_for_status (429, ""), API_ERROR_RATE_LIMITED);
  EXPECT_EQ (api_error_code_for_status (500, ""), API_ERROR_SERVER);
  EXPECT_EQ (api_error_code_for_status (503, ""), API_ERROR_SERVER);
  EXPECT_EQ (api_error_code_for_status (400, ""), API_ERROR_BAD_REQUEST);
  const char *body = "{\"error\":\"Unauthorized\",\"status\":401,\"message\":"
                     "\"Missing scope: moderator:read:chatters\"}";
  EXPECT_EQ (api_error_code_for_status (401, body), API_ERROR_MISSING_SCOPE);
  EXPECT_EQ (api_error_missing_scope (body), "moderator:read:chatters");
  GError *error = nullptr;
  api_error_set_from_http (&error, 401, body, "GET chat/chatters");
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->code, API_ERROR_MISSING_SCOPE);
  EXPECT_NE (std::string (error->message).find ("moderator:read:chatters"),
      std::string::npos);
  g_clear_error (&error);
  api_error_set_from_http (&error, 404, "not json", "GET users");
  EXPECT_EQ (error->code, API_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

TEST (HelixCacheTtl, PerKindAndConfigurable)
{
  /* The table of docs/helix.md, written out. */
  using K = twitch::ResourceKind;
  twitch::CacheTtl ttl;
  EXPECT_EQ (ttl.for_kind (K::USERS), 24 * 3600);
  EXPECT_EQ (ttl.for_kind (K::CHANNELS), 10 * 60);
  EXPECT_EQ (ttl.for_kind (K::STREAMS), 30);
  EXPECT_EQ (ttl.for_kind (K::FOLLOWERS), 10 * 60);
  EXPECT_EQ (ttl.for_kind (K::FOLLOWED), 10 * 60);
  EXPECT_EQ (ttl.for_kind (K::VIDEOS), 30 * 60);
  EXPECT_EQ (ttl.for_kind (K::CLIPS), 30 * 60);
  EXPECT_EQ (ttl.for_kind (K::CHATTERS), 60);
  EXPECT_EQ (ttl.for_kind (K::MODERATORS), 10 * 60);
  EXPECT_EQ (ttl.for_kind (K::GAMES), 24 * 3600);
  EXPECT_EQ (ttl.for_kind (K::SEARCH), 5 * 60);
  EXPECT_EQ (ttl.for_kind (K::SUBSCRIPTIONS), 10 * 60);
  EXPECT_EQ (ttl.for_kind (K::INGESTS), 24 * 3600);
  EXPECT_EQ (ttl.for_kind (K::UNCACHED), 0);
  twitch::CacheTtl one_off;
  one_off.streams = 7;
  EXPECT_EQ (one_off.for_kind (K::STREAMS), 7) << "configurable per kind";
  auto all = twitch::CacheTtl::all (5);
  EXPECT_EQ (all.for_kind (twitch::ResourceKind::USERS), 5);
  EXPECT_EQ (all.for_kind (twitch::ResourceKind::INGESTS), 5);
}
