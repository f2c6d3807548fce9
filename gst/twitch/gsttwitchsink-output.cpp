/* twitchsink's output stage (see gsttwitchsink-output.h). */
#include "config.h"

#include "gsttwitchsink-output.h"

#include <gst/pbutils/pbutils.h>

#include <gst/twitch/common/secrets.h>

GST_DEBUG_CATEGORY_STATIC (twitchsink_output_debug);
#define GST_CAT_DEFAULT twitchsink_output_debug

static void
output_debug_init ()
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (twitchsink_output_debug, "twitchsinkoutput", 0,
        "twitchsink's output stage (private pipeline)");
    g_once_init_leave (&done, 1);
  }
}

/* ------------------------------------------------------------------------ */
/* The feed (in twitchsink's bin) and the source it pushes out of (in the
 * private pipeline). Neither is registered as a plugin feature. */

#define TWITCH_TYPE_SINK_FEED (twitch_sink_feed_get_type ())
G_DECLARE_FINAL_TYPE (
    TwitchSinkFeed, twitch_sink_feed, TWITCH, SINK_FEED, GstElement)

struct TwitchSinkFeedPrivate {
  std::mutex lock;
  GstPad *sinkpads[2] = {nullptr, nullptr};
  GstPad *targets[2] = {nullptr, nullptr}; /* the private source's pads */
  bool resend[2] = {false, false};         /* new target: sticky events first */
};

struct _TwitchSinkFeed {
  GstElement parent;
  TwitchSinkFeedPrivate *priv;
};

G_DEFINE_TYPE (TwitchSinkFeed, twitch_sink_feed, GST_TYPE_ELEMENT);

#define TWITCH_TYPE_SINK_OUT_SRC (twitch_sink_out_src_get_type ())
G_DECLARE_FINAL_TYPE (
    TwitchSinkOutSrc, twitch_sink_out_src, TWITCH, SINK_OUT_SRC, GstElement)

struct _TwitchSinkOutSrc {
  GstElement parent;
};

G_DEFINE_TYPE (TwitchSinkOutSrc, twitch_sink_out_src, GST_TYPE_ELEMENT);

static GstStaticPadTemplate feed_video_template = GST_STATIC_PAD_TEMPLATE (
    "video_sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate feed_audio_template = GST_STATIC_PAD_TEMPLATE (
    "audio_sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate out_src_template = GST_STATIC_PAD_TEMPLATE (
    "%s", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

static int
feed_index (TwitchSinkFeed *feed, GstPad *pad)
{
  return pad == feed->priv->sinkpads[0] ? 0 : 1;
}

/* Takes the current target of stream @i (a reference), and whether the
 * sticky events must be sent to it first. */
static GstPad *
feed_take_target (TwitchSinkFeed *feed, int i, bool *resend)
{
  std::lock_guard<std::mutex> lk (feed->priv->lock);
  GstPad *target = feed->priv->targets[i];
  *resend = feed->priv->resend[i];
  feed->priv->resend[i] = false;
  return target ? GST_PAD (gst_object_ref (target)) : nullptr;
}

static gboolean
store_on_target (GstPad *pad, GstEvent **event, gpointer target)
{
  (void)pad;
  if (GST_EVENT_TYPE (*event) != GST_EVENT_EOS)
    gst_pad_store_sticky_event (GST_PAD (target), *event);
  return TRUE;
}

static GstFlowReturn
feed_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  TwitchSinkFeed *feed = TWITCH_SINK_FEED (parent);
  bool resend;
  GstPad *target = feed_take_target (feed, feed_index (feed, pad), &resend);
  if (target == nullptr) {
    /* Between connections: the queue holds and retries on a new one. */
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }
  /* A new private pipeline: stream-start, caps and segment again (pushed by
   * gst_pad_push before the buffer). */
  if (resend)
    gst_pad_sticky_events_foreach (pad, store_on_target, target);
  GstFlowReturn ret = gst_pad_push (target, buffer);
  gst_object_unref (target);
  return ret;
}

