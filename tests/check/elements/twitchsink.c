/* twitchsink through GstHarness, with the sink property pointed at an
 * appsink: the FLV Twitch would receive, without a network. */
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <string.h>

typedef struct {
  GPtrArray *buffers; /* encoded frames, in order */
  GstCaps *caps;
} Encoded;

static void
encoded_free (Encoded *e)
{
  g_ptr_array_unref (e->buffers);
  gst_caps_unref (e->caps);
  g_free (e);
}

/* Runs @desc (ending in "appsink name=out") and keeps what it produced. */
static Encoded *
encode (const gchar *desc)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);
  fail_unless (p != NULL, "%s", err ? err->message : "");
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  Encoded *e = g_new0 (Encoded, 1);
  e->buffers
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_buffer_unref);
  gst_element_set_state (p, GST_STATE_PLAYING);
  GstSample *s;
  while ((
      s = gst_app_sink_try_pull_sample (GST_APP_SINK (out), 10 * GST_SECOND))) {
    if (e->caps == NULL)
      e->caps = gst_caps_ref (gst_sample_get_caps (s));
    /* Encoders put their segment 1000 h in (room for negative DTS): keep
     * the running time, which is what the harness's segment expects. */
    GstBuffer *b = gst_buffer_copy (gst_sample_get_buffer (s));
    const GstSegment *seg = gst_sample_get_segment (s);
    GST_BUFFER_PTS (b) = gst_segment_to_running_time (
        seg, GST_FORMAT_TIME, GST_BUFFER_PTS (b));
    if (GST_BUFFER_DTS_IS_VALID (b))
      GST_BUFFER_DTS (b) = gst_segment_to_running_time (
          seg, GST_FORMAT_TIME, GST_BUFFER_DTS (b));
    g_ptr_array_add (e->buffers, b);
    gst_sample_unref (s);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (out);
  gst_object_unref (p);
  fail_unless (e->caps != NULL);
  return e;
}

static Encoded *
h264_frames (guint n, guint gop)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc num-buffers=%u ! "
      "video/x-raw,width=160,height=120,framerate=30/1 ! "
      "x264enc key-int-max=%u speed-preset=ultrafast tune=zerolatency "
      "option-string=scenecut=0 ! "
      "video/x-h264,stream-format=byte-stream,alignment=au ! "
      "appsink name=out sync=false",
      n, gop);
  Encoded *e = encode (desc);
  g_free (desc);
  return e;
}

static Encoded *
aac_frames (guint n)
{
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=%u "
      "samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 ! "
      "avenc_aac ! aacparse ! appsink name=out sync=false",
      n);
  Encoded *e = encode (desc);
  g_free (desc);
  return e;
}

/* One FLV tag. */
typedef struct {
  guint8 type; /* 8 audio, 9 video, 18 script */
  guint32 size;
  const guint8 *data;
} FlvTag;

/* Parses an FLV byte stream into tags; returns FALSE on garbage. */
static gboolean
flv_parse (const guint8 *d, gsize n, GArray *tags, guint8 *flags)
{
  if (n < 13 || memcmp (d, "FLV", 3) != 0)
    return FALSE;
  *flags = d[4];
  gsize pos = 13;
  while (pos + 11 <= n) {
    FlvTag t;
    t.type = d[pos] & 0x1f;
    t.size = (d[pos + 1] << 16) | (d[pos + 2] << 8) | d[pos + 3];
    if (pos + 11 + t.size + 4 > n)
      return FALSE;
    t.data = d + pos + 11;
    g_array_append_val (tags, t);
    pos += 11 + t.size + 4;
  }
  return pos == n;
}

typedef struct {
  GstHarness *h;  /* video (or only) pad */
  GstHarness *ha; /* audio pad, or NULL */
  GstElement *appsink;
  GstBus *bus;
} Fixture;

/* twitchsink with an appsink as its network sink, set up with the given
 * properties (NULL-terminated) before the harness starts it. */
