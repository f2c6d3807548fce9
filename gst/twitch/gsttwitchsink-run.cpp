/* twitchsink's run, from NULL->READY to the end: the settings checked and
 * copied, the bin's worker thread, the ingest lookup, the output's errors
 * and EOS, and what the connection reports (bus messages, warnings,
 * errors). */
#include "config.h"

#include "gsttwitchsink-private.h"
#include "gsttwitchsinkqueue.h"

#include <gst/video/video.h>

#include <gst/twitch/common/environment.h>
#include <gst/twitch/common/secrets.h>

#define GST_CAT_DEFAULT gst_twitch_sink_debug
#define signals gst_twitch_sink_signals

/* ------------------------------------------------------------------------ */
/* Messages */

static void
post_element_message (GstTwitchSink *self, GstStructure *s)
{
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

static std::string
ingest_url (GstTwitchSink *self)
{
  std::lock_guard<std::mutex> lk (self->priv->state_lock);
  return self->priv->target ? self->priv->target->redacted_url ()
                            : std::string ("the sink");
}

GstStructure *
gst_twitch_sink_make_stats (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  GstTwitchSinkQueueStatus qs{};
  gst_twitch_sink_queue_get_status (GST_TWITCH_SINK_QUEUE (priv->queue), &qs);
  twitchsink::ConnectionStats cs;
  std::shared_ptr<twitchsink::Connection> connection;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    connection = priv->connection;
  }
  if (connection)
    cs = connection->stats (g_get_monotonic_time ());
  bool connected = cs.state == twitchsink::ConnState::CONNECTED;
  bool want_video;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    want_video = priv->want_video;
  }
  GstClockTime queued = want_video ? qs.video.late : qs.audio.late;
  double congestion = (double)queued / (double)DROP_NONKEY_TIME;
  if (!connected && cs.state != twitchsink::ConnState::IDLE)
    congestion = 1.0;
  congestion = CLAMP (congestion, 0.0, 1.0);
  std::string url = ingest_url (self);

  /* connect-time: 0 until a connection was made. */
  return gst_structure_new ("twitchsink-stats", "bitrate", G_TYPE_UINT64,
      cs.bitrate, "bytes-sent", G_TYPE_UINT64, cs.bytes_sent,
      "video-frames-dropped", G_TYPE_UINT64, qs.video_dropped,
      "audio-buffers-dropped", G_TYPE_UINT64, qs.audio_dropped, "reconnects",
      G_TYPE_UINT, cs.reconnects, "congestion", G_TYPE_DOUBLE, congestion,
      "connected", G_TYPE_BOOLEAN, connected, "connect-time", G_TYPE_UINT64,
      (guint64)cs.connect_time_us * GST_USECOND, "uptime", G_TYPE_UINT64,
      (guint64)cs.uptime_us * GST_USECOND, "video-buffer-level", G_TYPE_UINT,
      qs.video.buffers, "video-buffer-duration", G_TYPE_UINT64,
      (guint64)qs.video.duration, "audio-buffer-level", G_TYPE_UINT,
      qs.audio.buffers, "audio-buffer-duration", G_TYPE_UINT64,
      (guint64)qs.audio.duration, "ingest", G_TYPE_STRING,
      url == "the sink" ? "" : url.c_str (), nullptr);
}

/* ------------------------------------------------------------------------ */
/* The connection's callbacks (on the worker, or the state change that
 * makes the first attempt) */

static bool
connection_connect (GstTwitchSink *self, bool reconnect)
{
  GstTwitchSinkPrivate *priv = self->priv;
  bool video, audio;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    video = priv->want_video;
    audio = priv->want_audio;
  }
  priv->output->reset_progress (g_get_monotonic_time ());
  if (!priv->output->connect (video, audio))
    return false;
  GST_INFO_OBJECT (self, "connecting to %s", ingest_url (self).c_str ());
  bool need_keyframe
      = gst_twitch_sink_queue_resume (GST_TWITCH_SINK_QUEUE (priv->queue));
  if (need_keyframe && reconnect) {
    GstPad *vsink = gst_element_get_static_pad (priv->queue, "video_sink");
    GST_DEBUG_OBJECT (self, "asking upstream for a keyframe");
    gst_pad_push_event (vsink, gst_video_event_new_upstream_force_key_unit (
                                   GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref (vsink);
  }
  return true;
}

static void
connection_disconnect (GstTwitchSink *self)
{
  gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (self->priv->queue));
  self->priv->output->disconnect ();
}

