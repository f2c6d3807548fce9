/* twitchchatsink: sends text buffers to a Twitch chat channel. */
#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_CHAT_SINK (gst_twitch_chat_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstTwitchChatSink, gst_twitch_chat_sink, GST, TWITCH_CHAT_SINK, GstBaseSink)

G_END_DECLS
