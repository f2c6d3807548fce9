#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "helix.h"

#include <gst/twitch/common/secrets.h>

#include <algorithm>
#include <cstring>

namespace cli
{

GQuark
helix_error_quark ()
{
  return g_quark_from_static_string ("gst-twitch-cli-helix-error");
}

static const int kMaxRetries = 3;
/* Longest wait for a rate-limit reset before giving up on it. */
static const int64_t kMaxResetWaitSec = 60;

bool
Credentials::has_scope (const std::string &scope) const
{
  return std::find (scopes.begin (), scopes.end (), scope) != scopes.end ();
}

static std::string
env_or (const char *name, const char *fallback)
{
  const char *v = g_getenv (name);
  std::string s = (v != nullptr && *v != '\0') ? v : fallback;
  while (!s.empty () && s.back () == '/')
    s.pop_back ();
  return s;
}

std::string
helix_base_url ()
{
  return env_or ("TWITCH_HELIX_URL", "https://api.twitch.tv/helix");
}

std::string
auth_base_url ()
{
  return env_or ("TWITCH_AUTH_URL", "https://id.twitch.tv/oauth2");
}

std::string
json_str (JsonObject *o, const char *member)
{
  if (o == nullptr)
    return {};
  JsonNode *n = json_object_get_member (o, member);
  if (n == nullptr || !JSON_NODE_HOLDS_VALUE (n))
    return {};
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  if (json_node_get_value_type (n) == G_TYPE_INT64) {
    gchar *s = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
    std::string r (s);
    g_free (s);
    return r;
  }
  return {};
}

int64_t
json_int (JsonObject *o, const char *member, int64_t fallback)
{
  if (o == nullptr)
    return fallback;
  JsonNode *n = json_object_get_member (o, member);
  if (n == nullptr || !JSON_NODE_HOLDS_VALUE (n))
    return fallback;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    return json_node_get_int (n);
  if (t == G_TYPE_DOUBLE)
    return static_cast<int64_t> (json_node_get_double (n));
  if (t == G_TYPE_STRING) {
    const char *s = json_node_get_string (n);
    char *end = nullptr;
    gint64 v = g_ascii_strtoll (s, &end, 10);
    if (end != s && *end == '\0')
      return v;
  }
  return fallback;
}

bool
json_time (JsonObject *o, const char *member, int64_t *out)
{
  std::string s = json_str (o, member);
  if (s.empty ())
    return false;
  GDateTime *dt = g_date_time_new_from_iso8601 (s.c_str (), nullptr);
  if (dt == nullptr)
    return false;
  *out = g_date_time_to_unix (dt);
  g_date_time_unref (dt);
  return true;
}

JsonArray *
json_array (JsonObject *o, const char *member)
{
  if (o == nullptr)
    return nullptr;
  JsonNode *n = json_object_get_member (o, member);
  if (n == nullptr || !JSON_NODE_HOLDS_ARRAY (n))
    return nullptr;
  return json_node_get_array (n);
}

std::string
encode_params (const Params &params)
{
  std::string q;
  for (const auto &[k, v] : params) {
    if (!q.empty ())
      q.push_back ('&');
    gchar *ek = g_uri_escape_string (k.c_str (), nullptr, FALSE);
    gchar *ev = g_uri_escape_string (v.c_str (), nullptr, FALSE);
    q += ek;
    q.push_back ('=');
    q += ev;
    g_free (ek);
    g_free (ev);
  }
  return q;
}

Http::Http ()
{
  /* libsoup 3 verifies certificates against the system store by default. */
  session_ = soup_session_new_with_options ("timeout", 30u, "idle-timeout", 60u,
      "user-agent", "gst-twitch/" VERSION, nullptr);
}

Http::~Http ()
{
  g_object_unref (session_);
}

bool
Http::send (const char *method, const std::string &url,
    const std::vector<std::pair<std::string, std::string>> &headers,
    const Params *form, Response *response, GError **error)
{
  SoupMessage *msg = soup_message_new (method, url.c_str ());
  if (msg == nullptr) {
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_NETWORK,
        "invalid URL %s (check TWITCH_HELIX_URL / TWITCH_AUTH_URL)",
        url.c_str ());
    return false;
  }
  SoupMessageHeaders *req = soup_message_get_request_headers (msg);
  for (const auto &[k, v] : headers)
    soup_message_headers_replace (req, k.c_str (), v.c_str ());
  if (form != nullptr) {
    std::string body = encode_params (*form);
    GBytes *bytes = g_bytes_new (body.data (), body.size ());
    soup_message_set_request_body_from_bytes (
        msg, "application/x-www-form-urlencoded", bytes);
    g_bytes_unref (bytes);
  }