static void
connection_first_failure (GstTwitchSink *self, const std::string &reason,
    int64_t delay_us, bool never_connected)
{
  std::string url = ingest_url (self);
  gint max_retries;
  {
    std::lock_guard<std::mutex> lk (self->priv->state_lock);
    max_retries = self->priv->run.max_retries;
  }
  std::string safe = twitch::secrets_redact (reason);
  if (never_connected)
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
        ("Could not connect to the ingest %s: %s. Retrying in %.1f s",
            url.c_str (), safe.c_str (), delay_us / 1e6),
        ("twitchsink retries up to %d times (max-retries) and says when it "
         "is connected",
            max_retries));
  else
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Lost the connection to the ingest %s: %s. Retrying in %.1f s",
            url.c_str (), safe.c_str (), delay_us / 1e6),
        ("twitchsink retries up to %d times (max-retries) and says when it "
         "is connected again",
            max_retries));
}

static void
connection_recovered (GstTwitchSink *self, int attempts)
{
  std::string url = ingest_url (self);
  GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
      ("Streaming to the ingest %s again (connected after %d failed "
       "attempt%s)",
          url.c_str (), attempts, attempts == 1 ? "" : "s"),
      ("the outage is over"));
}

static void
connection_connected (GstTwitchSink *self, int64_t took_us, bool reconnect)
{
  std::string url = ingest_url (self);
  GstClockTime took = took_us * GST_USECOND;
  GST_INFO_OBJECT (self, "connected to %s in %" GST_TIME_FORMAT, url.c_str (),
      GST_TIME_ARGS (took));
  post_element_message (
      self, gst_structure_new ("twitchsink-connected", "ingest", G_TYPE_STRING,
                url.c_str (), "connect-time", G_TYPE_UINT64, (guint64)took,
                "reconnect", G_TYPE_BOOLEAN, reconnect, nullptr));
}

static void
connection_disconnected (GstTwitchSink *self, const std::string &reason)
{
  std::string url = ingest_url (self);
  std::string safe = twitch::secrets_redact (reason);
  GST_WARNING_OBJECT (self, "ingest %s lost: %s", url.c_str (), safe.c_str ());
  post_element_message (self,
      gst_structure_new ("twitchsink-disconnected", "reason", G_TYPE_STRING,
          safe.c_str (), "ingest", G_TYPE_STRING, url.c_str (), nullptr));
}

static void
connection_reconnecting (GstTwitchSink *self, int attempt, int64_t delay_us,
    const std::string &reason)
{
  GST_INFO_OBJECT (self, "reconnect attempt %d in %" G_GINT64_FORMAT " ms",
      attempt, delay_us / 1000);
  post_element_message (
      self, gst_structure_new ("twitchsink-reconnecting", "attempt", G_TYPE_INT,
                attempt, "delay", G_TYPE_UINT64,
                (guint64)(delay_us * GST_USECOND), "reason", G_TYPE_STRING,
                twitch::secrets_redact (reason).c_str (), nullptr));
}

static void
connection_gave_up (
    GstTwitchSink *self, const std::string &reason, int attempts)
{
  std::string url = ingest_url (self);
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
      ("Could not stream to the ingest %s after %d retries: check the "
       "network or the server property, or raise max-retries",
          url.c_str (), attempts),
      ("last error: %s", twitch::secrets_redact (reason).c_str ()));
}

