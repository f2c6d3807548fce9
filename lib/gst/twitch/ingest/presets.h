/* Twitch's recommended encoding settings (Twitch Help, "Broadcasting
 * Guidelines"): H.264 main/high CBR, keyframe every 2 s, up to 6000 kbps;
 * AAC-LC 44.1 or 48 kHz stereo, up to 160 kbps. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

namespace twitch
{

inline constexpr int kKeyframeIntervalSeconds = 2;
inline constexpr int kMaxVideoBitrateKbps = 6000;
inline constexpr int kDefaultAudioBitrateKbps = 160;
inline constexpr int kMaxAudioBitrateKbps = 160;

/* Recommended video bitrate for a resolution and frame rate:
 * 1080p60 6000, 1080p30 4500, 720p60 4500, 720p30 3000, smaller 1500.
 * @fps may be fractional (29.97). */
GST_TWITCH_API int recommended_video_bitrate_kbps (
    int width, int height, double fps);

/* Frames between keyframes for a 2 s GOP at @fps (at least 1). */
GST_TWITCH_API int keyframe_interval_frames (double fps);

/* Audio sample rates Twitch ingests accept. */
GST_TWITCH_API bool audio_rate_supported (int rate);

/* x264's option-string for Twitch: a fixed GOP (no scene-cut keyframes) and
 * a VBV buffer of one second at @bitrate_kbps, which makes it CBR. */
GST_TWITCH_API const char *x264_option_string ();

} // namespace twitch
