#!/usr/bin/python3
"""Executable documentation: runs every command line the docs give.

Sources:
  - every fenced ```sh block of README.md and docs/*.md: each logical line
    (backslash continuations joined; comments and blank lines skipped) is one
    command;
  - the usage lines of examples/: in the first comment block of each file,
    a line indented by two or more spaces after the comment marker that
    starts with an example's name (or examples/...), optionally after
    VAR=value assignments.

Every command runs, against local peers this script starts on 127.0.0.1 (the
Helix fake, the TMI fake, nginx-rtmp), unless tests/docs/not-run.txt lists it
with the reason (it needs Twitch itself, builds or runs the suite, ...).
An entry of that list that matches no command fails the test too, so the list
cannot go stale.

The commands run as a reader would type them, from a scratch folder holding
links to the source tree's folders and to the build folder (`build/...` and
`examples/...` resolve), with the tools, examples and helix-fake on PATH, the
plugin on GST_PLUGIN_PATH and these rewrites, all visible in a failure's
report:
  - the environment points every client at the peers: TWITCH_HELIX_URL,
    TWITCH_AUTH_URL, TWITCH_INGEST_URL, TWITCH_CLIENT_ID,
    TWITCH_CLIENT_SECRET, TWITCH_OAUTH_TOKEN, TWITCH_REFRESH_TOKEN,
    TWITCH_STREAM_KEY (a fake key), HOME and XDG_* (a scratch folder);
  - placeholders: VAR=... and live_... become the environment's value,
    yourclientid the fake's client id, CHANNEL twitchdev, 127.0.0.1:PORT and
    127.0.0.1:6667 the TMI fake (/dev/tcp/127.0.0.1/6668 its control port),
    127.0.0.1:1935 nginx-rtmp (/tmp/ingest/ its folder);
  - twitchchatsrc/twitchchatsink/twitchsink without server= get the local
    peer's (the elements have no environment variable for it);
  - autovideosink/autoaudiosink become fakesink sync=true (no display), and
    VIDEO_SINK is set the same way for examples/chat-overlay.sh;
  - chat commands without a login run without TWITCH_OAUTH_TOKEN (anonymous,
    as the chat pages assume), except transport=eventsub ones (EventSub
    needs a token; TWITCH_EVENTSUB_URL points at the Helix fake).
The scratch folder also holds what a reader would have: lines.txt (chat
lines to send) and stream.mkv (a short recorded stream).
Commands sharing a fenced block share its `export`s; the documents of one
file share the scratch folder, in order (a report written by one block is
read by the next).

A command passes when it exits 0 within its time, or, for the ones that run
until stopped (gst-launch-1.0 lines, chat-overlay.sh, the example programs),
when it still runs after a few seconds without having printed an ERROR or a
WARNING (every peer is up: nothing to warn about); it is then stopped with
SIGINT. A command that streams to the local ingest must have delivered
bytes to it. A fenced block whose info string is `output`, right after a sh
block, is the expected start of the last command's stdout (`...` skips any
lines).

Usage: run_doc_commands.py SOURCE_ROOT BUILD_ROOT [--list] [--only FILE]
"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

RUN_UNTIL_STOPPED = re.compile(
    r"\bgst-launch-1\.0\b|chat-overlay\.sh|chat-colour-demo|twitchsink-colors"
    r"|twitchsink_colors\.py|helix-fake(?!.*--daemon)")
# What a reader has at hand, for the commands that read it: text, and a
# recorded stream (made once per run by READER_STREAM).
READER_FILES = {"lines.txt": "hello from the docs test\nsecond line\n"}
READER_STREAM = ("gst-launch-1.0 -q videotestsrc num-buffers=60 ! "
                 "video/x-raw,width=320,height=180,framerate=30/1 ! x264enc ! h264parse ! "
                 "matroskamux ! filesink location=stream.mkv")
SETTLE_S = 6         # how long a pipeline must run without an error
COMMAND_TIMEOUT_S = 90
EXAMPLE_NAMES = ("chat-colour-demo", "twitchsink-colors", "helix-followers",
                 "twitchsink_colors.py", "examples/")


# ---- extraction ----------------------------------------------------------

class Command:
    def __init__(self, path, line, text, block, exports):
        self.path = path        # relative to the source root
        self.line = line        # 1-based line of the command's first line
        self.text = text        # as written (continuations joined)
        self.block = block      # index of its block in the file
        self.exports = exports  # export lines before it in the block
        self.expected = None    # lines of an `output` block after it

    def where(self):
        return "%s:%d" % (self.path, self.line)


def logical_lines(lines, first_line):
    """(line number, text) of each command of a sh block."""
    out = []
    cur, start = "", None
    for i, raw in enumerate(lines):
        s = raw.rstrip()
        if start is None:
            if not s.strip() or s.strip().startswith("#"):
                continue
            start = first_line + i
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        out.append((start, " ".join(cur.split())))
        cur, start = "", None
    if start is not None:
        out.append((start, " ".join(cur.split())))
    return out


def markdown_commands(root, rel):
    lines = open(os.path.join(root, rel), encoding="utf-8").read().split("\n")
    cmds, i, block = [], 0, 0
    last_sh = None
    while i < len(lines):
        m = re.match(r"^\s*```(\S*)", lines[i])
        if not m:
            if lines[i].strip():
                last_sh = None
            i += 1
            continue
        info, start = m.group(1), i
        indent = len(lines[i]) - len(lines[i].lstrip())
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith("```"):
            # a block inside a list item: its fence's indent is not content
            line = lines[i]
            body.append(line[indent:] if line[:indent].strip() == "" else line)
            i += 1
        i += 1
        if info == "output" and last_sh:
            last_sh[-1].expected = body
            last_sh = None
            continue
        if info not in ("sh", "shell", "bash"):
            last_sh = None
            continue
        exports, these = [], []
        for n, text in logical_lines(body, start + 2):
            c = Command(rel, n, text, block, list(exports))
            if text.startswith("export "):
                exports.append(text)
            these.append(c)
        cmds += these
        last_sh = these or None
        block += 1
    return cmds


def example_commands(root, rel):
    text = open(os.path.join(root, rel), encoding="utf-8").read()
    lines = text.split("\n")
    cmds = []
    in_comment = False
    for n, raw in enumerate(lines[:60], 1):
        s = raw
        if n == 1 and s.startswith("#!"):
            continue
        if s.startswith("/*") or s.startswith('"""'):
            in_comment = True
            s = s[2:] if s.startswith("/*") else s[3:]
        elif not in_comment and s.startswith("#"):
            s = s[1:]
        elif in_comment and (s.lstrip().startswith("*")):
            s = s.lstrip()[1:]
        elif not in_comment:
            if cmds or n > 3:
                break
            continue
        if in_comment and ("*/" in raw or (raw.rstrip().endswith('"""') and n > 1
                                            and not raw.startswith('"""'))):
            in_comment = False
        m = re.match(r"^ {2,}(\S.*)$", s)
        if not m:
            continue
        cmd = m.group(1).strip()
        words = cmd.split()
        k = 0
        while k < len(words) and re.match(r"^[A-Z_]+=", words[k]):
            k += 1
        if k < len(words) and words[k].startswith(EXAMPLE_NAMES):
            cmds.append(Command(rel, n, " ".join(cmd.split()), 0, []))
    return cmds


