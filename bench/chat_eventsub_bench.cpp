/* Chat over EventSub, end to end (issue 12's benchmark): N
 * channel.chat.message notifications from the Helix fake's EventSub
 * stand-in (its own process: helix-fake --eventsub-blast N, which blasts
 * every new chat subscription of twitchdev) into
 *   twitchchatsrc transport=eventsub ! fakesink
 * side by side with the IRC transport on the same N messages (the same
 * chatters, texts, emotes, badges, colours and replies as PRIVMSG lines, from
 * an in-process TMI flooder as in chat-e2e-bench) and with
 * @twurple/eventsub-ws under node (installed with npm into a temporary
 * folder). Prints messages/s (first to last message) and memory; never a
 * pass/fail on timing.
 *
 *   meson test -C build --benchmark chat-eventsub --verbose
 *   build/bench/chat-eventsub-bench [N=200000] [--no-twurple]
 *
 * The eventsub line says "not available" while twitchchatsrc has no
 * `transport` property. The first line is a bare libsoup WebSocket client
 * that only counts frames (what a libsoup-based client can reach here); each
 * EventSub line also gives the stand-in's own CPU for it, which shows the
 * stand-in is not what limits the line. */
#include "eventsub_fake.h"
#include "support/peer.h"
#include "tmi_flooder.h"

#include <gst/gst.h>
#include <libsoup/soup.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace
{

const twitch_test::EventSubUser kChannel{"141981764", "twitchdev", "TwitchDev"};
/* The standalone fake's defaults (HelixFakeOptions). */
const char *const kClientId = "fakeclientid00000000000000000a";
const char *const kToken = "fakeusertoken0000000000000001";

double
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

double
cpu_s ()
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Result {
  bool ran = false;
  std::string note; /* why not */
  uint64_t received = 0;
  double secs = 0; /* first to last message */
  double rss_start = 0, rss_max = 0, rss_end = 0;
  double cpu = 0;
  double fake_cpu = -1; /* the stand-in process's, during the line */
};

/* User + system CPU seconds of process @pid so far. */
double
proc_cpu_s (int pid)
{
  std::string stat
      = twitch_test::read_file ("/proc/" + std::to_string (pid) + "/stat");
  auto close = stat.rfind (')');
  if (close == std::string::npos)
    return 0;
  /* Fields after the command: state is 3rd, utime 14th, stime 15th. */
  gchar **f = g_strsplit (stat.c_str () + close + 2, " ", 16);
  double s = 0;
  if (g_strv_length (f) >= 13)
    s = (g_ascii_strtod (f[11], nullptr) + g_ascii_strtod (f[12], nullptr))
        / sysconf (_SC_CLK_TCK);
  g_strfreev (f);
  return s;
}

void
print (const char *name, uint64_t n, const Result &r)
{
  if (!r.ran) {
    printf ("%-46s not available (%s)\n", name, r.note.c_str ());
    return;
  }
  printf ("%-46s %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
          " in %.2f s = %.0f messages/s",
      name, r.received, n, r.secs, r.secs > 0 ? r.received / r.secs : 0.0);
  if (r.rss_max > 0)
    printf ("; RSS %.1f MiB before, max %.1f, end %.1f", r.rss_start, r.rss_max,
        r.rss_end);
  if (r.cpu > 0)
    printf ("; CPU %.1f s", r.cpu);
  if (r.fake_cpu >= 0)
    printf ("; stand-in CPU %.1f s", r.fake_cpu);
  if (!r.note.empty ())
    printf (" (%s)", r.note.c_str ());
  printf ("\n");
  fflush (stdout);
}

/* ---- A pipeline into fakesink, counted at the sink ----------------------- */

struct Counter {
  std::atomic<uint64_t> n{0};
  std::atomic<gint64> first_us{0}, last_us{0};
};

GstPadProbeReturn
count_buffer (GstPad *, GstPadProbeInfo *, gpointer data)
{
  auto *c = static_cast<Counter *> (data);
  gint64 now = g_get_monotonic_time ();
  if (c->n++ == 0)
    c->first_us = now;
  c->last_us = now;
  return GST_PAD_PROBE_OK;
}

/* Runs @pipeline until @n buffers reached fakesink (or 10 s without one). */
Result
run_pipeline (GstElement *pipeline, uint64_t n)
{
  Result r;
  Counter counter;
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &counter, nullptr);
  r.rss_start = rss_mib ();
  r.rss_max = r.rss_start;
  double cpu0 = cpu_s ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 last_change = g_get_monotonic_time ();
  uint64_t last = 0;
  while (counter.n < n) {
    GstMessage *m = gst_bus_timed_pop_filtered (
        bus, 100 * GST_MSECOND, GST_MESSAGE_ERROR);
    if (m) {
      GError *e = nullptr;
      gst_message_parse_error (m, &e, nullptr);
      r.note = e->message;
      g_error_free (e);
      gst_message_unref (m);
      break;
    }
    r.rss_max = std::max (r.rss_max, rss_mib ());
    if (counter.n != last) {
      last = counter.n;
      last_change = g_get_monotonic_time ();
    } else if (g_get_monotonic_time () - last_change > 30 * G_USEC_PER_SEC) {
      r.note = "stalled";
      break;
    }
  }
  r.cpu = cpu_s () - cpu0;
  r.received = counter.n;
  /* What the element says about what it did not pass on. */
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstStructure *stats = nullptr;
  if (src)
    g_object_get (src, "stats", &stats, nullptr);
  if (stats) {
    guint64 received = 0, dups = 0, parse_errors = 0, dropped = 0;
    gst_structure_get_uint64 (stats, "received", &received);
    gst_structure_get_uint64 (stats, "duplicates", &dups);
    gst_structure_get_uint64 (stats, "parse-errors", &parse_errors);
    gst_structure_get_uint64 (stats, "dropped-overflow", &dropped);
    if (counter.n < n) {
      char buf[160];
      snprintf (buf, sizeof buf,
          "element: received %" G_GUINT64_FORMAT
          ", duplicates %" G_GUINT64_FORMAT ", parse errors %" G_GUINT64_FORMAT
          ", dropped for a slow downstream %" G_GUINT64_FORMAT,
          received, dups, parse_errors, dropped);
      r.note += (r.note.empty () ? "" : "; ") + std::string (buf);
    }
    gst_structure_free (stats);
  }
  if (src)
    gst_object_unref (src);
  r.secs = (counter.last_us - counter.first_us) / 1e6;
  r.ran = r.received > 0;
  if (!r.ran && r.note.empty ())
    r.note = "no message arrived";
  gst_element_set_state (pipeline, GST_STATE_NULL);
  r.rss_end = rss_mib ();
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  return r;
}

