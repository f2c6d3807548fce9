#include "config.h"

#include <gst/twitch/helix/helix.h>
#include <gst/twitch/helix/saved-login.h>

#include <gst/twitch/common/json.h>
#include <gst/twitch/common/environment.h>
#include <gst/twitch/common/secret.h>

#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (twitch_api_debug);
#define GST_CAT_DEFAULT twitch_api_debug

namespace twitch
{

namespace
{

constexpr const char *kDefaultHelixUrl = "https://api.twitch.tv/helix";
constexpr const char *kDefaultAuthUrl = "https://id.twitch.tv/oauth2";
constexpr const char *kDefaultIngestUrl = "https://ingest.twitch.tv/ingests";
constexpr const char *kDefaultEventSubUrl = "wss://eventsub.wss.twitch.tv/ws";
constexpr size_t kBatch = 100;
constexpr int64_t kRefreshMarginUs = 60 * G_USEC_PER_SEC;
/* Largest answer read: a Helix page of 100 rows is about 50 KB, the
 * ingest list about 20 KB. */
constexpr gsize kMaxBodyBytes = kJsonMaxBytes;

void
ensure_debug_category ()
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (
        twitch_api_debug, "twitchapi", 0, "Twitch Helix API client");
    g_once_init_leave (&done, 1);
  }
}

std::string
env_or (const char *name, const std::string &given, bool use_env,
    const char *dflt = "")
{
  if (!given.empty ())
    return given;
  if (use_env) {
    if (auto v = env::get (name))
      return *v;
  }
  return dflt;
}

std::string
strip_slash (std::string s)
{
  while (!s.empty () && s.back () == '/')
    s.pop_back ();
  return s;
}

std::string
escape (const std::string &s)
{
  gchar *e = g_uri_escape_string (s.c_str (), nullptr, FALSE);
  std::string out (e);
  g_free (e);
  return out;
}

std::string
encode_query (const Query &query)
{
  std::string out;
  for (const auto &kv : query) {
    if (!out.empty ())
      out += '&';
    out += escape (kv.first);
    out += '=';
    out += escape (kv.second);
  }
  return out;
}

TimeUs
now_us ()
{
  return g_get_real_time ();
}

/* Sleeps @us, returning early (false, error set) when @cancellable fires. */
bool
sleep_cancellable (int64_t us, GCancellable *cancellable, GError **error)
{
  if (us <= 0)
    return !g_cancellable_set_error_if_cancelled (cancellable, error);
  struct Waiter {
    std::mutex lock;
    std::condition_variable cond;
    bool cancelled = false;
  } w;
  gulong id = 0;
  if (cancellable) {
    /* Runs at once if @cancellable is already cancelled. */
    id = g_cancellable_connect (cancellable,
        G_CALLBACK (+[] (GCancellable *, gpointer data) {
          auto *w = static_cast<Waiter *> (data);
          std::lock_guard<std::mutex> g (w->lock);
          w->cancelled = true;
          w->cond.notify_all ();
        }),
        &w, nullptr);
  }
  {
    std::unique_lock<std::mutex> lk (w.lock);
    w.cond.wait_for (
        lk, std::chrono::microseconds (us), [&w] { return w.cancelled; });
  }
  if (cancellable)
    g_cancellable_disconnect (cancellable, id);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* OAuth scopes: an array of strings (/validate, /token) or one string of
 * space-separated scopes (RFC 6749's "scope"). */
std::vector<std::string>
scope_list (const JsonDomObject &o, const char *name)
{
  JsonDomElement n;
  std::string_view joined;
  if (o.at_key (name).get (n) != simdjson::SUCCESS)
    return {};
  if (n.get_string ().get (joined) != simdjson::SUCCESS)
    return json_strings (o, name);
  std::vector<std::string> out;
  joined = json_c_string (joined);
  size_t start = 0;
  while (start <= joined.size ()) {
    size_t end = joined.find (' ', start);
    if (end == std::string_view::npos)
      end = joined.size ();
    if (end > start)
      out.emplace_back (joined.substr (start, end - start));
    start = end + 1;
  }
  return out;
}

/* Reads a JSON object answer of @what: false (BAD_RESPONSE, saying why)
 * when @body is not one. @o points into @reader. */
bool
parse_object (JsonReader &reader, const std::string &body, JsonDomObject &o,
    const char *what, GError **error)
{
  GError *e = nullptr;
  if (!reader.parse_object (body, o, &e)) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "%s answered %s: %s", what,
        e->code == JSON_READ_ERROR_NOT_OBJECT ? "JSON that is not an object"
                                              : "malformed JSON",
        e->message);
    g_error_free (e);
    return false;
  }
  return true;
}

std::string
strip_oauth_prefix (std::string token)
{
  if (g_str_has_prefix (token.c_str (), "oauth:"))
    token.erase (0, 6);
  return token;
}

bool
is_retryable_transport (const GError *e)
{
  if (e->domain == G_IO_ERROR && e->code == G_IO_ERROR_CANCELLED)
    return false;
  /* A certificate Twitch (or the fake) cannot prove is not transient. */
  if (e->domain == G_TLS_ERROR
      && (e->code == G_TLS_ERROR_BAD_CERTIFICATE
          || e->code == G_TLS_ERROR_CERTIFICATE_REQUIRED))
    return false;
  return true;
}

/* True for an http:// URL whose host is not this machine: tokens and the
 * client secret would cross the network in clear. */
bool
is_clear_text_remote (const std::string &url)
{
  GUri *uri = g_uri_parse (url.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (uri == nullptr)
    return false;
  bool clear = g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0;
  const char *host = g_uri_get_host (uri);
  std::string h = host ? host : "";
  bool local = h == "localhost" || h == "::1" || h == "[::1]"
               || g_str_has_prefix (h.c_str (), "127.");
  g_uri_unref (uri);
  return clear && !local;
}

/* The token `gst-twitch login` stores (saved-login.h): the fallback after
 * the environment. */
struct StoredLogin {
  std::string path;
  std::string client_id;
  std::string access_token;
  std::string refresh_token;
  std::string login;
  int64_t expires_at = 0; /* Unix seconds */
};

/* nullopt (logged) when there is none or it is unusable. */
std::optional<StoredLogin>
stored_login_load ()
{
  GError *e = nullptr;
  auto saved = saved_login_read (&e);
  if (!saved) {
    if (e != nullptr) {
      GST_WARNING ("ignoring the stored login %s: %s",
          saved_login_path ().c_str (), e->message);
      g_error_free (e);
    }
    return std::nullopt;
  }
  if (saved->access_token.empty () && saved->refresh_token.empty ())
    return std::nullopt;
  StoredLogin s;
  s.path = saved_login_path ();
  s.client_id = saved->client_id;
  s.access_token = saved->access_token;
  s.refresh_token = saved->refresh_token;
  s.login = saved->login;
  s.expires_at = saved->expires_at;
  return s;
}

/* Writes a rotated token back into the stored login, keeping its other
 * fields (login, user id), atomically and 0600. */
void
stored_login_save (const std::string &path, const Token &t)
{
  GError *e = nullptr;
  auto saved = saved_login_read (&e);
  if (saved) {
    saved->access_token = t.access_token;
    if (!t.refresh_token.empty ())
      saved->refresh_token = t.refresh_token;
    saved->expires_at = t.expires_at > 0 ? t.expires_at / G_USEC_PER_SEC : 0;
    if (!t.scopes.empty ())
      saved->scopes = t.scopes;
    if (saved_login_write (*saved, &e)) {
      GST_INFO ("stored the refreshed token in %s", path.c_str ());
      return;
    }
  }
  if (e != nullptr) {
    GST_WARNING ("could not store the refreshed token in %s: %s", path.c_str (),
        e->message);
    g_error_free (e);
  }
}

} // namespace

/* ---- CacheTtl ------------------------------------------------------------ */

