"""Each Python example (examples/python/) runs against the local peers:
the Helix fake, the TMI fake and nginx-rtmp."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import TmiFake

EXAMPLES = os.path.join(os.environ.get("TWITCH_TEST_SOURCE_DIR", ""), "..", "examples", "python")
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def example(name):
    return [sys.executable, os.path.join(EXAMPLES, name)]


def test_follower_report(helix_fake):
    out = subprocess.run(example("follower_report.py") + ["twitchdev", "--limit", "150"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    rows = out.splitlines()
    assert rows[0] == "user_id\tlogin\tname\tfollowed_at"
    assert len(rows) == 151
    assert all(len(r.split("\t")) == 4 and r.split("\t")[3].endswith("Z") for r in rows[1:])


def test_follower_report_error(helix_fake):
    r = subprocess.run(example("follower_report.py") + ["nobody_at_all"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode != 0
    assert "nobody_at_all" in r.stderr and "Traceback" not in r.stderr


def test_dashboard(helix_fake, tmp_path):
    fake = TmiFake(tmp_path)
    try:
        p = subprocess.Popen(example("dashboard.py") + ["twitchdev", "--interval", "1", "--updates", "4",
                                                        "--chat-server", fake.server],
                             stdout=subprocess.PIPE, text=True)
        first = p.stdout.readline()
        assert "TwitchDev: " in first and "followers" in first
        deadline = time.monotonic() + 30
        while not json.loads(fake.command("stats"))["channels"]:
            assert time.monotonic() < deadline, "the dashboard never joined"
            time.sleep(0.1)
        fake.command("privmsg twitchdev 3")
        rest = p.stdout.read()
        assert p.wait(timeout=60) == 0
    finally:
        fake.close()
    lines = [first] + rest.splitlines()
    assert len(lines) == 4
    assert "LIVE" in lines[-1] and "1234 followers" in lines[-1]
    assert "chat: 3 messages from 3 chatters" in lines[-1]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.skipif(not os.path.exists(RTMP_MODULE) or not shutil.which("nginx"), reason="needs nginx-rtmp")
def test_stream_demo(tmp_path):
    port = free_port()
    rec = tmp_path / "rec"
    rec.mkdir()
    (tmp_path / "nginx.conf").write_text(f"""load_module {RTMP_MODULE};
daemon off; master_process off; worker_processes 1;
error_log {tmp_path}/error.log info; pid {tmp_path}/nginx.pid;
events {{ worker_connections 64; }}
rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;
  application app {{ live on; record all; record_path {rec}; }} }} }}
""")
    nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                              "-e", str(tmp_path / "error.log")])
    fake = TmiFake(tmp_path)
    try:
        env = dict(os.environ, TWITCH_STREAM_KEY="live_demo_fakekey_000000000000",
                   TWITCH_OAUTH_TOKEN="fakechattoken00000000000000002")
        p = subprocess.Popen(example("stream_demo.py") + [
            "demo", "--server", f"rtmp://127.0.0.1:{port}/app", "--chat-server", fake.server,
            "--login", "demobot", "--seconds", "6", "--width", "320", "--height", "180"],
            stdout=subprocess.PIPE, text=True, env=env)
        lines = []
        for line in p.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("chat: joined #demo"):
                fake.command("raw @display-name=Viewer;id=6b7f6a1e-0000-4000-8000-0000000000aa;user-id=7 "
                             ":viewer!viewer@viewer.tmi.twitch.tv PRIVMSG #demo :!color red")
        assert p.wait(timeout=120) == 0, lines
        assert "chat: Viewer: !color red" in lines
        assert any(ln.startswith("sent #1: sent") for ln in lines), lines
        sent = [r["line"] for r in fake.recorded() if "PRIVMSG #demo :" in r["line"]]
        assert sent == ["@reply-parent-msg-id=6b7f6a1e-0000-4000-8000-0000000000aa PRIVMSG #demo "
                        ":@Viewer the stream is red now"]
    finally:
        fake.close()
        nginx.send_signal(signal.SIGTERM)
        nginx.wait(timeout=30)
    # The app's frames and sound reached the ingest: H.264 and AAC.
    recordings = list(rec.iterdir())
    assert recordings
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "json",
                            str(recordings[0])], capture_output=True, text=True, check=True)
    codecs = {s["codec_name"] for s in json.loads(probe.stdout)["streams"]}
    assert {"h264", "aac"} <= codecs
