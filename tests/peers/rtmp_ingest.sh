#!/bin/sh
# A local stand-in for a Twitch ingest: nginx with the RTMP module
# (libnginx-mod-rtmp) on 127.0.0.1, in the foreground until Ctrl-C, recording
# every stream it receives as FLV into DIR.
#   tests/peers/rtmp_ingest.sh [PORT [DIR]]    (default 1935, a new temp folder)
# then stream to it with twitchsink server=rtmp://127.0.0.1:PORT/app
set -eu
port=${1:-1935}
dir=${2:-$(mktemp -d)}
module=/usr/lib/nginx/modules/ngx_rtmp_module.so
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -e "$module" ] || [ ! -x "$nginx" ]; then
  echo "rtmp_ingest.sh: needs nginx and $module (apt-get install nginx libnginx-mod-rtmp)" >&2
  exit 1
fi
mkdir -p "$dir/logs" "$dir/recordings"
cat > "$dir/nginx.conf" <<EOF
load_module $module;
daemon off;
master_process off;
worker_processes 1;
error_log $dir/error.log info;
pid $dir/nginx.pid;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:$port;
    chunk_size 4096;
    application app {
      live on;
      record all;
      record_path $dir/recordings;
      record_unique on;
    }
  }
}
EOF
echo "ingest: rtmp://127.0.0.1:$port/app (recordings in $dir/recordings)"
exec "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
