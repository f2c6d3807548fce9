/* gst-twitch: the CLI's access to Helix, on top of the library's client
 * (twitch::Helix: auth, refresh, rate limits, retries, cache). What the
 * reports add: credentials from the token `login` stored, answers as JSON
 * objects (so a page can be spooled to disk for -d asc), a pager that keeps
 * the raw items, and token revocation (which the library does not do). */
#pragma once

#include <gst/twitch/cache/cache.h>
#include <gst/twitch/helix/helix.h>

#include <json-glib/json-glib.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cli
{

/* Errors are the library's (TWITCH_API_ERROR, twitch::ApiError codes). */
using Params = twitch::Query;

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
  Json (const Json &) = delete;
  Json &operator= (const Json &) = delete;
  JsonObject *root () const
  {
    return json_node_get_object (json_parser_get_root (parser_));
  }

 private:
  JsonParser *parser_;
};

/* nullptr when @body is not a JSON object. */
std::unique_ptr<Json> json_parse_object (const std::string &body);

/* Accessors that never crash on a field of the wrong type. */
std::string json_str (JsonObject *o, const char *member);
int64_t json_int (JsonObject *o, const char *member, int64_t fallback = 0);
/* An RFC 3339 member as Unix seconds; false when absent or malformed. */
bool json_time (JsonObject *o, const char *member, int64_t *out);
JsonArray *json_array (JsonObject *o, const char *member);
std::vector<std::string> json_strings (JsonObject *o, const char *member);

class Api
{
 public:
  /* With @stored (a token from `login`) the client acts as that user; else
   * it takes TWITCH_OAUTH_TOKEN, or TWITCH_CLIENT_ID + TWITCH_CLIENT_SECRET
   * for an app token. @cache_ttl > 0 keeps every answer that long instead
   * of the library's per-kind TTLs. */
  /* @on_wait: told of each wait for Twitch's rate limit (to show it). */
  Api (const std::optional<Credentials> &stored,
      std::shared_ptr<twitch::Cache> cache, int64_t cache_ttl = 0,
      std::function<void (int64_t wait_ms, const std::string &reason)> on_wait
      = {});

  twitch::Helix &client () { return *client_; }

  /* Makes sure a token is held and knows whose it is and its scopes: a
   * stored token is validated (and refreshed once when Twitch rejects it),
   * a TWITCH_OAUTH_TOKEN validated, an app token fetched. The caller checks
   * client ().check_credentials () first (no credentials at all: exit 3). */
  bool connect (GError **error);

  /* The token's owner and scopes (after connect()). */
  const Credentials &credentials () const { return creds_; }

  /* The stored token, updated when the client refreshed it; nullopt when
   * unchanged (or not a stored token). */
  std::optional<Credentials> refreshed () const;

  /* GET {helix}/@path?@params as a JSON object. */
  std::unique_ptr<Json> get (const std::string &path, const Params &params,
      twitch::ResourceKind kind, GError **error);

 private:
  std::unique_ptr<twitch::Helix> client_;
  Credentials creds_;
  std::string stored_access_; /* the token as loaded, to see a refresh */
  bool stored_ = false;
};

/* Iterates a paged Helix list (twitch::Helix::get_page): `first` = min(page
 * size, what is left of @limit), `after` = the last pagination.cursor. Stops
 * at @limit items (0 = no limit), at the last page, or on an empty page. */
class Pager
{
 public:
  Pager (Api &api, std::string path, Params params, int64_t limit,
      twitch::ResourceKind kind, int page_size = 100);

  /* The next page's `data`, valid until the next call; nullptr at the end
   * (then *error tells a failure). */
  JsonArray *next (GError **error);
  /* The list's "total" when the answer had one, else -1. */
  int64_t total () const { return total_; }
  /* Items of the current page to use (a page may hold more than the limit
   * leaves). */
  guint count () const { return count_; }

 private:
  Api &api_;
  std::string path_;
  Params params_;
  int64_t limit_;
  twitch::ResourceKind kind_;
  int page_size_;
  int64_t seen_ = 0;
  int64_t total_ = -1;
  guint count_ = 0;
  std::string cursor_;
  std::set<std::string> seen_cursors_; /* A, B, A... never ends */
  bool done_ = false;
  std::unique_ptr<Json> page_;
};

/* POST {auth}/revoke (TWITCH_AUTH_URL). */
bool oauth_revoke (const Credentials &creds, GError **error);

} // namespace cli
