/* The one place the library's error domains become GStreamer resource
 * errors, for the elements' GST_ELEMENT_ERROR / _WARNING (STYLE.md 9). */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <gst/gst.h>

namespace twitch
{

/* Whether @error is a cancellation (G_IO_ERROR_CANCELLED): logged at debug
 * level, never posted. Cancellation is recognised by its code, never by its
 * text. */
GST_TWITCH_API bool error_is_cancelled (const GError *error);

/* The GstResourceError an element posts for @error:
 * - refused credentials (TWITCH_API_ERROR UNAUTHORIZED / MISSING_SCOPE,
 *   TWITCH_CHAT_ERROR LOGIN) -> NOT_AUTHORIZED;
 * - nothing by that name (TWITCH_API_ERROR NOT_FOUND, TWITCH_INGEST_ERROR
 *   UNKNOWN_SERVER) -> NOT_FOUND;
 * - bad configuration (API BAD_REQUEST, CHAT SETTINGS, INGEST INVALID, any
 *   TWITCH_CACHE_ERROR) -> SETTINGS;
 * - a certificate refused (TWITCH_CHAT_ERROR CERTIFICATE, G_TLS_ERROR) ->
 *   OPEN_READ_WRITE;
 * - a GST_RESOURCE_ERROR keeps its code;
 * - anything else (network, server, bad answers) -> @other, the element's
 *   own code for its kind of I/O (READ, WRITE, OPEN_WRITE, FAILED). */
GST_TWITCH_API GstResourceError gst_resource_error_of (
    const GError *error, GstResourceError other = GST_RESOURCE_ERROR_FAILED);

} // namespace twitch
