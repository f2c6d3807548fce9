/* Writing JSON: json-glib builds it, json_text() gives the text. Every
 * JSON text the library writes (chat recordings, Helix request bodies, the
 * stored login, twitchapisrc's lines) goes through json_text(): json-glib
 * 1.6 writes most control characters (U+0001..U+001F but \b \f \n \r \t)
 * raw inside strings, which JSON forbids and strict readers (simdjson, the
 * library's own reader, Python's json) refuse, so a chat line carrying one
 * would be recorded but never read back. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <json-glib/json-glib.h>

#include <string>

namespace twitch
{

/* The text of @root ("null" for nullptr), control characters escaped as
 * \u00XX. */
GST_TWITCH_API std::string json_text (JsonNode *root, bool pretty = false);

/* The text of @builder's root (json_text()); the builder is left as is. */
GST_TWITCH_API std::string json_text (
    JsonBuilder *builder, bool pretty = false);

} // namespace twitch
