/* libgsttwitch-1.0: the whole public API. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/cache/cache.h>
#include <gst/twitch/common/backoff.h>
#include <gst/twitch/common/json.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/ingest/ingest.h>
#include <gst/twitch/ingest/presets.h>
#include <gst/twitch/chat/irc.h>
#include <gst/twitch/chat/message.h>
#include <gst/twitch/chat/ratelimit.h>
#include <gst/twitch/chat/client.h>
#include <gst/twitch/chat/names.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/helix/models.h>
