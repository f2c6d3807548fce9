#include "test_ca.h"

namespace twitch_test
{

static bool
run_openssl (const std::vector<std::string> &args, GError **error)
{
  std::string openssl = find_program ("openssl");
  if (openssl.empty ()) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "openssl not found on PATH (apt-get install openssl)");
    return false;
  }
  std::vector<const gchar *> argv = {openssl.c_str ()};
  for (const auto &a : args)
    argv.push_back (a.c_str ());
  argv.push_back (nullptr);
  gchar *err_out = nullptr;
  gint status = 0;
  if (!g_spawn_sync (nullptr, const_cast<gchar **> (argv.data ()), nullptr,
          G_SPAWN_STDOUT_TO_DEV_NULL, nullptr, nullptr, nullptr, &err_out,
          &status, error))
    return false;
  bool ok = g_spawn_check_wait_status (status, nullptr);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "openssl %s: %s",
        args[0].c_str (), err_out ? err_out : "");
  g_free (err_out);
  return ok;
}

bool
make_test_ca (const TempDir &dir, const std::vector<std::string> &names,
    TestCa *out, GError **error)
{
  out->ca_cert = dir.file ("ca.pem");
  std::string ca_key = dir.file ("ca-key.pem");
  out->server_cert = dir.file ("server.pem");
  out->server_key = dir.file ("server-key.pem");
  std::string csr = dir.file ("server.csr");
  std::string ext = dir.file ("server.ext");
  std::string san;
  for (const auto &n : names)
    san += (san.empty () ? "" : ",") + n;
  write_file (ext, "basicConstraints=CA:FALSE\n"
                   "keyUsage=digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\n"
                   "subjectAltName="
                       + san + "\n");
  return run_openssl ({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                          "2", "-subj", "/CN=gst-twitch test CA", "-addext",
                          "basicConstraints=critical,CA:TRUE", "-addext",
                          "keyUsage=critical,keyCertSign,cRLSign", "-keyout",
                          ca_key, "-out", out->ca_cert},
             error)
         && run_openssl ({"req", "-new", "-newkey", "rsa:2048", "-nodes",
                             "-subj", "/CN=gst-twitch test ingest", "-keyout",
                             out->server_key, "-out", csr},
             error)
         && run_openssl ({"x509", "-req", "-in", csr, "-CA", out->ca_cert,
                             "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
                             "-extfile", ext, "-out", out->server_cert},
             error);
}

bool
trust_in_process (const std::string &ca_file, GError **error)
{
  GTlsBackend *backend = g_tls_backend_get_default ();
  if (ca_file.empty ()) {
    g_tls_backend_set_default_database (backend, nullptr);
    return true;
  }
  GTlsDatabase *db = g_tls_file_database_new (ca_file.c_str (), error);
  if (db == nullptr)
    return false;
  g_tls_backend_set_default_database (backend, db);
  g_object_unref (db);
  return true;
}

} // namespace twitch_test
