/* The file backend: layout, permissions whatever the umask, atomic writes,
 * corrupt and truncated files, expiry, the size cap. */
#include <gst/twitch/cache/cache.h>

#include "support/log_capture.h"
#include "support/peer.h"

#include <gtest/gtest.h>

#include <glib/gstdio.h>

#include <atomic>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <vector>

using twitch_test::TempDir;

namespace
{

twitch::CacheEntry
entry (const std::string &body, int64_t fetched = 7)
{
  twitch::CacheEntry e;
  e.body = body;
  e.fetched_at_us = fetched;
  return e;
}

template <typename F>
bool
eventually (F cond, int seconds = 10)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline) {
    if (cond ())
      return true;
    g_usleep (50 * 1000);
  }
  return cond ();
}

std::unique_ptr<twitch::Cache>
open_cache (const std::string &dir, uint64_t max_bytes = 0)
{
  twitch::FileCacheOptions o;
  o.dir = dir;
  o.max_bytes = max_bytes;
  GError *error = nullptr;
  auto c = twitch::cache_file_new (o, &error);
  EXPECT_EQ (error, nullptr) << (error ? error->message : "");
  g_clear_error (&error);
  return c;
}

std::string
entry_path (const std::string &dir, const std::string &key)
{
  return dir + "/" + key.substr (0, 2) + "/" + key.substr (2, 2) + "/" + key;
}

mode_t
mode_of (const std::string &path)
{
  struct stat st;
  if (g_stat (path.c_str (), &st) != 0)
    return static_cast<mode_t> (-1);
  return st.st_mode & 07777;
}

/* Bytes that zstd cannot shrink, so that file sizes are predictable. */
std::string
random_body (size_t n, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  std::string s (n, '\0');
  for (auto &ch : s)
    ch = static_cast<char> (g_rand_int_range (r, 0, 256));
  g_rand_free (r);
  return s;
}

/* Entry files under @dir (temporary files excluded), and their total size. */
size_t
count_entries (
    const std::string &dir, uint64_t *total = nullptr, size_t *temps = nullptr)
{
  size_t n = 0;
  uint64_t bytes = 0;
  size_t tmp = 0;
  GDir *top = g_dir_open (dir.c_str (), 0, nullptr);
  if (!top)
    return 0;
  while (const gchar *a = g_dir_read_name (top)) {
    std::string d1 = dir + "/" + a;
    GDir *mid = g_dir_open (d1.c_str (), 0, nullptr);
    if (!mid)
      continue;
    while (const gchar *b = g_dir_read_name (mid)) {
      std::string d2 = d1 + "/" + b;
      GDir *leaf = g_dir_open (d2.c_str (), 0, nullptr);
      if (!leaf)
        continue;
      while (const gchar *f = g_dir_read_name (leaf)) {
        if (g_str_has_prefix (f, ".tmp-")) {
          tmp++;
          continue;
        }
        struct stat st;
        if (g_stat ((d2 + "/" + f).c_str (), &st) == 0) {
          n++;
          bytes += static_cast<uint64_t> (st.st_size);
        }
      }
      g_dir_close (leaf);
    }
    g_dir_close (mid);
  }
  g_dir_close (top);
  if (total)
    *total = bytes;
  if (temps)
    *temps = tmp;
  return n;
}

} // namespace

TEST (FileCache, HitsAcrossInstancesInTheFanOutTree)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  std::string key = twitch::cache_key ("https://h/helix/users?login=a", "c");
  {
    auto c = open_cache (dir);
    ASSERT_TRUE (c);
    EXPECT_STREQ (c->name (), "file");
    EXPECT_FALSE (c->get (key));
    c->put (key, entry ("{\"data\":[{\"id\":\"1\"}]}", 99), 600);
  }
  EXPECT_TRUE (
      g_file_test (entry_path (dir, key).c_str (), G_FILE_TEST_IS_REGULAR))
      << "entry at <dir>/<k0k1>/<k2k3>/<key>";
  auto c = open_cache (dir);
  auto hit = c->get (key);
  ASSERT_TRUE (hit) << "a new instance (or process) reads what another wrote";
  EXPECT_EQ (hit->body, "{\"data\":[{\"id\":\"1\"}]}");
  EXPECT_EQ (hit->fetched_at_us, 99);
  c->remove (key);
  EXPECT_FALSE (c->get (key));
  EXPECT_FALSE (
      g_file_test (entry_path (dir, key).c_str (), G_FILE_TEST_EXISTS));
}

