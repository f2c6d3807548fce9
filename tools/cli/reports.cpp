#include "reports.h"

#include "cli-error.h"
#include "spool.h"
#include "store.h"

#include <gst/twitch/chat/message.h>
#include <gst/twitch/common/secrets.h>
#include <gst/twitch/helix/snapshot.h>
#include <gst/twitch/ingest/ingest.h>

#include <glib/gstdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <set>
#include <unordered_map>

namespace cli
{

const char *const kDefaultScopes = "moderator:read:followers "
                                   "moderator:read:chatters moderation:read "
                                   "user:read:follows";

using twitch::ResourceKind;

Context::Context (Options options) : opt (std::move (options)) {}

Context::~Context ()
{
  for (const auto &s : registered_)
    twitch::secrets_unregister (s);
}

std::shared_ptr<twitch::Cache>
Context::cache ()
{
  if (!cache_made_) {
    cache_made_ = true;
    GError *err = nullptr;
    std::unique_ptr<twitch::Cache> c
        = twitch::cache_new_from_name (opt.cache, &err);
    if (err != nullptr) {
      std::string msg = err->message;
      g_error_free (err);
      fail (EXIT_USAGE, "-c %s: %s", opt.cache.c_str (), msg.c_str ());
    }
    cache_ = std::move (c);
  }
  return cache_;
}

Api &
Context::api ()
{
  if (api_)
    return *api_;
  std::optional<Credentials> stored = store_load ();
  if (stored) {
    for (const std::string *t : {&stored->access_token, &stored->refresh_token})
      if (!t->empty ()) {
        twitch::secrets_register (*t);
        registered_.push_back (*t);
      }
  }
  /* A rate-limit pause is said, not silent: on the progress line (a
   * terminal) or as a line with -v. */
  bool progress = opt.output.progress, verbose = opt.verbose;
  api_ = std::make_unique<Api> (stored, cache (), opt.cache_ttl,
      [progress, verbose] (int64_t wait_ms, const std::string &reason) {
        double s = static_cast<double> (wait_ms) / 1000.0;
        if (progress)
          fprintf (stderr,
              "\r\033[Kwaiting %.0f s for Twitch's rate limit (%s)", s,
              reason.c_str ());
        else if (verbose)
          fprintf (stderr,
              "gst-twitch: waiting %.1f s for Twitch's rate limit (%s)\n", s,
              reason.c_str ());
        fflush (stderr);
      });
  GError *err = nullptr;
  if (!api_->client ().check_credentials (&err)) {
    g_clear_error (&err);
    fail (EXIT_NO_CREDENTIALS,
        "no Twitch credentials: run `gst-twitch login`, or set "
        "TWITCH_OAUTH_TOKEN (a user token) or TWITCH_CLIENT_ID and "
        "TWITCH_CLIENT_SECRET (an app token)");
  }
  if (!api_->connect (&err))
    fail_from_gerror (err, "");
  const std::string &tok = api_->credentials ().access_token;
  twitch::secrets_register (tok);
  registered_.push_back (tok);
  return *api_;
}

twitch::HelixStats
Context::stats () const
{
  return api_ ? api_->client ().stats () : twitch::HelixStats{};
}

void
Context::save_refreshed ()
{
  if (!api_)
    return;
  if (auto c = api_->refreshed ())
    store_save (*c);
}

void
Context::require_scope (const std::string &scope, const std::string &what)
{
  const Credentials &c = api ().credentials ();
  if (c.is_app)
    fail (EXIT_UNAUTHORIZED,
        "%s needs a user token with the scope %s (an app token cannot): run "
        "`gst-twitch login --scopes %s`",
        what.c_str (), scope.c_str (), scope.c_str ());
  /* The scopes were validated at start: they are the token's own. */
  if (!c.has_scope (scope))
    fail (EXIT_UNAUTHORIZED,
        "%s needs the scope %s, which the token of %s lacks: run "
        "`gst-twitch login --scopes %s`",
        what.c_str (), scope.c_str (), c.login.c_str (), scope.c_str ());
}

Writer &
Context::writer (std::vector<Column> columns)
{
  writer_ = std::make_unique<Writer> (stdout, std::move (columns), opt.output);
  return *writer_;
}

/* ---- helpers ---------------------------------------------------------- */

static bool
valid_login (const std::string &s)
{
  if (s.empty () || s.size () > 25)
    return false;
  for (char c : s)
    if (!g_ascii_isalnum (c) && c != '_')
      return false;
  return true;
}

static std::string
lower (const std::string &s)
{
  gchar *l = g_ascii_strdown (s.c_str (), -1);
  std::string r (l);
  g_free (l);
  return r;
}

/* The user named @login; NOT_FOUND when Twitch has none. */
static twitch::User
user_by_login (Context &ctx, const std::string &login_in)
{
  std::string login = lower (login_in);
  if (!valid_login (login))
    fail (EXIT_USAGE,
        "'%s' is not a Twitch login (letters, digits and _ only, at most 25)",
        login_in.c_str ());
  GError *err = nullptr;
  auto users = ctx.api ().client ().users ({}, {login}, nullptr, &err);
  if (!users)
    fail_from_gerror (err, "looking up " + login);
  for (auto &u : *users)
    if (lower (u.login) == login) {
      if (u.id.empty ())
        fail (EXIT_BAD_RESPONSE, "GET /helix/users: a user without an id");
      return u;
    }
  fail (EXIT_NOT_FOUND, "no Twitch channel or user named '%s'",
      login_in.c_str ());
}

/* created_at of users by id (the library batches 100 a request). Deleted
 * accounts are absent. */
static std::unordered_map<std::string, int64_t>
created_by_ids (Context &ctx, const std::vector<std::string> &ids)
{
  std::unordered_map<std::string, int64_t> out;
  if (ids.empty ())
    return out;
  GError *err = nullptr;
  auto users = ctx.api ().client ().users (ids, {}, nullptr, &err);
  if (!users)
    fail_from_gerror (err, "looking up accounts");
  for (const auto &u : *users)
    if (u.created_at != 0)
      out[u.id] = twitch::time_to_unix_seconds (u.created_at);
  return out;
}

static int64_t
follower_total (Context &ctx, const std::string &broadcaster_id)
{
  GError *err = nullptr;
  auto total
      = ctx.api ().client ().followers_total (broadcaster_id, nullptr, &err);
  if (!total)
    fail_from_gerror (err, "counting followers");
  return *total;
}

/* A time of a model (0: Twitch gave none) as Unix seconds or null. */
static Value
time_value (twitch::TimeUs t)
{
  return t != 0 ? Value::num (twitch::time_to_unix_seconds (t))
                : Value::null ();
}

/* How many items a pager fetches: everything for -d asc (Helix lists
 * newest first; the spool prints the oldest -l). */
static size_t
fetch_limit (const Context &ctx)
{
  return ctx.opt.ascending ? 0 : static_cast<size_t> (ctx.opt.limit);
}

/* Runs a library pager through @convert (typed items of one page to rows)
 * into the writer: page by page in the API's order (newest first) for
 * -d desc; for -d asc the rows are spooled, then printed from the end.
 * @on_error (optional) may turn a failure into a clearer one. */
template <typename T, typename ConvertFn>
static void
run_list (Context &ctx, Writer &w, twitch::Pager<T> pager, ConvertFn convert,
    const std::function<void (GError *, const twitch::Pager<T> &)> &on_error
    = {})
{
  const int64_t limit = ctx.opt.limit;
  std::unique_ptr<Spool> spool;
  if (ctx.opt.ascending)
    spool = std::make_unique<Spool> ();
  bool first = true;
  GError *err = nullptr;
  std::vector<T> page;
  while (pager.next (page, nullptr, &err)) {
    if (first) {
      first = false;
      if (auto total = pager.total ())
        w.set_expected (limit > 0 ? std::min (limit, *total) : *total);
    }
    std::vector<Row> rows = convert (page);
    if (spool) {
      spool->add_page (rows);
      w.show_fetching (spool->rows ());
      continue;
    }
    w.write_page (rows);
  }
  if (err != nullptr) {
    if (on_error)
      on_error (err, pager);
    fail_from_gerror (err, "");
  }
  if (spool)
    spool->replay_reversed (
        limit, [&] (const std::vector<Row> &rows) { w.write_page (rows); });
  w.finish ();
}

/* A list held whole (chatters, ingests): in the API's order, reversed for
 * -d asc, as one page. */
static void
write_whole (Context &ctx, Writer &w, std::vector<Row> rows)
{
  if (ctx.opt.ascending)
    std::reverse (rows.begin (), rows.end ());
  w.write_page (rows);
  w.finish ();
}

/* ---- reports ---------------------------------------------------------- */

static std::vector<Column>
follow_columns ()
{
  return {{"name", Kind::STRING}, {"channel", Kind::STRING},
      {"created", Kind::TIME}, {"followed", Kind::TIME}, {"delta", Kind::INT},
      {"followers", Kind::INT}};
}

static int
cmd_followers (Context &ctx)
{
  const std::string &channel = ctx.opt.args[0];
  ctx.require_scope ("moderator:read:followers", "followers");
  twitch::User ch = user_by_login (ctx, channel);
  Writer &w = ctx.writer (follow_columns ());
  auto convert = [&] (const std::vector<twitch::Follower> &items) {
    std::vector<std::string> ids;
    ids.reserve (items.size ());
    for (const auto &f : items)
      ids.push_back (f.user_id);
    auto created = created_by_ids (ctx, ids);
    std::vector<Row> rows;
    rows.reserve (items.size ());
    for (const auto &f : items) {
      auto c = created.find (f.user_id);
      bool has_created = c != created.end ();
      bool has_followed = f.followed_at != 0;
      int64_t followed = twitch::time_to_unix_seconds (f.followed_at);
      /* An account deleted since it followed has no created time. */
      rows.push_back ({Value::str (f.user_login), Value::str (ch.login),
          has_created ? Value::num (c->second) : Value::null (),
          time_value (f.followed_at),
          (has_created && has_followed) ? Value::num (followed - c->second)
                                        : Value::null (),
          Value::num (0)});
    }
    return rows;
  };
  /* To anyone but the broadcaster and its moderators Twitch answers with
   * the total only, which the library's pager reports as MISSING_SCOPE:
   * said here with who is logged in and the count. */
  auto on_error = [&] (GError *err, const twitch::Pager<twitch::Follower> &p) {
    if (g_error_matches (err, TWITCH_API_ERROR, twitch::API_ERROR_MISSING_SCOPE)
        && p.total ()) {
      g_error_free (err);
      fail (EXIT_UNAUTHORIZED,
          "Twitch lists the followers of %s only to its broadcaster and "
          "moderators, with the scope moderator:read:followers (logged in as "
          "%s): run `gst-twitch login --scopes moderator:read:followers` as "
          "one of them; its follower count is %" G_GINT64_FORMAT,
          ch.login.c_str (), ctx.api ().credentials ().login.c_str (),
          *p.total ());
    }
  };
  run_list<twitch::Follower> (ctx, w,
      ctx.api ().client ().followers (ch.id, fetch_limit (ctx)), convert,
      on_error);
  return EXIT_OK;
}

static void
require_self (Context &ctx, const twitch::User &user, const char *what)
{
  const Credentials &c = ctx.api ().credentials ();
  if (c.is_app || lower (c.login) != user.login)
    fail (EXIT_UNAUTHORIZED,
        "Twitch no longer lets anyone list the channels another user "
        "follows: %s works only for the logged-in user (%s), run "
        "`gst-twitch login` as %s",
        what, c.is_app ? "none, app token" : c.login.c_str (),
        user.login.c_str ());
}

static int
cmd_following (Context &ctx)
{
  ctx.require_scope ("user:read:follows", "following");
  twitch::User user = user_by_login (ctx, ctx.opt.args[0]);
  require_self (ctx, user, "following");
  Writer &w = ctx.writer (follow_columns ());
  int64_t created = twitch::time_to_unix_seconds (user.created_at);
  auto convert = [&] (const std::vector<twitch::FollowedChannel> &items) {
    std::vector<Row> rows;
    rows.reserve (items.size ());
    for (const auto &f : items) {
      int64_t followed = twitch::time_to_unix_seconds (f.followed_at);
      int64_t total = follower_total (ctx, f.broadcaster_id);
      rows.push_back (
          {Value::str (user.login), Value::str (f.broadcaster_login),
              time_value (user.created_at), time_value (f.followed_at),
              (user.created_at != 0 && f.followed_at != 0)
                  ? Value::num (followed - created)
                  : Value::null (),
              Value::num (total)});
    }
    return rows;
  };
  run_list<twitch::FollowedChannel> (ctx, w,
      ctx.api ().client ().followed (user.id, fetch_limit (ctx)), convert);
  return EXIT_OK;
}

static int
cmd_chatters (Context &ctx)
{
  ctx.require_scope ("moderator:read:chatters", "chatters");
  twitch::User ch = user_by_login (ctx, ctx.opt.args[0]);
  const Credentials &creds = ctx.api ().credentials ();
  twitch::Helix &helix = ctx.api ().client ();

  /* The broadcaster, then moderators, then viewers, as the old TMI list
   * grouped them. Twitch lists a channel's moderators only to its
   * broadcaster (moderation:read); anyone else gets the broadcaster, then
   * every other chatter. */
  std::set<std::string> mods;
  bool told_apart = false;
  std::vector<twitch::Chatter> page;
  if (creds.user_id == ch.id && creds.has_scope ("moderation:read")) {
    auto mp = helix.moderators (ch.id, 0);
    GError *err = nullptr;
    std::set<std::string> found;
    while (mp.next (page, nullptr, &err))
      for (const auto &m : page)
        found.insert (m.user_id);
    if (err == nullptr) {
      mods.insert (found.begin (), found.end ());
      told_apart = true;
    } else if (err->domain == TWITCH_API_ERROR
               && (err->code == twitch::API_ERROR_NETWORK
                   || err->code == twitch::API_ERROR_SERVER
                   || err->code == twitch::API_ERROR_RATE_LIMITED)) {
      fail_from_gerror (err, "listing the moderators of " + ch.login);
    } else {
      g_clear_error (&err);
    }
  }

  std::vector<std::string> broadcaster, moderators, viewers;
  auto pager = helix.chatters (ch.id, creds.user_id, 0);
  GError *err = nullptr;
  while (pager.next (page, nullptr, &err))
    for (const auto &c : page)
      (c.user_id == ch.id          ? broadcaster
          : mods.count (c.user_id) ? moderators
                                   : viewers)
          .push_back (c.user_login);
  if (err != nullptr)
    fail_from_gerror (err, "listing the chatters of " + ch.login);

  if (!told_apart)
    g_printerr ("gst-twitch: note: only the broadcaster can tell moderators "
                "apart (moderation:read); the broadcaster comes first, then "
                "every other chatter\n");
  Writer &w = ctx.writer ({{"name", Kind::STRING}});
  std::vector<Row> rows;
  int64_t n = 0;
  for (auto *list : {&broadcaster, &moderators, &viewers})
    for (const auto &name : *list) {
      if (ctx.opt.limit > 0 && n >= ctx.opt.limit)
        break;
      rows.push_back ({Value::str (name)});
      n++;
    }
  write_whole (ctx, w, std::move (rows));
  return EXIT_OK;
}

static int
cmd_created (Context &ctx)
{
  twitch::User u = user_by_login (ctx, ctx.opt.args[0]);
  Writer &w = ctx.writer ({{"name", Kind::STRING}, {"created", Kind::TIME}});
  w.write_row ({Value::str (u.login), time_value (u.created_at)});
  w.finish ();
  return EXIT_OK;
}

static int
cmd_num_followers (Context &ctx)
{
  twitch::User u = user_by_login (ctx, ctx.opt.args[0]);
  int64_t total = follower_total (ctx, u.id);
  Writer &w = ctx.writer ({{"name", Kind::STRING}, {"followers", Kind::INT}});
  w.write_row ({Value::str (u.login), Value::num (total)});
  w.finish ();
  return EXIT_OK;
}

static int
cmd_num_following (Context &ctx)
{
  ctx.require_scope ("user:read:follows", "num_following");
  twitch::User u = user_by_login (ctx, ctx.opt.args[0]);
  require_self (ctx, u, "num_following");
  GError *err = nullptr;
  auto total = ctx.api ().client ().followed_total (u.id, nullptr, &err);
  if (!total)
    fail_from_gerror (err, "counting the channels " + u.login + " follows");
  Writer &w = ctx.writer ({{"name", Kind::STRING}, {"following", Kind::INT}});
  w.write_row ({Value::str (u.login), Value::num (*total)});
  w.finish ();
  return EXIT_OK;
}

static int
cmd_streams (Context &ctx)
{
  twitch::User u = user_by_login (ctx, ctx.opt.args[0]);
  Writer &w = ctx.writer ({{"start", Kind::TIME}, {"end", Kind::TIME}});
  auto convert = [&] (const std::vector<twitch::Video> &items) {
    std::vector<Row> rows;
    rows.reserve (items.size ());
    for (const auto &v : items) {
      int64_t dur = twitch::duration_parse (v.duration);
      if (v.created_at == 0 || dur < 0)
        fail (EXIT_BAD_RESPONSE,
            "GET /helix/videos: video %s has no valid created_at or duration",
            v.id.c_str ());
      int64_t start = twitch::time_to_unix_seconds (v.created_at);
      rows.push_back ({Value::num (start), Value::num (start + dur)});
    }
    return rows;
  };
  run_list<twitch::Video> (ctx, w,
      ctx.api ().client ().videos (u.id, "archive", fetch_limit (ctx)),
      convert);
  return EXIT_OK;
}

static int
cmd_channel (Context &ctx)
{
  twitch::User u = user_by_login (ctx, ctx.opt.args[0]);
  GError *err = nullptr;
  /* Twitch gives follower totals to user tokens only: empty with an app
   * token rather than no channel report at all. */
  auto snap = twitch::channel_snapshot (ctx.api ().client (), u,
      twitch::CHANNEL_SNAPSHOT_INFO
          | twitch::CHANNEL_SNAPSHOT_FOLLOWERS_OPTIONAL,
      nullptr, &err);
  if (!snap)
    fail_from_gerror (err, "reading the channel " + u.login);
  if (!snap->channel)
    fail (EXIT_NOT_FOUND, "'%s' has no channel", u.login.c_str ());
  Writer &w = ctx.writer ({{"id", Kind::STRING}, {"name", Kind::STRING},
      {"display_name", Kind::STRING}, {"created", Kind::TIME},
      {"broadcaster_type", Kind::STRING}, {"language", Kind::STRING},
      {"game", Kind::STRING}, {"title", Kind::STRING},
      {"followers", Kind::INT}});
  w.write_row ({Value::str (u.id), Value::str (u.login),
      Value::str (u.display_name), time_value (u.created_at),
      Value::str (u.broadcaster_type), Value::str (snap->language ()),
      Value::str (snap->category ()), Value::str (snap->title ()),
      snap->followers ? Value::num (*snap->followers) : Value::null ()});
  w.finish ();
  return EXIT_OK;
}

static int
cmd_videos (Context &ctx)
{
  twitch::User u = user_by_login (ctx, ctx.opt.args[0]);
  std::string type = ctx.opt.type.empty () ? "all" : ctx.opt.type;
  if (type != "all" && type != "archive" && type != "highlight"
      && type != "upload")
    fail (EXIT_USAGE, "--type %s: expected all, archive, highlight or upload",
        type.c_str ());
  Writer &w = ctx.writer ({{"id", Kind::STRING}, {"created", Kind::TIME},
      {"published", Kind::TIME}, {"duration", Kind::INT}, {"views", Kind::INT},
      {"type", Kind::STRING}, {"language", Kind::STRING},
      {"title", Kind::STRING}, {"url", Kind::STRING}});
  auto convert = [&] (const std::vector<twitch::Video> &items) {
    std::vector<Row> rows;
    rows.reserve (items.size ());
    for (const auto &v : items) {
      int64_t dur = twitch::duration_parse (v.duration);
      rows.push_back ({Value::str (v.id), time_value (v.created_at),
          time_value (v.published_at),
          dur >= 0 ? Value::num (dur) : Value::null (),
          Value::num (v.view_count), Value::str (v.type),
          Value::str (v.language), Value::str (v.title), Value::str (v.url)});
    }
    return rows;
  };
  run_list<twitch::Video> (ctx, w,
      ctx.api ().client ().videos (u.id, type, fetch_limit (ctx)), convert);
  return EXIT_OK;
}

/* The categories named, 100 a request, in Twitch's order. */
static std::vector<twitch::Game>
games_by_name (Context &ctx, const std::vector<std::string> &names)
{
  GError *err = nullptr;
  auto games = ctx.api ().client ().games ({}, names, nullptr, &err);
  if (!games)
    fail_from_gerror (err, names.size () == 1
                               ? "looking up the game " + names[0]
                               : std::string ("looking up games"));
  return std::move (*games);
}

static int
cmd_live (Context &ctx)
{
  twitch::StreamQuery q;
  if (!ctx.opt.game.empty ()) {
    auto games = games_by_name (ctx, {ctx.opt.game});
    if (games.empty ())
      fail (EXIT_NOT_FOUND,
          "no Twitch category named '%s' (names are exact; try `gst-twitch "
          "games`)",
          ctx.opt.game.c_str ());
    q.game_ids.push_back (games.front ().id);
  }
  if (!ctx.opt.language.empty ())
    q.languages.push_back (ctx.opt.language);
  for (const auto &login : ctx.opt.args)
    q.user_logins.push_back (lower (login));
  Writer &w = ctx.writer ({{"name", Kind::STRING}, {"game", Kind::STRING},
      {"viewers", Kind::INT}, {"started", Kind::TIME},
      {"language", Kind::STRING}, {"title", Kind::STRING}});
  auto convert = [&] (const std::vector<twitch::Stream> &items) {
    std::vector<Row> rows;
    rows.reserve (items.size ());
    for (const auto &s : items)
      rows.push_back ({Value::str (s.user_login), Value::str (s.game_name),
          Value::num (s.viewer_count), time_value (s.started_at),
          Value::str (s.language), Value::str (s.title)});
    return rows;
  };
  run_list<twitch::Stream> (
      ctx, w, ctx.api ().client ().top_streams (q, fetch_limit (ctx)), convert);
  return EXIT_OK;
}

static int
cmd_clips (Context &ctx)
{
  twitch::User u = user_by_login (ctx, ctx.opt.args[0]);
  Writer &w = ctx.writer ({{"id", Kind::STRING}, {"created", Kind::TIME},
      {"creator", Kind::STRING}, {"views", Kind::INT}, {"duration", Kind::REAL},
      {"title", Kind::STRING}, {"url", Kind::STRING}});
  auto convert = [&] (const std::vector<twitch::Clip> &items) {
    std::vector<Row> rows;
    rows.reserve (items.size ());
    for (const auto &c : items)
      rows.push_back ({Value::str (c.id), time_value (c.created_at),
          Value::str (c.creator_name), Value::num (c.view_count),
          Value::real (c.duration), Value::str (c.title), Value::str (c.url)});
    return rows;
  };
  twitch::ClipQuery q;
  q.broadcaster_id = u.id;
  run_list<twitch::Clip> (
      ctx, w, ctx.api ().client ().clips (q, fetch_limit (ctx)), convert);
  return EXIT_OK;
}

static int
cmd_games (Context &ctx)
{
  Writer &w = ctx.writer ({{"id", Kind::STRING}, {"name", Kind::STRING},
      {"igdb_id", Kind::STRING}});
  auto convert = [&] (const std::vector<twitch::Game> &items) {
    std::vector<Row> rows;
    rows.reserve (items.size ());
    for (const auto &g : items)
      rows.push_back (
          {Value::str (g.id), Value::str (g.name), Value::str (g.igdb_id)});
    return rows;
  };
  if (ctx.opt.args.empty ()) {
    run_list<twitch::Game> (
        ctx, w, ctx.api ().client ().top_games (fetch_limit (ctx)), convert);
    return EXIT_OK;
  }
  auto games = games_by_name (ctx, ctx.opt.args);
  if (games.empty () && ctx.opt.args.size () == 1)
    fail (EXIT_NOT_FOUND, "no Twitch category named '%s'",
        ctx.opt.args[0].c_str ());
  w.write_page (convert (games));
  w.finish ();
  return EXIT_OK;
}

static int
cmd_ingests (Context &ctx)
{
  GError *err = nullptr;
  /* No credentials needed: the list is public. */
  twitch::HelixConfig config;
  config.cache = ctx.cache ();
  twitch::Helix client (std::move (config));
  auto list = client.ingests (nullptr, &err);
  if (!list)
    fail_from_gerror (err, "fetching the ingest list");
  Writer &w = ctx.writer (
      {{"id", Kind::INT}, {"name", Kind::STRING}, {"default", Kind::INT},
          {"priority", Kind::INT}, {"availability", Kind::REAL},
          {"url", Kind::STRING}, {"url_secure", Kind::STRING}});
  std::vector<Row> rows;
  for (const auto &i : *list) {
    if (ctx.opt.limit > 0
        && static_cast<int64_t> (rows.size ()) >= ctx.opt.limit)
      break;
    rows.push_back ({Value::num (i.id), Value::str (i.name),
        Value::num (i.is_default ? 1 : 0), Value::num (i.priority),
        Value::real (i.availability), Value::str (i.url_template),
        Value::str (i.url_template_secure)});
  }
  write_whole (ctx, w, std::move (rows));
  return EXIT_OK;
}

/* ---- chat recordings -------------------------------------------------- */

static int
cmd_chatlog (Context &ctx)
{
  const std::string &path = ctx.opt.args[0];
  FILE *f = path == "-" ? stdin : g_fopen (path.c_str (), "r");
  if (f == nullptr)
    fail (errno == ENOENT ? EXIT_NOT_FOUND : EXIT_OTHER, "cannot open %s: %s",
        path.c_str (), g_strerror (errno));
  char *line = nullptr;
  size_t cap = 0;
  ssize_t n;
  int64_t lineno = 0, bad = 0, first_bad = 0, printed = 0;
  std::string out;
  while ((n = getline (&line, &cap, f)) > 0) {
    lineno++;
    if (ctx.opt.limit > 0 && printed >= ctx.opt.limit)
      break;
    gchar *s = g_strstrip (line);
    if (*s == '\0')
      continue;
    /* The library's reader of recordings (bounded: a line nested 100 000
     * deep is garbage, not a crash). */
    twitch::ChatMessage m;
    if (!twitch::chat_message_from_json (s, m, nullptr, nullptr)) {
      if (bad++ == 0)
        first_bad = lineno;
      continue;
    }
    if (m.command != "PRIVMSG")
      continue;
    /* display_name falls back to the login. */
    out = m.display_name + " : " + m.text + "\n";
    if (fwrite (out.data (), 1, out.size (), stdout) != out.size ())
      break;
    printed++;
  }
  free (line);
  bool read_error = ferror (f);
  if (f != stdin)
    fclose (f);
  if (fflush (stdout) != 0)
    fail (EXIT_OTHER, "cannot write the chat log: %s", g_strerror (errno));
  if (read_error)
    fail (EXIT_OTHER, "cannot read %s", path.c_str ());
  if (bad > 0)
    fail (EXIT_BAD_RESPONSE,
        "%s: %" G_GINT64_FORMAT " line(s) are not JSON chat records (first: "
        "line %" G_GINT64_FORMAT "); is it a twitchchatsrc recording "
        "(application/x-twitch-chat)?",
        path.c_str (), bad, first_bad);
  return EXIT_OK;
}

/* ---- account ---------------------------------------------------------- */

static std::vector<std::string>
split_scopes (const std::string &s)
{
  std::vector<std::string> out;
  gchar **parts = g_strsplit_set (s.c_str (), " ,+", -1);
  for (gchar **q = parts; *q; q++)
    if (**q != '\0')
      out.emplace_back (*q);
  g_strfreev (parts);
  return out;
}

static std::string
join (const std::vector<std::string> &v)
{
  std::string out;
  for (const auto &s : v)
    out += (out.empty () ? "" : " ") + s;
  return out;
}

static int
cmd_login (Context &ctx)
{
  std::optional<Credentials> old;
  try {
    old = store_load ();
  } catch (const Failure &) {
    /* A broken token file is replaced by the new login. */
  }
  std::string client_id = ctx.opt.client_id;
  if (client_id.empty () && g_getenv ("TWITCH_CLIENT_ID"))
    client_id = g_getenv ("TWITCH_CLIENT_ID");
  if (client_id.empty () && old)
    client_id = old->client_id;
  if (client_id.empty ())
    fail (EXIT_NO_CREDENTIALS,
        "login needs a client id: register an application (client type "
        "Public) at https://dev.twitch.tv/console and set TWITCH_CLIENT_ID or "
        "pass --client-id");

  /* The report scopes, those held before, and those asked for. */
  std::vector<std::string> scopes = split_scopes (kDefaultScopes);
  std::vector<std::string> extra = split_scopes (ctx.opt.scopes);
  if (old)
    extra.insert (extra.end (), old->scopes.begin (), old->scopes.end ());
  for (const auto &s : extra)
    if (std::find (scopes.begin (), scopes.end (), s) == scopes.end ())
      scopes.push_back (s);

  twitch::HelixConfig config;
  config.client_id = client_id;
  twitch::Helix client (std::move (config));
  GError *err = nullptr;
  auto code = client.device_code_start (scopes, nullptr, &err);
  if (!code)
    fail_from_gerror (err, "starting the login");
  g_printerr (
      "To log in, open %s and enter the code %s (valid %" G_GINT64_FORMAT
      " minutes).\nWaiting...\n",
      code->verification_uri.c_str (), code->user_code.c_str (),
      std::max<int64_t> (1, code->expires_in / 60));

  auto token = client.device_code_wait (*code, nullptr, &err);
  if (!token)
    fail_from_gerror (err, "logging in");
  auto info = client.validate (nullptr, &err);
  if (!info)
    fail_from_gerror (err, "checking the new token");

  Credentials creds;
  creds.client_id = info->client_id.empty () ? client_id : info->client_id;
  creds.access_token = token->access_token;
  creds.refresh_token = token->refresh_token;
  creds.login = info->login;
  creds.user_id = info->user_id;
  creds.scopes = info->scopes.empty () ? token->scopes : info->scopes;
  creds.expires_at = token->expires_at > 0
                         ? twitch::time_to_unix_seconds (token->expires_at)
                         : 0;
  store_save (creds);
  g_print ("Logged in as %s (scopes: %s). Token stored in %s\n",
      creds.login.c_str (), join (creds.scopes).c_str (),
      store_path ().c_str ());
  return EXIT_OK;
}

static int
cmd_logout (Context &)
{
  std::optional<Credentials> creds;
  try {
    creds = store_load ();
  } catch (const Failure &) {
    store_remove ();
    g_print ("Removed an unreadable token file\n");
    return EXIT_OK;
  }
  if (!creds) {
    g_print ("Not logged in\n");
    return EXIT_OK;
  }
  twitch::secrets_register (creds->access_token);
  /* The library's client revokes (the environment gives TWITCH_AUTH_URL). */
  twitch::HelixConfig config;
  config.client_id = creds->client_id;
  config.oauth_token = creds->access_token;
  twitch::Helix client (std::move (config));
  GError *err = nullptr;
  if (!client.revoke (nullptr, &err)) {
    g_printerr ("gst-twitch: warning: could not revoke the token at Twitch "
                "(%s); it was forgotten here and expires by itself\n",
        err->message);
    g_clear_error (&err);
  }
  store_remove ();
  twitch::secrets_unregister (creds->access_token);
  g_print ("Logged out %s\n", creds->login.c_str ());
  return EXIT_OK;
}

static int
cmd_whoami (Context &ctx)
{
  if (!store_load () && !g_getenv ("TWITCH_OAUTH_TOKEN"))
    fail (EXIT_NO_CREDENTIALS, "not logged in: run `gst-twitch login`");
  Api &api = ctx.api ();
  GError *err = nullptr;
  auto info = api.client ().validate (nullptr, &err);
  if (!info)
    fail_from_gerror (err, "");
  Writer &w = ctx.writer ({{"login", Kind::STRING}, {"user_id", Kind::STRING},
      {"client_id", Kind::STRING}, {"scopes", Kind::STRING},
      {"expires", Kind::TIME}});
  int64_t now = g_get_real_time () / G_USEC_PER_SEC;
  w.write_row ({Value::str (info->login), Value::str (info->user_id),
      Value::str (info->client_id), Value::str (join (info->scopes)),
      info->expires_in > 0 ? Value::num (now + info->expires_in)
                           : Value::null ()});
  w.finish ();
  return EXIT_OK;
}

/* ---- the table -------------------------------------------------------- */

const std::vector<Command> &
commands ()
{
  static const std::vector<Command> table = {
      {"followers", "CHANNEL", 1, 1, "Followers of a channel, newest first",
          "Columns: name channel created followed delta followers\n"
          "  name      the follower's login\n"
          "  created   when the follower's account was created\n"
          "  followed  when it followed\n"
          "  delta     followed - created, in seconds\n"
          "  followers always 0 (itch's column, kept for old plots)\n"
          "Needs a user token with moderator:read:followers, of the "
          "broadcaster or one of its moderators.",
          cmd_followers},
      {"following", "USER", 1, 1,
          "Channels the logged-in user follows, newest first",
          "Columns: name channel created followed delta followers\n"
          "  created   when USER's account was created\n"
          "  followers the followed channel's follower total\n"
          "Needs user:read:follows; USER must be the logged-in user (Twitch "
          "no longer lists what others follow).",
          cmd_following},
      {"chatters", "CHANNEL", 1, 1,
          "Users in a channel's chat: moderators, then viewers",
          "Columns: name (the broadcaster, its moderators, then viewers)\n"
          "Needs moderator:read:chatters as the broadcaster or a moderator; "
          "moderators are told apart with moderation:read as the "
          "broadcaster.",
          cmd_chatters},
      {"created", "CHANNEL", 1, 1, "When an account was created",
          "Columns: name created", cmd_created},
      {"num_followers", "CHANNEL", 1, 1, "A channel's follower total",
          "Columns: name followers", cmd_num_followers},
      {"num_following", "USER", 1, 1,
          "How many channels the logged-in user follows",
          "Columns: name following\nNeeds user:read:follows; USER must be the "
          "logged-in user.",
          cmd_num_following},
      {"streams", "CHANNEL", 1, 1,
          "Past broadcasts as start and end (gst-twitch-plot -S)",
          "Columns: start end\nFrom the channel's archived videos (VODs): "
          "broadcasts whose VOD was deleted or expired are missing.",
          cmd_streams},
      {"channel", "CHANNEL", 1, 1, "A channel's details",
          "Columns: id name display_name created broadcaster_type language "
          "game title followers",
          cmd_channel},
      {"videos", "CHANNEL", 1, 1, "A channel's videos, newest first",
          "Columns: id created published duration views type language title "
          "url\n--type all|archive|highlight|upload (default all).",
          cmd_videos},
      {"live", "[CHANNEL...]", 0, 100,
          "Live streams, most viewers first (by --game, --language, channels)",
          "Columns: name game viewers started language title", cmd_live},
      {"clips", "CHANNEL", 1, 1, "A channel's clips, most viewed first",
          "Columns: id created creator views duration title url", cmd_clips},
      {"games", "[NAME...]", 0, -1,
          "Top categories by viewers, or the categories named",
          "Columns: id name igdb_id", cmd_games},
      {"ingests", "", 0, 0, "Twitch's ingest servers (no login needed)",
          "Columns: id name default priority availability url url_secure",
          cmd_ingests},
      {"chatlog", "FILE", 1, 1,
          "Print `from : message` from a twitchchatsrc recording",
          "FILE: JSON Lines written by twitchchatsrc "
          "(application/x-twitch-chat), or - for stdin.",
          cmd_chatlog},
      {"login", "", 0, 0, "Log in with the device code flow",
          "Stores the token in $XDG_CONFIG_HOME/gst-twitch/token.json "
          "(0600).\nAsks for the report scopes (moderator:read:followers "
          "moderator:read:chatters moderation:read user:read:follows), those "
          "held before, and --scopes. Needs TWITCH_CLIENT_ID or --client-id.",
          cmd_login},
      {"logout", "", 0, 0, "Revoke and forget the stored token", "",
          cmd_logout},
      {"whoami", "", 0, 0, "Who the stored token belongs to",
          "Columns: login user_id client_id scopes expires", cmd_whoami},
  };
  return table;
}

const Command *
command_find (const std::string &name)
{
  for (const auto &c : commands ())
    if (name == c.name)
      return &c;
  /* itch's name for the broadcasts report. */
  if (name == "loots_streams")
    return command_find ("streams");
  return nullptr;
}

} // namespace cli
