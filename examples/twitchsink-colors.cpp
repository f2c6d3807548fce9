/* python-twitch-stream's colour demo, without chat, on twitchsink: the app
 * makes its own frames (a full-screen colour that changes every second) and
 * a tone that changes with it, pushes them through appsrc, and lets
 * twitchsink's buffer-low / buffer-high signals say when to feed and when to
 * wait: the GStreamer form of get_video_frame_buffer_state().
 *
 *   TWITCH_STREAM_KEY=live_... twitchsink-colors               # to Twitch
 *   twitchsink-colors --server rtmp://127.0.0.1:1935/app        # local test
 *
 * Options: --server URL|auto (auto), --seconds N (30), --width/--height
 * (1280x720), --fps N (30), --format RGB|I420 (RGB, as the Python library
 * hands frames to ffmpeg; I420 skips the colour conversion). */
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <atomic>
#include <cmath>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

namespace
{

struct App {
  GstElement *pipeline = nullptr;
  GstElement *sink = nullptr;
  GstAppSrc *video = nullptr;
  GstAppSrc *audio = nullptr;
  int width = 1280, height = 720, fps = 30, seconds = 30;
  bool i420 = false;
  std::atomic<bool> feeding{true};
  std::atomic<bool> stop{false};
  std::atomic<int> lows{0}, highs{0};
};

const int kRate = 44100;

/* HSV hue -> RGB, full saturation and value. */
void
hue_to_rgb (double h, guint8 rgb[3])
{
  double x = 1 - std::fabs (std::fmod (h / 60.0, 2) - 1);
  double r = 0, g = 0, b = 0;
  if (h < 60) {
    r = 1;
    g = x;
  } else if (h < 120) {
    r = x;
    g = 1;
  } else if (h < 180) {
    g = 1;
    b = x;
  } else if (h < 240) {
    g = x;
    b = 1;
  } else if (h < 300) {
    r = x;
    b = 1;
  } else {
    r = 1;
    b = x;
  }
  rgb[0] = (guint8)(r * 255);
  rgb[1] = (guint8)(g * 255);
  rgb[2] = (guint8)(b * 255);
}

/* One full-screen colour frame, RGB (as python-twitch-stream hands frames
 * to ffmpeg) or I420 (what the encoder takes, no conversion). */
GstBuffer *
draw (App *app, guint64 second)
{
  guint8 rgb[3];
  hue_to_rgb ((double)((second * 47) % 360), rgb);
  gsize pixels = (gsize)app->width * app->height;
  GstBuffer *frame;
  GstMapInfo map;
  if (app->i420) {
    double r = rgb[0], g = rgb[1], b = rgb[2];
    guint8 y = (guint8)(16 + 0.183 * r + 0.614 * g + 0.062 * b);
    guint8 u = (guint8)(128 - 0.101 * r - 0.339 * g + 0.439 * b);
    guint8 v = (guint8)(128 + 0.439 * r - 0.399 * g - 0.040 * b);
    frame = gst_buffer_new_allocate (nullptr, pixels * 3 / 2, nullptr);
    gst_buffer_map (frame, &map, GST_MAP_WRITE);
    memset (map.data, y, pixels);
    memset (map.data + pixels, u, pixels / 4);
    memset (map.data + pixels + pixels / 4, v, pixels / 4);
  } else {
    frame = gst_buffer_new_allocate (nullptr, pixels * 3, nullptr);
    gst_buffer_map (frame, &map, GST_MAP_WRITE);
    for (gsize i = 0; i < pixels * 3; i += 3)
      memcpy (map.data + i, rgb, 3);
  }
  gst_buffer_unmap (frame, &map);
  return frame;
}

void
feed (App *app)
{
  const guint64 total = (guint64)app->seconds * app->fps;
  guint64 sample = 0;
  GstBuffer *current = nullptr;
  guint64 current_second = 0;
  GstMapInfo map;
  for (guint64 n = 0; n < total && !app->stop; n++) {
    while (!app->feeding && !app->stop)
      std::this_thread::sleep_for (std::chrono::milliseconds (5));
    GstClockTime pts = gst_util_uint64_scale (n, GST_SECOND, app->fps);
    GstClockTime dur
        = gst_util_uint64_scale (n + 1, GST_SECOND, app->fps) - pts;

    /* A new colour (and note) every second, like the Python demo. The
     * frame is drawn once a second; each push shares its memory. */
    guint64 second = n / app->fps;
    if (current == nullptr || second != current_second) {
      gst_clear_buffer (&current);
      current = draw (app, second);
      current_second = second;
    }
    GstBuffer *frame = gst_buffer_copy (current);
    GST_BUFFER_PTS (frame) = pts;
    GST_BUFFER_DURATION (frame) = dur;
    gst_app_src_push_buffer (app->video, frame);

    guint64 end = gst_util_uint64_scale (n + 1, kRate, app->fps);
    guint samples = (guint)(end - sample);
    double freq = 220.0 * std::pow (2.0, (double)(second % 12) / 12.0);
    GstBuffer *tone = gst_buffer_new_allocate (nullptr, samples * 4, nullptr);
    gst_buffer_map (tone, &map, GST_MAP_WRITE);
    auto *s = reinterpret_cast<gint16 *> (map.data);
    for (guint i = 0; i < samples; i++) {
      double t = (double)(sample + i) / kRate;
      s[2 * i] = s[2 * i + 1] = (gint16)(6000 * std::sin (2 * G_PI * freq * t));
    }
    gst_buffer_unmap (tone, &map);
    GST_BUFFER_PTS (tone) = gst_util_uint64_scale (sample, GST_SECOND, kRate);
    GST_BUFFER_DURATION (tone)
        = gst_util_uint64_scale (samples, GST_SECOND, kRate);
    sample = end;
    gst_app_src_push_buffer (app->audio, tone);
  }
  gst_clear_buffer (&current);
  gst_app_src_end_of_stream (app->video);
  gst_app_src_end_of_stream (app->audio);
}

} // namespace

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, ""); /* --help in the user's encoding */
  App app;
  gchar *server_opt = nullptr, *format = nullptr;
  GOptionEntry entries[] = {
      {"server", 0, 0, G_OPTION_ARG_STRING, &server_opt,
          "auto (nearest Twitch ingest, the default), an ingest name, or an "
          "rtmp:// / rtmps:// URL such as rtmp://127.0.0.1:1935/app",
          "SERVER"},
      {"seconds", 0, 0, G_OPTION_ARG_INT, &app.seconds,
          "How long to stream (default 30)", "S"},
      {"width", 0, 0, G_OPTION_ARG_INT, &app.width, "Frame width (1280)", "W"},
      {"height", 0, 0, G_OPTION_ARG_INT, &app.height, "Frame height (720)",
          "H"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &app.fps, "Frames a second (30)", "N"},
      {"format", 0, 0, G_OPTION_ARG_STRING, &format,
          "Raw video format pushed: RGB (default) or I420", "FORMAT"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
  };
  GOptionContext *ctx = g_option_context_new (
      "- python-twitch-stream's colour demo: appsrc into twitchsink");
  g_option_context_add_main_entries (ctx, entries, nullptr);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  g_option_context_set_description (ctx,
      "Streams a picture that changes colour with a tone, fed from the app "
      "(appsrc)\nand kept fed by the buffer-low/high signals. The stream key "
      "comes from\nTWITCH_STREAM_KEY; with --server and no key, a demo key "
      "is used.\n\nExamples:\n"
      "  twitchsink-colors --server rtmp://127.0.0.1:1935/app --seconds 20\n"
      "  TWITCH_STREAM_KEY=live_... twitchsink-colors\n");
  GError *opt_err = nullptr;
  if (!g_option_context_parse (ctx, &argc, &argv, &opt_err)) {
    fprintf (stderr, "twitchsink-colors: %s (see --help)\n", opt_err->message);
    g_error_free (opt_err);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  if (argc > 1) {
    fprintf (stderr, "twitchsink-colors: unexpected argument %s (see --help)\n",
        argv[1]);
    return 2;
  }
  std::string server = server_opt ? server_opt : "auto";
  if (format)
    app.i420 = g_ascii_strcasecmp (format, "I420") == 0;
  g_free (server_opt);
  g_free (format);
  if (!g_getenv ("TWITCH_STREAM_KEY")) {
    if (server == "auto") {
      fprintf (stderr, "Set TWITCH_STREAM_KEY (Twitch dashboard, Settings > "
                       "Stream), or pass --server rtmp://host/app for a local "
                       "ingest.\n");
      return 2;
    }
    g_setenv ("TWITCH_STREAM_KEY", "live_colors_demo", TRUE);
  }

  gchar *desc = g_strdup_printf (
      /* A short appsrc queue: the buffer the app watches is twitchsink's. */
      "appsrc name=v format=time block=true max-bytes=%d "
      "caps=video/x-raw,format=%s,width=%d,height=%d,framerate=%d/1 ! "
      "twitchsink name=t server=%s fill-gaps=true "
      "appsrc name=a format=time "
      "caps=audio/x-raw,format=S16LE,layout=interleaved,rate=%d,channels=2 "
      "! t.audio",
      app.width * app.height * 3 * 2, app.i420 ? "I420" : "RGB", app.width,
      app.height, app.fps, server.c_str (), kRate);
  GError *err = nullptr;
  app.pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (app.pipeline == nullptr) {
    fprintf (stderr, "pipeline: %s\n", err->message);
    return 1;
  }
  app.sink = gst_bin_get_by_name (GST_BIN (app.pipeline), "t");
  app.video = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (app.pipeline), "v"));
  app.audio = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (app.pipeline), "a"));
  /* Feed while the stream is short of media; wait while it has plenty. */
  g_signal_connect (app.sink, "buffer-high",
      G_CALLBACK (+[] (GstElement *, App *a) {
        a->feeding = false;
        a->highs++;
      }),
      &app);
  g_signal_connect (app.sink, "buffer-low",
      G_CALLBACK (+[] (GstElement *, App *a) {
        a->feeding = true;
        a->lows++;
      }),
      &app);

  gst_element_set_state (app.pipeline, GST_STATE_PLAYING);
  std::thread feeder (feed, &app);
  GstBus *bus = gst_element_get_bus (app.pipeline);
  int status = 0;
  gint64 last_print = 0;
  while (true) {
    GstMessage *msg = gst_bus_timed_pop (bus, 100 * GST_MSECOND);
    if (g_get_monotonic_time () - last_print > G_USEC_PER_SEC) {
      last_print = g_get_monotonic_time ();
      guint frames = 0;
      guint64 duration = 0;
      g_object_get (app.sink, "video-buffer-level", &frames,
          "video-buffer-duration", &duration, nullptr);
      printf ("buffer: %3u frames (%.2f s), %s; signals: %d low, %d high\n",
          frames, (double)duration / GST_SECOND,
          app.feeding ? "feeding" : "waiting", app.lows.load (),
          app.highs.load ());
      fflush (stdout);
    }
    if (msg == nullptr)
      continue;
    bool done = false;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      done = true;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, nullptr);
      fprintf (stderr, "error: %s\n", err->message);
      g_clear_error (&err);
      status = 1;
      done = true;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT) {
      const GstStructure *s = gst_message_get_structure (msg);
      if (s && g_str_has_prefix (gst_structure_get_name (s), "twitchsink-"))
        printf ("%s\n", gst_structure_get_name (s));
    }
    gst_message_unref (msg);
    if (done)
      break;
  }
  app.stop = true;
  feeder.join ();
  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (app.video);
  gst_object_unref (app.audio);
  gst_object_unref (app.sink);
  gst_object_unref (app.pipeline);
  return status;
}
