/* libFuzzer target: the chat recording format (application/x-twitch-chat,
 * one JSON object a line; lib/gst/twitch/chat/message.*), read as
 * twitchchatsrc location= and gst-twitch chatlog read it: line by line.
 * Any line gives a message or an error, and a message read back is written
 * and read again the same (built with -fsanitize=fuzzer,address,undefined). */
#include <gst/twitch/chat/message.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace
{

void
one_line (std::string_view line)
{
  twitch::ChatMessage m;
  int64_t pts = 0;
  GError *err = nullptr;
  bool ok = twitch::chat_message_from_json (line, m, &pts, &err);
  if (ok == (err != nullptr))
    __builtin_trap ();
  g_clear_error (&err);
  if (!ok)
    return;
  (void)twitch::chat_format (
      "{display-name} {login} {channel} {message} {bits} {tag:emotes}", m);
  (void)twitch::utf8_code_points (m.text);
  for (const auto &e : m.emotes)
    if (e.byte_start > e.byte_end || e.byte_end > m.text.size ())
      __builtin_trap ();
  /* What twitchchatsink would write for it reads back. */
  std::string again = twitch::chat_message_to_json (m, pts);
  twitch::ChatMessage back;
  int64_t pts_back = 0;
  if (!twitch::chat_message_from_json (again, back, &pts_back, nullptr))
    __builtin_trap ();
  if (back.command != m.command || back.text != m.text
      || back.channel != m.channel || pts_back != pts)
    __builtin_trap ();
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string_view text (reinterpret_cast<const char *> (data), size);
  size_t start = 0;
  while (start < text.size ()) {
    size_t nl = text.find ('\n', start);
    size_t end = nl == std::string_view::npos ? text.size () : nl;
    if (end > start)
      one_line (text.substr (start, end - start));
    start = end + 1;
  }
  return 0;
}
