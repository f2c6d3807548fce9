#!/usr/bin/python3
"""The installed face of libgsttwitch-1.0 (issue 9, "done when"), checked in
a temporary DESTDIR:

- the installed headers contain no C++ and compile as C;
- `nm -D --defined-only` of the installed library shows only gst_twitch_*;
- `pkg-config --cflags --libs gsttwitch-1.0` compiles a C program that pages
  followers, and it runs against the Helix fake;
- Python finds GstTwitch and its overrides from the installed files alone.

    check_install.py BUILD_DIR PREFIX LIBDIR HELIX_FAKE SOURCE_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main():
    build, prefix, libdir, helix_fake, src = sys.argv[1:6]
    if not os.path.isabs(libdir):
        libdir = os.path.join(prefix, libdir)
    tmp = tempfile.mkdtemp(prefix="gsttwitch-install-")
    try:
        subprocess.run(["meson", "install", "-C", build, "--no-rebuild", "--quiet", "--destdir", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        root = tmp + prefix
        lib = tmp + libdir

        # 1. Headers: C only.
        incdir = os.path.join(root, "include", "gsttwitch-1.0")
        headers = [os.path.join(d, f) for d, _, fs in os.walk(incdir) for f in fs]
        if not headers:
            fail(f"no headers in {incdir}")
        cxx = re.compile(r"\bnamespace\b|\btemplate\s*<|std::|#include\s*<(string|vector|optional|memory|functional)>"
                         r"|\bclass\s+\w+\s*[:{]")
        for h in headers:
            if not h.endswith(".h"):
                fail(f"not a header: {h}")
            text = open(h, encoding="utf-8").read()
            m = cxx.search(text)
            if m:
                fail(f"C++ in installed header {h}: {m.group(0)!r}")
        print(f"ok: {len(headers)} installed headers, no C++")

        # 2. Exported symbols.
        so = os.path.join(lib, "libgsttwitch-1.0.so")
        nm = subprocess.run(["nm", "-D", "--defined-only", so], check=True, capture_output=True, text=True).stdout
        names = [ln.split()[-1] for ln in nm.splitlines() if ln.strip()]
        bad = [n for n in names if not n.startswith("gst_twitch_")]
        if bad:
            fail(f"{len(bad)} exported symbols outside gst_twitch_*: {bad[:10]}")
        print(f"ok: {len(names)} exported symbols, all gst_twitch_*")

        # 3. pkg-config from the (relocated) .pc compiles and runs a C program.
        pcdir = os.path.join(lib, "pkgconfig")
        pc = os.path.join(pcdir, "gsttwitch-1.0.pc")
        text = open(pc, encoding="utf-8").read()
        text = re.sub(r"^prefix=.*$", "prefix=" + root, text, flags=re.M)
        with open(pc, "w", encoding="utf-8") as f:
            f.write(text)
        env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "gsttwitch-1.0"], env=env, check=True,
                               capture_output=True, text=True).stdout.split()
        if not any(f.startswith("-I" + root) for f in flags):
            fail(f"pkg-config does not point at the installed headers: {flags}")
        exe = os.path.join(tmp, "page_followers")
        subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", exe,
                        os.path.join(src, "page_followers.c")] + flags, check=True)
        fake = subprocess.Popen([helix_fake, "--env", "--stdin-exit", "--followers", "1234"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            fake.stdout.readline()
            run_env = dict(os.environ, LD_LIBRARY_PATH=lib)
            for _ in range(7):
                k, _, v = fake.stdout.readline().strip().partition("=")
                run_env[k] = v
            out = subprocess.run([exe, "twitchdev", "250"], env=run_env, check=True, capture_output=True,
                                 text=True).stdout.strip()
            if out != "250 followers in 3 pages":
                fail(f"page_followers printed {out!r}")
            print("ok: pkg-config builds a C program that pages followers:", out)

            # 4. Python, from the installed typelib and overrides only.
            typelibs = os.path.join(lib, "girepository-1.0")
            if not os.path.exists(os.path.join(typelibs, "GstTwitch-1.0.typelib")):
                fail("no installed typelib")
            overrides = [d for d, _, fs in os.walk(root) if d.endswith(os.path.join("gi", "overrides"))
                         and "GstTwitch.py" in fs]
            if not overrides:
                fail("the PyGObject overrides were not installed")
            py_env = dict(run_env, GI_TYPELIB_PATH=typelibs,
                          PYTHONPATH=os.path.dirname(os.path.dirname(overrides[0])))
            code = ("import gi; gi.require_version('GstTwitch', '1.0'); from gi.repository import GstTwitch; "
                    "c = GstTwitch.HelixClient(); u = c.get_user('twitchdev'); "
                    "print(sum(1 for _ in c.get_followers(u.get_id(), 120)))")
            out = subprocess.run(["/usr/bin/python3", "-c", code], env=py_env, check=True, capture_output=True,
                                 text=True).stdout.strip()
            if out != "120":
                fail(f"python printed {out!r}")
            print("ok: Python imports GstTwitch from the installed files; a pager iterates")
        finally:
            fake.stdin.close()
            fake.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
