/* twitchsink's inner queue (see gsttwitchsinkqueue.h).
 *
 * Two streams (video, audio), each a sink pad, a deque and a source pad with
 * a task of its own that pushes into flvmux. One lock for both streams, so
 * the memory bound can drop audio in step with video.
 *
 * Policy, OBS's (libobs/obs-output.c, "drop frames"), on the queued video
 * duration (newest end - oldest start) when the queue is behind (its oldest
 * buffer is already due on the clock, or the ingest is away):
 *   - past drop-nonref: incoming non-reference frames (DROPPABLE) dropped;
 *   - past drop-nonkey: every queued and incoming non-keyframe dropped, until
 *     the next keyframe;
 *   - past max-time: the oldest data (a whole GOP, and the audio before the
 *     next keyframe) dropped: memory stays bounded however long the outage.
 * Audio and keyframes are never dropped below max-time.
 * When the queue is ahead of the clock (an app pushing faster than real time)
 * nothing is dropped: upstream blocks once max-time is queued. */
#include "config.h"

#include "gsttwitchsinkqueue.h"

#include <condition_variable>
#include <deque>
#include <mutex>

GST_DEBUG_CATEGORY_STATIC (gst_twitch_sink_queue_debug);
#define GST_CAT_DEFAULT gst_twitch_sink_queue_debug

namespace
{

struct Item {
  GstMiniObject *obj = nullptr;
  bool is_buffer = false;
  bool keyframe = false;
  bool droppable = false;
  GstClockTime ts = GST_CLOCK_TIME_NONE;  /* running time */
  GstClockTime end = GST_CLOCK_TIME_NONE; /* running time + duration */
  gsize size = 0;
};

struct Stream {
  GstPad *sinkpad = nullptr;
  GstPad *srcpad = nullptr;
  std::deque<Item> items;
  GstSegment segment;
  bool flushing = true;
  bool eos = false;
  bool waiting_keyframe = false;
  gint64 push_started = 0; /* monotonic us while in gst_pad_push, else 0 */
  GstFlowReturn last_flow = GST_FLOW_OK;
  std::condition_variable cond; /* item added, or state change: the task */
  guint buffers = 0;
  guint64 bytes = 0;
  guint64 dropped = 0;
  bool is_video = false;
  /* The latest end of the queued buffers, kept as they come: the queued
   * duration is asked on every push, and scanning a queue that holds
   * seconds of a file pushed faster than real time was the queue's main
   * cost. Recounted (max_end_stale) only after removals that may have
   * taken it. */
  GstClockTime max_end = GST_CLOCK_TIME_NONE;
  bool max_end_stale = false;
};

static GstClockTime
item_end (const Item &item)
{
  return GST_CLOCK_TIME_IS_VALID (item.end) ? item.end : item.ts;
}

/* An item was appended (lock held). */
static void
note_added (Stream &s, const Item &item)
{
  if (!item.is_buffer || !GST_CLOCK_TIME_IS_VALID (item.ts))
    return;
  GstClockTime end = item_end (item);
  if (!GST_CLOCK_TIME_IS_VALID (s.max_end) || end > s.max_end)
    s.max_end = end;
}

/* An item left (lock held): the latest end is recounted when it may have
 * been this one. */
static void
note_removed (Stream &s, const Item &item)
{
  if (item.is_buffer && GST_CLOCK_TIME_IS_VALID (item.ts)
      && item_end (item) >= s.max_end)
    s.max_end_stale = true;
}

} // namespace

struct GstTwitchSinkQueuePrivate {
  std::mutex lock;
  std::condition_variable space_cond; /* items left: producers may go on */
  Stream streams[2];
  bool holding = false;
  GstClockTime drop_nonref = 700 * GST_MSECOND;
  GstClockTime drop_nonkey = 900 * GST_MSECOND;
  GstClockTime max_time = 5 * GST_SECOND;
};

/* State changes (hold, resume, flushing) concern every waiter. */
static void
wake_all (GstTwitchSinkQueuePrivate *priv)
{
  for (Stream &s : priv->streams)
    s.cond.notify_all ();
  priv->space_cond.notify_all ();
}

