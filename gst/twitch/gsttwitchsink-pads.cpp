/* twitchsink's request pads: what happens when caps arrive (the input
 * chain is built, or the caps are refused in words) and before. */
#include "config.h"

#include "gsttwitchsink-private.h"
#include "gsttwitchsink-fillgaps.h"
#include "gsttwitchsinkqueue.h"

#define GST_CAT_DEFAULT gst_twitch_sink_debug

/* The pad templates also list codecs twitchsink refuses, and a pad not
 * linked yet answers anything, so that linking (gst-launch's "vp8enc ! t.")
 * succeeds and the caps event gets to say, in words, what twitchsink cannot
 * stream. Once linked, negotiation offers only what it takes (but see the
 * CAPS query): */
#define ACCEPTED_VIDEO_CAPS                                                    \
  "video/x-raw; video/x-h264, stream-format = (string) { avc, avc3, "          \
  "byte-stream }, alignment = (string) { au, nal }"
#define ACCEPTED_AUDIO_CAPS                                                    \
  "audio/x-raw; audio/mpeg, mpegversion = (int) { 2, 4 }"

/* ------------------------------------------------------------------------ */
/* Input chains, built when the first caps arrive */

Input &
gst_twitch_sink_input_of_pad (GstTwitchSink *self, GstPad *pad)
{
  return self->priv->inputs[0].ghost == pad ? self->priv->inputs[0]
                                            : self->priv->inputs[1];
}

static bool
build_input (GstTwitchSink *self, Input &in, InputKind kind, GstCaps *caps)
{
  GstTwitchSinkPrivate *priv = self->priv;
  twitchsink::EncoderSettings enc;
  bool fill_gaps;
  {
    std::lock_guard<std::mutex> lk (priv->settings_lock);
    enc = priv->settings.encoder;
    fill_gaps = priv->settings.fill_gaps;
  }
  std::vector<GstElement *> chain;
  if (!twitchsink::make_input_chain (
          GST_ELEMENT (self), in.is_video, kind, caps, enc, chain))
    return false;
  GstElement *fill = nullptr;
  if (kind == InputKind::RAW) {
    fill = GST_ELEMENT (g_object_new (GST_TYPE_TWITCH_SINK_FILL_GAPS, "name",
        in.is_video ? "video_fill_gaps" : "audio_fill_gaps", nullptr));
    gst_twitch_sink_fill_gaps_set_enabled (
        GST_TWITCH_SINK_FILL_GAPS (fill), fill_gaps);
    chain.insert (chain.begin (), fill);
  }
  GstPad *qsink = gst_element_get_static_pad (
      priv->queue, in.is_video ? "video_sink" : "audio_sink");
  if (chain.empty ()) {
    gst_ghost_pad_set_target (GST_GHOST_PAD (in.ghost), qsink);
    gst_object_unref (qsink);
    std::lock_guard<std::mutex> lk (priv->input_lock);
    in.kind = kind;
    GST_INFO_OBJECT (
        self, "%s passes straight through", in.is_video ? "H.264" : "AAC");
    return true;
  }
  for (GstElement *e : chain) {
    gst_bin_add (GST_BIN (self), e);
    gst_object_ref (e); /* Input::elements holds one until release_pad */
  }
  for (size_t i = 0; i + 1 < chain.size (); i++)
    gst_element_link (chain[i], chain[i + 1]);
  GstPad *last = gst_element_get_static_pad (chain.back (), "src");
  GstPadLinkReturn lr = gst_pad_link (last, qsink);
  gst_object_unref (last);
  gst_object_unref (qsink);
  if (lr != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (self, "linking the input chain to the queue: %s",
        gst_pad_link_get_name (lr));
  for (auto it = chain.rbegin (); it != chain.rend (); ++it)
    gst_element_sync_state_with_parent (*it);
  GstPad *first = gst_element_get_static_pad (chain.front (), "sink");
  gst_ghost_pad_set_target (GST_GHOST_PAD (in.ghost), first);
  gst_object_unref (first);
  std::lock_guard<std::mutex> lk (priv->input_lock);
  in.elements = chain;
  in.fill_gaps = fill;
  in.kind = kind;
  return true;
}

static gboolean
forward_sticky (GstPad *pad, GstEvent **event, gpointer user_data)
{
  (void)pad;
  if (GST_EVENT_TYPE (*event) < GST_EVENT_CAPS)
    gst_pad_push_event (GST_PAD (user_data), gst_event_ref (*event));
  return TRUE;
}

static gboolean
input_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTwitchSink *self = GST_TWITCH_SINK (parent);
  Input &in = gst_twitch_sink_input_of_pad (self, pad);
  const char *what = in.is_video ? "video" : "audio";
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    InputKind kind = twitchsink::classify_caps (caps, in.is_video);
    if (kind == InputKind::NONE) {
      /* Once: an encoder sends its caps again with the next buffer. */
      bool first = !in.refused;
      in.refused = true;
      if (first) {
        gchar *str = gst_caps_to_string (caps);
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
            ("twitchsink cannot stream %s on its %s pad: Twitch takes H.264 "
             "video and AAC audio, or raw video and audio that twitchsink "
             "encodes",
                GST_STR_NULL (
                    gst_structure_get_name (gst_caps_get_structure (caps, 0))),
                what),
            ("caps %s", str));
        g_free (str);
      }
      gst_event_unref (event);
      return FALSE;
    }
    if (in.kind == InputKind::NONE) {
      if (!build_input (self, in, kind, caps)) {
        gst_event_unref (event);
        return FALSE;
      }
      GstPad *internal
          = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (pad)));
      gst_pad_sticky_events_foreach (pad, forward_sticky, internal);
      gst_object_unref (internal);
    } else if (kind != in.kind) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("twitchsink's %s pad cannot switch between raw and encoded input "
           "in one stream",
              what),
          (nullptr));
      gst_event_unref (event);
      return FALSE;
    }
  }
  if (in.kind == InputKind::NONE) {
    /* No chain yet: sticky events wait on the pad for the caps. */
    bool sticky = GST_EVENT_IS_STICKY (event);
    if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("The %s pad got no caps before EOS", what), (nullptr));
      sticky = false;
    }
    gst_event_unref (event);
    return sticky;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
