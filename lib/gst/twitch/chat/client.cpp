/* Twitch chat client (see client.h). Everything below runs on the client's
 * own thread and GMainContext, except send()/join()/part()/send_raw(),
 * which hand work over under a mutex and wake the context. */
#include "config.h"

#include <gst/twitch/chat/client.h>
#include <gst/twitch/chat/eventsub.h>
#include <gst/twitch/chat/names.h>
#include <gst/twitch/chat/sendqueue.h>
#include <gst/twitch/common/environment.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/helix.h>

#include "chat-private.h"

#include <gio/gio.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

namespace twitch
{

const char *
send_outcome_name (SendOutcome o)
{
  switch (o) {
    case SendOutcome::SENT:
      return "sent";
    case SendOutcome::DROPPED:
      return "dropped";
    case SendOutcome::EXPIRED:
      return "expired";
    case SendOutcome::FAILED:
      return "failed";
    case SendOutcome::UNCONFIRMED:
      return "unconfirmed";
  }
  return "failed";
}

const char *
delivery_name (Delivery d)
{
  return d == Delivery::AT_LEAST_ONCE ? "at-least-once" : "at-most-once";
}

const char *
send_policy_name (SendPolicy p)
{
  switch (p) {
    case SendPolicy::ENQUEUE:
      return "enqueue";
    case SendPolicy::DROP:
      return "drop";
    case SendPolicy::ERROR:
      return "error";
  }
  return "enqueue";
}

const char *
chat_state_name (ChatState s)
{
  switch (s) {
    case ChatState::STOPPED:
      return "stopped";
    case ChatState::CONNECTING:
      return "connecting";
    case ChatState::CONNECTED:
      return "connected";
    case ChatState::RECONNECTING:
      return "reconnecting";
  }
  return "stopped";
}

bool
chat_config_set_server (ChatConfig &c, const std::string &uri, GError **error)
{
  std::string rest = uri;
  bool tls = true;
  int default_port = 6697;
  if (rest.rfind ("ircs://", 0) == 0) {
    rest = rest.substr (7);
  } else if (rest.rfind ("irc://", 0) == 0) {
    rest = rest.substr (6);
    tls = false;
    default_port = 6667;
  } else if (rest.find ("://") != std::string::npos) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
        "Unsupported chat server URI '%s': use irc://host:port or "
        "ircs://host:port",
        uri.c_str ());
    return false;
  }
  while (!rest.empty () && rest.back () == '/')
    rest.pop_back ();
  std::string host = rest;
  int port = default_port;
  size_t colon = rest.rfind (':');
  if (!rest.empty () && rest[0] == '[') {
    size_t close = rest.find (']');
    if (close == std::string::npos) {
      g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
          "Bad IPv6 address in chat server URI '%s'", uri.c_str ());
      return false;
    }
    host = rest.substr (1, close - 1);
    colon = rest.find (':', close);
  } else if (colon != std::string::npos) {
    host = rest.substr (0, colon);
  }
  if (colon != std::string::npos) {
    gchar *end = nullptr;
    gint64 p = g_ascii_strtoll (rest.c_str () + colon + 1, &end, 10);
    if (!end || *end != '\0' || p <= 0 || p > 65535) {
      g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
          "Bad port in chat server URI '%s'", uri.c_str ());
      return false;
    }
    port = static_cast<int> (p);
  }
  if (host.empty ()) {
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
        "No host in chat server URI '%s'", uri.c_str ());
    return false;
  }
  c.host = host;
  c.port = port;
  c.tls = tls;
  return true;
}

std::vector<std::string>
chat_parse_channels (const std::string &list)
{
  std::vector<std::string> out;
  gchar **parts = g_strsplit_set (list.c_str (), ", ", -1);
  for (gchar **p = parts; p && *p; ++p) {
    if (!**p)
      continue;
    std::string c;
    if (!twitch_name_normalize (*p, true, "channel", &c, nullptr))
      continue;
    if (std::find (out.begin (), out.end (), c) == out.end ())
      out.push_back (c);
  }
  g_strfreev (parts);
  return out;
}

int64_t
chat_read_timeout_us (const ChatConfig &c)
{
  /* Idle time, then PING, then the PONG timeout, then a margin as long
   * again as the PONG timeout (at least 1 s): the keepalive always decides
   * first. */
  return std::max<int64_t> (0, c.ping_idle_us)
         + 2 * std::max<int64_t> (0, c.pong_timeout_us) + G_USEC_PER_SEC;
}

static bool
host_is_loopback (const std::string &host)
{
  if (g_ascii_strcasecmp (host.c_str (), "localhost") == 0)
    return true;
  std::string h = host;
  /* ::ffff:127.0.0.1 is 127.0.0.1 (GLib only knows ::1 as IPv6 loopback). */
  if (g_ascii_strncasecmp (h.c_str (), "::ffff:", 7) == 0
      && h.find ('.') != std::string::npos)
    h = h.substr (7);
  GInetAddress *a = g_inet_address_new_from_string (h.c_str ());
  if (!a)
    return false;
  bool lo = g_inet_address_get_is_loopback (a);
  g_object_unref (a);
  return lo;
}

std::string
chat_config_security_warning (const ChatConfig &c)
{
  if (c.tls || c.token.empty () || host_is_loopback (c.host))
    return {};
  return "The chat OAuth token is sent in clear text to " + c.host + ":"
         + std::to_string (c.port)
         + " (irc:// is not encrypted): use ircs:// for any server that is "
           "not on this machine";
}

bool
chat_config_validate (ChatConfig &c, GError **error)
{
  std::vector<std::string> channels;
  for (const auto &ch : c.channels) {
    std::string n;
    if (!twitch_name_normalize (ch, true, "channel", &n, error))
      return false;
    if (std::find (channels.begin (), channels.end (), n) == channels.end ())
      channels.push_back (std::move (n));
  }
  c.channels = std::move (channels);
  if (!c.login.empty ()
      && !twitch_name_normalize (c.login, false, "login", &c.login, error))
    return false;
  if (!c.token.empty () && !twitch_token_validate (c.token, "token", error))
    return false;
  for (const auto &cap : c.extra_caps)
    if (cap.empty () || !irc_text_is_safe (cap)
        || cap.find (' ') != std::string::npos) {
      g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
          "Invalid extra capability: one word without spaces or line breaks");
      return false;
    }
  return true;
}

