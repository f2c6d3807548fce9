#include "config.h"

#include <gst/twitch/gsttwitch-private.h>
#include <gst/twitch/cache/cache.h>

#include <mutex>
#include <string>
#include <vector>

/**
 * GstTwitchHelixClient:
 *
 * A client of Twitch's Helix API: one keep-alive HTTP session, app or user
 * tokens (refreshed when they expire), Twitch's rate limits, retries of
 * server and network failures, an optional response cache, lookups batched
 * 100 a request, and paged collections as #GstTwitchPager.
 *
 * It is configured from the same environment as the rest of gst-twitch
 * (`TWITCH_HELIX_URL`, `TWITCH_AUTH_URL`, `TWITCH_INGEST_URL`,
 * `TWITCH_CLIENT_ID`, `TWITCH_CLIENT_SECRET`, `TWITCH_OAUTH_TOKEN`,
 * `TWITCH_REFRESH_TOKEN`, and for the caches `TWITCH_CACHE_TEMP`,
 * `REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD`, `REDIS_DB`,
 * `MEMCACHE_SERVERS`); a property set to a non-%NULL value wins over its
 * variable. Properties are read when the first request is made; changing one
 * later applies to the requests made after it.
 *
 * Every call exists as a blocking function (with a #GCancellable) and as an
 * `_async`/`_finish` pair whose request runs in a worker thread and whose
 * callback runs on the thread-default main context of the caller. Failures
 * are %GST_TWITCH_API_ERROR errors (or %G_IO_ERROR_CANCELLED). One client
 * may be used from several threads at once.
 *
 * ```c
 * g_autoptr (GstTwitchHelixClient) client = gst_twitch_helix_client_new ();
 * g_autoptr (GstTwitchUser) user =
 *     gst_twitch_helix_client_get_user (client, "twitchdev", NULL, &error);
 * ```
 *
 * Since: 1.0
 */

namespace
{

struct Settings {
  std::string helix_url, auth_url, ingest_url, client_id, client_secret,
      oauth_token, refresh_token;
  std::string cache = "none";
  guint timeout = 30;
};

} // namespace

struct _GstTwitchHelixClient {
  GObject parent;
  std::mutex *lock;
  Settings *settings;
  /* Made from the settings by the first request; shared with the pagers
   * made from it. Dropped when a property changes. */
  std::shared_ptr<twitch::Helix> *helix;
};

G_DEFINE_FINAL_TYPE (
    GstTwitchHelixClient, gst_twitch_helix_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HELIX_URL,
  PROP_AUTH_URL,
  PROP_INGEST_URL,
  PROP_CLIENT_ID,
  PROP_CLIENT_SECRET,
  PROP_OAUTH_TOKEN,
  PROP_REFRESH_TOKEN,
  PROP_CACHE,
  PROP_TIMEOUT,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static const char *const kCacheNames[]
    = {"none", "memory", "file", "redis", "memcache", "memcached", nullptr};

static void
gst_twitch_helix_client_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTwitchHelixClient *self = GST_TWITCH_HELIX_CLIENT (object);
  std::lock_guard<std::mutex> guard (*self->lock);
  Settings &s = *self->settings;
  const char *str = nullptr;
  if (G_VALUE_HOLDS_STRING (value))
    str = g_value_get_string (value);
  std::string v = str ? str : "";
  switch (prop_id) {
    case PROP_HELIX_URL:
      s.helix_url = v;
      break;
    case PROP_AUTH_URL:
      s.auth_url = v;
      break;
    case PROP_INGEST_URL:
      s.ingest_url = v;
      break;
    case PROP_CLIENT_ID:
      s.client_id = v;
      break;
    case PROP_CLIENT_SECRET:
      s.client_secret = v;
      break;
    case PROP_OAUTH_TOKEN:
      s.oauth_token = v;
      break;
    case PROP_REFRESH_TOKEN:
      s.refresh_token = v;
      break;
    case PROP_CACHE:
      s.cache = str ? v : "none";
      break;
    case PROP_TIMEOUT:
      s.timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
  }
  self->helix->reset ();
}

