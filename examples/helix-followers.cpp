/* helix-followers: the followers of a channel as tab-separated rows, printed
 * page by page as they arrive, with an optional file cache.
 *
 *   TWITCH_CLIENT_ID=... TWITCH_OAUTH_TOKEN=... helix-followers twitchdev
 * [LIMIT] [CACHE]
 *
 * CACHE is none (default), memory, file, redis or memcached. Needs a user
 * token of the broadcaster or a moderator with moderator:read:followers. */
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/helix.h>

#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv); /* debug log with secrets redacted */
  twitch::secrets_install_log_filter ();
  if (argc < 2) {
    fprintf (stderr, "usage: %s CHANNEL [LIMIT] [CACHE]\n", argv[0]);
    return 2;
  }
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
