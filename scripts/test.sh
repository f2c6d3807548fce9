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
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" -Dwerror=true -Dtests=enabled -Dredis=enabled -Dmemcached=enabled
else
  meson configure "$builddir" -Dwerror=true >/dev/null
fi
meson compile -C "$builddir"

status=0
meson test -C "$builddir" --print-errorlogs --num-processes "${TEST_JOBS:-2}" "$@" || status=$?

# One plain closing line, whatever the runner printed above.
/usr/bin/python3 - "$builddir/meson-logs/testlog.json" <<'PY' || true
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "ERROR": 0, "EXPECTEDFAIL": 0, "UNEXPECTEDPASS": 0}
try:
    for line in open(sys.argv[1]):
        if line.strip():
            r = json.loads(line)["result"]
            counts[r] = counts.get(r, 0) + 1
except OSError:
    sys.exit(0)
passed = counts["OK"] + counts["EXPECTEDFAIL"]
failed = counts["FAIL"] + counts["TIMEOUT"] + counts["ERROR"] + counts["UNEXPECTEDPASS"]
print(f"{passed} passed, {failed} failed, {counts['SKIP']} skipped")
PY
exit $status
