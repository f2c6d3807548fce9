#!/usr/bin/python3
"""Writes gsttwitchmodels.h and gsttwitchmodels.cpp: the read-only GObject
model types of the C API (GstTwitchUser, ...), each a thin wrapper around a
copy of the C++ model the Helix client parsed (helix/models.h).

The output is committed; run this again after changing MODELS:
    lib/gst/twitch/gen-models.py lib/gst/twitch
"""
import os
import sys

# (C type suffix, C++ struct, lower name, summary, [(field, kind, doc)])
# kinds: s = string, i = gint, i64 = gint64, b = gboolean, d = gdouble,
#        t = time (TimeUs -> GDateTime, NULL when unset), v = string list
MODELS = [
    ("User", "twitch::User", "user", "A Twitch user (`GET /helix/users`).", [
        ("id", "s", "the user id"),
        ("login", "s", "the login name (lower case)"),
        ("display_name", "s", "the name as the user writes it"),
        ("type:user_type", "s", "\"\", \"admin\", \"global_mod\" or \"staff\""),
        ("broadcaster_type", "s", "\"\", \"affiliate\" or \"partner\""),
        ("description", "s", "the channel description"),
        ("profile_image_url", "s", "URL of the profile image"),
        ("offline_image_url", "s", "URL of the offline image"),
        ("email", "s", "the e-mail address (only with the user:read:email scope)"),
        ("view_count", "i64", "total views (deprecated by Twitch, often 0)"),
        ("created_at", "t", "when the account was created"),
    ]),
    ("Channel", "twitch::Channel", "channel", "A channel's settings (`GET /helix/channels`).", [
        ("broadcaster_id", "s", "the broadcaster's user id"),
        ("broadcaster_login", "s", "the broadcaster's login"),
        ("broadcaster_name", "s", "the broadcaster's display name"),
        ("broadcaster_language", "s", "ISO 639-1 language of the broadcast"),
        ("game_id", "s", "id of the category being played"),
        ("game_name", "s", "name of the category being played"),
        ("title", "s", "the stream title"),
        ("delay", "i", "stream delay in seconds"),
        ("tags", "v", "the channel's tags"),
        ("content_classification_labels", "v", "content classification labels"),
        ("is_branded_content", "b", "whether the channel has branded content"),
    ]),
    ("Stream", "twitch::Stream", "stream", "A live stream (`GET /helix/streams`).", [
        ("id", "s", "the stream id"),
        ("user_id", "s", "the broadcaster's user id"),
        ("user_login", "s", "the broadcaster's login"),
        ("user_name", "s", "the broadcaster's display name"),
        ("game_id", "s", "id of the category"),
        ("game_name", "s", "name of the category"),
        ("type:stream_type", "s", "\"live\""),
        ("title", "s", "the stream title"),
        ("language", "s", "ISO 639-1 language"),
        ("thumbnail_url", "s", "thumbnail URL template"),
        ("tags", "v", "the stream's tags"),
        ("viewer_count", "i64", "viewers now"),
        ("started_at", "t", "when the stream went live"),
        ("is_mature", "b", "whether the stream is for mature audiences"),
    ]),
    ("Follower", "twitch::Follower", "follower", "One follower of a channel (`GET /helix/channels/followers`).", [
        ("user_id", "s", "the follower's user id"),
        ("user_login", "s", "the follower's login"),
        ("user_name", "s", "the follower's display name"),
        ("followed_at", "t", "when the user followed"),
    ]),
    ("FollowedChannel", "twitch::FollowedChannel", "followed_channel", "One channel a user follows (`GET /helix/channels/followed`).", [
        ("broadcaster_id", "s", "the channel's user id"),
        ("broadcaster_login", "s", "the channel's login"),
        ("broadcaster_name", "s", "the channel's display name"),
        ("followed_at", "t", "when the user followed"),
    ]),
    ("Video", "twitch::Video", "video", "A video: past broadcast, highlight or upload (`GET /helix/videos`).", [
        ("id", "s", "the video id"),
        ("stream_id", "s", "the stream a past broadcast recorded"),
        ("user_id", "s", "the owner's user id"),
        ("user_login", "s", "the owner's login"),
        ("user_name", "s", "the owner's display name"),
        ("title", "s", "the title"),
        ("description", "s", "the description"),
        ("url", "s", "the video's page"),
        ("thumbnail_url", "s", "thumbnail URL template"),
        ("viewable", "s", "\"public\" or \"private\""),
        ("language", "s", "ISO 639-1 language"),
        ("type:video_type", "s", "\"archive\", \"highlight\" or \"upload\""),
        ("duration", "s", "the length as Twitch writes it (\"3h8m33s\")"),
        ("duration_seconds", "i64", "the length in seconds"),
        ("view_count", "i64", "views"),
        ("created_at", "t", "when the video was created (the broadcast started)"),
        ("published_at", "t", "when the video was published"),
    ]),
    ("Clip", "twitch::Clip", "clip", "A clip (`GET /helix/clips`).", [
        ("id", "s", "the clip id"),
        ("url", "s", "the clip's page"),
        ("embed_url", "s", "URL for embedding"),
        ("broadcaster_id", "s", "the channel's user id"),
        ("broadcaster_name", "s", "the channel's display name"),
        ("creator_id", "s", "the clipper's user id"),
        ("creator_name", "s", "the clipper's display name"),
        ("video_id", "s", "the video the clip is from (may be empty)"),
        ("game_id", "s", "id of the category"),
        ("language", "s", "ISO 639-1 language"),
        ("title", "s", "the title"),
        ("thumbnail_url", "s", "thumbnail URL"),
        ("view_count", "i64", "views"),
        ("created_at", "t", "when the clip was made"),
        ("duration", "d", "length in seconds"),
        ("vod_offset", "i", "offset in the video in seconds, -1 when none"),
        ("is_featured", "b", "whether the clip is featured"),
    ]),
    ("Chatter", "twitch::Chatter", "chatter", "A user in a channel's chat (`GET /helix/chat/chatters`).", [
        ("user_id", "s", "the chatter's user id"),
        ("user_login", "s", "the chatter's login"),
        ("user_name", "s", "the chatter's display name"),
    ]),
    ("Game", "twitch::Game", "game", "A category (`GET /helix/games`, `GET /helix/games/top`).", [
        ("id", "s", "the category id"),
        ("name", "s", "the category name"),
        ("box_art_url", "s", "box art URL template"),
        ("igdb_id", "s", "the IGDB id"),
    ]),
    ("Ingest", "twitch::Ingest", "ingest", "One ingest server of Twitch's list (`https://ingest.twitch.tv/ingests`).", [
        ("id", "i", "the ingest's id"),
        ("name", "s", "the ingest's name (\"US West: San Francisco, CA\")"),
        ("url_template", "s", "RTMP URL with `{stream_key}` in place of the key"),
        ("url_template_secure", "s", "RTMPS URL template (may be empty)"),
        ("availability", "d", "availability, 0 to 1"),
        ("is_default", "b", "whether Twitch lists it as the default"),
        ("priority", "i", "Twitch's priority"),
    ]),
    ("ChatMessage", "twitch::ChatMessage", "chat_message",
     "One message from Twitch chat (PRIVMSG, USERNOTICE, CLEARCHAT, ...), as #GstTwitchChatClient::message gives it; gst_twitch_chat_message_get_emotes(), gst_twitch_chat_message_get_badges() and gst_twitch_chat_message_get_tag() give the rest.", [
        ("kind", "e", "what kind of message it is"),
        ("command", "s", "the IRC command as received (\"PRIVMSG\", \"001\", ...)"),
        ("channel", "s", "the channel, without '#' (empty for messages that have none)"),
        ("login", "s", "the sender's login (PRIVMSG, USERNOTICE, WHISPER), or the target of a CLEARCHAT or CLEARMSG"),
        ("display_name", "s", "the sender's display name"),
        ("text", "s", "the message body (for /me, without the ACTION wrapper; NOTICE: the notice text)"),
        ("action", "b", "whether the message is a /me action"),
        ("id", "s", "Twitch's message id"),
        ("user_id", "s", "the sender's user id"),
        ("room_id", "s", "the channel's user id"),
        ("color", "s", "the sender's name colour (\"#1E90FF\") or empty"),
        ("user_type", "s", "the sender's user type"),
        ("bits", "i64", "bits cheered with the message"),
        ("first_msg", "b", "whether this is the sender's first message in the channel"),
        ("returning_chatter", "b", "whether the sender is a returning chatter"),
        ("mod", "b", "whether the sender is a moderator"),
        ("subscriber", "b", "whether the sender is a subscriber"),
        ("vip", "b", "whether the sender is a VIP"),
        ("tmi_sent_ts", "i64", "when Twitch sent it, milliseconds since the epoch, -1 when not given"),
        ("arrival_ms", "i64", "when it arrived here, milliseconds since the epoch"),
        ("reply.parent_msg_id:reply_parent_id", "s", "the id of the message this one replies to, or empty"),
        ("reply.parent_user_login:reply_parent_login", "s", "the login of the author of the message replied to"),
        ("msg_id:notice_id", "s", "USERNOTICE and NOTICE `msg-id` (\"sub\", \"resub\", \"subgift\", \"raid\", \"msg_ratelimit\", ...)"),
        ("system_msg:system_message", "s", "USERNOTICE `system-msg`, Twitch's text for the event"),
        ("msg-param-cumulative-months:cumulative_months", "ti", "USERNOTICE sub and resub: months subscribed in total (0 when absent)"),
        ("msg-param-streak-months:streak_months", "ti", "USERNOTICE sub and resub: months in a row (0 when absent)"),
        ("msg-param-sub-plan:sub_plan", "ts", "USERNOTICE sub, resub, subgift: \"Prime\", \"1000\", \"2000\" or \"3000\""),
        ("msg-param-recipient-user-name:recipient_login", "ts", "USERNOTICE subgift: the login of the gift's recipient"),
        ("msg-param-mass-gift-count:gift_count", "ti", "USERNOTICE submysterygift: the number of gifts (0 when absent)"),
        ("msg-param-viewerCount:raid_viewers", "ti", "USERNOTICE raid: the number of raiders (0 when absent)"),
        ("target_user_id", "s", "CLEARCHAT: the user id timed out or banned (empty: the whole chat was cleared)"),
        ("ban_duration", "i64", "CLEARCHAT: timeout in seconds, -1 for a permanent ban or none"),
        ("target_msg_id", "s", "CLEARMSG: the id of the deleted message"),
        ("raw", "s", "the raw IRC line"),
    ]),
]

