/* twitchapisrc's parts (gsttwitchapisrc-state.cpp, -poll.cpp, -output.cpp)
 * and the instance they share. Internal to the plugin. */
#pragma once

#include "gsttwitchapisrc.h"

#include <gst/twitch/common/secret.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/helix.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

GST_DEBUG_CATEGORY_EXTERN (gst_twitch_api_src_debug);

#define DEFAULT_CHANNEL nullptr
#define DEFAULT_INTERVAL 30
#define MIN_INTERVAL 1
#define MAX_INTERVAL (24 * 3600)
#define DEFAULT_FORMAT "{viewer_count} viewers"
#define DEFAULT_OFFLINE_FORMAT "offline"
#define DEFAULT_ONLY_CHANGES FALSE
/* Results waiting for create(): older ones are dropped past this. */
#define MAX_QUEUED 16

#define TAG_VIEWERS "twitch-viewers"
#define TAG_FOLLOWERS "twitch-followers"
#define TAG_LIVE "twitch-live"
#define TAG_CHANNEL "twitch-channel"

/* How often downstream hears that no text is coming yet. */
#define GAP_INTERVAL (100 * GST_MSECOND)

namespace apisrc
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

/* One poll's outcome, handed from the HTTP thread to create(). */
struct PollResult {
  bool ok = false;
  ChannelState state;
  /* Failure: fatal ones stop the source with an element error. */
  bool fatal = false;
  bool cancelled = false; /* stop() or unlock(): nothing to tell */
  bool network = false;   /* no answer at all (G_IO_ERROR, resolver) */
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
  twitch::SharedSecret client_secret; /* registered while any copy holds it */
  twitch::SharedSecret oauth_token;
};

/* gsttwitchapisrc-state.cpp: the state's fields that changed, and its
 * renderings (text template, GstStructure, JSON line). */
std::vector<std::string> changed_fields (
    const ChannelState *before, const ChannelState &now);
std::string render (const std::string &tmpl, const ChannelState &s);
GstStructure *state_structure (const char *name, const ChannelState &s,
    const std::vector<std::string> &changed);
std::string state_json (const ChannelState &s);

} // namespace apisrc

struct GstTwitchApiSrcPrivate {
  std::mutex settings_lock;
  apisrc::Settings settings;

  /* Runtime state: the HTTP thread with its own GMainContext. */
  apisrc::Settings running; /* copied in start() */
  std::unique_ptr<twitch::Helix> helix;
  std::thread thread;
  GMainContext *context = nullptr;
  GMainLoop *loop = nullptr;

  std::mutex queue_lock;
  std::condition_variable queue_cond;
  std::deque<apisrc::PollResult> queue;
  bool flushing = false;
  bool stopping = false;               /* stop(): no new poll starts */
  GCancellable *cancellable = nullptr; /* under queue_lock */

  /* Streaming thread only. */
  bool have_state = false;
  apisrc::ChannelState last;
  bool json = false;
  bool segment_sent = false;
  GstClockTime position = 0; /* running time covered by buffers and gaps */
  /* HTTP thread only. */
  std::optional<twitch::User> user; /* looked up once a run */
  guint failed_polls = 0;           /* in a row, since the last good one */
  gint64 failing_since = 0;         /* monotonic, first failure of the run */
  /* Set up by change_state (READY->PAUSED) or start(). */
  bool prepared = false;

  ~GstTwitchApiSrcPrivate () { g_clear_object (&cancellable); }
};

struct _GstTwitchApiSrc {
  GstPushSrc parent;
  GstTwitchApiSrcPrivate *priv;
};

namespace apisrc
{

/* gsttwitchapisrc-poll.cpp: the HTTP thread, polling the channel snapshot
 * every interval into the queue until stop(). */
void http_thread (GstTwitchApiSrc *self);

/* gsttwitchapisrc-output.cpp: what the streaming thread sends besides
 * buffers. */
void announce (
    GstTwitchApiSrc *self, const ChannelState *before, const ChannelState &now);
void post_fatal (GstTwitchApiSrc *self, const PollResult &r);
GstClockTime current_running_time (GstTwitchApiSrc *self);
void ensure_segment (GstTwitchApiSrc *self);
void push_gap (GstTwitchApiSrc *self);

} // namespace apisrc
