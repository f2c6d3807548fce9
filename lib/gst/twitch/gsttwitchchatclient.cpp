#include "config.h"

#include <gst/twitch/gsttwitch-private.h>
#include <gst/twitch/chat/client.h>
#include <gst/twitch/chat/irc.h>
#include <gst/twitch/common/environment.h>
#include <gst/twitch/common/secret.h>
#include <gst/twitch/helix/helix.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>

/**
 * GstTwitchChatClient:
 *
 * A client of Twitch chat (TMI): one TLS connection on a thread of its own,
 * anonymous (`justinfan<digits>`) without a token, channels joined within
 * Twitch's JOIN limit, PING/PONG keepalive, reconnection with backoff that
 * rejoins every channel and never delivers a message twice, and a send
 * queue that keeps within Twitch's rate limits (20 messages in 30 s, 100 as
 * a moderator, one a second per channel; long texts split at 500
 * characters). With #GstTwitchChatClient:transport set to
 * %GST_TWITCH_CHAT_TRANSPORT_EVENTSUB it reads over Twitch's EventSub
 * WebSocket and sends through Helix instead, with the same signals and
 * messages.
 *
 * Signals are emitted on the thread-default main context of the thread that
 * called gst_twitch_chat_client_start() (the GLib convention): an
 * application running a #GMainLoop needs nothing else.
 *
 * ```python
 * client = GstTwitch.ChatClient()
 * client.join("twitchdev")
 * client.connect("message", lambda c, m: print(m.get_login(), m.get_text()))
 * client.start()
 * GLib.MainLoop().run()
 * ```
 *
 * Since: 1.0
 */

static_assert ((int)GST_TWITCH_CHAT_TRANSPORT_EVENTSUB
               == (int)twitch::ChatTransport::EVENTSUB);
static_assert ((int)GST_TWITCH_CHAT_STATE_RECONNECTING
               == (int)twitch::ChatState::RECONNECTING);
static_assert (
    (int)GST_TWITCH_SEND_OUTCOME_FAILED == (int)twitch::SendOutcome::FAILED);
static_assert (
    (int)GST_TWITCH_SEND_OUTCOME_EXPIRED == (int)twitch::SendOutcome::EXPIRED);

namespace
{

struct Settings {
  std::string server = "ircs://irc.chat.twitch.tv:6697";
  std::string login;
  /* Set to "" on purpose: anonymous, no fallback. */
  twitch::Secret token{twitch::env::oauth_token};
  std::string tls_ca_file;
  std::set<std::string> channels;
  GstTwitchChatTransport transport = GST_TWITCH_CHAT_TRANSPORT_IRC;
};

} // namespace

struct _GstTwitchChatClient {
  GObject parent;
  std::mutex *lock;
  Settings *settings;
  twitch::ChatClient *client; /* while started */
  bool anonymous;             /* of the running client: read-only */
  GMainContext *context;      /* where signals are emitted */
  /* Bumped by stop(): what the client thread queued before is dropped. */
  std::atomic<guint> *generation;
  std::atomic<int> *state;
};