static void
gst_twitch_helix_client_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTwitchHelixClient *self = GST_TWITCH_HELIX_CLIENT (object);
  std::lock_guard<std::mutex> guard (*self->lock);
  const Settings &s = *self->settings;
  auto set = [value] (const std::string &v) {
    g_value_set_string (value, v.empty () ? nullptr : v.c_str ());
  };
  switch (prop_id) {
    case PROP_HELIX_URL:
      set (s.helix_url);
      break;
    case PROP_AUTH_URL:
      set (s.auth_url);
      break;
    case PROP_INGEST_URL:
      set (s.ingest_url);
      break;
    case PROP_CLIENT_ID:
      set (s.client_id);
      break;
    case PROP_CACHE:
      set (s.cache);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, s.timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_twitch_helix_client_finalize (GObject *object)
{
  GstTwitchHelixClient *self = GST_TWITCH_HELIX_CLIENT (object);
  delete self->helix;
  delete self->settings;
  delete self->lock;
  G_OBJECT_CLASS (gst_twitch_helix_client_parent_class)->finalize (object);
}

static void
gst_twitch_helix_client_class_init (GstTwitchHelixClientClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw
      = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const GParamFlags wo
      = (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  gobject_class->set_property = gst_twitch_helix_client_set_property;
  gobject_class->get_property = gst_twitch_helix_client_get_property;
  gobject_class->finalize = gst_twitch_helix_client_finalize;

  /**
   * GstTwitchHelixClient:helix-url:
   *
   * Base URL of the Helix API; %NULL: `TWITCH_HELIX_URL`, else
   * `https://api.twitch.tv/helix`.
   *
   * Since: 1.0
   */
  props[PROP_HELIX_URL]
      = g_param_spec_string ("helix-url", nullptr, nullptr, nullptr, rw);
  /**
   * GstTwitchHelixClient:auth-url:
   *
   * Base URL of Twitch's OAuth service; %NULL: `TWITCH_AUTH_URL`, else
   * `https://id.twitch.tv/oauth2`.
   *
   * Since: 1.0
   */
  props[PROP_AUTH_URL]
      = g_param_spec_string ("auth-url", nullptr, nullptr, nullptr, rw);
  /**
   * GstTwitchHelixClient:ingest-url:
   *
   * URL of the ingest list; %NULL: `TWITCH_INGEST_URL`, else
   * `https://ingest.twitch.tv/ingests`.
   *
   * Since: 1.0
   */
  props[PROP_INGEST_URL]
      = g_param_spec_string ("ingest-url", nullptr, nullptr, nullptr, rw);
  /**
   * GstTwitchHelixClient:client-id:
   *
   * The application's client id; %NULL: `TWITCH_CLIENT_ID` (or the id the
   * token belongs to).
   *
   * Since: 1.0
   */
  props[PROP_CLIENT_ID]
      = g_param_spec_string ("client-id", nullptr, nullptr, nullptr, rw);
  /**
   * GstTwitchHelixClient:client-secret:
   *
   * The application's client secret, for an app access token (write-only
   * secret); %NULL: `TWITCH_CLIENT_SECRET`.
   *
   * Since: 1.0
   */
  props[PROP_CLIENT_SECRET]
      = g_param_spec_string ("client-secret", nullptr, nullptr, nullptr, wo);
  /**
   * GstTwitchHelixClient:oauth-token:
   *
   * A user access token, with or without `oauth:` (write-only secret);
   * %NULL: `TWITCH_OAUTH_TOKEN`. Without one, the client uses an app access
   * token from the client credentials.
   *
   * Since: 1.0
   */
  props[PROP_OAUTH_TOKEN]
      = g_param_spec_string ("oauth-token", nullptr, nullptr, nullptr, wo);
  /**
   * GstTwitchHelixClient:refresh-token:
   *
   * The refresh token of #GstTwitchHelixClient:oauth-token (write-only
   * secret); %NULL: `TWITCH_REFRESH_TOKEN`.
   *
   * Since: 1.0
   */
  props[PROP_REFRESH_TOKEN]
      = g_param_spec_string ("refresh-token", nullptr, nullptr, nullptr, wo);
  /**
   * GstTwitchHelixClient:cache:
   *
   * The response cache, by the names of `gst-twitch -c`: `none`, `memory`,
   * `file` (`TWITCH_CACHE_TEMP`), `redis` (`REDIS_*`) or `memcache`
   * (`MEMCACHE_SERVERS`). Another name fails the next request with
   * %GST_TWITCH_API_ERROR_BAD_REQUEST.
   *
   * Since: 1.0
   */
  props[PROP_CACHE]
      = g_param_spec_string ("cache", nullptr, nullptr, "none", rw);
  /**
   * GstTwitchHelixClient:timeout:
   *
   * Seconds a request may take.
   *
   * Since: 1.0
   */
  props[PROP_TIMEOUT]
      = g_param_spec_uint ("timeout", nullptr, nullptr, 1, 3600, 30, rw);
  g_object_class_install_properties (gobject_class, N_PROPS, props);
}

static void
gst_twitch_helix_client_init (GstTwitchHelixClient *self)
{
  self->lock = new std::mutex ();
  self->settings = new Settings ();
  self->helix = new std::shared_ptr<twitch::Helix> ();
}

/**
 * gst_twitch_helix_client_new:
 *
 * Returns: (transfer full): a new client, configured from the environment
 *   until its properties say otherwise.
 *
 * Since: 1.0
 */
GstTwitchHelixClient *
gst_twitch_helix_client_new (void)
{
  return (GstTwitchHelixClient *)g_object_new (
      GST_TYPE_TWITCH_HELIX_CLIENT, nullptr);
}

/* The C++ client of the current settings, made on first use. */
static std::shared_ptr<twitch::Helix>
get_helix (GstTwitchHelixClient *self, GError **error)
{
  std::lock_guard<std::mutex> guard (*self->lock);
  if (*self->helix)
    return *self->helix;
  const Settings &s = *self->settings;
  const std::pair<const char *, const std::string *> creds[]
      = {{"client-id", &s.client_id}, {"client-secret", &s.client_secret},
          {"oauth-token", &s.oauth_token}, {"refresh-token", &s.refresh_token}};
  for (const auto &c : creds)
    if (!gst_twitch_internal::check_credential (c.first, *c.second,
            GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_UNAUTHORIZED, error))
      return nullptr;
  twitch::HelixConfig config;
  config.helix_url = s.helix_url;
  config.auth_url = s.auth_url;
  config.ingest_url = s.ingest_url;
  config.client_id = s.client_id;
  config.client_secret = s.client_secret;
  config.oauth_token = s.oauth_token;
  config.refresh_token = s.refresh_token;
  config.timeout_sec = s.timeout;
  if (!g_strv_contains (kCacheNames, s.cache.c_str ())) {
    g_set_error (error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_BAD_REQUEST,
        "cache must be none, memory, file, redis or memcache, not '%s'",
        s.cache.c_str ());
    return nullptr;
  }
  GError *cache_error = nullptr;
  std::unique_ptr<twitch::Cache> cache
      = twitch::cache_new_from_name (s.cache, &cache_error);
  if (cache_error != nullptr) {
    g_set_error (error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_BAD_REQUEST,
        "cache '%s': %s", s.cache.c_str (), cache_error->message);
    g_error_free (cache_error);
    return nullptr;
  }
  config.cache = std::move (cache);
  *self->helix = std::make_shared<twitch::Helix> (std::move (config));
  return *self->helix;
}

bool
gst_twitch_internal::check_login (
    const char *what, const char *login, std::string &out, GError **error)
{
  std::string l = login ? login : "";
  if (!l.empty () && l[0] == '#')
    l.erase (0, 1);
  for (char &c : l)
    c = g_ascii_tolower (c);
  bool ok = !l.empty () && l.size () <= 25;
  for (char c : l)
    ok = ok && (g_ascii_isdigit (c) || (c >= 'a' && c <= 'z') || c == '_');
  if (!ok) {
    gchar *shown = g_strescape (login ? login : "", nullptr);
    g_set_error (error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_BAD_REQUEST,
        "%s \"%.40s\" is not a Twitch login (1 to 25 letters, digits or _)",
        what, shown);
    g_free (shown);
    return false;
  }
  out = std::move (l);
  return true;
}

/* Twitch ids are decimal numbers. */
static bool
check_id (const char *what, const char *id, GError **error)
{
  bool ok = id != nullptr && id[0] != '\0' && strlen (id) <= 32;
  for (const char *p = id; ok && *p; p++)
    ok = g_ascii_isdigit (*p);
  if (!ok)
    g_set_error (error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_BAD_REQUEST,
        "%s \"%.40s\" is not a Twitch id (a number)", what, id ? id : "");
  return ok;
}

/**
 * gst_twitch_helix_client_get_user:
 * @self: a #GstTwitchHelixClient
 * @login: the user's login (case does not matter)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Looks a user up by login (`GET /helix/users`).
 *
 * Returns: (transfer full): the user, or %NULL with
 *   %GST_TWITCH_API_ERROR_NOT_FOUND when there is none, or another error.
 *
 * Since: 1.0
 */
GstTwitchUser *
gst_twitch_helix_client_get_user (GstTwitchHelixClient *self,
    const gchar *login, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  g_return_val_if_fail (error == nullptr || *error == nullptr, nullptr);
  std::string l;
  if (!gst_twitch_internal::check_login ("login", login, l, error))
    return nullptr;
  auto helix = get_helix (self, error);
  if (!helix)
    return nullptr;
  auto user = helix->user_by_login (l, cancellable, error);
  gst_twitch_internal::to_public_error (error);
  return user ? gst_twitch_user_new_internal (*user) : nullptr;
}

static std::vector<std::string>
strv_to_vector (const gchar *const *v)
{
  std::vector<std::string> out;
  for (; v != nullptr && *v != nullptr; v++)
    out.emplace_back (*v);
  return out;
}

/**
 * gst_twitch_helix_client_get_users:
 * @self: a #GstTwitchHelixClient
 * @logins: (nullable) (array zero-terminated=1): logins to look up
 * @ids: (nullable) (array zero-terminated=1): user ids to look up
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Looks users up by login and by id, 100 a request. Unknown ones are left
 * out; with neither logins nor ids, the user of the token.
 *
 * Returns: (transfer container) (element-type GstTwitchUser): the users found,
 *   or %NULL on failure.
 *
 * Since: 1.0
 */
GPtrArray *
gst_twitch_helix_client_get_users (GstTwitchHelixClient *self,
    const gchar *const *logins, const gchar *const *ids,
    GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  g_return_val_if_fail (error == nullptr || *error == nullptr, nullptr);
  std::vector<std::string> l, i = strv_to_vector (ids);
  for (const gchar *const *p = logins; p != nullptr && *p != nullptr; p++) {
    std::string one;
    if (!gst_twitch_internal::check_login ("login", *p, one, error))
      return nullptr;
    l.push_back (std::move (one));
  }
  for (const auto &id : i)
    if (!check_id ("user id", id.c_str (), error))
      return nullptr;
  auto helix = get_helix (self, error);
  if (!helix)
    return nullptr;
  auto users = helix->users (i, l, cancellable, error);
  gst_twitch_internal::to_public_error (error);
  if (!users)
    return nullptr;
  GPtrArray *out = g_ptr_array_new_full (users->size (), g_object_unref);
  for (const auto &u : *users)
    g_ptr_array_add (out, gst_twitch_user_new_internal (u));
  return out;
}

/**
 * gst_twitch_helix_client_get_channel:
 * @self: a #GstTwitchHelixClient
 * @broadcaster_id: the broadcaster's user id
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * A channel's settings (`GET /helix/channels`).
 *
 * Returns: (transfer full): the channel, or %NULL with
 *   %GST_TWITCH_API_ERROR_NOT_FOUND when there is none, or another error.
 *
 * Since: 1.0
 */
GstTwitchChannel *
gst_twitch_helix_client_get_channel (GstTwitchHelixClient *self,
    const gchar *broadcaster_id, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  g_return_val_if_fail (error == nullptr || *error == nullptr, nullptr);
  if (!check_id ("broadcaster id", broadcaster_id, error))
    return nullptr;
  auto helix = get_helix (self, error);
  if (!helix)
    return nullptr;
  auto channels = helix->channels ({broadcaster_id}, cancellable, error);
  gst_twitch_internal::to_public_error (error);
  if (!channels)
    return nullptr;
  if (channels->empty ()) {
    g_set_error (error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_NOT_FOUND,
        "No Twitch channel with broadcaster id %s", broadcaster_id);
    return nullptr;
  }
  return gst_twitch_channel_new_internal (channels->front ());
}

/**
 * gst_twitch_helix_client_get_stream:
 * @self: a #GstTwitchHelixClient
 * @login: the broadcaster's login
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The live stream of a channel (`GET /helix/streams`).
 *
 * Returns: (transfer full) (nullable): the stream, or %NULL with @error
 *   unset when the channel is offline, or %NULL with @error set.
 *
 * Since: 1.0
 */
GstTwitchStream *
gst_twitch_helix_client_get_stream (GstTwitchHelixClient *self,
    const gchar *login, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  g_return_val_if_fail (error == nullptr || *error == nullptr, nullptr);
  std::string l;
  if (!gst_twitch_internal::check_login ("login", login, l, error))
    return nullptr;
  auto helix = get_helix (self, error);
  if (!helix)
    return nullptr;
  auto streams = helix->streams ({}, {l}, cancellable, error);
  gst_twitch_internal::to_public_error (error);
  if (!streams || streams->empty ())
    return nullptr;
  return gst_twitch_stream_new_internal (streams->front ());
}

/* ---- async: each runs the blocking call in a worker thread ------------- */

namespace
{

struct CallData {
  std::string arg;
  std::vector<std::string> logins, ids;
  bool has_logins = false, has_ids = false;
};

enum class Call { USER, USERS, CHANNEL, STREAM };

template <Call C>
void
call_thread (
    GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  auto *self = GST_TWITCH_HELIX_CLIENT (source);
  auto *d = static_cast<CallData *> (task_data);
  GError *error = nullptr;
  gpointer result = nullptr;
  GDestroyNotify free_func = g_object_unref;
  switch (C) {
    case Call::USER:
      result = gst_twitch_helix_client_get_user (
          self, d->arg.c_str (), cancellable, &error);
      break;
    case Call::CHANNEL:
      result = gst_twitch_helix_client_get_channel (
          self, d->arg.c_str (), cancellable, &error);
      break;
    case Call::STREAM:
      result = gst_twitch_helix_client_get_stream (
          self, d->arg.c_str (), cancellable, &error);
      break;
    case Call::USERS: {
      std::vector<const gchar *> l, i;
      for (auto &s : d->logins)
        l.push_back (s.c_str ());
      for (auto &s : d->ids)
        i.push_back (s.c_str ());
      l.push_back (nullptr);
      i.push_back (nullptr);
      result = gst_twitch_helix_client_get_users (
          self, l.data (), i.data (), cancellable, &error);
      free_func = (GDestroyNotify)g_ptr_array_unref;
      break;
    }
  }
  if (error != nullptr)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, free_func);
}

template <Call C>
void
start_call (GstTwitchHelixClient *self, CallData *data, gpointer tag,
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (
      task, data, [] (gpointer p) { delete static_cast<CallData *> (p); });
  g_task_run_in_thread (task, call_thread<C>);
  g_object_unref (task);
}

gpointer
finish_call (GstTwitchHelixClient *self, GAsyncResult *result, gpointer tag,
    GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), nullptr);
  g_return_val_if_fail (
      g_task_get_source_tag (G_TASK (result)) == tag, nullptr);
  return g_task_propagate_pointer (G_TASK (result), error);
}

} // namespace

