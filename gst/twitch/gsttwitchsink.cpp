/**
 * SECTION:element-twitchsink
 * @title: twitchsink
 * @short_description: Streams audio and video to a Twitch ingest, with
 * OBS-grade reconnects and frame dropping
 *
 * twitchsink is a bin with request sink pads `video` and `audio`. Raw video
 * is encoded with x264enc using Twitch's recommended settings (CBR, a
 * keyframe every 2 s with scene-cut keyframes off, main or high profile,
 * `tune=zerolatency`), raw audio with avenc_aac (160 kbps, 44.1 or 48 kHz
 * stereo). H.264 and AAC input passes through h264parse/aacparse without
 * re-encoding. The streams go through an inner priority-dropping queue into
 * `flvmux streamable=true` and the network sink (`rtmp2sink` by default).
 *
 * When the ingest goes away (closed connection, refused connection, or a
 * stalled peer that accepts but no longer reads), twitchsink keeps the
 * pipeline PLAYING: it queues within a bound, drops video by priority
 * (non-reference frames past 700 ms queued, every non-keyframe past 900 ms,
 * never audio or keyframes), and reconnects after `retry-delay`, growing by
 * 1.5 with jitter up to `max-retry-delay`, at most `max-retries` times. The
 * new FLV stream opens with fresh headers and codec data on a keyframe
 * (asked for upstream). A rejected stream key is one
 * `GST_RESOURCE_ERROR_NOT_AUTHORIZED` error, never a retry storm.
 *
 * The stream key is a secret: write-only, never printed in any log at any
 * level, error, bus message or `gst-launch-1.0 -v` output.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! twitchsink name=t stream-key=$KEY
 * \ audiotestsrc is-live=true ! t.
 * ]| Streams a test pattern with a tone to the nearest Twitch ingest.
 * |[
 * gst-launch-1.0 filesrc location=in.flv ! flvdemux name=d \
 *     d.video ! queue ! twitchsink name=t server=rtmp://127.0.0.1:1935/app \
 *     stream-key=test  d.audio ! queue ! t.
 * ]| Passes pre-encoded H.264 and AAC through to a local RTMP server.
 *
 * Since: 1.0
 */
#include "config.h"

#include "gsttwitchelements.h"
#include "gsttwitchsink.h"
#include "gsttwitchsinkqueue.h"

#include <gst/audio/audio.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>

#include <gst/twitch/common/backoff.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/ingest/ingest.h>
#include <gst/twitch/ingest/presets.h>

#include <atomic>
#include <cmath>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (gst_twitch_sink_debug);
#define GST_CAT_DEFAULT gst_twitch_sink_debug

#define DEFAULT_SERVER "auto"
#define DEFAULT_BANDWIDTH_TEST FALSE
#define DEFAULT_BITRATE 0
#define DEFAULT_AUDIO_BITRATE 160
#define DEFAULT_KEY_INT 2
#define DEFAULT_SPEED_PRESET "veryfast"
#define DEFAULT_TUNE "zerolatency"
#define DEFAULT_PROFILE "main"
#define DEFAULT_LOW_WATERMARK (500 * GST_MSECOND)
#define DEFAULT_HIGH_WATERMARK (2 * GST_SECOND)
#define DEFAULT_FILL_GAPS FALSE
#define DEFAULT_RETRY_DELAY 2000
#define DEFAULT_MAX_RETRIES 25
#define DEFAULT_MAX_RETRY_DELAY 60000
#define DEFAULT_MAX_QUEUE_TIME (5 * GST_SECOND)
#define DEFAULT_STALL_TIMEOUT 5000
#define DEFAULT_DROP_NONREF_TIME (700 * GST_MSECOND)
#define DEFAULT_DROP_NONKEY_TIME (900 * GST_MSECOND)

enum {
  PROP_0,
  PROP_STREAM_KEY,
  PROP_SERVER,
  PROP_BANDWIDTH_TEST,
  PROP_SINK,
  PROP_BITRATE,
  PROP_AUDIO_BITRATE,
  PROP_KEY_INT,
  PROP_SPEED_PRESET,
  PROP_TUNE,
  PROP_PROFILE,
  PROP_LOW_WATERMARK,
  PROP_HIGH_WATERMARK,
  PROP_FILL_GAPS,
  PROP_VIDEO_BUFFER_LEVEL,
  PROP_VIDEO_BUFFER_DURATION,
  PROP_AUDIO_BUFFER_LEVEL,
  PROP_AUDIO_BUFFER_DURATION,
  PROP_RETRY_DELAY,
  PROP_MAX_RETRIES,
  PROP_MAX_RETRY_DELAY,
  PROP_MAX_QUEUE_TIME,
  PROP_STALL_TIMEOUT,
  PROP_STATS,
};

enum {
  SIGNAL_BUFFER_LOW,
  SIGNAL_BUFFER_HIGH,
  LAST_SIGNAL,
};

static guint signals[LAST_SIGNAL];

namespace
{

enum class InputKind { NONE, RAW, ENCODED };
enum class Conn { IDLE, CONNECTING, CONNECTED, WAITING, FAILED };
enum class Level { NORMAL, LOW, HIGH };

struct Settings {
  std::string stream_key;
  std::string server = DEFAULT_SERVER;
  bool bandwidth_test = DEFAULT_BANDWIDTH_TEST;
  guint bitrate = DEFAULT_BITRATE;
  guint audio_bitrate = DEFAULT_AUDIO_BITRATE;
  guint key_int = DEFAULT_KEY_INT;
  std::string speed_preset = DEFAULT_SPEED_PRESET;
  std::string tune = DEFAULT_TUNE;
  std::string profile = DEFAULT_PROFILE;
  GstClockTime low_watermark = DEFAULT_LOW_WATERMARK;
  GstClockTime high_watermark = DEFAULT_HIGH_WATERMARK;
  bool fill_gaps = DEFAULT_FILL_GAPS;
  guint retry_delay = DEFAULT_RETRY_DELAY;
  gint max_retries = DEFAULT_MAX_RETRIES;
  guint max_retry_delay = DEFAULT_MAX_RETRY_DELAY;
  GstClockTime max_queue_time = DEFAULT_MAX_QUEUE_TIME;
  guint stall_timeout = DEFAULT_STALL_TIMEOUT;
};

/* One request pad and the elements behind it. */
struct Input {
  GstPad *ghost = nullptr;
  bool is_video = false;
  InputKind kind = InputKind::NONE;
  std::vector<GstElement *> elements;
  /* fill-gaps (raw input only); guarded by the private struct's input_lock */
  GstVideoInfo vinfo;
  GstAudioInfo ainfo;
  GstBuffer *last = nullptr;                  /* last raw video frame */
  GstClockTime next_ts = GST_CLOCK_TIME_NONE; /* end of the last buffer */
  GstSegment segment;
  bool eos = false;
  guint64 filled = 0;
};

struct ByteSample {
  gint64 when_us;
  guint64 bytes;
};

} // namespace

struct GstTwitchSinkPrivate {
  GstTwitchSinkPrivate ()
  {
    for (int i = 0; i < 2; i++) {
      inputs[i].is_video = i == 0;
      gst_segment_init (&inputs[i].segment, GST_FORMAT_TIME);
    }
  }
  ~GstTwitchSinkPrivate ()
  {
    for (Input &in : inputs) {
      gst_clear_buffer (&in.last);
      for (GstElement *e : in.elements)
        gst_object_unref (e);
    }
    gst_clear_object (&sink);
  }

  std::mutex settings_lock;
  Settings settings;
  std::string registered_key; /* what secrets_register() holds for us */

  /* Children. queue is always in the bin; mux and sink only while a
   * connection is being made or up. */
  GstElement *queue = nullptr;
  GstElement *mux = nullptr;
  GstElement *sink = nullptr; /* owned reference, in the bin or not */
  gulong sink_probe = 0;

  std::mutex input_lock;
  Input inputs[2];

  /* Runtime state, under state_lock. */
  std::mutex state_lock;
  Conn conn = Conn::IDLE;
  Settings run; /* settings copied at start */
  std::optional<twitch::RtmpTarget> target;
  std::unique_ptr<twitch::Backoff> backoff;
  bool rtmp_sink = false; /* sink has rtmp2sink's properties */
  bool fatal = false;
  gint64 attempt_started_us = 0;
  gint64 connected_since_us = 0;
  GstClockTime connect_time = GST_CLOCK_TIME_NONE;
  guint reconnects = 0;
  bool ever_connected = false;
  guint64 bytes_sent = 0;
  guint64 bytes_at_attempt = 0;
  gint64 last_progress_us = 0;
  guint64 sink_out_bytes = 0; /* rtmp2sink stats, last poll */
  guint64 sink_acked_bytes = 0;
  gint64 last_ack_us = 0;
  std::deque<ByteSample> byte_history;
  Level level_state = Level::NORMAL;
  bool want_video = false, want_audio = false;

  /* The bin's own thread: reconnects, stall detection, level signals,
   * fill-gaps. Never the streaming thread. */
  GThread *thread = nullptr;
  GMainContext *context = nullptr;
  GMainLoop *loop = nullptr;
  GSource *retry_source = nullptr;
};

struct _GstTwitchSink {
  GstBin parent;
  GstTwitchSinkPrivate *priv;
};

#define gst_twitch_sink_parent_class parent_class
G_DEFINE_TYPE (GstTwitchSink, gst_twitch_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (twitchsink, "twitchsink", GST_RANK_NONE,
    GST_TYPE_TWITCH_SINK, twitch_element_init (plugin));

static GstStaticPadTemplate video_template
    = GST_STATIC_PAD_TEMPLATE ("video", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS ("video/x-raw; "
                         "video/x-h264, stream-format = (string) { avc, "
                         "avc3, byte-stream }, alignment = (string) { au, "
                         "nal }"));
static GstStaticPadTemplate audio_template
    = GST_STATIC_PAD_TEMPLATE ("audio", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS ("audio/x-raw; "
                         "audio/mpeg, mpegversion = (int) { 2, 4 }"));

static void gst_twitch_sink_finalize (GObject *object);
static void gst_twitch_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_twitch_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_twitch_sink_change_state (
    GstElement *element, GstStateChange transition);
static GstPad *gst_twitch_sink_request_new_pad (GstElement *element,
    GstPadTemplate *templ, const gchar *name, const GstCaps *caps);
static void gst_twitch_sink_release_pad (GstElement *element, GstPad *pad);
static void gst_twitch_sink_handle_message (GstBin *bin, GstMessage *message);

/* ------------------------------------------------------------------------ */
/* Helpers */

static GstElement *
make_element (GstTwitchSink *self, const char *factory, const char *name)
{
  GstElement *e = gst_element_factory_make (factory, name);
  if (e == nullptr) {
    gst_element_post_message (GST_ELEMENT (self),
        gst_missing_element_message_new (GST_ELEMENT (self), factory));
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("twitchsink needs the GStreamer element '%s': install the plugin "
         "package that provides it (bash scripts/install-deps.sh)",
            factory),
        (nullptr));
  }
  return e;
}

