/* helix-fake: the Helix fake as a standalone program, for benchmarks, the
 * command-line tools' tests and trying pipelines by hand.
 *
 *   helix-fake [--port N] [--followers N] ... [--env] [--daemon]
 *   helix-fake --eventsub-blast 100000 --env   (benchmark: each
 *     channel.chat.message subscription of twitchdev gets 100 000
 *     notifications at once)
 *
 * Listens on 127.0.0.1, prints the port on the first line of stdout (with
 * --env, then the TWITCH_* variables that point a client at it), and serves
 * until SIGTERM/SIGINT or stdin closes (with --stdin-exit). With --daemon it
 * serves from a detached process, prints HELIX_FAKE_PID=<pid> too and
 * returns at once, so `eval "export $(helix-fake --daemon --env | ...)"`
 * returns; stop it with `kill $HELIX_FAKE_PID`. */
#include "helix_fake.h"

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

/* --daemon: forks before any thread exists. The parent copies what the
 * child writes to the pipe (the port lines, or an error) to its own stdout
 * and exits; the child holds neither the caller's stdout nor its terminal,
 * so a command substitution around the parent returns. Returns in the
 * child, its stdout the pipe; exits in the parent. */
static int
daemonize ()
{
  int fds[2];
  if (pipe (fds) != 0) {
    perror ("helix-fake: pipe");
    exit (1);
  }
  pid_t pid = fork ();
  if (pid < 0) {
    perror ("helix-fake: fork");
    exit (1);
  }
  if (pid > 0) {
    close (fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = read (fds[0], buf, sizeof buf)) > 0)
      out.append (buf, static_cast<size_t> (n));
    close (fds[0]);
    /* The child's first line is the port, or "error: ..." */
    if (out.empty () || out.rfind ("error: ", 0) == 0) {
      fputs (out.empty () ? "helix-fake: the server process died\n"
                          : out.c_str () + 7,
          stderr);
      exit (1);
    }
    fputs (out.c_str (), stdout);
    exit (0);
  }
  close (fds[0]);
  setsid ();
  int null = open ("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2 (null, STDIN_FILENO);
    dup2 (null, STDERR_FILENO);
    if (null > STDERR_FILENO)
      close (null);
  }
  /* stdout becomes the pipe until the port is printed, then /dev/null. */
  dup2 (fds[1], STDOUT_FILENO);
  close (fds[1]);
  return 0;
}

