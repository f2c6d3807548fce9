/* The file cache in a folder others may reach (issue 8 item 7): planted
 * links, FIFOs, huge sparse files and foreign or world-writable folders
 * are never followed, read, written through or evicted; an untrusted tree
 * turns the cache off with one warning. */
#include <gst/twitch/cache/cache.h>

#include "support/log_capture.h"
#include "support/peer.h"

#include <gtest/gtest.h>

#include <glib/gstdio.h>

#include <chrono>
#include <fcntl.h>
#include <future>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

using twitch_test::LogCapture;
using twitch_test::TempDir;

namespace
{

twitch::CacheEntry
entry (const std::string &body)
{
  twitch::CacheEntry e;
  e.body = body;
  e.fetched_at_us = 7;
  return e;
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

void
make_dir (const std::string &path, mode_t mode = 0700)
{
  ASSERT_EQ (g_mkdir (path.c_str (), mode), 0) << path;
  g_chmod (path.c_str (), mode);
}

/* Names in a folder (not recursive). */
std::vector<std::string>
names_in (const std::string &dir)
{
  std::vector<std::string> out;
  GDir *d = g_dir_open (dir.c_str (), 0, nullptr);
  if (d == nullptr)
    return out;
  while (const gchar *n = g_dir_read_name (d))
    out.emplace_back (n);
  g_dir_close (d);
  return out;
}

size_t
warnings (LogCapture &log)
{
  return log.count (GST_LEVEL_WARNING);
}

} // namespace

TEST (FileCacheHostile, PlantedLinkForAFanOutFolderIsNeverWrittenThrough)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  TempDir tmp;
  std::string root = tmp.file ("cache");
  std::string outside = tmp.file ("outside");
  make_dir (root);
  make_dir (outside);
  std::string key = twitch::cache_key ("https://api/helix/users", "id");
  ASSERT_EQ (
      symlink (outside.c_str (), (root + "/" + key.substr (0, 2)).c_str ()), 0);

  auto c = open_cache (root);
  ASSERT_TRUE (c);
  c->put (key, entry ("private answer"), 600);
  c->put (key, entry ("private answer"), 600);
  EXPECT_TRUE (names_in (outside).empty ())
      << "put() wrote through the planted link into " << outside;
  EXPECT_FALSE (c->get (key));
  EXPECT_EQ (warnings (log), 1u);
}

TEST (FileCacheHostile, PlantedLinkForALeafFolderIsNeverWrittenThrough)
{
  TempDir tmp;
  std::string root = tmp.file ("cache");
  std::string outside = tmp.file ("outside");
  make_dir (root);
  make_dir (outside);
  std::string key = twitch::cache_key ("https://api/helix/users", "id");
  make_dir (root + "/" + key.substr (0, 2));
  ASSERT_EQ (
      symlink (outside.c_str (),
          (root + "/" + key.substr (0, 2) + "/" + key.substr (2, 2)).c_str ()),
      0);
  auto c = open_cache (root);
  ASSERT_TRUE (c);
  c->put (key, entry ("private answer"), 600);
  EXPECT_TRUE (names_in (outside).empty ());
}

