/* gst-twitch: the Helix API client. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/gsttwitchmodels.h>
#include <gst/twitch/gsttwitchpager.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_HELIX_CLIENT (gst_twitch_helix_client_get_type ())
GST_TWITCH_API
G_DECLARE_FINAL_TYPE (GstTwitchHelixClient, gst_twitch_helix_client, GST_TWITCH,
    HELIX_CLIENT, GObject)

GST_TWITCH_API
GstTwitchHelixClient *gst_twitch_helix_client_new (void);

GST_TWITCH_API
GstTwitchUser *gst_twitch_helix_client_get_user (GstTwitchHelixClient *self,
    const gchar *login, GCancellable *cancellable, GError **error);
GST_TWITCH_API
void gst_twitch_helix_client_get_user_async (GstTwitchHelixClient *self,
    const gchar *login, GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data);
GST_TWITCH_API
GstTwitchUser *gst_twitch_helix_client_get_user_finish (
    GstTwitchHelixClient *self, GAsyncResult *result, GError **error);

GST_TWITCH_API
GPtrArray *gst_twitch_helix_client_get_users (GstTwitchHelixClient *self,
    const gchar *const *logins, const gchar *const *ids,
    GCancellable *cancellable, GError **error);
GST_TWITCH_API
void gst_twitch_helix_client_get_users_async (GstTwitchHelixClient *self,
    const gchar *const *logins, const gchar *const *ids,
    GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data);
GST_TWITCH_API
GPtrArray *gst_twitch_helix_client_get_users_finish (
    GstTwitchHelixClient *self, GAsyncResult *result, GError **error);

GST_TWITCH_API
GstTwitchChannel *gst_twitch_helix_client_get_channel (
    GstTwitchHelixClient *self, const gchar *broadcaster_id,
    GCancellable *cancellable, GError **error);
GST_TWITCH_API
void gst_twitch_helix_client_get_channel_async (GstTwitchHelixClient *self,
    const gchar *broadcaster_id, GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer user_data);
GST_TWITCH_API
GstTwitchChannel *gst_twitch_helix_client_get_channel_finish (
    GstTwitchHelixClient *self, GAsyncResult *result, GError **error);

GST_TWITCH_API
GstTwitchStream *gst_twitch_helix_client_get_stream (GstTwitchHelixClient *self,
    const gchar *login, GCancellable *cancellable, GError **error);
GST_TWITCH_API
void gst_twitch_helix_client_get_stream_async (GstTwitchHelixClient *self,
    const gchar *login, GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data);
GST_TWITCH_API
GstTwitchStream *gst_twitch_helix_client_get_stream_finish (
    GstTwitchHelixClient *self, GAsyncResult *result, GError **error);

GST_TWITCH_API
GstTwitchPager *gst_twitch_helix_client_get_followers (
    GstTwitchHelixClient *self, const gchar *broadcaster_id, guint limit);
GST_TWITCH_API
GstTwitchPager *gst_twitch_helix_client_get_followed (
    GstTwitchHelixClient *self, const gchar *user_id, guint limit);
GST_TWITCH_API
GstTwitchPager *gst_twitch_helix_client_get_videos (GstTwitchHelixClient *self,
    const gchar *user_id, const gchar *type, guint limit);
GST_TWITCH_API
GstTwitchPager *gst_twitch_helix_client_get_clips (
    GstTwitchHelixClient *self, const gchar *broadcaster_id, guint limit);
GST_TWITCH_API
GstTwitchPager *gst_twitch_helix_client_get_chatters (
    GstTwitchHelixClient *self, const gchar *broadcaster_id,
    const gchar *moderator_id, guint limit);
GST_TWITCH_API
GstTwitchPager *gst_twitch_helix_client_get_top_games (
    GstTwitchHelixClient *self, guint limit);

G_END_DECLS
