/* File backend: one file per entry in a two-level fan-out tree,
 *   <dir>/<key[0:2]>/<key[2:4]>/<key>
 * holding cache_encode() bytes. Writes are atomic (a temporary ".tmp-*" file
 * in the same folder, renamed over the entry), so readers in this or any
 * other process see the old entry or the new one, never a mix. Folders are
 * 0700 and files 0600 whatever the umask: the answers can be private (a
 * user's followed channels, subscriptions).
 *
 * Size cap: the backend keeps an estimate of the bytes in the tree (from a
 * scan on first write, then its own writes, rescanned every few minutes to
 * see other processes' writes). Past the cap it scans the tree and removes
 * the entries read or written longest ago (a hit touches the file's mtime)
 * until the tree is at 90% of the cap.
 *
 * Anything unreadable, corrupt, truncated or expired is a miss and is
 * removed, so the caller's next put() rewrites it. */
#include "config.h"

#include "cache-private.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace twitch
{

namespace
{

using namespace cache_internal;

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr const char *kTempPrefix = ".tmp-";
/* Temporary files of a writer that died are removed by the next scan once
 * they are this old. */
constexpr int64_t kStaleTempUs = 3600LL * G_USEC_PER_SEC;
/* How often the size estimate is refreshed from the disk. */
constexpr int64_t kRescanUs = 300LL * G_USEC_PER_SEC;
/* An entry file larger than this is not ours: ignored and removed. */
constexpr off_t kMaxEntryFile = 80LL << 20;

std::string
errno_text (int err)
{
  return g_strerror (err);
}

/* mkdir that ends with exactly @mode on a folder it creates, whatever the
 * umask. True when the folder exists afterwards. */
bool
make_dir (const std::string &path)
{
  if (g_mkdir (path.c_str (), kDirMode) == 0) {
    g_chmod (path.c_str (), kDirMode);
    return true;
  }
  return errno == EEXIST;
}

bool
write_all (int fd, const std::string &data)
{
  size_t done = 0;
  while (done < data.size ()) {
    ssize_t n = write (fd, data.data () + done, data.size () - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    done += static_cast<size_t> (n);
  }
  return true;
}

bool
read_all (int fd, size_t size, std::string *out)
{
  out->resize (size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = read (fd, out->data () + done, size - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    if (n == 0)
      break;
    done += static_cast<size_t> (n);
  }
  out->resize (done);
  return true;
}

struct ScannedFile {
  std::string path;
  int64_t mtime_ns;
  uint64_t size;
};

class FileCache final : public Cache
{
 public:
  FileCache (std::string root, uint64_t max_bytes, bool do_fsync)
      : root_ (std::move (root)), max_bytes_ (max_bytes), fsync_ (do_fsync),
        write_gate_ ("file cache " + root_, 5000, 60000)
  {
  }

  const char *name () const override { return "file"; }

  std::optional<CacheEntry> get (const std::string &key) override
  {
    std::string path = path_for (key);
    int fd = g_open (path.c_str (), O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    if (fd < 0) {
      if (errno != ENOENT && errno != ENOTDIR)
        CACHE_DEBUG ("file: cannot read %s: %s", path.c_str (),
            errno_text (errno).c_str ());
      return std::nullopt;
    }
    struct stat st;
    std::string bytes;
    bool ok = fstat (fd, &st) == 0 && S_ISREG (st.st_mode)
              && st.st_size <= kMaxEntryFile
              && read_all (fd, static_cast<size_t> (st.st_size), &bytes);
    std::optional<CacheEntry> entry;
    if (ok)
      entry = cache_decode (bytes, now_us ());
    if (entry) {
      /* Last access, for eviction. */
      futimens (fd, nullptr);
    } else if (ok) {
      CACHE_LOG_ ("file: %s is expired or corrupt (%zu bytes): removing it",
          path.c_str (), bytes.size ());
      remove_if_same (path, st);
    }
    close (fd);
    return entry;
  }

  void put (const std::string &key, const CacheEntry &entry,
      int64_t ttl_seconds) override
  {
    if (ttl_seconds <= 0)
      return;
    std::string bytes = cache_encode (entry, expiry_from_ttl (ttl_seconds));
    if (bytes.empty ())
      return;
    if (max_bytes_ > 0 && bytes.size () > max_bytes_ / 2) {
      CACHE_DEBUG ("file: entry of %zu bytes is too large for a cap of "
                   "%" G_GUINT64_FORMAT " bytes: not stored",
          bytes.size (), max_bytes_);
      return;
    }
    auto pass = write_gate_.enter ();
    if (pass == OutageGate::Pass::SKIP)
      return;

    std::string k = file_key (key);
    std::string dir1 = root_ + "/" + k.substr (0, 2);
    std::string dir2 = dir1 + "/" + k.substr (2, 2);
    std::string path = dir2 + "/" + k;
    std::string why;
    if (!make_dir (root_) || !make_dir (dir1) || !make_dir (dir2)) {
      why = "cannot create " + dir2 + ": " + errno_text (errno);
      write_gate_.failed (pass, why);
      return;
    }

    std::string tmpl = dir2 + "/" + kTempPrefix + "XXXXXX";
    std::vector<char> tmp (tmpl.begin (), tmpl.end ());
    tmp.push_back ('\0');
    int fd = g_mkstemp_full (tmp.data (), O_WRONLY | O_CLOEXEC, kFileMode);
    if (fd < 0) {
      write_gate_.failed (
          pass, "cannot create a file in " + dir2 + ": " + errno_text (errno));
      return;
    }
    /* mkstemp's mode went through the umask; make it exactly 0600. */
    bool ok = fchmod (fd, kFileMode) == 0 && write_all (fd, bytes)
              && (!fsync_ || fsync (fd) == 0);
    int err = errno;
    if (close (fd) != 0 && ok) {
      ok = false;
      err = errno;
    }
    uint64_t old_size = 0;
    struct stat st;
    if (ok && g_lstat (path.c_str (), &st) == 0 && S_ISREG (st.st_mode))
      old_size = static_cast<uint64_t> (st.st_size);
    if (ok && g_rename (tmp.data (), path.c_str ()) != 0) {
      ok = false;
      err = errno;
    }
    if (!ok) {
      g_unlink (tmp.data ());
      write_gate_.failed (
          pass, "cannot write " + path + ": " + errno_text (err));
      return;
    }
    write_gate_.succeeded (pass);
    account (
        static_cast<int64_t> (bytes.size ()) - static_cast<int64_t> (old_size),
        path);
  }

  void remove (const std::string &key) override
  {
    std::string path = path_for (key);
    struct stat st;
    if (g_lstat (path.c_str (), &st) == 0 && S_ISREG (st.st_mode)
        && g_unlink (path.c_str ()) == 0)
      account (-static_cast<int64_t> (st.st_size));
  }

 private:
  /* The name of the entry file: the key itself when it is a plain name of
   * at least 4 characters (cache_key() gives 64 hex digits), else its
   * SHA-256, so that no key can reach outside the tree. */
  static std::string file_key (const std::string &key)
  {
    if (key.size () >= 4 && key_is_plain (key) && key[0] != '-')
      return key;
    return cache_key (key, "\x01raw-key");
  }

  std::string path_for (const std::string &key) const
  {
    std::string k = file_key (key);
    return root_ + "/" + k.substr (0, 2) + "/" + k.substr (2, 2) + "/" + k;
  }

  /* Removes @path only if it is still the file @st describes: a writer may
   * have renamed a fresh entry in place meanwhile. */
  void remove_if_same (const std::string &path, const struct stat &st)
  {
    struct stat now;
    if (g_lstat (path.c_str (), &now) == 0 && now.st_ino == st.st_ino
        && now.st_dev == st.st_dev && g_unlink (path.c_str ()) == 0)
      account (-static_cast<int64_t> (st.st_size));
  }

  /* Adds @delta to the estimate; past the cap, evicts (never @keep, the
   * entry just written). */
  void account (int64_t delta, const std::string &keep = {})
  {
    if (max_bytes_ == 0)
      return;
    bool over;
    {
      std::lock_guard<std::mutex> guard (size_lock_);
      if (!size_known_
          || g_get_monotonic_time () - scanned_at_us_ > kRescanUs) {
        over = true;
      } else {
        used_ = delta < 0 && static_cast<uint64_t> (-delta) > used_
                    ? 0
                    : used_ + static_cast<uint64_t> (delta);
        over = used_ > max_bytes_;
      }
    }
    if (over)
      scan_and_evict (keep);
  }

  void scan_and_evict (const std::string &keep)
  {
    /* One scan at a time; the others carry on. */
    std::unique_lock<std::mutex> scanning (scan_lock_, std::try_to_lock);
    if (!scanning.owns_lock ())
      return;

    std::vector<ScannedFile> files;
    uint64_t total = 0;
    scan (&files, &total);
    uint64_t target = max_bytes_ / 10 * 9;
    unsigned evicted = 0;
    if (total > max_bytes_) {
      std::sort (files.begin (), files.end (),
          [] (const ScannedFile &a, const ScannedFile &b) {
            return a.mtime_ns < b.mtime_ns;
          });
      for (const auto &f : files) {
        if (total <= target)
          break;
        if (f.path == keep)
          continue;
        if (g_unlink (f.path.c_str ()) == 0 || errno == ENOENT) {
          total -= f.size;
          evicted++;
        }
      }
      CACHE_DEBUG ("file: evicted %u entries, %" G_GUINT64_FORMAT
                   " bytes left (cap %" G_GUINT64_FORMAT ")",
          evicted, total, max_bytes_);
    }
    std::lock_guard<std::mutex> guard (size_lock_);
    used_ = total;
    size_known_ = true;
    scanned_at_us_ = g_get_monotonic_time ();
  }

  void scan (std::vector<ScannedFile> *files, uint64_t *total)
  {
    GDir *top = g_dir_open (root_.c_str (), 0, nullptr);
    if (top == nullptr)
      return;
    int64_t now_ns = now_us () * 1000;
    const gchar *n1;
    while ((n1 = g_dir_read_name (top))) {
      if (strlen (n1) != 2)
        continue;
      std::string d1 = root_ + "/" + n1;
      GDir *mid = g_dir_open (d1.c_str (), 0, nullptr);
      if (mid == nullptr)
        continue;
      const gchar *n2;
      while ((n2 = g_dir_read_name (mid))) {
        if (strlen (n2) != 2)
          continue;
        std::string d2 = d1 + "/" + n2;
        GDir *leaf = g_dir_open (d2.c_str (), 0, nullptr);
        if (leaf == nullptr)
          continue;
        const gchar *n3;
        while ((n3 = g_dir_read_name (leaf))) {
          std::string path = d2 + "/" + n3;
          struct stat st;
          if (g_lstat (path.c_str (), &st) != 0 || !S_ISREG (st.st_mode))
            continue;
          int64_t mtime_ns
              = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
          if (g_str_has_prefix (n3, kTempPrefix)) {
            if (now_ns - mtime_ns > kStaleTempUs * 1000)
              g_unlink (path.c_str ());
            continue;
          }
          files->push_back (
              {std::move (path), mtime_ns, static_cast<uint64_t> (st.st_size)});
          *total += static_cast<uint64_t> (st.st_size);
        }
        g_dir_close (leaf);
      }
      g_dir_close (mid);
    }
    g_dir_close (top);
  }

  const std::string root_;
  const uint64_t max_bytes_;
  const bool fsync_;
  OutageGate write_gate_;

  std::mutex size_lock_;
  bool size_known_ = false;
  uint64_t used_ = 0;
  int64_t scanned_at_us_ = 0;

  std::mutex scan_lock_;
};

} // namespace

std::unique_ptr<Cache>
cache_file_new (const FileCacheOptions &options, GError **error)
{
  (void)debug_category ();
  std::string dir = options.dir;
  if (dir.empty ()) {
    const gchar *env = g_getenv ("TWITCH_CACHE_TEMP");
    if (env != nullptr && *env != '\0') {
      dir = env;
    } else {
      gchar *d
          = g_build_filename (g_get_user_cache_dir (), "gst-twitch", nullptr);
      dir = d;
      g_free (d);
    }
  }
  while (dir.size () > 1 && dir.back () == '/')
    dir.pop_back ();

  bool existed = g_file_test (dir.c_str (), G_FILE_TEST_IS_DIR);
  if (!existed) {
    if (g_mkdir_with_parents (dir.c_str (), kDirMode) != 0) {
      int err = errno;
      g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
          "Cannot create the cache folder %s: %s. Set TWITCH_CACHE_TEMP to a "
          "writable folder.",
          dir.c_str (), g_strerror (err));
      return nullptr;
    }
    g_chmod (dir.c_str (), kDirMode);
  } else {
    struct stat st;
    if (g_stat (dir.c_str (), &st) == 0 && (st.st_mode & 0077) != 0)
      CACHE_DEBUG ("file: %s is accessible to others (mode %o); entries stay "
                   "private in 0700 sub-folders",
          dir.c_str (), st.st_mode & 0777);
  }
  if (g_access (dir.c_str (), W_OK | X_OK) != 0) {
    int err = errno;
    g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
        "Cannot write to the cache folder %s: %s. Set TWITCH_CACHE_TEMP to a "
        "writable folder.",
        dir.c_str (), g_strerror (err));
    return nullptr;
  }
  CACHE_INFO ("file cache in %s, cap %" G_GUINT64_FORMAT " bytes", dir.c_str (),
      options.max_bytes);
  return std::make_unique<FileCache> (dir, options.max_bytes, options.fsync);
}

} // namespace twitch