static bool
has_property (GstElement *e, const char *name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (e), name) != nullptr;
}

static GstStructure *
make_stats (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  GstTwitchSinkQueueStatus qs{};
  if (priv->queue)
    gst_twitch_sink_queue_get_status (GST_TWITCH_SINK_QUEUE (priv->queue), &qs);

  std::lock_guard<std::mutex> lk (priv->state_lock);
  gint64 now = g_get_monotonic_time ();
  guint64 window_bytes = 0;
  gint64 window_us = 0;
  if (priv->byte_history.size () >= 2) {
    window_bytes
        = priv->byte_history.back ().bytes - priv->byte_history.front ().bytes;
    window_us = priv->byte_history.back ().when_us
                - priv->byte_history.front ().when_us;
  }
  guint64 bitrate
      = window_us > 0 ? window_bytes * 8 * G_USEC_PER_SEC / window_us : 0;
  bool connected = priv->conn == Conn::CONNECTED;
  GstClockTime queued = priv->want_video ? qs.video.late : qs.audio.late;
  double congestion = (double)queued / (double)DEFAULT_DROP_NONKEY_TIME;
  if (!connected && priv->conn != Conn::IDLE)
    congestion = 1.0;
  congestion = CLAMP (congestion, 0.0, 1.0);

  return gst_structure_new ("twitchsink-stats", "bitrate", G_TYPE_UINT64,
      bitrate, "bytes-sent", G_TYPE_UINT64, priv->bytes_sent,
      "video-frames-dropped", G_TYPE_UINT64, qs.video_dropped,
      "audio-buffers-dropped", G_TYPE_UINT64, qs.audio_dropped, "reconnects",
      G_TYPE_UINT, priv->reconnects, "congestion", G_TYPE_DOUBLE, congestion,
      "connected", G_TYPE_BOOLEAN, connected, "connect-time", G_TYPE_UINT64,
      (guint64)priv->connect_time, "uptime", G_TYPE_UINT64,
      (guint64)(connected ? (now - priv->connected_since_us) * GST_USECOND : 0),
      "video-buffer-level", G_TYPE_UINT, qs.video.buffers,
      "video-buffer-duration", G_TYPE_UINT64, (guint64)qs.video.duration,
      "audio-buffer-level", G_TYPE_UINT, qs.audio.buffers,
      "audio-buffer-duration", G_TYPE_UINT64, (guint64)qs.audio.duration,
      "ingest", G_TYPE_STRING,
      priv->target ? priv->target->redacted_url ().c_str () : "", nullptr);
}

static void
post_element_message (GstTwitchSink *self, GstStructure *s)
{
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* ------------------------------------------------------------------------ */
/* Output: flvmux + network sink, made per connection */

static GstPadProbeReturn
sink_probe_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  (void)pad;
  GstTwitchSink *self = GST_TWITCH_SINK (user_data);
  GstTwitchSinkPrivate *priv = self->priv;
  guint64 size = 0;
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER)
    size = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  else if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    size = gst_buffer_list_calculate_size (
        GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  std::lock_guard<std::mutex> lk (priv->state_lock);
  priv->bytes_sent += size;
  priv->last_progress_us = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

/* Configures the network sink while it is out of the bin: property
 * notifications of an unparented object reach no deep-notify watch, so
 * `gst-launch-1.0 -v` never prints the stream name (the key). */
static void
configure_sink (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  GstElement *sink = priv->sink;
  g_assert (GST_OBJECT_PARENT (sink) == nullptr);

  if (has_property (sink, "async"))
    g_object_set (sink, "async", FALSE, nullptr);
  if (!priv->rtmp_sink || !priv->target)
    return;
  /* 4096-byte RTMP chunks, as OBS and ffmpeg send (rtmp2sink's default of
   * 128 costs a header and a write per 128 bytes). */
  if (has_property (sink, "chunk-size"))
    g_object_set (sink, "chunk-size", 4096u, nullptr);
  const twitch::RtmpTarget &t = *priv->target;
  gst_util_set_object_arg (
      G_OBJECT (sink), "scheme", t.secure ? "rtmps" : "rtmp");
  g_object_set (sink, "host", t.host.c_str (), "port", t.port, "application",
      t.application.c_str (), "stream", t.stream.c_str (), nullptr);
}

/* Builds flvmux, links the queue into it and it into the network sink.
 * @configure: (re)configure the sink first (start of a run; the sink is
 * taken out of the bin for that). On reconnects the sink stays in the bin,
 * NULL and locked: a bin that loses its only sink would post EOS. */
static bool
output_setup (GstTwitchSink *self, bool configure)
{
  GstTwitchSinkPrivate *priv = self->priv;
  GstElement *mux = make_element (self, "flvmux", "mux");
  if (mux == nullptr)
    return false;
  g_object_set (mux, "streamable", TRUE, nullptr);
  if (has_property (mux, "encoder"))
    g_object_set (mux, "encoder", "gst-twitch " VERSION, nullptr);
  /* In live pipelines, give a late stream 250 ms before flvmux moves on
   * without it: jittery producers and fill-gaps' repeated frames and
   * silence (made ~100-150 ms after the producer went quiet) stay in order.
   * Twitch's own latency is seconds; this adds a quarter of one. */
  if (has_property (mux, "latency"))
    g_object_set (mux, "latency", (guint64)(250 * GST_MSECOND), nullptr);

  bool in_bin = GST_OBJECT_PARENT (priv->sink) == GST_OBJECT (self);
  if (configure && in_bin) {
    gst_object_ref (priv->sink);
    gst_bin_remove (GST_BIN (self), priv->sink);
    in_bin = false;
  }
  if (!in_bin) {
    configure_sink (self);
    gst_bin_add (GST_BIN (self), priv->sink);
    if (priv->sink_probe == 0) {
      GstPad *sinkpad = gst_element_get_static_pad (priv->sink, "sink");
      if (sinkpad) {
        priv->sink_probe = gst_pad_add_probe (sinkpad,
            (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER
                              | GST_PAD_PROBE_TYPE_BUFFER_LIST),
            sink_probe_cb, self, nullptr);
        gst_object_unref (sinkpad);
      }
    }
  }
  gst_element_set_locked_state (priv->sink, FALSE);
  gst_bin_add (GST_BIN (self), mux);
  if (!gst_element_link_pads (mux, "src", priv->sink, "sink")) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("The sink element cannot take FLV: set twitchsink's sink property "
         "to rtmp2sink or an element that takes video/x-flv"),
        (nullptr));
    gst_bin_remove (GST_BIN (self), mux);
    return false;
  }
  const char *names[2] = {"video", "audio"};
  bool wanted[2] = {priv->want_video, priv->want_audio};
  for (int i = 0; i < 2; i++) {
    if (!wanted[i])
      continue;
    GstPad *muxpad = gst_element_request_pad_simple (mux, names[i]);
    GstPad *qpad = gst_element_get_static_pad (
        priv->queue, i == 0 ? "video_src" : "audio_src");
    if (gst_pad_link (qpad, muxpad) != GST_PAD_LINK_OK)
      GST_WARNING_OBJECT (
          self, "could not link the %s queue to flvmux", names[i]);
    gst_object_unref (qpad);
    gst_object_unref (muxpad);
  }

  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    priv->mux = mux;
    priv->attempt_started_us = g_get_monotonic_time ();
    priv->last_progress_us = priv->attempt_started_us;
    priv->bytes_at_attempt = priv->bytes_sent;
    priv->sink_out_bytes = 0;
    priv->conn = Conn::CONNECTING;
  }
  GST_INFO_OBJECT (self, "connecting to %s",
      priv->target ? priv->target->redacted_url ().c_str () : "the sink");
  return true;
}

/* Stops the network sink (left in the bin, NULL and locked) and takes
 * flvmux out (worker thread, or when stopping). The queue must be holding. */
static void
output_teardown (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  GstElement *mux;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    mux = priv->mux;
    priv->mux = nullptr;
  }
  if (priv->sink && GST_OBJECT_PARENT (priv->sink) == GST_OBJECT (self)) {
    gst_element_set_locked_state (priv->sink, TRUE);
    gst_element_set_state (priv->sink, GST_STATE_NULL);
  }
  if (mux) {
    gst_element_set_locked_state (mux, TRUE);
    gst_element_set_state (mux, GST_STATE_NULL);
    for (const char *name : {"video_src", "audio_src"}) {
      GstPad *qpad = gst_element_get_static_pad (priv->queue, name);
      GstPad *peer = gst_pad_get_peer (qpad);
      if (peer) {
        gst_pad_unlink (qpad, peer);
        gst_element_release_request_pad (mux, peer);
        gst_object_unref (peer);
      }
      gst_object_unref (qpad);
    }
    gst_bin_remove (GST_BIN (self), mux);
  }
}

/* ------------------------------------------------------------------------ */
/* The bin's thread */

static gboolean retry_cb (gpointer user_data);

/* Takes the output down after a failure and schedules the next attempt,
 * or gives up (worker thread). */
