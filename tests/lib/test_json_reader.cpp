/* The one JSON reader (common/json.h, issue 10): typed accessors, errors
 * that name the member, strings as a C API sees them, and the readers built
 * on it (OAuth scopes aside, which test_helix_client covers). */
#include <gst/twitch/chat/message.h>
#include <gst/twitch/common/json.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/ingest/ingest.h>

#include <gtest/gtest.h>

#include <string>

using namespace std::string_literals;

namespace
{

struct Doc {
  twitch::JsonReader reader;
  twitch::JsonDomObject o;
  explicit Doc (std::string_view text)
  {
    GError *error = nullptr;
    EXPECT_TRUE (reader.parse_object (text, o, &error))
        << (error ? error->message : "");
    g_clear_error (&error);
  }
};

std::string
message_of (GError *&error)
{
  std::string m = error ? error->message : "(no error)";
  g_clear_error (&error);
  return m;
}

} // namespace

TEST (JsonReader, OptionalMembersFallBackOnAbsentNullOrOtherType)
{
  Doc d ("{\"s\":\"x\",\"i\":42,\"d\":2.75,\"b\":true,\"n\":null,"
         "\"a\":[\"p\",1,\"q\",null],\"is\":\"17\",\"bad\":\"17x\"}");
  EXPECT_EQ (twitch::json_string_or (d.o, "s"), "x");
  EXPECT_EQ (twitch::json_string_or (d.o, "i", "fb"), "fb");
  EXPECT_EQ (twitch::json_string_or (d.o, "absent", "fb"), "fb");
  EXPECT_EQ (twitch::json_text_or (d.o, "i"), "42");
  EXPECT_EQ (twitch::json_text_or (d.o, "d", "fb"), "fb");
  EXPECT_EQ (twitch::json_int64_or (d.o, "i", -1), 42);
  EXPECT_EQ (twitch::json_int64_or (d.o, "d", -1), 2);
  EXPECT_EQ (twitch::json_int64_or (d.o, "s", -1), -1);
  EXPECT_EQ (twitch::json_int64_or (d.o, "is", -1), -1);
  EXPECT_EQ (twitch::json_int64_or_text (d.o, "is", -1), 17);
  EXPECT_EQ (twitch::json_int64_or_text (d.o, "bad", -1), -1);
  EXPECT_DOUBLE_EQ (twitch::json_double_or (d.o, "d", 0), 2.75);
  EXPECT_DOUBLE_EQ (twitch::json_double_or (d.o, "i", 0), 42.0);
  EXPECT_DOUBLE_EQ (twitch::json_double_or (d.o, "n", 1.5), 1.5);
  EXPECT_TRUE (twitch::json_bool_or (d.o, "b", false));
  EXPECT_TRUE (twitch::json_bool_or (d.o, "i", true));
  EXPECT_FALSE (twitch::json_bool_or (d.o, "i", false));
  EXPECT_EQ (
      twitch::json_strings (d.o, "a"), (std::vector<std::string>{"p", "q"}));
  EXPECT_TRUE (twitch::json_strings (d.o, "s").empty ());
  EXPECT_TRUE (twitch::json_is_null_or_absent (d.o, "n"));
  EXPECT_TRUE (twitch::json_is_null_or_absent (d.o, "absent"));
  EXPECT_FALSE (twitch::json_is_null_or_absent (d.o, "s"));
}

TEST (JsonReader, RequiredMembersNameWhatIsWrong)
{
  Doc d ("{\"data\":\"oops\",\"o\":{},\"empty\":\"\"}");
  twitch::JsonDomArray a;
  twitch::JsonDomObject o;
  std::string_view sv;
  GError *error = nullptr;

  EXPECT_FALSE (twitch::json_require_array (d.o, "data", a, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_WRONG_TYPE));
  EXPECT_EQ (message_of (error), "\"data\" is a string, not an array");

  EXPECT_FALSE (twitch::json_require_array (d.o, "rows", a, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_MISSING_MEMBER));
  EXPECT_EQ (message_of (error), "no \"rows\" member");

  EXPECT_FALSE (twitch::json_require_object (d.o, "data", o, &error));
  EXPECT_EQ (message_of (error), "\"data\" is a string, not an object");
  EXPECT_TRUE (twitch::json_require_object (d.o, "o", o, nullptr));

  EXPECT_FALSE (twitch::json_require_string (d.o, "o", sv, &error));
  EXPECT_EQ (message_of (error), "\"o\" is an object, not a string");
  EXPECT_FALSE (twitch::json_require_string (d.o, "empty", sv, &error));
  EXPECT_EQ (message_of (error), "\"empty\" is empty");
  EXPECT_TRUE (twitch::json_require_string (d.o, "data", sv, nullptr));
  EXPECT_EQ (sv, "oops");
}

