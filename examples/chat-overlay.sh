#!/bin/sh
# The colour demo's chat, shown on the picture: a gst-launch line with
# twitchchatsrc linked straight into textoverlay's text pad.
#   examples/chat-overlay.sh CHANNEL            # a local window
#   CHAT_SERVER=irc://127.0.0.1:PORT examples/chat-overlay.sh CHANNEL
# (VIDEO_SINK replaces autovideosink, e.g. VIDEO_SINK=fakesink)
# To stream it instead, replace the video sink with twitchsink:
#   ... ! textoverlay name=o ! videoconvert ! twitchsink.video ...
channel=${1:?usage: chat-overlay.sh CHANNEL}
server=${CHAT_SERVER:-ircs://irc.chat.twitch.tv:6697}
exec gst-launch-1.0 \
  videotestsrc is-live=true pattern=smpte ! video/x-raw,width=1280,height=720,framerate=30/1 ! \
  textoverlay name=o valignment=bottom halignment=left line-alignment=left \
      font-desc="Sans 20" shaded-background=true wrap-mode=wordchar ! \
  videoconvert ! ${VIDEO_SINK:-autovideosink} \
  twitchchatsrc channels="$channel" server="$server" \
      format="{display_name}: {message}" duration=8000000000 ! o.text_sink
