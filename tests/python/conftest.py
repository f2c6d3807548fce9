"""Local peers for the Python tests of GstTwitch (the typelib only): the Helix
fake (tests/peers/helix-fake) and the TMI fake (tests/peers/tmi_fake.py), on
127.0.0.1, stopped by the fixtures."""
import json
import os
import socket
import subprocess
import time

import pytest

import gi

gi.require_version("GstTwitch", "1.0")
from gi.repository import GLib, GstTwitch  # noqa: E402


def start_helix_fake(*extra):
    """Starts the Helix fake; returns (process, {TWITCH_*: value})."""
    p = subprocess.Popen([os.environ["HELIX_FAKE"], "--env", "--stdin-exit", *extra],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    p.stdout.readline()  # the port
    env = {}
    # up to TWITCH_REFRESH_TOKEN, the last variable --env prints
    while "TWITCH_REFRESH_TOKEN" not in env and len(env) < 32:
        key, _, value = p.stdout.readline().strip().partition("=")
        env[key] = value
    return p, env


def stop(p):
    if p.stdin:
        p.stdin.close()
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


@pytest.fixture(scope="session")
def helix_fake():
    p, env = start_helix_fake("--followers", "1234")
    os.environ.update(env)
    yield env
    stop(p)


@pytest.fixture
def client(helix_fake):
    return GstTwitch.HelixClient()


class TmiFake:
    def __init__(self, tmp_path, *extra):
        self.port_file = tmp_path / "tmi-ports.json"
        self.record = tmp_path / "tmi-record.jsonl"
        script = os.path.join(os.environ["TWITCH_TEST_PEERS_DIR"], "tmi_fake.py")
        self.proc = subprocess.Popen(["/usr/bin/python3", script, "--port-file", str(self.port_file),
                                      "--record", str(self.record), *extra])
        deadline = time.monotonic() + 30
        while True:
            try:
                ports = json.loads(self.port_file.read_text())
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the TMI fake did not start")
                time.sleep(0.05)
        self.port = ports["port"]
        self.ctl = socket.create_connection(("127.0.0.1", ports["control"]), timeout=30)
        self.ctl_file = self.ctl.makefile("rw", encoding="utf-8", newline="\n")

    @property
    def server(self):
        return f"irc://127.0.0.1:{self.port}"

    def command(self, line):
        self.ctl_file.write(line + "\n")
        self.ctl_file.flush()
        return self.ctl_file.readline().strip()

    def recorded(self):
        if not self.record.exists():
            return []
        return [json.loads(ln) for ln in self.record.read_text().splitlines() if ln.strip()]

    def close(self):
        try:
            self.command("quit")
        except OSError:
            pass
        self.ctl.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def tmi_fake(tmp_path):
    fake = TmiFake(tmp_path)
    yield fake
    fake.close()


def run_until(predicate, timeout=30.0):
    """Iterates the default main context until predicate() is true."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        ctx.iteration(False) or time.sleep(0.01)