CTYPE = {"e": "GstTwitchChatKind", "ts": "const gchar *", "ti": "gint64", "s": "const gchar *", "i": "gint", "i64": "gint64", "b": "gboolean", "d": "gdouble",
         "t": "GDateTime *", "v": "const gchar * const *"}


def upper(name):
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out += "_"
        out += ch.upper()
    return out


def kebab(f):
    return f.replace("_", "-")


def norm(models):
    out = []
    for cname, cpp, lname, summary, fields in models:
        nf = []
        for f, k, doc in fields:
            cf, _, name = f.partition(":")
            nf.append((cf, name or cf, k, doc))
        out.append((cname, cpp, lname, summary, nf))
    return out


# Types whose own header is hand-written (more API than the properties): the
# generated part goes to a *base.h that header includes (via gsttwitchmodels.h).
BASE_HEADERS = {"chat_message", "ingest"}


def header_name(lname):
    return "gsttwitch" + lname.replace("_", "") + ("base" if lname in BASE_HEADERS else "") + ".h"


def headers(models):
    """One header per type (STYLE.md), and gsttwitchmodels.h with them all."""
    out = {}
    for cname, _cpp, lname, summary, fields in models:
        U = upper(cname)
        h = [f"/* gst-twitch: GstTwitch{cname}, {summary[0].lower() + summary[1:]}",
             " * (generated by gen-models.py, do not edit). */",
             "#pragma once", "", "#include <gst/twitch/twitch-prelude.h>"]
        if any(k == "e" for _cf, _f, k, _d in fields):
            h += ["#include <gst/twitch/gsttwitchchatenums.h>", "#include <gst/twitch/gsttwitch-enum-types.h>"]
        h += ["#include <glib-object.h>", "", "G_BEGIN_DECLS", ""]
        h.append(f"#define GST_TYPE_TWITCH_{U} (gst_twitch_{lname}_get_type ())")
        h.append("GST_TWITCH_API")
        h.append(f"G_DECLARE_FINAL_TYPE (GstTwitch{cname}, gst_twitch_{lname}, GST_TWITCH, {U}, GObject)")
        h.append("")
        for cf, f, k, _doc in fields:
            h.append("GST_TWITCH_API")
            h.append(f"{CTYPE[k]}gst_twitch_{lname}_get_{f} (GstTwitch{cname} *self);" if CTYPE[k].endswith("*")
                     else f"{CTYPE[k]} gst_twitch_{lname}_get_{f} (GstTwitch{cname} *self);")
            h.append("")
        h += ["G_END_DECLS", ""]
        out[header_name(lname)] = "\n".join(h)
    allh = ["/* gst-twitch: every model type (generated by gen-models.py, do not edit). */", "#pragma once", ""]
    allh += [f"#include <gst/twitch/{name}>" for name in out]
    out["gsttwitchmodels.h"] = "\n".join(allh) + "\n"
    return out