static void
handle_disconnect (
    GstTwitchSink *self, const std::string &reason, bool not_authorized)
{
  GstTwitchSinkPrivate *priv = self->priv;
  bool was_connected;
  {
    /* Out of CONNECTING/CONNECTED first: errors the output posts while it
     * is taken down are stragglers, not new disconnects. */
    std::lock_guard<std::mutex> lk (priv->state_lock);
    was_connected = priv->conn == Conn::CONNECTED;
    priv->conn = Conn::WAITING;
  }
  gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (priv->queue));
  output_teardown (self);

  std::optional<int64_t> delay;
  int attempt;
  std::string url;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    url = priv->target ? priv->target->redacted_url () : std::string ("sink");
    if (not_authorized) {
      priv->conn = Conn::FAILED;
      priv->fatal = true;
    } else {
      delay = priv->backoff->next_delay_us ();
      priv->conn = delay ? Conn::WAITING : Conn::FAILED;
      priv->fatal = !delay;
    }
    attempt = priv->backoff->attempt ();
  }
  std::string safe_reason = twitch::secrets_redact (reason);
  GST_WARNING_OBJECT (
      self, "ingest %s lost: %s", url.c_str (), safe_reason.c_str ());
  if (was_connected)
    post_element_message (
        self, gst_structure_new ("twitchsink-disconnected", "reason",
                  G_TYPE_STRING, safe_reason.c_str (), "ingest", G_TYPE_STRING,
                  url.c_str (), nullptr));

  if (not_authorized) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("The ingest %s refused the stream key: check twitchsink's "
         "stream-key (Twitch dashboard, Settings > Stream)",
            url.c_str ()),
        ("%s", safe_reason.c_str ()));
    return;
  }
  if (!delay) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not stream to the ingest %s after %d retries: check the "
         "network or the server property, or raise max-retries",
            url.c_str (), attempt),
        ("last error: %s", safe_reason.c_str ()));
    return;
  }
  GST_INFO_OBJECT (self, "reconnect attempt %d in %" G_GINT64_FORMAT " ms",
      attempt, *delay / 1000);
  post_element_message (self,
      gst_structure_new ("twitchsink-reconnecting", "attempt", G_TYPE_INT,
          attempt, "delay", G_TYPE_UINT64, (guint64)(*delay * GST_USECOND),
          "reason", G_TYPE_STRING, safe_reason.c_str (), nullptr));
  GSource *source = g_timeout_source_new ((guint)(*delay / 1000));
  g_source_set_callback (source, retry_cb, self, nullptr);
  g_source_attach (source, priv->context);
  std::lock_guard<std::mutex> lk (priv->state_lock);
  if (priv->retry_source) {
    g_source_destroy (priv->retry_source);
    g_source_unref (priv->retry_source);
  }
  priv->retry_source = source;
}

static gboolean
retry_cb (gpointer user_data)
{
  GstTwitchSink *self = GST_TWITCH_SINK (user_data);
  GstTwitchSinkPrivate *priv = self->priv;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    if (priv->retry_source) {
      g_source_unref (priv->retry_source);
      priv->retry_source = nullptr;
    }
    if (priv->conn != Conn::WAITING)
      return G_SOURCE_REMOVE;
  }
  if (!output_setup (self, false))
    return G_SOURCE_REMOVE;
  gst_element_sync_state_with_parent (self->priv->sink);
  gst_element_sync_state_with_parent (self->priv->mux);
  if (gst_twitch_sink_queue_resume (GST_TWITCH_SINK_QUEUE (priv->queue))) {
    GstPad *vsink = gst_element_get_static_pad (priv->queue, "video_sink");
    GST_DEBUG_OBJECT (self, "asking upstream for a keyframe");
    gst_pad_push_event (vsink, gst_video_event_new_upstream_force_key_unit (
                                   GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref (vsink);
  }
  return G_SOURCE_REMOVE;
}

struct DisconnectRequest {
  GstTwitchSink *self;
  std::string reason;
  bool not_authorized;
  GstElement *sink;
};

static gboolean
disconnect_cb (gpointer user_data)
{
  auto *req = static_cast<DisconnectRequest *> (user_data);
  GstTwitchSinkPrivate *priv = req->self->priv;
  bool current;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    current = priv->conn == Conn::CONNECTING || priv->conn == Conn::CONNECTED;
  }
  if (current)
    handle_disconnect (req->self, req->reason, req->not_authorized);
  return G_SOURCE_REMOVE;
}

static void
schedule_disconnect (
    GstTwitchSink *self, std::string reason, bool not_authorized)
{
  GstTwitchSinkPrivate *priv = self->priv;
  gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (priv->queue));
  /* Always through an idle source on the bin's thread, never a direct
   * call: this may run on that very thread, inside a teardown. */
  std::lock_guard<std::mutex> lk (priv->state_lock);
  if (priv->context == nullptr)
    return; /* stopping: nothing to reconnect */
  auto *req = new DisconnectRequest{
      self, std::move (reason), not_authorized, nullptr};
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, disconnect_cb, req,
      [] (gpointer p) { delete static_cast<DisconnectRequest *> (p); });
  g_source_attach (source, priv->context);
  g_source_unref (source);
}

/* Duration of one fill buffer: a video frame, or 20 ms of silence. */
static GstClockTime
fill_unit (const Input &in)
{
  return in.is_video && in.vinfo.fps_n > 0 ? gst_util_uint64_scale_int (
             GST_SECOND, in.vinfo.fps_d, in.vinfo.fps_n)
                                           : 20 * GST_MSECOND;
}

/* The next fill buffer of @in at in.next_ts, lasting @duration: the last
 * frame again, or silence. Advances in.next_ts. nullptr when there is
 * nothing to repeat yet. Called with input_lock held. */
static GstBuffer *
make_fill_buffer (Input &in, GstClockTime duration)
{
  GstBuffer *buf;
  if (in.is_video) {
    if (in.last == nullptr)
      return nullptr;
    buf = gst_buffer_copy (in.last);
  } else {
    if (GST_AUDIO_INFO_RATE (&in.ainfo) == 0)
      return nullptr;
    guint samples = (guint)gst_util_uint64_scale_int (
        duration, GST_AUDIO_INFO_RATE (&in.ainfo), GST_SECOND);
    if (samples == 0)
      return nullptr;
    gsize size = samples * GST_AUDIO_INFO_BPF (&in.ainfo);
    buf = gst_buffer_new_allocate (nullptr, size, nullptr);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    gst_audio_format_info_fill_silence (in.ainfo.finfo, map.data, size);
    gst_buffer_unmap (buf, &map);
  }
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
  GST_BUFFER_PTS (buf) = in.next_ts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = duration;
  in.next_ts += duration;
  in.filled++;
  return buf;
}

/* Most fill buffers made at once, so a timestamp jump (a seek, a broken
 * producer) cannot turn into a burst of minutes of repeated frames. */
#define MAX_FILL_BUFFERS 200

/* Repeats the last frame / inserts silence while an app under-feeds
 * (worker thread). Skipped while upstream is inside the pad. */
