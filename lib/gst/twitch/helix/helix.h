/* The Helix API client: one keep-alive libsoup 3 session, auth (app token,
 * user token with refresh, device code flow, validation), rate limits,
 * retries, paging, batching, a response cache, and typed endpoint calls.
 *
 * Blocking calls take a GCancellable and return nullopt/false with a GError
 * (TWITCH_API_ERROR, or G_IO_ERROR_CANCELLED) on failure. One Helix may be
 * used from several threads at once. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/cache/cache.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/helix/models.h>
#include <gst/twitch/ingest/ingest.h>

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace twitch
{

/* Kinds of resources, each with its own cache TTL. */
enum class GST_TWITCH_API ResourceKind {
  USERS,
  CHANNELS,
  STREAMS,
  FOLLOWERS,
  FOLLOWED,
  VIDEOS,
  CLIPS,
  CHATTERS,
  MODERATORS,
  GAMES,
  SEARCH,
  SUBSCRIPTIONS,
  INGESTS,
  UNCACHED,
};

/* Seconds an answer of each kind stays in the cache; 0 = never cached.
 * Users and games change rarely, live data quickly. */
struct GST_TWITCH_API CacheTtl {
  int64_t users = 24 * 3600;
  int64_t channels = 10 * 60;
  int64_t streams = 30;
  int64_t followers = 10 * 60;
  int64_t followed = 10 * 60;
  int64_t videos = 30 * 60;
  int64_t clips = 30 * 60;
  int64_t chatters = 60;
  int64_t moderators = 10 * 60;
  int64_t games = 24 * 3600;
  int64_t search = 5 * 60;
  int64_t subscriptions = 10 * 60;
  int64_t ingests = 24 * 3600;

  int64_t for_kind (ResourceKind kind) const;
  /* Every kind the same TTL (e.g. the CLI's --cache-ttl). */
  static CacheTtl all (int64_t seconds);
};

struct GST_TWITCH_API HelixConfig {
  /* Empty: TWITCH_HELIX_URL / TWITCH_AUTH_URL / TWITCH_INGEST_URL, else
   * https://api.twitch.tv/helix, https://id.twitch.tv/oauth2,
   * https://ingest.twitch.tv/ingests. */
  std::string helix_url;
  std::string auth_url;
  std::string ingest_url;
  /* Empty: TWITCH_CLIENT_ID / TWITCH_CLIENT_SECRET / TWITCH_OAUTH_TOKEN /
   * TWITCH_REFRESH_TOKEN; with no token and no client secret there, the
   * token `gst-twitch
   * login` stored ($XDG_CONFIG_HOME/gst-twitch/token.json, when of the same
   * client id), whose refreshed tokens are written back to it (Twitch
   * rotates refresh tokens). With an oauth_token the client acts as that
   * user; without one but with a client secret it fetches an app access
   * token. */
  std::string client_id;
  std::string client_secret;
  std::string oauth_token; /* "oauth:" prefix accepted */
  std::string refresh_token;
  TimeUs token_expires_at = 0; /* when known (a stored token) */
  /* Read the TWITCH_* variables for what is empty above. */
  bool use_environment = true;

  std::shared_ptr<Cache> cache; /* nullptr: no cache */
  CacheTtl ttl;

  guint timeout_sec = 30; /* per request */
  int retries = 3;        /* for 5xx and network errors: 0.5, 1, 2 s */
  guint retry_base_ms = 500;
  int rate_limit_retries = 5; /* 429s in a row before RATE_LIMITED */
  /* Longest wait for a rate-limit reset; longer resets fail at once. */
  guint max_rate_limit_wait_sec = 120;
  std::string user_agent; /* empty: gst-twitch/VERSION */
  /* Called (from the thread that made the request, no lock held) with the
   * new user token after a refresh or a device-code login, so that an app
   * can store it (Twitch rotates refresh tokens). */
  std::function<void (const Token &)> on_user_token;
  /* Called (from the thread that made the request, no lock held) before
   * each wait for a rate-limit reset, with the wait in milliseconds and why
   * ("Twitch answered 429 Too Many Requests", "0 of 800 requests left until
   * the reset"), so that a tool can say why it pauses. Each wait is also
   * logged at WARNING in "twitchapi". */
  std::function<void (int64_t wait_ms, const std::string &reason)>
      on_rate_limit_wait;
};

/* Counters, for tests, benchmarks and the CLI's verbose output. */
struct GST_TWITCH_API HelixStats {
  uint64_t requests = 0;   /* HTTP requests sent (retries included) */
  uint64_t cache_hits = 0; /* answers served from the cache */
  uint64_t cache_misses = 0;
  uint64_t retries = 0;          /* 5xx / network retries */
  uint64_t rate_limit_waits = 0; /* waits for a reset (429 or remaining 0) */
  uint64_t token_refreshes = 0;  /* user refreshes and new app tokens */
};

