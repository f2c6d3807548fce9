/* gst-twitch: the Helix access the reports need. One keep-alive libsoup
 * session (TLS certificates verified), OAuth (stored user token with refresh,
 * app token from client credentials, device code flow), Twitch's rate limits
 * and retries, the response cache, and a pager over pagination.cursor. */
#pragma once

#include <gst/twitch/cache/cache.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cli
{

#define CLI_HELIX_ERROR (cli::helix_error_quark ())
GQuark helix_error_quark ();

/* Same meaning as the library's ApiError codes. */
enum HelixError {
  HELIX_ERROR_NOT_FOUND = 1,
  HELIX_ERROR_UNAUTHORIZED,
  HELIX_ERROR_MISSING_SCOPE,
  HELIX_ERROR_RATE_LIMITED,
  HELIX_ERROR_SERVER,
  HELIX_ERROR_NETWORK,
  HELIX_ERROR_BAD_RESPONSE,
  HELIX_ERROR_BAD_REQUEST,
  HELIX_ERROR_AUTHORIZATION_PENDING,
  HELIX_ERROR_EXPIRED,
  HELIX_ERROR_NO_CREDENTIALS,
};

using Params = std::vector<std::pair<std::string, std::string>>;

/* What a user token is stored as (gst-twitch/token.json, 0600). */
struct Credentials {
  std::string client_id;
  std::string access_token;  /* secret */
  std::string refresh_token; /* secret, may be empty */
  std::string login;         /* empty for an app token */
  std::string user_id;       /* empty for an app token */
  std::vector<std::string> scopes;
  int64_t expires_at = 0; /* Unix seconds, 0 unknown */
  bool is_app = false;

  bool has_scope (const std::string &scope) const;
};

/* Base URLs: TWITCH_HELIX_URL (https://api.twitch.tv/helix) and
 * TWITCH_AUTH_URL (https://id.twitch.tv/oauth2). */
std::string helix_base_url ();
std::string auth_base_url ();

/* A parsed JSON answer; the root is an object. */
class Json
{
 public:
  explicit Json (JsonParser *parser) : parser_ (parser) {}
  ~Json ()
  {
    if (parser_)
      g_object_unref (parser_);
  }
  Json (Json &&o) noexcept : parser_ (o.parser_) { o.parser_ = nullptr; }
  Json (const Json &) = delete;
  JsonObject *root () const
  {
    return json_node_get_object (json_parser_get_root (parser_));
  }

 private:
  JsonParser *parser_;
};

/* Accessors that never crash on a field of the wrong type. */
std::string json_str (JsonObject *o, const char *member);
int64_t json_int (JsonObject *o, const char *member, int64_t fallback = 0);
/* An RFC 3339 member as Unix seconds; false when absent or malformed. */
bool json_time (JsonObject *o, const char *member, int64_t *out);
JsonArray *json_array (JsonObject *o, const char *member);

class Http
{
 public:
  Http ();
  ~Http ();
  Http (const Http &) = delete;

  struct Response {
    guint status = 0;
    std::string body;
    SoupMessageHeaders *headers = nullptr; /* owned */
    Response () = default;
    Response (Response &&o) noexcept
        : status (o.status), body (std::move (o.body)), headers (o.headers)
    {
      o.headers = nullptr;
    }
    ~Response ()
    {
      if (headers)
        soup_message_headers_unref (headers);
    }
  };

  /* One exchange, no retry. @form: POST x-www-form-urlencoded when
   * non-null. False with @error (HELIX_ERROR_NETWORK) when no answer. */
  bool send (const char *method, const std::string &url,
      const std::vector<std::pair<std::string, std::string>> &headers,
      const Params *form, Response *response, GError **error);

  /* Number of HTTP exchanges made (for --verbose and the tests). */
  int requests () const { return requests_; }

 private:
  SoupSession *session_;
  int requests_ = 0;
};

/* A urlencoded query "a=1&b=2". */
std::string encode_params (const Params &params);

/* Sets @error from an HTTP answer that is not 2xx: 404 NOT_FOUND, 401
 * UNAUTHORIZED (MISSING_SCOPE when Twitch says "Missing scope: X"), 403
 * UNAUTHORIZED, 429 RATE_LIMITED, 5xx SERVER, other 4xx BAD_REQUEST. */
void set_error_from_http (GError **error, guint status, const std::string &body,
    const std::string &what);

class Helix
{
 public:
  Helix (Http &http, Credentials credentials,
      std::shared_ptr<twitch::Cache> cache);

  /* Called after a refresh, to store the new token. */
  void set_on_refresh (std::function<void (const Credentials &)> cb)
  {
    on_refresh_ = std::move (cb);
  }

  /* GET {helix}/@path?@params. Answers are cached for @ttl seconds when a
   * cache is set and @ttl > 0. Retries 5xx and network errors 3 times
   * (0.5, 1, 2 s), waits for Ratelimit-Reset on 429 and when Remaining is
   * 0, refreshes a user token once on 401. */
  std::unique_ptr<Json> get (const std::string &path, const Params &params,
      int64_t ttl, GError **error);

  const Credentials &credentials () const { return creds_; }
  int cache_hits () const { return cache_hits_; }

 private:
  bool refresh (GError **error);

  Http &http_;
  Credentials creds_;
  std::shared_ptr<twitch::Cache> cache_;
  std::function<void (const Credentials &)> on_refresh_;
  int64_t ratelimit_remaining_ = -1;
  int64_t ratelimit_reset_ = -1;
  int cache_hits_ = 0;
};

/* Iterates a paged Helix list: `first` = min(100, what is left of @limit),
 * `after` = the previous page's pagination.cursor. Stops at @limit rows
 * (0 = no limit), at the last page, or on an empty page. */
class Pager
{
 public:
  Pager (Helix &helix, std::string path, Params params, int64_t limit,
      int64_t ttl, int page_size = 100);

  /* The next page's `data` (at most what is left of the limit), valid until
   * the next call; nullptr at the end (then *error tells a failure). */
  JsonArray *next (GError **error);
  /* The list's "total" when the answer had one, else -1. */
  int64_t total () const { return total_; }
  /* Elements of the current page to use (the page may hold more than the
   * limit leaves). */
  guint count () const { return count_; }

 private:
  Helix &helix_;
  std::string path_;
  Params params_;
  int64_t limit_;
  int64_t ttl_;
  int page_size_;
  int64_t seen_ = 0;
  int64_t total_ = -1;
  guint count_ = 0;
  std::string cursor_;
  bool done_ = false;
  std::unique_ptr<Json> page_;
};

/* OAuth endpoints ({auth}/...). */
namespace oauth
{
/* POST /token grant_type=client_credentials. */
bool app_token (Http &http, const std::string &client_id,
    const std::string &client_secret, Credentials *out, GError **error);
/* POST /token grant_type=refresh_token (public clients: no secret). */
bool refresh (Http &http, Credentials *creds, GError **error);
/* GET /validate: fills login, user_id, scopes, expires_at. */
bool validate (Http &http, Credentials *creds, GError **error);
/* POST /revoke. */
bool revoke (Http &http, const Credentials &creds, GError **error);

struct DeviceCode {
  std::string device_code; /* secret */
  std::string user_code;
  std::string verification_uri;
  int64_t expires_in = 0;
  int64_t interval = 5;
};
/* POST /device. */
bool device_start (Http &http, const std::string &client_id,
    const std::string &scopes, DeviceCode *out, GError **error);
/* POST /token grant_type=device_code, once: AUTHORIZATION_PENDING while the
 * user has not entered the code, EXPIRED when it expired. */
bool device_poll (Http &http, const std::string &client_id,
    const std::string &scopes, const DeviceCode &code, Credentials *out,
    GError **error);
} // namespace oauth

} // namespace cli