int64_t
CacheTtl::for_kind (ResourceKind kind) const
{
  switch (kind) {
    case ResourceKind::USERS:
      return users;
    case ResourceKind::CHANNELS:
      return channels;
    case ResourceKind::STREAMS:
      return streams;
    case ResourceKind::FOLLOWERS:
      return followers;
    case ResourceKind::FOLLOWED:
      return followed;
    case ResourceKind::VIDEOS:
      return videos;
    case ResourceKind::CLIPS:
      return clips;
    case ResourceKind::CHATTERS:
      return chatters;
    case ResourceKind::MODERATORS:
      return moderators;
    case ResourceKind::GAMES:
      return games;
    case ResourceKind::SEARCH:
      return search;
    case ResourceKind::SUBSCRIPTIONS:
      return subscriptions;
    case ResourceKind::INGESTS:
      return ingests;
    case ResourceKind::UNCACHED:
      return 0;
  }
  return 0;
}

CacheTtl
CacheTtl::all (int64_t seconds)
{
  CacheTtl t;
  t.users = t.channels = t.streams = t.followers = t.followed = t.videos
      = t.clips = t.chatters = t.moderators = t.games = t.search
      = t.subscriptions = t.ingests = seconds;
  return t;
}

/* ---- Private ------------------------------------------------------------- */

struct Helix::Private {
  HelixConfig config;
  std::string helix_url;
  std::string auth_url;
  std::string ingest_url;
  std::string client_id;
  std::string client_secret;
  SoupSession *session = nullptr;

  /* Token state, under token_lock. auth_lock serialises refreshes. */
  mutable std::mutex token_lock;
  std::mutex auth_lock;
  Token token;
  std::string user_id; /* from validate, for the cache identity */
  bool identity_known = false;
  uint64_t token_generation = 0;
  std::vector<Secret> registered; /* every token we were given */
  /* The token came from gst-twitch login's store: refreshes go back there. */
  std::string stored_login_path;
  /* The refresh token came from TWITCH_REFRESH_TOKEN, which cannot be
   * updated after Twitch rotates it. */
  bool refresh_from_env = false;

  mutable std::mutex state_lock;
  RateLimit rate_limit;
  HelixStats stats;

  ~Private ()
  {
    if (session)
      g_object_unref (session);
  }

  void hold_secret (const std::string &s)
  {
    if (s.size () < 4)
      return;
    registered.emplace_back ().set (s);
  }

  void set_token_locked (const Token &t)
  {
    hold_secret (t.access_token);
    hold_secret (t.refresh_token);
    token = t;
    token_generation++;
  }

  struct Answer {
    guint status = 0;
    std::string body;
  };

