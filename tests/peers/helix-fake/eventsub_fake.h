/* The EventSub part of the Helix fake (internal to tests/peers/helix-fake):
 * the WebSocket at ws://127.0.0.1:PORT/ws, the subscription endpoints
 * (/helix/eventsub/subscriptions) and Send Chat Message
 * (/helix/chat/messages), in Twitch's documented shapes
 * (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/,
 * .../websocket-reference/, the channel.chat.* subscription types).
 *
 * Every connection, session and subscription lives on the fake's thread;
 * the public methods are thread-safe (they run there and wait). */
#pragma once

#include "helix_fake.h"

#include <libsoup/soup.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace twitch_test
{

struct EventSubUser {
  std::string id, login, name;
};

class EventSubFake
{
 public:
  using Params = std::vector<std::pair<std::string, std::string>>;
  struct Hooks {
    std::function<std::optional<EventSubUser> (const std::string &login)>
        user_by_login;
    std::function<std::optional<EventSubUser> (const std::string &id)>
        user_by_id;
  };
  struct Answer {
    unsigned status = 200;
    std::string body;
  };

  EventSubFake (const HelixFakeOptions &opt, Hooks hooks);
  ~EventSubFake ();
  EventSubFake (const EventSubFake &) = delete;
  EventSubFake &operator= (const EventSubFake &) = delete;

  /* On the fake's thread, once the server listens / before it stops. */
  void attach (SoupServer *server, GMainContext *context, int port);
  void detach ();

  static bool is_eventsub_path (const std::string &path);
  /* A Helix request on one of those paths, with a valid token of @user_id
   * (empty: an app token) and @scopes; on the fake's thread. */
  Answer helix (const std::string &method, const std::string &path,
      const Params &query, const std::string &body, const std::string &user_id,
      const std::vector<std::string> &scopes);

  std::string url () const;

  /* The i-th message of a blast, for the benchmark's IRC line on the same
   * messages: chatter, text, a Kappa at emote_start (code points), badges,
   * colour and reply are the same in both forms. */
  struct BlastItem {
    std::string login, name, user_id, color, text;
    bool emote = false, subscriber = false, reply = false;
    long emote_start = 0;
  };
  static BlastItem blast_item (uint64_t i);
  static std::string blast_irc_line (uint64_t i,
      const EventSubUser &broadcaster, const std::string &message_id,
      int64_t sent_ms);
  static std::string color_of (const std::string &user_id);

  /* Scripting (any thread). */
  void notify (const std::string &type, const std::string &event_json,
      const std::string &message_id);
  void notify_message (const std::string &message_json);
  void chat_message (const std::string &broadcaster_login,
      const std::string &chatter_login, const std::string &text);
  void reconnect ();
  void close_all (unsigned short code);
  void drop_all ();
  void silence (bool on);
  void set_drop_reason (const std::string &code, const std::string &message);
  void blast (const std::string &broadcaster_login, uint64_t count);
  void revoke (const std::string &type, const std::string &status);

  size_t sessions () const;
  uint64_t connections () const;
  size_t subscriptions () const;
  std::vector<std::string> subscription_types (
      const std::string &session_id) const;
  std::vector<std::string> session_ids () const;
  std::vector<std::string> sent_chat_messages () const;
  uint64_t notifications_sent () const;

  struct State;

 private:
  std::unique_ptr<State> s_;
};

} // namespace twitch_test
