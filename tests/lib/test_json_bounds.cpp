/* Bounded JSON reading (issue 8 item 8 and the number suspicion): a 200 KB
 * document of 100 000 nested arrays once overflowed the stack on every
 * json-glib path; 1e300 was cast to int64_t. Each reading path in the
 * library (all simdjson through common/json.h since issue 10) is fed the
 * same hostile text here. */
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

TEST (JsonBounds, ReaderChecksDepthWithoutRecursion)
{
  twitch::JsonReader reader;
  twitch::JsonDomElement root;
  GError *error = nullptr;
  EXPECT_FALSE (reader.parse (deep_arrays (), root, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_TOO_DEEP));
  EXPECT_NE (std::string (error->message).find ("nested more than 64"),
      std::string::npos)
      << error->message;
  g_clear_error (&error);
  /* The limit itself is accepted, one more is not. */
  twitch::JsonLimits l;
  l.max_depth = 3;
  twitch::JsonReader three (l);
  EXPECT_TRUE (three.parse ("[[[1]]]", root, nullptr));
  EXPECT_TRUE (three.parse ("{\"a\":{\"b\":[1]}}", root, nullptr));
  EXPECT_FALSE (three.parse ("[[[[1]]]]", root, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_TOO_DEEP));
  g_clear_error (&error);
  /* Brackets inside strings, escaped quotes included, do not count. */
  EXPECT_TRUE (three.parse (
      "[\"[[[[[[\\\"[[[[{{{{\", {\"a\":\"{{{{\"}]", root, nullptr));
  /* The reader is reusable after a refusal. */
  EXPECT_TRUE (reader.parse ("{\"a\":[[1]]}", root, nullptr));
}

TEST (JsonBounds, ReaderChecksSize)
{
  twitch::JsonLimits l;
  l.max_bytes = 10;
  twitch::JsonReader reader (l);
  twitch::JsonDomElement root;
  GError *error = nullptr;
  EXPECT_FALSE (reader.parse ("[1,2,3,4,5,6]", root, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_TOO_LARGE));
  g_clear_error (&error);
  EXPECT_TRUE (reader.parse ("[1,2,3,4]", root, nullptr));
}

TEST (JsonBounds, ReaderRejectsDeepAndGarbageClearly)
{
  twitch::JsonReader reader;
  twitch::JsonDomObject o;
  GError *error = nullptr;
  EXPECT_FALSE (reader.parse_object (deep_in_object (), o, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_TOO_DEEP));
  g_clear_error (&error);
  EXPECT_FALSE (reader.parse_object ("{\"a\":", o, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_MALFORMED));
  g_clear_error (&error);
  EXPECT_FALSE (reader.parse_object ("[1]", o, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_NOT_OBJECT));
  EXPECT_NE (std::string (error->message).find ("an array"), std::string::npos)
      << error->message;
  g_clear_error (&error);
  ASSERT_TRUE (reader.parse_object ("{\"a\":[[1]]}", o, &error));
  EXPECT_EQ (o.size (), 1u);
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
  EXPECT_TRUE (
      g_error_matches (error, TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_PARSE));
  EXPECT_NE (std::string (error->message).find ("nested"), std::string::npos)
      << error->message;
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
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_TOO_DEEP));
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

  twitch::JsonReader reader;
  twitch::JsonDomObject o;
  ASSERT_TRUE (reader.parse_object (
      "{\"n\":1e300,\"m\":3,\"u\":18446744073709551615,\"d\":-2.5}", o,
      nullptr));
  EXPECT_EQ (twitch::json_int64_or (o, "n", 5), 5);
  EXPECT_EQ (twitch::json_int64_or (o, "m", 5), 3);
  EXPECT_EQ (twitch::json_int64_or (o, "u", 5), 5);
  EXPECT_EQ (twitch::json_int64_or (o, "d", 5), -2);

  twitch::ChatMessage m;
  int64_t pts = 0;
  EXPECT_TRUE (twitch::chat_message_from_json (
      "{\"command\":\"PRIVMSG\",\"pts\":1e300,\"timestamp\":1e300}", m, &pts,
      nullptr));
}
