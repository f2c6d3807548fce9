#include "config.h"

#include <gst/twitch/helix/helix.h>

#include <json-glib/json-glib.h>

#include <cstdlib>
#include <string>

namespace twitch
{

std::optional<TimeUs>
time_parse_iso8601 (std::string_view s)
{
  if (s.empty ())
    return std::nullopt;
  std::string str (s);
  GTimeZone *utc = g_time_zone_new_utc ();
  GDateTime *dt = g_date_time_new_from_iso8601 (str.c_str (), utc);
  g_time_zone_unref (utc);
  if (dt == nullptr)
    return std::nullopt;
  TimeUs us = g_date_time_to_unix (dt) * G_USEC_PER_SEC
              + g_date_time_get_microsecond (dt);
  g_date_time_unref (dt);
  return us;
}

std::string
time_to_iso8601 (TimeUs t)
{
  if (t == 0)
    return {};
  GDateTime *dt = time_to_gdatetime (t);
  if (dt == nullptr)
    return {};
  gchar *s = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
  std::string out (s ? s : "");
  g_free (s);
  g_date_time_unref (dt);
  return out;
}

GDateTime *
time_to_gdatetime (TimeUs t)
{
  if (t == 0)
    return nullptr;
  /* Floor division: times before 1970 stay correct. */
  int64_t sec = t / G_USEC_PER_SEC;
  int64_t usec = t % G_USEC_PER_SEC;
  if (usec < 0) {
    sec -= 1;
    usec += G_USEC_PER_SEC;
  }
  GDateTime *whole = g_date_time_new_from_unix_utc (sec);
  if (whole == nullptr)
    return nullptr;
  GDateTime *dt = g_date_time_add (whole, usec);
  g_date_time_unref (whole);
  return dt;
}

int64_t
duration_parse (std::string_view s)
{
  if (s.empty ())
    return -1;
  int64_t total = 0;
  int64_t number = -1;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      number = (number < 0 ? 0 : number) * 10 + (c - '0');
      if (number > (int64_t{1} << 40))
        return -1;
      continue;
    }
    if (number < 0)
      return -1;
    switch (c) {
      case 'h':
        total += number * 3600;
        break;
      case 'm':
        total += number * 60;
        break;
      case 's':
        total += number;
        break;
      default:
        return -1;
    }
    number = -1;
  }
  if (number >= 0) /* trailing digits without a unit: seconds */
    total += number;
  return total;
}

namespace
{

std::string
str (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == nullptr || !JSON_NODE_HOLDS_VALUE (n))
    return {};
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_STRING)
    return json_node_get_string (n);
  if (t == G_TYPE_INT64)
    return std::to_string (json_node_get_int (n));
  return {};
}

int64_t
num (JsonObject *o, const char *name, int64_t dflt = 0)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == nullptr || !JSON_NODE_HOLDS_VALUE (n))
    return dflt;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    return json_node_get_int (n);
  if (t == G_TYPE_DOUBLE)
    return static_cast<int64_t> (json_node_get_double (n));
  if (t == G_TYPE_STRING) {
    const char *s = json_node_get_string (n);
    char *end = nullptr;
    gint64 v = g_ascii_strtoll (s, &end, 10);
    return (end && end != s && *end == '\0') ? v : dflt;
  }
  return dflt;
}

double
dbl (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == nullptr || !JSON_NODE_HOLDS_VALUE (n))
    return 0.0;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_DOUBLE)
    return json_node_get_double (n);
  if (t == G_TYPE_INT64)
    return static_cast<double> (json_node_get_int (n));
  return 0.0;
}

bool
boolean (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == nullptr || !JSON_NODE_HOLDS_VALUE (n))
    return false;
  return json_node_get_value_type (n) == G_TYPE_BOOLEAN
         && json_node_get_boolean (n);
}

TimeUs
time (JsonObject *o, const char *name)
{
  return time_parse_iso8601 (str (o, name)).value_or (0);
}

std::vector<std::string>
strings (JsonObject *o, const char *name)
{
  std::vector<std::string> out;
  JsonNode *n = json_object_get_member (o, name);
  if (n == nullptr || !JSON_NODE_HOLDS_ARRAY (n))
    return out;
  JsonArray *a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonNode *e = json_array_get_element (a, i);
    if (JSON_NODE_HOLDS_VALUE (e)
        && json_node_get_value_type (e) == G_TYPE_STRING)
      out.emplace_back (json_node_get_string (e));
  }
  return out;
}

