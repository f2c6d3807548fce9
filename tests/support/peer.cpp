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

RefusedPort::RefusedPort ()
{
  fd_ = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  socklen_t len = sizeof (addr);
  if (bind (fd_, reinterpret_cast<sockaddr *> (&addr), sizeof (addr)) == 0
      && getsockname (fd_, reinterpret_cast<sockaddr *> (&addr), &len) == 0)
    port_ = ntohs (addr.sin_port);
}

RefusedPort::~RefusedPort ()
{
  if (fd_ >= 0)
    close (fd_);
}

std::string
RefusedPort::url (const char *scheme, const char *path) const
{
  return std::string (scheme) + "://127.0.0.1:" + std::to_string (port_) + path;
}

/* Inodes of the sockets listening on @address:@port (/proc/net/tcp). */
static std::vector<std::string>
listening_inodes (const std::string &address, int port)
{
  std::vector<std::string> out;
  in_addr a{};
  if (inet_pton (AF_INET, address.c_str (), &a) != 1)
    return out;
  /* The table prints the address as the host-order value of its bytes. */
  gchar local[32];
  g_snprintf (local, sizeof (local), "%08X:%04X", (unsigned)a.s_addr, port);
  std::string table = read_file ("/proc/net/tcp");
  gchar **lines = g_strsplit (table.c_str (), "\n", -1);
  for (gchar **l = lines; *l; ++l) {
    /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
    gchar **f = g_strsplit_set (g_strstrip (*l), " ", -1);
    std::vector<const char *> fields;
    for (gchar **x = f; *x; ++x)
      if (**x)
        fields.push_back (*x);
    if (fields.size () > 9 && g_strcmp0 (fields[1], local) == 0
        && g_strcmp0 (fields[3], "0A") == 0)
      out.emplace_back (fields[9]);
    g_strfreev (f);
  }
  g_strfreev (lines);
  return out;
}

bool
process_listens_on (int pid, int port, const std::string &address)
{
  std::vector<std::string> inodes = listening_inodes (address, port);
  if (inodes.empty () || pid <= 0)
    return false;
  std::string fd_dir = "/proc/" + std::to_string (pid) + "/fd";
  GDir *dir = g_dir_open (fd_dir.c_str (), 0, nullptr);
  if (dir == nullptr)
    return false;
  bool found = false;
  while (const char *name = g_dir_read_name (dir)) {
    gchar *target = g_file_read_link ((fd_dir + "/" + name).c_str (), nullptr);
    if (target) {
      for (const auto &inode : inodes)
        found |= ("socket:[" + inode + "]") == target;
      g_free (target);
    }
    if (found)
      break;
  }
  g_dir_close (dir);
  return found;
}

Listening
wait_until_listening (const PeerProcess &proc,
    const std::vector<std::pair<std::string, int>> &where, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;
  while (true) {
    if (!proc.running ())
      return Listening::kExited;
    bool all = true;
    for (const auto &w : where)
      all = all && process_listens_on (proc.pid (), w.second, w.first);
    if (all)
      return Listening::kYes;
    if (g_get_monotonic_time () >= deadline)
      return Listening::kTimedOut;
    g_usleep (20 * 1000);
  }
}

bool
start_on_port (std::unique_ptr<PeerProcess> &proc, int &port,
    const std::function<std::unique_ptr<PeerProcess> (int)> &make,
    int timeout_ms, GError **error)
{
  if (proc && proc->running ())
    return true;
  bool fresh = port < 0;
  for (int attempt = 1;; attempt++) {
    if (fresh)
      port = free_loopback_port ();
    proc = make (port);
    if (!proc->start (error))
      return false;
    Listening l
        = wait_until_listening (*proc, {{"127.0.0.1", port}}, timeout_ms);
    if (l == Listening::kYes)
      return true;
    proc->kill_hard ();
    if (l == Listening::kExited && fresh && attempt < kPortAttempts)
      continue;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "%s did not listen on 127.0.0.1:%d (%s): %s", proc->name ().c_str (),
        port, l == Listening::kExited ? "it exited" : "timed out",
        read_file (proc->log_path ()).c_str ());
    return false;
  }
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

std::string
find_program_or_error (const char *name, const char *package, GError **error)
{
  std::string path = find_program (name);
  if (path.empty ())
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "%s is not installed (apt-get install %s)", name, package);
  return path;
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
