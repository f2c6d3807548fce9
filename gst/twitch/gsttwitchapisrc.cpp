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
 * messages on the bus: `twitchapisrc-online` and `twitchapisrc-offline` when the
 * channel goes live or offline (and for the first state), and
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
#include "config.h"

#include "gsttwitchapisrc.h"
#include "gsttwitchelements.h"

#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/helix.h>

#include <json-glib/json-glib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (gst_twitch_api_src_debug);
#define GST_CAT_DEFAULT gst_twitch_api_src_debug

#define DEFAULT_CHANNEL nullptr
#define DEFAULT_INTERVAL 30
#define MIN_INTERVAL 1
#define MAX_INTERVAL (24 * 3600)
#define DEFAULT_FORMAT "{viewer_count} viewers"
#define DEFAULT_OFFLINE_FORMAT "offline"
#define DEFAULT_ONLY_CHANGES FALSE
/* Results waiting for create(): older ones are dropped past this. */
#define MAX_QUEUED 16

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

#define TAG_VIEWERS "twitch-viewers"
#define TAG_FOLLOWERS "twitch-followers"
#define TAG_LIVE "twitch-live"
#define TAG_CHANNEL "twitch-channel"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8; application/json"));

namespace
{

struct ChannelState {
  std::string login;
  std::string user_id;
  std::string display_name;
  std::string title;
  std::string category;
  std::string category_id;
  std::string language;
  bool live = false;
  int64_t viewers = 0;
  int64_t followers = -1;
  twitch::TimeUs started_at = 0;
};

/* Names of the fields that differ (all of them when @before is null). */
std::vector<std::string>
changed_fields (const ChannelState *before, const ChannelState &now)
{
  std::vector<std::string> out;
  auto diff = [&] (bool differs, const char *name) {
    if (before == nullptr || differs)
      out.emplace_back (name);
  };
  diff (before && before->live != now.live, "live");
  diff (before && before->title != now.title, "title");
  diff (before && before->category != now.category, "category");
  diff (before && before->viewers != now.viewers, "viewer-count");
  diff (before && before->followers != now.followers, "follower-count");
  diff (before && before->started_at != now.started_at, "started-at");
  diff (before && before->display_name != now.display_name, "display-name");
  return out;
}

std::string
uptime (const ChannelState &s)
{
  if (!s.live || s.started_at == 0)
    return "";
  int64_t secs = (g_get_real_time () - s.started_at) / G_USEC_PER_SEC;
  if (secs < 0)
    secs = 0;
  char buf[32];
  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT ":%02d:%02d", secs / 3600,
      static_cast<int> ((secs / 60) % 60), static_cast<int> (secs % 60));
  return buf;
}

/* Replaces {name} with the state's fields; {{ and }} are literal braces;
 * unknown names are kept as written. */
