#include "config.h"

#include <gst/twitch/gsttwitch-private.h>
#include <gst/twitch/chat/irc.h>

static_assert (
    (int)GST_TWITCH_CHAT_KIND_PRIVMSG == (int)twitch::ChatKind::PRIVMSG);
static_assert (
    (int)GST_TWITCH_CHAT_KIND_USERNOTICE == (int)twitch::ChatKind::USERNOTICE);
static_assert (
    (int)GST_TWITCH_CHAT_KIND_NOTICE == (int)twitch::ChatKind::NOTICE);
static_assert (
    (int)GST_TWITCH_CHAT_KIND_NUMERIC == (int)twitch::ChatKind::NUMERIC);

/**
 * gst_twitch_chat_emote_copy:
 * @emote: a #GstTwitchChatEmote
 *
 * Returns: (transfer full): a copy of @emote.
 *
 * Since: 1.0
 */
GstTwitchChatEmote *
gst_twitch_chat_emote_copy (const GstTwitchChatEmote *emote)
{
  g_return_val_if_fail (emote != nullptr, nullptr);
  GstTwitchChatEmote *copy = g_new0 (GstTwitchChatEmote, 1);
  copy->id = g_strdup (emote->id);
  copy->start = emote->start;
  copy->end = emote->end;
  return copy;
}

/**
 * gst_twitch_chat_emote_free:
 * @emote: (transfer full): a #GstTwitchChatEmote
 *
 * Frees @emote.
 *
 * Since: 1.0
 */
void
gst_twitch_chat_emote_free (GstTwitchChatEmote *emote)
{
  if (emote == nullptr)
    return;
  g_free (emote->id);
  g_free (emote);
}

G_DEFINE_BOXED_TYPE (GstTwitchChatEmote, gst_twitch_chat_emote,
    gst_twitch_chat_emote_copy, gst_twitch_chat_emote_free)

/**
 * gst_twitch_chat_badge_copy:
 * @badge: a #GstTwitchChatBadge
 *
 * Returns: (transfer full): a copy of @badge.
 *
 * Since: 1.0
 */
GstTwitchChatBadge *
gst_twitch_chat_badge_copy (const GstTwitchChatBadge *badge)
{
  g_return_val_if_fail (badge != nullptr, nullptr);
  GstTwitchChatBadge *copy = g_new0 (GstTwitchChatBadge, 1);
  copy->name = g_strdup (badge->name);
  copy->version = g_strdup (badge->version);
  return copy;
}

/**
 * gst_twitch_chat_badge_free:
 * @badge: (transfer full): a #GstTwitchChatBadge
 *
 * Frees @badge.
 *
 * Since: 1.0
 */
void
gst_twitch_chat_badge_free (GstTwitchChatBadge *badge)
{
  if (badge == nullptr)
    return;
  g_free (badge->name);
  g_free (badge->version);
  g_free (badge);
}

G_DEFINE_BOXED_TYPE (GstTwitchChatBadge, gst_twitch_chat_badge,
    gst_twitch_chat_badge_copy, gst_twitch_chat_badge_free)

/**
 * gst_twitch_chat_message_get_emotes:
 * @self: a #GstTwitchChatMessage
 *
 * The emotes in the text, in order, with their ranges in Unicode code points
 * as Twitch gives them (the `emotes` tag). Ranges outside the text are left
 * out.
 *
 * Returns: (transfer container) (element-type GstTwitchChatEmote): the emotes.
 *
 * Since: 1.0
 */
GPtrArray *
gst_twitch_chat_message_get_emotes (GstTwitchChatMessage *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_MESSAGE (self), nullptr);
  const twitch::ChatMessage &m = gst_twitch_chat_message_get_internal (self);
  GPtrArray *out = g_ptr_array_new_full (
      m.emotes.size (), (GDestroyNotify)gst_twitch_chat_emote_free);
  for (const auto &e : m.emotes) {
    GstTwitchChatEmote *emote = g_new0 (GstTwitchChatEmote, 1);
    emote->id = g_strdup (e.id.c_str ());
    emote->start = e.start;
    emote->end = e.end;
    g_ptr_array_add (out, emote);
  }
  return out;
}

