/**
 * SECTION:element-twitchchatsrc
 * @title: twitchchatsrc
 * @short_description: Twitch chat as a live source
 *
 * Joins the chat of one or more Twitch channels (anonymously, or as
 * #GstTwitchChatSrc:login with #GstTwitchChatSrc:oauth-token) and turns
 * every chat event into:
 *
 * - a buffer: `text/x-raw,format=utf8` rendered from the
 *   #GstTwitchChatSrc:format template (links straight into textoverlay's
 *   text pad), or `application/x-twitch-chat`, one JSON object a buffer
 *   ending in a newline (the recording format, docs/chat.md);
 * - a serialized custom downstream event carrying a "twitch-chat"
 *   #GstStructure with every Twitch tag, typed;
 * - a "twitchchatsrc-chat" element message on the bus (the same structure) when
 *   #GstTwitchChatSrc:post-messages is on.
 *
 * Buffers are timestamped with the pipeline's running time at arrival. The
 * connection reconnects by itself (Twitch's RECONNECT, dropped sockets,
 * silent servers) and never delivers a message twice. Chat is sent with the
 * #GstTwitchChatSrc::send-message action signal, within Twitch's rate limits.
 *
 * With #GstTwitchChatSrc:location, the source plays a recording back in real
 * time instead of connecting.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! textoverlay name=o ! autovideosink
 * \ twitchchatsrc channels=somechannel ! o.text_sink
 * ]| Shows a channel's chat over a test picture.
 * |[
 * gst-launch-1.0 twitchchatsrc channels=a,b ! application/x-twitch-chat ! \
 *     filesink location=chat.jsonl
 * ]| Records two channels' chat.
 *
 * Since: 1.0
 */
#include "config.h"

#include "gsttwitchchatsrc-private.h"
#include "gsttwitchelements.h"

#include <gst/twitch/chat/names.h>
#include <gst/twitch/common/secrets.h>

#include <algorithm>

GST_DEBUG_CATEGORY (gst_twitch_chat_src_debug);
#define GST_CAT_DEFAULT gst_twitch_chat_src_debug

#define DEFAULT_CHANNELS nullptr
#define DEFAULT_LOCATION nullptr

enum {
  PROP_0,
  PROP_CHANNELS,
  PROP_POST_MESSAGES,
  PROP_EVENTS,
  PROP_FORMAT,
  PROP_DURATION,
  PROP_LOCATION,
  PROP_MAX_PENDING,
  PROP_STATS,
  /* The shared ones (GstTwitchChatSettingsHandler), last. */
  PROP_CHAT_SETTINGS,
};

enum {
  SIGNAL_SEND_MESSAGE,
  SIGNAL_SEND_OUTCOME,
  LAST_SIGNAL,
};

static guint signals[LAST_SIGNAL];

static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("text/x-raw, format = (string) utf8; "
                         "application/x-twitch-chat"));

#define gst_twitch_chat_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstTwitchChatSrc, gst_twitch_chat_src,
    GST_TYPE_PUSH_SRC,
    G_IMPLEMENT_INTERFACE (GST_TYPE_TWITCH_CHAT_SETTINGS_HANDLER, nullptr));
GST_ELEMENT_REGISTER_DEFINE (
    twitchchatsrc, "twitchchatsrc", GST_RANK_NONE, GST_TYPE_TWITCH_CHAT_SRC);

static void gst_twitch_chat_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_twitch_chat_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_twitch_chat_src_finalize (GObject *object);
static gboolean gst_twitch_chat_src_start (GstBaseSrc *src);
static gboolean gst_twitch_chat_src_stop (GstBaseSrc *src);
static gboolean gst_twitch_chat_src_unlock (GstBaseSrc *src);
static gboolean gst_twitch_chat_src_unlock_stop (GstBaseSrc *src);
static gboolean gst_twitch_chat_src_set_caps (GstBaseSrc *src, GstCaps *caps);
static gboolean gst_twitch_chat_src_query (GstBaseSrc *src, GstQuery *query);
static GstFlowReturn gst_twitch_chat_src_create (
    GstPushSrc *src, GstBuffer **buf);