static void
fill_gaps (GstTwitchSink *self, GstClockTime now_rt)
{
  GstTwitchSinkPrivate *priv = self->priv;
  for (Input &in : priv->inputs) {
    if (in.ghost == nullptr || in.kind != InputKind::RAW)
      continue;
    GRecMutex *stream_lock = GST_PAD_GET_STREAM_LOCK (in.ghost);
    if (!g_rec_mutex_trylock (stream_lock))
      continue;
    std::vector<GstBuffer *> out;
    {
      std::lock_guard<std::mutex> lk (priv->input_lock);
      if (!in.eos && GST_CLOCK_TIME_IS_VALID (in.next_ts)) {
        GstClockTime end_rt = gst_segment_to_running_time (
            &in.segment, GST_FORMAT_TIME, in.next_ts);
        GstClockTime frame = fill_unit (in);
        GstClockTime threshold = MAX (3 * frame, 100 * GST_MSECOND);
        if (GST_CLOCK_TIME_IS_VALID (end_rt) && now_rt > end_rt + threshold) {
          while (end_rt + frame <= now_rt && out.size () < MAX_FILL_BUFFERS) {
            GstBuffer *buf = make_fill_buffer (in, frame);
            if (buf == nullptr)
              break;
            end_rt += frame;
            out.push_back (buf);
          }
        }
      }
    }
    for (GstBuffer *buf : out) {
      GST_LOG_OBJECT (self, "fill-gaps: %s at %" GST_TIME_FORMAT,
          in.is_video ? "repeated frame" : "silence",
          GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
      gst_proxy_pad_chain_default (in.ghost, GST_OBJECT (self), buf);
    }
    g_rec_mutex_unlock (stream_lock);
  }
}

static gboolean
tick_cb (gpointer user_data)
{
  GstTwitchSink *self = GST_TWITCH_SINK (user_data);
  GstTwitchSinkPrivate *priv = self->priv;
  gint64 now = g_get_monotonic_time ();

  GstTwitchSinkQueueStatus qs{};
  gst_twitch_sink_queue_get_status (GST_TWITCH_SINK_QUEUE (priv->queue), &qs);

  /* Connection established? rtmp2sink: bytes leaving through its socket
   * (its stats); other sinks: bytes reaching them. The same stats tell
   * whether the ingest still acknowledges what it receives. */
  GstElement *sink = nullptr;
  bool check_rtmp = false, connecting = false;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    if ((priv->conn == Conn::CONNECTING || priv->conn == Conn::CONNECTED)
        && priv->mux) {
      sink = GST_ELEMENT (gst_object_ref (priv->sink));
      check_rtmp = priv->rtmp_sink && has_property (sink, "stats");
      connecting = priv->conn == Conn::CONNECTING;
    }
  }
  bool ack_stalled = false;
  if (sink) {
    bool up = false;
    if (check_rtmp) {
      GstStructure *st = nullptr;
      g_object_get (sink, "stats", &st, nullptr);
      guint64 out = 0, acked = 0;
      guint window = 0;
      if (st) {
        gst_structure_get_uint64 (st, "out-bytes-total", &out);
        gst_structure_get_uint64 (st, "out-bytes-acked", &acked);
        gst_structure_get_uint (st, "out-window-ack-size", &window);
        gst_structure_free (st);
      }
      std::lock_guard<std::mutex> lk (priv->state_lock);
      up = connecting && out > 0 && priv->sink_out_bytes > 0
           && out > priv->sink_out_bytes
           && priv->bytes_sent > priv->bytes_at_attempt;
      priv->sink_out_bytes = out;
      /* A peer that acknowledges (RTMP window acks) and stops: more than
       * 1.5 windows unacknowledged and no new ack for stall-timeout. The
       * kernel buffers on the way can hold megabytes, so a stalled peer
       * does not block the sender for a long while. */
      if (acked != priv->sink_acked_bytes || connecting) {
        priv->sink_acked_bytes = acked;
        priv->last_ack_us = now;
      }
      if (!connecting && acked > 0 && window > 0
          && out > acked + window + window / 2
          && now - priv->last_ack_us > (gint64)priv->run.stall_timeout * 1000
          && priv->run.stall_timeout > 0)
        ack_stalled = true;
    } else {
      std::lock_guard<std::mutex> lk (priv->state_lock);
      up = connecting && priv->bytes_sent > priv->bytes_at_attempt;
    }
    gst_object_unref (sink);
    if (up) {
      std::string url;
      GstClockTime took;
      bool reconnect;
      {
        std::lock_guard<std::mutex> lk (priv->state_lock);
        priv->conn = Conn::CONNECTED;
        priv->connected_since_us = now;
        took = (now - priv->attempt_started_us) * GST_USECOND;
        priv->connect_time = took;
        reconnect = priv->ever_connected;
        priv->ever_connected = true;
        if (reconnect)
          priv->reconnects++;
        priv->backoff->reset ();
        url = priv->target ? priv->target->redacted_url () : "sink";
      }
      GST_INFO_OBJECT (self, "connected to %s in %" GST_TIME_FORMAT,
          url.c_str (), GST_TIME_ARGS (took));
      post_element_message (self,
          gst_structure_new ("twitchsink-connected", "ingest", G_TYPE_STRING,
              url.c_str (), "connect-time", G_TYPE_UINT64, (guint64)took,
              "reconnect", G_TYPE_BOOLEAN, reconnect, nullptr));
    }
  }

  /* Stalled ingest: a push downstream blocked and nothing reaching the
   * network sink for stall-timeout (rtmp2sink's own timeout can hang). */
  {
    bool stalled = false;
    guint stall_ms;
    {
      std::lock_guard<std::mutex> lk (priv->state_lock);
      stall_ms = priv->run.stall_timeout;
      if (stall_ms > 0
          && (priv->conn == Conn::CONNECTING || priv->conn == Conn::CONNECTED)
          && qs.push_blocked_since != 0
          && now - qs.push_blocked_since > (gint64)stall_ms * 1000
          && now - priv->last_progress_us > (gint64)stall_ms * 1000)
        stalled = true;
      if (ack_stalled && priv->conn == Conn::CONNECTED)
        stalled = true;
      if (priv->byte_history.empty ()
          || now - priv->byte_history.back ().when_us >= 100000)
        priv->byte_history.push_back ({now, priv->bytes_sent});
      while (priv->byte_history.size () > 2
             && now - priv->byte_history.front ().when_us > G_USEC_PER_SEC)
        priv->byte_history.pop_front ();
    }
    if (stalled) {
      GST_WARNING_OBJECT (
          self, "ingest stalled: nothing sent for %u ms", stall_ms);
      handle_disconnect (self,
          "the ingest stopped reading (no progress for "
              + std::to_string (stall_ms) + " ms)",
          false);
    }
  }

  /* Buffer level signals, once per crossing. */
  {
    GstClockTime level
        = priv->want_video ? qs.video.duration : qs.audio.duration;
    GstClockTime low, high;
    {
      std::lock_guard<std::mutex> lk (priv->settings_lock);
      low = priv->settings.low_watermark;
      high = priv->settings.high_watermark;
    }
    Level next = level < low    ? Level::LOW
                 : level > high ? Level::HIGH
                                : Level::NORMAL;
    Level prev;
    {
      std::lock_guard<std::mutex> lk (priv->state_lock);
      prev = priv->level_state;
      priv->level_state = next;
    }
    GstState state = GST_STATE (self);
    GST_TRACE_OBJECT (self, "level %" GST_TIME_FORMAT " (%u video, %u audio)",
        GST_TIME_ARGS (level), qs.video.buffers, qs.audio.buffers);
    if (next != prev)
      GST_LOG_OBJECT (self, "buffer level %" GST_TIME_FORMAT ": %d -> %d",
          GST_TIME_ARGS (level), (int)prev, (int)next);
    if (next != prev && state >= GST_STATE_PAUSED) {
      if (next == Level::LOW)
        g_signal_emit (self, signals[SIGNAL_BUFFER_LOW], 0);
      else if (next == Level::HIGH)
        g_signal_emit (self, signals[SIGNAL_BUFFER_HIGH], 0);
    }
  }

  /* fill-gaps */
  bool fill;
  {
    std::lock_guard<std::mutex> lk (priv->settings_lock);
    fill = priv->settings.fill_gaps;
  }
  if (fill) {
    GstClockTime now_rt = GST_CLOCK_TIME_NONE;
    GST_OBJECT_LOCK (self);
    if (GST_STATE (self) == GST_STATE_PLAYING && GST_ELEMENT_CLOCK (self)) {
      GstClockTime t = gst_clock_get_time (GST_ELEMENT_CLOCK (self));
      GstClockTime base = GST_ELEMENT_CAST (self)->base_time;
      now_rt = t > base ? t - base : 0;
    }
    GST_OBJECT_UNLOCK (self);
    if (GST_CLOCK_TIME_IS_VALID (now_rt))
      fill_gaps (self, now_rt);
  }
  return G_SOURCE_CONTINUE;
}

static gpointer
worker_thread (gpointer user_data)
{
  GstTwitchSink *self = GST_TWITCH_SINK (user_data);
  GstTwitchSinkPrivate *priv = self->priv;
  g_main_context_push_thread_default (priv->context);
  GSource *tick = g_timeout_source_new (50);
  g_source_set_callback (tick, tick_cb, self, nullptr);
  g_source_attach (tick, priv->context);
  g_main_loop_run (priv->loop);
  g_source_destroy (tick);
  g_source_unref (tick);
  g_main_context_pop_thread_default (priv->context);
  return nullptr;
}

static void
worker_start (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    priv->context = g_main_context_new ();
  }
  priv->loop = g_main_loop_new (priv->context, FALSE);
  priv->thread = g_thread_new ("twitchsink", worker_thread, self);
}

static void
worker_stop (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  if (priv->thread == nullptr)
    return;
  /* Through the loop's own context: a g_main_loop_quit() before the thread
   * has entered g_main_loop_run() would be lost. */
  GSource *quit = g_idle_source_new ();
  g_source_set_callback (
      quit,
      [] (gpointer loop) -> gboolean {
        g_main_loop_quit (static_cast<GMainLoop *> (loop));
        return G_SOURCE_REMOVE;
      },
      priv->loop, nullptr);
  g_source_attach (quit, priv->context);
  g_source_unref (quit);
  g_thread_join (priv->thread);
  priv->thread = nullptr;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    if (priv->retry_source) {
      g_source_destroy (priv->retry_source);
      g_source_unref (priv->retry_source);
      priv->retry_source = nullptr;
    }
  }
  /* Pending disconnect requests are freed with the context. */
  g_main_loop_unref (priv->loop);
  priv->loop = nullptr;
  GMainContext *context;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    context = priv->context;
    priv->context = nullptr;
  }
  g_main_context_unref (context);
}

/* ------------------------------------------------------------------------ */
/* Input chains, built when the first caps arrive */

static InputKind
classify_caps (GstCaps *caps, bool is_video)
{
  if (caps == nullptr || gst_caps_get_size (caps) == 0)
    return InputKind::NONE;
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *name = gst_structure_get_name (s);
  if (is_video) {
    if (g_str_equal (name, "video/x-raw"))
      return InputKind::RAW;
    if (g_str_equal (name, "video/x-h264"))
      return InputKind::ENCODED;
  } else {
    if (g_str_equal (name, "audio/x-raw"))
      return InputKind::RAW;
    if (g_str_equal (name, "audio/mpeg")) {
      int version = 0;
      gst_structure_get_int (s, "mpegversion", &version);
      if (version == 2 || version == 4)
        return InputKind::ENCODED;
    }
  }
  return InputKind::NONE;
}

/* Encoded caps flvmux takes as they are: H.264 in AVC form, whole access
 * units, with codec data; raw AAC (MPEG-4) with codec data. */
static bool
caps_ready_for_flv (GstCaps *caps, bool video)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_has_field (s, "codec_data"))
    return false;
  if (video)
    return !g_strcmp0 (gst_structure_get_string (s, "stream-format"), "avc")
           && !g_strcmp0 (gst_structure_get_string (s, "alignment"), "au");
  int version = 0;
  gst_structure_get_int (s, "mpegversion", &version);
  return version == 4
         && !g_strcmp0 (gst_structure_get_string (s, "stream-format"), "raw");
}

