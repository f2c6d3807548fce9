/* gst-twitch: what a chat message carries besides its properties. */
#pragma once

#include <gst/twitch/twitch-prelude.h>
#include <gst/twitch/gsttwitchmodels.h>

G_BEGIN_DECLS

typedef struct _GstTwitchChatEmote GstTwitchChatEmote;
typedef struct _GstTwitchChatBadge GstTwitchChatBadge;

/**
 * GstTwitchChatEmote:
 * @id: the emote's id
 * @start: index of its first character in the text, in Unicode code points
 *   (as Twitch counts: an emoji before it counts as one)
 * @end: index of its last character (inclusive), in code points
 *
 * One occurrence of an emote in a #GstTwitchChatMessage's text.
 *
 * Since: 1.0
 */
struct _GstTwitchChatEmote {
  gchar *id;
  gint start;
  gint end;
};

/**
 * GstTwitchChatBadge:
 * @name: the badge ("subscriber", "moderator", ...)
 * @version: its version ("12" months, ...)
 *
 * One badge of a chat message's sender.
 *
 * Since: 1.0
 */
struct _GstTwitchChatBadge {
  gchar *name;
  gchar *version;
};

#define GST_TYPE_TWITCH_CHAT_EMOTE (gst_twitch_chat_emote_get_type ())
GST_TWITCH_API
GType gst_twitch_chat_emote_get_type (void);
GST_TWITCH_API
GstTwitchChatEmote *gst_twitch_chat_emote_copy (
    const GstTwitchChatEmote *emote);
GST_TWITCH_API
void gst_twitch_chat_emote_free (GstTwitchChatEmote *emote);

#define GST_TYPE_TWITCH_CHAT_BADGE (gst_twitch_chat_badge_get_type ())
GST_TWITCH_API
GType gst_twitch_chat_badge_get_type (void);
GST_TWITCH_API
GstTwitchChatBadge *gst_twitch_chat_badge_copy (
    const GstTwitchChatBadge *badge);
GST_TWITCH_API
void gst_twitch_chat_badge_free (GstTwitchChatBadge *badge);

GST_TWITCH_API
GPtrArray *gst_twitch_chat_message_get_emotes (GstTwitchChatMessage *self);

GST_TWITCH_API
GPtrArray *gst_twitch_chat_message_get_badges (GstTwitchChatMessage *self);

GST_TWITCH_API
const gchar *gst_twitch_chat_message_get_tag (
    GstTwitchChatMessage *self, const gchar *name);

GST_TWITCH_API
gchar **gst_twitch_chat_message_get_tag_names (GstTwitchChatMessage *self);

GST_TWITCH_API
gboolean gst_twitch_chat_message_is_moderator (GstTwitchChatMessage *self);

GST_TWITCH_API
GstTwitchChatMessage *gst_twitch_chat_message_parse (
    const gchar *line, GError **error);

G_END_DECLS
