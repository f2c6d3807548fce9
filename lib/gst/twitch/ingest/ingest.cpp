#include "config.h"

#include <gst/twitch/ingest/ingest.h>

#include <gst/twitch/common/environment.h>
#include <gst/twitch/common/json.h>

namespace twitch
{

/* Spelled out rather than G_DEFINE_QUARK, whose stringified first argument
 * a formatter would space ("twitch - api - ..."). */
GQuark
ingest_error_quark (void)
{
  static GQuark q = 0;
  if (G_UNLIKELY (q == 0))
    q = g_quark_from_static_string ("twitch-ingest-error-quark");
  return q;
}

namespace
{

constexpr const char *kDefaultIngestUrl = "https://ingest.twitch.tv/ingests";
constexpr const char *kKeyPlaceholder = "{stream_key}";

bool
starts_with_nocase (std::string_view s, std::string_view prefix)
{
  return s.size () >= prefix.size ()
         && g_ascii_strncasecmp (s.data (), prefix.data (), prefix.size ())
                == 0;
}

std::string
host_first_label (const std::string &url)
{
  GUri *uri = g_uri_parse (url.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (uri == nullptr)
    return {};
  std::string host = g_uri_get_host (uri) ? g_uri_get_host (uri) : "";
  g_uri_unref (uri);
  return host.substr (0, host.find ('.'));
}

} // namespace

std::string
RtmpTarget::redacted_url () const
{
  std::string url = secure ? "rtmps://" : "rtmp://";
  url += host + ":" + std::to_string (port) + "/" + application + "/<redacted>";
  return url;
}

std::string
ingest_list_url ()
{
  return env::ingest_url ().value_or (kDefaultIngestUrl);
}

Ingest
ingest_global_fallback ()
{
  Ingest i;
  i.name = "live.twitch.tv";
  i.url_template = "rtmp://live.twitch.tv/app/{stream_key}";
  i.url_template_secure = "rtmps://live.twitch.tv:443/app/{stream_key}";
  return i;
}

std::optional<std::vector<Ingest>>
ingest_list_parse (std::string_view json, GError **error)
{
  JsonReader reader;
  JsonDomObject root;
  GError *e = nullptr;
  if (!reader.parse_object (json, root, &e)) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_PARSE,
        "Ingest list is not %s: %s",
        e->code == JSON_READ_ERROR_NOT_OBJECT ? "a JSON object" : "JSON",
        e->message);
    g_error_free (e);
    return std::nullopt;
  }
  JsonDomArray list;
  if (!json_require_array (root, "ingests", list, &e)) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_PARSE,
        "Ingest list has no \"ingests\" array: %s", e->message);
    g_error_free (e);
    return std::nullopt;
  }

  std::vector<Ingest> ingests;
  for (JsonDomElement node : list) {
    JsonDomObject o;
    if (node.get_object ().get (o) != simdjson::SUCCESS)
      continue;
    Ingest ingest;
    ingest.id = static_cast<int> (json_int64_or (o, "_id", 0));
    ingest.name = json_string_or (o, "name");
    ingest.url_template = json_string_or (o, "url_template");
    ingest.url_template_secure = json_string_or (o, "url_template_secure");
    ingest.availability = json_double_or (o, "availability", 1.0);
    ingest.is_default = json_bool_or (o, "default", false);
    ingest.priority = static_cast<int> (json_int64_or (o, "priority", 0));
    /* An entry we cannot publish to is useless, not fatal. */
    if (ingest.url_template.empty () && ingest.url_template_secure.empty ())
      continue;
    ingests.push_back (std::move (ingest));
  }
  return ingests;
}

/* "scheme://..." or "host[:port]/path": meant as a URL, not a name (ingest
 * names hold spaces, commas and colons, but never a slash). */
static bool
looks_like_url (std::string_view server)
{
  return server.find ('/') != std::string_view::npos;
}

bool
ingest_server_needs_list (std::string_view server)
{
  return !looks_like_url (server);
}