  /* One HTTP exchange: no retries. Transport errors are returned as
   * NETWORK (or CANCELLED); the rate-limit headers are read. */
  std::optional<Answer> exchange (const char *method, const std::string &url,
      const std::string &form, const std::string &authorization,
      bool send_client_id, const std::string &what, GCancellable *cancellable,
      GError **error, bool *retryable = nullptr,
      const char *content_type = "application/x-www-form-urlencoded")
  {
    SoupMessage *msg = soup_message_new (method, url.c_str ());
    if (msg == nullptr) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_REQUEST,
          "%s: not a valid URL: %s (check TWITCH_HELIX_URL, "
          "TWITCH_AUTH_URL and TWITCH_INGEST_URL)",
          what.c_str (), url.c_str ());
      return std::nullopt;
    }
    SoupMessageHeaders *h = soup_message_get_request_headers (msg);
    if (!authorization.empty ())
      soup_message_headers_replace (h, "Authorization", authorization.c_str ());
    if (send_client_id) {
      /* validate() may fill in the client id from another thread. */
      std::string id;
      {
        std::lock_guard<std::mutex> g (token_lock);
        id = client_id;
      }
      if (!id.empty ())
        soup_message_headers_replace (h, "Client-Id", id.c_str ());
    }
    soup_message_headers_replace (h, "Accept", "application/json");
    if (!form.empty ()) {
      GBytes *b = g_bytes_new (form.data (), form.size ());
      soup_message_set_request_body_from_bytes (msg, content_type, b);
      g_bytes_unref (b);
    }
    {
      std::lock_guard<std::mutex> g (state_lock);
      stats.requests++;
    }
    gint64 start = g_get_monotonic_time ();
    GError *send_error = nullptr;
    bool too_large = false;
    GBytes *body = read_capped (msg, cancellable, &too_large, &send_error);
    if (too_large) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
          "%s: %s answered more than %" G_GSIZE_FORMAT
          " MiB; not what Twitch sends",
          what.c_str (), url.c_str (), kMaxBodyBytes >> 20);
      if (retryable)
        *retryable = false;
      g_object_unref (msg);
      return std::nullopt;
    }
    if (body == nullptr) {
      GST_DEBUG ("%s %s failed: %s", method, url.c_str (), send_error->message);
      if (send_error->domain == G_IO_ERROR
          && send_error->code == G_IO_ERROR_CANCELLED) {
        g_propagate_error (error, send_error);
      } else {
        if (retryable)
          *retryable = is_retryable_transport (send_error);
        g_set_error (error, TWITCH_API_ERROR, API_ERROR_NETWORK,
            "%s: could not reach %s: %s", what.c_str (), url.c_str (),
            send_error->message);
        g_error_free (send_error);
      }
      g_object_unref (msg);
      return std::nullopt;
    }
    Answer a;
    a.status = soup_message_get_status (msg);
    gsize size = 0;
    const char *data
        = static_cast<const char *> (g_bytes_get_data (body, &size));
    a.body.assign (data ? data : "", size);
    g_bytes_unref (body);
    read_rate_limit (soup_message_get_response_headers (msg));
    GST_DEBUG ("%s %s -> %u (%" G_GSIZE_FORMAT " bytes, %" G_GINT64_FORMAT
               " ms)",
        method, url.c_str (), a.status, size,
        (g_get_monotonic_time () - start) / 1000);
    g_object_unref (msg);
    return a;
  }

  /* The answer's body, read up to kMaxBodyBytes: a larger one (announced
   * or sent) sets @too_large and returns nullptr. */
  GBytes *read_capped (SoupMessage *msg, GCancellable *cancellable,
      bool *too_large, GError **error)
  {
    GInputStream *in = soup_session_send (session, msg, cancellable, error);
    if (in == nullptr)
      return nullptr;
    goffset announced = soup_message_headers_get_content_length (
        soup_message_get_response_headers (msg));
    if (announced > static_cast<goffset> (kMaxBodyBytes)) {
      *too_large = true;
      g_object_unref (in);
      return nullptr;
    }
    GByteArray *buf = g_byte_array_new ();
    guint8 chunk[16384];
    while (true) {
      gssize n
          = g_input_stream_read (in, chunk, sizeof chunk, cancellable, error);
      if (n < 0) {
        g_byte_array_unref (buf);
        g_object_unref (in);
        return nullptr;
      }
      if (n == 0)
        break;
      if (buf->len + static_cast<gsize> (n) > kMaxBodyBytes) {
        *too_large = true;
        g_byte_array_unref (buf);
        g_input_stream_close (in, nullptr, nullptr);
        g_object_unref (in);
        return nullptr;
      }
      g_byte_array_append (buf, chunk, static_cast<guint> (n));
    }
    g_input_stream_close (in, nullptr, nullptr);
    g_object_unref (in);
    return g_byte_array_free_to_bytes (buf);
  }

  void read_rate_limit (SoupMessageHeaders *h)
  {
    auto read = [h] (const char *name) -> int64_t {
      const char *v = soup_message_headers_get_one (h, name);
      if (v == nullptr)
        return -1;
      char *end = nullptr;
      gint64 n = g_ascii_strtoll (v, &end, 10);
      return (end && end != v) ? n : -1;
    };
    int64_t limit = read ("Ratelimit-Limit");
    int64_t remaining = read ("Ratelimit-Remaining");
    int64_t reset = read ("Ratelimit-Reset");
    std::lock_guard<std::mutex> g (state_lock);
    if (limit >= 0)
      rate_limit.limit = limit;
    if (remaining >= 0)
      rate_limit.remaining = remaining;
    if (reset >= 0)
      rate_limit.reset = reset;
    if (remaining < 0 && reset < 0) {
      /* Headers absent: nothing known, nothing to wait for. */
      rate_limit.remaining = -1;
    }
  }

  /* Waits for the bucket to refill when the last answer said 0 remain
   * (or after a 429). */
  bool wait_for_reset (
      bool after_429, GCancellable *cancellable, GError **error)
  {
    int64_t remaining, reset;
    {
      std::lock_guard<std::mutex> g (state_lock);
      remaining = rate_limit.remaining;
      reset = rate_limit.reset;
    }
    if (!after_429 && remaining != 0)
      return true;
    int64_t wait_us;
    if (reset > 0) {
      wait_us = reset * G_USEC_PER_SEC - now_us ();
      /* Reset is in whole seconds: wait into the next one. */
      wait_us += 100 * 1000;
    } else {
      wait_us = after_429 ? G_USEC_PER_SEC : 0;
    }
    if (wait_us <= 0)
      return true;
    if (wait_us > int64_t{config.max_rate_limit_wait_sec} * G_USEC_PER_SEC) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_RATE_LIMITED,
          "Rate limited by Twitch: the limit resets in %" G_GINT64_FORMAT
          " s, longer than the %u s the client waits",
          wait_us / G_USEC_PER_SEC, config.max_rate_limit_wait_sec);
      return false;
    }
    std::string reason;
    {
      std::lock_guard<std::mutex> g (state_lock);
      stats.rate_limit_waits++;
      if (after_429)
        reason = "Twitch answered 429 Too Many Requests";
      else if (rate_limit.limit > 0)
        reason = "0 of " + std::to_string (rate_limit.limit)
                 + " requests left until the reset";
      else
        reason = "no requests left until the reset";
      rate_limit.remaining = -1;
    }
    /* Visible: a pause of seconds without a word looks like a hang. */
    GST_WARNING ("waiting %.1f s for Twitch's rate limit (%s)", wait_us / 1e6,
        reason.c_str ());
    if (config.on_rate_limit_wait)
      config.on_rate_limit_wait (wait_us / 1000, reason);
    return sleep_cancellable (wait_us, cancellable, error);
  }

  /* An exchange with the retry policy: 5xx and network errors retried
   * config.retries times (0.5, 1, 2 s), 429 retried after the reset. */
  std::optional<Answer> exchange_retrying (const char *method,
      const std::string &url, const std::string &form,
      const std::string &authorization, bool send_client_id,
      const std::string &what, GCancellable *cancellable, GError **error,
      const char *content_type = "application/x-www-form-urlencoded",
      bool retry_server_errors = true)
  {
    int attempt = 0;
    int limited = 0;
    while (true) {
      if (!wait_for_reset (false, cancellable, error))
        return std::nullopt;
      GError *e = nullptr;
      bool retryable = true;
      auto a = exchange (method, url, form, authorization, send_client_id, what,
          cancellable, &e, &retryable, content_type);
      if (!a) {
        if (e->domain != TWITCH_API_ERROR || e->code != API_ERROR_NETWORK
            || !retryable) {
          g_propagate_error (error, e);
          return std::nullopt;
        }
      } else if (a->status == 429) {
        if (++limited > config.rate_limit_retries) {
          api_error_set_from_http (error, a->status, a->body, what);
          return std::nullopt;
        }
        GST_INFO (
            "%s: HTTP 429, retrying after the rate-limit reset", what.c_str ());
        if (!wait_for_reset (true, cancellable, error))
          return std::nullopt;
        continue;
      } else if (a->status < 500 || !retry_server_errors) {
        return a;
      }
      if (attempt >= config.retries || (e && !retry_server_errors)) {
        if (e)
          g_propagate_error (error, e);
        else
          api_error_set_from_http (error, a->status, a->body, what);
        return std::nullopt;
      }
      int64_t delay_us
          = int64_t{config.retry_base_ms} * 1000 * (int64_t{1} << attempt);
      attempt++;
      GST_INFO ("%s: %s; retry %d of %d in %" G_GINT64_FORMAT " ms",
          what.c_str (),
          e ? e->message
            : (std::string ("HTTP ") + std::to_string (a->status)).c_str (),
          attempt, config.retries, delay_us / 1000);
      g_clear_error (&e);
      {
        std::lock_guard<std::mutex> g (state_lock);
        stats.retries++;
      }
      if (!sleep_cancellable (delay_us, cancellable, error))
        return std::nullopt;
    }
  }

  /* ---- OAuth ------------------------------------------------------------ */

  bool take_token_answer (
      const std::string &body, bool is_app, const char *what, GError **error)
  {
    JsonReader reader;
    JsonDomObject o;
    if (!parse_object (reader, body, o, what, error))
      return false;
    Token t;
    t.access_token = json_string_or (o, "access_token");
    t.refresh_token = json_string_or (o, "refresh_token");
    t.scopes = scope_list (o, "scope");
    int64_t expires_in = json_int64_or (o, "expires_in", 0);
    t.expires_at = expires_in > 0 ? now_us () + expires_in * G_USEC_PER_SEC : 0;
    t.is_app = is_app;
    if (t.access_token.empty ()) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
          "%s answered no access_token", what);
      return false;
    }
    std::lock_guard<std::mutex> g (token_lock);
    if (t.refresh_token.empty () && !is_app)
      t.refresh_token = token.refresh_token;
    set_token_locked (t);
    identity_known = is_app;
    if (is_app)
      user_id.clear ();
    return true;
  }

  bool fetch_app_token (GCancellable *cancellable, GError **error)
  {
    if (client_id.empty () || client_secret.empty ()) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_UNAUTHORIZED,
          "No Twitch credentials: set TWITCH_CLIENT_ID and "
          "TWITCH_CLIENT_SECRET (an app token), or TWITCH_OAUTH_TOKEN (a "
          "user token, e.g. from gst-twitch login)");
      return false;
    }
    std::string form = "client_id=" + escape (client_id)
                       + "&client_secret=" + escape (client_secret)
                       + "&grant_type=client_credentials";
    auto a = exchange_retrying ("POST", auth_url + "/token", form, {}, false,
        "POST oauth2/token (client credentials)", cancellable, error);
    if (!a)
      return false;
    if (a->status != 200) {
      /* 400/401/403 here: the client id or secret is wrong. */
      GError *e = nullptr;
      api_error_set_from_http (
          &e, a->status, a->body, "POST oauth2/token (client credentials)");
      if (e->code == API_ERROR_BAD_REQUEST
          || e->code == API_ERROR_UNAUTHORIZED) {
        /* Name what to fix: there is no token yet, only the app's id and
         * secret. */
        g_set_error (error, TWITCH_API_ERROR, API_ERROR_UNAUTHORIZED,
            "Twitch refused the app's credentials (HTTP %u%s%s): check "
            "TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET (client-id, "
            "client-secret)",
            a->status, api_error_message (a->body).empty () ? "" : ": ",
            api_error_message (a->body).c_str ());
        g_error_free (e);
        return false;
      }
      g_propagate_error (error, e);
      return false;
    }
    if (!take_token_answer (a->body, true, "POST oauth2/token", error))
      return false;
    std::lock_guard<std::mutex> g (state_lock);
    stats.token_refreshes++;
    GST_INFO ("got an app access token");
    return true;
  }

  bool refresh (GCancellable *cancellable, GError **error)
  {
    std::string refresh_token;
    {
      std::lock_guard<std::mutex> g (token_lock);
      refresh_token = token.refresh_token;
    }
    if (refresh_token.empty () || client_id.empty ()) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_UNAUTHORIZED,
          "The user token expired or was revoked and cannot be refreshed "
          "(no refresh token or client id): log in again (gst-twitch login)");
      return false;
    }
    std::string form
        = "client_id=" + escape (client_id)
          + "&grant_type=refresh_token&refresh_token=" + escape (refresh_token);
    if (!client_secret.empty ())
      form += "&client_secret=" + escape (client_secret);
    auto a = exchange_retrying ("POST", auth_url + "/token", form, {}, false,
        "POST oauth2/token (refresh)", cancellable, error);
    if (!a)
      return false;
    if (a->status != 200) {
      /* 400 "Invalid refresh token" (invalid grant) and 401: fatal. */
      GError *e = nullptr;
      api_error_set_from_http (
          &e, a->status, a->body, "Refreshing the user token");
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_UNAUTHORIZED,
          "%s; the refresh token is no longer valid: log in again "
          "(gst-twitch login)%s",
          e->message,
          refresh_from_env
              ? ". Twitch rotates refresh tokens: TWITCH_REFRESH_TOKEN may "
                "hold one a previous run already used (the token stored by "
                "gst-twitch login is kept up to date)"
              : "");
      g_error_free (e);
      return false;
    }
    if (!take_token_answer (a->body, false, "POST oauth2/token", error))
      return false;
    {
      std::lock_guard<std::mutex> g (state_lock);
      stats.token_refreshes++;
    }
    GST_INFO ("refreshed the user token");
    if (refresh_from_env && !config.on_user_token) {
      refresh_from_env = false;
      GST_WARNING ("Twitch rotated the refresh token: the one in "
                   "TWITCH_REFRESH_TOKEN is now used up and a later run "
                   "will be refused; use gst-twitch login (its stored token "
                   "is kept up to date) or store the new token "
                   "(HelixConfig::on_user_token)");
    }
    if (!stored_login_path.empty ()) {
      /* Twitch rotates refresh tokens: the next run needs this one. */
      Token t;
      {
        std::lock_guard<std::mutex> g (token_lock);
        t = token;
      }
      stored_login_save (stored_login_path, t);
    }
    notify_user_token ();
    return true;
  }

  void notify_user_token ()
  {
    if (!config.on_user_token)
      return;
    Token t;
    {
      std::lock_guard<std::mutex> g (token_lock);
      t = token;
    }
    config.on_user_token (t);
  }

  /* Replaces the token after a 401 (or before expiry). Only one thread
   * refreshes; others that saw the same generation just use the result. */
  bool renew (
      uint64_t seen_generation, GCancellable *cancellable, GError **error)
  {
    std::lock_guard<std::mutex> a (auth_lock);
    bool is_app;
    bool has_refresh;
    {
      std::lock_guard<std::mutex> g (token_lock);
      if (token_generation != seen_generation && !token.access_token.empty ())
        return true;
      is_app = token.is_app || token.access_token.empty ();
      has_refresh = !token.refresh_token.empty ();
    }
    if (!is_app || has_refresh)
      return refresh (cancellable, error);
    return fetch_app_token (cancellable, error);
  }

  bool ensure_token (GCancellable *cancellable, GError **error)
  {
    uint64_t gen;
    bool need;
    {
      std::lock_guard<std::mutex> g (token_lock);
      gen = token_generation;
      need = token.access_token.empty ()
             || (token.expires_at != 0
                 && token.expires_at - now_us () < kRefreshMarginUs
                 && (token.is_app || !token.refresh_token.empty ()));
    }
    if (!need)
      return true;
    return renew (gen, cancellable, error);
  }

  std::optional<TokenInfo> validate (GCancellable *cancellable, GError **error)
  {
    if (!ensure_token (cancellable, error))
      return std::nullopt;
    std::string access;
    std::optional<Answer> a;
    for (bool renewed = false;; renewed = true) {
      uint64_t gen;
      bool can_refresh;
      {
        std::lock_guard<std::mutex> g (token_lock);
        access = token.access_token;
        gen = token_generation;
        can_refresh = !token.is_app && !token.refresh_token.empty ();
      }
      a = exchange_retrying ("GET", auth_url + "/validate", {},
          "OAuth " + access, false, "GET oauth2/validate", cancellable, error);
      if (!a)
        return std::nullopt;
      /* A token Twitch no longer accepts (expired, revoked) is refreshed
       * here, once, when it can be: callers need not do it themselves. */
      if (a->status == 401 && !renewed && can_refresh) {
        GST_INFO ("GET oauth2/validate: HTTP 401, refreshing the token once");
        if (!renew (gen, cancellable, error))
          return std::nullopt;
        continue;
      }
      break;
    }
    if (a->status != 200) {
      api_error_set_from_http (
          error, a->status, a->body, "Validating the token");
      return std::nullopt;
    }
    JsonReader reader;
    JsonDomObject o;
    if (!parse_object (reader, a->body, o, "GET oauth2/validate", error))
      return std::nullopt;
    TokenInfo info;
    info.client_id = json_string_or (o, "client_id");
    info.login = json_string_or (o, "login");
    info.user_id = json_string_or (o, "user_id");
    info.scopes = scope_list (o, "scopes");
    info.expires_in = json_int64_or (o, "expires_in", 0);
    std::lock_guard<std::mutex> g (token_lock);
    if (token.access_token == access) {
      user_id = info.user_id;
      identity_known = true;
      if (token.scopes.empty ())
        token.scopes = info.scopes;
      if (token.expires_at == 0 && info.expires_in > 0)
        token.expires_at = now_us () + info.expires_in * G_USEC_PER_SEC;
      if (info.user_id.empty ())
        token.is_app = true;
    }
    if (client_id.empty ())
      client_id = info.client_id;
    return info;
  }

  /* The cache identity of the token held now: client id + user id, never
   * the token. Obtains a token first (a refresh token alone is not an
   * identity) and validates a user token once to learn its user. With
   * @access, the identity of the token that string holds, or nullopt when
   * the token changed meanwhile. */
  std::optional<std::string> identity (GCancellable *cancellable,
      GError **error, std::string *access_out = nullptr)
  {
    {
      /* Only an app's id and secret: the identity is the app's whatever
       * token it gets, and a cache hit needs no token request. */
      std::lock_guard<std::mutex> g (token_lock);
      if (token.access_token.empty () && token.refresh_token.empty ()) {
        if (access_out)
          access_out->clear ();
        return client_id + "\n";
      }
    }
    if (!ensure_token (cancellable, error))
      return std::nullopt;
    bool known;
    {
      std::lock_guard<std::mutex> g (token_lock);
      known = identity_known || token.is_app;
    }
    if (!known && !validate (cancellable, error))
      return std::nullopt;
    std::lock_guard<std::mutex> g (token_lock);
    if (access_out)
      *access_out = token.access_token;
    return client_id + "\n" + user_id;
  }

  /* The identity of @access if it is the token held now and its user is
   * known; nullopt otherwise (a renewal happened since). */
  std::optional<std::string> identity_of (const std::string &access)
  {
    std::lock_guard<std::mutex> g (token_lock);
    if (access.empty () || token.access_token != access
        || !(identity_known || token.is_app))
      return std::nullopt;
    return client_id + "\n" + user_id;
  }

  /* An authenticated Helix exchange: token ensured, one renewal on 401. */
  std::optional<Answer> helix_exchange (const std::string &url,
      const std::string &what, GCancellable *cancellable, GError **error,
      std::string *used_access = nullptr, const char *method = "GET",
      const std::string &json_body = {}, bool retry_server_errors = true)
  {
    if (!ensure_token (cancellable, error))
      return std::nullopt;
    bool no_client_id;
    {
      std::lock_guard<std::mutex> g (token_lock);
      no_client_id = client_id.empty ();
    }
    if (no_client_id && !validate (cancellable, error))
      return std::nullopt;
    bool renewed = false;
    while (true) {
      std::string access;
      uint64_t gen;
      {
        std::lock_guard<std::mutex> g (token_lock);
        access = token.access_token;
        gen = token_generation;
      }
      if (used_access)
        *used_access = access;
      auto a = exchange_retrying (method, url, json_body, "Bearer " + access,
          true, what, cancellable, error, "application/json",
          retry_server_errors);
      if (!a)
        return std::nullopt;
      if (a->status == 401 && !renewed
          && api_error_missing_scope (a->body).empty ()) {
        GST_INFO ("%s: HTTP 401, renewing the token once", what.c_str ());
        renewed = true;
        GError *e = nullptr;
        if (!renew (gen, cancellable, &e)) {
          g_propagate_error (error, e);
          return std::nullopt;
        }
        continue;
      }
      return a;
    }
  }

  std::optional<HelixResponse> get_url (const std::string &url,
      const std::string &what, ResourceKind kind, bool authenticated,
      GCancellable *cancellable, GError **error)
  {
    int64_t ttl = config.cache ? config.ttl.for_kind (kind) : 0;
    std::string key;
    std::string looked_up_with; /* the token the key's identity is of */
    if (ttl > 0) {
      std::optional<std::string> id;
      if (authenticated) {
        id = identity (cancellable, error, &looked_up_with);
        if (!id)
          return std::nullopt;
      } else {
        id = std::string ();
      }
      key = cache_key (url, *id);
      auto hit = config.cache->get (key);
      if (hit) {
        {
          std::lock_guard<std::mutex> g (state_lock);
          stats.cache_hits++;
        }
        GST_LOG ("cache hit (%s) for %s", config.cache->name (), url.c_str ());
        HelixResponse r;
        r.status = 200;
        r.body = std::move (hit->body);
        r.from_cache = true;
        return r;
      }
      std::lock_guard<std::mutex> g (state_lock);
      stats.cache_misses++;
    }
    std::optional<Answer> a;
    std::string used_access;
    if (authenticated)
      a = helix_exchange (url, what, cancellable, error, &used_access);
    else
      a = exchange_retrying (
          "GET", url, {}, {}, false, what, cancellable, error);
    if (!a)
      return std::nullopt;
    if (a->status != 200) {
      api_error_set_from_http (error, a->status, a->body, what);
      return std::nullopt;
    }
    if (ttl > 0 && authenticated && used_access != looked_up_with) {
      /* The token was renewed during the request: store the answer under
       * the identity of the token that fetched it, or not at all. */
      auto id = identity_of (used_access);
      if (!id) {
        GError *e = nullptr;
        std::string now_held;
        id = identity (cancellable, &e, &now_held);
        if (!id || now_held != used_access)
          id.reset ();
        g_clear_error (&e);
      }
      if (id)
        key = cache_key (url, *id);
      else
        key.clear ();
    }
    if (ttl > 0 && !key.empty ()) {
      CacheEntry entry;
      entry.body = a->body;
      entry.fetched_at_us = now_us ();
      config.cache->put (key, entry, ttl);
    }
    HelixResponse r;
    r.status = a->status;
    r.body = std::move (a->body);
    return r;
  }
};

