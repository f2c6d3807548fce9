/* Bounded JSON reading: every JSON text that comes from outside (Helix and
 * OAuth answers, error bodies, the ingest list, chat recordings, the CLI's
 * pages and logs) goes through here, so that size and nesting are checked
 * before any parser runs. json-glib parses recursively: about 100 000
 * nested arrays (200 KB) overflow the stack of any thread. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <json-glib/json-glib.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace twitch
{

#define TWITCH_JSON_ERROR (twitch::json_error_quark ())
GST_TWITCH_API GQuark json_error_quark ();

/**
 * JsonReadError:
 * @JSON_READ_ERROR_TOO_LARGE: the text is longer than the limit.
 * @JSON_READ_ERROR_TOO_DEEP: arrays and objects nest deeper than the limit.
 * @JSON_READ_ERROR_MALFORMED: not JSON (the message says where).
 * @JSON_READ_ERROR_NOT_OBJECT: JSON, but not the object asked for.
 */
enum JsonReadError {
  JSON_READ_ERROR_TOO_LARGE = 1,
  JSON_READ_ERROR_TOO_DEEP,
  JSON_READ_ERROR_MALFORMED,
  JSON_READ_ERROR_NOT_OBJECT,
};

/* Twitch's documents nest 5 levels at most and a Helix page of 100 rows is
 * about 50 KB: these limits leave a wide margin and still keep a parse
 * within a few MB of stack and memory. */
inline constexpr size_t kJsonMaxDepth = 64;
inline constexpr size_t kJsonMaxBytes = 16u << 20;

struct JsonLimits {
  size_t max_bytes = kJsonMaxBytes;
  size_t max_depth = kJsonMaxDepth;
};

/* One pass over @text without recursion: false (TWITCH_JSON_ERROR
 * TOO_LARGE or TOO_DEEP) when it is longer than @limits.max_bytes or its
 * arrays and objects nest deeper than @limits.max_depth. Brackets inside
 * strings do not count. Anything else (malformed text) is left to the
 * parser. */
GST_TWITCH_API bool json_check_bounds (
    std::string_view text, const JsonLimits &limits, GError **error);

/* json_check_bounds(), then json-glib: a new immutable parser holding the
 * root, or nullptr with a TWITCH_JSON_ERROR. With @want_object, a root that
 * is not an object is NOT_OBJECT. The caller unrefs the parser. */
GST_TWITCH_API JsonParser *json_parse_bounded (std::string_view text,
    const JsonLimits &limits, bool want_object, GError **error);
inline JsonParser *
json_parse_bounded (std::string_view text, GError **error)
{
  return json_parse_bounded (text, JsonLimits (), true, error);
}

/* The root object of a parser from json_parse_bounded (@want_object). */
GST_TWITCH_API JsonObject *json_parser_root_object (JsonParser *parser);

/* A JSON number as int64_t without undefined behaviour: a double that is
 * not finite or outside int64_t's range (1e300) gives @fallback, others are
 * truncated toward zero. */
GST_TWITCH_API int64_t json_double_to_int64 (double value, int64_t fallback);

/* A member's integer value: an int, a double in range (truncated), else
 * @fallback. */
GST_TWITCH_API int64_t json_member_int64 (
    JsonObject *object, const char *name, int64_t fallback);

} // namespace twitch
