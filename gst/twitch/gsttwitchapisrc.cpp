/**
 * SECTION:element-twitchapisrc
 * @title: twitchapisrc
 * @short_description: Twitch channel metadata (live state, title, category,
 * viewers, followers) as a live source
 *
 * Polls the Twitch Helix API for a channel every #GstTwitchApiSrc:interval
 * seconds. Whenever something changes it pushes a tag event (title, the
 * category as genre, and the custom tags `twitch-viewers`, `twitch-followers`,
 * `twitch-live`, `twitch-channel`), a serialized custom downstream event
 * named `twitchapi-state` carrying the whole state, and posts element
 * messages on the bus: `twitchapisrc-online` and `twitchapisrc-offline` when
 * the channel goes live or offline (and for the first state), and
 * `twitchapisrc-changed` on every change. Each message's structure holds
 * `channel`, `user-id`, `display-name`, `live`, `title`, `category`,
 * `category-id`, `language`, `viewer-count`, `follower-count`, `started-at`
 * (a #GstDateTime, when live) and `changed` (the names of the changed
 * fields, comma-separated).
 *
 * Every poll also produces a buffer (or only changes, with
 * #GstTwitchApiSrc:only-changes): `text/x-raw, format=utf8` rendered from
 * #GstTwitchApiSrc:format (or #GstTwitchApiSrc:offline-format while
 * offline), lasting one interval so that `textoverlay` always has text to
 * show, or `application/json` (one object and a newline a buffer) when
 * downstream asks for it.
 *
 * Credentials come from #GstTwitchApiSrc:client-id with
 * #GstTwitchApiSrc:client-secret (app token) or #GstTwitchApiSrc:oauth-token
 * (user token), or from TWITCH_CLIENT_ID, TWITCH_CLIENT_SECRET and
 * TWITCH_OAUTH_TOKEN. Secrets are write-only and never logged. Network
 * failures, server errors and rate limits are retried at the next poll: the
 * first failed poll posts one element warning naming the cause, and one more
 * follows when Helix answers again. Rejected credentials, a missing scope or
 * an unknown channel stop the source with one element error.
 *
 * Whatever Helix does (down, slow, failing), the source tells downstream with
 * GAP events every 100 ms that no text is coming yet, so a `textoverlay` it
 * feeds never holds the picture. JSON buffers end with a newline: a
 * `filesink` recording is JSON Lines.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! textoverlay name=o ! autovideosink
 * \ twitchapisrc channel=twitchdev interval=30 format="{viewer_count} viewers"
 * ! o.text_sink
 * ]| Shows the viewer count of twitchdev over a test picture.
 * |[
 * gst-launch-1.0 -m twitchapisrc channel=twitchdev ! application/json !
 * fakesink
 * ]| Prints the bus messages as the channel goes live, changes and goes
 * offline.
 *
 * Since: 1.0
 */
/* How it is built: this file is the element (properties, start/stop,
 * create() taking polls from a queue); gsttwitchapisrc-poll.cpp is the HTTP
 * thread polling twitch::channel_snapshot(); gsttwitchapisrc-state.cpp the
 * state and its renderings; gsttwitchapisrc-output.cpp the tags, events,
 * bus messages, gaps and fatal errors create() sends. */
#include "config.h"

#include "gsttwitchapisrc-private.h"
#include "gsttwitchelements.h"

#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/helix.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace apisrc;

GST_DEBUG_CATEGORY (gst_twitch_api_src_debug);
#define GST_CAT_DEFAULT gst_twitch_api_src_debug

