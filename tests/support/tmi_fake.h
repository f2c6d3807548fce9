/* The Twitch-dialect fake TMI server (tests/peers/tmi_fake.py) as a test
 * peer: started on 127.0.0.1 with free ports, driven through its control
 * port, and read back through its record of what clients sent. */
#pragma once

#include "support/peer.h"

#include <memory>
#include <string>
#include <vector>

namespace twitch_test
{

struct RecordedLine {
  double t = 0; /* arrival, Unix seconds */
  int conn = 0; /* connection number, from 1 */
  std::string line;
  bool live = true; /* false: read after the server dropped the socket */
};

struct TmiFakeOptions {
  bool tls = false;
  /* The only token the fake accepts (without "oauth:"); empty: any. */
  std::string token;
  bool login_fail = false;
  /* Twitch-like keepalive: the server PINGs every client this often
   * (seconds; 0: never). */
  double ping_interval = 0;
};

/* Writes a self-signed certificate for 127.0.0.1/localhost (openssl) to
 * @dir/cert.pem and @dir/key.pem. */
bool make_self_signed_cert (
    const TempDir &dir, std::string *cert, std::string *key, GError **error);

class TmiFake
{
 public:
  TmiFake ();
  ~TmiFake ();
  /* False (with @error) when python3 or openssl is missing or it does not
   * come up in time. */
  bool start (const TmiFakeOptions &opts, GError **error);
  void stop ();
  int port () const { return port_; }
  /* irc://127.0.0.1:P or ircs://127.0.0.1:P */
  std::string uri () const;
  /* The CA file a client must trust (TLS only). */
  const std::string &cert_file () const { return cert_; }
  /* Sends one control command, returns the reply line ("" on failure). */
  std::string control (const std::string &command);
  /* Every line clients sent so far. */
  std::vector<RecordedLine> recorded () const;
  /* How many of them start with @prefix. */
  int count_lines (const std::string &prefix) const;
  /* An integer member of the fake's "stats" reply (-1 when absent). */
  int stat (const char *key);
  /* Whether a client has joined #@channel (the "stats" reply). */
  bool joined (const std::string &channel);
  PeerProcess *process () { return proc_.get (); }

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<PeerProcess> proc_;
  std::string cert_;
  std::string key_;
  bool tls_ = false;
  int port_ = 0;
  int control_port_ = 0;
  GSocketConnection *ctl_ = nullptr;
  GDataInputStream *ctl_in_ = nullptr;
};

} // namespace twitch_test
