/* A Helix + OAuth + ingest-list fake on libsoup's SoupServer, for tests and
 * benchmarks. Serves Twitch's documented shapes (tests/fixtures/helix/) and
 * deterministic generated data (100 000 followers by default) with real
 * cursor paging, rate-limit headers, scripted faults (429, 5xx bursts, slow
 * answers, malformed JSON), expiring tokens, missing scopes, client
 * credentials, refresh and the device code flow.
 *
 * In-process: HelixFake fake; fake.start (&error); fake.helix_url ().
 * Standalone: helix-fake [--port N] [--followers N] ... prints its port on
 * the first line of stdout (see helix-fake --help).
 *
 * Control over HTTP (for the standalone program):
 *   GET /_fake/stats                 {"requests":N,"paths":{"/helix/users":N}}
 *   GET /_fake/reset                 counters to 0, faults cleared
 *   GET /_fake/fault?path=/helix/users&kind=status|malformed|slow|429|
 *                   zero|deep|cycle|big&status=503&count=3&delay_ms=2000
 *                   &reset_in=2&depth=100000
 *   GET /_fake/live?login=twitchdev&live=1&viewers=42&title=..&game=..
 *   GET /_fake/expire                every issued access token answers 401
 *   GET /_fake/rate?limit=N&window=S rate-limit bucket of N per S seconds
 *   GET /_fake/eventsub/stats        {"sessions":N,"connections":N,
 *                                    "subscriptions":N,"notifications":N,
 *                                    "types":[...],"sent":[...]}
 *   GET /_fake/eventsub/chat?chatter=chatter0001&text=hi[&broadcaster=..]
 *   GET /_fake/eventsub/fixture?name=chat-message-reply.json
 *   GET /_fake/eventsub/reconnect | drop | close?code=4005 | silence?on=1
 *   GET /_fake/eventsub/drop-reason?code=msg_duplicate&message=...
 *   GET /_fake/eventsub/blast?count=N[&broadcaster=twitchdev]
 *
 * EventSub (eventsub_fake.h): the WebSocket at eventsub_url ()
 * (ws://127.0.0.1:PORT/ws, ?keepalive_timeout_seconds=N as Twitch's),
 * POST/GET/DELETE /helix/eventsub/subscriptions for the five channel.chat.*
 * types, POST /helix/chat/messages (Send Chat Message), and the scripting
 * methods below (notifications, session_reconnect, close codes, drops).
 * As the Twitch CLI's mock server (twurple's mockServerPort), Helix is also
 * served under /mock/ and subscriptions at /eventsub/subscriptions.
 */
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace twitch_test
{

struct HelixFakeOptions {
  int port = 0;             /* 0: a free port on 127.0.0.1 */
  std::string fixtures_dir; /* empty: TWITCH_TEST_FIXTURES/helix */

  /* The main channel: twitchdev (141981764), as in Twitch's examples. */
  int64_t followers = 100000;
  int64_t followed = 250;
  int64_t videos = 40;
  int64_t clips = 60;
  int64_t chatters = 250;
  int64_t moderators = 12; /* the first chatters */
  int64_t subscriptions = 120;
  int64_t streams = 300; /* top streams */
  int64_t top_games = 200;

  std::string client_id = "fakeclientid00000000000000000a";
  std::string client_secret = "fakeclientsecret000000000000b";
  /* A user token of twitchdev, valid at start (empty: none issued). */
  std::string user_token = "fakeusertoken0000000000000001";
  std::string refresh_token = "fakerefreshtoken00000000000001";
  std::vector<std::string> user_scopes = {"moderator:read:followers",
      "user:read:follows", "moderator:read:chatters",
      "channel:read:subscriptions", "user:read:email", "moderation:read",
      "user:read:chat", "user:write:chat"};
  int64_t token_lifetime_s = 14400;

  /* Rate-limit bucket per token: limit requests per window. */
  int64_t rate_limit = 800;
  int64_t rate_window_s = 60;
  bool rate_limit_headers = true;

  /* Every answer delayed this long (a slow network). */
  int latency_ms = 0;
  /* Device code flow: polls answered authorization_pending before success;
   * -1: never approved (expires). */
  int device_pending_polls = 1;
  /* The main channel's live state flips every N seconds (0: never). */
  int flip_live_every_s = 0;

  /* EventSub WebSocket. keepalive_timeout_seconds of a session unless its
   * URL asks; a numeric ask is clamped to keepalive_min_s..600 (Twitch's
   * floor is 10; the fake's is 1 so that tests can scale time down). */
  int eventsub_keepalive_s = 10;
  int eventsub_keepalive_min_s = 1;
  /* A session without a subscription this long after its welcome is closed
   * with 4003 (0: never). */
  int eventsub_unused_close_s = 10;
  /* After session_reconnect, the old connection is closed with 4004 unless
   * the client connected to reconnect_url within this time. */
  int eventsub_reconnect_grace_s = 30;
  /* WebSocket pings every N s; a client that answers none for 2N s is
   * closed with 4002 (0: no pings). */
  int eventsub_ping_s = 0;
  /* Standalone benchmark: every channel.chat.message subscription for
   * eventsub_blast_login gets eventsub_blast notifications at once. */
  uint64_t eventsub_blast = 0;
  std::string eventsub_blast_login = "twitchdev";
};

struct HelixFakeFault {
  std::string path; /* prefix of the request path; empty: any */
  /* "status", "malformed", "slow", "429", "zero";
   * "deep": answers @status with @depth nested arrays in an object
   *   ({"message":[[[...]]]});
   * "big": answers @status with a JSON string of @depth bytes;
   * "cycle": paginated answers carry cursors that alternate A, B, A, B
   * (each matching request uses one of @count). */
  std::string kind;
  unsigned status = 500;
  int count = 1;
  int delay_ms = 0;
  int reset_in_s = 1;
  int64_t depth = 100000;
};

class HelixFake
{
 public:
  explicit HelixFake (HelixFakeOptions options = {});
  ~HelixFake ();
  HelixFake (const HelixFake &) = delete;
  HelixFake &operator= (const HelixFake &) = delete;

  /* Listens on 127.0.0.1 and serves from a thread of its own. */
  bool start (GError **error);
  void stop ();

  int port () const;
  std::string base_url () const; /* http://127.0.0.1:PORT */
  std::string helix_url () const { return base_url () + "/helix"; }
  std::string auth_url () const { return base_url () + "/oauth2"; }
  std::string ingest_url () const { return base_url () + "/ingests"; }
  /* ws://127.0.0.1:PORT/ws: what TWITCH_EVENTSUB_URL points at. */
  std::string eventsub_url () const;
  const HelixFakeOptions &options () const;

  /* Scripting (thread-safe). */
  void add_fault (const HelixFakeFault &fault);
  void clear_faults ();
  /* Every access token issued so far answers 401 (Helix and validate). */
  void expire_tokens ();
  /* Refresh tokens answer 400 "Invalid refresh token". */
  void revoke_refresh_tokens ();
  /* Scopes granted to tokens issued from now on (and the current user
   * token). */
  void set_user_scopes (const std::vector<std::string> &scopes);
  void set_rate_limit (int64_t limit, int64_t window_s);
  void set_live (const std::string &login, bool live, int64_t viewers = 0,
      const std::string &title = {}, const std::string &game_name = {});
  /* Approves the pending device code at the next poll. */
  void approve_device ();

  /* Counters. */
  uint64_t requests () const;
  uint64_t requests (const std::string &path) const;
  std::map<std::string, uint64_t> requests_by_path () const;
  void reset_stats ();
  /* The user token currently valid (after refreshes). */
  std::string current_user_token () const;
  std::string current_refresh_token () const;

  /* ---- EventSub scripting (thread-safe; each returns once done on the
   * fake's thread, messages queued on the sockets) ---- */
  /* A notification of subscription @type with this `event` object to every
   * session subscribed to @type for the event's broadcaster_user_id; a
   * fresh metadata.message_id per session. */
  void eventsub_notify (const std::string &type, const std::string &event_json);
  /* The same with one message_id for every delivery (duplicate tests). */
  void eventsub_notify_with_id (const std::string &type,
      const std::string &event_json, const std::string &message_id);
  /* A whole notification message of tests/fixtures/eventsub (a file name
   * there, or a path): its type and event, with its metadata.message_id and
   * message_timestamp, to the sessions subscribed. False if unreadable. */
  bool eventsub_notify_fixture (const std::string &name);
  /* A channel.chat.message event in Twitch's shape (text fragment; ids and
   * names from the fake's user table). */
  void eventsub_chat_message (const std::string &broadcaster_login,
      const std::string &chatter_login, const std::string &text);
  /* session_reconnect to every session: reconnect_url leads to a welcome of
   * the same session id with its subscriptions; the old socket closes then
   * (1000), or with 4004 after eventsub_reconnect_grace_s. */
  void eventsub_reconnect ();
  /* Every connection closed with @code (4000-4007, Twitch's reasons); the
   * sessions' subscriptions are disabled. */
  void eventsub_close (unsigned short code);
  /* Every connection's TCP stream shut down without a close frame. */
  void eventsub_drop ();
  /* No keepalives while on (watchdog tests). */
  void eventsub_silence (bool on);
  /* The next Send Chat Message answers is_sent:false with this drop_reason
   * (empty @code: none). */
  void set_drop_reason (const std::string &code, const std::string &message);
  /* @count channel.chat.message notifications to every session subscribed
   * for @broadcaster_login, as fast as each socket takes them. */
  void eventsub_blast (const std::string &broadcaster_login, uint64_t count);
  /* Extension: a `revocation` message for every enabled subscription of
   * @type (empty: all), which takes @status (e.g. authorization_revoked). */
  void eventsub_revoke (const std::string &type, const std::string &status);

  size_t eventsub_sessions () const;      /* open sessions */
  uint64_t eventsub_connections () const; /* WebSocket connections ever */
  size_t eventsub_subscriptions () const; /* enabled subscriptions */
  /* Types of the enabled subscriptions of @session_id (empty: all). */
  std::vector<std::string> eventsub_subscription_types (
      const std::string &session_id = {}) const;
  std::vector<std::string> eventsub_session_ids () const;
  /* Notifications sent so far (blast included). */
  uint64_t eventsub_notifications () const;
  /* Texts of the messages Send Chat Message accepted (is_sent true). */
  std::vector<std::string> sent_chat_messages () const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

} // namespace twitch_test