struct _GstTwitchSinkQueue {
  GstElement parent;
  GstTwitchSinkQueuePrivate *priv;
};

#define gst_twitch_sink_queue_parent_class parent_class
G_DEFINE_TYPE (GstTwitchSinkQueue, gst_twitch_sink_queue, GST_TYPE_ELEMENT);

static GstStaticPadTemplate video_sink_template
    = GST_STATIC_PAD_TEMPLATE ("video_sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("video/x-h264, stream-format = (string) avc, "
                         "alignment = (string) au"));
static GstStaticPadTemplate video_src_template
    = GST_STATIC_PAD_TEMPLATE ("video_src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("video/x-h264, stream-format = (string) avc, "
                         "alignment = (string) au"));
static GstStaticPadTemplate audio_sink_template
    = GST_STATIC_PAD_TEMPLATE ("audio_sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("audio/mpeg, mpegversion = (int) { 2, 4 }, "
                         "stream-format = (string) raw"));
static GstStaticPadTemplate audio_src_template
    = GST_STATIC_PAD_TEMPLATE ("audio_src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("audio/mpeg, mpegversion = (int) { 2, 4 }, "
                         "stream-format = (string) raw"));

static void gst_twitch_sink_queue_finalize (GObject *object);
static GstFlowReturn gst_twitch_sink_queue_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buffer);
static gboolean gst_twitch_sink_queue_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static gboolean gst_twitch_sink_queue_sink_query (
    GstPad *pad, GstObject *parent, GstQuery *query);
static gboolean gst_twitch_sink_queue_src_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static gboolean gst_twitch_sink_queue_src_query (
    GstPad *pad, GstObject *parent, GstQuery *query);
static gboolean gst_twitch_sink_queue_src_activate_mode (
    GstPad *pad, GstObject *parent, GstPadMode mode, gboolean active);
static void gst_twitch_sink_queue_loop (GstPad *pad);
static GstStateChangeReturn gst_twitch_sink_queue_change_state (
    GstElement *element, GstStateChange transition);

static void
gst_twitch_sink_queue_class_init (GstTwitchSinkQueueClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_twitch_sink_queue_finalize;
  element_class->change_state
      = GST_DEBUG_FUNCPTR (gst_twitch_sink_queue_change_state);

  gst_element_class_add_static_pad_template (
      element_class, &video_sink_template);
  gst_element_class_add_static_pad_template (
      element_class, &video_src_template);
  gst_element_class_add_static_pad_template (
      element_class, &audio_sink_template);
  gst_element_class_add_static_pad_template (
      element_class, &audio_src_template);
  gst_element_class_set_static_metadata (element_class, "Twitch Sink Queue",
      "Generic", "twitchsink's priority-dropping queue (internal)",
      GST_TWITCH_AUTHOR);

  GST_DEBUG_CATEGORY_INIT (gst_twitch_sink_queue_debug, "twitchsinkqueue", 0,
      "twitchsink's inner queue");
}

static Stream &
stream_of_pad (GstTwitchSinkQueue *self, GstPad *pad)
{
  GstTwitchSinkQueuePrivate *priv = self->priv;
  if (pad == priv->streams[0].sinkpad || pad == priv->streams[0].srcpad)
    return priv->streams[0];
  return priv->streams[1];
}

