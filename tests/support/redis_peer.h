/* Test support: a redis-server of the test's own on 127.0.0.1 (free port, no
 * persistence), stopped by pid. */
#pragma once

#include "peer.h"

#include <memory>
#include <string>
#include <vector>

namespace twitch_test
{

class RedisPeer
{
 public:
  /* @extra_args are appended to the command line (e.g. {"--requirepass",
   * "secret"}). */
  explicit RedisPeer (std::vector<std::string> extra_args = {});
  ~RedisPeer ();

  /* Empty when redis-server is not installed (skip the test). */
  static std::string program ();

  /* Starts the server (again, on the same port after kill_hard()) and waits
   * until it accepts connections. */
  bool start (GError **error);
  int port () const { return port_; }
  PeerProcess &process () { return *process_; }

 private:
  TempDir dir_;
  int port_ = -1;
  std::vector<std::string> extra_args_;
  std::unique_ptr<PeerProcess> process_;
};

} // namespace twitch_test