/**
 * gst_twitch_helix_client_get_user_async:
 * @self: a #GstTwitchHelixClient
 * @login: the user's login
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when done
 * @user_data: data for @callback
 *
 * gst_twitch_helix_client_get_user() without blocking.
 *
 * Since: 1.0
 */
void
gst_twitch_helix_client_get_user_async (GstTwitchHelixClient *self,
    const gchar *login, GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  g_return_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self));
  auto *d = new CallData ();
  d->arg = login ? login : "";
  start_call<Call::USER> (self, d,
      (gpointer)gst_twitch_helix_client_get_user_async, cancellable, callback,
      user_data);
}

/**
 * gst_twitch_helix_client_get_user_finish:
 * @self: a #GstTwitchHelixClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the user, or %NULL on failure.
 *
 * Since: 1.0
 */
GstTwitchUser *
gst_twitch_helix_client_get_user_finish (
    GstTwitchHelixClient *self, GAsyncResult *result, GError **error)
{
  return (GstTwitchUser *)finish_call (
      self, result, (gpointer)gst_twitch_helix_client_get_user_async, error);
}

/**
 * gst_twitch_helix_client_get_users_async:
 * @self: a #GstTwitchHelixClient
 * @logins: (nullable) (array zero-terminated=1): logins to look up
 * @ids: (nullable) (array zero-terminated=1): user ids to look up
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when done
 * @user_data: data for @callback
 *
 * gst_twitch_helix_client_get_users() without blocking.
 *
 * Since: 1.0
 */
