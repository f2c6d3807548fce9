#include "eventsub_fake.h"
#include "fake_json.h"

#include <json-glib/json-glib.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include <netinet/in.h>
#include <netinet/tcp.h>

namespace twitch_test
{

namespace
{

/* The subscription types of issue 12, all version "1". */
const char *const kChatTypes[] = {"channel.chat.message",
    "channel.chat.notification", "channel.chat.clear",
    "channel.chat.clear_user_messages", "channel.chat.message_delete"};

/* Twitch's limits: 300 enabled subscriptions per WebSocket, 3 WebSockets
 * with subscriptions per user; messages of at most 500 characters. */
constexpr size_t kMaxSubsPerSession = 300;
constexpr size_t kMaxSessionsPerUser = 3;
constexpr long kMaxChatChars = 500;
/* Bounded input: request bodies and scripted events. */
constexpr size_t kMaxBody = 64 * 1024;
constexpr size_t kMaxEvent = 1024 * 1024;
constexpr int kMaxDepth = 32;
/* Disabled subscriptions kept for GET (Twitch forgets them later too). */
constexpr size_t kMaxDisabledKept = 1000;
/* Messages remembered for reply parents. */
constexpr size_t kHistory = 1000;

std::string
q (const std::string &s)
{
  return json_quote (s);
}

/* RFC 3339 with nanoseconds, as Twitch's timestamps. */
std::string
now_stamp ()
{
  gint64 us = g_get_real_time ();
  time_t t = static_cast<time_t> (us / G_USEC_PER_SEC);
  struct tm tm;
  gmtime_r (&t, &tm);
  char buf[64];
  size_t n = strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, sizeof buf - n, ".%06lld000Z",
      static_cast<long long> (us % G_USEC_PER_SEC));
  return buf;
}

std::string
uuid ()
{
  gchar *u = g_uuid_string_random ();
  std::string s (u);
  g_free (u);
  return s;
}

/* Twitch's session ids look like "AQoQexAWVYKSTIu4ec_2VAxyuhAB". */
std::string
session_token ()
{
  guint8 raw[18];
  for (auto &b : raw)
    b = static_cast<guint8> (g_random_int_range (0, 256));
  gchar *b64 = g_base64_encode (raw, sizeof raw);
  std::string s (b64);
  g_free (b64);
  std::replace (s.begin (), s.end (), '+', '-');
  std::replace (s.begin (), s.end (), '/', '_');
  s.erase (std::remove (s.begin (), s.end (), '='), s.end ());
  return "AQoQ" + s;
}

std::string
param_of (const EventSubFake::Params &p, const char *name)
{
  for (const auto &kv : p)
    if (kv.first == name)
      return kv.second;
  return {};
}

/* Nesting depth of a JSON text, strings skipped: refuses what would make a
 * recursive parser deep before json-glib sees it. */
bool
depth_ok (const std::string &s, int max_depth)
{
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > max_depth)
        return false;
    } else if (c == '}' || c == ']')
      depth--;
  }
  return true;
}

/* A JSON object of at most @max_bytes and kMaxDepth levels, or nullptr and
 * @why. The caller owns the node. */
JsonNode *
parse_object (const std::string &text, size_t max_bytes, std::string &why)
{
  if (text.size () > max_bytes) {
    why = "The request body is larger than " + std::to_string (max_bytes / 1024)
          + " KiB";
    return nullptr;
  }
  if (!depth_ok (text, kMaxDepth)) {
    why = "The request body nests deeper than " + std::to_string (kMaxDepth)
          + " levels";
    return nullptr;
  }
  JsonParser *parser = json_parser_new ();
  GError *err = nullptr;
  JsonNode *out = nullptr;
  if (!json_parser_load_from_data (
          parser, text.data (), static_cast<gssize> (text.size ()), &err)) {
    why = std::string ("The request body is not valid JSON: ") + err->message;
    g_error_free (err);
  } else {
    JsonNode *root = json_parser_get_root (parser);
    if (root && JSON_NODE_HOLDS_OBJECT (root))
      out = json_node_copy (root);
    else
      why = "The request body is not a JSON object";
  }
  g_object_unref (parser);
  return out;
}

std::string
str_member (JsonObject *o, const char *name)
{
  if (!o)
    return {};
  JsonNode *n = json_object_get_member (o, name);
  if (n && JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return {};
}

JsonObject *
obj_member (JsonObject *o, const char *name)
{
  if (!o)
    return nullptr;
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : nullptr;
}

std::string
error_body (unsigned status, const std::string &message)
{
  const char *reason = soup_status_get_phrase (status);
  return "{\"error\":" + q (reason ? reason : "Error") + ",\"status\":"
         + std::to_string (status) + ",\"message\":" + q (message) + "}";
}

const char *
close_reason (unsigned short code)
{
  switch (code) {
    case 4000:
      return "Internal server error";
    case 4001:
      return "Client sent inbound traffic";
    case 4002:
      return "Client failed ping-pong";
    case 4003:
      return "Connection unused";
    case 4004:
      return "Reconnect grace time expired";
    case 4005:
      return "Network timeout";
    case 4006:
      return "Network error";
    case 4007:
      return "Invalid reconnect";
    default:
      return "";
  }
}

/* The status a session's subscriptions get when it ends this way. */
const char *
disabled_status (unsigned short code)
{
  switch (code) {
    case 4000:
      return "websocket_internal_error";
    case 4001:
      return "websocket_received_inbound_traffic";
    case 4002:
      return "websocket_failed_ping_pong";
    case 4003:
      return "websocket_connection_unused";
    case 4004:
      return "websocket_failed_to_reconnect";
    case 4005:
      return "websocket_network_timeout";
    case 4006:
      return "websocket_network_error";
    default:
      return "websocket_disconnected";
  }
}

/* A GSource that fires at the ready time its owner sets: one per
 * connection for the keepalive, moved on rather than recreated. */
gboolean
dispatch_ready (GSource *, GSourceFunc cb, gpointer data)
{
  return cb ? cb (data) : G_SOURCE_REMOVE;
}
GSourceFuncs ready_funcs
    = {nullptr, nullptr, dispatch_ready, nullptr, nullptr, nullptr};

/* Text of the blast's messages: Twitch-like chat with emoji and accents. */
const char *const kBlastTexts[] = {"hello chat",
    "that was a clean play, well done", "LUL what just happened",
    "GG everyone, see you tomorrow \xF0\x9F\x91\x8B",
    "is this the new patch? looks different",
    "caf\xC3\xA9 time \xE2\x98\x95 then back to the stream",
    "can you show the settings again please",
    "first time here, love the vibe \xE2\x9D\xA4\xEF\xB8\x8F",
    "Kappa Kappa Kappa", "how long have you been streaming today?",
    "that boss fight was insane, 10/10",
    "na\xC3\xAFve question but how does the timer work"};
/* The blast's replies all answer this message. */
const char *const kBlastParentId = "b34ccfc7-4977-403a-8a94-33c6bac34fb8";
const char *const kBlastParentText = "hello chat";
/* Named colours Twitch assigns, as #RRGGBB. */
const char *const kColors[] = {"#FF0000", "#0000FF", "#008000", "#B22222",
    "#FF7F50", "#9ACD32", "#FF4500", "#2E8B57", "#DAA520", "#D2691E", "#5F9EA0",
    "#1E90FF", "#FF69B4", "#8A2BE2", "#00FF7F"};

} // namespace