std::string
render (const std::string &tmpl, const ChannelState &s)
{
  std::string out;
  out.reserve (tmpl.size () + 32);
  for (size_t i = 0; i < tmpl.size ();) {
    char c = tmpl[i];
    if (c == '{' && i + 1 < tmpl.size () && tmpl[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    if (c == '}' && i + 1 < tmpl.size () && tmpl[i + 1] == '}') {
      out += '}';
      i += 2;
      continue;
    }
    if (c != '{') {
      out += c;
      i++;
      continue;
    }
    size_t end = tmpl.find ('}', i);
    if (end == std::string::npos) {
      out += tmpl.substr (i);
      break;
    }
    std::string key = tmpl.substr (i + 1, end - i - 1);
    if (key == "viewer_count" || key == "viewers")
      out += std::to_string (s.viewers);
    else if (key == "follower_count" || key == "followers")
      out += s.followers >= 0 ? std::to_string (s.followers) : "";
    else if (key == "title")
      out += s.title;
    else if (key == "category" || key == "game" || key == "game_name")
      out += s.category;
    else if (key == "category_id" || key == "game_id")
      out += s.category_id;
    else if (key == "channel" || key == "login")
      out += s.login;
    else if (key == "display_name")
      out += s.display_name;
    else if (key == "user_id")
      out += s.user_id;
    else if (key == "language")
      out += s.language;
    else if (key == "live")
      out += s.live ? "live" : "offline";
    else if (key == "started_at")
      out += twitch::time_to_iso8601 (s.started_at);
    else if (key == "uptime")
      out += uptime (s);
    else
      out += tmpl.substr (i, end - i + 1);
    i = end + 1;
  }
  return out;
}

GstStructure *
state_structure (const char *name, const ChannelState &s,
    const std::vector<std::string> &changed)
{
  std::string changed_list;
  for (const auto &c : changed)
    changed_list += (changed_list.empty () ? "" : ",") + c;
  GstStructure *st = gst_structure_new (name, "channel", G_TYPE_STRING,
      s.login.c_str (), "user-id", G_TYPE_STRING, s.user_id.c_str (),
      "display-name", G_TYPE_STRING, s.display_name.c_str (), "live",
      G_TYPE_BOOLEAN, s.live, "title", G_TYPE_STRING, s.title.c_str (),
      "category", G_TYPE_STRING, s.category.c_str (), "category-id",
      G_TYPE_STRING, s.category_id.c_str (), "language", G_TYPE_STRING,
      s.language.c_str (), "viewer-count", G_TYPE_INT64, s.viewers,
      "follower-count", G_TYPE_INT64, s.followers, "changed", G_TYPE_STRING,
      changed_list.c_str (), nullptr);
  if (s.live && s.started_at != 0) {
    GDateTime *dt = twitch::time_to_gdatetime (s.started_at);
    if (dt) {
      GstDateTime *gdt = gst_date_time_new_from_g_date_time (dt);
      gst_structure_set (st, "started-at", GST_TYPE_DATE_TIME, gdt, nullptr);
      gst_date_time_unref (gdt);
    }
  }
  return st;
}

std::string
state_json (const ChannelState &s)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "channel");
  json_builder_add_string_value (b, s.login.c_str ());
  json_builder_set_member_name (b, "user_id");
  json_builder_add_string_value (b, s.user_id.c_str ());
  json_builder_set_member_name (b, "display_name");
  json_builder_add_string_value (b, s.display_name.c_str ());
  json_builder_set_member_name (b, "live");
  json_builder_add_boolean_value (b, s.live);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, s.title.c_str ());
  json_builder_set_member_name (b, "category");
  json_builder_add_string_value (b, s.category.c_str ());
  json_builder_set_member_name (b, "category_id");
  json_builder_add_string_value (b, s.category_id.c_str ());
  json_builder_set_member_name (b, "language");
  json_builder_add_string_value (b, s.language.c_str ());
  json_builder_set_member_name (b, "viewer_count");
  json_builder_add_int_value (b, s.viewers);
  json_builder_set_member_name (b, "follower_count");
  if (s.followers >= 0)
    json_builder_add_int_value (b, s.followers);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "started_at");
  if (s.live && s.started_at)
    json_builder_add_string_value (
        b, twitch::time_to_iso8601 (s.started_at).c_str ());
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  JsonNode *root = json_builder_get_root (b);
  gchar *text = json_to_string (root, FALSE);
  std::string out (text);
  g_free (text);
  json_node_unref (root);
  g_object_unref (b);
  return out;
}

/* One poll's outcome, handed from the HTTP thread to create(). */
struct PollResult {
  bool ok = false;
  ChannelState state;
  /* Failure: fatal ones stop the source with an element error. */
  bool fatal = false;
  bool network = false; /* no answer at all (G_IO_ERROR, resolver) */
  int gst_code = GST_RESOURCE_ERROR_FAILED;
  std::string message;
  std::string debug;
};

struct Settings {
  std::string channel;
  guint interval = DEFAULT_INTERVAL;
  std::string format = DEFAULT_FORMAT;
  std::string offline_format = DEFAULT_OFFLINE_FORMAT;
  bool only_changes = DEFAULT_ONLY_CHANGES;
  std::string client_id;
  std::string client_secret;
  std::string oauth_token;
};

} // namespace

struct GstTwitchApiSrcPrivate {
  std::mutex settings_lock;
  Settings settings;

  /* Runtime state: the HTTP thread with its own GMainContext. */
  Settings running; /* copied in start() */
  std::unique_ptr<twitch::Helix> helix;
  std::thread thread;
  GMainContext *context = nullptr;
  GMainLoop *loop = nullptr;

  std::mutex queue_lock;
  std::condition_variable queue_cond;
  std::deque<PollResult> queue;
  bool flushing = false;
  bool stopping = false;               /* stop(): no new poll starts */
  GCancellable *cancellable = nullptr; /* under queue_lock */

