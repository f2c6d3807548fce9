#!/usr/bin/env bash
# The CI lanes that run after the normal suite (.ci/run), each in its own
# build folder, each runnable alone:
#
#   bash scripts/ci-lanes.sh                 # the lanes CI runs: asan fuzz format
#   bash scripts/ci-lanes.sh asan            # one lane by name (several may be given)
#
#   asan    the suite built with g++ -fsanitize=address,undefined
#           (build-asan), halting on the first error; leaks checked (lib suite) with
#           tests/sanitizers/lsan.supp. Built lean: no examples, docs or
#           benchmarks, nor the realtime suite's programs (not run here),
#           -g1 line tables
#   fuzz    every libFuzzer target (tests/fuzz) for FUZZ_SECONDS (60) each,
#           from its committed corpus (clang, build-fuzz)
#   tsan    ThreadSanitizer build of the chat client, Helix client and
#           twitchsink tests (g++ -fsanitize=thread, build-tsan); by name
#           only, not in CI until it runs clean
#   format  clang-format 14 --dry-run --Werror over every C/C++ source of
#           the tree (.clang-format): any file not clean fails the lane
#
# Environment: TEST_JOBS (2), BUILD_JOBS (the asan lane's ninja -j; ninja's
# default when unset), FUZZ_SECONDS (60), ASAN_BUILDDIR, FUZZ_BUILDDIR,
# TSAN_BUILDDIR. Crashes found by the fuzzers are kept in
# build-fuzz/fuzz-artifacts/; copy each into tests/fuzz/corpus/<target>/ so
# the normal suite replays it. Each lane prints its time; the last line is
# "N passed, N failed" over every test and fuzz target the lanes ran, and the
# same two numbers go to $CI_LANES_COUNTS when set (for .ci/run).
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)

jobs=${TEST_JOBS:-2}
fuzz_seconds=${FUZZ_SECONDS:-60}
total_passed=0
total_failed=0
summary=()

