/* gst-twitch: where `login` keeps the user token, through the library's
 * saved login (saved-login.h), which Helix also falls back to:
 * g_get_user_config_dir()/gst-twitch/token.json, folder 0700, file 0600. */
#pragma once

#include "helix.h"

#include <optional>
#include <string>

namespace cli
{

std::string store_path ();

/* nullopt when there is no stored token; throws Failure (EXIT_OTHER) when
 * the file exists but cannot be used. */
std::optional<Credentials> store_load ();
/* Atomic write, 0600 in a 0700 folder; throws Failure on error. */
void store_save (const Credentials &creds);
/* True when a file was removed. */
bool store_remove ();

} // namespace cli
