#include "nginx_peer.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <sstream>
#include <sys/stat.h>

namespace twitch_test
{

static const char *kRtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
static const char *kStreamModule
    = "/usr/lib/nginx/modules/ngx_stream_module.so";

NginxRtmpPeer::NginxRtmpPeer (std::string on_publish)
    : dir_ (std::make_unique<TempDir> ("gst-twitch-nginx")),
      on_publish_ (std::move (on_publish))
{
  record_dir_ = dir_->file ("rec");
  g_mkdir_with_parents (record_dir_.c_str (), 0700);
  g_mkdir_with_parents (dir_->file ("logs").c_str (), 0700);
}

NginxRtmpPeer::~NginxRtmpPeer ()
{
  if (proc_) {
    proc_->resume ();
    proc_->stop (2000);
  }
}

std::string
NginxRtmpPeer::missing ()
{
  if (find_program ("nginx").empty ())
    return "nginx (apt-get install nginx)";
  if (!g_file_test (kRtmpModule, G_FILE_TEST_EXISTS))
    return "the RTMP module (apt-get install libnginx-mod-rtmp)";
  return {};
}

std::string
NginxRtmpPeer::missing_tls ()
{
  if (!g_file_test (kStreamModule, G_FILE_TEST_EXISTS))
    return "nginx's stream module (apt-get install libnginx-mod-stream)";
  return {};
}

void
NginxRtmpPeer::enable_tls (const std::string &cert, const std::string &key,
    const std::string &address, int port)
{
  tls_cert_ = cert;
  tls_key_ = key;
  tls_address_ = address;
  /* 0: picked by start(), with the RTMP port. */
  tls_port_fixed_ = port > 0;
  tls_port_ = port > 0 ? port : -1;
}

std::string
NginxRtmpPeer::url () const
{
  return "rtmp://127.0.0.1:" + std::to_string (port_) + "/app";
}

std::string
NginxRtmpPeer::error_log () const
{
  return dir_->file ("error.log");
}

bool
NginxRtmpPeer::start (GError **error)
{
  if (proc_ && proc_->running ())
    return true;
  /* A port picked here may be taken by another process before nginx binds
   * it: a first start tries fresh ports again; a restart keeps the ports
   * the test already handed out. */
  bool fresh = port_ < 0;
  for (int attempt = 1;; attempt++) {
    if (fresh) {
      port_ = free_loopback_port ();
      if (!tls_cert_.empty () && !tls_port_fixed_)
        tls_port_ = free_loopback_port ();
    }
    proc_ = std::make_unique<PeerProcess> ("nginx",
        std::vector<std::string>{find_program ("nginx"), "-p", dir_->path (),
            "-c", write_config (), "-e", error_log ()},
        dir_->file ("nginx.out"));
    if (!proc_->start (error))
      return false;
    std::vector<std::pair<std::string, int>> where{{"127.0.0.1", port_}};
    if (!tls_cert_.empty ())
      where.emplace_back (tls_address_, tls_port_);
    Listening l = wait_until_listening (*proc_, where, 15000);
    if (l == Listening::kYes)
      return true;
    proc_->kill_hard ();
    if (l == Listening::kExited && fresh && attempt < kPortAttempts)
      continue;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "nginx did not listen on 127.0.0.1:%d (%s): %s", port_,
        l == Listening::kExited ? "it exited" : "timed out",
        read_file (error_log ()).c_str ());
    return false;
  }
}

std::string
NginxRtmpPeer::write_config () const
{
  std::ostringstream conf;
  conf << "load_module " << kRtmpModule << ";\n";
  if (!tls_cert_.empty ())
    conf << "load_module " << kStreamModule << ";\n";
  conf << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
       << "error_log " << error_log () << " info;\n"
       << "pid " << dir_->file ("nginx.pid") << ";\n"
       << "events { worker_connections 64; }\n"
       << "rtmp {\n  server {\n    listen 127.0.0.1:" << port_ << ";\n"
       << "    chunk_size 4096;\n"
       /* Acknowledge every 500 kB, as ingests do (Twitch: 2.5 MB): how a
        * sender sees that a peer stopped reading while loopback's socket
        * buffers (tens of MB) still take its bytes. */
       << "    ack_window 500000;\n"
       << "    application app {\n      live on;\n      record all;\n"
       << "      record_path " << record_dir_ << ";\n"
       << "      record_unique on;\n";
  if (!on_publish_.empty ())
    conf << "      on_publish " << on_publish_ << ";\n";
  conf << "    }\n  }\n}\n";
  if (!tls_cert_.empty ()) {
    /* RTMPS as Twitch's ingests serve it: TLS terminated in front of the
     * RTMP port. */
    conf << "stream {\n  server {\n    listen " << tls_address_ << ":"
         << tls_port_ << " ssl;\n"
         << "    ssl_certificate " << tls_cert_ << ";\n"
         << "    ssl_certificate_key " << tls_key_ << ";\n"
         << "    proxy_pass 127.0.0.1:" << port_ << ";\n  }\n}\n";
  }
  std::string conf_path = dir_->file ("nginx.conf");
  write_file (conf_path, conf.str ());
  return conf_path;
}