static void
connection_refused (GstTwitchSink *self, const std::string &reason)
{
  std::string url = ingest_url (self);
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
      ("The ingest %s refused the stream key: check twitchsink's "
       "stream-key (Twitch dashboard, Settings > Stream)",
          url.c_str ()),
      ("%s", twitch::secrets_redact (reason).c_str ()));
}

std::shared_ptr<twitchsink::Connection>
gst_twitch_sink_make_connection (GstTwitchSink *self, const Settings &s)
{
  twitchsink::ConnectionConfig config;
  config.policy.initial_delay_us = (int64_t)s.retry_delay * 1000;
  config.policy.max_delay_us = (int64_t)s.max_retry_delay * 1000;
  config.policy.max_retries = s.max_retries;
  config.stall_timeout_us = (int64_t)s.stall_timeout * 1000;
  twitchsink::ConnectionCallbacks cb;
  cb.connect = [self] (bool r) { return connection_connect (self, r); };
  cb.disconnect = [self] () { connection_disconnect (self); };
  cb.connected
      = [self] (int64_t t, bool r) { connection_connected (self, t, r); };
  cb.disconnected
      = [self] (const std::string &r) { connection_disconnected (self, r); };
  cb.first_failure = [self] (const std::string &r, int64_t d, bool never) {
    connection_first_failure (self, r, d, never);
  };
  cb.reconnecting = [self] (int a, int64_t d, const std::string &r) {
    connection_reconnecting (self, a, d, r);
  };
  cb.recovered = [self] (int a) { connection_recovered (self, a); };
  cb.gave_up = [self] (const std::string &r, int a) {
    connection_gave_up (self, r, a);
  };
  cb.refused = [self] (const std::string &r) { connection_refused (self, r); };
  return std::make_shared<twitchsink::Connection> (config, std::move (cb));
}

/* ------------------------------------------------------------------------ */
/* The bin's worker */

/* Where the stream goes, and one warning when the key would travel in
 * clear (rtmp:// to anything but this machine). */
void
gst_twitch_sink_set_target (
    GstTwitchSink *self, std::optional<twitch::RtmpTarget> target)
{
  GstTwitchSinkPrivate *priv = self->priv;
  if (target && !target->secure) {
    GInetAddress *addr = g_inet_address_new_from_string (target->host.c_str ());
    bool loopback = target->host == "localhost"
                    || (addr && g_inet_address_get_is_loopback (addr));
    g_clear_object (&addr);
    if (!loopback)
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
          ("The stream key travels unencrypted to %s: %s",
              target->host.c_str (),
              twitch::ingest_server_needs_list (target->ingest_name)
                  ? "this ingest has no rtmps:// address in Twitch's list"
                  : "use an rtmps:// server"),
          ("ingest %s", target->redacted_url ().c_str ()));
    GST_INFO_OBJECT (self, "ingest %s", target->redacted_url ().c_str ());
  }
  GstElement *sink;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    priv->target = target;
    priv->needs_lookup = false;
  }
  {
    std::lock_guard<std::mutex> lk (priv->settings_lock);
    sink = priv->user_sink ? GST_ELEMENT (gst_object_ref (priv->user_sink))
                           : nullptr;
  }
  if (sink == nullptr) {
    sink = twitchsink::make_element (
        GST_ELEMENT (self), "rtmp2sink", "rtmpsink");
    if (sink)
      gst_object_ref_sink (sink);
  }
  priv->output->configure (sink, target);
  gst_clear_object (&sink);
}

/* Resolves server=auto or an ingest name through Twitch's ingest list, on
 * the worker (never on a state change), cancellable by stopping. */
