/* gst-twitch: the Twitch chat client. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/gsttwitchchatenums.h>
#include <gst/twitch/gsttwitchchatmessage.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_CHAT_CLIENT (gst_twitch_chat_client_get_type ())
GST_TWITCH_API
G_DECLARE_FINAL_TYPE (GstTwitchChatClient, gst_twitch_chat_client, GST_TWITCH,
    CHAT_CLIENT, GObject)

GST_TWITCH_API
GstTwitchChatClient *gst_twitch_chat_client_new (void);

GST_TWITCH_API
gboolean gst_twitch_chat_client_join (
    GstTwitchChatClient *self, const gchar *channel, GError **error);

GST_TWITCH_API
gboolean gst_twitch_chat_client_part (
    GstTwitchChatClient *self, const gchar *channel, GError **error);

GST_TWITCH_API
gboolean gst_twitch_chat_client_start (
    GstTwitchChatClient *self, GError **error);

GST_TWITCH_API
void gst_twitch_chat_client_stop (GstTwitchChatClient *self);

GST_TWITCH_API
guint64 gst_twitch_chat_client_send (GstTwitchChatClient *self,
    const gchar *channel, const gchar *text, const gchar *reply_parent_id,
    GError **error);

GST_TWITCH_API
GstTwitchChatState gst_twitch_chat_client_get_state (GstTwitchChatClient *self);

GST_TWITCH_API
gchar *gst_twitch_chat_client_get_nick (GstTwitchChatClient *self);

G_END_DECLS