/* Query parameters, in order (repeated keys allowed: id=1&id=2). */
using Query = std::vector<std::pair<std::string, std::string>>;

class Helix;

/* Page-by-page iteration over a paginated endpoint (pagination.cursor,
 * first=100), up to a limit. The Helix it came from must outlive it.
 *
 *   auto pager = helix.followers (id, 0);
 *   std::vector<Follower> page;
 *   while (pager.next (page, cancellable, &error))
 *     for (auto &f : page) print (f);
 *   if (error) fail (error);
 */
template <typename T> class GST_TWITCH_API Pager
{
 public:
  /* @list_scope: for endpoints that answer only a total, no error, when
   * the token may not list (channels/followers): an empty first page with a
   * total above 0 is then MISSING_SCOPE naming this scope. */
  Pager (Helix *helix, std::string path, Query query, ResourceKind kind,
      size_t limit, std::string list_scope = {});

  /* Replaces @page with the next page (1..100 items). Returns false when
   * there is nothing more (error unset) or on failure (error set). A
   * server that answers a cursor already seen in this walk (A, B, A...) or
   * more than kMaxPages pages is BAD_RESPONSE: paging always ends. */
  bool next (std::vector<T> &page, GCancellable *cancellable, GError **error);
  /* Everything up to the limit, in one vector. */
  std::optional<std::vector<T>> collect (
      GCancellable *cancellable, GError **error);

  bool done () const { return done_; }
  /* The "total" field of the last page, when the endpoint has one
   * (followers, followed, subscriptions, chatters). */
  std::optional<int64_t> total () const { return total_; }
  size_t fetched () const { return fetched_; }
  const std::string &cursor () const { return cursor_; }

 private:
  Helix *helix_;
  std::string path_;
  Query query_;
  ResourceKind kind_;
  size_t limit_; /* 0: no limit */
  size_t fetched_ = 0;
  std::string cursor_;
  bool done_ = false;
  std::optional<int64_t> total_;
  std::string list_scope_;
  std::set<std::string> seen_cursors_;
  size_t pages_ = 0;
};

/* Pages one Pager walks at most (10 million rows at 100 a page). */
inline constexpr size_t kMaxPages = 100000;

/* Filters of GET /streams (top streams). */
struct GST_TWITCH_API StreamQuery {
  std::vector<std::string> game_ids;
  std::vector<std::string> languages;
  std::vector<std::string> user_ids;
  std::vector<std::string> user_logins;
  std::string type = "all"; /* "all" or "live" */
};

/* Filters of GET /clips. */
struct GST_TWITCH_API ClipQuery {
  std::string broadcaster_id; /* one of broadcaster_id, game_id, ids */
  std::string game_id;
  std::vector<std::string> ids;
  TimeUs started_at = 0;
  TimeUs ended_at = 0;
};

/* One request's answer (the raw JSON body), for endpoints not wrapped. */
struct GST_TWITCH_API HelixResponse {
  guint status = 0;
  std::string body;
  bool from_cache = false;
};

class GST_TWITCH_API Helix
{
 public:
  explicit Helix (HelixConfig config = {});
  ~Helix ();
  Helix (const Helix &) = delete;
  Helix &operator= (const Helix &) = delete;

  const std::string &helix_url () const;
  const std::string &auth_url () const;
  /* The client id in use (from /validate when only a token was given). */
  std::string client_id () const;
  /* Cache identity: client id + user id of the user token (never a token). */
  std::string identity () const;
  HelixStats stats () const;
  RateLimit rate_limit () const;
  /* Fault of configuration (no client id, ...), checked before any request:
   * false with UNAUTHORIZED naming the missing variable. */
  bool check_credentials (GError **error) const;