void
gst_twitch_helix_client_get_users_async (GstTwitchHelixClient *self,
    const gchar *const *logins, const gchar *const *ids,
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self));
  auto *d = new CallData ();
  d->logins = strv_to_vector (logins);
  d->ids = strv_to_vector (ids);
  start_call<Call::USERS> (self, d,
      (gpointer)gst_twitch_helix_client_get_users_async, cancellable, callback,
      user_data);
}

/**
 * gst_twitch_helix_client_get_users_finish:
 * @self: a #GstTwitchHelixClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type GstTwitchUser): the users found,
 *   or %NULL on failure.
 *
 * Since: 1.0
 */
GPtrArray *
gst_twitch_helix_client_get_users_finish (
    GstTwitchHelixClient *self, GAsyncResult *result, GError **error)
{
  return (GPtrArray *)finish_call (
      self, result, (gpointer)gst_twitch_helix_client_get_users_async, error);
}

/**
 * gst_twitch_helix_client_get_channel_async:
 * @self: a #GstTwitchHelixClient
 * @broadcaster_id: the broadcaster's user id
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when done
 * @user_data: data for @callback
 *
 * gst_twitch_helix_client_get_channel() without blocking.
 *
 * Since: 1.0
 */
void
gst_twitch_helix_client_get_channel_async (GstTwitchHelixClient *self,
    const gchar *broadcaster_id, GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self));
  auto *d = new CallData ();
  d->arg = broadcaster_id ? broadcaster_id : "";
  start_call<Call::CHANNEL> (self, d,
      (gpointer)gst_twitch_helix_client_get_channel_async, cancellable,
      callback, user_data);
}