static Fixture
fixture_new (const gchar *first_pad, gboolean audio_too,
    const gchar *appsink_props, const gchar *first_prop, ...)
{
  Fixture f = {0};
  GstElement *e = gst_element_factory_make ("twitchsink", NULL);
  fail_unless (e != NULL);
  gchar *desc = g_strdup_printf (
      "appsink sync=false %s", appsink_props ? appsink_props : "");
  f.appsink = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (f.appsink != NULL);
  g_object_set (e, "sink", f.appsink, NULL);
  if (first_prop) {
    va_list args;
    va_start (args, first_prop);
    g_object_set_valist (G_OBJECT (e), first_prop, args);
    va_end (args);
  }
  f.bus = gst_bus_new ();
  gst_element_set_bus (e, f.bus);
  /* Pads are requested in NULL, before the harness starts the element. */
  GstPad *a = audio_too ? gst_element_request_pad_simple (e, "audio") : NULL;
  f.h = gst_harness_new_with_element (e, first_pad, NULL);
  if (audio_too) {
    f.ha = gst_harness_new_with_element (e, "audio", NULL);
    gst_object_unref (a);
  }
  gst_object_unref (e);
  return f;
}

static void
fixture_free (Fixture *f)
{
  if (f->ha)
    gst_harness_teardown (f->ha);
  gst_harness_teardown (f->h);
  gst_bus_set_flushing (f->bus, TRUE);
  gst_object_unref (f->bus);
}

/* Pulls FLV until EOS; returns the concatenated bytes. */
static GByteArray *
pull_flv (GstElement *appsink)
{
  GByteArray *all = g_byte_array_new ();
  GstSample *s;
  while ((s = gst_app_sink_try_pull_sample (
              GST_APP_SINK (appsink), 10 * GST_SECOND))) {
    GstBuffer *b = gst_sample_get_buffer (s);
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    g_byte_array_append (all, map.data, map.size);
    gst_buffer_unmap (b, &map);
    gst_sample_unref (s);
  }
  return all;
}

static GstMessage *
pop_error (GstBus *bus)
{
  return gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
}

static gboolean
bin_has_factory (GstElement *bin, const gchar *factory)
{
  gboolean found = FALSE;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElementFactory *f
        = gst_element_get_factory (GST_ELEMENT (g_value_get_object (&v)));
    if (f && g_str_equal (GST_OBJECT_NAME (f), factory))
      found = TRUE;
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return found;
}