  /* ---- Auth ------------------------------------------------------------ */
  /* Makes sure a usable token is held: the user token (refreshed when it
   * expires within 60 s and a refresh token is known), or an app access
   * token from client credentials. */
  bool ensure_token (GCancellable *cancellable, GError **error);
  /* GET /oauth2/validate of the current token. */
  std::optional<TokenInfo> validate (GCancellable *cancellable, GError **error);
  /* POST /oauth2/token grant_type=refresh_token; an invalid grant is
   * UNAUTHORIZED at once, network errors and 5xx are retried. */
  bool refresh (GCancellable *cancellable, GError **error);
  /* POST /oauth2/token grant_type=client_credentials. */
  bool fetch_app_token (GCancellable *cancellable, GError **error);
  /* Device code flow: start, then poll until the user entered the code
   * (sleeping `interval` between polls), the code expired (EXPIRED) or
   * @cancellable fires. The token is then held by this client. */
  std::optional<DeviceCode> device_code_start (
      const std::vector<std::string> &scopes, GCancellable *cancellable,
      GError **error);
  std::optional<Token> device_code_poll_once (
      const DeviceCode &code, GCancellable *cancellable, GError **error);
  std::optional<Token> device_code_wait (
      const DeviceCode &code, GCancellable *cancellable, GError **error);
  /* The token held now (for storing after a login). */
  Token token () const;
  void set_token (const Token &token);
  /* POST /oauth2/revoke of the token held now (logging out): Twitch
   * forgets it. A token it no longer knows (400) is revoked already. */
  bool revoke (GCancellable *cancellable, GError **error);

  /* ---- Raw requests ------------------------------------------------------ */
  /* GET @path (relative to the Helix URL, e.g. "users") with @query, through
   * the cache for @kind, with auth, rate limits and retries. */
  std::optional<HelixResponse> get (const std::string &path, const Query &query,
      ResourceKind kind, GCancellable *cancellable, GError **error);
  /* Same, on a GTask in a worker thread; finish returns the body. */
  void get_async (const std::string &path, const Query &query,
      ResourceKind kind, GCancellable *cancellable,
      GAsyncReadyCallback callback, gpointer user_data);
  std::optional<HelixResponse> get_finish (
      GAsyncResult *result, GError **error);
  /* @method ("POST", "DELETE") @path with @query and a JSON body (may be
   * empty), with the user token, rate limits and one renewal on 401;
   * never cached. Any HTTP status is returned (the caller maps it with
   * api_error_set_from_http); errors are transport failures. Not
   * @idempotent: a 5xx or a dropped connection after the request went out
   * is not sent again (Twitch may have acted on it). */
  std::optional<HelixResponse> send_json (const char *method,
      const std::string &path, const Query &query, const std::string &json_body,
      bool idempotent, GCancellable *cancellable, GError **error);

  /* ---- Endpoints --------------------------------------------------------- */
  /* GET /users by ids and logins, batched 100 a request. Unknown ones are
   * absent from the answer. Both empty: the token's own user. */
  std::optional<std::vector<User>> users (const std::vector<std::string> &ids,
      const std::vector<std::string> &logins, GCancellable *cancellable,
      GError **error);
  /* One user by login or by id; NOT_FOUND when unknown. */
  std::optional<User> user_by_login (
      const std::string &login, GCancellable *cancellable, GError **error);
  std::optional<User> user_by_id (
      const std::string &id, GCancellable *cancellable, GError **error);
  /* GET /channels, batched 100 a request (none asked: none returned). */
  std::optional<std::vector<Channel>> channels (
      const std::vector<std::string> &broadcaster_ids,
      GCancellable *cancellable, GError **error);
  /* GET /streams for these users (live ones only), batched 100; both
   * empty: an empty list (top_streams() lists Twitch's top streams). */
  std::optional<std::vector<Stream>> streams (
      const std::vector<std::string> &user_ids,
      const std::vector<std::string> &user_logins, GCancellable *cancellable,
      GError **error);
  /* GET /streams: top live streams, most viewers first. */
  Pager<Stream> top_streams (const StreamQuery &query, size_t limit);
  /* GET /channels/followers: total needs no scope. */
  std::optional<int64_t> followers_total (const std::string &broadcaster_id,
      GCancellable *cancellable, GError **error);
  /* The list needs moderator:read:followers (a user token of the broadcaster
   * or a moderator). */
  Pager<Follower> followers (const std::string &broadcaster_id, size_t limit);
  /* GET /channels/followed (user:read:follows, the user's own token). */
  Pager<FollowedChannel> followed (const std::string &user_id, size_t limit);
  std::optional<int64_t> followed_total (
      const std::string &user_id, GCancellable *cancellable, GError **error);
  /* GET /videos of a user; @type "archive" (past broadcasts), "highlight",
   * "upload" or "all". */
  Pager<Video> videos (
      const std::string &user_id, const std::string &type, size_t limit);
  /* GET /clips */
  Pager<Clip> clips (const ClipQuery &query, size_t limit);
  /* GET /chat/chatters (moderator:read:chatters); @moderator_id empty: the
   * token's user. */
  Pager<Chatter> chatters (const std::string &broadcaster_id,
      const std::string &moderator_id, size_t limit);
  /* GET /moderation/moderators (moderation:read, the broadcaster's token):
   * the channel's moderators, as chatters. */
  Pager<Chatter> moderators (const std::string &broadcaster_id, size_t limit);
  /* GET /games by ids and names, batched 100 (none asked: none returned). */
  std::optional<std::vector<Game>> games (const std::vector<std::string> &ids,
      const std::vector<std::string> &names, GCancellable *cancellable,
      GError **error);
  /* GET /games/top */
  Pager<Game> top_games (size_t limit);
  /* GET /search/channels */
  Pager<SearchChannel> search_channels (
      const std::string &query, bool live_only, size_t limit);
  /* GET /subscriptions (channel:read:subscriptions) */
  Pager<Subscription> subscriptions (
      const std::string &broadcaster_id, size_t limit);
  /* The ingest list (TWITCH_INGEST_URL), through the cache. */
  std::optional<std::vector<Ingest>> ingests (
      GCancellable *cancellable, GError **error);