input_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstTwitchSink *self = GST_TWITCH_SINK (parent);
  if (gst_twitch_sink_input_of_pad (self, pad).kind != InputKind::NONE)
    return gst_pad_query_default (pad, parent, query);
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS: {
      Input &in = gst_twitch_sink_input_of_pad (self, pad);
      GstCaps *filter, *caps = !gst_pad_is_linked (pad)
                                   ? gst_caps_new_any ()
                                   : gst_caps_from_string (
                                       in.is_video ? ACCEPTED_VIDEO_CAPS
                                                   : ACCEPTED_AUDIO_CAPS);
      gst_query_parse_caps (query, &filter);
      if (filter) {
        GstCaps *tmp
            = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = tmp;
        /* An upstream that can only make what twitchsink refuses (vp8enc)
         * gets its own caps back, so that it sends them and learns why in
         * words rather than with a bare not-negotiated. */
        if (gst_caps_is_empty (caps)) {
          gst_caps_unref (caps);
          caps = gst_caps_ref (filter);
        }
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_QUERY_ACCEPT_CAPS:
      /* Accepted here so that the CAPS event reaches input_event, which
       * names the problem (a refused accept-caps would only give upstream
       * a bare not-negotiated). The CAPS query answers the template. */
      gst_query_set_accept_caps_result (query, TRUE);
      return TRUE;
    default:
      return FALSE;
  }
}

static GstFlowReturn
input_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstTwitchSink *self = GST_TWITCH_SINK (parent);
  Input &in = gst_twitch_sink_input_of_pad (self, pad);
  if (in.kind == InputKind::NONE) {
    gst_buffer_unref (buffer);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("The %s pad got data before caps", in.is_video ? "video" : "audio"),
        (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  return gst_proxy_pad_chain_default (pad, parent, buffer);
}

void
gst_twitch_sink_setup_input_pad (GstTwitchSink *self, GstPad *pad)
{
  (void)self;
  gst_pad_set_event_function (pad, GST_DEBUG_FUNCPTR (input_event));
  gst_pad_set_query_function (pad, GST_DEBUG_FUNCPTR (input_query));
  gst_pad_set_chain_function (pad, GST_DEBUG_FUNCPTR (input_chain));
}