/**
 * gst_twitch_helix_client_get_channel_finish:
 * @self: a #GstTwitchHelixClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the channel, or %NULL on failure.
 *
 * Since: 1.0
 */
GstTwitchChannel *
gst_twitch_helix_client_get_channel_finish (
    GstTwitchHelixClient *self, GAsyncResult *result, GError **error)
{
  return (GstTwitchChannel *)finish_call (
      self, result, (gpointer)gst_twitch_helix_client_get_channel_async, error);
}

/**
 * gst_twitch_helix_client_get_stream_async:
 * @self: a #GstTwitchHelixClient
 * @login: the broadcaster's login
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when done
 * @user_data: data for @callback
 *
 * gst_twitch_helix_client_get_stream() without blocking.
 *
 * Since: 1.0
 */
void
gst_twitch_helix_client_get_stream_async (GstTwitchHelixClient *self,
    const gchar *login, GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  g_return_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self));
  auto *d = new CallData ();
  d->arg = login ? login : "";
  start_call<Call::STREAM> (self, d,
      (gpointer)gst_twitch_helix_client_get_stream_async, cancellable, callback,
      user_data);
}

/**
 * gst_twitch_helix_client_get_stream_finish:
 * @self: a #GstTwitchHelixClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the stream, or %NULL with @error
 *   unset when the channel is offline, or %NULL with @error set.
 *
 * Since: 1.0
 */
