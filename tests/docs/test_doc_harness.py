#!/usr/bin/python3
"""run_doc_commands.py must fail on what it is there to catch: a wrong
property value, a stale documented output, a command neither run nor
listed... and pass on good ones. Runs it on a small tree of made-up
documents (the real peers and build).

Usage: test_doc_harness.py SOURCE_ROOT BUILD_ROOT
"""
import os
import subprocess
import sys
import tempfile

README = """# made-up project

```sh
gst-twitch followers twitchdev -l 2 | head -n 1
```
```output
#name	channel	created	followed	delta	followers
```

```sh
gst-launch-1.0 videotestsrc is-live=true ! textoverlay wrap-mode=word-char ! autovideosink
gst-twitch followers twitchdev -l 2 | head -n 1
```
```output
# follower	channel	created	followed	delta	zero
```

```sh
gst-launch-1.0 videotestsrc is-live=true ! textoverlay wrap-mode=wordchar ! autovideosink
gst-launch-1.0 videotestsrc is-live=true ! twitchsink name=t
bash scripts/never-run.sh
```
"""

NOT_RUN = """README.md | bash scripts/never-run.sh | listed: not run
README.md | gst-launch-1.0 gone-from-the-docs | a stale entry
"""


def main():
    root, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="doc-harness-") as tree:
        os.makedirs(os.path.join(tree, "tests", "docs"))
        os.makedirs(os.path.join(tree, "docs"))
        os.makedirs(os.path.join(tree, "examples"))
        os.symlink(os.path.join(root, "tests", "peers"), os.path.join(tree, "tests", "peers"))
        with open(os.path.join(tree, "README.md"), "w") as f:
            f.write(README)
        with open(os.path.join(tree, "tests", "docs", "not-run.txt"), "w") as f:
            f.write(NOT_RUN)
        r = subprocess.run(["/usr/bin/python3", os.path.join(root, "tests", "docs", "run_doc_commands.py"),
                            tree, build], capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    want = [
        ("ok   README.md:4 ", "a command whose output matches the document passes"),
        ("FAIL README.md:11 ", "a wrong property value (wrap-mode=word-char) fails"),
        ("FAIL README.md:12 ", "a stale documented output (the old followers header) fails"),
        ("ok   README.md:19 ", "a good pipeline passes"),
        ("ok   README.md:20 ", "twitchsink streams to the local ingest"),
        ("SKIP README.md:21 ", "a listed command is not run"),
        ("not-run.txt:2: no command of README.md starts with", "a stale entry of not-run.txt fails"),
    ]
    missing = [why for needle, why in want if needle not in out]
    if r.returncode != 1:
        missing.append("exit code 1 (got %d)" % r.returncode)
    if missing:
        print("run_doc_commands.py did not do what it must:\n  " + "\n  ".join(missing))
        print("\nits output:\n" + out)
        return 1
    print("run_doc_commands.py catches bad values, stale outputs and stale entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
