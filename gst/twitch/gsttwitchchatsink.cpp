/**
 * SECTION:element-twitchchatsink
 * @title: twitchchatsink
 * @short_description: Sends text buffers as Twitch chat messages
 *
 * Every line of every incoming `text/x-raw` buffer becomes a chat message
 * in #GstTwitchChatSink:channel, sent within Twitch's rate limits (20
 * messages / 30 s, 100 as moderator, 1 s apart in a channel), split on
 * spaces beyond 500 characters, queued while disconnected according to
 * #GstTwitchChatSink:send-policy and #GstTwitchChatSink:max-age. The
 * outcome of each message is posted as a "twitchchatsink-send" element
 * message: "sent", "dropped", "expired", "failed" (a line that is not
 * valid UTF-8 is never sent) or "unconfirmed" (written, but the
 * connection dropped before Twitch confirmed it; not written again unless
 * #GstTwitchChatSink:delivery is at-least-once). At EOS the sink waits
 * until every queued message has an outcome; if none was sent, it posts an
 * error (gst-launch exits non-zero), and if some were not, a warning
 * saying how many.
 *
 * The first failure of the connection is a warning naming the cause and
 * the next retry; another says when it is back.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=lines.txt ! text/x-raw,format=utf8 ! \
 *     twitchchatsink channel=mychannel login=mybot oauth-token=$TOKEN
 * ]| Sends each line of a file to chat.
 *
 * Since: 1.0
 */
#include "config.h"

#include "gsttwitchchatsink.h"
#include "gsttwitchchatcommon.h"
#include "gsttwitchchatsettings.h"
#include "gsttwitchelements.h"

#include <gst/twitch/chat/client.h>
#include <gst/twitch/chat/names.h>
#include <gst/twitch/common/secrets.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <algorithm>
#include <string>

GST_DEBUG_CATEGORY_STATIC (gst_twitch_chat_sink_debug);
#define GST_CAT_DEFAULT gst_twitch_chat_sink_debug

enum {
  PROP_0,
  PROP_CHANNEL,
  /* The shared ones (GstTwitchChatSettingsHandler), last. */
  PROP_CHAT_SETTINGS,
};

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

/* The connection properties are GstTwitchChatSettings's. */
struct SinkSettings : GstTwitchChatSettings {
  std::string channel;
};

struct GstTwitchChatSinkPrivate {
  std::mutex settings_lock;
  SinkSettings settings;

  std::mutex lock;
  std::condition_variable cond;
  std::unique_ptr<twitch::ChatClient> client;
  std::string channel;
  guint64 pending = 0;
  bool flushing = false;
  bool fatal = false;
  /* Outcomes so far, for the summary at EOS. */
  guint64 n_sent = 0, n_unconfirmed = 0, n_expired = 0, n_failed = 0,
          n_dropped = 0;
  GstTwitchChatConnectionWatch watch;
};

struct _GstTwitchChatSink {
  GstBaseSink parent;
  GstTwitchChatSinkPrivate *priv;
};

#define gst_twitch_chat_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstTwitchChatSink, gst_twitch_chat_sink,
    GST_TYPE_BASE_SINK,
    G_IMPLEMENT_INTERFACE (GST_TYPE_TWITCH_CHAT_SETTINGS_HANDLER, nullptr));
GST_ELEMENT_REGISTER_DEFINE (
    twitchchatsink, "twitchchatsink", GST_RANK_NONE, GST_TYPE_TWITCH_CHAT_SINK);

static void gst_twitch_chat_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_twitch_chat_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_twitch_chat_sink_finalize (GObject *object);
static gboolean gst_twitch_chat_sink_start (GstBaseSink *sink);
static gboolean gst_twitch_chat_sink_stop (GstBaseSink *sink);
static gboolean gst_twitch_chat_sink_unlock (GstBaseSink *sink);
static gboolean gst_twitch_chat_sink_unlock_stop (GstBaseSink *sink);
static gboolean gst_twitch_chat_sink_set_caps (
    GstBaseSink *sink, GstCaps *caps);
static gboolean gst_twitch_chat_sink_event (GstBaseSink *sink, GstEvent *event);
static GstFlowReturn gst_twitch_chat_sink_render (
    GstBaseSink *sink, GstBuffer *buffer);

