/* twitchsink's fill-gaps element (see gsttwitchsink-fillgaps.h).
 *
 * The sink pad queues what arrives (at most kMaxBuffers buffers: upstream
 * blocks beyond, as into a small queue); the source pad's task pushes it.
 * When nothing is queued the task waits on the pipeline clock until the end
 * of the last buffer plus a threshold (three frames, at least 100 ms), then
 * pushes made-up buffers up to now, one unit at a time after that (a frame,
 * or 20 ms of silence). A buffer arriving ends the wait (the clock wait is
 * unscheduled); a buffer the fill already covered is dropped, and a hole
 * left before a late buffer is filled first, so timestamps stay monotonic
 * and continuous. Locking: `lock` guards the queue and the flags; the
 * timeline (segment, caps, last frame) belongs to the task alone. */
#include "config.h"

#include "gsttwitchsink-fillgaps.h"

#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include <condition_variable>
#include <deque>
#include <mutex>

GST_DEBUG_CATEGORY_STATIC (fill_gaps_debug);
#define GST_CAT_DEFAULT fill_gaps_debug

namespace
{
constexpr size_t kMaxBuffers = 2;
/* Most buffers made at once, so a timestamp jump cannot turn into a burst
 * of minutes of repeated frames. */
constexpr int kMaxFill = 200;
} // namespace

struct GstTwitchSinkFillGapsPrivate {
  std::mutex lock;
  std::condition_variable cond; /* queue or flags changed */
  std::deque<GstMiniObject *> items;
  size_t buffers = 0;
  bool flushing = true;
  bool enabled = false;
  bool eos = false;
  GstFlowReturn last_flow = GST_FLOW_OK;
  GstClockID clock_id = nullptr;
  guint64 filled = 0;

  /* The task's own. */
  bool is_video = false;
  GstVideoInfo vinfo;
  GstAudioInfo ainfo;
  GstSegment segment;
  GstBuffer *last = nullptr;
  GstClockTime next_ts = GST_CLOCK_TIME_NONE; /* end of the last buffer */
  bool filling = false; /* the last buffer pushed was made up */
};

struct _GstTwitchSinkFillGaps {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  GstTwitchSinkFillGapsPrivate *priv;
};

