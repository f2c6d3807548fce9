/* twitchsink's inputs (see gsttwitchsink-input.h). */
#include "config.h"

#include "gsttwitchsink-input.h"

#include <gst/audio/audio.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>

#include <gst/twitch/ingest/presets.h>

#include <cmath>
#include <string>

GST_DEBUG_CATEGORY_EXTERN (gst_twitch_sink_debug);
#define GST_CAT_DEFAULT gst_twitch_sink_debug

GType
gst_twitch_sink_speed_preset_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TWITCH_SINK_SPEED_PRESET_ULTRAFAST, "ultrafast", "ultrafast"},
      {GST_TWITCH_SINK_SPEED_PRESET_SUPERFAST, "superfast", "superfast"},
      {GST_TWITCH_SINK_SPEED_PRESET_VERYFAST, "veryfast (OBS's default)",
          "veryfast"},
      {GST_TWITCH_SINK_SPEED_PRESET_FASTER, "faster", "faster"},
      {GST_TWITCH_SINK_SPEED_PRESET_FAST, "fast", "fast"},
      {GST_TWITCH_SINK_SPEED_PRESET_MEDIUM, "medium", "medium"},
      {GST_TWITCH_SINK_SPEED_PRESET_SLOW, "slow", "slow"},
      {GST_TWITCH_SINK_SPEED_PRESET_SLOWER, "slower", "slower"},
      {GST_TWITCH_SINK_SPEED_PRESET_VERYSLOW, "veryslow", "veryslow"},
      {GST_TWITCH_SINK_SPEED_PRESET_PLACEBO, "placebo", "placebo"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstTwitchSinkSpeedPreset", values));
  return type;
}

GType
gst_twitch_sink_tune_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TWITCH_SINK_TUNE_NONE, "No tuning", "none"},
      {GST_TWITCH_SINK_TUNE_ZEROLATENCY, "Zero latency (no frame delay)",
          "zerolatency"},
      {GST_TWITCH_SINK_TUNE_FASTDECODE, "Fast decode", "fastdecode"},
      {GST_TWITCH_SINK_TUNE_STILLIMAGE, "Still image", "stillimage"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstTwitchSinkTune", values));
  return type;
}

GType
gst_twitch_sink_profile_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TWITCH_SINK_PROFILE_MAIN, "Main", "main"},
      {GST_TWITCH_SINK_PROFILE_HIGH, "High", "high"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstTwitchSinkProfile", values));
  return type;
}

static const char *
enum_nick (GType type, int value)
{
  GEnumClass *klass = G_ENUM_CLASS (g_type_class_ref (type));
  GEnumValue *v = g_enum_get_value (klass, value);
  const char *nick = v ? v->value_nick : nullptr;
  g_type_class_unref (klass); /* static types: the nicks stay */
  return nick;
}

namespace twitchsink
{

InputKind
classify_caps (const GstCaps *caps, bool is_video)
{
  if (caps == nullptr || gst_caps_get_size (caps) == 0)
    return InputKind::NONE;
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *name = gst_structure_get_name (s);
  if (is_video) {
    if (g_str_equal (name, "video/x-raw"))
      return InputKind::RAW;
    if (g_str_equal (name, "video/x-h264"))
      return InputKind::ENCODED;
  } else {
    if (g_str_equal (name, "audio/x-raw"))
      return InputKind::RAW;
    if (g_str_equal (name, "audio/mpeg")) {
      int version = 0;
      gst_structure_get_int (s, "mpegversion", &version);
      if (version == 2 || version == 4)
        return InputKind::ENCODED;
    }
  }
  return InputKind::NONE;
}

GstElement *
make_element (GstElement *owner, const char *factory, const char *name)
{
  GstElement *e = gst_element_factory_make (factory, name);
  if (e == nullptr) {
    gst_element_post_message (
        owner, gst_missing_element_message_new (owner, factory));
    GST_ELEMENT_ERROR (owner, CORE, MISSING_PLUGIN,
        ("twitchsink needs the GStreamer element '%s': install the plugin "
         "package that provides it (bash scripts/install-deps.sh)",
            factory),
        (nullptr));
  }
  return e;
}

/* Encoded caps flvmux takes as they are: H.264 in AVC form, whole access
 * units, with codec data; raw AAC (MPEG-4) with codec data. */
static bool
caps_ready_for_flv (GstCaps *caps, bool video)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_has_field (s, "codec_data"))
    return false;
  if (video) {
    /* Demuxers (flvdemux, qtdemux) give AVC without an alignment field: one
     * access unit per buffer, as the container holds it. Only NAL
     * alignment needs h264parse to assemble access units. */
    const char *alignment = gst_structure_get_string (s, "alignment");
    return !g_strcmp0 (gst_structure_get_string (s, "stream-format"), "avc")
           && (alignment == nullptr || !g_strcmp0 (alignment, "au"));
  }
  int version = 0;
  gst_structure_get_int (s, "mpegversion", &version);
  return version == 4
         && !g_strcmp0 (gst_structure_get_string (s, "stream-format"), "raw");
}

