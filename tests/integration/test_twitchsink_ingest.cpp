/* What a user streaming to Twitch runs, end to end on loopback: server=auto
 * fetches the ingest list (TWITCH_INGEST_URL, served here), picks the first
 * available entry and streams over RTMPS (its url_template_secure) to nginx
 * terminating TLS with a test CA in front of nginx-rtmp; bandwidth-test
 * reaches the ingest as ?bandwidthtest=true; an unreachable list falls back
 * to live.twitch.tv with a warning (resolved by this process to 127.0.0.2,
 * never to Twitch); a certificate the client does not trust is refused. */
#include "twitchsink_harness.h"

#include "support/http_server.h"
#include "support/test_ca.h"

#include <libsoup/soup.h>

#include <mutex>
#include <thread>
#include <unistd.h>

using namespace twitch_test;

namespace
{

const char *kKey = "fake_9876543_ingesttestkey";

/* ---- A resolver that knows one name: live.twitch.tv is 127.0.0.2. Every
 * other name is not found, so nothing in this process reaches real DNS. */

struct LoopbackResolver {
  GResolver parent;
};
struct LoopbackResolverClass {
  GResolverClass parent_class;
};
G_DEFINE_TYPE (LoopbackResolver, loopback_resolver, G_TYPE_RESOLVER)

static GList *
loopback_lookup (
    const gchar *host, GResolverNameLookupFlags flags, GError **error)
{
  if (g_ascii_strcasecmp (host, "live.twitch.tv") != 0
      || (flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY)) {
    g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
        "test resolver: no address for %s", host);
    return nullptr;
  }
  return g_list_append (nullptr, g_inet_address_new_from_string ("127.0.0.2"));
}

static GList *
lr_by_name (GResolver *, const gchar *host, GCancellable *, GError **error)
{
  return loopback_lookup (host, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT, error);
}

static GList *
lr_by_name_flags (GResolver *, const gchar *host,
    GResolverNameLookupFlags flags, GCancellable *, GError **error)
{
  return loopback_lookup (host, flags, error);
}

