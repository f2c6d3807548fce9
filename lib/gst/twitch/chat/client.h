/* The Twitch chat client: one TLS (or, for tests, plain TCP) connection to
 * TMI on a thread of its own with its own GMainContext; CAP/PASS/NICK login
 * (anonymous justinfan<digits> without a token); channels joined within
 * Twitch's JOIN limit and confirmed by ROOMSTATE; PING/PONG keepalive;
 * reconnect on RECONNECT, dropped sockets and silent peers (at once, then
 * exponential backoff with jitter, forever by default), rejoining every
 * channel, one live socket at a time and no message delivered twice (by
 * message id); a rate-limited send queue with a policy and a maximum age,
 * and the outcome of every send. A login-failure NOTICE is fatal, never
 * retried.
 *
 * Callbacks run on the client's thread; they must not call stop() or
 * destroy the client. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/chat/message.h>
#include <gst/twitch/chat/ratelimit.h>
#include <gst/twitch/common/backoff.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace twitch
{

/* What happens to a send that cannot go out at once (disconnected, rate
 * limited, or behind other queued sends). */
enum class SendPolicy {
  ENQUEUE = 0, /* queue it, up to max-age */
  DROP,        /* report SendOutcome::DROPPED at once */
  ERROR,       /* report SendOutcome::FAILED at once */
};

enum class SendOutcome {
  SENT = 0,    /* written, and confirmed by Twitch's USERSTATE when the
                  server speaks twitch.tv/commands */
  DROPPED,     /* Twitch refused it (NOTICE msg_ratelimit, msg_duplicate,
                  ...; reason = msg-id) or the policy dropped it (reason
                  "policy") */
  EXPIRED,     /* older than max-age before it could be sent */
  FAILED,      /* bad input, queue full, client stopped, send policy error */
  UNCONFIRMED, /* written, but Twitch never confirmed it: the connection
                  dropped (Delivery::AT_MOST_ONCE) or no USERSTATE came
                  within confirm-timeout. It may or may not have reached
                  chat; it is not written again. */
};

/* What happens to a message written to a connection that then dropped
 * before Twitch confirmed it. Twitch shows a message that arrives twice to
 * every viewer, so the default never writes it again. */
enum class Delivery {
  AT_MOST_ONCE = 0, /* report it UNCONFIRMED */
  AT_LEAST_ONCE,    /* write it again on the next connection (may be seen
                       twice) */
};

GST_TWITCH_API const char *send_outcome_name (SendOutcome o);
GST_TWITCH_API const char *send_policy_name (SendPolicy p);
GST_TWITCH_API const char *delivery_name (Delivery d);

struct SendResult {
  uint64_t id = 0;
  SendOutcome outcome = SendOutcome::SENT;
  std::string channel;
  std::string text;
  /* NOTICE msg-id, or why it failed/expired. */
  std::string reason;
  /* Twitch's id of the sent message (USERSTATE `id`) when known. */
  std::string message_id;
};

enum class ChatState {
  STOPPED = 0,
  CONNECTING,
  CONNECTED,    /* logged in (001 received) */
  RECONNECTING, /* waiting before the next attempt */
};

GST_TWITCH_API const char *chat_state_name (ChatState s);

struct ChatConfig {
  /* IRC (TMI, the default; the only one that reads anonymously) or
   * EventSub: reading over the EventSub WebSocket, sending through Helix
   * Send Chat Message (a user token with user:read:chat, and
   * user:write:chat to send). The same callbacks and the same model either
   * way (chat/eventsub.h). */
  ChatTransport transport = ChatTransport::IRC;
  /* EventSub only: the WebSocket URL; empty: TWITCH_EVENTSUB_URL, else
   * wss://eventsub.wss.twitch.tv/ws (eventsub_websocket_url()). Helix as
   * HelixConfig reads it (TWITCH_HELIX_URL), the token's validation at
   * auth_url. */
  std::string eventsub_url;
  std::string host = "irc.chat.twitch.tv";
  int port = 6697;
  bool tls = true;
  /* PEM file of extra trusted CA certificates (self-signed test servers).
   * When set, it replaces the system trust store for this connection. */
  std::string tls_ca_file;
  /* Empty login and token: anonymous (justinfan<digits>). The token may be
   * given with or without "oauth:". A token without login: the client
   * learns the login from the token (GET <auth_url>/validate) on its own
   * thread before connecting; a failure is fatal (TWITCH_CHAT_ERROR_LOGIN). */
  std::string login;
  std::string token;
  /* Where the login of a token is learnt; empty: TWITCH_AUTH_URL, else
   * https://id.twitch.tv/oauth2. */
  std::string auth_url;
  std::vector<std::string> channels;
  /* Extra capabilities requested in their own CAP REQ (e.g. "message-tags"
   * on standard IRCv3 servers). */
  std::vector<std::string> extra_caps;

  RateLimits limits;
  SendPolicy send_policy = SendPolicy::ENQUEUE;
  int64_t max_age_us = 60 * G_USEC_PER_SEC;
  size_t max_queue = 10000;
  Delivery delivery = Delivery::AT_MOST_ONCE;
  /* Wait this long for USERSTATE/NOTICE after a PRIVMSG before reporting
   * it UNCONFIRMED (only on servers that ACK twitch.tv/commands). */
  int64_t confirm_timeout_us = 5 * G_USEC_PER_SEC;