GstTwitchStream *
gst_twitch_helix_client_get_stream_finish (
    GstTwitchHelixClient *self, GAsyncResult *result, GError **error)
{
  return (GstTwitchStream *)finish_call (
      self, result, (gpointer)gst_twitch_helix_client_get_stream_async, error);
}

/* ---- paged collections ------------------------------------------------- */

template <typename T, typename Obj>
static GstTwitchPager *
make_pager (GstTwitchHelixClient *self, GType type, Obj *(*wrap) (const T &),
    const std::function<twitch::Pager<T> (twitch::Helix &)> &make,
    GError *arg_error)
{
  GError *error = arg_error;
  std::shared_ptr<twitch::Helix> helix;
  if (error == nullptr)
    helix = get_helix (self, &error);
  if (!helix)
    return gst_twitch_pager_new_internal (type, nullptr, error);
  twitch::Pager<T> pager = make (*helix);
  return gst_twitch_pager_new_internal (type,
      std::make_unique<gst_twitch_internal::PageSourceT<T, Obj>> (
          helix, std::move (pager), wrap),
      nullptr);
}

static GError *
id_error (const char *what, const char *id)
{
  GError *error = nullptr;
  check_id (what, id, &error);
  return error;
}

/**
 * gst_twitch_helix_client_get_followers:
 * @self: a #GstTwitchHelixClient
 * @broadcaster_id: the channel's user id
 * @limit: stop after this many followers (0: all)
 *
 * The followers of a channel, newest first (`GET /helix/channels/followers`;
 * the list needs the `moderator:read:followers` scope, the total does not).
 * Nothing is fetched until gst_twitch_pager_next_page().
 *
 * Returns: (transfer full): a pager of #GstTwitchFollower.
 *
 * Since: 1.0
 */
