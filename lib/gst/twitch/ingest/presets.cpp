#include "config.h"

#include <gst/twitch/ingest/presets.h>

#include <algorithm>
#include <cmath>

namespace twitch
{

int
recommended_video_bitrate_kbps (int width, int height, double fps)
{
  int pixels = std::max (width, 0) * std::max (height, 0);
  bool high_fps = fps > 31.0;
  if (pixels >= 1920 * 1080)
    return high_fps ? 6000 : 4500;
  if (pixels >= 1280 * 720)
    return high_fps ? 4500 : 3000;
  return high_fps ? 2500 : 1500;
}

int
keyframe_interval_frames (double fps)
{
  if (!(fps > 0))
    return 60;
  return std::max (
      1, static_cast<int> (std::lround (fps * kKeyframeIntervalSeconds)));
}

bool
audio_rate_supported (int rate)
{
  return rate == 44100 || rate == 48000;
}

const char *
x264_option_string ()
{
  /* scenecut=0: x264 otherwise adds keyframes on scene cuts, breaking the
   * exact 2 s GOP Twitch asks for. */
  return "scenecut=0:open-gop=0";
}

} // namespace twitch
