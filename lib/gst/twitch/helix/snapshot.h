/* A channel as twitchapisrc and `gst-twitch channel` show it, in one call:
 * the user, its live stream if any, its channel information and its
 * follower total. */
#pragma once

#include <gst/twitch/helix/helix.h>

#include <optional>
#include <string>

namespace twitch
{

/* What channel_snapshot() fetches besides the user. */
enum GST_TWITCH_API ChannelSnapshotFlags : unsigned {
  /* GET /streams, then GET /channels only when the channel is offline (the
   * live stream carries the title, category and language): twitchapisrc's
   * poll, two requests plus the follower total. */
  CHANNEL_SNAPSHOT_LIVE = 0,
  /* GET /channels and no stream: the channel's information as its owner
   * set it (gst-twitch channel). */
  CHANNEL_SNAPSHOT_INFO = 1u << 0,
  /* A token that may not count the followers (UNAUTHORIZED, MISSING_SCOPE)
   * leaves followers unset instead of failing the snapshot. */
  CHANNEL_SNAPSHOT_FOLLOWERS_OPTIONAL = 1u << 1,
};

struct GST_TWITCH_API ChannelSnapshot {
  User user;
  std::optional<Stream> stream;   /* the live stream; nullopt offline */
  std::optional<Channel> channel; /* nullopt when not fetched or none */
  std::optional<int64_t> followers;

  bool live () const
  {
    return stream && (stream->type == "live" || stream->type.empty ());
  }
  /* The live stream's, else the channel's (empty when neither). */
  std::string title () const;
  std::string category () const;
  std::string category_id () const;
  std::string language () const;
};

/* The snapshot of @user's channel (a user looked up once, e.g. by
 * Helix::user_by_login, and kept between polls). Fails with the first
 * request that fails. */
GST_TWITCH_API std::optional<ChannelSnapshot> channel_snapshot (Helix &helix,
    const User &user, unsigned flags, GCancellable *cancellable,
    GError **error);

} // namespace twitch