struct Awaiting {
  SendPiece piece;
  int64_t deadline_us;
};

struct ChannelState {
  bool join_sent = false;
  bool joined = false;
  int64_t join_deadline_us = 0;
  bool join_failed_reported = false;
  bool mod = false;
  std::deque<Awaiting> awaiting;
};

struct ChatClient::Impl : SendTransport {
  ChatConfig cfg;
  ChatCallbacks cb;
  /* Sends: validated, split, paced and reported there; written here as
   * PRIVMSG lines (send_gate, send_write), confirmed by USERSTATE. */
  SendQueue sendq;
  /* transport EVENTSUB: the whole client is this (chat/eventsub.h). */
  std::unique_ptr<EventSubChat> eventsub;
  /* Written on the client thread (under mu) when the login is learnt from
   * the token; read by nick() from any thread. */
  std::string nick;
  std::string pass_line;
  /* A token without login: learn it before the first connect. */
  bool learn_login = false;
  /* Cancels the token validation (stop()). */
  GCancellable *login_cancel = nullptr;

  /* start() and stop() run one at a time under control_mu; they write
   * ctx, loop and thread only while the client thread is not running, and
   * started (with ctx) under life_mu, which wake() reads them under from
   * any thread. */
  std::mutex control_mu;
  std::mutex life_mu;
  GMainContext *ctx = nullptr;
  GMainLoop *loop = nullptr;
  GThread *thread = nullptr;
  bool started = false;
  /* Why the configuration cannot be used (set by the constructor). */
  GError *config_error = nullptr;

  /* Guarded by mu: handed over from other threads. */
  mutable std::mutex mu;
  std::vector<std::string> raw_inbox;
  std::vector<std::pair<std::string, bool>> join_inbox; /* channel, join */
  bool wake_pending = false;
  ChatStats stats;
  /* Hot counters, outside the mutex. */
  std::atomic<uint64_t> n_messages{0}, n_bytes{0}, n_duplicates{0},
      n_parse_errors{0};
  ChatState state = ChatState::STOPPED;

  /* Client thread only. */
  GSocketClient *sclient = nullptr;
  GCancellable *cancel = nullptr;
  GIOStream *io = nullptr;
  GPollableInputStream *in = nullptr;
  GOutputStream *out = nullptr;
  GSource *read_source = nullptr;
  GSource *tick_source = nullptr;
  GSource *pump_source = nullptr;
  GSource *retry_source = nullptr;
  uint64_t connection_serial = 0;
  std::string rbuf;
  size_t rbuf_pos = 0;
  /* Inside a line longer than kIrcMaxLineLength: drop up to its newline. */
  bool discarding = false;
  bool connected_socket = false;
  bool logged_in = false;
  bool twitch_commands = false;
  bool fatal = false;
  bool stopping = false;
  bool immediate_reconnect = false;
  int64_t last_rx_us = 0;
  int64_t ping_sent_us = 0;
  std::unique_ptr<Backoff> backoff;
  std::map<std::string, ChannelState> channels;
  std::vector<std::string> channel_order;
  /* 64-bit FNV-1a of recent message ids (a collision among a few
   * thousand ids is ~1e-12 likely). */
  std::unordered_set<uint64_t> seen_ids;
  std::deque<uint64_t> seen_order;
  IrcMessage irc;
  /* Raw data lines of the current read, for on_lines. */
  std::string line_batch;
  int64_t chunk_real_ms = 0;

  Impl (ChatConfig c, ChatCallbacks k)
      : cfg (std::move (c)), cb (std::move (k)),
        sendq (cfg, cb.on_send_result, true)
  {
    backoff = std::make_unique<Backoff> (cfg.backoff);
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

  /* ---- writing ---- */
  bool write_line (const std::string &line)
  {
    if (!out)
      return false;
    if (!irc_text_is_safe (line)) {
      /* Every input is validated where it enters; this is the last guard
       * against a line break smuggling a second command. */
      GST_ERROR ("refusing to write a line with CR, LF or NUL");
      return true;
    }
    if (line.rfind ("PASS ", 0) == 0)
      GST_LOG ("> PASS oauth:%s", kRedacted.data ());
    else
      GST_LOG ("> %s", line.c_str ());
    std::string l = line + "\r\n";
    GError *err = nullptr;
    if (!g_output_stream_write_all (
            out, l.data (), l.size (), nullptr, cancel, &err)) {
      GST_INFO ("write failed: %s", err->message);
      g_error_free (err);
      return false;
    }
    return true;
  }

  /* ---- connection ---- */
  static void on_client_event (GSocketClient *, GSocketClientEvent event,
      GSocketConnectable *, GIOStream *connection, gpointer user_data)
  {
    auto *self = static_cast<Impl *> (user_data);
    if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING
        && !self->cfg.tls_ca_file.empty ()
        && G_IS_TLS_CONNECTION (connection)) {
      GError *err = nullptr;
      GTlsDatabase *db
          = g_tls_file_database_new (self->cfg.tls_ca_file.c_str (), &err);
      if (db) {
        g_tls_connection_set_database (G_TLS_CONNECTION (connection), db);
        g_object_unref (db);
      } else {
        GST_WARNING ("cannot load CA file %s: %s",
            self->cfg.tls_ca_file.c_str (), err->message);
        g_error_free (err);
      }
    }
  }

