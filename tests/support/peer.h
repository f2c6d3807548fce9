/* Test support: real local peers (servers started by a test on loopback,
 * stopped by pid), free ports, temporary folders. Shared by every test. */
#pragma once

#include <gio/gio.h>

#include <string>
#include <vector>

namespace twitch_test
{

/* A TCP port on 127.0.0.1 nobody listens on right now (bind to port 0). */
int free_loopback_port ();

/* Polls until something accepts on 127.0.0.1:@port, up to @timeout_ms. */
bool wait_for_tcp (int port, int timeout_ms);
/* Same on another loopback address (127.0.0.2...). */
bool wait_for_tcp_on (const std::string &address, int port, int timeout_ms);

/* Absolute path of a program, looking in PATH and in /usr/sbin, /sbin; empty
 * when absent (the test should then GTEST_SKIP with the package's name). */
std::string find_program (const char *name);

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