static guint64 gst_twitch_chat_src_send_message (GstTwitchChatSrc *self,
    const gchar *channel, const gchar *text, const gchar *reply_parent_id);

static void
gst_twitch_chat_src_class_init (GstTwitchChatSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_twitch_chat_src_debug, "twitchchatsrc", 0, "Twitch chat source");

  gobject_class->set_property = gst_twitch_chat_src_set_property;
  gobject_class->get_property = gst_twitch_chat_src_get_property;
  gobject_class->finalize = gst_twitch_chat_src_finalize;

  const GParamFlags rw_ready
      = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                      | GST_PARAM_MUTABLE_READY);

  /**
   * GstTwitchChatSrc:channels:
   *
   * Comma-separated channels to join, with or without '#'.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_CHANNELS,
      g_param_spec_string ("channels", "Channels",
          "Comma-separated list of channels to join (with or without '#')",
          DEFAULT_CHANNELS, rw_ready));
  /* oauth-token, login, server, tls-ca-file, send-policy, max-age,
   * delivery: GstTwitchChatSettingsHandler's. */
  gst_twitch_chat_settings_override (gobject_class, PROP_CHAT_SETTINGS);
  /**
   * GstTwitchChatSrc:post-messages:
   *
   * Post a "twitchchatsrc-chat" element message (the "twitch-chat"
   * structure, renamed) on the bus for every chat event.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a twitchchatsrc-chat element message for every chat event",
          DEFAULT_POST_MESSAGES,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_PLAYING)));
  /**
   * GstTwitchChatSrc:events:
   *
   * Send every chat event downstream as a serialized custom event carrying
   * the "twitch-chat" structure. Turning it off raises the message rate a
   * pipeline can take when nothing downstream reads the events.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_EVENTS,
      g_param_spec_boolean ("events", "Events",
          "Send a serialized custom downstream event (twitch-chat structure) "
          "for every chat event",
          DEFAULT_EVENTS,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_PLAYING)));
  /**
   * GstTwitchChatSrc:format:
   *
   * Template of text buffers: {display_name} {login} {channel} {message}
   * {color} {id} {msg_id} {system_msg} {bits} {tag:NAME}. Keys are
   * snake_case like twitchapisrc's; the kebab-case spelling of earlier
   * releases ({display-name}, {msg-id}, {system-msg}) still works.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_FORMAT,
      g_param_spec_string ("format", "Format",
          "Template of text/x-raw buffers: {display_name} {login} {channel} "
          "{message} {color} {id} {msg_id} {system_msg} {bits} {tag:NAME} "
          "({display-name}, {msg-id}, {system-msg} also accepted)",
          DEFAULT_FORMAT, rw_ready));
  /**
   * GstTwitchChatSrc:duration:
   *
   * Duration of text buffers (how long textoverlay shows a line).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_DURATION,
      g_param_spec_uint64 ("duration", "Duration",
          "Duration of each text buffer in ns (display time in textoverlay)", 1,
          G_MAXUINT64, DEFAULT_DURATION, rw_ready));
  /**
   * GstTwitchChatSrc:location:
   *
   * Play back this application/x-twitch-chat recording (JSON Lines) in real
   * time instead of connecting.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "Replay this chat recording (JSON Lines) instead of connecting",
          DEFAULT_LOCATION, rw_ready));
  /**
   * GstTwitchChatSrc:max-pending:
   *
   * Chat events queued for downstream at most; the oldest are dropped (and
   * counted in stats) when downstream does not keep up. The streaming
   * thread takes the queue as one batch, so at most twice this many events
   * are held in all.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_PENDING,
      g_param_spec_uint ("max-pending", "Max pending",
          "Chat events held for downstream at most (oldest dropped beyond)", 1,
          G_MAXUINT, DEFAULT_MAX_PENDING, rw_ready));
  /**
   * GstTwitchChatSrc:stats:
   *
   * "twitchchatsrc-stats": received, duplicates, parse-errors, connects,
   * reconnects, sent, queued, dropped-overflow, buffers.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Stats", "Connection and message counters",
          GST_TYPE_STRUCTURE,
          (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstTwitchChatSrc::send-message:
   * @src: the #GstTwitchChatSrc
   * @channel: channel to send to (with or without '#')
   * @text: the message (split on spaces beyond 500 characters)
   * @reply_parent_id: (nullable): id of the message this replies to
   *
   * Queues a chat message within Twitch's rate limits. Needs
   * #GstTwitchChatSrc:oauth-token. A @channel that is not a Twitch name
   * (letters, digits, '_', at most 25), a @reply_parent_id that is not a
   * message id, or a @text with a line break or invalid UTF-8 is not sent:
   * its outcome is "failed" with the reason.
   *
   * Returns: the send id, reported again by #GstTwitchChatSrc::send-outcome
   * and the "twitchchatsrc-send" bus message.
   *
   * Since: 1.0
   */
  signals[SIGNAL_SEND_MESSAGE]
      = g_signal_new_class_handler ("send-message", G_TYPE_FROM_CLASS (klass),
          (GSignalFlags)(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
          G_CALLBACK (gst_twitch_chat_src_send_message),
          g_signal_accumulator_first_wins, nullptr, nullptr, G_TYPE_UINT64, 3,
          G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstTwitchChatSrc::send-outcome:
   * @src: the #GstTwitchChatSrc
   * @id: the send id send-message returned
   * @outcome: "sent", "dropped" (by Twitch's NOTICE or the policy),
   *   "expired" (older than max-age), "failed" (not sent: bad channel,
   *   text or reply id, no token, queue full, stopped) or "unconfirmed"
   *   (written, but the connection dropped before Twitch confirmed it, or
   *   no confirmation came in time: it may or may not be in chat, and is
   *   not written again unless #GstTwitchChatSrc:delivery is
   *   at-least-once)
   * @reason: Twitch's NOTICE msg-id, or why it failed
   *
   * Emitted once per send, from the chat thread.
   *
   * Since: 1.0
   */
  signals[SIGNAL_SEND_OUTCOME] = g_signal_new ("send-outcome",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
      nullptr, G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Twitch Chat Source",
      "Source/Network/Text", "Twitch chat as text, events and bus messages",
      GST_TWITCH_AUTHOR);

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_twitch_chat_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_twitch_chat_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_twitch_chat_src_unlock);
  basesrc_class->unlock_stop
      = GST_DEBUG_FUNCPTR (gst_twitch_chat_src_unlock_stop);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_twitch_chat_src_set_caps);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_twitch_chat_src_query);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_twitch_chat_src_create);

  gst_type_mark_as_plugin_api (
      GST_TYPE_TWITCH_CHAT_SEND_POLICY, (GstPluginAPIFlags)0);
  gst_type_mark_as_plugin_api (
      GST_TYPE_TWITCH_CHAT_DELIVERY, (GstPluginAPIFlags)0);
}

