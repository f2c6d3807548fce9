/* twitchchatsrc: Twitch chat as a live source. */
#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_CHAT_SRC (gst_twitch_chat_src_get_type ())
G_DECLARE_FINAL_TYPE (
    GstTwitchChatSrc, gst_twitch_chat_src, GST, TWITCH_CHAT_SRC, GstPushSrc)

G_END_DECLS
