#include "fake_json.h"

#include <cstdio>

namespace twitch_test
{

std::string
json_quote (const std::string &s)
{
  std::string out;
  out.reserve (s.size () + 2);
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf (buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char> (c);
        }
    }
  }
  out += '"';
  return out;
}

} // namespace twitch_test