/**
 * gst_twitch_chat_message_get_badges:
 * @self: a #GstTwitchChatMessage
 *
 * Returns: (transfer container) (element-type GstTwitchChatBadge): the sender's
 *   badges (the `badges` tag), in Twitch's order.
 *
 * Since: 1.0
 */
GPtrArray *
gst_twitch_chat_message_get_badges (GstTwitchChatMessage *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_MESSAGE (self), nullptr);
  const twitch::ChatMessage &m = gst_twitch_chat_message_get_internal (self);
  GPtrArray *out = g_ptr_array_new_full (
      m.badges.size (), (GDestroyNotify)gst_twitch_chat_badge_free);
  for (const auto &b : m.badges) {
    GstTwitchChatBadge *badge = g_new0 (GstTwitchChatBadge, 1);
    badge->name = g_strdup (b.name.c_str ());
    badge->version = g_strdup (b.version.c_str ());
    g_ptr_array_add (out, badge);
  }
  return out;
}

/**
 * gst_twitch_chat_message_get_tag:
 * @self: a #GstTwitchChatMessage
 * @name: a tag name ("badge-info", "msg-param-months", "client-nonce", ...)
 *
 * Returns: (transfer none) (nullable): the unescaped value of the tag, or
 *   %NULL when the message has no such tag.
 *
 * Since: 1.0
 */
const gchar *
gst_twitch_chat_message_get_tag (GstTwitchChatMessage *self, const gchar *name)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_MESSAGE (self), nullptr);
  g_return_val_if_fail (name != nullptr, nullptr);
  const twitch::ChatMessage &m = gst_twitch_chat_message_get_internal (self);
  if (!m.has_tag (name))
    return nullptr;
  return m.tag (name).c_str ();
}

/**
 * gst_twitch_chat_message_get_tag_names:
 * @self: a #GstTwitchChatMessage
 *
 * Returns: (transfer full) (array zero-terminated=1): the names of every tag
 *   of the message, in the order Twitch sent them.
 *
 * Since: 1.0
 */
gchar **
gst_twitch_chat_message_get_tag_names (GstTwitchChatMessage *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_MESSAGE (self), nullptr);
  const twitch::ChatMessage &m = gst_twitch_chat_message_get_internal (self);
  gchar **out = g_new0 (gchar *, m.tags.size () + 1);
  for (size_t i = 0; i < m.tags.size (); i++)
    out[i] = g_strdup (m.tags[i].first.c_str ());
  return out;
}

/**
 * gst_twitch_chat_message_is_moderator:
 * @self: a #GstTwitchChatMessage
 *
 * Returns: whether the sender is a moderator or the broadcaster of the
 *   channel.
 *
 * Since: 1.0
 */
gboolean
gst_twitch_chat_message_is_moderator (GstTwitchChatMessage *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_CHAT_MESSAGE (self), FALSE);
  return gst_twitch_chat_message_get_internal (self).is_moderator ();
}

/**
 * gst_twitch_chat_message_parse:
 * @line: one IRC line as Twitch sends it (without the line end)
 * @error: return location for a #GError
 *
 * Parses a line of Twitch chat, e.g. one read from a recording.
 *
 * Returns: (transfer full): the message, or %NULL with @error set when the
 *   line is not a valid IRC line.
 *
 * Since: 1.0
 */
GstTwitchChatMessage *
gst_twitch_chat_message_parse (const gchar *line, GError **error)
{
  g_return_val_if_fail (line != nullptr, nullptr);
  twitch::ChatMessage msg;
  if (!twitch::chat_message_parse (line, msg, error)) {
    gst_twitch_internal::to_public_error (error);
    return nullptr;
  }
  return gst_twitch_chat_message_new_internal (msg);
}