GST_START_TEST (test_raw_video_is_encoded_into_flv)
{
  Fixture f = fixture_new ("video", FALSE, NULL, NULL);
  /* An enum: set by its nick, as gst-launch does. */
  gst_util_set_object_arg (
      G_OBJECT (f.h->element), "speed-preset", "ultrafast");
  gst_harness_play (f.h);
  gst_harness_set_src_caps_str (
      f.h, "video/x-raw,format=I420,width=320,height=240,framerate=30/1");
  for (guint i = 0; i < 90; i++) {
    GstBuffer *b = gst_harness_create_buffer (f.h, 320 * 240 * 3 / 2);
    gst_buffer_memset (b, 0, i, 320 * 240 * 3 / 2);
    GST_BUFFER_PTS (b) = gst_util_uint64_scale (i, GST_SECOND, 30);
    GST_BUFFER_DURATION (b) = gst_util_uint64_scale (1, GST_SECOND, 30);
    fail_unless_equals_int (gst_harness_push (f.h, b), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (f.h, gst_event_new_eos ()));
  fail_unless (bin_has_factory (f.h->element, "x264enc"));

  GByteArray *flv = pull_flv (f.appsink);
  GArray *tags = g_array_new (FALSE, FALSE, sizeof (FlvTag));
  guint8 flags = 0;
  fail_unless (flv_parse (flv->data, flv->len, tags, &flags));
  fail_unless_equals_int (flags, 0x01); /* video only */
  guint video = 0, keyframes = 0;
  gboolean seq_header_first = FALSE;
  for (guint i = 0; i < tags->len; i++) {
    FlvTag *t = &g_array_index (tags, FlvTag, i);
    if (t->type != 9)
      continue;
    fail_unless_equals_int (t->data[0] & 0x0f, 7); /* AVC */
    if (video == 0 && !seq_header_first)
      seq_header_first = t->data[1] == 0; /* AVCDecoderConfigurationRecord */
    if (t->data[1] == 1) {
      if ((t->data[0] >> 4) == 1)
        keyframes++;
      video++; /* frames (AVCPacketType 1) */
    }
  }
  fail_unless (seq_header_first);
  fail_unless_equals_int (video, 90);
  fail_unless_equals_int (keyframes, 2); /* 2 s GOP at 30 fps: 0, 60 */
  g_array_unref (tags);
  g_byte_array_unref (flv);
  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_h264_and_aac_pass_through)
{
  Encoded *v = h264_frames (30, 30);
  Encoded *a = aac_frames (30);
  Fixture f = fixture_new ("video", TRUE, NULL, NULL);
  gst_harness_play (f.h);
  gst_harness_set_src_caps (f.h, gst_caps_ref (v->caps));
  gst_harness_set_src_caps (f.ha, gst_caps_ref (a->caps));
  gsize video_bytes = 0;
  for (guint i = 0; i < MAX (v->buffers->len, a->buffers->len); i++) {
    if (i < v->buffers->len) {
      GstBuffer *b = g_ptr_array_index (v->buffers, i);
      video_bytes += gst_buffer_get_size (b);
      fail_unless_equals_int (
          gst_harness_push (f.h, gst_buffer_ref (b)), GST_FLOW_OK);
    }
    if (i < a->buffers->len)
      fail_unless_equals_int (
          gst_harness_push (
              f.ha, gst_buffer_ref (g_ptr_array_index (a->buffers, i))),
          GST_FLOW_OK);
  }
  gst_harness_push_event (f.h, gst_event_new_eos ());
  gst_harness_push_event (f.ha, gst_event_new_eos ());
  fail_if (bin_has_factory (f.h->element, "x264enc"));
  fail_if (bin_has_factory (f.h->element, "avenc_aac"));

  GByteArray *flv = pull_flv (f.appsink);
  GArray *tags = g_array_new (FALSE, FALSE, sizeof (FlvTag));
  guint8 flags = 0;
  fail_unless (flv_parse (flv->data, flv->len, tags, &flags));
  fail_unless_equals_int (flags, 0x05); /* audio + video */
  guint video = 0, audio = 0;
  for (guint i = 0; i < tags->len; i++) {
    FlvTag *t = &g_array_index (tags, FlvTag, i);
    if (t->type == 9 && t->data[1] == 1)
      video++;
    if (t->type == 8) {
      fail_unless_equals_int (t->data[0] >> 4, 10); /* AAC */
      if (t->data[1] == 1)
        audio++;
    }
  }
  fail_unless_equals_int (video, v->buffers->len);
  fail_unless_equals_int (audio, a->buffers->len);
  g_array_unref (tags);
  g_byte_array_unref (flv);
  fixture_free (&f);
  encoded_free (v);
  encoded_free (a);
}

GST_END_TEST;

/* AVC as flvdemux and qtdemux give it (codec data, one access unit per
 * buffer, no alignment field) goes straight to flvmux: no h264parse. */
GST_START_TEST (test_demuxed_avc_needs_no_parser)
{
  Encoded *v = encode (
      "videotestsrc num-buffers=20 ! "
      "video/x-raw,width=160,height=120,framerate=30/1 ! "
      "x264enc key-int-max=10 speed-preset=ultrafast tune=zerolatency "
      "option-string=scenecut=0 ! h264parse ! "
      "video/x-h264,stream-format=avc,alignment=au ! "
      "appsink name=out sync=false");
  GstCaps *caps = gst_caps_copy (v->caps);
  gst_structure_remove_field (gst_caps_get_structure (caps, 0), "alignment");
  Fixture f = fixture_new ("video", FALSE, NULL, NULL);
  gst_harness_play (f.h);
  gst_harness_set_src_caps (f.h, caps);
  for (guint i = 0; i < v->buffers->len; i++)
    fail_unless_equals_int (
        gst_harness_push (
            f.h, gst_buffer_ref (g_ptr_array_index (v->buffers, i))),
        GST_FLOW_OK);
  gst_harness_push_event (f.h, gst_event_new_eos ());
  fail_if (bin_has_factory (f.h->element, "h264parse"));

  GByteArray *flv = pull_flv (f.appsink);
  GArray *tags = g_array_new (FALSE, FALSE, sizeof (FlvTag));
  guint8 flags = 0;
  fail_unless (flv_parse (flv->data, flv->len, tags, &flags));
  guint headers = 0, frames = 0;
  for (guint i = 0; i < tags->len; i++) {
    FlvTag *t = &g_array_index (tags, FlvTag, i);
    if (t->type == 9 && t->data[1] == 0)
      headers++; /* AVC sequence header (codec data) */
    if (t->type == 9 && t->data[1] == 1)
      frames++;
  }
  fail_unless (headers >= 1);
  fail_unless_equals_int (frames, v->buffers->len);
  g_array_unref (tags);
  g_byte_array_unref (flv);
  fixture_free (&f);
  encoded_free (v);
}

GST_END_TEST;

GST_START_TEST (test_unstreamable_caps_are_a_negotiation_error)
{
  const gchar *cases[][2] = {
      {"video", "video/x-vp8,width=320,height=240,framerate=30/1"},
      {"audio", "audio/x-opus,channels=2,rate=48000"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Fixture f = fixture_new (cases[i][0], FALSE, NULL, NULL);
    gst_harness_play (f.h);
    /* Negotiation offers nothing of the kind... */
    GstCaps *caps = gst_caps_from_string (cases[i][1]);
    GstCaps *offered = gst_pad_peer_query_caps (f.h->srcpad, NULL);
    fail_if (gst_caps_can_intersect (offered, caps));
    gst_caps_unref (offered);
    /* ...and pushed anyway, they are a clear element error. */
    gst_harness_set_src_caps (f.h, caps);
    GstMessage *msg = pop_error (f.bus);
    fail_unless (msg != NULL);
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (
        g_error_matches (err, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION), "%s",
        err->message);
    fail_unless (strstr (err->message, "H.264") != NULL);
    g_error_free (err);
    gst_message_unref (msg);
    fixture_free (&f);
  }
}

GST_END_TEST;

static void
count_signal (GstElement *sink, gint *counter)
{
  (void)sink;
  g_atomic_int_inc (counter);
}

static gboolean
wait_for_counter (gint *counter, gint at_least)
{
  for (guint i = 0; i < 200 && g_atomic_int_get (counter) < at_least; i++)
    g_usleep (20000);
  return g_atomic_int_get (counter) >= at_least;
}

/* The network sink takes one buffer and blocks, as a dead link does. The
 * queue fills, levels and signals follow; once the queued video is late by
 * more than 900 ms every non-keyframe goes, never a keyframe. (Audio is
 * never dropped below the memory bound: the stream tests count every AAC
 * frame through; the resilience tests cover the bound.) */
GST_START_TEST (test_blocked_sink_levels_signals_and_priority_dropping)
{
  /* 6 s, a keyframe every second: flvmux and the blocked appsink hold a
   * couple of frames, the queue the rest. */
  Encoded *v = h264_frames (180, 30);
  Fixture f = fixture_new ("video", FALSE, "max-buffers=1 drop=false",
      "low-watermark", (guint64)(200 * GST_MSECOND), "high-watermark",
      (guint64)(500 * GST_MSECOND), "max-queue-time",
      (guint64)(10 * GST_SECOND), NULL);
  gint low = 0, high = 0;
  g_signal_connect (
      f.h->element, "buffer-low", G_CALLBACK (count_signal), &low);
  g_signal_connect (
      f.h->element, "buffer-high", G_CALLBACK (count_signal), &high);
  gst_harness_use_testclock (f.h);
  gst_harness_play (f.h);
  /* Everything pushed below is already due: the sink is behind. */
  fail_unless (gst_harness_set_time (f.h, 60 * GST_SECOND));
  gst_harness_set_src_caps (f.h, gst_caps_ref (v->caps));
  guint keyframes = 0;
  for (guint i = 0; i < v->buffers->len; i++) {
    GstBuffer *b = g_ptr_array_index (v->buffers, i);
    keyframes += !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
    fail_unless_equals_int (
        gst_harness_push (f.h, gst_buffer_ref (b)), GST_FLOW_OK);
  }
  fail_unless_equals_int (keyframes, 6);

  guint vlevel = 0;
  guint64 vdur = 0;
  g_object_get (f.h->element, "video-buffer-level", &vlevel,
      "video-buffer-duration", &vdur, NULL);
  fail_unless (vlevel >= 3 && vlevel < 180, "video level %u", vlevel);
  fail_unless (vdur > 2 * GST_SECOND);
  fail_unless (wait_for_counter (&high, 1), "buffer-high fired");

  GstStructure *stats = NULL;
  g_object_get (f.h->element, "stats", &stats, NULL);
  guint64 vdropped = 0;
  gdouble congestion = 0;
  gst_structure_get_uint64 (stats, "video-frames-dropped", &vdropped);
  gst_structure_get_double (stats, "congestion", &congestion);
  gst_structure_free (stats);
  fail_unless (vdropped > 0);
  fail_unless (congestion > 0.5, "congestion %f", congestion);

  /* The link comes back: the queue drains, buffer-low fires, and what
   * went out is decodable: it opens on a keyframe and keeps all six. */
  gst_harness_push_event (f.h, gst_event_new_eos ());
  GByteArray *flv = pull_flv (f.appsink);
  fail_unless (wait_for_counter (&low, 1), "buffer-low fired");
  GArray *tags = g_array_new (FALSE, FALSE, sizeof (FlvTag));
  guint8 flags = 0;
  fail_unless (flv_parse (flv->data, flv->len, tags, &flags));
  guint out_key = 0, out_video = 0;
  gboolean first_is_key = FALSE;
  for (guint i = 0; i < tags->len; i++) {
    FlvTag *t = &g_array_index (tags, FlvTag, i);
    if (t->type == 9 && t->data[1] == 1) {
      if (out_video == 0)
        first_is_key = (t->data[0] >> 4) == 1;
      out_video++;
      out_key += (t->data[0] >> 4) == 1;
    }
  }
  fail_unless (first_is_key);
  fail_unless_equals_int (out_key, 6);
  fail_unless_equals_int (out_video + vdropped, 180);
  g_array_unref (tags);
  g_byte_array_unref (flv);
  fixture_free (&f);
  encoded_free (v);
}

GST_END_TEST;

/* Waits for a twitchsink-@name element message on @bus, up to 60 s. */
static gboolean
wait_element_message (GstBus *bus, const gchar *name)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    GstMessage *m = gst_bus_timed_pop_filtered (
        bus, 100 * GST_MSECOND, GST_MESSAGE_ELEMENT);
    if (m == NULL)
      continue;
    gboolean found
        = gst_structure_has_name (gst_message_get_structure (m), name);
    gst_message_unref (m);
    if (found)
      return TRUE;
  }
  return FALSE;
}

