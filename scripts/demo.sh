#!/usr/bin/env bash
# The main job, from a fresh clone on Debian 12, as root:
#   bash scripts/demo.sh
# Installs the Debian packages, builds, starts a local Twitch-like ingest
# (nginx + libnginx-mod-rtmp on a free loopback port), streams ~10 s of a test
# pattern with a tone through twitchsink, checks nginx's recording with ffprobe
# and prints a summary (codecs, resolution, duration, bitrate, keyframe
# interval).
#
# With TWITCH_STREAM_KEY set, it streams the same to Twitch instead (server
# "auto": the nearest ingest). The key is read by twitchsink from the
# environment, so it never appears on a command line or in a log.
#
# Options (environment): DEMO_SECONDS (10), DEMO_WIDTH/DEMO_HEIGHT (1280x720),
# DEMO_FPS (30), DEMO_BITRATE (kbps, 3000), BUILDDIR (build).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${DEMO_SECONDS:-10}
width=${DEMO_WIDTH:-1280}
height=${DEMO_HEIGHT:-720}
fps=${DEMO_FPS:-30}
bitrate=${DEMO_BITRATE:-3000}
builddir=${BUILDDIR:-build}

bash scripts/install-deps.sh

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" -Dtests=disabled -Dexamples=disabled >/dev/null
fi
meson compile -C "$builddir" >/dev/null
echo "demo: built $builddir/gst/twitch/libgsttwitch.so"

export GST_PLUGIN_PATH="$root/$builddir/gst/twitch${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
gst-inspect-1.0 twitchsink >/dev/null

frames=$((seconds * fps))
audio_buffers=$((seconds * 100)) # 10 ms buffers at 48 kHz
source="videotestsrc is-live=true num-buffers=$frames pattern=smpte \
  ! video/x-raw,width=$width,height=$height,framerate=$fps/1 \
  ! timeoverlay font-desc=\"Sans 36\" ! t.video \
  audiotestsrc is-live=true wave=sine freq=440 samplesperbuffer=480 num-buffers=$audio_buffers \
  ! audio/x-raw,rate=48000,channels=2 ! t.audio"

if [ -n "${TWITCH_STREAM_KEY:-}" ]; then
  echo "demo: streaming ${seconds} s to Twitch (server auto, key from TWITCH_STREAM_KEY)"
  # shellcheck disable=SC2086
  eval gst-launch-1.0 -e -m twitchsink name=t bitrate="$bitrate" "$source" \
    | grep -E "twitchsink-|ERROR|EOS" || true
  echo "demo: done; the stream is on your Twitch dashboard"
  exit 0
fi

work=$(mktemp -d /tmp/gst-twitch-demo.XXXXXX)
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/rec"
cat >"$work/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
worker_processes 1;
error_log $work/error.log info;
pid $work/nginx.pid;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:$port;
    chunk_size 4096;
    application app {
      live on;
      record all;
      record_path $work/rec;
      record_unique on;
    }
  }
}
EOF
nginx -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
nginx_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
echo "demo: local ingest (nginx-rtmp, pid $nginx_pid) on rtmp://127.0.0.1:$port/app"

echo "demo: streaming ${seconds} s of ${width}x${height}@${fps} + 440 Hz tone through twitchsink"
# A demo key, from the environment like a real one.
# shellcheck disable=SC2086
TWITCH_STREAM_KEY=live_000000000_demo eval gst-launch-1.0 -e -m \
  twitchsink name=t server="rtmp://127.0.0.1:$port/app" bitrate="$bitrate" "$source" \
  >"$work/launch.log" 2>&1 || { cat "$work/launch.log"; exit 1; }
grep -oE "twitchsink-(connected|disconnected|reconnecting)[^;]*" "$work/launch.log" \
  | sed 's/^/demo: bus: /' | head -5 || true

# nginx closes the recording when the publisher leaves.
kill "$nginx_pid"
wait "$nginx_pid" 2>/dev/null || true
nginx_pid=""

rec=$(ls -t "$work"/rec/*.flv 2>/dev/null | head -1 || true)
if [ -z "$rec" ]; then
  echo "demo: FAILED: nginx recorded nothing" >&2
  cat "$work/error.log" >&2
  exit 1
fi

ffprobe -v error -show_streams -show_format -of json "$rec" >"$work/probe.json"
ffprobe -v error -select_streams v -show_entries packet=pts_time,flags,size -of csv=p=0 "$rec" \
  >"$work/video.csv"
ffprobe -v error -select_streams a -show_entries packet=size -of csv=p=0 "$rec" >"$work/audio.csv"

/usr/bin/python3 - "$work" "$bitrate" "$seconds" <<'PY'
import json, sys
work, want_kbps, want_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
probe = json.load(open(f"{work}/probe.json"))
fmt = probe["format"]
duration = float(fmt.get("duration", 0))
video = next((s for s in probe["streams"] if s["codec_type"] == "video"), None)
audio = next((s for s in probe["streams"] if s["codec_type"] == "audio"), None)
keys, vbytes = [], 0
for line in open(f"{work}/video.csv"):
    parts = line.strip().split(",")
    if len(parts) < 3:
        continue
    pts, size, flags = float(parts[0]), int(parts[1]), parts[2]
    vbytes += size
    if "K" in flags:
        keys.append(pts)
abytes = sum(int(l.split(",")[0]) for l in open(f"{work}/audio.csv") if l.strip())
gaps = [b - a for a, b in zip(keys, keys[1:])]
ok = True
print("demo: recording checked with ffprobe")
if video:
    # FLV has a millisecond time base (ffprobe says 1000/33): count frames.
    vframes = sum(1 for l in open(f"{work}/video.csv") if l.count(",") >= 2)
    fps_text = f"{vframes / duration:.2f}" if duration > 0 else "?"
    print(f"  video     {video['codec_name']} {video.get('profile', '?')}, "
          f"{video['width']}x{video['height']}, {fps_text} fps")
else:
    print("  video     MISSING"); ok = False
if audio:
    print(f"  audio     {audio['codec_name']} {audio.get('profile', '?')}, "
          f"{audio['sample_rate']} Hz, {audio['channels']} channels")
else:
    print("  audio     MISSING"); ok = False
print(f"  duration  {duration:.2f} s (asked {want_s:.0f} s)")
if duration > 0:
    print(f"  bitrate   video {vbytes * 8 / duration / 1000:.0f} kbps (asked {want_kbps}), "
          f"audio {abytes * 8 / duration / 1000:.0f} kbps, "
          f"whole file {float(fmt['size']) * 8 / duration / 1000:.0f} kbps")
if gaps:
    print(f"  keyframes every {sum(gaps) / len(gaps):.3f} s "
          f"(min {min(gaps):.3f}, max {max(gaps):.3f}; {len(keys)} keyframes)")
else:
    print("  keyframes: fewer than two"); ok = False
if abs(duration - want_s) > want_s * 0.1:
    ok = False
print("demo: OK" if ok else "demo: FAILED")
sys.exit(0 if ok else 1)
PY
