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
 * `flvmux streamable=true` and the network sink (`rtmp2sink` by default),
 * which live in a private pipeline of twitchsink's own.
 *
 * When the ingest goes away (closed connection, refused connection, or a
 * stalled peer that accepts but no longer reads), twitchsink keeps the
 * pipeline PLAYING: it queues within a bound, drops video by priority
 * (non-reference frames past 700 ms queued, every non-keyframe past 900 ms,
 * never audio or keyframes), and reconnects after `retry-delay`, growing by
 * 1.5 with jitter up to `max-retry-delay`, at most `max-retries` times. The
 * first failure of an outage is one warning naming the cause and the next
 * retry, the recovery another. The new FLV stream opens with fresh headers
 * and codec data on a keyframe (asked for upstream). A rejected stream key
 * is one `GST_RESOURCE_ERROR_NOT_AUTHORIZED` error, never a retry storm.
 *
 * The stream key is a secret: write-only, never printed in any log at any
 * level, error, bus message, graph dump or `gst-launch-1.0 -v` output, and
 * held by no object reachable from the application's pipeline.
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
/* How it is built (docs/twitchsink.md, "How it is built"): this file is the
 * GStreamer face (properties, pads, states, messages) and wires the parts:
 *   gsttwitchsink-input       caps classification and the encoder chains
 *   gsttwitchsink-fillgaps    fill-gaps, a private element on raw inputs
 *   gsttwitchsinkqueue        the priority-dropping queue
 *   gsttwitchsink-output      flvmux and the network sink, in a private
 *                             pipeline fed through the feed element
 *   gsttwitchsink-connection  connected / lost / retry / give up, stalls,
 *                             the bitrate window
 *   gsttwitchsink-pads        the request pads (chains built on caps)
 *   gsttwitchsink-run         the run: start/stop, the worker, the ingest
 *                             lookup, what the connection reports
 *   gsttwitchsink-private.h   the state these files share
 *
 * Threads: the application's (properties, state changes), the streaming
 * threads (pads), and the bin's worker (a GThread with its own GMainContext:
 * the ingest lookup, the connection's ticks, reconnects, level signals).
 *
 * Lock order: settings_lock (property values), input_lock (the pads' input
 * chains) and state_lock (the run's copy of the settings and target) are
 * leaves: none is held while another is taken, nor while calling into a
 * child element, adding or removing one, posting a message or emitting a
 * signal. The parts' own locks are internal to them. */
#include "config.h"

#include "gsttwitchelements.h"
#include "gsttwitchsink-private.h"
#include "gsttwitchsink-fillgaps.h"
#include "gsttwitchsinkqueue.h"

#include <gst/video/video.h>

#include <gst/twitch/common/secrets.h>
#include <gst/twitch/ingest/ingest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY (gst_twitch_sink_debug);
#define GST_CAT_DEFAULT gst_twitch_sink_debug

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

guint gst_twitch_sink_signals[LAST_SIGNAL];
#define signals gst_twitch_sink_signals

