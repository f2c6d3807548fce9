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
  binary_ = find_program ("inspircd");
  if (binary_.empty ()) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "inspircd not found (Debian package inspircd)");
    return false;
  }
  dir_ = std::make_unique<TempDir> ("inspircd");
  port_ = free_loopback_port ();
  const std::string &d = dir_->path ();
  std::string conf
      = "<server name=\"irc.test.local\" description=\"gst-twitch test\" "
        "network=\"TestNet\">\n"
        "<admin name=\"test\" nick=\"test\" email=\"test@example.invalid\">\n"
        "<bind address=\"127.0.0.1\" port=\""
        + std::to_string (port_)
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
  return launch (error);
}

bool
InspircdPeer::launch (GError **error)
{
  proc_ = std::make_unique<PeerProcess> ("inspircd",
      std::vector<std::string>{binary_,
          "--config=" + dir_->file ("inspircd.conf"), "--nofork", "--runasroot",
          "--nopid"},
      dir_->file ("stdout.log"));
  if (!proc_->start (error))
    return false;
  if (!wait_for_tcp (port_, 30000)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "inspircd did not listen on %d: %s", port_, log ().c_str ());
    return false;
  }
  return true;
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
