/* helix-followers: the followers of a channel as tab-separated rows, printed
 * page by page as they arrive, with an optional file cache.
 *
 *   TWITCH_OAUTH_TOKEN=... helix-followers twitchdev 1000 file
 *
 * Arguments: CHANNEL [LIMIT] [CACHE]; CACHE is none (default), memory, file,
 * redis or memcached. Needs TWITCH_CLIENT_ID and a user token of the
 * broadcaster or a moderator with moderator:read:followers. */
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/helix.h>

#include <gst/gst.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, ""); /* --help in the user's encoding */
  GOptionContext *ctx = g_option_context_new (
      "CHANNEL [LIMIT] [CACHE] - a channel's followers");
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  g_option_context_set_description (ctx,
      "Prints login<TAB>followed_at rows, page by page as they arrive. LIMIT: "
      "at most\nthat many (default 0: all). CACHE: none (default), memory, "
      "file, redis or\nmemcached. Credentials from TWITCH_CLIENT_ID and "
      "TWITCH_OAUTH_TOKEN (a user token\nof the broadcaster or a moderator, "
      "scope moderator:read:followers).\n\nExample:\n"
      "  helix-followers twitchdev 1000 file > followers.tsv\n");
  GError *opt_err = nullptr;
  /* gst_init through the option group: debug log with secrets redacted */
  if (!g_option_context_parse (ctx, &argc, &argv, &opt_err)) {
    fprintf (stderr, "helix-followers: %s (see --help)\n", opt_err->message);
    g_error_free (opt_err);
    g_option_context_free (ctx);
    return 2;
  }
  if (argc < 2 || argc > 4) {
    gchar *help = g_option_context_get_help (ctx, TRUE, nullptr);
    fprintf (stderr, "%s", help);
    g_free (help);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  twitch::secrets_install_log_filter ();
  size_t limit = argc > 2 ? strtoul (argv[2], nullptr, 10) : 0;
  GError *error = nullptr;

  twitch::HelixConfig config;
  if (argc > 3) {
    std::shared_ptr<twitch::Cache> cache (
        twitch::cache_new_from_name (argv[3], &error).release ());
    if (error) {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
    config.cache = cache;
  }
  twitch::Helix helix (config);
  if (!helix.check_credentials (&error)) {
    fprintf (stderr, "%s\n", error->message);
    return 3;
  }
  auto user = helix.user_by_login (argv[1], nullptr, &error);
  if (!user) {
    fprintf (stderr, "%s\n", error->message);
    return 4;
  }
  printf ("#login\tfollowed_at\n");
  auto pager = helix.followers (user->id, limit);
  std::vector<twitch::Follower> page;
  while (pager.next (page, nullptr, &error)) {
    for (const auto &f : page)
      printf ("%s\t%s\n", f.user_login.c_str (),
          twitch::time_to_iso8601 (f.followed_at).c_str ());
    fflush (stdout);
  }
  if (error) {
    fprintf (stderr, "%s\n", error->message);
    return error->code == twitch::API_ERROR_MISSING_SCOPE ? 5 : 1;
  }
  fprintf (stderr, "%zu of %" G_GINT64_FORMAT " followers\n", pager.fetched (),
      pager.total ().value_or (-1));
  return 0;
}