int
main (int argc, char **argv)
{
  twitch_test::HelixFakeOptions opt;
  gint port = 0, rate_limit = 800, rate_window = 60, latency_ms = 0, flip = 0,
       device_pending = 1;
  gint64 followers = opt.followers, followed = opt.followed,
         videos = opt.videos, clips = opt.clips, chatters = opt.chatters,
         moderators = opt.moderators, subs = opt.subscriptions,
         streams = opt.streams, top_games = opt.top_games;
  gchar *fixtures = nullptr, *scopes = nullptr;
  gboolean env = FALSE, no_rate_headers = FALSE, stdin_exit = FALSE,
           no_user_token = FALSE, daemon = FALSE;
  gchar *pidfile = nullptr;
  gint es_keepalive = opt.eventsub_keepalive_s,
       es_unused = opt.eventsub_unused_close_s,
       es_grace = opt.eventsub_reconnect_grace_s, es_ping = 0;
  gint64 es_blast = 0;
  gchar *es_blast_login = nullptr;
  GOptionEntry entries[] = {
      {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: free)",
          "N"},
      {"fixtures", 0, 0, G_OPTION_ARG_FILENAME, &fixtures,
          "Folder of the Helix fixtures (tests/fixtures/helix)", "DIR"},
      {"followers", 0, 0, G_OPTION_ARG_INT64, &followers,
          "Followers of twitchdev (100000)", "N"},
      {"followed", 0, 0, G_OPTION_ARG_INT64, &followed,
          "Channels twitchdev follows (250)", "N"},
      {"videos", 0, 0, G_OPTION_ARG_INT64, &videos, "Past broadcasts (40)",
          "N"},
      {"clips", 0, 0, G_OPTION_ARG_INT64, &clips, "Clips (60)", "N"},
      {"chatters", 0, 0, G_OPTION_ARG_INT64, &chatters, "Chatters (250)", "N"},
      {"moderators", 0, 0, G_OPTION_ARG_INT64, &moderators,
          "Moderators, the first chatters (12)", "N"},
      {"subscriptions", 0, 0, G_OPTION_ARG_INT64, &subs, "Subscribers (120)",
          "N"},
      {"streams", 0, 0, G_OPTION_ARG_INT64, &streams, "Top streams (300)", "N"},
      {"top-games", 0, 0, G_OPTION_ARG_INT64, &top_games, "Top games (200)",
          "N"},
      {"rate-limit", 0, 0, G_OPTION_ARG_INT, &rate_limit,
          "Requests per window and token (800)", "N"},
      {"rate-window", 0, 0, G_OPTION_ARG_INT, &rate_window,
          "Rate-limit window in seconds (60)", "S"},
      {"no-rate-headers", 0, 0, G_OPTION_ARG_NONE, &no_rate_headers,
          "Send no Ratelimit-* headers", nullptr},
      {"latency-ms", 0, 0, G_OPTION_ARG_INT, &latency_ms,
          "Delay of every answer", "MS"},
      {"flip-live-every", 0, 0, G_OPTION_ARG_INT, &flip,
          "Toggle twitchdev live/offline every S seconds", "S"},
      {"device-pending-polls", 0, 0, G_OPTION_ARG_INT, &device_pending,
          "Device-code polls answered pending before success (-1: never)", "N"},
      {"scopes", 0, 0, G_OPTION_ARG_STRING, &scopes,
          "Scopes of the user token, space-separated", "LIST"},
      {"no-user-token", 0, 0, G_OPTION_ARG_NONE, &no_user_token,
          "Issue no user token at start (app tokens and device flow only)",
          nullptr},
      {"env", 'e', 0, G_OPTION_ARG_NONE, &env,
          "Also print TWITCH_* variables for a client", nullptr},
      {"stdin-exit", 0, 0, G_OPTION_ARG_NONE, &stdin_exit,
          "Exit when stdin closes", nullptr},
      {"daemon", 'd', 0, G_OPTION_ARG_NONE, &daemon,
          "Serve from a detached process; print its pid as HELIX_FAKE_PID "
          "and return",
          nullptr},
      {"pidfile", 0, 0, G_OPTION_ARG_FILENAME, &pidfile,
          "Write the serving process's pid to FILE", "FILE"},
      {"eventsub-keepalive", 0, 0, G_OPTION_ARG_INT, &es_keepalive,
          "EventSub keepalive_timeout_seconds unless the URL asks (10)", "S"},
      {"eventsub-unused-close", 0, 0, G_OPTION_ARG_INT, &es_unused,
          "Close a session without subscription after S s with 4003 (10; 0: "
          "never)",
          "S"},
      {"eventsub-reconnect-grace", 0, 0, G_OPTION_ARG_INT, &es_grace,
          "Seconds a client has to follow session_reconnect (30)", "S"},
      {"eventsub-ping", 0, 0, G_OPTION_ARG_INT, &es_ping,
          "WebSocket ping every S s; no pong for 2S s closes with 4002 (0: "
          "no pings)",
          "S"},
      {"eventsub-blast", 0, 0, G_OPTION_ARG_INT64, &es_blast,
          "Send N channel.chat.message notifications to every new chat "
          "subscription of --eventsub-blast-login (benchmark)",
          "N"},
      {"eventsub-blast-login", 0, 0, G_OPTION_ARG_STRING, &es_blast_login,
          "Channel of --eventsub-blast (twitchdev)", "LOGIN"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
  };
  GOptionContext *ctx = g_option_context_new ("- Twitch Helix fake");
  g_option_context_add_main_entries (ctx, entries, nullptr);
  GError *error = nullptr;
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("helix-fake: %s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);

  opt.port = port;
  if (fixtures)
    opt.fixtures_dir = fixtures;
  opt.followers = followers;
  opt.followed = followed;
  opt.videos = videos;
  opt.clips = clips;
  opt.chatters = chatters;
  opt.moderators = moderators;
  opt.subscriptions = subs;
  opt.streams = streams;
  opt.top_games = top_games;
  opt.rate_limit = rate_limit;
  opt.rate_window_s = rate_window;
  opt.rate_limit_headers = !no_rate_headers;
  opt.latency_ms = latency_ms;
  opt.flip_live_every_s = flip;
  opt.device_pending_polls = device_pending;
  if (scopes) {
    opt.user_scopes.clear ();
    gchar **parts = g_strsplit (scopes, " ", -1);
    for (gchar **p = parts; *p; p++)
      if (**p)
        opt.user_scopes.emplace_back (*p);
    g_strfreev (parts);
  }
  if (no_user_token)
    opt.user_token.clear ();
  if (es_keepalive < 1 || es_keepalive > 600 || es_unused < 0 || es_grace < 1
      || es_blast < 0 || es_ping < 0) {
    g_printerr (
        "helix-fake: --eventsub-keepalive must be 1..600, "
        "--eventsub-unused-close, --eventsub-ping and --eventsub-blast at "
        "least 0, "
        "--eventsub-reconnect-grace at least 1\n");
    return 2;
  }
  opt.eventsub_keepalive_s = es_keepalive;
  opt.eventsub_unused_close_s = es_unused;
  opt.eventsub_reconnect_grace_s = es_grace;
  opt.eventsub_ping_s = es_ping;
  opt.eventsub_blast = static_cast<uint64_t> (es_blast);
  if (es_blast_login)
    opt.eventsub_blast_login = es_blast_login;

  if (daemon && stdin_exit) {
    g_printerr ("helix-fake: --daemon and --stdin-exit exclude each other\n");
    return 2;
  }
  if (daemon)
    daemonize ();

  twitch_test::HelixFake fake (opt);
  if (!fake.start (&error)) {
    if (daemon)
      printf ("error: ");
    printf ("helix-fake: cannot listen on 127.0.0.1:%d: %s\n", port,
        error->message);
    fflush (stdout);
    return 1;
  }
  if (pidfile) {
    gchar *text = g_strdup_printf ("%d\n", static_cast<int> (getpid ()));
    if (!g_file_set_contents (pidfile, text, -1, &error)) {
      g_printerr ("helix-fake: %s\n", error->message);
      g_free (text);
      return 1;
    }
    g_free (text);
  }
  printf ("%d\n", fake.port ());
  if (env) {
    printf ("TWITCH_HELIX_URL=%s\n", fake.helix_url ().c_str ());
    printf ("TWITCH_AUTH_URL=%s\n", fake.auth_url ().c_str ());
    printf ("TWITCH_INGEST_URL=%s\n", fake.ingest_url ().c_str ());
    printf ("TWITCH_EVENTSUB_URL=%s\n", fake.eventsub_url ().c_str ());
    printf ("TWITCH_CLIENT_ID=%s\n", opt.client_id.c_str ());
    printf ("TWITCH_CLIENT_SECRET=%s\n", opt.client_secret.c_str ());
    if (!opt.user_token.empty ()) {
      printf ("TWITCH_OAUTH_TOKEN=%s\n", opt.user_token.c_str ());
      printf ("TWITCH_REFRESH_TOKEN=%s\n", opt.refresh_token.c_str ());
    }
  }
  if (daemon)
    printf ("HELIX_FAKE_PID=%d\n", static_cast<int> (getpid ()));
  fflush (stdout);
  if (daemon) {
    /* The parent returns once the pipe closes. */
    int null = open ("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2 (null, STDOUT_FILENO);
      close (null);
    }
  }

  GMainLoop *loop = g_main_loop_new (nullptr, FALSE);
  auto quit = [] (gpointer l) -> gboolean {
    g_main_loop_quit (static_cast<GMainLoop *> (l));
    return G_SOURCE_REMOVE;
  };
  g_unix_signal_add (SIGTERM, quit, loop);
  g_unix_signal_add (SIGINT, quit, loop);
  if (stdin_exit) {
    GIOChannel *in = g_io_channel_unix_new (0);
    g_io_add_watch (
        in, (GIOCondition)(G_IO_IN | G_IO_HUP | G_IO_ERR),
        [] (GIOChannel *ch, GIOCondition, gpointer l) -> gboolean {
          char buf[256];
          gsize n = 0;
          GIOStatus st
              = g_io_channel_read_chars (ch, buf, sizeof buf, &n, nullptr);
          if (st == G_IO_STATUS_EOF || st == G_IO_STATUS_ERROR) {
            g_main_loop_quit (static_cast<GMainLoop *> (l));
            return G_SOURCE_REMOVE;
          }
          return G_SOURCE_CONTINUE;
        },
        loop);
    g_io_channel_unref (in);
  }
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
  fake.stop ();
  if (pidfile)
    g_unlink (pidfile);
  g_free (fixtures);
  g_free (scopes);
  g_free (pidfile);
  g_free (es_blast_login);
  return 0;
}