static void
configure_x264 (GstElement *owner, GstElement *enc, GstElement *filter,
    GstCaps *caps, const EncoderSettings &s)
{
  GstVideoInfo info;
  gst_video_info_init (&info);
  gst_video_info_from_caps (&info, caps);
  double fps = info.fps_n > 0 && info.fps_d > 0
                   ? (double)info.fps_n / info.fps_d
                   : 30.0;
  guint bitrate = s.bitrate ? s.bitrate
                            : (guint)twitch::recommended_video_bitrate_kbps (
                                info.width, info.height, fps);
  guint keyint = (guint)MAX (1, std::lround (fps * s.key_int));
  bool high = s.profile == GST_TWITCH_SINK_PROFILE_HIGH;
  /* CBR as OBS does it (HRD CBR signalling, filler); CABAC (and the 8x8
   * transform for high) so that fast presets still give the main/high
   * profile Twitch asks for, not constrained baseline. */
  std::string options = twitch::x264_option_string ();
  options += ":nal-hrd=cbr:filler=1:cabac=1";
  if (high)
    options += ":8x8dct=1";
  gst_util_set_object_arg (G_OBJECT (enc), "pass", "cbr");
  g_object_set (enc, "bitrate", bitrate, "key-int-max", keyint,
      "vbv-buf-capacity", 1000, "option-string", options.c_str (), nullptr);
  const char *preset
      = enum_nick (GST_TYPE_TWITCH_SINK_SPEED_PRESET, s.speed_preset);
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", preset);
  const char *tune = enum_nick (GST_TYPE_TWITCH_SINK_TUNE, s.tune);
  /* x264enc's tune is a flags type: "0x00000000" is none. */
  gst_util_set_object_arg (G_OBJECT (enc), "tune",
      s.tune == GST_TWITCH_SINK_TUNE_NONE ? "0x00000000" : tune);
  const char *profile = enum_nick (GST_TYPE_TWITCH_SINK_PROFILE, s.profile);
  GstCaps *fcaps = gst_caps_new_simple (
      "video/x-h264", "profile", G_TYPE_STRING, profile, nullptr);
  g_object_set (filter, "caps", fcaps, nullptr);
  gst_caps_unref (fcaps);
  GST_INFO_OBJECT (owner,
      "encoding %dx%d at %.3f fps: x264 %u kbps CBR, keyframe every %u "
      "frames, %s, tune %s, profile %s",
      info.width, info.height, fps, bitrate, keyint, preset, tune, profile);
}

bool
make_input_chain (GstElement *owner, bool is_video, InputKind kind,
    GstCaps *caps, const EncoderSettings &s, std::vector<GstElement *> &chain)
{
  auto add = [&] (const char *factory) -> GstElement * {
    GstElement *e = make_element (owner, factory, nullptr);
    if (e)
      chain.push_back (e);
    return e;
  };
  bool ok = true;
  if (is_video && kind == InputKind::RAW) {
    GstElement *conv = add ("videoconvert");
    GstElement *enc = add ("x264enc");
    GstElement *filter = add ("capsfilter");
    GstElement *parse = add ("h264parse");
    ok = conv && enc && filter && parse;
    if (ok)
      configure_x264 (owner, enc, filter, caps, s);
  } else if (is_video) {
    /* Already what flvmux takes (AVC, whole access units, codec data), as
     * from flvdemux or qtdemux: straight to the queue, nothing to parse. */
    if (!caps_ready_for_flv (caps, true))
      ok = add ("h264parse") != nullptr;
  } else if (kind == InputKind::RAW) {
    GstAudioInfo info;
    gst_audio_info_init (&info);
    gst_audio_info_from_caps (&info, caps);
    int rate = twitch::audio_rate_supported (GST_AUDIO_INFO_RATE (&info))
                   ? GST_AUDIO_INFO_RATE (&info)
                   : 48000;
    GstElement *conv = add ("audioconvert");
    GstElement *res = add ("audioresample");
    GstElement *filter = add ("capsfilter");
    GstElement *enc = add ("avenc_aac");
    GstElement *parse = add ("aacparse");
    ok = conv && res && filter && enc && parse;
    if (ok) {
      GstCaps *fcaps = gst_caps_new_simple ("audio/x-raw", "channels",
          G_TYPE_INT, 2, "rate", G_TYPE_INT, rate, nullptr);
      g_object_set (filter, "caps", fcaps, nullptr);
      gst_caps_unref (fcaps);
      g_object_set (enc, "bitrate", (gint)s.audio_bitrate * 1000, nullptr);
    }
  } else if (!caps_ready_for_flv (caps, false)) {
    ok = add ("aacparse") != nullptr;
  }
  if (!ok) {
    for (GstElement *e : chain)
      gst_object_unref (gst_object_ref_sink (e));
    chain.clear ();
  }
  return ok;
}

} // namespace twitchsink
