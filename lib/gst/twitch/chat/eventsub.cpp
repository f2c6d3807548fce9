/* Chat over EventSub (see eventsub.h). */
#include "config.h"

#include <gst/twitch/chat/eventsub.h>

#include "chat-private.h"
#include <gst/twitch/chat/eventsub-map.h>
#include <gst/twitch/chat/irc.h>
#include <gst/twitch/chat/names.h>
#include <gst/twitch/chat/sendqueue.h>
#include <gst/twitch/common/json-write.h>
#include <gst/twitch/common/json.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/helix.h>

#include <json-glib/json-glib.h> /* building request bodies */
#include <libsoup/soup.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

namespace twitch
{

namespace
{

constexpr const char *kReadScope = "user:read:chat";
constexpr const char *kWriteScope = "user:write:chat";
/* Twitch closes a session with no subscription 10 s after its welcome;
 * a welcome that does not come within this is a failed connect. */
constexpr int64_t kWelcomeTimeoutUs = 10 * G_USEC_PER_SEC;
/* How long stop() waits for sockets to close cleanly. */
constexpr int64_t kCloseWaitUs = 2 * G_USEC_PER_SEC;
/* Sends waiting for Twitch's answer at once (Helix calls are serial per
 * client: the limiter, not parallelism, sets the pace). */
constexpr size_t kMaxInFlight = 1;

std::string
json_string_of (const std::function<void (JsonBuilder *)> &fill)
{
  JsonBuilder *b = json_builder_new ();
  fill (b);
  std::string out = json_text (b);
  g_object_unref (b);
  return out;
}

void
add_member (JsonBuilder *b, const char *name, const std::string &v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, v.c_str ());
}

bool
host_is_loopback (const char *host)
{
  if (!host)
    return false;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return true;
  GInetAddress *a = g_inet_address_new_from_string (host);
  if (!a)
    return false;
  bool lo = g_inet_address_get_is_loopback (a);
  g_object_unref (a);
  return lo;
}

/* wss://any, or ws:// to a loopback address (the local stand-in): the
 * http(s) URL libsoup connects to, or "" with @why. */
std::string
websocket_http_url (const std::string &url, std::string *why)
{
  GUri *uri = g_uri_parse (url.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!uri) {
    *why = "not a URL";
    return {};
  }
  std::string scheme = g_uri_get_scheme (uri) ? g_uri_get_scheme (uri) : "";
  bool lo = host_is_loopback (g_uri_get_host (uri));
  g_uri_unref (uri);
  if (scheme == "wss")
    return "https" + url.substr (3);
  if (scheme == "ws" && lo)
    return "http" + url.substr (2);
  *why = scheme == "ws" ? "ws:// (no TLS) is only for a local stand-in on "
                          "127.0.0.1; Twitch's is wss://"
                        : "not a ws:// or wss:// URL";
  return {};
}

struct ChannelSub {
  std::string broadcaster_id;
  bool lookup_done = false;
  bool failed = false; /* unknown channel, reported */
  /* Subscribed in the session of this id. */
  std::string subscribed_session;
  bool subscribing = false;
  bool joined_reported = false;
  bool mod = false;
  std::vector<std::string> subscription_ids;
};

} // namespace

struct EventSubChat::Impl : SendTransport {
  ChatConfig cfg;
  ChatCallbacks cb;
  /* Sends: validated, split, paced and reported there; posted here to
   * Helix (send_gate, send_write), one at a time. */
  SendQueue sendq;
  std::string url; /* the configured WebSocket URL */

  std::mutex control_mu;
  std::mutex life_mu;
  GMainContext *ctx = nullptr;
  GMainLoop *loop = nullptr;
  GThread *thread = nullptr;
  bool started = false;

  /* Guarded by mu: handed over from other threads, and read by them. */
  mutable std::mutex mu;
  std::vector<std::pair<std::string, bool>> join_inbox;
  bool wake_pending = false;
  ChatStats stats;
  ChatState state = ChatState::STOPPED;
  std::string nick;
  std::atomic<uint64_t> n_messages{0}, n_bytes{0}, n_duplicates{0},
      n_parse_errors{0};

  /* Client thread only. */
  struct Socket {
    Impl *self = nullptr;
    SoupWebsocketConnection *ws = nullptr;
    std::string session_id;
    bool welcomed = false;
    int keepalive_s = 10;
    int64_t opened_us = 0;
    int64_t last_rx_us = 0;
  };
  SoupSession *soup = nullptr;
  std::unique_ptr<Helix> helix;
  GCancellable *cancel = nullptr; /* jobs and connects; cancelled by stop */
  int pending_jobs = 0;
  int pending_connects = 0;
  std::list<std::unique_ptr<Socket>> sockets;
  Socket *cur = nullptr;  /* the session in use */
  Socket *next = nullptr; /* session_reconnect's new socket, until welcome */
  uint64_t connect_serial = 0;
  bool connecting = false;
  bool validated = false;
  bool can_send = false;
  bool fatal = false;
  bool stopping = false;
  std::string user_id;
  std::unique_ptr<Backoff> backoff;
  GSource *tick_source = nullptr;
  GSource *retry_source = nullptr;
  std::map<std::string, ChannelSub> channels;
  std::vector<std::string> channel_order;
  bool lookup_running = false;
  size_t in_flight = 0;
  std::unordered_set<uint64_t> seen_ids;
  std::deque<uint64_t> seen_order;
  /* Reused: keeps the parser's buffers between frames. */
  EventSubFrame frame;

  Impl (const ChatConfig &c, const ChatCallbacks &k)
      : cfg (c), cb (k), sendq (cfg, cb.on_send_result, false)
  {
    backoff = std::make_unique<Backoff> (cfg.backoff);
    url = cfg.eventsub_url.empty () ? eventsub_websocket_url ()
                                    : cfg.eventsub_url;
    nick = cfg.login;
    for (const auto &ch : cfg.channels)
      add_channel (ch);
  }

