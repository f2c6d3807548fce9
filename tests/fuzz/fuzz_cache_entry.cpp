/* libFuzzer target: the cache entry decoder (lib/gst/twitch/cache/
 * cache_decode), which reads bytes from a file tree, Redis or memcached that
 * someone else may have written. Any bytes give an entry or nothing, and an
 * entry written back decodes to itself (built with
 * -fsanitize=fuzzer,address,undefined). */
#include <gst/twitch/cache/cache.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  std::string_view bytes (reinterpret_cast<const char *> (data), size);
  /* As stored, at a few clocks: the epoch, now-ish, the far future. */
  for (int64_t now :
      {INT64_MIN, int64_t (0), int64_t (1700000000000000), INT64_MAX}) {
    auto entry = twitch::cache_decode (bytes, now);
    if (!entry)
      continue;
    std::string again = twitch::cache_encode (*entry, INT64_MAX);
    auto back = twitch::cache_decode (again, now);
    if (!back || back->body != entry->body
        || back->fetched_at_us != entry->fetched_at_us)
      __builtin_trap ();
  }
  /* The same bytes as a body: encode, decode, compare. */
  twitch::CacheEntry e;
  e.body.assign (bytes);
  e.fetched_at_us = size > 8 ? (int64_t)data[0] << 40 : 0;
  std::string enc = twitch::cache_encode (e, 1);
  auto dec = twitch::cache_decode (enc, 0);
  if (!dec || dec->body != e.body || dec->fetched_at_us != e.fetched_at_us)
    __builtin_trap ();
  /* And as a URL and identity for the key. */
  std::string key = twitch::cache_key (bytes, bytes.substr (size / 2));
  if (key.size () != 64)
    __builtin_trap ();
  return 0;
}
