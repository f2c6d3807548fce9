/* Test support: counts what a GStreamer debug category logs, so a test can
 * assert "one warning per outage". Header-only. */
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <string>
#include <vector>

namespace twitch_test
{

class LogCapture
{
 public:
  /* Captures @category at @threshold and above (the category's threshold is
   * raised to @threshold; other categories are untouched). */
  explicit LogCapture (
      const char *category, GstDebugLevel threshold = GST_LEVEL_INFO)
      : category_ (category)
  {
    if (!gst_is_initialized ())
      gst_init (nullptr, nullptr);
    gst_debug_set_threshold_for_name (category, threshold);
    gst_debug_add_log_function (&LogCapture::log, this, nullptr);
  }

  ~LogCapture () { gst_debug_remove_log_function_by_data (this); }

  LogCapture (const LogCapture &) = delete;
  LogCapture &operator= (const LogCapture &) = delete;

  /* Lines logged at exactly @level since construction or clear(). */
  std::vector<std::string> lines (GstDebugLevel level)
  {
    std::lock_guard<std::mutex> guard (lock_);
    std::vector<std::string> out;
    for (const auto &l : lines_)
      if (l.first == level)
        out.push_back (l.second);
    return out;
  }

  size_t count (GstDebugLevel level) { return lines (level).size (); }

  void clear ()
  {
    std::lock_guard<std::mutex> guard (lock_);
    lines_.clear ();
  }

 private:
  static void log (GstDebugCategory *category, GstDebugLevel level,
      const gchar *, const gchar *, gint, GObject *, GstDebugMessage *message,
      gpointer data)
  {
    auto *self = static_cast<LogCapture *> (data);
    if (g_strcmp0 (gst_debug_category_get_name (category), self->category_)
        != 0)
      return;
    const gchar *text = gst_debug_message_get (message);
    std::lock_guard<std::mutex> guard (self->lock_);
    self->lines_.emplace_back (level, text ? text : "");
  }

  const char *category_;
  std::mutex lock_;
  std::vector<std::pair<GstDebugLevel, std::string>> lines_;
};

} // namespace twitch_test