  requests_++;
  GError *err = nullptr;
  GBytes *bytes = soup_session_send_and_read (session_, msg, nullptr, &err);
  if (bytes == nullptr) {
    GUri *uri = soup_message_get_uri (msg);
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_NETWORK,
        "cannot reach %s:%d: %s", g_uri_get_host (uri), g_uri_get_port (uri),
        twitch::secrets_redact (err->message).c_str ());
    g_error_free (err);
    g_object_unref (msg);
    return false;
  }
  gsize size = 0;
  const char *data
      = static_cast<const char *> (g_bytes_get_data (bytes, &size));
  response->status = soup_message_get_status (msg);
  response->body.assign (data ? data : "", size);
  if (response->headers)
    soup_message_headers_unref (response->headers);
  response->headers
      = soup_message_headers_ref (soup_message_get_response_headers (msg));
  g_bytes_unref (bytes);
  g_object_unref (msg);
  return true;
}

static std::string
twitch_message (const std::string &body)
{
  JsonParser *p = json_parser_new ();
  std::string msg;
  if (json_parser_load_from_data (
          p, body.data (), static_cast<gssize> (body.size ()), nullptr)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    msg = json_str (json_node_get_object (json_parser_get_root (p)), "message");
  g_object_unref (p);
  return twitch::secrets_redact (msg);
}

static std::string
missing_scope_in (const std::string &message)
{
  gchar *lower = g_ascii_strdown (message.c_str (), -1);
  std::string l (lower);
  g_free (lower);
  size_t at = l.find ("missing scope");
  if (at == std::string::npos)
    return {};
  size_t colon = message.find (':', at);
  if (colon == std::string::npos)
    return "?";
  std::string rest = message.substr (colon + 1);
  gchar *s = g_strstrip (g_strdup (rest.c_str ()));
  std::string scope (s);
  g_free (s);
  size_t end = scope.find_first_of (" ,;\"");
  if (end != std::string::npos)
    scope.resize (end);
  return scope.empty () ? "?" : scope;
}

void
set_error_from_http (GError **error, guint status, const std::string &body,
    const std::string &what)
{
  std::string msg = twitch_message (body);
  std::string detail = msg.empty () ? "" : ": " + msg;
  int code;
  if (status == 404)
    code = HELIX_ERROR_NOT_FOUND;
  else if (status == 401 || status == 403) {
    std::string scope = missing_scope_in (msg);
    if (!scope.empty ()) {
      g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_MISSING_SCOPE,
          "%s needs the scope %s, which your token lacks: run "
          "`gst-twitch login --scopes %s`",
          what.c_str (), scope.c_str (), scope.c_str ());
      return;
    }
    if (status == 401) {
      g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_UNAUTHORIZED,
          "Twitch rejected the token for %s (HTTP 401%s): run `gst-twitch "
          "login` again",
          what.c_str (), detail.c_str ());
      return;
    }
    code = HELIX_ERROR_UNAUTHORIZED;
  } else if (status == 429)
    code = HELIX_ERROR_RATE_LIMITED;
  else if (status >= 500)
    code = HELIX_ERROR_SERVER;
  else
    code = HELIX_ERROR_BAD_REQUEST;
  g_set_error (error, CLI_HELIX_ERROR, code, "%s failed: HTTP %u%s",
      what.c_str (), status, detail.c_str ());
}

static std::unique_ptr<Json>
parse_object (const std::string &body)
{
  JsonParser *p = json_parser_new_immutable ();
  if (!json_parser_load_from_data (
          p, body.data (), static_cast<gssize> (body.size ()), nullptr)
      || json_parser_get_root (p) == nullptr
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p))) {
    g_object_unref (p);
    return nullptr;
  }
  return std::make_unique<Json> (p);
}

static int64_t
header_int (SoupMessageHeaders *h, const char *name)
{
  const char *v = h ? soup_message_headers_get_one (h, name) : nullptr;
  if (v == nullptr)
    return -1;
  char *end = nullptr;
  gint64 x = g_ascii_strtoll (v, &end, 10);
  return end != v ? x : -1;
}

static void
sleep_seconds (double s)
{
  if (s > 0)
    g_usleep (static_cast<gulong> (s * G_USEC_PER_SEC));
}

static void
sleep_until_reset (int64_t reset)
{
  int64_t now = g_get_real_time () / G_USEC_PER_SEC;
  int64_t wait = reset > now ? reset - now : 1;
  sleep_seconds (static_cast<double> (std::min (wait, kMaxResetWaitSec)));
}

