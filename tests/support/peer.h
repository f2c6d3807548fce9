/* Test support: real local peers (servers started by a test on loopback,
 * stopped by pid), free ports, temporary folders. Shared by every test. */
#pragma once

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace twitch_test
{

/* A TCP port on 127.0.0.1 nobody listens on right now (bind to port 0).
 * Released at once: another process may take it before the caller's peer
 * binds it, so a peer started on it must be checked with
 * wait_until_listening() and restarted on another port when it lost the
 * race (NginxRtmpPeer, RedisPeer, ... do). For an address nobody answers,
 * use RefusedPort. */
int free_loopback_port ();

/* A port on 127.0.0.1 that refuses connections for as long as this object
 * lives: bound (without SO_REUSEADDR, so no other socket can take it) but
 * never listening. A dead server that cannot come alive because a peer of
 * another test happened to pick its number. */
class RefusedPort
{
 public:
  RefusedPort ();
  ~RefusedPort ();
  RefusedPort (const RefusedPort &) = delete;
  RefusedPort &operator= (const RefusedPort &) = delete;
  int port () const { return port_; }
  /* scheme://127.0.0.1:PORT followed by @path. */
  std::string url (const char *scheme, const char *path = "") const;

 private:
  int fd_ = -1;
  int port_ = -1;
};

/* True when process @pid itself has a socket listening on @address:@port
 * (not merely someone: the port may have been taken by another process
 * between free_loopback_port() and the peer's bind). */
bool process_listens_on (
    int pid, int port, const std::string &address = "127.0.0.1");

/* Polls until something accepts on 127.0.0.1:@port, up to @timeout_ms. */
bool wait_for_tcp (int port, int timeout_ms);
/* Same on another loopback address (127.0.0.2...). */
bool wait_for_tcp_on (const std::string &address, int port, int timeout_ms);

/* Absolute path of a program, looking in PATH and in /usr/sbin, /sbin; empty
 * when absent (the test should then GTEST_SKIP with the package's name). */
std::string find_program (const char *name);
/* The same, or empty with @error naming the Debian @package to install. */
std::string find_program_or_error (
    const char *name, const char *package, GError **error);

/* A fresh folder under $TMPDIR, removed (recursively) by the destructor. */
class TempDir
{
 public:
  explicit TempDir (const char *prefix = "gst-twitch-test");
  ~TempDir ();
  TempDir (const TempDir &) = delete;
  TempDir &operator= (const TempDir &) = delete;
  const std::string &path () const { return path_; }
  std::string file (const std::string &name) const
  {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

/* Reads a whole file; empty when it cannot. */
std::string read_file (const std::string &path);
bool write_file (const std::string &path, const std::string &contents);

/* A server process owned by a test. It dies with the test process
 * (PR_SET_PDEATHSIG), so a crashed test leaves no peer running. */
class PeerProcess
{
 public:
  PeerProcess (std::string name, std::vector<std::string> argv,
      std::string log_path = {});
  ~PeerProcess ();
  PeerProcess (const PeerProcess &) = delete;
  PeerProcess &operator= (const PeerProcess &) = delete;

  bool start (GError **error);
  /* SIGTERM, then SIGKILL after @grace_ms. */
  void stop (int grace_ms = 3000);
  /* SIGKILL: a dropped ingest or server. */
  void kill_hard ();
  /* SIGSTOP / SIGCONT: a stalled peer (socket open, nothing read). */
  void pause ();
  void resume ();
  bool running () const;
  int pid () const;
  const std::string &name () const { return name_; }
  const std::string &log_path () const { return log_path_; }

 private:
  std::string name_;
  std::vector<std::string> argv_;
  std::string log_path_;
  GSubprocess *proc_ = nullptr;
};

enum class Listening { kYes, kExited, kTimedOut };

/* Waits until @proc itself listens on every (address, port) of @where
 * (see process_listens_on). kExited: the process ended first (most often:
 * a port was taken, the caller starts it again on other ports). */
Listening wait_until_listening (const PeerProcess &proc,
    const std::vector<std::pair<std::string, int>> &where, int timeout_ms);

/* How many times a peer is started on fresh ports when it lost a port race
 * before the test gives up. */
constexpr int kPortAttempts = 5;

/* Starts a server that listens on a port the test chooses (nothing to do
 * while @proc runs): @make builds its process for a port (writing any
 * configuration). A first start (@port < 0)
 * picks a free port and, when the process lost it to another one, tries
 * again on a new one; a restart keeps @port. On failure @error names the
 * process and quotes its log. */
bool start_on_port (std::unique_ptr<PeerProcess> &proc, int &port,
    const std::function<std::unique_ptr<PeerProcess> (int)> &make,
    int timeout_ms, GError **error);

/* True when @predicate holds within @timeout_ms, polling every 20 ms while
 * iterating the default main context: a wait on an event, with a generous
 * timeout, instead of a sleep that stands for it. */
template <typename F>
bool
poll_until (F predicate, int timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  while (g_get_monotonic_time () < end) {
    if (predicate ())
      return true;
    while (g_main_context_iteration (nullptr, FALSE))
      ;
    g_usleep (20 * 1000);
  }
  return predicate ();
}

} // namespace twitch_test
