#!/usr/bin/python3
"""itch's follower report with GstTwitch (PyGObject): who follows a channel,
newest first, as tab-separated rows. Pages are fetched lazily, 100 at a time.

    TWITCH_CLIENT_ID=... TWITCH_OAUTH_TOKEN=... follower_report.py twitchdev --limit 250
"""
import argparse
import sys

import gi

gi.require_version("GstTwitch", "1.0")
from gi.repository import GLib, GstTwitch  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("channel")
    ap.add_argument("--limit", type=int, default=0, help="at most this many (0: all)")
    ap.add_argument("--cache", default="none", help="none, memory, file, redis or memcache")
    args = ap.parse_args()

    client = GstTwitch.HelixClient(cache=args.cache)
    try:
        user = client.get_user(args.channel)
        print("user_id\tlogin\tname\tfollowed_at")
        for f in client.get_followers(user.get_id(), args.limit):
            print(f"{f.get_user_id()}\t{f.get_user_login()}\t{f.get_user_name()}\t"
                  f"{f.get_followed_at().format_iso8601()}")
    except GLib.Error as e:
        sys.exit(f"follower_report: {e.message}")


if __name__ == "__main__":
    main()