/* A string is cut at a NUL, as json-glib cut it: what follows could not
 * cross a C API, and a token cut there by GLib would escape redaction. */
TEST (JsonReader, StringsStopAtANul)
{
  Doc d ("{\"t\":\"abc\\u0000def\",\"a\":[\"x\\u0000y\"]}");
  EXPECT_EQ (twitch::json_string_or (d.o, "t"), "abc");
  EXPECT_EQ (twitch::json_text_or (d.o, "t"), "abc");
  EXPECT_EQ (twitch::json_strings (d.o, "a"), (std::vector<std::string>{"x"}));
}

TEST (JsonReader, BigNumbersAreMalformedNotUndefined)
{
  twitch::JsonReader reader;
  twitch::JsonDomObject o;
  GError *error = nullptr;
  /* Past a double's range: refused with a reason, never a cast. */
  EXPECT_FALSE (reader.parse_object ("{\"n\":1e400}", o, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_JSON_ERROR, twitch::JSON_READ_ERROR_MALFORMED));
  EXPECT_NE (message_of (error).find ("number"), std::string::npos);
}

TEST (JsonReader, HelixPageNamesAMissingData)
{
  std::vector<twitch::User> users;
  GError *error = nullptr;
  EXPECT_FALSE (twitch::helix_parse_data (
      "{\"data\":{\"id\":\"1\"}}", users, nullptr, nullptr, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_API_ERROR, twitch::API_ERROR_BAD_RESPONSE));
  EXPECT_NE (message_of (error).find ("\"data\" is an object, not an array"),
      std::string::npos);
  EXPECT_FALSE (twitch::helix_parse_data (
      "{\"data\":[{\"id\":\"1\"},7]}", users, nullptr, nullptr, &error));
  EXPECT_NE (message_of (error).find ("data[1] is a number, not an object"),
      std::string::npos);
  EXPECT_TRUE (users.empty ());
  EXPECT_FALSE (twitch::helix_parse_data (
      "[{\"id\":\"1\"}]", users, nullptr, nullptr, &error));
  EXPECT_NE (message_of (error).find ("not an object"), std::string::npos);
}

/* Helix writes some ids and counts as numbers, some as strings. */
TEST (JsonReader, HelixModelsTakeIdsAndCountsEitherWay)
{
  std::vector<twitch::Clip> clips;
  std::optional<int64_t> total;
  std::string cursor;
  GError *error = nullptr;
  ASSERT_TRUE (twitch::helix_parse_data (
      "{\"data\":[{\"id\":12345,\"view_count\":\"77\",\"duration\":30,"
      "\"vod_offset\":null,\"is_featured\":true},{\"id\":\"a\","
      "\"vod_offset\":61,\"duration\":12.5}],\"total\":\"9\","
      "\"pagination\":{\"cursor\":\"c1\"}}",
      clips, &total, &cursor, &error))
      << message_of (error);
  ASSERT_EQ (clips.size (), 2u);
  EXPECT_EQ (clips[0].id, "12345");
  EXPECT_EQ (clips[0].view_count, 77);
  EXPECT_DOUBLE_EQ (clips[0].duration, 30.0);
  EXPECT_EQ (clips[0].vod_offset, -1);
  EXPECT_TRUE (clips[0].is_featured);
  EXPECT_EQ (clips[1].vod_offset, 61);
  EXPECT_DOUBLE_EQ (clips[1].duration, 12.5);
  EXPECT_EQ (total.value_or (-1), 9);
  EXPECT_EQ (cursor, "c1");
}