struct Conn;

struct Sub {
  std::string id, type, version, broadcaster_id, user_id, session_id;
  std::string created_at, connected_at, disconnected_at;
  std::string status = "enabled";
};

struct Session {
  std::string id;
  int keepalive_s = 10;
  std::string connected_at;
  Conn *conn = nullptr;     /* gets the session's messages */
  std::string reconnect_id; /* set while a session_reconnect is pending */
  GSource *unused = nullptr;
  GSource *grace = nullptr;
};

struct BlastTemplate {
  std::string text;
  size_t meta_id = 0, event_id = 0, stamp = 0;
};

struct Conn {
  EventSubFake::State *st = nullptr;
  SoupWebsocketConnection *ws = nullptr;
  GSocket *socket = nullptr;
  std::string session_id; /* empty: not (or no longer) a session's */
  gint64 last_send_us = 0;
  int keepalive_s = 10;
  GSource *keepalive = nullptr;
  gulong on_message = 0, on_closed = 0, on_pong = 0;
  gint64 last_pong_us = 0;
  GSource *ping_check = nullptr;
  /* Blast in progress. */
  uint64_t blast_left = 0;
  uint64_t blast_seq = 0;
  std::string blast_broadcaster;
  EventSubUser blast_user; /* looked up once per blast */
  std::vector<BlastTemplate> blast_tpl;
  std::string blast_tpl_sub;
  GSource *blast_src = nullptr;
};

struct ChatRecord {
  std::string broadcaster_id, chatter_id, chatter_login, chatter_name, text;
};

struct EventSubFake::State {
  HelixFakeOptions opt;
  Hooks hooks;
  SoupServer *server = nullptr;
  GMainContext *context = nullptr;
  int port = 0;
  std::mutex attach_lock; /* guards context (read by run_sync) */

  std::map<std::string, std::unique_ptr<Session>> sessions;
  std::map<Conn *, std::unique_ptr<Conn>> conns;
  std::vector<Sub> subs; /* in creation order */
  bool silenced = false;
  std::string drop_code, drop_message;
  std::vector<std::string> sent;
  std::map<std::string, ChatRecord> history;
  std::deque<std::string> history_order;
  uint64_t connections_ever = 0;
  uint64_t notifications = 0;

  explicit State (const HelixFakeOptions &o, Hooks h)
      : opt (o), hooks (std::move (h))
  {
  }

  /* Runs @fn on the fake's thread and waits for it. */
  void run_sync (const std::function<void ()> &fn)
  {
    GMainContext *ctx;
    {
      std::lock_guard<std::mutex> g (attach_lock);
      ctx = context ? g_main_context_ref (context) : nullptr;
    }
    if (ctx == nullptr || g_main_context_is_owner (ctx)) {
      fn ();
      if (ctx)
        g_main_context_unref (ctx);
      return;
    }
    struct Job {
      const std::function<void ()> *fn;
      std::mutex m;
      std::condition_variable cv;
      bool done = false;
    } job;
    job.fn = &fn;
    g_main_context_invoke (
        ctx,
        [] (gpointer d) -> gboolean {
          auto *j = static_cast<Job *> (d);
          (*j->fn) ();
          std::lock_guard<std::mutex> g (j->m);
          j->done = true;
          j->cv.notify_all ();
          return G_SOURCE_REMOVE;
        },
        &job);
    std::unique_lock<std::mutex> lk (job.m);
    job.cv.wait (lk, [&] { return job.done; });
    g_main_context_unref (ctx);
  }

  std::string url () const
  {
    return "ws://127.0.0.1:" + std::to_string (port) + "/ws";
  }

  /* ---- Sending ---------------------------------------------------------- */

  static bool open (Conn *c)
  {
    return c && c->ws
           && soup_websocket_connection_get_state (c->ws)
                  == SOUP_WEBSOCKET_STATE_OPEN;
  }

  void send (Conn *c, const std::string &text)
  {
    if (!open (c))
      return;
    soup_websocket_connection_send_text (c->ws, text.c_str ());
    c->last_send_us = g_get_monotonic_time ();
  }

  static std::string metadata (const char *type, const std::string &id = {},
      const std::string &stamp = {})
  {
    return "{\"message_id\":" + q (id.empty () ? uuid () : id)
           + ",\"message_type\":\"" + type + "\",\"message_timestamp\":"
           + q (stamp.empty () ? now_stamp () : stamp);
  }

  std::string session_json (const Session &s, const char *status,
      const std::string &reconnect_url) const
  {
    std::string ka = reconnect_url.empty () ? std::to_string (s.keepalive_s)
                                            : std::string ("null");
    return "{\"id\":" + q (s.id) + ",\"status\":\"" + status
           + "\",\"connected_at\":\"" + s.connected_at
           + "\",\"keepalive_timeout_seconds\":" + ka + ",\"reconnect_url\":"
           + (reconnect_url.empty () ? std::string ("null") : q (reconnect_url))
           + ",\"recovery_url\":null}";
  }

  void send_welcome (Conn *c, const Session &s)
  {
    send (c, "{\"metadata\":" + metadata ("session_welcome")
                 + "},\"payload\":{\"session\":"
                 + session_json (s, "connected", {}) + "}}");
  }

  std::string sub_json (const Sub &s, bool with_connected_at) const
  {
    std::string t
        = "{\"method\":\"websocket\",\"session_id\":" + q (s.session_id);
    if (with_connected_at)
      t += ",\"connected_at\":\"" + s.connected_at + "\"";
    if (!s.disconnected_at.empty () && with_connected_at)
      t += ",\"disconnected_at\":\"" + s.disconnected_at + "\"";
    t += "}";
    return "{\"id\":" + q (s.id) + ",\"status\":" + q (s.status)
           + ",\"type\":" + q (s.type) + ",\"version\":" + q (s.version)
           + ",\"condition\":{\"broadcaster_user_id\":" + q (s.broadcaster_id)
           + ",\"user_id\":" + q (s.user_id) + "},\"transport\":" + t
           + ",\"created_at\":\"" + s.created_at + "\",\"cost\":0}";
  }

  std::string notification (const Sub &s, const std::string &event_json,
      const std::string &message_id, const std::string &stamp = {}) const
  {
    return "{\"metadata\":" + metadata ("notification", message_id, stamp)
           + ",\"subscription_type\":" + q (s.type)
           + ",\"subscription_version\":" + q (s.version)
           + "},\"payload\":{\"subscription\":" + sub_json (s, false)
           + ",\"event\":" + event_json + "}}";
  }

  /* ---- Connections ------------------------------------------------------ */

  Session *session_of (Conn *c)
  {
    if (c->session_id.empty ())
      return nullptr;
    auto it = sessions.find (c->session_id);
    return it != sessions.end () && it->second->conn == c ? it->second.get ()
                                                          : nullptr;
  }

  static void destroy_source (GSource *&src)
  {
    if (src) {
      g_source_destroy (src);
      g_source_unref (src);
      src = nullptr;
    }
  }