/* ---- The stored login ---------------------------------------------------- */

std::optional<StoredLoginToken>
stored_login_token ()
{
  ensure_debug_category ();
  auto s = stored_login_load ();
  if (!s)
    return std::nullopt;
  StoredLoginToken t;
  t.path = s->path;
  t.client_id = s->client_id;
  t.access_token = strip_oauth_prefix (s->access_token);
  t.refresh_token = s->refresh_token;
  t.login = s->login;
  t.expires_at = s->expires_at * G_USEC_PER_SEC;
  return t;
}

/* ---- Helix --------------------------------------------------------------- */

Helix::Helix (HelixConfig config) : priv_ (new Private ())
{
  ensure_debug_category ();
  Private &p = *priv_;
  bool env = config.use_environment;
  p.helix_url = strip_slash (
      env_or ("TWITCH_HELIX_URL", config.helix_url, env, kDefaultHelixUrl));
  p.auth_url = strip_slash (
      env_or ("TWITCH_AUTH_URL", config.auth_url, env, kDefaultAuthUrl));
  /* ingest_list_url() is TWITCH_INGEST_URL or Twitch's list. */
  p.ingest_url = !config.ingest_url.empty () ? config.ingest_url
                 : env                       ? ingest_list_url ()
                                             : kDefaultIngestUrl;
  p.client_id = env_or ("TWITCH_CLIENT_ID", config.client_id, env);
  p.client_secret = env_or ("TWITCH_CLIENT_SECRET", config.client_secret, env);
  p.hold_secret (p.client_secret);
  Token t;
  t.access_token = strip_oauth_prefix (
      env_or ("TWITCH_OAUTH_TOKEN", config.oauth_token, env));
  t.refresh_token = env_or ("TWITCH_REFRESH_TOKEN", config.refresh_token, env);
  p.refresh_from_env
      = config.refresh_token.empty () && !t.refresh_token.empty ();
  t.expires_at = config.token_expires_at;
  if (env && t.access_token.empty () && t.refresh_token.empty ()
      && p.client_secret.empty ()) {
    /* Order: the config, the environment (a user token, or an app's id and
     * secret), then the token `gst-twitch login` stored (when it is of the
     * same application). */
    auto stored = stored_login_load ();
    if (stored
        && (p.client_id.empty () || stored->client_id.empty ()
            || p.client_id == stored->client_id)) {
      if (p.client_id.empty ())
        p.client_id = stored->client_id;
      t.access_token = strip_oauth_prefix (stored->access_token);
      t.refresh_token = stored->refresh_token;
      t.expires_at = stored->expires_at * G_USEC_PER_SEC;
      p.stored_login_path = stored->path;
      GST_INFO ("using the token stored by gst-twitch login (%s)",
          stored->path.c_str ());
    } else if (stored) {
      GST_INFO ("the token stored by gst-twitch login is of another client "
                "id than TWITCH_CLIENT_ID: not used");
    }
  }
  if (!t.access_token.empty () || !t.refresh_token.empty ())
    p.set_token_locked (t);
  if (config.user_agent.empty ())
    config.user_agent = "gst-twitch/" VERSION;
  for (const auto *u : {&p.helix_url, &p.auth_url})
    if (is_clear_text_remote (*u))
      GST_WARNING ("%s is plain http:// to another machine: tokens and the "
                   "client secret would travel unencrypted; use https://",
          u->c_str ());
  p.config = std::move (config);
  /* One keep-alive session; TLS certificates are verified against the
   * system trust store (libsoup's default GTlsDatabase). */
  p.session = soup_session_new_with_options ("timeout", p.config.timeout_sec,
      "idle-timeout", 60u, "max-conns-per-host", 6, "user-agent",
      p.config.user_agent.c_str (), nullptr);
  GST_DEBUG ("Helix client: helix %s, auth %s, client id %s, %s token, "
             "cache %s",
      p.helix_url.c_str (), p.auth_url.c_str (),
      p.client_id.empty () ? "(none)" : p.client_id.c_str (),
      t.access_token.empty () ? "no" : "a",
      p.config.cache ? p.config.cache->name () : "none");
}