Result
irc_line (uint64_t n)
{
  Result r;
  /* One period of the blast as lines (3000: its chatters, texts, emotes,
   * badges and replies repeat with it). */
  std::vector<std::string> lines;
  gint64 now_ms = g_get_real_time () / 1000;
  for (uint64_t i = 0; i < 3000; i++) {
    gchar *id = g_uuid_string_random ();
    lines.push_back (
        twitch_test::EventSubFake::blast_irc_line (i, kChannel, id, now_ms));
    g_free (id);
  }
  TmiFlooder flooder (std::move (lines), kChannel.id);
  flooder.go = true;
  if (!flooder.start (n)) {
    r.note = "cannot listen on 127.0.0.1";
    return r;
  }
  /* Anonymous, as chat-e2e-bench: no token for the IRC line. */
  g_unsetenv ("TWITCH_OAUTH_TOKEN");
  std::string launch
      = "twitchchatsrc name=src channels=" + kChannel.login
        + " server=irc://127.0.0.1:" + std::to_string (flooder.port)
        + " ! fakesink name=sink sync=false";
  GError *err = nullptr;
  GstElement *p = gst_parse_launch (launch.c_str (), &err);
  if (!p || err) {
    /* A missing element is a recoverable error: a pipeline without it. */
    r.note = err ? err->message : "no pipeline";
    g_clear_error (&err);
    if (p)
      gst_object_unref (p);
    return r;
  }
  r = run_pipeline (p, n);
  gst_object_unref (p);
  return r;
}

/* ---- EventSub ------------------------------------------------------------ */

std::unique_ptr<twitch_test::PeerProcess>
start_fake (
    const std::string &exe, int port, uint64_t n, const std::string &log)
{
  /* Its port line and any complaint go to @log, not between the figures. */
  auto p = std::make_unique<twitch_test::PeerProcess> ("helix-fake",
      std::vector<std::string>{exe, "--port", std::to_string (port),
          "--eventsub-blast", std::to_string (n)},
      log);
  GError *error = nullptr;
  if (!p->start (&error) || !twitch_test::wait_for_tcp (port, 10000)) {
    g_printerr ("# helix-fake did not start: %s\n",
        error ? error->message : "no answer");
    g_clear_error (&error);
    return nullptr;
  }
  return p;
}