  GSource *timeout (int ms, GSourceFunc fn, gpointer data)
  {
    GSource *src = g_timeout_source_new (static_cast<guint> (std::max (ms, 1)));
    g_source_set_callback (src, fn, data, nullptr);
    g_source_attach (src, context);
    return src;
  }

  /* Ends a session: its subscriptions are disabled with @status (Twitch
   * keeps them listed for a while), its timers stop. The connection is left
   * to its close. */
  void end_session (std::string id, const char *status)
  {
    auto it = sessions.find (id);
    if (it == sessions.end ())
      return;
    Session &s = *it->second;
    destroy_source (s.unused);
    destroy_source (s.grace);
    if (s.conn)
      s.conn->session_id.clear ();
    std::string now = now_stamp ();
    for (auto &sub : subs)
      if (sub.session_id == id && sub.status == "enabled") {
        sub.status = status;
        sub.disconnected_at = now;
      }
    sessions.erase (it);
    trim_disabled ();
  }

  void trim_disabled ()
  {
    size_t disabled = 0;
    for (const auto &s : subs)
      disabled += s.status != "enabled";
    for (auto it = subs.begin ();
         it != subs.end () && disabled > kMaxDisabledKept;) {
      if (it->status != "enabled") {
        it = subs.erase (it);
        disabled--;
      } else {
        ++it;
      }
    }
  }

  /* Closes @c with @code; its session (if any) ends at once. */
  void close_conn (Conn *c, unsigned short code)
  {
    if (!c->session_id.empty ())
      end_session (c->session_id, disabled_status (code));
    destroy_source (c->blast_src);
    c->blast_left = 0;
    if (c->ws
        && soup_websocket_connection_get_state (c->ws)
               == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (c->ws, code, close_reason (code));
  }

  void forget (Conn *c)
  {
    destroy_source (c->keepalive);
    destroy_source (c->ping_check);
    destroy_source (c->blast_src);
    if (!c->session_id.empty ()) {
      auto it = sessions.find (c->session_id);
      if (it != sessions.end () && it->second->conn == c)
        end_session (c->session_id, "websocket_disconnected");
    }
    if (c->ws) {
      g_signal_handler_disconnect (c->ws, c->on_message);
      g_signal_handler_disconnect (c->ws, c->on_closed);
      if (c->on_pong)
        g_signal_handler_disconnect (c->ws, c->on_pong);
      g_object_unref (c->ws);
      c->ws = nullptr;
    }
    g_clear_object (&c->socket);
    conns.erase (c);
  }

  static void on_ws_message (
      SoupWebsocketConnection *, gint, GBytes *, gpointer data)
  {
    /* Twitch closes a client that sends anything. */
    auto *c = static_cast<Conn *> (data);
    c->st->close_conn (c, 4001);
  }

  static void on_ws_closed (SoupWebsocketConnection *, gpointer data)
  {
    auto *c = static_cast<Conn *> (data);
    c->st->forget (c);
  }

  static void on_ws_pong (SoupWebsocketConnection *, GBytes *, gpointer data)
  {
    static_cast<Conn *> (data)->last_pong_us = g_get_monotonic_time ();
  }

  /* Twitch pings; a client that misses two pongs is closed with 4002. */
  static gboolean on_ping_check (gpointer data)
  {
    auto *c = static_cast<Conn *> (data);
    State *st = c->st;
    gint64 limit
        = 2 * static_cast<gint64> (st->opt.eventsub_ping_s) * G_USEC_PER_SEC;
    if (g_get_monotonic_time () - c->last_pong_us > limit) {
      g_source_unref (c->ping_check);
      c->ping_check = nullptr;
      st->close_conn (c, 4002);
      return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
  }

  static gboolean on_keepalive (gpointer data)
  {
    auto *c = static_cast<Conn *> (data);
    State *st = c->st;
    gint64 now = g_get_monotonic_time ();
    gint64 period = static_cast<gint64> (c->keepalive_s) * G_USEC_PER_SEC;
    if (now >= c->last_send_us + period) {
      if (st->silenced || c->session_id.empty ())
        c->last_send_us = now; /* still silent: look again a period later */
      else
        st->send (c, "{\"metadata\":" + metadata ("session_keepalive")
                         + "},\"payload\":{}}");
    }
    g_source_set_ready_time (c->keepalive, c->last_send_us + period);
    return G_SOURCE_CONTINUE;
  }

  void start_keepalive (Conn *c)
  {
    c->keepalive = g_source_new (&ready_funcs, sizeof (GSource));
    g_source_set_callback (c->keepalive, on_keepalive, c, nullptr);
    g_source_set_ready_time (c->keepalive,
        c->last_send_us
            + static_cast<gint64> (c->keepalive_s) * G_USEC_PER_SEC);
    g_source_attach (c->keepalive, context);
  }

  static gboolean on_unused (gpointer data)
  {
    auto *s = static_cast<Session *> (data);
    State *st = s->conn->st;
    g_source_unref (s->unused);
    s->unused = nullptr;
    bool used = false;
    for (const auto &sub : st->subs)
      used |= sub.session_id == s->id && sub.status == "enabled";
    if (!used)
      st->close_conn (s->conn, 4003);
    return G_SOURCE_REMOVE;
  }

  static gboolean on_grace (gpointer data)
  {
    auto *s = static_cast<Session *> (data);
    State *st = s->conn->st;
    g_source_unref (s->grace);
    s->grace = nullptr;
    if (!s->reconnect_id.empty ())
      st->close_conn (s->conn, 4004);
    return G_SOURCE_REMOVE;
  }

  /* A numeric keepalive_timeout_seconds is clamped as Twitch does (to
   * 10..600, here eventsub_keepalive_min_s..600 so that tests can scale
   * time down); anything else was refused by the early handler. */
  int keepalive_of (const Params &query) const
  {
    std::string v = param_of (query, "keepalive_timeout_seconds");
    if (v.empty ())
      return opt.eventsub_keepalive_s;
    gint64 n = g_ascii_strtoll (v.c_str (), nullptr, 10);
    return static_cast<int> (std::clamp<gint64> (
        n, std::max (1, opt.eventsub_keepalive_min_s), 600));
  }

  static Params query_of (SoupServerMessage *msg)
  {
    Params out;
    const char *raw = g_uri_get_query (soup_server_message_get_uri (msg));
    if (!raw)
      return out;
    gchar **parts = g_strsplit (raw, "&", 64);
    for (gchar **p = parts; *p; p++) {
      gchar *eq = strchr (*p, '=');
      std::string k = eq ? std::string (*p, eq - *p) : std::string (*p);
      gchar *v = g_uri_unescape_string (eq ? eq + 1 : "", nullptr);
      out.emplace_back (k, v ? v : "");
      g_free (v);
    }
    g_strfreev (parts);
    return out;
  }

  static bool numeric (const std::string &v)
  {
    if (v.empty () || v.size () > 18)
      return false;
    size_t i = v[0] == '-' ? 1 : 0;
    if (i == v.size ())
      return false;
    for (; i < v.size (); i++)
      if (!g_ascii_isdigit (v[i]))
        return false;
    return true;
  }

  static void on_early (SoupServer *, SoupServerMessage *msg, const char *,
      GHashTable *, gpointer)
  {
    std::string v = param_of (query_of (msg), "keepalive_timeout_seconds");
    if (!v.empty () && !numeric (v)) {
      std::string body = error_body (400,
          "keepalive_timeout_seconds must be a whole number between 10 and "
          "600");
      soup_server_message_set_status (msg, 400, nullptr);
      soup_server_message_set_response (msg, "application/json",
          SOUP_MEMORY_COPY, body.data (), body.size ());
    }
  }

  static void on_websocket (SoupServer *, SoupServerMessage *msg, const char *,
      SoupWebsocketConnection *ws, gpointer data)
  {
    static_cast<State *> (data)->accept (msg, ws);
  }

  void accept (SoupServerMessage *msg, SoupWebsocketConnection *ws)
  {
    auto owned = std::make_unique<Conn> ();
    Conn *c = owned.get ();
    conns[c] = std::move (owned);
    connections_ever++;
    c->st = this;
    c->ws = SOUP_WEBSOCKET_CONNECTION (g_object_ref (ws));
    GSocket *sock = soup_server_message_get_socket (msg);
    c->socket = sock ? G_SOCKET (g_object_ref (sock)) : nullptr;
    /* Each message goes out at once, as from Twitch's servers (Nagle's
     * wait for the peer's delayed ACK would pace a blast at ~25 batches/s). */
    if (sock)
      g_socket_set_option (sock, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
    /* Clients send nothing; a small frame limit bounds what they could. */
    soup_websocket_connection_set_max_incoming_payload_size (ws, 4096);
    c->on_message
        = g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), c);
    c->on_closed
        = g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), c);
    c->last_send_us = g_get_monotonic_time ();
    if (opt.eventsub_ping_s > 0) {
      c->last_pong_us = c->last_send_us;
      c->on_pong = g_signal_connect (ws, "pong", G_CALLBACK (on_ws_pong), c);
      soup_websocket_connection_set_keepalive_interval (
          ws, static_cast<guint> (opt.eventsub_ping_s));
      c->ping_check = timeout (opt.eventsub_ping_s * 1000, on_ping_check, c);
    }

