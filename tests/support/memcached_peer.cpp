#include "memcached_peer.h"

#include <unistd.h>

namespace twitch_test
{

MemcachedPeer::MemcachedPeer () : dir_ ("gst-twitch-memcached") {}

MemcachedPeer::~MemcachedPeer ()
{
  /* memcached takes about a second to honour SIGTERM and keeps nothing
   * worth a clean shutdown. */
  if (process_)
    process_->stop (200);
}

std::string
MemcachedPeer::program ()
{
  return find_program ("memcached");
}

std::string
MemcachedPeer::address () const
{
  return "127.0.0.1:" + std::to_string (port_);
}

bool
MemcachedPeer::start (GError **error)
{
  std::string prog = find_program_or_error ("memcached", "memcached", error);
  return !prog.empty ()
         && start_on_port (
             process_, port_,
             [&] (int port) {
               std::vector<std::string> argv = {prog, "-l", "127.0.0.1", "-p",
                   std::to_string (port), "-U", "0"};
               /* memcached refuses to run as root unless told which user to be.
                */
               if (geteuid () == 0) {
                 argv.push_back ("-u");
                 argv.push_back ("root");
               }
               return std::make_unique<PeerProcess> (
                   "memcached", argv, dir_.file ("memcached.log"));
             },
             20000, error);
}

} // namespace twitch_test
