/* twitchsink's fill-gaps: a private element before the encoders of a raw
 * input that keeps the stream continuous when the producer under-feeds. It
 * repeats the last video frame, or inserts silence, once the next buffer is
 * late on the clock, and fills the hole at the join when the producer comes
 * back. Everything it pushes, real or made up, goes out from its own pad
 * task (the model is gst-plugins-rs's livesync), so no buffer is ever pushed
 * from a foreign thread. While not enabled it only forwards.
 * Not registered as a plugin feature. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_SINK_FILL_GAPS (gst_twitch_sink_fill_gaps_get_type ())
G_DECLARE_FINAL_TYPE (GstTwitchSinkFillGaps, gst_twitch_sink_fill_gaps, GST,
    TWITCH_SINK_FILL_GAPS, GstElement)

/* Follows twitchsink's fill-gaps property (mutable in PLAYING). */
void gst_twitch_sink_fill_gaps_set_enabled (
    GstTwitchSinkFillGaps *self, gboolean enabled);

/* Buffers made up so far (repeated frames or silence). */
guint64 gst_twitch_sink_fill_gaps_get_filled (GstTwitchSinkFillGaps *self);

G_END_DECLS
