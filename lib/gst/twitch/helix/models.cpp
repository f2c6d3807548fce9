#include "config.h"

#include <gst/twitch/helix/helix.h>

#include <gst/twitch/common/json.h>

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

/* Helix answers are read with simdjson (common/json.h): json-glib built a
 * GObject tree at about 70 MB/s, which made parsing, not the network or the
 * cache, the cost of a 100 000-row pull. Helix writes some ids and counts
 * either as strings or as numbers: str() and num() take both. */
using Obj = JsonDomObject;

std::string
str (const Obj &o, const char *name)
{
  return json_text_or (o, name);
}

int64_t
num (const Obj &o, const char *name, int64_t dflt = 0)
{
  return json_int64_or_text (o, name, dflt);
}

double
dbl (const Obj &o, const char *name)
{
  return json_double_or (o, name, 0.0);
}

bool
boolean (const Obj &o, const char *name)
{
  return json_bool_or (o, name, false);
}

TimeUs
time (const Obj &o, const char *name)
{
  std::string_view sv = json_string_or (o, name);
  return sv.empty () ? 0 : time_parse_iso8601 (sv).value_or (0);
}

std::vector<std::string>
strings (const Obj &o, const char *name)
{
  return json_strings (o, name);
}

void
parse_one (const Obj &o, User &u)
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
parse_one (const Obj &o, Channel &c)
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
parse_one (const Obj &o, Stream &s)
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
parse_one (const Obj &o, Follower &f)
{
  f.user_id = str (o, "user_id");
  f.user_login = str (o, "user_login");
  f.user_name = str (o, "user_name");
  f.followed_at = time (o, "followed_at");
}

void
parse_one (const Obj &o, FollowedChannel &f)
{
  f.broadcaster_id = str (o, "broadcaster_id");
  f.broadcaster_login = str (o, "broadcaster_login");
  f.broadcaster_name = str (o, "broadcaster_name");
  f.followed_at = time (o, "followed_at");
}

void
parse_one (const Obj &o, Video &v)
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
parse_one (const Obj &o, Clip &c)
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
  c.vod_offset = json_is_null_or_absent (o, "vod_offset")
                     ? -1
                     : static_cast<int> (num (o, "vod_offset", -1));
  c.is_featured = boolean (o, "is_featured");
}

void
parse_one (const Obj &o, Chatter &c)
{
  c.user_id = str (o, "user_id");
  c.user_login = str (o, "user_login");
  c.user_name = str (o, "user_name");
}

void
parse_one (const Obj &o, Game &g)
{
  g.id = str (o, "id");
  g.name = str (o, "name");
  g.box_art_url = str (o, "box_art_url");
  g.igdb_id = str (o, "igdb_id");
}

void
parse_one (const Obj &o, SearchChannel &c)
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
parse_one (const Obj &o, Subscription &s)
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
  /* Bounded, like every JSON read; one reader per thread keeps its
   * buffers between pages. */
  thread_local JsonReader reader;
  Obj obj;
  GError *e = nullptr;
  if (!reader.parse_object (body, obj, &e)) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "Helix answered %s: %s",
        e->code == JSON_READ_ERROR_MALFORMED ? "malformed JSON"
                                             : "unusable JSON",
        e->message);
    g_error_free (e);
    return false;
  }
  JsonDomArray data;
  if (!json_require_array (obj, "data", data, &e)) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "Helix answer has no \"data\" array: %s", e->message);
    g_error_free (e);
    return false;
  }
  out.reserve (data.size ());
  guint i = 0;
  for (JsonDomElement el : data) {
    Obj o;
    if (el.get_object ().get (o) != simdjson::SUCCESS) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
          "Helix answer: data[%u] is %s, not an object", i,
          json_type_name (el));
      out.clear ();
      return false;
    }
    T item;
    parse_one (o, item);
    out.push_back (std::move (item));
    i++;
  }
  if (total && !json_is_null_or_absent (obj, "total"))
    *total = num (obj, "total");
  if (cursor) {
    Obj p;
    if (obj["pagination"].get_object ().get (p) == simdjson::SUCCESS)
      *cursor = str (p, "cursor");
  }
  return true;
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
