/* libgsttwitch-1.0: the whole public C API (issue 9). C only: the C++ classes
 * the library is built from are internal and not installed. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/gsttwitcherror.h>
#include <gst/twitch/gsttwitchchatenums.h>
#include <gst/twitch/gsttwitch-enum-types.h>
#include <gst/twitch/gsttwitchmodels.h>
#include <gst/twitch/gsttwitchpager.h>
#include <gst/twitch/gsttwitchhelixclient.h>
#include <gst/twitch/gsttwitchchatmessage.h>
#include <gst/twitch/gsttwitchchatclient.h>
#include <gst/twitch/gsttwitchingest.h>
#include <gst/twitch/gsttwitchsecrets.h>