static guint64
video_dropped (GstElement *sink)
{
  GstStructure *stats = NULL;
  guint64 dropped = 0;
  g_object_get (sink, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "video-frames-dropped", &dropped);
  gst_structure_free (stats);
  return dropped;
}

/* Pushes encoded frame @i of @v again as the @k-th 50 ms frame, every one
 * already due on the clock; returns the frames dropped so far. */
static guint64
push_frame (Fixture *f, Encoded *v, guint i, guint k, gboolean droppable)
{
  GstBuffer *b = gst_buffer_copy (g_ptr_array_index (v->buffers, i));
  GST_BUFFER_PTS (b) = GST_BUFFER_DTS (b) = k * 50 * GST_MSECOND;
  GST_BUFFER_DURATION (b) = 50 * GST_MSECOND;
  if (droppable)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DROPPABLE);
  fail_unless_equals_int (gst_harness_push (f->h, b), GST_FLOW_OK);
  return video_dropped (f->h->element);
}

/* The documented thresholds (docs/twitchsink.md, "The queue and what is
 * dropped"), exactly: with the ingest away (the queue holds everything, so
 * the queued video is all late), a non-reference frame arriving with 700 ms
 * queued is kept and one with 750 ms is dropped; a non-keyframe arriving
 * with 900 ms queued is kept, with 950 ms every queued non-keyframe goes, and
 * the next keyframe is kept. */