Helix::Helix (
    Http &http, Credentials credentials, std::shared_ptr<twitch::Cache> cache)
    : http_ (http), creds_ (std::move (credentials)), cache_ (std::move (cache))
{
}

bool
Helix::refresh (GError **error)
{
  if (creds_.is_app || creds_.refresh_token.empty ())
    return false;
  std::string old = creds_.access_token;
  if (!oauth::refresh (http_, &creds_, error))
    return false;
  twitch::secrets_unregister (old);
  twitch::secrets_register (creds_.access_token);
  if (on_refresh_)
    on_refresh_ (creds_);
  return true;
}

std::unique_ptr<Json>
Helix::get (
    const std::string &path, const Params &params, int64_t ttl, GError **error)
{
  std::string url = helix_base_url () + "/" + path;
  if (!params.empty ())
    url += "?" + encode_params (params);
  const std::string what = "GET /helix/" + path;

  /* The answer depends on who asks (a user token sees more); the token
   * itself never goes into the key. */
  std::string identity
      = creds_.client_id + ":"
        + (creds_.is_app ? std::string ("app") : creds_.user_id);
  std::string key;
  if (cache_ && ttl > 0) {
    key = twitch::cache_key (url, identity);
    if (auto entry = cache_->get (key)) {
      if (auto json = parse_object (entry->body)) {
        cache_hits_++;
        return json;
      }
      cache_->remove (key);
    }
  }

  /* A user token about to expire is refreshed first (60 s margin). */
  int64_t now = g_get_real_time () / G_USEC_PER_SEC;
  if (!creds_.is_app && creds_.expires_at > 0 && now > creds_.expires_at - 60
      && !creds_.refresh_token.empty ()) {
    GError *err = nullptr;
    if (!refresh (&err) && err != nullptr)
      g_clear_error (&err); /* try the old one; a 401 then tells */
  }

  bool refreshed = false;
  int retries = 0, waits = 0;
  for (;;) {
    if (ratelimit_remaining_ == 0 && ratelimit_reset_ > 0) {
      sleep_until_reset (ratelimit_reset_);
      ratelimit_remaining_ = -1;
    }
    Http::Response resp;
    GError *err = nullptr;
    if (!http_.send ("GET", url,
            {{"Client-Id", creds_.client_id},
                {"Authorization", "Bearer " + creds_.access_token}},
            nullptr, &resp, &err)) {
      if (retries < kMaxRetries) {
        sleep_seconds (0.5 * (1 << retries));
        retries++;
        g_clear_error (&err);
        continue;
      }
      g_propagate_error (error, err);
      return nullptr;
    }
    ratelimit_remaining_ = header_int (resp.headers, "Ratelimit-Remaining");
    ratelimit_reset_ = header_int (resp.headers, "Ratelimit-Reset");

    if (resp.status >= 200 && resp.status < 300) {
      auto json = parse_object (resp.body);
      if (!json) {
        g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_BAD_RESPONSE,
            "%s: the answer is not a JSON object", what.c_str ());
        return nullptr;
      }
      if (cache_ && ttl > 0) {
        twitch::CacheEntry entry;
        entry.body = resp.body;
        entry.fetched_at_us = g_get_real_time ();
        cache_->put (key, entry, ttl);
      }
      return json;
    }
    if (resp.status == 401 && !refreshed
        && missing_scope_in (twitch_message (resp.body)).empty ()) {
      refreshed = true;
      GError *rerr = nullptr;
      if (refresh (&rerr))
        continue;
      if (rerr != nullptr) {
        g_propagate_error (error, rerr);
        return nullptr;
      }
    }
    if (resp.status == 429 && waits < kMaxRetries) {
      waits++;
      sleep_until_reset (ratelimit_reset_);
      continue;
    }
    if (resp.status >= 500 && retries < kMaxRetries) {
      sleep_seconds (0.5 * (1 << retries));
      retries++;
      continue;
    }
    set_error_from_http (error, resp.status, resp.body, what);
    return nullptr;
  }
}

Pager::Pager (Helix &helix, std::string path, Params params, int64_t limit,
    int64_t ttl, int page_size)
    : helix_ (helix), path_ (std::move (path)), params_ (std::move (params)),
      limit_ (limit), ttl_ (ttl), page_size_ (page_size)
{
}