static void
gst_twitch_chat_sink_class_init (GstTwitchChatSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_twitch_chat_sink_debug, "twitchchatsink", 0, "Twitch chat sink");

  gobject_class->set_property = gst_twitch_chat_sink_set_property;
  gobject_class->get_property = gst_twitch_chat_sink_get_property;
  gobject_class->finalize = gst_twitch_chat_sink_finalize;

  const GParamFlags rw_ready
      = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                      | GST_PARAM_MUTABLE_READY);
  /**
   * GstTwitchChatSink:channel:
   *
   * The channel to send to (with or without '#').
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_CHANNEL,
      g_param_spec_string ("channel", "Channel",
          "Channel to send each text buffer to", nullptr, rw_ready));
  /* oauth-token, login, server, tls-ca-file, send-policy, max-age,
   * delivery: GstTwitchChatSettingsHandler's. */
  gst_twitch_chat_settings_override (gobject_class, PROP_CHAT_SETTINGS);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Twitch Chat Sink",
      "Sink/Network/Text", "Sends text buffers as Twitch chat messages",
      GST_TWITCH_AUTHOR);

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_twitch_chat_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_twitch_chat_sink_stop);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_twitch_chat_sink_unlock);
  basesink_class->unlock_stop
      = GST_DEBUG_FUNCPTR (gst_twitch_chat_sink_unlock_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_twitch_chat_sink_set_caps);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_twitch_chat_sink_event);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_twitch_chat_sink_render);
}

