"""PyGObject overrides for GstTwitch (libgsttwitch-1.0).

- A Pager is a lazy iterator over its objects, fetching one page (up to 100
  objects) at a time, as itch's generators did:

      for follower in client.get_followers(user.get_id(), 250):
          print(follower.get_user_login())

  ``pager.pages()`` iterates page by page instead.
- Optional arguments may be left out: ``client.get_user("twitchdev")``,
  ``chat.send("channel", "text")``.
- Errors are GLib.Error; ``GstTwitch.ApiError`` / ``GstTwitch.ChatError``
  name the codes, and ``GstTwitch.is_api_error(err, GstTwitch.ApiError.NOT_FOUND)``
  tests one.
"""
from ..module import get_introspection_module
from ..overrides import override

GstTwitch = get_introspection_module("GstTwitch")

__all__ = []


class Pager(GstTwitch.Pager):
    def __iter__(self):
        for page in self.pages():
            yield from page

    def pages(self, cancellable=None):
        """Yields each page (a list of objects) until the end or the limit."""
        while True:
            page = GstTwitch.Pager.next_page(self, cancellable)
            if not page:
                return
            yield page

    def next_page(self, cancellable=None):
        return GstTwitch.Pager.next_page(self, cancellable)


Pager = override(Pager)
__all__.append("Pager")


class HelixClient(GstTwitch.HelixClient):
    def get_user(self, login, cancellable=None):
        return GstTwitch.HelixClient.get_user(self, login, cancellable)

    def get_users(self, logins=None, ids=None, cancellable=None):
        return GstTwitch.HelixClient.get_users(self, logins, ids, cancellable)

    def get_channel(self, broadcaster_id, cancellable=None):
        return GstTwitch.HelixClient.get_channel(self, broadcaster_id, cancellable)

    def get_stream(self, login, cancellable=None):
        return GstTwitch.HelixClient.get_stream(self, login, cancellable)

    def get_followers(self, broadcaster_id, limit=0):
        return GstTwitch.HelixClient.get_followers(self, broadcaster_id, limit)

    def get_followed(self, user_id, limit=0):
        return GstTwitch.HelixClient.get_followed(self, user_id, limit)

    def get_videos(self, user_id, type=None, limit=0):
        return GstTwitch.HelixClient.get_videos(self, user_id, type, limit)

    def get_clips(self, broadcaster_id, limit=0):
        return GstTwitch.HelixClient.get_clips(self, broadcaster_id, limit)

    def get_chatters(self, broadcaster_id, moderator_id=None, limit=0):
        return GstTwitch.HelixClient.get_chatters(self, broadcaster_id, moderator_id, limit)

    def get_top_games(self, limit=0):
        return GstTwitch.HelixClient.get_top_games(self, limit)


HelixClient = override(HelixClient)
__all__.append("HelixClient")


class ChatClient(GstTwitch.ChatClient):
    def send(self, channel, text, reply_parent_id=None):
        return GstTwitch.ChatClient.send(self, channel, text, reply_parent_id)


ChatClient = override(ChatClient)
__all__.append("ChatClient")


def is_api_error(error, code=None):
    """True when ``error`` is a GstTwitch.ApiError (of ``code`` when given)."""
    if getattr(error, "domain", None) != "gst-twitch-api-error-quark":
        return False
    return code is None or error.code == int(code)


def is_chat_error(error, code=None):
    """True when ``error`` is a GstTwitch.ChatError (of ``code`` when given)."""
    if getattr(error, "domain", None) != "gst-twitch-chat-error-quark":
        return False
    return code is None or error.code == int(code)


__all__ += ["is_api_error", "is_chat_error"]
