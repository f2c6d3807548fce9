/* Identifier validation (see names.h). */
#include "config.h"

#include <gst/twitch/chat/names.h>

#include <algorithm>

namespace twitch
{

/* The offending value, quoted for an error message: control characters
 * escaped (a CR LF must not split the message), cut to 40 bytes. */
static std::string
shown (std::string_view v)
{
  std::string cut (v.substr (0, 40));
  gchar *esc = g_strescape (cut.c_str (), nullptr);
  std::string out = std::string ("'") + esc + (v.size () > 40 ? "...'" : "'");
  g_free (esc);
  return out;
}

bool
twitch_name_normalize (std::string_view in, bool allow_hash, const char *what,
    std::string *out, GError **error)
{
  std::string_view v = in;
  if (allow_hash && !v.empty () && v[0] == '#')
    v.remove_prefix (1);
  const char *problem = nullptr;
  if (v.empty ())
    problem = "is empty";
  else if (v.size () > kTwitchNameMaxLength)
    problem = "is longer than 25 characters";
  std::string name;
  name.reserve (v.size ());
  for (char c : v) {
    if (problem)
      break;
    char l = g_ascii_tolower (c);
    if (!(g_ascii_isdigit (l) || (l >= 'a' && l <= 'z') || l == '_'))
      problem = "may only contain letters, digits and '_'";
    name.push_back (l);
  }
  if (problem) {
    std::string s = shown (in);
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
        "Invalid %s %s: a Twitch name %s (1 to 25 letters, digits or '_')",
        what, s.c_str (), problem);
    return false;
  }
  if (out)
    *out = std::move (name);
  return true;
}

bool
twitch_channel_list_parse (std::string_view list, const char *what,
    std::vector<std::string> *out, GError **error)
{
  std::vector<std::string> names;
  size_t pos = 0;
  while (pos <= list.size ()) {
    size_t end = list.find_first_of (", ", pos);
    if (end == std::string_view::npos)
      end = list.size ();
    std::string_view item = list.substr (pos, end - pos);
    pos = end + 1;
    if (item.empty ())
      continue;
    std::string name;
    if (!twitch_name_normalize (item, true, what, &name, error))
      return false;
    if (std::find (names.begin (), names.end (), name) == names.end ())
      names.push_back (std::move (name));
  }
  if (out)
    *out = std::move (names);
  return true;
}

bool
twitch_token_validate (std::string_view token, const char *what, GError **error)
{
  std::string_view t = token;
  if (t.rfind ("oauth:", 0) == 0)
    t.remove_prefix (6);
  const char *problem = nullptr;
  if (t.empty ())
    problem = "is empty";
  else if (t.size () > kTwitchTokenMaxLength)
    problem = "is longer than 512 characters";
  else
    for (char c : t)
      if (c <= ' ' || c >= 0x7f) {
        problem = "contains whitespace, a control or a non-ASCII character";
        break;
      }
  if (problem) {
    /* Never the token itself: it is a secret. */
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
        "Invalid %s: the token %s (copy it again without spaces or line "
        "breaks)",
        what, problem);
    return false;
  }
  return true;
}

bool
twitch_message_id_validate (
    std::string_view id, const char *what, GError **error)
{
  bool ok = !id.empty () && id.size () <= kTwitchMessageIdMaxLength;
  for (char c : id)
    if (!(g_ascii_isalnum (c) || c == '-' || c == '_'))
      ok = false;
  if (!ok) {
    std::string s = shown (id);
    g_set_error (error, TWITCH_CHAT_ERROR, TWITCH_CHAT_ERROR_SETTINGS,
        "Invalid %s %s: a message id has 1 to 128 letters, digits, '-' or "
        "'_'",
        what, s.c_str ());
    return false;
  }
  return true;
}

} // namespace twitch
