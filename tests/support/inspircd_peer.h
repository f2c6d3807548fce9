/* A real IRCv3 server for interop tests: Debian 12's inspircd 3 with the
 * cap, ircv3, ircv3_ctctags (message-tags, client-only `+` tags) and
 * ircv3_msgid modules, on 127.0.0.1 at a free port, no DNS, no flood
 * limits, started with --nofork --runasroot and stopped by pid. */
#pragma once

#include "support/peer.h"

#include <memory>
#include <string>

namespace twitch_test
{

class InspircdPeer
{
 public:
  InspircdPeer ();
  ~InspircdPeer ();
  /* False with @error when inspircd is missing (skip the test) or it does
   * not accept connections within 30 s. */
  bool start (GError **error);
  /* Starts it again on the same port (after kill_hard()). */
  bool restart (GError **error);
  void stop ();
  void kill_hard ();
  int port () const { return port_; }
  std::string uri () const
  {
    return "irc://127.0.0.1:" + std::to_string (port_);
  }
  std::string log () const;

 private:
  bool launch (GError **error);
  void write_config (int port) const;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<PeerProcess> proc_;
  std::string binary_;
  int port_ = -1;
};

} // namespace twitch_test
