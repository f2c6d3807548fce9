#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "helix.h"

#include <gst/twitch/common/json.h>
#include <gst/twitch/common/secrets.h>

#include <libsoup/soup.h>

#include <algorithm>

namespace cli
{

bool
Credentials::has_scope (const std::string &scope) const
{
  return std::find (scopes.begin (), scopes.end (), scope) != scopes.end ();
}

std::unique_ptr<Json>
json_parse_object (const std::string &body)
{
  /* Size and depth bounded before json-glib's recursive parse. */
  JsonParser *p = twitch::json_parse_bounded (body, nullptr);
  if (p == nullptr)
    return nullptr;
  return std::make_unique<Json> (p);
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
    return twitch::json_double_to_int64 (json_node_get_double (n), fallback);
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
  auto t = twitch::time_parse_iso8601 (s);
  if (!t)
    return false;
  *out = twitch::time_to_unix_seconds (*t);
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

std::vector<std::string>
json_strings (JsonObject *o, const char *member)
{
  std::vector<std::string> out;
  if (JsonArray *a = json_array (o, member))
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonNode *n = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_VALUE (n)
          && json_node_get_value_type (n) == G_TYPE_STRING)
        out.emplace_back (json_node_get_string (n));
    }
  return out;
}

/* ---- Api ----------------------------------------------------------------- */

Api::Api (const std::optional<Credentials> &stored,
    std::shared_ptr<twitch::Cache> cache, int64_t cache_ttl,
    std::function<void (int64_t, const std::string &)> on_wait)
{
  twitch::HelixConfig config;
  config.cache = std::move (cache);
  config.on_rate_limit_wait = std::move (on_wait);
  if (cache_ttl > 0)
    config.ttl = twitch::CacheTtl::all (cache_ttl);
  if (stored) {
    stored_ = true;
    creds_ = *stored;
    stored_access_ = stored->access_token;
    config.client_id = stored->client_id;
    config.oauth_token = stored->access_token;
    config.refresh_token = stored->refresh_token;
    config.token_expires_at = stored->expires_at * G_USEC_PER_SEC;
    /* The environment still gives the URLs and a client secret (for a
     * confidential application's refresh), never another token. */
    config.use_environment = true;
  }
  client_ = std::make_unique<twitch::Helix> (std::move (config));
}

bool
Api::connect (GError **error)
{
  if (!client_->check_credentials (error))
    return false;
  if (!client_->ensure_token (nullptr, error))
    return false;
  if (stored_) {
    /* Validated at start, as Twitch asks of every application (the
     * library refreshes an expired or revoked token itself), so that the
     * scopes checked before a request are the token's real ones. */
    auto info = client_->validate (nullptr, error);
    if (!info)
      return false;
    twitch::Token t = client_->token ();
    creds_.access_token = t.access_token;
    if (!t.refresh_token.empty ())
      creds_.refresh_token = t.refresh_token;
    if (!info->login.empty ())
      creds_.login = info->login;
    if (!info->user_id.empty ())
      creds_.user_id = info->user_id;
    creds_.scopes = info->scopes;
    return true;
  }
  twitch::Token t = client_->token ();
  creds_.client_id = client_->client_id ();
  creds_.access_token = t.access_token;
  creds_.is_app = t.is_app;
  if (!t.is_app) {
    /* A token from TWITCH_OAUTH_TOKEN: learn whose it is and its scopes. */
    auto info = client_->validate (nullptr, error);
    if (!info)
      return false;
    creds_.login = info->login;
    creds_.user_id = info->user_id;
    creds_.scopes = info->scopes;
    creds_.is_app = info->user_id.empty ();
  }
  return true;
}

std::optional<Credentials>
Api::refreshed () const
{
  if (!stored_)
    return std::nullopt;
  twitch::Token t = client_->token ();
  if (t.access_token.empty () || t.access_token == stored_access_)
    return std::nullopt;
  Credentials c = creds_;
  c.access_token = t.access_token;
  if (!t.refresh_token.empty ())
    c.refresh_token = t.refresh_token;
  c.expires_at = twitch::time_to_unix_seconds (t.expires_at);
  if (!t.scopes.empty ())
    c.scopes = t.scopes;
  return c;
}

std::unique_ptr<Json>
Api::get (const std::string &path, const Params &params,
    twitch::ResourceKind kind, GError **error)
{
  auto r = client_->get (path, params, kind, nullptr, error);
  if (!r)
    return nullptr;
  auto json = json_parse_object (r->body);
  if (!json)
    g_set_error (error, TWITCH_API_ERROR, twitch::API_ERROR_BAD_RESPONSE,
        "GET /helix/%s: the answer is not a JSON object", path.c_str ());
  return json;
}

/* ---- Pager --------------------------------------------------------------- */

