#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian 12, as root:
#   bash scripts/test.sh
# Installs the Debian packages it needs, configures with -Werror, builds, and
# runs every suite (lib, elements, integration) with `meson test`.
# Extra arguments go to `meson test` (e.g. --suite lib, or a test name).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

builddir=${BUILDDIR:-build}
# Every optional part is built, so no test drops out of the suite unseen.
options=(-Dwerror=true -Dtests=enabled -Dtools=enabled -Dexamples=enabled
  -Dredis=enabled -Dmemcached=enabled)
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "${options[@]}"
else
  meson configure "$builddir" "${options[@]}" >/dev/null
fi
meson compile -C "$builddir"

status=0
meson test -C "$builddir" --print-errorlogs --num-processes "${TEST_JOBS:-2}" "$@" || status=$?

# One plain closing line, whatever the runner printed above. A skip is
# counted wherever it happens: a whole program meson reports as SKIP (exit
# 77), and each GoogleTest case skipped inside a program that passed (its
# "[  SKIPPED ] Suite.Name (N ms)" lines; the summary lines have no time).
/usr/bin/python3 - "$builddir/meson-logs/testlog.json" <<'PY' || true
import json, re, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "ERROR": 0, "EXPECTEDFAIL": 0, "UNEXPECTEDPASS": 0}
case_skip = re.compile(r"^\[  SKIPPED \] \S+ \(\d+ ms\)$", re.M)
skipped_cases = []
try:
    for line in open(sys.argv[1]):
        if line.strip():
            r = json.loads(line)
            counts[r["result"]] = counts.get(r["result"], 0) + 1
            if r["result"] != "SKIP":
                for m in case_skip.finditer(r.get("stdout") or ""):
                    skipped_cases.append(r["name"] + ": " + m.group(0)[13:])
except OSError:
    sys.exit(0)
passed = counts["OK"] + counts["EXPECTEDFAIL"]
failed = counts["FAIL"] + counts["TIMEOUT"] + counts["ERROR"] + counts["UNEXPECTEDPASS"]
for c in skipped_cases:
    print("skipped test case:", c)
skipped = counts["SKIP"] + len(skipped_cases)
print(f"{passed} passed, {failed} failed, {skipped} skipped "
      f"({counts['SKIP']} programs, {len(skipped_cases)} test cases)")
PY
exit $status