    Params query = query_of (msg);
    std::string reconnect_id = param_of (query, "reconnect_id");
    if (!reconnect_id.empty () || param_of (query, "reconnect") == "1") {
      Session *s = nullptr;
      for (auto &kv : sessions)
        if (!reconnect_id.empty () && kv.second->reconnect_id == reconnect_id)
          s = kv.second.get ();
      if (s == nullptr) {
        close_conn (c, 4007);
        return;
      }
      /* The session moves to this connection with its subscriptions; the
       * old connection closes once the new one is welcomed. */
      Conn *old = s->conn;
      s->reconnect_id.clear ();
      destroy_source (s->grace);
      s->conn = c;
      s->connected_at = now_stamp ();
      c->session_id = s->id;
      c->keepalive_s = s->keepalive_s;
      for (auto &sub : subs)
        if (sub.session_id == s->id && sub.status == "enabled")
          sub.connected_at = s->connected_at;
      send_welcome (c, *s);
      start_keepalive (c);
      if (old) {
        old->session_id.clear ();
        destroy_source (old->blast_src);
        if (open (old))
          soup_websocket_connection_close (
              old->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
      }
      return;
    }

    auto session = std::make_unique<Session> ();
    Session *s = session.get ();
    s->id = session_token ();
    s->keepalive_s = keepalive_of (query);
    s->connected_at = now_stamp ();
    s->conn = c;
    sessions[s->id] = std::move (session);
    c->session_id = s->id;
    c->keepalive_s = s->keepalive_s;
    send_welcome (c, *s);
    start_keepalive (c);
    if (opt.eventsub_unused_close_s > 0)
      s->unused = timeout (opt.eventsub_unused_close_s * 1000, on_unused, s);
  }

  /* ---- Notifications ---------------------------------------------------- */

  void remember (const std::string &event_json)
  {
    std::string why;
    JsonNode *root = parse_object (event_json, kMaxEvent, why);
    if (!root)
      return;
    JsonObject *e = json_node_get_object (root);
    ChatRecord r;
    std::string id = str_member (e, "message_id");
    r.broadcaster_id = str_member (e, "broadcaster_user_id");
    r.chatter_id = str_member (e, "chatter_user_id");
    r.chatter_login = str_member (e, "chatter_user_login");
    r.chatter_name = str_member (e, "chatter_user_name");
    r.text = str_member (obj_member (e, "message"), "text");
    json_node_unref (root);
    if (id.empty ())
      return;
    if (!history.count (id))
      history_order.push_back (id);
    history[id] = r;
    while (history_order.size () > kHistory) {
      history.erase (history_order.front ());
      history_order.pop_front ();
    }
  }

  /* Sends @event_json (already checked) as a @type notification to every
   * session subscribed to it for @broadcaster_id. */
  void deliver (const std::string &type, const std::string &broadcaster_id,
      const std::string &event_json, const std::string &message_id,
      const std::string &stamp = {})
  {
    for (const auto &sub : subs) {
      if (sub.status != "enabled" || sub.type != type
          || sub.broadcaster_id != broadcaster_id)
        continue;
      auto it = sessions.find (sub.session_id);
      if (it == sessions.end () || !it->second->conn)
        continue;
      send (
          it->second->conn, notification (sub, event_json, message_id, stamp));
      notifications++;
    }
  }

  void notify (const std::string &type, const std::string &event_json,
      const std::string &message_id, const std::string &stamp)
  {
    std::string why;
    JsonNode *root = parse_object (event_json, kMaxEvent, why);
    if (!root) {
      g_warning ("eventsub_notify: the event is refused: %s", why.c_str ());
      return;
    }
    std::string b
        = str_member (json_node_get_object (root), "broadcaster_user_id");
    gchar *compact = json_to_string (root, FALSE);
    std::string ev (compact);
    g_free (compact);
    json_node_unref (root);
    if (b.empty ()) {
      g_warning ("eventsub_notify: the event has no broadcaster_user_id");
      return;
    }
    if (type == "channel.chat.message")
      remember (ev);
    deliver (type, b, ev, message_id, stamp);
  }

  /* A whole notification message of Twitch's (a fixture): its type, event,
   * message_id and timestamp, to the sessions subscribed. */
  void notify_message (const std::string &text)
  {
    std::string why;
    JsonNode *root = parse_object (text, kMaxEvent, why);
    if (!root) {
      g_warning ("eventsub_notify_fixture: refused: %s", why.c_str ());
      return;
    }
    JsonObject *o = json_node_get_object (root);
    JsonObject *meta = obj_member (o, "metadata");
    JsonObject *payload = obj_member (o, "payload");
    std::string type = str_member (meta, "subscription_type");
    std::string id = str_member (meta, "message_id");
    std::string stamp = str_member (meta, "message_timestamp");
    JsonNode *event
        = payload ? json_object_get_member (payload, "event") : nullptr;
    std::string ev;
    if (event && JSON_NODE_HOLDS_OBJECT (event)) {
      gchar *compact = json_to_string (event, FALSE);
      ev = compact;
      g_free (compact);
    }
    json_node_unref (root);
    if (type.empty () || ev.empty ()) {
      g_warning ("eventsub_notify_fixture: no metadata.subscription_type or "
                 "payload.event");
      return;
    }
    notify (type, ev, id, stamp);
  }