static void
lr_return (GResolver *r, const gchar *host, GResolverNameLookupFlags flags,
    GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  GTask *task = g_task_new (r, c, cb, data);
  GError *error = nullptr;
  GList *list = loopback_lookup (host, flags, &error);
  if (list)
    g_task_return_pointer (
        task, list, (GDestroyNotify)g_resolver_free_addresses);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
lr_by_name_async (GResolver *r, const gchar *host, GCancellable *c,
    GAsyncReadyCallback cb, gpointer data)
{
  lr_return (r, host, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT, c, cb, data);
}

static void
lr_by_name_flags_async (GResolver *r, const gchar *host,
    GResolverNameLookupFlags flags, GCancellable *c, GAsyncReadyCallback cb,
    gpointer data)
{
  lr_return (r, host, flags, c, cb, data);
}

static GList *
lr_finish (GResolver *, GAsyncResult *result, GError **error)
{
  return static_cast<GList *> (
      g_task_propagate_pointer (G_TASK (result), error));
}

static void
loopback_resolver_class_init (LoopbackResolverClass *klass)
{
  GResolverClass *rc = G_RESOLVER_CLASS (klass);
  rc->lookup_by_name = lr_by_name;
  rc->lookup_by_name_async = lr_by_name_async;
  rc->lookup_by_name_finish = lr_finish;
  rc->lookup_by_name_with_flags = lr_by_name_flags;
  rc->lookup_by_name_with_flags_async = lr_by_name_flags_async;
  rc->lookup_by_name_with_flags_finish = lr_finish;
}

static void
loopback_resolver_init (LoopbackResolver *)
{
}

/* ---- The ingest list and nginx's on_publish, served from a thread. */

struct IngestListServer {
  HttpServer http;
  std::mutex lock;
  std::string list_body;
  int list_requests = 0;
  std::vector<std::string> publishes; /* on_publish form bodies */

  bool start ()
  {
    http.handle ("/ingests", [this] (SoupServerMessage *msg) {
      std::lock_guard<std::mutex> g (lock);
      list_requests++;
      soup_server_message_set_status (msg, 200, nullptr);
      soup_server_message_set_response (msg, "application/json",
          SOUP_MEMORY_COPY, list_body.data (), list_body.size ());
    });
    http.handle ("/on_publish", [this] (SoupServerMessage *msg) {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      GBytes *bytes = soup_message_body_flatten (body);
      gsize n = 0;
      const char *d = static_cast<const char *> (g_bytes_get_data (bytes, &n));
      const char *q = g_uri_get_query (soup_server_message_get_uri (msg));
      std::lock_guard<std::mutex> g (lock);
      publishes.push_back (std::string (d ? d : "", n) + "&" + (q ? q : ""));
      g_bytes_unref (bytes);
      soup_server_message_set_status (msg, 200, nullptr);
    });
    return http.start ();
  }
  std::string url (const char *path) const { return http.url (path); }
};

/* Twitch's format (tests/fixtures/ingests.json): the first entry is not
 * available, the second is the local RTMPS ingest. */
std::string
ingest_list (int dead_port, int tls_port)
{
  auto entry = [] (int id, double availability, const char *name, int port) {
    std::string p = std::to_string (port);
    return "{\"_id\":" + std::to_string (id) + ",\"availability\":"
           + std::to_string (availability) + ",\"default\":false,\"name\":\""
           + name + "\",\"url_template\":\"rtmp://127.0.0.1:" + p
           + "/app/{stream_key}\",\"url_template_secure\":\"rtmps://"
             "127.0.0.1:"
           + p + "/app/{stream_key}\",\"priority\":" + std::to_string (id)
           + "}";
  };
  return "{\"ingests\":[" + entry (1, 0.0, "Test: unavailable", dead_port) + ","
         + entry (2, 1.0, "Test: local RTMPS", tls_port) + "]}";
}

class TwitchSinkIngest : public ::testing::Test
{
 protected:
  static void SetUpTestSuite () { gst_init (nullptr, nullptr); }
  void SetUp () override
  {
    SKIP_WITHOUT_INGEST ();
    TWITCH_REQUIRE_PEER (NginxRtmpPeer::missing_tls ());
    TWITCH_REQUIRE_PROGRAM (find_program ("openssl"), "openssl", "openssl");
    ASSERT_TRUE (http_.start ()) << "cannot listen on 127.0.0.1";
    GError *err = nullptr;
    ASSERT_TRUE (make_test_ca (dir_,
        {"IP:127.0.0.1", "DNS:localhost", "DNS:live.twitch.tv"}, &ca_, &err))
        << err->message;
    saved_ingest_url_ = g_getenv ("TWITCH_INGEST_URL");
  }
  void TearDown () override
  {
    trust_in_process ({}, nullptr);
    g_setenv ("TWITCH_INGEST_URL", saved_ingest_url_.c_str (), TRUE);
  }

  /* nginx-rtmp with RTMPS in front, asking our on_publish. */
  std::unique_ptr<NginxRtmpPeer> start_ingest (
      const std::string &tls_address = "127.0.0.1", int tls_port = 0)
  {
    auto ingest = std::make_unique<NginxRtmpPeer> (http_.url ("/on_publish"));
    ingest->enable_tls (ca_.server_cert, ca_.server_key, tls_address, tls_port);
    GError *err = nullptr;
    EXPECT_TRUE (ingest->start (&err)) << (err ? err->message : "");
    g_clear_error (&err);
    return ingest;
  }

  /* Streams a live test picture and tone for @seconds after the first
   * connection, then EOS. */
  void stream (const std::string &sink_props, RunResult &r, double seconds,
      bool stop_on_error = true)
  {
    GstElement *p
        = parse ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
                 "framerate=30/1 ! twitchsink name=t server=auto stream-key="
                 + std::string (kKey) + " speed-preset=ultrafast max-retries=0 "
                 + sink_props
                 + " audiotestsrc is-live=true samplesperbuffer=480 ! "
                   "audio/x-raw,rate=48000,channels=2 ! t.audio");
    ASSERT_NE (p, nullptr);
    double connected_at = -1;
    run_pipeline (
        p, r, 60,
        [&] (double t, GstElement *) {
          if (connected_at < 0 && r.count ("twitchsink-connected") > 0)
            connected_at = t;
          return connected_at < 0 || t - connected_at < seconds;
        },
        stop_on_error);
    gst_object_unref (p);
  }

  std::string ingest_of (const RunResult &r)
  {
    const char *s = r.last_stats
                        ? gst_structure_get_string (r.last_stats, "ingest")
                        : nullptr;
    return s ? s : "";
  }

  TempDir dir_{"gst-twitch-ingest"};
  TestCa ca_;
  IngestListServer http_;
  std::string saved_ingest_url_;
};

