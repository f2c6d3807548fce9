/* libFuzzer target: the IRCv3 parser, the typed Twitch messages, their
 * JSON round trip, templates, emote ranges and splitting. Any input must
 * give a value or an error: never a crash, a leak or an out-of-bounds read
 * (built with -fsanitize=fuzzer,address,undefined). docs/chat.md has the
 * bounded run command. */
#include <gst/twitch/chat/message.h>
#include <gst/twitch/chat/ratelimit.h>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string_view line (reinterpret_cast<const char *> (data), size);
  twitch::IrcMessage irc;
  GError *err = nullptr;
  if (twitch::irc_parse (line, irc, &err)) {
    for (const auto &t : irc.tags)
      (void)twitch::irc_unescape_tag_value (t.raw_value);
    twitch::ChatMessage m;
    if (twitch::chat_message_from_irc (irc, m, &err)) {
      for (const auto &e : m.emotes) {
        if (e.byte_start > e.byte_end || e.byte_end > m.text.size ())
          __builtin_trap ();
      }
      (void)twitch::chat_format ("{display-name}: {message} {tag:emotes}", m);
      std::string json = twitch::chat_message_to_json (m, 42);
      /* A recording line is always readable back, and exact when the
       * chat line was valid UTF-8 without NUL-terminated surprises. */
      twitch::ChatMessage back;
      int64_t pts = 0;
      if (!twitch::chat_message_from_json (json, back, &pts, nullptr))
        __builtin_trap ();
      if (g_utf8_validate (line.data (), (gssize)line.size (), nullptr)
          && (back.tags != m.tags || back.text != m.text || pts != 42))
        __builtin_trap ();
    }
  }
  g_clear_error (&err);
  /* The same bytes as other inputs. */
  (void)twitch::chat_parse_emotes (line, line);
  (void)twitch::chat_parse_badges (line);
  (void)twitch::chat_split_message (line, 1 + size % 37);
  twitch::ChatMessage j;
  (void)twitch::chat_message_from_json (line, j, nullptr, nullptr);
  (void)twitch::chat_format (line, j);
  return 0;
}
