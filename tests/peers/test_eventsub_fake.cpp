/* The EventSub stand-in of the Helix fake (tests/peers/helix-fake), tested
 * through libsoup's WebSocket client and plain Helix requests: what the
 * chat client's EventSub tests rely on must be Twitch's behaviour, or those
 * tests prove nothing. Timing is scaled down through the URL's
 * keepalive_timeout_seconds and the fake's options; nothing here asserts a
 * duration. */
#include "eventsub_fake.h"
#include "helix_fake.h"

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <set>
#include <memory>
#include <string>
#include <vector>

namespace
{

using twitch_test::HelixFake;
using twitch_test::HelixFakeOptions;

const char *const kMainId = "141981764";

/* A parsed JSON document (owned) with path lookups: "payload.session.id". */
class Json
{
 public:
  explicit Json (const std::string &text)
  {
    JsonParser *p = json_parser_new ();
    if (json_parser_load_from_data (p, text.c_str (), -1, nullptr))
      root_ = json_node_copy (json_parser_get_root (p));
    g_object_unref (p);
  }
  ~Json ()
  {
    if (root_)
      json_node_unref (root_);
  }
  Json (const Json &) = delete;
  Json &operator= (const Json &) = delete;

  bool ok () const { return root_ != nullptr; }
  JsonNode *node (const std::string &path) const
  {
    JsonNode *n = root_;
    gchar **parts = g_strsplit (path.c_str (), ".", -1);
    for (gchar **p = parts; *p && n; p++) {
      if (JSON_NODE_HOLDS_OBJECT (n)) {
        JsonObject *o = json_node_get_object (n);
        n = json_object_has_member (o, *p) ? json_object_get_member (o, *p)
                                           : nullptr;
      } else if (JSON_NODE_HOLDS_ARRAY (n)) {
        JsonArray *a = json_node_get_array (n);
        guint i = static_cast<guint> (g_ascii_strtoull (*p, nullptr, 10));
        n = i < json_array_get_length (a) ? json_array_get_element (a, i)
                                          : nullptr;
      } else {
        n = nullptr;
      }
    }
    g_strfreev (parts);
    return n;
  }
  bool has (const std::string &path) const { return node (path) != nullptr; }
  bool is_null (const std::string &path) const
  {
    JsonNode *n = node (path);
    return n && JSON_NODE_HOLDS_NULL (n);
  }
  std::string str (const std::string &path) const
  {
    JsonNode *n = node (path);
    if (n && JSON_NODE_HOLDS_VALUE (n)
        && json_node_get_value_type (n) == G_TYPE_STRING)
      return json_node_get_string (n);
    return "<not a string: " + path + ">";
  }
  int64_t num (const std::string &path) const
  {
    JsonNode *n = node (path);
    if (n && JSON_NODE_HOLDS_VALUE (n)
        && json_node_get_value_type (n) == G_TYPE_INT64)
      return json_node_get_int (n);
    return -999999;
  }
  size_t len (const std::string &path) const
  {
    JsonNode *n = node (path);
    return n && JSON_NODE_HOLDS_ARRAY (n)
               ? json_array_get_length (json_node_get_array (n))
               : 0;
  }
  /* Member names of an object, for shape checks. */
  std::vector<std::string> keys (const std::string &path) const
  {
    std::vector<std::string> out;
    JsonNode *n = path.empty () ? root_ : node (path);
    if (n && JSON_NODE_HOLDS_OBJECT (n)) {
      GList *members = json_object_get_members (json_node_get_object (n));
      for (GList *l = members; l; l = l->next)
        out.emplace_back (static_cast<const char *> (l->data));
      g_list_free (members);
    }
    std::sort (out.begin (), out.end ());
    return out;
  }
  std::string compact (const std::string &path) const
  {
    JsonNode *n = path.empty () ? root_ : node (path);
    if (!n)
      return {};
    gchar *s = json_to_string (n, FALSE);
    std::string out (s);
    g_free (s);
    return out;
  }

 private:
  JsonNode *root_ = nullptr;
};

std::vector<std::string>
sorted (std::vector<std::string> v)
{
  std::sort (v.begin (), v.end ());
  return v;
}

/* A message_timestamp as Twitch's: RFC 3339 UTC with nanoseconds. */
bool
twitch_stamp (const std::string &s)
{
  return g_regex_match_simple (
      "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z$", s.c_str (),
      (GRegexCompileFlags)0, (GRegexMatchFlags)0);
}

/* The test thread's own main context drives the WebSocket clients and waits
 * (bounded by a generous deadline that only turns a hang into a failure). */
class Loop
{
 public:
  Loop ()
  {
    ctx_ = g_main_context_new ();
    g_main_context_push_thread_default (ctx_);
    session_ = soup_session_new ();
  }
  ~Loop ()
  {
    g_object_unref (session_);
    while (g_main_context_iteration (ctx_, FALSE))
      ;
    g_main_context_pop_thread_default (ctx_);
    g_main_context_unref (ctx_);
  }
  Loop (const Loop &) = delete;
  Loop &operator= (const Loop &) = delete;

  /* Iterates until @done or @seconds pass; returns done (). */
  bool until (const std::function<bool ()> &done, int seconds = 20)
  {
    gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
    while (!done ()) {
      if (g_get_monotonic_time () > end)
        return false;
      GSource *tick = g_timeout_source_new (50);
      g_source_set_callback (
          tick, [] (gpointer) { return G_SOURCE_REMOVE; }, nullptr, nullptr);
      g_source_attach (tick, ctx_);
      g_main_context_iteration (ctx_, TRUE);
      g_source_destroy (tick);
      g_source_unref (tick);
    }
    return true;
  }
  /* Runs the loop for @ms whatever happens (for "nothing arrives"). */
  void idle (int ms)
  {
    gint64 end = g_get_monotonic_time () + ms * 1000;
    until ([&] { return g_get_monotonic_time () >= end; }, ms / 1000 + 5);
  }

  SoupSession *session () const { return session_; }

  /* A Helix request; the answer's status and body. */
  struct Http {
    unsigned status = 0;
    std::string body;
    std::string remaining; /* Ratelimit-Remaining */
  };
  Http http (const std::string &method, const std::string &url,
      const std::string &token, const std::string &client_id,
      const std::string &body = {})
  {
    SoupMessage *msg = soup_message_new (method.c_str (), url.c_str ());
    SoupMessageHeaders *h = soup_message_get_request_headers (msg);
    if (!token.empty ())
      soup_message_headers_replace (
          h, "Authorization", ("Bearer " + token).c_str ());
    soup_message_headers_replace (h, "Client-Id", client_id.c_str ());
    if (!body.empty ()) {
      GBytes *b = g_bytes_new (body.data (), body.size ());
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
      g_bytes_unref (b);
    }
    Http out;
    GError *err = nullptr;
    GBytes *answer = soup_session_send_and_read (session_, msg, nullptr, &err);
    if (answer) {
      gsize n = 0;
      const char *d = static_cast<const char *> (g_bytes_get_data (answer, &n));
      out.body.assign (d ? d : "", n);
      g_bytes_unref (answer);
    } else {
      out.body = err ? err->message : "";
      g_clear_error (&err);
    }
    out.status = soup_message_get_status (msg);
    const char *rem = soup_message_headers_get_one (
        soup_message_get_response_headers (msg), "Ratelimit-Remaining");
    out.remaining = rem ? rem : "";
    g_object_unref (msg);
    return out;
  }

