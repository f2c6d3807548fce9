/* gst-twitch: page-by-page iteration over a paged Helix collection. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_PAGER (gst_twitch_pager_get_type ())
GST_TWITCH_API
G_DECLARE_FINAL_TYPE (
    GstTwitchPager, gst_twitch_pager, GST_TWITCH, PAGER, GObject)

GST_TWITCH_API
GPtrArray *gst_twitch_pager_next_page (
    GstTwitchPager *self, GCancellable *cancellable, GError **error);

GST_TWITCH_API
void gst_twitch_pager_next_page_async (GstTwitchPager *self,
    GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data);

GST_TWITCH_API
GPtrArray *gst_twitch_pager_next_page_finish (
    GstTwitchPager *self, GAsyncResult *result, GError **error);

GST_TWITCH_API
GType gst_twitch_pager_get_item_type (GstTwitchPager *self);

GST_TWITCH_API
gint64 gst_twitch_pager_get_total (GstTwitchPager *self);

GST_TWITCH_API
guint64 gst_twitch_pager_get_fetched (GstTwitchPager *self);

GST_TWITCH_API
gboolean gst_twitch_pager_is_done (GstTwitchPager *self);

G_END_DECLS