  /* A channel.chat.message event in Twitch's shape (text fragments only,
   * unless @fragments is given). */
  std::string chat_event (const EventSubUser &b, const EventSubUser &u,
      const std::string &message_id, const std::string &text,
      const std::string &fragments, const std::string &reply,
      const std::string &badges) const
  {
    std::string frags = fragments.empty ()
                            ? "[{\"type\":\"text\",\"text\":" + q (text)
                                  + ",\"cheermote\":null,\"emote\":null,"
                                    "\"mention\":null}]"
                            : fragments;
    return "{\"broadcaster_user_id\":" + q (b.id)
           + ",\"broadcaster_user_login\":" + q (b.login)
           + ",\"broadcaster_user_name\":" + q (b.name)
           + ",\"source_broadcaster_user_id\":null,"
             "\"source_broadcaster_user_login\":null,"
             "\"source_broadcaster_user_name\":null,\"chatter_user_id\":"
           + q (u.id) + ",\"chatter_user_login\":" + q (u.login)
           + ",\"chatter_user_name\":" + q (u.name)
           + ",\"message_id\":" + q (message_id)
           + ",\"source_message_id\":null,\"is_source_only\":null,"
             "\"message\":{\"text\":"
           + q (text) + ",\"fragments\":" + frags
           + "},\"color\":" + q (EventSubFake::color_of (u.id))
           + ",\"badges\":" + (badges.empty () ? std::string ("[]") : badges)
           + ",\"source_badges\":null,\"message_type\":\"text\","
             "\"cheer\":null,\"reply\":"
           + (reply.empty () ? std::string ("null") : reply)
           + ",\"channel_points_custom_reward_id\":null,"
             "\"channel_points_animation_id\":null}";
  }

  std::string reply_json (
      const ChatRecord &parent, const std::string &parent_id) const
  {
    return "{\"parent_message_id\":" + q (parent_id)
           + ",\"parent_message_body\":" + q (parent.text)
           + ",\"parent_user_id\":" + q (parent.chatter_id)
           + ",\"parent_user_name\":" + q (parent.chatter_name)
           + ",\"parent_user_login\":" + q (parent.chatter_login)
           + ",\"thread_message_id\":" + q (parent_id)
           + ",\"thread_user_id\":" + q (parent.chatter_id)
           + ",\"thread_user_name\":" + q (parent.chatter_name)
           + ",\"thread_user_login\":" + q (parent.chatter_login) + "}";
  }

  void chat_message (const std::string &broadcaster_login,
      const std::string &chatter_login, const std::string &text)
  {
    auto b = hooks.user_by_login (broadcaster_login);
    auto u = hooks.user_by_login (chatter_login);
    if (!b || !u) {
      g_warning ("eventsub_chat_message: no such user: %s",
          (!b ? broadcaster_login : chatter_login).c_str ());
      return;
    }
    std::string id = uuid ();
    std::string ev = chat_event (*b, *u, id, text, {}, {}, {});
    remember (ev);
    deliver ("channel.chat.message", b->id, ev, {});
  }

  /* ---- Scripted session events ------------------------------------------ */

  void reconnect ()
  {
    for (auto &kv : sessions) {
      Session &s = *kv.second;
      if (!s.reconnect_id.empty () || !s.conn)
        continue;
      s.reconnect_id = session_token ();
      std::string url = this->url () + "?reconnect_id=" + s.reconnect_id;
      send (s.conn, "{\"metadata\":" + metadata ("session_reconnect")
                        + "},\"payload\":{\"session\":"
                        + session_json (s, "reconnecting", url) + "}}");
      s.grace = timeout (opt.eventsub_reconnect_grace_s * 1000, on_grace, &s);
    }
  }

  std::vector<Conn *> all_conns () const
  {
    std::vector<Conn *> out;
    for (const auto &kv : conns)
      out.push_back (kv.first);
    return out;
  }

  void close_all (unsigned short code)
  {
    for (Conn *c : all_conns ())
      close_conn (c, code);
  }

  void drop_all ()
  {
    for (Conn *c : all_conns ()) {
      if (!c->session_id.empty ())
        end_session (c->session_id, "websocket_disconnected");
      destroy_source (c->blast_src);
      /* No close frame: the peer sees the TCP connection end. */
      if (c->socket)
        g_socket_shutdown (c->socket, TRUE, TRUE, nullptr);
    }
  }

  void revoke (const std::string &type, const std::string &status)
  {
    for (auto &sub : subs) {
      if (sub.status != "enabled" || (!type.empty () && sub.type != type))
        continue;
      sub.status = status;
      auto it = sessions.find (sub.session_id);
      if (it == sessions.end ())
        continue;
      send (it->second->conn,
          "{\"metadata\":" + metadata ("revocation") + ",\"subscription_type\":"
              + q (sub.type) + ",\"subscription_version\":" + q (sub.version)
              + "},\"payload\":{\"subscription\":" + sub_json (sub, false)
              + "}}");
    }
  }

  /* ---- Blast ------------------------------------------------------------ */