G_DEFINE_TYPE (
    GstTwitchSinkFillGaps, gst_twitch_sink_fill_gaps, GST_TYPE_ELEMENT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw; audio/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw; audio/x-raw"));

static void
clear_items (GstTwitchSinkFillGapsPrivate *priv)
{
  for (GstMiniObject *obj : priv->items)
    gst_mini_object_unref (obj);
  priv->items.clear ();
  priv->buffers = 0;
}

static void
wake (GstTwitchSinkFillGapsPrivate *priv)
{
  if (priv->clock_id)
    gst_clock_id_unschedule (priv->clock_id);
  priv->cond.notify_all ();
}

static void
reset_timeline (GstTwitchSinkFillGapsPrivate *priv)
{
  gst_segment_init (&priv->segment, GST_FORMAT_TIME);
  gst_clear_buffer (&priv->last);
  priv->next_ts = GST_CLOCK_TIME_NONE;
  priv->filling = false;
}

/* Duration of one made-up buffer: a video frame, or 20 ms of silence. */
static GstClockTime
fill_unit (GstTwitchSinkFillGapsPrivate *priv)
{
  if (priv->is_video && priv->vinfo.fps_n > 0)
    return gst_util_uint64_scale_int (
        GST_SECOND, priv->vinfo.fps_d, priv->vinfo.fps_n);
  return 20 * GST_MSECOND;
}

/* The next made-up buffer at next_ts, lasting @duration; advances next_ts.
 * nullptr when there is nothing to repeat yet. */
static GstBuffer *
make_fill_buffer (GstTwitchSinkFillGaps *self, GstClockTime duration)
{
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  GstBuffer *buf;
  if (priv->is_video) {
    if (priv->last == nullptr)
      return nullptr;
    buf = gst_buffer_copy (priv->last);
  } else {
    int rate = GST_AUDIO_INFO_RATE (&priv->ainfo);
    if (rate == 0)
      return nullptr;
    guint samples
        = (guint)gst_util_uint64_scale_int (duration, rate, GST_SECOND);
    if (samples == 0)
      return nullptr;
    gsize size = samples * GST_AUDIO_INFO_BPF (&priv->ainfo);
    buf = gst_buffer_new_allocate (nullptr, size, nullptr);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    gst_audio_format_info_fill_silence (priv->ainfo.finfo, map.data, size);
    gst_buffer_unmap (buf, &map);
  }
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
  GST_BUFFER_PTS (buf) = priv->next_ts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = duration;
  priv->next_ts += duration;
  {
    std::lock_guard<std::mutex> lk (priv->lock);
    priv->filled++;
  }
  return buf;
}

static GstFlowReturn
push_fill (GstTwitchSinkFillGaps *self, GstBuffer *buf, const char *why)
{
  GST_LOG_OBJECT (self, "%s at %" GST_TIME_FORMAT " (%s)",
      self->priv->is_video ? "repeated frame" : "silence",
      GST_TIME_ARGS (GST_BUFFER_PTS (buf)), why);
  self->priv->filling = true;
  return gst_pad_push (self->srcpad, buf);
}

/* A real buffer, on the task. */
static GstFlowReturn
handle_buffer (GstTwitchSinkFillGaps *self, GstBuffer *buffer, bool enabled)
{
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime dur = GST_BUFFER_DURATION (buffer);
    if (!GST_CLOCK_TIME_IS_VALID (dur)) {
      if (priv->is_video && priv->vinfo.fps_n > 0)
        dur = fill_unit (priv);
      else if (!priv->is_video && GST_AUDIO_INFO_BPF (&priv->ainfo) > 0)
        dur = gst_util_uint64_scale_int (GST_SECOND,
            (gint)(gst_buffer_get_size (buffer)
                   / GST_AUDIO_INFO_BPF (&priv->ainfo)),
            GST_AUDIO_INFO_RATE (&priv->ainfo));
      else
        dur = 0;
    }
    if (priv->filling && GST_CLOCK_TIME_IS_VALID (priv->next_ts)
        && pts + dur / 2 < priv->next_ts) {
      /* Already covered by a made-up buffer: keep the timeline monotonic. */
      gst_buffer_unref (buffer);
      return GST_FLOW_OK;
    }
    /* A producer back from a stall stamps its media with the clock: fill
     * what was not filled yet, so the join has no hole. */
    GstClockTime unit = fill_unit (priv);
    for (int n = 0; enabled && GST_CLOCK_TIME_IS_VALID (priv->next_ts)
                    && pts > priv->next_ts + unit / 2 && n < kMaxFill;
         n++) {
      GstBuffer *fill = make_fill_buffer (
          self, priv->is_video ? unit : MIN (unit, pts - priv->next_ts));
      if (fill == nullptr)
        break;
      GstFlowReturn ret = push_fill (self, fill, "join");
      if (ret != GST_FLOW_OK) {
        gst_buffer_unref (buffer);
        return ret;
      }
    }
    priv->next_ts = MAX (
        pts + dur, GST_CLOCK_TIME_IS_VALID (priv->next_ts) ? priv->next_ts : 0);
  }
  if (priv->is_video)
    gst_buffer_replace (&priv->last, buffer);
  priv->filling = false;
  return gst_pad_push (self->srcpad, buffer);
}

static void
handle_event (GstTwitchSinkFillGaps *self, GstEvent *event)
{
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      priv->is_video = g_str_has_prefix (
          gst_structure_get_name (gst_caps_get_structure (caps, 0)), "video/");
      if (priv->is_video)
        gst_video_info_from_caps (&priv->vinfo, caps);
      else
        gst_audio_info_from_caps (&priv->ainfo, caps);
      break;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &priv->segment);
      priv->next_ts = GST_CLOCK_TIME_NONE;
      break;
    default:
      break;
  }
  gst_pad_push_event (self->srcpad, event);
}

/* When to fill next (clock time), or NONE: nothing to repeat, not PLAYING,
 * not enabled. Called with the lock held. */
static GstClockTime
fill_deadline (
    GstTwitchSinkFillGaps *self, GstClock **clock, GstClockTime *base_time)
{
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  if (!priv->enabled || priv->eos || !GST_CLOCK_TIME_IS_VALID (priv->next_ts))
    return GST_CLOCK_TIME_NONE;
  if (priv->is_video ? priv->last == nullptr
                     : GST_AUDIO_INFO_RATE (&priv->ainfo) == 0)
    return GST_CLOCK_TIME_NONE;
  GstClockTime end_rt = gst_segment_to_running_time (
      &priv->segment, GST_FORMAT_TIME, priv->next_ts);
  if (!GST_CLOCK_TIME_IS_VALID (end_rt))
    return GST_CLOCK_TIME_NONE;
  GST_OBJECT_LOCK (self);
  if (GST_STATE (self) != GST_STATE_PLAYING || !GST_ELEMENT_CLOCK (self)) {
    GST_OBJECT_UNLOCK (self);
    return GST_CLOCK_TIME_NONE;
  }
  *clock = GST_CLOCK (gst_object_ref (GST_ELEMENT_CLOCK (self)));
  *base_time = GST_ELEMENT_CAST (self)->base_time;
  GST_OBJECT_UNLOCK (self);
  GstClockTime unit = fill_unit (priv);
  GstClockTime wait
      = priv->filling ? unit : MAX (3 * unit, 100 * GST_MSECOND) + unit;
  return *base_time + end_rt + wait;
}

