/* Chat over EventSub: the transport ChatClient uses with
 * ChatConfig::transport = EVENTSUB. Same callbacks, same model, same send
 * limiter and policy as IRC; only the wire differs:
 *
 * - reading: the EventSub WebSocket (libsoup 3) on the client's own thread
 *   and GMainContext. session_welcome -> the five channel.chat.*
 *   subscriptions of every joined channel (POST
 *   /helix/eventsub/subscriptions, condition broadcaster_user_id from a
 *   batched /helix/users lookup, user_id from the token's validation),
 *   within Twitch's 10 s; a keepalive watchdog from
 *   keepalive_timeout_seconds; session_reconnect -> reconnect_url, the old
 *   socket kept until the new welcome, nothing resubscribed (subscriptions
 *   move with the session); a close code (4000-4007) or an unclean drop ->
 *   a new session after the chat backoff (with jitter), everything
 *   resubscribed; duplicates dropped by metadata.message_id across
 *   sessions (a bounded set).
 * - events: channel.chat.* mapped into ChatMessage as IRC would have given
 *   them (chat/eventsub-map.h), transport EVENTSUB.
 * - sending: POST /helix/chat/messages (broadcaster_id, sender_id,
 *   message, reply_parent_message_id); the outcome from is_sent and
 *   drop_reason (its code as the reason).
 *
 * Helix calls (blocking, libsoup) run on GIO's worker threads and report
 * back to the client thread; callbacks run on the client thread. */
#pragma once

#include <gst/twitch/chat/client.h>

#include <memory>
#include <string>

namespace twitch
{

class EventSubChat
{
 public:
  /* @config was checked by chat_config_validate(); a token is required
   * (start() fails with TWITCH_CHAT_ERROR_SETTINGS without one). */
  EventSubChat (const ChatConfig &config, const ChatCallbacks &callbacks);
  ~EventSubChat ();
  EventSubChat (const EventSubChat &) = delete;
  EventSubChat &operator= (const EventSubChat &) = delete;

  bool start (GError **error);
  void stop ();
  uint64_t send (const std::string &channel, const std::string &text,
      const std::string &reply_parent_id);
  void join (const std::string &list);
  void part (const std::string &list);
  ChatState state () const;
  ChatStats stats () const;
  std::string nick () const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

} // namespace twitch
