/* Typed models of Helix answers. Times are Unix microseconds (UTC), 0 when
 * Twitch gave none: time_to_iso8601() and time_to_unix_seconds() format them,
 * time_to_gdatetime() gives a GDateTime. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twitch
{

/* Unix microseconds, UTC. 0 = unset. */
using TimeUs = int64_t;

/* Parses an RFC 3339 time ("2021-03-11T12:29:40Z", with or without
 * fractional seconds or offset); nullopt when it is not one. */
GST_TWITCH_API std::optional<TimeUs> time_parse_iso8601 (std::string_view s);
/* "2021-03-11T12:29:40Z" (seconds precision, UTC); empty for 0. */
GST_TWITCH_API std::string time_to_iso8601 (TimeUs t);
inline int64_t
time_to_unix_seconds (TimeUs t)
{
  return t / G_USEC_PER_SEC;
}
/* A new GDateTime in UTC (free with g_date_time_unref), NULL for 0. */
GST_TWITCH_API GDateTime *time_to_gdatetime (TimeUs t);

/* Parses Twitch's video duration ("3h8m33s", "45m", "59s") into seconds;
 * -1 when malformed. */
GST_TWITCH_API int64_t duration_parse (std::string_view s);

/* GET /users */
struct GST_TWITCH_API User {
  std::string id;
  std::string login;
  std::string display_name;
  std::string type;             /* "", "admin", "global_mod", "staff" */
  std::string broadcaster_type; /* "", "affiliate", "partner" */
  std::string description;
  std::string profile_image_url;
  std::string offline_image_url;
  std::string email; /* only with user:read:email */
  int64_t view_count = 0;
  TimeUs created_at = 0;
};

/* GET /channels */
struct GST_TWITCH_API Channel {
  std::string broadcaster_id;
  std::string broadcaster_login;
  std::string broadcaster_name;
  std::string broadcaster_language;
  std::string game_id;
  std::string game_name;
  std::string title;
  int delay = 0;
  std::vector<std::string> tags;
  std::vector<std::string> content_classification_labels;
  bool is_branded_content = false;
};

/* GET /streams: a live stream (offline channels are absent). */
struct GST_TWITCH_API Stream {
  std::string id;
  std::string user_id;
  std::string user_login;
  std::string user_name;
  std::string game_id;
  std::string game_name;
  std::string type; /* "live" */
  std::string title;
  std::string language;
  std::string thumbnail_url;
  std::vector<std::string> tags;
  int64_t viewer_count = 0;
  TimeUs started_at = 0;
  bool is_mature = false;
};

/* GET /channels/followers: one follower of a channel. */
struct GST_TWITCH_API Follower {
  std::string user_id;
  std::string user_login;
  std::string user_name;
  TimeUs followed_at = 0;
};

/* GET /channels/followed: one channel a user follows. */
struct GST_TWITCH_API FollowedChannel {
  std::string broadcaster_id;
  std::string broadcaster_login;
  std::string broadcaster_name;
  TimeUs followed_at = 0;
};

/* GET /videos */
struct GST_TWITCH_API Video {
  std::string id;
  std::string stream_id;
  std::string user_id;
  std::string user_login;
  std::string user_name;
  std::string title;
  std::string description;
  std::string url;
  std::string thumbnail_url;
  std::string viewable;
  std::string language;
  std::string type;     /* "archive", "highlight", "upload" */
  std::string duration; /* as Twitch writes it: "3h8m33s" */
  int64_t duration_seconds = 0;
  int64_t view_count = 0;
  TimeUs created_at = 0;
  TimeUs published_at = 0;
  /* created_at + duration: when a past broadcast ended. */
  TimeUs ended_at () const
  {
    return created_at ? created_at + duration_seconds * G_USEC_PER_SEC : 0;
  }
};

/* GET /clips */
struct GST_TWITCH_API Clip {
  std::string id;
  std::string url;
  std::string embed_url;
  std::string broadcaster_id;
  std::string broadcaster_name;
  std::string creator_id;
  std::string creator_name;
  std::string video_id;
  std::string game_id;
  std::string language;
  std::string title;
  std::string thumbnail_url;
  int64_t view_count = 0;
  TimeUs created_at = 0;
  double duration = 0.0;
  int vod_offset = -1; /* -1: none */
  bool is_featured = false;
};

/* GET /chat/chatters */
struct GST_TWITCH_API Chatter {
  std::string user_id;
  std::string user_login;
  std::string user_name;
};

/* GET /games, GET /games/top */
struct GST_TWITCH_API Game {
  std::string id;
  std::string name;
  std::string box_art_url;
  std::string igdb_id;
};

/* GET /search/channels */
struct GST_TWITCH_API SearchChannel {
  std::string id;
  std::string broadcaster_login;
  std::string display_name;
  std::string broadcaster_language;
  std::string game_id;
  std::string game_name;
  std::string title;
  std::string thumbnail_url;
  std::vector<std::string> tags;
  bool is_live = false;
  TimeUs started_at = 0; /* 0 when offline */
};

/* GET /subscriptions */
struct GST_TWITCH_API Subscription {
  std::string broadcaster_id;
  std::string broadcaster_login;
  std::string broadcaster_name;
  std::string gifter_id;
  std::string gifter_login;
  std::string gifter_name;
  bool is_gift = false;
  std::string plan_name;
  std::string tier; /* "1000", "2000", "3000" */
  std::string user_id;
  std::string user_login;
  std::string user_name;
};

/* An OAuth token as the client holds it. */
struct GST_TWITCH_API Token {
  std::string access_token;  /* secret */
  std::string refresh_token; /* secret, may be empty */
  std::vector<std::string> scopes;
  TimeUs expires_at = 0; /* 0: unknown / does not expire */
  bool is_app = false;   /* app access token (client credentials) */
};

/* GET /oauth2/validate */
struct GST_TWITCH_API TokenInfo {
  std::string client_id;
  std::string login;   /* empty for an app token */
  std::string user_id; /* empty for an app token */
  std::vector<std::string> scopes;
  int64_t expires_in = 0; /* seconds */
};

/* POST /oauth2/device */
struct GST_TWITCH_API DeviceCode {
  std::string device_code; /* secret */
  std::string user_code;   /* what the user types */
  std::string verification_uri;
  int64_t expires_in = 0; /* seconds */
  int64_t interval = 5;   /* seconds between polls */
  TimeUs obtained_at = 0;
};

/* Rate-limit state from the last Ratelimit-* headers; -1 when unknown. */
struct GST_TWITCH_API RateLimit {
  int64_t limit = -1;
  int64_t remaining = -1;
  int64_t reset = -1; /* Unix seconds */
};

} // namespace twitch
