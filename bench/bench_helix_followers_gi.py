#!/usr/bin/python3
"""100 000 followers (1000 pages) pulled from Python through the GstTwitch
typelib (PyGObject), against the Helix fake on loopback, as
bench-helix-followers does in C++ (bench_helix_followers.cpp, which also runs
@twurple/api). Prints wall and CPU time; never a pass/fail on timing.

    meson test -C build --benchmark helix-followers-gi --verbose
    meson devenv -C build /usr/bin/python3 bench/bench_helix_followers_gi.py build/tests/peers/helix-fake/helix-fake
"""
import os
import resource
import statistics
import subprocess
import sys
import time


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    fake_path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    latency = sys.argv[3] if len(sys.argv) > 3 else "0"
    fake = subprocess.Popen([fake_path, "--env", "--stdin-exit", "--followers", "100000",
                             "--rate-limit", "100000000", "--latency-ms", latency],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        fake.stdout.readline()
        for _ in range(7):
            k, _, v = fake.stdout.readline().strip().partition("=")
            os.environ[k] = v
        import gi
        gi.require_version("GstTwitch", "1.0")
        from gi.repository import GstTwitch

        client = GstTwitch.HelixClient()
        client.get_user("twitchdev")  # token and connection, as the C++ bench warms up
        walls, cpus = [], []
        for _ in range(runs):
            t0, c0 = time.monotonic(), cpu()
            rows = 0
            for f in client.get_followers("141981764"):
                f.get_user_login()
                rows += 1
            walls.append((time.monotonic() - t0) * 1000)
            cpus.append((cpu() - c0) * 1000)
            assert rows == 100000, rows
        print(f"# GstTwitch from Python (PyGObject, typelib), fake latency {latency} ms, {runs} runs")
        print(f"{'client':34s} {'rows':>7s} {'wall ms':>9s} {'cpu ms':>9s}")
        print(f"{'GstTwitch via GI, cold (median)':34s} {rows:7d} {statistics.median(walls):9.1f} "
              f"{statistics.median(cpus):9.1f}")
        print(f"{'GstTwitch via GI, cold (best)':34s} {rows:7d} {min(walls):9.1f} {min(cpus):9.1f}")
    finally:
        fake.stdin.close()
        fake.wait(timeout=30)


if __name__ == "__main__":
    main()