Helix::~Helix ()
{
  delete priv_;
}

const std::string &
Helix::helix_url () const
{
  return priv_->helix_url;
}

const std::string &
Helix::auth_url () const
{
  return priv_->auth_url;
}

std::string
Helix::client_id () const
{
  std::lock_guard<std::mutex> g (priv_->token_lock);
  return priv_->client_id;
}

std::string
Helix::identity () const
{
  std::lock_guard<std::mutex> g (priv_->token_lock);
  return priv_->client_id + "\n" + priv_->user_id;
}

HelixStats
Helix::stats () const
{
  std::lock_guard<std::mutex> g (priv_->state_lock);
  return priv_->stats;
}

RateLimit
Helix::rate_limit () const
{
  std::lock_guard<std::mutex> g (priv_->state_lock);
  return priv_->rate_limit;
}

bool
Helix::check_credentials (GError **error) const
{
  std::lock_guard<std::mutex> g (priv_->token_lock);
  if (!priv_->token.access_token.empty ())
    return true;
  if (!priv_->token.refresh_token.empty () && !priv_->client_id.empty ())
    return true;
  if (!priv_->client_id.empty () && !priv_->client_secret.empty ())
    return true;
  g_set_error (error, TWITCH_API_ERROR, API_ERROR_UNAUTHORIZED,
      "No Twitch credentials: set TWITCH_OAUTH_TOKEN (a user token, e.g. from "
      "gst-twitch login) or TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET (an app "
      "token)%s",
      priv_->client_id.empty () ? "" : "; TWITCH_CLIENT_ID is set");
  return false;
}

