/* twitchsink's own state, shared by the files of the element itself
 * (gsttwitchsink.cpp, -run.cpp, -pads.cpp). Not installed. */
#pragma once

#include "gsttwitchsink.h"
#include "gsttwitchsink-connection.h"
#include "gsttwitchsink-input.h"
#include "gsttwitchsink-output.h"

#include <gst/twitch/common/secret.h>
#include <gst/twitch/ingest/ingest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_EXTERN (gst_twitch_sink_debug);

#define DEFAULT_SERVER "auto"
#define DEFAULT_LOW_WATERMARK (500 * GST_MSECOND)
#define DEFAULT_HIGH_WATERMARK (2 * GST_SECOND)
#define DEFAULT_RETRY_DELAY 2000
#define DEFAULT_MAX_RETRIES 25
#define DEFAULT_MAX_RETRY_DELAY 60000
#define DEFAULT_MAX_QUEUE_TIME (5 * GST_SECOND)
#define DEFAULT_STALL_TIMEOUT 5000
#define DROP_NONREF_TIME (700 * GST_MSECOND)
#define DROP_NONKEY_TIME (900 * GST_MSECOND)
#define INGEST_LIST_TIMEOUT_S 5

using twitchsink::InputKind;

namespace twitchsink
{

enum class Level { NORMAL, LOW, HIGH };

struct Settings {
  twitch::SharedSecret stream_key; /* registered while any copy holds it */
  std::string server = DEFAULT_SERVER;
  bool bandwidth_test = false;
  twitchsink::EncoderSettings encoder;
  GstClockTime low_watermark = DEFAULT_LOW_WATERMARK;
  GstClockTime high_watermark = DEFAULT_HIGH_WATERMARK;
  bool fill_gaps = false;
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
  std::vector<GstElement *> elements; /* owned references */
  GstElement *fill_gaps = nullptr;    /* raw input: elements[0] */
  bool refused = false;               /* the refused caps were reported once */
};

} // namespace twitchsink
using twitchsink::Input;
using twitchsink::Level;
using twitchsink::Settings;

struct GstTwitchSinkPrivate {
  GstTwitchSinkPrivate () { inputs[0].is_video = true; }
  ~GstTwitchSinkPrivate ()
  {
    for (Input &in : inputs)
      for (GstElement *e : in.elements)
        gst_object_unref (e);
    gst_clear_object (&user_sink);
    g_clear_object (&cancellable);
  }

  std::mutex settings_lock;
  Settings settings;
  GstElement *user_sink = nullptr; /* the sink property, or nullptr */

  std::mutex input_lock;
  Input inputs[2];

  GstElement *queue = nullptr; /* child */
  std::unique_ptr<twitchsink::Output> output;
  /* Made at NULL->READY; used by the worker, and read for stats from any
   * thread through a copy taken under state_lock. */
  std::shared_ptr<twitchsink::Connection> connection;

  std::mutex state_lock;
  Settings run; /* the settings of this run */
  std::optional<twitch::RtmpTarget> target;
  bool needs_lookup = false; /* the ingest list must be fetched first */
  bool want_video = false, want_audio = false;
  Level level_state = Level::NORMAL;

  /* The bin's worker. */
  GThread *thread = nullptr;
  GMainContext *context = nullptr;
  GMainLoop *loop = nullptr;
  GCancellable *cancellable = nullptr; /* the ingest lookup */
};

struct _GstTwitchSink {
  GstBin parent;
  GstTwitchSinkPrivate *priv;
};

enum { SIGNAL_BUFFER_LOW, SIGNAL_BUFFER_HIGH, LAST_SIGNAL };
extern guint gst_twitch_sink_signals[LAST_SIGNAL];

/* gsttwitchsink-run.cpp: the run (worker, ingest lookup, connection) */
GstStructure *gst_twitch_sink_make_stats (GstTwitchSink *self);
std::shared_ptr<twitchsink::Connection> gst_twitch_sink_make_connection (
    GstTwitchSink *self, const Settings &s);
void gst_twitch_sink_set_target (
    GstTwitchSink *self, std::optional<twitch::RtmpTarget> target);
void gst_twitch_sink_output_error (
    GstTwitchSink *self, const GError *err, const char *debug);
void gst_twitch_sink_output_eos (GstTwitchSink *self, guint32 seqnum);
void gst_twitch_sink_worker_start (GstTwitchSink *self, bool lookup);
void gst_twitch_sink_worker_stop (GstTwitchSink *self);
/* NULL->READY, READY->PAUSED, PAUSED->READY */
bool gst_twitch_sink_start (GstTwitchSink *self);
bool gst_twitch_sink_activate (GstTwitchSink *self);
void gst_twitch_sink_stop (GstTwitchSink *self);
/* Called with settings_lock held. */
void gst_twitch_sink_set_stream_key_locked (
    GstTwitchSinkPrivate *priv, const std::string &key);

/* gsttwitchsink-pads.cpp: the request pads' functions */
void gst_twitch_sink_setup_input_pad (GstTwitchSink *self, GstPad *pad);
Input &gst_twitch_sink_input_of_pad (GstTwitchSink *self, GstPad *pad);
