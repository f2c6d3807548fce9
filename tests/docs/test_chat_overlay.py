#!/usr/bin/python3
"""examples/chat-overlay.sh against the local TMI fake (issue 11 item 3: it
did not run at all, `wrap-mode=word-char` is no value of textoverlay's).

The script joins the channel, shows a chat line on the picture while video
keeps flowing, and ends cleanly on Ctrl-C (SIGINT), as a reader runs it.

Usage: test_chat_overlay.py SOURCE_ROOT BUILD_ROOT
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def control(port, command):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall((command + "\n").encode())
        return s.makefile().readline().strip()


def main():
    root, build = sys.argv[1], sys.argv[2]
    tmi = subprocess.Popen(["/usr/bin/python3", os.path.join(root, "tests", "peers", "tmi_fake.py")],
                           stdout=subprocess.PIPE, text=True)
    overlay = None
    try:
        ports = json.loads(tmi.stdout.readline())
        env = dict(os.environ)
        env.update({
            "GST_PLUGIN_PATH": os.path.join(build, "gst", "twitch"),
            "LD_LIBRARY_PATH": os.path.join(build, "lib"),
            "CHAT_SERVER": "irc://127.0.0.1:%d" % ports["port"],
            "VIDEO_SINK": "fakesink sync=true",
        })
        env.pop("TWITCH_OAUTH_TOKEN", None)
        out = tempfile.TemporaryFile(mode="w+")
        overlay = subprocess.Popen(["sh", os.path.join(root, "examples", "chat-overlay.sh"), "overlaytest"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)

        def output():
            out.seek(0)
            return out.read()

        deadline = time.monotonic() + 30
        joined = False
        while time.monotonic() < deadline and overlay.poll() is None:
            stats = json.loads(control(ports["control"], "stats"))
            if "overlaytest" in stats["channels"]:
                joined = True
                break
            time.sleep(0.2)
        if not joined:
            print("chat-overlay.sh did not join the channel (exit code %s):\n%s"
                  % (overlay.poll(), output()))
            return 1
        control(ports["control"], "raw @display-name=Viewer;id=m1 :viewer!viewer@viewer.tmi.twitch.tv "
                                  "PRIVMSG #overlaytest :hello overlay")
        time.sleep(3)
        if overlay.poll() is not None:
            print("chat-overlay.sh ended by itself (exit code %d):\n%s" % (overlay.returncode, output()))
            return 1
        os.killpg(overlay.pid, signal.SIGINT)
        rc = overlay.wait(20)
        text = output()
        if rc != 0 or "ERROR" in text:
            print("chat-overlay.sh failed (exit code %d):\n%s" % (rc, text))
            return 1
        print("chat-overlay.sh joined, showed chat for 3 s and stopped cleanly")
        return 0
    finally:
        if overlay and overlay.poll() is None:
            os.killpg(overlay.pid, signal.SIGKILL)
            overlay.wait()
        tmi.terminate()
        tmi.wait(10)


if __name__ == "__main__":
    sys.exit(main())
