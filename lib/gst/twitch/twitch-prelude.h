/* gst-twitch helper library: export macro shared by every public header. */
#pragma once

#include <glib.h>

/* The library is built with -fvisibility=hidden; only declarations marked
 * GST_TWITCH_API are part of the installed ABI. */
#define GST_TWITCH_API __attribute__ ((visibility ("default")))
