/* Keeps secrets (stream keys, OAuth tokens, client secrets) out of GStreamer's
 * debug log, error texts and bus messages. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <string>
#include <string_view>

namespace twitch
{

/* What a secret is replaced with wherever it would be printed. */
inline constexpr std::string_view kRedacted = "<redacted>";

/* Registers @secret so that every GStreamer debug line containing it is
 * rewritten with kRedacted, at any GST_DEBUG level. Reference-counted: two
 * elements holding the same key each register and unregister it once.
 * Installs the redacting log function on first use (see
 * secrets_install_log_filter()). Secrets shorter than 4 bytes are ignored:
 * redacting them would mangle unrelated text and they protect nothing. */
GST_TWITCH_API void secrets_register (std::string_view secret);
GST_TWITCH_API void secrets_unregister (std::string_view secret);

/* Returns @text with every registered secret, and @extra when not empty,
 * replaced by kRedacted. Use it on any text that leaves the element: child
 * error messages, URLs in debug lines, bus message fields. */
GST_TWITCH_API std::string secrets_redact (
    std::string_view text, std::string_view extra = {});

/* Replaces GStreamer's default log function with one that redacts registered
 * secrets before writing to stderr or GST_DEBUG_FILE. While any secret is
 * registered, memory dumps (GST_MEMDUMP, level 9) are withheld: they print
 * network payloads as hex, where a key would be split across lines.
 * Idempotent and thread-safe. Does nothing before gst_init(); every
 * secrets_register() call tries again. */
GST_TWITCH_API void secrets_install_log_filter ();

/* Number of currently registered secrets (for tests). */
GST_TWITCH_API size_t secrets_count ();

} // namespace twitch
