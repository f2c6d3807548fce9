#include "store.h"

#include "cli-error.h"

#include <gst/twitch/common/json.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <cerrno>
#include <sys/stat.h>

namespace cli
{

std::string
store_dir ()
{
  gchar *d = g_build_filename (g_get_user_config_dir (), "gst-twitch", nullptr);
  std::string r (d);
  g_free (d);
  return r;
}

std::string
store_path ()
{
  return store_dir () + G_DIR_SEPARATOR_S + "token.json";
}

std::optional<Credentials>
store_load ()
{
  std::string path = store_path ();
  if (!g_file_test (path.c_str (), G_FILE_TEST_EXISTS))
    return std::nullopt;
  GError *err = nullptr;
  gchar *text = nullptr;
  gsize len = 0;
  JsonParser *p = nullptr;
  /* Bounded like every JSON read (the file is small; a larger one is not
   * ours). */
  twitch::JsonLimits limits;
  limits.max_bytes = 65536;
  if (g_file_get_contents (path.c_str (), &text, &len, &err))
    p = twitch::json_parse_bounded (
        std::string_view (text, len), limits, true, &err);
  g_free (text);
  if (p == nullptr) {
    std::string why = err ? err->message : "not a JSON object";
    g_clear_error (&err);
    fail (EXIT_OTHER,
        "cannot read the stored token %s (%s): run `gst-twitch logout` and "
        "`gst-twitch login`",
        path.c_str (), why.c_str ());
  }
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  Credentials c;
  c.client_id = json_str (o, "client_id");
  c.access_token = json_str (o, "access_token");
  c.refresh_token = json_str (o, "refresh_token");
  c.login = json_str (o, "login");
  c.user_id = json_str (o, "user_id");
  c.expires_at = json_int (o, "expires_at", 0);
  if (JsonArray *a = json_array (o, "scopes"))
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonNode *n = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_VALUE (n)
          && json_node_get_value_type (n) == G_TYPE_STRING)
        c.scopes.emplace_back (json_node_get_string (n));
    }
  g_object_unref (p);
  if (c.access_token.empty () || c.client_id.empty ())
    fail (EXIT_OTHER,
        "the stored token %s has no access_token or client_id: run "
        "`gst-twitch login`",
        path.c_str ());
  return c;
}

void
store_save (const Credentials &c)
{
  std::string dir = store_dir ();
  if (g_mkdir_with_parents (dir.c_str (), 0700) != 0)
    fail (EXIT_OTHER, "cannot create %s: %s", dir.c_str (), g_strerror (errno));
  /* An existing folder may have been made with a laxer umask. */
  g_chmod (dir.c_str (), 0700);

  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "client_id");
  json_builder_add_string_value (b, c.client_id.c_str ());
  json_builder_set_member_name (b, "access_token");
  json_builder_add_string_value (b, c.access_token.c_str ());
  json_builder_set_member_name (b, "refresh_token");
  json_builder_add_string_value (b, c.refresh_token.c_str ());
  json_builder_set_member_name (b, "login");
  json_builder_add_string_value (b, c.login.c_str ());
  json_builder_set_member_name (b, "user_id");
  json_builder_add_string_value (b, c.user_id.c_str ());
  json_builder_set_member_name (b, "expires_at");
  json_builder_add_int_value (b, c.expires_at);
  json_builder_set_member_name (b, "scopes");
  json_builder_begin_array (b);
  for (const auto &s : c.scopes)
    json_builder_add_string_value (b, s.c_str ());
  json_builder_end_array (b);
  json_builder_end_object (b);
  JsonGenerator *g = json_generator_new ();
  JsonNode *root = json_builder_get_root (b);
  json_generator_set_root (g, root);
  json_generator_set_pretty (g, TRUE);
  gsize len = 0;
  gchar *text = json_generator_to_data (g, &len);
  json_node_unref (root);
  g_object_unref (g);
  g_object_unref (b);

  std::string path = store_path ();
  GError *err = nullptr;
  /* Written to a temporary file created 0600, then renamed over. */
  gboolean ok = g_file_set_contents_full (path.c_str (), text,
      static_cast<gssize> (len), G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err);
  g_free (text);
  if (!ok) {
    std::string why = err->message;
    g_error_free (err);
    fail (EXIT_OTHER, "cannot store the token: %s", why.c_str ());
  }
  g_chmod (path.c_str (), 0600);
}

bool
store_remove ()
{
  std::string path = store_path ();
  if (g_unlink (path.c_str ()) == 0)
    return true;
  if (errno != ENOENT)
    fail (
        EXIT_OTHER, "cannot remove %s: %s", path.c_str (), g_strerror (errno));
  return false;
}

} // namespace cli
