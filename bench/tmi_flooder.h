/* A minimal TMI server for the chat floods of bench/ (chat-e2e-bench,
 * chat-eventsub-bench): in C++ on a thread of its own (the Python fake of
 * tests/peers tops out near 170 000 lines/s, below what is measured).
 *
 * Answers CAP REQ, NICK and JOIN (with a ROOMSTATE), then, once `go` is
 * set, writes @n lines cycling through @lines; each copy of the block gets
 * unique ids by writing its number over the first 8 hex digits of every
 * `;id=` value. The socket stays open until the client leaves. */
#pragma once

#include <gio/gio.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

struct TmiFlooder {
  int port = 0;
  std::atomic<bool> joined{false};
  std::atomic<bool> go{false};
  /* Seconds the writes took (0 until done). */
  std::atomic<double> write_secs{0};

  explicit TmiFlooder (
      std::vector<std::string> lines, std::string room_id = "1")
      : lines_ (std::move (lines)), room_id_ (std::move (room_id))
  {
  }
  ~TmiFlooder ()
  {
    g_cancellable_cancel (cancel_);
    if (thread_.joinable ())
      thread_.join ();
    g_object_unref (cancel_);
    if (listener_) {
      g_socket_listener_close (listener_);
      g_object_unref (listener_);
    }
  }
  TmiFlooder (const TmiFlooder &) = delete;
  TmiFlooder &operator= (const TmiFlooder &) = delete;

  /* Listens on 127.0.0.1 (a free port) and waits for one client. */
  bool start (guint64 count)
  {
    if (lines_.empty ())
      return false;
    n_ = count;
    listener_ = g_socket_listener_new ();
    GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
    GSocketAddress *eff = nullptr;
    bool ok = g_socket_listener_add_address (listener_, addr,
        G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr, &eff, nullptr);
    g_object_unref (addr);
    g_object_unref (lo);
    if (!ok)
      return false;
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (eff));
    g_object_unref (eff);
    thread_ = std::thread ([this] { run (); });
    return true;
  }

 private:
  void run ()
  {
    GSocketConnection *c
        = g_socket_listener_accept (listener_, nullptr, cancel_, nullptr);
    if (!c)
      return;
    GDataInputStream *in = g_data_input_stream_new (
        g_io_stream_get_input_stream (G_IO_STREAM (c)));
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c));
    auto say = [this, out] (const std::string &l) {
      std::string x = l + "\r\n";
      g_output_stream_write_all (
          out, x.data (), x.size (), nullptr, cancel_, nullptr);
    };
    while (!joined) {
      gchar *line
          = g_data_input_stream_read_line (in, nullptr, cancel_, nullptr);
      if (!line)
        break;
      std::string l (line);
      g_free (line);
      if (l.rfind ("CAP REQ", 0) == 0)
        say (":tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands "
             "twitch.tv/membership");
      else if (l.rfind ("NICK ", 0) == 0)
        say (":tmi.twitch.tv 001 " + l.substr (5) + " :Welcome, GLHF!");
      else if (l.rfind ("JOIN #", 0) == 0) {
        say ("@emote-only=0;followers-only=-1;r9k=0;room-id=" + room_id_
             + ";slow=0;subs-only=0 :tmi.twitch.tv ROOMSTATE " + l.substr (5));
        joined = true;
      }
    }
    while (joined && !go && !g_cancellable_is_cancelled (cancel_))
      g_usleep (1000);
    std::string block;
    std::vector<size_t> id_at, line_end;
    for (const auto &l : lines_) {
      size_t p = l.find (";id=");
      id_at.push_back (
          p == std::string::npos ? std::string::npos : block.size () + p + 4);
      block += l + "\r\n";
      line_end.push_back (block.size ());
    }
    gint64 t0 = g_get_monotonic_time ();
    guint64 sent = 0;
    for (guint64 k = 0; joined && sent < n_; ++k) {
      char hex[9];
      snprintf (hex, sizeof hex, "%08x", static_cast<unsigned> (k));
      for (size_t at : id_at)
        if (at != std::string::npos)
          memcpy (&block[at], hex, 8);
      size_t count
          = static_cast<size_t> (std::min<guint64> (lines_.size (), n_ - sent));
      if (!g_output_stream_write_all (out, block.data (), line_end[count - 1],
              nullptr, cancel_, nullptr))
        break;
      sent += count;
    }
    write_secs = (g_get_monotonic_time () - t0) / 1e6;
    gchar *rest;
    while (
        (rest = g_data_input_stream_read_line (in, nullptr, cancel_, nullptr)))
      g_free (rest);
    g_object_unref (in);
    g_object_unref (c);
  }

  std::vector<std::string> lines_;
  std::string room_id_;
  guint64 n_ = 0;
  GSocketListener *listener_ = nullptr;
  GCancellable *cancel_ = g_cancellable_new ();
  std::thread thread_;
};
