/* twitchapisrc: the HTTP thread, one channel snapshot a poll, failures
 * classified (fatal or retried) and told once, recovery told once. */
#include "config.h"

#include "gsttwitchapisrc-private.h"

#include <gst/twitch/common/gsterror.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/snapshot.h>

#define GST_CAT_DEFAULT gst_twitch_api_src_debug

namespace apisrc
{

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
  /* Refused credentials, no such channel and a bad request are fatal; the
   * rest is retried at the next poll. */
  r.gst_code = twitch::gst_resource_error_of (error, GST_RESOURCE_ERROR_FAILED);
  r.fatal = r.gst_code == GST_RESOURCE_ERROR_NOT_AUTHORIZED
            || r.gst_code == GST_RESOURCE_ERROR_NOT_FOUND
            || r.gst_code == GST_RESOURCE_ERROR_SETTINGS;
  if (r.gst_code == GST_RESOURCE_ERROR_NOT_FOUND)
    r.message = "No Twitch channel named \"" + channel
                + "\": check the channel property";
  return r;
}

static PollResult
poll_once (GstTwitchApiSrc *self, GCancellable *cancellable)
{
  GstTwitchApiSrcPrivate *p = self->priv;
  const std::string &channel = p->running.channel;
  GError *error = nullptr;
  PollResult r;

  if (!p->user) {
    auto user = p->helix->user_by_login (channel, cancellable, &error);
    if (!user)
      goto failed;
    p->user = std::move (*user);
    GST_INFO_OBJECT (
        self, "channel %s is user %s", channel.c_str (), p->user->id.c_str ());
  }
  {
    /* The same call as `gst-twitch channel`: the live stream, else the
     * channel's information, and the follower total. */
    auto snap = twitch::channel_snapshot (*p->helix, *p->user,
        twitch::CHANNEL_SNAPSHOT_LIVE, cancellable, &error);
    if (!snap)
      goto failed;
    ChannelState &s = r.state;
    s.login = channel;
    s.user_id = snap->user.id;
    s.display_name = snap->user.display_name;
    s.live = snap->live ();
    s.title = snap->title ();
    s.category = snap->category ();
    s.category_id = snap->category_id ();
    s.language = snap->language ();
    if (snap->stream) {
      s.viewers = snap->stream->viewer_count;
      s.started_at = snap->stream->started_at;
    }
    s.followers = snap->followers.value_or (-1);
  }
  r.ok = true;
  return r;

failed:
  if (twitch::error_is_cancelled (error)) {
    GST_DEBUG_OBJECT (self, "poll cancelled");
    g_error_free (error);
    PollResult cancelled;
    cancelled.cancelled = true;
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
  if (r.cancelled)
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

void
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

} // namespace apisrc