enum {
  PROP_0,
  PROP_CHANNEL,
  PROP_INTERVAL,
  PROP_FORMAT,
  PROP_OFFLINE_FORMAT,
  PROP_ONLY_CHANGES,
  PROP_CLIENT_ID,
  PROP_CLIENT_SECRET,
  PROP_OAUTH_TOKEN,
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8; application/json"));

#define gst_twitch_api_src_parent_class parent_class
G_DEFINE_TYPE (GstTwitchApiSrc, gst_twitch_api_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (twitchapisrc, "twitchapisrc",
    GST_RANK_NONE, GST_TYPE_TWITCH_API_SRC, twitch_element_init (plugin));

static void gst_twitch_api_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_twitch_api_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_twitch_api_src_finalize (GObject *object);
static GstStateChangeReturn gst_twitch_api_src_change_state (
    GstElement *element, GstStateChange transition);
static gboolean gst_twitch_api_src_start (GstBaseSrc *src);
static gboolean gst_twitch_api_src_stop (GstBaseSrc *src);
static gboolean gst_twitch_api_src_unlock (GstBaseSrc *src);
static gboolean gst_twitch_api_src_unlock_stop (GstBaseSrc *src);
static gboolean gst_twitch_api_src_set_caps (GstBaseSrc *src, GstCaps *caps);
static gboolean gst_twitch_api_src_query (GstBaseSrc *src, GstQuery *query);
static GstFlowReturn gst_twitch_api_src_create (
    GstPushSrc *src, GstBuffer **buf);

static void
gst_twitch_api_src_class_init (GstTwitchApiSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_twitch_api_src_debug, "twitchapisrc", 0,
      "Twitch channel metadata source");

  gobject_class->set_property = gst_twitch_api_src_set_property;
  gobject_class->get_property = gst_twitch_api_src_get_property;
  gobject_class->finalize = gst_twitch_api_src_finalize;

  /**
   * GstTwitchApiSrc:channel:
   *
   * Login name of the channel to watch (e.g. "twitchdev").
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_CHANNEL,
      g_param_spec_string ("channel", "Channel",
          "Login name of the Twitch channel to watch", DEFAULT_CHANNEL,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_READY)));
  /**
   * GstTwitchApiSrc:interval:
   *
   * Seconds between two polls. Each poll costs 3 Helix requests (4 the first
   * time); even at the minimum of 1 s that is well under Twitch's 800
   * requests a minute.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Seconds between two polls of the Helix API", MIN_INTERVAL,
          MAX_INTERVAL, DEFAULT_INTERVAL,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_READY)));
  /**
   * GstTwitchApiSrc:format:
   *
   * Template of the text buffers while the channel is live: {viewer_count},
   * {follower_count}, {title}, {category}, {category_id}, {channel},
   * {display_name}, {user_id}, {language}, {live}, {started_at}, {uptime};
   * {{ and }} are literal braces.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_FORMAT,
      g_param_spec_string ("format", "Format",
          "Text of the text/x-raw buffers while live, with {viewer_count}, "
          "{follower_count}, {title}, {category}, {category_id}, {channel}, "
          "{display_name}, {user_id}, {language}, {live}, {started_at}, "
          "{uptime} replaced ({{ and }}: literal braces)",
          DEFAULT_FORMAT,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_PLAYING)));
  /**
   * GstTwitchApiSrc:offline-format:
   *
   * Template of the text buffers while the channel is offline (same
   * fields as #GstTwitchApiSrc:format; empty: no text on an overlay).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_OFFLINE_FORMAT,
      g_param_spec_string ("offline-format", "Offline format",
          "Text of the text/x-raw buffers while offline (same fields as "
          "format)",
          DEFAULT_OFFLINE_FORMAT,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_PLAYING)));
  /**
   * GstTwitchApiSrc:only-changes:
   *
   * Push a buffer only when the state changed, instead of one every poll.
   * Leave it off when feeding textoverlay: each text lasts one interval.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_ONLY_CHANGES,
      g_param_spec_boolean ("only-changes", "Only changes",
          "Push a buffer only when the channel's state changed",
          DEFAULT_ONLY_CHANGES,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_PLAYING)));
  /**
   * GstTwitchApiSrc:client-id:
   *
   * Client id of the Twitch application (default: TWITCH_CLIENT_ID).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_CLIENT_ID,
      g_param_spec_string ("client-id", "Client ID",
          "Client id of the Twitch application (default: TWITCH_CLIENT_ID)",
          nullptr,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_READY)));
  /**
   * GstTwitchApiSrc:client-secret:
   *
   * Client secret, for an app access token (default: TWITCH_CLIENT_SECRET).
   * Write-only, never logged.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_CLIENT_SECRET,
      g_param_spec_string ("client-secret", "Client secret",
          "Client secret for an app access token (default: "
          "TWITCH_CLIENT_SECRET; write-only)",
          nullptr,
          (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_READY)));
  /**
   * GstTwitchApiSrc:oauth-token:
   *
   * A user access token (default: TWITCH_OAUTH_TOKEN). Write-only, never
   * logged.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_OAUTH_TOKEN,
      g_param_spec_string ("oauth-token", "OAuth token",
          "User access token (default: TWITCH_OAUTH_TOKEN; write-only)",
          nullptr,
          (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS
                        | GST_PARAM_MUTABLE_READY)));

  gst_tag_register (TAG_VIEWERS, GST_TAG_FLAG_META, G_TYPE_INT64,
      "Twitch viewers", "Viewers of the live stream", gst_tag_merge_use_first);
  gst_tag_register (TAG_FOLLOWERS, GST_TAG_FLAG_META, G_TYPE_INT64,
      "Twitch followers", "Followers of the channel", gst_tag_merge_use_first);
  gst_tag_register (TAG_LIVE, GST_TAG_FLAG_META, G_TYPE_BOOLEAN, "Twitch live",
      "Whether the channel is live", gst_tag_merge_use_first);
  gst_tag_register (TAG_CHANNEL, GST_TAG_FLAG_META, G_TYPE_STRING,
      "Twitch channel", "Login name of the channel", gst_tag_merge_use_first);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Twitch API Source",
      "Source/Network",
      "Polls Twitch's Helix API for a channel's live state, title, category, "
      "viewers and followers",
      GST_TWITCH_AUTHOR);

  element_class->change_state
      = GST_DEBUG_FUNCPTR (gst_twitch_api_src_change_state);
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_twitch_api_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_twitch_api_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_twitch_api_src_unlock);
  basesrc_class->unlock_stop
      = GST_DEBUG_FUNCPTR (gst_twitch_api_src_unlock_stop);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_twitch_api_src_set_caps);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_twitch_api_src_query);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_twitch_api_src_create);
}

static void
gst_twitch_api_src_init (GstTwitchApiSrc *self)
{
  self->priv = new GstTwitchApiSrcPrivate ();
  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
}

static void
gst_twitch_api_src_finalize (GObject *object)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (object);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_twitch_api_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (object);
  std::lock_guard<std::mutex> lock (self->priv->settings_lock);
  Settings &s = self->priv->settings;
  switch (prop_id) {
    case PROP_CHANNEL: {
      const gchar *v = g_value_get_string (value);
      s.channel = v ? v : "";
      for (auto &c : s.channel)
        c = g_ascii_tolower (c);
      break;
    }
    case PROP_INTERVAL:
      s.interval = g_value_get_uint (value);
      break;
    case PROP_FORMAT: {
      const gchar *v = g_value_get_string (value);
      s.format = v ? v : "";
      break;
    }
    case PROP_OFFLINE_FORMAT: {
      const gchar *v = g_value_get_string (value);
      s.offline_format = v ? v : "";
      break;
    }
    case PROP_ONLY_CHANGES:
      s.only_changes = g_value_get_boolean (value);
      break;
    case PROP_CLIENT_ID: {
      const gchar *v = g_value_get_string (value);
      s.client_id = v ? v : "";
      break;
    }
    case PROP_CLIENT_SECRET:
      s.client_secret = twitch::secret_share (
          g_value_get_string (value) ? g_value_get_string (value) : "");
      break;
    case PROP_OAUTH_TOKEN:
      s.oauth_token = twitch::secret_share (
          g_value_get_string (value) ? g_value_get_string (value) : "");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_twitch_api_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (object);
  std::lock_guard<std::mutex> lock (self->priv->settings_lock);
  const Settings &s = self->priv->settings;
  switch (prop_id) {
    case PROP_CHANNEL:
      g_value_set_string (
          value, s.channel.empty () ? nullptr : s.channel.c_str ());
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, s.interval);
      break;
    case PROP_FORMAT:
      g_value_set_string (value, s.format.c_str ());
      break;
    case PROP_OFFLINE_FORMAT:
      g_value_set_string (value, s.offline_format.c_str ());
      break;
    case PROP_ONLY_CHANGES:
      g_value_set_boolean (value, s.only_changes);
      break;
    case PROP_CLIENT_ID:
      g_value_set_string (
          value, s.client_id.empty () ? nullptr : s.client_id.c_str ());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* ---- GstBaseSrc ---------------------------------------------------------- */

/* Copies the settings and checks them: a clear error here, from
 * change_state, is the only one the user sees (failing in start() makes
 * GstBaseSrc add a generic "state change failed" error of its own). */
static gboolean
prepare (GstTwitchApiSrc *self)
{
  GstTwitchApiSrcPrivate *p = self->priv;
  p->prepared = false;
  {
    std::lock_guard<std::mutex> lock (p->settings_lock);
    p->running = p->settings;
  }
  if (p->running.channel.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("No channel to watch: set the channel property (e.g. "
         "channel=twitchdev)"),
        (nullptr));
    return FALSE;
  }
  twitch::HelixConfig config;
  config.client_id = p->running.client_id;
  config.client_secret = twitch::secret_reveal (p->running.client_secret);
  config.oauth_token = twitch::secret_reveal (p->running.oauth_token);
  /* Live data: no cache; a request slower than an interval is retried at
   * the next poll rather than piling up. */
  config.timeout_sec
      = std::max<guint> (5, std::min<guint> (30, p->running.interval));
  p->helix = std::make_unique<twitch::Helix> (config);
  GError *error = nullptr;
  if (!p->helix->check_credentials (&error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("%s", twitch::secrets_redact (error->message).c_str ()),
        ("domain %s, code %d", g_quark_to_string (error->domain), error->code));
    g_error_free (error);
    p->helix.reset ();
    return FALSE;
  }
  p->prepared = true;
  return TRUE;
}

static GstStateChangeReturn
gst_twitch_api_src_change_state (GstElement *element, GstStateChange transition)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !prepare (self))
    return GST_STATE_CHANGE_FAILURE;
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static gboolean
gst_twitch_api_src_start (GstBaseSrc *src)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (src);
  GstTwitchApiSrcPrivate *p = self->priv;
  /* Prepared by change_state unless started some other way. */
  if (!p->prepared && !prepare (self))
    return FALSE;
  p->prepared = false;
  p->segment_sent = false;
  p->position = 0;
  p->failed_polls = 0;
  p->have_state = false;
  p->user.reset ();
  {
    std::lock_guard<std::mutex> g (p->queue_lock);
    p->queue.clear ();
    p->flushing = false;
    p->stopping = false;
    g_clear_object (&p->cancellable);
    p->cancellable = g_cancellable_new ();
  }
  p->context = g_main_context_new ();
  p->loop = g_main_loop_new (p->context, FALSE);
  GST_DEBUG_OBJECT (self, "polling %s every %u s", p->running.channel.c_str (),
      p->running.interval);
  p->thread = std::thread (http_thread, self);
  return TRUE;
}