  void set_state (ChatState s, int attempt, int64_t delay, const GError *why)
  {
    {
      std::lock_guard<std::mutex> lk (mu);
      state = s;
    }
    if (cb.on_state)
      cb.on_state (s, attempt, delay, why);
  }

  void add_channel (const std::string &c)
  {
    if (channels.count (c))
      return;
    channels[c] = ChannelSub ();
    channel_order.push_back (c);
  }

  /* ---- Helix work on GIO's worker threads ---- */
  struct Job {
    Impl *self;
    std::function<void (GCancellable *)> work;
    std::function<void ()> done;
    bool done_when_stopping;
  };

  /* @done runs on the client thread; while stopping only with
   * @done_when_stopping (a send's outcome is always reported). */
  void run_job (std::function<void (GCancellable *)> work,
      std::function<void ()> done, bool done_when_stopping = false)
  {
    auto *job
        = new Job{this, std::move (work), std::move (done), done_when_stopping};
    ++pending_jobs;
    GTask *task = g_task_new (nullptr, cancel, &Impl::job_done, job);
    g_task_set_task_data (task, job, nullptr);
    g_task_run_in_thread (
        task, [] (GTask *t, gpointer, gpointer data, GCancellable *c) {
          static_cast<Job *> (data)->work (c);
          g_task_return_boolean (t, TRUE);
        });
    g_object_unref (task);
  }

  static void job_done (GObject *, GAsyncResult *, gpointer data)
  {
    auto *job = static_cast<Job *> (data);
    Impl *self = job->self;
    --self->pending_jobs;
    if ((!self->stopping || job->done_when_stopping) && job->done)
      job->done ();
    delete job;
  }

