/* twitchapisrc: the channel state a poll produces and how it is shown
 * (changed fields, text template, GstStructure, JSON line). */
#include "config.h"

#include "gsttwitchapisrc-private.h"

#include <gst/twitch/common/json-write.h>

#include <json-glib/json-glib.h>

#define GST_CAT_DEFAULT gst_twitch_api_src_debug

namespace apisrc
{

/* Names of the fields that differ (all of them when @before is null). */
std::vector<std::string>
changed_fields (const ChannelState *before, const ChannelState &now)
{
  std::vector<std::string> out;
  auto diff = [&] (bool differs, const char *name) {
    if (before == nullptr || differs)
      out.emplace_back (name);
  };
  diff (before && before->live != now.live, "live");
  diff (before && before->title != now.title, "title");
  diff (before && before->category != now.category, "category");
  diff (before && before->viewers != now.viewers, "viewer-count");
  diff (before && before->followers != now.followers, "follower-count");
  diff (before && before->started_at != now.started_at, "started-at");
  diff (before && before->display_name != now.display_name, "display-name");
  return out;
}

static std::string
uptime (const ChannelState &s)
{
  if (!s.live || s.started_at == 0)
    return "";
  int64_t secs = (g_get_real_time () - s.started_at) / G_USEC_PER_SEC;
  if (secs < 0)
    secs = 0;
  char buf[32];
  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT ":%02d:%02d", secs / 3600,
      static_cast<int> ((secs / 60) % 60), static_cast<int> (secs % 60));
  return buf;
}

/* Replaces {name} with the state's fields; {{ and }} are literal braces;
 * unknown names are kept as written. */
std::string
render (const std::string &tmpl, const ChannelState &s)
{
  std::string out;
  out.reserve (tmpl.size () + 32);
  for (size_t i = 0; i < tmpl.size ();) {
    char c = tmpl[i];
    if (c == '{' && i + 1 < tmpl.size () && tmpl[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    if (c == '}' && i + 1 < tmpl.size () && tmpl[i + 1] == '}') {
      out += '}';
      i += 2;
      continue;
    }
    if (c != '{') {
      out += c;
      i++;
      continue;
    }
    size_t end = tmpl.find ('}', i);
    if (end == std::string::npos) {
      out += tmpl.substr (i);
      break;
    }
    std::string key = tmpl.substr (i + 1, end - i - 1);
    if (key == "viewer_count" || key == "viewers")
      out += std::to_string (s.viewers);
    else if (key == "follower_count" || key == "followers")
      out += s.followers >= 0 ? std::to_string (s.followers) : "";
    else if (key == "title")
      out += s.title;
    else if (key == "category" || key == "game" || key == "game_name")
      out += s.category;
    else if (key == "category_id" || key == "game_id")
      out += s.category_id;
    else if (key == "channel" || key == "login")
      out += s.login;
    else if (key == "display_name")
      out += s.display_name;
    else if (key == "user_id")
      out += s.user_id;
    else if (key == "language")
      out += s.language;
    else if (key == "live")
      out += s.live ? "live" : "offline";
    else if (key == "started_at")
      out += twitch::time_to_iso8601 (s.started_at);
    else if (key == "uptime")
      out += uptime (s);
    else
      out += tmpl.substr (i, end - i + 1);
    i = end + 1;
  }
  return out;
}

GstStructure *
state_structure (const char *name, const ChannelState &s,
    const std::vector<std::string> &changed)
{
  std::string changed_list;
  for (const auto &c : changed)
    changed_list += (changed_list.empty () ? "" : ",") + c;
  GstStructure *st = gst_structure_new (name, "channel", G_TYPE_STRING,
      s.login.c_str (), "user-id", G_TYPE_STRING, s.user_id.c_str (),
      "display-name", G_TYPE_STRING, s.display_name.c_str (), "live",
      G_TYPE_BOOLEAN, s.live, "title", G_TYPE_STRING, s.title.c_str (),
      "category", G_TYPE_STRING, s.category.c_str (), "category-id",
      G_TYPE_STRING, s.category_id.c_str (), "language", G_TYPE_STRING,
      s.language.c_str (), "viewer-count", G_TYPE_INT64, s.viewers,
      "follower-count", G_TYPE_INT64, s.followers, "changed", G_TYPE_STRING,
      changed_list.c_str (), nullptr);
  if (s.live && s.started_at != 0) {
    GDateTime *dt = twitch::time_to_gdatetime (s.started_at);
    if (dt) {
      GstDateTime *gdt = gst_date_time_new_from_g_date_time (dt);
      gst_structure_set (st, "started-at", GST_TYPE_DATE_TIME, gdt, nullptr);
      gst_date_time_unref (gdt);
    }
  }
  return st;
}

std::string
state_json (const ChannelState &s)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  auto add_string = [b] (const char *name, const std::string &value) {
    json_builder_set_member_name (b, name);
    json_builder_add_string_value (b, value.c_str ());
  };
  add_string ("channel", s.login);
  add_string ("user_id", s.user_id);
  add_string ("display_name", s.display_name);
  json_builder_set_member_name (b, "live");
  json_builder_add_boolean_value (b, s.live);
  add_string ("title", s.title);
  add_string ("category", s.category);
  add_string ("category_id", s.category_id);
  add_string ("language", s.language);
  json_builder_set_member_name (b, "viewer_count");
  json_builder_add_int_value (b, s.viewers);
  json_builder_set_member_name (b, "follower_count");
  if (s.followers >= 0)
    json_builder_add_int_value (b, s.followers);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "started_at");
  if (s.live && s.started_at)
    json_builder_add_string_value (
        b, twitch::time_to_iso8601 (s.started_at).c_str ());
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  std::string out = twitch::json_text (b);
  g_object_unref (b);
  return out;
}

} // namespace apisrc
