#include "config.h"

#include <gst/twitch/common/json.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace twitch
{

/* Spelled out rather than G_DEFINE_QUARK, whose stringified first argument
 * a formatter would space ("twitch - api - ..."). */
GQuark
json_error_quark (void)
{
  static GQuark q = 0;
  if (G_UNLIKELY (q == 0))
    q = g_quark_from_static_string ("twitch-json-error-quark");
  return q;
}

namespace
{

/* What the parser reserves before the first text: it grows to the text
 * read (never past max_bytes), and back to this after a text longer than
 * kKeepCapacity, so that one large answer does not stay allocated. */
constexpr size_t kInitialCapacity = 4 * 1024;
constexpr size_t kKeepCapacity = 1024 * 1024;

std::string
quoted (std::string_view name)
{
  std::string q = "\"";
  q.append (name);
  q += '"';
  return q;
}

} // namespace

JsonReader::JsonReader (const JsonLimits &limits) : limits_ (limits)
{
  /* simdjson counts the document itself as one level: "[[1]]" needs 3. A
   * failed allocation here is retried (and reported) by parse(). */
  simdjson::error_code err = parser_.allocate (
      std::min (kInitialCapacity, limits_.max_bytes), limits_.max_depth + 1);
  (void)err;
  /* No set_max_capacity(): parse() checks max_bytes itself (and simdjson
   * 3.0's setter keeps 32 bytes for any larger value). */
}

bool
JsonReader::parse (std::string_view text, JsonDomElement &root, GError **error)
{
  if (text.size () > limits_.max_bytes) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_TOO_LARGE,
        "JSON text of %" G_GSIZE_FORMAT " bytes, more than the %" G_GSIZE_FORMAT
        " bytes accepted",
        text.size (), limits_.max_bytes);
    return false;
  }
  size_t capacity = parser_.capacity ();
  if (capacity > kKeepCapacity && text.size () < capacity / 2) {
    /* A new parser: the document and the copy of the text shrink too. */
    parser_ = simdjson::dom::parser ();
  }
  if (parser_.max_depth () != limits_.max_depth + 1
      && parser_.allocate (
             std::max (text.size (), kInitialCapacity), limits_.max_depth + 1)
             != simdjson::SUCCESS) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_TOO_LARGE,
        "no memory to read a JSON text of %" G_GSIZE_FORMAT " bytes",
        text.size ());
    return false;
  }
  auto err = parser_.parse (text.data (), text.size ()).get (root);
  switch (err) {
    case simdjson::SUCCESS:
      return true;
    case simdjson::DEPTH_ERROR:
      g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_TOO_DEEP,
          "JSON nested more than %" G_GSIZE_FORMAT " levels deep",
          limits_.max_depth);
      return false;
    case simdjson::CAPACITY:
    case simdjson::MEMALLOC:
      g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_TOO_LARGE,
          "no memory to read a JSON text of %" G_GSIZE_FORMAT " bytes",
          text.size ());
      return false;
    default:
      g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_MALFORMED,
          "not valid JSON: %s", simdjson::error_message (err));
      return false;
  }
}

bool
JsonReader::parse_object (
    std::string_view text, JsonDomObject &root, GError **error)
{
  JsonDomElement e;
  if (!parse (text, e, error))
    return false;
  if (e.get_object ().get (root) != simdjson::SUCCESS) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_NOT_OBJECT,
        "JSON that is not an object (%s)", json_type_name (e));
    return false;
  }
  return true;
}