  /* ---- start: the token's user and scopes, then the channels' ids ---- */
  void begin ()
  {
    struct Result {
      std::optional<TokenInfo> info;
      GError *error = nullptr;
    };
    auto r = std::make_shared<Result> ();
    Helix *h = helix.get ();
    run_job ([h, r] (GCancellable *c) { r->info = h->validate (c, &r->error); },
        [this, r] () {
          if (!r->info || r->info->user_id.empty ()) {
            GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_LOGIN,
                "Chat over EventSub needs a user access token, and Twitch "
                "did not validate this one: %s. Check the oauth-token "
                "(TWITCH_OAUTH_TOKEN, or gst-twitch login)",
                r->error ? r->error->message : "it is an app token");
            g_clear_error (&r->error);
            fatal_error (e);
            g_error_free (e);
            return;
          }
          const auto &sc = r->info->scopes;
          if (std::find (sc.begin (), sc.end (), kReadScope) == sc.end ()) {
            GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_LOGIN,
                "The OAuth token lacks the %s scope that chat over EventSub "
                "(transport=eventsub) needs to read: log in again with it "
                "(gst-twitch login --scopes \"%s %s\"), or use transport=irc",
                kReadScope, kReadScope, kWriteScope);
            fatal_error (e);
            g_error_free (e);
            return;
          }
          can_send
              = std::find (sc.begin (), sc.end (), kWriteScope) != sc.end ();
          user_id = r->info->user_id;
          std::string login;
          if (!twitch_name_normalize (
                  r->info->login, false, "login", &login, nullptr))
            login = r->info->login;
          {
            std::lock_guard<std::mutex> lk (mu);
            nick = login;
          }
          validated = true;
          GST_INFO ("EventSub chat as %s (%s)%s", login.c_str (),
              user_id.c_str (),
              can_send ? ""
                       : ", read-only (no "
                         "user:write:chat)");
          lookup_channels ();
          connect (url);
          pump ();
        });
  }

  /* Batched /helix/users lookup of every channel without an id yet. */
  void lookup_channels ()
  {
    if (lookup_running || !validated)
      return;
    std::vector<std::string> logins;
    for (const auto &name : channel_order)
      if (!channels[name].lookup_done)
        logins.push_back (name);
    if (logins.empty ())
      return;
    lookup_running = true;
    struct Result {
      std::optional<std::vector<User>> users;
      GError *error = nullptr;
    };
    auto r = std::make_shared<Result> ();
    Helix *h = helix.get ();
    run_job (
        [h, r, logins] (GCancellable *c) {
          r->users = h->users ({}, logins, c, &r->error);
        },
        [this, r, logins] () {
          lookup_running = false;
          if (!r->users) {
            /* Retried with the next session (or the next join). */
            GST_WARNING ("looking up the channels' ids failed: %s",
                r->error ? r->error->message : "?");
            g_clear_error (&r->error);
            return;
          }
          for (const auto &name : logins) {
            auto it = channels.find (name);
            if (it == channels.end ())
              continue;
            it->second.lookup_done = true;
            for (const auto &u : *r->users)
              if (g_ascii_strcasecmp (u.login.c_str (), name.c_str ()) == 0)
                it->second.broadcaster_id = u.id;
            it->second.mod = it->second.broadcaster_id == user_id;
            if (it->second.broadcaster_id.empty () && !it->second.failed) {
              it->second.failed = true;
              GError *e = g_error_new (TWITCH_CHAT_ERROR,
                  TWITCH_CHAT_ERROR_JOIN_TIMEOUT,
                  "Cannot read the chat of %s: Twitch has no such channel",
                  name.c_str ());
              GST_WARNING ("%s", e->message);
              if (cb.on_join_failed)
                cb.on_join_failed (name, e);
              g_error_free (e);
            }
          }
          subscribe_all ();
          pump ();
        });
  }

  /* ---- the WebSocket ---- */
  void connect (const std::string &ws_url, bool as_reconnect = false)
  {
    if (stopping || fatal)
      return;
    std::string why;
    std::string http = websocket_http_url (ws_url, &why);
    if (http.empty ()) {
      GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
          "EventSub URL %s cannot be used: %s (check TWITCH_EVENTSUB_URL)",
          ws_url.c_str (), why.c_str ());
      if (as_reconnect) {
        /* A reconnect_url we will not follow: Twitch ends the old session
         * with 4004, and a new one starts. */
        GST_WARNING ("%s", e->message);
      } else {
        fatal_error (e);
      }
      g_error_free (e);
      return;
    }
    SoupMessage *msg = soup_message_new ("GET", http.c_str ());
    if (!msg) {
      GST_WARNING ("EventSub URL %s is not valid", ws_url.c_str ());
      return;
    }
    if (!as_reconnect) {
      connecting = true;
      set_state (ChatState::CONNECTING, backoff->attempt (), 0, nullptr);
    }
    GST_INFO ("connecting to %s%s", ws_url.c_str (),
        as_reconnect ? " (session_reconnect)" : "");
    ++pending_connects;
    auto *data = new std::pair<Impl *, std::pair<uint64_t, bool>> (
        this, {as_reconnect ? 0 : ++connect_serial, as_reconnect});
    soup_session_websocket_connect_async (soup, msg, nullptr, nullptr,
        G_PRIORITY_DEFAULT, cancel, &Impl::on_connected, data);
    g_object_unref (msg);
  }

  static void on_connected (GObject *src, GAsyncResult *res, gpointer data)
  {
    auto *p
        = static_cast<std::pair<Impl *, std::pair<uint64_t, bool>> *> (data);
    Impl *self = p->first;
    uint64_t serial = p->second.first;
    bool as_reconnect = p->second.second;
    delete p;
    --self->pending_connects;
    GError *err = nullptr;
    SoupWebsocketConnection *ws
        = soup_session_websocket_connect_finish (SOUP_SESSION (src), res, &err);
    if (!ws) {
      if (self->stopping
          || g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_error_free (err);
        return;
      }
      if (as_reconnect) {
        GST_WARNING ("EventSub reconnect_url failed: %s; staying on the "
                     "current session until Twitch ends it",
            err->message);
        g_error_free (err);
        return;
      }
      if (serial != self->connect_serial) {
        g_error_free (err);
        return;
      }
      self->connecting = false;
      if (g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)) {
        GError *e
            = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CERTIFICATE,
                "The TLS certificate of %s was rejected (%s). Not retrying",
                self->url.c_str (), err->message);
        g_error_free (err);
        self->fatal_error (e);
        g_error_free (e);
        return;
      }
      GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
          "Could not connect to EventSub at %s: %s", self->url.c_str (),
          err->message);
      g_error_free (err);
      GST_WARNING ("%s", e->message);
      self->schedule_new_session (e, false);
      g_error_free (e);
      return;
    }
    if (self->stopping || (!as_reconnect && serial != self->connect_serial)) {
      soup_websocket_connection_close (
          ws, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
      g_object_unref (ws);
      return;
    }
    /* Bounded input: a frame larger than any chat event is refused by
     * libsoup (it closes with 1009). */
    g_object_set (ws, "max-incoming-payload-size",
        (guint64)kEventSubMaxFrameBytes, "keepalive-interval", 0u, nullptr);
    auto s = std::make_unique<Socket> ();
    s->self = self;
    s->ws = ws;
    s->opened_us = s->last_rx_us = g_get_monotonic_time ();
    Socket *sp = s.get ();
    self->sockets.push_back (std::move (s));
    g_signal_connect (ws, "message", G_CALLBACK (&Impl::on_ws_message), sp);
    g_signal_connect (ws, "closed", G_CALLBACK (&Impl::on_ws_closed), sp);
    g_signal_connect (ws, "error", G_CALLBACK (&Impl::on_ws_error), sp);
    if (as_reconnect) {
      if (self->next)
        self->retire (self->next, SOUP_WEBSOCKET_CLOSE_NORMAL);
      self->next = sp;
    } else {
      if (self->cur)
        self->retire (self->cur, SOUP_WEBSOCKET_CLOSE_NORMAL);
      if (self->next)
        self->retire (self->next, SOUP_WEBSOCKET_CLOSE_NORMAL);
      self->cur = sp;
      self->connecting = false;
      std::lock_guard<std::mutex> lk (self->mu);
      self->stats.connects++;
    }
  }

  /* Closes @s (no longer cur or next); freed when libsoup says closed. */
  void retire (Socket *s, gushort code)
  {
    if (s == cur)
      cur = nullptr;
    if (s == next)
      next = nullptr;
    /* Freed when libsoup reports it closed (or at shutdown). */
    if (s->ws
        && soup_websocket_connection_get_state (s->ws)
               == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (s->ws, code, nullptr);
  }

  void free_socket (Socket *s)
  {
    for (auto it = sockets.begin (); it != sockets.end (); ++it) {
      if (it->get () != s)
        continue; /* @s may be gone already: compared, never read */
      if (s->ws) {
        g_signal_handlers_disconnect_by_data (s->ws, s);
        g_object_unref (s->ws);
      }
      sockets.erase (it);
      return;
    }
  }

  static void on_ws_error (SoupWebsocketConnection *, GError *error, gpointer)
  {
    GST_INFO ("EventSub WebSocket error: %s", error->message);
  }

  static void on_ws_closed (SoupWebsocketConnection *ws, gpointer data)
  {
    auto *s = static_cast<Socket *> (data);
    Impl *self = s->self;
    gushort code = soup_websocket_connection_get_close_code (ws);
    const char *data_text = soup_websocket_connection_get_close_data (ws);
    bool was_cur = s == self->cur;
    bool was_next = s == self->next;
    if (was_next)
      self->next = nullptr;
    if (was_cur)
      self->cur = nullptr;
    std::string reason = data_text ? data_text : "";
    if (reason.size () > 200 || !irc_text_is_safe (reason))
      reason.clear ();
    /* Freed from an idle: libsoup is still inside its own emission. */
    GSource *idle = g_idle_source_new ();
    g_source_set_callback (
        idle,
        [] (gpointer d) -> gboolean {
          auto *p = static_cast<std::pair<Impl *, Socket *> *> (d);
          p->first->free_socket (p->second);
          return G_SOURCE_REMOVE;
        },
        new std::pair<Impl *, Socket *> (self, s),
        [] (gpointer d) {
          delete static_cast<std::pair<Impl *, Socket *> *> (d);
        });
    g_source_attach (idle, self->ctx);
    g_source_unref (idle);
    if (self->stopping || self->fatal)
      return;
    if (was_next) {
      GST_WARNING ("the EventSub reconnect socket closed (%u) before its "
                   "welcome; staying on the current session",
          code);
      return;
    }
    if (!was_cur)
      return; /* a retired socket */
    GError *e;
    if (code >= 4000 && code <= 4007)
      e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
          "Twitch closed the EventSub session with %u%s%s", code,
          reason.empty () ? "" : ": ", reason.c_str ());
    else if (code == 0 || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL)
      e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
          "The EventSub connection dropped without a close frame");
    else
      e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
          "The EventSub session closed (code %u%s%s)", code,
          reason.empty () ? "" : ": ", reason.c_str ());
    GST_WARNING ("%s", e->message);
    self->schedule_new_session (e, s->welcomed);
    g_error_free (e);
  }

  /* A lost session: a new one (new session id, everything resubscribed)
   * after the backoff; at once the first time after a working session. */
  void schedule_new_session (const GError *why, bool was_working)
  {
    if (stopping || fatal)
      return;
    if (cur)
      retire (cur, SOUP_WEBSOCKET_CLOSE_NORMAL);
    if (next)
      retire (next, SOUP_WEBSOCKET_CLOSE_NORMAL);
    for (auto &kv : channels)
      kv.second.subscribed_session.clear ();
    if (retry_source) {
      g_source_destroy (retry_source);
      g_source_unref (retry_source);
      retry_source = nullptr;
    }
    int64_t delay = 0;
    /* After a session whose subscriptions worked (the backoff was reset)
     * the first retry comes soon; a session that keeps failing backs
     * off. */
    was_working = was_working && backoff->attempt () == 0;
    auto d = backoff->next_delay_us ();
    if (!d) {
      fatal = true;
      GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
          "Giving up on EventSub chat after %d attempts: %s",
          backoff->attempt (), why ? why->message : "connection failed");
      set_state (ChatState::STOPPED, backoff->attempt (), 0, e);
      if (cb.on_fatal)
        cb.on_fatal (e);
      g_error_free (e);
      fail_all_queued ("chat connection given up");
      return;
    }
    /* The first retry after a working session waits only the jitter of
     * the first delay: Twitch asks for a new session, not for a pause. */
    delay = was_working ? std::min<int64_t> (*d, G_USEC_PER_SEC / 4) : *d;
    {
      std::lock_guard<std::mutex> lk (mu);
      stats.reconnects++;
    }
    GST_INFO ("new EventSub session in %" G_GINT64_FORMAT " ms (attempt %d)",
        delay / 1000, backoff->attempt ());
    set_state (ChatState::RECONNECTING, backoff->attempt (), delay, why);
    retry_source = g_timeout_source_new ((guint)(delay / 1000));
    g_source_set_callback (
        retry_source,
        [] (gpointer p) -> gboolean {
          auto *self = static_cast<Impl *> (p);
          g_source_unref (self->retry_source);
          self->retry_source = nullptr;
          self->lookup_channels ();
          self->connect (self->url);
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach (retry_source, ctx);
  }

  static void on_ws_message (
      SoupWebsocketConnection *, gint type, GBytes *message, gpointer data)
  {
    auto *s = static_cast<Socket *> (data);
    Impl *self = s->self;
    if (self->stopping || (s != self->cur && s != self->next))
      return;
    s->last_rx_us = g_get_monotonic_time ();
    gsize size = 0;
    const char *bytes = (const char *)g_bytes_get_data (message, &size);
    self->n_bytes.fetch_add (size, std::memory_order_relaxed);
    if (type != SOUP_WEBSOCKET_DATA_TEXT) {
      GST_WARNING ("ignoring a binary EventSub message (%" G_GSIZE_FORMAT
                   " bytes): Twitch sends text",
          size);
      return;
    }
    self->handle_frame (s, std::string_view (bytes ? bytes : "", size));
  }

  void handle_frame (Socket *s, std::string_view text)
  {
    EventSubFrame &f = frame;
    GError *err = nullptr;
    if (!eventsub_frame_parse (text, f, &err)) {
      n_parse_errors.fetch_add (1, std::memory_order_relaxed);
      GST_WARNING ("%s", err->message);
      g_error_free (err);
      return;
    }
    const std::string &t = f.message_type;
    if (t == "notification") {
      on_notification (f);
    } else if (t == "session_keepalive") {
      GST_LOG ("keepalive");
    } else if (t == "session_welcome") {
      on_welcome (s, f);
    } else if (t == "session_reconnect") {
      EventSubSessionInfo info;
      if (!eventsub_session_parse (f.payload, info, &err)) {
        GST_WARNING ("%s", err->message);
        g_clear_error (&err);
        return;
      }
      if (s != cur)
        return;
      GST_INFO ("session_reconnect: moving the session to %s",
          info.reconnect_url.c_str ());
      connect (info.reconnect_url, true);
    } else if (t == "revocation") {
      std::string_view st;
      std::string status;
      if (f.payload["subscription"]["status"].get_string ().get (st)
          == simdjson::SUCCESS)
        status = std::string (st);
      if (status.size () > 64 || !irc_text_is_safe (status))
        status = "?";
      GST_WARNING ("Twitch revoked the %s subscription (%s)",
          f.subscription_type.c_str (), status.c_str ());
    } else {
      GST_DEBUG ("ignoring EventSub message type %s", t.c_str ());
    }
  }

  void on_welcome (Socket *s, EventSubFrame &f)
  {
    EventSubSessionInfo info;
    GError *err = nullptr;
    if (!eventsub_session_parse (f.payload, info, &err)) {
      GST_WARNING ("%s", err->message);
      g_error_free (err);
      return;
    }
    s->session_id = info.id;
    s->welcomed = true;
    if (info.keepalive_timeout_s > 0)
      s->keepalive_s = info.keepalive_timeout_s;
    if (s == next) {
      /* The session moved: subscriptions came with it. The old socket is
       * closed now (Twitch would close it too). */
      GST_INFO ("EventSub session moved to the new connection (%s)",
          info.id.c_str ());
      Socket *old = cur;
      cur = next;
      next = nullptr;
      if (old)
        retire (old, SOUP_WEBSOCKET_CLOSE_NORMAL);
      for (auto &kv : channels)
        if (!kv.second.subscribed_session.empty ())
          kv.second.subscribed_session = info.id;
      return;
    }
    if (s != cur)
      return;
    GST_INFO ("EventSub session %s, keepalive %d s", info.id.c_str (),
        s->keepalive_s);
    set_state (ChatState::CONNECTED, backoff->attempt (), 0, nullptr);
    for (auto &kv : channels)
      kv.second.subscribed_session.clear ();
    subscribe_all ();
  }

  bool is_duplicate (std::string_view id)
  {
    if (id.empty () || cfg.dedup_capacity == 0)
      return false;
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : id) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    if (!seen_ids.insert (h).second)
      return true;
    seen_order.push_back (h);
    while (seen_order.size () > cfg.dedup_capacity) {
      seen_ids.erase (seen_order.front ());
      seen_order.pop_front ();
    }
    return false;
  }

  void on_notification (EventSubFrame &f)
  {
    if (is_duplicate (f.message_id)) {
      n_duplicates.fetch_add (1, std::memory_order_relaxed);
      GST_DEBUG (
          "dropping duplicate EventSub message %s", f.message_id.c_str ());
      return;
    }
    simdjson::dom::object ev;
    ChatMessage m;
    GError *err = nullptr;
    if (!f.event (ev)
        || !eventsub_event_to_chat (
            f.subscription_type, ev, f.timestamp_ms, m, &err)) {
      n_parse_errors.fetch_add (1, std::memory_order_relaxed);
      GST_WARNING (
          "%s", err ? err->message : "EventSub notification without event");
      g_clear_error (&err);
      return;
    }
    if (!channels.count (m.channel))
      return; /* parted meanwhile */
    if (m.kind == ChatKind::PRIVMSG && m.user_id == user_id) {
      /* Our own message: its badges say whether we moderate (IRC's
       * USERSTATE). */
      channels[m.channel].mod = m.is_moderator ();
    }
    m.arrival_ms = g_get_real_time () / 1000;
    if (cfg.keep_raw)
      m.raw.assign (f.message_id);
    n_messages.fetch_add (1, std::memory_order_relaxed);
    if (cb.on_message)
      cb.on_message (std::move (m));
  }

  /* ---- subscriptions ---- */
  void subscribe_all ()
  {
    if (!cur || !cur->welcomed || !validated)
      return;
    for (const auto &name : channel_order)
      subscribe (name);
  }

  void subscribe (const std::string &name)
  {
    auto &ch = channels[name];
    if (ch.broadcaster_id.empty () || ch.subscribing
        || ch.subscribed_session == cur->session_id) {
      GST_DEBUG ("not subscribing %s now (id %s, %s, in %s)", name.c_str (),
          ch.broadcaster_id.c_str (), ch.subscribing ? "subscribing" : "idle",
          ch.subscribed_session.c_str ());
      return;
    }
    GST_DEBUG ("subscribing to the chat of %s in %s", name.c_str (),
        cur->session_id.c_str ());
    ch.subscribing = true;
    struct Result {
      std::vector<std::string> ids;
      GError *error = nullptr;
    };
    auto r = std::make_shared<Result> ();
    Helix *h = helix.get ();
    std::string session = cur->session_id, bid = ch.broadcaster_id,
                uid = user_id;
    run_job (
        [h, r, session, bid, uid] (GCancellable *c) {
          for (const char *type : kEventSubChatTypes) {
            std::string body = json_string_of ([&] (JsonBuilder *b) {
              json_builder_begin_object (b);
              add_member (b, "type", type);
              add_member (b, "version", "1");
              json_builder_set_member_name (b, "condition");
              json_builder_begin_object (b);
              add_member (b, "broadcaster_user_id", bid);
              add_member (b, "user_id", uid);
              json_builder_end_object (b);
              json_builder_set_member_name (b, "transport");
              json_builder_begin_object (b);
              add_member (b, "method", "websocket");
              add_member (b, "session_id", session);
              json_builder_end_object (b);
              json_builder_end_object (b);
            });
            auto a = h->send_json (
                "POST", "eventsub/subscriptions", {}, body, true, c, &r->error);
            if (!a)
              return;
            if (a->status == 409)
              continue; /* already there (a retried request) */
            if (a->status != 202 && a->status != 200) {
              api_error_set_from_http (&r->error, a->status, a->body,
                  std::string ("POST eventsub/subscriptions (") + type + ")");
              return;
            }
            JsonReader reader;
            JsonDomObject o, e0;
            JsonDomArray d;
            if (reader.parse_object (a->body, o, nullptr)
                && json_require_array (o, "data", d, nullptr) && d.size () > 0
                && d.at (0).get_object ().get (e0) == simdjson::SUCCESS) {
              std::string id (json_string_or (e0, "id"));
              if (!id.empty () && id.size () <= 128 && irc_text_is_safe (id))
                r->ids.push_back (id);
            }
          }
        },
        [this, r, name, session] () {
          auto it = channels.find (name);
          if (it == channels.end ()) {
            g_clear_error (&r->error);
            return; /* parted meanwhile */
          }
          it->second.subscribing = false;
          if (r->error) {
            bool scope = g_error_matches (
                r->error, TWITCH_API_ERROR, API_ERROR_MISSING_SCOPE);
            bool auth = g_error_matches (
                r->error, TWITCH_API_ERROR, API_ERROR_UNAUTHORIZED);
            if (scope || auth) {
              GError *e = g_error_new (TWITCH_CHAT_ERROR,
                  TWITCH_CHAT_ERROR_LOGIN,
                  "Twitch refused the EventSub chat subscriptions of %s: %s. "
                  "The token needs the %s scope",
                  name.c_str (), r->error->message, kReadScope);
              g_clear_error (&r->error);
              fatal_error (e);
              g_error_free (e);
              return;
            }
            /* Usually a session that ended meanwhile: the next session
             * subscribes again. */
            GST_WARNING ("subscribing to the chat of %s failed: %s",
                name.c_str (), r->error->message);
            if (cb.on_join_failed && cur && cur->session_id == session)
              cb.on_join_failed (name, r->error);
            g_clear_error (&r->error);
            return;
          }
          it->second.subscription_ids = r->ids;
          if (!cur || cur->session_id != session)
            return; /* that session is gone: the new one subscribes */
          it->second.subscribed_session = session;
          GST_INFO ("subscribed to the chat of %s", name.c_str ());
          backoff->reset ();
          if (cb.on_joined)
            cb.on_joined (name);
        });
  }

  void unsubscribe (const std::vector<std::string> &ids)
  {
    if (ids.empty () || !helix)
      return;
    Helix *h = helix.get ();
    run_job (
        [h, ids] (GCancellable *c) {
          for (const auto &id : ids) {
            GError *e = nullptr;
            h->send_json ("DELETE", "eventsub/subscriptions", {{"id", id}}, {},
                true, c, &e);
            g_clear_error (&e);
          }
        },
        nullptr);
  }

  /* ---- errors ---- */
  void fatal_error (const GError *e)
  {
    if (fatal)
      return;
    fatal = true;
    GST_ERROR ("%s", e->message);
    if (cur)
      retire (cur, SOUP_WEBSOCKET_CLOSE_NORMAL);
    if (next)
      retire (next, SOUP_WEBSOCKET_CLOSE_NORMAL);
    set_state (ChatState::STOPPED, backoff->attempt (), 0, e);
    if (cb.on_fatal)
      cb.on_fatal (e);
    fail_all_queued (e->message);
  }

  /* ---- sending (the queue is chat/sendqueue.h) ---- */
  void fail_all_queued (const std::string &why)
  {
    take_inbox ();
    sendq.fail_all (why);
  }

  void take_inbox ()
  {
    std::vector<std::pair<std::string, bool>> joins;
    {
      std::lock_guard<std::mutex> lk (mu);
      joins.swap (join_inbox);
      wake_pending = false;
    }
    bool added = false;
    for (auto &j : joins) {
      if (j.second) {
        if (!channels.count (j.first)) {
          add_channel (j.first);
          added = true;
        }
      } else if (channels.count (j.first)) {
        unsubscribe (channels[j.first].subscription_ids);
        channels.erase (j.first);
        channel_order.erase (
            std::remove (channel_order.begin (), channel_order.end (), j.first),
            channel_order.end ());
      }
    }
    sendq.take ([&] (const std::string &c) {
      if (!channels.count (c)) {
        add_channel (c);
        added = true;
      }
    });
    if (added && !stopping && !fatal) {
      lookup_channels ();
      subscribe_all ();
    }
  }

  void pump ()
  {
    if (stopping)
      return;
    take_inbox ();
    if (fatal) {
      fail_all_queued ("chat stopped");
      return;
    }
    int64_t next_unused; /* tick() pumps again */
    sendq.pump (g_get_monotonic_time (), *this, false, &next_unused);
  }

  SendGate send_gate (const SendPiece &q) override
  {
    SendGate g;
    if (validated && !can_send) {
      g.kind = SendGate::REFUSE;
      g.reason = std::string ("the OAuth token lacks the ") + kWriteScope
                 + " scope that sending over EventSub (Helix Send Chat "
                   "Message) needs: log in again with it";
      return g;
    }
    auto &ch = channels[q.channel];
    if (ch.failed) {
      g.kind = SendGate::REFUSE;
      g.reason = "no such channel";
      return g;
    }
    bool ready = validated && !ch.broadcaster_id.empty ();
    if (ready && in_flight >= kMaxInFlight) {
      /* Waiting for Twitch's answer to the previous one is not "cannot
       * go out at once": the policy is applied after it. */
      g.kind = SendGate::BUSY;
    } else if (ready) {
      g.kind = SendGate::READY;
      g.mod = ch.mod;
    } else {
      g.reason = validated ? "rate limited" : "not connected";
    }
    return g;
  }

  bool send_write (const SendPiece &q, int64_t) override
  {
    post_message (q, channels[q.channel].broadcaster_id);
    return true;
  }

  void post_message (SendPiece piece, const std::string &broadcaster_id)
  {
    ++in_flight;
    struct Result {
      std::optional<HelixResponse> answer;
      GError *error = nullptr;
    };
    auto r = std::make_shared<Result> ();
    Helix *h = helix.get ();
    std::string body = json_string_of ([&] (JsonBuilder *b) {
      json_builder_begin_object (b);
      add_member (b, "broadcaster_id", broadcaster_id);
      add_member (b, "sender_id", user_id);
      add_member (b, "message", piece.text);
      if (!piece.reply_parent.empty ())
        add_member (b, "reply_parent_message_id", piece.reply_parent);
      json_builder_end_object (b);
    });
    GST_LOG ("POST chat/messages to %s", piece.channel.c_str ());
    run_job (
        [h, r, body] (GCancellable *c) {
          /* Not idempotent: a message Twitch may have posted is not
           * posted again. */
          r->answer = h->send_json (
              "POST", "chat/messages", {}, body, false, c, &r->error);
        },
        [this, r, piece] () {
          --in_flight;
          handle_send_answer (
              piece, r->answer ? &*r->answer : nullptr, r->error);
          g_clear_error (&r->error);
          pump ();
        },
        true);
  }

  void handle_send_answer (
      const SendPiece &piece, const HelixResponse *a, const GError *error)
  {
    if (!a) {
      /* The request may have reached Twitch. */
      sendq.finish (piece,
          error && error->domain == TWITCH_API_ERROR
                  && error->code == API_ERROR_RATE_LIMITED
              ? SendOutcome::DROPPED
              : SendOutcome::UNCONFIRMED,
          error ? error->message : "no answer", {});
      return;
    }
    if (a->status != 200) {
      GError *e = nullptr;
      api_error_set_from_http (&e, a->status, a->body, "POST chat/messages");
      std::string why = e->message;
      if (g_error_matches (e, TWITCH_API_ERROR, API_ERROR_MISSING_SCOPE)
          || (a->status == 403 && why.find (kWriteScope) == std::string::npos))
        why += std::string (" (sending needs the ") + kWriteScope + " scope)";
      g_error_free (e);
      sendq.finish (piece, SendOutcome::FAILED, why, {});
      return;
    }
    JsonReader reader;
    JsonDomObject o, d0;
    JsonDomArray d;
    if (!reader.parse_object (a->body, o, nullptr)
        || !json_require_array (o, "data", d, nullptr) || d.size () == 0
        || d.at (0).get_object ().get (d0) != simdjson::SUCCESS) {
      sendq.finish (piece, SendOutcome::UNCONFIRMED,
          "Send Chat Message answered no data", {});
      return;
    }
    std::string mid (json_string_or (d0, "message_id"));
    if (!twitch_message_id_validate (mid, "message_id", nullptr))
      mid.clear ();
    if (json_bool_or (d0, "is_sent", false)) {
      sendq.finish (piece, SendOutcome::SENT, {}, mid);
      return;
    }
    std::string code = "dropped";
    JsonDomObject dr;
    if (d0["drop_reason"].get_object ().get (dr) == simdjson::SUCCESS) {
      std::string c (json_string_or (dr, "code"));
      bool ok = !c.empty () && c.size () <= 64;
      for (char ch : c)
        ok = ok
             && (g_ascii_isalnum (ch) || ch == '_' || ch == '-' || ch == ':');
      if (ok)
        code = c;
    }
    GST_INFO ("Twitch did not post send %" G_GUINT64_FORMAT ": %s", piece.id,
        code.c_str ());
    sendq.finish (piece, SendOutcome::DROPPED, code, mid);
  }

  /* ---- periodic: the keepalive watchdog and send expiry ---- */
  gboolean tick ()
  {
    int64_t now = g_get_monotonic_time ();
    if (cur && !stopping && !fatal) {
      int64_t limit
          = cur->welcomed
                ? cur->keepalive_s * G_USEC_PER_SEC * 11 / 10 + G_USEC_PER_SEC
                : kWelcomeTimeoutUs;
      if (now - cur->last_rx_us > limit) {
        GError *e
            = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
                cur->welcomed
                    ? "Nothing from EventSub, not even a keepalive, for %d s: "
                      "the connection is lost"
                    : "No session_welcome from EventSub within %d s",
                (int)(limit / G_USEC_PER_SEC));
        GST_WARNING ("%s", e->message);
        bool working = cur->welcomed;
        schedule_new_session (e, working);
        g_error_free (e);
      }
    }
    if (next && now - next->opened_us > kWelcomeTimeoutUs) {
      GST_WARNING ("no welcome on the reconnect_url in time");
      retire (next, SOUP_WEBSOCKET_CLOSE_NORMAL);
    }
    if (!sendq.empty ())
      pump ();
    return G_SOURCE_CONTINUE;
  }

  /* ---- thread ---- */
  static gpointer thread_main (gpointer data)
  {
    auto *self = static_cast<Impl *> (data);
    g_main_context_push_thread_default (self->ctx);
    self->cancel = g_cancellable_new ();
    self->soup = soup_session_new ();
    HelixConfig hc;
    hc.oauth_token = self->cfg.token;
    hc.auth_url = self->cfg.auth_url;
    hc.timeout_sec = (guint)std::max<int64_t> (
        1, self->cfg.connect_timeout_us / G_USEC_PER_SEC);
    self->helix = std::make_unique<Helix> (std::move (hc));
    self->tick_source = g_timeout_source_new (200);
    g_source_set_callback (
        self->tick_source,
        [] (gpointer d) -> gboolean {
          return static_cast<Impl *> (d)->tick ();
        },
        self, nullptr);
    g_source_attach (self->tick_source, self->ctx);
    self->begin ();
    g_main_loop_run (self->loop);

    /* Shutdown, on this thread. */
    g_cancellable_cancel (self->cancel);
    for (GSource **s : {&self->tick_source, &self->retry_source}) {
      if (*s) {
        g_source_destroy (*s);
        g_source_unref (*s);
        *s = nullptr;
      }
    }
    if (self->cur)
      self->retire (self->cur, SOUP_WEBSOCKET_CLOSE_NORMAL);
    if (self->next)
      self->retire (self->next, SOUP_WEBSOCKET_CLOSE_NORMAL);
    for (auto &s : self->sockets)
      if (s->ws
          && soup_websocket_connection_get_state (s->ws)
                 == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (
            s->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    /* Jobs end (cancelled); sockets close cleanly, or are dropped after
     * kCloseWaitUs. */
    int64_t deadline = g_get_monotonic_time () + kCloseWaitUs;
    while (self->pending_jobs > 0 || self->pending_connects > 0
           || (!self->sockets.empty () && g_get_monotonic_time () < deadline)) {
      if (self->pending_jobs > 0 || self->pending_connects > 0)
        g_main_context_iteration (self->ctx, TRUE);
      else if (!g_main_context_iteration (self->ctx, FALSE))
        g_usleep (1000);
    }
    while (!self->sockets.empty ())
      self->free_socket (self->sockets.front ().get ());
    self->fail_all_queued ("stopped");
    while (g_main_context_iteration (self->ctx, FALSE))
      ;
    g_object_unref (self->soup);
    self->soup = nullptr;
    self->helix.reset ();
    g_object_unref (self->cancel);
    self->cancel = nullptr;
    g_main_context_pop_thread_default (self->ctx);
    return nullptr;
  }

  void wake ()
  {
    GMainContext *c = nullptr;
    {
      std::lock_guard<std::mutex> lk (life_mu);
      if (started && ctx)
        c = g_main_context_ref (ctx);
    }
    if (!c)
      return;
    bool need;
    {
      std::lock_guard<std::mutex> lk (mu);
      need = !wake_pending;
      wake_pending = true;
    }
    if (need)
      g_main_context_invoke_full (
          c, G_PRIORITY_DEFAULT,
          [] (gpointer d) -> gboolean {
            static_cast<Impl *> (d)->pump ();
            return G_SOURCE_REMOVE;
          },
          this, nullptr);
    g_main_context_unref (c);
  }
};

EventSubChat::EventSubChat (
    const ChatConfig &config, const ChatCallbacks &callbacks)
    : impl_ (std::make_unique<Impl> (config, callbacks))
{
}

EventSubChat::~EventSubChat ()
{
  stop ();
}

bool
EventSubChat::start (GError **error)
{
  Impl &d = *impl_;
  std::lock_guard<std::mutex> control (d.control_mu);
  if (d.thread)
    return true;
  if (d.cfg.token.empty ()) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
        "Chat over EventSub (transport=eventsub) needs a user OAuth token "
        "with the %s scope (and %s to send); anonymous chat is IRC only",
        kReadScope, kWriteScope);
    return false;
  }
  std::string why;
  if (websocket_http_url (d.url, &why).empty ()) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
        "EventSub URL %s cannot be used: %s (check TWITCH_EVENTSUB_URL)",
        d.url.c_str (), why.c_str ());
    return false;
  }
  d.ctx = g_main_context_new ();
  d.loop = g_main_loop_new (d.ctx, FALSE);
  d.stopping = false;
  d.fatal = false;
  {
    std::lock_guard<std::mutex> lk (d.mu);
    d.wake_pending = false;
  }
  d.thread = g_thread_try_new ("twitcheventsub", &Impl::thread_main, &d, error);
  if (!d.thread) {
    g_main_loop_unref (d.loop);
    g_main_context_unref (d.ctx);
    d.loop = nullptr;
    d.ctx = nullptr;
    return false;
  }
  std::lock_guard<std::mutex> life (d.life_mu);
  d.started = true;
  return true;
}

