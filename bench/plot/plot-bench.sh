#!/usr/bin/env bash
# gst-twitch-plot benchmark: renders 1 000 000 followers (a generated week of
# a busy channel, 7 broadcasts) with and without -D, and prints the seconds
# (median of RUNS runs) and the peak memory of each chart.
#
#   bash bench/plot/plot-bench.sh [path/to/gst-twitch-plot] [N]
#   meson test -C build --benchmark gst-twitch-plot-1m
#
# Figures only; nothing here passes or fails on speed.
set -euo pipefail

PLOT=${1:-${GST_TWITCH_PLOT:-build/tools/plot/gst-twitch-plot}}
N=${2:-1000000}
RUNS=${RUNS:-3}
[ -x "$PLOT" ] || { echo "plot-bench: no gst-twitch-plot at $PLOT" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/gst-twitch-plot-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# The data: two thirds follow during the evening broadcasts, a third of the
# accounts are days old. Deterministic (srand seed).
awk -v n="$N" 'BEGIN {
  srand(5); week = 1469404800;
  print "# follower\tchannel\tcreated\tfollowed\tdelta\tzero";
  for (i = 0; i < n; i++) {
    if (rand() < 0.66) f = week + int(rand() * 7) * 86400 + 18 * 3600 + rand() * 4 * 3600;
    else f = week + rand() * 7 * 86400;
    if (rand() < 0.3) c = f - rand() * 5 * 86400; else c = 1.2e9 + rand() * (f - 1.2e9);
    f = int(f); c = int(c);
    printf "user%d\tchan\t%d\t%d\t%d\t0\n", i, c, f, f - c;
  }
}' > "$dir/followers.tsv"
awk 'BEGIN { print "# start\tend"; for (d = 0; d < 7; d++) { s = 1469404800 + d * 86400 + 18 * 3600; printf "%d\t%d\n", s, s + 4 * 3600 } }' > "$dir/streams.tsv"
printf 'plot-bench: %d points, %s MB of TSV, %d runs each\n' "$N" \
  "$(( $(stat -c %s "$dir/followers.tsv") / 1000000 ))" "$RUNS"

have_time=0
[ -x /usr/bin/time ] && have_time=1

bench() { # name, args...
  local name=$1; shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N)
    if [ $have_time = 1 ]; then
      /usr/bin/time -f '%M' -o "$dir/rss" "$PLOT" -s "$@"
      local r; r=$(tail -n 1 "$dir/rss"); [ "$r" -gt "$rss" ] && rss=$r
    else
      "$PLOT" -s "$@"
    fi
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l 2>/dev/null || awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  if [ $have_time = 1 ]; then
    printf '%-34s %7.2f s   peak %4d MB\n' "$name" "$median" $((rss / 1024))
  else
    printf '%-34s %7.2f s\n' "$name" "$median"
  fi
}

f="$dir/followers.tsv"
bench "mixed (default), PNG"          "$f" "$dir/a.png"
bench "mixed -D (density), PNG"       -D "$f" "$dir/b.png"
bench "scatter, PNG"                  -t scatter "$f" "$dir/c.png"
bench "scatter -D, PNG"               -t scatter -D "$f" "$dir/d.png"
bench "line, PNG"                     -t line -y delta "$f" "$dir/e.png"
bench "mixed -D -S, SVG"              -D -S "$dir/streams.tsv" "$f" "$dir/f.svg"
bench "mixed -D -S, PDF"              -D -S "$dir/streams.tsv" "$f" "$dir/g.pdf"