static void
gst_twitch_sink_queue_init (GstTwitchSinkQueue *self)
{
  self->priv = new GstTwitchSinkQueuePrivate ();
  GstStaticPadTemplate *sinks[2] = {&video_sink_template, &audio_sink_template};
  GstStaticPadTemplate *srcs[2] = {&video_src_template, &audio_src_template};
  for (int i = 0; i < 2; i++) {
    Stream &s = self->priv->streams[i];
    s.is_video = i == GST_TWITCH_SINK_QUEUE_VIDEO;
    gst_segment_init (&s.segment, GST_FORMAT_TIME);
    s.sinkpad
        = gst_pad_new_from_static_template (sinks[i], sinks[i]->name_template);
    gst_pad_set_chain_function (
        s.sinkpad, GST_DEBUG_FUNCPTR (gst_twitch_sink_queue_chain));
    gst_pad_set_event_function (
        s.sinkpad, GST_DEBUG_FUNCPTR (gst_twitch_sink_queue_sink_event));
    gst_pad_set_query_function (
        s.sinkpad, GST_DEBUG_FUNCPTR (gst_twitch_sink_queue_sink_query));
    GST_PAD_SET_PROXY_CAPS (s.sinkpad);
    gst_element_add_pad (GST_ELEMENT (self), s.sinkpad);

    s.srcpad
        = gst_pad_new_from_static_template (srcs[i], srcs[i]->name_template);
    gst_pad_set_event_function (
        s.srcpad, GST_DEBUG_FUNCPTR (gst_twitch_sink_queue_src_event));
    gst_pad_set_query_function (
        s.srcpad, GST_DEBUG_FUNCPTR (gst_twitch_sink_queue_src_query));
    gst_pad_set_activatemode_function (
        s.srcpad, GST_DEBUG_FUNCPTR (gst_twitch_sink_queue_src_activate_mode));
    gst_element_add_pad (GST_ELEMENT (self), s.srcpad);
  }
}

static void
clear_items (Stream &s)
{
  for (Item &item : s.items)
    gst_mini_object_unref (item.obj);
  s.items.clear ();
  s.buffers = 0;
  s.bytes = 0;
  s.max_end = GST_CLOCK_TIME_NONE;
  s.max_end_stale = false;
}