G_DEFINE_FINAL_TYPE (GstTwitchChatClient, gst_twitch_chat_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER,
  PROP_LOGIN,
  PROP_OAUTH_TOKEN,
  PROP_TLS_CA_FILE,
  PROP_STATE,
  PROP_TRANSPORT,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_MESSAGE,
  SIGNAL_STATE_CHANGED,
  SIGNAL_SEND_OUTCOME,
  SIGNAL_JOINED,
  SIGNAL_JOIN_FAILED,
  SIGNAL_FATAL_ERROR,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
gst_twitch_chat_client_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTwitchChatClient *self = GST_TWITCH_CHAT_CLIENT (object);
  std::lock_guard<std::mutex> guard (*self->lock);
  if (prop_id == PROP_TRANSPORT) {
    self->settings->transport
        = (GstTwitchChatTransport)g_value_get_enum (value);
    return;
  }
  const char *str = g_value_get_string (value);
  std::string v = str ? str : "";
  switch (prop_id) {
    case PROP_SERVER:
      self->settings->server = str ? v : "ircs://irc.chat.twitch.tv:6697";
      break;
    case PROP_LOGIN:
      self->settings->login = v;
      break;
    case PROP_OAUTH_TOKEN:
      if (str != nullptr)
        self->settings->token.set (v);
      else
        self->settings->token.clear ();
      break;
    case PROP_TLS_CA_FILE:
      self->settings->tls_ca_file = v;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_twitch_chat_client_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTwitchChatClient *self = GST_TWITCH_CHAT_CLIENT (object);
  if (prop_id == PROP_STATE) {
    g_value_set_enum (value, self->state->load ());
    return;
  }
  std::lock_guard<std::mutex> guard (*self->lock);
  auto set = [value] (const std::string &v) {
    g_value_set_string (value, v.empty () ? nullptr : v.c_str ());
  };
  switch (prop_id) {
    case PROP_SERVER:
      set (self->settings->server);
      break;
    case PROP_LOGIN:
      set (self->settings->login);
      break;
    case PROP_TLS_CA_FILE:
      set (self->settings->tls_ca_file);
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, self->settings->transport);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_twitch_chat_client_dispose (GObject *object)
{
  gst_twitch_chat_client_stop (GST_TWITCH_CHAT_CLIENT (object));
  G_OBJECT_CLASS (gst_twitch_chat_client_parent_class)->dispose (object);
}

static void
gst_twitch_chat_client_finalize (GObject *object)
{
  GstTwitchChatClient *self = GST_TWITCH_CHAT_CLIENT (object);
  delete self->settings;
  delete self->lock;
  delete self->generation;
  delete self->state;
  G_OBJECT_CLASS (gst_twitch_chat_client_parent_class)->finalize (object);
}

static void
gst_twitch_chat_client_class_init (GstTwitchChatClientClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw
      = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  gobject_class->set_property = gst_twitch_chat_client_set_property;
  gobject_class->get_property = gst_twitch_chat_client_get_property;
  gobject_class->dispose = gst_twitch_chat_client_dispose;
  gobject_class->finalize = gst_twitch_chat_client_finalize;

  /**
   * GstTwitchChatClient:server:
   *
   * The chat server: `ircs://host[:port]` (TLS, port 6697 by default),
   * `irc://host[:port]` (plain, 6667; for local servers) or `host[:port]`
   * (TLS). Read by gst_twitch_chat_client_start().
   *
   * Since: 1.0
   */
  props[PROP_SERVER] = g_param_spec_string (
      "server", nullptr, nullptr, "ircs://irc.chat.twitch.tv:6697", rw);
  /**
   * GstTwitchChatClient:login:
   *
   * The Twitch user the token belongs to; %NULL: anonymous (read only).
   *
   * Since: 1.0
   */
  props[PROP_LOGIN]
      = g_param_spec_string ("login", nullptr, nullptr, nullptr, rw);
  /**
   * GstTwitchChatClient:oauth-token:
   *
   * A user token with the `chat:read` (and for sending `chat:edit`) scope,
   * with or without `oauth:` (write-only secret); %NULL:
   * `TWITCH_OAUTH_TOKEN`, else the token `gst-twitch login` stored, else
   * anonymous; "": anonymous whatever the environment says. Without
   * #GstTwitchChatClient:login the login is learnt from the token.
   *
   * Since: 1.0
   */
  props[PROP_OAUTH_TOKEN]
      = g_param_spec_string ("oauth-token", nullptr, nullptr, nullptr,
          (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstTwitchChatClient:tls-ca-file:
   *
   * A PEM file of CA certificates that replaces the system's for this
   * connection (a self-signed local server); %NULL: the system's.
   *
   * Since: 1.0
   */
  props[PROP_TLS_CA_FILE]
      = g_param_spec_string ("tls-ca-file", nullptr, nullptr, nullptr, rw);
  /**
   * GstTwitchChatClient:state:
   *
   * The connection state.
   *
   * Since: 1.0
   */
  props[PROP_STATE] = g_param_spec_enum ("state", nullptr, nullptr,
      GST_TYPE_TWITCH_CHAT_STATE, GST_TWITCH_CHAT_STATE_STOPPED,
      (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstTwitchChatClient:transport:
   *
   * How chat is read and sent: %GST_TWITCH_CHAT_TRANSPORT_IRC (the
   * default; the only one that reads anonymously) or
   * %GST_TWITCH_CHAT_TRANSPORT_EVENTSUB (the EventSub WebSocket,
   * `TWITCH_EVENTSUB_URL` or `wss://eventsub.wss.twitch.tv/ws`, and Helix
   * Send Chat Message; a user token with `user:read:chat`, and
   * `user:write:chat` to send: a missing scope is the
   * #GstTwitchChatClient::fatal-error naming it). Messages are the same
   * either way. #GstTwitchChatClient:server is IRC's only. Read by
   * gst_twitch_chat_client_start().
   *
   * Since: 1.0
   */
  props[PROP_TRANSPORT] = g_param_spec_enum ("transport", nullptr, nullptr,
      GST_TYPE_TWITCH_CHAT_TRANSPORT, GST_TWITCH_CHAT_TRANSPORT_IRC, rw);
  g_object_class_install_properties (gobject_class, N_PROPS, props);

  /**
   * GstTwitchChatClient::message:
   * @self: the client
   * @message: the message
   *
   * A message arrived (every kind: PRIVMSG, USERNOTICE, CLEARCHAT, NOTICE,
   * ROOMSTATE, USERSTATE, PING, ...), once, after the client handled it.
   *
   * Since: 1.0
   */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE, 1,
      GST_TYPE_TWITCH_CHAT_MESSAGE);
  /**
   * GstTwitchChatClient::state-changed:
   * @self: the client
   * @state: the new state
   * @attempt: the reconnection attempt (for
   *   %GST_TWITCH_CHAT_STATE_RECONNECTING), else 0
   * @delay_ms: the wait before that attempt, in milliseconds
   * @reason: (nullable): why the connection was lost, or %NULL
   *
   * The connection state changed.
   *
   * Since: 1.0
   */
  signals[SIGNAL_STATE_CHANGED]
      = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
          G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE, 4,
          GST_TYPE_TWITCH_CHAT_STATE, G_TYPE_INT, G_TYPE_INT64, G_TYPE_STRING);
  /**
   * GstTwitchChatClient::send-outcome:
   * @self: the client
   * @id: the id gst_twitch_chat_client_send() returned
   * @outcome: what became of the message
   * @reason: (nullable): Twitch's `msg-id` for a refusal, or why it failed
   * @message_id: (nullable): Twitch's id of the sent message, when known
   *
   * The outcome of a send, once per gst_twitch_chat_client_send().
   *
   * Since: 1.0
   */
  signals[SIGNAL_SEND_OUTCOME] = g_signal_new ("send-outcome",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
      nullptr, G_TYPE_NONE, 4, G_TYPE_UINT64, GST_TYPE_TWITCH_SEND_OUTCOME,
      G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstTwitchChatClient::joined:
   * @self: the client
   * @channel: the channel, without '#'
   *
   * Twitch confirmed a join (after each connection).
   *
   * Since: 1.0
   */
  signals[SIGNAL_JOINED]
      = g_signal_new ("joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
          nullptr, nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstTwitchChatClient::join-failed:
   * @self: the client
   * @channel: the channel, without '#'
   * @error: why (%GST_TWITCH_CHAT_ERROR_JOIN_TIMEOUT, or Twitch's refusal)
   *
   * A join was refused or never confirmed.
   *
   * Since: 1.0
   */
  signals[SIGNAL_JOIN_FAILED] = g_signal_new ("join-failed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
      nullptr, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
  /**
   * GstTwitchChatClient::fatal-error:
   * @self: the client
   * @error: why (e.g. %GST_TWITCH_CHAT_ERROR_LOGIN)
   *
   * The client stopped for good: Twitch refused the login, or the
   * reconnection attempts were exhausted.
   *
   * Since: 1.0
   */
  signals[SIGNAL_FATAL_ERROR] = g_signal_new ("fatal-error",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
      nullptr, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
gst_twitch_chat_client_init (GstTwitchChatClient *self)
{
  self->lock = new std::mutex ();
  self->settings = new Settings ();
  self->generation = new std::atomic<guint> (0);
  self->state = new std::atomic<int> (GST_TWITCH_CHAT_STATE_STOPPED);
}

/**
 * gst_twitch_chat_client_new:
 *
 * Returns: (transfer full): a new, stopped chat client.
 *
 * Since: 1.0
 */
GstTwitchChatClient *
gst_twitch_chat_client_new (void)
{
  return (GstTwitchChatClient *)g_object_new (
      GST_TYPE_TWITCH_CHAT_CLIENT, nullptr);
}

namespace
{

/* Something the client thread hands to the application's main context. */
struct Dispatch {
  GstTwitchChatClient *self; /* a reference */
  guint generation;
  std::function<void (GstTwitchChatClient *)> fn;
};

gboolean
dispatch_run (gpointer data)
{
  auto *d = static_cast<Dispatch *> (data);
  if (d->generation == d->self->generation->load ())
    d->fn (d->self);
  return G_SOURCE_REMOVE;
}

void
dispatch_free (gpointer data)
{
  auto *d = static_cast<Dispatch *> (data);
  g_object_unref (d->self);
  delete d;
}

void
post (GstTwitchChatClient *self, GMainContext *context, guint generation,
    std::function<void (GstTwitchChatClient *)> fn)
{
  auto *d = new Dispatch{
      (GstTwitchChatClient *)g_object_ref (self), generation, std::move (fn)};
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, dispatch_run, d, dispatch_free);
  g_source_set_static_name (source, "GstTwitchChatClient dispatch");
  g_source_attach (source, context);
  g_source_unref (source);
}

} // namespace

/**
 * gst_twitch_chat_client_join:
 * @self: a #GstTwitchChatClient
 * @channel: a channel (a login, '#' optional, case does not matter)
 * @error: return location for a #GError
 *
 * Adds a channel: joined at once when connected, else on connection, and
 * again after each reconnection.
 *
 * Returns: %TRUE, or %FALSE with %GST_TWITCH_CHAT_ERROR_SETTINGS when
 *   @channel is not a Twitch login.
 *
 * Since: 1.0
 */
gboolean
gst_twitch_chat_client_join (
    GstTwitchChatClient *self, const gchar *channel, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_CLIENT (self), FALSE);
  std::string c;
  GError *e = nullptr;
  if (!gst_twitch_internal::check_login ("channel", channel, c, &e)) {
    g_set_error_literal (error, GST_TWITCH_CHAT_ERROR,
        GST_TWITCH_CHAT_ERROR_SETTINGS, e->message);
    g_error_free (e);
    return FALSE;
  }
  std::lock_guard<std::mutex> guard (*self->lock);
  self->settings->channels.insert (c);
  if (self->client)
    self->client->join (c);
  return TRUE;
}

/**
 * gst_twitch_chat_client_part:
 * @self: a #GstTwitchChatClient
 * @channel: a channel given to gst_twitch_chat_client_join()
 * @error: return location for a #GError
 *
 * Leaves a channel.
 *
 * Returns: %TRUE, or %FALSE when @channel is not a Twitch login.
 *
 * Since: 1.0
 */
gboolean
gst_twitch_chat_client_part (
    GstTwitchChatClient *self, const gchar *channel, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_CLIENT (self), FALSE);
  std::string c;
  GError *e = nullptr;
  if (!gst_twitch_internal::check_login ("channel", channel, c, &e)) {
    g_set_error_literal (error, GST_TWITCH_CHAT_ERROR,
        GST_TWITCH_CHAT_ERROR_SETTINGS, e->message);
    g_error_free (e);
    return FALSE;
  }
  std::lock_guard<std::mutex> guard (*self->lock);
  self->settings->channels.erase (c);
  if (self->client)
    self->client->part (c);
  return TRUE;
}

/**
 * gst_twitch_chat_client_start:
 * @self: a #GstTwitchChatClient
 * @error: return location for a #GError
 *
 * Connects (in the client's own thread) and joins the channels. Signals are
 * emitted from now on on the thread-default main context of the calling
 * thread. Connection failures do not fail this call: the client retries and
 * reports them through #GstTwitchChatClient::state-changed.
 *
 * Returns: %TRUE when started (or already running), %FALSE with
 *   %GST_TWITCH_CHAT_ERROR_SETTINGS for bad settings (server URI, a bad
 *   token or login).
 *
 * Since: 1.0
 */
gboolean
gst_twitch_chat_client_start (GstTwitchChatClient *self, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_CLIENT (self), FALSE);
  std::lock_guard<std::mutex> guard (*self->lock);
  if (self->client)
    return TRUE;
  Settings &s = *self->settings;
  twitch::ChatConfig config;
  if (!twitch::chat_config_set_server (config, s.server, error)) {
    gst_twitch_internal::to_public_error (error);
    return FALSE;
  }
  config.login = s.login;
  /* The Helix order: the property, TWITCH_OAUTH_TOKEN, then the token
   * `gst-twitch login` stored (with its login). */
  s.token.resolve ();
  config.token = s.token.reveal ();
  if (!s.token.is_set () && config.token.empty ()) {
    if (auto stored = twitch::stored_login_token ()) {
      config.token = stored->access_token;
      if (config.login.empty ())
        config.login = stored->login;
    }
  }
  if (!gst_twitch_internal::check_credential ("oauth-token", config.token,
          GST_TWITCH_CHAT_ERROR, GST_TWITCH_CHAT_ERROR_SETTINGS, error))
    return FALSE;
  /* A token without login: the chat client learns the login from the
   * token (TWITCH_AUTH_URL) on its thread; a failure is the fatal signal. */
  if (!config.login.empty ()) {
    std::string l;
    GError *e = nullptr;
    if (!gst_twitch_internal::check_login (
            "login", config.login.c_str (), l, &e)) {
      g_set_error_literal (error, GST_TWITCH_CHAT_ERROR,
          GST_TWITCH_CHAT_ERROR_SETTINGS, e->message);
      g_error_free (e);
      return FALSE;
    }
    config.login = l;
  }
  config.tls_ca_file = s.tls_ca_file;
  config.channels.assign (s.channels.begin (), s.channels.end ());
  config.transport = (twitch::ChatTransport)s.transport;

  GMainContext *context = g_main_context_ref_thread_default ();
  guint gen = self->generation->load ();
  /* The callbacks hold no reference: stop() (from dispose at the latest)
   * joins the client thread before the object goes away. */
  twitch::ChatCallbacks cb;
  cb.on_message = [self, context, gen] (twitch::ChatMessage &&msg) {
    /* Owned by the closure: freed with it whether or not it runs. */
    std::shared_ptr<GstTwitchChatMessage> m (
        gst_twitch_chat_message_new_internal (msg), g_object_unref);
    post (self, context, gen, [m] (GstTwitchChatClient *c) {
      g_signal_emit (c, signals[SIGNAL_MESSAGE], 0, m.get ());
    });
  };
  cb.on_send_result = [self, context, gen] (const twitch::SendResult &r) {
    guint64 id = r.id;
    auto outcome = (GstTwitchSendOutcome)r.outcome;
    std::string reason = r.reason, mid = r.message_id;
    post (self, context, gen, [=] (GstTwitchChatClient *c) {
      g_signal_emit (c, signals[SIGNAL_SEND_OUTCOME], 0, id, outcome,
          reason.empty () ? nullptr : reason.c_str (),
          mid.empty () ? nullptr : mid.c_str ());
    });
  };
  cb.on_state = [self, context, gen] (twitch::ChatState state, int attempt,
                    int64_t delay_us, const GError *reason) {
    self->state->store ((int)state);
    std::string why = reason ? reason->message : "";
    auto st = (GstTwitchChatState)state;
    post (self, context, gen, [=] (GstTwitchChatClient *c) {
      g_object_notify_by_pspec (G_OBJECT (c), props[PROP_STATE]);
      g_signal_emit (c, signals[SIGNAL_STATE_CHANGED], 0, st, attempt,
          (gint64)(delay_us / 1000), why.empty () ? nullptr : why.c_str ());
    });
  };
  cb.on_fatal = [self, context, gen] (const GError *e) {
    GError *err = e ? g_error_copy (e)
                    : g_error_new_literal (GST_TWITCH_CHAT_ERROR,
                        GST_TWITCH_CHAT_ERROR_CONNECTION, "stopped");
    gst_twitch_internal::to_public_error (&err);
    std::shared_ptr<GError> copy (err, g_error_free);
    post (self, context, gen, [copy] (GstTwitchChatClient *c) {
      g_signal_emit (c, signals[SIGNAL_FATAL_ERROR], 0, copy.get ());
    });
  };
  cb.on_joined = [self, context, gen] (const std::string &channel) {
    std::string ch = channel;
    post (self, context, gen, [ch] (GstTwitchChatClient *c) {
      g_signal_emit (c, signals[SIGNAL_JOINED], 0, ch.c_str ());
    });
  };
  cb.on_join_failed = [self, context, gen] (
                          const std::string &channel, const GError *e) {
    std::string ch = channel;
    GError *err = e ? g_error_copy (e)
                    : g_error_new_literal (GST_TWITCH_CHAT_ERROR,
                        GST_TWITCH_CHAT_ERROR_JOIN_TIMEOUT, "join failed");
    gst_twitch_internal::to_public_error (&err);
    std::shared_ptr<GError> copy (err, g_error_free);
    post (self, context, gen, [ch, copy] (GstTwitchChatClient *c) {
      g_signal_emit (
          c, signals[SIGNAL_JOIN_FAILED], 0, ch.c_str (), copy.get ());
    });
  };

  const bool anonymous = config.token.empty ();
  auto *client = new twitch::ChatClient (std::move (config), std::move (cb));
  if (!client->start (error)) {
    gst_twitch_internal::to_public_error (error);
    delete client;
    g_main_context_unref (context);
    return FALSE;
  }
  self->client = client;
  self->context = context;
  self->anonymous = anonymous;
  return TRUE;
}

/**
 * gst_twitch_chat_client_stop:
 * @self: a #GstTwitchChatClient
 *
 * Closes the connection and stops the client thread. Queued sends end as
 * %GST_TWITCH_SEND_OUTCOME_FAILED; no signal is emitted after this returns.
 * Idempotent; gst_twitch_chat_client_start() may be called again.
 *
 * Since: 1.0
 */
void
gst_twitch_chat_client_stop (GstTwitchChatClient *self)
{
  g_return_if_fail (GST_TWITCH_IS_CHAT_CLIENT (self));
  twitch::ChatClient *client;
  GMainContext *context;
  {
    std::lock_guard<std::mutex> guard (*self->lock);
    client = self->client;
    context = self->context;
    self->client = nullptr;
    self->context = nullptr;
  }
  if (client == nullptr)
    return;
  /* Not under the lock: the client thread's callbacks may be waiting for
   * nothing of ours, but a callback calling join() from a signal handler
   * on another context would. */
  client->stop ();
  delete client;
  self->generation->fetch_add (1);
  self->state->store (GST_TWITCH_CHAT_STATE_STOPPED);
  g_main_context_unref (context);
}

/**
 * gst_twitch_chat_client_send:
 * @self: a #GstTwitchChatClient
 * @channel: the channel to send to
 * @text: the message (longer than 500 characters: split on spaces)
 * @reply_parent_id: (nullable): the id of the message this one replies to
 * @error: return location for a #GError
 *
 * Queues a message. It goes out as soon as Twitch's rate limits allow
 * (never faster); its fate is reported once by
 * #GstTwitchChatClient::send-outcome with the returned id. Needs
 * #GstTwitchChatClient:login and a token.
 *
 * Returns: the send id (> 0), or 0 with %GST_TWITCH_CHAT_ERROR_SETTINGS
 *   when the client is not started, anonymous, or @channel, @text or
 *   @reply_parent_id are invalid.
 *
 * Since: 1.0
 */
guint64
gst_twitch_chat_client_send (GstTwitchChatClient *self, const gchar *channel,
    const gchar *text, const gchar *reply_parent_id, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_CLIENT (self), 0);
  std::string c;
  GError *e = nullptr;
  if (!gst_twitch_internal::check_login ("channel", channel, c, &e)) {
    g_set_error_literal (error, GST_TWITCH_CHAT_ERROR,
        GST_TWITCH_CHAT_ERROR_SETTINGS, e->message);
    g_error_free (e);
    return 0;
  }
  if (text == nullptr || text[0] == '\0' || !g_utf8_validate (text, -1, nullptr)
      || strpbrk (text, "\r\n") != nullptr) {
    g_set_error_literal (error, GST_TWITCH_CHAT_ERROR,
        GST_TWITCH_CHAT_ERROR_SETTINGS,
        "the text to send must be non-empty UTF-8 on one line");
    return 0;
  }
  std::string parent = reply_parent_id ? reply_parent_id : "";
  for (char ch : parent) {
    if (!(g_ascii_isalnum (ch) || ch == '-') || parent.size () > 64) {
      g_set_error_literal (error, GST_TWITCH_CHAT_ERROR,
          GST_TWITCH_CHAT_ERROR_SETTINGS,
          "reply_parent_id must be a Twitch message id");
      return 0;
    }
  }
  std::lock_guard<std::mutex> guard (*self->lock);
  if (self->client == nullptr) {
    g_set_error_literal (error, GST_TWITCH_CHAT_ERROR,
        GST_TWITCH_CHAT_ERROR_SETTINGS, "the chat client is not started");
    return 0;
  }
  if (self->anonymous) {
    g_set_error_literal (error, GST_TWITCH_CHAT_ERROR,
        GST_TWITCH_CHAT_ERROR_SETTINGS,
        "anonymous chat is read-only: set login and oauth-token to send");
    return 0;
  }
  return self->client->send (c, text, parent);
}

/**
 * gst_twitch_chat_client_get_state:
 * @self: a #GstTwitchChatClient
 *
 * Returns: the connection state now.
 *
 * Since: 1.0
 */
GstTwitchChatState
gst_twitch_chat_client_get_state (GstTwitchChatClient *self)
{
  g_return_val_if_fail (
      GST_TWITCH_IS_CHAT_CLIENT (self), GST_TWITCH_CHAT_STATE_STOPPED);
  return (GstTwitchChatState)self->state->load ();
}

/**
 * gst_twitch_chat_client_get_nick:
 * @self: a #GstTwitchChatClient
 *
 * Returns: (transfer full) (nullable): the nick in use (the login, or
 *   `justinfan<digits>` when anonymous), %NULL when stopped.
 *
 * Since: 1.0
 */
gchar *
gst_twitch_chat_client_get_nick (GstTwitchChatClient *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_CLIENT (self), nullptr);
  std::lock_guard<std::mutex> guard (*self->lock);
  if (self->client == nullptr)
    return nullptr;
  return g_strdup (self->client->nick ().c_str ());
}