Pager::Pager (Api &api, std::string path, Params params, int64_t limit,
    twitch::ResourceKind kind, int page_size)
    : api_ (api), path_ (std::move (path)), params_ (std::move (params)),
      limit_ (limit), kind_ (kind), page_size_ (page_size)
{
}

JsonArray *
Pager::next (GError **error)
{
  if (done_ || (limit_ > 0 && seen_ >= limit_))
    return nullptr;
  int64_t want = page_size_;
  if (limit_ > 0 && limit_ - seen_ < want)
    want = limit_ - seen_;

  auto r = api_.client ().get_page (path_, params_, cursor_,
      static_cast<size_t> (want), kind_, nullptr, error);
  if (!r) {
    done_ = true;
    return nullptr;
  }
  page_ = json_parse_object (r->body);
  JsonArray *data = page_ ? json_array (page_->root (), "data") : nullptr;
  if (data == nullptr) {
    g_set_error (error, TWITCH_API_ERROR, twitch::API_ERROR_BAD_RESPONSE,
        "GET /helix/%s: the answer is not a JSON object with a \"data\" list",
        path_.c_str ());
    done_ = true;
    return nullptr;
  }
  JsonObject *root = page_->root ();
  if (json_object_has_member (root, "total"))
    total_ = json_int (root, "total", -1);
  guint n = json_array_get_length (data);
  count_ = n;
  if (limit_ > 0 && static_cast<int64_t> (n) > limit_ - seen_)
    count_ = static_cast<guint> (limit_ - seen_);
  seen_ += count_;

  std::string next;
  JsonNode *pag = json_object_get_member (root, "pagination");
  if (pag != nullptr && JSON_NODE_HOLDS_OBJECT (pag))
    next = json_str (json_node_get_object (pag), "cursor");
  /* A cursor seen before in this walk (A, B, A...) would loop forever. */
  if (!cursor_.empty ())
    seen_cursors_.insert (cursor_);
  if (!next.empty () && n > 0 && (limit_ <= 0 || seen_ < limit_)
      && seen_cursors_.count (next)) {
    g_set_error (error, TWITCH_API_ERROR, twitch::API_ERROR_BAD_RESPONSE,
        "GET /helix/%s answered a page cursor it had already given: the "
        "server's paging loops; stopping",
        path_.c_str ());
    done_ = true;
    return nullptr;
  }
  if (next.empty () || n == 0)
    done_ = true;
  cursor_ = std::move (next);
  return data;
}

/* ---- revoke -------------------------------------------------------------- */

bool
oauth_revoke (const Credentials &creds, GError **error)
{
  const char *env = g_getenv ("TWITCH_AUTH_URL");
  std::string base = (env && *env) ? env : "https://id.twitch.tv/oauth2";
  while (!base.empty () && base.back () == '/')
    base.pop_back ();
  std::string url = base + "/revoke";
  SoupMessage *msg = soup_message_new ("POST", url.c_str ());
  if (msg == nullptr) {
    g_set_error (error, TWITCH_API_ERROR, twitch::API_ERROR_NETWORK,
        "invalid TWITCH_AUTH_URL %s", base.c_str ());
    return false;
  }
  gchar *id = g_uri_escape_string (creds.client_id.c_str (), nullptr, FALSE);
  gchar *tok
      = g_uri_escape_string (creds.access_token.c_str (), nullptr, FALSE);
  gchar *form = g_strdup_printf ("client_id=%s&token=%s", id, tok);
  g_free (id);
  g_free (tok);
  GBytes *body = g_bytes_new_take (form, strlen (form));
  soup_message_set_request_body_from_bytes (
      msg, "application/x-www-form-urlencoded", body);
  g_bytes_unref (body);
  /* libsoup 3 verifies certificates against the system store. */
  SoupSession *session = soup_session_new_with_options (
      "timeout", 30u, "user-agent", "gst-twitch/" VERSION, nullptr);
  GError *err = nullptr;
  GBytes *answer = soup_session_send_and_read (session, msg, nullptr, &err);
  bool ok = false;
  if (answer == nullptr) {
    g_set_error (error, TWITCH_API_ERROR, twitch::API_ERROR_NETWORK,
        "POST oauth2/revoke: %s",
        twitch::secrets_redact (err->message).c_str ());
    g_error_free (err);
  } else {
    guint status = soup_message_get_status (msg);
    /* 400 "Invalid token": already revoked or expired, which is fine. */
    ok = status == 200 || status == 400;
    if (!ok) {
      gsize size = 0;
      const char *data
          = static_cast<const char *> (g_bytes_get_data (answer, &size));
      twitch::api_error_set_from_http (error, status,
          std::string_view (data ? data : "", size), "POST oauth2/revoke");
    }
    g_bytes_unref (answer);
  }
  g_object_unref (session);
  g_object_unref (msg);
  return ok;
}

} // namespace cli
