/* twitchsink's output stage: flvmux and the network sink in a private
 * pipeline that twitchsink owns, feeds and watches.
 *
 * The network sink carries the stream key (rtmp2sink's `stream` property),
 * so nothing reachable from the application's pipeline may lead to it: no
 * child, no pad link, no property. Inside twitchsink's bin sits only the
 * feed, an element whose sink pads take the queue's output; its chain
 * function pushes each buffer, on the same thread, out of a source element
 * inside the private pipeline (no copy, no thread hop). The private
 * pipeline's bus is watched here and never forwarded: its errors become
 * reconnects, and a reconnect is a fresh private pipeline. */
#pragma once

#include <gst/gst.h>

#include <gst/twitch/ingest/ingest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace twitchsink
{

/* What the network sink reports, for stall and acknowledgement detection. */
struct SinkStats {
  guint64 out_bytes = 0;   /* written to the socket */
  guint64 acked_bytes = 0; /* acknowledged by the peer (RTMP window acks) */
  guint window = 0;        /* the peer's acknowledgement window */
};

class Output
{
 public:
  struct Callbacks {
    /* An error of flvmux or the network sink (any thread). @debug is the
     * element's debug text, not redacted. */
    std::function<void (const GError *error, const char *debug)> error;
    /* The network sink took the EOS (any thread). */
    std::function<void (guint32 seqnum)> eos;
  };

  /* @owner: twitchsink, for logging and the missing-plugin message. */
  Output (GstElement *owner, Callbacks callbacks);
  ~Output ();
  Output (const Output &) = delete;
  Output &operator= (const Output &) = delete;

  /* The feed, to add to the owner's bin: sink pads "video_sink" and
   * "audio_sink". */
  GstElement *feed () const { return feed_; }

  /* The network sink (a reference is taken) and where it streams to, for
   * the next connect(). @target is set on sinks with rtmp2sink's
   * properties. */
  void configure (
      GstElement *sink, const std::optional<twitch::RtmpTarget> &target);
  /* Whether the sink has rtmp2sink's host/application/stream properties. */
  static bool is_rtmp_sink (GstElement *sink);

  /* Builds a fresh private pipeline (source, flvmux, the sink) for the
   * streams asked for and brings it to the owner's state. False (with an
   * element error posted on the owner) when flvmux is missing or the sink
   * cannot take FLV. Never blocks on the network: rtmp2sink connects on a
   * thread of its own. */
  bool connect (bool video, bool audio);
  /* Takes the private pipeline down (unblocks a push stuck in the sink). */
  void disconnect ();
  bool connected () const;

  /* Follows the owner's state: PLAYING with its clock and base time, so
   * running times match on both sides; PAUSED otherwise. */
  void set_playing (GstClock *clock, GstClockTime base_time);
  void set_paused ();

  /* Bytes that reached the network sink since the last configure(), and
   * when the last did (monotonic us). */
  guint64 bytes_sent () const { return bytes_.load (); }
  gint64 last_progress_us () const { return last_progress_us_.load (); }
  void reset_progress (gint64 now_us);
  /* rtmp2sink's stats; false for other sinks. */
  bool sink_stats (SinkStats *stats);

 private:
  static GstBusSyncReply bus_sync (GstBus *bus, GstMessage *msg, gpointer data);
  static GstPadProbeReturn sink_probe (
      GstPad *pad, GstPadProbeInfo *info, gpointer data);
  void configure_sink_locked ();

  GstElement *owner_;
  Callbacks callbacks_;
  GstElement *feed_ = nullptr; /* in the owner's bin */

  /* Lock order: the owner's state changes and worker thread call in here;
   * lock_ is never held while calling into GStreamer elements that may
   * block (state changes), nor while the callbacks run. */
  std::mutex apply_lock_; /* serialises connect/disconnect/state */
  mutable std::mutex lock_;
  GstElement *sink_ = nullptr; /* owned; never a child of the owner */
  gulong probe_ = 0;
  GstElement *pipeline_ = nullptr; /* the private pipeline, or nullptr */
  std::optional<twitch::RtmpTarget> target_;
  bool rtmp_ = false;
  GstClock *clock_ = nullptr;
  GstClockTime base_time_ = GST_CLOCK_TIME_NONE;
  bool playing_ = false;

  std::atomic<guint64> bytes_{0};
  std::atomic<gint64> last_progress_us_{0};
};

} // namespace twitchsink