TEST (FileCache, KeysThatAreNotFileNamesStayInsideTheTree)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  auto c = open_cache (dir);
  for (std::string key : {"../../escape", "a", "/etc/passwd", "x y\nz", ""}) {
    c->put (key, entry ("v:" + key), 600);
    auto hit = c->get (key);
    ASSERT_TRUE (hit) << key;
    EXPECT_EQ (hit->body, "v:" + key);
  }
  EXPECT_EQ (count_entries (dir), 5u);
  EXPECT_FALSE (g_file_test (tmp.file ("escape").c_str (), G_FILE_TEST_EXISTS));
}

TEST (FileCache, Expires)
{
  TempDir tmp;
  auto c = open_cache (tmp.file ("cache"));
  c->put ("0123short", entry ("s"), 1);
  c->put ("0123long", entry ("l"), 3600);
  ASSERT_TRUE (c->get ("0123short"));
  EXPECT_TRUE (eventually ([&] { return !c->get ("0123short"); }));
  EXPECT_FALSE (
      g_file_test (entry_path (tmp.file ("cache"), "0123short").c_str (),
          G_FILE_TEST_EXISTS))
      << "an expired entry is removed when read";
  EXPECT_TRUE (c->get ("0123long"));
}

class FileCacheUmask : public ::testing::TestWithParam<mode_t>
{
};

TEST_P (FileCacheUmask, FoldersAre0700AndFiles0600)
{
  TempDir tmp;
  std::string dir = tmp.file ("deep/cache");
  mode_t old = umask (GetParam ());
  auto c = open_cache (dir);
  std::string key = twitch::cache_key ("u", "i");
  c->put (key, entry ("private"), 600);
  /* Rewrite too: the replacing file gets the same mode. */
  c->put (key, entry ("private 2"), 600);
  umask (old);

  EXPECT_EQ (mode_of (dir), 0700u);
  EXPECT_EQ (mode_of (dir + "/" + key.substr (0, 2)), 0700u);
  EXPECT_EQ (
      mode_of (dir + "/" + key.substr (0, 2) + "/" + key.substr (2, 2)), 0700u);
  EXPECT_EQ (mode_of (entry_path (dir, key)), 0600u);
  ASSERT_TRUE (c->get (key));
  EXPECT_EQ (c->get (key)->body, "private 2");
}

INSTANTIATE_TEST_SUITE_P (Umasks, FileCacheUmask,
    ::testing::Values (0000, 0022, 0077), [] (const auto &info) {
      return "umask0" + std::to_string (info.param / 64)
             + std::to_string (info.param / 8 % 8)
             + std::to_string (info.param % 8);
    });

TEST (FileCache, CorruptAndTruncatedFilesAreIgnoredAndRewritten)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  twitch_test::LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  auto c = open_cache (dir);
  std::string body = "{\"data\":[" + std::string (5000, ' ') + "]}";
  std::string key = twitch::cache_key ("https://h/helix/streams", "c");
  std::string path = entry_path (dir, key);
  c->put (key, entry (body), 600);
  std::string good = twitch_test::read_file (path);
  ASSERT_FALSE (good.empty ());

  std::vector<std::pair<std::string, std::string>> damage = {
      {"garbage", "this is not a cache entry"},
      {"empty", ""},
      {"header only", good.substr (0, 28)},
      {"truncated", good.substr (0, good.size () / 2)},
      {"one byte short", good.substr (0, good.size () - 1)},
      {"trailing junk", good + "junk"},
      {"flipped byte",
          [&] {
            std::string s = good;
            s[s.size () / 2] ^= 0x5a;
            return s;
          }()},
      {"huge length",
          [&] {
            std::string s = good;
            s[20 + 7] = '\x7f';
            return s;
          }()},
  };
  for (const auto &d : damage) {
    ASSERT_TRUE (twitch_test::write_file (path, d.second)) << d.first;
    EXPECT_FALSE (c->get (key)) << d.first << " is a miss, not an error";
    EXPECT_FALSE (g_file_test (path.c_str (), G_FILE_TEST_EXISTS))
        << d.first << " file removed";
    c->put (key, entry (body), 600);
    auto hit = c->get (key);
    ASSERT_TRUE (hit) << d.first << " rewritten";
    EXPECT_EQ (hit->body, body);
  }
  /* A folder where the entry file should be cannot break it either. */
  g_unlink (path.c_str ());
  g_mkdir (path.c_str (), 0700);
  EXPECT_FALSE (c->get (key));
  g_rmdir (path.c_str ());
  EXPECT_EQ (log.count (GST_LEVEL_WARNING), 0u)
      << "garbage is a plain miss, not a backend failure";
}

