/* The user token `gst-twitch login` saves, in one place for the CLI (which
 * writes it) and for Helix (which falls back to it and writes rotated
 * tokens back): $XDG_CONFIG_HOME/gst-twitch/token.json, 0600 in a 0700
 * folder. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twitch
{

struct GST_TWITCH_API SavedLogin {
  std::string client_id;
  std::string access_token;  /* secret */
  std::string refresh_token; /* secret, may be empty */
  std::string login;
  std::string user_id;
  std::vector<std::string> scopes;
  int64_t expires_at = 0; /* Unix seconds, 0 unknown */
};

GST_TWITCH_API std::string saved_login_path ();

/* nullopt with @error unset when there is no file; nullopt with @error
 * (G_IO_ERROR) when it is a link, not the user's, readable by others, too
 * large or not the JSON object gst-twitch writes. */
GST_TWITCH_API std::optional<SavedLogin> saved_login_read (GError **error);

/* Atomic write (a temporary file created 0600, renamed over) in a 0700
 * folder. */
GST_TWITCH_API bool saved_login_write (const SavedLogin &login, GError **error);

/* True when a file was removed; false with @error unset when there was
 * none. */
GST_TWITCH_API bool saved_login_remove (GError **error);

} // namespace twitch
