#include "helix_fake.h"

#include "eventsub_fake.h"
#include "fake_json.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace twitch_test
{

namespace
{

constexpr const char *kMainId = "141981764";
constexpr const char *kMainLogin = "twitchdev";
/* 2024-06-01T00:00:00Z: the newest follow; older ones count back from it. */
constexpr int64_t kBase = 1717200000;

constexpr int64_t kFollowerIdBase = 200000000;
constexpr int64_t kChannelIdBase = 300000000;
constexpr int64_t kStreamerIdBase = 400000000;
constexpr int64_t kChatterIdBase = 500000000;
constexpr int64_t kSubIdBase = 550000000;
constexpr int64_t kVideoIdBase = 600000000;
constexpr int64_t kGameIdBase = 700000;

std::string
iso (int64_t unix_s)
{
  time_t t = static_cast<time_t> (unix_s);
  struct tm tm;
  gmtime_r (&t, &tm);
  char buf[32];
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string
jesc (const std::string &s)
{
  return json_quote (s);
}

std::string
pad (const char *prefix, int64_t i, int width)
{
  char buf[64];
  snprintf (
      buf, sizeof buf, "%s%0*lld", prefix, width, static_cast<long long> (i));
  return buf;
}

std::string
cursor_for (int64_t offset)
{
  std::string raw
      = "{\"b\":null,\"a\":{\"Offset\":" + std::to_string (offset) + "}}";
  gchar *b64 = g_base64_encode (
      reinterpret_cast<const guchar *> (raw.data ()), raw.size ());
  std::string out (b64);
  g_free (b64);
  return out;
}

std::optional<int64_t>
offset_of (const std::string &cursor)
{
  if (cursor.empty ())
    return 0;
  gsize len = 0;
  guchar *raw = g_base64_decode (cursor.c_str (), &len);
  std::string s (reinterpret_cast<char *> (raw), len);
  g_free (raw);
  auto pos = s.find ("\"Offset\":");
  if (pos == std::string::npos)
    return std::nullopt;
  return g_ascii_strtoll (s.c_str () + pos + 9, nullptr, 10);
}

bool
parse_int (const std::string &s, int64_t &out)
{
  if (s.empty ())
    return false;
  char *end = nullptr;
  gint64 v = g_ascii_strtoll (s.c_str (), &end, 10);
  if (end == nullptr || *end != '\0')
    return false;
  out = v;
  return true;
}

std::string
lower (std::string s)
{
  std::transform (s.begin (), s.end (), s.begin (),
      [] (unsigned char c) { return g_ascii_tolower (c); });
  return s;
}

using Params = std::vector<std::pair<std::string, std::string>>;

Params
parse_params (const char *raw)
{
  Params out;
  if (raw == nullptr || *raw == '\0')
    return out;
  gchar **parts = g_strsplit (raw, "&", -1);
  for (gchar **p = parts; *p; p++) {
    if (**p == '\0')
      continue;
    gchar *eq = strchr (*p, '=');
    std::string k = eq ? std::string (*p, eq - *p) : std::string (*p);
    std::string v = eq ? std::string (eq + 1) : std::string ();
    std::replace (k.begin (), k.end (), '+', ' ');
    std::replace (v.begin (), v.end (), '+', ' ');
    gchar *uk = g_uri_unescape_string (k.c_str (), nullptr);
    gchar *uv = g_uri_unescape_string (v.c_str (), nullptr);
    out.emplace_back (uk ? uk : k, uv ? uv : v);
    g_free (uk);
    g_free (uv);
  }
  g_strfreev (parts);
  return out;
}

std::string
param (const Params &p, const char *name)
{
  for (const auto &kv : p)
    if (kv.first == name)
      return kv.second;
  return {};
}

std::vector<std::string>
params (const Params &p, const char *name)
{
  std::vector<std::string> out;
  for (const auto &kv : p)
    if (kv.first == name)
      out.push_back (kv.second);
  return out;
}

std::string
read_text (const std::string &path)
{
  gchar *contents = nullptr;
  gsize len = 0;
  if (!g_file_get_contents (path.c_str (), &contents, &len, nullptr))
    return {};
  std::string out (contents, len);
  g_free (contents);
  return out;
}

/* Objects of a fixture's "data" array, serialised one by one. */
std::vector<std::string>
fixture_objects (const std::string &path)
{
  std::vector<std::string> out;
  std::string text = read_text (path);
  if (text.empty ())
    return out;
  JsonParser *parser = json_parser_new ();
  if (json_parser_load_from_data (parser, text.c_str (), -1, nullptr)) {
    JsonNode *root = json_parser_get_root (parser);
    if (JSON_NODE_HOLDS_OBJECT (root)) {
      JsonNode *data
          = json_object_get_member (json_node_get_object (root), "data");
      if (data && JSON_NODE_HOLDS_ARRAY (data)) {
        JsonArray *a = json_node_get_array (data);
        for (guint i = 0; i < json_array_get_length (a); i++) {
          gchar *s = json_to_string (json_array_get_element (a, i), FALSE);
          out.emplace_back (s);
          g_free (s);
        }
      }
    }
  }
  g_object_unref (parser);
  return out;
}

std::string
field_of (const std::string &object_json, const char *name)
{
  JsonParser *parser = json_parser_new ();
  std::string out;
  if (json_parser_load_from_data (parser, object_json.c_str (), -1, nullptr)) {
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    JsonNode *n = json_object_get_member (o, name);
    if (n && JSON_NODE_HOLDS_VALUE (n)
        && json_node_get_value_type (n) == G_TYPE_STRING)
      out = json_node_get_string (n);
  }
  g_object_unref (parser);
  return out;
}

struct TokenRec {
  std::string user_id; /* empty: app token */
  std::string login;
  std::vector<std::string> scopes;
  int64_t expires_at = 0;
  bool valid = true;
};

struct LiveState {
  bool live = false;
  int64_t viewers = 0;
  std::string title;
  std::string game_name;
  std::string game_id;
  int64_t started_at = 0;
};

struct Bucket {
  int64_t window_start = 0;
  int64_t used = 0;
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;
  bool count_rate = false;
};

} // namespace

struct HelixFake::Impl {
  HelixFakeOptions opt;
  mutable std::mutex lock;
  std::thread thread;
  GMainContext *context = nullptr;
  GMainLoop *loop = nullptr;
  SoupServer *server = nullptr;
  int port = 0;

  /* Fixtures. */
  std::map<std::string, std::string> fixture_users_by_id;
  std::map<std::string, std::string> fixture_users_by_login;
  std::map<std::string, std::string> fixture_channels;
  std::vector<std::string> fixture_games;
  std::vector<std::string> fixture_clips;
  std::string ingests_json;

  /* State (under lock). */
  std::map<std::string, TokenRec> tokens;
  std::string user_token;
  std::string refresh_token;
  bool refresh_revoked = false;
  std::vector<std::string> scopes;
  std::map<std::string, LiveState> live;
  std::deque<HelixFakeFault> faults;
  std::map<std::string, Bucket> buckets;
  std::map<std::string, uint64_t> counts;
  uint64_t total = 0;
  uint64_t issued = 0;
  struct Device {
    std::string device_code;
    std::vector<std::string> scopes;
    int polls = 0;
    bool approved = false;
  };
  std::map<std::string, Device> devices;

  /* The EventSub WebSocket and its Helix endpoints. */
  std::unique_ptr<EventSubFake> eventsub;
  std::string eventsub_fixtures_dir;

  static std::optional<EventSubUser> es_user (const std::string &user_json)
  {
    if (user_json.empty ())
      return std::nullopt;
    return EventSubUser{field_of (user_json, "id"),
        field_of (user_json, "login"), field_of (user_json, "display_name")};
  }

  explicit Impl (HelixFakeOptions o) : opt (std::move (o))
  {
    /* The user table is read-only after construction: no lock needed. */
    eventsub = std::make_unique<EventSubFake> (
        opt, EventSubFake::Hooks{[this] (const std::string &login) {
                                   return es_user (user_by_login (login));
                                 },
                 [this] (const std::string &id) {
                   return es_user (user_by_id (id));
                 }});
    std::string dir = opt.fixtures_dir;
    if (dir.empty ()) {
#ifdef TWITCH_TEST_FIXTURES
      dir = std::string (TWITCH_TEST_FIXTURES) + "/helix";
#endif
    }
    eventsub_fixtures_dir = dir + "/../eventsub";
    for (const auto &u : fixture_objects (dir + "/users.json")) {
      fixture_users_by_id[field_of (u, "id")] = u;
      fixture_users_by_login[field_of (u, "login")] = u;
    }
    for (const auto &c : fixture_objects (dir + "/channels.json"))
      fixture_channels[field_of (c, "broadcaster_id")] = c;
    fixture_games = fixture_objects (dir + "/games.json");
    fixture_clips = fixture_objects (dir + "/clips.json");
    ingests_json = read_text (dir + "/../ingests.json");
    scopes = opt.user_scopes;
    if (!opt.user_token.empty ()) {
      user_token = opt.user_token;
      refresh_token = opt.refresh_token;
      tokens[user_token] = TokenRec{
          kMainId, kMainLogin, scopes, now_s () + opt.token_lifetime_s, true};
    }
    LiveState &main = live[kMainLogin];
    main.live = true;
    main.viewers = 1234;
    main.title = "TwitchDev Monthly Update // May 6, 2021";
    main.game_name = "Science & Technology";
    main.game_id = "509670";
    main.started_at = now_s () - 3600;
  }

  static int64_t now_s ()
  {
    return g_get_real_time () / G_USEC_PER_SEC;
  }

  /* ---- Generated data ------------------------------------------------- */

  int64_t follower_total (const std::string &broadcaster_id) const
  {
    if (broadcaster_id == kMainId)
      return opt.followers;
    int64_t id = 0;
    if (parse_int (broadcaster_id, id) && id >= kChannelIdBase
        && id < kChannelIdBase + 1000000)
      return ((id - kChannelIdBase) * 7919) % 5000;
    if (fixture_users_by_id.count (broadcaster_id))
      return 8;
    return 0;
  }

  static int64_t follower_created (int64_t i)
  {
    return kBase - i * 29 - (((i * 7919) % 2000) + 1) * 86400;
  }

  std::string gen_user (int64_t id) const
  {
    std::string login, name, type = "", btype = "";
    int64_t created;
    if (id >= kFollowerIdBase && id < kFollowerIdBase + 100000000) {
      int64_t i = id - kFollowerIdBase;
      login = pad ("follower", i, 6);
      name = pad ("Follower", i, 6);
      created = follower_created (i);
    } else if (id >= kChannelIdBase && id < kChannelIdBase + 1000000) {
      int64_t i = id - kChannelIdBase;
      login = pad ("channel", i, 4);
      name = pad ("Channel", i, 4);
      btype = i % 3 == 0 ? "affiliate" : (i % 7 == 0 ? "partner" : "");
      created = kBase - 86400 * (400 + i * 3);
    } else if (id >= kStreamerIdBase && id < kStreamerIdBase + 1000000) {
      int64_t i = id - kStreamerIdBase;
      login = pad ("streamer", i, 4);
      name = pad ("Streamer", i, 4);
      btype = "partner";
      created = kBase - 86400 * (800 + i);
    } else if (id >= kChatterIdBase && id < kChatterIdBase + 1000000) {
      int64_t i = id - kChatterIdBase;
      login = pad ("chatter", i, 4);
      name = pad ("Chatter", i, 4);
      created = kBase - 86400 * (100 + i);
    } else {
      return {};
    }
    std::string s = "{\"id\":\"" + std::to_string (id) + "\",\"login\":\""
                    + login + "\",\"display_name\":\"" + name + "\",\"type\":\""
                    + type + "\",\"broadcaster_type\":\"" + btype
                    + "\",\"description\":\"\",\"profile_image_url\":\"https:"
                      "//static-cdn.jtvnw.net/user-default-pictures-uv/"
                      "profile_image-300x300.png\",\"offline_image_url\":\"\","
                      "\"view_count\":0,\"created_at\":\""
                    + iso (created) + "\"}";
    return s;
  }

  std::optional<int64_t> gen_id_of_login (const std::string &login) const
  {
    struct P {
      const char *prefix;
      int64_t base;
      size_t digits;
    };
    static const P prefixes[]
        = {{"follower", kFollowerIdBase, 6}, {"channel", kChannelIdBase, 4},
            {"streamer", kStreamerIdBase, 4}, {"chatter", kChatterIdBase, 4}};
    for (const auto &p : prefixes) {
      size_t n = strlen (p.prefix);
      if (login.compare (0, n, p.prefix) == 0
          && login.size () == n + p.digits) {
        int64_t i = 0;
        if (parse_int (login.substr (n), i))
          return p.base + i;
      }
    }
    return std::nullopt;
  }

  std::string user_by_id (const std::string &id) const
  {
    auto it = fixture_users_by_id.find (id);
    if (it != fixture_users_by_id.end ())
      return it->second;
    int64_t n = 0;
    if (parse_int (id, n))
      return gen_user (n);
    return {};
  }

  std::string user_by_login (const std::string &login) const
  {
    std::string l = lower (login);
    auto it = fixture_users_by_login.find (l);
    if (it != fixture_users_by_login.end ())
      return it->second;
    auto id = gen_id_of_login (l);
    return id ? gen_user (*id) : std::string ();
  }

  static std::string game_name_for (int64_t i)
  {
    static const char *names[]
        = {"Just Chatting", "Fortnite", "Minecraft", "Science & Technology"};
    return names[i % 4];
  }
  static std::string game_id_for (int64_t i)
  {
    static const char *ids[] = {"509658", "33214", "27471", "509670"};
    return ids[i % 4];
  }
  static std::string language_for (int64_t i)
  {
    static const char *langs[] = {"en", "de", "fr", "es", "ja"};
    return langs[i % 5];
  }

  std::string stream_json (const std::string &id, const std::string &user_id,
      const std::string &login, const std::string &name, const LiveState &s,
      const std::string &language) const
  {
    return "{\"id\":\"" + id + "\",\"user_id\":\"" + user_id
           + "\",\"user_login\":\"" + login + "\",\"user_name\":" + jesc (name)
           + ",\"game_id\":\"" + s.game_id + "\",\"game_name\":"
           + jesc (s.game_name) + ",\"type\":\"live\",\"title\":"
           + jesc (s.title) + ",\"tags\":[\"English\"],\"viewer_count\":"
           + std::to_string (s.viewers) + ",\"started_at\":\""
           + iso (s.started_at) + "\",\"language\":\"" + language
           + "\",\"thumbnail_url\":\"https://static-cdn.jtvnw.net/"
             "previews-ttv/live_user_"
           + login
           + "-{width}x{height}.jpg\",\"tag_ids\":[],"
             "\"is_mature\":false}";
  }

  LiveState streamer_state (int64_t i) const
  {
    LiveState s;
    s.live = true;
    s.viewers = std::max<int64_t> (1, 200000 / (i + 1));
    s.title = "Stream " + std::to_string (i) + " of the day";
    s.game_id = game_id_for (i);
    s.game_name = game_name_for (i);
    s.started_at = kBase - 600 * (i % 50);
    return s;
  }

  /* ---- Helpers ---------------------------------------------------------- */

  static Response json (unsigned status, std::string body)
  {
    Response r;
    r.status = status;
    r.body = std::move (body);
    return r;
  }

  static Response error (unsigned status, const std::string &message)
  {
    const char *reason = soup_status_get_phrase (status);
    return json (status, "{\"error\":" + jesc (reason ? reason : "Error")
                             + ",\"status\":" + std::to_string (status)
                             + ",\"message\":" + jesc (message) + "}");
  }

  static Response oauth_error (unsigned status, const std::string &message)
  {
    return json (status, "{\"status\":" + std::to_string (status)
                             + ",\"message\":" + jesc (message) + "}");
  }

  /* A page of @count generated items starting at the cursor's offset. */
  template <typename Gen>
  Response page (
      const Params &q, int64_t count, Gen gen, const std::string &extra = {})
  {
    int64_t first = 20;
    std::string f = param (q, "first");
    if (!f.empty () && (!parse_int (f, first) || first < 1 || first > 100))
      return error (400, "The parameter \"first\" was malformed: the value "
                         "must be between 1 and 100");
    auto offset = offset_of (param (q, "after"));
    if (!offset || *offset < 0)
      return error (400, "The parameter \"after\" was malformed");
    std::string body = "{";
    if (!extra.empty ())
      body += extra + ",";
    body += "\"data\":[";
    int64_t end = std::min (count, *offset + first);
    body.reserve (
        static_cast<size_t> (std::max<int64_t> (0, end - *offset)) * 160 + 128);
    for (int64_t i = *offset; i < end; i++) {
      if (i > *offset)
        body += ',';
      body += gen (i);
    }
    body += "],\"pagination\":{";
    if (end < count)
      body += "\"cursor\":\"" + cursor_for (end) + "\"";
    body += "}}";
    return json (200, body);
  }

  bool has_scope (const TokenRec &t, const char *scope) const
  {
    return std::find (t.scopes.begin (), t.scopes.end (), scope)
           != t.scopes.end ();
  }

  static Response missing_scope (const char *scope)
  {
    return error (401, std::string ("Missing scope: ") + scope);
  }

  /* ---- Helix ------------------------------------------------------------ */

  Response helix (const std::string &path, const Params &q, const TokenRec &tok)
  {
    if (path == "/helix/users") {
      auto ids = params (q, "id");
      auto logins = params (q, "login");
      if (ids.size () + logins.size () > 100)
        return error (400, "The request may specify at most 100 id and "
                           "login parameters combined");
      if (ids.empty () && logins.empty ()) {
        if (tok.user_id.empty ())
          return error (400, "The ID or login query parameter is required "
                             "when using an app access token");
        ids.push_back (tok.user_id);
      }
      std::string body = "{\"data\":[";
      bool first = true;
      auto add = [&] (const std::string &u) {
        if (u.empty ())
          return;
        if (!first)
          body += ',';
        first = false;
        body += u;
      };
      for (const auto &id : ids)
        add (user_by_id (id));
      for (const auto &l : logins)
        add (user_by_login (l));
      body += "]}";
      return json (200, body);
    }
    if (path == "/helix/channels") {
      auto ids = params (q, "broadcaster_id");
      if (ids.empty ())
        return error (400, "Missing required parameter \"broadcaster_id\"");
      if (ids.size () > 100)
        return error (400, "At most 100 broadcaster_id parameters");
      std::string body = "{\"data\":[";
      bool first = true;
      for (const auto &id : ids) {
        std::string c;
        if (id == kMainId) {
          const LiveState &s = live[kMainLogin];
          c = "{\"broadcaster_id\":\"141981764\",\"broadcaster_login\":"
              "\"twitchdev\",\"broadcaster_name\":\"TwitchDev\","
              "\"broadcaster_language\":\"en\",\"game_id\":"
              + jesc (s.game_id) + ",\"game_name\":" + jesc (s.game_name)
              + ",\"title\":" + jesc (s.title)
              + ",\"delay\":0,\"tags\":[\"DevsInTheKnow\"],"
                "\"content_classification_labels\":[],"
                "\"is_branded_content\":false}";
        } else if (fixture_channels.count (id)) {
          c = fixture_channels[id];
        } else {
          std::string u = user_by_id (id);
          if (!u.empty ()) {
            std::string login = field_of (u, "login");
            int64_t n = 0;
            parse_int (id, n);
            c = "{\"broadcaster_id\":\"" + id + "\",\"broadcaster_login\":\""
                + login + "\",\"broadcaster_name\":"
                + jesc (field_of (u, "display_name"))
                + ",\"broadcaster_language\":\"" + language_for (n)
                + "\",\"game_id\":\"" + game_id_for (n)
                + "\",\"game_name\":" + jesc (game_name_for (n))
                + ",\"title\":" + jesc ("Channel of " + login)
                + ",\"delay\":0,\"tags\":[],\"content_classification_labels\":"
                  "[],\"is_branded_content\":false}";
          }
        }
        if (c.empty ())
          continue;
        if (!first)
          body += ',';
        first = false;
        body += c;
      }
      body += "]}";
      return json (200, body);
    }
    if (path == "/helix/streams") {
      auto user_ids = params (q, "user_id");
      auto user_logins = params (q, "user_login");
      if (user_ids.size () + user_logins.size () > 100)
        return error (400, "At most 100 user_id and user_login parameters");
      if (!user_ids.empty () || !user_logins.empty ()) {
        std::vector<std::string> logins;
        for (const auto &id : user_ids) {
          std::string u = user_by_id (id);
          if (!u.empty ())
            logins.push_back (field_of (u, "login"));
        }
        for (const auto &l : user_logins)
          logins.push_back (lower (l));
        std::string body = "{\"data\":[";
        bool first = true;
        for (const auto &l : logins) {
          std::string s;
          auto it = live.find (l);
          if (it != live.end ()) {
            if (!it->second.live)
              continue;
            std::string u = user_by_login (l);
            s = stream_json ("40000000001", field_of (u, "id"), l,
                field_of (u, "display_name"), it->second, "en");
          } else {
            auto id = gen_id_of_login (l);
            if (!id || *id < kStreamerIdBase
                || *id >= kStreamerIdBase + opt.streams)
              continue;
            int64_t i = *id - kStreamerIdBase;
            s = stream_json (std::to_string (41000000000 + i),
                std::to_string (*id), l, pad ("Streamer", i, 4),
                streamer_state (i), language_for (i));
          }
          if (!first)
            body += ',';
          first = false;
          body += s;
        }
        body += "],\"pagination\":{}}";
        return json (200, body);
      }
      /* Top streams, filtered by game and language. */
      auto games = params (q, "game_id");
      auto langs = params (q, "language");
      std::vector<int64_t> idx;
      for (int64_t i = 0; i < opt.streams; i++) {
        if (!games.empty ()
            && std::find (games.begin (), games.end (), game_id_for (i))
                   == games.end ())
          continue;
        if (!langs.empty ()
            && std::find (langs.begin (), langs.end (), language_for (i))
                   == langs.end ())
          continue;
        idx.push_back (i);
      }
      return page (q, static_cast<int64_t> (idx.size ()), [&] (int64_t k) {
        int64_t i = idx[k];
        return stream_json (std::to_string (41000000000 + i),
            std::to_string (kStreamerIdBase + i), pad ("streamer", i, 4),
            pad ("Streamer", i, 4), streamer_state (i), language_for (i));
      });
    }
    if (path == "/helix/channels/followers") {
      std::string b = param (q, "broadcaster_id");
      if (b.empty ())
        return error (400, "Missing required parameter \"broadcaster_id\"");
      int64_t count = follower_total (b);
      std::string extra = "\"total\":" + std::to_string (count);
      /* Twitch answers only the total without the scope (no 401). */
      bool may_list = has_scope (tok, "moderator:read:followers")
                      && !tok.user_id.empty ();
      if (!may_list)
        return json (200, "{" + extra + ",\"data\":[],\"pagination\":{}}");
      return page (
          q, count,
          [] (int64_t i) {
            std::string s
                = "{\"user_id\":\"" + std::to_string (kFollowerIdBase + i)
                  + "\",\"user_name\":\"" + pad ("Follower", i, 6)
                  + "\",\"user_login\":\"" + pad ("follower", i, 6)
                  + "\",\"followed_at\":\"" + iso (kBase - i * 29) + "\"}";
            return s;
          },
          extra);
    }
    if (path == "/helix/channels/followed") {
      std::string u = param (q, "user_id");
      if (u.empty ())
        return error (400, "Missing required parameter \"user_id\"");
      if (!has_scope (tok, "user:read:follows") || tok.user_id.empty ())
        return missing_scope ("user:read:follows");
      if (u != tok.user_id)
        return error (400, "The ID in user_id must match the user ID found "
                           "in the request's OAuth token");
      int64_t count = opt.followed;
      return page (
          q, count,
          [] (int64_t i) {
            return "{\"broadcaster_id\":\""
                   + std::to_string (kChannelIdBase + i)
                   + "\",\"broadcaster_login\":\"" + pad ("channel", i, 4)
                   + "\",\"broadcaster_name\":\"" + pad ("Channel", i, 4)
                   + "\",\"followed_at\":\"" + iso (kBase - i * 86400 - 4000)
                   + "\"}";
          },
          "\"total\":" + std::to_string (count));
    }
    if (path == "/helix/videos") {
      std::string u = param (q, "user_id");
      auto ids = params (q, "id");
      std::string game = param (q, "game_id");
      if (u.empty () && ids.empty () && game.empty ())
        return error (400, "One of id, user_id or game_id is required");
      std::string type = param (q, "type");
      if (type.empty ())
        type = "all";
      if (type != "all" && type != "archive" && type != "highlight"
          && type != "upload")
        return error (400, "The parameter \"type\" was malformed");
      int64_t count = (u == kMainId && (type == "all" || type == "archive"))
                          ? opt.videos
                          : 0;
      return page (q, count, [] (int64_t i) {
        int64_t created = kBase - i * 86400 * 2 - 3 * 3600;
        int64_t h = 1 + i % 5, m = (i * 7) % 60, s = (i * 13) % 60;
        std::string dur = std::to_string (h) + "h" + std::to_string (m) + "m"
                          + std::to_string (s) + "s";
        std::string id = std::to_string (kVideoIdBase + i);
        return "{\"id\":\"" + id + "\",\"stream_id\":\""
               + std::to_string (39000000000 + i)
               + "\",\"user_id\":\"141981764\",\"user_login\":\"twitchdev\","
                 "\"user_name\":\"TwitchDev\",\"title\":\"Past broadcast "
               + std::to_string (i)
               + "\",\"description\":\"\",\"created_at\":\"" + iso (created)
               + "\",\"published_at\":\"" + iso (created)
               + "\",\"url\":\"https://www.twitch.tv/videos/" + id
               + "\",\"thumbnail_url\":\"\",\"viewable\":\"public\","
                 "\"view_count\":"
               + std::to_string (1000 + i * 17)
               + ",\"language\":\"en\",\"type\":\"archive\",\"duration\":\""
               + dur + "\",\"muted_segments\":null}";
      });
    }
    if (path == "/helix/clips") {
      std::string b = param (q, "broadcaster_id");
      auto ids = params (q, "id");
      std::string game = param (q, "game_id");
      if (b.empty () && ids.empty () && game.empty ())
        return error (400, "One of broadcaster_id, game_id or id is required");
      if (!ids.empty ()) {
        std::string body = "{\"data\":[";
        bool first = true;
        for (const auto &c : fixture_clips)
          if (std::find (ids.begin (), ids.end (), field_of (c, "id"))
              != ids.end ()) {
            if (!first)
              body += ',';
            first = false;
            body += c;
          }
        return json (200, body + "],\"pagination\":{}}");
      }
      int64_t started = 0, ended = INT64_MAX;
      std::string sa = param (q, "started_at"), ea = param (q, "ended_at");
      auto parse_time = [] (const std::string &s, int64_t &out) {
        GTimeZone *utc = g_time_zone_new_utc ();
        GDateTime *dt = g_date_time_new_from_iso8601 (s.c_str (), utc);
        g_time_zone_unref (utc);
        if (!dt)
          return false;
        out = g_date_time_to_unix (dt);
        g_date_time_unref (dt);
        return true;
      };
      if ((!sa.empty () && !parse_time (sa, started))
          || (!ea.empty () && !parse_time (ea, ended)))
        return error (400, "started_at and ended_at must be RFC 3339 times");
      std::vector<int64_t> idx;
      if (b == kMainId)
        for (int64_t i = 0; i < opt.clips; i++) {
          int64_t created = kBase - i * 43200;
          if (created >= started && created <= ended)
            idx.push_back (i);
        }
      return page (q, static_cast<int64_t> (idx.size ()), [&] (int64_t k) {
        int64_t i = idx[k];
        std::string id = pad ("FakeClip", i, 5) + "SwiftRage";
        return "{\"id\":\"" + id + "\",\"url\":\"https://clips.twitch.tv/" + id
               + "\",\"embed_url\":\"https://clips.twitch.tv/embed?clip=" + id
               + "\",\"broadcaster_id\":\"141981764\",\"broadcaster_name\":"
                 "\"TwitchDev\",\"creator_id\":\""
               + std::to_string (kChatterIdBase + i % 250)
               + "\",\"creator_name\":\"" + pad ("Chatter", i % 250, 4)
               + "\",\"video_id\":\"" + std::to_string (kVideoIdBase + i / 4)
               + "\",\"game_id\":\"509670\",\"language\":\"en\",\"title\":"
                 "\"Clip "
               + std::to_string (i)
               + "\",\"view_count\":" + std::to_string (5000 / (i + 1))
               + ",\"created_at\":\"" + iso (kBase - i * 43200)
               + "\",\"thumbnail_url\":\"\",\"duration\":"
               + std::to_string (10 + i % 50) + ".5,\"vod_offset\":"
               + (i % 3 ? std::to_string (i * 60) : std::string ("null"))
               + ",\"is_featured\":" + (i % 10 == 0 ? "true" : "false") + "}";
      });
    }
    if (path == "/helix/chat/chatters") {
      std::string b = param (q, "broadcaster_id");
      std::string m = param (q, "moderator_id");
      if (b.empty () || m.empty ())
        return error (400, "broadcaster_id and moderator_id are required");
      if (!has_scope (tok, "moderator:read:chatters") || tok.user_id.empty ())
        return missing_scope ("moderator:read:chatters");
      if (m != tok.user_id)
        return error (403, "The ID in moderator_id must match the user ID in "
                           "the access token");
      int64_t count = b == kMainId ? opt.chatters : 0;
      return page (
          q, count,
          [] (int64_t i) {
            return "{\"user_id\":\"" + std::to_string (kChatterIdBase + i)
                   + "\",\"user_login\":\"" + pad ("chatter", i, 4)
                   + "\",\"user_name\":\"" + pad ("Chatter", i, 4) + "\"}";
          },
          "\"total\":" + std::to_string (count));
    }
    if (path == "/helix/moderation/moderators") {
      std::string b = param (q, "broadcaster_id");
      if (b.empty ())
        return error (400, "Missing required parameter \"broadcaster_id\"");
      if (!has_scope (tok, "moderation:read") || tok.user_id.empty ())
        return missing_scope ("moderation:read");
      if (b != tok.user_id)
        return error (403, "The ID in broadcaster_id must match the user ID "
                           "found in the request's OAuth token");
      /* The first chatters are the moderators. */
      int64_t count = std::min<int64_t> (opt.moderators, opt.chatters);
      return page (q, count, [] (int64_t i) {
        return "{\"user_id\":\"" + std::to_string (kChatterIdBase + i)
               + "\",\"user_login\":\"" + pad ("chatter", i, 4)
               + "\",\"user_name\":\"" + pad ("Chatter", i, 4) + "\"}";
      });
    }
    if (path == "/helix/games") {
      auto ids = params (q, "id");
      auto names = params (q, "name");
      auto igdb = params (q, "igdb_id");
      if (ids.size () + names.size () + igdb.size () > 100)
        return error (400, "At most 100 id, name and igdb_id parameters");
      if (ids.empty () && names.empty () && igdb.empty ())
        return error (400, "One of id, name or igdb_id is required");
      std::string body = "{\"data\":[";
      bool first = true;
      auto add = [&] (const std::string &g) {
        if (!first)
          body += ',';
        first = false;
        body += g;
      };
      for (const auto &g : fixture_games) {
        std::string id = field_of (g, "id"), name = field_of (g, "name");
        if (std::find (ids.begin (), ids.end (), id) != ids.end ()
            || std::find (names.begin (), names.end (), name) != names.end ())
          add (g);
      }
      for (const auto &id : ids) {
        int64_t n = 0;
        if (parse_int (id, n) && n >= kGameIdBase
            && n < kGameIdBase + opt.top_games)
          add (gen_game (n - kGameIdBase));
      }
      for (const auto &name : names)
        if (name.compare (0, 5, "Game ") == 0) {
          int64_t n = 0;
          if (parse_int (name.substr (5), n) && n >= 0 && n < opt.top_games)
            add (gen_game (n));
        }
      return json (200, body + "]}");
    }
    if (path == "/helix/games/top") {
      int64_t n_fixture = static_cast<int64_t> (fixture_games.size ());
      return page (q, opt.top_games + n_fixture, [&] (int64_t i) {
        return i < n_fixture ? fixture_games[i] : gen_game (i - n_fixture);
      });
    }
    if (path == "/helix/search/channels") {
      std::string query = lower (param (q, "query"));
      if (query.empty ())
        return error (400, "Missing required parameter \"query\"");
      bool live_only = param (q, "live_only") == "true";
      std::vector<std::string> rows;
      for (const auto &kv : fixture_users_by_login) {
        if (kv.first.find (query) == std::string::npos)
          continue;
        auto it = live.find (kv.first);
        bool is_live = it != live.end () && it->second.live;
        if (live_only && !is_live)
          continue;
        rows.push_back (search_row (
            kv.second, is_live, is_live ? it->second : LiveState{}, 0));
      }
      for (int64_t i = 0; i < opt.streams; i++) {
        std::string l = pad ("streamer", i, 4);
        if (l.find (query) != std::string::npos)
          rows.push_back (search_row (
              gen_user (kStreamerIdBase + i), true, streamer_state (i), i));
      }
      if (!live_only)
        for (int64_t i = 0; i < opt.followed; i++) {
          std::string l = pad ("channel", i, 4);
          if (l.find (query) != std::string::npos)
            rows.push_back (
                search_row (gen_user (kChannelIdBase + i), false, {}, i));
        }
      return page (q, static_cast<int64_t> (rows.size ()),
          [&] (int64_t i) { return rows[i]; });
    }
    if (path == "/helix/subscriptions") {
      std::string b = param (q, "broadcaster_id");
      if (b.empty ())
        return error (400, "Missing required parameter \"broadcaster_id\"");
      if (!has_scope (tok, "channel:read:subscriptions")
          || tok.user_id.empty ())
        return missing_scope ("channel:read:subscriptions");
      if (b != tok.user_id)
        return error (400, "broadcaster_id must match the user ID in the "
                           "access token");
      int64_t count = opt.subscriptions;
      return page (
          q, count,
          [] (int64_t i) {
            bool gift = i % 4 == 0;
            std::string tier
                = i % 10 == 0 ? "3000" : (i % 5 == 0 ? "2000" : "1000");
            return "{\"broadcaster_id\":\"141981764\",\"broadcaster_login\":"
                   "\"twitchdev\",\"broadcaster_name\":\"TwitchDev\","
                   "\"gifter_id\":\""
                   + std::string (gift ? "12826" : "")
                   + "\",\"gifter_login\":\"" + (gift ? "twitch" : "")
                   + "\",\"gifter_name\":\"" + (gift ? "Twitch" : "")
                   + "\",\"is_gift\":" + (gift ? "true" : "false")
                   + ",\"tier\":\"" + tier
                   + "\",\"plan_name\":\"Channel Subscription (twitchdev)\","
                     "\"user_id\":\""
                   + std::to_string (kSubIdBase + i) + "\",\"user_name\":\""
                   + pad ("Subscriber", i, 4) + "\",\"user_login\":\""
                   + pad ("subscriber", i, 4) + "\"}";
          },
          "\"total\":" + std::to_string (count)
              + ",\"points\":" + std::to_string (count));
    }
    return error (404, "No such endpoint in the Helix fake: " + path);
  }

  static std::string gen_game (int64_t i)
  {
    std::string id = std::to_string (kGameIdBase + i);
    return "{\"id\":\"" + id + "\",\"name\":\"Game " + std::to_string (i)
           + "\",\"box_art_url\":\"https://static-cdn.jtvnw.net/ttv-boxart/"
           + id + "-{width}x{height}.jpg\",\"igdb_id\":\""
           + std::to_string (90000 + i) + "\"}";
  }

  std::string search_row (const std::string &user, bool is_live,
      const LiveState &s, int64_t i) const
  {
    return "{\"broadcaster_language\":\"" + language_for (i)
           + "\",\"broadcaster_login\":" + jesc (field_of (user, "login"))
           + ",\"display_name\":" + jesc (field_of (user, "display_name"))
           + ",\"game_id\":\"" + (is_live ? s.game_id : game_id_for (i))
           + "\",\"game_name\":"
           + jesc (is_live ? s.game_name : game_name_for (i)) + ",\"id\":\""
           + field_of (user, "id")
           + "\",\"is_live\":" + (is_live ? "true" : "false")
           + ",\"tag_ids\":[],\"tags\":[],\"thumbnail_url\":"
           + jesc (field_of (user, "profile_image_url"))
           + ",\"title\":" + jesc (is_live ? s.title : field_of (user, "login"))
           + ",\"started_at\":\"" + (is_live ? iso (s.started_at) : "") + "\"}";
  }

  /* ---- OAuth ------------------------------------------------------------ */

  std::string issue_user_token (const std::vector<std::string> &sc)
  {
    issued++;
    char buf[64];
    snprintf (buf, sizeof buf, "fakeusertoken%016llu",
        static_cast<unsigned long long> (issued + 1));
    std::string t = buf;
    snprintf (buf, sizeof buf, "fakerefreshtoken%014llu",
        static_cast<unsigned long long> (issued + 1));
    user_token = t;
    refresh_token = buf;
    refresh_revoked = false;
    tokens[t] = TokenRec{
        kMainId, kMainLogin, sc, now_s () + opt.token_lifetime_s, true};
    return t;
  }

  std::string token_answer (const std::string &access,
      const std::string &refresh, const std::vector<std::string> &sc,
      int64_t expires_in)
  {
    std::string scope = "[";
    for (size_t i = 0; i < sc.size (); i++)
      scope += (i ? "," : "") + jesc (sc[i]);
    scope += "]";
    std::string body = "{\"access_token\":\"" + access
                       + "\",\"expires_in\":" + std::to_string (expires_in);
    if (!refresh.empty ())
      body += ",\"refresh_token\":\"" + refresh + "\"";
    if (!refresh.empty ())
      body += ",\"scope\":" + scope;
    body += ",\"token_type\":\"bearer\"}";
    return body;
  }

  Response oauth (const std::string &method, const std::string &path,
      const Params &form, const char *authorization)
  {
    if (path == "/oauth2/validate") {
      std::string tok;
      if (authorization) {
        if (g_str_has_prefix (authorization, "OAuth "))
          tok = authorization + 6;
        else if (g_str_has_prefix (authorization, "Bearer "))
          tok = authorization + 7;
      }
      auto it = tokens.find (tok);
      if (tok.empty () || it == tokens.end () || !it->second.valid
          || it->second.expires_at <= now_s ())
        return oauth_error (401, "invalid access token");
      const TokenRec &r = it->second;
      std::string sc = "[";
      for (size_t i = 0; i < r.scopes.size (); i++)
        sc += (i ? "," : "") + jesc (r.scopes[i]);
      sc += "]";
      std::string body = "{\"client_id\":\"" + opt.client_id + "\"";
      if (!r.user_id.empty ())
        body += ",\"login\":\"" + r.login + "\",\"user_id\":\"" + r.user_id
                + "\"";
      body += ",\"scopes\":" + sc + ",\"expires_in\":"
              + std::to_string (r.expires_at - now_s ()) + "}";
      return json (200, body);
    }
    if (method != "POST")
      return oauth_error (405, "method not allowed");
    if (path == "/oauth2/revoke") {
      /* Twitch: 200 and the token is dead; 400 for a token it does not
       * know. */
      if (param (form, "client_id") != opt.client_id)
        return oauth_error (400, "invalid client");
      auto it = tokens.find (param (form, "token"));
      if (it == tokens.end () || !it->second.valid)
        return oauth_error (400, "Invalid token");
      it->second.valid = false;
      return json (200, "{}");
    }
    if (path == "/oauth2/device") {
      if (param (form, "client_id") != opt.client_id)
        return oauth_error (400, "invalid client");
      issued++;
      std::string code = "fakedevicecode" + std::to_string (issued)
                         + "ike3GM8QIdYZs43KdrWPIO36";
      Device d;
      d.device_code = code;
      gchar **sc = g_strsplit (param (form, "scopes").c_str (), " ", -1);
      for (gchar **p = sc; *p; p++)
        if (**p)
          d.scopes.emplace_back (*p);
      g_strfreev (sc);
      devices[code] = d;
      return json (200, "{\"device_code\":\"" + code
                            + "\",\"expires_in\":1800,\"interval\":1,"
                              "\"user_code\":\"ABCDEFGH\",\"verification_uri\":"
                              "\"https://www.twitch.tv/activate?public=true&"
                              "device-code=ABCDEFGH\"}");
    }
    if (path == "/oauth2/token") {
      std::string grant = param (form, "grant_type");
      std::string cid = param (form, "client_id");
      if (cid != opt.client_id)
        return oauth_error (400, "invalid client");
      if (grant == "client_credentials") {
        if (param (form, "client_secret") != opt.client_secret)
          return oauth_error (403, "invalid client secret");
        issued++;
        char buf[64];
        snprintf (buf, sizeof buf, "fakeapptoken%017llu",
            static_cast<unsigned long long> (issued));
        tokens[buf] = TokenRec{{}, {}, {}, now_s () + 5011271, true};
        return json (200, token_answer (buf, {}, {}, 5011271));
      }
      if (grant == "refresh_token") {
        std::string rt = param (form, "refresh_token");
        if (rt.empty () || rt != refresh_token || refresh_revoked)
          return oauth_error (400, "Invalid refresh token");
        std::string old = user_token;
        if (tokens.count (old))
          tokens[old].valid = false;
        std::string t = issue_user_token (scopes);
        return json (
            200, token_answer (t, refresh_token, scopes, opt.token_lifetime_s));
      }
      if (grant == "urn:ietf:params:oauth:grant-type:device_code") {
        auto it = devices.find (param (form, "device_code"));
        if (it == devices.end ())
          return oauth_error (400, "invalid device code");
        Device &d = it->second;
        d.polls++;
        bool ok = d.approved
                  || (opt.device_pending_polls >= 0
                      && d.polls > opt.device_pending_polls);
        if (!ok)
          return oauth_error (400, "authorization_pending");
        std::vector<std::string> sc = d.scopes;
        devices.erase (it);
        std::string t = issue_user_token (sc);
        return json (
            200, token_answer (t, refresh_token, sc, opt.token_lifetime_s));
      }
      return oauth_error (400, "unsupported grant type");
    }
    return oauth_error (404, "no such endpoint");
  }

  /* ---- Control ------------------------------------------------------------
   */

  Response control (const std::string &path, const Params &q)
  {
    if (path == "/_fake/stats") {
      std::string body
          = "{\"requests\":" + std::to_string (total) + ",\"paths\":{";
      bool first = true;
      for (const auto &kv : counts) {
        body += (first ? "" : ",") + jesc (kv.first) + ":"
                + std::to_string (kv.second);
        first = false;
      }
      return json (200, body + "}}");
    }
    if (path == "/_fake/reset") {
      counts.clear ();
      total = 0;
      faults.clear ();
      buckets.clear ();
      return json (200, "{}");
    }
    if (path == "/_fake/fault") {
      HelixFakeFault f;
      f.path = param (q, "path");
      f.kind = param (q, "kind").empty () ? "status" : param (q, "kind");
      int64_t v = 0;
      if (parse_int (param (q, "status"), v))
        f.status = static_cast<unsigned> (v);
      if (parse_int (param (q, "count"), v))
        f.count = static_cast<int> (v);
      if (parse_int (param (q, "delay_ms"), v))
        f.delay_ms = static_cast<int> (v);
      if (parse_int (param (q, "reset_in"), v))
        f.reset_in_s = static_cast<int> (v);
      if (parse_int (param (q, "depth"), v))
        f.depth = v;
      faults.push_back (f);
      return json (200, "{}");
    }
    if (path == "/_fake/live") {
      std::string login = param (q, "login").empty ()
                              ? kMainLogin
                              : lower (param (q, "login"));
      LiveState &s = live[login];
      bool was = s.live;
      s.live = param (q, "live") != "0";
      int64_t v = 0;
      if (parse_int (param (q, "viewers"), v))
        s.viewers = v;
      if (!param (q, "title").empty ())
        s.title = param (q, "title");
      if (!param (q, "game").empty ())
        s.game_name = param (q, "game");
      if (s.live && !was)
        s.started_at = now_s ();
      return json (200, "{}");
    }
    if (path == "/_fake/expire") {
      for (auto &kv : tokens)
        kv.second.valid = false;
      return json (200, "{}");
    }
    if (path.compare (0, 16, "/_fake/eventsub/") == 0)
      return eventsub_control (path.substr (16), q);
    if (path == "/_fake/rate") {
      int64_t l = 0, w = 0;
      if (parse_int (param (q, "limit"), l))
        opt.rate_limit = l;
      if (parse_int (param (q, "window"), w))
        opt.rate_window_s = w;
      buckets.clear ();
      return json (200, "{}");
    }
    return json (404, "{\"message\":\"no such control\"}");
  }

  /* The EventSub scripting over HTTP, for the standalone program (on the
   * fake's thread: the EventSub calls run at once). */
  Response eventsub_control (const std::string &what, const Params &q)
  {
    auto list = [] (const std::vector<std::string> &v) {
      std::string out = "[";
      for (size_t i = 0; i < v.size (); i++)
        out += (i ? "," : "") + jesc (v[i]);
      return out + "]";
    };
    int64_t v = 0;
    if (what == "stats")
      return json (200,
          "{\"sessions\":" + std::to_string (eventsub->sessions ())
              + ",\"connections\":" + std::to_string (eventsub->connections ())
              + ",\"subscriptions\":"
              + std::to_string (eventsub->subscriptions ())
              + ",\"notifications\":"
              + std::to_string (eventsub->notifications_sent ())
              + ",\"types\":" + list (eventsub->subscription_types ({}))
              + ",\"sent\":" + list (eventsub->sent_chat_messages ()) + "}");
    if (what == "chat") {
      std::string b = param (q, "broadcaster"), c = param (q, "chatter"),
                  t = param (q, "text");
      if (b.empty ())
        b = kMainLogin;
      if (c.empty () || t.empty () || t.size () > 2000)
        return error (400, "chat needs chatter= and text= (at most 2000 "
                           "bytes)");
      eventsub->chat_message (b, c, t);
      return json (200, "{}");
    }
    if (what == "fixture") {
      std::string name = param (q, "name");
      if (name.empty () || name.find ('/') != std::string::npos)
        return error (400, "fixture needs name= of a file of "
                           "tests/fixtures/eventsub");
      std::string text = read_text (eventsub_fixtures_dir + "/" + name);
      if (text.empty ())
        return error (404, "no such fixture: " + name);
      eventsub->notify_message (text);
      return json (200, "{}");
    }
    if (what == "reconnect") {
      eventsub->reconnect ();
      return json (200, "{}");
    }
    if (what == "close") {
      if (!parse_int (param (q, "code"), v) || v < 4000 || v > 4007)
        return error (400, "close needs code= between 4000 and 4007");
      eventsub->close_all (static_cast<unsigned short> (v));
      return json (200, "{}");
    }
    if (what == "drop") {
      eventsub->drop_all ();
      return json (200, "{}");
    }
    if (what == "silence") {
      eventsub->silence (param (q, "on") != "0");
      return json (200, "{}");
    }
    if (what == "drop-reason") {
      eventsub->set_drop_reason (param (q, "code"), param (q, "message"));
      return json (200, "{}");
    }
    if (what == "blast") {
      std::string b = param (q, "broadcaster");
      if (!parse_int (param (q, "count"), v) || v < 1 || v > 100000000)
        return error (400, "blast needs count= between 1 and 100000000");
      eventsub->blast (b.empty () ? kMainLogin : b, static_cast<uint64_t> (v));
      return json (200, "{}");
    }
    return json (404, "{\"message\":\"no such EventSub control\"}");
  }

  /* ---- Dispatch -----------------------------------------------------------
   */

  std::optional<HelixFakeFault> take_fault (const std::string &path)
  {
    for (auto it = faults.begin (); it != faults.end (); ++it) {
      if (!it->path.empty () && path.compare (0, it->path.size (), it->path))
        continue;
      HelixFakeFault f = *it;
      if (--it->count <= 0)
        faults.erase (it);
      return f;
    }
    return std::nullopt;
  }

  void add_rate_headers (
      Response &r, const std::string &bucket_key, bool zero, int reset_in)
  {
    if (!opt.rate_limit_headers)
      return;
    int64_t now = now_s ();
    Bucket &b = buckets[bucket_key];
    int64_t remaining = std::max<int64_t> (0, opt.rate_limit - b.used);
    int64_t reset = b.window_start + opt.rate_window_s;
    if (zero) {
      remaining = 0;
      reset = now + reset_in;
    }
    r.headers.emplace_back ("Ratelimit-Limit", std::to_string (opt.rate_limit));
    r.headers.emplace_back ("Ratelimit-Remaining", std::to_string (remaining));
    r.headers.emplace_back ("Ratelimit-Reset", std::to_string (reset));
  }

  Response handle (const std::string &method, const std::string &path,
      const Params &q, const Params &form, const std::string &raw_body,
      SoupMessageHeaders *req_headers)
  {
    std::lock_guard<std::mutex> g (lock);
    if (path.compare (0, 7, "/_fake/") == 0)
      return control (path, q);
    total++;
    counts[path]++;
    Response r;
    r.delay_ms = opt.latency_ms;
    auto fault = take_fault (path);
    if (fault && fault->kind == "slow")
      r.delay_ms += fault->delay_ms;
    if (fault && fault->kind == "status") {
      Response e = error (fault->status, "Scripted failure");
      e.delay_ms = r.delay_ms;
      return e;
    }
    if (fault && (fault->kind == "deep" || fault->kind == "big")) {
      /* Hostile bodies: nesting that overflows a recursive parser's stack,
       * or a body past any sane size. */
      size_t n = static_cast<size_t> (std::max<int64_t> (0, fault->depth));
      Response e
          = fault->kind == "deep"
                ? json (fault->status, "{\"message\":" + std::string (n, '[')
                                           + std::string (n, ']') + "}")
                : json (fault->status, "\"" + std::string (n, 'x') + "\"");
      e.delay_ms = r.delay_ms;
      return e;
    }
    if (path == "/ingests") {
      Response i = json (200, ingests_json);
      i.delay_ms = r.delay_ms;
      if (fault && fault->kind == "malformed")
        i.body = i.body.substr (0, i.body.size () / 2);
      return i;
    }
    if (path.compare (0, 8, "/oauth2/") == 0) {
      Response o = oauth (method, path, form,
          soup_message_headers_get_one (req_headers, "Authorization"));
      o.delay_ms = r.delay_ms;
      return o;
    }
    if (path.compare (0, 7, "/helix/") != 0)
      return error (404, "Not found");

    /* Helix: Client-Id and a Bearer token Twitch accepts. */
    const char *cid = soup_message_headers_get_one (req_headers, "Client-Id");
    const char *auth
        = soup_message_headers_get_one (req_headers, "Authorization");
    std::string tok = (auth && g_str_has_prefix (auth, "Bearer "))
                          ? std::string (auth + 7)
                          : std::string ();
    Response out;
    auto it = tokens.find (tok);
    if (tok.empty ()) {
      out = error (401, "OAuth token is missing");
    } else if (cid == nullptr || opt.client_id != cid) {
      out = error (401, "Client ID and OAuth token do not match");
    } else if (it == tokens.end () || !it->second.valid
               || it->second.expires_at <= now_s ()) {
      out = error (401, "Invalid OAuth token");
    } else {
      /* The token's bucket. */
      int64_t now = now_s ();
      Bucket &b = buckets[tok];
      if (b.window_start == 0 || now >= b.window_start + opt.rate_window_s) {
        b.window_start = now;
        b.used = 0;
      }
      b.used++;
      if (fault && fault->kind == "429") {
        out = error (429, "Too Many Requests");
        add_rate_headers (out, tok, true, fault->reset_in_s);
      } else if (b.used > opt.rate_limit) {
        out = error (429, "Too Many Requests");
        add_rate_headers (out, tok, false, 0);
      } else {
        if (EventSubFake::is_eventsub_path (path)) {
          auto a = eventsub->helix (
              method, path, q, raw_body, it->second.user_id, it->second.scopes);
          out = json (a.status, a.body);
        } else {
          out = helix (path, q, it->second);
        }
        add_rate_headers (out, tok, fault && fault->kind == "zero",
            fault ? fault->reset_in_s : 0);
        if (fault && fault->kind == "malformed" && out.status == 200)
          out.body = out.body.substr (0, out.body.size () / 2);
        if (fault && fault->kind == "cycle" && out.status == 200) {
          /* Cursors A, B, A, B...: a server whose paging never ends. */
          static const std::string a = cursor_for (1), b = cursor_for (2);
          const std::string &next = param (q, "after") == a ? b : a;
          auto pos = out.body.rfind ("\"pagination\":{");
          if (pos != std::string::npos)
            out.body = out.body.substr (0, pos)
                       + "\"pagination\":{\"cursor\":\"" + next + "\"}}";
        }
      }
    }
    out.delay_ms = r.delay_ms;
    return out;
  }

  /* Bodies past this are refused (413) before they are read, when the
   * client announces their length, and after otherwise. */
  static constexpr goffset kMaxRequestBody = 1024 * 1024;

  static void on_request_started (
      SoupServer *, SoupServerMessage *msg, gpointer)
  {
    g_signal_connect (msg, "got-headers",
        G_CALLBACK (+[] (SoupServerMessage *m, gpointer) {
          goffset len = soup_message_headers_get_content_length (
              soup_server_message_get_request_headers (m));
          if (len > kMaxRequestBody)
            soup_server_message_set_status (m, 413, nullptr);
        }),
        nullptr);
  }

  static void on_request (SoupServer *, SoupServerMessage *msg,
      const char *path, GHashTable *, gpointer data)
  {
    auto *self = static_cast<Impl *> (data);
    GUri *uri = soup_server_message_get_uri (msg);
    Params q = parse_params (g_uri_get_query (uri));
    Params form;
    SoupMessageBody *body = soup_server_message_get_request_body (msg);
    std::string method = soup_server_message_get_method (msg);
    std::string raw;
    if (body && body->length > kMaxRequestBody) {
      static const char too_big[]
          = "{\"error\":\"Payload Too Large\",\"status\":413,"
            "\"message\":\"The request body is larger than the fake "
            "accepts\"}";
      soup_server_message_set_status (msg, 413, nullptr);
      soup_server_message_set_response (msg, "application/json",
          SOUP_MEMORY_STATIC, too_big, sizeof too_big - 1);
      return;
    }
    if (method == "POST" && body && body->length > 0) {
      raw.assign (body->data, body->length);
      form = parse_params (raw.c_str ());
      /* client_id may also come in the query (Twitch accepts both). */
      for (const auto &kv : q)
        form.push_back (kv);
    }
    /* The Twitch CLI's mock-api serves Helix under /mock/ (twurple's
     * mockServerPort uses it): the same endpoints. */
    std::string p = path;
    if (p.compare (0, 6, "/mock/") == 0)
      p = "/helix/" + p.substr (6);
    /* ... and its EventSub WebSocket server takes subscriptions at
     * /eventsub/subscriptions (twurple's eventsub-ws with mockServerPort). */
    if (p == "/eventsub/subscriptions")
      p = "/helix" + p;
    Response r = self->handle (
        method, p, q, form, raw, soup_server_message_get_request_headers (msg));
    soup_server_message_set_status (msg, r.status, nullptr);
    SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
    for (const auto &kv : r.headers)
      soup_message_headers_replace (h, kv.first.c_str (), kv.second.c_str ());
    if (r.status != SOUP_STATUS_NO_CONTENT)
      soup_server_message_set_response (msg, "application/json",
          SOUP_MEMORY_COPY, r.body.data (), r.body.size ());
    if (r.delay_ms > 0) {
      soup_server_message_pause (msg);
      g_object_ref (msg);
      GSource *src = g_timeout_source_new (r.delay_ms);
      g_source_set_callback (
          src,
          [] (gpointer m) -> gboolean {
            auto *sm = static_cast<SoupServerMessage *> (m);
            soup_server_message_unpause (sm);
            g_object_unref (sm);
            return G_SOURCE_REMOVE;
          },
          msg, nullptr);
      g_source_attach (src, g_main_context_get_thread_default ());
      g_source_unref (src);
    }
  }
};

HelixFake::HelixFake (HelixFakeOptions options)
    : impl_ (std::make_unique<Impl> (std::move (options)))
{
}

HelixFake::~HelixFake ()
{
  stop ();
}

bool
HelixFake::start (GError **error)
{
  Impl &p = *impl_;
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  GError *listen_error = nullptr;
  p.context = g_main_context_new ();
  p.loop = g_main_loop_new (p.context, FALSE);
  p.thread = std::thread ([&p, &m, &cv, &ready, &listen_error] () {
    g_main_context_push_thread_default (p.context);
    p.server = soup_server_new ("server-header", "helix-fake ", nullptr);
    soup_server_add_handler (p.server, nullptr, Impl::on_request, &p, nullptr);
    g_signal_connect (p.server, "request-started",
        G_CALLBACK (Impl::on_request_started), nullptr);
    GError *e = nullptr;
    GSocketAddress *addr
        = g_inet_socket_address_new_from_string ("127.0.0.1", p.opt.port);
    if (soup_server_listen (p.server, addr, (SoupServerListenOptions)0, &e)) {
      /* The bound port, from the listener (soup_server_get_uris() leaks a
       * socket address in libsoup 3.2). */
      GSList *listeners = soup_server_get_listeners (p.server);
      if (listeners) {
        GSocketAddress *local
            = g_socket_get_local_address (G_SOCKET (listeners->data), nullptr);
        if (local) {
          p.port
              = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
          g_object_unref (local);
        }
      }
      g_slist_free (listeners);
      p.eventsub->attach (p.server, p.context, p.port);
    }
    g_object_unref (addr);
    if (p.opt.flip_live_every_s > 0) {
      GSource *src = g_timeout_source_new_seconds (p.opt.flip_live_every_s);
      g_source_set_callback (
          src,
          [] (gpointer d) -> gboolean {
            auto *impl = static_cast<Impl *> (d);
            std::lock_guard<std::mutex> g (impl->lock);
            LiveState &s = impl->live[kMainLogin];
            s.live = !s.live;
            if (s.live)
              s.started_at = Impl::now_s ();
            return G_SOURCE_CONTINUE;
          },
          &p, nullptr);
      g_source_attach (src, p.context);
      g_source_unref (src);
    }
    {
      std::lock_guard<std::mutex> g (m);
      listen_error = e;
      ready = true;
    }
    cv.notify_all ();
    if (e == nullptr)
      g_main_loop_run (p.loop);
    p.eventsub->detach ();
    soup_server_disconnect (p.server);
    g_clear_object (&p.server);
    /* Let pending unpause timeouts and connection teardown run. */
    while (g_main_context_iteration (p.context, FALSE))
      ;
    g_main_context_pop_thread_default (p.context);
  });
  std::unique_lock<std::mutex> lk (m);
  cv.wait (lk, [&] { return ready; });
  if (listen_error) {
    g_propagate_error (error, listen_error);
    lk.unlock ();
    p.thread.join ();
    g_main_loop_unref (p.loop);
    g_main_context_unref (p.context);
    p.loop = nullptr;
    p.context = nullptr;
    return false;
  }
  return true;
}

void
HelixFake::stop ()
{
  Impl &p = *impl_;
  if (!p.thread.joinable ())
    return;
  g_main_context_invoke (
      p.context,
      [] (gpointer l) -> gboolean {
        g_main_loop_quit (static_cast<GMainLoop *> (l));
        return G_SOURCE_REMOVE;
      },
      p.loop);
  p.thread.join ();
  g_main_loop_unref (p.loop);
  g_main_context_unref (p.context);
  p.loop = nullptr;
  p.context = nullptr;
}

int
HelixFake::port () const
{
  return impl_->port;
}

std::string
HelixFake::base_url () const
{
  return "http://127.0.0.1:" + std::to_string (impl_->port);
}

const HelixFakeOptions &
HelixFake::options () const
{
  return impl_->opt;
}

void
HelixFake::add_fault (const HelixFakeFault &fault)
{
  std::lock_guard<std::mutex> g (impl_->lock);
  impl_->faults.push_back (fault);
}

void
HelixFake::clear_faults ()
{
  std::lock_guard<std::mutex> g (impl_->lock);
  impl_->faults.clear ();
}

void
HelixFake::expire_tokens ()
{
  std::lock_guard<std::mutex> g (impl_->lock);
  for (auto &kv : impl_->tokens)
    kv.second.valid = false;
}

void
HelixFake::revoke_refresh_tokens ()
{
  std::lock_guard<std::mutex> g (impl_->lock);
  impl_->refresh_revoked = true;
}

void
HelixFake::set_user_scopes (const std::vector<std::string> &scopes)
{
  std::lock_guard<std::mutex> g (impl_->lock);
  impl_->scopes = scopes;
  auto it = impl_->tokens.find (impl_->user_token);
  if (it != impl_->tokens.end ())
    it->second.scopes = scopes;
}

void
HelixFake::set_rate_limit (int64_t limit, int64_t window_s)
{
  std::lock_guard<std::mutex> g (impl_->lock);
  impl_->opt.rate_limit = limit;
  impl_->opt.rate_window_s = window_s;
  impl_->buckets.clear ();
}

void
HelixFake::set_live (const std::string &login, bool live, int64_t viewers,
    const std::string &title, const std::string &game_name)
{
  std::lock_guard<std::mutex> g (impl_->lock);
  LiveState &s = impl_->live[lower (login)];
  if (live && !s.live)
    s.started_at = Impl::now_s ();
  s.live = live;
  s.viewers = viewers;
  if (!title.empty ())
    s.title = title;
  if (!game_name.empty ())
    s.game_name = game_name;
}

void
HelixFake::approve_device ()
{
  std::lock_guard<std::mutex> g (impl_->lock);
  for (auto &kv : impl_->devices)
    kv.second.approved = true;
}

uint64_t
HelixFake::requests () const
{
  std::lock_guard<std::mutex> g (impl_->lock);
  return impl_->total;
}

uint64_t
HelixFake::requests (const std::string &path) const
{
  std::lock_guard<std::mutex> g (impl_->lock);
  auto it = impl_->counts.find (path);
  return it == impl_->counts.end () ? 0 : it->second;
}

std::map<std::string, uint64_t>
HelixFake::requests_by_path () const
{
  std::lock_guard<std::mutex> g (impl_->lock);
  return impl_->counts;
}

void
HelixFake::reset_stats ()
{
  std::lock_guard<std::mutex> g (impl_->lock);
  impl_->counts.clear ();
  impl_->total = 0;
}

std::string
HelixFake::current_user_token () const
{
  std::lock_guard<std::mutex> g (impl_->lock);
  return impl_->user_token;
}

std::string
HelixFake::current_refresh_token () const
{
  std::lock_guard<std::mutex> g (impl_->lock);
  return impl_->refresh_token;
}

/* ---- EventSub: the work is in eventsub_fake.cpp ---- */

std::string
HelixFake::eventsub_url () const
{
  return impl_->eventsub->url ();
}

void
HelixFake::eventsub_notify (
    const std::string &type, const std::string &event_json)
{
  impl_->eventsub->notify (type, event_json, {});
}

void
HelixFake::eventsub_notify_with_id (const std::string &type,
    const std::string &event_json, const std::string &message_id)
{
  impl_->eventsub->notify (type, event_json, message_id);
}

bool
HelixFake::eventsub_notify_fixture (const std::string &name)
{
  std::string path = g_path_is_absolute (name.c_str ())
                         ? name
                         : impl_->eventsub_fixtures_dir + "/" + name;
  std::string text = read_text (path);
  if (text.empty ())
    return false;
  impl_->eventsub->notify_message (text);
  return true;
}

void
HelixFake::eventsub_chat_message (const std::string &broadcaster_login,
    const std::string &chatter_login, const std::string &text)
{
  impl_->eventsub->chat_message (broadcaster_login, chatter_login, text);
}

void
HelixFake::eventsub_reconnect ()
{
  impl_->eventsub->reconnect ();
}

void
HelixFake::eventsub_close (unsigned short code)
{
  impl_->eventsub->close_all (code);
}

void
HelixFake::eventsub_drop ()
{
  impl_->eventsub->drop_all ();
}

void
HelixFake::eventsub_silence (bool on)
{
  impl_->eventsub->silence (on);
}

void
HelixFake::set_drop_reason (const std::string &code, const std::string &message)
{
  impl_->eventsub->set_drop_reason (code, message);
}

void
HelixFake::eventsub_blast (const std::string &broadcaster_login, uint64_t count)
{
  impl_->eventsub->blast (broadcaster_login, count);
}

void
HelixFake::eventsub_revoke (const std::string &type, const std::string &status)
{
  impl_->eventsub->revoke (type, status);
}

size_t
HelixFake::eventsub_sessions () const
{
  return impl_->eventsub->sessions ();
}

uint64_t
HelixFake::eventsub_connections () const
{
  return impl_->eventsub->connections ();
}

size_t
HelixFake::eventsub_subscriptions () const
{
  return impl_->eventsub->subscriptions ();
}

std::vector<std::string>
HelixFake::eventsub_subscription_types (const std::string &session_id) const
{
  return impl_->eventsub->subscription_types (session_id);
}

std::vector<std::string>
HelixFake::eventsub_session_ids () const
{
  return impl_->eventsub->session_ids ();
}

uint64_t
HelixFake::eventsub_notifications () const
{
  return impl_->eventsub->notifications_sent ();
}

std::vector<std::string>
HelixFake::sent_chat_messages () const
{
  return impl_->eventsub->sent_chat_messages ();
}

} // namespace twitch_test
