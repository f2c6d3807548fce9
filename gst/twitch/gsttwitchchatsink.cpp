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
 * outcome of each message is posted as a "twitch-chat-send" element
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

#define DEFAULT_SERVER "ircs://irc.chat.twitch.tv:6697"
#define DEFAULT_SEND_POLICY GST_TWITCH_CHAT_SEND_POLICY_ENQUEUE
#define DEFAULT_MAX_AGE (60 * GST_SECOND)
#define DEFAULT_DELIVERY GST_TWITCH_CHAT_DELIVERY_AT_MOST_ONCE

enum {
  PROP_0,
  PROP_CHANNEL,
  PROP_OAUTH_TOKEN,
  PROP_LOGIN,
  PROP_SERVER,
  PROP_TLS_CA_FILE,
  PROP_SEND_POLICY,
  PROP_MAX_AGE,
  PROP_DELIVERY,
};

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

struct SinkSettings {
  std::string channel;
  std::string token;
  std::string login;
  std::string server = DEFAULT_SERVER;
  std::string tls_ca_file;
  GstTwitchChatSendPolicy send_policy = DEFAULT_SEND_POLICY;
  guint64 max_age = DEFAULT_MAX_AGE;
  GstTwitchChatDelivery delivery = DEFAULT_DELIVERY;
  /* Property name -> why its value cannot be used (reported at start). */
  std::map<std::string, std::string> invalid;
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
G_DEFINE_TYPE (GstTwitchChatSink, gst_twitch_chat_sink, GST_TYPE_BASE_SINK);
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
  /**
   * GstTwitchChatSink:oauth-token:
   *
   * OAuth user access token with chat:edit (write-only, never logged).
   * Unset: the TWITCH_OAUTH_TOKEN environment variable.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_OAUTH_TOKEN,
      g_param_spec_string ("oauth-token", "OAuth token",
          "OAuth user token with chat:edit (write-only secret; default: "
          "TWITCH_OAUTH_TOKEN)",
          nullptr,
          (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_READY)));
  /**
   * GstTwitchChatSink:login:
   *
   * The Twitch user name the oauth-token belongs to.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_LOGIN,
      g_param_spec_string ("login", "Login",
          "Twitch user name the oauth-token belongs to", nullptr, rw_ready));
  /**
   * GstTwitchChatSink:server:
   *
   * Chat server: ircs://host:port (TLS, verified) or irc://host:port.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_SERVER,
      g_param_spec_string ("server", "Server",
          "Chat server URI: ircs://host:port (TLS) or irc://host:port",
          DEFAULT_SERVER, rw_ready));
  /**
   * GstTwitchChatSink:tls-ca-file:
   *
   * PEM file of CA certificates to trust instead of the system's.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_TLS_CA_FILE,
      g_param_spec_string ("tls-ca-file", "TLS CA file",
          "PEM file of CA certificates to trust instead of the system store",
          nullptr, rw_ready));
  /**
   * GstTwitchChatSink:send-policy:
   *
   * What happens to a message that cannot go out at once.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_SEND_POLICY,
      g_param_spec_enum ("send-policy", "Send policy",
          "What happens to a message that cannot be sent at once",
          GST_TYPE_TWITCH_CHAT_SEND_POLICY, DEFAULT_SEND_POLICY, rw_ready));
  /**
   * GstTwitchChatSink:max-age:
   *
   * Queued messages older than this expire instead of going out late.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_AGE,
      g_param_spec_uint64 ("max-age", "Max age",
          "Queued messages older than this (ns) expire instead of being sent",
          GST_MSECOND, G_MAXUINT64, DEFAULT_MAX_AGE, rw_ready));
  /**
   * GstTwitchChatSink:delivery:
   *
   * What happens to a message whose connection dropped before Twitch
   * confirmed it: at-most-once (the default) reports it "unconfirmed" and
   * never writes it again; at-least-once writes it again on the next
   * connection, and viewers may see it twice.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_DELIVERY,
      g_param_spec_enum ("delivery", "Delivery",
          "A message whose connection dropped before Twitch confirmed it: "
          "at-most-once reports it unconfirmed, at-least-once writes it again",
          GST_TYPE_TWITCH_CHAT_DELIVERY, DEFAULT_DELIVERY, rw_ready));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Twitch Chat Sink",
      "Sink/Network/Text", "Sends text buffers as Twitch chat messages",
      "gst-twitch <gst-twitch@example.invalid>");

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
  if (!self->priv->settings.token.empty ())
    twitch::secrets_unregister (self->priv->settings.token);
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
  const gchar *v
      = G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : nullptr;
  /* What reaches the wire is checked as it comes in; a bad value is the
   * error of start(), naming the property. */
  const char *checked = prop_id == PROP_CHANNEL       ? "channel"
                        : prop_id == PROP_LOGIN       ? "login"
                        : prop_id == PROP_OAUTH_TOKEN ? "oauth-token"
                                                      : nullptr;
  if (checked) {
    std::string problem;
    if (gst_twitch_chat_check_property (checked, v, &problem)) {
      s.invalid.erase (checked);
    } else {
      GST_WARNING_OBJECT (self, "%s", problem.c_str ());
      s.invalid[checked] = problem;
    }
  }
  switch (prop_id) {
    case PROP_CHANNEL:
      s.channel = v ? v : "";
      break;
    case PROP_OAUTH_TOKEN:
      if (!s.token.empty ())
        twitch::secrets_unregister (s.token);
      s.token = v ? v : "";
      if (!s.token.empty ())
        twitch::secrets_register (s.token);
      break;
    case PROP_LOGIN:
      s.login = v ? v : "";
      break;
    case PROP_SERVER:
      s.server = v ? v : DEFAULT_SERVER;
      break;
    case PROP_TLS_CA_FILE:
      s.tls_ca_file = v ? v : "";
      break;
    case PROP_SEND_POLICY:
      s.send_policy = (GstTwitchChatSendPolicy)g_value_get_enum (value);
      break;
    case PROP_MAX_AGE:
      s.max_age = g_value_get_uint64 (value);
      break;
    case PROP_DELIVERY:
      s.delivery = (GstTwitchChatDelivery)g_value_get_enum (value);
      break;
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
  auto set_str = [value] (const std::string &v) {
    g_value_set_string (value, v.empty () ? nullptr : v.c_str ());
  };
  switch (prop_id) {
    case PROP_CHANNEL:
      set_str (s.channel);
      break;
    case PROP_LOGIN:
      set_str (s.login);
      break;
    case PROP_SERVER:
      set_str (s.server);
      break;
    case PROP_TLS_CA_FILE:
      set_str (s.tls_ca_file);
      break;
    case PROP_SEND_POLICY:
      g_value_set_enum (value, s.send_policy);
      break;
    case PROP_MAX_AGE:
      g_value_set_uint64 (value, s.max_age);
      break;
    case PROP_DELIVERY:
      g_value_set_enum (value, s.delivery);
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
  const char *env_token = g_getenv ("TWITCH_OAUTH_TOKEN");
  if (run.token.empty () && !(env_token && *env_token)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Sending chat needs an OAuth token: set the TWITCH_OAUTH_TOKEN "
         "environment variable or the oauth-token property (scope "
         "chat:edit), and login."),
        (nullptr));
    return FALSE;
  }
  twitch::ChatConfig cfg;
  GError *err = nullptr;
  if (!gst_twitch_chat_configure (cfg, run.server, run.tls_ca_file, run.login,
          run.token, run.send_policy, run.delivery, run.max_age, &err)) {
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
    gst_element_post_message (
        GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
                                gst_twitch_chat_send_result_to_structure (r)));
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
    p->watch.server = cfg.host + ":" + std::to_string (cfg.port);
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
           "warnings before, and the twitch-chat-send messages.",
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