static gboolean
lookup_cb (gpointer user_data)
{
  GstTwitchSink *self = GST_TWITCH_SINK (user_data);
  GstTwitchSinkPrivate *priv = self->priv;
  Settings s;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    s = priv->run;
  }
  GError *fetch_err = nullptr;
  auto list = twitch::ingest_list_fetch (
      priv->cancellable, INGEST_LIST_TIMEOUT_S, &fetch_err);
  if (!list && g_error_matches (fetch_err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_clear_error (&fetch_err);
    return G_SOURCE_REMOVE;
  }
  if (g_cancellable_is_cancelled (priv->cancellable)) {
    g_clear_error (&fetch_err);
    return G_SOURCE_REMOVE;
  }
  std::string fetch_text
      = fetch_err ? twitch::secrets_redact (fetch_err->message) : "";
  g_clear_error (&fetch_err);
  bool is_auto = s.server.empty ()
                 || g_ascii_strcasecmp (s.server.c_str (), "auto") == 0;
  std::string fallback = twitch::ingest_global_fallback ().name;
  if (!list && !is_auto
      && g_ascii_strcasecmp (s.server.c_str (), fallback.c_str ()) != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("Could not get Twitch's ingest list to look up the ingest '%s': use "
         "server=auto (which falls back to %s without the list) or an "
         "rtmps:// URL",
            twitch::secrets_redact (s.server).c_str (), fallback.c_str ()),
        ("%s", fetch_text.c_str ()));
    return G_SOURCE_REMOVE;
  }
  if (!list)
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
        ("Could not get Twitch's ingest list; using %s", fallback.c_str ()),
        ("%s", fetch_text.c_str ()));
  GError *err = nullptr;
  auto target = twitch::ingest_resolve (s.server,
      list ? *list : std::vector<twitch::Ingest> (),
      twitch::secret_reveal (s.stream_key), true, s.bandwidth_test, &err);
  if (!target) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("%s", twitch::secrets_redact (err->message).c_str ()),
        ("server '%s'", twitch::secrets_redact (s.server).c_str ()));
    g_clear_error (&err);
    return G_SOURCE_REMOVE;
  }
  gst_twitch_sink_set_target (self, target);
  priv->connection->start (g_get_monotonic_time ());
  return G_SOURCE_REMOVE;
}

struct OutputError {
  GstTwitchSink *self;
  std::string reason;
  bool refused;
};

/* An error of the output (any thread): the queue holds at once, the
 * connection learns it on the worker. */
void
gst_twitch_sink_output_error (
    GstTwitchSink *self, const GError *err, const char *debug)
{
  GstTwitchSinkPrivate *priv = self->priv;
  std::string text = twitch::secrets_redact (err->message);
  std::string dbg = twitch::secrets_redact (debug ? debug : "");
  GST_INFO_OBJECT (self, "output error (%s:%d): %s; %s",
      g_quark_to_string (err->domain), err->code, text.c_str (), dbg.c_str ());
  gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (priv->queue));
  std::lock_guard<std::mutex> lk (priv->state_lock);
  if (priv->context == nullptr)
    return; /* stopping */
  if (twitchsink::output_error_is_stream_in_use (err))
    text = "the ingest still has a stream under this key (an earlier "
           "connection it has not seen close yet, or another encoder "
           "streaming with the same key): "
           + text;
  auto *req = new OutputError{
      self, text, twitchsink::output_error_is_refused_key (err)};
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (
      source,
      [] (gpointer p) -> gboolean {
        auto *r = static_cast<OutputError *> (p);
        r->self->priv->connection->output_failed (
            g_get_monotonic_time (), r->reason, r->refused);
        return G_SOURCE_REMOVE;
      },
      req, [] (gpointer p) { delete static_cast<OutputError *> (p); });
  g_source_attach (source, priv->context);
  g_source_unref (source);
}

/* The output's EOS ends the stream only once both inputs are EOS: flvmux
 * also pushes EOS when the network sink fails (aggregator on a flow
 * error), which is a reconnect. */