#define gst_twitch_sink_parent_class parent_class
G_DEFINE_TYPE (GstTwitchSink, gst_twitch_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (twitchsink, "twitchsink", GST_RANK_NONE,
    GST_TYPE_TWITCH_SINK, twitch_element_init (plugin));

/* What twitchsink takes, and also the codecs it refuses: linking them
 * (gst-launch's "vp8enc ! t.") succeeds so that the caps event gets to say
 * in words what twitchsink cannot stream. Negotiation offers only what it
 * takes (gsttwitchsink-pads.cpp). */
static GstStaticPadTemplate video_template
    = GST_STATIC_PAD_TEMPLATE ("video", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS ("video/x-raw(ANY); video/x-h264; video/x-h265; "
                         "video/x-vp8; video/x-vp9; video/x-av1; video/mpeg; "
                         "video/x-theora; image/jpeg"));
static GstStaticPadTemplate audio_template
    = GST_STATIC_PAD_TEMPLATE ("audio", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS ("audio/x-raw(ANY); audio/mpeg; audio/x-opus; "
                         "audio/x-vorbis; audio/x-flac; audio/x-ac3; "
                         "audio/x-eac3; audio/x-alaw; audio/x-mulaw"));

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
          "Stream in bandwidth-test mode (not broadcast)", FALSE, rw));
  /**
   * GstTwitchSink:sink:
   *
   * The network sink the FLV stream goes to (rtmp2sink when not set). Its
   * host, port, application, stream and scheme are set by twitchsink when
   * it has them. Tests set a fakesink or appsink here. It runs in
   * twitchsink's private pipeline; reading the property gives back only
   * an element the application set (NULL by default), so the configured
   * rtmp2sink, which holds the stream key, is never reachable.
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
          0, 50000, 0, rw));
  /**
   * GstTwitchSink:audio-bitrate:
   *
   * AAC bitrate in kbit/s for raw audio.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_AUDIO_BITRATE,
      g_param_spec_uint ("audio-bitrate", "Audio bitrate",
          "AAC bitrate in kbit/s", 32, 320, 160, rw));
  /**
   * GstTwitchSink:key-int:
   *
   * Seconds between keyframes (Twitch asks for 2).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_KEY_INT,
      g_param_spec_uint ("key-int", "Keyframe interval",
          "Seconds between keyframes", 1, 10, 2, rw));
  /**
   * GstTwitchSink:speed-preset:
   *
   * x264enc speed-preset (veryfast is OBS's default).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_SPEED_PRESET,
      g_param_spec_enum ("speed-preset", "Speed preset",
          "x264 speed preset for raw video", GST_TYPE_TWITCH_SINK_SPEED_PRESET,
          GST_TWITCH_SINK_SPEED_PRESET_VERYFAST, rw));
  /**
   * GstTwitchSink:tune:
   *
   * x264 tuning: zerolatency (default), fastdecode, stillimage or none.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_TUNE,
      g_param_spec_enum ("tune", "Tune", "x264 tuning for raw video",
          GST_TYPE_TWITCH_SINK_TUNE, GST_TWITCH_SINK_TUNE_ZEROLATENCY, rw));
  /**
   * GstTwitchSink:profile:
   *
   * H.264 profile for raw video: "main" or "high".
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_PROFILE,
      g_param_spec_enum ("profile", "Profile", "H.264 profile for raw video",
          GST_TYPE_TWITCH_SINK_PROFILE, GST_TWITCH_SINK_PROFILE_MAIN, rw));
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
          FALSE, rw_playing));
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
   * congestion (0..1), connected, connect-time (ns, 0 until a connection
   * was made), uptime (ns), the buffer
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
      GST_TWITCH_AUTHOR);

  gst_type_mark_as_plugin_api (
      GST_TYPE_TWITCH_SINK_SPEED_PRESET, (GstPluginAPIFlags)0);
  gst_type_mark_as_plugin_api (GST_TYPE_TWITCH_SINK_TUNE, (GstPluginAPIFlags)0);
  gst_type_mark_as_plugin_api (
      GST_TYPE_TWITCH_SINK_PROFILE, (GstPluginAPIFlags)0);
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
  twitchsink::Output::Callbacks cb;
  cb.error = [self] (const GError *e, const char *d) {
    gst_twitch_sink_output_error (self, e, d);
  };
  cb.eos
      = [self] (guint32 seqnum) { gst_twitch_sink_output_eos (self, seqnum); };
  priv->output = std::make_unique<twitchsink::Output> (GST_ELEMENT (self), cb);
  gst_bin_add (GST_BIN (self), priv->output->feed ());
}

static void
gst_twitch_sink_finalize (GObject *object)
{
  GstTwitchSink *self = GST_TWITCH_SINK (object);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_twitch_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTwitchSink *self = GST_TWITCH_SINK (object);
  GstTwitchSinkPrivate *priv = self->priv;
  GstElement *old_sink = nullptr;
  GstElement *fill[2] = {nullptr, nullptr};
  {
    std::lock_guard<std::mutex> lk (priv->settings_lock);
    Settings &s = priv->settings;
    switch (prop_id) {
      case PROP_STREAM_KEY: {
        const char *key = g_value_get_string (value);
        gst_twitch_sink_set_stream_key_locked (priv, key ? key : "");
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
      case PROP_SINK:
        /* Only a reference swap: the sink joins the private pipeline at the
         * next start, never this bin. */
        old_sink = priv->user_sink;
        priv->user_sink = GST_ELEMENT (g_value_get_object (value));
        if (priv->user_sink)
          gst_object_ref_sink (priv->user_sink);
        break;
      case PROP_BITRATE:
        s.encoder.bitrate = g_value_get_uint (value);
        break;
      case PROP_AUDIO_BITRATE:
        s.encoder.audio_bitrate = g_value_get_uint (value);
        break;
      case PROP_KEY_INT:
        s.encoder.key_int = g_value_get_uint (value);
        break;
      case PROP_SPEED_PRESET:
        s.encoder.speed_preset
            = (GstTwitchSinkSpeedPreset)g_value_get_enum (value);
        break;
      case PROP_TUNE:
        s.encoder.tune = (GstTwitchSinkTune)g_value_get_enum (value);
        break;
      case PROP_PROFILE:
        s.encoder.profile = (GstTwitchSinkProfile)g_value_get_enum (value);
        break;
      case PROP_LOW_WATERMARK:
        s.low_watermark = g_value_get_uint64 (value);
        break;
      case PROP_HIGH_WATERMARK:
        s.high_watermark = g_value_get_uint64 (value);
        break;
      case PROP_FILL_GAPS: {
        s.fill_gaps = g_value_get_boolean (value);
        std::lock_guard<std::mutex> ilk (priv->input_lock);
        for (int i = 0; i < 2; i++)
          if (priv->inputs[i].fill_gaps)
            fill[i] = GST_ELEMENT (gst_object_ref (priv->inputs[i].fill_gaps));
        break;
      }
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
  gst_clear_object (&old_sink);
  for (GstElement *f : fill) {
    if (f == nullptr)
      continue;
    gst_twitch_sink_fill_gaps_set_enabled (
        GST_TWITCH_SINK_FILL_GAPS (f), g_value_get_boolean (value));
    gst_object_unref (f);
  }
}