  /* Streaming thread only. */
  bool have_state = false;
  ChannelState last;
  bool json = false;
  bool segment_sent = false;
  GstClockTime position = 0; /* running time covered by buffers and gaps */
  /* HTTP thread only. */
  std::string user_id;
  std::string display_name;
  guint failed_polls = 0;   /* in a row, since the last good one */
  gint64 failing_since = 0; /* monotonic, first failure of the run */
  /* Set up by change_state (READY->PAUSED) or start(). */
  bool prepared = false;

  ~GstTwitchApiSrcPrivate ()
  {
    twitch::secrets_unregister (settings.client_secret);
    twitch::secrets_unregister (settings.oauth_token);
    g_clear_object (&cancellable);
  }
};

struct _GstTwitchApiSrc {
  GstPushSrc parent;
  GstTwitchApiSrcPrivate *priv;
};

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
replace_secret (std::string &slot, const gchar *value)
{
  twitch::secrets_unregister (slot);
  slot = value ? value : "";
  twitch::secrets_register (slot);
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
      replace_secret (s.client_secret, g_value_get_string (value));
      break;
    case PROP_OAUTH_TOKEN:
      replace_secret (s.oauth_token, g_value_get_string (value));
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

/* ---- HTTP thread --------------------------------------------------------- */

/* Classifies a failed poll: auth and unknown channel are fatal; network,
 * server, rate limit and bad answers are retried at the next poll. */
static PollResult
failure_of (const GError *error, const std::string &channel)
{
  PollResult r;
  r.debug = "domain " + std::string (g_quark_to_string (error->domain))
            + ", code " + std::to_string (error->code);
  r.message = twitch::secrets_redact (error->message);
  r.network = error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR
              || (error->domain == TWITCH_API_ERROR
                  && error->code == twitch::API_ERROR_NETWORK);
  if (error->domain == TWITCH_API_ERROR) {
    switch (error->code) {
      case twitch::API_ERROR_UNAUTHORIZED:
      case twitch::API_ERROR_MISSING_SCOPE:
        r.fatal = true;
        r.gst_code = GST_RESOURCE_ERROR_NOT_AUTHORIZED;
        break;
      case twitch::API_ERROR_NOT_FOUND:
        r.fatal = true;
        r.gst_code = GST_RESOURCE_ERROR_NOT_FOUND;
        r.message = "No Twitch channel named \"" + channel
                    + "\": check the channel property";
        break;
      case twitch::API_ERROR_BAD_REQUEST:
        r.fatal = true;
        r.gst_code = GST_RESOURCE_ERROR_SETTINGS;
        break;
      default:
        break;
    }
  }
  return r;
}

static PollResult
poll_once (GstTwitchApiSrc *self, GCancellable *cancellable)
{
  GstTwitchApiSrcPrivate *p = self->priv;
  const std::string &channel = p->running.channel;
  GError *error = nullptr;
  PollResult r;

  if (p->user_id.empty ()) {
    auto user = p->helix->user_by_login (channel, cancellable, &error);
    if (!user)
      goto failed;
    p->user_id = user->id;
    p->display_name = user->display_name;
    GST_INFO_OBJECT (
        self, "channel %s is user %s", channel.c_str (), p->user_id.c_str ());
  }
  {
    ChannelState &s = r.state;
    s.login = channel;
    s.user_id = p->user_id;
    s.display_name = p->display_name;
    auto streams = p->helix->streams ({p->user_id}, {}, cancellable, &error);
    if (!streams)
      goto failed;
    if (!streams->empty ()) {
      const twitch::Stream &st = streams->front ();
      s.live = st.type == "live" || st.type.empty ();
      s.title = st.title;
      s.category = st.game_name;
      s.category_id = st.game_id;
      s.language = st.language;
      s.viewers = st.viewer_count;
      s.started_at = st.started_at;
    } else {
      auto ch = p->helix->channels ({p->user_id}, cancellable, &error);
      if (!ch)
        goto failed;
      if (!ch->empty ()) {
        s.title = ch->front ().title;
        s.category = ch->front ().game_name;
        s.category_id = ch->front ().game_id;
        s.language = ch->front ().broadcaster_language;
      }
    }
    auto total = p->helix->followers_total (p->user_id, cancellable, &error);
    if (!total)
      goto failed;
    s.followers = *total;
  }
  r.ok = true;
  return r;

failed:
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    GST_DEBUG_OBJECT (self, "poll cancelled");
    g_error_free (error);
    PollResult cancelled;
    cancelled.message = "cancelled";
    return cancelled;
  }
  PollResult f = failure_of (error, channel);
  if (f.fatal)
    GST_WARNING_OBJECT (self, "poll failed for good: %s", f.message.c_str ());
  else
    GST_WARNING_OBJECT (
        self, "poll failed, retrying at the next one: %s", f.message.c_str ());
  g_error_free (error);
  return f;
}