def all_commands(root):
    cmds = []
    for rel in ["README.md"] + sorted(
            os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "docs", "*.md"))):
        cmds += markdown_commands(root, rel)
    for p in sorted(glob.glob(os.path.join(root, "examples", "*"))):
        if os.path.isfile(p) and not p.endswith("meson.build"):
            cmds += example_commands(root, os.path.relpath(p, root))
    return cmds


def load_not_run(root):
    """(path, command prefix, why) entries of tests/docs/not-run.txt."""
    out = []
    path = os.path.join(root, "tests", "docs", "not-run.txt")
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        parts = [p.strip() for p in s.split(" | ")]
        if len(parts) != 3 or not all(parts):
            raise SystemExit("not-run.txt:%d: want 'FILE | COMMAND PREFIX | WHY'" % n)
        out.append((parts[0], " ".join(parts[1].split()), parts[2], n))
    return out


# ---- peers ---------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_tcp(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Peers:
    def __init__(self, build, source, scratch):
        self.procs = []
        self.env = {}
        self.build, self.source, self.scratch = build, source, scratch

    def start(self):
        fake = os.path.join(self.build, "tests", "peers", "helix-fake", "helix-fake")
        p = subprocess.Popen([fake, "--env", "--stdin-exit"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        lines = []
        # the port, then the variables up to TWITCH_REFRESH_TOKEN (the last)
        while not lines or not lines[-1].startswith("TWITCH_REFRESH_TOKEN="):
            line = p.stdout.readline()
            if not line:
                raise SystemExit("helix-fake ended: %r" % lines)
            lines.append(line.strip())
        for line in lines[1:]:
            k, _, v = line.partition("=")
            self.env[k] = v

        tmi = subprocess.Popen(["/usr/bin/python3",
                                os.path.join(self.source, "tests", "peers", "tmi_fake.py")],
                               stdout=subprocess.PIPE, text=True)
        self.procs.append(tmi)
        ports = json.loads(tmi.stdout.readline())
        self.tmi_port, self.tmi_control = ports["port"], ports["control"]

        # nginx-rtmp through the script docs/offline.md gives readers
        self.rtmp_port = None
        port = free_port()
        d = os.path.join(self.scratch, "ingest")
        os.makedirs(d)
        n = subprocess.Popen(["sh", os.path.join(self.source, "tests", "peers", "rtmp_ingest.sh"),
                              str(port), d],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(n)
        if n.poll() is None and wait_tcp(port):
            self.rtmp_port = port
        self.ingest_dir = d

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


# ---- running -------------------------------------------------------------

def rewrite(text, peers):
    t = text
    t = re.sub(r"\b([A-Z][A-Z0-9_]*)=\.\.\.(?=\s|$)", r'\1="$\1"', t)
    t = re.sub(r"\blive_\.\.\.", '"$TWITCH_STREAM_KEY"', t)
    t = re.sub(r"\byourclientid\b", '"$TWITCH_CLIENT_ID"', t)
    t = re.sub(r"\bCHANNEL\b", "twitchdev", t)
    t = t.replace("127.0.0.1:PORT", "127.0.0.1:%d" % peers.tmi_port)
    # the ports and folder docs/offline.md starts the stand-ins with
    t = t.replace("127.0.0.1:6667", "127.0.0.1:%d" % peers.tmi_port)
    t = t.replace("127.0.0.1/6668", "127.0.0.1/%d" % peers.tmi_control)
    t = t.replace("/tmp/ingest/", peers.ingest_dir + "/")
    if peers.rtmp_port:
        t = t.replace("127.0.0.1:1935", "127.0.0.1:%d" % peers.rtmp_port)
    if "gst-launch-1.0" not in t:
        return t
    t = re.sub(r"\bauto(video|audio)sink\b", "fakesink sync=true", t)

    def add_server(m, url):
        # the element's own properties run up to the next '!' or element
        rest = t[m.end():]
        props = re.split(r"\s!\s|\s!$", rest, maxsplit=1)[0]
        if re.search(r"\b(server|location)=", props):
            return m.group(0)
        return m.group(0) + " server=" + url
    chat = "irc://127.0.0.1:%d" % peers.tmi_port
    t = re.sub(r"\btwitchchat(src|sink)\b(?![.\w])",
               lambda m: add_server(m, chat), t)
    if peers.rtmp_port:
        rtmp = "rtmp://127.0.0.1:%d/app" % peers.rtmp_port
        t = re.sub(r"\btwitchsink\b(?![.\w-])", lambda m: add_server(m, rtmp), t)
    return t


def run_command(cmd, script, cwd, env):
    """(ok, why, stdout, stderr)."""
    until_stopped = bool(RUN_UNTIL_STOPPED.search(cmd.text))
    out_path = os.path.join(cwd, ".doc-cmd.out")
    err_path = os.path.join(cwd, ".doc-cmd.err")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        p = subprocess.Popen(["/bin/bash", "-c", script], cwd=cwd, env=env,
                             stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             start_new_session=True)
        limit = SETTLE_S if until_stopped else COMMAND_TIMEOUT_S
        try:
            rc = p.wait(limit)
        except subprocess.TimeoutExpired:
            rc = None
        if rc is None:
            # Still running: SIGINT to its group, as Ctrl-C would.
            os.killpg(p.pid, signal.SIGINT)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    stdout = open(out_path, errors="replace").read()
    stderr = open(err_path, errors="replace").read()
    both = stdout + stderr
    if rc is None:
        if not until_stopped:
            return False, "did not end within %d s" % COMMAND_TIMEOUT_S, stdout, stderr
        if re.search(r"^ERROR", both, re.M):
            return False, "printed an ERROR while running", stdout, stderr
        # with every peer up, a documented pipeline has nothing to warn about
        if re.search(r"^WARNING", both, re.M):
            return False, "printed a WARNING while running", stdout, stderr
        return True, "ran %d s until stopped" % SETTLE_S, stdout, stderr
    if rc != 0:
        return False, "exit code %d" % rc, stdout, stderr
    if until_stopped and re.search(r"^ERROR", both, re.M):
        return False, "printed an ERROR", stdout, stderr
    return True, "exit 0", stdout, stderr


def expected_ok(expected, stdout):
    got = stdout.split("\n")
    j = 0
    skipping = False
    for want in expected:
        if want.strip() == "...":
            skipping = True
            continue
        while True:
            if j >= len(got):
                return False
            if got[j] == want:
                j += 1
                break
            if not skipping:
                return False
            j += 1
        skipping = False
    return True


def recorded_bytes(ingest_dir):
    total = 0
    for dirpath, _, names in os.walk(os.path.join(ingest_dir, "recordings")):
        total += sum(os.path.getsize(os.path.join(dirpath, n)) for n in names)
    return total


def make_scratch(root, build, scratch):
    for name in os.listdir(root):
        if name in (".git", "build"):
            continue
        os.symlink(os.path.join(root, name), os.path.join(scratch, name))
    os.symlink(build, os.path.join(scratch, "build"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source_root")
    ap.add_argument("build_root")
    ap.add_argument("--list", action="store_true", help="list the commands and exit")
    ap.add_argument("--only", help="only this file (e.g. docs/helix.md)")
    args = ap.parse_args()
    root, build = os.path.abspath(args.source_root), os.path.abspath(args.build_root)

    cmds = all_commands(root)
    not_run = load_not_run(root)
    used = set()

    def excluded(c):
        for k, (path, prefix, why, n) in enumerate(not_run):
            if path == c.path and c.text.startswith(prefix):
                used.add(k)
                return why
        return None

    plan = [(c, excluded(c)) for c in cmds]
    failures = []
    for k, (path, prefix, why, n) in enumerate(not_run):
        if k not in used:
            failures.append("not-run.txt:%d: no command of %s starts with %r any more "
                            "(remove the entry)" % (n, path, prefix))
    if args.list:
        for c, why in plan:
            print("%-28s %s %s" % (c.where(), "SKIP" if why else "RUN ", c.text))
            if why:
                print("%-28s      (%s)" % ("", why))
        return 0

    top = tempfile.mkdtemp(prefix="doc-commands-")
    peers = Peers(build, root, top)
    peers.ingest_dir = top
    ran = skipped = 0
    try:
        peers.start()
        home = os.path.join(top, "home")
        os.makedirs(home)
        env = dict(os.environ)
        env.update(peers.env)
        path = [os.path.join(build, "tools", "cli"), os.path.join(build, "tools", "plot"),
                os.path.join(build, "examples"),
                os.path.join(build, "tests", "peers", "helix-fake")]
        env.update({
            "PATH": ":".join(path + [env.get("PATH", "/usr/bin:/bin")]),
            "GST_PLUGIN_PATH": os.path.join(build, "gst", "twitch"),
            "LD_LIBRARY_PATH": os.path.join(build, "lib"),
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "TWITCH_CACHE_TEMP": os.path.join(home, "cache"),
            "TWITCH_STREAM_KEY": "live_fake_doctestkeynotreal",
            "VIDEO_SINK": "fakesink sync=true",
            "LC_ALL": "C.UTF-8",
        })
        if peers.rtmp_port is None:
            print("note: nginx-rtmp not available; twitchsink commands are skipped")
        made = subprocess.run(["/bin/sh", "-c", READER_STREAM], cwd=top, env=env,
                              capture_output=True, text=True, timeout=120)
        if made.returncode != 0:
            failures.append("could not make the reader's stream.mkv: " + made.stderr[-500:])
        by_file = {}
        for c, why in plan:
            by_file.setdefault(c.path, []).append((c, why))
        for rel, items in by_file.items():
            if args.only and rel != args.only:
                continue
            cwd = os.path.join(top, "run-" + rel.replace("/", "_"))
            os.makedirs(cwd)
            make_scratch(root, build, cwd)
            for name, content in READER_FILES.items():
                with open(os.path.join(cwd, name), "w") as f:
                    f.write(content)
            if os.path.exists(os.path.join(top, "stream.mkv")):
                os.symlink(os.path.join(top, "stream.mkv"), os.path.join(cwd, "stream.mkv"))
            for c, why in items:
                if why:
                    skipped += 1
                    print("SKIP %s %s\n     (%s)" % (c.where(), c.text, why))
                    continue
                if peers.rtmp_port is None and re.search(r"\btwitchsink\b|twitchsink-colors|chat-colour-demo", c.text):
                    skipped += 1
                    print("SKIP %s %s\n     (no nginx-rtmp here)" % (c.where(), c.text))
                    continue
                text = rewrite(c.text, peers)
                script = "\n".join([rewrite(e, peers) for e in c.exports] + [text])
                if "--daemon" in text:
                    # what the reader does when done; also proves the export
                    script += '\nkill "$HELIX_FAKE_PID"'

                cmd_env = env
                if re.search(r"twitchchat|chat-overlay|chat-colour-demo", c.text) \
                        and not re.search(r"\blogin[= ]|\btransport=eventsub\b", c.text):
                    # Anonymous chat, as the reader of the chat pages runs it:
                    # a token without a login is an error of its own.
                    cmd_env = {k: v for k, v in env.items()
                               if k not in ("TWITCH_OAUTH_TOKEN", "TWITCH_REFRESH_TOKEN")}
                streams = peers.rtmp_port and "rtmp://127.0.0.1:%d" % peers.rtmp_port in text
                before = recorded_bytes(peers.ingest_dir) if streams else 0
                t0 = time.monotonic()
                ok, why_ok, out, err = run_command(c, script, cwd, cmd_env)
                if ok and streams and recorded_bytes(peers.ingest_dir) <= before:
                    ok, why_ok = False, "the local ingest received no stream"
                if ok and c.expected is not None and not expected_ok(c.expected, out):
                    ok, why_ok = False, "stdout does not start as the document shows"
                ran += 1
                print("%s %s %s  [%s, %.1f s]" % ("ok  " if ok else "FAIL", c.where(), c.text,
                                                   why_ok, time.monotonic() - t0))
                if not ok:
                    report = ["%s: %s" % (c.where(), why_ok), "  as written: " + c.text]
                    if text != c.text:
                        report.append("  run as:     " + text)
                    if c.expected is not None:
                        report.append("  expected stdout to start with:\n    "
                                      + "\n    ".join(c.expected))
                    tail = (out + err).strip().split("\n")[-25:]
                    report.append("  output (last lines):\n    " + "\n    ".join(tail))
                    failures.append("\n".join(report))
    finally:
        peers.stop()
        shutil.rmtree(top, ignore_errors=True)

    print("\n%d commands ran, %d listed in tests/docs/not-run.txt" % (ran, skipped))
    if failures:
        print("\n%d failure(s):\n" % len(failures))
        print("\n\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
