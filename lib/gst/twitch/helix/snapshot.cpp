/* channel_snapshot(): see snapshot.h. */
#include "snapshot.h"

namespace twitch
{

std::string
ChannelSnapshot::title () const
{
  return stream ? stream->title : channel ? channel->title : std::string ();
}

std::string
ChannelSnapshot::category () const
{
  return stream ? stream->game_name : channel ? channel->game_name : "";
}

std::string
ChannelSnapshot::category_id () const
{
  return stream ? stream->game_id : channel ? channel->game_id : "";
}

std::string
ChannelSnapshot::language () const
{
  return stream    ? stream->language
         : channel ? channel->broadcaster_language
                   : "";
}

std::optional<ChannelSnapshot>
channel_snapshot (Helix &helix, const User &user, unsigned flags,
    GCancellable *cancellable, GError **error)
{
  ChannelSnapshot s;
  s.user = user;
  if (!(flags & CHANNEL_SNAPSHOT_INFO)) {
    auto streams = helix.streams ({user.id}, {}, cancellable, error);
    if (!streams)
      return std::nullopt;
    if (!streams->empty ())
      s.stream = std::move (streams->front ());
  }
  if (!s.stream) {
    auto ch = helix.channels ({user.id}, cancellable, error);
    if (!ch)
      return std::nullopt;
    if (!ch->empty ())
      s.channel = std::move (ch->front ());
  }
  GError *e = nullptr;
  s.followers = helix.followers_total (user.id, cancellable, &e);
  if (!s.followers) {
    bool may_not_count = e->domain == TWITCH_API_ERROR
                         && (e->code == API_ERROR_UNAUTHORIZED
                             || e->code == API_ERROR_MISSING_SCOPE);
    if (!(may_not_count && (flags & CHANNEL_SNAPSHOT_FOLLOWERS_OPTIONAL))) {
      g_propagate_error (error, e);
      return std::nullopt;
    }
    g_error_free (e);
  }
  return s;
}

} // namespace twitch