GstTwitchPager *
gst_twitch_helix_client_get_followers (
    GstTwitchHelixClient *self, const gchar *broadcaster_id, guint limit)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  std::string id = broadcaster_id ? broadcaster_id : "";
  return make_pager<twitch::Follower, GstTwitchFollower> (
      self, GST_TYPE_TWITCH_FOLLOWER, gst_twitch_follower_new_internal,
      [&] (twitch::Helix &h) { return h.followers (id, limit); },
      id_error ("broadcaster id", broadcaster_id));
}

/**
 * gst_twitch_helix_client_get_followed:
 * @self: a #GstTwitchHelixClient
 * @user_id: the user's id
 * @limit: stop after this many channels (0: all)
 *
 * The channels a user follows (`GET /helix/channels/followed`; needs the
 * user's own token with `user:read:follows`).
 *
 * Returns: (transfer full): a pager of #GstTwitchFollowedChannel.
 *
 * Since: 1.0
 */
GstTwitchPager *
gst_twitch_helix_client_get_followed (
    GstTwitchHelixClient *self, const gchar *user_id, guint limit)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  std::string id = user_id ? user_id : "";
  return make_pager<twitch::FollowedChannel, GstTwitchFollowedChannel> (
      self, GST_TYPE_TWITCH_FOLLOWED_CHANNEL,
      gst_twitch_followed_channel_new_internal,
      [&] (twitch::Helix &h) { return h.followed (id, limit); },
      id_error ("user id", user_id));
}

/**
 * gst_twitch_helix_client_get_videos:
 * @self: a #GstTwitchHelixClient
 * @user_id: the owner's user id
 * @type: (nullable): `archive` (past broadcasts), `highlight`, `upload`, or
 *   %NULL / `all`
 * @limit: stop after this many videos (0: all)
 *
 * A user's videos, newest first (`GET /helix/videos`).
 *
 * Returns: (transfer full): a pager of #GstTwitchVideo.
 *
 * Since: 1.0
 */