static void
gst_twitch_sink_queue_finalize (GObject *object)
{
  GstTwitchSinkQueue *self = GST_TWITCH_SINK_QUEUE (object);
  for (Stream &s : self->priv->streams)
    clear_items (s);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Duration of the queued buffers of @s (lock held). */
static GstClockTime
queued_duration (Stream &s)
{
  if (s.max_end_stale) {
    s.max_end = GST_CLOCK_TIME_NONE;
    s.max_end_stale = false;
    for (const Item &item : s.items)
      note_added (s, item);
  }
  GstClockTime first = GST_CLOCK_TIME_NONE;
  for (const Item &item : s.items) {
    if (item.is_buffer && GST_CLOCK_TIME_IS_VALID (item.ts)) {
      first = item.ts;
      break;
    }
  }
  GstClockTime last = s.max_end;
  if (!GST_CLOCK_TIME_IS_VALID (first) || !GST_CLOCK_TIME_IS_VALID (last)
      || last < first)
    return 0;
  return last - first;
}

static const Item *
oldest_buffer (const Stream &s)
{
  for (const Item &item : s.items)
    if (item.is_buffer)
      return &item;
  return nullptr;
}

/* Running time of the element's clock now, or NONE when not PLAYING. */
static GstClockTime
clock_running_time (GstTwitchSinkQueue *self)
{
  GstClockTime now = GST_CLOCK_TIME_NONE;
  GST_OBJECT_LOCK (self);
  if (GST_STATE (self) == GST_STATE_PLAYING && GST_ELEMENT_CLOCK (self)) {
    GstClockTime t = gst_clock_get_time (GST_ELEMENT_CLOCK (self));
    GstClockTime base = GST_ELEMENT_CAST (self)->base_time;
    now = t > base ? t - base : 0;
  }
  GST_OBJECT_UNLOCK (self);
  return now;
}

/* How far behind the queue of @s is: the queued duration that is already
 * due on the clock (now - oldest, at most the queued span). Data ahead of
 * the clock (an app or a file pushing faster than real time, paced by the
 * network sink) is not late and never dropped. Without a running clock,
 * only a held queue (ingest away) counts as late. */
static GstClockTime
late_duration (GstTwitchSinkQueue *self, Stream &s, GstClockTime now)
{
  GstClockTime span = queued_duration (s);
  if (!GST_CLOCK_TIME_IS_VALID (now))
    return self->priv->holding ? span : 0;
  const Item *oldest = oldest_buffer (s);
  if (oldest == nullptr || !GST_CLOCK_TIME_IS_VALID (oldest->ts)
      || now <= oldest->ts)
    return 0;
  return MIN (span, now - oldest->ts);
}

/* The stream whose queued duration bounds both (lock held). */
static Stream &
lead_stream (GstTwitchSinkQueuePrivate *priv)
{
  Stream &v = priv->streams[GST_TWITCH_SINK_QUEUE_VIDEO];
  return v.sinkpad && GST_PAD_IS_LINKED (v.sinkpad)
             ? v
             : priv->streams[GST_TWITCH_SINK_QUEUE_AUDIO];
}

/* A producer that found the queue full goes on once this much has left
 * (at most a quarter of the bound): it then pushes a run of buffers
 * instead of waking for every buffer the task pops. */
static GstClockTime
refill_time (GstClockTime max_time)
{
  return MIN (250 * GST_MSECOND, max_time / 4);
}

static void
drop_item (Stream &s, std::deque<Item>::iterator it)
{
  if (it->is_buffer) {
    s.buffers--;
    s.bytes -= it->size;
    s.dropped++;
  }
  note_removed (s, *it);
  gst_mini_object_unref (it->obj);
  s.items.erase (it);
}

/* Drops every queued non-keyframe video buffer (lock held). */
static void
purge_video_deltas (Stream &v)
{
  for (auto it = v.items.begin (); it != v.items.end ();) {
    if (it->is_buffer && !it->keyframe) {
      drop_item (v, it++);
      it = v.items.begin (); /* erase invalidates: restart (small deques) */
    } else {
      ++it;
    }
  }
}

/* Memory bound (lock held): drops the oldest data while the lead stream
 * holds more than max_time. Video loses its oldest GOP at a time; audio
 * follows the new oldest video buffer. */
static void
enforce_bound (GstTwitchSinkQueue *self)
{
  GstTwitchSinkQueuePrivate *priv = self->priv;
  Stream &v = priv->streams[GST_TWITCH_SINK_QUEUE_VIDEO];
  Stream &a = priv->streams[GST_TWITCH_SINK_QUEUE_AUDIO];

  bool trimmed = false;
  while (v.buffers > 1 && queued_duration (v) > priv->max_time) {
    /* Drop the oldest buffer and the deltas that depend on it, up to the
     * next keyframe. */
    auto it = v.items.begin ();
    while (it != v.items.end () && !it->is_buffer)
      ++it;
    if (it == v.items.end ())
      break;
    drop_item (v, it);
    trimmed = true;
    while (true) {
      auto next = v.items.begin ();
      while (next != v.items.end () && !next->is_buffer)
        ++next;
      if (next == v.items.end () || next->keyframe)
        break;
      drop_item (v, next);
    }
  }
  if (trimmed) {
    if (v.buffers == 0)
      v.waiting_keyframe = true;
    const Item *vo = oldest_buffer (v);
    for (auto it = a.items.begin (); vo && it != a.items.end ();) {
      if (it->is_buffer && GST_CLOCK_TIME_IS_VALID (it->ts)
          && GST_CLOCK_TIME_IS_VALID (vo->ts) && it->ts < vo->ts) {
        drop_item (a, it);
        it = a.items.begin ();
      } else {
        ++it;
      }
    }
  }
  while (a.buffers > 1 && queued_duration (a) > priv->max_time) {
    auto it = a.items.begin ();
    while (it != a.items.end () && !it->is_buffer)
      ++it;
    if (it == a.items.end ())
      break;
    drop_item (a, it);
  }
}

static GstFlowReturn
gst_twitch_sink_queue_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstTwitchSinkQueue *self = GST_TWITCH_SINK_QUEUE (parent);
  GstTwitchSinkQueuePrivate *priv = self->priv;
  Stream &s = stream_of_pad (self, pad);
  Stream &lead = lead_stream (priv);

  Item item;
  item.obj = GST_MINI_OBJECT_CAST (buffer);
  item.is_buffer = true;
  item.keyframe
      = !s.is_video
        || !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  item.droppable
      = s.is_video && !item.keyframe
        && GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DROPPABLE);
  item.size = gst_buffer_get_size (buffer);

  std::unique_lock<std::mutex> lk (priv->lock);
  if (s.flushing) {
    lk.unlock ();
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }
  if (s.eos) {
    lk.unlock ();
    gst_buffer_unref (buffer);
    return GST_FLOW_EOS;
  }

  GstClockTime t = GST_BUFFER_DTS_OR_PTS (buffer);
  if (GST_CLOCK_TIME_IS_VALID (t)) {
    item.ts = gst_segment_to_running_time (&s.segment, GST_FORMAT_TIME, t);
    if (GST_CLOCK_TIME_IS_VALID (item.ts)
        && GST_BUFFER_DURATION_IS_VALID (buffer))
      item.end = item.ts + GST_BUFFER_DURATION (buffer);
  }

  if (s.is_video) {
    if (s.waiting_keyframe) {
      if (!item.keyframe) {
        s.dropped++;
        GST_LOG_OBJECT (self, "dropping delta frame until a keyframe");
        lk.unlock ();
        gst_buffer_unref (buffer);
        return GST_FLOW_OK;
      }
      GST_DEBUG_OBJECT (self, "keyframe: video resumes");
      s.waiting_keyframe = false;
    }
    GstClockTime now = clock_running_time (self);
    if (!item.keyframe) {
      GstClockTime queued = late_duration (self, s, now);
      if (queued > priv->drop_nonkey) {
        GST_DEBUG_OBJECT (self,
            "%" GST_TIME_FORMAT " of video queued: dropping non-keyframes",
            GST_TIME_ARGS (queued));
        purge_video_deltas (s);
        s.waiting_keyframe = true;
        s.dropped++;
        lk.unlock ();
        gst_buffer_unref (buffer);
        priv->space_cond.notify_all ();
        return GST_FLOW_OK;
      }
      if (queued > priv->drop_nonref && item.droppable) {
        s.dropped++;
        lk.unlock ();
        gst_buffer_unref (buffer);
        return GST_FLOW_OK;
      }
    }
  }

  /* A producer ahead of the clock waits for room instead of losing data.
   * Room comes when the task pops (signalled), or when the oldest data
   * falls due by the clock and the bound drops it: the wait ends at that
   * moment (or on PLAYING, flushing, holding), it does not poll. Once
   * full, it waits until refill_time has left (signalled then). */
  bool waited = false;
  while (!s.flushing
         && queued_duration (lead)
                > (waited ? priv->max_time - refill_time (priv->max_time)
                          : priv->max_time)) {
    GstClockTime now = clock_running_time (self);
    if (late_duration (self, lead, now) > priv->max_time)
      break;
    const Item *oldest = oldest_buffer (lead);
    if (GST_CLOCK_TIME_IS_VALID (now) && oldest
        && GST_CLOCK_TIME_IS_VALID (oldest->ts)) {
      GstClockTime due = oldest->ts + priv->max_time + 1;
      priv->space_cond.wait_for (
          lk, std::chrono::nanoseconds (due > now ? due - now : 1));
    } else {
      priv->space_cond.wait (lk);
    }
    waited = true;
  }
  if (s.flushing) {
    lk.unlock ();
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }

  s.items.push_back (item);
  note_added (s, item);
  s.buffers++;
  s.bytes += item.size;
  if (late_duration (self, lead, clock_running_time (self)) > priv->max_time)
    enforce_bound (self);
  lk.unlock ();
  s.cond.notify_one ();
  return GST_FLOW_OK;
}