void
EventSubChat::stop ()
{
  Impl &d = *impl_;
  std::lock_guard<std::mutex> control (d.control_mu);
  if (!d.thread)
    return;
  {
    std::lock_guard<std::mutex> life (d.life_mu);
    d.started = false;
  }
  g_main_context_invoke_full (
      d.ctx, G_PRIORITY_HIGH,
      [] (gpointer p) -> gboolean {
        auto *self = static_cast<EventSubChat::Impl *> (p);
        self->stopping = true;
        g_main_loop_quit (self->loop);
        return G_SOURCE_REMOVE;
      },
      &d, nullptr);
  g_thread_join (d.thread);
  d.thread = nullptr;
  GMainContext *ctx = d.ctx;
  GMainLoop *loop = d.loop;
  {
    std::lock_guard<std::mutex> life (d.life_mu);
    d.ctx = nullptr;
    d.loop = nullptr;
  }
  g_main_loop_unref (loop);
  g_main_context_unref (ctx);
  d.set_state (ChatState::STOPPED, 0, 0, nullptr);
}

uint64_t
EventSubChat::send (const std::string &channel, const std::string &text,
    const std::string &reply_parent_id)
{
  Impl &d = *impl_;
  bool queued;
  uint64_t id = d.sendq.submit (channel, text, reply_parent_id, {}, &queued);
  if (queued)
    d.wake ();
  return id;
}