def source(models):
    c = ["/* gst-twitch: the Helix model objects (generated by gen-models.py, do not",
         " * edit). Each holds a copy of the C++ model; getters and properties read",
         " * it, so objects are immutable and safe to share between threads. */",
         '#include "config.h"', "", "#include <gst/twitch/gsttwitchmodels.h>",
         "#include <gst/twitch/gsttwitch-private.h>", "", "#include <vector>", "",
         "namespace", "{",
         "gchar **",
         "strv_new (const std::vector<std::string> &v)",
         "{",
         "  gchar **out = g_new0 (gchar *, v.size () + 1);",
         "  for (size_t i = 0; i < v.size (); i++)",
         "    out[i] = g_strdup (v[i].c_str ());",
         "  return out;",
         "}",
         "} // namespace", ""]
    for cname, cpp, lname, summary, fields in models:
        U = upper(cname)
        T = f"GstTwitch{cname}"
        c.append("/**")
        c.append(f" * {T}:")
        c.append(" *")
        c.append(f" * {summary} Read-only: the Helix client makes them.")
        c.append(" *")
        c.append(" * Since: 1.0")
        c.append(" */")
        c.append(f"struct _{T} {{")
        c.append("  GObject parent;")
        c.append(f"  {cpp} *data;")
        for cf, f, k, _ in fields:
            if k == "t":
                c.append(f"  GDateTime *{f};")
            if k == "v":
                c.append(f"  gchar **{f};")
        c.append("};")
        c.append("")
        c.append(f"G_DEFINE_FINAL_TYPE ({T}, gst_twitch_{lname}, G_TYPE_OBJECT)")
        c.append("")
        c.append("enum {")
        c.append(f"  {U}_PROP_0,")
        for cf, f, _k, _ in fields:
            c.append(f"  {U}_PROP_{f.upper()},")
        c.append(f"  {U}_N_PROPS")
        c.append("};")
        c.append(f"static GParamSpec *{lname}_props[{U}_N_PROPS];")
        c.append("")
        c.append("static void")
        c.append(f"gst_twitch_{lname}_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)")
        c.append("{")
        c.append(f"  {T} *self = ({T} *) object;")
        c.append("  switch (prop_id) {")
        for cf, f, k, _ in fields:
            c.append(f"    case {U}_PROP_{f.upper()}:")
            setter = {"e": f"g_value_set_enum (value, (gint) self->data->{cf});",
                      "ts": f"g_value_set_string (value, self->data->tag (\"{cf}\").c_str ());",
                      "ti": f"g_value_set_int64 (value, self->data->tag_int (\"{cf}\", 0));",
                      "s": f"g_value_set_string (value, self->data->{cf}.c_str ());",
                      "i": f"g_value_set_int (value, self->data->{cf});",
                      "i64": f"g_value_set_int64 (value, self->data->{cf});",
                      "b": f"g_value_set_boolean (value, self->data->{cf});",
                      "d": f"g_value_set_double (value, self->data->{cf});",
                      "t": f"g_value_set_boxed (value, gst_twitch_{lname}_get_{f} (self));",
                      "v": f"g_value_set_boxed (value, self->{f});"}[k]
            c.append(f"      {setter}")
            c.append("      break;")
        c.append("    default:")
        c.append("      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);")
        c.append("      break;")
        c.append("  }")
        c.append("}")
        c.append("")
        c.append("static void")
        c.append(f"gst_twitch_{lname}_finalize (GObject *object)")
        c.append("{")
        c.append(f"  {T} *self = ({T} *) object;")
        for cf, f, k, _ in fields:
            if k == "t":
                c.append(f"  g_clear_pointer (&self->{f}, g_date_time_unref);")
            if k == "v":
                c.append(f"  g_strfreev (self->{f});")
        c.append("  delete self->data;")
        c.append(f"  G_OBJECT_CLASS (gst_twitch_{lname}_parent_class)->finalize (object);")
        c.append("}")
        c.append("")
        c.append("static void")
        c.append(f"gst_twitch_{lname}_class_init ({T}Class *klass)")
        c.append("{")
        c.append("  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);")
        c.append("  const GParamFlags flags = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);")
        c.append(f"  gobject_class->get_property = gst_twitch_{lname}_get_property;")
        c.append(f"  gobject_class->finalize = gst_twitch_{lname}_finalize;")
        for cf, f, k, doc in fields:
            p = kebab(f)
            c.append("  /**")
            c.append(f"   * {T}:{p}:")
            c.append("   *")
            c.append(f"   * {doc[0].upper() + doc[1:]}.")
            c.append("   *")
            c.append("   * Since: 1.0")
            c.append("   */")
            spec = {"e": f'g_param_spec_enum ("{p}", nullptr, nullptr, GST_TYPE_TWITCH_CHAT_KIND, 0, flags)',
                    "ts": f'g_param_spec_string ("{p}", nullptr, nullptr, nullptr, flags)',
                    "ti": f'g_param_spec_int64 ("{p}", nullptr, nullptr, G_MININT64, G_MAXINT64, 0, flags)',
                    "s": f'g_param_spec_string ("{p}", nullptr, nullptr, nullptr, flags)',
                    "i": f'g_param_spec_int ("{p}", nullptr, nullptr, G_MININT, G_MAXINT, 0, flags)',
                    "i64": f'g_param_spec_int64 ("{p}", nullptr, nullptr, G_MININT64, G_MAXINT64, 0, flags)',
                    "b": f'g_param_spec_boolean ("{p}", nullptr, nullptr, FALSE, flags)',
                    "d": f'g_param_spec_double ("{p}", nullptr, nullptr, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags)',
                    "t": f'g_param_spec_boxed ("{p}", nullptr, nullptr, G_TYPE_DATE_TIME, flags)',
                    "v": f'g_param_spec_boxed ("{p}", nullptr, nullptr, G_TYPE_STRV, flags)'}[k]
            c.append(f"  {lname}_props[{U}_PROP_{f.upper()}] = {spec};")
        c.append(f"  g_object_class_install_properties (gobject_class, {U}_N_PROPS, {lname}_props);")
        c.append("}")
        c.append("")
        c.append("static void")
        c.append(f"gst_twitch_{lname}_init ({T} *self)")
        c.append("{")
        c.append(f"  self->data = new {cpp} ();")
        c.append("}")
        c.append("")
        c.append(f"{T} *")
        c.append(f"gst_twitch_{lname}_new_internal (const {cpp} &data)")
        c.append("{")
        c.append(f"  auto *self = ({T} *) g_object_new (GST_TYPE_TWITCH_{U}, nullptr);")
        c.append("  *self->data = data;")
        for cf, f, k, _ in fields:
            if k == "v":
                c.append(f"  self->{f} = strv_new (data.{cf});")
        c.append("  return self;")
        c.append("}")
        c.append("")
        c.append(f"const {cpp} &")
        c.append(f"gst_twitch_{lname}_get_internal ({T} *self)")
        c.append("{")
        c.append("  return *self->data;")
        c.append("}")
        c.append("")
        for cf, f, k, doc in fields:
            p = kebab(f)
            c.append("/**")
            c.append(f" * gst_twitch_{lname}_get_{f}:")
            c.append(f" * @self: a #{T}")
            c.append(" *")
            ret = {"e": f"Returns: {doc}", "ts": f"Returns: (transfer none): {doc}", "ti": f"Returns: {doc}",
                   "s": f"Returns: (transfer none): {doc}",
                   "i": f"Returns: {doc}", "i64": f"Returns: {doc}", "b": f"Returns: {doc}", "d": f"Returns: {doc}",
                   "t": f"Returns: (transfer none) (nullable): {doc}, or %NULL when Twitch gave none",
                   "v": f"Returns: (transfer none) (array zero-terminated=1): {doc}"}[k]
            c.append(f" * {ret}.")
            c.append(" *")
            c.append(" * Since: 1.0")
            c.append(" */")
            c.append(f"{CTYPE[k]}" + ("" if CTYPE[k].endswith("*") else " "))
            c[-1] = c[-1].rstrip()
            c.append(f"gst_twitch_{lname}_get_{f} ({T} *self)")
            c.append("{")
            fail = {"e": "GST_TWITCH_CHAT_KIND_UNKNOWN", "ts": "nullptr", "ti": "0", "s": "nullptr", "i": "0", "i64": "0", "b": "FALSE", "d": "0.0", "t": "nullptr", "v": "nullptr"}[k]
            c.append(f"  g_return_val_if_fail (GST_TWITCH_IS_{U} (self), {fail});")
            if k == "t":
                # Made on first use: most readers never ask for every time,
                # and a pager makes objects by the hundred thousand.
                c.append(f"  gpointer dt = g_atomic_pointer_get (&self->{f});")
                c.append(f"  if (dt == nullptr && self->data->{cf} != 0) {{")
                c.append(f"    GDateTime *made = twitch::time_to_gdatetime (self->data->{cf});")
                c.append(f"    if (!g_atomic_pointer_compare_and_exchange (&self->{f}, nullptr, made))")
                c.append("      g_date_time_unref (made);")
                c.append(f"    dt = g_atomic_pointer_get (&self->{f});")
                c.append("  }")
                c.append("  return (GDateTime *) dt;")
                c.append("}")
                c.append("")
                continue
            expr = {"e": f"(GstTwitchChatKind) self->data->{cf}", "ts": f"self->data->tag (\"{cf}\").c_str ()",
                    "ti": f"self->data->tag_int (\"{cf}\", 0)", "s": f"self->data->{cf}.c_str ()", "i": f"self->data->{cf}", "i64": f"self->data->{cf}",
                    "b": f"self->data->{cf} ? TRUE : FALSE", "d": f"self->data->{cf}", "t": f"self->{f}",
                    "v": f"(const gchar * const *) self->{f}"}[k]
            c.append(f"  return {expr};")
            c.append("}")
            c.append("")
    return "\n".join(c)


def private_decls(models):
    out = []
    for cname, cpp, lname, _s, _f in models:  # noqa: B007
        out.append(f"GstTwitch{cname} *gst_twitch_{lname}_new_internal (const {cpp} &data);")
        out.append(f"const {cpp} &gst_twitch_{lname}_get_internal (GstTwitch{cname} *self);")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    written = []
    for name, text in headers(norm(MODELS)).items():
        with open(os.path.join(outdir, name), "w") as f:
            f.write(text)
        written.append(name)
    with open(os.path.join(outdir, "gsttwitchmodels.cpp"), "w") as f:
        f.write(source(norm(MODELS)))
    with open(os.path.join(outdir, "gsttwitchmodels-private.inc"), "w") as f:
        f.write("/* Generated by gen-models.py: internal constructors of the models. */\n")
        f.write(private_decls(norm(MODELS)))
    # The tree's style (.clang-format), as for hand-written files.
    import shutil
    import subprocess
    if shutil.which("clang-format"):
        subprocess.run(["clang-format", "-i"] + [os.path.join(outdir, n) for n in
                                                 written + ["gsttwitchmodels.cpp"]], check=True)
    print(" ".join(sorted(written)))
