/* The colour demo of python-twitch-stream, ported: a stream whose colour
 * follows "red", "green" or "blue" in chat and whose tone follows a number
 * in chat (a frequency in Hz), pushed from code through appsrc.
 *
 *   TWITCH_STREAM_KEY=... chat-colour-demo --channel mychannel    # to Twitch
 *   chat-colour-demo --channel c --sink rtmp://127.0.0.1:1935/app/key
 *   chat-colour-demo --channel c --sink display    # a window and speakers
 *  chat-colour-demo -c c -s null --seconds 5 --chat-server irc://127.0.0.1:PORT
 * The first streams to Twitch through twitchsink (automatic ingest); the
 * second to any RTMP server, encoded here (x264enc, avenc_aac, flvmux,
 * rtmp2sink); the last is for tests. Chat is read anonymously unless
 * TWITCH_OAUTH_TOKEN and --login are given; --chat-server
 * irc://127.0.0.1:PORT points it at a local test server. */
#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/twitch/chat/client.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace
{

constexpr int kWidth = 640, kHeight = 360, kFps = 30;
constexpr int kRate = 44100, kSamples = 1024;

struct Demo {
  std::atomic<uint32_t> rgb{0x202020};
  std::atomic<double> frequency{440.0};
  guint64 frames = 0;
  guint64 samples = 0;
  double phase = 0;
  GMainLoop *loop = nullptr;
};

/* "red" / "green" / "blue" anywhere in the message; a number 20..20000. */
void
on_chat (Demo *d, const twitch::ChatMessage &m)
{
  if (m.kind != twitch::ChatKind::PRIVMSG)
    return;
  gchar *lower = g_utf8_strdown (m.text.c_str (), -1);
  std::string t (lower);
  g_free (lower);
  struct {
    const char *word;
    uint32_t rgb;
  } colours[] = {{"red", 0xE02020}, {"green", 0x20C040}, {"blue", 0x2040E0}};
  for (auto &c : colours) {
    if (t.find (c.word) != std::string::npos) {
      d->rgb = c.rgb;
      g_print ("colour %s (from %s)\n", c.word, m.display_name.c_str ());
    }
  }
  for (size_t i = 0; i < t.size (); ++i) {
    if (!g_ascii_isdigit (t[i]) || (i > 0 && g_ascii_isalnum (t[i - 1])))
      continue;
    double f = g_ascii_strtod (t.c_str () + i, nullptr);
    if (f >= 20 && f <= 20000) {
      d->frequency = f;
      g_print ("frequency %.0f Hz (from %s)\n", f, m.display_name.c_str ());
    }
    break;
  }
}

void
need_video (GstAppSrc *src, guint, gpointer data)
{
  auto *d = static_cast<Demo *> (data);
  uint32_t c = d->rgb;
  GstBuffer *buf
      = gst_buffer_new_allocate (nullptr, kWidth * kHeight * 3, nullptr);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (int i = 0; i < kWidth * kHeight; ++i) {
    map.data[i * 3] = (c >> 16) & 0xff;
    map.data[i * 3 + 1] = (c >> 8) & 0xff;
    map.data[i * 3 + 2] = c & 0xff;
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (d->frames, GST_SECOND, kFps);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (1, GST_SECOND, kFps);
  d->frames++;
  gst_app_src_push_buffer (src, buf);
}

void
need_audio (GstAppSrc *src, guint, gpointer data)
{
  auto *d = static_cast<Demo *> (data);
  GstBuffer *buf = gst_buffer_new_allocate (nullptr, kSamples * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  auto *s = reinterpret_cast<gint16 *> (map.data);
  double step = 2 * G_PI * d->frequency / kRate;
  for (int i = 0; i < kSamples; ++i) {
    gint16 v = (gint16)(std::sin (d->phase) * 8000);
    s[2 * i] = s[2 * i + 1] = v;
    d->phase = std::fmod (d->phase + step, 2 * G_PI);
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (d->samples, GST_SECOND, kRate);
  GST_BUFFER_DURATION (buf)
      = gst_util_uint64_scale (kSamples, GST_SECOND, kRate);
  d->samples += kSamples;
  gst_app_src_push_buffer (src, buf);
}

GstElement *
make_appsrc (const char *name, const char *caps, Demo *d, bool video)
{
  GstElement *e = gst_element_factory_make ("appsrc", name);
  GstCaps *c = gst_caps_from_string (caps);
  g_object_set (e, "caps", c, "format", GST_FORMAT_TIME, "is-live", TRUE,
      "max-bytes", (guint64)(video ? kWidth * kHeight * 3 * 4 : 65536),
      nullptr);
  gst_caps_unref (c);
  GstAppSrcCallbacks cb = {};
  cb.need_data = video ? need_video : need_audio;
  gst_app_src_set_callbacks (GST_APP_SRC (e), &cb, d, nullptr);
  return e;
}

gboolean
on_bus (GstBus *, GstMessage *msg, gpointer data)
{
  auto *d = static_cast<Demo *> (data);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = nullptr;
    gst_message_parse_error (msg, &err, nullptr);
    g_printerr (
        "error from %s: %s\n", GST_OBJECT_NAME (msg->src), err->message);
    g_error_free (err);
    g_main_loop_quit (d->loop);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    g_main_loop_quit (d->loop);
  }
  return TRUE;
}

} // namespace

int
main (int argc, char **argv)
{
  /* GOption fills these with strings of its own: freed on every return. */
  g_autofree gchar *channel = nullptr;
  g_autofree gchar *sink = nullptr;
  g_autofree gchar *chat_server = nullptr;
  g_autofree gchar *login = nullptr;
  g_autofree gchar *server = nullptr;
  gint seconds = 0;
  GOptionEntry entries[] = {
      {"channel", 'c', 0, G_OPTION_ARG_STRING, &channel,
          "Chat channel to follow", "NAME"},
      {"sink", 's', 0, G_OPTION_ARG_STRING, &sink,
          "twitch (default: twitchsink, TWITCH_STREAM_KEY), an rtmp:// URL, "
          "display, or null",
          "SINK"},
      {"server", 0, 0, G_OPTION_ARG_STRING, &server,
          "twitchsink's server (ingest name or rtmp:// URL)", "URL"},
      {"chat-server", 0, 0, G_OPTION_ARG_STRING, &chat_server,
          "Chat server URI (default ircs://irc.chat.twitch.tv:6697)", "URI"},
      {"login", 0, 0, G_OPTION_ARG_STRING, &login,
          "Chat login (token in TWITCH_OAUTH_TOKEN)", "NAME"},
      {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds,
          "Stop after this many seconds (0: run until interrupted)", "N"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
  };
  GOptionContext *ctx
      = g_option_context_new ("- python-twitch-stream's colour demo");
  g_option_context_add_main_entries (ctx, entries, nullptr);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  GError *err = nullptr;
  if (!g_option_context_parse (ctx, &argc, &argv, &err) || !channel) {
    g_printerr ("%s\n", err ? err->message : "--channel is required");
    g_autofree gchar *help = g_option_context_get_help (ctx, TRUE, nullptr);
    g_printerr ("%s", help);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  std::string sink_kind = sink ? sink : "twitch";

  Demo demo;
  demo.loop = g_main_loop_new (nullptr, FALSE);
  GstElement *pipeline = gst_pipeline_new ("colour-demo");
  GstElement *vsrc = make_appsrc ("video",
      "video/x-raw,format=RGB,width=640,height=360,framerate=30/1", &demo,
      true);
  GstElement *asrc = make_appsrc ("audio",
      "audio/x-raw,format=S16LE,layout=interleaved,rate=44100,channels=2",
      &demo, false);
  GstElement *vconv = gst_element_factory_make ("videoconvert", nullptr);
  GstElement *aconv = gst_element_factory_make ("audioconvert", nullptr);
  gst_bin_add_many (GST_BIN (pipeline), vsrc, asrc, vconv, aconv, nullptr);
  gst_element_link (vsrc, vconv);
  gst_element_link (asrc, aconv);

  bool ok = true;
  if (sink_kind == "twitch") {
    /* twitchsink by name: this demo builds without it. */
    GstElement *ts = gst_element_factory_make ("twitchsink", nullptr);
    if (!ts) {
      g_printerr ("twitchsink is not installed; use --sink rtmp://... or "
                  "--sink display\n");
      return 1;
    }
    const char *key = g_getenv ("TWITCH_STREAM_KEY");
    if (key)
      g_object_set (ts, "stream-key", key, nullptr);
    if (server)
      g_object_set (ts, "server", server, nullptr);
    gst_bin_add (GST_BIN (pipeline), ts);
    ok = gst_element_link_pads (vconv, nullptr, ts, "video")
         && gst_element_link_pads (aconv, nullptr, ts, "audio");
  } else if (g_str_has_prefix (sink_kind.c_str (), "rtmp")) {
    GstElement *venc = gst_element_factory_make ("x264enc", nullptr);
    GstElement *aenc = gst_element_factory_make ("avenc_aac", nullptr);
    GstElement *mux = gst_element_factory_make ("flvmux", nullptr);
    GstElement *out = gst_element_factory_make ("rtmp2sink", nullptr);
    if (!venc || !aenc || !mux || !out) {
      g_printerr ("x264enc, avenc_aac, flvmux and rtmp2sink are needed\n");
      return 1;
    }
    gst_util_set_object_arg (G_OBJECT (venc), "tune", "zerolatency");
    g_object_set (venc, "bitrate", 1500, "key-int-max", 60, "option-string",
        "scenecut=0", nullptr);
    g_object_set (mux, "streamable", TRUE, nullptr);
    g_object_set (out, "location", sink_kind.c_str (), nullptr);
    gst_bin_add_many (GST_BIN (pipeline), venc, aenc, mux, out, nullptr);
    ok = gst_element_link (vconv, venc) && gst_element_link (aconv, aenc)
         && gst_element_link (venc, mux) && gst_element_link (aenc, mux)
         && gst_element_link (mux, out);
  } else {
    bool display = sink_kind == "display";
    GstElement *vs = gst_element_factory_make (
        display ? "autovideosink" : "fakesink", nullptr);
    GstElement *as = gst_element_factory_make (
        display ? "autoaudiosink" : "fakesink", nullptr);
    if (!display) {
      g_object_set (vs, "sync", TRUE, nullptr);
      g_object_set (as, "sync", TRUE, nullptr);
    }
    gst_bin_add_many (GST_BIN (pipeline), vs, as, nullptr);
    ok = gst_element_link (vconv, vs) && gst_element_link (aconv, as);
  }
  if (!ok) {
    g_printerr ("could not link the pipeline\n");
    return 1;
  }

  twitch::ChatConfig cfg;
  if (chat_server && !twitch::chat_config_set_server (cfg, chat_server, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  cfg.channels = twitch::chat_parse_channels (channel);
  if (login && g_getenv ("TWITCH_OAUTH_TOKEN")) {
    cfg.login = login;
    cfg.token = g_getenv ("TWITCH_OAUTH_TOKEN");
  }
  twitch::ChatCallbacks cb;
  cb.on_message = [&demo] (twitch::ChatMessage &&m) { on_chat (&demo, m); };
  cb.on_joined
      = [] (const std::string &c) { g_print ("joined #%s\n", c.c_str ()); };
  cb.on_fatal = [&demo] (const GError *e) {
    g_printerr ("chat: %s\n", e->message);
    g_main_loop_quit (demo.loop);
  };
  twitch::ChatClient chat (cfg, cb);
  if (!chat.start (&err)) {
    g_printerr ("%s\n", err->message);
    return 1;
  }

  GstBus *bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus, &demo);
  gst_object_unref (bus);
  if (seconds > 0)
    g_timeout_add_seconds (
        seconds,
        [] (gpointer l) -> gboolean {
          g_main_loop_quit (static_cast<GMainLoop *> (l));
          return G_SOURCE_REMOVE;
        },
        demo.loop);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_print ("streaming; say red, green, blue or a frequency in #%s\n", channel);
  g_main_loop_run (demo.loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  chat.stop ();
  gst_object_unref (pipeline);
  g_main_loop_unref (demo.loop);
  g_print ("%" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " samples\n",
      demo.frames, demo.samples);
  return 0;
}