static void
gst_twitch_chat_src_init (GstTwitchChatSrc *self)
{
  self->priv = new GstTwitchChatSrcPrivate ();
  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (GST_BASE_SRC (self), FALSE);
}

static void
gst_twitch_chat_src_finalize (GObject *object)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (object);
  gst_twitch_chat_settings_clear (self->priv->settings);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_twitch_chat_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (object);
  auto *p = self->priv;
  std::lock_guard<std::mutex> lk (p->settings_lock);
  Settings &s = p->settings;
  auto str = [value] () {
    const gchar *v = g_value_get_string (value);
    return std::string (v ? v : "");
  };
  if (gst_twitch_chat_settings_set_property (
          s, object, PROP_CHAT_SETTINGS, prop_id, value))
    return;
  if (prop_id == PROP_CHANNELS)
    gst_twitch_chat_settings_check (
        s, object, "channels", g_value_get_string (value));
  switch (prop_id) {
    case PROP_CHANNELS:
      s.channels = str ();
      break;
    case PROP_POST_MESSAGES:
      s.post_messages = g_value_get_boolean (value);
      break;
    case PROP_EVENTS:
      s.events = g_value_get_boolean (value);
      break;
    case PROP_FORMAT:
      s.format = g_value_get_string (value) ? str () : DEFAULT_FORMAT;
      break;
    case PROP_DURATION:
      s.duration = g_value_get_uint64 (value);
      break;
    case PROP_LOCATION:
      s.location = str ();
      break;
    case PROP_MAX_PENDING:
      s.max_pending = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static GstStructure *
make_stats (GstTwitchChatSrc *self)
{
  auto *p = self->priv;
  twitch::ChatStats cs;
  guint64 dropped, buffers;
  {
    std::lock_guard<std::mutex> lk (p->lock);
    if (p->client)
      cs = p->client->stats ();
    dropped = p->dropped_overflow;
    buffers = p->buffers;
  }
  return gst_structure_new (
      gst_twitch_chat_message_name (GST_ELEMENT (self), "stats").c_str (),
      "received", G_TYPE_UINT64, (guint64)cs.messages_received, "duplicates",
      G_TYPE_UINT64, (guint64)cs.duplicates_dropped, "parse-errors",
      G_TYPE_UINT64, (guint64)cs.parse_errors, "connects", G_TYPE_UINT64,
      (guint64)cs.connects, "reconnects", G_TYPE_UINT64, (guint64)cs.reconnects,
      "sent", G_TYPE_UINT64, (guint64)cs.sent, "queued", G_TYPE_UINT64,
      (guint64)cs.queued, "dropped-overflow", G_TYPE_UINT64, dropped, "buffers",
      G_TYPE_UINT64, buffers, nullptr);
}

static void
gst_twitch_chat_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (object);
  auto *p = self->priv;
  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  std::lock_guard<std::mutex> lk (p->settings_lock);
  Settings &s = p->settings;
  auto set_str = [value] (const std::string &v) {
    g_value_set_string (value, v.empty () ? nullptr : v.c_str ());
  };
  if (gst_twitch_chat_settings_get_property (
          s, PROP_CHAT_SETTINGS, prop_id, value))
    return;
  switch (prop_id) {
    case PROP_CHANNELS:
      set_str (s.channels);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, s.post_messages);
      break;
    case PROP_EVENTS:
      g_value_set_boolean (value, s.events);
      break;
    case PROP_FORMAT:
      set_str (s.format);
      break;
    case PROP_DURATION:
      g_value_set_uint64 (value, s.duration);
      break;
    case PROP_LOCATION:
      set_str (s.location);
      break;
    case PROP_MAX_PENDING:
      g_value_set_uint (value, s.max_pending);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Chat events that become buffers/events (not protocol chatter). */
static bool
is_chat_event (twitch::ChatKind k)
{
  switch (k) {
    case twitch::ChatKind::PRIVMSG:
    case twitch::ChatKind::USERNOTICE:
    case twitch::ChatKind::CLEARCHAT:
    case twitch::ChatKind::CLEARMSG:
    case twitch::ChatKind::ROOMSTATE:
    case twitch::ChatKind::USERSTATE:
    case twitch::ChatKind::GLOBALUSERSTATE:
    case twitch::ChatKind::NOTICE:
    case twitch::ChatKind::WHISPER:
    case twitch::ChatKind::RECONNECT:
    case twitch::ChatKind::JOIN:
    case twitch::ChatKind::PART:
    case twitch::ChatKind::HOSTTARGET:
      return true;
    default:
      return false;
  }
}

static gboolean
gst_twitch_chat_src_start (GstBaseSrc *src)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (src);
  auto *p = self->priv;
  Settings run;
  {
    std::lock_guard<std::mutex> lk (p->settings_lock);
    run = p->settings;
  }
  {
    std::lock_guard<std::mutex> lk (p->lock);
    p->run = run;
    p->chat_message_name
        = gst_twitch_chat_message_name (GST_ELEMENT (self), "chat");
    p->queue.clear ();
    p->flushing = false;
    p->fatal = false;
    p->segment_sent = false;
    p->position = 0;
    p->dropped_overflow = 0;
    p->buffers = 0;
  }

  if (!run.location.empty ()) {
    p->replay.close ();
    p->replay.clear ();
    p->replay.open (run.location);
    p->replay_line = 0;
    if (!p->replay.is_open ()) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Could not open chat recording \"%s\" for reading.",
              run.location.c_str ()),
          ("%s", g_strerror (errno)));
      return FALSE;
    }
    GST_INFO_OBJECT (self, "replaying %s", run.location.c_str ());
    return TRUE;
  }

  if (!run.invalid.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("%s", run.invalid.begin ()->second.c_str ()),
        ("property %s", run.invalid.begin ()->first.c_str ()));
    return FALSE;
  }
  twitch::ChatConfig cfg;
  GError *err = nullptr;
  if (!gst_twitch_chat_settings_configure (run, cfg, &err)
      || !twitch::twitch_channel_list_parse (
          run.channels, "channels", &cfg.channels, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", err->message),
        ("domain %s, code %d", g_quark_to_string (err->domain), err->code));
    g_error_free (err);
    return FALSE;
  }
  if (cfg.channels.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("No channel to join: set the channels property (e.g. "
         "channels=somechannel), or location to replay a recording."),
        (nullptr));
    return FALSE;
  }

  twitch::ChatCallbacks cb;
  cb.on_message = [self] (twitch::ChatMessage &&m) {
    if (!is_chat_event (m.kind))
      return;
    Pending item;
    item.running_time = gst_twitch_chat_src_running_time (self);
    item.msg = std::move (m);
    gst_twitch_chat_src_enqueue (self, std::move (item));
  };
  cb.on_lines = [self] (std::string &&lines, int64_t mono, int64_t real) {
    Pending item;
    item.n = (guint)std::count (lines.begin (), lines.end (), '\n');
    item.lines = std::move (lines);
    item.arrival_mono_us = mono;
    item.arrival_real_ms = real;
    gst_twitch_chat_src_enqueue (self, std::move (item));
  };
  cb.on_send_result = [self] (const twitch::SendResult &r) {
    GST_DEBUG_OBJECT (self, "send %" G_GUINT64_FORMAT ": %s %s", (guint64)r.id,
        twitch::send_outcome_name (r.outcome), r.reason.c_str ());
    g_signal_emit (self, signals[SIGNAL_SEND_OUTCOME], 0, (guint64)r.id,
        twitch::send_outcome_name (r.outcome), r.reason.c_str ());
    gst_twitch_chat_post_send_result (GST_ELEMENT (self), r);
  };
  cb.on_state = [self] (twitch::ChatState s, int attempt, int64_t delay,
                    const GError *why) {
    gst_twitch_chat_watch_state (GST_ELEMENT (self), self->priv->watch,
        GST_RESOURCE_ERROR_OPEN_READ, s, attempt, delay, why);
  };
  cb.on_fatal = [self] (const GError *e) {
    gst_twitch_chat_post_fatal (GST_ELEMENT (self), e, GST_RESOURCE_ERROR_READ);
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
  gst_twitch_chat_warn_insecure (GST_ELEMENT (self), cfg);
  auto client = std::make_shared<twitch::ChatClient> (cfg, cb);
  if (!client->start (&err)) {
    if (g_error_matches (
            err, TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_SETTINGS))
      GST_ELEMENT_ERROR (
          self, RESOURCE, SETTINGS, ("%s", err->message), (nullptr));
    else
      GST_ELEMENT_ERROR (
          self, RESOURCE, OPEN_READ, ("%s", err->message), (nullptr));
    g_error_free (err);
    return FALSE;
  }
  GST_INFO_OBJECT (
      self, "chat of %s on %s", run.channels.c_str (), run.server.c_str ());
  std::lock_guard<std::mutex> lk (p->lock);
  p->client = std::move (client);
  return TRUE;
}