std::vector<std::string>
NginxRtmpPeer::recordings () const
{
  std::vector<std::pair<std::string, std::string>> found;
  GDir *dir = g_dir_open (record_dir_.c_str (), 0, nullptr);
  if (dir == nullptr)
    return {};
  while (const char *name = g_dir_read_name (dir)) {
    if (g_str_has_suffix (name, ".flv"))
      found.emplace_back (name, record_dir_ + "/" + name);
  }
  g_dir_close (dir);
  /* record_unique names end in the unix time of the publish. */
  std::sort (found.begin (), found.end (), [] (const auto &a, const auto &b) {
    struct stat sa {
    }, sb{};
    stat (a.second.c_str (), &sa);
    stat (b.second.c_str (), &sb);
    if (sa.st_ctim.tv_sec != sb.st_ctim.tv_sec)
      return a.first < b.first;
    return a.first < b.first;
  });
  std::vector<std::string> out;
  for (auto &f : found)
    out.push_back (f.second);
  return out;
}

std::string
ffprobe_path ()
{
  return find_program ("ffprobe");
}

static bool
run_capture (
    const std::vector<std::string> &argv, std::string &out, std::string &err)
{
  std::vector<const gchar *> args;
  for (const auto &a : argv)
    args.push_back (a.c_str ());
  args.push_back (nullptr);
  gchar *o = nullptr, *e = nullptr;
  gint status = 0;
  GError *error = nullptr;
  bool ok = g_spawn_sync (nullptr, const_cast<gchar **> (args.data ()), nullptr,
      G_SPAWN_DEFAULT, nullptr, nullptr, &o, &e, &status, &error);
  out = o ? o : "";
  err = e ? e : (error ? error->message : "");
  g_free (o);
  g_free (e);
  g_clear_error (&error);
  return ok && g_spawn_check_wait_status (status, nullptr);
}

static double
parse_rate (const std::string &v)
{
  auto slash = v.find ('/');
  if (slash == std::string::npos)
    return g_ascii_strtod (v.c_str (), nullptr);
  double n = g_ascii_strtod (v.substr (0, slash).c_str (), nullptr);
  double d = g_ascii_strtod (v.substr (slash + 1).c_str (), nullptr);
  return d > 0 ? n / d : 0;
}

ProbeResult
ffprobe (const std::string &file)
{
  ProbeResult r;
  std::string out, err;
  if (!run_capture ({ffprobe_path (), "-v", "error", "-show_entries",
                        "stream=codec_type,codec_name,profile,width,height,"
                        "sample_rate,channels,avg_frame_rate,bit_rate:format="
                        "duration,bit_rate,size",
                        "-of", "default=nw=1", file},
          out, err)) {
    r.error = err;
    return r;
  }
  std::istringstream in (out);
  std::string line;
  ProbeStream *cur = nullptr;
  while (std::getline (in, line)) {
    auto eq = line.find ('=');
    if (eq == std::string::npos)
      continue;
    std::string k = line.substr (0, eq), v = line.substr (eq + 1);
    if (k == "codec_name") {
      r.streams.emplace_back ();
      cur = &r.streams.back ();
      cur->codec_name = v;
      continue;
    }
    if (cur != nullptr && k == "codec_type") {
      cur->codec_type = v;
    } else if (cur != nullptr && k == "profile") {
      cur->profile = v;
    } else if (cur != nullptr && k == "width") {
      cur->width = atoi (v.c_str ());
    } else if (cur != nullptr && k == "height") {
      cur->height = atoi (v.c_str ());
    } else if (cur != nullptr && k == "sample_rate") {
      cur->sample_rate = atoi (v.c_str ());
    } else if (cur != nullptr && k == "channels") {
      cur->channels = atoi (v.c_str ());
    } else if (cur != nullptr && k == "avg_frame_rate") {
      cur->avg_frame_rate = parse_rate (v);
    } else if (k == "duration") {
      r.duration = g_ascii_strtod (v.c_str (), nullptr);
    } else if (k == "size") {
      r.size = g_ascii_strtod (v.c_str (), nullptr);
    } else if (k == "bit_rate") {
      /* stream bit_rate comes before the format section */
      double b = g_ascii_strtod (v.c_str (), nullptr);
      if (cur != nullptr && r.duration == 0)
        cur->bit_rate = b;
      else
        r.bit_rate = b;
    }
  }
  r.ok = true;
  return r;
}

const ProbeStream *
ProbeResult::video () const
{
  for (const auto &s : streams)
    if (s.codec_type == "video")
      return &s;
  return nullptr;
}

const ProbeStream *
ProbeResult::audio () const
{
  for (const auto &s : streams)
    if (s.codec_type == "audio")
      return &s;
  return nullptr;
}

std::vector<ProbePacket>
ffprobe_packets (const std::string &file, const char *type)
{
  std::vector<ProbePacket> packets;
  std::string out, err;
  if (!run_capture ({ffprobe_path (), "-v", "error", "-select_streams", type,
                        "-show_entries", "packet=pts_time,flags,size", "-of",
                        "csv=p=0", file},
          out, err))
    return packets;
  std::istringstream in (out);
  std::string line;
  while (std::getline (in, line)) {
    /* pts_time,size,flags (ffprobe's order of the packet section) */
    std::vector<std::string> f;
    std::istringstream ls (line);
    std::string part;
    while (std::getline (ls, part, ','))
      f.push_back (part);
    if (f.size () < 3)
      continue;
    ProbePacket p;
    p.pts = g_ascii_strtod (f[0].c_str (), nullptr);
    p.size = atoi (f[1].c_str ());
    p.key = f[2].find ('K') != std::string::npos;
    packets.push_back (p);
  }
  return packets;
}

} // namespace twitch_test