void
gst_twitch_sink_output_eos (GstTwitchSink *self, guint32 seqnum)
{
  GstTwitchSinkPrivate *priv = self->priv;
  GstTwitchSinkQueue *q = GST_TWITCH_SINK_QUEUE (priv->queue);
  bool video, audio;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    video = priv->want_video;
    audio = priv->want_audio;
  }
  if ((video && !gst_twitch_sink_queue_is_eos (q, GST_TWITCH_SINK_QUEUE_VIDEO))
      || (audio
          && !gst_twitch_sink_queue_is_eos (q, GST_TWITCH_SINK_QUEUE_AUDIO))) {
    GST_DEBUG_OBJECT (self, "ignoring the output's EOS: a reconnect");
    return;
  }
  GstMessage *eos = gst_message_new_eos (GST_OBJECT (self));
  gst_message_set_seqnum (eos, seqnum);
  gst_element_post_message (GST_ELEMENT (self), eos);
}

static gboolean
tick_cb (gpointer user_data)
{
  GstTwitchSink *self = GST_TWITCH_SINK (user_data);
  GstTwitchSinkPrivate *priv = self->priv;
  GstTwitchSinkQueueStatus qs{};
  gst_twitch_sink_queue_get_status (GST_TWITCH_SINK_QUEUE (priv->queue), &qs);

  twitchsink::OutputSample sample;
  sample.bytes_sent = priv->output->bytes_sent ();
  sample.last_progress_us = priv->output->last_progress_us ();
  sample.push_blocked_since_us = qs.push_blocked_since;
  twitchsink::SinkStats ss;
  if (priv->output->connected () && priv->output->sink_stats (&ss)) {
    sample.have_sink_stats = true;
    sample.out_bytes = ss.out_bytes;
    sample.acked_bytes = ss.acked_bytes;
    sample.window = ss.window;
  }
  priv->connection->tick (g_get_monotonic_time (), sample);

  /* Buffer level signals, once per crossing. */
  GstClockTime low, high;
  {
    std::lock_guard<std::mutex> lk (priv->settings_lock);
    low = priv->settings.low_watermark;
    high = priv->settings.high_watermark;
  }
  Level prev, next;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    GstClockTime level
        = priv->want_video ? qs.video.duration : qs.audio.duration;
    next = level < low    ? Level::LOW
           : level > high ? Level::HIGH
                          : Level::NORMAL;
    prev = priv->level_state;
    priv->level_state = next;
  }
  if (next != prev && GST_STATE (self) >= GST_STATE_PAUSED) {
    if (next == Level::LOW)
      g_signal_emit (self, signals[SIGNAL_BUFFER_LOW], 0);
    else if (next == Level::HIGH)
      g_signal_emit (self, signals[SIGNAL_BUFFER_HIGH], 0);
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

void
gst_twitch_sink_worker_start (GstTwitchSink *self, bool lookup)
{
  GstTwitchSinkPrivate *priv = self->priv;
  GMainContext *context = g_main_context_new ();
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    priv->context = context;
  }
  g_clear_object (&priv->cancellable);
  priv->cancellable = g_cancellable_new ();
  priv->loop = g_main_loop_new (context, FALSE);
  if (lookup) {
    GSource *source = g_idle_source_new ();
    g_source_set_callback (source, lookup_cb, self, nullptr);
    g_source_attach (source, context);
    g_source_unref (source);
  }
  priv->thread = g_thread_new ("twitchsink", worker_thread, self);
}

void
gst_twitch_sink_worker_stop (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  if (priv->thread == nullptr)
    return;
  g_cancellable_cancel (priv->cancellable);
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
  g_main_loop_unref (priv->loop);
  priv->loop = nullptr;
  GMainContext *context;
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    context = priv->context;
    priv->context = nullptr;
  }
  /* Pending requests are freed with the context. */
  g_main_context_unref (context);
}

/* ------------------------------------------------------------------------ */
/* State changes */

/* Replaces the key: the new one is registered before the old one is let
 * go, never a moment unprotected. Called with settings_lock held. */
void
gst_twitch_sink_set_stream_key_locked (
    GstTwitchSinkPrivate *priv, const std::string &key)
{
  priv->settings.stream_key = twitch::secret_share (key);
}

/* NULL->READY: copies the settings and checks them. No I/O: an ingest
 * name or "auto" is looked up later, on the worker. */