/* The clock said the next buffer is late: made-up buffers up to now. */
static GstFlowReturn
fill_until (GstTwitchSinkFillGaps *self, GstClockTime now_rt)
{
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  GstClockTime unit = fill_unit (priv);
  for (int n = 0; n < kMaxFill; n++) {
    GstClockTime end_rt = gst_segment_to_running_time (
        &priv->segment, GST_FORMAT_TIME, priv->next_ts);
    if (!GST_CLOCK_TIME_IS_VALID (end_rt) || end_rt + unit > now_rt)
      break;
    GstBuffer *buf = make_fill_buffer (self, unit);
    if (buf == nullptr)
      break;
    GstFlowReturn ret = push_fill (self, buf, "gap");
    if (ret != GST_FLOW_OK)
      return ret;
  }
  return GST_FLOW_OK;
}

static void
record_flow (GstTwitchSinkFillGaps *self, GstFlowReturn ret)
{
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  if (ret == GST_FLOW_OK)
    return;
  /* Upstream learns it at its next push; the task pauses until a flush
   * or a restart. */
  std::lock_guard<std::mutex> lk (priv->lock);
  priv->last_flow = ret;
  priv->cond.notify_all ();
}

static void
fill_gaps_loop (GstTwitchSinkFillGaps *self)
{
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  std::unique_lock<std::mutex> lk (priv->lock);
  while (true) {
    if (priv->flushing || priv->last_flow != GST_FLOW_OK) {
      lk.unlock ();
      gst_pad_pause_task (self->srcpad);
      return;
    }
    if (!priv->items.empty ()) {
      GstMiniObject *obj = priv->items.front ();
      priv->items.pop_front ();
      bool enabled = priv->enabled;
      if (GST_IS_BUFFER (obj))
        priv->buffers--;
      else if (GST_EVENT_TYPE (GST_EVENT_CAST (obj)) == GST_EVENT_EOS)
        priv->eos = true;
      priv->cond.notify_all ();
      lk.unlock ();
      GstFlowReturn ret = GST_FLOW_OK;
      if (GST_IS_BUFFER (obj))
        ret = handle_buffer (self, GST_BUFFER_CAST (obj), enabled);
      else
        handle_event (self, GST_EVENT_CAST (obj));
      record_flow (self, ret);
      return;
    }
    GstClock *clock = nullptr;
    GstClockTime base_time = 0;
    GstClockTime deadline = fill_deadline (self, &clock, &base_time);
    if (!GST_CLOCK_TIME_IS_VALID (deadline)) {
      priv->cond.wait (lk);
      continue;
    }
    priv->clock_id = gst_clock_new_single_shot_id (clock, deadline);
    GstClockID id = priv->clock_id;
    lk.unlock ();
    GstClockReturn cret = gst_clock_id_wait (id, nullptr);
    GstClockTime now = gst_clock_get_time (clock);
    gst_object_unref (clock);
    lk.lock ();
    priv->clock_id = nullptr;
    gst_clock_id_unref (id);
    if ((cret == GST_CLOCK_OK || cret == GST_CLOCK_EARLY)
        && priv->items.empty () && !priv->flushing && priv->enabled) {
      lk.unlock ();
      record_flow (
          self, fill_until (self, now > base_time ? now - base_time : 0));
      return;
    }
  }
}

static GstFlowReturn
fill_gaps_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  (void)pad;
  GstTwitchSinkFillGaps *self = GST_TWITCH_SINK_FILL_GAPS (parent);
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  std::unique_lock<std::mutex> lk (priv->lock);
  while (!priv->flushing && priv->last_flow == GST_FLOW_OK
         && priv->buffers >= kMaxBuffers)
    priv->cond.wait (lk);
  GstFlowReturn ret = priv->flushing ? GST_FLOW_FLUSHING : priv->last_flow;
  if (ret != GST_FLOW_OK) {
    lk.unlock ();
    gst_buffer_unref (buffer);
    return ret;
  }
  priv->items.push_back (GST_MINI_OBJECT_CAST (buffer));
  priv->buffers++;
  wake (priv);
  return GST_FLOW_OK;
}

static void
start_task (GstTwitchSinkFillGaps *self)
{
  gst_pad_start_task (
      self->srcpad, (GstTaskFunction)fill_gaps_loop, self, nullptr);
}

