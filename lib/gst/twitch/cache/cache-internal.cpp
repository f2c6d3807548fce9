#include "config.h"

#include "cache-private.h"

#include <algorithm>
#include <cctype>
#include <climits>

namespace twitch
{
namespace cache_internal
{

GstDebugCategory *
debug_category ()
{
  static GstDebugCategory *cat = nullptr;
  static std::once_flag once;
  std::call_once (once, [] {
    cat = _gst_debug_category_new ("twitchcache", 0,
        "gst-twitch response cache (memory, file, Redis, memcached)");
  });
  return cat;
}

int64_t
expiry_from_ttl (int64_t ttl_seconds)
{
  int64_t now = now_us ();
  if (ttl_seconds <= 0)
    return now;
  if (ttl_seconds > (INT64_MAX - now) / G_USEC_PER_SEC)
    return INT64_MAX;
  return now + ttl_seconds * G_USEC_PER_SEC;
}

bool
key_is_plain (const std::string &key)
{
  if (key.empty () || key.size () > 128)
    return false;
  return std::all_of (key.begin (), key.end (), [] (char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_'
           || c == '-';
  });
}

std::string
safe_key (const std::string &key)
{
  if (key_is_plain (key))
    return key;
  /* A different separator from cache_key()'s: "x" hashed here never equals
   * a cache_key() of anything. */
  return cache_key (key, "\x01raw-key");
}

OutageGate::OutageGate (
    std::string what, int retry_initial_ms, int retry_max_ms)
    : what_ (std::move (what)),
      retry_initial_us_ (std::max (retry_initial_ms, 1) * 1000LL),
      retry_max_us_ (std::max (retry_max_ms, retry_initial_ms) * 1000LL)
{
  (void)debug_category ();
}

OutageGate::Pass
OutageGate::enter ()
{
  std::lock_guard<std::mutex> guard (lock_);
  if (!down_)
    return Pass::NORMAL;
  if (probing_ || g_get_monotonic_time () < retry_at_us_)
    return Pass::SKIP;
  probing_ = true;
  return Pass::PROBE;
}

void
OutageGate::succeeded (Pass pass)
{
  std::lock_guard<std::mutex> guard (lock_);
  /* Only a probe ends an outage: a call that started before it was
   * noticed may still succeed after another one failed. */
  if (pass != Pass::PROBE)
    return;
  probing_ = false;
  if (down_) {
    down_ = false;
    CACHE_INFO ("%s is back: using it again", what_.c_str ());
  }
}

void
OutageGate::failed (Pass pass, const std::string &why)
{
  std::lock_guard<std::mutex> guard (lock_);
  if (pass == Pass::PROBE)
    probing_ = false;
  int64_t now = g_get_monotonic_time ();
  if (!down_) {
    down_ = true;
    outages_++;
    delay_us_ = retry_initial_us_;
    retry_at_us_ = now + delay_us_;
    CACHE_WARNING ("%s failed (%s): skipping it (requests go to the network) "
                   "and retrying in %" G_GINT64_FORMAT " ms",
        what_.c_str (), why.c_str (), delay_us_ / 1000);
    return;
  }
  if (pass != Pass::PROBE) {
    /* A call that started before the outage was noticed. */
    return;
  }
  delay_us_ = std::min (delay_us_ * 2, retry_max_us_);
  retry_at_us_ = now + delay_us_;
  CACHE_DEBUG ("%s still down (%s): next try in %" G_GINT64_FORMAT " ms",
      what_.c_str (), why.c_str (), delay_us_ / 1000);
}

bool
OutageGate::down ()
{
  std::lock_guard<std::mutex> guard (lock_);
  return down_;
}

unsigned
OutageGate::outages ()
{
  std::lock_guard<std::mutex> guard (lock_);
  return outages_;
}

} // namespace cache_internal

bool
cache_parse_size (std::string_view text, uint64_t *out)
{
  std::string s (text);
  /* Trim. */
  while (!s.empty () && g_ascii_isspace (s.back ()))
    s.pop_back ();
  size_t start = 0;
  while (start < s.size () && g_ascii_isspace (s[start]))
    start++;
  s = s.substr (start);
  if (s.empty () || !g_ascii_isdigit (s[0]))
    return false;

  size_t pos = 0;
  while (pos < s.size () && g_ascii_isdigit (s[pos]))
    pos++;
  std::string digits = s.substr (0, pos);
  std::string unit = s.substr (pos);
  while (!unit.empty () && g_ascii_isspace (unit[0]))
    unit.erase (0, 1);
  for (char &c : unit)
    c = g_ascii_tolower (c);

  int shift;
  if (unit.empty () || unit == "b")
    shift = 0;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    shift = 10;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    shift = 20;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    shift = 30;
  else if (unit == "t" || unit == "tb" || unit == "tib")
    shift = 40;
  else
    return false;

  guint64 value = 0;
  if (digits.size () > 20
      || !g_ascii_string_to_unsigned (
          digits.c_str (), 10, 0, G_MAXUINT64, &value, nullptr))
    return false;
  if (shift > 0 && value > (G_MAXUINT64 >> shift))
    return false;
  *out = value << shift;
  return true;
}

} // namespace twitch
