/* The C++ face of the secrets registry. The registry itself is one per
 * process and lives in libgsttwitch-1.0 (gsttwitchsecrets.cpp explains why);
 * these forward to its C API. */
#include "config.h"

#include <gst/twitch/common/secrets.h>
#include <gst/twitch/gsttwitchsecrets.h>

#include <string>

namespace twitch
{

static_assert (kRedacted == std::string_view (GST_TWITCH_REDACTED));

void
secrets_register (std::string_view secret)
{
  gst_twitch_secrets_register (std::string (secret).c_str ());
}

void
secrets_unregister (std::string_view secret)
{
  gst_twitch_secrets_unregister (std::string (secret).c_str ());
}

std::string
secrets_redact (std::string_view text, std::string_view extra)
{
  gchar *redacted = gst_twitch_secrets_redact (std::string (text).c_str ());
  std::string out (redacted);
  g_free (redacted);
  /* Same rule as the registry: shorter needles protect nothing. */
  if (extra.size () >= 4) {
    size_t pos = 0;
    while ((pos = out.find (extra, pos)) != std::string::npos) {
      out.replace (pos, extra.size (), kRedacted);
      pos += kRedacted.size ();
    }
  }
  return out;
}

void
secrets_install_log_filter ()
{
  gst_twitch_secrets_install_log_filter ();
}

size_t
secrets_count ()
{
  return gst_twitch_secrets_get_count ();
}

} // namespace twitch