static bool
build_input (GstTwitchSink *self, Input &in, InputKind kind, GstCaps *caps)
{
  GstTwitchSinkPrivate *priv = self->priv;
  Settings s;
  {
    std::lock_guard<std::mutex> lk (priv->settings_lock);
    s = priv->settings;
  }
  std::vector<GstElement *> chain;
  auto add = [&] (const char *factory) -> GstElement * {
    GstElement *e = make_element (self, factory, nullptr);
    if (e)
      chain.push_back (e);
    return e;
  };

  bool ok = true;
  if (in.is_video && kind == InputKind::RAW) {
    GstVideoInfo info;
    gst_video_info_init (&info);
    gst_video_info_from_caps (&info, caps);
    double fps = info.fps_n > 0 && info.fps_d > 0
                     ? (double)info.fps_n / info.fps_d
                     : 30.0;
    guint bitrate = s.bitrate ? s.bitrate
                              : (guint)twitch::recommended_video_bitrate_kbps (
                                  info.width, info.height, fps);
    guint keyint = (guint)MAX (1, std::lround (fps * s.key_int));
    GstElement *conv = add ("videoconvert");
    GstElement *enc = add ("x264enc");
    GstElement *filter = add ("capsfilter");
    GstElement *parse = add ("h264parse");
    ok = conv && enc && filter && parse;
    if (ok) {
      std::string options = twitch::x264_option_string ();
      /* CBR as OBS does it (HRD CBR signalling, filler); CABAC (and the
       * 8x8 transform for high) so that fast presets still give the
       * main/high profile Twitch asks for, not constrained baseline. */
      options += ":nal-hrd=cbr:filler=1:cabac=1";
      if (s.profile == "high")
        options += ":8x8dct=1";
      gst_util_set_object_arg (G_OBJECT (enc), "pass", "cbr");
      g_object_set (enc, "bitrate", bitrate, "key-int-max", keyint,
          "vbv-buf-capacity", 1000, "option-string", options.c_str (), nullptr);
      if (!s.speed_preset.empty ())
        gst_util_set_object_arg (
            G_OBJECT (enc), "speed-preset", s.speed_preset.c_str ());
      gst_util_set_object_arg (G_OBJECT (enc), "tune",
          s.tune.empty () || s.tune == "none" ? "0x00000000" : s.tune.c_str ());
      GstCaps *fcaps = gst_caps_new_simple ("video/x-h264", "profile",
          G_TYPE_STRING, s.profile.c_str (), nullptr);
      g_object_set (filter, "caps", fcaps, nullptr);
      gst_caps_unref (fcaps);
      GST_INFO_OBJECT (self,
          "encoding %dx%d at %.3f fps: x264 %u kbps CBR, keyframe every %u "
          "frames, %s, tune %s, profile %s",
          info.width, info.height, fps, bitrate, keyint,
          s.speed_preset.c_str (), s.tune.c_str (), s.profile.c_str ());
    }
  } else if (in.is_video) {
    /* Already what flvmux takes (AVC, whole access units, codec data), as
     * from flvdemux or qtdemux: straight to the queue, nothing to parse. */
    if (!caps_ready_for_flv (caps, true)) {
      GstElement *parse = add ("h264parse");
      ok = parse != nullptr;
    }
  } else if (kind == InputKind::RAW) {
    GstAudioInfo info;
    gst_audio_info_init (&info);
    gst_audio_info_from_caps (&info, caps);
    int rate = twitch::audio_rate_supported (GST_AUDIO_INFO_RATE (&info))
                   ? GST_AUDIO_INFO_RATE (&info)
                   : 48000;
    GstElement *conv = add ("audioconvert");
    GstElement *res = add ("audioresample");
    GstElement *filter = add ("capsfilter");
    GstElement *enc = add ("avenc_aac");
    GstElement *parse = add ("aacparse");
    ok = conv && res && filter && enc && parse;
    if (ok) {
      GstCaps *fcaps = gst_caps_new_simple ("audio/x-raw", "channels",
          G_TYPE_INT, 2, "rate", G_TYPE_INT, rate, nullptr);
      g_object_set (filter, "caps", fcaps, nullptr);
      gst_caps_unref (fcaps);
      g_object_set (enc, "bitrate", (gint)s.audio_bitrate * 1000, nullptr);
    }
  } else if (!caps_ready_for_flv (caps, false)) {
    GstElement *parse = add ("aacparse");
    ok = parse != nullptr;
  }
  if (!ok) {
    for (GstElement *e : chain)
      gst_object_unref (gst_object_ref_sink (e));
    return false;
  }

  GstPad *qsink = gst_element_get_static_pad (
      priv->queue, in.is_video ? "video_sink" : "audio_sink");
  if (chain.empty ()) {
    gst_ghost_pad_set_target (GST_GHOST_PAD (in.ghost), qsink);
    gst_object_unref (qsink);
    in.kind = kind;
    GST_INFO_OBJECT (
        self, "%s passes straight through", in.is_video ? "H.264" : "AAC");
    return true;
  }
  for (GstElement *e : chain) {
    gst_bin_add (GST_BIN (self), e);
    gst_object_ref (e); /* Input::elements holds one until release_pad */
  }
  for (size_t i = 0; i + 1 < chain.size (); i++)
    gst_element_link (chain[i], chain[i + 1]);
  GstPad *last = gst_element_get_static_pad (chain.back (), "src");
  GstPadLinkReturn lr = gst_pad_link (last, qsink);
  gst_object_unref (last);
  gst_object_unref (qsink);
  if (lr != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (self, "linking the input chain to the queue: %s",
        gst_pad_link_get_name (lr));
  for (auto it = chain.rbegin (); it != chain.rend (); ++it)
    gst_element_sync_state_with_parent (*it);

  GstPad *first = gst_element_get_static_pad (chain.front (), "sink");
  gst_ghost_pad_set_target (GST_GHOST_PAD (in.ghost), first);
  gst_object_unref (first);
  in.elements = chain;
  in.kind = kind;
  return true;
}

static Input &
input_of_pad (GstTwitchSink *self, GstPad *pad)
{
  return self->priv->inputs[0].ghost == pad ? self->priv->inputs[0]
                                            : self->priv->inputs[1];
}

static gboolean
forward_sticky (GstPad *pad, GstEvent **event, gpointer user_data)
{
  (void)pad;
  GstPad *internal = GST_PAD (user_data);
  if (GST_EVENT_TYPE (*event) < GST_EVENT_CAPS)
    gst_pad_push_event (internal, gst_event_ref (*event));
  return TRUE;
}

static gboolean
input_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTwitchSink *self = GST_TWITCH_SINK (parent);
  GstTwitchSinkPrivate *priv = self->priv;
  Input &in = input_of_pad (self, pad);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      InputKind kind = classify_caps (caps, in.is_video);
      if (kind == InputKind::NONE) {
        gchar *str = gst_caps_to_string (caps);
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
            ("twitchsink cannot stream %s on its %s pad: Twitch takes H.264 "
             "video and AAC audio, or raw video and audio that twitchsink "
             "encodes",
                GST_STR_NULL (
                    gst_structure_get_name (gst_caps_get_structure (caps, 0))),
                in.is_video ? "video" : "audio"),
            ("caps %s", str));
        g_free (str);
        gst_event_unref (event);
        return FALSE;
      }
      if (in.kind == InputKind::NONE) {
        if (!build_input (self, in, kind, caps)) {
          gst_event_unref (event);
          return FALSE;
        }
        GstPad *internal
            = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (pad)));
        gst_pad_sticky_events_foreach (pad, forward_sticky, internal);
        gst_object_unref (internal);
      } else if (kind != in.kind) {
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
            ("twitchsink's %s pad cannot switch between raw and encoded input "
             "in one stream",
                in.is_video ? "video" : "audio"),
            (nullptr));
        gst_event_unref (event);
        return FALSE;
      }
      {
        std::lock_guard<std::mutex> lk (priv->input_lock);
        if (in.is_video)
          gst_video_info_from_caps (&in.vinfo, caps);
        else
          gst_audio_info_from_caps (&in.ainfo, caps);
      }
      break;
    }
    case GST_EVENT_SEGMENT: {
      std::lock_guard<std::mutex> lk (priv->input_lock);
      gst_event_copy_segment (event, &in.segment);
      in.next_ts = GST_CLOCK_TIME_NONE;
      break;
    }
    case GST_EVENT_EOS: {
      std::lock_guard<std::mutex> lk (priv->input_lock);
      in.eos = true;
      break;
    }
    case GST_EVENT_FLUSH_STOP: {
      std::lock_guard<std::mutex> lk (priv->input_lock);
      in.eos = false;
      in.next_ts = GST_CLOCK_TIME_NONE;
      break;
    }
    default:
      break;
  }

  if (in.kind == InputKind::NONE) {
    /* No chain yet: sticky events wait on the pad for the caps. */
    bool sticky = GST_EVENT_IS_STICKY (event);
    if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("The %s pad got no caps before EOS",
              in.is_video ? "video" : "audio"),
          (nullptr));
      sticky = false;
    }
    gst_event_unref (event);
    return sticky;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
input_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstTwitchSink *self = GST_TWITCH_SINK (parent);
  Input &in = input_of_pad (self, pad);
  if (in.kind == InputKind::NONE) {
    switch (GST_QUERY_TYPE (query)) {
      case GST_QUERY_CAPS: {
        GstCaps *filter, *caps = gst_pad_get_pad_template_caps (pad);
        gst_query_parse_caps (query, &filter);
        if (filter) {
          GstCaps *tmp = gst_caps_intersect_full (
              filter, caps, GST_CAPS_INTERSECT_FIRST);
          gst_caps_unref (caps);
          caps = tmp;
        }
        gst_query_set_caps_result (query, caps);
        gst_caps_unref (caps);
        return TRUE;
      }
      case GST_QUERY_ACCEPT_CAPS:
        /* Accepted here so that the CAPS event reaches input_event, which
         * names the problem (a refused accept-caps would only give upstream
         * a bare not-negotiated). The CAPS query answers the template. */
        gst_query_set_accept_caps_result (query, TRUE);
        return TRUE;
      default:
        return FALSE;
    }
  }
  return gst_pad_query_default (pad, parent, query);
}

