/* libFuzzer target: the ingest list (https://ingest.twitch.tv/ingests,
 * lib/gst/twitch/ingest/) and what twitchsink does with it: pick a server
 * and build the RTMP target. Any list must give entries or an error, and
 * any entry a target or an error (built with
 * -fsanitize=fuzzer,address,undefined). */
#include <gst/twitch/ingest/ingest.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace
{

bool key_in_input;

void
resolve (std::string_view server, const std::vector<twitch::Ingest> &list)
{
  for (int secure = 0; secure < 2; ++secure) {
    GError *err = nullptr;
    auto target = twitch::ingest_resolve (
        server, list, "live_fuzz_0000", secure != 0, secure == 0, &err);
    if (target.has_value () == (err != nullptr))
      __builtin_trap ();
    if (target && !key_in_input) {
      /* The key never leaks into what is shown (unless the input itself
       * wrote it into a host or application name). */
      std::string shown = target->redacted_url ();
      if (shown.find ("live_fuzz_0000") != std::string::npos)
        __builtin_trap ();
    }
    g_clear_error (&err);
  }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string_view json (reinterpret_cast<const char *> (data), size);
  key_in_input = json.find ("live_fuzz_0000") != std::string_view::npos;
  GError *err = nullptr;
  auto list = twitch::ingest_list_parse (json, &err);
  if (list.has_value () == (err != nullptr))
    __builtin_trap ();
  g_clear_error (&err);
  std::vector<twitch::Ingest> ingests;
  if (list)
    ingests = std::move (*list);
  resolve ("auto", ingests);
  for (size_t i = 0; i < ingests.size () && i < 8; ++i)
    resolve (ingests[i].name, ingests);
  /* The same bytes as a `server` property value. */
  std::string_view server = json.substr (0, json.find ('\n'));
  (void)twitch::ingest_server_needs_list (server);
  resolve (server, ingests);
  return 0;
}