static gboolean
gst_twitch_api_src_stop (GstBaseSrc *src)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (src);
  GstTwitchApiSrcPrivate *p = self->priv;
  {
    std::lock_guard<std::mutex> g (p->queue_lock);
    p->flushing = true;
    p->stopping = true;
    if (p->cancellable)
      g_cancellable_cancel (p->cancellable);
  }
  p->queue_cond.notify_all ();
  if (p->thread.joinable ()) {
    g_main_context_invoke (
        p->context,
        [] (gpointer loop) -> gboolean {
          g_main_loop_quit (static_cast<GMainLoop *> (loop));
          return G_SOURCE_REMOVE;
        },
        p->loop);
    /* A poll in flight sees the cancel at once, and no new one starts. */
    p->thread.join ();
  }
  if (p->loop) {
    g_main_loop_unref (p->loop);
    p->loop = nullptr;
  }
  if (p->context) {
    g_main_context_unref (p->context);
    p->context = nullptr;
  }
  p->helix.reset ();
  std::lock_guard<std::mutex> g (p->queue_lock);
  p->queue.clear ();
  return TRUE;
}

static gboolean
gst_twitch_api_src_unlock (GstBaseSrc *src)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (src);
  GstTwitchApiSrcPrivate *p = self->priv;
  GST_DEBUG_OBJECT (self, "unlock");
  {
    std::lock_guard<std::mutex> g (p->queue_lock);
    p->flushing = true;
    if (p->cancellable)
      g_cancellable_cancel (p->cancellable);
  }
  p->queue_cond.notify_all ();
  return TRUE;
}