bool
gst_twitch_sink_start (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  Settings s;
  GstElement *user_sink;
  {
    std::lock_guard<std::mutex> lk (priv->settings_lock);
    /* Keeps the key off command lines (gst-launch-1.0 logs its arguments
     * before any plugin is loaded). */
    twitch::Secret env (twitch::env::stream_key);
    if (!priv->settings.stream_key && env.resolve ()) {
      priv->settings.stream_key = twitch::secret_share (std::move (env));
      GST_INFO_OBJECT (self, "stream key from TWITCH_STREAM_KEY");
    }
    s = priv->settings;
    user_sink = priv->user_sink;
  }
  bool rtmp
      = user_sink == nullptr || twitchsink::Output::is_rtmp_sink (user_sink);
  bool lookup = rtmp && twitch::ingest_server_needs_list (s.server);
  std::optional<twitch::RtmpTarget> target;
  if (rtmp) {
    /* Without the list: the URL checks, and the key's presence. */
    GError *err = nullptr;
    target = twitch::ingest_resolve (lookup ? "rtmp://check/app" : s.server, {},
        twitch::secret_reveal (s.stream_key), true, s.bandwidth_test, &err);
    if (!target) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("%s", twitch::secrets_redact (err->message).c_str ()),
          ("server '%s'", twitch::secrets_redact (s.server).c_str ()));
      g_clear_error (&err);
      return false;
    }
    if (lookup)
      target.reset ();
  }
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    priv->run = s;
    priv->needs_lookup = lookup;
    priv->level_state = Level::NORMAL;
  }
  if (!lookup)
    gst_twitch_sink_set_target (self, target);
  auto connection = gst_twitch_sink_make_connection (self, s);
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    priv->connection = connection;
  }
  gst_twitch_sink_queue_set_limits (GST_TWITCH_SINK_QUEUE (priv->queue),
      DROP_NONREF_TIME, DROP_NONKEY_TIME, s.max_queue_time);
  return true;
}

/* READY->PAUSED: links the queue to the feed, starts the worker, and makes
 * the first attempt (at once, or after the ingest lookup). */
bool
gst_twitch_sink_activate (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  bool video, audio, lookup;
  {
    std::lock_guard<std::mutex> lk (priv->input_lock);
    video = priv->inputs[0].ghost != nullptr;
    audio = priv->inputs[1].ghost != nullptr;
  }
  if (!video && !audio) {
    GST_ELEMENT_ERROR (self, CORE, PAD,
        ("twitchsink has no video or audio pad: link something to it"),
        (nullptr));
    return false;
  }
  {
    std::lock_guard<std::mutex> lk (priv->state_lock);
    priv->want_video = video;
    priv->want_audio = audio;
    lookup = priv->needs_lookup;
  }
  gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (priv->queue));
  bool wanted[2] = {video, audio};
  const char *names[2][2]
      = {{"video_src", "video_sink"}, {"audio_src", "audio_sink"}};
  for (int i = 0; i < 2; i++)
    if (wanted[i])
      gst_element_link_pads (
          priv->queue, names[i][0], priv->output->feed (), names[i][1]);
  if (!lookup)
    priv->connection->start (g_get_monotonic_time ());
  if (priv->connection->state () == twitchsink::ConnState::FAILED)
    return false;
  gst_twitch_sink_worker_start (self, lookup);
  return true;
}

void
gst_twitch_sink_stop (GstTwitchSink *self)
{
  GstTwitchSinkPrivate *priv = self->priv;
  gst_twitch_sink_worker_stop (self);
  if (priv->connection)
    priv->connection->stop ();
  gst_twitch_sink_queue_hold (GST_TWITCH_SINK_QUEUE (priv->queue));
  priv->output->disconnect ();
  for (const char *name : {"video_src", "audio_src"}) {
    GstPad *qpad = gst_element_get_static_pad (priv->queue, name);
    GstPad *peer = gst_pad_get_peer (qpad);
    if (peer) {
      gst_pad_unlink (qpad, peer);
      gst_object_unref (peer);
    }
    gst_object_unref (qpad);
  }
}
