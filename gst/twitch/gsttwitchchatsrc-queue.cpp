/* twitchchatsrc, from the chat thread to the streaming thread: the
 * bounded hand-over queue, and the streaming thread's next chat event
 * (raw line batches parsed here, a recording replayed in real time), with
 * GAP events while chat is quiet. */
#include "config.h"

#include "gsttwitchchatsrc-private.h"

#include <chrono>

#define GST_CAT_DEFAULT gst_twitch_chat_src_debug

GstClockTime
gst_twitch_chat_src_running_time (GstTwitchChatSrc *self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  GstClockTime now = gst_clock_get_time (clock);
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  return now >= base ? now - base : 0;
}

/* Hands chat events to the streaming thread. When downstream is behind
 * and max-pending is reached, the chat thread waits (up to 1 s, so the
 * connection stays answered) and TCP pushes back on the server; only then
 * are the oldest events dropped, and counted. */
void
gst_twitch_chat_src_enqueue (GstTwitchChatSrc *self, Pending &&item)
{
  auto *p = self->priv;
  std::unique_lock<std::mutex> lk (p->lock);
  if (p->queued + item.n > p->run.max_pending && !p->flushing) {
    p->space.wait_for (lk, std::chrono::seconds (1), [p, &item] {
      return p->flushing || p->queued + item.n <= p->run.max_pending;
    });
  }
  p->queued += item.n;
  p->queue.push_back (std::move (item));
  while (p->queued > p->run.max_pending && p->queue.size () > 1) {
    guint64 before = p->dropped_overflow;
    p->dropped_overflow += p->queue.front ().n;
    p->queued -= p->queue.front ().n;
    p->queue.pop_front ();
    if (before / 1000 != p->dropped_overflow / 1000 || before == 0)
      GST_WARNING_OBJECT (self,
          "downstream does not keep up: dropped %" G_GUINT64_FORMAT
          " chat events so far (max-pending %u)",
          p->dropped_overflow, p->run.max_pending);
  }
  if (p->consumer_waiting)
    p->cond.notify_one ();
}

/* Replay: the next recorded line, waiting on the clock until its pts. */
static GstFlowReturn
next_replay (GstTwitchChatSrc *self, Pending &out)
{
  auto *p = self->priv;
  std::string line;
  while (true) {
    if (!std::getline (p->replay, line))
      return GST_FLOW_EOS;
    p->replay_line++;
    if (line.empty ())
      continue;
    int64_t pts = -1;
    GError *err = nullptr;
    if (!twitch::chat_message_from_json (line, out.msg, &pts, &err)) {
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          ("Skipping line %" G_GUINT64_FORMAT
           " of the chat recording: not an application/x-twitch-chat object.",
              p->replay_line),
          ("%s", err->message));
      g_error_free (err);
      continue;
    }
    out.json_line = line;
    out.running_time = pts >= 0 ? (GstClockTime)pts : GST_CLOCK_TIME_NONE;
    break;
  }
  if (!GST_CLOCK_TIME_IS_VALID (out.running_time))
    out.running_time = gst_twitch_chat_src_running_time (self);
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return GST_FLOW_OK;
  GstClockTime target
      = gst_element_get_base_time (GST_ELEMENT (self)) + out.running_time;
  GstClockID id = gst_clock_new_single_shot_id (clock, target);
  gst_object_unref (clock);
  {
    std::lock_guard<std::mutex> lk (p->lock);
    if (p->flushing) {
      gst_clock_id_unref (id);
      return GST_FLOW_FLUSHING;
    }
    p->clock_id = id;
  }
  GstClockReturn ret = gst_clock_id_wait (id, nullptr);
  {
    std::lock_guard<std::mutex> lk (p->lock);
    p->clock_id = nullptr;
  }
  gst_clock_id_unref (id);
  if (ret == GST_CLOCK_UNSCHEDULED)
    return GST_FLOW_FLUSHING;
  return GST_FLOW_OK;
}

/* The next line of the raw batch at the head of the streaming thread's
 * batch, parsed into @item (whose storage is reused message after
 * message). False when the batch is used up. */