  GPollableOutputStream *output_of (Conn *c)
  {
    if (!open (c))
      return nullptr;
    GIOStream *io = soup_websocket_connection_get_io_stream (c->ws);
    GOutputStream *out = io ? g_io_stream_get_output_stream (io) : nullptr;
    if (out && G_IS_POLLABLE_OUTPUT_STREAM (out)
        && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (out)))
      return G_POLLABLE_OUTPUT_STREAM (out);
    return nullptr;
  }

  /* The blast repeats with this period (of its chatters, texts, emotes,
   * badges and replies): each message is made once, then copied with fresh
   * ids and time, so that the fake outruns the clients it measures. */
  static constexpr uint64_t kBlastPeriod = 3000;

  const std::string &blast_next (
      Conn *c, const Sub &sub, const std::string &stamp)
  {
    if (c->blast_tpl_sub != sub.id) {
      c->blast_tpl.clear ();
      c->blast_tpl_sub = sub.id;
    }
    uint64_t i = c->blast_seq++;
    size_t k = static_cast<size_t> (i % kBlastPeriod);
    if (k >= c->blast_tpl.size ()) {
      BlastTemplate t;
      std::string ev_id = uuid ();
      t.text = blast_message (c, sub, i, ev_id);
      t.stamp = t.text.find ("\"message_timestamp\":\"") + 21;
      t.meta_id = t.text.find ("\"message_id\":\"") + 14;
      t.event_id = t.text.find ("\"message_id\":\"" + ev_id) + 14;
      c->blast_tpl.push_back (std::move (t));
    }
    BlastTemplate &t = c->blast_tpl[k];
    /* Unique ids: the cycle number over the first 8 hex digits of each
     * template's own random UUIDs. */
    char hex[9];
    snprintf (
        hex, sizeof hex, "%08x", static_cast<unsigned> (i / kBlastPeriod));
    t.text.replace (t.meta_id, 8, hex, 8);
    t.text.replace (t.event_id, 8, hex, 8);
    if (stamp.size () == 30)
      t.text.replace (t.stamp, 30, stamp);
    return t.text;
  }

  std::string blast_message (
      Conn *c, const Sub &sub, uint64_t i, const std::string &message_id)
  {
    EventSubFake::BlastItem it = EventSubFake::blast_item (i);
    const EventSubUser &bu = c->blast_user;
    EventSubUser u{it.user_id, it.login, it.name};
    std::string frags, badges, reply;
    if (it.emote)
      frags = "[{\"type\":\"text\",\"text\":"
              + q (it.text.substr (0, it.text.size () - 5))
              + ",\"cheermote\":null,\"emote\":null,\"mention\":null},"
                "{\"type\":\"emote\",\"text\":\"Kappa\",\"cheermote\":null,"
                "\"emote\":{\"id\":\"25\",\"emote_set_id\":\"0\","
                "\"owner_id\":\"0\",\"format\":[\"static\"]},"
                "\"mention\":null}]";
    if (it.subscriber)
      badges = "[{\"set_id\":\"subscriber\",\"id\":\"12\",\"info\":\"14\"},"
               "{\"set_id\":\"premium\",\"id\":\"1\",\"info\":\"\"}]";
    if (it.reply) {
      ChatRecord parent{
          bu.id, "500000001", "chatter0001", "Chatter0001", kBlastParentText};
      reply = reply_json (parent, kBlastParentId);
    }
    return notification (
        sub, chat_event (bu, u, message_id, it.text, frags, reply, badges), {});
  }

  static gboolean on_blast (gpointer data)
  {
    auto *c = static_cast<Conn *> (data);
    return c->st->pump (c);
  }

  static gboolean on_blast_writable (GObject *, gpointer data)
  {
    return on_blast (data);
  }

  const Sub *chat_sub_of (Conn *c) const
  {
    for (const auto &sub : subs)
      if (sub.status == "enabled" && sub.session_id == c->session_id
          && sub.type == "channel.chat.message"
          && sub.broadcaster_id == c->blast_broadcaster)
        return &sub;
    return nullptr;
  }

  /* Sends while the socket takes it, then waits for it to be writable:
   * libsoup queues what the socket refuses, so that queue stays one batch
   * long instead of growing with the blast. */
  gboolean pump (Conn *c)
  {
    const Sub *sub = chat_sub_of (c);
    GPollableOutputStream *out = output_of (c);
    if (!sub || !out) {
      c->blast_left = 0;
      g_source_unref (c->blast_src);
      c->blast_src = nullptr;
      return G_SOURCE_REMOVE;
    }
    std::string stamp = now_stamp ();
    for (int k = 0; k < 64 && c->blast_left > 0; k++) {
      send (c, blast_next (c, *sub, stamp));
      notifications++;
      c->blast_left--;
    }
    g_source_unref (c->blast_src);
    c->blast_src = nullptr;
    if (c->blast_left > 0)
      schedule_pump (c);
    return G_SOURCE_REMOVE;
  }

  void schedule_pump (Conn *c)
  {
    GPollableOutputStream *out = output_of (c);
    if (!out)
      return;
    if (g_pollable_output_stream_is_writable (out)) {
      c->blast_src = g_idle_source_new ();
      g_source_set_callback (c->blast_src, on_blast, c, nullptr);
    } else {
      c->blast_src = g_pollable_output_stream_create_source (out, nullptr);
      g_source_set_callback (c->blast_src,
          reinterpret_cast<GSourceFunc> (on_blast_writable), c, nullptr);
    }
    g_source_attach (c->blast_src, context);
  }

  void blast_session (
      const Session &s, const std::string &broadcaster_id, uint64_t count)
  {
    Conn *c = s.conn;
    if (!c || count == 0)
      return;
    c->blast_broadcaster = broadcaster_id;
    auto b = hooks.user_by_id (broadcaster_id);
    c->blast_user = b ? *b : EventSubUser{broadcaster_id, "", ""};
    c->blast_left += count;
    if (!c->blast_src)
      schedule_pump (c);
  }

  void blast (const std::string &broadcaster_login, uint64_t count)
  {
    auto b = hooks.user_by_login (broadcaster_login);
    if (!b) {
      g_warning (
          "eventsub_blast: no such user: %s", broadcaster_login.c_str ());
      return;
    }
    for (const auto &sub : subs) {
      if (sub.status != "enabled" || sub.type != "channel.chat.message"
          || sub.broadcaster_id != b->id)
        continue;
      auto it = sessions.find (sub.session_id);
      if (it != sessions.end ())
        blast_session (*it->second, b->id, count);
    }
  }

  /* ---- Helix ------------------------------------------------------------ */

  static bool has (const std::vector<std::string> &scopes, const char *s)
  {
    return std::find (scopes.begin (), scopes.end (), s) != scopes.end ();
  }

  static EventSubFake::Answer answer (unsigned status, std::string body)
  {
    EventSubFake::Answer a;
    a.status = status;
    a.body = std::move (body);
    return a;
  }

  static EventSubFake::Answer fail (unsigned status, const std::string &m)
  {
    return answer (status, error_body (status, m));
  }

  size_t enabled_of_user (const std::string &user_id) const
  {
    size_t n = 0;
    for (const auto &s : subs)
      n += s.status == "enabled" && s.user_id == user_id;
    return n;
  }

  std::string totals (const std::string &user_id) const
  {
    return ",\"total\":" + std::to_string (enabled_of_user (user_id))
           + ",\"total_cost\":0,\"max_total_cost\":10";
  }

  EventSubFake::Answer create (const std::string &body,
      const std::string &user_id, const std::vector<std::string> &scopes)
  {
    if (user_id.empty ())
      return fail (401, "The websocket transport requires a user access "
                        "token (this is an app access token)");
    std::string why;
    JsonNode *root = parse_object (body, kMaxBody, why);
    if (!root)
      return fail (400, why);
    JsonObject *o = json_node_get_object (root);
    std::string type = str_member (o, "type");
    std::string version = str_member (o, "version");
    JsonObject *cond = obj_member (o, "condition");
    JsonObject *transport = obj_member (o, "transport");
    std::string broadcaster = str_member (cond, "broadcaster_user_id");
    std::string cond_user = str_member (cond, "user_id");
    std::string method = str_member (transport, "method");
    std::string session_id = str_member (transport, "session_id");
    json_node_unref (root);

    if (type.empty ())
      return fail (400, "Missing required parameter \"type\"");
    if (version.empty ())
      return fail (400, "Missing required parameter \"version\"");
    if (!cond)
      return fail (400, "Missing required parameter \"condition\"");
    if (!transport || method.empty ())
      return fail (400, "Missing required parameter \"transport.method\"");
    if (method != "websocket")
      return fail (400, "The fake serves only the websocket transport "
                        "(method \""
                            + method + "\")");
    bool known = std::find_if (std::begin (kChatTypes), std::end (kChatTypes),
                     [&] (const char *t) { return type == t; })
                 != std::end (kChatTypes);
    if (!known || version != "1")
      return fail (400, "The combination of values in the type and version "
                        "fields is not valid");
    auto sit = sessions.find (session_id);
    if (session_id.empty () || sit == sessions.end () || !sit->second->conn
        || !open (sit->second->conn))
      return fail (400, "websocket transport session does not exist or has "
                        "already disconnected");
    if (broadcaster.empty () || cond_user.empty ())
      return fail (400, "The condition needs broadcaster_user_id and user_id");
    if (cond_user != user_id || !has (scopes, "user:read:chat"))
      return fail (403, "subscription missing proper authorization");
    if (!hooks.user_by_id (broadcaster))
      return fail (400, "The broadcaster_user_id in the condition is not a "
                        "user");
    size_t in_session = 0;
    std::vector<std::string> user_sessions;
    for (const auto &s : subs) {
      if (s.status != "enabled")
        continue;
      if (s.type == type && s.version == version
          && s.broadcaster_id == broadcaster && s.user_id == cond_user
          && s.session_id == session_id)
        return fail (409, "subscription already exists");
      in_session += s.session_id == session_id;
      if (s.user_id == user_id
          && std::find (
                 user_sessions.begin (), user_sessions.end (), s.session_id)
                 == user_sessions.end ())
        user_sessions.push_back (s.session_id);
    }
    if (in_session >= kMaxSubsPerSession)
      return fail (429, "number of subscriptions for this websocket "
                        "transport exceeded (300)");
    if (std::find (user_sessions.begin (), user_sessions.end (), session_id)
            == user_sessions.end ()
        && user_sessions.size () >= kMaxSessionsPerUser)
      return fail (429, "websocket transports limit exceeded (3 per user)");

    Sub sub;
    sub.id = uuid ();
    sub.type = type;
    sub.version = version;
    sub.broadcaster_id = broadcaster;
    sub.user_id = cond_user;
    sub.session_id = session_id;
    sub.created_at = now_stamp ();
    sub.connected_at = sit->second->connected_at;
    subs.push_back (sub);

    /* Standalone benchmark: blast the first chat subscription of the
     * configured channel. */
    if (opt.eventsub_blast > 0 && type == "channel.chat.message") {
      auto b = hooks.user_by_login (opt.eventsub_blast_login);
      if (b && b->id == broadcaster)
        blast_session (*sit->second, broadcaster, opt.eventsub_blast);
    }
    return answer (202,
        "{\"data\":[" + sub_json (sub, true) + "]" + totals (user_id) + "}");
  }

  EventSubFake::Answer list (const Params &query, const std::string &user_id)
  {
    if (user_id.empty ())
      return fail (401, "The websocket transport requires a user access "
                        "token (this is an app access token)");
    std::string status = param_of (query, "status");
    std::string type = param_of (query, "type");
    std::string uid = param_of (query, "user_id");
    std::string id = param_of (query, "subscription_id");
    int filters = !status.empty () + !type.empty () + !uid.empty ();
    if (filters > 1)
      return fail (400, "Use only one of status, type and user_id");
    std::string body = "{\"data\":[";
    bool first = true;
    for (const auto &s : subs) {
      if (s.user_id != user_id || (!status.empty () && s.status != status)
          || (!type.empty () && s.type != type)
          || (!uid.empty () && s.user_id != uid && s.broadcaster_id != uid)
          || (!id.empty () && s.id != id))
        continue;
      if (!first)
        body += ',';
      first = false;
      body += sub_json (s, true);
    }
    body += "]" + totals (user_id) + ",\"pagination\":{}}";
    return answer (200, body);
  }

  EventSubFake::Answer remove (const Params &query, const std::string &user_id)
  {
    std::string id = param_of (query, "id");
    if (id.empty ())
      return fail (400, "Missing required parameter \"id\"");
    auto it = std::find_if (subs.begin (), subs.end (),
        [&] (const Sub &s) { return s.id == id && s.user_id == user_id; });
    if (it == subs.end ())
      return fail (404, "subscription not found");
    subs.erase (it);
    return answer (204, {});
  }

  EventSubFake::Answer send_chat (const std::string &body,
      const std::string &user_id, const std::vector<std::string> &scopes)
  {
    if (user_id.empty () || !has (scopes, "user:write:chat"))
      return fail (403, "Missing scope: user:write:chat (a user access "
                        "token of the sender is needed)");
    std::string why;
    JsonNode *root = parse_object (body, kMaxBody, why);
    if (!root)
      return fail (400, why);
    JsonObject *o = json_node_get_object (root);
    std::string broadcaster = str_member (o, "broadcaster_id");
    std::string sender = str_member (o, "sender_id");
    std::string message = str_member (o, "message");
    std::string parent_id = str_member (o, "reply_parent_message_id");
    json_node_unref (root);
    if (broadcaster.empty ())
      return fail (400, "Missing required parameter \"broadcaster_id\"");
    if (sender.empty ())
      return fail (400, "Missing required parameter \"sender_id\"");
    if (message.empty ())
      return fail (400, "Missing required parameter \"message\"");
    if (sender != user_id)
      return fail (403, "The sender_id must match the user ID in the access "
                        "token");
    if (!g_utf8_validate (
            message.data (), static_cast<gssize> (message.size ()), nullptr))
      return fail (400, "The message is not valid UTF-8");
    if (g_utf8_strlen (message.data (), static_cast<gssize> (message.size ()))
        > kMaxChatChars)
      return fail (400, "The message may be at most 500 characters");
    auto b = hooks.user_by_id (broadcaster);
    auto u = hooks.user_by_id (sender);
    if (!b || !u)
      return fail (400, "The broadcaster_id is not a user");
    std::string reply;
    if (!parent_id.empty ()) {
      auto it = history.find (parent_id);
      if (it == history.end () || it->second.broadcaster_id != broadcaster)
        return fail (400, "The reply_parent_message_id is not a message of "
                          "this channel");
      reply = reply_json (it->second, parent_id);
    }
    if (!drop_code.empty ()) {
      std::string code = drop_code, text = drop_message;
      drop_code.clear ();
      drop_message.clear ();
      return answer (200, "{\"data\":[{\"message_id\":\"\",\"is_sent\":false,"
                          "\"drop_reason\":{\"code\":"
                              + q (code) + ",\"message\":" + q (text) + "}}]}");
    }
    std::string id = uuid ();
    sent.push_back (message);
    std::string ev = chat_event (*b, *u, id, message, {}, reply, {});
    remember (ev);
    deliver ("channel.chat.message", b->id, ev, {});
    return answer (200, "{\"data\":[{\"message_id\":" + q (id)
                            + ",\"is_sent\":true,\"drop_reason\":null}]}");
  }
};