TEST (JsonReader, IngestListNamesWhatIsWrong)
{
  GError *error = nullptr;
  EXPECT_FALSE (twitch::ingest_list_parse ("{\"ingests\":{}}", &error));
  EXPECT_TRUE (
      g_error_matches (error, TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_PARSE));
  EXPECT_NE (message_of (error).find ("\"ingests\" is an object, not an array"),
      std::string::npos);
  EXPECT_FALSE (twitch::ingest_list_parse ("[]", &error));
  EXPECT_NE (message_of (error).find ("not a JSON object"), std::string::npos);
  /* Entries of other types are skipped; numbers are read safely. */
  auto list = twitch::ingest_list_parse (
      "{\"ingests\":[7,{\"_id\":1e300,\"name\":\"a\",\"url_template\":"
      "\"rtmp://a/app/{stream_key}\",\"availability\":0,\"priority\":2.9}]}",
      &error);
  ASSERT_TRUE (list) << message_of (error);
  ASSERT_EQ (list->size (), 1u);
  EXPECT_EQ ((*list)[0].id, 0);
  EXPECT_EQ ((*list)[0].priority, 2);
  EXPECT_DOUBLE_EQ ((*list)[0].availability, 0.0);
}

TEST (JsonReader, ErrorAnswerMessage)
{
  EXPECT_EQ (twitch::api_error_message (
                 "{\"status\":403,\"message\":\"invalid client secret\"}"),
      "invalid client secret");
  EXPECT_EQ (twitch::api_error_message ("{\"message\":7}"), "");
  EXPECT_EQ (twitch::api_error_message ("<html>"), "");
  EXPECT_EQ (twitch::api_error_message (
                 "{\"message\":\"" + std::string (2000, 'x') + "\"}")
                 .size (),
      512u);
}

TEST (JsonReader, ChatLineNamesAMissingCommand)
{
  twitch::ChatMessage m;
  GError *error = nullptr;
  EXPECT_FALSE (
      twitch::chat_message_from_json ("{\"command\":5}", m, nullptr, &error));
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_PARSE));
  EXPECT_NE (message_of (error).find ("\"command\" is a number, not a string"),
      std::string::npos);
  EXPECT_FALSE (twitch::chat_message_from_json ("[1]", m, nullptr, &error));
  EXPECT_NE (message_of (error).find ("not a JSON object"), std::string::npos);
}

/* A repeated tag keeps its first place and takes its last value, as the
 * recordings were always read; a NUL cuts a tag's key and value. */
TEST (JsonReader, ChatLineTagsInOrderWithoutDuplicates)
{
  twitch::ChatMessage m;
  int64_t pts = 0;
  GError *error = nullptr;
  ASSERT_TRUE (twitch::chat_message_from_json (
      "{\"command\":\"PRIVMSG\",\"channel\":\"c\",\"login\":\"l\",\"text\":"
      "\"hi\\u0000there\",\"pts\":-5,\"arrival\":12,\"action\":true,\"tags\":"
      "{\"b\":\"1\",\"a\":\"2\",\"b\":\"3\",\"n\":4,\"k\\u0000x\":"
      "\"v\\u0000w\"}}",
      m, &pts, &error))
      << message_of (error);
  ASSERT_EQ (m.tags.size (), 3u);
  EXPECT_EQ (m.tags[0], (std::pair<std::string, std::string>{"b", "3"}));
  EXPECT_EQ (m.tags[1], (std::pair<std::string, std::string>{"a", "2"}));
  EXPECT_EQ (m.tags[2], (std::pair<std::string, std::string>{"k", "v"}));
  EXPECT_EQ (m.text, "hi");
  EXPECT_EQ (pts, -1);
  EXPECT_EQ (m.arrival_ms, 12);
  EXPECT_TRUE (m.action);
  /* And what the sink writes reads back the same. */
  std::string again = twitch::chat_message_to_json (m, pts);
  twitch::ChatMessage back;
  int64_t pts_back = 0;
  ASSERT_TRUE (
      twitch::chat_message_from_json (again, back, &pts_back, nullptr));
  EXPECT_EQ (back.text, m.text);
  EXPECT_EQ (back.tags, m.tags);
  EXPECT_EQ (pts_back, pts);
}
