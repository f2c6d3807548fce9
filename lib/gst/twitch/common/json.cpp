#include "config.h"

#include <gst/twitch/common/json.h>

#include <cmath>

namespace twitch
{

// clang-format off: the first argument is stringified as the quark's name
G_DEFINE_QUARK (twitch-json-error-quark, json_error);
// clang-format on

bool
json_check_bounds (
    std::string_view text, const JsonLimits &limits, GError **error)
{
  if (text.size () > limits.max_bytes) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_TOO_LARGE,
        "JSON text of %" G_GSIZE_FORMAT " bytes, more than the %" G_GSIZE_FORMAT
        " bytes accepted",
        text.size (), limits.max_bytes);
    return false;
  }
  size_t depth = 0;
  const char *p = text.data ();
  const char *end = p + text.size ();
  while (p < end) {
    char c = *p++;
    switch (c) {
      case '"':
        /* Skip the string; a backslash escapes the next byte. An unclosed
         * string ends the scan (the parser reports it). */
        while (p < end && *p != '"')
          p += (*p == '\\' && p + 1 < end) ? 2 : 1;
        if (p < end)
          p++;
        break;
      case '[':
      case '{':
        if (++depth > limits.max_depth) {
          g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_TOO_DEEP,
              "JSON nested more than %" G_GSIZE_FORMAT
              " levels deep (at byte %" G_GSIZE_FORMAT ")",
              limits.max_depth, static_cast<gsize> (p - text.data () - 1));
          return false;
        }
        break;
      case ']':
      case '}':
        if (depth > 0)
          depth--;
        break;
      default:
        break;
    }
  }
  return true;
}

JsonParser *
json_parse_bounded (std::string_view text, const JsonLimits &limits,
    bool want_object, GError **error)
{
  if (!json_check_bounds (text, limits, error))
    return nullptr;
  JsonParser *parser = json_parser_new_immutable ();
  GError *e = nullptr;
  /* json-glib wants a length that fits gssize; max_bytes bounds it. */
  if (!json_parser_load_from_data (
          parser, text.data (), static_cast<gssize> (text.size ()), &e)) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_MALFORMED,
        "not valid JSON: %s", e->message);
    g_error_free (e);
    g_object_unref (parser);
    return nullptr;
  }
  JsonNode *root = json_parser_get_root (parser);
  if (root == nullptr || (want_object && !JSON_NODE_HOLDS_OBJECT (root))) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_NOT_OBJECT,
        "JSON that is not an object");
    g_object_unref (parser);
    return nullptr;
  }
  return parser;
}

JsonObject *
json_parser_root_object (JsonParser *parser)
{
  JsonNode *root = parser ? json_parser_get_root (parser) : nullptr;
  if (root == nullptr || !JSON_NODE_HOLDS_OBJECT (root))
    return nullptr;
  return json_node_get_object (root);
}

int64_t
json_double_to_int64 (double value, int64_t fallback)
{
  /* 2^63 is exactly representable; every double below it converts. */
  if (!std::isfinite (value) || value >= 9223372036854775808.0
      || value < -9223372036854775808.0)
    return fallback;
  return static_cast<int64_t> (value);
}

int64_t
json_member_int64 (JsonObject *object, const char *name, int64_t fallback)
{
  JsonNode *n = object ? json_object_get_member (object, name) : nullptr;
  if (n == nullptr || !JSON_NODE_HOLDS_VALUE (n))
    return fallback;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    return json_node_get_int (n);
  if (t == G_TYPE_DOUBLE)
    return json_double_to_int64 (json_node_get_double (n), fallback);
  return fallback;
}

} // namespace twitch
