/* twitchsink's inputs: what a pad's caps are (raw, encoded, or something
 * Twitch cannot take), and the elements that turn them into what flvmux
 * takes: Twitch's recommended H.264 and AAC encodings for raw input, a
 * parser for encoded input that needs one. Also the encoder settings'
 * enum types. */
#pragma once

#include <gst/gst.h>

#include <vector>

G_BEGIN_DECLS

/**
 * GstTwitchSinkSpeedPreset:
 *
 * x264's speed presets (twitchsink's `speed-preset`).
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_SINK_SPEED_PRESET_ULTRAFAST = 1,
  GST_TWITCH_SINK_SPEED_PRESET_SUPERFAST,
  GST_TWITCH_SINK_SPEED_PRESET_VERYFAST,
  GST_TWITCH_SINK_SPEED_PRESET_FASTER,
  GST_TWITCH_SINK_SPEED_PRESET_FAST,
  GST_TWITCH_SINK_SPEED_PRESET_MEDIUM,
  GST_TWITCH_SINK_SPEED_PRESET_SLOW,
  GST_TWITCH_SINK_SPEED_PRESET_SLOWER,
  GST_TWITCH_SINK_SPEED_PRESET_VERYSLOW,
  GST_TWITCH_SINK_SPEED_PRESET_PLACEBO,
} GstTwitchSinkSpeedPreset;

/**
 * GstTwitchSinkTune:
 *
 * x264's tunings that x264enc offers (twitchsink's `tune`).
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_SINK_TUNE_NONE = 0,
  GST_TWITCH_SINK_TUNE_ZEROLATENCY,
  GST_TWITCH_SINK_TUNE_FASTDECODE,
  GST_TWITCH_SINK_TUNE_STILLIMAGE,
} GstTwitchSinkTune;

/**
 * GstTwitchSinkProfile:
 *
 * The H.264 profiles Twitch recommends (twitchsink's `profile`).
 *
 * Since: 1.0
 */
typedef enum {
  GST_TWITCH_SINK_PROFILE_MAIN = 0,
  GST_TWITCH_SINK_PROFILE_HIGH,
} GstTwitchSinkProfile;

GType gst_twitch_sink_speed_preset_get_type (void);
GType gst_twitch_sink_tune_get_type (void);
GType gst_twitch_sink_profile_get_type (void);
#define GST_TYPE_TWITCH_SINK_SPEED_PRESET                                      \
  (gst_twitch_sink_speed_preset_get_type ())
#define GST_TYPE_TWITCH_SINK_TUNE (gst_twitch_sink_tune_get_type ())
#define GST_TYPE_TWITCH_SINK_PROFILE (gst_twitch_sink_profile_get_type ())

G_END_DECLS

namespace twitchsink
{

enum class InputKind { NONE, RAW, ENCODED };

struct EncoderSettings {
  guint bitrate = 0; /* kbit/s; 0: Twitch's figure for the resolution */
  guint audio_bitrate = 160;
  guint key_int = 2; /* seconds */
  GstTwitchSinkSpeedPreset speed_preset = GST_TWITCH_SINK_SPEED_PRESET_VERYFAST;
  GstTwitchSinkTune tune = GST_TWITCH_SINK_TUNE_ZEROLATENCY;
  GstTwitchSinkProfile profile = GST_TWITCH_SINK_PROFILE_MAIN;
};

/* Raw or encoded input Twitch takes, or NONE. */
InputKind classify_caps (const GstCaps *caps, bool is_video);

/* Makes a GStreamer element; when the factory is missing, posts the
 * missing-plugin message and a CORE/MISSING_PLUGIN error on @owner. */
GstElement *make_element (
    GstElement *owner, const char *factory, const char *name);

/* The elements between the pad and the queue, first to last (floating
 * references); empty when the input goes straight to the queue. False
 * (errors posted on @owner) when an element is missing. */
bool make_input_chain (GstElement *owner, bool is_video, InputKind kind,
    GstCaps *caps, const EncoderSettings &settings,
    std::vector<GstElement *> &chain);

} // namespace twitchsink
