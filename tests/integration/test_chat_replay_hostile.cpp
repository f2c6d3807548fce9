/* twitchchatsrc location= on a recording with a line nested 100 000 deep
 * (issue 8 item 8): json-glib's recursive parse crashed the streaming
 * thread; the line is now skipped with a warning and replay goes on. */
#include <gst/twitch/chat/message.h>

#include "support/peer.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

namespace
{

class GstEnvironment : public ::testing::Environment
{
 public:
  void SetUp () override { gst_init (nullptr, nullptr); }
};
const auto *gst_environment
    = ::testing::AddGlobalTestEnvironment (new GstEnvironment);

GstMessage *
wait_for (GstElement *pipeline, GstMessageType type)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered (
      bus, 20 * GST_SECOND, (GstMessageType)(type | GST_MESSAGE_ERROR));
  gst_object_unref (bus);
  return m;
}

TEST (ChatReplayHostile, DeepLineIsSkippedWithAWarning)
{
  twitch_test::TempDir tmp;
  std::string path = tmp.file ("chat.jsonl");
  twitch::ChatMessage m;
  ASSERT_TRUE (twitch::chat_message_parse (
      "@display-name=Rec;id=r1;tmi-sent-ts=1 :rec!rec@rec.tmi.twitch.tv "
      "PRIVMSG #vod :after the bomb",
      m));
  std::string deep
      = "{\"command\":\"PRIVMSG\",\"tags\":" + std::string (100000, '[')
        + std::string (100000, ']') + "}\n";
  ASSERT_TRUE (twitch_test::write_file (
      path, deep + twitch::chat_message_to_json (m, 0) + "\n"));

  std::string launch = "twitchchatsrc location=" + path
                       + " format=\"{display-name}> {message}\" ! appsink "
                         "name=out sync=false";
  GError *error = nullptr;
  GstElement *p = gst_parse_launch (launch.c_str (), &error);
  ASSERT_NE (p, nullptr) << error->message;
  GstElement *out = gst_bin_get_by_name (GST_BIN (p), "out");
  gst_element_set_state (p, GST_STATE_PLAYING);

  GstSample *s
      = gst_app_sink_try_pull_sample (GST_APP_SINK (out), 20 * GST_SECOND);
  ASSERT_NE (s, nullptr) << "the line after the deep one was not replayed";
  GstMapInfo map;
  GstBuffer *b = gst_sample_get_buffer (s);
  gst_buffer_map (b, &map, GST_MAP_READ);
  std::string text ((const char *)map.data, map.size);
  gst_buffer_unmap (b, &map);
  gst_sample_unref (s);
  EXPECT_EQ (text.rfind ("Rec> after the bomb", 0), 0u) << text;

  GstMessage *w = wait_for (p, GST_MESSAGE_WARNING);
  ASSERT_NE (w, nullptr);
  EXPECT_EQ (GST_MESSAGE_TYPE (w), GST_MESSAGE_WARNING);
  GError *err = nullptr;
  gchar *dbg = nullptr;
  gst_message_parse_warning (w, &err, &dbg);
  EXPECT_NE (std::string (err->message).find ("line 1"), std::string::npos)
      << err->message;
  EXPECT_NE (std::string (dbg ? dbg : "").find ("nested"), std::string::npos)
      << (dbg ? dbg : "");
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (w);

  GstMessage *eos = wait_for (p, GST_MESSAGE_EOS);
  ASSERT_NE (eos, nullptr);
  EXPECT_EQ (GST_MESSAGE_TYPE (eos), GST_MESSAGE_EOS);
  gst_message_unref (eos);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (out);
  gst_object_unref (p);
}

} // namespace
