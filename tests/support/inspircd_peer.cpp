/* inspircd 3 as a test peer (see inspircd_peer.h). */
#include "support/inspircd_peer.h"

namespace twitch_test
{

InspircdPeer::InspircdPeer () = default;

InspircdPeer::~InspircdPeer ()
{
  stop ();
}

bool
InspircdPeer::start (GError **error)
{
  binary_ = find_program_or_error ("inspircd", "inspircd", error);
  if (binary_.empty ())
    return false;
  dir_ = std::make_unique<TempDir> ("inspircd");
  port_ = -1;
  return launch (error);
}

void
InspircdPeer::write_config (int port) const
{
  const std::string &d = dir_->path ();
  std::string conf
      = "<server name=\"irc.test.local\" description=\"gst-twitch test\" "
        "network=\"TestNet\">\n"
        "<admin name=\"test\" nick=\"test\" email=\"test@example.invalid\">\n"
        "<bind address=\"127.0.0.1\" port=\""
        + std::to_string (port)
        + "\" type=\"clients\">\n"
          "<power diepass=\"die-test\" restartpass=\"restart-test\">\n"
          "<connect allow=\"*\" timeout=\"60\" threshold=\"1000\" "
          "pingfreq=\"120\" hardsendq=\"1048576\" softsendq=\"262144\" "
          "recvq=\"65536\" localmax=\"1000\" globalmax=\"1000\" "
          "resolvehostnames=\"no\" useident=\"no\" fakelag=\"off\" "
          "commandrate=\"100000\">\n"
          "<files motd=\""
        + d
        + "/motd\">\n"
          "<dns server=\"127.0.0.1\" timeout=\"1\">\n"
          "<pid file=\""
        + d
        + "/inspircd.pid\">\n"
          "<path configdir=\""
        + d + "\" datadir=\"" + d + "\" logdir=\"" + d + "\" runtimedir=\"" + d
        + "\">\n"
          "<options syntaxhints=\"no\" announcets=\"yes\" pingwarning=\"15\">\n"
          "<security hideserver=\"\" userstats=\"Pu\" maxtargets=\"20\">\n"
          "<performance netbuffersize=\"10240\" somaxconn=\"128\" "
          "softlimit=\"1024\" clonesonconnect=\"no\" timeskipwarn=\"0\" "
          "quietbursts=\"yes\">\n"
          "<log method=\"file\" type=\"* -USERINPUT -USEROUTPUT\" "
          "level=\"default\" target=\""
        + d
        + "/ircd.log\">\n"
          "<limits maxline=\"8192\">\n"
          "<module name=\"cap\">\n"
          "<module name=\"ircv3\">\n"
          "<module name=\"ircv3_ctctags\">\n"
          "<module name=\"ircv3_msgid\">\n";
  write_file (dir_->file ("motd"), "gst-twitch test server\n");
  write_file (dir_->file ("inspircd.conf"), conf);
}

/* A first start picks the port (again when another process took it); a
 * restart keeps it. */
bool
InspircdPeer::launch (GError **error)
{
  return start_on_port (
      proc_, port_,
      [&] (int port) {
        write_config (port);
        return std::make_unique<PeerProcess> ("inspircd",
            std::vector<std::string>{binary_,
                "--config=" + dir_->file ("inspircd.conf"), "--nofork",
                "--runasroot", "--nopid"},
            dir_->file ("stdout.log"));
      },
      30000, error);
}

bool
InspircdPeer::restart (GError **error)
{
  if (proc_)
    proc_->stop (2000);
  return launch (error);
}

void
InspircdPeer::stop ()
{
  if (proc_) {
    proc_->stop (3000);
    proc_.reset ();
  }
}

void
InspircdPeer::kill_hard ()
{
  if (proc_)
    proc_->kill_hard ();
}

std::string
InspircdPeer::log () const
{
  if (!dir_)
    return {};
  return read_file (dir_->file ("stdout.log"))
         + read_file (dir_->file ("ircd.log"));
}

} // namespace twitch_test
