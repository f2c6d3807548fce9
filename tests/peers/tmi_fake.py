#!/usr/bin/python3
"""A Twitch-dialect fake TMI (chat) server for gst-twitch's tests.

Speaks the real protocol on 127.0.0.1: CAP REQ/ACK, PASS/NICK login (or
anonymous justinfan<digits>), 001..376, GLOBALUSERSTATE, JOIN with the
membership echo, 353/366, USERSTATE and ROOMSTATE, PRIVMSG from clients
answered with USERSTATE (carrying the new message id) or, when asked, with
Twitch's rate-limit NOTICE, PING/PONG, PART. Optionally TLS (--cert/--key).

It records every line clients send, with its arrival time, one JSON object a
line in --record: {"t": unix seconds, "conn": n, "line": "...",
"state": "live" | "after-drop"}. Lines read after the server dropped a
connection are marked "after-drop": a real server would never have
processed them.

Tests drive it through a control port (plain text, one command a line, one
reply a line):
  stats                      -> JSON {connections, clients, joins{}, privmsgs, ...}
  drop                       close every client connection (FIN, no reply to
                             anything read afterwards)
  reconnect                  send RECONNECT to every client
  raw LINE                   send LINE to every client
  fixture NAME               send every line of fixtures/chat/NAME to every client
  privmsg CHANNEL N          N new tagged PRIVMSGs (unique ids) to every client
  replay N                   the last N PRIVMSGs sent again, same ids
  flood CHANNEL N            N PRIVMSGs as fast as loopback takes them;
                             replies "done SECONDS" when written
  set KEY on|off             ratelimit-notice, ignore-ping, silent-joins,
                             login-fail, mod, hold-userstate (take PRIVMSGs
                             but never answer them, as when a connection
                             drops before Twitch's USERSTATE arrives)
  ping-interval SECONDS      PING every client every SECONDS (0: never), as
                             Twitch does about every 5 minutes on a quiet
                             channel; stats then count "server_pings" and
                             "pongs" (PONGs clients sent back)
  longline N LINE            N bytes of junk without a newline, then (after
                             the client read them) LINE and CR LF: a line
                             longer than any client allows, with a forged
                             line as its tail
  quit
With --ping-interval, a quiet channel is Twitch-like from the start: after
the join nothing but a PING every interval, and a USERSTATE for each
accepted PRIVMSG.
Ports are written to --port-file as JSON {"port": P, "control": C} once both
listen, so tests never race on a fixed port; without --port-file that JSON
line goes to stdout. --port and --control-port fix them for use by hand:
  tests/peers/tmi_fake.py --port 6667    (then server=irc://127.0.0.1:6667)
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import time
import uuid

SERVER = "tmi.twitch.tv"

PRIVMSG_TAGS = (
    "@badge-info=subscriber/8;badges=subscriber/6,bits/1000;client-nonce=4b2c1c3c0c5e4f7a8f2d1e0a9b8c7d6e;"
    "color=#1E90FF;display-name=Flood{n};emotes=25:0-4,12-16/1902:6-10;first-msg=0;flags=;id={id};"
    "mod=0;returning-chatter=0;room-id=12345678;subscriber=1;tmi-sent-ts={ts};turbo=0;"
    "user-id={uid};user-type= :flood{n}!flood{n}@flood{n}.tmi.twitch.tv PRIVMSG #{ch} :Kappa Keepo Kappa "
    "message number {n} with some words\\s and an emote\r\n")


class State:
    def __init__(self, args):
        self.args = args
        self.clients = set()
        self.connections = 0
        self.joins = {}
        self.privmsgs = 0
        self.history = []
        self.flags = {"ratelimit-notice": False, "ignore-ping": False,
                      "silent-joins": False, "login-fail": args.login_fail,
                      "mod": False, "hold-userstate": False}
        self.ping_interval = args.ping_interval
        self.server_pings = 0
        self.pongs = 0
        self.record = open(args.record, "a", buffering=1) if args.record else None
        self.msg_counter = 0

    def log(self, conn, line, state):
        if self.record:
            self.record.write(json.dumps({"t": time.time(), "conn": conn.n,
                                          "line": line, "state": state}) + "\n")


class Client:
    def __init__(self, st, reader, writer):
        self.st = st
        self.reader = reader
        self.writer = writer
        st.connections += 1
        self.n = st.connections
        self.nick = None
        self.token = None
        self.tags = False
        self.commands = False
        self.dropped = False
        self.channels = set()

    def send(self, line):
        if self.dropped:
            return
        self.writer.write((line + "\r\n").encode())

    def drop(self):
        if self.dropped:
            return
        self.dropped = True
        try:
            if self.writer.can_write_eof():
                self.writer.write_eof()
            else:
                self.writer.close()
        except (OSError, RuntimeError):
            pass

    def welcome(self):
        n = self.nick
        for code, text in (("001", "Welcome, GLHF!"), ("002", "Your host is tmi.twitch.tv"),
                           ("003", "This server is rather new"), ("004", "-")):
            self.send(f":{SERVER} {code} {n} :{text}")
        self.send(f":{SERVER} 375 {n} :-")
        self.send(f":{SERVER} 372 {n} :You are in a maze of twisty passages, all alike.")
        self.send(f":{SERVER} 376 {n} :>")
        if self.commands and not n.startswith("justinfan"):
            self.send(f"@badge-info=;badges=;color=#0D4200;display-name={n};emote-sets=0,300374282;"
                      f"user-id=1337;user-type= :{SERVER} GLOBALUSERSTATE")

    def userstate_tags(self, ch, msg_id=None):
        mod = self.st.flags["mod"]
        t = (f"@badge-info=;badges={'moderator/1' if mod else ''};color=#0D4200;display-name={self.nick};"
             f"emote-sets=0,300374282;mod={1 if mod else 0};subscriber=0;user-type={'mod' if mod else ''}")
        if msg_id:
            t += f";id={msg_id}"
        return t

    async def handle(self, line):
        st = self.st
        parts = line.split(" ")
        i = 0
        tags = ""
        if parts and parts[0].startswith("@"):
            tags = parts[0]
            i = 1
        cmd = parts[i].upper() if i < len(parts) else ""
        rest = " ".join(parts[i + 1:])
        if cmd == "CAP":
            sub = parts[i + 1].upper() if len(parts) > i + 1 else ""
            if sub == "REQ":
                caps = rest.split(":", 1)[1] if ":" in rest else ""
                known = {"twitch.tv/tags", "twitch.tv/commands", "twitch.tv/membership"}
                if set(caps.split()) <= known:
                    self.tags = "twitch.tv/tags" in caps
                    self.commands = "twitch.tv/commands" in caps
                    self.send(f":{SERVER} CAP * ACK :{caps}")
                else:
                    self.send(f":{SERVER} CAP * NAK :{caps}")
        elif cmd == "PASS":
            self.token = rest
        elif cmd == "NICK":
            self.nick = rest.strip().lower()
            anonymous = self.nick.startswith("justinfan")
            want = st.args.token
            bad_token = (not anonymous and want is not None and self.token != "oauth:" + want)
            if st.flags["login-fail"] or bad_token or (not anonymous and not self.token):
                self.send(f":{SERVER} NOTICE * :Login authentication failed")
                await self.writer.drain()
                self.drop()
                return
            self.welcome()
        elif cmd in ("USER",):
            pass
        elif cmd == "PING":
            if not st.flags["ignore-ping"]:
                arg = rest[1:] if rest.startswith(":") else rest
                self.send(f":{SERVER} PONG {SERVER} :{arg}")
        elif cmd == "PONG":
            st.pongs += 1
        elif cmd == "JOIN":
            for ch in rest.split(","):
                ch = ch.strip().lstrip("#").lower()
                if not ch:
                    continue
                st.joins[ch] = st.joins.get(ch, 0) + 1
                self.channels.add(ch)
                n = self.nick
                self.send(f":{n}!{n}@{n}.tmi.twitch.tv JOIN #{ch}")
                self.send(f":{n}.tmi.twitch.tv 353 {n} = #{ch} :{n}")
                self.send(f":{n}.tmi.twitch.tv 366 {n} #{ch} :End of /NAMES list")
                if st.flags["silent-joins"] or ch.startswith("nojoin"):
                    continue
                if self.commands:
                    self.send(f"{self.userstate_tags(ch)} :{SERVER} USERSTATE #{ch}")
                    self.send(f"@emote-only=0;followers-only=-1;r9k=0;room-id=12345678;slow=0;subs-only=0 "
                              f":{SERVER} ROOMSTATE #{ch}")
        elif cmd == "PART":
            ch = rest.strip().lstrip("#").lower()
            self.channels.discard(ch)
            n = self.nick
            self.send(f":{n}!{n}@{n}.tmi.twitch.tv PART #{ch}")
        elif cmd == "PRIVMSG":
            st.privmsgs += 1
            ch = parts[i + 1].lstrip("#").lower() if len(parts) > i + 1 else ""
            if self.commands and not st.flags["hold-userstate"]:
                if st.flags["ratelimit-notice"]:
                    self.send(f"@msg-id=msg_ratelimit :{SERVER} NOTICE #{ch} :Your message was not sent "
                              "because you are sending messages too quickly.")
                else:
                    self.send(f"{self.userstate_tags(ch, str(uuid.uuid4()))} :{SERVER} USERSTATE #{ch}")
        await self.writer.drain()


async def serve_client(st, reader, writer):
    c = Client(st, reader, writer)
    st.clients.add(c)
    try:
        while True:
            try:
                data = await asyncio.wait_for(reader.readline(), 5.0 if c.dropped else None)
            except asyncio.TimeoutError:
                break
            if not data:
                break
            line = data.decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                continue
            st.log(c, line, "after-drop" if c.dropped else "live")
            if not c.dropped:
                await c.handle(line)
    except (ConnectionError, OSError, ssl.SSLError):
        pass
    finally:
        st.clients.discard(c)
        try:
            writer.close()
        except (OSError, RuntimeError):
            pass


def make_privmsg(st, ch):
    st.msg_counter += 1
    n = st.msg_counter
    msg_id = str(uuid.uuid4())
    ts = int(time.time() * 1000)
    line = (f"@badge-info=;badges=;color=#FF0000;display-name=Viewer{n};emotes=;first-msg=0;flags=;"
            f"id={msg_id};mod=0;returning-chatter=0;room-id=12345678;subscriber=0;tmi-sent-ts={ts};"
            f"turbo=0;user-id={1000 + n};user-type= :viewer{n}!viewer{n}@viewer{n}.tmi.twitch.tv "
            f"PRIVMSG #{ch} :message {n}")
    st.history.append(line)
    if len(st.history) > 10000:
        del st.history[:5000]
    return line


async def flood(st, ch, count):
    """Writes count tagged PRIVMSG lines, every id unique, as fast as the
    clients read: one block of lines is formatted once, and each copy gets
    its own block number patched into every id (one bytes.replace)."""
    start = time.time()
    clients = [c for c in st.clients if not c.dropped]
    block = 5000
    ts = int(time.time() * 1000)
    template = "".join(PRIVMSG_TAGS.format(n=j, id=f"fBLKNUMBR-{j:04d}-4000-8000-000000000000",
                                           ts=ts, uid=1000 + j, ch=ch)
                       for j in range(block)).encode()
    sent = 0
    k = 0
    while sent < count:
        chunk = template.replace(b"BLKNUMBR", b"%08d" % k)
        k += 1
        n = min(block, count - sent)
        if n < block:
            # Cut at a line boundary: lines differ in length slightly.
            lines = chunk.split(b"\r\n")[:n]
            chunk = b"\r\n".join(lines) + b"\r\n"
        for c in clients:
            c.writer.write(chunk)
        for c in clients:
            await c.writer.drain()
        sent += n
    return time.time() - start


async def pinger(st):
    """Twitch's keepalive: a PING to every client every ping_interval."""
    while True:
        interval = st.ping_interval
        await asyncio.sleep(interval if interval > 0 else 0.1)
        if interval <= 0:
            continue
        for c in [c for c in st.clients if not c.dropped and c.nick]:
            c.send(f"PING :{SERVER}")
            st.server_pings += 1
            try:
                await c.writer.drain()
            except (ConnectionError, OSError):
                pass