JsonArray *
Pager::next (GError **error)
{
  if (done_ || (limit_ > 0 && seen_ >= limit_))
    return nullptr;
  Params p = params_;
  int64_t want = page_size_;
  if (limit_ > 0 && limit_ - seen_ < want)
    want = limit_ - seen_;
  p.emplace_back ("first", std::to_string (want));
  if (!cursor_.empty ())
    p.emplace_back ("after", cursor_);

  page_ = helix_.get (path_, p, ttl_, error);
  if (!page_) {
    done_ = true;
    return nullptr;
  }
  JsonObject *root = page_->root ();
  JsonArray *data = json_array (root, "data");
  if (data == nullptr) {
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_BAD_RESPONSE,
        "GET /helix/%s: the answer has no \"data\" list", path_.c_str ());
    done_ = true;
    return nullptr;
  }
  if (json_object_has_member (root, "total"))
    total_ = json_int (root, "total", -1);
  guint n = json_array_get_length (data);
  count_ = n;
  if (limit_ > 0 && static_cast<int64_t> (n) > limit_ - seen_)
    count_ = static_cast<guint> (limit_ - seen_);
  seen_ += count_;

  JsonNode *pag = json_object_get_member (root, "pagination");
  cursor_.clear ();
  if (pag != nullptr && JSON_NODE_HOLDS_OBJECT (pag))
    cursor_ = json_str (json_node_get_object (pag), "cursor");
  if (cursor_.empty () || n == 0)
    done_ = true;
  return data;
}

namespace oauth
{

static bool
post_token (Http &http, const std::string &endpoint, const Params &form,
    const std::string &what, std::unique_ptr<Json> *out, guint *status,
    std::string *body, GError **error)
{
  Http::Response resp;
  if (!http.send (
          "POST", auth_base_url () + "/" + endpoint, {}, &form, &resp, error))
    return false;
  *status = resp.status;
  *body = resp.body;
  if (resp.status >= 200 && resp.status < 300) {
    *out = parse_object (resp.body);
    if (!*out) {
      g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_BAD_RESPONSE,
          "%s: the answer is not a JSON object", what.c_str ());
      return false;
    }
  }
  return true;
}

static void
fill_token (JsonObject *o, Credentials *c)
{
  c->access_token = json_str (o, "access_token");
  std::string rt = json_str (o, "refresh_token");
  if (!rt.empty ())
    c->refresh_token = rt;
  int64_t expires_in = json_int (o, "expires_in", 0);
  c->expires_at
      = expires_in > 0 ? g_get_real_time () / G_USEC_PER_SEC + expires_in : 0;
  if (JsonArray *scopes = json_array (o, "scope")) {
    c->scopes.clear ();
    for (guint i = 0; i < json_array_get_length (scopes); i++) {
      JsonNode *n = json_array_get_element (scopes, i);
      if (JSON_NODE_HOLDS_VALUE (n)
          && json_node_get_value_type (n) == G_TYPE_STRING)
        c->scopes.emplace_back (json_node_get_string (n));
    }
  }
}

bool
app_token (Http &http, const std::string &client_id,
    const std::string &client_secret, Credentials *out, GError **error)
{
  std::unique_ptr<Json> json;
  guint status = 0;
  std::string body;
  const std::string what = "POST /oauth2/token (client credentials)";
  if (!post_token (http, "token",
          {{"client_id", client_id}, {"client_secret", client_secret},
              {"grant_type", "client_credentials"}},
          what, &json, &status, &body, error))
    return false;
  if (!json) {
    set_error_from_http (error, status, body, what);
    if (status == 400 || status == 403)
      (*error)->code = HELIX_ERROR_UNAUTHORIZED;
    return false;
  }
  Credentials c;
  c.client_id = client_id;
  c.is_app = true;
  fill_token (json->root (), &c);
  if (c.access_token.empty ()) {
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_BAD_RESPONSE,
        "%s: the answer has no access_token", what.c_str ());
    return false;
  }
  *out = std::move (c);
  return true;
}

bool
refresh (Http &http, Credentials *creds, GError **error)
{
  Params form = {{"client_id", creds->client_id},
      {"grant_type", "refresh_token"}, {"refresh_token", creds->refresh_token}};
  if (const char *secret = g_getenv ("TWITCH_CLIENT_SECRET"))
    if (*secret)
      form.emplace_back ("client_secret", secret);
  std::unique_ptr<Json> json;
  guint status = 0;
  std::string body;
  if (!post_token (http, "token", form, "refreshing the token", &json, &status,
          &body, error))
    return false;
  if (!json || json_str (json->root (), "access_token").empty ()) {
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_UNAUTHORIZED,
        "the stored token expired and Twitch refused to refresh it (HTTP "
        "%u): run `gst-twitch login` again",
        status);
    return false;
  }
  fill_token (json->root (), creds);
  return true;
}

