#include "config.h"

#include <gst/twitch/common/secrets.h>

#include <gst/gst.h>

#include <vector>
#include <glib/gstdio.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace twitch
{
namespace
{

struct SecretRegistry {
  std::mutex lock;
  /* value -> reference count */
  std::map<std::string, int, std::less<>> secrets;
  FILE *out = nullptr;
  bool memdump_note_printed = false;
};

SecretRegistry &
registry ()
{
  static SecretRegistry *r
      = new SecretRegistry (); /* never destroyed: logging may run at exit */
  return *r;
}

constexpr size_t kMinSecretLength = 4;

void
replace_all (std::string &text, std::string_view needle)
{
  if (needle.size () < kMinSecretLength)
    return;
  size_t pos = 0;
  while ((pos = text.find (needle, pos)) != std::string::npos) {
    text.replace (pos, needle.size (), kRedacted);
    pos += kRedacted.size ();
  }
}

/* Mirrors what gst_init() does with GST_DEBUG_FILE, since the FILE* it
 * opened is not retrievable once the default log function is removed. */
FILE *
open_log_output ()
{
  const char *name = g_getenv ("GST_DEBUG_FILE");
  if (name == nullptr || name[0] == '\0')
    return stderr;
  if (g_str_equal (name, "-"))
    return stdout;
  FILE *f = g_fopen (name, "a");
  return f ? f : stderr;
}

void
redacting_log_function (GstDebugCategory *category, GstDebugLevel level,
    const gchar *file, const gchar *function, gint line, GObject *object,
    GstDebugMessage *message, gpointer user_data)
{
  (void)user_data;
  SecretRegistry &r = registry ();
  /* Only a snapshot is taken under the lock: formatting the message
   * (GST_PTR_FORMAT) can itself log, which comes back in here. */
  std::unique_lock<std::mutex> guard (r.lock);
  FILE *out = r.out;

  if (r.secrets.empty ()) {
    guard.unlock ();
    gst_debug_log_default (
        category, level, file, function, line, object, message, out);
    return;
  }

  if (level == GST_LEVEL_MEMDUMP) {
    bool print_note = !r.memdump_note_printed;
    r.memdump_note_printed = true;
    guard.unlock ();
    if (print_note)
      fputs ("gst-twitch: memory dumps are withheld from the debug log while a "
             "stream key or token is in use\n",
          out);
    return;
  }

  std::vector<std::string> secrets;
  secrets.reserve (r.secrets.size ());
  for (const auto &entry : r.secrets)
    secrets.emplace_back (entry.first);
  guard.unlock ();

  const gchar *text = gst_debug_message_get (message);
  bool has_secret = false;
  if (text != nullptr) {
    std::string_view view (text);
    for (const auto &secret : secrets) {
      if (view.find (secret) != std::string_view::npos) {
        has_secret = true;
        break;
      }
    }
  }

  if (!has_secret) {
    gst_debug_log_default (
        category, level, file, function, line, object, message, out);
    return;
  }

  gchar *formatted = gst_debug_log_get_line (
      category, level, file, function, line, object, message);
  std::string redacted (formatted);
  g_free (formatted);
  for (const auto &secret : secrets)
    replace_all (redacted, secret);
  fputs (redacted.c_str (), out);
  fflush (out);
}

} // namespace

void
secrets_install_log_filter ()
{
  /* Not under the registry lock: GStreamer logs while it adds and removes
   * log functions, and that log line comes back into our function. */
  static gsize done = 0;
  if (!g_once_init_enter (&done))
    return;
  FILE *out = open_log_output ();
  {
    SecretRegistry &r = registry ();
    std::lock_guard<std::mutex> guard (r.lock);
    r.out = out;
  }
  /* Only take over when GStreamer's default logger is active: an application
   * that installed its own log function has made its own choice. */
  guint removed = gst_debug_remove_log_function (gst_debug_log_default);
  if (removed > 0)
    gst_debug_add_log_function (redacting_log_function, nullptr, nullptr);
  g_once_init_leave (&done, 1);
}

void
secrets_register (std::string_view secret)
{
  if (secret.size () < kMinSecretLength)
    return;
  secrets_install_log_filter ();
  SecretRegistry &r = registry ();
  std::lock_guard<std::mutex> guard (r.lock);
  auto it = r.secrets.find (secret);
  if (it == r.secrets.end ())
    r.secrets.emplace (std::string (secret), 1);
  else
    it->second++;
}

void
secrets_unregister (std::string_view secret)
{
  if (secret.size () < kMinSecretLength)
    return;
  SecretRegistry &r = registry ();
  std::lock_guard<std::mutex> guard (r.lock);
  auto it = r.secrets.find (secret);
  if (it != r.secrets.end () && --it->second <= 0)
    r.secrets.erase (it);
}

std::string
secrets_redact (std::string_view text, std::string_view extra)
{
  std::string out (text);
  {
    SecretRegistry &r = registry ();
    std::lock_guard<std::mutex> guard (r.lock);
    for (const auto &entry : r.secrets)
      replace_all (out, entry.first);
  }
  if (!extra.empty ())
    replace_all (out, extra);
  return out;
}

size_t
secrets_count ()
{
  SecretRegistry &r = registry ();
  std::lock_guard<std::mutex> guard (r.lock);
  return r.secrets.size ();
}

} // namespace twitch
