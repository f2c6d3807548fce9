/* libFuzzer target: Helix answers (lib/gst/twitch/helix/models.*). Any body
 * must give typed rows or an error for every resource, and the times and
 * durations in it must parse, format and convert without overflow (built
 * with -fsanitize=fuzzer,address,undefined). */
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/helix/models.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace
{

template <typename T>
void
parse_as (std::string_view body)
{
  std::vector<T> rows;
  std::optional<int64_t> total;
  std::string cursor;
  GError *err = nullptr;
  bool ok = twitch::helix_parse_data (body, rows, &total, &cursor, &err);
  /* Exactly one of: rows, or an error that says why. */
  if (ok == (err != nullptr))
    __builtin_trap ();
  if (!ok && !rows.empty ())
    __builtin_trap ();
  g_clear_error (&err);
}

void
check_time (std::string_view s)
{
  auto t = twitch::time_parse_iso8601 (s);
  if (!t)
    return;
  (void)twitch::time_to_iso8601 (*t);
  if (GDateTime *dt = twitch::time_to_gdatetime (*t))
    g_date_time_unref (dt);
  (void)twitch::time_to_unix_seconds (*t);
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string_view body (reinterpret_cast<const char *> (data), size);
  parse_as<twitch::User> (body);
  parse_as<twitch::Channel> (body);
  parse_as<twitch::Stream> (body);
  parse_as<twitch::Follower> (body);
  parse_as<twitch::FollowedChannel> (body);
  parse_as<twitch::Clip> (body);
  parse_as<twitch::Chatter> (body);
  parse_as<twitch::Game> (body);
  parse_as<twitch::SearchChannel> (body);
  parse_as<twitch::Subscription> (body);

  /* Videos: what gst-twitch computes from them (end of a broadcast). */
  std::vector<twitch::Video> videos;
  if (twitch::helix_parse_data (body, videos, nullptr, nullptr, nullptr)) {
    for (const auto &v : videos) {
      (void)v.ended_at ();
      check_time (twitch::time_to_iso8601 (v.created_at));
    }
  }

  /* The same bytes as a time and as a duration, cut at each newline so the
   * corpus of answers also feeds the scalar parsers. */
  size_t start = 0;
  for (int n = 0; n < 64 && start <= body.size (); ++n) {
    size_t nl = body.find ('\n', start);
    std::string_view piece = body.substr (start,
        nl == std::string_view::npos ? std::string_view::npos : nl - start);
    check_time (piece);
    (void)twitch::duration_parse (piece);
    if (nl == std::string_view::npos)
      break;
    start = nl + 1;
  }
  return 0;
}