static void
gst_twitch_chat_sink_init (GstTwitchChatSink *self)
{
  self->priv = new GstTwitchChatSinkPrivate ();
  /* Messages go out as they come; the rate limiter paces them. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

static void
gst_twitch_chat_sink_finalize (GObject *object)
{
  GstTwitchChatSink *self = GST_TWITCH_CHAT_SINK (object);
  gst_twitch_chat_settings_clear (self->priv->settings);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_twitch_chat_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTwitchChatSink *self = GST_TWITCH_CHAT_SINK (object);
  std::lock_guard<std::mutex> lk (self->priv->settings_lock);
  SinkSettings &s = self->priv->settings;
  if (gst_twitch_chat_settings_set_property (
          s, object, PROP_CHAT_SETTINGS, prop_id, value))
    return;
  switch (prop_id) {
    case PROP_CHANNEL: {
      const gchar *v = g_value_get_string (value);
      gst_twitch_chat_settings_check (s, object, "channel", v);
      s.channel = v ? v : "";
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_twitch_chat_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTwitchChatSink *self = GST_TWITCH_CHAT_SINK (object);
  std::lock_guard<std::mutex> lk (self->priv->settings_lock);
  SinkSettings &s = self->priv->settings;
  if (gst_twitch_chat_settings_get_property (
          s, PROP_CHAT_SETTINGS, prop_id, value))
    return;
  switch (prop_id) {
    case PROP_CHANNEL:
      g_value_set_string (
          value, s.channel.empty () ? nullptr : s.channel.c_str ());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static gboolean
gst_twitch_chat_sink_start (GstBaseSink *sink)
{
  GstTwitchChatSink *self = GST_TWITCH_CHAT_SINK (sink);
  auto *p = self->priv;
  SinkSettings run;
  {
    std::lock_guard<std::mutex> lk (p->settings_lock);
    run = p->settings;
  }
  if (!run.invalid.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("%s", run.invalid.begin ()->second.c_str ()),
        ("property %s", run.invalid.begin ()->first.c_str ()));
    return FALSE;
  }
  std::string channel;
  if (run.channel.empty ()
      || !twitch::twitch_name_normalize (
          run.channel, true, "channel", &channel, nullptr)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Set channel to the one channel to send to (e.g. channel=mychannel)."),
        ("channel='%s'", run.channel.c_str ()));
    return FALSE;
  }
  std::vector<std::string> channels{channel};
  if (!gst_twitch_chat_settings_has_token (run)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Sending chat needs an OAuth token: set the TWITCH_OAUTH_TOKEN "
         "environment variable or the oauth-token property (scope "
         "chat:edit), or run gst-twitch login."),
        (nullptr));
    return FALSE;
  }
  twitch::ChatConfig cfg;
  GError *err = nullptr;
  if (!gst_twitch_chat_settings_configure (run, cfg, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", err->message),
        ("domain %s, code %d", g_quark_to_string (err->domain), err->code));
    g_error_free (err);
    return FALSE;
  }
  cfg.channels = channels;

  twitch::ChatCallbacks cb;
  cb.on_send_result = [self] (const twitch::SendResult &r) {
    auto *p = self->priv;
    if (r.outcome != twitch::SendOutcome::SENT)
      GST_WARNING_OBJECT (self, "message %" G_GUINT64_FORMAT " %s: %s",
          (guint64)r.id, twitch::send_outcome_name (r.outcome),
          r.reason.c_str ());
    gst_twitch_chat_post_send_result (GST_ELEMENT (self), r);
    std::lock_guard<std::mutex> lk (p->lock);
    switch (r.outcome) {
      case twitch::SendOutcome::SENT:
        p->n_sent++;
        break;
      case twitch::SendOutcome::UNCONFIRMED:
        p->n_unconfirmed++;
        break;
      case twitch::SendOutcome::EXPIRED:
        p->n_expired++;
        break;
      case twitch::SendOutcome::DROPPED:
        p->n_dropped++;
        break;
      case twitch::SendOutcome::FAILED:
        p->n_failed++;
        break;
    }
    if (p->pending > 0)
      p->pending--;
    p->cond.notify_all ();
  };
  cb.on_state = [self] (twitch::ChatState s, int attempt, int64_t delay,
                    const GError *why) {
    gst_twitch_chat_watch_state (GST_ELEMENT (self), self->priv->watch,
        GST_RESOURCE_ERROR_OPEN_WRITE, s, attempt, delay, why);
  };
  cb.on_fatal = [self] (const GError *e) {
    gst_twitch_chat_post_fatal (
        GST_ELEMENT (self), e, GST_RESOURCE_ERROR_WRITE);
    auto *p = self->priv;
    std::lock_guard<std::mutex> lk (p->lock);
    p->fatal = true;
    p->cond.notify_all ();
  };
  cb.on_join_failed = [self] (const std::string &channel, const GError *e) {
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND, ("%s", e->message),
        ("channel %s", channel.c_str ()));
  };
  {
    std::lock_guard<std::mutex> lk (p->watch.lock);
    p->watch.server = gst_twitch_chat_server_name (cfg);
    p->watch.failing = false;
    p->watch.failures = 0;
  }
  {
    std::lock_guard<std::mutex> lk (p->lock);
    p->n_sent = p->n_unconfirmed = p->n_expired = p->n_failed = p->n_dropped
        = 0;
  }
  gst_twitch_chat_warn_insecure (GST_ELEMENT (self), cfg);
  auto client = std::make_unique<twitch::ChatClient> (cfg, cb);
  if (!client->start (&err)) {
    if (g_error_matches (
            err, TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_SETTINGS))
      GST_ELEMENT_ERROR (
          self, RESOURCE, SETTINGS, ("%s", err->message), (nullptr));
    else
      GST_ELEMENT_ERROR (
          self, RESOURCE, OPEN_WRITE, ("%s", err->message), (nullptr));
    g_error_free (err);
    return FALSE;
  }
  std::lock_guard<std::mutex> lk (p->lock);
  p->client = std::move (client);
  p->channel = channels[0];
  p->pending = 0;
  p->fatal = false;
  p->flushing = false;
  return TRUE;
}

static gboolean
gst_twitch_chat_sink_stop (GstBaseSink *sink)
{
  GstTwitchChatSink *self = GST_TWITCH_CHAT_SINK (sink);
  auto *p = self->priv;
  std::unique_ptr<twitch::ChatClient> client;
  {
    std::lock_guard<std::mutex> lk (p->lock);
    client = std::move (p->client);
  }
  if (client)
    client->stop ();
  return TRUE;
}

static gboolean
gst_twitch_chat_sink_unlock (GstBaseSink *sink)
{
  auto *p = GST_TWITCH_CHAT_SINK (sink)->priv;
  std::lock_guard<std::mutex> lk (p->lock);
  p->flushing = true;
  p->cond.notify_all ();
  return TRUE;
}

static gboolean
gst_twitch_chat_sink_unlock_stop (GstBaseSink *sink)
{
  auto *p = GST_TWITCH_CHAT_SINK (sink)->priv;
  std::lock_guard<std::mutex> lk (p->lock);
  p->flushing = false;
  return TRUE;
}

static gboolean
gst_twitch_chat_sink_set_caps (GstBaseSink *sink, GstCaps *caps)
{
  GST_DEBUG_OBJECT (sink, "caps %" GST_PTR_FORMAT, caps);
  return TRUE;
}

static gboolean
gst_twitch_chat_sink_event (GstBaseSink *sink, GstEvent *event)
{
  GstTwitchChatSink *self = GST_TWITCH_CHAT_SINK (sink);
  auto *p = self->priv;
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    /* Every queued message gets its outcome before EOS goes on. */
    std::unique_lock<std::mutex> lk (p->lock);
    GST_DEBUG_OBJECT (
        self, "EOS: waiting for %" G_GUINT64_FORMAT " sends", p->pending);
    p->cond.wait (
        lk, [p] { return p->pending == 0 || p->flushing || p->fatal; });
    guint64 sent = p->n_sent, unconfirmed = p->n_unconfirmed,
            expired = p->n_expired, failed = p->n_failed,
            dropped = p->n_dropped;
    bool summarize = !p->flushing && !p->fatal;
    lk.unlock ();
    guint64 lost = expired + failed + dropped;
    guint64 total = sent + unconfirmed + lost;
    if (summarize && total > 0 && sent == 0 && unconfirmed == 0) {
      /* Nothing reached chat: a failure, not a normal end. */
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("None of the %" G_GUINT64_FORMAT
           " chat messages was sent (%" G_GUINT64_FORMAT
           " expired, %" G_GUINT64_FORMAT " failed, %" G_GUINT64_FORMAT
           " dropped by Twitch or the send-policy): see the "
           "warnings before, and the twitchchatsink-send messages.",
              total, expired, failed, dropped),
          (nullptr));
    } else if (summarize && (lost > 0 || unconfirmed > 0)) {
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
           " chat messages were not sent (%" G_GUINT64_FORMAT
           " expired, %" G_GUINT64_FORMAT " failed, %" G_GUINT64_FORMAT
           " dropped), %" G_GUINT64_FORMAT " unconfirmed.",
              lost, total, expired, failed, dropped, unconfirmed),
          (nullptr));
    }
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (sink, event);
}

