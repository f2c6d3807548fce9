/* gst-twitch helper library: export macro shared by every public header. */
#pragma once

#include <glib.h>

/* The library is built with -fvisibility=hidden and a version script
 * (libgsttwitch.map) that exports gst_twitch_* only; GST_TWITCH_API marks the
 * C declarations of the installed API. The C++ internals (helix/, chat/,
 * cache/, ingest/, common/) also carry the macro, but they are compiled into
 * a static convenience library without BUILDING_GST_TWITCH_API, where it
 * expands to nothing: they stay hidden in every binary that links them. */
#ifndef GST_TWITCH_API
#if defined(BUILDING_GST_TWITCH_API) && defined(__GNUC__)
#define GST_TWITCH_API __attribute__ ((visibility ("default")))
#else
#define GST_TWITCH_API
#endif
#endif
