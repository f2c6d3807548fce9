/* Benchmark: `gst-twitch followers` of 100 000 followers from the Helix fake
 * into a file. Prints wall and CPU seconds, rows/s and the program's peak
 * memory (max RSS from wait4), for 10 000 and 100 000 followers (memory must
 * not grow with the row count), newest first and -d asc, tsv and json.
 *
 *   meson test -C build --benchmark gst_twitch_cli_bench -v
 *   build/bench/gst_twitch_cli_bench [PATH/TO/gst-twitch]
 *
 * The fake runs in this process on 127.0.0.1 with its rate limit lifted
 * (Twitch's own 800 requests a minute would make a 100 000-row pull take
 * about two and a half minutes whatever the client does). */
#include "helix_fake.h"
#include "support/peer.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace
{

struct Run {
  int status = -1;
  double seconds = 0;
  double cpu_seconds = 0; /* user + system of the program */
  long max_rss_kb = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
};

Run
run_cli (const std::string &cli, const std::vector<std::string> &args,
    const std::string &out_path, const std::vector<std::string> &env)
{
  Run r;
  std::vector<char *> argv;
  argv.push_back (const_cast<char *> (cli.c_str ()));
  for (const auto &a : args)
    argv.push_back (const_cast<char *> (a.c_str ()));
  argv.push_back (nullptr);
  /* Built before fork: the child only redirects and execs. */
  gchar **envp = g_get_environ ();
  envp = g_environ_unsetenv (envp, "GST_DEBUG");
  for (const auto &e : env) {
    size_t eq = e.find ('=');
    envp = g_environ_setenv (
        envp, e.substr (0, eq).c_str (), e.substr (eq + 1).c_str (), TRUE);
  }

  gint64 t0 = g_get_monotonic_time ();
  pid_t pid = fork ();
  if (pid == 0) {
    int fd = open (out_path.c_str (), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
      _exit (127);
    dup2 (fd, STDOUT_FILENO);
    close (fd);
    execve (cli.c_str (), argv.data (), envp);
    _exit (127);
  }
  g_strfreev (envp);
  int status = 0;
  struct rusage ru = {};
  if (pid < 0 || wait4 (pid, &status, 0, &ru) < 0)
    return r;
  r.seconds = (g_get_monotonic_time () - t0) / 1e6;
  r.status = WIFEXITED (status) ? WEXITSTATUS (status) : 128;
  r.max_rss_kb = ru.ru_maxrss;
  r.cpu_seconds = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
                  + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;

  gchar *text = nullptr;
  gsize len = 0;
  if (g_file_get_contents (out_path.c_str (), &text, &len, nullptr)) {
    r.bytes = static_cast<int64_t> (len);
    for (gsize i = 0; i < len; i++)
      if (text[i] == '\n')
        r.rows++;
    g_free (text);
  }
  return r;
}

} // namespace

int
main (int argc, char **argv)
{
  std::string cli;
  if (argc > 1)
    cli = argv[1];
  else if (const char *e = g_getenv ("GST_TWITCH_CLI"))
    cli = e;
  if (cli.empty ()) {
    g_printerr (
        "usage: %s PATH/TO/gst-twitch (or set GST_TWITCH_CLI)\n", argv[0]);
    return 2;
  }

  twitch_test::TempDir dir ("gst-twitch-cli-bench");
  std::string config = dir.path () + "/config";
  g_mkdir_with_parents ((config + "/gst-twitch").c_str (), 0700);
  std::string out = dir.path () + "/followers.out";

  printf ("gst-twitch followers from the Helix fake into a file\n");
  printf ("%-9s %-5s %-4s %9s %9s %9s %11s %12s\n", "followers", "dir", "fmt",
      "rows", "seconds", "cpu s", "rows/s", "peak RSS KB");

  for (int64_t followers : {int64_t (10000), int64_t (100000)}) {
    twitch_test::HelixFakeOptions opt;
    opt.followers = followers;
    opt.rate_limit = 100000000;
    twitch_test::HelixFake fake (opt);
    GError *err = nullptr;
    if (!fake.start (&err)) {
      g_printerr ("cannot start the Helix fake: %s\n", err->message);
      g_error_free (err);
      return 1;
    }
    std::string token
        = "{\"client_id\":\"" + opt.client_id + "\",\"access_token\":\""
          + fake.current_user_token () + "\",\"refresh_token\":\""
          + fake.current_refresh_token ()
          + "\",\"login\":\"twitchdev\",\"user_id\":\"141981764\","
            "\"expires_at\":0,\"scopes\":[\"moderator:read:followers\"]}";
    std::string token_path = config + "/gst-twitch/token.json";
    twitch_test::write_file (token_path, token);
    g_chmod (token_path.c_str (), 0600);

    std::vector<std::string> env
        = {"XDG_CONFIG_HOME=" + config, "TWITCH_HELIX_URL=" + fake.helix_url (),
            "TWITCH_AUTH_URL=" + fake.auth_url (), "http_proxy="};
    struct Case {
      const char *dir, *fmt;
    };
    for (Case c :
        {Case{"desc", "tsv"}, Case{"asc", "tsv"}, Case{"desc", "json"}}) {
      Run r = run_cli (cli,
          {"followers", "twitchdev", "-d", c.dir, "--format", c.fmt,
              "--no-progress"},
          out, env);
      int64_t rows = r.rows - (std::string (c.fmt) == "tsv" ? 1 : 0);
      if (r.status != 0 || rows != followers) {
        g_printerr ("gst-twitch failed: exit %d, %" G_GINT64_FORMAT
                    " rows of %" G_GINT64_FORMAT "\n",
            r.status, rows, followers);
        return 1;
      }
      printf ("%-9" G_GINT64_FORMAT " %-5s %-4s %9" G_GINT64_FORMAT
              " %9.2f %9.2f %11.0f %12ld\n",
          followers, c.dir, c.fmt, rows, r.seconds, r.cpu_seconds,
          rows / r.seconds, r.max_rss_kb);
      fflush (stdout);
    }
    printf (
        "  (%" G_GUINT64_FORMAT " requests to the fake)\n", fake.requests ());
  }
  return 0;
}
