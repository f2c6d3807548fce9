/* gst-twitch: Twitch reports on the command line (the successor of itch).
 *
 *   gst-twitch followers CHANNEL -l 1000 > followers.tsv
 *   gst-twitch-plot followers.tsv followers.png
 *
 * Every failure is ONE line on stderr and a documented exit code (see
 * cli-error.h and docs/gst-twitch.md). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cli-error.h"
#include "reports.h"

#include <gst/gst.h>
#include <gst/twitch/common/secrets.h>

#include <clocale>
#include <cstring>
#include <unistd.h>

using namespace cli;

namespace
{

struct RawOptions {
  gint64 limit = 0;
  gint64 cache_ttl = 0;
  gchar *direction = nullptr;
  gchar *cache = nullptr;
  gchar *format = nullptr;
  gboolean iso = FALSE;
  gboolean no_header = FALSE;
  gboolean no_progress = FALSE;
  gchar *game = nullptr;
  gchar *language = nullptr;
  gchar *type = nullptr;
  gchar *scopes = nullptr;
  gchar *scope = nullptr;
  gchar *client_id = nullptr;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  gboolean help = FALSE;

  ~RawOptions ()
  {
    for (gchar *s :
        {direction, cache, format, game, language, type, scopes, client_id})
      g_free (s);
  }
};

/* Options that take a value, so that the command can be found before
 * parsing (for its --help). */
const char *const kValueOptions[] = {"-l", "--limit", "-d", "--direction", "-c",
    "--cache", "--cache-ttl", "-f", "--format", "--game", "--language",
    "--type", "--scopes", "--scope", "--client-id", nullptr};

std::string
find_command (int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp (a, "--") == 0)
      return i + 1 < argc ? argv[i + 1] : "";
    if (a[0] != '-' || a[1] == '\0')
      return a;
    bool takes_value = false;
    for (const char *const *v = kValueOptions; *v; v++)
      if (strcmp (a, *v) == 0)
        takes_value = true;
    if (takes_value)
      i++;
  }
  return {};
}

std::string
command_list ()
{
  std::string s = "Commands:\n";
  for (const auto &c : commands ()) {
    std::string usage = std::string (c.name) + " " + c.args;
    s += "  " + usage
         + std::string (usage.size () < 24 ? 24 - usage.size () : 1, ' ')
         + c.summary + "\n";
  }
  s += "\nRun `gst-twitch COMMAND --help` for a command's columns and "
       "scopes.\n"
       "Exit codes: 0 ok, 1 other, 2 usage, 3 no credentials, 4 unauthorized "
       "or missing scope,\n5 not found, 6 network, 7 rate limited or server "
       "error, 8 bad response.\n"
       "Environment: TWITCH_CLIENT_ID, TWITCH_CLIENT_SECRET, "
       "TWITCH_OAUTH_TOKEN,\nTWITCH_REFRESH_TOKEN, TWITCH_CACHE_TEMP, "
       "REDIS_HOST, REDIS_PORT, REDIS_PASSWORD,\nREDIS_DB, MEMCACHE_SERVERS, "
       "TWITCH_HELIX_URL, TWITCH_AUTH_URL, TWITCH_INGEST_URL.";
  return s;
}