std::optional<RtmpTarget>
ingest_resolve (std::string_view server, const std::vector<Ingest> &ingests,
    std::string_view stream_key, bool secure, bool bandwidth_test,
    GError **error)
{
  if (stream_key.empty ()) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_INVALID,
        "No stream key: set the stream-key property or the environment "
        "variable TWITCH_STREAM_KEY (Twitch dashboard, Settings > Stream > "
        "Primary Stream key)");
    return std::nullopt;
  }

  std::string url_template;
  std::string ingest_name;
  if (looks_like_url (server) && !starts_with_nocase (server, "rtmp://")
      && !starts_with_nocase (server, "rtmps://")) {
    /* Only the part before any path: a key pasted into the URL stays out
     * of the message. */
    size_t scheme_end = server.find ("://");
    size_t host_from
        = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    std::string shown (server.substr (0, server.find ('/', host_from)));
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_INVALID,
        "Server '%s/...' is not an RTMP URL: use rtmp:// or rtmps://, as in "
        "rtmps://host:443/app or rtmp://127.0.0.1:1935/app",
        shown.c_str ());
    return std::nullopt;
  }
  if (!ingest_server_needs_list (server)) {
    url_template = std::string (server);
    ingest_name = url_template;
  } else {
    const Ingest *chosen = nullptr;
    Ingest fallback = ingest_global_fallback ();
    if (server.empty ()
        || g_ascii_strcasecmp (std::string (server).c_str (), "auto") == 0) {
      for (const auto &i : ingests) {
        if (i.availability > 0) {
          chosen = &i;
          break;
        }
      }
      if (chosen == nullptr)
        chosen = &fallback;
    } else {
      std::string wanted (server);
      for (const auto &i : ingests) {
        if (g_ascii_strcasecmp (i.name.c_str (), wanted.c_str ()) == 0
            || g_ascii_strcasecmp (
                   host_first_label (i.url_template).c_str (), wanted.c_str ())
                   == 0) {
          chosen = &i;
          break;
        }
      }
      if (chosen == nullptr
          && g_ascii_strcasecmp (wanted.c_str (), fallback.name.c_str ()) == 0)
        chosen = &fallback;
      if (chosen == nullptr) {
        g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_UNKNOWN_SERVER,
            "No Twitch ingest is named '%s': use \"auto\", a name or host "
            "label from `gst-twitch ingests`, or an rtmp:// or rtmps:// URL",
            wanted.c_str ());
        return std::nullopt;
      }
    }
    url_template = (secure && !chosen->url_template_secure.empty ())
                       ? chosen->url_template_secure
                       : chosen->url_template;
    ingest_name = chosen->name;
  }

  /* Split the template around the key before parsing, so the key itself is
   * never handed to a URL parser (or its error messages). */
  std::string base = url_template;
  size_t placeholder = base.find (kKeyPlaceholder);
  if (placeholder != std::string::npos)
    base.erase (placeholder);
  while (!base.empty () && base.back () == '/')
    base.pop_back ();

  GError *uri_error = nullptr;
  GUri *uri = g_uri_parse (base.c_str (), G_URI_FLAGS_NONE, &uri_error);
  if (uri == nullptr) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_INVALID,
        "Server '%s' is not a valid RTMP URL: %s", base.c_str (),
        uri_error->message);
    g_error_free (uri_error);
    return std::nullopt;
  }
  RtmpTarget target;
  const char *scheme = g_uri_get_scheme (uri);
  target.secure = g_ascii_strcasecmp (scheme, "rtmps") == 0;
  if (!target.secure && g_ascii_strcasecmp (scheme, "rtmp") != 0) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_INVALID,
        "Server '%s' must be an rtmp:// or rtmps:// URL", base.c_str ());
    g_uri_unref (uri);
    return std::nullopt;
  }
  target.host = g_uri_get_host (uri) ? g_uri_get_host (uri) : "";
  target.port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri)
                                         : (target.secure ? 443 : 1935);
  std::string path = g_uri_get_path (uri) ? g_uri_get_path (uri) : "";
  g_uri_unref (uri);
  while (!path.empty () && path.front () == '/')
    path.erase (0, 1);
  if (target.host.empty () || path.empty ()) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_INVALID,
        "Server '%s' needs a host and an application path, as in "
        "rtmp://127.0.0.1:1935/app",
        base.c_str ());
    return std::nullopt;
  }
  target.application = path;
  target.stream = std::string (stream_key);
  if (bandwidth_test)
    target.stream += "?bandwidthtest=true";
  target.ingest_name = ingest_name;
  return target;
}

} // namespace twitch