# Counts OK/FAIL of a meson test log into lane_passed/lane_failed.
count_testlog () {
  local counts
  counts=$(/usr/bin/python3 - "$1" <<'PY'
import json, sys
ok = bad = 0
try:
    for line in open(sys.argv[1]):
        if line.strip():
            r = json.loads(line)["result"]
            if r in ("OK", "EXPECTEDFAIL"):
                ok += 1
            elif r != "SKIP":
                bad += 1
except OSError:
    pass
print(ok, bad)
PY
)
  lane_passed=${counts% *}
  lane_failed=${counts#* }
}

# Wrappers so the GStreamer tools the tests start (not built with the
# sanitizer) can load our instrumented plugin: its runtime must come first.
# Their own leaks at exit are not ours: leak checking stays in the test
# processes. (The plugin scanner gets the same from tests/sanitizers.)
sanitizer_bin () {
  local dir=$1 preload=$2 tool
  mkdir -p "$dir"
  for tool in gst-launch-1.0 gst-inspect-1.0 gst-discover-1.0; do
    local real
    real=$(PATH=${PATH#"$dir:"} command -v "$tool") || continue
    printf '#!/bin/sh\nLD_PRELOAD="%s${LD_PRELOAD:+ $LD_PRELOAD}" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" exec %s "$@"\n' \
      "$preload" "$real" > "$dir/$tool"
    chmod +x "$dir/$tool"
  done
}

# The build outputs the ASan lane needs (paths relative to build folder $1):
# every target built by default, except the benchmarks (bench/, not run by
# any test) and the programs only the suites in $2 (left out) run.
asan_targets () {
  /usr/bin/python3 - "$1" "$2" "$src/bench" <<'PY'
import json, os, subprocess, sys
build, skipped, bench = sys.argv[1], set(sys.argv[2].split()), sys.argv[3]
def intro(what):
    return json.loads(subprocess.check_output(["meson", "introspect", what, build]))
used, unused = set(), set()
for t in intro("--tests"):
    suites = {s.split(":")[-1] for s in t["suite"]}
    (unused if suites & skipped else used).add(os.path.realpath(t["cmd"][0]))
for t in intro("--targets"):
    if not t["build_by_default"] or t["defined_in"].startswith(bench + "/"):
        continue
    files = [os.path.realpath(f) for f in t["filename"]]
    if files and all(f in unused and f not in used for f in files):
        continue
    for f in files:
        print(os.path.relpath(f, os.path.realpath(build)))
PY
}

lane_asan () {
  local b=${ASAN_BUILDDIR:-build-asan}
  # -O1: what ASan recommends, and much quicker to build than -O2. -g1:
  # line tables only, so every report still names file and line, at a
  # fraction of full -g's compile and link time. No examples and no docs:
  # nothing this lane runs uses them (the docs suite, which runs the
  # examples, is defined only with them; the normal suite runs it).
  local options=(-Dtests=enabled -Dredis=enabled -Dmemcached=enabled
    -Dexamples=disabled -Ddoc=disabled
    -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1
    -Dc_args=-g1 -Dcpp_args=-g1)
  if [ ! -f "$b/build.ninja" ]; then
    CC=gcc CXX=g++ meson setup "$b" "${options[@]}" || return 1
  else
    # --reconfigure regenerates now: the target list below is read from
    # meson's introspection, which a plain `meson configure` leaves stale
    # until the next ninja run (targets of options just turned off).
    CC=gcc CXX=g++ meson setup --reconfigure "$b" "${options[@]}" >/dev/null \
      || return 1
  fi
  # Suite 'realtime' (assertions about a live stream's pace) is left out:
  # an instrumented build cannot keep that pace on 2 cores; the normal suite
  # runs it. Its programs are not built either, nor the benchmarks.
  local skipped_suites="realtime" targets
  mapfile -t targets < <(asan_targets "$b" "$skipped_suites")
  [ "${#targets[@]}" -gt 0 ] || return 1
  ninja -C "$b" ${BUILD_JOBS:+-j "$BUILD_JOBS"} "${targets[@]}" || return 1
  local preload
  preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  sanitizer_bin "$src/$b/sanitizer-bin" "$preload"
  # Leaks: checked with full stacks (GLib is built without frame pointers,
  # so the fast unwinder stops in g_malloc and no suppression could tell
  # GLib's own one-time allocations from ours) and tests/sanitizers/lsan.supp
  # for what GLib and GStreamer keep until exit by design.
  # Leaks are checked in the lib suite (and by the fuzz lane). In the element
  # and integration programs LeakSanitizer's own tracer crashed (signal 11)
  # at exit of programs that still had GnuTLS/GIO worker threads
  # (test_twitchsink_ingest, test_helix_hostile), every test of them having
  # passed: there ASan and UBSan still halt on the first error, without the
  # leak check (ASAN_LEAKS=1 turns it on everywhere).
  local passed=0 failed=0 rc=0 suites leaks
  for suites in "--suite lib" "--no-suite lib --no-suite $skipped_suites"; do
    leaks=${ASAN_LEAKS:-0}
    [ "$suites" = "--suite lib" ] && leaks=${ASAN_LEAKS:-1}
    rm -f "$b/meson-logs/testlog.json"
    # shellcheck disable=SC2086
    PATH="$src/$b/sanitizer-bin:$PATH" \
    ASAN_OPTIONS=halt_on_error=1:detect_leaks=$leaks:fast_unwind_on_malloc=0:detect_odr_violation=0 \
    LSAN_OPTIONS=suppressions=$src/tests/sanitizers/lsan.supp:print_suppressions=0 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      meson test -C "$b" --no-rebuild --print-errorlogs --num-processes "$jobs" \
        --timeout-multiplier 3 $suites || rc=1
    count_testlog "$b/meson-logs/testlog.json"
    passed=$((passed + lane_passed)) failed=$((failed + lane_failed))
  done
  lane_passed=$passed lane_failed=$failed
  [ "$rc" = 0 ] && [ "$lane_failed" = 0 ] && [ "$lane_passed" -gt 0 ]
}

# Corpus folder and -max_len of each fuzz target. The JSON targets parsed
# with json-glib (chat-recording, ingest-list) stay at 16 KiB until the
# nesting-depth fix of issue 8 lands: deeper input overflows json-glib's
# recursive parser (a known defect, not what this lane is for).
fuzz_corpus () {
  case $1 in
    chat-parser) echo chat ;; chat-recording) echo recording ;;
    helix-models) echo helix ;; ingest-list) echo ingest ;;
    cache-entry) echo cache ;; plot-tsv) echo plot ;; *) echo "$1" ;;
  esac
}
fuzz_max_len () {
  case $1 in
    chat-parser) echo 4096 ;; chat-recording|ingest-list|plot-tsv) echo 16384 ;;
    *) echo 65536 ;;
  esac
}

