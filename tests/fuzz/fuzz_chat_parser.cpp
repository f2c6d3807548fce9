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
    /* The streaming thread parses every line into one reused message: it
     * must come out exactly as a fresh parse. */
    static twitch::ChatMessage reused;
    bool fresh_ok = twitch::chat_message_from_irc (irc, m, nullptr);
    bool reused_ok = twitch::chat_message_from_irc (irc, reused, nullptr);
    if (fresh_ok != reused_ok)
      __builtin_trap ();
    if (fresh_ok
        && (m.kind != reused.kind || m.tags != reused.tags
            || m.text != reused.text || m.login != reused.login
            || m.channel != reused.channel || m.id != reused.id
            || m.display_name != reused.display_name
            || m.badges.size () != reused.badges.size ()
            || m.badge_info.size () != reused.badge_info.size ()
            || m.emotes.size () != reused.emotes.size ()
            || m.bits != reused.bits || m.action != reused.action
            || m.vip != reused.vip || m.mod != reused.mod
            || m.tmi_sent_ts != reused.tmi_sent_ts
            || m.reply.parent_msg_id != reused.reply.parent_msg_id
            || m.system_msg != reused.system_msg || m.msg_id != reused.msg_id
            || m.slow != reused.slow || m.ban_duration != reused.ban_duration))
      __builtin_trap ();
    for (size_t i = 0; fresh_ok && i < m.badges.size (); ++i)
      if (m.badges[i].name != reused.badges[i].name
          || m.badges[i].version != reused.badges[i].version)
        __builtin_trap ();
    if (fresh_ok && twitch::chat_message_from_irc (irc, m, &err)) {
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