static GstFlowReturn
input_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstTwitchSink *self = GST_TWITCH_SINK (parent);
  GstTwitchSinkPrivate *priv = self->priv;
  Input &in = input_of_pad (self, pad);
  if (in.kind == InputKind::NONE) {
    gst_buffer_unref (buffer);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("The %s pad got data before caps", in.is_video ? "video" : "audio"),
        (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  std::vector<GstBuffer *> fill;
  if (in.kind == InputKind::RAW) {
    bool fill_gaps_on;
    {
      std::lock_guard<std::mutex> lk (priv->settings_lock);
      fill_gaps_on = priv->settings.fill_gaps;
    }
    std::lock_guard<std::mutex> lk (priv->input_lock);
    GstClockTime pts = GST_BUFFER_PTS (buffer);
    if (GST_CLOCK_TIME_IS_VALID (pts)) {
      GstClockTime dur = GST_BUFFER_DURATION (buffer);
      if (!GST_CLOCK_TIME_IS_VALID (dur)) {
        if (in.is_video && in.vinfo.fps_n > 0)
          dur = gst_util_uint64_scale_int (
              GST_SECOND, in.vinfo.fps_d, in.vinfo.fps_n);
        else if (!in.is_video && GST_AUDIO_INFO_BPF (&in.ainfo) > 0)
          dur = gst_util_uint64_scale_int (GST_SECOND,
              (gint)(gst_buffer_get_size (buffer)
                     / GST_AUDIO_INFO_BPF (&in.ainfo)),
              GST_AUDIO_INFO_RATE (&in.ainfo));
        else
          dur = 0;
      }
      if (in.filled > 0 && GST_CLOCK_TIME_IS_VALID (in.next_ts)
          && pts + dur / 2 < in.next_ts) {
        /* fill-gaps already covered this instant (a repeated frame, or
         * silence): keep the timeline monotonic. */
        gst_buffer_unref (buffer);
        return GST_FLOW_OK;
      }
      /* A producer back from a stall stamps its media with the clock: fill
       * what the worker had not filled yet, so the join has no hole. */
      GstClockTime unit = fill_unit (in);
      while (fill_gaps_on && GST_CLOCK_TIME_IS_VALID (in.next_ts)
             && pts > in.next_ts + unit / 2
             && fill.size () < MAX_FILL_BUFFERS) {
        GstBuffer *buf = make_fill_buffer (
            in, in.is_video ? unit : MIN (unit, pts - in.next_ts));
        if (buf == nullptr)
          break;
        fill.push_back (buf);
      }
      in.next_ts = MAX (
          pts + dur, GST_CLOCK_TIME_IS_VALID (in.next_ts) ? in.next_ts : 0);
    }
    if (in.is_video) {
      gst_buffer_replace (&in.last, buffer);
    }
  }
  for (size_t i = 0; i < fill.size (); i++) {
    GST_LOG_OBJECT (self, "fill-gaps: %s at %" GST_TIME_FORMAT " (join)",
        in.is_video ? "repeated frame" : "silence",
        GST_TIME_ARGS (GST_BUFFER_PTS (fill[i])));
    GstFlowReturn ret = gst_proxy_pad_chain_default (pad, parent, fill[i]);
    if (ret != GST_FLOW_OK) {
      for (size_t j = i + 1; j < fill.size (); j++)
        gst_buffer_unref (fill[j]);
      gst_buffer_unref (buffer);
      return ret;
    }
  }
  return gst_proxy_pad_chain_default (pad, parent, buffer);
}

/* ------------------------------------------------------------------------ */
/* GObject / GstElement */

static void
gst_twitch_sink_class_init (GstTwitchSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);

  gobject_class->finalize = gst_twitch_sink_finalize;
  gobject_class->set_property = gst_twitch_sink_set_property;
  gobject_class->get_property = gst_twitch_sink_get_property;

  auto rw = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                          | GST_PARAM_MUTABLE_READY);
  auto rw_playing = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                                  | GST_PARAM_MUTABLE_PLAYING);
  auto ro = (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GstTwitchSink:stream-key:
   *
   * The stream key (Twitch dashboard, Settings > Stream). A secret:
   * write-only, and kept out of every log, error and message. When not
   * set, the environment variable TWITCH_STREAM_KEY is used (which keeps
   * the key off gst-launch-1.0 command lines, which GStreamer logs).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_STREAM_KEY,
      g_param_spec_string ("stream-key", "Stream key",
          "Twitch stream key (write-only secret, never logged; default: "
          "TWITCH_STREAM_KEY)",
          nullptr,
          (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_READY)));
  /**
   * GstTwitchSink:server:
   *
   * "auto" (the first ingest of https://ingest.twitch.tv/ingests, which
   * Twitch lists by proximity; live.twitch.tv when the list cannot be had),
   * an ingest name or host label ("sfo"), or an rtmp:// or rtmps:// URL
   * (the key is appended as the last path segment, or replaces
   * {stream_key}). Twitch's own ingests use RTMPS.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_SERVER,
      g_param_spec_string ("server", "Server",
          "\"auto\", a Twitch ingest name, or an rtmp:// or rtmps:// URL",
          DEFAULT_SERVER, rw));
  /**
   * GstTwitchSink:bandwidth-test:
   *
   * Appends ?bandwidthtest=true to the key: Twitch receives the stream
   * but does not broadcast it.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_BANDWIDTH_TEST,
      g_param_spec_boolean ("bandwidth-test", "Bandwidth test",
          "Stream in bandwidth-test mode (not broadcast)",
          DEFAULT_BANDWIDTH_TEST, rw));
  /**
   * GstTwitchSink:sink:
   *
   * The network sink the FLV stream goes to (rtmp2sink when not set). Its
   * host, port, application, stream and scheme are set by twitchsink when
   * it has them. Tests set a fakesink or appsink here.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_SINK,
      g_param_spec_object ("sink", "Sink",
          "The network sink element (default rtmp2sink)", GST_TYPE_ELEMENT,
          rw));
  /**
   * GstTwitchSink:bitrate:
   *
   * Video bitrate in kbit/s for raw video (x264enc, CBR); 0 picks Twitch's
   * recommendation for the resolution and frame rate (1080p60 6000,
   * 720p60 4500, 720p30 3000).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_BITRATE,
      g_param_spec_uint ("bitrate", "Video bitrate",
          "Video bitrate in kbit/s (0 = Twitch's recommendation for the "
          "resolution)",
          0, 50000, DEFAULT_BITRATE, rw));
  /**
   * GstTwitchSink:audio-bitrate:
   *
   * AAC bitrate in kbit/s for raw audio.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_AUDIO_BITRATE,
      g_param_spec_uint ("audio-bitrate", "Audio bitrate",
          "AAC bitrate in kbit/s", 32, 320, DEFAULT_AUDIO_BITRATE, rw));
  /**
   * GstTwitchSink:key-int:
   *
   * Seconds between keyframes (Twitch asks for 2).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_KEY_INT,
      g_param_spec_uint ("key-int", "Keyframe interval",
          "Seconds between keyframes", 1, 10, DEFAULT_KEY_INT, rw));
  /**
   * GstTwitchSink:speed-preset:
   *
   * x264enc speed-preset (veryfast is OBS's default).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_SPEED_PRESET,
      g_param_spec_string ("speed-preset", "Speed preset",
          "x264enc speed-preset (ultrafast ... placebo)", DEFAULT_SPEED_PRESET,
          rw));
  /**
   * GstTwitchSink:tune:
   *
   * x264enc tune ("zerolatency", "film", ..., or "none").
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_TUNE,
      g_param_spec_string (
          "tune", "Tune", "x264enc tune, or \"none\"", DEFAULT_TUNE, rw));
  /**
   * GstTwitchSink:profile:
   *
   * H.264 profile for raw video: "main" or "high".
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_PROFILE,
      g_param_spec_string ("profile", "Profile",
          "H.264 profile for raw video (main or high)", DEFAULT_PROFILE, rw));
  /**
   * GstTwitchSink:low-watermark:
   *
   * Queued duration (ns) under which #GstTwitchSink::buffer-low fires.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_LOW_WATERMARK,
      g_param_spec_uint64 ("low-watermark", "Low watermark",
          "Queued duration (ns) under which buffer-low fires", 0, G_MAXUINT64,
          DEFAULT_LOW_WATERMARK, rw_playing));
  /**
   * GstTwitchSink:high-watermark:
   *
   * Queued duration (ns) over which #GstTwitchSink::buffer-high fires.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_HIGH_WATERMARK,
      g_param_spec_uint64 ("high-watermark", "High watermark",
          "Queued duration (ns) over which buffer-high fires", 0, G_MAXUINT64,
          DEFAULT_HIGH_WATERMARK, rw_playing));
  /**
   * GstTwitchSink:fill-gaps:
   *
   * Keeps a constant frame rate and continuous audio when the producer
   * under-feeds: repeats the last frame and inserts silence (raw input).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_FILL_GAPS,
      g_param_spec_boolean ("fill-gaps", "Fill gaps",
          "Repeat the last frame and insert silence when the producer "
          "under-feeds (raw input)",
          DEFAULT_FILL_GAPS, rw_playing));
  /**
   * GstTwitchSink:video-buffer-level:
   *
   * Encoded video frames queued ahead of the network.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_VIDEO_BUFFER_LEVEL,
      g_param_spec_uint ("video-buffer-level", "Video buffer level",
          "Video frames queued ahead of the network", 0, G_MAXUINT, 0, ro));
  /**
   * GstTwitchSink:video-buffer-duration:
   *
   * Duration (ns) of the video queued ahead of the network.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_VIDEO_BUFFER_DURATION,
      g_param_spec_uint64 ("video-buffer-duration", "Video buffer duration",
          "Duration (ns) of the video queued ahead of the network", 0,
          G_MAXUINT64, 0, ro));
  /**
   * GstTwitchSink:audio-buffer-level:
   *
   * Encoded audio buffers queued ahead of the network.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_AUDIO_BUFFER_LEVEL,
      g_param_spec_uint ("audio-buffer-level", "Audio buffer level",
          "Audio buffers queued ahead of the network", 0, G_MAXUINT, 0, ro));
  /**
   * GstTwitchSink:audio-buffer-duration:
   *
   * Duration (ns) of the audio queued ahead of the network.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_AUDIO_BUFFER_DURATION,
      g_param_spec_uint64 ("audio-buffer-duration", "Audio buffer duration",
          "Duration (ns) of the audio queued ahead of the network", 0,
          G_MAXUINT64, 0, ro));
  /**
   * GstTwitchSink:retry-delay:
   *
   * Milliseconds before the first reconnect; each next delay is 1.5 times
   * longer, with jitter.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_RETRY_DELAY,
      g_param_spec_uint ("retry-delay", "Retry delay",
          "Milliseconds before the first reconnect (then x1.5 with jitter)", 0,
          600000, DEFAULT_RETRY_DELAY, rw));
  /**
   * GstTwitchSink:max-retries:
   *
   * Reconnect attempts before an error; -1 retries forever.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_RETRIES,
      g_param_spec_int ("max-retries", "Max retries",
          "Reconnect attempts before an error (-1 = forever)", -1, G_MAXINT,
          DEFAULT_MAX_RETRIES, rw));
  /**
   * GstTwitchSink:max-retry-delay:
   *
   * Longest delay between reconnect attempts, in milliseconds.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_RETRY_DELAY,
      g_param_spec_uint ("max-retry-delay", "Max retry delay",
          "Longest delay between reconnect attempts (ms)", 0, 3600000,
          DEFAULT_MAX_RETRY_DELAY, rw));
  /**
   * GstTwitchSink:max-queue-time:
   *
   * Bound on the queued media (ns): past it, the oldest data is dropped
   * while the ingest is away, and a producer ahead of the clock blocks.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUE_TIME,
      g_param_spec_uint64 ("max-queue-time", "Max queue time",
          "Bound on the media queued ahead of the network (ns)", GST_SECOND,
          600 * GST_SECOND, DEFAULT_MAX_QUEUE_TIME, rw));
  /**
   * GstTwitchSink:stall-timeout:
   *
   * Milliseconds without any data reaching the network while data waits
   * before the ingest is considered stalled and the connection is
   * remade; 0 disables the detection.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_STALL_TIMEOUT,
      g_param_spec_uint ("stall-timeout", "Stall timeout",
          "Milliseconds without progress before a stalled ingest is "
          "reconnected (0 = off)",
          0, 600000, DEFAULT_STALL_TIMEOUT, rw));
  /**
   * GstTwitchSink:stats:
   *
   * A "twitchsink-stats" structure: bitrate (bit/s over the last second),
   * bytes-sent, video-frames-dropped, audio-buffers-dropped, reconnects,
   * congestion (0..1), connected, connect-time (ns), uptime (ns), the buffer
   * levels and the ingest URL without the key.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Streaming statistics (twitchsink-stats structure)",
          GST_TYPE_STRUCTURE, ro));

  /**
   * GstTwitchSink::buffer-low:
   * @sink: the twitchsink
   *
   * The queued media fell under #GstTwitchSink:low-watermark: feed more.
   * Emitted once per crossing, from twitchsink's own thread.
   *
   * Since: 1.0
   */
  signals[SIGNAL_BUFFER_LOW]
      = g_signal_new ("buffer-low", G_TYPE_FROM_CLASS (klass),
          G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE, 0);
  /**
   * GstTwitchSink::buffer-high:
   * @sink: the twitchsink
   *
   * The queued media rose over #GstTwitchSink:high-watermark: slow down.
   * Emitted once per crossing, from twitchsink's own thread.
   *
   * Since: 1.0
   */
  signals[SIGNAL_BUFFER_HIGH]
      = g_signal_new ("buffer-high", G_TYPE_FROM_CLASS (klass),
          G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE, 0);

  element_class->change_state
      = GST_DEBUG_FUNCPTR (gst_twitch_sink_change_state);
  element_class->request_new_pad
      = GST_DEBUG_FUNCPTR (gst_twitch_sink_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_twitch_sink_release_pad);
  bin_class->handle_message
      = GST_DEBUG_FUNCPTR (gst_twitch_sink_handle_message);

  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class, "Twitch Sink",
      "Sink/Network",
      "Streams video and audio to a Twitch ingest, encoding raw input with "
      "Twitch's settings, reconnecting and dropping frames by priority",
      "gst-twitch developers <gst-twitch@lists.freedesktop.org>");

  GST_DEBUG_CATEGORY_INIT (
      gst_twitch_sink_debug, "twitchsink", 0, "Twitch ingest sink");
}

