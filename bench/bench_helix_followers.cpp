/* Pulls 100 000 followers (1000 pages) from the Helix fake, run as its own
 * process on loopback: wall time and client CPU, cold and with each cache
 * warm, and the same pull with @twurple/api under the machine's node in the
 * same run. Prints a table; never a pass/fail on timing.
 *
 *   meson test -C build --benchmark helix-followers --verbose
 *   build/bench/bench-helix-followers [--runs N] [--latency-ms MS]
 * [--no-twurple]
 *
 * Two tables: the fake answering at once (what each client costs), and
 * answering after --latency-ms (default 25 ms, a fast real-world Helix round
 * trip: what a user waits, and what a cache saves).
 */
#include "config.h"

#include <gst/twitch/helix/helix.h>

#include "support/peer.h"

#include <gst/gst.h>
#include <libsoup/soup.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace
{

constexpr const char *kBroadcaster = "141981764";

struct Figures {
  std::string name;
  double wall_ms = 0;
  double cpu_ms = 0;
  uint64_t requests = 0;
  size_t rows = 0;
  bool ok = false;
  std::string note;
};

double
cpu_ms_now ()
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

std::string
http_get (const std::string &url)
{
  SoupSession *s = soup_session_new ();
  SoupMessage *m = soup_message_new ("GET", url.c_str ());
  GBytes *b = soup_session_send_and_read (s, m, nullptr, nullptr);
  std::string out;
  if (b) {
    gsize n = 0;
    const char *d = static_cast<const char *> (g_bytes_get_data (b, &n));
    out.assign (d ? d : "", n);
    g_bytes_unref (b);
  }
  g_object_unref (m);
  g_object_unref (s);
  return out;
}

uint64_t
fake_requests (const std::string &base)
{
  std::string stats = http_get (base + "/_fake/stats");
  auto pos = stats.find ("\"requests\":");
  return pos == std::string::npos
             ? 0
             : g_ascii_strtoull (stats.c_str () + pos + 11, nullptr, 10);
}

struct Env {
  std::string base;
  std::string client_id;
  std::string token;
};

Figures
pull (const Env &env, const char *name,
    const std::shared_ptr<twitch::Cache> &cache)
{
  Figures f;
  f.name = name;
  twitch::HelixConfig c;
  c.use_environment = false;
  c.helix_url = env.base + "/helix";
  c.auth_url = env.base + "/oauth2";
  c.client_id = env.client_id;
  c.oauth_token = env.token;
  c.cache = cache;
  http_get (env.base + "/_fake/reset");
  double cpu0 = cpu_ms_now ();
  gint64 t0 = g_get_monotonic_time ();
  {
    twitch::Helix helix (c);
    auto pager = helix.followers (kBroadcaster, 0);
    std::vector<twitch::Follower> page;
    GError *error = nullptr;
    while (pager.next (page, nullptr, &error))
      f.rows += page.size ();
    if (error) {
      f.note = error->message;
      g_error_free (error);
    }
  }
  f.wall_ms = (g_get_monotonic_time () - t0) / 1000.0;
  f.cpu_ms = cpu_ms_now () - cpu0;
  f.requests = fake_requests (env.base);
  f.ok = f.rows == 100000 && f.note.empty ();
  return f;
}

Figures
median_of (std::vector<Figures> runs)
{
  std::sort (
      runs.begin (), runs.end (), [] (const Figures &a, const Figures &b) {
        return a.wall_ms < b.wall_ms;
      });
  Figures m = runs[runs.size () / 2];
  std::vector<double> cpu;
  for (const auto &r : runs)
    cpu.push_back (r.cpu_ms);
  std::sort (cpu.begin (), cpu.end ());
  m.cpu_ms = cpu[cpu.size () / 2];
  for (const auto &r : runs)
    m.ok = m.ok && r.ok;
  return m;
}

/* A warm cache: one priming pull, then @runs measured pulls each with a new
 * client (as a new process would be), sharing the backend. */
Figures
warm (const Env &env, const char *label, const char *backend, int runs)
{
  GError *error = nullptr;
  std::shared_ptr<twitch::Cache> cache (
      twitch::cache_new_from_name (backend, &error).release ());
  if (!cache) {
    Figures f;
    f.name = label;
    f.note = error ? error->message : "no backend";
    g_clear_error (&error);
    return f;
  }
  Figures prime = pull (env, label, cache);
  if (!prime.ok)
    return prime;
  std::vector<Figures> r;
  for (int i = 0; i < runs; i++)
    r.push_back (pull (env, label, cache));
  return median_of (r);
}

std::unique_ptr<twitch_test::PeerProcess>
start_and_wait (const char *name, std::vector<std::string> argv, int port)
{
  auto p = std::make_unique<twitch_test::PeerProcess> (name, argv);
  GError *error = nullptr;
  if (!p->start (&error) || !twitch_test::wait_for_tcp (port, 10000)) {
    g_printerr (
        "# %s did not start: %s\n", name, error ? error->message : "no answer");
    g_clear_error (&error);
    return nullptr;
  }
  return p;
}

/* @twurple/api installed once into a temporary folder. */
struct Twurple {
  std::unique_ptr<twitch_test::TempDir> dir;
  std::string node;
  std::string name = "@twurple/api cold";
  std::string note;
  bool ok = false;
};

Twurple
twurple_install ()
{
  Twurple t;
  t.node = twitch_test::find_program ("node");
  std::string npm = twitch_test::find_program ("npm");
  if (t.node.empty () || npm.empty ()) {
    t.note = "node/npm not installed";
    return t;
  }
  t.dir = std::make_unique<twitch_test::TempDir> ("gst-twitch-twurple");
  twitch_test::write_file (
      t.dir->file ("package.json"), "{\"private\":true,\"type\":\"module\"}\n");
  std::string script = twitch_test::read_file (
      std::string (TWITCH_BENCH_SOURCE_DIR) + "/twurple_followers.mjs");
  twitch_test::write_file (t.dir->file ("twurple_followers.mjs"), script);
  gchar *out = nullptr, *err = nullptr;
  gint status = 0;
  std::string install = npm
                        + " install --no-audit --no-fund --loglevel=error "
                          "--prefix "
                        + t.dir->path () + " @twurple/api@7 @twurple/auth@7";
  g_print ("# installing @twurple/api into %s\n", t.dir->path ().c_str ());
  bool ok = g_spawn_command_line_sync (
                install.c_str (), &out, &err, &status, nullptr)
            && g_spawn_check_wait_status (status, nullptr);
  if (!ok)
    t.note = std::string ("npm install failed: ") + (err ? err : "");
  g_free (out);
  g_free (err);
  if (!ok)
    return t;
  std::string version = twitch_test::read_file (
      t.dir->file ("node_modules/@twurple/api/package.json"));
  auto vpos = version.find ("\"version\"");
  if (vpos != std::string::npos) {
    auto q1 = version.find ('"', version.find (':', vpos));
    auto q2 = version.find ('"', q1 + 1);
    t.name = "@twurple/api " + version.substr (q1 + 1, q2 - q1 - 1) + " cold";
  }
  t.ok = true;
  return t;
}

/* The same pull under node, @runs times. */
Figures
twurple (const Twurple &t, const Env &env, int port, int runs)
{
  Figures f;
  f.name = t.name;
  if (!t.ok) {
    f.note = t.note;
    return f;
  }
  std::vector<Figures> r;
  for (int i = 0; i < runs; i++) {
    http_get (env.base + "/_fake/reset");
    GSubprocessLauncher *l = g_subprocess_launcher_new (
        (GSubprocessFlags)(G_SUBPROCESS_FLAGS_STDOUT_PIPE));
    g_subprocess_launcher_set_cwd (l, t.dir->path ().c_str ());
    g_subprocess_launcher_setenv (
        l, "HELIX_FAKE_PORT", std::to_string (port).c_str (), TRUE);
    g_subprocess_launcher_setenv (
        l, "TWITCH_CLIENT_ID", env.client_id.c_str (), TRUE);
    g_subprocess_launcher_setenv (
        l, "TWITCH_OAUTH_TOKEN", env.token.c_str (), TRUE);
    GError *error = nullptr;
    GSubprocess *p = g_subprocess_launcher_spawn (l, &error, t.node.c_str (),
        "--dns-result-order=ipv4first", "twurple_followers.mjs", nullptr);
    g_object_unref (l);
    if (!p) {
      f.note = error->message;
      g_error_free (error);
      return f;
    }
    gchar *stdout_text = nullptr;
    g_subprocess_communicate_utf8 (
        p, nullptr, nullptr, &stdout_text, nullptr, nullptr);
    bool ok = g_subprocess_get_successful (p);
    g_object_unref (p);
    Figures one = f;
    std::string line = stdout_text ? stdout_text : "";
    g_free (stdout_text);
    if (!ok
        || sscanf (line.c_str (), "followers=%zu wall_ms=%lf cpu_ms=%lf",
               &one.rows, &one.wall_ms, &one.cpu_ms)
               != 3) {
      f.note = "twurple run failed: " + line;
      return f;
    }
    one.requests = fake_requests (env.base);
    one.ok = one.rows == 100000;
    r.push_back (one);
  }
  return median_of (r);
}

void
print_row (const Figures &f, double cold_wall)
{
  if (!f.note.empty () && !f.ok) {
    g_print ("%-30s  (skipped: %s)\n", f.name.c_str (), f.note.c_str ());
    return;
  }
  g_print ("%-30s %10.1f %10.1f %9" G_GUINT64_FORMAT " %8zu %9.1fx\n",
      f.name.c_str (), f.wall_ms, f.cpu_ms, f.requests, f.rows,
      f.wall_ms > 0 ? cold_wall / f.wall_ms : 0.0);
}

/* One table: a fake answering after @latency_ms, cold and warm pulls, and
 * twurple. @cold_runs for the slow cold pulls, @runs for the rest. */
void
table (int latency_ms, int cold_runs, int runs, const Twurple *tw)
{
  int port = twitch_test::free_loopback_port ();
  auto fake = start_and_wait ("helix-fake",
      {TWITCH_HELIX_FAKE, "--port", std::to_string (port), "--followers",
          "100000", "--rate-limit", "100000000", "--latency-ms",
          std::to_string (latency_ms)},
      port);
  if (!fake)
    return;
  Env env;
  env.base = "http://127.0.0.1:" + std::to_string (port);
  env.client_id = "fakeclientid00000000000000000a";
  env.token = "fakeusertoken0000000000000001";

  g_print ("\n# Pull of 100 000 followers (1000 pages of 100) from helix-fake "
           "on 127.0.0.1:%d answering after %d ms; median of %d cold / %d "
           "warm runs\n",
      port, latency_ms, cold_runs, runs);
  g_print ("%-30s %10s %10s %9s %8s %10s\n", "client", "wall ms", "cpu ms",
      "requests", "rows", "vs cold");

  std::vector<Figures> cold_runs_v;
  for (int i = 0; i < cold_runs; i++)
    cold_runs_v.push_back (pull (env, "gst-twitch cold", nullptr));
  Figures cold = median_of (cold_runs_v);
  print_row (cold, cold.wall_ms);

  std::vector<Figures> rows;
  twitch_test::TempDir cache_dir ("gst-twitch-bench-cache");
  g_setenv ("TWITCH_CACHE_TEMP", cache_dir.path ().c_str (), TRUE);
  rows.push_back (warm (env, "gst-twitch warm memory", "memory", runs));
  print_row (rows.back (), cold.wall_ms);
  rows.push_back (warm (env, "gst-twitch warm file", "file", runs));
  print_row (rows.back (), cold.wall_ms);

  std::unique_ptr<twitch_test::PeerProcess> redis, memcached;
  std::string redis_bin = twitch_test::find_program ("redis-server");
  if (!redis_bin.empty ()) {
    int rport = twitch_test::free_loopback_port ();
    twitch_test::TempDir redis_dir ("gst-twitch-bench-redis");
    redis = start_and_wait ("redis-server",
        {redis_bin, "--port", std::to_string (rport), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--logfile", redis_dir.file ("redis.log")},
        rport);
    g_setenv ("REDIS_HOST", "127.0.0.1", TRUE);
    g_setenv ("REDIS_PORT", std::to_string (rport).c_str (), TRUE);
  }
  rows.push_back (redis ? warm (env, "gst-twitch warm redis", "redis", runs)
                        : Figures{"gst-twitch warm redis", 0, 0, 0, 0, false,
                            "redis-server not installed"});
  print_row (rows.back (), cold.wall_ms);
  std::string mc_bin = twitch_test::find_program ("memcached");
  if (!mc_bin.empty ()) {
    int mport = twitch_test::free_loopback_port ();
    memcached = start_and_wait ("memcached",
        {mc_bin, "-l", "127.0.0.1", "-p", std::to_string (mport), "-U", "0",
            "-u", "root", "-m", "256"},
        mport);
    g_setenv ("MEMCACHE_SERVERS",
        ("127.0.0.1:" + std::to_string (mport)).c_str (), TRUE);
  }
  rows.push_back (
      memcached ? warm (env, "gst-twitch warm memcached", "memcached", runs)
                : Figures{"gst-twitch warm memcached", 0, 0, 0, 0, false,
                    "memcached not installed"});
  print_row (rows.back (), cold.wall_ms);

  Figures twf;
  if (tw) {
    twf = twurple (*tw, env, port, cold_runs);
    print_row (twf, cold.wall_ms);
  }
  if (twf.ok)
    g_print ("#   target: cold no slower than twurple cold: %s (%.1f vs %.1f "
             "ms wall, %.1f vs %.1f ms CPU)\n",
        cold.wall_ms <= twf.wall_ms ? "met" : "NOT met", cold.wall_ms,
        twf.wall_ms, cold.cpu_ms, twf.cpu_ms);
  for (const auto &r : rows)
    if (r.ok
        && (r.name.find ("file") != std::string::npos
            || r.name.find ("redis") != std::string::npos))
      g_print ("#   target: %s at least 20x faster than cold: %s (%.1fx)\n",
          r.name.c_str (), cold.wall_ms / r.wall_ms >= 20 ? "met" : "NOT met",
          cold.wall_ms / r.wall_ms);
  fake->stop ();
}

} // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  int runs = 3;
  int latency_ms = 25;
  bool with_twurple = true;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::max (1, atoi (argv[++i]));
    else if (a == "--latency-ms" && i + 1 < argc)
      latency_ms = std::max (0, atoi (argv[++i]));
    else if (a == "--no-twurple")
      with_twurple = false;
  }
  g_setenv ("no_proxy", "127.0.0.1,localhost", TRUE);
  g_unsetenv ("http_proxy");

  Twurple tw;
  if (with_twurple)
    tw = twurple_install ();
  /* Loopback answers at once: what each client costs in CPU. */
  table (0, runs, runs, with_twurple ? &tw : nullptr);
  /* Twitch answers a page in tens of milliseconds: what a user waits. */
  if (latency_ms > 0)
    table (latency_ms, 1, runs, with_twurple ? &tw : nullptr);
  return 0;
}
