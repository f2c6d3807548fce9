/* Bounded JSON reading: every JSON text that comes from outside (Helix and
 * OAuth answers, error bodies, the ingest list, the stored login, chat
 * recordings) is read here, with simdjson's DOM parser: the size is checked
 * before parsing and the nesting by the parser itself (it keeps its own
 * stack, so 100 000 nested arrays cannot overflow the thread's). The typed
 * accessors below are the one way the library reads a member.
 *
 * json-glib is used only to build JSON for output (chat recordings, the
 * stored login). */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <glib.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace twitch
{

#define TWITCH_JSON_ERROR (twitch::json_error_quark ())
GST_TWITCH_API GQuark json_error_quark ();

/**
 * JsonReadError:
 * @JSON_READ_ERROR_TOO_LARGE: the text is longer than the limit.
 * @JSON_READ_ERROR_TOO_DEEP: arrays and objects nest deeper than the limit.
 * @JSON_READ_ERROR_MALFORMED: not JSON (the message says what is wrong).
 * @JSON_READ_ERROR_NOT_OBJECT: JSON, but not the object asked for.
 * @JSON_READ_ERROR_MISSING_MEMBER: a member that must be there is absent
 *   (the message names it).
 * @JSON_READ_ERROR_WRONG_TYPE: a member that must be there is of another
 *   type (the message names it, the type wanted and the type found).
 */
enum JsonReadError {
  JSON_READ_ERROR_TOO_LARGE = 1,
  JSON_READ_ERROR_TOO_DEEP,
  JSON_READ_ERROR_MALFORMED,
  JSON_READ_ERROR_NOT_OBJECT,
  JSON_READ_ERROR_MISSING_MEMBER,
  JSON_READ_ERROR_WRONG_TYPE,
};

/* Twitch's documents nest 5 levels at most and a Helix page of 100 rows is
 * about 50 KB: these limits leave a wide margin and still keep a parse
 * within a few MB of memory. */
inline constexpr size_t kJsonMaxDepth = 64;
inline constexpr size_t kJsonMaxBytes = 16u << 20;

struct JsonLimits {
  size_t max_bytes = kJsonMaxBytes;
  size_t max_depth = kJsonMaxDepth; /* "[[1]]" is 2 deep */
};

/* simdjson's DOM types (not json-glib's JsonObject and JsonArray). */
using JsonDomElement = simdjson::dom::element;
using JsonDomObject = simdjson::dom::object;
using JsonDomArray = simdjson::dom::array;

/* One parser and its buffers, reused from one text to the next (a
 * thread_local one per reading site keeps a 100-page pull from allocating
 * per page). Not thread-safe; the elements it gives point into it and stay
 * valid until its next parse. */
class GST_TWITCH_API JsonReader
{
 public:
  explicit JsonReader (const JsonLimits &limits = JsonLimits ());
  JsonReader (const JsonReader &) = delete;
  JsonReader &operator= (const JsonReader &) = delete;

  /* Parses @text: false with TWITCH_JSON_ERROR TOO_LARGE, TOO_DEEP or
   * MALFORMED (the message says which limit or what simdjson found). */
  bool parse (std::string_view text, JsonDomElement &root, GError **error);
  /* Same, and the root must be an object (NOT_OBJECT otherwise). */
  bool parse_object (
      std::string_view text, JsonDomObject &root, GError **error);

  const JsonLimits &limits () const { return limits_; }

 private:
  JsonLimits limits_;
  simdjson::dom::parser parser_;
};

/* The JSON type of @e as a word for messages: "an object", "a string"... */
GST_TWITCH_API const char *json_type_name (const JsonDomElement &e);

/* A JSON number as int64_t without undefined behaviour: a double that is
 * not finite or outside int64_t's range (1e300) gives @fallback, others are
 * truncated toward zero. */
GST_TWITCH_API int64_t json_double_to_int64 (double value, int64_t fallback);

/* A JSON string as a C API sees it: up to its first NUL (\u0000). Every
 * string read here is cut so, as json-glib did: the rest could not cross a
 * C API, and a secret cut short would escape redaction. */
inline std::string_view
json_c_string (std::string_view s)
{
  return s.substr (0, s.find ('\0'));
}

/* ---- Optional members: absent, null or of another type gives the
 * fallback. A duplicated member: the first one counts. Strings are cut at
 * a NUL (json_c_string). */

/* A string member. */
GST_TWITCH_API std::string_view json_string_or (const JsonDomObject &o,
    std::string_view name, std::string_view fallback = {});
/* A string member, or an integer one as its decimal text (Helix ids). */
GST_TWITCH_API std::string json_text_or (const JsonDomObject &o,
    std::string_view name, std::string_view fallback = {});
/* An integer member; a double in range is truncated. */
GST_TWITCH_API int64_t json_int64_or (
    const JsonDomObject &o, std::string_view name, int64_t fallback);
/* json_int64_or(), and a string holding only a decimal integer ("42"). */
GST_TWITCH_API int64_t json_int64_or_text (
    const JsonDomObject &o, std::string_view name, int64_t fallback);
/* A number member (integer or not). */
GST_TWITCH_API double json_double_or (
    const JsonDomObject &o, std::string_view name, double fallback);
GST_TWITCH_API bool json_bool_or (
    const JsonDomObject &o, std::string_view name, bool fallback);
/* The strings of an array member (other elements skipped); empty when
 * absent or not an array. */
GST_TWITCH_API std::vector<std::string> json_strings (
    const JsonDomObject &o, std::string_view name);
/* True when @name is absent or null. */
GST_TWITCH_API bool json_is_null_or_absent (
    const JsonDomObject &o, std::string_view name);

/* ---- Required members: false with TWITCH_JSON_ERROR MISSING_MEMBER or
 * WRONG_TYPE, whose message names the member ("no \"data\" member",
 * "\"data\" is a string, not an array"). */

GST_TWITCH_API bool json_require_array (const JsonDomObject &o,
    std::string_view name, JsonDomArray &out, GError **error);
GST_TWITCH_API bool json_require_object (const JsonDomObject &o,
    std::string_view name, JsonDomObject &out, GError **error);
/* A non-empty string (an empty one is MISSING_MEMBER). */
GST_TWITCH_API bool json_require_string (const JsonDomObject &o,
    std::string_view name, std::string_view &out, GError **error);

} // namespace twitch
