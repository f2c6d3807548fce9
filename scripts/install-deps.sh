#!/usr/bin/env bash
# Installs every Debian 12 package gst-twitch needs to build, test, benchmark and run its demo.
# Idempotent: re-running only installs what is missing. Must run as root (or via sudo).
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config g++ clang libclang-rt-14-dev
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev glib-networking
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libhiredis-dev libmemcached-dev libzstd-dev libssl-dev libcairo2-dev
  libplplot-dev plplot-driver-cairo
  help2man  # man pages of gst-twitch and gst-twitch-plot, made from their --help
  libxml2-dev  # gst-twitch-plot tests: SVG output parsed as XML
  librsvg2-bin poppler-utils  # gst-twitch-plot tests: SVG and PDF rasterised and checked
  libgtest-dev libgmock-dev libbenchmark-dev
  libsimdjson-dev
  clang-format llvm  # CI lanes: format check; llvm-symbolizer for sanitizer stacks
  # GObject API: introspection data, Python tests, API reference (issue 9)
  gobject-introspection libgirepository1.0-dev python3-pytest gi-docgen
  # GStreamer runtime: encoders, flvmux, rtmp2sink, textoverlay, tools
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-x python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0
  # real local peers used by the demo, the tests and the benchmarks
  nginx libnginx-mod-rtmp libnginx-mod-stream ffmpeg inspircd redis-server memcached openssl
  ca-certificates procps psmisc time
)
# node and npm come with the machine (the benchmarks compare against tmi.js and @twurple); Debian's
# nodejs would conflict with them, so they are not listed here.

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