static gboolean
feed_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  TwitchSinkFeed *feed = TWITCH_SINK_FEED (parent);
  if (GST_EVENT_IS_STICKY (event) && GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    gst_pad_store_sticky_event (pad, event);
  bool resend;
  GstPad *target = feed_take_target (feed, feed_index (feed, pad), &resend);
  if (target == nullptr) {
    /* Kept on the pad (sticky) for the next connection; EOS waits in the
     * queue, which holds while there is no connection. */
    gst_event_unref (event);
    return TRUE;
  }
  if (resend)
    gst_pad_sticky_events_foreach (pad, store_on_target, target);
  gboolean ret = gst_pad_push_event (target, event);
  gst_object_unref (target);
  return ret;
}

static gboolean
feed_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  (void)parent;
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_ACCEPT_CAPS:
      /* flvmux checks them; the queue before us already did. */
      gst_query_set_accept_caps_result (query, TRUE);
      return TRUE;
    case GST_QUERY_CAPS:
      return gst_pad_query_default (pad, parent, query);
    default:
      return FALSE;
  }
}

static void
twitch_sink_feed_finalize (GObject *object)
{
  TwitchSinkFeed *feed = TWITCH_SINK_FEED (object);
  for (GstPad *&t : feed->priv->targets)
    gst_clear_object (&t);
  delete feed->priv;
  G_OBJECT_CLASS (twitch_sink_feed_parent_class)->finalize (object);
}

static void
twitch_sink_feed_class_init (TwitchSinkFeedClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = twitch_sink_feed_finalize;
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  gst_element_class_add_static_pad_template (
      element_class, &feed_video_template);
  gst_element_class_add_static_pad_template (
      element_class, &feed_audio_template);
  gst_element_class_set_static_metadata (element_class, "Twitch Sink Feed",
      "Generic", "Hands twitchsink's output to its private pipeline (internal)",
      GST_TWITCH_AUTHOR);
}

static void
twitch_sink_feed_init (TwitchSinkFeed *feed)
{
  feed->priv = new TwitchSinkFeedPrivate ();
  GstStaticPadTemplate *templates[2]
      = {&feed_video_template, &feed_audio_template};
  for (int i = 0; i < 2; i++) {
    GstPad *pad = gst_pad_new_from_static_template (
        templates[i], templates[i]->name_template);
    gst_pad_set_chain_function (pad, GST_DEBUG_FUNCPTR (feed_chain));
    gst_pad_set_event_function (pad, GST_DEBUG_FUNCPTR (feed_event));
    gst_pad_set_query_function (pad, GST_DEBUG_FUNCPTR (feed_query));
    feed->priv->sinkpads[i] = pad;
    gst_element_add_pad (GST_ELEMENT (feed), pad);
  }
}

static void
feed_set_targets (TwitchSinkFeed *feed, GstPad *video, GstPad *audio)
{
  std::lock_guard<std::mutex> lk (feed->priv->lock);
  GstPad *next[2] = {video, audio};
  for (int i = 0; i < 2; i++) {
    gst_clear_object (&feed->priv->targets[i]);
    if (next[i])
      feed->priv->targets[i] = GST_PAD (gst_object_ref (next[i]));
    feed->priv->resend[i] = next[i] != nullptr;
  }
}

/* Queries and upstream events of flvmux go to the feed's pad, and from
 * there upstream into the application's pipeline (latency, force key
 * unit). */
static gboolean
out_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  (void)parent;
  GstPad *feedpad = GST_PAD (gst_pad_get_element_private (pad));
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
    GstCaps *caps = gst_pad_get_current_caps (feedpad);
    if (caps == nullptr)
      caps = gst_caps_new_any ();
    GstCaps *filter;
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
  if (GST_QUERY_IS_SERIALIZED (query))
    return FALSE;
  return gst_pad_peer_query (feedpad, query);
}

static gboolean
out_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  (void)parent;
  GstPad *feedpad = GST_PAD (gst_pad_get_element_private (pad));
  return gst_pad_push_event (feedpad, event);
}

static void
twitch_sink_out_src_class_init (TwitchSinkOutSrcClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  gst_element_class_add_static_pad_template (element_class, &out_src_template);
  gst_element_class_set_static_metadata (element_class,
      "Twitch Sink Output Source", "Source",
      "Where twitchsink's private pipeline starts (internal)",
      GST_TWITCH_AUTHOR);
}