TEST_F (TwitchSinkIngest, AutoStreamsToTheFirstAvailableIngestOverRtmps)
{
  auto ingest = start_ingest ();
  RefusedPort unavailable;
  http_.list_body = ingest_list (unavailable.port (), ingest->tls_port ());
  g_setenv ("TWITCH_INGEST_URL", http_.url ("/ingests").c_str (), TRUE);
  ASSERT_TRUE (trust_in_process (ca_.ca_cert, nullptr));

  RunResult r;
  stream ("", r, 3);
  ASSERT_TRUE (r.errors.empty ()) << r.error_texts[0];
  EXPECT_TRUE (r.eos);
  EXPECT_EQ (http_.list_requests, 1);
  EXPECT_EQ (
      ingest_of (r), "rtmps://127.0.0.1:" + std::to_string (ingest->tls_port ())
                         + "/app/<redacted>")
      << "the first available entry, over RTMPS";
  ASSERT_EQ (http_.publishes.size (), 1u);
  EXPECT_NE (
      http_.publishes[0].find (std::string ("name=") + kKey), std::string::npos)
      << http_.publishes[0];
  EXPECT_EQ (http_.publishes[0].find ("bandwidthtest"), std::string::npos);
  ingest->stop ();
  auto recs = ingest->recordings ();
  ASSERT_EQ (recs.size (), 1u);
  ProbeResult probe = ffprobe (recs[0]);
  ASSERT_TRUE (probe.ok) << probe.error;
  EXPECT_GT (probe.duration, 2.0);
  ASSERT_NE (probe.video (), nullptr);
  ASSERT_NE (probe.audio (), nullptr);
}

TEST_F (TwitchSinkIngest, BandwidthTestReachesTheIngest)
{
  auto ingest = start_ingest ();
  RefusedPort unavailable;
  http_.list_body = ingest_list (unavailable.port (), ingest->tls_port ());
  g_setenv ("TWITCH_INGEST_URL", http_.url ("/ingests").c_str (), TRUE);
  ASSERT_TRUE (trust_in_process (ca_.ca_cert, nullptr));

  RunResult r;
  stream ("bandwidth-test=true", r, 1);
  ASSERT_TRUE (r.errors.empty ()) << r.error_texts[0];
  std::lock_guard<std::mutex> g (http_.lock);
  ASSERT_EQ (http_.publishes.size (), 1u);
  EXPECT_NE (http_.publishes[0].find ("bandwidthtest=true"), std::string::npos)
      << "nginx's on_publish: " << http_.publishes[0];
  EXPECT_NE (
      http_.publishes[0].find (std::string ("name=") + kKey), std::string::npos)
      << http_.publishes[0];
}

