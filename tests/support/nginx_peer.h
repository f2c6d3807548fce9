/* A real local RTMP ingest for tests and benchmarks: nginx with
 * libnginx-mod-rtmp on a free loopback port, recording every publish into a
 * folder of its own (record all; record_unique on), optionally asking an
 * on_publish URL first. Plus ffprobe helpers to check the recordings. */
#pragma once

#include "peer.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace twitch_test
{

class NginxRtmpPeer
{
 public:
  /* @on_publish: an http:// URL nginx asks before accepting a publish
   * (2xx accepts, anything else refuses); empty for none. */
  explicit NginxRtmpPeer (std::string on_publish = {});
  ~NginxRtmpPeer ();
  NginxRtmpPeer (const NginxRtmpPeer &) = delete;
  NginxRtmpPeer &operator= (const NginxRtmpPeer &) = delete;

  /* Empty when nginx or the rtmp module is missing (skip the test). */
  static std::string missing ();

  /* Also terminates TLS (nginx's stream module) on @address:@port (0: a
   * free port) in front of the RTMP port, with @cert/@key: an RTMPS ingest.
   * Call before start(). */
  void enable_tls (const std::string &cert, const std::string &key,
      const std::string &address = "127.0.0.1", int port = 0);
  /* Empty when the stream module is missing. */
  static std::string missing_tls ();
  /* After start(). */
  int tls_port () const { return tls_port_; }
  const std::string &tls_address () const { return tls_address_; }

  /* Starts nginx (again, on the same port) and waits until it accepts. */
  bool start (GError **error = nullptr);
  void kill_hard () { proc_->kill_hard (); }
  void stop () { proc_->stop (); }
  void pause () { proc_->pause (); }
  void resume () { proc_->resume (); }
  bool running () const { return proc_->running (); }
  int pid () const { return proc_->pid (); }

  int port () const { return port_; }
  /* rtmp://127.0.0.1:PORT/app: twitchsink's server property. */
  std::string url () const;
  const std::string &record_dir () const { return record_dir_; }
  std::string error_log () const;
  /* Recordings (*.flv), oldest first. */
  std::vector<std::string> recordings () const;

 private:
  std::unique_ptr<TempDir> dir_;
  std::string on_publish_;
  std::string record_dir_;
  int port_ = -1;
  std::string tls_cert_, tls_key_, tls_address_;
  int tls_port_ = -1;
  bool tls_port_fixed_ = false;
  std::unique_ptr<PeerProcess> proc_;

  /* nginx.conf for the current ports; its path. */
  std::string write_config () const;
};

/* What ffprobe says about one recording. */
struct ProbeStream {
  std::string codec_type; /* video, audio */
  std::string codec_name; /* h264, aac */
  std::string profile;    /* Main, High, LC */
  int width = 0, height = 0;
  int sample_rate = 0, channels = 0;
  double avg_frame_rate = 0;
  double bit_rate = 0; /* bit/s, when ffprobe knows it */
};

struct ProbeResult {
  bool ok = false;
  std::string error;
  double duration = 0; /* s */
  double bit_rate = 0; /* bit/s, whole file */
  double size = 0;     /* bytes */
  std::vector<ProbeStream> streams;
  const ProbeStream *video () const;
  const ProbeStream *audio () const;
};

/* Empty when ffprobe is missing. */
std::string ffprobe_path ();
ProbeResult ffprobe (const std::string &file);

struct ProbePacket {
  double pts = 0; /* s */
  bool key = false;
  int size = 0;
};
/* Packets of the first stream of @type ("v" or "a"). */
std::vector<ProbePacket> ffprobe_packets (
    const std::string &file, const char *type);

} // namespace twitch_test