bool
validate (Http &http, Credentials *creds, GError **error)
{
  Http::Response resp;
  if (!http.send ("GET", auth_base_url () + "/validate",
          {{"Authorization", "OAuth " + creds->access_token}}, nullptr, &resp,
          error))
    return false;
  if (resp.status == 401) {
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_UNAUTHORIZED,
        "Twitch says the stored token is invalid or expired: run "
        "`gst-twitch login` again");
    return false;
  }
  if (resp.status != 200) {
    set_error_from_http (error, resp.status, resp.body, "validating the token");
    return false;
  }
  auto json = parse_object (resp.body);
  if (!json) {
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_BAD_RESPONSE,
        "GET /oauth2/validate: the answer is not a JSON object");
    return false;
  }
  JsonObject *o = json->root ();
  std::string cid = json_str (o, "client_id");
  if (!cid.empty ())
    creds->client_id = cid;
  creds->login = json_str (o, "login");
  creds->user_id = json_str (o, "user_id");
  creds->is_app = creds->user_id.empty ();
  if (JsonArray *scopes = json_array (o, "scopes")) {
    creds->scopes.clear ();
    for (guint i = 0; i < json_array_get_length (scopes); i++) {
      JsonNode *n = json_array_get_element (scopes, i);
      if (JSON_NODE_HOLDS_VALUE (n)
          && json_node_get_value_type (n) == G_TYPE_STRING)
        creds->scopes.emplace_back (json_node_get_string (n));
    }
  }
  int64_t expires_in = json_int (o, "expires_in", 0);
  if (expires_in > 0)
    creds->expires_at = g_get_real_time () / G_USEC_PER_SEC + expires_in;
  return true;
}

bool
revoke (Http &http, const Credentials &creds, GError **error)
{
  Http::Response resp;
  Params form = {{"client_id", creds.client_id}, {"token", creds.access_token}};
  if (!http.send (
          "POST", auth_base_url () + "/revoke", {}, &form, &resp, error))
    return false;
  if (resp.status != 200 && resp.status != 400) {
    /* 400 "Invalid token": already revoked or expired, which is fine. */
    set_error_from_http (error, resp.status, resp.body, "revoking the token");
    return false;
  }
  return true;
}

bool
device_start (Http &http, const std::string &client_id,
    const std::string &scopes, DeviceCode *out, GError **error)
{
  std::unique_ptr<Json> json;
  guint status = 0;
  std::string body;
  const std::string what = "POST /oauth2/device";
  if (!post_token (http, "device",
          {{"client_id", client_id}, {"scopes", scopes}}, what, &json, &status,
          &body, error))
    return false;
  if (!json) {
    set_error_from_http (error, status, body, what);
    return false;
  }
  JsonObject *o = json->root ();
  out->device_code = json_str (o, "device_code");
  out->user_code = json_str (o, "user_code");
  out->verification_uri = json_str (o, "verification_uri");
  out->expires_in = json_int (o, "expires_in", 1800);
  out->interval = std::max<int64_t> (1, json_int (o, "interval", 5));
  if (out->device_code.empty () || out->user_code.empty ()) {
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_BAD_RESPONSE,
        "%s: the answer has no device_code or user_code", what.c_str ());
    return false;
  }
  return true;
}

bool
device_poll (Http &http, const std::string &client_id,
    const std::string &scopes, const DeviceCode &code, Credentials *out,
    GError **error)
{
  std::unique_ptr<Json> json;
  guint status = 0;
  std::string body;
  const std::string what = "POST /oauth2/token (device code)";
  if (!post_token (http, "token",
          {{"client_id", client_id}, {"scopes", scopes},
              {"device_code", code.device_code},
              {"grant_type", "urn:ietf:params:oauth:grant-type:device_code"}},
          what, &json, &status, &body, error))
    return false;
  if (!json) {
    std::string msg = twitch_message (body);
    if (msg.find ("authorization_pending") != std::string::npos
        || msg.find ("slow_down") != std::string::npos) {
      g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_AUTHORIZATION_PENDING,
          "waiting for the code to be entered");
      return false;
    }
    if (status == 400) {
      g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_EXPIRED,
          "the code was not entered in time or was refused (%s): run "
          "`gst-twitch login` again",
          msg.empty () ? "HTTP 400" : msg.c_str ());
      return false;
    }
    set_error_from_http (error, status, body, what);
    return false;
  }
  Credentials c;
  c.client_id = client_id;
  fill_token (json->root (), &c);
  if (c.access_token.empty ()) {
    g_set_error (error, CLI_HELIX_ERROR, HELIX_ERROR_BAD_RESPONSE,
        "%s: the answer has no access_token", what.c_str ());
    return false;
  }
  *out = std::move (c);
  return true;
}

} // namespace oauth

} // namespace cli
