#!/bin/sh
# Parser throughput: ours (Google Benchmark) and tmi.js's (node) on the same
# corpus of real-shaped PRIVMSG lines with full tags, in one run.
#   bench/chat-parser-vs-tmijs.sh [BUILD_DIR]
# Installs tmi.js 1.x with npm into a temporary folder it deletes afterwards.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$build/bench/chat-parser-bench" --corpus-out="$tmp/corpus.txt" \
  --benchmark_min_time=2 --benchmark_format=json > "$tmp/ours.json"
(cd "$tmp" && npm init -y > /dev/null 2>&1 &&
  npm install --no-audit --no-fund --silent tmi.js@1 > /dev/null 2>&1)
node "$here/tmijs_parser_bench.js" "$tmp/corpus.txt" "$tmp/node_modules/tmi.js" > "$tmp/tmi.json"

/usr/bin/python3 - "$tmp/ours.json" "$tmp/tmi.json" "$tmp/node_modules/tmi.js/package.json" <<'PY'
import json, sys
ours = {b["name"]: b["items_per_second"] for b in json.load(open(sys.argv[1]))["benchmarks"]}
tmi = json.load(open(sys.argv[2]))
version = json.load(open(sys.argv[3]))["version"]
irc, typed = ours["BM_IrcParse"], ours["BM_ChatMessageParse"]
print(f"corpus: {tmi['lines']} real-shaped PRIVMSG lines with full tags")
print(f"gst-twitch irc_parse + every tag unescaped : {irc/1e6:6.2f} M messages/s")
print(f"tmi.js {version} parser.msg                  : {tmi['msg_per_s']/1e6:6.2f} M messages/s  -> ours x{irc/tmi['msg_per_s']:.1f}")
print(f"gst-twitch typed ChatMessage (all fields)  : {typed/1e6:6.2f} M messages/s")
print(f"tmi.js msg + badges + badgeInfo + emotes   : {tmi['full_per_s']/1e6:6.2f} M messages/s  -> ours x{typed/tmi['full_per_s']:.1f}")
PY