static void
gst_twitch_sink_init (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = new GstTwitchSinkPrivate ();
  self->priv = priv;
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);

  priv->queue = GST_ELEMENT (
      g_object_new (GST_TYPE_TWITCH_SINK_QUEUE, "name", "queue", nullptr));
  gst_bin_add (GST_BIN (self), priv->queue);

  GstElement *sink = gst_element_factory_make ("rtmp2sink", "rtmpsink");
  if (sink)
    priv->sink = GST_ELEMENT (gst_object_ref_sink (sink));
}

static void
gst_twitch_sink_finalize (GObject *object)
{
  GstTwitchSink *self = GST_TWITCH_SINK (object);
  if (!self->priv->registered_key.empty ())
    twitch::secrets_unregister (self->priv->registered_key);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_twitch_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTwitchSink *self = GST_TWITCH_SINK (object);
  GstTwitchSinkPrivate *priv = self->priv;
  std::lock_guard<std::mutex> lk (priv->settings_lock);
  Settings &s = priv->settings;
  switch (prop_id) {
    case PROP_STREAM_KEY: {
      const char *key = g_value_get_string (value);
      std::string next = key ? key : "";
      /* Register before dropping the old one: never a moment unprotected. */
      if (!next.empty ())
        twitch::secrets_register (next);
      if (!priv->registered_key.empty ())
        twitch::secrets_unregister (priv->registered_key);
      priv->registered_key = next;
      s.stream_key = next;
      GST_DEBUG_OBJECT (
          self, "stream key %s", next.empty () ? "cleared" : "set");
      break;
    }
    case PROP_SERVER: {
      const char *v = g_value_get_string (value);
      s.server = v && *v ? v : DEFAULT_SERVER;
      break;
    }
    case PROP_BANDWIDTH_TEST:
      s.bandwidth_test = g_value_get_boolean (value);
      break;
    case PROP_SINK: {
      GstElement *sink = GST_ELEMENT (g_value_get_object (value));
      if (priv->sink && GST_STATE (self) > GST_STATE_NULL) {
        GST_WARNING_OBJECT (self, "the sink can only be changed in NULL");
        break;
      }
      if (sink)
        gst_object_ref_sink (sink);
      if (priv->sink && GST_OBJECT_PARENT (priv->sink) == GST_OBJECT (self)) {
        if (priv->sink_probe) {
          GstPad *pad = gst_element_get_static_pad (priv->sink, "sink");
          gst_pad_remove_probe (pad, priv->sink_probe);
          gst_object_unref (pad);
          priv->sink_probe = 0;
        }
        gst_bin_remove (GST_BIN (self), priv->sink);
      }
      gst_clear_object (&priv->sink);
      priv->sink = sink;
      break;
    }
    case PROP_BITRATE:
      s.bitrate = g_value_get_uint (value);
      break;
    case PROP_AUDIO_BITRATE:
      s.audio_bitrate = g_value_get_uint (value);
      break;
    case PROP_KEY_INT:
      s.key_int = g_value_get_uint (value);
      break;
    case PROP_SPEED_PRESET: {
      const char *v = g_value_get_string (value);
      s.speed_preset = v ? v : DEFAULT_SPEED_PRESET;
      break;
    }
    case PROP_TUNE: {
      const char *v = g_value_get_string (value);
      s.tune = v ? v : "none";
      break;
    }
    case PROP_PROFILE: {
      const char *v = g_value_get_string (value);
      std::string p = v ? v : DEFAULT_PROFILE;
      if (p != "main" && p != "high") {
        GST_WARNING_OBJECT (self, "profile must be main or high, keeping %s",
            s.profile.c_str ());
        break;
      }
      s.profile = p;
      break;
    }
    case PROP_LOW_WATERMARK:
      s.low_watermark = g_value_get_uint64 (value);
      break;
    case PROP_HIGH_WATERMARK:
      s.high_watermark = g_value_get_uint64 (value);
      break;
    case PROP_FILL_GAPS:
      s.fill_gaps = g_value_get_boolean (value);
      break;
    case PROP_RETRY_DELAY:
      s.retry_delay = g_value_get_uint (value);
      break;
    case PROP_MAX_RETRIES:
      s.max_retries = g_value_get_int (value);
      break;
    case PROP_MAX_RETRY_DELAY:
      s.max_retry_delay = g_value_get_uint (value);
      break;
    case PROP_MAX_QUEUE_TIME:
      s.max_queue_time = g_value_get_uint64 (value);
      break;
    case PROP_STALL_TIMEOUT:
      s.stall_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_twitch_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTwitchSink *self = GST_TWITCH_SINK (object);
  GstTwitchSinkPrivate *priv = self->priv;

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  if (prop_id >= PROP_VIDEO_BUFFER_LEVEL
      && prop_id <= PROP_AUDIO_BUFFER_DURATION) {
    GstTwitchSinkQueueStatus qs{};
    gst_twitch_sink_queue_get_status (GST_TWITCH_SINK_QUEUE (priv->queue), &qs);
    if (prop_id == PROP_VIDEO_BUFFER_LEVEL)
      g_value_set_uint (value, qs.video.buffers);
    else if (prop_id == PROP_VIDEO_BUFFER_DURATION)
      g_value_set_uint64 (value, qs.video.duration);
    else if (prop_id == PROP_AUDIO_BUFFER_LEVEL)
      g_value_set_uint (value, qs.audio.buffers);
    else
      g_value_set_uint64 (value, qs.audio.duration);
    return;
  }

  std::lock_guard<std::mutex> lk (priv->settings_lock);
  const Settings &s = priv->settings;
  switch (prop_id) {
    case PROP_SERVER:
      g_value_set_string (value, s.server.c_str ());
      break;
    case PROP_BANDWIDTH_TEST:
      g_value_set_boolean (value, s.bandwidth_test);
      break;
    case PROP_SINK:
      g_value_set_object (value, priv->sink);
      break;
    case PROP_BITRATE:
      g_value_set_uint (value, s.bitrate);
      break;
    case PROP_AUDIO_BITRATE:
      g_value_set_uint (value, s.audio_bitrate);
      break;
    case PROP_KEY_INT:
      g_value_set_uint (value, s.key_int);
      break;
    case PROP_SPEED_PRESET:
      g_value_set_string (value, s.speed_preset.c_str ());
      break;
    case PROP_TUNE:
      g_value_set_string (value, s.tune.c_str ());
      break;
    case PROP_PROFILE:
      g_value_set_string (value, s.profile.c_str ());
      break;
    case PROP_LOW_WATERMARK:
      g_value_set_uint64 (value, s.low_watermark);
      break;
    case PROP_HIGH_WATERMARK:
      g_value_set_uint64 (value, s.high_watermark);
      break;
    case PROP_FILL_GAPS:
      g_value_set_boolean (value, s.fill_gaps);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_uint (value, s.retry_delay);
      break;
    case PROP_MAX_RETRIES:
      g_value_set_int (value, s.max_retries);
      break;
    case PROP_MAX_RETRY_DELAY:
      g_value_set_uint (value, s.max_retry_delay);
      break;
    case PROP_MAX_QUEUE_TIME:
      g_value_set_uint64 (value, s.max_queue_time);
      break;
    case PROP_STALL_TIMEOUT:
      g_value_set_uint (value, s.stall_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* NULL->READY: copies the settings and resolves the ingest. */
static bool
gst_twitch_sink_start (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  Settings s;
  {
    std::lock_guard<std::mutex> lk (priv->settings_lock);
    s = priv->settings;
  }
  if (s.stream_key.empty ()) {
    /* Keeps the key off command lines (gst-launch-1.0 logs its arguments
     * before any plugin is loaded). */
    const char *env = g_getenv ("TWITCH_STREAM_KEY");
    if (env && *env) {
      std::lock_guard<std::mutex> lk (priv->settings_lock);
      twitch::secrets_register (env);
      if (!priv->registered_key.empty ())
        twitch::secrets_unregister (priv->registered_key);
      priv->registered_key = env;
      s.stream_key = env;
      GST_INFO_OBJECT (self, "stream key from TWITCH_STREAM_KEY");
    }
  }
  if (priv->sink == nullptr) {
    priv->sink = make_element (self, "rtmp2sink", "rtmpsink");
    if (priv->sink == nullptr)
      return false;
    gst_object_ref_sink (priv->sink);
  }
  bool rtmp = has_property (priv->sink, "host")
              && has_property (priv->sink, "stream")
              && has_property (priv->sink, "application");

  std::optional<twitch::RtmpTarget> target;
  if (rtmp) {
    std::vector<twitch::Ingest> ingests;
    if (twitch::ingest_server_needs_list (s.server)) {
      GError *err = nullptr;
      auto list = twitch::ingest_list_fetch (nullptr, 5, &err);
      if (list) {
        ingests = std::move (*list);
      } else {
        GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
            ("Could not get Twitch's ingest list; using %s",
                twitch::ingest_global_fallback ().name.c_str ()),
            ("%s", err ? err->message : "unknown error"));
        g_clear_error (&err);
      }
    }
    GError *err = nullptr;
    target = twitch::ingest_resolve (
        s.server, ingests, s.stream_key, true, s.bandwidth_test, &err);
    if (!target) {
      std::string msg
          = twitch::secrets_redact (err ? err->message : "invalid server");
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", msg.c_str ()),
          ("server '%s'",
              twitch::secrets_redact (s.server, s.stream_key).c_str ()));
      g_clear_error (&err);
      return false;
    }
    GST_INFO_OBJECT (self, "ingest %s (%s)", target->redacted_url ().c_str (),
        twitch::secrets_redact (target->ingest_name, s.stream_key).c_str ());
  }

  twitch::BackoffPolicy policy = twitch::backoff_policy_obs ();
  policy.initial_delay_us = (int64_t)s.retry_delay * 1000;
  policy.max_delay_us = (int64_t)s.max_retry_delay * 1000;
  policy.max_retries = s.max_retries;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    priv->run = s;
    priv->target = target;
    priv->rtmp_sink = rtmp;
    priv->backoff = std::make_unique<twitch::Backoff> (policy);
    priv->fatal = false;
    priv->reconnects = 0;
    priv->ever_connected = false;
    priv->bytes_sent = 0;
    priv->connect_time = GST_CLOCK_TIME_NONE;
    priv->byte_history.clear ();
    priv->level_state = Level::NORMAL;
  }
  gst_twitch_sink_queue_set_limits (GST_TWITCH_SINK_QUEUE (priv->queue),
      DEFAULT_DROP_NONREF_TIME, DEFAULT_DROP_NONKEY_TIME, s.max_queue_time);
  return true;
}

/* READY->PAUSED: builds the output and starts the bin's thread. */
static bool
gst_twitch_sink_activate (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  gst_twitch_sink_queue_resume (GST_TWITCH_SINK_QUEUE (priv->queue));
  {
    std::lock_guard<std::mutex> lk (priv->input_lock);
    priv->want_video = priv->inputs[0].ghost != nullptr;
    priv->want_audio = priv->inputs[1].ghost != nullptr;
  }
  if (!priv->want_video && !priv->want_audio) {
    GST_ELEMENT_ERROR (self, CORE, PAD,
        ("twitchsink has no video or audio pad: link something to it"),
        (nullptr));
    return false;
  }
  if (!output_setup (self, true))
    return false;
  worker_start (self);
  return true;
}

static void
gst_twitch_sink_stop (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  worker_stop (self);
  gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (priv->queue));
  output_teardown (self);
  std::lock_guard<std::mutex> lk (priv->state_lock);
  priv->conn = Conn::IDLE;
}