static gboolean
gst_twitch_sink_queue_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTwitchSinkQueue *self = GST_TWITCH_SINK_QUEUE (parent);
  GstTwitchSinkQueuePrivate *priv = self->priv;
  Stream &s = stream_of_pad (self, pad);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START: {
      {
        std::lock_guard<std::mutex> lk (priv->lock);
        s.flushing = true;
      }
      wake_all (priv);
      gst_pad_push_event (s.srcpad, event);
      gst_pad_pause_task (s.srcpad);
      return TRUE;
    }
    case GST_EVENT_FLUSH_STOP: {
      gst_pad_push_event (s.srcpad, event);
      {
        std::lock_guard<std::mutex> lk (priv->lock);
        clear_items (s);
        s.flushing = false;
        s.eos = false;
        s.last_flow = GST_FLOW_OK;
        gst_segment_init (&s.segment, GST_FORMAT_TIME);
      }
      gst_pad_start_task (s.srcpad, (GstTaskFunction)gst_twitch_sink_queue_loop,
          s.srcpad, NULL);
      return TRUE;
    }
    default:
      break;
  }

  if (!GST_EVENT_IS_SERIALIZED (event))
    return gst_pad_push_event (s.srcpad, event);

  std::unique_lock<std::mutex> lk (priv->lock);
  if (s.flushing) {
    lk.unlock ();
    gst_event_unref (event);
    return FALSE;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    gst_event_copy_segment (event, &s.segment);
    if (s.segment.format != GST_FORMAT_TIME) {
      lk.unlock ();
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Segment is not in time"),
          ("%s", gst_format_get_name (s.segment.format)));
      gst_event_unref (event);
      return FALSE;
    }
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    s.eos = true;
  }
  Item item;
  item.obj = GST_MINI_OBJECT_CAST (event);
  s.items.push_back (item);
  lk.unlock ();
  s.cond.notify_one ();
  return TRUE;
}

