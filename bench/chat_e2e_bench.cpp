/* End to end: a TMI server floods N tagged PRIVMSG lines (real-shaped,
 * every id unique) over loopback into `twitchchatsrc ! fakesink`; prints
 * messages/s and the process's resident memory over the run.
 *   build/bench/chat-e2e-bench [N=1000000] [text|json] [python]
 * The flooding server is in-process C++ on its own thread (the Python fake
 * of tests/peers tops out near 170 000 lines/s here, below what is being
 * measured); "python" uses that fake instead.
 * (meson test -C build --benchmark chat-e2e; bench/README-chat.md) */
#include <gst/gst.h>

#include "support/tmi_fake.h"
#include "chat_corpus.h"
#include "tmi_flooder.h"

#include <gio/gio.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

static double
rss_mib ()
{
  long pages = 0, resident = 0;
  FILE *f = fopen ("/proc/self/statm", "r");
  if (f) {
    if (fscanf (f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    fclose (f);
  }
  return resident * (double)sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static std::atomic<guint64> received{0};

static GstPadProbeReturn
count (GstPad *, GstPadProbeInfo *, gpointer)
{
  received++;
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  guint64 n = argc > 1 ? g_ascii_strtoull (argv[1], nullptr, 10) : 1000000;
  bool json = argc > 2 && std::string (argv[2]) == "json";
  bool python = argc > 3 && std::string (argv[3]) == "python";
  twitch_test::TmiFake fake;
  TmiFlooder flooder (chat_bench_corpus (10000));
  GError *err = nullptr;
  std::string uri;
  if (python) {
    if (!fake.start ({}, &err)) {
      fprintf (stderr, "fake TMI server: %s\n", err->message);
      return 77;
    }
    uri = fake.uri ();
  } else {
    if (!flooder.start (n))
      return 1;
    uri = "irc://127.0.0.1:" + std::to_string (flooder.port);
  }
  bool no_events = g_getenv ("BENCH_NO_EVENTS") != nullptr;
  std::string launch = std::string ("twitchchatsrc name=src channels=flood ")
                       + (no_events ? "events=false " : "") + "server=" + uri
                       + (json ? " ! application/x-twitch-chat" : "")
                       + " ! fakesink name=sink sync=false";
  GstElement *p = gst_parse_launch (launch.c_str (), &err);
  if (!p) {
    fprintf (stderr, "%s\n", err->message);
    return 1;
  }
  GstElement *sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count, nullptr, nullptr);
  gst_element_set_state (p, GST_STATE_PLAYING);
  if (!twitch_test::poll_until (
          [&] {
            if (!python)
              return flooder.joined.load ();
            return fake.control ("stats").find ("\"channels\": [\"flood\"]")
                   != std::string::npos;
          },
          30000)) {
    fprintf (stderr, "never joined\n");
    return 1;
  }
  double rss_start = rss_mib ();
  std::string flood_reply;
  gint64 t0 = g_get_monotonic_time ();
  std::thread flood ([&] {
    if (python) {
      flood_reply = fake.control ("flood flood " + std::to_string (n));
    } else {
      flooder.go = true;
      while (flooder.write_secs == 0 && received < n)
        g_usleep (10000);
      g_usleep (100000);
      flood_reply = "done " + std::to_string (flooder.write_secs.load ());
    }
  });
  std::vector<double> rss;
  gint64 deadline = t0 + 300 * G_USEC_PER_SEC;
  guint64 last = 0;
  gint64 last_change = t0;
  while (received < n && g_get_monotonic_time () < deadline) {
    g_usleep (100 * 1000);
    rss.push_back (rss_mib ());
    if (received != last) {
      last = received;
      last_change = g_get_monotonic_time ();
    } else if (g_get_monotonic_time () - last_change > 10 * G_USEC_PER_SEC) {
      break; /* stalled (messages dropped): report what arrived */
    }
  }
  gint64 t1 = g_get_monotonic_time ();
  flood.join ();
  GstStructure *stats = nullptr;
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  g_object_get (src, "stats", &stats, nullptr);
  guint64 dropped = 0, dups = 0;
  gst_structure_get_uint64 (stats, "dropped-overflow", &dropped);
  gst_structure_get_uint64 (stats, "duplicates", &dups);
  double secs = (t1 - t0) / 1e6;
  double max_rss = rss_start;
  for (double r : rss)
    max_rss = std::max (max_rss, r);
  printf ("chat end to end (%s buffers): %" G_GUINT64_FORMAT
          " of %" G_GUINT64_FORMAT " messages in %.2f s = %.0f messages/s "
          "(server wrote them in %s s); dropped for a slow downstream: "
          "%" G_GUINT64_FORMAT "\n",
      json ? "JSON" : "text", (guint64)received, n, secs, received / secs,
      flood_reply.size () > 5 ? flood_reply.substr (5).c_str () : "?", dropped);
  printf ("RSS: %.1f MiB before, max %.1f MiB, samples (every 10%%):",
      rss_start, max_rss);
  for (size_t i = 0; i < rss.size ();
       i += std::max<size_t> (1, rss.size () / 10))
    printf (" %.1f", rss[i]);
  printf (" MiB, end %.1f MiB\n", rss_mib ());
  gst_structure_free (stats);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (p);
  return received == n ? 0 : 1;
}