static gboolean
gst_twitch_chat_src_stop (GstBaseSrc *src)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (src);
  auto *p = self->priv;
  std::shared_ptr<twitch::ChatClient> client;
  {
    std::lock_guard<std::mutex> lk (p->lock);
    client = std::move (p->client);
  }
  if (client)
    client->stop ();
  client.reset ();
  std::lock_guard<std::mutex> lk (p->lock);
  p->queue.clear ();
  p->batch.clear ();
  p->replay.close ();
  return TRUE;
}

static gboolean
gst_twitch_chat_src_unlock (GstBaseSrc *src)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (src);
  auto *p = self->priv;
  std::lock_guard<std::mutex> lk (p->lock);
  p->flushing = true;
  if (p->clock_id)
    gst_clock_id_unschedule (p->clock_id);
  p->cond.notify_all ();
  p->space.notify_all ();
  return TRUE;
}

static gboolean
gst_twitch_chat_src_unlock_stop (GstBaseSrc *src)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (src);
  auto *p = self->priv;
  std::lock_guard<std::mutex> lk (p->lock);
  p->flushing = false;
  return TRUE;
}

static gboolean
gst_twitch_chat_src_set_caps (GstBaseSrc *src, GstCaps *caps)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (src);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  std::lock_guard<std::mutex> lk (self->priv->lock);
  self->priv->json = gst_structure_has_name (s, "application/x-twitch-chat");
  GST_INFO_OBJECT (self, "output %s", self->priv->json ? "JSON" : "text");
  return TRUE;
}

