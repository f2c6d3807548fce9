#!/usr/bin/python3
"""python-twitch-stream's colour demo, without chat, on twitchsink (PyGObject).

The app draws a full-screen colour that changes every second and a tone that
changes with it, pushes both through appsrc, and lets twitchsink's buffer-low
and buffer-high signals say when to feed and when to wait: what
get_video_frame_buffer_state() was for in the Python library.

    TWITCH_STREAM_KEY=live_... examples/twitchsink_colors.py
    examples/twitchsink_colors.py --server rtmp://127.0.0.1:1935/app --seconds 20

Run uninstalled with GST_PLUGIN_PATH=build/gst/twitch (or `meson devenv`).
Same program in C++: examples/twitchsink-colors.cpp.
"""
import argparse
import colorsys
import math
import os
import struct
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import GLib, Gst, GstApp  # noqa: E402,F401

RATE = 44100


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default="auto")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--fps", type=int, default=30)
    args = ap.parse_args()
    if "TWITCH_STREAM_KEY" not in os.environ:
        if args.server == "auto":
            sys.exit("Set TWITCH_STREAM_KEY, or pass --server rtmp://host/app for a local ingest.")
        os.environ["TWITCH_STREAM_KEY"] = "live_colors_demo"

    Gst.init(None)
    w, h, fps = args.width, args.height, args.fps
    pipeline = Gst.parse_launch(
        f"appsrc name=v format=time block=true max-bytes={w * h * 6} "
        f"caps=video/x-raw,format=RGB,width={w},height={h},framerate={fps}/1 ! "
        f"twitchsink name=t server={args.server} fill-gaps=true "
        f"appsrc name=a format=time caps=audio/x-raw,format=S16LE,layout=interleaved,"
        f"rate={RATE},channels=2 ! t.audio")
    sink = pipeline.get_by_name("t")
    video = pipeline.get_by_name("v")
    audio = pipeline.get_by_name("a")

    feeding = threading.Event()
    feeding.set()
    stop = threading.Event()
    sink.connect("buffer-high", lambda *_: feeding.clear())   # slow down
    sink.connect("buffer-low", lambda *_: feeding.set())      # feed me

    def feed():
        frame, frame_second = None, -1
        sample = 0
        for n in range(args.seconds * fps):
            while not feeding.wait(0.05):
                if stop.is_set():
                    return
            if stop.is_set():
                return
            second = n // fps
            if second != frame_second:
                r, g, b = colorsys.hsv_to_rgb(((second * 47) % 360) / 360.0, 1, 1)
                frame = Gst.Buffer.new_wrapped(bytes((int(r * 255), int(g * 255), int(b * 255))) * (w * h))
                frame_second = second
            buf = frame.copy()
            buf.pts = n * Gst.SECOND // fps
            buf.duration = Gst.SECOND // fps
            video.emit("push-buffer", buf)

            end = (n + 1) * RATE // fps
            freq = 220.0 * 2 ** ((second % 12) / 12.0)
            pcm = b"".join(struct.pack("<hh", v, v) for v in (
                int(6000 * math.sin(2 * math.pi * freq * (sample + i) / RATE))
                for i in range(end - sample)))
            abuf = Gst.Buffer.new_wrapped(pcm)
            abuf.pts = sample * Gst.SECOND // RATE
            abuf.duration = (end - sample) * Gst.SECOND // RATE
            sample = end
            audio.emit("push-buffer", abuf)
        video.emit("end-of-stream")
        audio.emit("end-of-stream")

    loop = GLib.MainLoop()
    status = [0]

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            print("error:", err.message, file=sys.stderr)
            status[0] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.ELEMENT and msg.get_structure().get_name().startswith("twitchsink-"):
            print(msg.get_structure().get_name())

    def report():
        print(f"buffer: {sink.props.video_buffer_level:3d} frames "
              f"({sink.props.video_buffer_duration / Gst.SECOND:.2f} s), "
              f"{'feeding' if feeding.is_set() else 'waiting'}", flush=True)
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.timeout_add_seconds(1, report)
    pipeline.set_state(Gst.State.PLAYING)
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        loop.run()
    finally:
        stop.set()
        feeding.set()
        pipeline.set_state(Gst.State.NULL)
    return status[0]


if __name__ == "__main__":
    sys.exit(main())