  /* Used by Pager: one page of @path at @cursor. */
  std::optional<HelixResponse> get_page (const std::string &path,
      const Query &query, const std::string &cursor, size_t first,
      ResourceKind kind, GCancellable *cancellable, GError **error);

  struct Private;

 private:
  Private *priv_;
};

/* The user token `gst-twitch login` stored ($XDG_CONFIG_HOME/gst-twitch/
 * token.json), for code that needs a token without a Helix client (chat
 * elements): the same fallback Helix uses after the environment. nullopt
 * when there is none, or when the file is a link, not the user's, readable
 * by others or not the JSON gst-twitch writes. A Helix built with the same
 * client id refreshes it and writes rotated tokens back. */
/* The EventSub WebSocket URL: TWITCH_EVENTSUB_URL, else
 * wss://eventsub.wss.twitch.tv/ws (read where the other URLs are). */
GST_TWITCH_API std::string eventsub_websocket_url ();

struct GST_TWITCH_API StoredLoginToken {
  std::string path;
  std::string client_id;
  std::string access_token; /* without "oauth:" */
  std::string refresh_token;
  std::string login;
  TimeUs expires_at = 0; /* 0: unknown */
};
GST_TWITCH_API std::optional<StoredLoginToken> stored_login_token ();

/* The ingest list for code that holds no Helix client (twitchsink,
 * gst_twitch_ingest_list_get): a client without credentials fetches it, so
 * that it goes through the one HTTP transport (timeouts, retries of network
 * errors and 5xx, proxy, verified TLS, the body size cap). The URL is
 * TWITCH_INGEST_URL, else https://ingest.twitch.tv/ingests; each attempt
 * lasts at most @timeout_sec. Failures: TWITCH_API_ERROR (NETWORK, the HTTP
 * status's code, BAD_RESPONSE for a list that is not Twitch's JSON) or
 * G_IO_ERROR_CANCELLED. Blocking: call it off any streaming or
 * state-change thread. */
GST_TWITCH_API std::optional<std::vector<Ingest>> helix_fetch_ingests (
    GCancellable *cancellable, guint timeout_sec, GError **error);

extern template class GST_TWITCH_API Pager<Stream>;
extern template class GST_TWITCH_API Pager<Follower>;
extern template class GST_TWITCH_API Pager<FollowedChannel>;
extern template class GST_TWITCH_API Pager<Video>;
extern template class GST_TWITCH_API Pager<Clip>;
extern template class GST_TWITCH_API Pager<Chatter>;
extern template class GST_TWITCH_API Pager<Game>;
extern template class GST_TWITCH_API Pager<SearchChannel>;
extern template class GST_TWITCH_API Pager<Subscription>;

/* Parsers of one "data" element, exposed for tests and for apps that fetch
 * with Helix::get(). Each returns false if @json is not an object. */
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<User> &out, std::optional<int64_t> *total, std::string *cursor,
    GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<Channel> &out, std::optional<int64_t> *total,
    std::string *cursor, GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<Stream> &out, std::optional<int64_t> *total,
    std::string *cursor, GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<Follower> &out, std::optional<int64_t> *total,
    std::string *cursor, GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<FollowedChannel> &out, std::optional<int64_t> *total,
    std::string *cursor, GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<Video> &out, std::optional<int64_t> *total, std::string *cursor,
    GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<Clip> &out, std::optional<int64_t> *total, std::string *cursor,
    GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<Chatter> &out, std::optional<int64_t> *total,
    std::string *cursor, GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<Game> &out, std::optional<int64_t> *total, std::string *cursor,
    GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<SearchChannel> &out, std::optional<int64_t> *total,
    std::string *cursor, GError **error);
GST_TWITCH_API bool helix_parse_data (std::string_view body,
    std::vector<Subscription> &out, std::optional<int64_t> *total,
    std::string *cursor, GError **error);

} // namespace twitch