static gboolean
gst_twitch_chat_src_query (GstBaseSrc *src, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    /* Buffers carry their arrival time: no latency of our own. */
    gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS (parent_class)->query (src, query);
}

static GstFlowReturn
gst_twitch_chat_src_create (GstPushSrc *psrc, GstBuffer **buf)
{
  GstTwitchChatSrc *self = GST_TWITCH_CHAT_SRC (psrc);
  auto *p = self->priv;
  bool post, events;
  {
    std::lock_guard<std::mutex> lk (p->settings_lock);
    post = p->settings.post_messages;
    events = p->settings.events;
  }
  bool json;
  GstClockTime duration;
  {
    std::lock_guard<std::mutex> lk (p->lock);
    json = p->json;
    duration = p->run.duration;
  }

  while (true) {
    /* One item reused for every event: its message keeps its storage. */
    Pending &item = p->current;
    GstFlowReturn ret = gst_twitch_chat_src_next_item (self, item);
    if (ret != GST_FLOW_OK)
      return ret;
    if (!GST_CLOCK_TIME_IS_VALID (item.running_time))
      item.running_time = gst_twitch_chat_src_running_time (self);
    if (!GST_CLOCK_TIME_IS_VALID (item.running_time))
      item.running_time = 0;
    /* Never before what a gap already covered. */
    item.running_time = MAX (item.running_time, p->position);
    p->position = item.running_time;
    gst_twitch_chat_src_ensure_segment (self);

    /* The event, the bus message, and the buffer (none for an event
     * without text: a GAP went downstream instead). */
    gst_twitch_chat_src_output (self, item, events, post, json, duration, buf);
    if (*buf)
      return GST_FLOW_OK;
  }
}

static guint64
gst_twitch_chat_src_send_message (GstTwitchChatSrc *self, const gchar *channel,
    const gchar *text, const gchar *reply_parent_id)
{
  auto *p = self->priv;
  std::shared_ptr<twitch::ChatClient> client;
  bool replay;
  {
    std::lock_guard<std::mutex> lk (p->lock);
    client = p->client;
    replay = !p->run.location.empty ();
  }
  if (!client) {
    GST_WARNING_OBJECT (self,
        "send-message while not connected (start the pipeline first%s)",
        replay ? "; replay cannot send" : "");
    return 0;
  }
  /* Not under the lock: a refused send reports its outcome at once, and
   * the app's handler may read our properties. */
  return client->send (channel ? channel : "", text ? text : "",
      reply_parent_id ? reply_parent_id : "");
}
