#include "helix.h"

#include <algorithm>

namespace cli
{

bool
Credentials::has_scope (const std::string &scope) const
{
  return std::find (scopes.begin (), scopes.end (), scope) != scopes.end ();
}

/* ---- Api ----------------------------------------------------------------- */

Api::Api (const std::optional<Credentials> &stored,
    std::shared_ptr<twitch::Cache> cache, int64_t cache_ttl,
    std::function<void (int64_t, const std::string &)> on_wait)
{
  twitch::HelixConfig config;
  config.cache = std::move (cache);
  config.on_rate_limit_wait = std::move (on_wait);
  if (cache_ttl > 0)
    config.ttl = twitch::CacheTtl::all (cache_ttl);
  if (stored) {
    stored_ = true;
    creds_ = *stored;
    stored_access_ = stored->access_token;
    config.client_id = stored->client_id;
    config.oauth_token = stored->access_token;
    config.refresh_token = stored->refresh_token;
    config.token_expires_at = stored->expires_at * G_USEC_PER_SEC;
    /* The environment still gives the URLs and a client secret (for a
     * confidential application's refresh), never another token. */
    config.use_environment = true;
  }
  client_ = std::make_unique<twitch::Helix> (std::move (config));
}

bool
Api::connect (GError **error)
{
  if (!client_->check_credentials (error))
    return false;
  if (!client_->ensure_token (nullptr, error))
    return false;
  if (stored_) {
    /* Validated at start, as Twitch asks of every application (the
     * library refreshes an expired or revoked token itself), so that the
     * scopes checked before a request are the token's real ones. */
    auto info = client_->validate (nullptr, error);
    if (!info)
      return false;
    twitch::Token t = client_->token ();
    creds_.access_token = t.access_token;
    if (!t.refresh_token.empty ())
      creds_.refresh_token = t.refresh_token;
    if (!info->login.empty ())
      creds_.login = info->login;
    if (!info->user_id.empty ())
      creds_.user_id = info->user_id;
    creds_.scopes = info->scopes;
    return true;
  }
  twitch::Token t = client_->token ();
  creds_.client_id = client_->client_id ();
  creds_.access_token = t.access_token;
  creds_.is_app = t.is_app;
  if (!t.is_app) {
    /* A token from TWITCH_OAUTH_TOKEN: learn whose it is and its scopes. */
    auto info = client_->validate (nullptr, error);
    if (!info)
      return false;
    creds_.login = info->login;
    creds_.user_id = info->user_id;
    creds_.scopes = info->scopes;
    creds_.is_app = info->user_id.empty ();
  }
  return true;
}

std::optional<Credentials>
Api::refreshed () const
{
  if (!stored_)
    return std::nullopt;
  twitch::Token t = client_->token ();
  if (t.access_token.empty () || t.access_token == stored_access_)
    return std::nullopt;
  Credentials c = creds_;
  c.access_token = t.access_token;
  if (!t.refresh_token.empty ())
    c.refresh_token = t.refresh_token;
  c.expires_at = twitch::time_to_unix_seconds (t.expires_at);
  if (!t.scopes.empty ())
    c.scopes = t.scopes;
  return c;
}

} // namespace cli