GST_START_TEST (test_drop_thresholds_are_700_and_900_ms)
{
  Encoded *v = encode (
      "videotestsrc num-buffers=30 ! "
      "video/x-raw,width=160,height=120,framerate=20/1 ! "
      "x264enc key-int-max=300 speed-preset=ultrafast tune=zerolatency "
      "option-string=scenecut=0 ! h264parse ! "
      "video/x-h264,stream-format=avc,alignment=au ! "
      "appsink name=out sync=false");
  fail_unless (v->buffers->len >= 2);
  GstBuffer *key = g_ptr_array_index (v->buffers, 0);
  fail_if (GST_BUFFER_FLAG_IS_SET (key, GST_BUFFER_FLAG_DELTA_UNIT));
  fail_unless (GST_BUFFER_FLAG_IS_SET (
      g_ptr_array_index (v->buffers, 1), GST_BUFFER_FLAG_DELTA_UNIT));

  /* Nothing listens on the discard port: the connection is refused, the
   * queue holds, and the next attempt is ten minutes away. */
  GstElement *e = gst_element_factory_make ("twitchsink", NULL);
  g_object_set (e, "server", "rtmp://127.0.0.1:9/app", "stream-key",
      "live_0000_thresholds", "retry-delay", 600000, "max-queue-time",
      (guint64)(10 * GST_SECOND), NULL);
  Fixture f = {0};
  f.bus = gst_bus_new ();
  gst_element_set_bus (e, f.bus);
  f.h = gst_harness_new_with_element (e, "video", NULL);
  gst_object_unref (e);
  gst_harness_use_testclock (f.h);
  gst_harness_play (f.h);
  /* The output connects once the input's caps are known. */
  gst_harness_set_src_caps (f.h, gst_caps_ref (v->caps));
  fail_unless (wait_element_message (f.bus, "twitchsink-reconnecting"),
      "the refused connection was never reported");
  fail_unless (gst_harness_set_time (f.h, 600 * GST_SECOND));

  guint k = 0;
  fail_unless_equals_uint64 (push_frame (&f, v, 0, k++, FALSE), 0);
  /* Deltas up to 700 ms queued (frames 0..13). */
  while (k < 14)
    fail_unless_equals_uint64 (push_frame (&f, v, 1, k++, FALSE), 0);
  /* 700 ms queued: a non-reference frame is kept... */
  fail_unless_equals_uint64 (push_frame (&f, v, 1, k++, TRUE), 0);
  /* ...at 750 ms it is dropped; a reference frame is not. */
  fail_unless_equals_uint64 (push_frame (&f, v, 1, k, TRUE), 1);
  fail_unless_equals_uint64 (push_frame (&f, v, 1, k++, FALSE), 1);
  /* 800 and 850 ms queued, then 900 ms: still kept. */
  while (k < 18)
    fail_unless_equals_uint64 (push_frame (&f, v, 1, k++, FALSE), 1);
  fail_unless_equals_uint64 (push_frame (&f, v, 1, k++, FALSE), 1);
  guint level = 0;
  g_object_get (f.h->element, "video-buffer-level", &level, NULL);
  fail_unless_equals_int (level, 19);
  /* 950 ms: the 18 queued deltas go, and this one. */
  fail_unless_equals_uint64 (push_frame (&f, v, 1, k++, FALSE), 20);
  g_object_get (f.h->element, "video-buffer-level", &level, NULL);
  fail_unless_equals_int (level, 1);
  /* Deltas wait for a keyframe; the keyframe is never dropped. */
  fail_unless_equals_uint64 (push_frame (&f, v, 1, k++, FALSE), 21);
  fail_unless_equals_uint64 (push_frame (&f, v, 0, k++, FALSE), 21);
  g_object_get (f.h->element, "video-buffer-level", &level, NULL);
  fail_unless_equals_int (level, 2);

  fixture_free (&f);
  encoded_free (v);
}

