/* The secrets registry and the redacting log function: the one copy in the
 * process.
 *
 * Why here: the C++ internals are a static convenience library linked into
 * libgsttwitch-1.0, the plugin, the tools and the tests. A registry in that
 * static library would exist once per binary (the plugin's copy and the
 * shared library's copy would each hold their own secrets, and only the first
 * could take over GStreamer's default log function, so secrets registered in
 * the other copy would reach the log). So the state lives only in the shared
 * library, behind its exported C API, and the C++ twitch::secrets_*()
 * functions (common/secrets.cpp, in the static library) forward to it: every
 * binary that links the internals also links libgsttwitch-1.0. */
#include "config.h"

#include <gst/twitch/gsttwitchsecrets.h>
#include <gst/twitch/common/environment.h>
#include <gst/twitch/common/secrets.h>

#include <gst/gst.h>

#include <glib/gstdio.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace
{
using twitch::kRedacted;

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
  std::optional<std::string> name = twitch::env::debug_file ();
  if (!name)
    return stderr;
  if (*name == "-")
    return stdout;
  FILE *f = g_fopen (name->c_str (), "a");
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

/**
 * gst_twitch_secrets_install_log_filter:
 *
 * Replaces GStreamer's default log function with one that redacts every
 * registered secret before writing to stderr or `GST_DEBUG_FILE`. While any
 * secret is registered, memory dumps (level 9) are withheld. Idempotent and
 * thread-safe; does nothing before gst_init() (each
 * gst_twitch_secrets_register() tries again). An application that installed
 * its own log function keeps it.
 *
 * Since: 1.0
 */
void
gst_twitch_secrets_install_log_filter (void)
{
  /* Not under the registry lock: GStreamer logs while it adds and removes
   * log functions, and that log line comes back into our function. */
  static gsize done = 0;
  /* Before gst_init() there is no default log function to replace yet: try
   * again on the next call instead of settling for nothing. */
  if (!gst_is_initialized ())
    return;
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

/**
 * gst_twitch_secrets_register:
 * @secret: a stream key, token or client secret
 *
 * Registers @secret so that every GStreamer debug line containing it is
 * rewritten with %GST_TWITCH_REDACTED, at any `GST_DEBUG` level, and so that
 * gst_twitch_secrets_redact() removes it. Reference-counted: two users of the
 * same key each register and unregister it once. Installs the redacting log
 * function on first use. Secrets shorter than 4 bytes are ignored: redacting
 * them would mangle unrelated text and they protect nothing.
 *
 * Since: 1.0
 */
void
gst_twitch_secrets_register (const gchar *secret)
{
  if (secret == nullptr || strlen (secret) < kMinSecretLength)
    return;
  gst_twitch_secrets_install_log_filter ();
  SecretRegistry &r = registry ();
  std::lock_guard<std::mutex> guard (r.lock);
  auto it = r.secrets.find (std::string_view (secret));
  if (it == r.secrets.end ())
    r.secrets.emplace (std::string (secret), 1);
  else
    it->second++;
}

/**
 * gst_twitch_secrets_unregister:
 * @secret: a secret given to gst_twitch_secrets_register() before
 *
 * Drops one registration of @secret; once none is left it is no longer
 * redacted.
 *
 * Since: 1.0
 */
void
gst_twitch_secrets_unregister (const gchar *secret)
{
  if (secret == nullptr || strlen (secret) < kMinSecretLength)
    return;
  SecretRegistry &r = registry ();
  std::lock_guard<std::mutex> guard (r.lock);
  auto it = r.secrets.find (std::string_view (secret));
  if (it != r.secrets.end () && --it->second <= 0)
    r.secrets.erase (it);
}

/**
 * gst_twitch_secrets_redact:
 * @text: any text about to leave the program (an error message, a URL)
 *
 * Returns: (transfer full): @text with every registered secret replaced by
 *   %GST_TWITCH_REDACTED.
 *
 * Since: 1.0
 */
gchar *
gst_twitch_secrets_redact (const gchar *text)
{
  g_return_val_if_fail (text != nullptr, nullptr);
  std::string out (text);
  SecretRegistry &r = registry ();
  std::lock_guard<std::mutex> guard (r.lock);
  for (const auto &entry : r.secrets)
    replace_all (out, entry.first);
  return g_strdup (out.c_str ());
}

/**
 * gst_twitch_secrets_get_count:
 *
 * Returns: the number of distinct secrets registered now.
 *
 * Since: 1.0
 */
guint
gst_twitch_secrets_get_count (void)
{
  SecretRegistry &r = registry ();
  std::lock_guard<std::mutex> guard (r.lock);
  return (guint)r.secrets.size ();
}
