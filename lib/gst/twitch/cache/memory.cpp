/* Memory backend: an in-process LRU with a byte budget.
 *
 * Entries are kept decoded (the body as it came from the server), so a hit
 * costs one copy and no decompression: this backend sits in front of the
 * others on the request path. The budget counts keys, bodies and a fixed
 * per-entry overhead for the list and hash nodes. */
#include "config.h"

#include "cache-private.h"

#include <list>
#include <mutex>
#include <unordered_map>

namespace twitch
{

namespace
{

using namespace cache_internal;

/* List node, hash node and bookkeeping, roughly. */
constexpr uint64_t kEntryOverhead = 128;

class MemoryCache final : public Cache
{
 public:
  explicit MemoryCache (uint64_t max_bytes) : max_bytes_ (max_bytes)
  {
    (void)debug_category ();
  }

  const char *name () const override { return "memory"; }

  std::optional<CacheEntry> get (const std::string &key) override
  {
    std::lock_guard<std::mutex> guard (lock_);
    auto it = index_.find (key);
    if (it == index_.end ())
      return std::nullopt;
    Item &item = *it->second;
    if (item.expires_at_us <= now_us ()) {
      drop (it->second);
      return std::nullopt;
    }
    /* Most recently used first. */
    lru_.splice (lru_.begin (), lru_, it->second);
    return item.entry;
  }

  void put (const std::string &key, const CacheEntry &entry,
      int64_t ttl_seconds) override
  {
    if (ttl_seconds <= 0)
      return;
    uint64_t cost = key.size () + entry.body.size () + kEntryOverhead;
    int64_t expires = expiry_from_ttl (ttl_seconds);
    std::lock_guard<std::mutex> guard (lock_);
    auto it = index_.find (key);
    if (it != index_.end ())
      drop (it->second);
    if (cost > max_bytes_) {
      CACHE_DEBUG ("memory: %" G_GUINT64_FORMAT " bytes exceed the budget "
                   "of %" G_GUINT64_FORMAT ", not stored",
          cost, max_bytes_);
      return;
    }
    while (used_ + cost > max_bytes_ && !lru_.empty ())
      drop (std::prev (lru_.end ()));
    lru_.push_front (Item{key, entry, expires, cost});
    index_.emplace (key, lru_.begin ());
    used_ += cost;
  }

  void remove (const std::string &key) override
  {
    std::lock_guard<std::mutex> guard (lock_);
    auto it = index_.find (key);
    if (it != index_.end ())
      drop (it->second);
  }

 private:
  struct Item {
    std::string key;
    CacheEntry entry;
    int64_t expires_at_us;
    uint64_t cost;
  };
  using ItemList = std::list<Item>;

  /* Called with lock_ held. */
  void drop (ItemList::iterator item)
  {
    used_ -= item->cost;
    index_.erase (item->key);
    lru_.erase (item);
  }

  std::mutex lock_;
  const uint64_t max_bytes_;
  uint64_t used_ = 0;
  ItemList lru_;
  std::unordered_map<std::string, ItemList::iterator> index_;
};

} // namespace

std::unique_ptr<Cache>
cache_memory_new (uint64_t max_bytes)
{
  return std::make_unique<MemoryCache> (max_bytes);
}

} // namespace twitch
