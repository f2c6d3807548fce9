#!/usr/bin/env bash
# Renders docs/gst-twitch-plot-sample.png, the README's example chart, from
# generated data shaped like `gst-twitch followers CHANNEL -l 1000` and
# `gst-twitch streams CHANNEL` (no Twitch account needed):
#   bash docs/gst-twitch-plot-sample.sh [path/to/gst-twitch-plot]
set -euo pipefail
PLOT=${1:-build/tools/plot/gst-twitch-plot}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT

# Seven evening broadcasts of 3-5 h; the fifth gets a raid.
awk 'BEGIN { srand(11); week = 1469404800; print "# start\tend";
  for (d = 0; d < 7; d++) { if (d == 3) continue;
    s = week + d * 86400 + 17 * 3600 + int(rand() * 7200);
    printf "%d\t%d\n", s, s + 3 * 3600 + int(rand() * 7200) } }' > "$dir/s.tsv"
# 1000 followers, newest first like the report: most follow while live, a
# raid brings a burst, a few accounts are created just to follow.
awk -v streams="$dir/s.tsv" 'BEGIN { srand(11); week = 1469404800; n = 0;
  while ((getline line < streams) > 0) { if (line ~ /^#/) continue;
    split(line, p, "\t"); S[n] = p[1]; E[n] = p[2]; n++ }
  for (i = 0; i < 1000; i++) {
    r = rand();
    if (r < 0.12) f = S[3] + 1800 + rand() * 900;              # raid
    else if (r < 0.80) { k = int(rand() * n); f = S[k] + rand() * (E[k] - S[k]) }
    else f = week + rand() * 7 * 86400;
    if (rand() < 0.18) c = f - rand() * 3 * 86400;
    else c = 1.22e9 + (rand() ^ 0.6) * (f - 1.22e9);
    F[i] = int(f); C[i] = int(c) }
  # newest first
  for (i = 0; i < 1000; i++) for (j = i + 1; j < 1000; j++) if (F[j] > F[i]) {
    t = F[i]; F[i] = F[j]; F[j] = t; t = C[i]; C[i] = C[j]; C[j] = t }
  print "# follower\tchannel\tcreated\tfollowed\tdelta\tzero";
  for (i = 0; i < 1000; i++)
    printf "viewer%04d\tsomechannel\t%d\t%d\t%d\t0\n", i, C[i], F[i], F[i] - C[i] }' > "$dir/f.tsv"

"$PLOT" -s -S "$dir/s.tsv" -T "somechannel: last 1000 followers, broadcasts shaded" \
  -l "followers" "$dir/f.tsv" "$here/gst-twitch-plot-sample.png"
"$PLOT" -s -D -t scatter -S "$dir/s.tsv" -T "somechannel: follower density (-D)" \
  "$dir/f.tsv" "$here/gst-twitch-plot-sample-density.png"
echo "wrote $here/gst-twitch-plot-sample.png and gst-twitch-plot-sample-density.png"