/* The stand-in's ceiling: a libsoup client counting frames. */
Result
ceiling_line (int port, uint64_t n)
{
  Result r;
  GMainContext *ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  SoupSession *session = soup_session_new ();
  struct State {
    SoupWebsocketConnection *ws = nullptr;
    bool done = false;
    std::string session_id;
    uint64_t n = 0;
    gint64 first = 0, last = 0;
  } st;
  std::string url = "ws://127.0.0.1:" + std::to_string (port) + "/ws";
  SoupMessage *msg = soup_message_new ("GET", url.c_str ());
  soup_session_websocket_connect_async (
      session, msg, nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
      [] (GObject *src, GAsyncResult *res, gpointer d) {
        auto *s = static_cast<State *> (d);
        s->ws = soup_session_websocket_connect_finish (
            SOUP_SESSION (src), res, nullptr);
        s->done = true;
        if (!s->ws)
          return;
        g_signal_connect (s->ws, "message",
            G_CALLBACK (
                +[] (SoupWebsocketConnection *, gint, GBytes *b, gpointer d2) {
                  auto *s2 = static_cast<State *> (d2);
                  gsize len = 0;
                  const char *data
                      = static_cast<const char *> (g_bytes_get_data (b, &len));
                  if (s2->session_id.empty ()) {
                    /* The welcome: "...\"session\":{\"id\":\"ID\"..." */
                    std::string w (data, len);
                    auto pos = w.find ("\"session\":{\"id\":\"");
                    if (pos != std::string::npos) {
                      pos += 17;
                      s2->session_id = w.substr (pos, w.find ('"', pos) - pos);
                    }
                    return;
                  }
                  if (len > 40 && memmem (data, len, "\"notification\"", 14)) {
                    gint64 now = g_get_monotonic_time ();
                    if (s2->n++ == 0)
                      s2->first = now;
                    s2->last = now;
                  }
                }),
            s);
      },
      &st);
  g_object_unref (msg);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while ((!st.done || (st.ws && st.session_id.empty ()))
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (ctx, TRUE);
  if (!st.ws || st.session_id.empty ()) {
    r.note = "cannot connect to the stand-in";
  } else {
    SoupMessage *sub
        = soup_message_new ("POST", ("http://127.0.0.1:" + std::to_string (port)
                                        + "/helix/eventsub/subscriptions")
                                        .c_str ());
    SoupMessageHeaders *h = soup_message_get_request_headers (sub);
    soup_message_headers_replace (
        h, "Authorization", (std::string ("Bearer ") + kToken).c_str ());
    soup_message_headers_replace (h, "Client-Id", kClientId);
    std::string body
        = "{\"type\":\"channel.chat.message\",\"version\":\"1\",\"condition\":"
          "{\"broadcaster_user_id\":\""
          + kChannel.id + "\",\"user_id\":\"" + kChannel.id
          + "\"},\"transport\":{\"method\":\"websocket\",\"session_id\":\""
          + st.session_id + "\"}}";
    GBytes *b = g_bytes_new (body.data (), body.size ());
    soup_message_set_request_body_from_bytes (sub, "application/json", b);
    g_bytes_unref (b);
    GBytes *answer
        = soup_session_send_and_read (session, sub, nullptr, nullptr);
    if (answer)
      g_bytes_unref (answer);
    if (soup_message_get_status (sub) != 202)
      r.note = "subscription refused";
    g_object_unref (sub);
    uint64_t last = 0;
    gint64 last_change = g_get_monotonic_time ();
    while (r.note.empty () && st.n < n) {
      g_main_context_iteration (ctx, TRUE);
      if (st.n != last) {
        last = st.n;
        last_change = g_get_monotonic_time ();
      } else if (g_get_monotonic_time () - last_change > 30 * G_USEC_PER_SEC) {
        r.note = "stalled";
      }
    }
    r.ran = st.n > 0;
    r.received = st.n;
    r.secs = (st.last - st.first) / 1e6;
    soup_websocket_connection_close (
        st.ws, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (soup_websocket_connection_get_state (st.ws)
               != SOUP_WEBSOCKET_STATE_CLOSED
           && g_get_monotonic_time () < deadline)
      g_main_context_iteration (ctx, TRUE);
  }
  if (st.ws)
    g_object_unref (st.ws);
  g_object_unref (session);
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);
  return r;
}

Result
eventsub_line (int port, uint64_t n)
{
  Result r;
  GstElementFactory *f = gst_element_factory_find ("twitchchatsrc");
  if (!f) {
    r.note = "no twitchchatsrc element";
    return r;
  }
  GstElement *probe = gst_element_factory_create (f, nullptr);
  gst_object_unref (f);
  bool has_transport = probe
                       && g_object_class_find_property (
                           G_OBJECT_GET_CLASS (probe), "transport");
  if (probe)
    gst_object_unref (probe);
  if (!has_transport) {
    r.note = "twitchchatsrc has no \"transport\" property yet";
    return r;
  }
  std::string base = "http://127.0.0.1:" + std::to_string (port);
  g_setenv ("TWITCH_EVENTSUB_URL",
      ("ws://127.0.0.1:" + std::to_string (port) + "/ws").c_str (), TRUE);
  g_setenv ("TWITCH_HELIX_URL", (base + "/helix").c_str (), TRUE);
  g_setenv ("TWITCH_AUTH_URL", (base + "/oauth2").c_str (), TRUE);
  g_setenv ("TWITCH_CLIENT_ID", kClientId, TRUE);
  g_setenv ("TWITCH_OAUTH_TOKEN", kToken, TRUE);
  std::string launch = "twitchchatsrc name=src channels=" + kChannel.login
                       + " login=" + kChannel.login
                       + " ! fakesink name=sink sync=false";
  GError *err = nullptr;
  GstElement *p = gst_parse_launch (launch.c_str (), &err);
  if (!p || err) {
    /* A missing element is a recoverable error: a pipeline without it. */
    r.note = err ? err->message : "no pipeline";
    g_clear_error (&err);
    if (p)
      gst_object_unref (p);
    return r;
  }
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  gst_util_set_object_arg (G_OBJECT (src), "transport", "eventsub");
  gst_object_unref (src);
  r = run_pipeline (p, n);
  gst_object_unref (p);
  return r;
}

/* @twurple/eventsub-ws, installed into a temporary folder. */
Result
twurple_line (int port, uint64_t n, std::string &name)
{
  Result r;
  name = "@twurple/eventsub-ws (node)";
  std::string node = twitch_test::find_program ("node");
  std::string npm = twitch_test::find_program ("npm");
  if (node.empty () || npm.empty ()) {
    r.note = "node/npm not installed";
    return r;
  }
  twitch_test::TempDir dir ("gst-twitch-twurple-eventsub");
  twitch_test::write_file (
      dir.file ("package.json"), "{\"private\":true,\"type\":\"module\"}\n");
  twitch_test::write_file (dir.file ("twurple_eventsub.mjs"),
      twitch_test::read_file (
          std::string (TWITCH_BENCH_SOURCE_DIR) + "/twurple_eventsub.mjs"));
  std::string install = npm
                        + " install --no-audit --no-fund --loglevel=error "
                          "--prefix "
                        + dir.path ()
                        + " @twurple/api@7 @twurple/auth@7 "
                          "@twurple/eventsub-ws@7";
  printf ("# installing @twurple/eventsub-ws into %s\n", dir.path ().c_str ());
  fflush (stdout);
  gchar *out = nullptr, *errs = nullptr;
  gint status = 0;
  bool ok = g_spawn_command_line_sync (
                install.c_str (), &out, &errs, &status, nullptr)
            && g_spawn_check_wait_status (status, nullptr);
  if (!ok)
    r.note = std::string ("npm install failed: ") + (errs ? errs : "");
  g_free (out);
  g_free (errs);
  if (!ok)
    return r;
  std::string pkg = twitch_test::read_file (
      dir.file ("node_modules/@twurple/eventsub-ws/package.json"));
  auto vpos = pkg.find ("\"version\"");
  if (vpos != std::string::npos) {
    auto q1 = pkg.find ('"', pkg.find (':', vpos));
    auto q2 = pkg.find ('"', q1 + 1);
    name = "@twurple/eventsub-ws " + pkg.substr (q1 + 1, q2 - q1 - 1)
           + " (node)";
  }
  GSubprocessLauncher *l = g_subprocess_launcher_new (
      (GSubprocessFlags)(G_SUBPROCESS_FLAGS_STDOUT_PIPE));
  g_subprocess_launcher_set_cwd (l, dir.path ().c_str ());
  g_subprocess_launcher_setenv (
      l, "HELIX_FAKE_PORT", std::to_string (port).c_str (), TRUE);
  g_subprocess_launcher_setenv (
      l, "BLAST_COUNT", std::to_string (n).c_str (), TRUE);
  g_subprocess_launcher_setenv (l, "TWITCH_CLIENT_ID", kClientId, TRUE);
  g_subprocess_launcher_setenv (l, "TWITCH_OAUTH_TOKEN", kToken, TRUE);
  GError *error = nullptr;
  GSubprocess *p = g_subprocess_launcher_spawn (l, &error, node.c_str (),
      "--dns-result-order=ipv4first", "twurple_eventsub.mjs", nullptr);
  g_object_unref (l);
  if (!p) {
    r.note = error->message;
    g_error_free (error);
    return r;
  }
  gchar *text = nullptr;
  g_subprocess_communicate_utf8 (p, nullptr, nullptr, &text, nullptr, nullptr);
  bool success = g_subprocess_get_successful (p);
  g_object_unref (p);
  std::string line = text ? text : "";
  g_free (text);
  unsigned long long got = 0;
  double rate = 0, cpu_ms = 0;
  if (!success
      || sscanf (line.c_str (),
             "messages=%llu secs=%lf rate=%lf cpu_ms=%lf rss_start_mib=%lf "
             "rss_max_mib=%lf rss_end_mib=%lf",
             &got, &r.secs, &rate, &cpu_ms, &r.rss_start, &r.rss_max,
             &r.rss_end)
             != 7) {
    r.note = "twurple run failed: " + line;
    return r;
  }
  r.ran = true;
  r.received = got;
  r.cpu = cpu_ms / 1000.0;
  return r;
}

} // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  uint64_t n = 200000;
  bool twurple = true;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--no-twurple")
      twurple = false;
    else
      n = g_ascii_strtoull (argv[i], nullptr, 10);
  }
  if (n == 0) {
    fprintf (stderr, "usage: chat-eventsub-bench [N] [--no-twurple]\n");
    return 2;
  }
  printf ("# chat over EventSub: %" G_GUINT64_FORMAT
          " channel.chat.message notifications into fakesink, and the same "
          "messages as PRIVMSG lines over IRC\n",
      n);
  int port = twitch_test::free_loopback_port ();
  twitch_test::TempDir logs ("gst-twitch-chat-eventsub");
  auto fake
      = start_fake (TWITCH_HELIX_FAKE, port, n, logs.file ("helix-fake.log"));
  if (!fake)
    return 77;

  double f0 = proc_cpu_s (fake->pid ());
  Result ceiling = ceiling_line (port, n);
  ceiling.fake_cpu = proc_cpu_s (fake->pid ()) - f0;
  print ("libsoup WebSocket client (frames counted)", n, ceiling);
  Result irc = irc_line (n);
  print ("twitchchatsrc (IRC) ! fakesink", n, irc);
  f0 = proc_cpu_s (fake->pid ());
  Result es = eventsub_line (port, n);
  if (es.ran)
    es.fake_cpu = proc_cpu_s (fake->pid ()) - f0;
  print ("twitchchatsrc transport=eventsub ! fakesink", n, es);
  std::string tw_name;
  Result tw;
  f0 = proc_cpu_s (fake->pid ());
  if (twurple)
    tw = twurple_line (port, n, tw_name);
  else
    tw.note = "--no-twurple";
  if (tw.ran)
    tw.fake_cpu = proc_cpu_s (fake->pid ()) - f0;
  print (tw_name.empty () ? "@twurple/eventsub-ws (node)" : tw_name.c_str (), n,
      tw);

  auto rate = [] (const Result &r) {
    return r.ran && r.secs > 0 ? r.received / r.secs : 0.0;
  };
  if (es.ran) {
    printf ("# targets (issue 12): ahead of twurple: %s (%.0f vs %.0f "
            "messages/s); within 2x of IRC: %s (%.2fx IRC's time)\n",
        !tw.ran                 ? "n/a"
        : rate (es) > rate (tw) ? "yes"
                                : "no",
        rate (es), rate (tw),
        rate (irc) > 0 && rate (es) * 2 >= rate (irc) ? "yes" : "no",
        rate (es) > 0 ? rate (irc) / rate (es) : 0.0);
  }
  fake->stop ();
  /* Every message delivered on the lines that ran (not a timing). */
  bool complete
      = (!irc.ran || irc.received == n) && (!es.ran || es.received == n);
  return complete ? 0 : 1;
}
