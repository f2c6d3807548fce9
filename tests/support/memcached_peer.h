/* Test support: a memcached of the test's own on 127.0.0.1 (free port, TCP
 * only), stopped by pid. */
#pragma once

#include "peer.h"

#include <memory>
#include <string>

namespace twitch_test
{

class MemcachedPeer
{
 public:
  MemcachedPeer ();
  ~MemcachedPeer ();

  /* Empty when memcached is not installed (skip the test). */
  static std::string program ();

  /* Starts the server (again, on the same port after kill_hard()) and waits
   * until it accepts connections. */
  bool start (GError **error);
  int port () const { return port_; }
  /* "127.0.0.1:PORT", for MEMCACHE_SERVERS. */
  std::string address () const;
  PeerProcess &process () { return *process_; }

 private:
  TempDir dir_;
  int port_ = -1;
  std::unique_ptr<PeerProcess> process_;
};

} // namespace twitch_test
