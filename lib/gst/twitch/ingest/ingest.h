/* Twitch ingest servers: the ingest list, server selection, and the RTMP
 * target a stream key is published to. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <gio/gio.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twitch
{

#define TWITCH_INGEST_ERROR (twitch::ingest_error_quark ())
GST_TWITCH_API GQuark ingest_error_quark ();

enum IngestError {
  /* Not set any more: the Helix client fetches the list (TWITCH_API_ERROR
   * NETWORK, or the HTTP status's code). */
  INGEST_ERROR_FETCH = 1,
  /* The ingest list was not the JSON Twitch documents. */
  INGEST_ERROR_PARSE,
  /* `server` names no ingest in the list. */
  INGEST_ERROR_UNKNOWN_SERVER,
  /* `server` is neither auto, an ingest name nor an rtmp:// or rtmps:// URL,
   * or the stream key is empty. */
  INGEST_ERROR_INVALID,
};

/* One entry of https://ingest.twitch.tv/ingests. */
struct Ingest {
  int id = 0;
  std::string name; /* "US West: San Francisco, CA" */
  std::string
      url_template; /* rtmp://sfo.contribute.live-video.net/app/{stream_key} */
  std::string
      url_template_secure; /* rtmps://...:443/app/{stream_key}, may be empty */
  double availability = 1.0;
  bool is_default = false;
  int priority = 0;
};

/* Where to publish: the pieces rtmp2sink takes as properties, so the key is
 * never part of a URL that gets parsed, logged or notified. */
struct GST_TWITCH_API RtmpTarget {
  bool secure = false; /* rtmps */
  std::string host;
  int port = 1935;
  std::string application; /* "app" */
  std::string stream;      /* the stream key, plus ?bandwidthtest=true */
  std::string ingest_name; /* the list's name, or the URL given */

  /* rtmp[s]://host:port/application/<redacted>: safe to log and show. */
  std::string redacted_url () const;
};

/* Default https://ingest.twitch.tv/ingests, or TWITCH_INGEST_URL. */
GST_TWITCH_API std::string ingest_list_url ();

/* The fallback when the list cannot be had: Twitch's global ingest. */
GST_TWITCH_API Ingest ingest_global_fallback ();

GST_TWITCH_API std::optional<std::vector<Ingest>> ingest_list_parse (
    std::string_view json, GError **error);

/* Fetching the list is the Helix client's (helix/helix.h: Helix::ingests(),
 * helix_fetch_ingests()): one HTTP transport. */

/* Resolves the `server` property of twitchsink into an RTMP target.
 * @server: "auto" (or empty), an ingest name from @ingests (case-insensitive,
 *   full name or the first label of its host, e.g. "sfo"), or an rtmp:// or
 *   rtmps:// URL; a URL may contain {stream_key}, otherwise the key is
 *   appended as the last path segment.
 * @ingests: the list (may be empty: "auto" then uses the global fallback).
 * @secure: prefer the RTMPS template of a listed ingest.
 * @bandwidth_test: append ?bandwidthtest=true to the key. */
GST_TWITCH_API std::optional<RtmpTarget> ingest_resolve (
    std::string_view server, const std::vector<Ingest> &ingests,
    std::string_view stream_key, bool secure, bool bandwidth_test,
    GError **error);

/* True when @server needs the ingest list to be resolved. */
GST_TWITCH_API bool ingest_server_needs_list (std::string_view server);

} // namespace twitch
