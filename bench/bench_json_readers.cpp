/* Throughput of every JSON reader in the library, on Helix-shaped input:
 * a page of 100 followers, videos and streams (helix_parse_data), an error
 * answer (api_error_set_from_http), the ingest list (ingest_list_parse) and
 * a chat recording line (chat_message_from_json). Google Benchmark; prints
 * bytes/s and items/s, never a pass/fail.
 *
 *   meson test -C build --benchmark json-readers --verbose
 *   build/bench/json-readers-bench [benchmark flags] */
#include <gst/twitch/chat/message.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/ingest/ingest.h>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace
{

std::string
follower_page ()
{
  std::string s = "{\"total\":123456,\"data\":[";
  for (int i = 0; i < 100; i++) {
    if (i)
      s += ",";
    std::string n = std::to_string (100000 + i);
    s += "{\"user_id\":\"" + n + "\",\"user_login\":\"viewer_" + n
         + "\",\"user_name\":\"Viewer_" + n
         + "\",\"followed_at\":\"2024-01-02T03:04:05Z\"}";
  }
  s += "],\"pagination\":{\"cursor\":"
       "\"eyJiIjpudWxsLCJhIjp7IkN1cnNvciI6IjEwMCJ9fQ\"}}";
  return s;
}

std::string
video_page ()
{
  std::string s = "{\"data\":[";
  for (int i = 0; i < 100; i++) {
    if (i)
      s += ",";
    std::string n = std::to_string (2000000000 + i);
    s += "{\"id\":\"" + n
         + "\",\"stream_id\":\"40000000000\",\"user_id\":\"141981764\","
           "\"user_login\":\"twitchdev\",\"user_name\":\"TwitchDev\","
           "\"title\":\"Past broadcast number "
         + n
         + " with a title of a usual length\",\"description\":\"\","
           "\"created_at\":\"2024-01-02T03:04:05Z\",\"published_at\":"
           "\"2024-01-02T03:04:05Z\",\"url\":\"https://www.twitch.tv/videos/"
         + n
         + "\",\"thumbnail_url\":\"https://static-cdn.jtvnw.net/cf_vods/"
           "d2nvs31859zcd8/twitchdev/thumb/thumb0-%{width}x%{height}.jpg\","
           "\"viewable\":\"public\",\"view_count\":1863062,\"language\":"
           "\"en\",\"type\":\"archive\",\"duration\":\"3h8m33s\","
           "\"muted_segments\":[{\"duration\":30,\"offset\":120}]}";
  }
  s += "],\"pagination\":{\"cursor\":"
       "\"eyJiIjpudWxsLCJhIjp7IkN1cnNvciI6IjEwMCJ9fQ\"}}";
  return s;
}

std::string
stream_page ()
{
  std::string s = "{\"data\":[";
  for (int i = 0; i < 100; i++) {
    if (i)
      s += ",";
    std::string n = std::to_string (40000000000LL + i);
    s += "{\"id\":\"" + n
         + "\",\"user_id\":\"98765\",\"user_login\":\"sandysanderman\","
           "\"user_name\":\"SandySanderman\",\"game_id\":\"494131\","
           "\"game_name\":\"Little Nightmares\",\"type\":\"live\",\"title\":"
           "\"hablamos y le damos a Little Nightmares 1\",\"tags\":["
           "\"Español\",\"English\",\"Chill\"],\"viewer_count\":78365,"
           "\"started_at\":\"2021-03-10T15:04:21Z\",\"language\":\"es\","
           "\"thumbnail_url\":\"https://static-cdn.jtvnw.net/previews-ttv/"
           "live_user_auronplay-{width}x{height}.jpg\",\"tag_ids\":[],"
           "\"is_mature\":false}";
  }
  s += "],\"pagination\":{\"cursor\":"
       "\"eyJiIjp7IkN1cnNvciI6ImV5SnpJam8zT0RNMk5T\"}}";
  return s;
}

std::string
ingest_list ()
{
  std::string s = "{\"ingests\":[";
  for (int i = 0; i < 60; i++) {
    if (i)
      s += ",";
    std::string n = std::to_string (i);
    s += "{\"_id\":" + n + ",\"availability\":1.0,\"default\":"
         + (i == 0 ? std::string ("true") : std::string ("false"))
         + ",\"name\":\"Region " + n
         + ": City, ST\",\"url_template\":\"rtmp://c" + n
         + ".contribute.live-video.net/app/{stream_key}\","
           "\"url_template_secure\":\"rtmps://c"
         + n + ".contribute.live-video.net/app/{stream_key}\",\"priority\":" + n
         + "}";
  }
  s += "]}";
  return s;
}

/* What twitchchatsink writes for a PRIVMSG with Twitch's usual tags. */
std::string
chat_line ()
{
  return "{\"command\":\"PRIVMSG\",\"channel\":\"twitchdev\",\"login\":"
         "\"viewer_42\",\"display-name\":\"Viewer_42\",\"text\":\"Kappa "
         "that was a great play, well done everyone PogChamp\",\"action\":"
         "false,\"timestamp\":1700000000123,\"arrival\":1700000000150,"
         "\"pts\":123456789,\"emotes\":[{\"id\":\"25\",\"start\":0,\"end\":4}],"
         "\"tags\":{\"badge-info\":\"subscriber/8\",\"badges\":"
         "\"subscriber/6,premium/1\",\"client-nonce\":"
         "\"a8e1f2e8b0c04a5d9f1c6d2e3b4a5c6d\",\"color\":\"#1E90FF\","
         "\"display-name\":\"Viewer_42\",\"emotes\":\"25:0-4\",\"first-msg\":"
         "\"0\",\"flags\":\"\",\"id\":\"b34ccfc7-4977-403a-8a94-33c6bac34fb8\","
         "\"mod\":\"0\",\"returning-chatter\":\"0\",\"room-id\":\"141981764\","
         "\"subscriber\":\"1\",\"tmi-sent-ts\":\"1700000000123\",\"turbo\":"
         "\"0\",\"user-id\":\"987654321\",\"user-type\":\"\"}}";
}

template <typename T>
void
parse_page (benchmark::State &state, const std::string &body)
{
  std::vector<T> rows;
  std::optional<int64_t> total;
  std::string cursor;
  for (auto _ : state) {
    GError *error = nullptr;
    if (!twitch::helix_parse_data (body, rows, &total, &cursor, &error)) {
      state.SkipWithError (error->message);
      g_error_free (error);
      break;
    }
    benchmark::DoNotOptimize (rows.data ());
  }
  state.SetBytesProcessed (int64_t (state.iterations ()) * body.size ());
  state.SetItemsProcessed (int64_t (state.iterations ()) * rows.size ());
}

void
BM_HelixFollowersPage (benchmark::State &state)
{
  static const std::string body = follower_page ();
  parse_page<twitch::Follower> (state, body);
}
BENCHMARK (BM_HelixFollowersPage);

void
BM_HelixVideosPage (benchmark::State &state)
{
  static const std::string body = video_page ();
  parse_page<twitch::Video> (state, body);
}
BENCHMARK (BM_HelixVideosPage);

void
BM_HelixStreamsPage (benchmark::State &state)
{
  static const std::string body = stream_page ();
  parse_page<twitch::Stream> (state, body);
}
BENCHMARK (BM_HelixStreamsPage);

void
BM_HelixErrorAnswer (benchmark::State &state)
{
  static const std::string body
      = "{\"error\":\"Unauthorized\",\"status\":401,\"message\":\"Missing "
        "scope: moderator:read:followers\"}";
  for (auto _ : state) {
    GError *error = nullptr;
    twitch::api_error_set_from_http (&error, 401, body, "GET followers");
    benchmark::DoNotOptimize (error);
    g_error_free (error);
  }
  state.SetBytesProcessed (int64_t (state.iterations ()) * body.size ());
}
BENCHMARK (BM_HelixErrorAnswer);

void
BM_IngestList (benchmark::State &state)
{
  static const std::string body = ingest_list ();
  size_t n = 0;
  for (auto _ : state) {
    auto list = twitch::ingest_list_parse (body, nullptr);
    if (!list) {
      state.SkipWithError ("ingest list not parsed");
      break;
    }
    n = list->size ();
    benchmark::DoNotOptimize (list->data ());
  }
  state.SetBytesProcessed (int64_t (state.iterations ()) * body.size ());
  state.SetItemsProcessed (int64_t (state.iterations ()) * n);
}
BENCHMARK (BM_IngestList);

void
BM_ChatRecordingLine (benchmark::State &state)
{
  static const std::string line = chat_line ();
  twitch::ChatMessage m;
  int64_t pts = 0;
  for (auto _ : state) {
    if (!twitch::chat_message_from_json (line, m, &pts, nullptr)) {
      state.SkipWithError ("chat line not parsed");
      break;
    }
    benchmark::DoNotOptimize (m.text.data ());
  }
  state.SetBytesProcessed (int64_t (state.iterations ()) * line.size ());
  state.SetItemsProcessed (int64_t (state.iterations ()));
}
BENCHMARK (BM_ChatRecordingLine);

} // namespace

BENCHMARK_MAIN ();
