/* Internal to the chat concern of libgsttwitch-1.0. */
#pragma once

#include <gst/gst.h>

namespace twitch
{
/* The "twitchchat" debug category (created on first use). */
GstDebugCategory *chat_debug_category ();
} // namespace twitch

#define GST_CAT_DEFAULT (twitch::chat_debug_category ())
