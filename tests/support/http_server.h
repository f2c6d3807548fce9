/* A small HTTP server for tests (libsoup 3) on 127.0.0.1 at a port the
 * kernel picks (no race with other tests), answering from a thread of its
 * own so a pipeline in the test's thread can call it. Header-only: the
 * programs that use it link libsoup (soup_dep). */
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <string>
#include <thread>

namespace twitch_test
{

class HttpServer
{
 public:
  /* Runs on the server's thread. */
  using Handler = std::function<void (SoupServerMessage *)>;

  HttpServer () = default;
  HttpServer (const HttpServer &) = delete;
  HttpServer &operator= (const HttpServer &) = delete;
  ~HttpServer ()
  {
    if (loop_) {
      g_main_loop_quit (loop_);
      thread_.join ();
      g_main_loop_unref (loop_);
    }
    g_clear_object (&server_);
    if (context_)
      g_main_context_unref (context_);
  }

  /* Before start(): @handler answers @path (and below it). */
  void handle (const std::string &path, Handler handler)
  {
    handlers_[path] = std::move (handler);
  }

  /* Listens and starts serving; false when it cannot listen. */
  bool start ()
  {
    context_ = g_main_context_new ();
    g_main_context_push_thread_default (context_);
    server_ = soup_server_new (nullptr, nullptr);
    for (auto &h : handlers_)
      soup_server_add_handler (
          server_, h.first.c_str (),
          [] (SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
              gpointer data) { (*static_cast<Handler *> (data)) (msg); },
          &h.second, nullptr);
    GError *err = nullptr;
    bool ok = soup_server_listen_local (
        server_, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &err);
    g_main_context_pop_thread_default (context_);
    g_clear_error (&err);
    if (!ok)
      return false;
    GSList *uris = soup_server_get_uris (server_);
    port_ = g_uri_get_port (static_cast<GUri *> (uris->data));
    g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
    loop_ = g_main_loop_new (context_, FALSE);
    thread_ = std::thread ([this] {
      g_main_context_push_thread_default (context_);
      g_main_loop_run (loop_);
      g_main_context_pop_thread_default (context_);
    });
    return true;
  }

  int port () const { return port_; }
  /* http://127.0.0.1:PORT@path */
  std::string url (const char *path) const
  {
    return "http://127.0.0.1:" + std::to_string (port_) + path;
  }

 private:
  std::map<std::string, Handler> handlers_;
  SoupServer *server_ = nullptr;
  GMainContext *context_ = nullptr;
  GMainLoop *loop_ = nullptr;
  std::thread thread_;
  int port_ = 0;
};

} // namespace twitch_test
