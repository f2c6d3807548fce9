/* cache-client: a second process for the shared-cache tests (and a handy
 * probe by hand). Uses cache_new_from_name() with the environment:
 *   cache-client BACKEND get KEY             body on stdout; exit 0 hit, 2 miss
 *   cache-client BACKEND put KEY BODY TTL    exit 0
 *   cache-client BACKEND remove KEY          exit 0
 * Exit 1 on a usage or configuration error. */
#include <gst/twitch/cache/cache.h>

#include <cstdio>
#include <cstring>

int
main (int argc, char **argv)
{
  if (argc < 4) {
    fprintf (stderr,
        "usage: %s BACKEND get KEY | put KEY BODY TTL | remove KEY\n", argv[0]);
    return 1;
  }
  GError *error = nullptr;
  auto cache = twitch::cache_new_from_name (argv[1], &error);
  if (!cache) {
    fprintf (stderr, "%s\n", error ? error->message : "caching is off");
    g_clear_error (&error);
    return 1;
  }
  const char *op = argv[2];
  std::string key = argv[3];
  if (strcmp (op, "get") == 0) {
    auto e = cache->get (key);
    if (!e)
      return 2;
    fwrite (e->body.data (), 1, e->body.size (), stdout);
    return 0;
  }
  if (strcmp (op, "put") == 0 && argc >= 6) {
    twitch::CacheEntry e;
    e.body = argv[4];
    e.fetched_at_us = g_get_real_time ();
    cache->put (key, e, g_ascii_strtoll (argv[5], nullptr, 10));
    return 0;
  }
  if (strcmp (op, "remove") == 0) {
    cache->remove (key);
    return 0;
  }
  fprintf (stderr, "unknown operation %s\n", op);
  return 1;
}