bool
Helix::ensure_token (GCancellable *cancellable, GError **error)
{
  return priv_->ensure_token (cancellable, error);
}

std::optional<TokenInfo>
Helix::validate (GCancellable *cancellable, GError **error)
{
  return priv_->validate (cancellable, error);
}

bool
Helix::refresh (GCancellable *cancellable, GError **error)
{
  std::lock_guard<std::mutex> a (priv_->auth_lock);
  return priv_->refresh (cancellable, error);
}

bool
Helix::fetch_app_token (GCancellable *cancellable, GError **error)
{
  std::lock_guard<std::mutex> a (priv_->auth_lock);
  return priv_->fetch_app_token (cancellable, error);
}

std::optional<DeviceCode>
Helix::device_code_start (const std::vector<std::string> &scopes,
    GCancellable *cancellable, GError **error)
{
  Private &p = *priv_;
  if (p.client_id.empty ()) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_UNAUTHORIZED,
        "Logging in needs a client id: set TWITCH_CLIENT_ID to the id of "
        "your application (dev.twitch.tv/console)");
    return std::nullopt;
  }
  std::string joined;
  for (const auto &s : scopes)
    joined += (joined.empty () ? "" : " ") + s;
  std::string form
      = "client_id=" + escape (p.client_id) + "&scopes=" + escape (joined);
  auto a = p.exchange_retrying ("POST", p.auth_url + "/device", form, {}, false,
      "POST oauth2/device", cancellable, error);
  if (!a)
    return std::nullopt;
  if (a->status != 200) {
    api_error_set_from_http (error, a->status, a->body, "POST oauth2/device");
    return std::nullopt;
  }
  JsonReader reader;
  JsonDomObject o;
  if (!parse_object (reader, a->body, o, "POST oauth2/device", error))
    return std::nullopt;
  DeviceCode dc;
  dc.device_code = json_string_or (o, "device_code");
  dc.user_code = json_string_or (o, "user_code");
  dc.verification_uri = json_string_or (o, "verification_uri");
  dc.expires_in = json_int64_or (o, "expires_in", 1800);
  dc.interval = std::max<int64_t> (1, json_int64_or (o, "interval", 5));
  dc.obtained_at = now_us ();
  dc.scopes = scopes;
  if (dc.device_code.empty () || dc.user_code.empty ()) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "POST oauth2/device answered no device_code or user_code");
    return std::nullopt;
  }
  {
    std::lock_guard<std::mutex> g (p.token_lock);
    p.hold_secret (dc.device_code);
  }
  return dc;
}

std::optional<Token>
Helix::device_code_poll_once (
    const DeviceCode &code, GCancellable *cancellable, GError **error)
{
  Private &p = *priv_;
  std::string form = "client_id=" + escape (p.client_id)
                     + "&device_code=" + escape (code.device_code)
                     + "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%"
                       "3Adevice_code";
  std::string joined;
  for (const auto &sc : code.scopes)
    joined += (joined.empty () ? "" : " ") + sc;
  if (!joined.empty ())
    form += "&scopes=" + escape (joined);
  auto a = p.exchange_retrying ("POST", p.auth_url + "/token", form, {}, false,
      "POST oauth2/token (device code)", cancellable, error);
  if (!a)
    return std::nullopt;
  if (a->status != 200) {
    if (a->body.find ("authorization_pending") != std::string::npos) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_AUTHORIZATION_PENDING,
          "Waiting for the code %s to be entered at %s",
          code.user_code.c_str (), code.verification_uri.c_str ());
    } else if (a->body.find ("invalid device code") != std::string::npos
               || a->body.find ("expired") != std::string::npos) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_EXPIRED,
          "The login code %s expired before it was entered: log in again",
          code.user_code.c_str ());
    } else {
      api_error_set_from_http (
          error, a->status, a->body, "POST oauth2/token (device code)");
    }
    return std::nullopt;
  }
  if (!p.take_token_answer (a->body, false, "POST oauth2/token", error))
    return std::nullopt;
  p.notify_user_token ();
  return token ();
}

std::optional<Token>
Helix::device_code_wait (
    const DeviceCode &code, GCancellable *cancellable, GError **error)
{
  int64_t interval_us = code.interval * G_USEC_PER_SEC;
  TimeUs deadline = code.obtained_at + code.expires_in * G_USEC_PER_SEC;
  while (true) {
    GError *e = nullptr;
    auto t = device_code_poll_once (code, cancellable, &e);
    if (t)
      return t;
    if (e->domain != TWITCH_API_ERROR
        || e->code != API_ERROR_AUTHORIZATION_PENDING) {
      g_propagate_error (error, e);
      return std::nullopt;
    }
    g_error_free (e);
    if (now_us () + interval_us > deadline) {
      g_set_error (error, TWITCH_API_ERROR, API_ERROR_EXPIRED,
          "The login code %s expired before it was entered: log in again",
          code.user_code.c_str ());
      return std::nullopt;
    }
    if (!sleep_cancellable (interval_us, cancellable, error))
      return std::nullopt;
  }
}

Token
Helix::token () const
{
  std::lock_guard<std::mutex> g (priv_->token_lock);
  return priv_->token;
}

void
Helix::set_token (const Token &token)
{
  std::lock_guard<std::mutex> g (priv_->token_lock);
  Token t = token;
  t.access_token = strip_oauth_prefix (t.access_token);
  priv_->set_token_locked (t);
  priv_->identity_known = t.is_app;
  priv_->user_id.clear ();
}

bool
Helix::revoke (GCancellable *cancellable, GError **error)
{
  Private &p = *priv_;
  std::string id, access;
  {
    std::lock_guard<std::mutex> g (p.token_lock);
    id = p.client_id;
    access = p.token.access_token;
  }
  if (access.empty ())
    return true;
  std::string form = "client_id=" + escape (id) + "&token=" + escape (access);
  auto a = p.exchange_retrying ("POST", p.auth_url + "/revoke", form, {}, false,
      "POST oauth2/revoke", cancellable, error);
  if (!a)
    return false;
  /* 400 "Invalid token": already revoked or expired, which is the aim. */
  if (a->status != 200 && a->status != 400) {
    api_error_set_from_http (error, a->status, a->body, "POST oauth2/revoke");
    return false;
  }
  return true;
}

std::optional<HelixResponse>
Helix::get (const std::string &path, const Query &query, ResourceKind kind,
    GCancellable *cancellable, GError **error)
{
  std::string url = priv_->helix_url + "/" + path;
  std::string q = encode_query (query);
  if (!q.empty ())
    url += "?" + q;
  return priv_->get_url (url, "GET " + path, kind, true, cancellable, error);
}

