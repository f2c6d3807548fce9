#!/usr/bin/python3
"""The tools' and examples' --help as a new user meets it (issue 11):
gst-twitch sets the locale (under C.UTF-8 GLib printed "[OPTION?]"), its
environment list names every variable the README gives it, the examples
print usage for --help instead of an error, and the man pages and documents
are built and installed.

Usage: test_tools_help.py SOURCE_ROOT BUILD_ROOT
"""
import json
import os
import subprocess
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def run(argv, **kw):
    env = dict(os.environ)
    env.update(kw.pop("env", {}))
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, **kw)


def main():
    root, build = sys.argv[1], sys.argv[2]
    cli = os.path.join(build, "tools", "cli", "gst-twitch")
    plot = os.path.join(build, "tools", "plot", "gst-twitch-plot")
    utf8 = {"LC_ALL": "C.UTF-8"}

    # The locale: GLib converts its UTF-8 text to the locale's charset.
    for tool in (cli, plot):
        if not os.path.exists(tool):
            continue
        r = run([tool, "--help"], env=utf8)
        name = os.path.basename(tool)
        check(r.returncode == 0, "%s --help: exit %d" % (name, r.returncode))
        check("[OPTION\u2026]" in r.stdout,
              "%s --help under C.UTF-8 shows no \u2026: %r" % (name, r.stdout.split("\n")[1]))
        check("?" not in r.stdout.split("\n")[1], "%s --help: '?' in the usage line" % name)

    # Every variable the README and docs give gst-twitch is in its --help.
    r = run([cli, "--help"], env=utf8)
    env_text = r.stdout[r.stdout.find("Environment:"):]
    for var in ("TWITCH_CLIENT_ID", "TWITCH_CLIENT_SECRET", "TWITCH_OAUTH_TOKEN",
                "TWITCH_REFRESH_TOKEN", "TWITCH_INGEST_URL", "TWITCH_HELIX_URL",
                "TWITCH_AUTH_URL", "TWITCH_CACHE_TEMP"):
        check(var in env_text, "gst-twitch --help: %s missing from the environment list" % var)

    # The examples print usage for --help, and a usage error names --help.
    for name in ("twitchsink-colors", "helix-followers"):
        exe = os.path.join(build, "examples", name)
        if not check(os.path.exists(exe), "%s not built" % name):
            continue
        r = run([exe, "--help"], env=utf8)
        check(r.returncode == 0 and "Usage:" in r.stdout and "Example" in r.stdout,
              "%s --help: exit %d, stdout %r, stderr %r" % (name, r.returncode, r.stdout[:200],
                                                           r.stderr[:200]))
        r = run([exe, "--no-such-option"], env=utf8)
        check(r.returncode == 2 and "--help" in r.stderr,
              "%s --no-such-option: exit %d, stderr %r" % (name, r.returncode, r.stderr[:200]))

    # Man pages (help2man at build time) and the documents are installed.
    installed = json.load(open(os.path.join(build, "meson-info", "intro-installed.json")))
    dests = set(installed.values())
    want_man = os.environ.get("TWITCH_EXPECT_MAN_PAGES") == "1"
    for tool in ("gst-twitch", "gst-twitch-plot"):
        page = os.path.join(build, "docs", tool + ".1")
        if want_man:
            if check(os.path.exists(page), "%s not built" % page):
                text = open(page, encoding="utf-8").read()
                check('.TH %s "1"' % tool.upper() in text, "%s: no .TH header" % page)
                check("SEE ALSO" in text, "%s: no SEE ALSO section" % page)
                check("\\-\\-help" in text or "--help" in text, "%s: no options" % page)
                if tool == "gst-twitch":
                    check("TWITCH_OAUTH_TOKEN" in text, "%s: no environment" % page)
            check(any(d.endswith("/man1/%s.1" % tool) for d in dests),
                  "%s.1 is not installed" % tool)
    if os.environ.get("TWITCH_EXPECT_DOCS") == "1":
        for doc in ("README.md", "offline.md", "gst-twitch.md", "gst-twitch-plot.md"):
            check(any(d.endswith("/doc/gst-twitch/" + doc) for d in dests),
                  "%s is not installed under share/doc/gst-twitch" % doc)

    if failures:
        print("\n".join(failures))
        return 1
    print("help, locale, man pages and installed documents as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
