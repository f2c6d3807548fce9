/* twitchchatsrc's "twitch-chat" event structure carries every tag exactly
 * once: in its typed field when that field gives the value back as it
 * came, else in the raw "tags" sub-structure (never both, never neither).
 * Lines come from a recording (location=), so the test needs no server. */
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

struct Collected {
  std::mutex mu;
  std::vector<GstStructure *> events;
};

static GstPadProbeReturn
collect (GstPad *, GstPadProbeInfo *info, gpointer data)
{
  auto *c = static_cast<Collected *> (data);
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM
      && gst_structure_has_name (gst_event_get_structure (ev), "twitch-chat")) {
    std::lock_guard<std::mutex> lk (c->mu);
    c->events.push_back (gst_structure_copy (gst_event_get_structure (ev)));
  }
  return GST_PAD_PROBE_OK;
}

/* The typed field @key of @s written back as a tag value, or false when
 * there is no such field. */
static bool
typed_as_tag (const GstStructure *s, const char *key, std::string *out)
{
  const GValue *v = gst_structure_get_value (s, key);
  if (!v)
    return false;
  if (G_VALUE_HOLDS_STRING (v)) {
    *out = g_value_get_string (v);
  } else if (G_VALUE_HOLDS_INT64 (v)) {
    *out = std::to_string (g_value_get_int64 (v));
  } else if (G_VALUE_HOLDS_BOOLEAN (v)) {
    *out = g_value_get_boolean (v) ? "1" : "0";
  } else if (GST_VALUE_HOLDS_STRUCTURE (v)) {
    /* badges, badge-info: name -> version, in order. */
    const GstStructure *b = gst_value_get_structure (v);
    out->clear ();
    for (int i = 0; i < gst_structure_n_fields (b); ++i) {
      const char *name = gst_structure_nth_field_name (b, i);
      if (i)
        *out += ",";
      *out += std::string (name) + "/" + gst_structure_get_string (b, name);
    }
  } else if (GST_VALUE_HOLDS_ARRAY (v)) {
    /* emotes: "id:start-end" per occurrence, grouped by id in first-seen
     * order (what Twitch sends, for the ranges used here). */
    std::vector<std::string> ids;
    std::map<std::string, std::string> ranges;
    for (guint i = 0; i < gst_value_array_get_size (v); ++i) {
      const GstStructure *e
          = gst_value_get_structure (gst_value_array_get_value (v, i));
      std::string id = gst_structure_get_string (e, "id");
      int start = 0, end = 0;
      gst_structure_get_int (e, "start", &start);
      gst_structure_get_int (e, "end", &end);
      if (!ranges.count (id))
        ids.push_back (id);
      std::string &r = ranges[id];
      if (!r.empty ())
        r += ",";
      r += std::to_string (start) + "-" + std::to_string (end);
    }
    out->clear ();
    for (auto &id : ids)
      *out += (out->empty () ? "" : "/") + id + ":" + ranges[id];
  } else {
    return false;
  }
  return true;
}

