/* gst-twitch: keeping secrets out of logs and error texts. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

G_BEGIN_DECLS

/**
 * GST_TWITCH_REDACTED:
 *
 * What a secret is replaced with wherever it would be printed.
 *
 * Since: 1.0
 */
#define GST_TWITCH_REDACTED "<redacted>"

GST_TWITCH_API
void gst_twitch_secrets_register (const gchar *secret);

GST_TWITCH_API
void gst_twitch_secrets_unregister (const gchar *secret);

GST_TWITCH_API
gchar *gst_twitch_secrets_redact (const gchar *text);

GST_TWITCH_API
void gst_twitch_secrets_install_log_filter (void);

GST_TWITCH_API
guint gst_twitch_secrets_get_count (void);

G_END_DECLS