TEST (FileCache, ConcurrentWritersNeverExposeAPartialEntry)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  auto c = open_cache (dir);
  std::atomic<int> bad{0}, hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; t++) {
    threads.emplace_back ([&, t] {
      auto own = open_cache (dir); /* also across instances */
      twitch::Cache *use = t % 2 ? own.get () : c.get ();
      for (int i = 0; i < 300; i++) {
        std::string key = "shared" + std::to_string (i % 5);
        if ((i + t) % 2 == 0) {
          char fill = static_cast<char> ('a' + (t + i) % 26);
          use->put (key, entry (std::string (30000, fill)), 600);
        } else if (auto e = use->get (key)) {
          hits++;
          if (e->body.size () != 30000
              || e->body.find_first_not_of (e->body[0]) != std::string::npos)
            bad++;
        }
      }
    });
  }
  for (auto &th : threads)
    th.join ();
  EXPECT_EQ (bad.load (), 0) << "every hit is one whole write";
  EXPECT_GT (hits.load (), 0);
  size_t temps = 99;
  EXPECT_EQ (count_entries (dir, nullptr, &temps), 5u);
  EXPECT_EQ (temps, 0u) << "no temporary file left behind";
}

TEST (FileCache, SizeCapEvictsOldestAccessFirst)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  /* Entries of ~10 KB; the cap holds 9 of them. */
  const uint64_t cap = 95000;
  auto c = open_cache (dir, cap);
  for (int i = 0; i < 5; i++) {
    c->put ("aaaa" + std::to_string (i), entry (random_body (10000, i)), 600);
    g_usleep (20 * 1000); /* distinct mtimes even on coarse clocks */
  }
  g_usleep (50 * 1000);
  ASSERT_TRUE (c->get ("aaaa0")) << "a read counts as an access";
  g_usleep (50 * 1000);
  for (int i = 0; i < 5; i++) {
    c->put (
        "bbbb" + std::to_string (i), entry (random_body (10000, 10 + i)), 600);
    g_usleep (20 * 1000);
  }
  uint64_t total = 0;
  size_t n = count_entries (dir, &total);
  EXPECT_LE (total, cap) << n << " entries";
  EXPECT_LT (n, 10u) << "something was evicted";
  EXPECT_TRUE (c->get ("aaaa0")) << "recently read: kept";
  for (int i = 0; i < 5; i++)
    EXPECT_TRUE (c->get ("bbbb" + std::to_string (i))) << "newest kept " << i;
  EXPECT_FALSE (c->get ("aaaa1")) << "oldest access: evicted first";

  /* Many more writes: the tree stays under the cap. */
  for (int i = 0; i < 60; i++)
    c->put (
        "cccc" + std::to_string (i), entry (random_body (10000, 100 + i)), 600);
  count_entries (dir, &total);
  EXPECT_LE (total, cap);
  EXPECT_TRUE (c->get ("cccc59"));
}

TEST (FileCache, CapAppliesToWhatOtherInstancesWrote)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  {
    auto filler = open_cache (dir, 0); /* no cap */
    for (int i = 0; i < 20; i++)
      filler->put (
          "ffff" + std::to_string (i), entry (random_body (10000, i)), 600);
  }
  uint64_t total = 0;
  ASSERT_EQ (count_entries (dir, &total), 20u);
  ASSERT_GT (total, 200000u);
  auto c = open_cache (dir, 100000);
  g_usleep (20 * 1000); /* a later mtime than the filler's, on any clock */
  c->put ("new0", entry ("n"), 600);
  count_entries (dir, &total);
  EXPECT_LE (total, 100000u) << "the first write scans and evicts";
  EXPECT_TRUE (c->get ("new0"));
}

