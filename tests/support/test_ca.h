/* A certificate authority made by openssl at test time, and a server
 * certificate it signs for the names a test needs (IP:127.0.0.1, DNS names).
 * A client trusts it only when told to (tls-ca-file, or
 * trust_in_process() below): never through the system store. */
#pragma once

#include "peer.h"

#include <gio/gio.h>

#include <string>
#include <vector>

namespace twitch_test
{

struct TestCa {
  std::string ca_cert;     /* PEM: what a client must trust */
  std::string server_cert; /* PEM: leaf signed by the CA */
  std::string server_key;  /* PEM */
};

/* Writes a CA and a server certificate for @names ("IP:127.0.0.1",
 * "DNS:live.twitch.tv", ...) into @dir. False with @error when openssl is
 * missing or fails. */
bool make_test_ca (const TempDir &dir, const std::vector<std::string> &names,
    TestCa *out, GError **error);

/* The TLS database every GTlsConnection of this process uses from now on
 * (rtmp2sink, libsoup...): the CA at @ca_file alone; empty @ca_file: the
 * system's again. GIO's gnutls backend (glib-networking 2.74) reads only the
 * system store (/etc/ssl/certs/ca-certificates.crt): it does not honour
 * SSL_CERT_FILE (see tests/README.md), so an in-process database is the way
 * a test trusts its CA. */
bool trust_in_process (const std::string &ca_file, GError **error);

} // namespace twitch_test