static gboolean
gst_twitch_sink_queue_sink_query (
    GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstTwitchSinkQueue *self = GST_TWITCH_SINK_QUEUE (parent);
  Stream &s = stream_of_pad (self, pad);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS: {
      /* flvmux comes and goes with the connection: answer from the template
       * so that upstream negotiation never depends on the ingest. */
      GstCaps *filter, *caps = gst_pad_get_pad_template_caps (pad);
      gst_query_parse_caps (query, &filter);
      if (filter) {
        GstCaps *tmp
            = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = tmp;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_QUERY_ACCEPT_CAPS: {
      GstCaps *caps, *templ = gst_pad_get_pad_template_caps (pad);
      gst_query_parse_accept_caps (query, &caps);
      gst_query_set_accept_caps_result (
          query, gst_caps_can_intersect (caps, templ));
      gst_caps_unref (templ);
      return TRUE;
    }
    case GST_QUERY_ALLOCATION:
    case GST_QUERY_DRAIN:
      /* Serialized: answered here, the data may sit in the queue a while. */
      return FALSE;
    default:
      if (GST_QUERY_IS_SERIALIZED (query))
        return FALSE;
      return gst_pad_peer_query (s.srcpad, query);
  }
}

static gboolean
gst_twitch_sink_queue_src_event (
    GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTwitchSinkQueue *self = GST_TWITCH_SINK_QUEUE (parent);
  Stream &s = stream_of_pad (self, pad);
  return gst_pad_push_event (s.sinkpad, event);
}

static gboolean
gst_twitch_sink_queue_src_query (
    GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstTwitchSinkQueue *self = GST_TWITCH_SINK_QUEUE (parent);
  Stream &s = stream_of_pad (self, pad);
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
    GstCaps *filter, *caps = gst_pad_get_pad_template_caps (pad);
    gst_query_parse_caps (query, &filter);
    GstCaps *current = gst_pad_get_current_caps (s.sinkpad);
    if (current) {
      gst_caps_unref (caps);
      caps = current;
    }
    if (filter) {
      GstCaps *tmp
          = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref (caps);
      caps = tmp;
    }
    gst_query_set_caps_result (query, caps);
    gst_caps_unref (caps);
    return TRUE;
  }
  return gst_pad_peer_query (s.sinkpad, query);
}