std::optional<HelixResponse>
Helix::send_json (const char *method, const std::string &path,
    const Query &query, const std::string &json_body, bool idempotent,
    GCancellable *cancellable, GError **error)
{
  std::string url = priv_->helix_url + "/" + path;
  std::string q = encode_query (query);
  if (!q.empty ())
    url += "?" + q;
  auto a = priv_->helix_exchange (url, std::string (method) + " " + path,
      cancellable, error, nullptr, method, json_body, idempotent);
  if (!a)
    return std::nullopt;
  HelixResponse r;
  r.status = a->status;
  r.body = std::move (a->body);
  return r;
}

std::string
eventsub_websocket_url ()
{
  return env::eventsub_url ().value_or (kDefaultEventSubUrl);
}

namespace
{

const char kGetTaskTag = 0;

struct GetTaskData {
  Helix *helix;
  std::string path;
  Query query;
  ResourceKind kind;
};

} // namespace

void
Helix::get_async (const std::string &path, const Query &query,
    ResourceKind kind, GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  GTask *task = g_task_new (nullptr, cancellable, callback, user_data);
  g_task_set_source_tag (task, const_cast<char *> (&kGetTaskTag));
  g_task_set_task_data (task, new GetTaskData{this, path, query, kind},
      [] (gpointer d) { delete static_cast<GetTaskData *> (d); });
  g_task_run_in_thread (
      task, [] (GTask *t, gpointer, gpointer task_data, GCancellable *c) {
        auto *d = static_cast<GetTaskData *> (task_data);
        GError *e = nullptr;
        auto r = d->helix->get (d->path, d->query, d->kind, c, &e);
        if (!r)
          g_task_return_error (t, e);
        else
          g_task_return_pointer (t, new HelixResponse (std::move (*r)),
              [] (gpointer p) { delete static_cast<HelixResponse *> (p); });
      });
  g_object_unref (task);
}

std::optional<HelixResponse>
Helix::get_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, nullptr), std::nullopt);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                            == const_cast<char *> (&kGetTaskTag),
      std::nullopt);
  auto *r = static_cast<HelixResponse *> (
      g_task_propagate_pointer (G_TASK (result), error));
  if (r == nullptr)
    return std::nullopt;
  HelixResponse out = std::move (*r);
  delete r;
  return out;
}

std::optional<HelixResponse>
Helix::get_page (const std::string &path, const Query &query,
    const std::string &cursor, size_t first, ResourceKind kind,
    GCancellable *cancellable, GError **error)
{
  Query q = query;
  q.emplace_back ("first", std::to_string (first));
  if (!cursor.empty ())
    q.emplace_back ("after", cursor);
  return get (path, q, kind, cancellable, error);
}

/* ---- Batched lookups ----------------------------------------------------- */

namespace
{

template <typename T>
std::optional<std::vector<T>>
batched (Helix &h, const std::string &path,
    const std::vector<std::pair<std::string, std::string>> &params,
    const Query &extra, ResourceKind kind, GCancellable *cancellable,
    GError **error)
{
  std::vector<T> all;
  size_t i = 0;
  do {
    Query q = extra;
    for (size_t n = 0; n < kBatch && i < params.size (); n++, i++)
      q.push_back (params[i]);
    auto r = h.get (path, q, kind, cancellable, error);
    if (!r)
      return std::nullopt;
    std::vector<T> page;
    if (!helix_parse_data (r->body, page, nullptr, nullptr, error))
      return std::nullopt;
    for (auto &item : page)
      all.push_back (std::move (item));
  } while (i < params.size ());
  return all;
}

std::vector<std::pair<std::string, std::string>>
params_of (const char *a, const std::vector<std::string> &as, const char *b,
    const std::vector<std::string> &bs)
{
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto &v : as)
    out.emplace_back (a, v);
  for (const auto &v : bs)
    out.emplace_back (b, v);
  return out;
}

} // namespace

std::optional<std::vector<User>>
Helix::users (const std::vector<std::string> &ids,
    const std::vector<std::string> &logins, GCancellable *cancellable,
    GError **error)
{
  return batched<User> (*this, "users", params_of ("id", ids, "login", logins),
      {}, ResourceKind::USERS, cancellable, error);
}

std::optional<User>
Helix::user_by_login (
    const std::string &login, GCancellable *cancellable, GError **error)
{
  std::string l = login;
  std::transform (l.begin (), l.end (), l.begin (),
      [] (unsigned char c) { return g_ascii_tolower (c); });
  auto list = users ({}, {l}, cancellable, error);
  if (!list)
    return std::nullopt;
  if (list->empty ()) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_NOT_FOUND,
        "No Twitch user or channel named \"%s\"", login.c_str ());
    return std::nullopt;
  }
  return list->front ();
}

std::optional<User>
Helix::user_by_id (
    const std::string &id, GCancellable *cancellable, GError **error)
{
  auto list = users ({id}, {}, cancellable, error);
  if (!list)
    return std::nullopt;
  if (list->empty ()) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_NOT_FOUND,
        "No Twitch user with id %s", id.c_str ());
    return std::nullopt;
  }
  return list->front ();
}

std::optional<std::vector<Channel>>
Helix::channels (const std::vector<std::string> &broadcaster_ids,
    GCancellable *cancellable, GError **error)
{
  if (broadcaster_ids.empty ())
    return std::vector<Channel> ();
  return batched<Channel> (*this, "channels",
      params_of ("broadcaster_id", broadcaster_ids, "", {}), {},
      ResourceKind::CHANNELS, cancellable, error);
}

std::optional<std::vector<Stream>>
Helix::streams (const std::vector<std::string> &user_ids,
    const std::vector<std::string> &user_logins, GCancellable *cancellable,
    GError **error)
{
  /* Nobody asked about: no live stream (not Twitch's top streams). */
  if (user_ids.empty () && user_logins.empty ())
    return std::vector<Stream> ();
  auto params = params_of ("user_id", user_ids, "user_login", user_logins);
  return batched<Stream> (*this, "streams", params, {{"first", "100"}},
      ResourceKind::STREAMS, cancellable, error);
}

Pager<Stream>
Helix::top_streams (const StreamQuery &query, size_t limit)
{
  Query q;
  for (const auto &g : query.game_ids)
    q.emplace_back ("game_id", g);
  for (const auto &l : query.languages)
    q.emplace_back ("language", l);
  for (const auto &u : query.user_ids)
    q.emplace_back ("user_id", u);
  for (const auto &u : query.user_logins)
    q.emplace_back ("user_login", u);
  if (!query.type.empty ())
    q.emplace_back ("type", query.type);
  return Pager<Stream> (this, "streams", q, ResourceKind::STREAMS, limit);
}

std::optional<int64_t>
Helix::followers_total (const std::string &broadcaster_id,
    GCancellable *cancellable, GError **error)
{
  auto r = get ("channels/followers",
      {{"broadcaster_id", broadcaster_id}, {"first", "1"}},
      ResourceKind::FOLLOWERS, cancellable, error);
  if (!r)
    return std::nullopt;
  std::vector<Follower> page;
  std::optional<int64_t> total;
  if (!helix_parse_data (r->body, page, &total, nullptr, error))
    return std::nullopt;
  if (!total) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "GET channels/followers answered no \"total\"");
    return std::nullopt;
  }
  return total;
}

Pager<Follower>
Helix::followers (const std::string &broadcaster_id, size_t limit)
{
  return Pager<Follower> (this, "channels/followers",
      {{"broadcaster_id", broadcaster_id}}, ResourceKind::FOLLOWERS, limit,
      "moderator:read:followers");
}

Pager<FollowedChannel>
Helix::followed (const std::string &user_id, size_t limit)
{
  return Pager<FollowedChannel> (this, "channels/followed",
      {{"user_id", user_id}}, ResourceKind::FOLLOWED, limit);
}

