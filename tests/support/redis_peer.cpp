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
  std::string prog
      = find_program_or_error ("redis-server", "redis-server", error);
  return !prog.empty ()
         && start_on_port (
             process_, port_,
             [&] (int port) {
               std::vector<std::string> argv = {prog, "--port",
                   std::to_string (port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--daemonize", "no", "--dir",
                   dir_.path (), "--logfile", ""};
               argv.insert (
                   argv.end (), extra_args_.begin (), extra_args_.end ());
               return std::make_unique<PeerProcess> (
                   "redis-server", argv, dir_.file ("redis.log"));
             },
             20000, error);
}

} // namespace twitch_test