/* What a user sees on a gst-launch line: one warning at the first failed
 * poll (the cause and when the next one runs), one when polls work again.
 * Fatal failures are an error of their own, posted by create(). */
static void
report_connection (GstTwitchApiSrc *self, const PollResult &r)
{
  GstTwitchApiSrcPrivate *p = self->priv;
  const char *channel = p->running.channel.c_str ();
  if (r.ok) {
    if (p->failed_polls > 0) {
      gint64 secs
          = (g_get_monotonic_time () - p->failing_since) / G_USEC_PER_SEC;
      GST_ELEMENT_WARNING (self, RESOURCE, READ,
          ("Twitch's Helix API answers again for channel \"%s\" after %u "
           "failed polls (%" G_GINT64_FORMAT " s)",
              channel, p->failed_polls, secs),
          ("recovered"));
    }
    p->failed_polls = 0;
    return;
  }
  if (r.fatal)
    return;
  if (p->failed_polls++ > 0)
    return;
  p->failing_since = g_get_monotonic_time ();
  if (r.network)
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
        ("Cannot reach Twitch's Helix API for channel \"%s\": %s; retrying "
         "every %u s (one more message when it answers again)",
            channel, r.message.c_str (), p->running.interval),
        ("%s", r.debug.c_str ()));
  else
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Polling Twitch's Helix API for channel \"%s\" failed: %s; "
         "retrying every %u s (one more message when it answers again)",
            channel, r.message.c_str (), p->running.interval),
        ("%s", r.debug.c_str ()));
}

static gboolean
poll_tick (gpointer data)
{
  GstTwitchApiSrc *self = GST_TWITCH_API_SRC (data);
  GstTwitchApiSrcPrivate *p = self->priv;
  GCancellable *cancellable;
  {
    std::lock_guard<std::mutex> g (p->queue_lock);
    if (p->stopping)
      return G_SOURCE_REMOVE;
    /* A cancel from unlock() ends the request in flight, not the polling. */
    if (p->cancellable == nullptr
        || g_cancellable_is_cancelled (p->cancellable)) {
      g_clear_object (&p->cancellable);
      p->cancellable = g_cancellable_new ();
    }
    cancellable = G_CANCELLABLE (g_object_ref (p->cancellable));
  }
  PollResult r = poll_once (self, cancellable);
  g_object_unref (cancellable);
  if (!r.ok && !r.fatal && r.message == "cancelled")
    return G_SOURCE_CONTINUE;
  report_connection (self, r);
  bool fatal = r.fatal;
  {
    std::lock_guard<std::mutex> g (p->queue_lock);
    p->queue.push_back (std::move (r));
    while (p->queue.size () > MAX_QUEUED)
      p->queue.pop_front ();
  }
  p->queue_cond.notify_all ();
  return fatal ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
http_thread (GstTwitchApiSrc *self)
{
  GstTwitchApiSrcPrivate *p = self->priv;
  g_main_context_push_thread_default (p->context);
  GSource *first = g_idle_source_new ();
  g_source_set_callback (
      first,
      [] (gpointer data) -> gboolean {
        GstTwitchApiSrc *self = GST_TWITCH_API_SRC (data);
        if (poll_tick (data) == G_SOURCE_CONTINUE) {
          GSource *timer
              = g_timeout_source_new_seconds (self->priv->running.interval);
          g_source_set_callback (timer, poll_tick, data, nullptr);
          g_source_attach (timer, self->priv->context);
          g_source_unref (timer);
        }
        return G_SOURCE_REMOVE;
      },
      self, nullptr);
  g_source_attach (first, p->context);
  g_source_unref (first);
  g_main_loop_run (p->loop);
  g_main_context_pop_thread_default (p->context);
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
  config.client_secret = p->running.client_secret;
  config.oauth_token = p->running.oauth_token;
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
  p->user_id.clear ();
  p->display_name.clear ();
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

static void
announce (
    GstTwitchApiSrc *self, const ChannelState *before, const ChannelState &now)
{
  std::vector<std::string> changed = changed_fields (before, now);
  if (changed.empty ())
    return;
  GST_INFO_OBJECT (self, "%s: %s, %" G_GINT64_FORMAT " viewers, \"%s\"",
      now.login.c_str (), now.live ? "live" : "offline", now.viewers,
      now.title.c_str ());

  GstTagList *tags = gst_tag_list_new (GST_TAG_TITLE, now.title.c_str (),
      TAG_VIEWERS, now.viewers, TAG_LIVE, now.live, TAG_CHANNEL,
      now.login.c_str (), nullptr);
  if (!now.category.empty ())
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_GENRE,
        now.category.c_str (), nullptr);
  if (now.followers >= 0)
    gst_tag_list_add (
        tags, GST_TAG_MERGE_REPLACE, TAG_FOLLOWERS, now.followers, nullptr);
  gst_tag_list_set_scope (tags, GST_TAG_SCOPE_STREAM);
  /* GstBaseSrc queues serialized events sent to the element and pushes
   * them, after the segment, before the next buffer. */
  gst_element_send_event (GST_ELEMENT (self), gst_event_new_tag (tags));
  gst_element_send_event (GST_ELEMENT (self),
      gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          state_structure ("twitchapi-state", now, changed)));

  bool went_live = now.live && (before == nullptr || !before->live);
  bool went_offline = !now.live && (before == nullptr || before->live);
  if (went_live || went_offline)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            state_structure (
                went_live ? "twitchapisrc-online" : "twitchapisrc-offline", now,
                changed)));
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          state_structure ("twitchapisrc-changed", now, changed)));
}

