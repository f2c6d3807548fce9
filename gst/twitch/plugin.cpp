/**
 * SECTION:plugin-twitch
 * @title: twitch
 * @short_description: Twitch as a source and sink in any pipeline
 *
 * Streams to Twitch ingests, brings Twitch chat and channel metadata into a
 * pipeline, and sends chat from one.
 *
 * Since: 1.0
 */
#include "config.h"

#include "gsttwitchelements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  twitch_element_init (plugin);
  /* ret |= GST_ELEMENT_REGISTER (twitchsink, plugin); one line per element */
  ret = TRUE;

  ret |= GST_ELEMENT_REGISTER (twitchapisrc, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, twitch,
    "Twitch streaming, chat and channel metadata", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