static bool
next_raw_line (GstTwitchChatSrc *self, Pending &batch, Pending &item)
{
  auto *p = self->priv;
  if (!GST_CLOCK_TIME_IS_VALID (batch.running_time)) {
    /* Arrival of the whole read, as running time. */
    GstClockTime now = gst_twitch_chat_src_running_time (self);
    if (GST_CLOCK_TIME_IS_VALID (now)) {
      gint64 age_ns = (g_get_monotonic_time () - batch.arrival_mono_us) * 1000;
      batch.running_time
          = age_ns > 0 && (GstClockTime)age_ns < now ? now - age_ns : now;
    }
  }
  std::string_view all (batch.lines);
  while (batch.pos < all.size ()) {
    size_t nl = all.find ('\n', batch.pos);
    if (nl == std::string_view::npos)
      nl = all.size ();
    std::string_view line = all.substr (batch.pos, nl - batch.pos);
    batch.pos = nl + 1;
    GError *err = nullptr;
    if (!twitch::irc_parse (line, p->irc, &err)
        || !twitch::chat_message_from_irc (p->irc, item.msg, &err)) {
      GST_WARNING_OBJECT (self, "skipping chat line: %s", err->message);
      g_clear_error (&err);
      continue;
    }
    item.msg.arrival_ms = batch.arrival_real_ms;
    item.running_time = batch.running_time;
    item.json_line.clear ();
    return true;
  }
  return false;
}

/* How often a quiet live chat tells downstream (GAP) that time passed. */
#define GAP_INTERVAL (100 * GST_MSECOND)

void
gst_twitch_chat_src_ensure_segment (GstTwitchChatSrc *self)
{
  auto *p = self->priv;
  GstBaseSrc *bsrc = GST_BASE_SRC (self);
  if (!p->segment_sent) {
    /* basesrc sends its segment only after create() returns: our events
     * and gaps must not precede it. Its own copy follows, identical. */
    gst_pad_push_event (
        GST_BASE_SRC_PAD (bsrc), gst_event_new_segment (&bsrc->segment));
    p->segment_sent = true;
  }
}

/* Next chat event: from the connection, or the recording. A quiet live
 * connection sends GAP events up to the current running time meanwhile. */
GstFlowReturn
gst_twitch_chat_src_next_item (GstTwitchChatSrc *self, Pending &item)
{
  auto *p = self->priv;
  if (!p->run.location.empty ())
    return next_replay (self, item);
  while (!p->batch.empty ()) {
    Pending &front = p->batch.front ();
    if (front.lines.empty ()) {
      item = std::move (front);
      p->batch.pop_front ();
      return GST_FLOW_OK;
    }
    if (next_raw_line (self, front, item))
      return GST_FLOW_OK;
    p->batch.pop_front ();
  }
  std::unique_lock<std::mutex> lk (p->lock);
  while (true) {
    p->consumer_waiting = true;
    bool ready = p->cond.wait_for (lk, std::chrono::nanoseconds (GAP_INTERVAL),
        [p] { return p->flushing || p->fatal || !p->queue.empty (); });
    p->consumer_waiting = false;
    if (ready)
      break;
    lk.unlock ();
    GstClockTime now = gst_twitch_chat_src_running_time (self);
    if (GST_CLOCK_TIME_IS_VALID (now) && now > p->position) {
      gst_twitch_chat_src_ensure_segment (self);
      GST_LOG_OBJECT (self, "gap %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT,
          GST_TIME_ARGS (p->position), GST_TIME_ARGS (now));
      gst_pad_push_event (GST_BASE_SRC_PAD (self),
          gst_event_new_gap (p->position, now - p->position));
      p->position = now;
    }
    lk.lock ();
  }
  if (p->flushing)
    return GST_FLOW_FLUSHING;
  if (p->fatal && p->queue.empty ())
    return GST_FLOW_ERROR;
  p->batch.swap (p->queue);
  p->queued = 0;
  p->space.notify_all ();
  lk.unlock ();
  return gst_twitch_chat_src_next_item (self, item);
}