static void
gst_twitch_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTwitchSink *self = GST_TWITCH_SINK (object);
  GstTwitchSinkPrivate *priv = self->priv;
  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_twitch_sink_make_stats (self));
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
      g_value_set_object (value, priv->user_sink);
      break;
    case PROP_BITRATE:
      g_value_set_uint (value, s.encoder.bitrate);
      break;
    case PROP_AUDIO_BITRATE:
      g_value_set_uint (value, s.encoder.audio_bitrate);
      break;
    case PROP_KEY_INT:
      g_value_set_uint (value, s.encoder.key_int);
      break;
    case PROP_SPEED_PRESET:
      g_value_set_enum (value, s.encoder.speed_preset);
      break;
    case PROP_TUNE:
      g_value_set_enum (value, s.encoder.tune);
      break;
    case PROP_PROFILE:
      g_value_set_enum (value, s.encoder.profile);
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
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!gst_twitch_sink_activate (self)) {
        gst_twitch_sink_stop (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING: {
      /* Same clock and base time on both sides: running times match. */
      GstClock *clock = gst_element_get_clock (element);
      priv->output->set_playing (clock, gst_element_get_base_time (element));
      gst_clear_object (&clock);
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* The worker stops touching the children before they stop. */
      gst_twitch_sink_worker_stop (self);
      gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (priv->queue));
      /* The output first: a push stuck in a stalled network sink returns
       * before the queue's task is stopped (the private pipeline is not a
       * child, so the bin would not stop it first as it does its sinks). */
      priv->output->disconnect ();
      break;
    default:
      break;
  }
  GstStateChangeReturn ret
      = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    priv->output->set_paused ();
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      gst_twitch_sink_stop (self);
    return ret;
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_twitch_sink_stop (self);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    priv->output->configure (nullptr, std::nullopt);
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
  GstPad *pad;
  {
    std::lock_guard<std::mutex> lk (priv->input_lock);
    if (in.ghost) {
      GST_WARNING_OBJECT (
          self, "twitchsink has one %s pad", is_video ? "video" : "audio");
      return nullptr;
    }
    pad = gst_ghost_pad_new_no_target_from_template (
        is_video ? "video" : "audio", templ);
    in.ghost = pad;
    in.kind = InputKind::NONE;
    in.refused = false;
  }
  gst_twitch_sink_setup_input_pad (self, pad);
  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  return pad;
}

static void
gst_twitch_sink_release_pad (GstElement *element, GstPad *pad)
{
  GstTwitchSink *self = GST_TWITCH_SINK (element);
  GstTwitchSinkPrivate *priv = self->priv;
  Input &in = gst_twitch_sink_input_of_pad (self, pad);
  std::vector<GstElement *> elements;
  {
    std::lock_guard<std::mutex> lk (priv->input_lock);
    if (in.ghost != pad)
      return;
    elements = std::move (in.elements);
    in.elements.clear ();
    in.fill_gaps = nullptr;
    in.ghost = nullptr;
    in.kind = InputKind::NONE;
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

/* Errors and warnings of the children (the encoders, the queue) leave the
 * bin redacted, keeping their details and seqnum. (The output stage's
 * never come here: they stay on its private bus.) */
static void
gst_twitch_sink_handle_message (GstBin *bin, GstMessage *message)
{
  GstMessageType type = GST_MESSAGE_TYPE (message);
  if (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_WARNING) {
    GError *err = nullptr;
    gchar *debug = nullptr;
    const GstStructure *details = nullptr;
    if (type == GST_MESSAGE_ERROR) {
      gst_message_parse_error (message, &err, &debug);
      gst_message_parse_error_details (message, &details);
    } else {
      gst_message_parse_warning (message, &err, &debug);
      gst_message_parse_warning_details (message, &details);
    }
    std::string text = twitch::secrets_redact (err->message);
    std::string dbg = twitch::secrets_redact (debug ? debug : "");
    if (text != err->message || dbg != (debug ? debug : "")) {
      GError *safe
          = g_error_new_literal (err->domain, err->code, text.c_str ());
      GstStructure *d = details ? gst_structure_copy (details) : nullptr;
      GstObject *src = GST_MESSAGE_SRC (message);
      GstMessage *copy = type == GST_MESSAGE_ERROR
                             ? gst_message_new_error_with_details (
                                 src, safe, dbg.c_str (), d)
                             : gst_message_new_warning_with_details (
                                 src, safe, dbg.c_str (), d);
      gst_message_set_seqnum (copy, gst_message_get_seqnum (message));
      g_error_free (safe);
      gst_message_unref (message);
      message = copy;
    }
    g_clear_error (&err);
    g_free (debug);
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}