  /* Keepalive: PING after this long without a byte from the server, and
   * the connection counts as lost only when no answer comes within
   * pong_timeout_us. The socket's own read timeout is derived from both
   * (chat_read_timeout_us()), so a quiet channel never times out. Tests
   * scale them with GST_TWITCH_CHAT_PING_IDLE_MS and
   * GST_TWITCH_CHAT_PONG_TIMEOUT_MS (read by ChatClient's constructor). */
  int64_t ping_idle_us = 60 * G_USEC_PER_SEC;
  int64_t pong_timeout_us = 10 * G_USEC_PER_SEC;
  int64_t join_timeout_us = 15 * G_USEC_PER_SEC;
  int64_t connect_timeout_us = 20 * G_USEC_PER_SEC;
  BackoffPolicy backoff = backoff_policy_chat ();
  /* Message ids remembered to drop a message delivered twice. */
  size_t dedup_capacity = 8192;
  /* Keep each message's raw line in ChatMessage::raw. */
  bool keep_raw = false;
};

/* irc://host[:port] (plain, default 6667), ircs://host[:port] (TLS, default
 * 6697), or host[:port] (TLS). */
GST_TWITCH_API bool chat_config_set_server (
    ChatConfig &config, const std::string &uri, GError **error);
/* Channel list "a,#b, c" -> {"a","b","c"}: lowercased, '#' and spaces
 * stripped, duplicates removed; names that are not Twitch names are left
 * out (twitch_channel_list_parse() reports them instead). */
GST_TWITCH_API std::vector<std::string> chat_parse_channels (
    const std::string &list);
/* The socket read timeout the client uses for @config: longer than a PING
 * idle time plus its PONG timeout, so only a missing PONG or a socket error
 * ends a quiet connection. */
GST_TWITCH_API int64_t chat_read_timeout_us (const ChatConfig &config);
/* A warning when @config sends a secret in clear text (an OAuth token over
 * plain irc:// to a host that is not loopback), else "". */
GST_TWITCH_API std::string chat_config_security_warning (
    const ChatConfig &config);
/* Checks every identifier of @config (channels, login, token) as
 * twitch_name_normalize() and twitch_token_validate() do, and normalizes
 * the channels and login in place. */
GST_TWITCH_API bool chat_config_validate (ChatConfig &config, GError **error);

struct ChatCallbacks {
  /* Every message received (PRIVMSG, USERNOTICE, ..., PING), after the
   * client handled it, with duplicates removed. */
  std::function<void (ChatMessage &&msg)> on_message;
  /* Optional, for high message rates: when set, chat data lines (PRIVMSG,
   * USERNOTICE, WHISPER, CLEARCHAT, CLEARMSG, HOSTTARGET) are not parsed
   * into ChatMessage on the client thread but handed over raw, duplicates
   * already removed, one batch per socket read: @lines joined by '\n',
   * with their arrival time (monotonic us, and ms since the epoch). Parse
   * them with chat_message_parse() where they are consumed. Everything
   * else still goes to on_message. */
  std::function<void (
      std::string &&lines, int64_t arrival_mono_us, int64_t arrival_real_ms)>
      on_lines;
  std::function<void (const SendResult &result)> on_send_result;
  /* Connection state changes: attempt and delay for RECONNECTING, the
   * reason (may be null). */
  std::function<void (
      ChatState state, int attempt, int64_t delay_us, const GError *reason)>
      on_state;
  /* The client stopped for good (login refused, retries exhausted). */
  std::function<void (const GError *error)> on_fatal;
  /* A JOIN that was not confirmed in time (TWITCH_CHAT_ERROR_JOIN_TIMEOUT),
   * or a NOTICE refusing it. */
  std::function<void (const std::string &channel, const GError *error)>
      on_join_failed;
  std::function<void (const std::string &channel)> on_joined;
};

struct ChatStats {
  uint64_t messages_received = 0;
  uint64_t bytes_received = 0;
  uint64_t duplicates_dropped = 0;
  uint64_t parse_errors = 0;
  uint64_t connects = 0;
  uint64_t reconnects = 0;
  uint64_t sent = 0;
  uint64_t queued = 0;
};

class GST_TWITCH_API ChatClient
{
 public:
  ChatClient (ChatConfig config, ChatCallbacks callbacks);
  ~ChatClient ();
  ChatClient (const ChatClient &) = delete;
  ChatClient &operator= (const ChatClient &) = delete;

  /* Starts the client thread and the first connection. False (with
   * TWITCH_CHAT_ERROR_SETTINGS) when a channel, the login or the token is
   * not valid (chat_config_validate()): nothing is sent. */
  bool start (GError **error);
  /* Closes the connection and joins the thread. Queued sends are reported
   * FAILED ("stopped"). Idempotent. */
  void stop ();

  /* Queues @text for @channel (split at 500 code points on spaces), as a
   * reply to @reply_parent_id when not empty. Returns the send id (> 0)
   * that the outcome callback reports once for the whole text. A channel
   * that is not a Twitch name, a reply id that is not a message id, or a
   * text with a line break, NUL or invalid UTF-8 is reported FAILED with
   * the reason, and nothing is written. Thread-safe. */
  uint64_t send (const std::string &channel, const std::string &text,
      const std::string &reply_parent_id = {});
  /* Adds / removes channels (a list as chat_parse_channels() takes;
   * joined at once when connected). Invalid names are ignored with a
   * warning. */
  void join (const std::string &channel);
  void part (const std::string &channel);
  /* Sends a raw line (tests, custom commands); a line with CR, LF or NUL
   * is refused. Thread-safe. */
  void send_raw (const std::string &line);

  ChatState state () const;
  ChatStats stats () const;
  /* The nick in use (login, or justinfan<digits>). */
  std::string nick () const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

} // namespace twitch
