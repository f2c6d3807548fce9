#include "store.h"

#include "cli-error.h"

namespace cli
{

std::string
store_path ()
{
  return twitch::saved_login_path ();
}

std::optional<Credentials>
store_load ()
{
  GError *err = nullptr;
  auto saved = twitch::saved_login_read (&err);
  std::string path = store_path ();
  if (!saved) {
    if (err == nullptr)
      return std::nullopt;
    std::string why = err->message;
    g_error_free (err);
    fail (EXIT_OTHER,
        "cannot read the stored token %s (%s): run `gst-twitch logout` and "
        "`gst-twitch login`",
        path.c_str (), why.c_str ());
  }
  if (saved->access_token.empty () || saved->client_id.empty ())
    fail (EXIT_OTHER,
        "the stored token %s has no access_token or client_id: run "
        "`gst-twitch login`",
        path.c_str ());
  Credentials c;
  static_cast<twitch::SavedLogin &> (c) = std::move (*saved);
  return c;
}

void
store_save (const Credentials &c)
{
  GError *err = nullptr;
  if (!twitch::saved_login_write (c, &err)) {
    std::string why = err->message;
    g_error_free (err);
    fail (EXIT_OTHER, "cannot store the token: %s", why.c_str ());
  }
}

bool
store_remove ()
{
  GError *err = nullptr;
  if (twitch::saved_login_remove (&err))
    return true;
  if (err != nullptr) {
    std::string why = err->message;
    g_error_free (err);
    fail (EXIT_OTHER, "%s", why.c_str ());
  }
  return false;
}

} // namespace cli
