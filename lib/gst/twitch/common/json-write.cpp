/* json_text(): see json-write.h. */
#include "config.h"

#include <gst/twitch/common/json-write.h>

namespace twitch
{

std::string
json_text (JsonNode *root, bool pretty)
{
  if (root == nullptr)
    return "null";
  JsonGenerator *gen = json_generator_new ();
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  gsize len = 0;
  gchar *raw = json_generator_to_data (gen, &len);
  g_object_unref (gen);
  /* Outside strings the generator writes no control character but the
   * newlines and spaces of pretty output, so any other byte below 0x20
   * is inside a string: escape it there. */
  std::string out;
  out.reserve (len);
  static const char hex[] = "0123456789abcdef";
  for (gsize i = 0; i < len; i++) {
    auto c = static_cast<unsigned char> (raw[i]);
    if (c < 0x20 && !(pretty && (c == '\n' || c == ' '))) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char> (c);
    }
  }
  g_free (raw);
  return out;
}

std::string
json_text (JsonBuilder *builder, bool pretty)
{
  JsonNode *root = json_builder_get_root (builder);
  std::string out = json_text (root, pretty);
  if (root != nullptr)
    json_node_unref (root);
  return out;
}

} // namespace twitch