static GstFlowReturn
gst_twitch_chat_sink_render (GstBaseSink *sink, GstBuffer *buffer)
{
  GstTwitchChatSink *self = GST_TWITCH_CHAT_SINK (sink);
  auto *p = self->priv;
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, READ, ("Could not map buffer."), (nullptr));
    return GST_FLOW_ERROR;
  }
  std::string text (reinterpret_cast<const char *> (map.data), map.size);
  gst_buffer_unmap (buffer, &map);

  {
    std::lock_guard<std::mutex> lk (p->lock);
    if (p->fatal)
      return GST_FLOW_ERROR;
  }
  /* One chat message per line; NUL bytes dropped. A line that is not
   * valid UTF-8 (the caps say it is) is not sent: the client reports it
   * failed, with the reason. */
  text.erase (std::remove (text.begin (), text.end (), '\0'), text.end ());
  gchar **lines = g_strsplit_set (text.c_str (), "\r\n", -1);
  for (gchar **l = lines; l && *l; ++l) {
    gchar *line = g_strstrip (*l);
    if (!*line)
      continue;
    twitch::ChatClient *client;
    std::string channel;
    {
      std::lock_guard<std::mutex> lk (p->lock);
      client = p->client.get ();
      channel = p->channel;
      /* Every send reports exactly one outcome, possibly before send()
       * returns: count it first. */
      if (client)
        p->pending++;
    }
    if (!client)
      break;
    client->send (channel, line);
  }
  g_strfreev (lines);
  return GST_FLOW_OK;
}
