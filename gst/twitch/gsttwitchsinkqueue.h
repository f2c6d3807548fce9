/* twitchsink's inner queue: holds encoded video and audio ahead of flvmux and
 * the network sink, keeps upstream flowing while the ingest is away or slow,
 * and drops video by priority (never audio, never keyframes) within a bound.
 * Private to twitchsink (not registered as a plugin feature). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_SINK_QUEUE (gst_twitch_sink_queue_get_type ())
G_DECLARE_FINAL_TYPE (GstTwitchSinkQueue, gst_twitch_sink_queue, GST,
    TWITCH_SINK_QUEUE, GstElement)

typedef enum {
  GST_TWITCH_SINK_QUEUE_VIDEO = 0,
  GST_TWITCH_SINK_QUEUE_AUDIO = 1,
} GstTwitchSinkQueueStream;

typedef struct {
  guint buffers;
  GstClockTime duration; /* newest end - oldest start of the queued buffers */
  guint64 bytes;
  GstClockTime late; /* of duration, how much is already due on the clock */
} GstTwitchSinkQueueLevel;

typedef struct {
  GstTwitchSinkQueueLevel video;
  GstTwitchSinkQueueLevel audio;
  guint64 video_dropped;
  guint64 audio_dropped; /* only past the hard bound */
  gboolean waiting_keyframe;
  gboolean holding;
  /* Monotonic time (us) a push downstream has been blocked since, or 0. */
  gint64 push_blocked_since;
} GstTwitchSinkQueueStatus;

/* Dropping thresholds (queued video duration): non-reference frames past
 * @drop_nonref, every non-keyframe past @drop_nonkey, the oldest data past
 * @max_time (memory bound). */
void gst_twitch_sink_queue_set_limits (GstTwitchSinkQueue *queue,
    GstClockTime drop_nonref, GstClockTime drop_nonkey, GstClockTime max_time);

/* Stops pushing downstream (the ingest is away): data keeps queueing. */
void gst_twitch_sink_queue_hold (GstTwitchSinkQueue *queue);

/* Resumes pushing downstream on a fresh mux: video restarts on a keyframe
 * (queued deltas before the first keyframe dropped), audio older than that
 * keyframe dropped. Returns TRUE when no keyframe was queued and the caller
 * should ask upstream for one. */
gboolean gst_twitch_sink_queue_resume (GstTwitchSinkQueue *queue);

void gst_twitch_sink_queue_get_status (
    GstTwitchSinkQueue *queue, GstTwitchSinkQueueStatus *status);

/* Whether the stream's sink pad has received EOS. */
gboolean gst_twitch_sink_queue_is_eos (
    GstTwitchSinkQueue *queue, GstTwitchSinkQueueStream stream);

G_END_DECLS