static void
post_fatal (GstTwitchApiSrc *self, const PollResult &r)
{
  const char *msg = r.message.c_str ();
  const char *dbg = r.debug.c_str ();
  switch (r.gst_code) {
    case GST_RESOURCE_ERROR_NOT_AUTHORIZED:
      GST_ELEMENT_ERROR (
          self, RESOURCE, NOT_AUTHORIZED, ("%s", msg), ("%s", dbg));
      break;
    case GST_RESOURCE_ERROR_NOT_FOUND:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("%s", msg), ("%s", dbg));
      break;
    case GST_RESOURCE_ERROR_SETTINGS:
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", msg), ("%s", dbg));
      break;
    default:
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("%s", msg), ("%s", dbg));
      break;
  }
}

/* How often downstream hears that no text is coming yet. */
#define GAP_INTERVAL (100 * GST_MSECOND)

static GstClockTime
current_running_time (GstTwitchApiSrc *self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (clock == nullptr)
    return GST_CLOCK_TIME_NONE;
  GstClockTime now = gst_clock_get_time (clock);
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

static void
ensure_segment (GstTwitchApiSrc *self)
{
  GstBaseSrc *bsrc = GST_BASE_SRC (self);
  if (self->priv->segment_sent)
    return;
  /* GstBaseSrc sends its segment only after create() returns a buffer: our
   * gaps must not precede it. Its own copy follows, identical. */
  gst_pad_push_event (
      GST_BASE_SRC_PAD (bsrc), gst_event_new_segment (&bsrc->segment));
  self->priv->segment_sent = true;
}

/* Streaming thread: a GAP event up to one GAP_INTERVAL ahead of now, so a
 * video frame never waits on textoverlay's text pad for us. */
static void
push_gap (GstTwitchApiSrc *self)
{
  GstTwitchApiSrcPrivate *p = self->priv;
  GstClockTime now = current_running_time (self);
  if (!GST_CLOCK_TIME_IS_VALID (now))
    return;
  GstClockTime until = now + GAP_INTERVAL;
  if (until <= p->position)
    return;
  ensure_segment (self);
  GST_LOG_OBJECT (self, "gap %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT,
      GST_TIME_ARGS (p->position), GST_TIME_ARGS (until));
  gst_pad_push_event (GST_BASE_SRC_PAD (self),
      gst_event_new_gap (p->position, until - p->position));
  p->position = until;
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