TEST (FileCacheHostile, LinkAndHugeSparseFileNeverEvictOutsideFiles)
{
  TempDir tmp;
  std::string root = tmp.file ("cache");
  std::string outside = tmp.file ("outside");
  make_dir (root);
  make_dir (outside);
  /* The user's own files, older than anything in the cache. */
  for (int i = 0; i < 5; i++) {
    std::string f = outside + "/precious" + std::to_string (i);
    ASSERT_TRUE (twitch_test::write_file (f, "keep me"));
    struct timeval old[2] = {{1000000000, 0}, {1000000000, 0}};
    utimes (f.c_str (), old);
  }
  /* A link where a leaf folder would be, and a sparse file far over the
   * default cap that forces an eviction on the next put(). */
  make_dir (root + "/ab");
  ASSERT_EQ (symlink (outside.c_str (), (root + "/ab/cd").c_str ()), 0);
  make_dir (root + "/ab/ce");
  int fd = g_open ((root + "/ab/ce/huge").c_str (), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE (fd, 0);
  ASSERT_EQ (ftruncate (fd, off_t{4} << 30), 0);
  close (fd);

  auto c = open_cache (root, twitch::kCacheFileDefaultMaxBytes);
  ASSERT_TRUE (c);
  c->put (twitch::cache_key ("u", "i"), entry ("x"), 600);
  EXPECT_EQ (names_in (outside).size (), 5u)
      << "eviction removed files outside the cache through a link";
}

TEST (FileCacheHostile, SparseFileInsideTheTreeIsNotAnEntry)
{
  /* Without any link: a huge file in the tree is removed, the entries
   * that fit the cap stay. */
  TempDir tmp;
  std::string root = tmp.file ("cache");
  make_dir (root);
  auto c = open_cache (root, 1 << 20);
  ASSERT_TRUE (c);
  std::string key = twitch::cache_key ("u", "i");
  c->put (key, entry ("kept"), 600);
  make_dir (root + "/ab");
  make_dir (root + "/ab/ce");
  int fd = g_open ((root + "/ab/ce/huge").c_str (), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE (fd, 0);
  ASSERT_EQ (ftruncate (fd, off_t{4} << 30), 0);
  close (fd);
  auto c2 = open_cache (root, 1 << 20);
  c2->put (twitch::cache_key ("u2", "i"), entry ("new"), 600);
  ASSERT_TRUE (c2->get (key));
  EXPECT_EQ (c2->get (key)->body, "kept");
}

TEST (FileCacheHostile, FifoAtAnEntryPathIsAMissNotAHang)
{
  TempDir tmp;
  std::string root = tmp.file ("cache");
  make_dir (root);
  std::string key = twitch::cache_key ("https://api/helix/users", "id");
  std::string d2 = root + "/" + key.substr (0, 2) + "/" + key.substr (2, 2);
  make_dir (root + "/" + key.substr (0, 2));
  make_dir (d2);
  std::string fifo = d2 + "/" + key;
  ASSERT_EQ (mkfifo (fifo.c_str (), 0600), 0);

  auto c = open_cache (root);
  ASSERT_TRUE (c);
  auto got = std::async (std::launch::async, [&] { return c->get (key); });
  if (got.wait_for (std::chrono::seconds (10)) != std::future_status::ready) {
    /* Unblock the reader so the test can end. */
    int w = g_open (fifo.c_str (), O_WRONLY | O_NONBLOCK, 0);
    if (w >= 0)
      close (w);
    got.wait ();
    FAIL () << "get() blocked on a FIFO at an entry's path";
  }
  EXPECT_FALSE (got.get ());
  /* A put() replaces the FIFO with a real entry. */
  c->put (key, entry ("answer"), 600);
  auto e = c->get (key);
  ASSERT_TRUE (e);
  EXPECT_EQ (e->body, "answer");
}

TEST (FileCacheHostile, WorldWritableRootTurnsTheCacheOffWithOneWarning)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  TempDir tmp;
  std::string root = tmp.file ("cache");
  make_dir (root, 0777);
  auto c = open_cache (root);
  ASSERT_TRUE (c) << "an untrusted folder is not a settings error";
  std::string key = twitch::cache_key ("u", "i");
  c->put (key, entry ("private"), 600);
  c->put (key, entry ("private"), 600);
  EXPECT_FALSE (c->get (key));
  EXPECT_TRUE (names_in (root).empty ()) << "wrote into a shared folder";
  ASSERT_EQ (warnings (log), 1u);
  EXPECT_NE (log.lines (GST_LEVEL_WARNING)[0].find ("writable by others"),
      std::string::npos)
      << log.lines (GST_LEVEL_WARNING)[0];
}

TEST (FileCacheHostile, ForeignRootTurnsTheCacheOffWithOneWarning)
{
  if (geteuid () != 0)
    GTEST_SKIP () << "making a folder of another user needs root";
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  TempDir tmp;
  std::string root = tmp.file ("cache");
  make_dir (root, 0700);
  ASSERT_EQ (chown (root.c_str (), 65534, 65534), 0);
  auto c = open_cache (root);
  ASSERT_TRUE (c);
  std::string key = twitch::cache_key ("u", "i");
  c->put (key, entry ("private"), 600);
  EXPECT_FALSE (c->get (key));
  EXPECT_TRUE (names_in (root).empty ());
  ASSERT_EQ (warnings (log), 1u);
  EXPECT_NE (log.lines (GST_LEVEL_WARNING)[0].find ("owned by uid 65534"),
      std::string::npos)
      << log.lines (GST_LEVEL_WARNING)[0];
}

TEST (FileCacheHostile, RootThatIsALinkTurnsTheCacheOff)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  TempDir tmp;
  std::string real = tmp.file ("real");
  make_dir (real);
  std::string root = tmp.file ("cache");
  ASSERT_EQ (symlink (real.c_str (), root.c_str ()), 0);
  auto c = open_cache (root);
  ASSERT_TRUE (c);
  c->put (twitch::cache_key ("u", "i"), entry ("private"), 600);
  EXPECT_TRUE (names_in (real).empty ());
  EXPECT_EQ (warnings (log), 1u);
}

TEST (FileCacheHostile, SharedFanOutFolderTurnsTheCacheOff)
{
  LogCapture log ("twitchcache", GST_LEVEL_WARNING);
  TempDir tmp;
  std::string root = tmp.file ("cache");
  make_dir (root);
  std::string key = twitch::cache_key ("u", "i");
  std::string d1 = root + "/" + key.substr (0, 2);
  make_dir (d1, 0777);
  auto c = open_cache (root);
  ASSERT_TRUE (c);
  c->put (key, entry ("private"), 600);
  EXPECT_TRUE (names_in (d1).empty ());
  EXPECT_FALSE (c->get (key));
  EXPECT_EQ (warnings (log), 1u);
}
