#include "config.h"

#include <gst/twitch/ingest/ingest.h>

#include <gst/twitch/common/json.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <memory>

#include <gst/twitch/common/environment.h>

namespace twitch
{

// clang-format off: the first argument is stringified as the quark's name
G_DEFINE_QUARK (twitch-ingest-error-quark, ingest_error);
// clang-format on

namespace
{

constexpr const char *kDefaultIngestUrl = "https://ingest.twitch.tv/ingests";
constexpr const char *kKeyPlaceholder = "{stream_key}";

template <typename T> struct GUnref {
  void operator() (T *p) const { g_object_unref (p); }
};
template <typename T> using GObjectPtr = std::unique_ptr<T, GUnref<T>>;

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

/* A string member, "" when absent or of another type: json-glib's
 * get_string_member_with_default() gives NULL for a number. */
std::string
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n && JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return {};
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
  GError *parse_error = nullptr;
  GObjectPtr<JsonParser> parser (
      json_parse_bounded (json, JsonLimits (), false, &parse_error));
  if (!parser) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_PARSE,
        "Ingest list is not JSON: %s", parse_error->message);
    g_error_free (parse_error);
    return std::nullopt;
  }
  JsonNode *root = json_parser_get_root (parser.get ());
  JsonObject *obj = root && JSON_NODE_HOLDS_OBJECT (root)
                        ? json_node_get_object (root)
                        : nullptr;
  JsonNode *list = obj ? json_object_get_member (obj, "ingests") : nullptr;
  if (list == nullptr || !JSON_NODE_HOLDS_ARRAY (list)) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_PARSE,
        "Ingest list has no \"ingests\" array");
    return std::nullopt;
  }

  std::vector<Ingest> ingests;
  JsonArray *array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    JsonObject *o = json_node_get_object (node);
    Ingest ingest;
    ingest.id = static_cast<int> (json_member_int64 (o, "_id", 0));
    ingest.name = member_string (o, "name");
    ingest.url_template = member_string (o, "url_template");
    ingest.url_template_secure = member_string (o, "url_template_secure");
    ingest.availability
        = json_object_get_double_member_with_default (o, "availability", 1.0);
    ingest.is_default
        = json_object_get_boolean_member_with_default (o, "default", FALSE);
    ingest.priority = static_cast<int> (
        json_object_get_int_member_with_default (o, "priority", 0));
    /* An entry we cannot publish to is useless, not fatal. */
    if (ingest.url_template.empty () && ingest.url_template_secure.empty ())
      continue;
    ingests.push_back (std::move (ingest));
  }
  return ingests;
}

std::optional<std::vector<Ingest>>
ingest_list_fetch (GCancellable *cancellable, guint timeout_sec, GError **error)
{
  std::string url = ingest_list_url ();
  GObjectPtr<SoupSession> session (soup_session_new_with_options (
      "timeout", timeout_sec, "user-agent", "gst-twitch/" VERSION, nullptr));
  SoupMessage *raw_msg = soup_message_new ("GET", url.c_str ());
  if (raw_msg == nullptr) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_INVALID,
        "TWITCH_INGEST_URL is not a valid URL: %s", url.c_str ());
    return std::nullopt;
  }
  GObjectPtr<SoupMessage> msg (raw_msg);
  GError *send_error = nullptr;
  GBytes *body = soup_session_send_and_read (
      session.get (), msg.get (), cancellable, &send_error);
  if (body == nullptr) {
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_FETCH,
        "Could not fetch the ingest list from %s: %s", url.c_str (),
        send_error->message);
    g_error_free (send_error);
    return std::nullopt;
  }
  guint status = soup_message_get_status (msg.get ());
  if (status != SOUP_STATUS_OK) {
    g_bytes_unref (body);
    g_set_error (error, TWITCH_INGEST_ERROR, INGEST_ERROR_FETCH,
        "Ingest list at %s answered HTTP %u", url.c_str (), status);
    return std::nullopt;
  }
  gsize size = 0;
  const char *data = static_cast<const char *> (g_bytes_get_data (body, &size));
  auto result
      = ingest_list_parse (std::string_view (data ? data : "", size), error);
  g_bytes_unref (body);
  return result;
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