GST_START_TEST (test_every_tag_once)
{
  /* Each line's tags, in the recording's order; values chosen so that
   * some survive typing and some do not (bits that is not a number, an
   * emote outside the text, a badge without a version, a timestamp with a
   * leading zero, tags with no typed field). */
  const std::vector<
      std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      lines = {
          {R"({"command":"PRIVMSG","channel":"c","login":"ann","text":"Kappa hi","tags":{)",
              {{"badge-info", "subscriber/14"},
                  {"badges", "subscriber/12,premium/1"},
                  {"client-nonce", "abc"}, {"color", "#1E90FF"},
                  {"display-name", "Ann"}, {"emotes", "25:0-4"},
                  {"first-msg", "0"}, {"flags", ""},
                  {"id", "b34ccfc7-4977-403a-8a94-33c6bac34fb8"}, {"mod", "1"},
                  {"returning-chatter", "0"}, {"room-id", "1337"},
                  {"subscriber", "1"}, {"tmi-sent-ts", "1507246572675"},
                  {"turbo", "0"}, {"user-id", "42"}, {"user-type", "mod"}}},
          {R"({"command":"PRIVMSG","channel":"c","login":"bob","text":"x","tags":{)",
              {{"badges", "weird"}, {"bits", "abc"}, {"color", ""},
                  {"emotes", "25:0-0,100-200"}, {"tmi-sent-ts", "0012"},
                  {"vip", "1"}, {"id", "00000000-0000-0000-0000-000000000001"},
                  {"reply-parent-msg-id",
                      "00000000-0000-0000-0000-000000000002"},
                  {"reply-parent-user-id", "7"},
                  {"reply-parent-user-login", "cat"},
                  {"reply-parent-display-name", "Cat"},
                  {"reply-parent-msg-body", "hello there"},
                  {"reply-thread-parent-user-login", "cat"}}},
          {R"({"command":"ROOMSTATE","channel":"c","login":"","text":"","tags":{)",
              {{"emote-only", "0"}, {"followers-only", "-1"}, {"r9k", "0"},
                  {"room-id", "1"}, {"slow", "10"}, {"subs-only", "x"}}},
          {R"({"command":"CLEARCHAT","channel":"c","login":"bob","text":"bob","tags":{)",
              {{"ban-duration", "600"}, {"room-id", "1"},
                  {"target-user-id", "9"}, {"tmi-sent-ts", "1"}}},
          {R"({"command":"USERNOTICE","channel":"c","login":"","text":"","tags":{)",
              {{"login", "dan"}, {"display-name", "Dan"}, {"msg-id", "raid"},
                  {"system-msg", "5 raiders from Dan have joined!"},
                  {"msg-param-viewerCount", "5"}, {"bits", "0"}}},
      };
  gchar *path = nullptr;
  int fd = g_file_open_tmp ("chat-tags-XXXXXX.jsonl", &path, nullptr);
  fail_unless (fd >= 0);
  std::string doc;
  for (auto &l : lines) {
    doc += l.first;
    for (size_t i = 0; i < l.second.size (); ++i)
      doc += (i ? "," : "") + std::string ("\"") + l.second[i].first + "\":\""
             + l.second[i].second + "\"";
    doc += "}}\n";
  }
  fail_unless (write (fd, doc.data (), doc.size ()) == (ssize_t)doc.size ());
  close (fd);

  GstElement *p = gst_parse_launch (
      "twitchchatsrc name=src ! fakesink name=sink sync=false", nullptr);
  fail_unless (p != nullptr);
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  g_object_set (src, "location", path, nullptr);
  GstPad *pad = gst_element_get_static_pad (src, "src");
  Collected c;
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, collect, &c, nullptr);
  gst_object_unref (pad);
  gst_object_unref (src);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *m = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  fail_unless (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS);
  gst_message_unref (m);
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  g_unlink (path);
  g_free (path);

  fail_unless_equals_int (c.events.size (), lines.size ());
  int raw_kept = 0, typed = 0;
  for (size_t i = 0; i < lines.size (); ++i) {
    const GstStructure *s = c.events[i];
    const GValue *tv = gst_structure_get_value (s, "tags");
    fail_unless (tv != nullptr);
    const GstStructure *tags = gst_value_get_structure (tv);
    for (auto &kv : lines[i].second) {
      const char *key = kv.first.c_str ();
      const gchar *raw = gst_structure_get_string (tags, key);
      std::string back;
      bool in_typed = typed_as_tag (s, key, &back) && back == kv.second;
      fail_unless ((raw != nullptr) != in_typed,
          "line %d tag %s=%s: in tags %s, typed %s", (int)i, key,
          kv.second.c_str (), raw ? raw : "(no)", in_typed ? "yes" : "no");
      if (raw)
        fail_unless_equals_string (raw, kv.second.c_str ());
      raw_kept += raw != nullptr;
      typed += in_typed;
    }
    /* Nothing in "tags" that the line did not have. */
    for (int f = 0; f < gst_structure_n_fields (tags); ++f) {
      const char *name = gst_structure_nth_field_name (tags, f);
      bool known = false;
      for (auto &kv : lines[i].second)
        known |= kv.first == name;
      fail_unless (known, "line %d: tags has %s", (int)i, name);
    }
  }
  /* Values that do not survive typing stay raw, by name. */
  const GstStructure *bob
      = gst_value_get_structure (gst_structure_get_value (c.events[1], "tags"));
  for (const char *k : {"badges", "bits", "emotes", "tmi-sent-ts", "color",
           "reply-thread-parent-user-login"})
    fail_unless (gst_structure_has_field (bob, k), "%s not kept raw", k);
  fail_unless (typed > raw_kept, "%d typed, %d raw", typed, raw_kept);
  for (auto *s : c.events)
    gst_structure_free (s);
}
GST_END_TEST;

static Suite *
twitchchat_tags_suite (void)
{
  Suite *s = suite_create ("twitchchat_tags");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_tag_once);
  return s;
}

GST_CHECK_MAIN (twitchchat_tags);