 private:
  GMainContext *ctx_ = nullptr;
  SoupSession *session_ = nullptr;
};

/* One EventSub WebSocket client: every text message kept in order. */
class Client
{
 public:
  Client (Loop &loop, const std::string &url) : loop_ (loop)
  {
    SoupMessage *msg = soup_message_new ("GET", url.c_str ());
    soup_session_websocket_connect_async (loop.session (), msg, nullptr,
        nullptr, G_PRIORITY_DEFAULT, nullptr, on_connected, this);
    g_object_unref (msg);
    loop.until ([this] { return connect_done_; });
  }
  ~Client ()
  {
    if (ws_) {
      g_signal_handlers_disconnect_by_data (ws_, this);
      if (soup_websocket_connection_get_state (ws_)
          == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (
            ws_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
      g_object_unref (ws_);
    }
  }
  Client (const Client &) = delete;
  Client &operator= (const Client &) = delete;

  bool connected () const { return ws_ != nullptr; }
  const std::string &connect_error () const { return error_; }
  bool closed () const { return closed_; }
  unsigned short close_code () const { return close_code_; }
  std::string close_reason () const { return close_reason_; }

  /* The next message (waits); empty if none came in time. */
  std::string next (int seconds = 20)
  {
    loop_.until ([this] { return !inbox_.empty () || closed_; }, seconds);
    if (inbox_.empty ())
      return {};
    std::string m = inbox_.front ();
    inbox_.pop_front ();
    return m;
  }
  /* The next message of @type, skipping keepalives. */
  std::string next_of (const std::string &type, int seconds = 20)
  {
    gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
    while (g_get_monotonic_time () < end) {
      std::string m = next (seconds);
      if (m.empty ())
        return {};
      Json j (m);
      if (j.str ("metadata.message_type") == type)
        return m;
    }
    return {};
  }
  std::deque<std::string> &inbox () { return inbox_; }
  bool wait_closed (int seconds = 20)
  {
    return loop_.until ([this] { return closed_; }, seconds);
  }
  void send (const std::string &text)
  {
    soup_websocket_connection_send_text (ws_, text.c_str ());
  }
  std::string session_id ()
  {
    if (session_id_.empty ()) {
      Json w (welcome_ = next ());
      session_id_ = w.str ("payload.session.id");
    }
    return session_id_;
  }
  const std::string &welcome () { return session_id (), welcome_; }

 private:
  static void on_connected (GObject *src, GAsyncResult *res, gpointer data)
  {
    auto *self = static_cast<Client *> (data);
    GError *err = nullptr;
    self->ws_
        = soup_session_websocket_connect_finish (SOUP_SESSION (src), res, &err);
    if (err) {
      self->error_ = err->message;
      g_error_free (err);
    } else {
      g_signal_connect (self->ws_, "message", G_CALLBACK (on_message), self);
      g_signal_connect (self->ws_, "closed", G_CALLBACK (on_closed), self);
    }
    self->connect_done_ = true;
  }
  static void on_message (
      SoupWebsocketConnection *, gint, GBytes *message, gpointer data)
  {
    gsize n = 0;
    const char *d = static_cast<const char *> (g_bytes_get_data (message, &n));
    static_cast<Client *> (data)->inbox_.emplace_back (d ? d : "", n);
  }
  static void on_closed (SoupWebsocketConnection *ws, gpointer data)
  {
    auto *self = static_cast<Client *> (data);
    self->closed_ = true;
    self->close_code_ = soup_websocket_connection_get_close_code (ws);
    const char *r = soup_websocket_connection_get_close_data (ws);
    self->close_reason_ = r ? r : "";
  }

  Loop &loop_;
  SoupWebsocketConnection *ws_ = nullptr;
  bool connect_done_ = false;
  bool closed_ = false;
  unsigned short close_code_ = 0;
  std::string close_reason_, error_, session_id_, welcome_;
  std::deque<std::string> inbox_;
};

class EventSubFakeTest : public ::testing::Test
{
 protected:
  void start (HelixFakeOptions opt = {})
  {
    fake = std::make_unique<HelixFake> (opt);
    GError *error = nullptr;
    if (!fake->start (&error)) {
      std::string msg = error->message;
      g_error_free (error);
      GTEST_SKIP () << "cannot listen on loopback: " << msg;
    }
  }
  void SetUp () override { start (); }

  std::string token () const { return fake->current_user_token (); }
  std::string client_id () const { return fake->options ().client_id; }
  std::string subs_url () const
  {
    return fake->helix_url () + "/eventsub/subscriptions";
  }

  static std::string sub_body (const std::string &type,
      const std::string &session_id, const std::string &broadcaster = kMainId,
      const std::string &user = kMainId, const std::string &version = "1")
  {
    return "{\"type\":\"" + type + "\",\"version\":\"" + version
           + "\",\"condition\":{\"broadcaster_user_id\":\"" + broadcaster
           + "\",\"user_id\":\"" + user
           + "\"},\"transport\":{\"method\":\"websocket\",\"session_id\":\""
           + session_id + "\"}}";
  }
  Loop::Http subscribe (const std::string &type, const std::string &session_id)
  {
    return loop.http ("POST", subs_url (), token (), client_id (),
        sub_body (type, session_id));
  }
  Loop::Http send_chat (
      const std::string &message, const std::string &extra = {})
  {
    return loop.http ("POST", fake->helix_url () + "/chat/messages", token (),
        client_id (),
        "{\"broadcaster_id\":\"141981764\",\"sender_id\":\"141981764\","
        "\"message\":\""
            + message + "\"" + extra + "}");
  }

  Loop loop;
  std::unique_ptr<HelixFake> fake;
};

const std::vector<std::string> kChatTypes = {"channel.chat.message",
    "channel.chat.notification", "channel.chat.clear",
    "channel.chat.clear_user_messages", "channel.chat.message_delete"};

TEST_F (EventSubFakeTest, WelcomeInTwitchsShape)
{
  EXPECT_EQ (fake->eventsub_url (),
      "ws://127.0.0.1:" + std::to_string (fake->port ()) + "/ws");
  Client c (loop, fake->eventsub_url ());
  ASSERT_TRUE (c.connected ()) << c.connect_error ();
  Json w (c.next ());
  ASSERT_TRUE (w.ok ());
  EXPECT_EQ (w.keys (""), (std::vector<std::string>{"metadata", "payload"}));
  EXPECT_EQ (w.keys ("metadata"), (std::vector<std::string>{"message_id",
                                      "message_timestamp", "message_type"}));
  EXPECT_EQ (w.str ("metadata.message_type"), "session_welcome");
  EXPECT_TRUE (twitch_stamp (w.str ("metadata.message_timestamp")))
      << w.str ("metadata.message_timestamp");
  EXPECT_EQ (w.str ("payload.session.status"), "connected");
  EXPECT_EQ (w.num ("payload.session.keepalive_timeout_seconds"), 10);
  EXPECT_TRUE (w.is_null ("payload.session.reconnect_url"));
  EXPECT_TRUE (twitch_stamp (w.str ("payload.session.connected_at")));
  EXPECT_GE (w.str ("payload.session.id").size (), 20u);
  EXPECT_EQ (fake->eventsub_sessions (), 1u);
  EXPECT_EQ (fake->eventsub_connections (), 1u);

  /* A second connection is another session. */
  Client d (loop, fake->eventsub_url ());
  EXPECT_NE (d.session_id (), w.str ("payload.session.id"));
  EXPECT_EQ (fake->eventsub_sessions (), 2u);
}

TEST_F (EventSubFakeTest, KeepaliveTimeoutFromTheUrlAndKeepalives)
{
  Client c (loop, fake->eventsub_url () + "?keepalive_timeout_seconds=1");
  Json w (c.next ());
  EXPECT_EQ (w.num ("payload.session.keepalive_timeout_seconds"), 1);
  Json k (c.next ());
  EXPECT_EQ (k.str ("metadata.message_type"), "session_keepalive");
  EXPECT_EQ (k.compact ("payload"), "{}");
  EXPECT_TRUE (twitch_stamp (k.str ("metadata.message_timestamp")));

  /* Numeric values out of range are clamped (to 600 at the top, as Twitch). */
  Client big (loop, fake->eventsub_url () + "?keepalive_timeout_seconds=9999");
  EXPECT_EQ (
      Json (big.welcome ()).num ("payload.session.keepalive_timeout_seconds"),
      600);
  /* Anything else fails the handshake. */
  Client bad (loop, fake->eventsub_url () + "?keepalive_timeout_seconds=soon");
  EXPECT_FALSE (bad.connected ());
}

TEST_F (EventSubFakeTest, NoKeepaliveWhileNotificationsFlow)
{
  Client c (loop, fake->eventsub_url () + "?keepalive_timeout_seconds=4");
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  /* 3 s of notifications 0.25 s apart: never 4 s of silence (the margin
   * is for a loaded machine). */
  for (int i = 0; i < 12; i++) {
    fake->eventsub_chat_message ("twitchdev", "chatter0001", "tick");
    loop.idle (250);
  }
  size_t notifications = 0, keepalives = 0;
  for (const auto &m : c.inbox ()) {
    std::string t = Json (m).str ("metadata.message_type");
    notifications += t == "notification";
    keepalives += t == "session_keepalive";
  }
  EXPECT_EQ (notifications, 12u);
  EXPECT_EQ (keepalives, 0u);
  c.inbox ().clear ();
  /* Then silence: a keepalive. */
  EXPECT_FALSE (c.next_of ("session_keepalive").empty ());
}

TEST_F (EventSubFakeTest, SilenceStopsKeepalives)
{
  Client c (loop, fake->eventsub_url () + "?keepalive_timeout_seconds=1");
  ASSERT_FALSE (c.session_id ().empty ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  fake->eventsub_silence (true);
  /* A keepalive already on its way is stamped before this. */
  gint64 silent_since = g_get_real_time ();
  loop.idle (2500);
  for (const auto &m : c.inbox ()) {
    Json k (m);
    GDateTime *t = g_date_time_new_from_iso8601 (
        k.str ("metadata.message_timestamp").c_str (), nullptr);
    ASSERT_NE (t, nullptr);
    EXPECT_LT (g_date_time_to_unix (t) * G_USEC_PER_SEC
                   + g_date_time_get_microsecond (t),
        silent_since)
        << m;
    g_date_time_unref (t);
  }
  c.inbox ().clear ();
  fake->eventsub_silence (false);
  EXPECT_FALSE (c.next_of ("session_keepalive").empty ());
}

TEST_F (EventSubFakeTest, CreateListDeleteSubscriptions)
{
  Client c (loop, fake->eventsub_url ());
  std::string sid = c.session_id ();
  std::vector<std::string> ids;
  for (const auto &type : kChatTypes) {
    auto r = subscribe (type, sid);
    ASSERT_EQ (r.status, 202u) << r.body;
    Json j (r.body);
    EXPECT_EQ (j.len ("data"), 1u);
    EXPECT_EQ (j.str ("data.0.status"), "enabled");
    EXPECT_EQ (j.str ("data.0.type"), type);
    EXPECT_EQ (j.str ("data.0.version"), "1");
    EXPECT_EQ (j.str ("data.0.condition.broadcaster_user_id"), kMainId);
    EXPECT_EQ (j.str ("data.0.condition.user_id"), kMainId);
    EXPECT_EQ (j.str ("data.0.transport.method"), "websocket");
    EXPECT_EQ (j.str ("data.0.transport.session_id"), sid);
    EXPECT_TRUE (twitch_stamp (j.str ("data.0.transport.connected_at")));
    EXPECT_TRUE (twitch_stamp (j.str ("data.0.created_at")));
    EXPECT_EQ (j.num ("data.0.cost"), 0);
    EXPECT_EQ (j.num ("total"), static_cast<int64_t> (ids.size () + 1));
    EXPECT_EQ (j.num ("total_cost"), 0);
    EXPECT_EQ (j.num ("max_total_cost"), 10);
    ids.push_back (j.str ("data.0.id"));
  }
  EXPECT_EQ (fake->eventsub_subscriptions (), 5u);
  EXPECT_EQ (
      sorted (fake->eventsub_subscription_types (sid)), sorted (kChatTypes));

  auto list = loop.http ("GET", subs_url (), token (), client_id ());
  ASSERT_EQ (list.status, 200u) << list.body;
  Json l (list.body);
  EXPECT_EQ (l.len ("data"), 5u);
  EXPECT_EQ (l.num ("total"), 5);
  EXPECT_TRUE (l.has ("pagination"));
  auto by_type = loop.http (
      "GET", subs_url () + "?type=channel.chat.clear", token (), client_id ());
  EXPECT_EQ (Json (by_type.body).len ("data"), 1u);

  auto del = loop.http (
      "DELETE", subs_url () + "?id=" + ids[2], token (), client_id ());
  EXPECT_EQ (del.status, 204u);
  EXPECT_EQ (del.body, "");
  EXPECT_EQ (fake->eventsub_subscriptions (), 4u);
  EXPECT_EQ (loop.http ("DELETE", subs_url () + "?id=" + ids[2], token (),
                     client_id ())
                 .status,
      404u);
  EXPECT_EQ (
      loop.http ("DELETE", subs_url (), token (), client_id ()).status, 400u);
  EXPECT_EQ (Json (loop.http ("GET", subs_url (), token (), client_id ()).body)
                 .len ("data"),
      4u);
}

TEST_F (EventSubFakeTest, SubscriptionChecks)
{
  Client c (loop, fake->eventsub_url ());
  std::string sid = c.session_id ();
  auto post = [&] (const std::string &tok, const std::string &body) {
    return loop.http ("POST", subs_url (), tok, client_id (), body);
  };
  /* No token, an unknown token. */
  EXPECT_EQ (post ("", sub_body ("channel.chat.message", sid)).status, 401u);
  EXPECT_EQ (
      post ("fake-token-nobody", sub_body ("channel.chat.message", sid)).status,
      401u);
  /* An unknown session. */
  auto r
      = post (token (), sub_body ("channel.chat.message", "AQoQnotasession"));
  EXPECT_EQ (r.status, 400u);
  EXPECT_NE (r.body.find ("does not exist"), std::string::npos) << r.body;
  /* Types outside the five, and versions other than 1. */
  EXPECT_EQ (post (token (), sub_body ("channel.follow", sid)).status, 400u);
  EXPECT_EQ (post (token (),
                 sub_body ("channel.chat.message", sid, kMainId, kMainId, "2"))
                 .status,
      400u);
  /* Another user's condition, and a broadcaster who is nobody. */
  r = post (
      token (), sub_body ("channel.chat.message", sid, kMainId, "44322889"));
  EXPECT_EQ (r.status, 403u);
  EXPECT_EQ (post (token (), sub_body ("channel.chat.message", sid,
                                 "999999999999", kMainId))
                 .status,
      400u);
  /* Malformed, too deep, too big. */
  EXPECT_EQ (post (token (), "{\"type\":").status, 400u);
  EXPECT_EQ (post (token (), "[1]").status, 400u);
  EXPECT_EQ (
      post (token (), std::string (10000, '[') + std::string (10000, ']'))
          .status,
      400u);
  EXPECT_EQ (
      post (token (), "{\"type\":\"" + std::string (70000, 'x') + "\"}").status,
      400u);
  EXPECT_EQ (post (token (), std::string (2 * 1024 * 1024, ' ')).status, 413u);
  /* Webhooks are not what this fake serves. */
  std::string webhook = sub_body ("channel.chat.message", sid);
  webhook.replace (webhook.find ("websocket"), 9, "webhook");
  EXPECT_EQ (post (token (), webhook).status, 400u);
  /* Nothing of the above made a subscription. */
  EXPECT_EQ (fake->eventsub_subscriptions (), 0u);

  /* A duplicate. */
  EXPECT_EQ (
      post (token (), sub_body ("channel.chat.message", sid)).status, 202u);
  r = post (token (), sub_body ("channel.chat.message", sid));
  EXPECT_EQ (r.status, 409u);
  EXPECT_NE (r.body.find ("subscription already exists"), std::string::npos);

  /* Without user:read:chat: Twitch's 403. */
  fake->set_user_scopes ({"user:write:chat"});
  r = post (token (), sub_body ("channel.chat.clear", sid));
  EXPECT_EQ (r.status, 403u);
  EXPECT_NE (r.body.find ("subscription missing proper authorization"),
      std::string::npos)
      << r.body;
}

TEST_F (EventSubFakeTest, AppTokenCannotUseWebsockets)
{
  Client c (loop, fake->eventsub_url ());
  /* An app token from the client-credentials flow. */
  SoupMessage *msg
      = soup_message_new ("POST", (fake->auth_url () + "/token").c_str ());
  std::string form = "client_id=" + client_id ()
                     + "&client_secret=" + fake->options ().client_secret
                     + "&grant_type=client_credentials";
  GBytes *fb = g_bytes_new (form.data (), form.size ());
  soup_message_set_request_body_from_bytes (
      msg, "application/x-www-form-urlencoded", fb);
  g_bytes_unref (fb);
  GBytes *b
      = soup_session_send_and_read (loop.session (), msg, nullptr, nullptr);
  ASSERT_NE (b, nullptr);
  Json t (
      std::string (static_cast<const char *> (g_bytes_get_data (b, nullptr)),
          g_bytes_get_size (b)));
  g_bytes_unref (b);
  g_object_unref (msg);
  std::string app = t.str ("access_token");
  ASSERT_EQ (app.rfind ("fakeapptoken", 0), 0u);
  auto r = loop.http ("POST", subs_url (), app, client_id (),
      sub_body ("channel.chat.message", c.session_id ()));
  EXPECT_EQ (r.status, 401u);
}

TEST_F (EventSubFakeTest, NotificationsInTwitchsShape)
{
  Client c (loop, fake->eventsub_url ());
  auto r = subscribe ("channel.chat.message", c.session_id ());
  ASSERT_EQ (r.status, 202u);
  std::string sub_id = Json (r.body).str ("data.0.id");

  fake->eventsub_chat_message (
      "twitchdev", "chatter0007", "hello \"chat\" \xF0\x9F\x98\x82");
  Json n (c.next_of ("notification"));
  ASSERT_TRUE (n.ok ());
  EXPECT_EQ (n.keys ("metadata"),
      (std::vector<std::string>{"message_id", "message_timestamp",
          "message_type", "subscription_type", "subscription_version"}));
  EXPECT_EQ (n.str ("metadata.subscription_type"), "channel.chat.message");
  EXPECT_EQ (n.str ("metadata.subscription_version"), "1");
  EXPECT_TRUE (twitch_stamp (n.str ("metadata.message_timestamp")));
  EXPECT_EQ (n.str ("payload.subscription.id"), sub_id);
  EXPECT_EQ (n.str ("payload.subscription.status"), "enabled");
  EXPECT_EQ (
      n.str ("payload.subscription.transport.session_id"), c.session_id ());
  EXPECT_EQ (
      n.str ("payload.subscription.condition.broadcaster_user_id"), kMainId);
  EXPECT_EQ (n.str ("payload.event.broadcaster_user_login"), "twitchdev");
  EXPECT_EQ (n.str ("payload.event.broadcaster_user_name"), "TwitchDev");
  EXPECT_EQ (n.str ("payload.event.chatter_user_id"), "500000007");
  EXPECT_EQ (n.str ("payload.event.chatter_user_login"), "chatter0007");
  EXPECT_EQ (n.str ("payload.event.chatter_user_name"), "Chatter0007");
  EXPECT_EQ (
      n.str ("payload.event.message.text"), "hello \"chat\" \xF0\x9F\x98\x82");
  EXPECT_EQ (n.str ("payload.event.message.fragments.0.type"), "text");
  EXPECT_TRUE (n.is_null ("payload.event.message.fragments.0.emote"));
  EXPECT_EQ (n.str ("payload.event.message_type"), "text");
  EXPECT_EQ (n.str ("payload.event.color").size (), 7u);
  EXPECT_TRUE (n.is_null ("payload.event.cheer"));
  EXPECT_TRUE (n.is_null ("payload.event.reply"));
  EXPECT_EQ (n.str ("payload.event.message_id").size (), 36u);

  /* Another channel's message, or a type nobody subscribed: nothing. */
  fake->eventsub_chat_message ("dallas", "chatter0007", "elsewhere");
  fake->eventsub_notify ("channel.chat.clear",
      "{\"broadcaster_user_id\":\"141981764\",\"broadcaster_user_login\":"
      "\"twitchdev\",\"broadcaster_user_name\":\"TwitchDev\"}");
  fake->eventsub_chat_message ("twitchdev", "chatter0008", "marker");
  Json m (c.next_of ("notification"));
  EXPECT_EQ (m.str ("payload.event.message.text"), "marker");
  EXPECT_EQ (fake->eventsub_notifications (), 2u);
}

TEST_F (EventSubFakeTest, FixturesAreDeliveredAsTheyAre)
{
  Client c (loop, fake->eventsub_url ());
  for (const auto &type : kChatTypes)
    ASSERT_EQ (subscribe (type, c.session_id ()).status, 202u);
  GDir *dir = g_dir_open (
      (std::string (TWITCH_TEST_FIXTURES) + "/eventsub").c_str (), 0, nullptr);
  ASSERT_NE (dir, nullptr);
  std::vector<std::string> names;
  while (const char *name = g_dir_read_name (dir))
    if (g_str_has_suffix (name, ".json"))
      names.emplace_back (name);
  g_dir_close (dir);
  std::sort (names.begin (), names.end ());
  ASSERT_GE (names.size (), 13u);
  std::vector<std::string> notice_types;
  for (const auto &name : names) {
    SCOPED_TRACE (name);
    gchar *text = nullptr;
    ASSERT_TRUE (g_file_get_contents (
        (std::string (TWITCH_TEST_FIXTURES) + "/eventsub/" + name).c_str (),
        &text, nullptr, nullptr));
    Json f (text);
    g_free (text);
    ASSERT_TRUE (f.ok ());
    std::string type = f.str ("metadata.subscription_type");
    EXPECT_EQ (f.str ("payload.subscription.type"), type);
    EXPECT_EQ (f.str ("payload.event.broadcaster_user_id"), kMainId);
    ASSERT_TRUE (fake->eventsub_notify_fixture (name));
    Json n (c.next_of ("notification"));
    /* The event unchanged, with the fixture's id and time; the subscription
     * is the session's own. */
    EXPECT_EQ (n.compact ("payload.event"), f.compact ("payload.event"));
    EXPECT_EQ (n.str ("metadata.message_id"), f.str ("metadata.message_id"));
    EXPECT_EQ (n.str ("metadata.message_timestamp"),
        f.str ("metadata.message_timestamp"));
    EXPECT_EQ (n.str ("metadata.subscription_type"), type);
    EXPECT_EQ (
        n.str ("payload.subscription.transport.session_id"), c.session_id ());
    if (type == "channel.chat.notification") {
      std::string kind = f.str ("payload.event.notice_type");
      notice_types.push_back (kind);
      EXPECT_TRUE (f.has ("payload.event." + kind));
      EXPECT_FALSE (f.is_null ("payload.event." + kind));
      /* Twitch writes the line chat shows, but for announcements. */
      EXPECT_EQ (f.str ("payload.event.system_message").empty (),
          kind == "announcement");
    }
  }
  EXPECT_EQ (sorted (notice_types),
      (std::vector<std::string>{"announcement", "community_sub_gift", "raid",
          "resub", "sub", "sub_gift"}));
  EXPECT_FALSE (fake->eventsub_notify_fixture ("no-such-fixture.json"));
}

/* The IRC mirror of the fixtures (conversation.irc) says the same thing,
 * line for line in time order: what the cross-transport test relies on. */
TEST (EventSubFixtures, ConversationIrcMirrorsTheNotifications)
{
  const std::string dir = std::string (TWITCH_TEST_FIXTURES) + "/eventsub/";
  std::vector<std::pair<std::string, std::string>> by_time; /* stamp, text */
  GDir *d = g_dir_open (dir.c_str (), 0, nullptr);
  ASSERT_NE (d, nullptr);
  while (const char *name = g_dir_read_name (d)) {
    if (!g_str_has_suffix (name, ".json"))
      continue;
    gchar *text = nullptr;
    ASSERT_TRUE (
        g_file_get_contents ((dir + name).c_str (), &text, nullptr, nullptr));
    by_time.emplace_back (Json (text).str ("metadata.message_timestamp"), text);
    g_free (text);
  }
  g_dir_close (d);
  std::sort (by_time.begin (), by_time.end ());
  gchar *irc = nullptr;
  ASSERT_TRUE (g_file_get_contents (
      (dir + "conversation.irc").c_str (), &irc, nullptr, nullptr));
  std::vector<std::string> lines;
  gchar **parts = g_strsplit (irc, "\n", -1);
  for (gchar **p = parts; *p; p++)
    if (**p && **p != '#')
      lines.emplace_back (*p);
  g_strfreev (parts);
  g_free (irc);
  ASSERT_EQ (lines.size (), by_time.size ());
  auto tag = [] (const std::string &line, const std::string &name) {
    auto end = line.find (' ');
    std::string tags = ";" + line.substr (1, end - 1) + ";";
    auto at = tags.find (";" + name + "=");
    if (at == std::string::npos)
      return std::string ("<none>");
    at += name.size () + 2;
    return tags.substr (at, tags.find (';', at) - at);
  };
  for (size_t i = 0; i < lines.size (); i++) {
    const std::string &line = lines[i];
    Json n (by_time[i].second);
    SCOPED_TRACE (n.str ("metadata.subscription_type") + ": " + line);
    GDateTime *t = g_date_time_new_from_iso8601 (
        n.str ("metadata.message_timestamp").c_str (), nullptr);
    ASSERT_NE (t, nullptr);
    EXPECT_EQ (tag (line, "tmi-sent-ts"),
        std::to_string (g_date_time_to_unix (t) * 1000
                        + g_date_time_get_microsecond (t) / 1000));
    g_date_time_unref (t);
    EXPECT_EQ (
        tag (line, "room-id"), n.str ("payload.event.broadcaster_user_id"));
    std::string type = n.str ("metadata.subscription_type");
    auto trailing = line.find (" :", line.find (" :") + 2);
    std::string text = trailing == std::string::npos
                           ? std::string ()
                           : line.substr (trailing + 2);
    if (type == "channel.chat.message" || type == "channel.chat.notification") {
      EXPECT_EQ (tag (line, "id"), n.str ("payload.event.message_id"));
      EXPECT_EQ (
          tag (line, "user-id"), n.str ("payload.event.chatter_user_id"));
      EXPECT_EQ (tag (line, "color"), n.str ("payload.event.color"));
      EXPECT_EQ (text, n.str ("payload.event.message.text"));
      EXPECT_NE (
          line.find (type == "channel.chat.message" ? " PRIVMSG #twitchdev"
                                                    : " USERNOTICE #twitchdev"),
          std::string::npos);
    } else if (type == "channel.chat.clear_user_messages") {
      EXPECT_EQ (
          tag (line, "target-user-id"), n.str ("payload.event.target_user_id"));
      EXPECT_EQ (text, n.str ("payload.event.target_user_login"));
    } else if (type == "channel.chat.clear") {
      EXPECT_NE (line.find (" CLEARCHAT #twitchdev"), std::string::npos);
      EXPECT_EQ (tag (line, "target-user-id"), "<none>");
    } else if (type == "channel.chat.message_delete") {
      EXPECT_EQ (
          tag (line, "target-msg-id"), n.str ("payload.event.message_id"));
      EXPECT_EQ (
          tag (line, "login"), n.str ("payload.event.target_user_login"));
    }
  }
}

TEST_F (EventSubFakeTest, NotifyWithIdGivesEverySessionTheSameId)
{
  Client a (loop, fake->eventsub_url ());
  Client b (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.clear", a.session_id ()).status, 202u);
  ASSERT_EQ (subscribe ("channel.chat.clear", b.session_id ()).status, 202u);
  const std::string ev
      = "{\"broadcaster_user_id\":\"141981764\",\"broadcaster_user_login\":"
        "\"twitchdev\",\"broadcaster_user_name\":\"TwitchDev\"}";
  fake->eventsub_notify_with_id ("channel.chat.clear", ev, "dup-1");
  EXPECT_EQ (
      Json (a.next_of ("notification")).str ("metadata.message_id"), "dup-1");
  EXPECT_EQ (
      Json (b.next_of ("notification")).str ("metadata.message_id"), "dup-1");
  fake->eventsub_notify ("channel.chat.clear", ev);
  EXPECT_NE (Json (a.next_of ("notification")).str ("metadata.message_id"),
      Json (b.next_of ("notification")).str ("metadata.message_id"));
}

TEST_F (EventSubFakeTest, ReconnectMovesTheSessionAndItsSubscriptions)
{
  Client old (loop, fake->eventsub_url () + "?keepalive_timeout_seconds=30");
  std::string sid = old.session_id ();
  for (const auto &type : kChatTypes)
    ASSERT_EQ (subscribe (type, sid).status, 202u);

  fake->eventsub_reconnect ();
  Json r (old.next_of ("session_reconnect"));
  EXPECT_EQ (r.str ("payload.session.id"), sid);
  EXPECT_EQ (r.str ("payload.session.status"), "reconnecting");
  EXPECT_TRUE (r.is_null ("payload.session.keepalive_timeout_seconds"));
  std::string url = r.str ("payload.session.reconnect_url");
  ASSERT_EQ (url.rfind (fake->eventsub_url (), 0), 0u) << url;

  /* Until the new connection is welcomed, the old one gets the messages. */
  fake->eventsub_chat_message ("twitchdev", "chatter0001", "before");
  EXPECT_EQ (
      Json (old.next_of ("notification")).str ("payload.event.message.text"),
      "before");

  Client neu (loop, url);
  Json w (neu.welcome ());
  EXPECT_EQ (w.str ("metadata.message_type"), "session_welcome");
  EXPECT_EQ (w.str ("payload.session.id"), sid);
  EXPECT_EQ (w.num ("payload.session.keepalive_timeout_seconds"), 30);
  /* The old socket is closed by the fake (normally) once the new one is
   * welcomed; the subscriptions did not move anywhere else. */
  ASSERT_TRUE (old.wait_closed ());
  EXPECT_EQ (old.close_code (), SOUP_WEBSOCKET_CLOSE_NORMAL);
  EXPECT_EQ (fake->eventsub_sessions (), 1u);
  EXPECT_EQ (fake->eventsub_subscriptions (), 5u);
  EXPECT_EQ (
      sorted (fake->eventsub_subscription_types (sid)), sorted (kChatTypes));
  /* Resubscribing on the moved session is a duplicate. */
  EXPECT_EQ (subscribe ("channel.chat.message", sid).status, 409u);

  fake->eventsub_chat_message ("twitchdev", "chatter0001", "after");
  EXPECT_EQ (
      Json (neu.next_of ("notification")).str ("payload.event.message.text"),
      "after");

  /* A reconnect URL is good once. */
  Client again (loop, url);
  ASSERT_TRUE (again.wait_closed ());
  EXPECT_EQ (again.close_code (), 4007);
  EXPECT_EQ (again.close_reason (), "Invalid reconnect");
}

TEST_F (EventSubFakeTest, ReconnectNotFollowedEndsWith4004)
{
  HelixFakeOptions opt;
  opt.eventsub_reconnect_grace_s = 1;
  start (opt);
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  fake->eventsub_reconnect ();
  ASSERT_FALSE (c.next_of ("session_reconnect").empty ());
  ASSERT_TRUE (c.wait_closed ());
  EXPECT_EQ (c.close_code (), 4004);
  EXPECT_EQ (c.close_reason (), "Reconnect grace time expired");
  EXPECT_EQ (fake->eventsub_subscriptions (), 0u);
  auto l = loop.http ("GET", subs_url (), token (), client_id ());
  EXPECT_EQ (
      Json (l.body).str ("data.0.status"), "websocket_failed_to_reconnect");
}

TEST_F (EventSubFakeTest, CloseCodesEndSessionsAndDisableSubscriptions)
{
  const std::vector<std::pair<unsigned short, std::string>> codes
      = {{4000, "Internal server error"}, {4005, "Network timeout"},
          {4006, "Network error"}, {4002, "Client failed ping-pong"}};
  for (const auto &code : codes) {
    SCOPED_TRACE (code.first);
    Client c (loop, fake->eventsub_url ());
    ASSERT_EQ (
        subscribe ("channel.chat.message", c.session_id ()).status, 202u);
    EXPECT_EQ (fake->eventsub_subscriptions (), 1u);
    fake->eventsub_close (code.first);
    ASSERT_TRUE (c.wait_closed ());
    EXPECT_EQ (c.close_code (), code.first);
    EXPECT_EQ (c.close_reason (), code.second);
    EXPECT_EQ (fake->eventsub_sessions (), 0u);
    EXPECT_EQ (fake->eventsub_subscriptions (), 0u);
    /* Subscribing on the ended session fails as on Twitch. */
    EXPECT_EQ (subscribe ("channel.chat.clear", c.session_id ()).status, 400u);
  }
  auto l = loop.http ("GET", subs_url () + "?status=websocket_network_timeout",
      token (), client_id ());
  Json j (l.body);
  EXPECT_EQ (j.len ("data"), 1u);
  EXPECT_TRUE (twitch_stamp (j.str ("data.0.transport.disconnected_at")));
  EXPECT_EQ (j.num ("total"), 0); /* enabled ones */
}

TEST_F (EventSubFakeTest, UnusedSessionClosedWith4003)
{
  HelixFakeOptions opt;
  opt.eventsub_unused_close_s = 2; /* time enough to subscribe when loaded */
  start (opt);
  Client unused (loop, fake->eventsub_url ());
  Client used (loop, fake->eventsub_url ());
  ASSERT_EQ (
      subscribe ("channel.chat.message", used.session_id ()).status, 202u);
  ASSERT_TRUE (unused.wait_closed ());
  EXPECT_EQ (unused.close_code (), 4003);
  EXPECT_EQ (unused.close_reason (), "Connection unused");
  loop.idle (300);
  EXPECT_FALSE (used.closed ());
  EXPECT_EQ (fake->eventsub_sessions (), 1u);
}

TEST_F (EventSubFakeTest, ClientSendingDataIsClosedWith4001)
{
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  c.send ("{\"type\":\"PING\"}");
  ASSERT_TRUE (c.wait_closed ());
  EXPECT_EQ (c.close_code (), 4001);
  EXPECT_EQ (c.close_reason (), "Client sent inbound traffic");
  auto l = loop.http ("GET", subs_url (), token (), client_id ());
  EXPECT_EQ (Json (l.body).str ("data.0.status"),
      "websocket_received_inbound_traffic");
}

TEST_F (EventSubFakeTest, DropEndsTheConnectionWithoutCloseFrame)
{
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  fake->eventsub_drop ();
  ASSERT_TRUE (c.wait_closed ());
  /* No close frame: libsoup reports no code (or 1006, abnormal). */
  EXPECT_TRUE (c.close_code () == 0 || c.close_code () == 1006)
      << c.close_code ();
  EXPECT_EQ (fake->eventsub_sessions (), 0u);
  EXPECT_EQ (fake->eventsub_subscriptions (), 0u);
  /* A new connection is a new session with nothing subscribed. */
  Client d (loop, fake->eventsub_url ());
  EXPECT_NE (d.session_id (), c.session_id ());
  EXPECT_TRUE (fake->eventsub_subscription_types (d.session_id ()).empty ());
}

TEST_F (EventSubFakeTest, RevocationMessage)
{
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  fake->eventsub_revoke ("channel.chat.message", "authorization_revoked");
  Json r (c.next_of ("revocation"));
  EXPECT_EQ (r.str ("metadata.subscription_type"), "channel.chat.message");
  EXPECT_EQ (r.str ("payload.subscription.status"), "authorization_revoked");
  EXPECT_FALSE (r.has ("payload.event"));
  EXPECT_EQ (fake->eventsub_subscriptions (), 0u);
}

TEST_F (EventSubFakeTest, SendChatMessageIsSentAndEchoed)
{
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  auto r = send_chat ("hello from the bot");
  ASSERT_EQ (r.status, 200u) << r.body;
  Json j (r.body);
  EXPECT_EQ (j.len ("data"), 1u);
  std::string id = j.str ("data.0.message_id");
  EXPECT_EQ (id.size (), 36u);
  EXPECT_EQ (j.compact ("data.0.is_sent"), "true");
  EXPECT_TRUE (j.is_null ("data.0.drop_reason"));
  EXPECT_EQ (fake->sent_chat_messages (),
      (std::vector<std::string>{"hello from the bot"}));
  /* Twitch echoes your own message to your subscription. */
  Json e (c.next_of ("notification"));
  EXPECT_EQ (e.str ("payload.event.message_id"), id);
  EXPECT_EQ (e.str ("payload.event.message.text"), "hello from the bot");
  EXPECT_EQ (e.str ("payload.event.chatter_user_login"), "twitchdev");

  /* A reply to it carries the parent's fields. */
  r = send_chat ("and a reply", ",\"reply_parent_message_id\":\"" + id + "\"");
  ASSERT_EQ (r.status, 200u) << r.body;
  Json re (c.next_of ("notification"));
  EXPECT_EQ (re.str ("payload.event.reply.parent_message_id"), id);
  EXPECT_EQ (
      re.str ("payload.event.reply.parent_message_body"), "hello from the bot");
  EXPECT_EQ (re.str ("payload.event.reply.parent_user_login"), "twitchdev");
  EXPECT_EQ (
      send_chat ("x", ",\"reply_parent_message_id\":\"nope\"").status, 400u);
}

TEST_F (EventSubFakeTest, SendChatMessageDropReason)
{
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  fake->set_drop_reason ("msg_duplicate",
      "Your message is identical to the one you sent within the last 30 "
      "seconds.");
  auto r = send_chat ("again");
  ASSERT_EQ (r.status, 200u);
  Json j (r.body);
  EXPECT_EQ (j.compact ("data.0.is_sent"), "false");
  EXPECT_EQ (j.str ("data.0.drop_reason.code"), "msg_duplicate");
  EXPECT_NE (j.str ("data.0.drop_reason.message").find ("identical"),
      std::string::npos);
  /* Dropped: not echoed, not recorded; the next one goes through. */
  EXPECT_TRUE (fake->sent_chat_messages ().empty ());
  r = send_chat ("again, later");
  EXPECT_EQ (Json (r.body).compact ("data.0.is_sent"), "true");
  EXPECT_EQ (
      Json (c.next_of ("notification")).str ("payload.event.message.text"),
      "again, later");
}

TEST_F (EventSubFakeTest, SendChatMessageChecks)
{
  /* Sender must be the token's user; 500 characters at most; the fields. */
  auto post = [&] (const std::string &body) {
    return loop.http ("POST", fake->helix_url () + "/chat/messages", token (),
        client_id (), body);
  };
  EXPECT_EQ (post ("{\"broadcaster_id\":\"141981764\",\"sender_id\":"
                   "\"44322889\",\"message\":\"hi\"}")
                 .status,
      403u);
  EXPECT_EQ (post ("{\"broadcaster_id\":\"141981764\",\"sender_id\":"
                   "\"141981764\"}")
                 .status,
      400u);
  EXPECT_EQ (send_chat (std::string (501, 'a')).status, 400u);
  /* 500 characters of 4 bytes each are fine. */
  std::string emoji;
  for (int i = 0; i < 500; i++)
    emoji += "\xF0\x9F\x98\x82";
  EXPECT_EQ (send_chat (emoji).status, 200u);
  EXPECT_EQ (loop.http ("GET", fake->helix_url () + "/chat/messages", token (),
                     client_id ())
                 .status,
      405u);
  /* Without user:write:chat. */
  fake->set_user_scopes ({"user:read:chat"});
  auto r = send_chat ("hi");
  EXPECT_EQ (r.status, 403u);
  EXPECT_NE (r.body.find ("user:write:chat"), std::string::npos);
  EXPECT_EQ (fake->sent_chat_messages ().size (), 1u);
}

TEST_F (EventSubFakeTest, SendChatMessageIsRateLimitedLikeHelix)
{
  fake->set_rate_limit (2, 60);
  EXPECT_EQ (send_chat ("one").status, 200u);
  auto two = send_chat ("two");
  EXPECT_EQ (two.status, 200u);
  EXPECT_EQ (two.remaining, "0");
  auto three = send_chat ("three");
  EXPECT_EQ (three.status, 429u);
  EXPECT_EQ (
      fake->sent_chat_messages (), (std::vector<std::string>{"one", "two"}));
}

TEST_F (EventSubFakeTest, BlastSendsEveryNotification)
{
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  /* Past one period of the blast's templates (3000): ids stay unique. */
  fake->eventsub_blast ("twitchdev", 3500);
  ASSERT_TRUE (loop.until ([&] { return c.inbox ().size () >= 3500; }, 60));
  std::set<std::string> ids;
  size_t replies = 0, emotes = 0;
  for (const auto &m : c.inbox ()) {
    Json j (m);
    ASSERT_EQ (j.str ("metadata.message_type"), "notification");
    ids.insert (j.str ("payload.event.message_id"));
    replies += !j.is_null ("payload.event.reply");
    emotes += j.len ("payload.event.message.fragments") > 1;
  }
  EXPECT_EQ (ids.size (), 3500u);
  EXPECT_EQ (replies, 437u);
  EXPECT_EQ (emotes, 350u);
  EXPECT_EQ (fake->eventsub_notifications (), 3500u);
  /* The benchmark's IRC line carries the same message: text, chatter,
   * colour, and the emote at the same code points. */
  for (uint64_t i = 0; i < 24; i++) {
    SCOPED_TRACE (i);
    Json j (c.inbox ()[i]);
    std::string line = twitch_test::EventSubFake::blast_irc_line (i,
        {"141981764", "twitchdev", "TwitchDev"}, "id-" + std::to_string (i),
        1717243200000);
    std::string text = j.str ("payload.event.message.text");
    EXPECT_TRUE (g_str_has_suffix (
        line.c_str (), (" PRIVMSG #twitchdev :" + text).c_str ()))
        << line;
    EXPECT_NE (
        line.find (";user-id=" + j.str ("payload.event.chatter_user_id") + ";"),
        std::string::npos);
    EXPECT_NE (line.find (";color=" + j.str ("payload.event.color") + ";"),
        std::string::npos);
    EXPECT_EQ (line.find ("reply-parent-msg-id") != std::string::npos,
        !j.is_null ("payload.event.reply"));
    auto e = line.find (";emotes=25:");
    EXPECT_EQ (e != std::string::npos,
        j.str ("payload.event.message.fragments.1.type") == "emote");
    if (e != std::string::npos) {
      long from = g_ascii_strtoll (line.c_str () + e + 11, nullptr, 10);
      gchar *start = g_utf8_offset_to_pointer (text.c_str (), from);
      EXPECT_EQ (std::string (start, 5), "Kappa");
    }
  }
}

/* A client that never answers pings: the WebSocket handshake by hand, then
 * frames read and never answered. Returns the close code Twitch sent, or 0. */
unsigned
raw_client_close_code (int port, int seconds)
{
  GSocketClient *sc = g_socket_client_new ();
  g_socket_client_set_timeout (sc, static_cast<guint> (seconds));
  GSocketConnection *conn = g_socket_client_connect_to_host (
      sc, "127.0.0.1", static_cast<guint16> (port), nullptr, nullptr);
  g_object_unref (sc);
  if (!conn)
    return 0;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  std::string req = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: "
                    "websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                    "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
                    "13\r\n\r\n";
  g_output_stream_write_all (
      out, req.data (), req.size (), nullptr, nullptr, nullptr);
  std::string buf;
  char chunk[4096];
  auto need = [&] (size_t n) {
    while (buf.size () < n) {
      gssize got
          = g_input_stream_read (in, chunk, sizeof chunk, nullptr, nullptr);
      if (got <= 0)
        return false;
      buf.append (chunk, static_cast<size_t> (got));
    }
    return true;
  };
  unsigned code = 0;
  /* The 101 answer, then frames: 2 bytes, extended length, payload. */
  while (buf.find ("\r\n\r\n") == std::string::npos && need (buf.size () + 1))
    ;
  auto head = buf.find ("\r\n\r\n");
  if (head != std::string::npos && buf.rfind ("HTTP/1.1 101", 0) == 0) {
    buf.erase (0, head + 4);
    while (need (2)) {
      unsigned op = static_cast<unsigned char> (buf[0]) & 0x0f;
      size_t len = static_cast<unsigned char> (buf[1]) & 0x7f, at = 2;
      if (len == 126) {
        if (!need (4))
          break;
        len = (static_cast<unsigned char> (buf[2]) << 8)
              | static_cast<unsigned char> (buf[3]);
        at = 4;
      } else if (len == 127) {
        break; /* nothing that big here */
      }
      if (!need (at + len))
        break;
      if (op == 0x8 && len >= 2) {
        code = (static_cast<unsigned char> (buf[at]) << 8)
               | static_cast<unsigned char> (buf[at + 1]);
        break;
      }
      buf.erase (0, at + len);
    }
  }
  g_object_unref (conn);
  return code;
}

TEST_F (EventSubFakeTest, PingsAnsweredKeepTheSessionMissedOnesEndItWith4002)
{
  HelixFakeOptions opt;
  opt.eventsub_ping_s = 2;
  start (opt);
  /* libsoup answers pings by itself. */
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  loop.idle (5000);
  EXPECT_FALSE (c.closed ());
  /* A client that does not. */
  EXPECT_EQ (raw_client_close_code (fake->port (), 30), 4002u);
}

TEST_F (EventSubFakeTest, ScriptingOverHttpForTheStandaloneProgram)
{
  Client c (loop, fake->eventsub_url ());
  ASSERT_EQ (subscribe ("channel.chat.message", c.session_id ()).status, 202u);
  auto control = [&] (const std::string &what) {
    return loop.http (
        "GET", fake->base_url () + "/_fake/eventsub/" + what, {}, client_id ());
  };
  EXPECT_EQ (control ("chat?chatter=chatter0003&text=hi%20there").status, 200u);
  Json n (c.next_of ("notification"));
  EXPECT_EQ (n.str ("payload.event.message.text"), "hi there");
  EXPECT_EQ (n.str ("payload.event.chatter_user_login"), "chatter0003");
  EXPECT_EQ (control ("fixture?name=chat-message-cheer.json").status, 200u);
  EXPECT_EQ (Json (c.next_of ("notification")).str ("payload.event.message_id"),
      "b34ccfc7-4977-403a-8a94-33c6bac34fb9");
  EXPECT_EQ (control ("fixture?name=../helix/users.json").status, 400u);
  EXPECT_EQ (control ("fixture?name=nope.json").status, 404u);
  Json st (control ("stats").body);
  EXPECT_EQ (st.num ("sessions"), 1);
  EXPECT_EQ (st.num ("subscriptions"), 1);
  EXPECT_EQ (st.num ("notifications"), 2);
  EXPECT_EQ (st.str ("types.0"), "channel.chat.message");
  EXPECT_EQ (control ("close?code=1000").status, 400u);
  EXPECT_EQ (control ("close?code=4006").status, 200u);
  ASSERT_TRUE (c.wait_closed ());
  EXPECT_EQ (c.close_code (), 4006);
  EXPECT_EQ (Json (control ("stats").body).num ("sessions"), 0);
}

TEST_F (EventSubFakeTest, ConnectionsPerUserAreLimited)
{
  /* Twitch: at most 3 WebSockets with subscriptions per user. */
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; i++)
    clients.push_back (std::make_unique<Client> (loop, fake->eventsub_url ()));
  for (int i = 0; i < 3; i++)
    EXPECT_EQ (
        subscribe ("channel.chat.message", clients[i]->session_id ()).status,
        202u);
  EXPECT_EQ (
      subscribe ("channel.chat.message", clients[3]->session_id ()).status,
      429u);
}

} // namespace
