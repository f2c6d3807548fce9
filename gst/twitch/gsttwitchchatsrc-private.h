/* twitchchatsrc's own state, shared by the files of the element
 * (gsttwitchchatsrc.cpp: the GStreamer face; -queue.cpp: from the chat
 * thread to the streaming thread; -events.cpp: what one chat event
 * becomes). Not installed. */
#pragma once

#include "gsttwitchchatsrc.h"
#include "gsttwitchchatcommon.h"
#include "gsttwitchchatsettings.h"
#include "gsttwitchchatsrc-events.h"

#include <gst/twitch/chat/client.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

GST_DEBUG_CATEGORY_EXTERN (gst_twitch_chat_src_debug);

#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_EVENTS TRUE
#define DEFAULT_FORMAT "{display_name}: {message}"
#define DEFAULT_DURATION (5 * GST_SECOND)
#define DEFAULT_MAX_PENDING 10000

/* The connection properties are GstTwitchChatSettings's. */
struct Settings : GstTwitchChatSettings {
  std::string channels;
  bool post_messages = DEFAULT_POST_MESSAGES;
  bool events = DEFAULT_EVENTS;
  std::string format = DEFAULT_FORMAT;
  GstClockTime duration = DEFAULT_DURATION;
  std::string location;
  guint max_pending = DEFAULT_MAX_PENDING;
};

struct Pending {
  twitch::ChatMessage msg;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  std::string json_line; /* replay: the recorded line as is */
  /* Or a batch of raw chat lines from one socket read, parsed on the
   * streaming thread (the client thread then never allocates per
   * message, and no memory crosses threads per message). */
  std::string lines;
  gint64 arrival_mono_us = 0;
  gint64 arrival_real_ms = 0;
  size_t pos = 0; /* next line in lines */
  guint n = 1;
};

struct GstTwitchChatSrcPrivate {
  std::mutex settings_lock;
  Settings settings;

  /* Runtime state. */
  std::mutex lock;
  std::condition_variable cond;
  std::condition_variable space; /* queue below max-pending again */
  std::deque<Pending> queue;
  /* Taken from queue in one go by the streaming thread (its own). */
  std::deque<Pending> batch;
  bool consumer_waiting = false;
  guint64 queued = 0;     /* chat events in queue */
  twitch::IrcMessage irc; /* streaming thread's parser state */
  Pending current;        /* the event being output */
  std::string payload;    /* its buffer's bytes (streaming thread) */
  GstTwitchChatEventBuilder event_builder; /* streaming thread */
  std::string chat_message_name;           /* "twitchchatsrc-chat" */
  bool flushing = false;
  bool fatal = false;
  /* Shared: send-message calls it without holding the lock. */
  std::shared_ptr<twitch::ChatClient> client;
  Settings run; /* settings copied at start() */
  bool json = false;
  bool segment_sent = false;
  /* Running time up to which downstream knows there is nothing (buffers
   * and gap events), so textoverlay never waits on a quiet chat. */
  GstClockTime position = 0;
  guint64 dropped_overflow = 0;
  guint64 buffers = 0;
  /* Replay. */
  std::ifstream replay;
  guint64 replay_line = 0;
  GstClockID clock_id = nullptr;
  GstTwitchChatConnectionWatch watch;
};

struct _GstTwitchChatSrc {
  GstPushSrc parent;
  GstTwitchChatSrcPrivate *priv;
};

/* gsttwitchchatsrc-queue.cpp */

/* The pipeline's running time now (NONE without a clock). */
GstClockTime gst_twitch_chat_src_running_time (GstTwitchChatSrc *self);
/* Chat thread: hands @item to the streaming thread (bounded by
 * max-pending: waits, then drops the oldest). */
void gst_twitch_chat_src_enqueue (GstTwitchChatSrc *self, Pending &&item);
/* Streaming thread: pushes our segment once, before any event of ours. */
void gst_twitch_chat_src_ensure_segment (GstTwitchChatSrc *self);
/* Streaming thread: the next chat event into @item (its storage reused),
 * from the connection or the recording; GAP events while chat is quiet. */
GstFlowReturn gst_twitch_chat_src_next_item (
    GstTwitchChatSrc *self, Pending &item);

/* gsttwitchchatsrc-events.cpp */

/* What @item becomes: the "twitch-chat" downstream event (@events), the
 * "<element>-chat" bus message (@post), and the buffer in *@buf (NULL for
 * an event without text: a GAP event is pushed instead). */
void gst_twitch_chat_src_output (GstTwitchChatSrc *self, Pending &item,
    bool events, bool post, bool json, GstClockTime duration, GstBuffer **buf);
