/* twitchapisrc: what the streaming thread sends besides buffers: tags,
 * the state event and bus messages on a change, GAP events while no text
 * comes, the element error of a fatal poll. */
#include "config.h"

#include "gsttwitchapisrc-private.h"

#define GST_CAT_DEFAULT gst_twitch_api_src_debug

namespace apisrc
{

void
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

void
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

GstClockTime
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

void
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
void
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

} // namespace apisrc