static gboolean
fill_gaps_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTwitchSinkFillGaps *self = GST_TWITCH_SINK_FILL_GAPS (parent);
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START: {
      {
        std::lock_guard<std::mutex> lk (priv->lock);
        priv->flushing = true;
        wake (priv);
      }
      gboolean ret = gst_pad_push_event (self->srcpad, event);
      gst_pad_pause_task (self->srcpad);
      return ret;
    }
    case GST_EVENT_FLUSH_STOP: {
      gboolean ret = gst_pad_push_event (self->srcpad, event);
      {
        std::lock_guard<std::mutex> lk (priv->lock);
        clear_items (priv);
        priv->flushing = false;
        priv->eos = false;
        priv->last_flow = GST_FLOW_OK;
        reset_timeline (priv); /* the task is paused */
      }
      start_task (self);
      return ret;
    }
    default:
      break;
  }
  if (!GST_EVENT_IS_SERIALIZED (event))
    return gst_pad_event_default (pad, parent, event);
  std::lock_guard<std::mutex> lk (priv->lock);
  if (priv->flushing) {
    gst_event_unref (event);
    return FALSE;
  }
  priv->items.push_back (GST_MINI_OBJECT_CAST (event));
  wake (priv);
  return TRUE;
}

static gboolean
fill_gaps_src_activate_mode (
    GstPad *pad, GstObject *parent, GstPadMode mode, gboolean active)
{
  GstTwitchSinkFillGaps *self = GST_TWITCH_SINK_FILL_GAPS (parent);
  GstTwitchSinkFillGapsPrivate *priv = self->priv;
  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    {
      std::lock_guard<std::mutex> lk (priv->lock);
      priv->flushing = false;
      priv->eos = false;
      priv->last_flow = GST_FLOW_OK;
      reset_timeline (priv);
    }
    start_task (self);
    return TRUE;
  }
  {
    std::lock_guard<std::mutex> lk (priv->lock);
    priv->flushing = true;
    wake (priv);
  }
  gboolean ret = gst_pad_stop_task (pad);
  std::lock_guard<std::mutex> lk (priv->lock);
  clear_items (priv);
  reset_timeline (priv);
  return ret;
}

static GstStateChangeReturn
fill_gaps_change_state (GstElement *element, GstStateChange transition)
{
  GstTwitchSinkFillGaps *self = GST_TWITCH_SINK_FILL_GAPS (element);
  GstStateChangeReturn ret
      = GST_ELEMENT_CLASS (gst_twitch_sink_fill_gaps_parent_class)
            ->change_state (element, transition);
  /* The task waits for PLAYING (a clock) before filling, and stops waiting
   * on the clock when leaving it. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING
      || transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED) {
    std::lock_guard<std::mutex> lk (self->priv->lock);
    wake (self->priv);
  }
  return ret;
}

static void
gst_twitch_sink_fill_gaps_finalize (GObject *object)
{
  GstTwitchSinkFillGaps *self = GST_TWITCH_SINK_FILL_GAPS (object);
  clear_items (self->priv);
  gst_clear_buffer (&self->priv->last);
  delete self->priv;
  G_OBJECT_CLASS (gst_twitch_sink_fill_gaps_parent_class)->finalize (object);
}

static void
gst_twitch_sink_fill_gaps_class_init (GstTwitchSinkFillGapsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_twitch_sink_fill_gaps_finalize;
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  element_class->change_state = GST_DEBUG_FUNCPTR (fill_gaps_change_state);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Twitch Sink Fill Gaps",
      "Filter",
      "Repeats the last frame or inserts silence when a live producer "
      "under-feeds (internal to twitchsink)",
      GST_TWITCH_AUTHOR);
  GST_DEBUG_CATEGORY_INIT (
      fill_gaps_debug, "twitchsinkfillgaps", 0, "twitchsink's fill-gaps");
}

static void
gst_twitch_sink_fill_gaps_init (GstTwitchSinkFillGaps *self)
{
  self->priv = new GstTwitchSinkFillGapsPrivate ();
  gst_video_info_init (&self->priv->vinfo);
  gst_audio_info_init (&self->priv->ainfo);
  gst_segment_init (&self->priv->segment, GST_FORMAT_TIME);
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (fill_gaps_chain));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (fill_gaps_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_activatemode_function (
      self->srcpad, GST_DEBUG_FUNCPTR (fill_gaps_src_activate_mode));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

void
gst_twitch_sink_fill_gaps_set_enabled (
    GstTwitchSinkFillGaps *self, gboolean enabled)
{
  std::lock_guard<std::mutex> lk (self->priv->lock);
  self->priv->enabled = enabled;
  wake (self->priv);
}

guint64
gst_twitch_sink_fill_gaps_get_filled (GstTwitchSinkFillGaps *self)
{
  std::lock_guard<std::mutex> lk (self->priv->lock);
  return self->priv->filled;
}
