/* gst-twitch: the CLI's access to Helix, the library's client
 * (twitch::Helix: auth, refresh, rate limits, retries, cache, typed calls
 * and pagers). What the CLI adds: credentials from the token `login`
 * stored, validated at start so that scopes are checked before a request. */
#pragma once

#include <gst/twitch/cache/cache.h>
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/helix/saved-login.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cli
{

/* A user token as `login` saves it (the library's record), or the token
 * the client acts with. */
struct Credentials : twitch::SavedLogin {
  bool is_app = false;

  bool has_scope (const std::string &scope) const;
};

class Api
{
 public:
  /* With @stored (a token from `login`) the client acts as that user; else
   * it takes TWITCH_OAUTH_TOKEN, or TWITCH_CLIENT_ID + TWITCH_CLIENT_SECRET
   * for an app token. @cache_ttl > 0 keeps every answer that long instead
   * of the library's per-kind TTLs. */
  /* @on_wait: told of each wait for Twitch's rate limit (to show it). */
  Api (const std::optional<Credentials> &stored,
      std::shared_ptr<twitch::Cache> cache, int64_t cache_ttl = 0,
      std::function<void (int64_t wait_ms, const std::string &reason)> on_wait
      = {});

  twitch::Helix &client () { return *client_; }

  /* Makes sure a token is held and knows whose it is and its scopes: a
   * stored token is validated (and refreshed once when Twitch rejects it),
   * a TWITCH_OAUTH_TOKEN validated, an app token fetched. The caller checks
   * client ().check_credentials () first (no credentials at all: exit 3). */
  bool connect (GError **error);

  /* The token's owner and scopes (after connect()). */
  const Credentials &credentials () const { return creds_; }

  /* The stored token, updated when the client refreshed it; nullopt when
   * unchanged (or not a stored token). */
  std::optional<Credentials> refreshed () const;

 private:
  std::unique_ptr<twitch::Helix> client_;
  Credentials creds_;
  std::string stored_access_; /* the token as loaded, to see a refresh */
  bool stored_ = false;
};

} // namespace cli