static void
queue_channels (EventSubChat::Impl &d, const std::string &list, bool join)
{
  std::vector<std::string> names;
  GError *err = nullptr;
  if (!twitch_channel_list_parse (list, "channel", &names, &err)) {
    GST_WARNING ("%s %s", join ? "join" : "part", err->message);
    g_error_free (err);
    return;
  }
  {
    std::lock_guard<std::mutex> lk (d.mu);
    for (auto &c : names)
      d.join_inbox.emplace_back (c, join);
  }
  d.wake ();
}

void
EventSubChat::join (const std::string &list)
{
  queue_channels (*impl_, list, true);
}

void
EventSubChat::part (const std::string &list)
{
  queue_channels (*impl_, list, false);
}

ChatState
EventSubChat::state () const
{
  std::lock_guard<std::mutex> lk (impl_->mu);
  return impl_->state;
}

ChatStats
EventSubChat::stats () const
{
  ChatStats s;
  {
    std::lock_guard<std::mutex> lk (impl_->mu);
    s = impl_->stats;
  }
  s.sent = impl_->sendq.sent ();
  s.queued = impl_->sendq.queued ();
  s.messages_received = impl_->n_messages.load ();
  s.bytes_received = impl_->n_bytes.load ();
  s.duplicates_dropped = impl_->n_duplicates.load ();
  s.parse_errors = impl_->n_parse_errors.load ();
  return s;
}

std::string
EventSubChat::nick () const
{
  std::lock_guard<std::mutex> lk (impl_->mu);
  return impl_->nick;
}

} // namespace twitch