lane_fuzz () {
  local b=${FUZZ_BUILDDIR:-build-fuzz}
  if [ ! -f "$b/build.ninja" ]; then
    CC=clang CXX=clang++ meson setup "$b" -Dfuzzing=enabled \
      -Db_sanitize=address,undefined -Db_lundef=false \
      -Dtests=enabled -Dexamples=disabled -Ddoc=disabled || return 1
  fi
  local names=() t
  for t in tests/fuzz/fuzz_*.cpp; do
    t=$(basename "$t" .cpp); t=${t#fuzz_}; t=${t//_/-}
    # plot-tsv exists only when gst-twitch-plot is built (PLplot found).
    if ninja -C "$b" -t query "tests/fuzz/fuzz-$t" >/dev/null 2>&1; then
      names+=("$t")
    fi
  done
  ninja -C "$b" "${names[@]/#/tests/fuzz/fuzz-}" || return 1
  lane_passed=0 lane_failed=0
  mkdir -p "$b/fuzz-artifacts"
  rm -f "$b"/fuzz-*.rc
  # One target per core at a time (TEST_JOBS).
  local running=0
  for t in "${names[@]}"; do
    fuzz_one "$b" "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
      wait -n
      running=$((running - 1))
    fi
  done
  wait
  for t in "${names[@]}"; do
    if [ "$(cat "$b/fuzz-$t.rc" 2>/dev/null)" = 0 ]; then
      lane_passed=$((lane_passed + 1))
      echo "fuzz-$t: OK ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$b/fuzz-$t.log" | grep -o '[0-9]*$') runs)"
    else
      lane_failed=$((lane_failed + 1))
      echo "fuzz-$t: FAILED, log $b/fuzz-$t.log:"
      grep -E -A40 '^==[0-9]+==ERROR|runtime error|deadly signal|Test unit written' "$b/fuzz-$t.log" | head -80
    fi
  done
  [ "$lane_failed" = 0 ]
}

# One fuzz target for fuzz_seconds from its corpus; exit code to fuzz-<t>.rc.
fuzz_one () {
  local b=$1 t=$2 rc=0
  local work="$b/fuzz-work/$t"
  mkdir -p "$work"
  echo "fuzz-$t: ${fuzz_seconds}s from tests/fuzz/corpus/$(fuzz_corpus "$t")"
  # New inputs go to the work folder, never into the committed corpus.
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_odr_violation=0 \
  LSAN_OPTIONS=suppressions=$src/tests/sanitizers/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$src/tests/sanitizers/ubsan-known.supp \
    "$b/tests/fuzz/fuzz-$t" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
      -max_len="$(fuzz_max_len "$t")" -timeout=20 -print_final_stats=1 \
      -artifact_prefix="$b/fuzz-artifacts/$t-" \
      "$work" "tests/fuzz/corpus/$(fuzz_corpus "$t")" > "$b/fuzz-$t.log" 2>&1 || rc=$?
  echo "$rc" > "$b/fuzz-$t.rc"
}

