/* Validation of every identifier that reaches a Twitch wire protocol (chat
 * today, the GObject API and EventSub later): channel and login names,
 * OAuth tokens, message ids. One place, so no entry point can forget a
 * rule. A value that fails never reaches the wire: the caller reports
 * @error (TWITCH_CHAT_ERROR_SETTINGS) naming what was wrong. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/chat/irc.h>

#include <string>
#include <string_view>
#include <vector>

namespace twitch
{

/* Twitch's user and channel names: letters, digits, underscore, 1..25. */
inline constexpr size_t kTwitchNameMaxLength = 25;
/* Longest OAuth token accepted (Twitch's are 30 characters). */
inline constexpr size_t kTwitchTokenMaxLength = 512;
/* Longest message id accepted (Twitch's are UUIDs, 36 characters). */
inline constexpr size_t kTwitchMessageIdMaxLength = 128;

/* Lower-cases @in and checks it against `[a-z0-9_]{1,25}`; with
 * @allow_hash, one leading '#' is stripped first (channels). On success
 * @out (may be null) gets the normalized name. @what names the setting in
 * the error ("channel", "login", ...). */
GST_TWITCH_API bool twitch_name_normalize (std::string_view in, bool allow_hash,
    const char *what, std::string *out, GError **error);

/* A comma (or space) separated channel list: every item normalized as
 * above, duplicates removed, empty items skipped. False (with @error
 * naming the bad item and @what) when any item is invalid: nothing is
 * partly accepted. */
GST_TWITCH_API bool twitch_channel_list_parse (std::string_view list,
    const char *what, std::vector<std::string> *out, GError **error);

/* An OAuth token, with or without "oauth:": 1..512 printable ASCII
 * characters, no whitespace or control characters. The error never
 * contains the token. */
GST_TWITCH_API bool twitch_token_validate (
    std::string_view token, const char *what, GError **error);

/* A message id (reply-parent-msg-id): 1..128 of `[A-Za-z0-9_-]`. */
GST_TWITCH_API bool twitch_message_id_validate (
    std::string_view id, const char *what, GError **error);

} // namespace twitch