  void connect ()
  {
    if (stopping || fatal)
      return;
    close_connection ();
    ++connection_serial;
    set_state (ChatState::CONNECTING, backoff->attempt (), 0, nullptr);
    if (!sclient) {
      sclient = g_socket_client_new ();
      g_signal_connect (
          sclient, "event", G_CALLBACK (&Impl::on_client_event), this);
    }
    g_socket_client_set_tls (sclient, cfg.tls);
    g_socket_client_set_timeout (sclient,
        static_cast<guint> (
            std::max<int64_t> (1, cfg.connect_timeout_us / G_USEC_PER_SEC)));
    cancel = g_cancellable_new ();
    GST_INFO ("connecting to %s:%d (%s)", cfg.host.c_str (), cfg.port,
        cfg.tls ? "TLS" : "plain TCP");
    auto *ctx_data = new std::pair<Impl *, uint64_t> (this, connection_serial);
    g_socket_client_connect_to_host_async (sclient, cfg.host.c_str (),
        static_cast<guint16> (cfg.port), cancel, &Impl::on_connected, ctx_data);
  }

  static void on_connected (GObject *src, GAsyncResult *res, gpointer data)
  {
    auto *p = static_cast<std::pair<Impl *, uint64_t> *> (data);
    Impl *self = p->first;
    uint64_t serial = p->second;
    delete p;
    GError *err = nullptr;
    GSocketConnection *conn = g_socket_client_connect_to_host_finish (
        G_SOCKET_CLIENT (src), res, &err);
    if (!conn) {
      if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        GST_DEBUG ("connect cancelled");
        g_error_free (err);
        return;
      }
      if (serial != self->connection_serial) {
        g_error_free (err);
        return;
      }
      if (g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)) {
        /* Retrying cannot help, and must not look like a passing outage. */
        GError *e
            = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CERTIFICATE,
                "The TLS certificate of chat server %s:%d was rejected (%s): "
                "check the server name, or set tls-ca-file to the CA that "
                "signed it. Not retrying",
                self->cfg.host.c_str (), self->cfg.port, err->message);
        g_error_free (err);
        self->fatal_error (e);
        g_error_free (e);
        return;
      }
      const char *hint = "";
      if (self->cfg.tls
          && (g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS)
              || g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_MISC)
              || g_error_matches (err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)))
        hint = " (is it a plain-text server? ircs:// needs TLS; use "
               "irc://host:port for a plain one)";
      GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
          "Could not connect to %s:%d: %s%s", self->cfg.host.c_str (),
          self->cfg.port, err->message, hint);
      g_error_free (err);
      GST_WARNING ("%s", e->message);
      self->schedule_reconnect (e);
      g_error_free (e);
      return;
    }
    if (serial != self->connection_serial || self->stopping) {
      g_io_stream_close (G_IO_STREAM (conn), nullptr, nullptr);
      g_object_unref (conn);
      return;
    }
    self->on_socket_ready (conn);
  }

  void on_socket_ready (GSocketConnection *conn)
  {
    GSocket *sock = g_socket_connection_get_socket (conn);
    /* Longer than PING idle + PONG timeout: a quiet channel is kept by the
     * keepalive, never ended by the socket (seconds, rounded up). */
    g_socket_set_timeout (sock,
        static_cast<guint> ((chat_read_timeout_us (cfg) + G_USEC_PER_SEC - 1)
                            / G_USEC_PER_SEC));
    g_socket_set_keepalive (sock, TRUE);
    io = G_IO_STREAM (conn);
    GInputStream *istream = g_io_stream_get_input_stream (io);
    if (!G_IS_POLLABLE_INPUT_STREAM (istream)
        || !g_pollable_input_stream_can_poll (
            G_POLLABLE_INPUT_STREAM (istream))) {
      GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
          "Connection stream cannot be polled");
      schedule_reconnect (e);
      g_error_free (e);
      return;
    }
    in = G_POLLABLE_INPUT_STREAM (istream);
    out = g_io_stream_get_output_stream (io);
    connected_socket = true;
    logged_in = false;
    twitch_commands = false;
    rbuf.clear ();
    rbuf_pos = 0;
    discarding = false;
    last_rx_us = g_get_monotonic_time ();
    ping_sent_us = 0;
    {
      std::lock_guard<std::mutex> lk (mu);
      stats.connects++;
    }
    read_source = g_pollable_input_stream_create_source (in, cancel);
    g_source_set_callback (
        read_source, (GSourceFunc)(void *)&Impl::on_readable, this, nullptr);
    g_source_attach (read_source, ctx);

    GST_INFO ("connected to %s:%d, logging in as %s", cfg.host.c_str (),
        cfg.port, nick.c_str ());
    bool ok = write_line (
        "CAP REQ :twitch.tv/tags twitch.tv/commands twitch.tv/membership");
    if (ok && !cfg.extra_caps.empty ()) {
      std::string caps;
      for (const auto &c : cfg.extra_caps)
        caps += (caps.empty () ? "" : " ") + c;
      ok = write_line ("CAP REQ :" + caps);
    }
    if (ok && !pass_line.empty ())
      ok = write_line (pass_line);
    if (ok)
      ok = write_line ("NICK " + nick);
    if (ok)
      ok = write_line ("USER " + nick + " 8 * :" + nick);
    if (ok)
      ok = write_line ("CAP END");
    if (!ok)
      connection_lost ("write failed during login");
  }

  static gboolean on_readable (GObject *, gpointer data)
  {
    auto *self = static_cast<Impl *> (data);
    return self->read_some ();
  }

  gboolean read_some ()
  {
    char buf[65536];
    for (int i = 0; i < 32; ++i) {
      GError *err = nullptr;
      gssize n = g_pollable_input_stream_read_nonblocking (
          in, buf, sizeof (buf), cancel, &err);
      if (n < 0) {
        if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
          g_error_free (err);
          return G_SOURCE_CONTINUE;
        }
        if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
          g_error_free (err);
          return G_SOURCE_REMOVE;
        }
        std::string why = std::string ("read failed: ") + err->message;
        g_error_free (err);
        read_source_gone ();
        connection_lost (why.c_str ());
        return G_SOURCE_REMOVE;
      }
      if (n == 0) {
        read_source_gone ();
        connection_lost ("server closed the connection");
        return G_SOURCE_REMOVE;
      }
      n_bytes.fetch_add (n, std::memory_order_relaxed);
      last_rx_us = g_get_monotonic_time ();
      chunk_real_ms = g_get_real_time () / 1000;
      ping_sent_us = 0;
      rbuf.append (buf, n);
      uint64_t serial = connection_serial;
      while (true) {
        size_t nl = rbuf.find ('\n', rbuf_pos);
        if (nl == std::string::npos)
          break;
        if (discarding) {
          /* The tail of an over-long line is not a line of its own. */
          rbuf_pos = nl + 1;
          discarding = false;
          continue;
        }
        std::string_view line (rbuf.data () + rbuf_pos, nl - rbuf_pos);
        rbuf_pos = nl + 1;
        handle_line (line);
        if (serial != connection_serial || !connected_socket) {
          flush_lines ();
          return G_SOURCE_REMOVE; /* reconnected or closed from a line */
        }
      }
      flush_lines ();
      if (rbuf_pos > 0) {
        rbuf.erase (0, rbuf_pos);
        rbuf_pos = 0;
      }
      if (discarding) {
        rbuf.clear ();
      } else if (rbuf.size () > kIrcMaxLineLength) {
        GST_WARNING ("line longer than %" G_GSIZE_FORMAT
                     " bytes, dropped up to its end",
            kIrcMaxLineLength);
        rbuf.clear ();
        discarding = true;
        n_parse_errors.fetch_add (1, std::memory_order_relaxed);
      }
    }
    return G_SOURCE_CONTINUE;
  }

  void flush_lines ()
  {
    if (line_batch.empty () || !cb.on_lines)
      return;
    std::string batch;
    batch.swap (line_batch);
    cb.on_lines (std::move (batch), last_rx_us, chunk_real_ms);
  }

  static bool is_data_kind (ChatKind k)
  {
    switch (k) {
      case ChatKind::PRIVMSG:
      case ChatKind::USERNOTICE:
      case ChatKind::WHISPER:
      case ChatKind::CLEARCHAT:
      case ChatKind::CLEARMSG:
      case ChatKind::HOSTTARGET:
        return true;
      default:
        return false;
    }
  }

  void read_source_gone ()
  {
    /* The source returns REMOVE itself; forget it without destroying. */
    if (read_source) {
      g_source_unref (read_source);
      read_source = nullptr;
    }
  }

  void close_connection ()
  {
    if (cancel) {
      g_cancellable_cancel (cancel);
    }
    if (read_source) {
      g_source_destroy (read_source);
      g_source_unref (read_source);
      read_source = nullptr;
    }
    if (io) {
      g_io_stream_close (io, nullptr, nullptr);
      g_object_unref (io);
      io = nullptr;
    }
    in = nullptr;
    out = nullptr;
    if (cancel) {
      g_object_unref (cancel);
      cancel = nullptr;
    }
    connected_socket = false;
    logged_in = false;
    /* Sends written but not confirmed: the server may have taken them
     * (Twitch confirms with USERSTATE, which the drop may have eaten).
     * At most once, they are reported UNCONFIRMED; at least once, they go
     * back to the queue head in order and are written again. */
    std::vector<SendPiece> back;
    for (auto &name : channel_order) {
      auto &cs = channels[name];
      for (auto &a : cs.awaiting)
        back.push_back (std::move (a.piece));
      cs.awaiting.clear ();
      cs.join_sent = false;
      cs.joined = false;
    }
    if (cfg.delivery == Delivery::AT_LEAST_ONCE) {
      sendq.requeue_front (std::move (back));
    } else {
      for (auto &piece : back) {
        GST_INFO ("send %" G_GUINT64_FORMAT
                  " written but not confirmed before the connection "
                  "dropped: not written again (at-most-once)",
            piece.id);
        sendq.finish (piece, SendOutcome::UNCONFIRMED,
            "connection lost before Twitch confirmed it", {});
      }
    }
  }

  void connection_lost (const char *why)
  {
    GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
        "Chat connection to %s:%d lost: %s", cfg.host.c_str (), cfg.port, why);
    GST_WARNING ("%s", e->message);
    bool was_logged_in = logged_in;
    close_connection ();
    if (was_logged_in)
      immediate_reconnect = true;
    schedule_reconnect (e);
    g_error_free (e);
  }

  void schedule_reconnect (const GError *why)
  {
    if (stopping || fatal)
      return;
    close_connection ();
    if (retry_source) {
      g_source_destroy (retry_source);
      g_source_unref (retry_source);
      retry_source = nullptr;
    }
    int64_t delay = 0;
    if (immediate_reconnect) {
      immediate_reconnect = false;
    } else {
      auto d = backoff->next_delay_us ();
      if (!d) {
        fatal = true;
        GError *e
            = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_CONNECTION,
                "Giving up on chat after %d attempts: %s", backoff->attempt (),
                why ? why->message : "connection failed");
        set_state (ChatState::STOPPED, backoff->attempt (), 0, e);
        if (cb.on_fatal)
          cb.on_fatal (e);
        g_error_free (e);
        fail_all_queued ("chat connection given up");
        return;
      }
      delay = *d;
    }
    {
      std::lock_guard<std::mutex> lk (mu);
      stats.reconnects++;
    }
    GST_INFO ("reconnecting in %" G_GINT64_FORMAT " ms (attempt %d)",
        delay / 1000, backoff->attempt ());
    set_state (ChatState::RECONNECTING, backoff->attempt (), delay, why);
    retry_source = g_timeout_source_new (static_cast<guint> (delay / 1000));
    g_source_set_callback (
        retry_source,
        [] (gpointer d) -> gboolean {
          auto *self = static_cast<Impl *> (d);
          g_source_unref (self->retry_source);
          self->retry_source = nullptr;
          self->connect ();
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach (retry_source, ctx);
  }

  /* ---- incoming ---- */
  bool is_duplicate (std::string_view id)
  {
    if (id.empty () || cfg.dedup_capacity == 0)
      return false;
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : id) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    if (seen_ids.empty ())
      seen_ids.reserve (cfg.dedup_capacity * 2);
    if (!seen_ids.insert (h).second)
      return true;
    seen_order.push_back (h);
    while (seen_order.size () > cfg.dedup_capacity) {
      seen_ids.erase (seen_order.front ());
      seen_order.pop_front ();
    }
    return false;
  }

  void handle_line (std::string_view line)
  {
    while (!line.empty () && line.back () == '\r')
      line.remove_suffix (1);
    if (line.empty ())
      return;
    GError *err = nullptr;
    if (cb.on_lines && irc_parse (line, irc, nullptr)) {
      ChatKind kind = chat_kind_from_command (irc.command);
      if (is_data_kind (kind)) {
        /* Fast path: dedup on the raw id (Twitch's ids need no
         * unescaping), hand the line over unparsed. */
        auto id = irc.raw_tag (kind == ChatKind::WHISPER ? "message-id" : "id");
        if (id && kind != ChatKind::CLEARCHAT && kind != ChatKind::CLEARMSG
            && is_duplicate (*id)) {
          n_duplicates.fetch_add (1, std::memory_order_relaxed);
          return;
        }
        GST_LOG ("< %.*s", (int)line.size (), line.data ());
        n_messages.fetch_add (1, std::memory_order_relaxed);
        line_batch.append (line.data (), line.size ());
        line_batch.push_back ('\n');
        return;
      }
    }
    ChatMessage m;
    if (!irc_parse (line, irc, &err) || !chat_message_from_irc (irc, m, &err)) {
      GST_WARNING ("%s: %.*s", err->message,
          (int)std::min<size_t> (line.size (), 200), line.data ());
      g_error_free (err);
      n_parse_errors.fetch_add (1, std::memory_order_relaxed);
      return;
    }
    GST_LOG ("< %.*s", (int)line.size (), line.data ());
    if (cfg.keep_raw)
      m.raw = std::string (line);
    m.arrival_ms = chunk_real_ms ? chunk_real_ms : g_get_real_time () / 1000;

    switch (m.kind) {
      case ChatKind::PING: {
        /* Echo the token, but never a CR, LF or NUL from the server, and
         * not more than a token's worth. */
        std::string token;
        for (char c : m.text)
          if (c != '\r' && c != '\n' && c != '\0' && token.size () < 256)
            token.push_back (c);
        write_line ("PONG :" + (token.empty () ? "tmi.twitch.tv" : token));
        break;
      }
      case ChatKind::NUMERIC:
        if (m.command == "001")
          on_logged_in ();
        else if (m.command == "433" || m.command == "464")
          login_failed (m.text.empty () ? "nickname refused" : m.text.c_str ());
        break;
      case ChatKind::CAP:
        if (irc.param (1) == "ACK"
            && irc.params.back ().find ("twitch.tv/commands")
                   != std::string_view::npos)
          twitch_commands = true;
        break;
      case ChatKind::NOTICE:
        if (handle_notice (m))
          return;
        break;
      case ChatKind::ROOMSTATE:
        if (twitch_commands)
          confirm_join (m.channel);
        break;
      case ChatKind::JOIN:
        if (!twitch_commands
            && g_ascii_strcasecmp (m.login.c_str (), nick.c_str ()) == 0)
          confirm_join (m.channel);
        break;
      case ChatKind::USERSTATE:
        on_userstate (m);
        break;
      default:
        break;
    }

    if (m.kind == ChatKind::PRIVMSG || m.kind == ChatKind::USERNOTICE
        || m.kind == ChatKind::WHISPER) {
      if (is_duplicate (m.id)) {
        GST_DEBUG ("dropping duplicate message %s", m.id.c_str ());
        n_duplicates.fetch_add (1, std::memory_order_relaxed);
        return;
      }
    }
    n_messages.fetch_add (1, std::memory_order_relaxed);
    bool reconnect = m.kind == ChatKind::RECONNECT;
    /* Raw lines read before this message go first: order is kept. */
    flush_lines ();
    if (cb.on_message)
      cb.on_message (std::move (m));
    if (reconnect) {
      GST_INFO ("server asked us to reconnect");
      GError *e = g_error_new (TWITCH_CHAT_ERROR,
          TWITCH_CHAT_ERROR_RECONNECT_REQUESTED, "Server sent RECONNECT");
      close_connection ();
      immediate_reconnect = true;
      schedule_reconnect (e);
      g_error_free (e);
    }
  }

  /* The login a token belongs to, from Twitch's token validation (a
   * user who exported TWITCH_OAUTH_TOKEN need not also give login). Runs
   * on the client thread before the first connect; stop() cancels it.
   * False (fatal error posted, or stopped) when it is not known. */
  bool learn_login_from_token ()
  {
    HelixConfig hc;
    hc.oauth_token = cfg.token;
    hc.auth_url = cfg.auth_url;
    hc.timeout_sec = static_cast<guint> (
        std::max<int64_t> (1, cfg.connect_timeout_us / G_USEC_PER_SEC));
    hc.retries = 1;
    GError *err = nullptr;
    std::optional<TokenInfo> info;
    std::string login;
    {
      Helix helix (std::move (hc));
      info = helix.validate (login_cancel, &err);
    }
    if (g_cancellable_is_cancelled (login_cancel)) {
      g_clear_error (&err);
      return false;
    }
    if (info
        && (info->login.empty ()
            || !twitch_name_normalize (
                info->login, false, "login", &login, &err))) {
      if (!err)
        g_set_error (&err, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_LOGIN,
            "it is an app token, with no user");
      info.reset ();
    }
    if (!info) {
      GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_LOGIN,
          "The chat login could not be learnt from the OAuth token "
          "(oauth-token, TWITCH_OAUTH_TOKEN or the token of gst-twitch "
          "login): %s. Check the token, or set login to the Twitch user "
          "name it belongs to",
          err ? err->message : "no answer");
      g_clear_error (&err);
      fatal_error (e);
      g_error_free (e);
      return false;
    }
    GST_INFO ("the OAuth token belongs to %s", login.c_str ());
    {
      std::lock_guard<std::mutex> lk (mu);
      nick = login;
    }
    cfg.login = login;
    return true;
  }

  /* Stops the client for good with @e (not retried). */
  void fatal_error (const GError *e)
  {
    fatal = true;
    GST_ERROR ("%s", e->message);
    close_connection ();
    set_state (ChatState::STOPPED, backoff->attempt (), 0, e);
    if (cb.on_fatal)
      cb.on_fatal (e);
    fail_all_queued (e->message);
  }

  void login_failed (const char *text)
  {
    fatal = true;
    GError *e = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_LOGIN,
        "Twitch refused the chat login for '%s': %s. Check the oauth-token "
        "(it needs the chat:read and chat:edit scopes) and the login it "
        "belongs to",
        nick.c_str (), text);
    GST_ERROR ("%s", e->message);
    close_connection ();
    set_state (ChatState::STOPPED, 0, 0, e);
    if (cb.on_fatal)
      cb.on_fatal (e);
    g_error_free (e);
    fail_all_queued ("login refused");
  }

  /* Returns true when the notice was consumed (fatal). */
  bool handle_notice (ChatMessage &m)
  {
    if (!logged_in
        && (m.text.find ("Login authentication failed") != std::string::npos
            || m.text.find ("Improperly formatted auth") != std::string::npos
            || m.text.find ("Login unsuccessful") != std::string::npos)) {
      login_failed (m.text.c_str ());
      return true;
    }
    if (m.channel.empty ())
      return false;
    auto it = channels.find (m.channel);
    if (it == channels.end ())
      return false;
    auto &cs = it->second;
    if (!cs.joined
        && (m.msg_id == "msg_channel_suspended" || m.msg_id == "msg_banned"
            || m.msg_id == "tos_ban")) {
      GError *e
          = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_JOIN_TIMEOUT,
              "Cannot join #%s: %s", m.channel.c_str (), m.text.c_str ());
      cs.join_failed_reported = true;
      if (cb.on_join_failed)
        cb.on_join_failed (m.channel, e);
      g_error_free (e);
    }
    if (!cs.awaiting.empty ()
        && (m.msg_id.rfind ("msg_", 0) == 0
            || m.msg_id == "whisper_restricted")) {
      Awaiting a = std::move (cs.awaiting.front ());
      cs.awaiting.pop_front ();
      GST_INFO ("send %" G_GUINT64_FORMAT " to #%s dropped by Twitch: %s",
          a.piece.id, m.channel.c_str (), m.msg_id.c_str ());
      sendq.finish (a.piece, SendOutcome::DROPPED, m.msg_id, {});
    }
    return false;
  }

  void on_userstate (const ChatMessage &m)
  {
    auto it = channels.find (m.channel);
    if (it == channels.end ())
      return;
    auto &cs = it->second;
    bool mod = m.is_moderator ();
    if (mod != cs.mod)
      GST_INFO ("moderator in #%s: %s", m.channel.c_str (), mod ? "yes" : "no");
    cs.mod = mod;
    /* USERSTATE after JOIN carries no id; after a PRIVMSG it carries the
     * sent message's id. Treat either as confirming the oldest send. */
    if (!cs.awaiting.empty () && (m.has_tag ("id") || cs.joined)) {
      Awaiting a = std::move (cs.awaiting.front ());
      cs.awaiting.pop_front ();
      sendq.finish (a.piece, SendOutcome::SENT, {}, m.tag ("id"));
    }
    schedule_pump (0);
  }

  void on_logged_in ()
  {
    logged_in = true;
    backoff->reset ();
    GST_INFO (
        "logged in to %s:%d as %s", cfg.host.c_str (), cfg.port, nick.c_str ());
    set_state (ChatState::CONNECTED, 0, 0, nullptr);
    pump ();
  }

  void confirm_join (const std::string &channel)
  {
    auto it = channels.find (channel);
    if (it == channels.end () || it->second.joined)
      return;
    it->second.joined = true;
    GST_INFO ("joined #%s", channel.c_str ());
    if (cb.on_joined)
      cb.on_joined (channel);
    schedule_pump (0);
  }

  /* ---- sending (the queue is chat/sendqueue.h) ---- */
  void fail_all_queued (const char *why)
  {
    take_inbox ();
    sendq.fail_all (why);
    for (auto &kv : channels) {
      while (!kv.second.awaiting.empty ()) {
        SendPiece q = kv.second.awaiting.front ().piece;
        kv.second.awaiting.pop_front ();
        sendq.finish (q, SendOutcome::FAILED, why, {});
      }
    }
  }

  void add_channel (const std::string &c)
  {
    if (channels.count (c))
      return;
    channels[c] = ChannelState ();
    channel_order.push_back (c);
  }

  void take_inbox ()
  {
    std::vector<std::string> raws;
    std::vector<std::pair<std::string, bool>> joins;
    {
      std::lock_guard<std::mutex> lk (mu);
      raws.swap (raw_inbox);
      joins.swap (join_inbox);
      wake_pending = false;
    }
    for (auto &j : joins) {
      if (j.second) {
        add_channel (j.first);
      } else if (channels.count (j.first)) {
        if (channels[j.first].join_sent && connected_socket)
          write_line ("PART #" + j.first);
        channels.erase (j.first);
        channel_order.erase (
            std::remove (channel_order.begin (), channel_order.end (), j.first),
            channel_order.end ());
      }
    }
    sendq.take ([this] (const std::string &c) { add_channel (c); });
    for (auto &r : raws)
      if (connected_socket)
        write_line (r);
  }

  void schedule_pump (int64_t delay_us)
  {
    if (pump_source) {
      g_source_destroy (pump_source);
      g_source_unref (pump_source);
      pump_source = nullptr;
    }
    guint ms = static_cast<guint> ((delay_us + 999) / 1000);
    pump_source = ms == 0 ? g_idle_source_new () : g_timeout_source_new (ms);
    g_source_set_callback (
        pump_source,
        [] (gpointer d) -> gboolean {
          auto *self = static_cast<Impl *> (d);
          g_source_unref (self->pump_source);
          self->pump_source = nullptr;
          self->pump ();
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach (pump_source, ctx);
  }

  void pump ()
  {
    if (stopping)
      return;
    take_inbox ();
    int64_t now = g_get_monotonic_time ();
    int64_t next = INT64_MAX;

    /* Joins. */
    if (logged_in) {
      for (auto &name : channel_order) {
        auto &cs = channels[name];
        if (cs.join_sent)
          continue;
        int64_t t = sendq.limiter ().next_join (now);
        if (t > now) {
          next = std::min (next, t);
          break;
        }
        if (!write_line ("JOIN #" + name)) {
          connection_lost ("write failed");
          return;
        }
        sendq.limiter ().record_join (now);
        cs.join_sent = true;
        cs.join_failed_reported = false;
        cs.join_deadline_us = now + cfg.join_timeout_us;
      }
    }

    /* Sends, FIFO per channel. */
    int64_t next_send;
    if (!sendq.pump (now, *this, true, &next_send))
      return;
    next = std::min (next, next_send);
    if (next != INT64_MAX && (!sendq.empty () || logged_in))
      schedule_pump (std::max<int64_t> (0, next - g_get_monotonic_time ()));
  }

  SendGate send_gate (const SendPiece &q) override
  {
    auto &cs = channels[q.channel];
    SendGate g;
    if (logged_in && cs.join_sent && cs.awaiting.size () < 8) {
      g.kind = SendGate::READY;
      g.mod = cs.mod;
    } else {
      g.reason = logged_in ? "rate limited" : "not connected";
    }
    return g;
  }

  bool send_write (const SendPiece &q, int64_t now) override
  {
    std::string line;
    if (!q.reply_parent.empty ())
      line = "@reply-parent-msg-id=" + irc_escape_tag_value (q.reply_parent)
             + " ";
    line += "PRIVMSG #" + q.channel + " :" + q.text;
    if (!write_line (line)) {
      connection_lost ("write failed");
      return false;
    }
    if (twitch_commands)
      channels[q.channel].awaiting.push_back (
          Awaiting{q, now + cfg.confirm_timeout_us});
    else
      sendq.finish (q, SendOutcome::SENT, {}, {});
    return true;
  }

  /* ---- periodic ---- */
  gboolean tick ()
  {
    int64_t now = g_get_monotonic_time ();
    if (connected_socket) {
      if (ping_sent_us && now - ping_sent_us > cfg.pong_timeout_us) {
        GST_WARNING ("no PONG within %" G_GINT64_FORMAT " ms, reconnecting",
            cfg.pong_timeout_us / 1000);
        immediate_reconnect = true;
        connection_lost ("no answer to PING");
        return G_SOURCE_CONTINUE;
      }
      if (!ping_sent_us && now - last_rx_us >= cfg.ping_idle_us) {
        GST_DEBUG ("idle for %" G_GINT64_FORMAT " ms, sending PING",
            (now - last_rx_us) / 1000);
        ping_sent_us = now;
        if (!write_line ("PING :tmi.twitch.tv")) {
          connection_lost ("write failed");
          return G_SOURCE_CONTINUE;
        }
      }
    }
    if (logged_in) {
      for (auto &name : channel_order) {
        auto &cs = channels[name];
        if (cs.join_sent && !cs.joined && !cs.join_failed_reported
            && now > cs.join_deadline_us) {
          cs.join_failed_reported = true;
          GError *e
              = g_error_new (TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_JOIN_TIMEOUT,
                  "Joining #%s was not confirmed within %" G_GINT64_FORMAT
                  " s: check the channel name",
                  name.c_str (), cfg.join_timeout_us / G_USEC_PER_SEC);
          GST_WARNING ("%s", e->message);
          if (cb.on_join_failed)
            cb.on_join_failed (name, e);
          g_error_free (e);
        }
        while (
            !cs.awaiting.empty () && now > cs.awaiting.front ().deadline_us) {
          Awaiting a = std::move (cs.awaiting.front ());
          cs.awaiting.pop_front ();
          sendq.finish (a.piece, SendOutcome::UNCONFIRMED,
              "no confirmation from Twitch in time", {});
        }
      }
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
    int64_t tick_ms = std::clamp<int64_t> (
        std::min (self->cfg.pong_timeout_us, self->cfg.ping_idle_us) / 4000, 10,
        1000);
    self->tick_source = g_timeout_source_new (static_cast<guint> (tick_ms));
    g_source_set_callback (
        self->tick_source,
        [] (gpointer d) -> gboolean {
          return static_cast<Impl *> (d)->tick ();
        },
        self, nullptr);
    g_source_attach (self->tick_source, self->ctx);
    if (!self->learn_login || self->learn_login_from_token ())
      self->connect ();
    g_main_loop_run (self->loop);

    /* Shutdown, on this thread. */
    self->close_connection ();
    for (GSource **s :
        {&self->tick_source, &self->pump_source, &self->retry_source}) {
      if (*s) {
        g_source_destroy (*s);
        g_source_unref (*s);
        *s = nullptr;
      }
    }
    self->fail_all_queued ("stopped");
    if (self->sclient) {
      g_signal_handlers_disconnect_by_data (self->sclient, self);
      g_object_unref (self->sclient);
      self->sclient = nullptr;
    }
    /* Let cancelled async operations finish. */
    while (g_main_context_iteration (self->ctx, FALSE))
      ;
    g_main_context_pop_thread_default (self->ctx);
    return nullptr;
  }

  /* From any thread: has the client thread take the inbox. */
  void wake ()
  {
    GMainContext *c = nullptr;
    {
      std::lock_guard<std::mutex> lk (life_mu);
      if (started && ctx)
        c = g_main_context_ref (ctx);
    }
    if (!c)
      return; /* not running: start() or the next pump takes the inbox */
    bool need;
    {
      std::lock_guard<std::mutex> lk (mu);
      need = !wake_pending;
      wake_pending = true;
    }
    /* ctx is never owned by this thread: this only attaches a source,
     * dispatched on the client thread (or never, once it stopped). */
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

ChatClient::ChatClient (ChatConfig config, ChatCallbacks callbacks)
    : impl_ (std::make_unique<Impl> (std::move (config), std::move (callbacks)))
{
  Impl &d = *impl_;
  /* Test hooks: scaled keepalive (docs/chat.md); never needed against
   * Twitch. */
  if (auto ms = env::chat_ping_idle_ms ())
    d.cfg.ping_idle_us = *ms * 1000;
  if (auto ms = env::chat_pong_timeout_ms ())
    d.cfg.pong_timeout_us = *ms * 1000;
  /* Nothing from the configuration reaches the wire unchecked: a bad
   * value makes start() fail instead. */
  if (!chat_config_validate (d.cfg, &d.config_error)) {
    d.cfg.channels.clear ();
    d.cfg.token.clear ();
    d.cfg.login.clear ();
  }
  if (d.cfg.token.empty ()) {
    d.nick
        = "justinfan" + std::to_string (g_random_int_range (10000, 99999999));
  } else {
    std::string t = d.cfg.token;
    if (t.rfind ("oauth:", 0) == 0)
      t = t.substr (6);
    secrets_register (t);
    secrets_register (d.cfg.token);
    d.pass_line = "PASS oauth:" + t;
    d.nick = d.cfg.login;
  }
  for (const auto &c : d.cfg.channels)
    d.add_channel (c);
  if (d.cfg.transport == ChatTransport::EVENTSUB)
    d.eventsub = std::make_unique<EventSubChat> (d.cfg, d.cb);
}

ChatClient::~ChatClient ()
{
  stop ();
  Impl &d = *impl_;
  d.eventsub.reset ();
  if (!d.cfg.token.empty ()) {
    std::string t = d.cfg.token;
    if (t.rfind ("oauth:", 0) == 0)
      t = t.substr (6);
    secrets_unregister (t);
    secrets_unregister (d.cfg.token);
  }
  g_clear_error (&d.config_error);
  g_clear_object (&d.login_cancel);
}

bool
ChatClient::start (GError **error)
{
  Impl &d = *impl_;
  std::lock_guard<std::mutex> control (d.control_mu);
  if (d.thread)
    return true;
  if (d.config_error) {
    g_propagate_error (error, g_error_copy (d.config_error));
    return false;
  }
  if (d.eventsub)
    return d.eventsub->start (error);
  /* A token without login: the thread learns it first (cancellable). */
  d.learn_login = !d.cfg.token.empty () && d.cfg.login.empty ();
  g_clear_object (&d.login_cancel);
  d.login_cancel = g_cancellable_new ();
  std::string warning = chat_config_security_warning (d.cfg);
  if (!warning.empty ())
    GST_WARNING ("%s", warning.c_str ());
  d.ctx = g_main_context_new ();
  d.loop = g_main_loop_new (d.ctx, FALSE);
  d.stopping = false;
  {
    std::lock_guard<std::mutex> lk (d.mu);
    d.wake_pending = false;
  }
  d.thread = g_thread_try_new ("twitchchat", &Impl::thread_main, &d, error);
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
ChatClient::stop ()
{
  Impl &d = *impl_;
  if (d.eventsub)
    d.eventsub->stop ();
  std::lock_guard<std::mutex> control (d.control_mu);
  if (!d.thread)
    return;
  {
    /* From here on, send() and friends no longer wake the thread. */
    std::lock_guard<std::mutex> life (d.life_mu);
    d.started = false;
  }
  g_cancellable_cancel (d.login_cancel);
  g_main_context_invoke_full (
      d.ctx, G_PRIORITY_HIGH,
      [] (gpointer p) -> gboolean {
        auto *self = static_cast<Impl *> (p);
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
ChatClient::send (const std::string &channel, const std::string &text,
    const std::string &reply_parent_id)
{
  Impl &d = *impl_;
  if (d.eventsub)
    return d.eventsub->send (channel, text, reply_parent_id);
  bool queued;
  uint64_t id = d.sendq.submit (channel, text, reply_parent_id,
      d.pass_line.empty () ? "anonymous chat cannot send: set oauth-token (or "
                             "TWITCH_OAUTH_TOKEN) and login"
                           : "",
      &queued);
  if (queued)
    d.wake ();
  return id;
}

static bool
queue_channels (ChatClient::Impl &d, const std::string &list, bool join)
{
  std::vector<std::string> names;
  GError *err = nullptr;
  if (!twitch_channel_list_parse (list, "channel", &names, &err)) {
    GST_WARNING ("%s %s", join ? "join" : "part", err->message);
    g_error_free (err);
    return false;
  }
  std::lock_guard<std::mutex> lk (d.mu);
  for (auto &c : names)
    d.join_inbox.emplace_back (c, join);
  return true;
}

void
ChatClient::join (const std::string &channel)
{
  if (impl_->eventsub)
    return impl_->eventsub->join (channel);
  if (queue_channels (*impl_, channel, true))
    impl_->wake ();
}

void
ChatClient::part (const std::string &channel)
{
  if (impl_->eventsub)
    return impl_->eventsub->part (channel);
  if (queue_channels (*impl_, channel, false))
    impl_->wake ();
}

void
ChatClient::send_raw (const std::string &line)
{
  Impl &d = *impl_;
  if (d.eventsub) {
    GST_WARNING ("send_raw: raw IRC lines cannot go over EventSub");
    return;
  }
  if (!irc_text_is_safe (line)) {
    GST_WARNING ("send_raw: refusing a line with CR, LF or NUL");
    return;
  }
  {
    std::lock_guard<std::mutex> lk (d.mu);
    d.raw_inbox.push_back (line);
  }
  d.wake ();
}

ChatState
ChatClient::state () const
{
  if (impl_->eventsub)
    return impl_->eventsub->state ();
  std::lock_guard<std::mutex> lk (impl_->mu);
  return impl_->state;
}

ChatStats
ChatClient::stats () const
{
  if (impl_->eventsub)
    return impl_->eventsub->stats ();
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
ChatClient::nick () const
{
  if (impl_->eventsub)
    return impl_->eventsub->nick ();
  std::lock_guard<std::mutex> lk (impl_->mu);
  return impl_->nick;
}

} // namespace twitch
