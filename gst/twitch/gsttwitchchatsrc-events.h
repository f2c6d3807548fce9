/* twitchchatsrc: the "twitch-chat" GstStructure of a chat event (the
 * downstream event's and the bus message's). Not installed. */
#pragma once

#include <gst/gst.h>
#include <gst/twitch/chat/message.h>

#include <string>
#include <vector>

/* Tag keys (and badge names) a server may make into quarks beyond
 * Twitch's documented ones; later new keys stay strings in "extra-tags". */
#define GST_TWITCH_CHAT_MAX_UNKNOWN_TAG_QUARKS 256

/* "twitch-chat" structure of @msg: command, kind, channel, login,
 * display-name, text, action, id, user-id, room-id, color, badges and
 * badge-info (GstStructure name -> version), emotes (GstValueArray of
 * "emote" structures id/start/end), bits, first-msg, returning-chatter,
 * mod, subscriber, vip, tmi-sent-ts, timestamp, reply-parent-*, msg-id,
 * system-msg, the per-kind fields, and tags (each raw tag, unescaped,
 * that no typed field gives back exactly: every tag is there once;
 * Twitch's documented tags and up to GST_TWITCH_CHAT_MAX_UNKNOWN_TAG_QUARKS
 * other keys a process; any further new key goes to "extra-tags", a
 * string "key=value;..." escaped as on the wire).
 * @running_time is added as "running-time" when valid. Reuses its storage
 * and templates message after message: one per streaming thread. */
class GstTwitchChatEventBuilder
{
 public:
  GstStructure *build (
      const twitch::ChatMessage &msg, GstClockTime running_time);

 private:
  /* A tag key at one place of the tag list, as last seen there. */
  struct CachedTag {
    std::string key;
    GQuark quark = 0;
    int typed = 0;
  };
  std::string extra_;
  std::vector<CachedTag> tag_cache_;
};
