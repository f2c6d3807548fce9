#include "config.h"

#include <gst/twitch/cache/cache.h>

#include <zstd.h>

#include <cstring>
#include <memory>

namespace twitch
{

/* Spelled out rather than G_DEFINE_QUARK, whose stringified first argument
 * a formatter would space ("twitch - api - ..."). */
GQuark
cache_error_quark (void)
{
  static GQuark q = 0;
  if (G_UNLIKELY (q == 0))
    q = g_quark_from_static_string ("twitch-cache-error-quark");
  return q;
}

namespace
{

/* Header: magic "GTC1", fetched_at_us, expires_at_us, body length (all
 * little-endian 64-bit), then the zstd frame. */
constexpr char kMagic[4] = {'G', 'T', 'C', '1'};
constexpr size_t kHeaderSize = 4 + 3 * 8;
/* Fast and still ~5x on JSON; the cache is on the request path. */
constexpr int kZstdLevel = 3;
/* A Helix page is at most a few hundred KB; refuse absurd sizes in a
 * corrupt header instead of allocating them. */
constexpr uint64_t kMaxBodySize = 64 * 1024 * 1024;

void
put_u64 (std::string &out, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    out.push_back (static_cast<char> ((v >> (8 * i)) & 0xff));
}

uint64_t
get_u64 (const char *p)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= static_cast<uint64_t> (static_cast<unsigned char> (p[i])) << (8 * i);
  return v;
}

} // namespace

std::string
cache_key (std::string_view url, std::string_view identity)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, reinterpret_cast<const guchar *> (url.data ()),
      static_cast<gssize> (url.size ()));
  /* A separator that cannot occur in a URL keeps "a"+"bc" apart from
   * "ab"+"c". */
  g_checksum_update (sum, reinterpret_cast<const guchar *> ("\n"), 1);
  g_checksum_update (sum, reinterpret_cast<const guchar *> (identity.data ()),
      static_cast<gssize> (identity.size ()));
  std::string key = g_checksum_get_string (sum);
  g_checksum_free (sum);
  return key;
}

std::string
cache_encode (const CacheEntry &entry, int64_t expires_at_us)
{
  size_t bound = ZSTD_compressBound (entry.body.size ());
  std::string out;
  out.reserve (kHeaderSize + bound);
  out.append (kMagic, sizeof (kMagic));
  put_u64 (out, static_cast<uint64_t> (entry.fetched_at_us));
  put_u64 (out, static_cast<uint64_t> (expires_at_us));
  put_u64 (out, entry.body.size ());
  out.resize (kHeaderSize + bound);
  /* One context per thread: no allocation per call. The frame carries a
   * checksum, so a flipped byte in a stored entry is a miss, not a wrong
   * body. */
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*) (ZSTD_CCtx *)> cctx (
      nullptr, ZSTD_freeCCtx);
  if (!cctx) {
    cctx.reset (ZSTD_createCCtx ());
    if (!cctx)
      return {};
  }
  ZSTD_CCtx_reset (cctx.get (), ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter (cctx.get (), ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter (cctx.get (), ZSTD_c_checksumFlag, 1);
  size_t n = ZSTD_compress2 (cctx.get (), out.data () + kHeaderSize, bound,
      entry.body.data (), entry.body.size ());
  if (ZSTD_isError (n))
    return {};
  out.resize (kHeaderSize + n);
  return out;
}

std::optional<CacheEntry>
cache_decode (std::string_view data, int64_t now_us)
{
  if (data.size () < kHeaderSize
      || memcmp (data.data (), kMagic, sizeof (kMagic)) != 0)
    return std::nullopt;
  int64_t fetched = static_cast<int64_t> (get_u64 (data.data () + 4));
  int64_t expires = static_cast<int64_t> (get_u64 (data.data () + 12));
  uint64_t size = get_u64 (data.data () + 20);
  if (expires <= now_us || size > kMaxBodySize)
    return std::nullopt;

  std::string_view frame = data.substr (kHeaderSize);
  unsigned long long content
      = ZSTD_getFrameContentSize (frame.data (), frame.size ());
  if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN
      || content != size)
    return std::nullopt;

  CacheEntry entry;
  entry.fetched_at_us = fetched;
  entry.body.resize (size);
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*) (ZSTD_DCtx *)> dctx (
      nullptr, ZSTD_freeDCtx);
  if (!dctx) {
    dctx.reset (ZSTD_createDCtx ());
    if (!dctx)
      return std::nullopt;
  }
  size_t n = ZSTD_decompressDCtx (
      dctx.get (), entry.body.data (), size, frame.data (), frame.size ());
  if (ZSTD_isError (n) || n != size)
    return std::nullopt;
  return entry;
}

} // namespace twitch