# The tests ThreadSanitizer watches: the threaded parts (chat client and its
# element, Helix client, twitchsink).
tsan_tests=(test_chat_client test_helix_client twitchchat twitchsink test_twitchsink_stream)

lane_tsan () {
  local b=${TSAN_BUILDDIR:-build-tsan}
  if [ ! -f "$b/build.ninja" ]; then
    CC=gcc CXX=g++ meson setup "$b" -Dtests=enabled -Dexamples=disabled -Ddoc=disabled \
      -Db_sanitize=thread -Db_lundef=false -Doptimization=1 || return 1
  fi
  # Only these tests and the plugin they load.
  ninja -C "$b" gst/twitch/libgsttwitch.so tests/integration/test_chat_client \
    tests/integration/test_helix_client tests/integration/test_twitchsink_stream \
    tests/check/check-twitchsink tests/check/check-twitchchat || return 1
  sanitizer_bin "$src/$b/sanitizer-bin" "$(gcc -print-file-name=libtsan.so)"
  rm -f "$b/meson-logs/testlog.json"
  PATH="$src/$b/sanitizer-bin:$PATH" \
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$src/tests/sanitizers/tsan.supp" \
    meson test -C "$b" --no-rebuild --print-errorlogs --num-processes "$jobs" \
      --timeout-multiplier 4 "${tsan_tests[@]}"
  local rc=$?
  count_testlog "$b/meson-logs/testlog.json"
  [ "$rc" = 0 ] && [ "$lane_failed" = 0 ] && [ "$lane_passed" -gt 0 ]
}

lane_format () {
  local cf=clang-format-14
  command -v "$cf" >/dev/null || cf=clang-format
  local f bad=0 checked=0
  lane_passed=0 lane_failed=0
  # Every C and C++ file of the tree (.clang-format at the top says how).
  while IFS= read -r f; do
    checked=$((checked + 1))
    if ! "$cf" --dry-run --Werror "$f" >/dev/null 2>&1; then
      bad=$((bad + 1))
      echo "format: $f is not clang-format clean (clang-format -i $f)"
    fi
  done < <(git ls-files -- 'gst/*' 'lib/*' 'tools/*' 'tests/*' 'bench/*' 'examples/*' \
             | grep -E '\.(c|cc|cpp|cxx|h|hh|hpp)$')
  echo "format: $bad of $checked file(s) need clang-format"
  [ "$bad" = 0 ] && lane_passed=1 || lane_failed=1
  [ "$bad" = 0 ]
}

lanes=("$@")
[ ${#lanes[@]} = 0 ] && lanes=(asan fuzz format)
for lane in "${lanes[@]}"; do
  if ! declare -F "lane_$lane" >/dev/null; then
    echo "ci-lanes: no lane '$lane' (asan fuzz tsan format)" >&2
    exit 64
  fi
done

for lane in "${lanes[@]}"; do
  echo "=== lane $lane ==="
  start=$SECONDS
  lane_passed=0 lane_failed=0
  if "lane_$lane"; then
    result=passed
  else
    result=FAILED
    # A lane that failed before running anything still counts as a failure.
    [ "$lane_failed" = 0 ] && lane_failed=1
  fi
  took=$((SECONDS - start))
  total_passed=$((total_passed + lane_passed))
  total_failed=$((total_failed + lane_failed))
  summary+=("lane $lane: $result in $((took / 60))m$((took % 60))s ($lane_passed passed, $lane_failed failed)")
  echo "${summary[-1]}"
done

echo "=== lanes ==="
printf '%s\n' "${summary[@]}"
[ -n "${CI_LANES_COUNTS:-}" ] && echo "$total_passed $total_failed" > "$CI_LANES_COUNTS"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
