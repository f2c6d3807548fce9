/* Bounded JSON reading (issue 8 item 8 and the number suspicion): a 200 KB
 * document of 100 000 nested arrays once overflowed the stack on every
 * json-glib path; 1e300 was cast to int64_t. Each reading path in the
 * library is fed the same hostile text here. */
#include <gst/twitch/chat/message.h>
#include <gst/twitch/common/json.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/ingest/ingest.h>

#include <gtest/gtest.h>

#include <string>

namespace
{

/* About 200 KB: 100 000 '[' then 100 000 ']'. */
std::string
deep_arrays (size_t depth = 100000)
{
  return std::string (depth, '[') + std::string (depth, ']');
}

/* Deep, but inside an object as a value (past any "is it an object" test
 * on the first byte). */
std::string
deep_in_object (size_t depth = 100000)
{
  return "{\"message\":" + deep_arrays (depth) + "}";
}

} // namespace

TEST (JsonBounds, DepthIsCheckedWithoutRecursion)
{
  GError *error = nullptr;
  EXPECT_FALSE (twitch::json_check_bounds (
      deep_arrays (), twitch::JsonLimits (), &error));
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_TOO_DEEP));
  g_clear_error (&error);
  /* The limit itself is accepted, one more is not. */
  twitch::JsonLimits l;
  l.max_depth = 3;
  EXPECT_TRUE (twitch::json_check_bounds ("[[[1]]]", l, nullptr));
  EXPECT_FALSE (twitch::json_check_bounds ("[[[[1]]]]", l, nullptr));
  /* Brackets inside strings, escaped quotes included, do not count. */
  EXPECT_TRUE (twitch::json_check_bounds (
      "[\"[[[[[[\\\"[[[[{{{{\", {\"a\":\"{{{{\"}]", l, nullptr));
}

TEST (JsonBounds, SizeIsChecked)
{
  twitch::JsonLimits l;
  l.max_bytes = 10;
  GError *error = nullptr;
  EXPECT_FALSE (twitch::json_check_bounds ("[1,2,3,4,5,6]", l, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_TOO_LARGE));
  g_clear_error (&error);
}

TEST (JsonBounds, ParseBoundedRejectsDeepAndGarbageClearly)
{
  GError *error = nullptr;
  EXPECT_EQ (twitch::json_parse_bounded (deep_in_object (), &error), nullptr);
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_TOO_DEEP));
  g_clear_error (&error);
  EXPECT_EQ (twitch::json_parse_bounded ("{\"a\":", &error), nullptr);
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_MALFORMED));
  g_clear_error (&error);
  EXPECT_EQ (twitch::json_parse_bounded ("[1]", &error), nullptr);
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_NOT_OBJECT));
  g_clear_error (&error);
  JsonParser *p = twitch::json_parse_bounded ("{\"a\":[[1]]}", &error);
  ASSERT_NE (p, nullptr);
  EXPECT_NE (twitch::json_parser_root_object (p), nullptr);
  g_object_unref (p);
}

TEST (JsonBounds, HelixModelsRejectADeepAnswer)
{
  std::vector<twitch::Video> page;
  GError *error = nullptr;
  EXPECT_FALSE (twitch::helix_parse_data (
      "{\"data\":" + deep_arrays () + "}", page, nullptr, nullptr, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_API_ERROR, twitch::API_ERROR_BAD_RESPONSE));
  EXPECT_NE (std::string (error->message).find ("nested"), std::string::npos)
      << error->message;
  g_clear_error (&error);
}

TEST (JsonBounds, ErrorBodiesAreReadBounded)
{
  /* twitchapisrc and every caller read non-200 bodies through here. */
  GError *error = nullptr;
  twitch::api_error_set_from_http (&error, 500, deep_in_object (), "GET x");
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->code, twitch::API_ERROR_SERVER);
  g_clear_error (&error);
  EXPECT_EQ (twitch::api_error_missing_scope (deep_in_object ()), "");
  twitch::api_error_set_from_http (&error, 401, deep_arrays (), "GET x");
  EXPECT_EQ (error->code, twitch::API_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
}

TEST (JsonBounds, IngestListRejectsADeepDocument)
{
  GError *error = nullptr;
  auto list = twitch::ingest_list_parse (
      "{\"ingests\":" + deep_arrays () + "}", &error);
  EXPECT_FALSE (list);
  ASSERT_NE (error, nullptr);
  g_clear_error (&error);
}

TEST (JsonBounds, ChatRecordingLineRejectsADeepDocument)
{
  twitch::ChatMessage m;
  int64_t pts = 0;
  GError *error = nullptr;
  EXPECT_FALSE (twitch::chat_message_from_json (
      "{\"command\":\"PRIVMSG\",\"tags\":" + deep_arrays () + "}", m, &pts,
      &error));
  ASSERT_NE (error, nullptr);
  g_clear_error (&error);
}

TEST (JsonBounds, HugeNumbersAreNotCastToInt64)
{
  EXPECT_EQ (twitch::json_double_to_int64 (1e300, -1), -1);
  EXPECT_EQ (twitch::json_double_to_int64 (-1e300, -1), -1);
  EXPECT_EQ (twitch::json_double_to_int64 (9223372036854775808.0, -1), -1);
  EXPECT_EQ (twitch::json_double_to_int64 (12.9, -1), 12);
  EXPECT_EQ (twitch::json_double_to_int64 (-4.5, 0), -4);

  std::vector<twitch::Stream> page;
  std::optional<int64_t> total;
  GError *error = nullptr;
  ASSERT_TRUE (twitch::helix_parse_data (
      "{\"data\":[{\"id\":\"1\",\"viewer_count\":1e300}],\"total\":-1e300}",
      page, &total, nullptr, &error))
      << error->message;
  ASSERT_EQ (page.size (), 1u);
  EXPECT_EQ (page[0].viewer_count, 0);
  EXPECT_EQ (total.value_or (-7), 0);

  JsonParser *p = twitch::json_parse_bounded ("{\"n\":1e300,\"m\":3}", nullptr);
  ASSERT_NE (p, nullptr);
  JsonObject *o = twitch::json_parser_root_object (p);
  EXPECT_EQ (twitch::json_member_int64 (o, "n", 5), 5);
  EXPECT_EQ (twitch::json_member_int64 (o, "m", 5), 3);
  g_object_unref (p);

  twitch::ChatMessage m;
  int64_t pts = 0;
  EXPECT_TRUE (twitch::chat_message_from_json (
      "{\"command\":\"PRIVMSG\",\"pts\":1e300,\"timestamp\":1e300}", m, &pts,
      nullptr));
}