std::optional<int64_t>
Helix::followed_total (
    const std::string &user_id, GCancellable *cancellable, GError **error)
{
  auto r = get ("channels/followed", {{"user_id", user_id}, {"first", "1"}},
      ResourceKind::FOLLOWED, cancellable, error);
  if (!r)
    return std::nullopt;
  std::vector<FollowedChannel> page;
  std::optional<int64_t> total;
  if (!helix_parse_data (r->body, page, &total, nullptr, error))
    return std::nullopt;
  if (!total) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "GET channels/followed answered no \"total\"");
    return std::nullopt;
  }
  return total;
}

Pager<Video>
Helix::videos (
    const std::string &user_id, const std::string &type, size_t limit)
{
  Query q{{"user_id", user_id}};
  if (!type.empty ())
    q.emplace_back ("type", type);
  return Pager<Video> (this, "videos", q, ResourceKind::VIDEOS, limit);
}

Pager<Clip>
Helix::clips (const ClipQuery &query, size_t limit)
{
  Query q;
  if (!query.broadcaster_id.empty ())
    q.emplace_back ("broadcaster_id", query.broadcaster_id);
  if (!query.game_id.empty ())
    q.emplace_back ("game_id", query.game_id);
  for (const auto &id : query.ids)
    q.emplace_back ("id", id);
  if (query.started_at)
    q.emplace_back ("started_at", time_to_iso8601 (query.started_at));
  if (query.ended_at)
    q.emplace_back ("ended_at", time_to_iso8601 (query.ended_at));
  return Pager<Clip> (this, "clips", q, ResourceKind::CLIPS, limit);
}

Pager<Chatter>
Helix::chatters (const std::string &broadcaster_id,
    const std::string &moderator_id, size_t limit)
{
  Query q{{"broadcaster_id", broadcaster_id}};
  q.emplace_back (
      "moderator_id", moderator_id.empty () ? broadcaster_id : moderator_id);
  return Pager<Chatter> (
      this, "chat/chatters", q, ResourceKind::CHATTERS, limit);
}

Pager<Chatter>
Helix::moderators (const std::string &broadcaster_id, size_t limit)
{
  return Pager<Chatter> (this, "moderation/moderators",
      {{"broadcaster_id", broadcaster_id}}, ResourceKind::MODERATORS, limit);
}

std::optional<std::vector<Game>>
Helix::games (const std::vector<std::string> &ids,
    const std::vector<std::string> &names, GCancellable *cancellable,
    GError **error)
{
  if (ids.empty () && names.empty ())
    return std::vector<Game> ();
  return batched<Game> (*this, "games", params_of ("id", ids, "name", names),
      {}, ResourceKind::GAMES, cancellable, error);
}

Pager<Game>
Helix::top_games (size_t limit)
{
  return Pager<Game> (this, "games/top", {}, ResourceKind::GAMES, limit);
}

Pager<SearchChannel>
Helix::search_channels (const std::string &query, bool live_only, size_t limit)
{
  Query q{{"query", query}};
  if (live_only)
    q.emplace_back ("live_only", "true");
  return Pager<SearchChannel> (
      this, "search/channels", q, ResourceKind::SEARCH, limit);
}

Pager<Subscription>
Helix::subscriptions (const std::string &broadcaster_id, size_t limit)
{
  return Pager<Subscription> (this, "subscriptions",
      {{"broadcaster_id", broadcaster_id}}, ResourceKind::SUBSCRIPTIONS, limit);
}

std::optional<std::vector<Ingest>>
Helix::ingests (GCancellable *cancellable, GError **error)
{
  auto r = priv_->get_url (priv_->ingest_url, "GET ingests",
      ResourceKind::INGESTS, false, cancellable, error);
  if (!r)
    return std::nullopt;
  GError *e = nullptr;
  auto list = ingest_list_parse (r->body, &e);
  if (!list) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "The ingest list at %s is not what Twitch documents: %s",
        priv_->ingest_url.c_str (), e->message);
    g_error_free (e);
  }
  return list;
}

std::optional<std::vector<Ingest>>
helix_fetch_ingests (
    GCancellable *cancellable, guint timeout_sec, GError **error)
{
  HelixConfig config;
  /* No credentials (the list needs none, and none are looked up). */
  config.use_environment = false;
  config.ingest_url = ingest_list_url ();
  config.timeout_sec = timeout_sec;
  Helix helix (std::move (config));
  return helix.ingests (cancellable, error);
}

/* ---- Pager --------------------------------------------------------------- */

template <typename T>
Pager<T>::Pager (Helix *helix, std::string path, Query query, ResourceKind kind,
    size_t limit, std::string list_scope)
    : helix_ (helix), path_ (std::move (path)), query_ (std::move (query)),
      kind_ (kind), limit_ (limit), list_scope_ (std::move (list_scope))
{
}

template <typename T>
bool
Pager<T>::next (std::vector<T> &page, GCancellable *cancellable, GError **error)
{
  page.clear ();
  if (done_)
    return false;
  size_t first = kBatch;
  if (limit_ > 0)
    first = std::min (first, limit_ - fetched_);
  if (first == 0) {
    done_ = true;
    return false;
  }
  if (pages_ >= kMaxPages) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "GET %s: still more pages after %" G_GSIZE_FORMAT
        " pages; stopping (set a limit)",
        path_.c_str (), pages_);
    done_ = true;
    return false;
  }
  pages_++;
  auto r = helix_->get_page (
      path_, query_, cursor_, first, kind_, cancellable, error);
  if (!r) {
    done_ = true;
    return false;
  }
  std::string next_cursor;
  std::optional<int64_t> total;
  if (!helix_parse_data (r->body, page, &total, &next_cursor, error)) {
    g_prefix_error (error, "GET %s: ", path_.c_str ());
    done_ = true;
    return false;
  }
  if (total)
    total_ = total;
  if (page.empty () && fetched_ == 0 && cursor_.empty () && total && *total > 0
      && !list_scope_.empty ()) {
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_MISSING_SCOPE,
        "GET %s answered only the total (%" G_GINT64_FORMAT
        "), not the list: listing needs a user token with the OAuth scope "
        "\"%s\" of the broadcaster or one of its moderators (gst-twitch "
        "login --scope %s)",
        path_.c_str (), *total, list_scope_.c_str (), list_scope_.c_str ());
    done_ = true;
    return false;
  }
  if (page.size () > first)
    page.resize (first);
  if (!cursor_.empty ())
    seen_cursors_.insert (cursor_);
  if (!next_cursor.empty () && !page.empty ()
      && (limit_ == 0 || fetched_ + page.size () < limit_)
      && seen_cursors_.count (next_cursor)) {
    /* A, B, A, B...: the walk would never end. */
    g_set_error (error, TWITCH_API_ERROR, API_ERROR_BAD_RESPONSE,
        "GET %s answered a page cursor it had already given in this walk "
        "(after %" G_GSIZE_FORMAT " pages): the server's paging loops; "
        "stopping",
        path_.c_str (), pages_);
    page.clear ();
    done_ = true;
    return false;
  }
  fetched_ += page.size ();
  if (next_cursor.empty () || page.empty ()
      || (limit_ > 0 && fetched_ >= limit_))
    done_ = true;
  cursor_ = std::move (next_cursor);
  return !page.empty ();
}

template <typename T>
std::optional<std::vector<T>>
Pager<T>::collect (GCancellable *cancellable, GError **error)
{
  std::vector<T> all;
  std::vector<T> page;
  GError *e = nullptr;
  while (next (page, cancellable, &e))
    for (auto &item : page)
      all.push_back (std::move (item));
  if (e) {
    g_propagate_error (error, e);
    return std::nullopt;
  }
  return all;
}

template class Pager<Stream>;
template class Pager<Follower>;
template class Pager<FollowedChannel>;
template class Pager<Video>;
template class Pager<Clip>;
template class Pager<Chatter>;
template class Pager<Game>;
template class Pager<SearchChannel>;
template class Pager<Subscription>;

} // namespace twitch
