/* twitchapisrc: a live source of Twitch channel metadata polled from Helix. */
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_TWITCH_API_SRC (gst_twitch_api_src_get_type ())
G_DECLARE_FINAL_TYPE (
    GstTwitchApiSrc, gst_twitch_api_src, GST, TWITCH_API_SRC, GstPushSrc)

G_END_DECLS
