#include "require.h"

#include <glib.h>

#include <cstdio>
#include <cstdlib>

namespace twitch_test
{

bool
peers_required ()
{
  const char *ci = g_getenv ("CI");
  if (ci == nullptr || *ci == '\0')
    return false;
  return g_ascii_strcasecmp (ci, "0") != 0
         && g_ascii_strcasecmp (ci, "false") != 0
         && g_ascii_strcasecmp (ci, "no") != 0;
}

std::string
missing_peer_message (const std::string &what)
{
  if (peers_required ())
    return what
           + " -- CI=true: every peer the test script installs is "
             "required (scripts/install-deps.sh)";
  return "skipped, missing: " + what + " (with CI=true this fails)";
}

void
require_peer_or_exit (const std::string &missing)
{
  if (missing.empty ())
    return;
  fprintf (stderr, "%s\n", missing_peer_message (missing).c_str ());
  exit (peers_required () ? 1 : 77);
}

} // namespace twitch_test