GstTwitchPager *
gst_twitch_helix_client_get_videos (GstTwitchHelixClient *self,
    const gchar *user_id, const gchar *type, guint limit)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  std::string id = user_id ? user_id : "";
  std::string t = type ? type : "all";
  GError *error = id_error ("user id", user_id);
  static const char *const kTypes[]
      = {"all", "archive", "highlight", "upload", nullptr};
  if (error == nullptr && !g_strv_contains (kTypes, t.c_str ()))
    error = g_error_new (GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_BAD_REQUEST,
        "video type must be all, archive, highlight or upload, not \"%.20s\"",
        t.c_str ());
  return make_pager<twitch::Video, GstTwitchVideo> (
      self, GST_TYPE_TWITCH_VIDEO, gst_twitch_video_new_internal,
      [&] (twitch::Helix &h) { return h.videos (id, t, limit); }, error);
}

/**
 * gst_twitch_helix_client_get_clips:
 * @self: a #GstTwitchHelixClient
 * @broadcaster_id: the channel's user id
 * @limit: stop after this many clips (0: all)
 *
 * A channel's clips, most viewed first (`GET /helix/clips`).
 *
 * Returns: (transfer full): a pager of #GstTwitchClip.
 *
 * Since: 1.0
 */
GstTwitchPager *
gst_twitch_helix_client_get_clips (
    GstTwitchHelixClient *self, const gchar *broadcaster_id, guint limit)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  twitch::ClipQuery q;
  q.broadcaster_id = broadcaster_id ? broadcaster_id : "";
  return make_pager<twitch::Clip, GstTwitchClip> (
      self, GST_TYPE_TWITCH_CLIP, gst_twitch_clip_new_internal,
      [&] (twitch::Helix &h) { return h.clips (q, limit); },
      id_error ("broadcaster id", broadcaster_id));
}

/**
 * gst_twitch_helix_client_get_chatters:
 * @self: a #GstTwitchHelixClient
 * @broadcaster_id: the channel's user id
 * @moderator_id: (nullable): the moderator whose token is used; %NULL: the
 *   token's user
 * @limit: stop after this many chatters (0: all)
 *
 * The users in a channel's chat (`GET /helix/chat/chatters`; needs
 * `moderator:read:chatters`).
 *
 * Returns: (transfer full): a pager of #GstTwitchChatter.
 *
 * Since: 1.0
 */
GstTwitchPager *
gst_twitch_helix_client_get_chatters (GstTwitchHelixClient *self,
    const gchar *broadcaster_id, const gchar *moderator_id, guint limit)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  std::string id = broadcaster_id ? broadcaster_id : "";
  std::string mod = moderator_id ? moderator_id : "";
  GError *error = id_error ("broadcaster id", broadcaster_id);
  if (error == nullptr && moderator_id != nullptr)
    error = id_error ("moderator id", moderator_id);
  return make_pager<twitch::Chatter, GstTwitchChatter> (
      self, GST_TYPE_TWITCH_CHATTER, gst_twitch_chatter_new_internal,
      [&] (twitch::Helix &h) { return h.chatters (id, mod, limit); }, error);
}

/**
 * gst_twitch_helix_client_get_top_games:
 * @self: a #GstTwitchHelixClient
 * @limit: stop after this many categories (0: all)
 *
 * The categories with the most viewers now (`GET /helix/games/top`).
 *
 * Returns: (transfer full): a pager of #GstTwitchGame.
 *
 * Since: 1.0
 */
GstTwitchPager *
gst_twitch_helix_client_get_top_games (GstTwitchHelixClient *self, guint limit)
{
  g_return_val_if_fail (GST_TWITCH_IS_HELIX_CLIENT (self), nullptr);
  return make_pager<twitch::Game, GstTwitchGame> (
      self, GST_TYPE_TWITCH_GAME, gst_twitch_game_new_internal,
      [&] (twitch::Helix &h) { return h.top_games (limit); }, nullptr);
}
