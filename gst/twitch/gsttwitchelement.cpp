#include "config.h"

#include "gsttwitchelements.h"

#include <gst/twitch/common/secrets.h>

void
twitch_element_init (GstPlugin *plugin)
{
  static gsize done = 0;
  (void)plugin;
  if (g_once_init_enter (&done)) {
    /* Before any element holds a secret: rtmp2sink prints the stream name at
     * INFO, and the key is the stream name. */
    twitch::secrets_install_log_filter ();
    g_once_init_leave (&done, 1);
  }
}