static gboolean
gst_twitch_sink_queue_src_activate_mode (
    GstPad *pad, GstObject *parent, GstPadMode mode, gboolean active)
{
  GstTwitchSinkQueue *self = GST_TWITCH_SINK_QUEUE (parent);
  GstTwitchSinkQueuePrivate *priv = self->priv;
  Stream &s = stream_of_pad (self, pad);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    {
      std::lock_guard<std::mutex> lk (priv->lock);
      s.flushing = false;
      s.eos = false;
      s.last_flow = GST_FLOW_OK;
      s.waiting_keyframe = false;
      gst_segment_init (&s.segment, GST_FORMAT_TIME);
    }
    return gst_pad_start_task (
        pad, (GstTaskFunction)gst_twitch_sink_queue_loop, pad, NULL);
  }
  {
    std::lock_guard<std::mutex> lk (priv->lock);
    s.flushing = true;
  }
  wake_all (priv);
  gboolean ret = gst_pad_stop_task (pad);
  std::lock_guard<std::mutex> lk (priv->lock);
  clear_items (s);
  return ret;
}

static void
gst_twitch_sink_queue_loop (GstPad *pad)
{
  GstTwitchSinkQueue *self = GST_TWITCH_SINK_QUEUE (GST_PAD_PARENT (pad));
  GstTwitchSinkQueuePrivate *priv = self->priv;
  Stream &s = stream_of_pad (self, pad);

  std::unique_lock<std::mutex> lk (priv->lock);
  while (!s.flushing && (priv->holding || s.items.empty ()))
    s.cond.wait (lk);
  if (s.flushing) {
    lk.unlock ();
    gst_pad_pause_task (pad);
    return;
  }
  Item item = s.items.front ();
  s.items.pop_front ();
  note_removed (s, item);
  if (item.is_buffer) {
    s.buffers--;
    s.bytes -= item.size;
  }
  s.push_started = g_get_monotonic_time ();
  /* Producers wait on the lead stream's duration: wake them when it has
   * room again, not for every buffer popped. */
  Stream &lead = lead_stream (priv);
  bool room = &s == &lead ? queued_duration (lead)
                                <= priv->max_time - refill_time (priv->max_time)
                          : lead.buffers == 0;
  lk.unlock ();
  if (room)
    priv->space_cond.notify_all ();

  GstFlowReturn ret = GST_FLOW_OK;
  if (item.is_buffer) {
    ret = gst_pad_push (pad, GST_BUFFER_CAST (item.obj));
  } else {
    GstEvent *event = GST_EVENT_CAST (item.obj);
    bool is_eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
    if (!gst_pad_push_event (pad, event) && is_eos)
      GST_DEBUG_OBJECT (self, "EOS not accepted downstream");
  }

  lk.lock ();
  s.push_started = 0;
  s.last_flow = ret;
  if (ret != GST_FLOW_OK) {
    /* The mux or the network sink is going away (twitchsink reconnects
     * and resumes us) or failed (twitchsink sees its error message): the
     * buffer in flight is lost, video must restart on a keyframe. */
    GST_DEBUG_OBJECT (pad, "push returned %s", gst_flow_get_name (ret));
    if (s.is_video && item.is_buffer)
      s.waiting_keyframe = !priv->holding;
    if (ret == GST_FLOW_NOT_NEGOTIATED) {
      /* Nobody downstream reports it: we are its upstream. (An ERROR was
       * posted by whoever returned it.) */
      lk.unlock ();
      GST_ELEMENT_FLOW_ERROR (self, ret);
      lk.lock ();
    }
    /* Until twitchsink holds (a reconnect) and resumes us, or stops us:
     * both signal the condition. */
    while (!priv->holding && !s.flushing && s.last_flow != GST_FLOW_OK)
      s.cond.wait (lk);
  }
}

/* A producer waiting for room waits for the clock to run (PLAYING). */
static GstStateChangeReturn
gst_twitch_sink_queue_change_state (
    GstElement *element, GstStateChange transition)
{
  GstStateChangeReturn ret
      = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING) {
    GstTwitchSinkQueuePrivate *priv = GST_TWITCH_SINK_QUEUE (element)->priv;
    std::lock_guard<std::mutex> lk (priv->lock);
    wake_all (priv);
  }
  return ret;
}

