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
 * removed, so the caller's next put() rewrites it.
 *
 * A cache folder may sit where others can reach it (/tmp): every path is
 * resolved from a descriptor of the root with O_NOFOLLOW | O_DIRECTORY at
 * each level, entries are opened O_NONBLOCK and must be regular files, and
 * the root and every folder must be the user's and writable by nobody else.
 * Otherwise the cache turns itself off with one warning (requests are still
 * served), so a planted link, FIFO or folder is never followed, read,
 * written through or evicted. */
#include "config.h"

#include "cache-private.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <gst/twitch/common/environment.h>

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

/* An open file descriptor, closed when it goes out of scope. */
class Fd
{
 public:
  explicit Fd (int fd = -1) : fd_ (fd) {}
  ~Fd ()
  {
    if (fd_ >= 0)
      close (fd_);
  }
  Fd (Fd &&o) noexcept : fd_ (o.fd_) { o.fd_ = -1; }
  Fd &operator= (Fd &&o) noexcept
  {
    std::swap (fd_, o.fd_);
    return *this;
  }
  Fd (const Fd &) = delete;
  Fd &operator= (const Fd &) = delete;
  int get () const { return fd_; }
  bool ok () const { return fd_ >= 0; }
  int release ()
  {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

/* A folder of the tree is trusted only when it is ours and nobody else can
 * write to it (nor rename or plant links in it). Empty: trusted; else why
 * not. */
std::string
folder_distrust (int fd)
{
  struct stat st;
  if (fstat (fd, &st) != 0)
    return errno_text (errno);
  if (!S_ISDIR (st.st_mode))
    return "not a folder";
  if (st.st_uid != geteuid ())
    return "owned by uid " + std::to_string (st.st_uid) + ", not by uid "
           + std::to_string (geteuid ());
  if ((st.st_mode & 0022) != 0) {
    char mode[16];
    g_snprintf (mode, sizeof mode, "%o", st.st_mode & 0777);
    return std::string ("writable by others (mode ") + mode + ")";
  }
  return {};
}

struct ScannedFile {
  std::string d1, d2, name; /* fan-out folders and the entry's name */
  int64_t mtime_ns;
  uint64_t size;
};

class FileCache final : public Cache
{
 public:
  /* @root_fd: the tree's root, opened without following links and checked;
   * -1: the cache is off (@off_reason was warned about once). */
  FileCache (std::string root, int root_fd, uint64_t max_bytes, bool do_fsync)
      : root_ (std::move (root)), root_fd_ (root_fd), max_bytes_ (max_bytes),
        fsync_ (do_fsync), write_gate_ ("file cache " + root_, 5000, 60000)
  {
    off_ = !root_fd_.ok ();
  }

  const char *name () const override { return "file"; }

  std::optional<CacheEntry> get (const std::string &key) override
  {
    if (off_)
      return std::nullopt;
    std::string k = file_key (key);
    Fd d2 = open_leaf (k, false);
    if (!d2.ok ())
      return std::nullopt;
    /* No link, and no blocking on a FIFO or a device: only a regular file
     * is an entry. */
    Fd fd (openat (d2.get (), k.c_str (),
        O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
    if (!fd.ok ()) {
      if (errno != ENOENT)
        CACHE_DEBUG ("file: cannot read entry %s: %s", k.c_str (),
            errno_text (errno).c_str ());
      return std::nullopt;
    }
    struct stat st;
    if (fstat (fd.get (), &st) != 0 || !S_ISREG (st.st_mode)) {
      CACHE_DEBUG ("file: entry %s is not a regular file: ignored", k.c_str ());
      return std::nullopt;
    }
    std::string bytes;
    bool ok = st.st_size <= kMaxEntryFile
              && read_all (fd.get (), static_cast<size_t> (st.st_size), &bytes);
    std::optional<CacheEntry> entry;
    if (ok)
      entry = cache_decode (bytes, now_us ());
    if (entry) {
      /* Last access, for eviction. */
      futimens (fd.get (), nullptr);
    } else {
      CACHE_LOG_ ("file: %s is expired, corrupt or too large (%zu bytes): "
                  "removing it",
          k.c_str (), bytes.size ());
      remove_if_same (d2.get (), k, st);
    }
    return entry;
  }

  void put (const std::string &key, const CacheEntry &entry,
      int64_t ttl_seconds) override
  {
    if (off_ || ttl_seconds <= 0)
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
    std::string where = root_ + "/" + k.substr (0, 2) + "/" + k.substr (2, 2);
    Fd d2 = open_leaf (k, true);
    if (!d2.ok ()) {
      if (!off_)
        write_gate_.failed (
            pass, "cannot create " + where + ": " + errno_text (errno));
      return;
    }

    std::string tmp;
    Fd fd;
    for (int attempt = 0; attempt < 16 && !fd.ok (); attempt++) {
      char name[32];
      g_snprintf (name, sizeof name, "%s%08x%08x", kTempPrefix, g_random_int (),
          g_random_int ());
      tmp = name;
      fd = Fd (openat (d2.get (), tmp.c_str (),
          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode));
      if (!fd.ok () && errno != EEXIST)
        break;
    }
    if (!fd.ok ()) {
      write_gate_.failed (
          pass, "cannot create a file in " + where + ": " + errno_text (errno));
      return;
    }
    /* The mode went through the umask; make it exactly 0600. */
    bool ok = fchmod (fd.get (), kFileMode) == 0 && write_all (fd.get (), bytes)
              && (!fsync_ || fsync (fd.get ()) == 0);
    int err = errno;
    if (close (fd.release ()) != 0 && ok) {
      ok = false;
      err = errno;
    }
    uint64_t old_size = 0;
    struct stat st;
    if (ok && fstatat (d2.get (), k.c_str (), &st, AT_SYMLINK_NOFOLLOW) == 0
        && S_ISREG (st.st_mode))
      old_size = static_cast<uint64_t> (st.st_size);
    /* rename() replaces a link or FIFO planted at the name, never what it
     * points to. */
    if (ok && renameat (d2.get (), tmp.c_str (), d2.get (), k.c_str ()) != 0) {
      ok = false;
      err = errno;
    }
    if (!ok) {
      unlinkat (d2.get (), tmp.c_str (), 0);
      write_gate_.failed (
          pass, "cannot write " + where + "/" + k + ": " + errno_text (err));
      return;
    }
    write_gate_.succeeded (pass);
    account (
        static_cast<int64_t> (bytes.size ()) - static_cast<int64_t> (old_size),
        k);
  }

  void remove (const std::string &key) override
  {
    if (off_)
      return;
    std::string k = file_key (key);
    Fd d2 = open_leaf (k, false);
    struct stat st;
    if (d2.ok ()
        && fstatat (d2.get (), k.c_str (), &st, AT_SYMLINK_NOFOLLOW) == 0
        && S_ISREG (st.st_mode) && unlinkat (d2.get (), k.c_str (), 0) == 0)
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

  /* Turns the cache off for good, with one warning: the tree is not ours
   * alone, so nothing in it can be trusted or written. */
  void turn_off (const std::string &why)
  {
    if (!off_.exchange (true))
      CACHE_WARNING ("file cache %s is off: %s. Answers are fetched from "
                     "Twitch every time; use a folder only you can write "
                     "(TWITCH_CACHE_TEMP).",
          root_.c_str (), why.c_str ());
  }

  /* Opens (with @create: makes, 0700) the folder @name in @parent, never
   * through a link, and checks it is ours alone. Invalid Fd when absent
   * (errno ENOENT) or untrusted (the cache is then off). */
  Fd open_dir (int parent, const std::string &name, bool create)
  {
    bool made = false;
    if (create) {
      if (mkdirat (parent, name.c_str (), kDirMode) == 0)
        made = true;
      else if (errno != EEXIST)
        return Fd ();
    }
    Fd fd (openat (parent, name.c_str (), kDirFlags));
    if (!fd.ok ()) {
      int err = errno;
      if (err == ELOOP || err == ENOTDIR)
        turn_off (root_ + "/.../" + name
                  + " is a link or not a folder (planted by someone else?)");
      errno = err;
      return Fd ();
    }
    if (made)
      fchmod (fd.get (), kDirMode); /* exactly 0700, whatever the umask */
    std::string why = folder_distrust (fd.get ());
    if (!why.empty ()) {
      turn_off ("the folder " + name + " in it is " + why);
      errno = EPERM;
      return Fd ();
    }
    return fd;
  }

  /* The leaf folder <k0k1>/<k2k3> of entry @k. */
  Fd open_leaf (const std::string &k, bool create)
  {
    Fd d1 = open_dir (root_fd_.get (), k.substr (0, 2), create);
    if (!d1.ok ())
      return Fd ();
    return open_dir (d1.get (), k.substr (2, 2), create);
  }

  /* Removes @name in @dir only if it is still the file @st describes: a
   * writer may have renamed a fresh entry in place meanwhile. */
  void remove_if_same (int dir, const std::string &name, const struct stat &st)
  {
    struct stat now;
    if (fstatat (dir, name.c_str (), &now, AT_SYMLINK_NOFOLLOW) == 0
        && S_ISREG (now.st_mode) && now.st_ino == st.st_ino
        && now.st_dev == st.st_dev && unlinkat (dir, name.c_str (), 0) == 0)
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
        if (total <= target || off_)
          break;
        if (f.name == keep)
          continue;
        /* Reopened without links: only a regular file inside the tree is
         * ever removed. */
        Fd d1 = open_dir (root_fd_.get (), f.d1, false);
        Fd d2 = d1.ok () ? open_dir (d1.get (), f.d2, false) : Fd ();
        struct stat st;
        if (!d2.ok ()
            || fstatat (d2.get (), f.name.c_str (), &st, AT_SYMLINK_NOFOLLOW)
                   != 0
            || !S_ISREG (st.st_mode)) {
          total -= f.size;
          continue;
        }
        if (unlinkat (d2.get (), f.name.c_str (), 0) == 0 || errno == ENOENT) {
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

  /* Calls @fn (name) for each name in the folder @fd (which it takes). */
  template <typename F> static void each_name (Fd fd, F fn)
  {
    DIR *d = fdopendir (fd.get ());
    if (d == nullptr)
      return;
    fd.release ();
    while (struct dirent *e = readdir (d)) {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      fn (std::string (e->d_name));
    }
    closedir (d);
  }

  void scan (std::vector<ScannedFile> *files, uint64_t *total)
  {
    int64_t now_ns = now_us () * 1000;
    Fd top (openat (root_fd_.get (), ".", kDirFlags));
    if (!top.ok ())
      return;
    each_name (std::move (top), [&] (const std::string &n1) {
      if (n1.size () != 2 || off_)
        return;
      Fd d1 = open_dir (root_fd_.get (), n1, false);
      if (!d1.ok ())
        return;
      int d1fd = d1.get ();
      each_name (
          Fd (openat (d1fd, ".", kDirFlags)), [&] (const std::string &n2) {
            if (n2.size () != 2 || off_)
              return;
            Fd d2 = open_dir (d1fd, n2, false);
            if (!d2.ok ())
              return;
            int d2fd = d2.get ();
            each_name (Fd (openat (d2fd, ".", kDirFlags)),
                [&] (const std::string &n3) {
                  struct stat st;
                  /* Links, FIFOs, folders: not entries, never followed. */
                  if (fstatat (d2fd, n3.c_str (), &st, AT_SYMLINK_NOFOLLOW) != 0
                      || !S_ISREG (st.st_mode))
                    return;
                  int64_t mtime_ns
                      = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
                  if (g_str_has_prefix (n3.c_str (), kTempPrefix)) {
                    if (now_ns - mtime_ns > kStaleTempUs * 1000)
                      unlinkat (d2fd, n3.c_str (), 0);
                    return;
                  }
                  if (st.st_size > kMaxEntryFile) {
                    /* Not an entry of ours (a huge or sparse file). */
                    unlinkat (d2fd, n3.c_str (), 0);
                    return;
                  }
                  files->push_back ({n1, n2, n3, mtime_ns,
                      static_cast<uint64_t> (st.st_size)});
                  *total += static_cast<uint64_t> (st.st_size);
                });
          });
    });
  }

  const std::string root_;
  const Fd root_fd_;
  const uint64_t max_bytes_;
  const bool fsync_;
  OutageGate write_gate_;
  std::atomic<bool> off_{false};

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
    if (auto temp = env::cache_temp ()) {
      dir = *temp;
    } else {
      gchar *d
          = g_build_filename (g_get_user_cache_dir (), "gst-twitch", nullptr);
      dir = d;
      g_free (d);
    }
  }
  while (dir.size () > 1 && dir.back () == '/')
    dir.pop_back ();

  struct stat lst;
  if (g_lstat (dir.c_str (), &lst) != 0) {
    if (g_mkdir_with_parents (dir.c_str (), kDirMode) != 0) {
      int err = errno;
      g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
          "Cannot create the cache folder %s: %s. Set TWITCH_CACHE_TEMP to a "
          "writable folder.",
          dir.c_str (), g_strerror (err));
      return nullptr;
    }
    g_chmod (dir.c_str (), kDirMode);
  }
  /* The root is opened once, without following a link, and every path
   * below it is resolved from this descriptor. */
  Fd root (open (dir.c_str (), kDirFlags));
  std::string why;
  if (!root.ok ()) {
    int err = errno;
    if (err != ELOOP && err != ENOTDIR) {
      g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
          "Cannot open the cache folder %s: %s. Set TWITCH_CACHE_TEMP to a "
          "writable folder.",
          dir.c_str (), g_strerror (err));
      return nullptr;
    }
    why = "it is a link or not a folder";
  } else {
    why = folder_distrust (root.get ());
    if (why.empty () && faccessat (root.get (), ".", W_OK | X_OK, 0) != 0) {
      int err = errno;
      g_set_error (error, TWITCH_CACHE_ERROR, CACHE_ERROR_SETTINGS,
          "Cannot write to the cache folder %s: %s. Set TWITCH_CACHE_TEMP to "
          "a writable folder.",
          dir.c_str (), g_strerror (err));
      return nullptr;
    }
    if (!why.empty ())
      why = "it is " + why;
  }
  if (!why.empty ()) {
    /* Someone else could plant links or files in it: off, with one
     * warning; requests are still served, from Twitch. */
    CACHE_WARNING ("file cache %s is off: %s. Answers are fetched from "
                   "Twitch every time; use a folder only you can write "
                   "(TWITCH_CACHE_TEMP).",
        dir.c_str (), why.c_str ());
    return std::make_unique<FileCache> (
        dir, -1, options.max_bytes, options.fsync);
  }
  CACHE_INFO ("file cache in %s, cap %" G_GUINT64_FORMAT " bytes", dir.c_str (),
      options.max_bytes);
  return std::make_unique<FileCache> (
      dir, root.release (), options.max_bytes, options.fsync);
}

} // namespace twitch
