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
  std::string prog = program ();
  if (prog.empty ()) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "memcached is not installed (apt-get install memcached)");
    return false;
  }
  if (process_ && process_->running ())
    return true;
  if (port_ < 0)
    port_ = free_loopback_port ();
  std::vector<std::string> argv
      = {prog, "-l", "127.0.0.1", "-p", std::to_string (port_), "-U", "0"};
  /* memcached refuses to run as root unless told which user to be. */
  if (geteuid () == 0) {
    argv.push_back ("-u");
    argv.push_back ("root");
  }
  process_ = std::make_unique<PeerProcess> (
      "memcached", argv, dir_.file ("memcached.log"));
  if (!process_->start (error))
    return false;
  if (!wait_for_tcp (port_, 20000)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "memcached did not listen on 127.0.0.1:%d (log: %s)", port_,
        read_file (dir_.file ("memcached.log")).c_str ());
    return false;
  }
  return true;
}

} // namespace twitch_test