async def long_line(st, n, line):
    """n bytes without a newline, read by the clients before the tail."""
    live = [c for c in st.clients if not c.dropped]
    junk = b"@a=" + b"x" * max(0, n - 3)
    for c in live:
        c.writer.write(junk)
    for c in live:
        await c.writer.drain()
    # Let the clients read the junk on its own, so the tail arrives as the
    # start of a new read (where a client that just clears its buffer would
    # take it for a line).
    await asyncio.sleep(0.3)
    for c in live:
        c.send(line)


async def control(st, reader, writer, stop):
    while True:
        data = await reader.readline()
        if not data:
            break
        words = data.decode().strip().split(" ", 2)
        cmd = words[0]
        reply = "ok"
        live = [c for c in st.clients if not c.dropped]
        if cmd == "stats":
            reply = json.dumps({"connections": st.connections, "clients": len(live),
                                "joins": st.joins, "privmsgs": st.privmsgs,
                                "channels": sorted({ch for c in live for ch in c.channels}),
                                "server_pings": st.server_pings, "pongs": st.pongs})
        elif cmd == "drop":
            for c in live:
                await c.writer.drain()
                c.drop()
        elif cmd == "reconnect":
            for c in live:
                c.send(f":{SERVER} RECONNECT")
        elif cmd == "raw":
            line = " ".join(words[1:])
            for c in live:
                c.send(line)
        elif cmd == "fixture":
            path = os.path.join(st.args.fixtures, words[1])
            with open(path, encoding="utf-8") as f:
                lines = [ln.rstrip("\r\n") for ln in f if ln.strip() and not ln.startswith("#")]
            for c in live:
                for ln in lines:
                    c.send(ln)
            reply = f"ok {len(lines)}"
        elif cmd == "privmsg":
            ch, n = words[1], int(words[2])
            for _ in range(n):
                line = make_privmsg(st, ch)
                for c in live:
                    c.send(line)
        elif cmd == "replay":
            n = int(words[1])
            for line in st.history[-n:]:
                for c in live:
                    c.send(line)
        elif cmd == "flood":
            secs = await flood(st, words[1], int(words[2]))
            reply = f"done {secs:.3f}"
        elif cmd == "set":
            st.flags[words[1]] = words[2] == "on"
        elif cmd == "ping-interval":
            st.ping_interval = float(words[1])
        elif cmd == "longline":
            await long_line(st, int(words[1]), words[2] if len(words) > 2 else "")
        elif cmd == "quit":
            writer.write(b"ok\n")
            await writer.drain()
            stop.set_result(True)
            return
        else:
            reply = "error unknown command"
        for c in live:
            try:
                await c.writer.drain()
            except (ConnectionError, OSError):
                pass
        writer.write((reply + "\n").encode())
        await writer.drain()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0,
                    help="chat port on 127.0.0.1 (default 0: a free one)")
    ap.add_argument("--control-port", type=int, default=0,
                    help="control port on 127.0.0.1 (default 0: a free one)")
    ap.add_argument("--port-file",
                    help="write the ports here as JSON once both listen "
                         "(default: print that JSON line on stdout)")
    ap.add_argument("--record")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--token", help="the only OAuth token accepted (without oauth:)")
    ap.add_argument("--login-fail", action="store_true")
    ap.add_argument("--ping-interval", type=float, default=0,
                    help="PING every client every SECONDS (Twitch: about 300)")
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "..", "fixtures", "chat"))
    args = ap.parse_args()
    st = State(args)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    server = await asyncio.start_server(lambda r, w: serve_client(st, r, w), "127.0.0.1",
                                        args.port, ssl=ctx, limit=1 << 20)
    ctl = await asyncio.start_server(lambda r, w: control(st, r, w, stop), "127.0.0.1",
                                     args.control_port)
    ping_task = asyncio.ensure_future(pinger(st))
    port = server.sockets[0].getsockname()[1]
    cport = ctl.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"port": port, "control": cport}, f)
        os.rename(tmp, args.port_file)
    else:
        print(json.dumps({"port": port, "control": cport}), flush=True)
    await stop
    ping_task.cancel()
    server.close()
    ctl.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
