#!/usr/bin/python3
"""python-twitch-stream's demo with gst-twitch (PyGObject): the app draws the
frames and makes the sound itself, pushes both through appsrc into
twitchsink, reads the channel's chat with GstTwitch.ChatClient and answers
it: `!color <name>` repaints the stream and gets a reply, `!hello` a greeting.

    TWITCH_STREAM_KEY=live_... TWITCH_OAUTH_TOKEN=... stream_demo.py mychannel --login mybot
    stream_demo.py demo --server rtmp://127.0.0.1:1935/app \
        --chat-server irc://127.0.0.1:6667 --login demobot --seconds 20

twitchsink does the encoding (x264, AAC with Twitch's settings), picks the
ingest, reconnects, and says through buffer-low / buffer-high when to feed
(python-twitch-stream's get_video_frame_buffer_state()). Chat signals arrive
on the main loop; sends keep within Twitch's rate limits.
"""
import argparse
import math
import os
import struct
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstTwitch", "1.0")
from gi.repository import GLib, Gst, GstTwitch  # noqa: E402

RATE = 44100
COLOURS = {"red": (255, 0, 0), "green": (0, 200, 0), "blue": (0, 0, 255), "yellow": (255, 220, 0),
           "purple": (145, 70, 255), "black": (0, 0, 0), "white": (255, 255, 255)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("channel", help="the chat channel to read and answer")
    ap.add_argument("--login", help="the bot's Twitch login (with TWITCH_OAUTH_TOKEN); none: read only")
    ap.add_argument("--server", default="auto", help="ingest: auto, a name, or rtmp://host/app")
    ap.add_argument("--chat-server", default="ircs://irc.chat.twitch.tv:6697")
    ap.add_argument("--seconds", type=int, default=0, help="stop after this long (0: never)")
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--fps", type=int, default=30)
    args = ap.parse_args()
    if "TWITCH_STREAM_KEY" not in os.environ:
        if args.server == "auto":
            sys.exit("stream_demo: set TWITCH_STREAM_KEY, or pass --server rtmp://host/app for a local ingest")
        os.environ["TWITCH_STREAM_KEY"] = "live_stream_demo"

    Gst.init(None)
    w, h, fps = args.width, args.height, args.fps
    pipeline = Gst.parse_launch(
        f"appsrc name=v format=time block=true max-bytes={w * h * 6} "
        f"caps=video/x-raw,format=RGB,width={w},height={h},framerate={fps}/1 ! "
        f"twitchsink name=t server={args.server} fill-gaps=true speed-preset=ultrafast "
        f"appsrc name=a format=time caps=audio/x-raw,format=S16LE,layout=interleaved,"
        f"rate={RATE},channels=2 ! t.audio")
    sink, video, audio = (pipeline.get_by_name(n) for n in ("t", "v", "a"))

    colour = {"rgb": COLOURS["purple"], "frame": None}
    feeding, stop = threading.Event(), threading.Event()
    feeding.set()
    sink.connect("buffer-high", lambda *_: feeding.clear())
    sink.connect("buffer-low", lambda *_: feeding.set())

    def feed():
        sample, frames = 0, args.seconds * fps if args.seconds else None
        n, last_rgb, frame = 0, None, None
        while frames is None or n < frames:
            while not feeding.wait(0.05):
                if stop.is_set():
                    return
            if stop.is_set():
                return
            rgb = colour["rgb"]
            if rgb != last_rgb:
                frame, last_rgb = Gst.Buffer.new_wrapped(bytes(rgb) * (w * h)), rgb
            buf = frame.copy()
            buf.pts, buf.duration = n * Gst.SECOND // fps, Gst.SECOND // fps
            video.emit("push-buffer", buf)
            end = (n + 1) * RATE // fps
            freq = 220.0 + sum(rgb)  # the tone follows the colour
            pcm = b"".join(struct.pack("<hh", v, v) for v in (
                int(5000 * math.sin(2 * math.pi * freq * (sample + i) / RATE)) for i in range(end - sample)))
            abuf = Gst.Buffer.new_wrapped(pcm)
            abuf.pts, abuf.duration = sample * Gst.SECOND // RATE, (end - sample) * Gst.SECOND // RATE
            sample = end
            audio.emit("push-buffer", abuf)
            n += 1
        video.emit("end-of-stream")
        audio.emit("end-of-stream")

    chat = GstTwitch.ChatClient(server=args.chat_server)
    if args.login:
        chat.props.login = args.login
    loop = GLib.MainLoop()
    status = [0]

    def answer(msg, text):
        if not args.login:
            return
        try:
            chat.send(args.channel, text, msg.get_id() or None)
        except GLib.Error as e:
            print(f"stream_demo: cannot answer: {e.message}", file=sys.stderr)

    def on_message(_chat, msg):
        if msg.get_kind() != GstTwitch.ChatKind.PRIVMSG:
            return
        name = msg.get_display_name() or msg.get_login()
        print(f"chat: {name}: {msg.get_text()}", flush=True)
        words = msg.get_text().split()
        if words[:1] == ["!color"] and len(words) > 1 and words[1].lower() in COLOURS:
            colour["rgb"] = COLOURS[words[1].lower()]
            answer(msg, f"@{name} the stream is {words[1].lower()} now")
        elif words[:1] == ["!hello"]:
            answer(msg, f"Hello @{name}!")

    def on_outcome(_chat, send_id, outcome, reason, _mid):
        print(f"sent #{send_id}: {outcome.value_nick}{' (' + reason + ')' if reason else ''}", flush=True)

    def on_bus(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            print("stream_demo:", msg.parse_error()[0].message, file=sys.stderr)
            status[0] = 1
            loop.quit()

    chat.connect("message", on_message)
    chat.connect("send-outcome", on_outcome)
    chat.connect("joined", lambda _c, ch: print(f"chat: joined #{ch}", flush=True))
    try:
        chat.join(args.channel)
        chat.start()
    except GLib.Error as e:
        sys.exit(f"stream_demo: {e.message}")
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_bus)
    pipeline.set_state(Gst.State.PLAYING)
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        feeding.set()
        pipeline.set_state(Gst.State.NULL)
        chat.stop()
    return status[0]


if __name__ == "__main__":
    sys.exit(main())