static void
twitch_sink_out_src_init (TwitchSinkOutSrc *src)
{
  (void)src;
}

static GstPad *
out_src_add_pad (GstElement *src, const char *name, GstPad *feedpad)
{
  GstPad *pad = gst_pad_new_from_static_template (&out_src_template, name);
  gst_pad_set_query_function (pad, GST_DEBUG_FUNCPTR (out_src_query));
  gst_pad_set_event_function (pad, GST_DEBUG_FUNCPTR (out_src_event));
  gst_pad_set_element_private (pad, feedpad);
  gst_element_add_pad (src, pad);
  return pad;
}

/* ------------------------------------------------------------------------ */

namespace twitchsink
{

static bool
has_property (GstElement *e, const char *name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (e), name) != nullptr;
}

Output::Output (GstElement *owner, Callbacks callbacks)
    : owner_ (owner), callbacks_ (std::move (callbacks))
{
  output_debug_init ();
  feed_ = GST_ELEMENT (
      g_object_new (TWITCH_TYPE_SINK_FEED, "name", "feed", nullptr));
}

Output::~Output ()
{
  disconnect ();
  configure (nullptr, std::nullopt);
  gst_clear_object (&clock_);
  /* feed_ belongs to the owner's bin once added. */
}

bool
Output::is_rtmp_sink (GstElement *sink)
{
  return sink && has_property (sink, "host") && has_property (sink, "stream")
         && has_property (sink, "application");
}

GstPadProbeReturn
Output::sink_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  (void)pad;
  auto *self = static_cast<Output *> (data);
  guint64 size = 0;
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER)
    size = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  else if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    size = gst_buffer_list_calculate_size (
        GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  self->bytes_ += size;
  self->last_progress_us_ = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

void
Output::configure (
    GstElement *sink, const std::optional<twitch::RtmpTarget> &target)
{
  std::lock_guard<std::mutex> lk (lock_);
  g_return_if_fail (pipeline_ == nullptr);
  if (sink_ != sink) {
    if (sink_ && probe_) {
      GstPad *pad = gst_element_get_static_pad (sink_, "sink");
      gst_pad_remove_probe (pad, probe_);
      gst_object_unref (pad);
    }
    probe_ = 0;
    gst_clear_object (&sink_);
    if (sink) {
      sink_ = GST_ELEMENT (gst_object_ref_sink (sink));
      GstPad *pad = gst_element_get_static_pad (sink_, "sink");
      if (pad) {
        probe_ = gst_pad_add_probe (pad,
            (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER
                              | GST_PAD_PROBE_TYPE_BUFFER_LIST),
            sink_probe, this, nullptr);
        gst_object_unref (pad);
      }
    }
  }
  target_ = target;
  rtmp_ = is_rtmp_sink (sink_);
  bytes_ = 0;
  if (sink_)
    configure_sink_locked ();
}

/* Sets where to stream. The sink lives only in the private pipeline, whose
 * messages (deep-notify included) never leave this file: `gst-launch-1.0
 * -v` and graph dumps of the application's pipeline never see the key. */
void
Output::configure_sink_locked ()
{
  if (has_property (sink_, "async"))
    g_object_set (sink_, "async", FALSE, nullptr);
  if (!rtmp_ || !target_)
    return;
  /* 4096-byte RTMP chunks, as OBS and ffmpeg send (rtmp2sink's default of
   * 128 costs a header and a write per 128 bytes). */
  if (has_property (sink_, "chunk-size"))
    g_object_set (sink_, "chunk-size", 4096u, nullptr);
  const twitch::RtmpTarget &t = *target_;
  gst_util_set_object_arg (
      G_OBJECT (sink_), "scheme", t.secure ? "rtmps" : "rtmp");
  g_object_set (sink_, "host", t.host.c_str (), "port", t.port, "application",
      t.application.c_str (), "stream", t.stream.c_str (), nullptr);
}

GstBusSyncReply
Output::bus_sync (GstBus *bus, GstMessage *msg, gpointer data)
{
  (void)bus;
  auto *self = static_cast<Output *> (data);
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR: {
      GError *err = nullptr;
      gchar *debug = nullptr;
      gst_message_parse_error (msg, &err, &debug);
      if (self->callbacks_.error)
        self->callbacks_.error (err, debug);
      g_error_free (err);
      g_free (debug);
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError *err = nullptr;
      gchar *debug = nullptr;
      gst_message_parse_warning (msg, &err, &debug);
      GST_WARNING_OBJECT (self->owner_, "output: %s",
          twitch::secrets_redact (err->message).c_str ());
      g_error_free (err);
      g_free (debug);
      break;
    }
    case GST_MESSAGE_EOS:
      if (self->callbacks_.eos)
        self->callbacks_.eos (gst_message_get_seqnum (msg));
      break;
    default:
      break;
  }
  /* Nothing of the private pipeline reaches any other bus. */
  return GST_BUS_DROP;
}