int
run (int argc, char **argv)
{
  RawOptions raw;
  GOptionEntry entries[] = {
      {"limit", 'l', 0, G_OPTION_ARG_INT64, &raw.limit,
          "Number of items to pull (default: all)", "N"},
      {"direction", 'd', 0, G_OPTION_ARG_STRING, &raw.direction,
          "Sorting direction: desc (newest first, default) or asc", "DIR"},
      {"cache", 'c', 0, G_OPTION_ARG_STRING, &raw.cache,
          "Response cache: none (default), memory, file, redis, memcache",
          "TYPE"},
      {"cache-ttl", 0, 0, G_OPTION_ARG_INT64, &raw.cache_ttl,
          "Keep cached answers this many seconds (default: per kind, 30 s "
          "to a day)",
          "SECONDS"},
      {"format", 'f', 0, G_OPTION_ARG_STRING, &raw.format,
          "Output: tsv (default), csv, json (JSON Lines)", "FMT"},
      {"iso", 0, 0, G_OPTION_ARG_NONE, &raw.iso,
          "Times as ISO 8601 UTC instead of Unix seconds", nullptr},
      {"no-header", 0, 0, G_OPTION_ARG_NONE, &raw.no_header,
          "Omit the # header row (itch's headerless layout)", nullptr},
      {"no-progress", 0, 0, G_OPTION_ARG_NONE, &raw.no_progress,
          "No progress bar on stderr (it shows only on a terminal)", nullptr},
      {"game", 0, 0, G_OPTION_ARG_STRING, &raw.game,
          "live: only streams of this category", "NAME"},
      {"language", 0, 0, G_OPTION_ARG_STRING, &raw.language,
          "live: only streams in this language (ISO 639-1, e.g. en)", "LANG"},
      {"type", 0, 0, G_OPTION_ARG_STRING, &raw.type,
          "videos: all, archive, highlight or upload", "TYPE"},
      {"scopes", 0, 0, G_OPTION_ARG_STRING, &raw.scopes,
          "login: scopes to ask for besides the report scopes", "SCOPES"},
      {"scope", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &raw.scope,
          "login: same as --scopes", "SCOPES"},
      {"client-id", 0, 0, G_OPTION_ARG_STRING, &raw.client_id,
          "login: the application's client id (default $TWITCH_CLIENT_ID)",
          "ID"},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &raw.verbose,
          "Print the number of requests and cache hits on stderr", nullptr},
      {"version", 'V', 0, G_OPTION_ARG_NONE, &raw.version,
          "Print the version and exit", nullptr},
      {"help", 'h', 0, G_OPTION_ARG_NONE, &raw.help, "Show help", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
  };

  std::string name = find_command (argc, argv);
  const Command *cmd = name.empty () ? nullptr : command_find (name);

  std::string param = cmd ? std::string (cmd->name) + " " + cmd->args
                          : std::string ("COMMAND [ARGS]");
  GOptionContext *octx = g_option_context_new (param.c_str ());
  g_option_context_set_help_enabled (octx, FALSE);
  g_option_context_add_main_entries (octx, entries, nullptr);
  if (cmd) {
    g_option_context_set_summary (octx, cmd->summary);
    if (*cmd->description)
      g_option_context_set_description (octx, cmd->description);
  } else {
    g_option_context_set_summary (
        octx, "Twitch reports: followers, chatters, broadcasts and more.");
    std::string list = command_list ();
    g_option_context_set_description (octx, list.c_str ());
  }

  GError *err = nullptr;
  gboolean parsed = g_option_context_parse (octx, &argc, &argv, &err);
  if (!parsed) {
    std::string msg = err->message;
    g_error_free (err);
    g_option_context_free (octx);
    fail (EXIT_USAGE, "%s (see `gst-twitch --help`)", msg.c_str ());
  }
  if (raw.help) {
    gchar *help = g_option_context_get_help (octx, TRUE, nullptr);
    g_print ("%s", help);
    g_free (help);
    g_option_context_free (octx);
    return EXIT_OK;
  }
  g_option_context_free (octx);
  if (raw.version) {
    g_print ("gst-twitch %s\n", VERSION);
    return EXIT_OK;
  }
  if (name.empty ())
    fail (EXIT_USAGE, "no command given (see `gst-twitch --help`)");
  if (cmd == nullptr)
    fail (EXIT_USAGE, "unknown command '%s' (see `gst-twitch --help`)",
        name.c_str ());

  Options opt;
  /* argv now holds the program, the command and its arguments. */
  for (int i = 2; i < argc; i++)
    opt.args.emplace_back (argv[i]);
  int n = static_cast<int> (opt.args.size ());
  if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args))
    fail (EXIT_USAGE, "usage: gst-twitch %s %s (see `gst-twitch %s --help`)",
        cmd->name, cmd->args, cmd->name);

  if (raw.limit < 0)
    fail (EXIT_USAGE, "-l/--limit must be a positive number (0: all)");
  opt.limit = raw.limit;
  if (raw.direction) {
    if (g_ascii_strcasecmp (raw.direction, "asc") == 0)
      opt.ascending = true;
    else if (g_ascii_strcasecmp (raw.direction, "desc") != 0)
      fail (EXIT_USAGE, "-d/--direction must be asc or desc, not '%s'",
          raw.direction);
  }
  if (raw.cache) {
    opt.cache = raw.cache;
    static const char *const kCaches[]
        = {"none", "memory", "file", "redis", "memcache", "memcached", nullptr};
    if (!g_strv_contains (kCaches, raw.cache))
      fail (EXIT_USAGE,
          "-c/--cache must be none, memory, file, redis or memcache, not '%s'",
          raw.cache);
  }
  if (raw.cache_ttl < 0)
    fail (EXIT_USAGE, "--cache-ttl must be a positive number of seconds");
  opt.cache_ttl = raw.cache_ttl;
  if (raw.format && !format_parse (raw.format, &opt.output.format))
    fail (
        EXIT_USAGE, "--format must be tsv, csv or json, not '%s'", raw.format);
  opt.output.iso = raw.iso;
  opt.output.header = !raw.no_header;
  opt.output.progress = !raw.no_progress && isatty (STDERR_FILENO);
  if (raw.game)
    opt.game = raw.game;
  if (raw.language)
    opt.language = raw.language;
  if (raw.type)
    opt.type = raw.type;
  if (raw.scopes)
    opt.scopes = raw.scopes;
  if (raw.scope)
    opt.scopes += std::string (opt.scopes.empty () ? "" : " ") + raw.scope;
  if (raw.client_id)
    opt.client_id = raw.client_id;
  opt.verbose = raw.verbose;

  Context ctx (std::move (opt));
  int rc;
  try {
    rc = cmd->run (ctx);
  } catch (const Failure &) {
    ctx.save_refreshed ();
    throw;
  }
  ctx.save_refreshed ();
  if (ctx.opt.verbose) {
    twitch::HelixStats st = ctx.stats ();
    g_printerr ("gst-twitch: %" G_GUINT64_FORMAT
                " HTTP request(s), %" G_GUINT64_FORMAT " cache hit(s)\n",
        st.requests, st.cache_hits);
  }
  return rc;
}

} // namespace

int
main (int argc, char **argv)
{
  /* Messages and --help in the user's encoding (GLib converts UTF-8 to
   * it: without this, C.UTF-8 shows "[OPTION?]"); numbers stay C so the
   * reports read the same everywhere. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  /* GStreamer's debug log is only set up when asked for, and then through
   * the redacting log function, so tokens never reach it. */
  if (g_getenv ("GST_DEBUG") != nullptr) {
    gst_init (nullptr, nullptr);
    twitch::secrets_install_log_filter ();
  }
  try {
    return run (argc, argv);
  } catch (const Failure &f) {
    fflush (stdout);
    g_printerr ("gst-twitch: %s\n", f.what ());
    return f.code ();
  } catch (const std::exception &e) {
    fflush (stdout);
    g_printerr (
        "gst-twitch: %s\n", twitch::secrets_redact (e.what ()).c_str ());
    return EXIT_OTHER;
  }
}
