#include "redis_peer.h"

namespace twitch_test
{

RedisPeer::RedisPeer (std::vector<std::string> extra_args)
    : dir_ ("gst-twitch-redis"), extra_args_ (std::move (extra_args))
{
}

RedisPeer::~RedisPeer ()
{
  if (process_)
    process_->stop ();
}

std::string
RedisPeer::program ()
{
  return find_program ("redis-server");
}

bool
RedisPeer::start (GError **error)
{
  std::string prog = program ();
  if (prog.empty ()) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "redis-server is not installed (apt-get install redis-server)");
    return false;
  }
  if (process_ && process_->running ())
    return true;
  if (port_ < 0)
    port_ = free_loopback_port ();
  std::vector<std::string> argv = {prog, "--port", std::to_string (port_),
      "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize",
      "no", "--dir", dir_.path (), "--logfile", ""};
  argv.insert (argv.end (), extra_args_.begin (), extra_args_.end ());
  process_ = std::make_unique<PeerProcess> (
      "redis-server", argv, dir_.file ("redis.log"));
  if (!process_->start (error))
    return false;
  if (!wait_for_tcp (port_, 20000)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "redis-server did not listen on 127.0.0.1:%d (log: %s)", port_,
        read_file (dir_.file ("redis.log")).c_str ());
    return false;
  }
  return true;
}

} // namespace twitch_test