GST_END_TEST;

/* bitrate=0 (the default) is Twitch's figure for the resolution and frame
 * rate (docs/twitchsink.md): 1080p60 6000, 720p60 4500, 720p30 3000 kbps;
 * a bitrate that is set wins. */
GST_START_TEST (test_bitrate_zero_is_twitchs_figure)
{
  struct {
    gint w, h, fps;
    guint bitrate, want;
  } cases[] = {
      {1920, 1080, 60, 0, 6000},
      {1280, 720, 60, 0, 4500},
      {1280, 720, 30, 0, 3000},
      {1280, 720, 30, 2500, 2500},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Fixture f
        = fixture_new ("video", FALSE, NULL, "bitrate", cases[i].bitrate, NULL);
    /* An enum: set by its nick, as gst-launch does. */
    gst_util_set_object_arg (
        G_OBJECT (f.h->element), "speed-preset", "ultrafast");
    gst_harness_play (f.h);
    gchar *caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,"
                                   "height=%d,framerate=%d/1",
        cases[i].w, cases[i].h, cases[i].fps);
    gst_harness_set_src_caps_str (f.h, caps);
    g_free (caps);
    gsize size = cases[i].w * cases[i].h * 3 / 2;
    GstBuffer *b = gst_harness_create_buffer (f.h, size);
    gst_buffer_memset (b, 0, 16, size);
    GST_BUFFER_PTS (b) = 0;
    GST_BUFFER_DURATION (b) = GST_SECOND / cases[i].fps;
    fail_unless_equals_int (gst_harness_push (f.h, b), GST_FLOW_OK);
    guint got = 0;
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (f.h->element));
    GValue val = G_VALUE_INIT;
    while (gst_iterator_next (it, &val) == GST_ITERATOR_OK) {
      GstElement *c = GST_ELEMENT (g_value_get_object (&val));
      GstElementFactory *fac = gst_element_get_factory (c);
      if (fac && g_str_equal (GST_OBJECT_NAME (fac), "x264enc"))
        g_object_get (c, "bitrate", &got, NULL);
      g_value_reset (&val);
    }
    g_value_unset (&val);
    gst_iterator_free (it);
    fail_unless_equals_int (got, cases[i].want);
    fixture_free (&f);
  }
}

