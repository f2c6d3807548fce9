/* The fake TMI server as a test peer (see tmi_fake.h). */
#include "support/tmi_fake.h"

#include <json-glib/json-glib.h>

namespace twitch_test
{

bool
make_self_signed_cert (
    const TempDir &dir, std::string *cert, std::string *key, GError **error)
{
  std::string openssl = find_program ("openssl");
  if (openssl.empty ()) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "openssl not found (Debian package openssl)");
    return false;
  }
  *cert = dir.file ("cert.pem");
  *key = dir.file ("key.pem");
  const gchar *argv[] = {openssl.c_str (), "req", "-x509", "-newkey",
      "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key->c_str (),
      "-out", cert->c_str (), nullptr};
  gint status = 0;
  if (!g_spawn_sync (nullptr, (gchar **)argv, nullptr,
          (GSpawnFlags)(G_SPAWN_STDOUT_TO_DEV_NULL
                        | G_SPAWN_STDERR_TO_DEV_NULL),
          nullptr, nullptr, nullptr, nullptr, &status, error))
    return false;
  return g_spawn_check_wait_status (status, error);
}

TmiFake::TmiFake () = default;

TmiFake::~TmiFake ()
{
  stop ();
}

bool
TmiFake::start (const TmiFakeOptions &opts, GError **error)
{
  dir_ = std::make_unique<TempDir> ("tmi-fake");
  tls_ = opts.tls;
  if (tls_ && !make_self_signed_cert (*dir_, &cert_, &key_, error))
    return false;
  std::string py = "/usr/bin/python3";
  std::string port_file = dir_->file ("ports.json");
  std::vector<std::string> argv
      = {py, std::string (TWITCH_TEST_PEERS) + "/tmi_fake.py", "--port-file",
          port_file, "--record", dir_->file ("record.jsonl"), "--fixtures",
          std::string (TWITCH_TEST_FIXTURES) + "/chat"};
  if (tls_) {
    argv.insert (argv.end (), {"--cert", cert_, "--key", key_});
  }
  if (!opts.token.empty ())
    argv.insert (argv.end (), {"--token", opts.token});
  if (opts.login_fail)
    argv.push_back ("--login-fail");
  if (opts.ping_interval > 0) {
    gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
    argv.insert (argv.end (),
        {"--ping-interval",
            g_ascii_dtostr (buf, sizeof (buf), opts.ping_interval)});
  }
  proc_ = std::make_unique<PeerProcess> (
      "tmi-fake", argv, dir_->file ("fake.log"));
  if (!proc_->start (error))
    return false;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  std::string ports;
  while (g_get_monotonic_time () < end) {
    ports = read_file (port_file);
    if (!ports.empty () || !proc_->running ())
      break;
    g_usleep (20 * 1000);
  }
  if (ports.empty ()) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "fake TMI server did not start: %s",
        read_file (dir_->file ("fake.log")).c_str ());
    return false;
  }
  JsonParser *parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, ports.c_str (), -1, error)) {
    g_object_unref (parser);
    return false;
  }
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  port_ = (int)json_object_get_int_member (o, "port");
  control_port_ = (int)json_object_get_int_member (o, "control");
  g_object_unref (parser);

  GSocketClient *client = g_socket_client_new ();
  ctl_ = g_socket_client_connect_to_host (
      client, "127.0.0.1", (guint16)control_port_, nullptr, error);
  g_object_unref (client);
  if (!ctl_)
    return false;
  ctl_in_ = g_data_input_stream_new (
      g_io_stream_get_input_stream (G_IO_STREAM (ctl_)));
  return true;
}

void
TmiFake::stop ()
{
  if (ctl_in_) {
    g_object_unref (ctl_in_);
    ctl_in_ = nullptr;
  }
  if (ctl_) {
    g_io_stream_close (G_IO_STREAM (ctl_), nullptr, nullptr);
    g_object_unref (ctl_);
    ctl_ = nullptr;
  }
  if (proc_) {
    proc_->stop (2000);
    proc_.reset ();
  }
}

std::string
TmiFake::uri () const
{
  return std::string (tls_ ? "ircs" : "irc")
         + "://127.0.0.1:" + std::to_string (port_);
}

std::string
TmiFake::control (const std::string &command)
{
  if (!ctl_)
    return {};
  std::string l = command + "\n";
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (ctl_));
  if (!g_output_stream_write_all (
          out, l.data (), l.size (), nullptr, nullptr, nullptr))
    return {};
  gsize len = 0;
  gchar *reply
      = g_data_input_stream_read_line_utf8 (ctl_in_, &len, nullptr, nullptr);
  std::string r (reply ? reply : "");
  g_free (reply);
  return r;
}

std::vector<RecordedLine>
TmiFake::recorded () const
{
  std::vector<RecordedLine> out;
  if (!dir_)
    return out;
  std::string data = read_file (dir_->file ("record.jsonl"));
  gchar **lines = g_strsplit (data.c_str (), "\n", -1);
  for (gchar **l = lines; l && *l; ++l) {
    if (!**l)
      continue;
    JsonParser *parser = json_parser_new ();
    if (json_parser_load_from_data (parser, *l, -1, nullptr)) {
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      RecordedLine r;
      r.t = json_object_get_double_member (o, "t");
      r.conn = (int)json_object_get_int_member (o, "conn");
      r.line = json_object_get_string_member (o, "line");
      r.live
          = g_strcmp0 (json_object_get_string_member (o, "state"), "live") == 0;
      out.push_back (std::move (r));
    }
    g_object_unref (parser);
  }
  g_strfreev (lines);
  return out;
}

int
TmiFake::count_lines (const std::string &prefix) const
{
  int n = 0;
  for (const auto &r : recorded ())
    n += r.line.rfind (prefix, 0) == 0;
  return n;
}

int
TmiFake::stat (const char *key)
{
  std::string s = control ("stats");
  std::string k = std::string ("\"") + key + "\": ";
  size_t p = s.find (k);
  return p == std::string::npos ? -1 : atoi (s.c_str () + p + k.size ());
}

bool
TmiFake::joined (const std::string &channel)
{
  std::string stats = control ("stats");
  size_t ch = stats.find ("\"channels\":");
  return ch != std::string::npos
         && stats.find ("\"" + channel + "\"", ch) != std::string::npos;
}

} // namespace twitch_test