TEST (FileCache, UnwritableFolderIsASettingsError)
{
  twitch::FileCacheOptions o;
  /* Not even root can create a folder there. */
  o.dir = "/proc/gst-twitch-cache";
  GError *error = nullptr;
  EXPECT_FALSE (twitch::cache_file_new (o, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_TRUE (g_error_matches (
      error, TWITCH_CACHE_ERROR, twitch::CACHE_ERROR_SETTINGS));
  g_clear_error (&error);
}

namespace
{

/* Sets a file's modification time @age_s seconds in the past. */
void
age_file (const std::string &path, int64_t age_s)
{
  struct timespec times[2];
  clock_gettime (CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= age_s;
  times[1] = times[0];
  ASSERT_EQ (utimensat (AT_FDCWD, path.c_str (), times, 0), 0) << path;
}

} // namespace

/* docs/cache.md, "Size cap": an entry larger than half the cap is not
 * stored; one just under half is. */
TEST (FileCache, EntryLargerThanHalfTheCapIsNotStored)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  const uint64_t cap = 100000;
  auto c = open_cache (dir, cap);
  /* Random bytes do not compress: the entry file is the body plus a small
   * header. */
  c->put ("half-under", entry (random_body (48000, 1)), 600);
  c->put ("half-over", entry (random_body (51000, 2)), 600);
  EXPECT_TRUE (c->get ("half-under")) << "48 KB of a 100 KB cap is stored";
  EXPECT_FALSE (c->get ("half-over")) << "51 KB of a 100 KB cap is not";
  EXPECT_FALSE (
      g_file_test (entry_path (dir, "half-over").c_str (), G_FILE_TEST_EXISTS));
}

/* docs/cache.md: past the cap, the oldest entries go until the tree is at
 * 90% of the cap, and no further. */
TEST (FileCache, EvictionStopsAtNinetyPercentOfTheCap)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  const uint64_t cap = 200000;
  auto c = open_cache (dir, cap);
  uint64_t total = 0;
  uint64_t entry_size = 0;
  int i = 0;
  /* 10 KB entries until the cap is first crossed. */
  for (; i < 40; i++) {
    c->put ("eeee" + std::to_string (i), entry (random_body (10000, i)), 600);
    age_file (entry_path (dir, "eeee" + std::to_string (i)), 1000 - i);
    size_t n = count_entries (dir, &total);
    if (entry_size == 0)
      entry_size = total;
    if (n < static_cast<size_t> (i + 1))
      break;
  }
  ASSERT_LT (i, 40) << "the cap was never enforced";
  EXPECT_LE (total, cap / 10 * 9) << "evicted down to 90% of the cap";
  EXPECT_GT (total + entry_size, cap / 10 * 9) << "and not further";
  EXPECT_FALSE (c->get ("eeee0")) << "the oldest went first";
}

/* docs/cache.md: temporary files older than an hour (a writer that died)
 * are removed by the scan; younger ones (a writer at work) are not. */
TEST (FileCache, ScanRemovesTemporaryFilesOlderThanAnHour)
{
  TempDir tmp;
  std::string dir = tmp.file ("cache");
  {
    auto c = open_cache (dir, 0);
    c->put ("abcd0", entry ("x"), 600);
  }
  std::string folder = dir + "/ab/cd";
  std::string stale = folder + "/.tmp-stale1";
  std::string young = folder + "/.tmp-young1";
  ASSERT_TRUE (twitch_test::write_file (stale, "partial"));
  ASSERT_TRUE (twitch_test::write_file (young, "partial"));
  age_file (stale, 3600 + 120);
  age_file (young, 3600 - 120);
  /* A capped instance scans the tree on its first write. */
  auto c = open_cache (dir, 1000000);
  c->put ("abcd1", entry ("y"), 600);
  EXPECT_FALSE (g_file_test (stale.c_str (), G_FILE_TEST_EXISTS))
      << "61 minutes old: removed";
  EXPECT_TRUE (g_file_test (young.c_str (), G_FILE_TEST_EXISTS))
      << "59 minutes old: a writer may still be at work";
}
