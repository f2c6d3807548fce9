#include "peer.h"

#include <glib/gstdio.h>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace twitch_test
{

int
free_loopback_port ()
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof (addr);
  int port = -1;
  if (bind (fd, reinterpret_cast<sockaddr *> (&addr), sizeof (addr)) == 0
      && getsockname (fd, reinterpret_cast<sockaddr *> (&addr), &len) == 0)
    port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

bool
wait_for_tcp (int port, int timeout_ms)
{
  return wait_for_tcp_on ("127.0.0.1", port, timeout_ms);
}

bool
wait_for_tcp_on (const std::string &address, int port, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;
  while (g_get_monotonic_time () < deadline) {
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    inet_pton (AF_INET, address.c_str (), &addr.sin_addr);
    addr.sin_port = htons (static_cast<uint16_t> (port));
    bool ok = connect (fd, reinterpret_cast<sockaddr *> (&addr), sizeof (addr))
              == 0;
    close (fd);
    if (ok)
      return true;
    g_usleep (20 * 1000);
  }
  return false;
}

std::string
find_program (const char *name)
{
  gchar *path = g_find_program_in_path (name);
  if (path != nullptr) {
    std::string result (path);
    g_free (path);
    return result;
  }
  for (const char *dir : {"/usr/sbin", "/sbin", "/usr/local/sbin"}) {
    std::string candidate = std::string (dir) + "/" + name;
    if (g_file_test (candidate.c_str (), G_FILE_TEST_IS_EXECUTABLE))
      return candidate;
  }
  return {};
}

TempDir::TempDir (const char *prefix)
{
  std::string tmpl = std::string (prefix) + "-XXXXXX";
  gchar *dir = g_dir_make_tmp (tmpl.c_str (), nullptr);
  path_ = dir ? dir : "";
  g_free (dir);
}

static void
remove_tree (GFile *file)
{
  GFileEnumerator *e = g_file_enumerate_children (file,
      G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
      G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, nullptr, nullptr);
  if (e != nullptr) {
    GFileInfo *info;
    while ((info = g_file_enumerator_next_file (e, nullptr, nullptr))) {
      GFile *child = g_file_get_child (file, g_file_info_get_name (info));
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_file_delete (child, nullptr, nullptr);
      g_object_unref (child);
      g_object_unref (info);
    }
    g_object_unref (e);
  }
  g_file_delete (file, nullptr, nullptr);
}

TempDir::~TempDir ()
{
  if (path_.empty () || g_getenv ("GST_TWITCH_KEEP_TEST_FILES"))
    return;
  GFile *dir = g_file_new_for_path (path_.c_str ());
  remove_tree (dir);
  g_object_unref (dir);
}

std::string
read_file (const std::string &path)
{
  gchar *contents = nullptr;
  gsize len = 0;
  if (!g_file_get_contents (path.c_str (), &contents, &len, nullptr))
    return {};
  std::string s (contents, len);
  g_free (contents);
  return s;
}

bool
write_file (const std::string &path, const std::string &contents)
{
  return g_file_set_contents (path.c_str (), contents.data (),
      static_cast<gssize> (contents.size ()), nullptr);
}

PeerProcess::PeerProcess (
    std::string name, std::vector<std::string> argv, std::string log_path)
    : name_ (std::move (name)), argv_ (std::move (argv)),
      log_path_ (std::move (log_path))
{
}

PeerProcess::~PeerProcess ()
{
  stop ();
}

static void
die_with_parent (gpointer)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

bool
PeerProcess::start (GError **error)
{
  if (running ())
    return true;
  g_clear_object (&proc_);
  GSubprocessLauncher *launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_set_child_setup (
      launcher, die_with_parent, nullptr, nullptr);
  if (!log_path_.empty ()) {
    g_subprocess_launcher_set_stdout_file_path (launcher, log_path_.c_str ());
    g_subprocess_launcher_set_stderr_file_path (launcher, log_path_.c_str ());
  }
  std::vector<const gchar *> args;
  for (const auto &a : argv_)
    args.push_back (a.c_str ());
  args.push_back (nullptr);
  proc_ = g_subprocess_launcher_spawnv (launcher, args.data (), error);
  g_object_unref (launcher);
  return proc_ != nullptr;
}

bool
PeerProcess::running () const
{
  return proc_ != nullptr && g_subprocess_get_identifier (proc_) != nullptr;
}

int
PeerProcess::pid () const
{
  const gchar *id = proc_ ? g_subprocess_get_identifier (proc_) : nullptr;
  return id ? atoi (id) : -1;
}

void
PeerProcess::stop (int grace_ms)
{
  if (!running ())
    return;
  resume ();
  g_subprocess_send_signal (proc_, SIGTERM);
  gint64 deadline = g_get_monotonic_time () + grace_ms * 1000LL;
  while (running () && g_get_monotonic_time () < deadline) {
    /* GSubprocess reaps through the GLib worker thread. */
    g_usleep (10 * 1000);
  }
  if (running ())
    kill_hard ();
}

void
PeerProcess::kill_hard ()
{
  if (!running ())
    return;
  g_subprocess_force_exit (proc_);
  g_subprocess_wait (proc_, nullptr, nullptr);
}

void
PeerProcess::pause ()
{
  if (running ())
    g_subprocess_send_signal (proc_, SIGSTOP);
}

void
PeerProcess::resume ()
{
  if (running ())
    g_subprocess_send_signal (proc_, SIGCONT);
}

} // namespace twitch_test
