#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_SINK (gst_twitch_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstTwitchSink, gst_twitch_sink, GST, TWITCH_SINK, GstBin)

G_END_DECLS