static GstStateChangeReturn
gst_twitch_sink_change_state (GstElement *element, GstStateChange transition)
{
  GstTwitchSink *self = GST_TWITCH_SINK (element);
  GstTwitchSinkPrivate *priv = self->priv;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!gst_twitch_sink_start (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED: {
      {
        std::lock_guard<std::mutex> lk (priv->input_lock);
        for (Input &in : priv->inputs) {
          in.eos = false;
          in.next_ts = GST_CLOCK_TIME_NONE;
          in.filled = 0;
        }
      }
      if (!gst_twitch_sink_activate (self)) {
        gst_twitch_sink_stop (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* The bin's thread stops touching the children before they stop. */
      worker_stop (self);
      gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (priv->queue));
      break;
    default:
      break;
  }

  GstStateChangeReturn ret
      = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      gst_twitch_sink_stop (self);
    return ret;
  }

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_twitch_sink_stop (self);
  return ret;
}

static GstPad *
gst_twitch_sink_request_new_pad (GstElement *element, GstPadTemplate *templ,
    const gchar *name, const GstCaps *caps)
{
  (void)name;
  (void)caps;
  GstTwitchSink *self = GST_TWITCH_SINK (element);
  GstTwitchSinkPrivate *priv = self->priv;
  bool is_video = g_str_equal (GST_PAD_TEMPLATE_NAME_TEMPLATE (templ), "video");
  Input &in = priv->inputs[is_video ? 0 : 1];

  if (GST_STATE (element) > GST_STATE_NULL) {
    GST_WARNING_OBJECT (self, "pads can only be requested in NULL");
    return nullptr;
  }
  std::lock_guard<std::mutex> lk (priv->input_lock);
  if (in.ghost) {
    GST_WARNING_OBJECT (
        self, "twitchsink has one %s pad", is_video ? "video" : "audio");
    return nullptr;
  }
  GstPad *pad = gst_ghost_pad_new_no_target_from_template (
      is_video ? "video" : "audio", templ);
  gst_pad_set_event_function (pad, GST_DEBUG_FUNCPTR (input_event));
  gst_pad_set_query_function (pad, GST_DEBUG_FUNCPTR (input_query));
  gst_pad_set_chain_function (pad, GST_DEBUG_FUNCPTR (input_chain));
  in.ghost = pad;
  in.kind = InputKind::NONE;
  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  return pad;
}

static void
gst_twitch_sink_release_pad (GstElement *element, GstPad *pad)
{
  GstTwitchSink *self = GST_TWITCH_SINK (element);
  GstTwitchSinkPrivate *priv = self->priv;
  Input &in = input_of_pad (self, pad);
  std::vector<GstElement *> elements;
  {
    std::lock_guard<std::mutex> lk (priv->input_lock);
    if (in.ghost != pad)
      return;
    elements = std::move (in.elements);
    in.elements.clear ();
    in.ghost = nullptr;
    in.kind = InputKind::NONE;
    gst_clear_buffer (&in.last);
  }
  gst_ghost_pad_set_target (GST_GHOST_PAD (pad), nullptr);
  for (GstElement *e : elements) {
    if (GST_OBJECT_PARENT (e) == GST_OBJECT (self)) {
      gst_element_set_locked_state (e, TRUE);
      gst_element_set_state (e, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (self), e);
    }
    gst_object_unref (e);
  }
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}

/* Errors of the output (flvmux, the network sink) become reconnects; every
 * text that leaves the bin is redacted. */
static void
gst_twitch_sink_handle_message (GstBin *bin, GstMessage *message)
{
  GstTwitchSink *self = GST_TWITCH_SINK (bin);
  GstTwitchSinkPrivate *priv = self->priv;

  GstMessageType type = GST_MESSAGE_TYPE (message);
  if (type == GST_MESSAGE_EOS && priv->sink
      && GST_MESSAGE_SRC (message) == GST_OBJECT (priv->sink)) {
    /* flvmux pushes EOS when the network sink fails (aggregator on a flow
     * error): only the EOS of our inputs ends the stream. */
    GstTwitchSinkQueue *q = GST_TWITCH_SINK_QUEUE (priv->queue);
    bool inputs_eos
        = (!priv->want_video
              || gst_twitch_sink_queue_is_eos (q, GST_TWITCH_SINK_QUEUE_VIDEO))
          && (!priv->want_audio
              || gst_twitch_sink_queue_is_eos (q, GST_TWITCH_SINK_QUEUE_AUDIO));
    if (!inputs_eos) {
      GST_DEBUG_OBJECT (self, "ignoring the network sink's EOS: a reconnect");
      gst_message_unref (message);
      return;
    }
  }
  if (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_WARNING) {
    GError *err = nullptr;
    gchar *debug = nullptr;
    if (type == GST_MESSAGE_ERROR)
      gst_message_parse_error (message, &err, &debug);
    else
      gst_message_parse_warning (message, &err, &debug);

    GstObject *src = GST_MESSAGE_SRC (message);
    bool from_output = false;
    {
      std::lock_guard<std::mutex> lk (priv->state_lock);
      from_output = (priv->sink && src == GST_OBJECT (priv->sink))
                    || (priv->mux && src == GST_OBJECT (priv->mux));
      if (type == GST_MESSAGE_ERROR && from_output
          && !(priv->conn == Conn::CONNECTING
               || priv->conn == Conn::CONNECTED)) {
        /* A straggler of a connection already being remade. */
        from_output = false;
        src = nullptr;
      }
    }
    if (type == GST_MESSAGE_ERROR && src == nullptr) {
      g_clear_error (&err);
      g_free (debug);
      gst_message_unref (message);
      return;
    }

    std::string text = twitch::secrets_redact (err->message);
    std::string dbg = twitch::secrets_redact (debug ? debug : "");
    if (type == GST_MESSAGE_ERROR && from_output) {
      /* rtmp2sink: NOT_AUTHORIZED when the server rejects the connect;
       * "'publish' cmd failed" when it closes on (nginx on_publish 4xx) or
       * answers an error to the publish of the key (Twitch). */
      bool not_authorized
          = (err->domain == GST_RESOURCE_ERROR
                && err->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED)
            || text.find ("'publish' cmd failed") != std::string::npos
            || text.find ("Publish.BadName") != std::string::npos;
      GST_INFO_OBJECT (self, "output error (%s:%d): %s; %s",
          g_quark_to_string (err->domain), err->code, text.c_str (),
          dbg.c_str ());
      std::string reason = text + (dbg.empty () ? "" : " (" + dbg + ")");
      schedule_disconnect (self, reason, not_authorized);
      g_clear_error (&err);
      g_free (debug);
      gst_message_unref (message);
      return;
    }

    /* Forward, redacted. */
    GError *safe = g_error_new_literal (err->domain, err->code, text.c_str ());
    GstMessage *copy = type == GST_MESSAGE_ERROR
                           ? gst_message_new_error (src, safe, dbg.c_str ())
                           : gst_message_new_warning (src, safe, dbg.c_str ());
    g_error_free (safe);
    g_clear_error (&err);
    g_free (debug);
    gst_message_unref (message);
    message = copy;
  }

  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}