void
parse_one (JsonObject *o, User &u)
{
  u.id = str (o, "id");
  u.login = str (o, "login");
  u.display_name = str (o, "display_name");
  u.type = str (o, "type");
  u.broadcaster_type = str (o, "broadcaster_type");
  u.description = str (o, "description");
  u.profile_image_url = str (o, "profile_image_url");
  u.offline_image_url = str (o, "offline_image_url");
  u.email = str (o, "email");
  u.view_count = num (o, "view_count");
  u.created_at = time (o, "created_at");
}

void
parse_one (JsonObject *o, Channel &c)
{
  c.broadcaster_id = str (o, "broadcaster_id");
  c.broadcaster_login = str (o, "broadcaster_login");
  c.broadcaster_name = str (o, "broadcaster_name");
  c.broadcaster_language = str (o, "broadcaster_language");
  c.game_id = str (o, "game_id");
  c.game_name = str (o, "game_name");
  c.title = str (o, "title");
  c.delay = static_cast<int> (num (o, "delay"));
  c.tags = strings (o, "tags");
  c.content_classification_labels
      = strings (o, "content_classification_labels");
  c.is_branded_content = boolean (o, "is_branded_content");
}

void
parse_one (JsonObject *o, Stream &s)
{
  s.id = str (o, "id");
  s.user_id = str (o, "user_id");
  s.user_login = str (o, "user_login");
  s.user_name = str (o, "user_name");
  s.game_id = str (o, "game_id");
  s.game_name = str (o, "game_name");
  s.type = str (o, "type");
  s.title = str (o, "title");
  s.language = str (o, "language");
  s.thumbnail_url = str (o, "thumbnail_url");
  s.tags = strings (o, "tags");
  s.viewer_count = num (o, "viewer_count");
  s.started_at = time (o, "started_at");
  s.is_mature = boolean (o, "is_mature");
}

void
parse_one (JsonObject *o, Follower &f)
{
  f.user_id = str (o, "user_id");
  f.user_login = str (o, "user_login");
  f.user_name = str (o, "user_name");
  f.followed_at = time (o, "followed_at");
}

void
parse_one (JsonObject *o, FollowedChannel &f)
{
  f.broadcaster_id = str (o, "broadcaster_id");
  f.broadcaster_login = str (o, "broadcaster_login");
  f.broadcaster_name = str (o, "broadcaster_name");
  f.followed_at = time (o, "followed_at");
}

void
parse_one (JsonObject *o, Video &v)
{
  v.id = str (o, "id");
  v.stream_id = str (o, "stream_id");
  v.user_id = str (o, "user_id");
  v.user_login = str (o, "user_login");
  v.user_name = str (o, "user_name");
  v.title = str (o, "title");
  v.description = str (o, "description");
  v.url = str (o, "url");
  v.thumbnail_url = str (o, "thumbnail_url");
  v.viewable = str (o, "viewable");
  v.language = str (o, "language");
  v.type = str (o, "type");
  v.duration = str (o, "duration");
  v.duration_seconds = std::max<int64_t> (0, duration_parse (v.duration));
  v.view_count = num (o, "view_count");
  v.created_at = time (o, "created_at");
  v.published_at = time (o, "published_at");
}

void
parse_one (JsonObject *o, Clip &c)
{
  c.id = str (o, "id");
  c.url = str (o, "url");
  c.embed_url = str (o, "embed_url");
  c.broadcaster_id = str (o, "broadcaster_id");
  c.broadcaster_name = str (o, "broadcaster_name");
  c.creator_id = str (o, "creator_id");
  c.creator_name = str (o, "creator_name");
  c.video_id = str (o, "video_id");
  c.game_id = str (o, "game_id");
  c.language = str (o, "language");
  c.title = str (o, "title");
  c.thumbnail_url = str (o, "thumbnail_url");
  c.view_count = num (o, "view_count");
  c.created_at = time (o, "created_at");
  c.duration = dbl (o, "duration");
  JsonNode *off = json_object_get_member (o, "vod_offset");
  c.vod_offset = (off && !JSON_NODE_HOLDS_NULL (off))
                     ? static_cast<int> (num (o, "vod_offset", -1))
                     : -1;
  c.is_featured = boolean (o, "is_featured");
}

void
parse_one (JsonObject *o, Chatter &c)
{
  c.user_id = str (o, "user_id");
  c.user_login = str (o, "user_login");
  c.user_name = str (o, "user_name");
}