GST_END_TEST;

GST_START_TEST (test_stream_key_is_write_only)
{
  GstElement *e = gst_element_factory_make ("twitchsink", NULL);
  GParamSpec *pspec
      = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "stream-key");
  fail_unless (pspec != NULL);
  fail_unless (pspec->flags & G_PARAM_WRITABLE);
  fail_if (pspec->flags & G_PARAM_READABLE);
  g_object_set (e, "stream-key", "live_0000_writeonly", NULL);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_bad_server_is_a_settings_error)
{
  GstElement *e = gst_element_factory_make ("twitchsink", NULL);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (e, bus);
  g_object_set (e, "server", "http://example.invalid/app", "stream-key",
      "live_0000_badserver", NULL);
  GstPad *pad = gst_element_request_pad_simple (e, "video");
  fail_unless (pad != NULL);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = pop_error (bus);
  fail_unless (msg != NULL);
  GError *err = NULL;
  gchar *dbg = NULL;
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS),
      "%s", err->message);
  fail_unless (strstr (err->message, "rtmp") != NULL, "%s", err->message);
  fail_if (strstr (err->message, "badserver") != NULL);
  fail_if (dbg && strstr (dbg, "badserver") != NULL);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_release_request_pad (e, pad);
  gst_object_unref (pad);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
twitchsink_suite (void)
{
  Suite *s = suite_create ("twitchsink");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_raw_video_is_encoded_into_flv);
  tcase_add_test (tc, test_h264_and_aac_pass_through);
  tcase_add_test (tc, test_demuxed_avc_needs_no_parser);
  tcase_add_test (tc, test_unstreamable_caps_are_a_negotiation_error);
  tcase_add_test (tc, test_blocked_sink_levels_signals_and_priority_dropping);
  tcase_add_test (tc, test_drop_thresholds_are_700_and_900_ms);
  tcase_add_test (tc, test_bitrate_zero_is_twitchs_figure);
  tcase_add_test (tc, test_stream_key_is_write_only);
  tcase_add_test (tc, test_bad_server_is_a_settings_error);
  return s;
}

GST_CHECK_MAIN (twitchsink);
