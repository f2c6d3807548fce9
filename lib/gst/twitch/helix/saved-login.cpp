/* saved_login_*(): see saved-login.h. Read with the library's one JSON
 * reader (common/json.h: size and depth bounds), written with json-glib. */
#include "saved-login.h"

#include <gst/twitch/common/json-write.h>
#include <gst/twitch/common/json.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace twitch
{

namespace
{

constexpr size_t kMaxSavedLoginBytes = 65536;

std::string
saved_login_dir ()
{
  gchar *d = g_build_filename (g_get_user_config_dir (), "gst-twitch", nullptr);
  std::string out (d);
  g_free (d);
  return out;
}

} // namespace

std::string
saved_login_path ()
{
  return saved_login_dir () + G_DIR_SEPARATOR_S + "token.json";
}

std::optional<SavedLogin>
saved_login_read (GError **error)
{
  std::string path = saved_login_path ();
  /* Without following a link, only a regular file of this user. */
  int fd = open (path.c_str (), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT)
      return std::nullopt;
    int e = errno;
    g_set_error (
        error, G_IO_ERROR, g_io_error_from_errno (e), "%s", g_strerror (e));
    return std::nullopt;
  }
  struct stat st;
  std::string text;
  const char *why = nullptr;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    why = "not a regular file";
  else if (st.st_uid != geteuid ())
    why = "not owned by this user";
  else if ((st.st_mode & 0077) != 0)
    why = "readable by others: chmod 600 it";
  else if (static_cast<size_t> (st.st_size) >= kMaxSavedLoginBytes)
    why = "larger than a saved token";
  if (why == nullptr) {
    text.resize (static_cast<size_t> (st.st_size));
    if (read (fd, text.data (), text.size ())
        != static_cast<ssize_t> (text.size ()))
      why = "cannot be read";
  }
  close (fd);
  if (why != nullptr) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", why);
    return std::nullopt;
  }
  JsonLimits limits;
  limits.max_bytes = kMaxSavedLoginBytes;
  JsonReader reader (limits);
  JsonDomObject o;
  GError *e = nullptr;
  if (!reader.parse_object (text, o, &e)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "not the JSON object gst-twitch writes: %s", e->message);
    g_error_free (e);
    return std::nullopt;
  }
  SavedLogin s;
  s.client_id = json_string_or (o, "client_id");
  s.access_token = json_string_or (o, "access_token");
  s.refresh_token = json_string_or (o, "refresh_token");
  s.login = json_string_or (o, "login");
  s.user_id = json_string_or (o, "user_id");
  s.expires_at = json_int64_or (o, "expires_at", 0);
  s.scopes = json_strings (o, "scopes");
  return s;
}

bool
saved_login_write (const SavedLogin &c, GError **error)
{
  std::string dir = saved_login_dir ();
  if (g_mkdir_with_parents (dir.c_str (), 0700) != 0) {
    int e = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
        "cannot create %s: %s", dir.c_str (), g_strerror (e));
    return false;
  }
  /* An existing folder may have been made with a laxer umask. */
  g_chmod (dir.c_str (), 0700);

  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  for (auto kv : {std::make_pair ("client_id", &c.client_id),
           std::make_pair ("access_token", &c.access_token),
           std::make_pair ("refresh_token", &c.refresh_token),
           std::make_pair ("login", &c.login),
           std::make_pair ("user_id", &c.user_id)}) {
    json_builder_set_member_name (b, kv.first);
    json_builder_add_string_value (b, kv.second->c_str ());
  }
  json_builder_set_member_name (b, "expires_at");
  json_builder_add_int_value (b, c.expires_at);
  json_builder_set_member_name (b, "scopes");
  json_builder_begin_array (b);
  for (const auto &s : c.scopes)
    json_builder_add_string_value (b, s.c_str ());
  json_builder_end_array (b);
  json_builder_end_object (b);
  std::string text = json_text (b, true);
  g_object_unref (b);

  std::string path = saved_login_path ();
  gboolean ok = g_file_set_contents_full (path.c_str (), text.data (),
      static_cast<gssize> (text.size ()), G_FILE_SET_CONTENTS_CONSISTENT, 0600,
      error);
  if (ok)
    g_chmod (path.c_str (), 0600);
  return ok;
}

bool
saved_login_remove (GError **error)
{
  std::string path = saved_login_path ();
  if (g_unlink (path.c_str ()) == 0)
    return true;
  int e = errno;
  if (e != ENOENT)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
        "cannot remove %s: %s", path.c_str (), g_strerror (e));
  return false;
}

} // namespace twitch
