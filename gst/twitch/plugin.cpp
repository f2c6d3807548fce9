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
  /* As upstream plugins do: each element registers on its own, and the
   * plugin fails to load only when none could. */
  ret |= GST_ELEMENT_REGISTER (twitchsink, plugin);
  ret |= GST_ELEMENT_REGISTER (twitchchatsrc, plugin);
  ret |= GST_ELEMENT_REGISTER (twitchchatsink, plugin);
  ret |= GST_ELEMENT_REGISTER (twitchapisrc, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, twitch,
    "Twitch streaming, chat and channel metadata", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
