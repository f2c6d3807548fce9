#!/usr/bin/python3
"""A live dashboard of one channel with GstTwitch (PyGObject): live or
offline, title, category, viewers, uptime and followers from Helix every
few seconds (asynchronous calls, the main loop never blocks), and chat
activity from GstTwitch.ChatClient, on one status line.

    dashboard.py twitchdev --interval 10
"""
import argparse
import sys
import time

import gi

gi.require_version("GstTwitch", "1.0")
from gi.repository import GLib, GstTwitch  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("channel")
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between Helix polls")
    ap.add_argument("--updates", type=int, default=0, help="stop after this many lines (0: never)")
    ap.add_argument("--chat-server", default="ircs://irc.chat.twitch.tv:6697")
    args = ap.parse_args()

    helix = GstTwitch.HelixClient()
    # Reading chat needs no account: anonymous, whatever TWITCH_OAUTH_TOKEN says.
    chat = GstTwitch.ChatClient(server=args.chat_server, oauth_token="")
    loop = GLib.MainLoop()
    state = {"messages": 0, "chatters": set(), "lines": 0, "status": 0, "busy": False}

    try:
        user = helix.get_user(args.channel)
    except GLib.Error as e:
        sys.exit(f"dashboard: {e.message}")

    def on_message(_chat, msg):
        if msg.get_kind() == GstTwitch.ChatKind.PRIVMSG:
            state["messages"] += 1
            state["chatters"].add(msg.get_login())

    def show(stream, followers):
        if stream is None:
            live = "offline"
        else:
            up = int(time.time() - stream.get_started_at().to_unix())
            live = (f"LIVE {up // 3600}:{up // 60 % 60:02d} {stream.get_viewer_count()} viewers "
                    f"| {stream.get_game_name()} | {stream.get_title()}")
        print(f"{time.strftime('%H:%M:%S')} {user.get_display_name()}: {live} | {followers} followers "
              f"| chat: {state['messages']} messages from {len(state['chatters'])} chatters", flush=True)
        state["lines"] += 1
        if args.updates and state["lines"] >= args.updates:
            loop.quit()

    def poll():
        if state["busy"]:
            return True
        state["busy"] = True
        followers = helix.get_followers(user.get_id(), 1)

        def got_stream(client, res):
            try:
                stream = client.get_stream_finish(res)
            except GLib.Error as e:
                print(f"dashboard: {e.message}", file=sys.stderr)
                state["busy"] = False
                return

            def got_followers(pager, res2):
                state["busy"] = False
                try:
                    pager.next_page_finish(res2)
                    total = pager.get_total()
                except GLib.Error:
                    total = "?"
                show(stream, total)

            followers.next_page_async(None, got_followers)

        helix.get_stream_async(args.channel, None, got_stream)
        return True

    chat.connect("message", on_message)
    chat.connect("fatal-error", lambda _c, err: print(f"dashboard: chat: {err.message}", file=sys.stderr))
    chat.join(args.channel)
    chat.start()
    poll()
    GLib.timeout_add(int(args.interval * 1000), poll)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    chat.stop()
    return state["status"]


if __name__ == "__main__":
    sys.exit(main())