bool
Output::connect (bool video, bool audio)
{
  std::lock_guard<std::mutex> apply (apply_lock_);
  GstElement *sink;
  {
    std::lock_guard<std::mutex> lk (lock_);
    g_return_val_if_fail (pipeline_ == nullptr, false);
    if (sink_ == nullptr)
      return false; /* rtmp2sink missing: reported when it was made */
    sink = GST_ELEMENT (gst_object_ref (sink_));
  }
  GstElement *mux = gst_element_factory_make ("flvmux", "mux");
  if (mux == nullptr) {
    gst_object_unref (sink);
    gst_element_post_message (
        owner_, gst_missing_element_message_new (owner_, "flvmux"));
    GST_ELEMENT_ERROR (owner_, CORE, MISSING_PLUGIN,
        ("twitchsink needs the GStreamer element 'flvmux': install the plugin "
         "package that provides it (bash scripts/install-deps.sh)"),
        (nullptr));
    return false;
  }
  g_object_set (mux, "streamable", TRUE, nullptr);
  if (has_property (mux, "encoder"))
    g_object_set (mux, "encoder", "gst-twitch " VERSION, nullptr);
  /* In live pipelines, give a late stream 250 ms before flvmux moves on
   * without it: jittery producers and fill-gaps' repeated frames and
   * silence stay in order. Twitch's own latency is seconds. */
  if (has_property (mux, "latency"))
    g_object_set (mux, "latency", (guint64)(250 * GST_MSECOND), nullptr);

  GstElement *pipeline = gst_pipeline_new ("twitchsink-output");
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, bus_sync, this, nullptr);
  gst_object_unref (bus);
  GstElement *src = GST_ELEMENT (
      g_object_new (TWITCH_TYPE_SINK_OUT_SRC, "name", "src", nullptr));
  gst_bin_add_many (GST_BIN (pipeline), src, mux, sink, nullptr);
  gst_object_unref (sink);

  if (!gst_element_link_pads (mux, "src", sink, "sink")) {
    GST_ELEMENT_ERROR (owner_, CORE, NEGOTIATION,
        ("The sink element cannot take FLV: set twitchsink's sink property "
         "to rtmp2sink or an element that takes video/x-flv"),
        (nullptr));
    gst_bin_remove (GST_BIN (pipeline), sink);
    gst_object_unref (pipeline);
    return false;
  }
  TwitchSinkFeed *feed = TWITCH_SINK_FEED (feed_);
  const char *names[2] = {"video", "audio"};
  bool wanted[2] = {video, audio};
  GstPad *pads[2] = {nullptr, nullptr};
  for (int i = 0; i < 2; i++) {
    if (!wanted[i])
      continue;
    pads[i] = out_src_add_pad (src, names[i], feed->priv->sinkpads[i]);
    GstPad *muxpad = gst_element_request_pad_simple (mux, names[i]);
    if (gst_pad_link (pads[i], muxpad) != GST_PAD_LINK_OK)
      GST_WARNING_OBJECT (owner_, "could not link %s to flvmux", names[i]);
    gst_object_unref (muxpad);
  }

  bool playing;
  GstClock *clock;
  GstClockTime base_time;
  {
    std::lock_guard<std::mutex> lk (lock_);
    pipeline_ = pipeline;
    playing = playing_;
    clock = clock_ ? GST_CLOCK (gst_object_ref (clock_)) : nullptr;
    base_time = base_time_;
  }
  feed_set_targets (feed, pads[0], pads[1]);
  if (playing) {
    gst_pipeline_use_clock (GST_PIPELINE (pipeline), clock);
    gst_element_set_start_time (pipeline, GST_CLOCK_TIME_NONE);
    gst_element_set_base_time (pipeline, base_time);
  }
  gst_clear_object (&clock);
  GstStateChangeReturn ret = gst_element_set_state (
      pipeline, playing ? GST_STATE_PLAYING : GST_STATE_PAUSED);
  GST_DEBUG_OBJECT (owner_, "private pipeline %s: %s",
      playing ? "PLAYING" : "PAUSED",
      gst_element_state_change_return_get_name (ret));
  /* A failure is also an error on the private bus: it becomes a retry. */
  return true;
}