const char *
json_type_name (const JsonDomElement &e)
{
  switch (e.type ()) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
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

std::string_view
json_string_or (
    const JsonDomObject &o, std::string_view name, std::string_view fallback)
{
  std::string_view sv;
  if (o.at_key (name).get_string ().get (sv) == simdjson::SUCCESS)
    return json_c_string (sv);
  return fallback;
}

std::string
json_text_or (
    const JsonDomObject &o, std::string_view name, std::string_view fallback)
{
  JsonDomElement e;
  if (o.at_key (name).get (e) != simdjson::SUCCESS)
    return std::string (fallback);
  std::string_view sv;
  if (e.get_string ().get (sv) == simdjson::SUCCESS)
    return std::string (json_c_string (sv));
  int64_t n;
  if (e.get_int64 ().get (n) == simdjson::SUCCESS)
    return std::to_string (n);
  return std::string (fallback);
}

int64_t
json_int64_or (const JsonDomObject &o, std::string_view name, int64_t fallback)
{
  JsonDomElement e;
  if (o.at_key (name).get (e) != simdjson::SUCCESS)
    return fallback;
  int64_t n;
  if (e.get_int64 ().get (n) == simdjson::SUCCESS)
    return n;
  double d;
  if (e.is_double () && e.get_double ().get (d) == simdjson::SUCCESS)
    return json_double_to_int64 (d, fallback);
  return fallback;
}

int64_t
json_int64_or_text (
    const JsonDomObject &o, std::string_view name, int64_t fallback)
{
  std::string_view sv;
  if (o.at_key (name).get_string ().get (sv) != simdjson::SUCCESS)
    return json_int64_or (o, name, fallback);
  std::string s (sv);
  char *end = nullptr;
  gint64 v = g_ascii_strtoll (s.c_str (), &end, 10);
  return (end && end != s.c_str () && *end == '\0') ? v : fallback;
}

double
json_double_or (const JsonDomObject &o, std::string_view name, double fallback)
{
  double d;
  /* get_double() converts integers too. */
  if (o.at_key (name).get_double ().get (d) == simdjson::SUCCESS)
    return d;
  return fallback;
}

bool
json_bool_or (const JsonDomObject &o, std::string_view name, bool fallback)
{
  bool b;
  if (o.at_key (name).get_bool ().get (b) == simdjson::SUCCESS)
    return b;
  return fallback;
}

std::vector<std::string>
json_strings (const JsonDomObject &o, std::string_view name)
{
  std::vector<std::string> out;
  JsonDomArray a;
  if (o.at_key (name).get_array ().get (a) != simdjson::SUCCESS)
    return out;
  for (JsonDomElement e : a) {
    std::string_view sv;
    if (e.get_string ().get (sv) == simdjson::SUCCESS)
      out.emplace_back (json_c_string (sv));
  }
  return out;
}

bool
json_is_null_or_absent (const JsonDomObject &o, std::string_view name)
{
  JsonDomElement e;
  return o.at_key (name).get (e) != simdjson::SUCCESS || e.is_null ();
}

namespace
{

/* The member @name, or false with MISSING_MEMBER; WRONG_TYPE when it is
 * not @want (@want_name in the message). */
bool
require (const JsonDomObject &o, std::string_view name,
    simdjson::dom::element_type want, const char *want_name,
    JsonDomElement &out, GError **error)
{
  if (o.at_key (name).get (out) != simdjson::SUCCESS) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_MISSING_MEMBER,
        "no %s member", quoted (name).c_str ());
    return false;
  }
  if (out.type () != want) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_WRONG_TYPE,
        "%s is %s, not %s", quoted (name).c_str (), json_type_name (out),
        want_name);
    return false;
  }
  return true;
}

} // namespace

bool
json_require_array (const JsonDomObject &o, std::string_view name,
    JsonDomArray &out, GError **error)
{
  JsonDomElement e;
  return require (
             o, name, simdjson::dom::element_type::ARRAY, "an array", e, error)
         && e.get_array ().get (out) == simdjson::SUCCESS;
}

bool
json_require_object (const JsonDomObject &o, std::string_view name,
    JsonDomObject &out, GError **error)
{
  JsonDomElement e;
  return require (o, name, simdjson::dom::element_type::OBJECT, "an object", e,
             error)
         && e.get_object ().get (out) == simdjson::SUCCESS;
}

bool
json_require_string (const JsonDomObject &o, std::string_view name,
    std::string_view &out, GError **error)
{
  JsonDomElement e;
  if (!require (
          o, name, simdjson::dom::element_type::STRING, "a string", e, error)
      || e.get_string ().get (out) != simdjson::SUCCESS)
    return false;
  out = json_c_string (out);
  if (out.empty ()) {
    g_set_error (error, TWITCH_JSON_ERROR, JSON_READ_ERROR_MISSING_MEMBER,
        "%s is empty", quoted (name).c_str ());
    return false;
  }
  return true;
}

} // namespace twitch