EventSubFake::EventSubFake (const HelixFakeOptions &opt, Hooks hooks)
    : s_ (std::make_unique<State> (opt, std::move (hooks)))
{
}

EventSubFake::~EventSubFake () = default;

void
EventSubFake::attach (SoupServer *server, GMainContext *context, int port)
{
  State &st = *s_;
  st.server = server;
  st.port = port;
  {
    std::lock_guard<std::mutex> g (st.attach_lock);
    st.context = context;
  }
  /* Uncompressed frames, as Twitch's (and the same work for every client
   * in the benchmark). */
  soup_server_remove_websocket_extension (
      server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_early_handler (server, "/ws", State::on_early, &st, nullptr);
  soup_server_add_websocket_handler (
      server, "/ws", nullptr, nullptr, State::on_websocket, &st, nullptr);
}

void
EventSubFake::detach ()
{
  State &st = *s_;
  if (!st.server)
    return;
  for (Conn *c : st.all_conns ()) {
    if (State::open (c))
      soup_websocket_connection_close (
          c->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
    st.forget (c);
  }
  for (auto &kv : st.sessions) {
    State::destroy_source (kv.second->unused);
    State::destroy_source (kv.second->grace);
  }
  st.sessions.clear ();
  soup_server_remove_handler (st.server, "/ws");
  st.server = nullptr;
  std::lock_guard<std::mutex> g (st.attach_lock);
  st.context = nullptr;
}

std::string
EventSubFake::color_of (const std::string &user_id)
{
  guint h = g_str_hash (user_id.c_str ());
  return kColors[h % G_N_ELEMENTS (kColors)];
}

EventSubFake::BlastItem
EventSubFake::blast_item (uint64_t i)
{
  BlastItem it;
  int64_t n = static_cast<int64_t> (i % 250);
  char buf[32];
  snprintf (buf, sizeof buf, "chatter%04lld", static_cast<long long> (n));
  it.login = buf;
  snprintf (buf, sizeof buf, "Chatter%04lld", static_cast<long long> (n));
  it.name = buf;
  it.user_id = std::to_string (500000000 + n);
  it.color = color_of (it.user_id);
  it.text = kBlastTexts[i % G_N_ELEMENTS (kBlastTexts)];
  /* One in ten ends with an emote, one in four has badges, one in eight
   * is a reply. */
  it.emote = i % 10 == 3;
  if (it.emote) {
    it.emote_start = g_utf8_strlen (it.text.c_str (), -1) + 1;
    it.text += " Kappa";
  }
  it.subscriber = i % 4 == 0;
  it.reply = i % 8 == 7;
  return it;
}

/* The IRC tags escape spaces, semicolons, backslashes and line ends. */
static std::string
irc_tag (const std::string &v)
{
  std::string out;
  for (char c : v) {
    switch (c) {
      case ' ':
        out += "\\s";
        break;
      case ';':
        out += "\\:";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string
EventSubFake::blast_irc_line (uint64_t i, const EventSubUser &broadcaster,
    const std::string &message_id, int64_t sent_ms)
{
  BlastItem it = blast_item (i);
  std::string tags = "@badge-info=";
  tags += it.subscriber ? "subscriber/14" : "";
  tags += ";badges=";
  tags += it.subscriber ? "subscriber/12,premium/1" : "";
  tags += ";color=" + it.color + ";display-name=" + it.name + ";emotes=";
  if (it.emote)
    tags += "25:" + std::to_string (it.emote_start) + "-"
            + std::to_string (it.emote_start + 4);
  tags += ";first-msg=0;id=" + message_id + ";mod=0";
  if (it.reply)
    tags += ";reply-parent-display-name=Chatter0001;reply-parent-msg-body="
            + irc_tag (kBlastParentText)
            + ";reply-parent-msg-id=" + kBlastParentId
            + ";reply-parent-user-id=500000001;reply-parent-user-login="
              "chatter0001;reply-thread-parent-display-name=Chatter0001;"
              "reply-thread-parent-msg-id="
            + kBlastParentId
            + ";reply-thread-parent-user-id=500000001;"
              "reply-thread-parent-user-login=chatter0001";
  tags += ";returning-chatter=0;room-id=" + broadcaster.id
          + ";subscriber=" + (it.subscriber ? "1" : "0")
          + ";tmi-sent-ts=" + std::to_string (sent_ms)
          + ";turbo=0;user-id=" + it.user_id + ";user-type=";
  return tags + " :" + it.login + "!" + it.login + "@" + it.login
         + ".tmi.twitch.tv PRIVMSG #" + broadcaster.login + " :" + it.text;
}

bool
EventSubFake::is_eventsub_path (const std::string &path)
{
  return path == "/helix/eventsub/subscriptions"
         || path == "/helix/chat/messages";
}

EventSubFake::Answer
EventSubFake::helix (const std::string &method, const std::string &path,
    const Params &query, const std::string &body, const std::string &user_id,
    const std::vector<std::string> &scopes)
{
  State &st = *s_;
  if (path == "/helix/chat/messages") {
    if (method != "POST")
      return State::fail (405, "Send Chat Message is a POST");
    return st.send_chat (body, user_id, scopes);
  }
  if (method == "POST")
    return st.create (body, user_id, scopes);
  if (method == "GET")
    return st.list (query, user_id);
  if (method == "DELETE")
    return st.remove (query, user_id);
  return State::fail (405, "Use GET, POST or DELETE");
}

std::string
EventSubFake::url () const
{
  return s_->url ();
}

void
EventSubFake::notify (const std::string &type, const std::string &event_json,
    const std::string &message_id)
{
  s_->run_sync ([&] { s_->notify (type, event_json, message_id, {}); });
}

void
EventSubFake::notify_message (const std::string &message_json)
{
  s_->run_sync ([&] { s_->notify_message (message_json); });
}

void
EventSubFake::chat_message (const std::string &broadcaster_login,
    const std::string &chatter_login, const std::string &text)
{
  s_->run_sync (
      [&] { s_->chat_message (broadcaster_login, chatter_login, text); });
}

void
EventSubFake::reconnect ()
{
  s_->run_sync ([&] { s_->reconnect (); });
}

void
EventSubFake::close_all (unsigned short code)
{
  s_->run_sync ([&] { s_->close_all (code); });
}

void
EventSubFake::drop_all ()
{
  s_->run_sync ([&] { s_->drop_all (); });
}

void
EventSubFake::silence (bool on)
{
  s_->run_sync ([&] { s_->silenced = on; });
}

void
EventSubFake::set_drop_reason (
    const std::string &code, const std::string &message)
{
  s_->run_sync ([&] {
    s_->drop_code = code;
    s_->drop_message = message;
  });
}

void
EventSubFake::blast (const std::string &broadcaster_login, uint64_t count)
{
  s_->run_sync ([&] { s_->blast (broadcaster_login, count); });
}

void
EventSubFake::revoke (const std::string &type, const std::string &status)
{
  s_->run_sync ([&] { s_->revoke (type, status); });
}

size_t
EventSubFake::sessions () const
{
  size_t n = 0;
  s_->run_sync ([&] { n = s_->sessions.size (); });
  return n;
}

uint64_t
EventSubFake::connections () const
{
  uint64_t n = 0;
  s_->run_sync ([&] { n = s_->connections_ever; });
  return n;
}

size_t
EventSubFake::subscriptions () const
{
  size_t n = 0;
  s_->run_sync ([&] {
    for (const auto &sub : s_->subs)
      n += sub.status == "enabled";
  });
  return n;
}

std::vector<std::string>
EventSubFake::subscription_types (const std::string &session_id) const
{
  std::vector<std::string> out;
  s_->run_sync ([&] {
    for (const auto &sub : s_->subs)
      if (sub.status == "enabled"
          && (session_id.empty () || sub.session_id == session_id))
        out.push_back (sub.type);
  });
  return out;
}

std::vector<std::string>
EventSubFake::session_ids () const
{
  std::vector<std::string> out;
  s_->run_sync ([&] {
    for (const auto &kv : s_->sessions)
      out.push_back (kv.first);
  });
  return out;
}

std::vector<std::string>
EventSubFake::sent_chat_messages () const
{
  std::vector<std::string> out;
  s_->run_sync ([&] { out = s_->sent; });
  return out;
}

uint64_t
EventSubFake::notifications_sent () const
{
  uint64_t n = 0;
  s_->run_sync ([&] { n = s_->notifications; });
  return n;
}

} // namespace twitch_test
