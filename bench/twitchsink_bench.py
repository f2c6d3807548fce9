#!/usr/bin/python3
"""twitchsink benchmarks, against one local nginx-rtmp ingest. Prints figures.

1. Passthrough: CPU seconds per media second for pre-encoded 1080p60 6 Mbps
   H.264 + AAC, twitchsink (gst-launch-1.0 filesrc ! flvdemux ! twitchsink)
   against the bare GStreamer pipeline it wraps (filesrc ! flvdemux !
   flvmux ! rtmp2sink, same queues) and `ffmpeg -re -i same.flv -c copy -f
   flv rtmp://...`, side by side in one run.
2. App encoding: raw RGB 720p30 frames with a tone, the python-twitch-stream
   way (frames piped to an ffmpeg subprocess, same x264 settings) against
   appsrc into twitchsink (examples/twitchsink-colors). Both make the same
   frames (a full-screen colour that changes every second).
3. Reconnect: the ingest is killed and comes back; time from the ingest
   accepting connections again to the first new media bytes, and what
   remains of it once the retry delay twitchsink announced has elapsed.

Usage: bench/twitchsink_bench.py [BUILDDIR]   (or `meson test -C build
--benchmark`). BENCH_SECONDS (10) sets the media length.
"""
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

ENV = dict(os.environ)
ENV["GST_PLUGIN_PATH"] = os.path.join(BUILD, "gst", "twitch")
ENV.pop("GST_DEBUG", None)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Nginx:
    def __init__(self, work):
        self.work = work
        self.port = free_port()
        self.rec = os.path.join(work, "rec")
        os.makedirs(self.rec, exist_ok=True)
        with open(os.path.join(work, "nginx.conf"), "w") as f:
            f.write(f"""load_module {RTMP_MODULE};
daemon off; master_process off; worker_processes 1;
error_log {work}/error.log info; pid {work}/nginx.pid;
events {{ worker_connections 64; }}
rtmp {{ server {{ listen 127.0.0.1:{self.port}; chunk_size 4096;
  application app {{ live on; record all; record_path {self.rec}; record_unique on; }} }} }}
""")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["nginx", "-p", self.work, "-c", os.path.join(self.work, "nginx.conf"),
             "-e", os.path.join(self.work, "error.log")])
        for _ in range(300):
            if accepts(self.port):
                return time.monotonic()
            time.sleep(0.005)
        raise RuntimeError("nginx did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def url(self):
        return f"rtmp://127.0.0.1:{self.port}/app"

    def recordings(self):
        return sorted((os.path.join(self.rec, f) for f in os.listdir(self.rec)),
                      key=os.path.getmtime)


def run_measured(argv, env=None, stdin=None, **kw):
    """Runs a child to completion; returns (cpu seconds, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(argv, env=env or ENV, check=True, stdin=stdin,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def make_input(path):
    frames = SECONDS * 60
    subprocess.run(
        ["gst-launch-1.0", "-q", "videotestsrc", f"num-buffers={frames}", "pattern=ball",
         "!", "video/x-raw,width=1920,height=1080,framerate=60/1",
         "!", "x264enc", "bitrate=6000", "key-int-max=120", "speed-preset=ultrafast",
         "tune=zerolatency", "option-string=scenecut=0:nal-hrd=cbr:filler=1:cabac=1",
         "vbv-buf-capacity=1000", "!", "video/x-h264,profile=main", "!", "h264parse",
         "!", "flvmux", "name=m", "streamable=true", "!", "filesink", f"location={path}",
         "audiotestsrc", f"num-buffers={SECONDS * 48000 // 1024}", "!",
         "audio/x-raw,rate=48000,channels=2", "!", "avenc_aac", "bitrate=160000", "!",
         "aacparse", "!", "m."], env=ENV, check=True)


def bench_passthrough(nginx, work):
    flv = os.path.join(work, "in-1080p60.flv")
    make_input(flv)
    mbps = os.path.getsize(flv) * 8 / SECONDS / 1e6
    env = dict(ENV, TWITCH_STREAM_KEY="live_bench_passthrough")
    ts_cpu, ts_wall = run_measured(
        ["gst-launch-1.0", "-q", "filesrc", f"location={flv}", "!", "flvdemux", "name=d",
         "d.video", "!", "queue", "!", "twitchsink", "name=t", f"server={nginx.url()}",
         "d.audio", "!", "queue", "!", "t.audio"], env=env)
    # The same file through GStreamer alone: what twitchsink wraps, with the
    # same queues after the demuxer and rtmp2sink's default chunk size.
    bare_cpu, bare_wall = run_measured(
        ["gst-launch-1.0", "-q", "filesrc", f"location={flv}", "!", "flvdemux", "name=d",
         "d.video", "!", "queue", "!", "m.video", "flvmux", "name=m", "streamable=true", "!",
         "rtmp2sink", f"location={nginx.url()}/live_bench_bare",
         "d.audio", "!", "queue", "!", "m.audio"])
    ff_cpu, ff_wall = run_measured(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-i", flv, "-c", "copy",
         "-f", "flv", f"{nginx.url()}/live_bench_ffmpeg"])
    print(f"passthrough 1080p60 H.264+AAC ({mbps:.1f} Mbit/s, {SECONDS} s of media)")
    print(f"  twitchsink                     {ts_cpu / SECONDS:.4f} CPU s per media s  (wall {ts_wall:.1f} s)")
    print(f"  flvdemux ! flvmux ! rtmp2sink  {bare_cpu / SECONDS:.4f} CPU s per media s  (wall {bare_wall:.1f} s)")
    print(f"  ffmpeg -re -c copy             {ff_cpu / SECONDS:.4f} CPU s per media s  (wall {ff_wall:.1f} s)")
    print(f"  ratio twitchsink/ffmpeg {ts_cpu / ff_cpu:.2f} (target <= 1.5), "
          f"twitchsink/bare {ts_cpu / bare_cpu:.2f} (target <= 1), bare/ffmpeg {bare_cpu / ff_cpu:.2f}")


def hue_rgb(h):
    x = 1 - abs((h / 60.0) % 2 - 1)
    r, g, b = [(1, x, 0), (x, 1, 0), (0, 1, x), (0, x, 1), (x, 0, 1), (1, 0, x)][int(h // 60) % 6]
    return bytes((int(r * 255), int(g * 255), int(b * 255)))


def bench_app(nginx, work):
    w, h, fps = 1280, 720, 30
    colors = os.path.join(BUILD, "examples", "twitchsink-colors")
    if not os.path.exists(colors):
        print("app encoding: skipped (build with -Dexamples=enabled)")
        return
    env = dict(ENV, TWITCH_STREAM_KEY="live_bench_appsrc")
    ts = {}
    for fmt in ("RGB", "I420"):
        ts[fmt] = run_measured(
            [colors, "--server", nginx.url(), "--seconds", str(SECONDS), "--width", str(w),
             "--format", fmt, "--height", str(h), "--fps", str(fps)], env=env)

    # The python-twitch-stream way: ffmpeg reads raw RGB frames on stdin and
    # the audio from a FIFO, both written by the app.
    fifo = os.path.join(work, "audio.fifo")
    os.mkfifo(fifo)
    argv = ["ffmpeg", "-nostdin" if False else "-y", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
            "-f", "s16le", "-ar", "44100", "-ac", "2", "-i", fifo,
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "main",
            "-b:v", "3000k", "-minrate", "3000k", "-maxrate", "3000k", "-bufsize", "3000k",
            "-g", str(2 * fps), "-keyint_min", str(2 * fps), "-sc_threshold", "0",
            "-x264-params", "nal-hrd=cbr:filler=1", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "160k", "-f", "flv", f"{nginx.url()}/live_bench_pipe"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    ff = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)

    def audio():
        samples = 44100 // fps
        chunk = bytes(samples * 4)
        with open(fifo, "wb") as f:
            for _ in range(SECONDS * fps):
                f.write(chunk)

    t = threading.Thread(target=audio)
    t.start()
    frames = {}
    for n in range(SECONDS * fps):
        second = n // fps
        if second not in frames:
            frames = {second: hue_rgb((second * 47) % 360) * (w * h)}
        ff.stdin.write(frames[second])
    ff.stdin.close()
    t.join()
    ff.wait()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    ff_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    app_cpu = (self_after.ru_utime - self_before.ru_utime) + (self_after.ru_stime - self_before.ru_stime)
    print(f"app encoding 720p30 RGB + tone, x264 veryfast CBR 3000k ({SECONDS} s of media)")
    pipe = ff_cpu + app_cpu
    for fmt, (cpu, w_s) in ts.items():
        print(f"  appsrc {fmt:4} -> twitchsink (app incl.)  {cpu / SECONDS:.4f} CPU s per media s  "
              f"(wall {w_s:.1f} s; ratio to the pipe {cpu / pipe:.2f}, target <= 0.5)")
    print(f"  RGB piped to ffmpeg: ffmpeg alone    {ff_cpu / SECONDS:.4f} CPU s per media s  (wall {wall:.1f} s)")
    print(f"                       with the writer {pipe / SECONDS:.4f} CPU s per media s")


def bench_reconnect(nginx, rounds=3):
    env = dict(ENV, TWITCH_STREAM_KEY="live_bench_reconnect")
    proc = subprocess.Popen(
        ["gst-launch-1.0", "-m", "videotestsrc", "is-live=true", "!",
         "video/x-raw,width=320,height=240,framerate=30/1", "!", "twitchsink", "name=t",
         f"server={nginx.url()}", "speed-preset=ultrafast", "retry-delay=1000"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    delays = []
    lines = []

    def reader():
        for line in proc.stdout:
            if "twitchsink-reconnecting" in line:
                try:
                    d = int(line.split("delay=(guint64)")[1].split(",")[0].split(";")[0])
                    delays.append((time.monotonic(), d / 1e9))
                except (IndexError, ValueError):
                    pass
            lines.append(line)

    threading.Thread(target=reader, daemon=True).start()
    accept_to_bytes, after_delay = [], []
    try:
        time.sleep(3)
        for _ in range(rounds):
            seen = set(nginx.recordings())
            n_delays = len(delays)
            t_kill = time.monotonic()
            nginx.kill()
            time.sleep(0.3)                 # back before the first retry
            t_accept = nginx.start()
            t_bytes = None
            while time.monotonic() - t_kill < 20:
                new = [r for r in nginx.recordings() if r not in seen]
                if new and os.path.getsize(new[-1]) > 4096:
                    t_bytes = time.monotonic()
                    break
                time.sleep(0.005)
            if t_bytes is None or len(delays) <= n_delays:
                print("  reconnect: no new media within 20 s")
                continue
            t_disc, delay = delays[n_delays]
            accept_to_bytes.append(t_bytes - t_accept)
            after_delay.append(t_bytes - (t_disc + delay))
            time.sleep(2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if accept_to_bytes:
        print(f"reconnect (ingest killed, back after 0.3 s; retry-delay 1 s; {len(accept_to_bytes)} rounds)")
        print("  ingest accepting -> first new media bytes: "
              + ", ".join(f"{x:.3f}" for x in accept_to_bytes) + " s")
        print("  after the announced retry delay elapsed:   "
              + ", ".join(f"{x:.3f}" for x in after_delay) + " s (target < 1 s)")


def main():
    for tool in ("nginx", "ffmpeg", "gst-launch-1.0"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            print(f"skipped: needs {tool} (bash scripts/install-deps.sh)")
            return 77
    if not os.path.exists(RTMP_MODULE):
        print("skipped: needs libnginx-mod-rtmp")
        return 77
    work = tempfile.mkdtemp(prefix="gst-twitch-bench-")
    nginx = Nginx(work)
    try:
        nginx.start()
        bench_passthrough(nginx, work)
        bench_app(nginx, work)
        bench_reconnect(nginx)
    finally:
        nginx.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
