/* Registration of every element of the twitch plugin (GStreamer's
 * GST_ELEMENT_REGISTER convention). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Elements declare themselves here as they are added:
 * GST_ELEMENT_REGISTER_DECLARE (twitchsink); */

/* Installs the stream-key/token redacting log function and marks the
 * plugin's enum types as plugin API (rtmp2's element-init pattern). */
void twitch_element_init (GstPlugin *plugin);

GST_ELEMENT_REGISTER_DECLARE (twitchapisrc);

G_END_DECLS