static gboolean
gst_twitch_api_src_unlock_stop (GstBaseSrc *src)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (src);
  GstTwitchApiSrcPrivate *p = self->priv;
  GST_DEBUG_OBJECT (self, "unlock_stop");
  std::lock_guard<std::mutex> g (p->queue_lock);
  p->flushing = false;
  return TRUE;
}

static gboolean
gst_twitch_api_src_set_caps (GstBaseSrc *src, GstCaps *caps)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (src);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  self->priv->json = gst_structure_has_name (s, "application/json");
  GST_DEBUG_OBJECT (self, "output %s", self->priv->json ? "JSON" : "text");
  return TRUE;
}

static gboolean
gst_twitch_api_src_query (GstBaseSrc *src, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    /* Buffers carry their arrival time: no latency of our own, and no
     * bound on how much downstream may buffer. */
    gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS (parent_class)->query (src, query);
}

static GstFlowReturn
gst_twitch_api_src_create (GstPushSrc *src, GstBuffer **buf)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (src);
  GstTwitchApiSrcPrivate *p = self->priv;
  Settings settings;
  {
    std::lock_guard<std::mutex> lock (p->settings_lock);
    settings = p->settings;
  }
  while (true) {
    PollResult r;
    {
      std::unique_lock<std::mutex> lk (p->queue_lock);
      /* Whatever Helix does (down, slow, failing), downstream learns every
       * GAP_INTERVAL that no text is coming yet: textoverlay never holds
       * the picture waiting for us. */
      while (
          !p->queue_cond.wait_for (lk, std::chrono::nanoseconds (GAP_INTERVAL),
              [p] { return p->flushing || !p->queue.empty (); })) {
        lk.unlock ();
        push_gap (self);
        lk.lock ();
      }
      if (p->flushing)
        return GST_FLOW_FLUSHING;
      r = std::move (p->queue.front ());
      p->queue.pop_front ();
    }
    if (r.fatal) {
      post_fatal (self, r);
      return GST_FLOW_ERROR;
    }
    bool changed;
    if (r.ok) {
      changed = !p->have_state || !changed_fields (&p->last, r.state).empty ();
      announce (self, p->have_state ? &p->last : nullptr, r.state);
      p->last = r.state;
      p->have_state = true;
    } else {
      /* Retried quietly: keep the overlay showing the last state. */
      if (!p->have_state)
        continue;
      changed = false;
    }
    if (settings.only_changes && !changed)
      continue;

    /* JSON Lines, like the chat source's recordings. */
    std::string payload = p->json
                              ? state_json (p->last) + "\n"
                              : render (p->last.live ? settings.format
                                                     : settings.offline_format,
                                  p->last);
    GstBuffer *buffer
        = gst_buffer_new_memdup (payload.data (), payload.size ());
    GstClockTime now = current_running_time (self);
    /* Never before what a gap already promised to be empty. */
    GstClockTime pts = GST_CLOCK_TIME_IS_VALID (now) ? now : 0;
    pts = MAX (pts, p->position);
    p->position = pts;
    GST_BUFFER_PTS (buffer) = pts;
    GST_BUFFER_DURATION (buffer) = settings.interval * GST_SECOND;
    ensure_segment (self);
    *buf = buffer;
    return GST_FLOW_OK;
  }
}