void
parse_one (JsonObject *o, Game &g)
{
  g.id = str (o, "id");
  g.name = str (o, "name");
  g.box_art_url = str (o, "box_art_url");
  g.igdb_id = str (o, "igdb_id");
}

void
parse_one (JsonObject *o, SearchChannel &c)
{
  c.id = str (o, "id");
  c.broadcaster_login = str (o, "broadcaster_login");
  c.display_name = str (o, "display_name");
  c.broadcaster_language = str (o, "broadcaster_language");
  c.game_id = str (o, "game_id");
  c.game_name = str (o, "game_name");
  c.title = str (o, "title");
  c.thumbnail_url = str (o, "thumbnail_url");
  c.tags = strings (o, "tags");
  c.is_live = boolean (o, "is_live");
  c.started_at = time (o, "started_at");
}

void
parse_one (JsonObject *o, Subscription &s)
{
  s.broadcaster_id = str (o, "broadcaster_id");
  s.broadcaster_login = str (o, "broadcaster_login");
  s.broadcaster_name = str (o, "broadcaster_name");
  s.gifter_id = str (o, "gifter_id");
  s.gifter_login = str (o, "gifter_login");
  s.gifter_name = str (o, "gifter_name");
  s.is_gift = boolean (o, "is_gift");
  s.plan_name = str (o, "plan_name");
  s.tier = str (o, "tier");
  s.user_id = str (o, "user_id");
  s.user_login = str (o, "user_login");
  s.user_name = str (o, "user_name");
}

template <typename T>
bool
parse_data (std::string_view body, std::vector<T> &out,
    std::optional<int64_t> *total, std::string *cursor, GError **error)
{
  out.clear ();
  if (total)
    total->reset ();
  if (cursor)
    cursor->clear ();
  JsonParser *parser = json_parser_new_immutable ();
  GError *parse_error = nullptr;
  bool ok = false;
  if (!json_parser_load_from_data (parser, body.data (),
          static_cast<gssize> (body.size ()), &parse_error)) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "Helix answered malformed JSON: %s", parse_error->message);
    g_error_free (parse_error);
    g_object_unref (parser);
    return false;
  }
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *obj = (root && JSON_NODE_HOLDS_OBJECT (root))
                        ? json_node_get_object (root)
                        : nullptr;
  JsonNode *data = obj ? json_object_get_member (obj, "data") : nullptr;
  if (data == nullptr || !JSON_NODE_HOLDS_ARRAY (data)) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "Helix answer has no \"data\" array");
  } else {
    JsonArray *array = json_node_get_array (data);
    guint n = json_array_get_length (array);
    out.reserve (n);
    ok = true;
    for (guint i = 0; i < n; i++) {
      JsonNode *e = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_OBJECT (e)) {
        g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
            "Helix answer: data[%u] is not an object", i);
        ok = false;
        break;
      }
      T item;
      parse_one (json_node_get_object (e), item);
      out.push_back (std::move (item));
    }
    if (ok && total) {
      JsonNode *t = json_object_get_member (obj, "total");
      if (t && JSON_NODE_HOLDS_VALUE (t))
        *total = num (obj, "total");
    }
    if (ok && cursor) {
      JsonNode *p = json_object_get_member (obj, "pagination");
      if (p && JSON_NODE_HOLDS_OBJECT (p))
        *cursor = str (json_node_get_object (p), "cursor");
    }
  }
  if (!ok)
    out.clear ();
  g_object_unref (parser);
  return ok;
}

} // namespace

#define TWITCH_PARSE_DATA(T)                                                   \
  bool helix_parse_data (std::string_view body, std::vector<T> &out,           \
      std::optional<int64_t> *total, std::string *cursor, GError **error)      \
  {                                                                            \
    return parse_data<T> (body, out, total, cursor, error);                    \
  }

TWITCH_PARSE_DATA (User)
TWITCH_PARSE_DATA (Channel)
TWITCH_PARSE_DATA (Stream)
TWITCH_PARSE_DATA (Follower)
TWITCH_PARSE_DATA (FollowedChannel)
TWITCH_PARSE_DATA (Video)
TWITCH_PARSE_DATA (Clip)
TWITCH_PARSE_DATA (Chatter)
TWITCH_PARSE_DATA (Game)
TWITCH_PARSE_DATA (SearchChannel)
TWITCH_PARSE_DATA (Subscription)

} // namespace twitch