TEST_F (TwitchSinkIngest, UnreachableListFallsBackToLiveTwitchTvWithAWarning)
{
  TWITCH_REQUIRE_PEER (geteuid () == 0
                           ? std::string ()
                           : "root, to listen on 127.0.0.2:443 as the "
                             "fallback ingest");
  /* live.twitch.tv:443 is 127.0.0.2:443 for this process only. */
  GResolver *resolver
      = G_RESOLVER (g_object_new (loopback_resolver_get_type (), nullptr));
  GResolver *saved = g_resolver_get_default ();
  g_resolver_set_default (resolver);
  auto ingest = start_ingest ("127.0.0.2", 443);
  RefusedPort unreachable_list;
  g_setenv ("TWITCH_INGEST_URL",
      unreachable_list.url ("http", "/ingests").c_str (), TRUE);
  ASSERT_TRUE (trust_in_process (ca_.ca_cert, nullptr));

  GstElement *p
      = parse ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
               "framerate=30/1 ! twitchsink name=t server=auto stream-key="
               + std::string (kKey) + " speed-preset=ultrafast max-retries=0");
  ASSERT_NE (p, nullptr);
  /* Warnings, as they are posted (run_pipeline pops the bus). */
  struct Warnings {
    std::mutex lock;
    std::vector<std::string> texts;
  } warnings;
  GstBus *bus = gst_element_get_bus (p);
  gst_bus_set_sync_handler (
      bus,
      [] (GstBus *, GstMessage *m, gpointer data) -> GstBusSyncReply {
        if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
          auto *w = static_cast<Warnings *> (data);
          GError *e = nullptr;
          gst_message_parse_warning (m, &e, nullptr);
          std::lock_guard<std::mutex> g (w->lock);
          w->texts.push_back (e->message);
          g_error_free (e);
        }
        return GST_BUS_PASS;
      },
      &warnings, nullptr);
  RunResult r;
  double connected_at = -1;
  run_pipeline (p, r, 60, [&] (double t, GstElement *) {
    if (connected_at < 0 && r.count ("twitchsink-connected") > 0)
      connected_at = t;
    return connected_at < 0 || t - connected_at < 1;
  });
  gst_bus_set_sync_handler (bus, nullptr, nullptr, nullptr);
  bool warned = false;
  for (const auto &w : warnings.texts)
    warned |= w.find ("live.twitch.tv") != std::string::npos
              && w.find ("ingest list") != std::string::npos;
  gst_object_unref (bus);
  gst_object_unref (p);
  g_resolver_set_default (saved);
  g_object_unref (saved);
  g_object_unref (resolver);

  EXPECT_TRUE (warned) << "no warning naming the fallback";
  ASSERT_TRUE (r.errors.empty ()) << r.error_texts[0];
  EXPECT_EQ (ingest_of (r), "rtmps://live.twitch.tv:443/app/<redacted>");
  EXPECT_EQ (http_.publishes.size (), 1u) << "the fallback ingest got it";
}

TEST_F (TwitchSinkIngest, UntrustedCertificateIsRefusedWithAClearError)
{
  auto ingest = start_ingest ();
  RefusedPort unavailable;
  http_.list_body = ingest_list (unavailable.port (), ingest->tls_port ());
  g_setenv ("TWITCH_INGEST_URL", http_.url ("/ingests").c_str (), TRUE);
  /* The system's store only: the test CA is not in it. */
  ASSERT_TRUE (trust_in_process ({}, nullptr));

  RunResult r;
  stream ("", r, 1);
  EXPECT_EQ (r.count ("twitchsink-connected"), 0);
  EXPECT_TRUE (http_.publishes.empty ()) << "nothing was published";
  ASSERT_EQ (r.errors.size (), 1u);
  EXPECT_EQ (r.errors[0]->domain, GST_RESOURCE_ERROR);
  std::string text = r.error_texts[0];
  EXPECT_NE (text.find ("certificate"), std::string::npos)
      << "the error must say the certificate was refused: " << text;
  EXPECT_EQ (text.find (kKey), std::string::npos);
}

} // namespace