void
gst_twitch_sink_queue_set_limits (GstTwitchSinkQueue *queue,
    GstClockTime drop_nonref, GstClockTime drop_nonkey, GstClockTime max_time)
{
  std::lock_guard<std::mutex> lk (queue->priv->lock);
  queue->priv->drop_nonref = drop_nonref;
  queue->priv->drop_nonkey = drop_nonkey;
  queue->priv->max_time = max_time;
}

void
gst_twitch_sink_queue_hold (GstTwitchSinkQueue *queue)
{
  {
    std::lock_guard<std::mutex> lk (queue->priv->lock);
    queue->priv->holding = true;
  }
  wake_all (queue->priv);
}

gboolean
gst_twitch_sink_queue_resume (GstTwitchSinkQueue *queue)
{
  GstTwitchSinkQueuePrivate *priv = queue->priv;
  Stream &v = priv->streams[GST_TWITCH_SINK_QUEUE_VIDEO];
  Stream &a = priv->streams[GST_TWITCH_SINK_QUEUE_AUDIO];
  gboolean need_keyframe = FALSE;
  {
    std::lock_guard<std::mutex> lk (priv->lock);
    /* Video opens the new FLV stream on a keyframe. */
    GstClockTime key_ts = GST_CLOCK_TIME_NONE;
    bool have_video = GST_PAD_IS_LINKED (v.srcpad);
    if (have_video) {
      auto it = v.items.begin ();
      while (it != v.items.end ()) {
        if (!it->is_buffer) {
          ++it;
          continue;
        }
        if (it->keyframe) {
          key_ts = it->ts;
          break;
        }
        drop_item (v, it);
        it = v.items.begin ();
      }
      if (!GST_CLOCK_TIME_IS_VALID (key_ts) && it == v.items.end ()) {
        v.waiting_keyframe = true;
        need_keyframe = TRUE;
      }
      /* Audio from before the first picture would open the recording. */
      if (GST_CLOCK_TIME_IS_VALID (key_ts)) {
        for (auto ait = a.items.begin (); ait != a.items.end ();) {
          if (ait->is_buffer && GST_CLOCK_TIME_IS_VALID (ait->ts)
              && ait->ts < key_ts) {
            note_removed (a, *ait);
            gst_mini_object_unref (ait->obj);
            a.buffers--;
            a.bytes -= ait->size;
            ait = a.items.erase (ait);
          } else {
            ++ait;
          }
        }
      }
    }
    priv->holding = false;
    for (Stream &s : priv->streams)
      s.last_flow = GST_FLOW_OK;
  }
  wake_all (priv);
  return need_keyframe;
}

void
gst_twitch_sink_queue_get_status (
    GstTwitchSinkQueue *queue, GstTwitchSinkQueueStatus *status)
{
  GstTwitchSinkQueuePrivate *priv = queue->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  Stream &v = priv->streams[GST_TWITCH_SINK_QUEUE_VIDEO];
  Stream &a = priv->streams[GST_TWITCH_SINK_QUEUE_AUDIO];
  status->video.buffers = v.buffers;
  status->video.duration = queued_duration (v);
  status->video.bytes = v.bytes;
  status->audio.buffers = a.buffers;
  status->audio.duration = queued_duration (a);
  status->audio.bytes = a.bytes;
  status->video_dropped = v.dropped;
  status->audio_dropped = a.dropped;
  GstClockTime now = clock_running_time (queue);
  status->video.late = late_duration (queue, v, now);
  status->audio.late = late_duration (queue, a, now);
  status->waiting_keyframe = v.waiting_keyframe;
  status->holding = priv->holding;
  gint64 blocked = 0;
  for (const Stream &s : priv->streams)
    if (s.push_started && (!blocked || s.push_started < blocked))
      blocked = s.push_started;
  status->push_blocked_since = blocked;
}

gboolean
gst_twitch_sink_queue_is_eos (
    GstTwitchSinkQueue *queue, GstTwitchSinkQueueStream stream)
{
  std::lock_guard<std::mutex> lk (queue->priv->lock);
  return queue->priv->streams[stream].eos;
}