void
Output::disconnect ()
{
  std::lock_guard<std::mutex> apply (apply_lock_);
  GstElement *pipeline;
  {
    std::lock_guard<std::mutex> lk (lock_);
    pipeline = pipeline_;
    pipeline_ = nullptr;
  }
  if (pipeline == nullptr)
    return;
  feed_set_targets (TWITCH_SINK_FEED (feed_), nullptr, nullptr);
  /* Its last words (errors while stopping) are stragglers. */
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_bus_set_flushing (bus, TRUE);
  gst_bus_set_sync_handler (bus, nullptr, nullptr, nullptr);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  GstElement *sink;
  {
    std::lock_guard<std::mutex> lk (lock_);
    sink = sink_;
  }
  /* The sink is kept for the next connection (an app's appsink, or the
   * configured rtmp2sink). */
  if (sink && GST_OBJECT_PARENT (sink) == GST_OBJECT (pipeline))
    gst_bin_remove (GST_BIN (pipeline), sink);
  gst_object_unref (pipeline);
}

bool
Output::connected () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return pipeline_ != nullptr;
}

void
Output::set_playing (GstClock *clock, GstClockTime base_time)
{
  std::lock_guard<std::mutex> apply (apply_lock_);
  GstElement *pipeline;
  {
    std::lock_guard<std::mutex> lk (lock_);
    gst_object_replace ((GstObject **)&clock_, (GstObject *)clock);
    base_time_ = base_time;
    playing_ = true;
    pipeline = pipeline_ ? GST_ELEMENT (gst_object_ref (pipeline_)) : nullptr;
  }
  if (pipeline == nullptr)
    return;
  gst_pipeline_use_clock (GST_PIPELINE (pipeline), clock);
  gst_element_set_start_time (pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time (pipeline, base_time);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_object_unref (pipeline);
}

void
Output::set_paused ()
{
  std::lock_guard<std::mutex> apply (apply_lock_);
  GstElement *pipeline;
  {
    std::lock_guard<std::mutex> lk (lock_);
    playing_ = false;
    pipeline = pipeline_ ? GST_ELEMENT (gst_object_ref (pipeline_)) : nullptr;
  }
  if (pipeline == nullptr)
    return;
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  gst_object_unref (pipeline);
}

void
Output::reset_progress (gint64 now_us)
{
  last_progress_us_ = now_us;
}

bool
Output::sink_stats (SinkStats *stats)
{
  GstElement *sink;
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (!rtmp_ || sink_ == nullptr || !has_property (sink_, "stats"))
      return false;
    sink = GST_ELEMENT (gst_object_ref (sink_));
  }
  GstStructure *st = nullptr;
  g_object_get (sink, "stats", &st, nullptr);
  gst_object_unref (sink);
  if (st) {
    gst_structure_get_uint64 (st, "out-bytes-total", &stats->out_bytes);
    gst_structure_get_uint64 (st, "out-bytes-acked", &stats->acked_bytes);
    gst_structure_get_uint (st, "out-window-ack-size", &stats->window);
    gst_structure_free (st);
  }
  return true;
}

} // namespace twitchsink
