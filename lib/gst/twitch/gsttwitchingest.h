/* gst-twitch: Twitch's list of ingest servers. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/gsttwitchmodels.h>
#include <gio/gio.h>

G_BEGIN_DECLS

GST_TWITCH_API
GPtrArray *gst_twitch_ingest_list_get (
    GCancellable *cancellable, GError **error);

GST_TWITCH_API
void gst_twitch_ingest_list_get_async (GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer user_data);

GST_TWITCH_API
GPtrArray *gst_twitch_ingest_list_get_finish (
    GAsyncResult *result, GError **error);

G_END_DECLS
