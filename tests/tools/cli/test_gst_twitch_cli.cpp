/* gst-twitch (tools/cli): every report's columns and rows, -l, -d, the
 * caches, the output formats and the documented exit codes, run as a user
 * would run the program, against the Helix fake on 127.0.0.1. */
#include "cli_run.h"
#include "helix_fake.h"
#include "output.h"
#include "support/memcached_peer.h"
#include "support/peer.h"
#include "support/redis_peer.h"
#include "support/require.h"

#include <gtest/gtest.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <sys/stat.h>

#include <atomic>
#include <map>
#include <string>
#include <vector>

using twitch_test::HelixFake;
using twitch_test::HelixFakeFault;
using twitch_test::HelixFakeOptions;
using twitch_test::TempDir;

namespace
{

/* The fake's main channel and its clock (tests/peers/helix-fake). */
const char *const kMain = "twitchdev";
const int64_t kMainCreated = 1481747548; /* 2016-12-14T20:32:28Z */

using cli_test::Result;

std::vector<std::string>
split (const std::string &s, char sep)
{
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size ()) {
    size_t end = s.find (sep, start);
    if (end == std::string::npos)
      end = s.size ();
    out.push_back (s.substr (start, end - start));
    start = end + 1;
  }
  return out;
}

/* Lines without the final empty one. */
std::vector<std::string>
lines (const std::string &s)
{
  auto v = split (s, '\n');
  if (!v.empty () && v.back ().empty ())
    v.pop_back ();
  return v;
}

/* A tsv report: the header's column names, then the rows' fields. */
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

Table
parse_tsv (const std::string &out)
{
  Table t;
  auto ls = lines (out);
  EXPECT_FALSE (ls.empty ()) << "no header row";
  if (ls.empty ())
    return t;
  EXPECT_EQ (ls[0][0], '#') << ls[0];
  t.header = split (ls[0].substr (1), '\t');
  for (size_t i = 1; i < ls.size (); i++) {
    t.rows.push_back (split (ls[i], '\t'));
    EXPECT_EQ (t.rows.back ().size (), t.header.size ()) << ls[i];
  }
  return t;
}

int64_t
num (const std::string &s)
{
  char *end = nullptr;
  gint64 v = g_ascii_strtoll (s.c_str (), &end, 10);
  EXPECT_TRUE (!s.empty () && end != nullptr && *end == '\0')
      << "not a number: '" << s << "'";
  return v;
}

/* Exactly one line on stderr, the program's own. */
void
expect_one_error_line (const Result &r)
{
  auto ls = lines (r.err);
  ASSERT_EQ (ls.size (), 1u) << r.err;
  EXPECT_EQ (ls[0].rfind ("gst-twitch: ", 0), 0u) << ls[0];
}

class CliTest : public ::testing::Test
{
 protected:
  void SetUp () override { start_fake ({}); }

  void start_fake (HelixFakeOptions opt)
  {
    fake_.reset ();
    opt.followers = opt.followers == 100000 ? 250 : opt.followers;
    fake_ = std::make_unique<HelixFake> (opt);
    GError *err = nullptr;
    if (!fake_->start (&err)) {
      std::string msg = err ? err->message : "?";
      g_clear_error (&err);
      GTEST_FAIL () << "cannot start the Helix fake: " << msg;
    }
    helix_url_ = fake_->helix_url ();
  }

  std::string config_dir () const { return dir_.path () + "/config"; }
  std::string token_path () const
  {
    return config_dir () + "/gst-twitch/token.json";
  }

  /* What `gst-twitch login` would have stored for the fake's user. */
  void store_token (
      const std::vector<std::string> &scopes, const std::string &access = {})
  {
    std::string dir = config_dir () + "/gst-twitch";
    g_mkdir_with_parents (dir.c_str (), 0700);
    std::string sc;
    for (const auto &s : scopes)
      sc += (sc.empty () ? "\"" : ",\"") + s + "\"";
    std::string json
        = "{\"client_id\":\"" + fake_->options ().client_id
          + "\",\"access_token\":\""
          + (access.empty () ? fake_->current_user_token () : access)
          + "\",\"refresh_token\":\"" + fake_->current_refresh_token ()
          + "\",\"login\":\"twitchdev\",\"user_id\":\"141981764\","
            "\"expires_at\":"
          + std::to_string (g_get_real_time () / G_USEC_PER_SEC + 14000)
          + ",\"scopes\":[" + sc + "]}";
    ASSERT_TRUE (twitch_test::write_file (token_path (), json));
    g_chmod (token_path ().c_str (), 0600);
  }

  void store_default_token () { store_token (fake_->options ().user_scopes); }

  Result run (const std::vector<std::string> &args,
      const std::map<std::string, std::string> &env = {})
  {
    std::map<std::string, std::string> e = {
        {"XDG_CONFIG_HOME", config_dir ()},
        {"TWITCH_HELIX_URL", helix_url_},
        {"TWITCH_AUTH_URL", fake_->auth_url ()},
        {"TWITCH_INGEST_URL", fake_->ingest_url ()},
        {"TWITCH_CACHE_TEMP", dir_.path () + "/cache"},
    };
    for (const auto &[k, v] : env)
      e[k] = v;
    return cli_test::run_cli (args,
        {"TWITCH_OAUTH_TOKEN", "TWITCH_REFRESH_TOKEN", "TWITCH_CLIENT_ID",
            "TWITCH_CLIENT_SECRET", "GST_DEBUG", "REDIS_HOST", "REDIS_PORT",
            "MEMCACHE_SERVERS"},
        e);
  }

  TempDir dir_{"gst-twitch-cli-test"};
  std::unique_ptr<HelixFake> fake_;
  std::string helix_url_;
};

/* ---- reports ------------------------------------------------------------- */

TEST_F (CliTest, FollowersColumnsAndRows)
{
  store_default_token ();
  Result r = run ({"followers", kMain});
  ASSERT_EQ (r.status, 0) << r.err;
  Table t = parse_tsv (r.out);
  EXPECT_EQ (t.header, (std::vector<std::string>{"name", "channel", "created",
                           "followed", "delta", "followers"}));
  ASSERT_EQ (t.rows.size (), 250u);
  EXPECT_EQ (t.rows.front ()[0], "follower000000");
  EXPECT_EQ (t.rows.back ()[0], "follower000249");
  int64_t prev = INT64_MAX;
  for (const auto &row : t.rows) {
    EXPECT_EQ (row[1], kMain);
    int64_t created = num (row[2]), followed = num (row[3]);
    EXPECT_EQ (num (row[4]), followed - created);
    EXPECT_EQ (row[5], "0");
    EXPECT_LE (followed, prev) << "newest first";
    prev = followed;
  }
}

TEST_F (CliTest, FollowersLimitFetchesOnlyWhatIsNeeded)
{
  store_default_token ();
  Result r = run ({"followers", kMain, "-l", "150"});
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_EQ (parse_tsv (r.out).rows.size (), 150u);
  EXPECT_EQ (fake_->requests ("/helix/channels/followers"), 2u);
  /* Account ages looked up 100 at a time, one lookup per page. */
  EXPECT_EQ (fake_->requests ("/helix/users"), 3u); /* + the channel */
}

TEST_F (CliTest, FollowersAscendingGivesTheOldestFirst)
{
  store_default_token ();
  Result all = run ({"followers", kMain, "-d", "asc"});
  ASSERT_EQ (all.status, 0) << all.err;
  Table t = parse_tsv (all.out);
  ASSERT_EQ (t.rows.size (), 250u);
  EXPECT_EQ (t.rows.front ()[0], "follower000249");
  EXPECT_EQ (t.rows.back ()[0], "follower000000");
  for (size_t i = 1; i < t.rows.size (); i++)
    EXPECT_GE (num (t.rows[i][3]), num (t.rows[i - 1][3]));

  Result oldest = run ({"followers", kMain, "--direction=asc", "--limit=10"});
  ASSERT_EQ (oldest.status, 0) << oldest.err;
  Table o = parse_tsv (oldest.out);
  ASSERT_EQ (o.rows.size (), 10u);
  EXPECT_EQ (o.rows.front ()[0], "follower000249");
  EXPECT_EQ (o.rows.back ()[0], "follower000240");
}

TEST_F (CliTest, FollowersHeaderlessForOldPlots)
{
  store_default_token ();
  Result r = run ({"followers", kMain, "-l", "5", "--no-header"});
  ASSERT_EQ (r.status, 0) << r.err;
  auto ls = lines (r.out);
  ASSERT_EQ (ls.size (), 5u);
  EXPECT_EQ (ls[0].rfind ("follower000000\ttwitchdev\t", 0), 0u) << ls[0];
}

TEST_F (CliTest, FollowingColumnsAndFollowerTotals)
{
  store_default_token ();
  Result r = run ({"following", kMain});
  ASSERT_EQ (r.status, 0) << r.err;
  Table t = parse_tsv (r.out);
  EXPECT_EQ (t.header, (std::vector<std::string>{"name", "channel", "created",
                           "followed", "delta", "followers"}));
  ASSERT_EQ (t.rows.size (), 250u);
  for (size_t i = 0; i < t.rows.size (); i++) {
    const auto &row = t.rows[i];
    EXPECT_EQ (row[0], kMain);
    char expect[32];
    g_snprintf (expect, sizeof expect, "channel%04u", (unsigned)i);
    EXPECT_EQ (row[1], expect);
    EXPECT_EQ (num (row[2]), kMainCreated);
    EXPECT_EQ (num (row[4]), num (row[3]) - kMainCreated);
    /* The fake's follower total of channel i. */
    EXPECT_EQ (num (row[5]), (int64_t)((i * 7919) % 5000));
  }
}

TEST_F (CliTest, FollowingOfAnotherUserIsRefusedClearly)
{
  store_default_token ();
  Result r = run ({"following", "channel0001"});
  EXPECT_EQ (r.status, 4);
  expect_one_error_line (r);
  EXPECT_NE (r.err.find ("no longer"), std::string::npos) << r.err;
  EXPECT_EQ (r.out, "");
}

TEST_F (CliTest, ChattersAndLimit)
{
  store_default_token ();
  Result r = run ({"chatters", kMain});
  ASSERT_EQ (r.status, 0) << r.err;
  Table t = parse_tsv (r.out);
  EXPECT_EQ (t.header, (std::vector<std::string>{"name"}));
  ASSERT_EQ (t.rows.size (), 250u);
  EXPECT_EQ (t.rows[0][0], "chatter0000");
  Result l = run ({"chatters", kMain, "-l", "10"});
  ASSERT_EQ (l.status, 0) << l.err;
  EXPECT_EQ (parse_tsv (l.out).rows.size (), 10u);
}

TEST_F (CliTest, CreatedAndCounts)
{
  store_default_token ();
  Result c = run ({"created", kMain});
  ASSERT_EQ (c.status, 0) << c.err;
  EXPECT_EQ (c.out, "#name\tcreated\ntwitchdev\t1481747548\n");
  Result f = run ({"num_followers", kMain});
  ASSERT_EQ (f.status, 0) << f.err;
  EXPECT_EQ (f.out, "#name\tfollowers\ntwitchdev\t250\n");
  Result g = run ({"num_following", kMain});
  ASSERT_EQ (g.status, 0) << g.err;
  EXPECT_EQ (g.out, "#name\tfollowing\ntwitchdev\t250\n");
}

TEST_F (CliTest, StreamsAreStartAndEndOfPastBroadcasts)
{
  store_default_token ();
  Result r = run ({"streams", kMain});
  ASSERT_EQ (r.status, 0) << r.err;
  Table t = parse_tsv (r.out);
  EXPECT_EQ (t.header, (std::vector<std::string>{"start", "end"}));
  ASSERT_EQ (t.rows.size (), 40u);
  /* The fake's first broadcast lasts 1h0m0s, the second 2h7m13s. */
  EXPECT_EQ (num (t.rows[0][1]) - num (t.rows[0][0]), 3600);
  EXPECT_EQ (num (t.rows[1][1]) - num (t.rows[1][0]), 2 * 3600 + 7 * 60 + 13);
  for (size_t i = 1; i < t.rows.size (); i++)
    EXPECT_LT (num (t.rows[i][0]), num (t.rows[i - 1][0]));
  /* itch's old name still works. */
  Result old = run ({"loots_streams", kMain, "-l", "3"});
  ASSERT_EQ (old.status, 0) << old.err;
  EXPECT_EQ (parse_tsv (old.out).rows.size (), 3u);
}

TEST_F (CliTest, ChannelAsCsvQuotesTheTitle)
{
  store_default_token ();
  Result r = run ({"channel", kMain, "--format", "csv"});
  ASSERT_EQ (r.status, 0) << r.err;
  auto ls = lines (r.out);
  ASSERT_EQ (ls.size (), 2u) << r.out;
  EXPECT_EQ (ls[0], "#id,name,display_name,created,broadcaster_type,language,"
                    "game,title,followers");
  EXPECT_EQ (ls[1], "141981764,twitchdev,TwitchDev,1481747548,partner,en,"
                    "Science & Technology,\"TwitchDev Monthly Update // May 6, "
                    "2021\",250");
}

TEST_F (CliTest, VideosAsJsonLines)
{
  store_default_token ();
  Result r = run ({"videos", kMain, "-f", "json", "--iso"});
  ASSERT_EQ (r.status, 0) << r.err;
  auto ls = lines (r.out);
  ASSERT_EQ (ls.size (), 40u);
  GRegex *iso = g_regex_new ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$",
      (GRegexCompileFlags)0, (GRegexMatchFlags)0, nullptr);
  for (const auto &l : ls) {
    JsonParser *p = json_parser_new ();
    ASSERT_TRUE (json_parser_load_from_data (p, l.c_str (), -1, nullptr)) << l;
    JsonObject *o = json_node_get_object (json_parser_get_root (p));
    for (const char *k : {"id", "created", "published", "duration", "views",
             "type", "language", "title", "url"})
      EXPECT_TRUE (json_object_has_member (o, k)) << k << " in " << l;
    EXPECT_TRUE (
        g_regex_match (iso, json_object_get_string_member (o, "created"),
            (GRegexMatchFlags)0, nullptr))
        << l;
    EXPECT_EQ (
        json_object_get_string_member (o, "type"), std::string ("archive"));
    EXPECT_GT (json_object_get_int_member (o, "duration"), 0);
    g_object_unref (p);
  }
  g_regex_unref (iso);
}

TEST_F (CliTest, LiveByLanguageAndLimit)
{
  store_default_token ();
  Result r = run ({"live", "-l", "120"});
  ASSERT_EQ (r.status, 0) << r.err;
  Table t = parse_tsv (r.out);
  EXPECT_EQ (t.header, (std::vector<std::string>{"name", "game", "viewers",
                           "started", "language", "title"}));
  ASSERT_EQ (t.rows.size (), 120u);
  for (size_t i = 1; i < t.rows.size (); i++)
    EXPECT_LE (num (t.rows[i][2]), num (t.rows[i - 1][2]))
        << "most viewers first";
  Result de = run ({"live", "--language", "de"});
  ASSERT_EQ (de.status, 0) << de.err;
  Table d = parse_tsv (de.out);
  EXPECT_GT (d.rows.size (), 0u);
  EXPECT_LT (d.rows.size (), 300u);
  for (const auto &row : d.rows)
    EXPECT_EQ (row[4], "de");
  Result game = run ({"live", "--game", "Fortnite", "-l", "5"});
  ASSERT_EQ (game.status, 0) << game.err;
  for (const auto &row : parse_tsv (game.out).rows)
    EXPECT_EQ (row[1], "Fortnite");
  Result nogame = run ({"live", "--game", "No Such Game"});
  EXPECT_EQ (nogame.status, 5);
  expect_one_error_line (nogame);
}

TEST_F (CliTest, ClipsGamesIngests)
{
  store_default_token ();
  Result c = run ({"clips", kMain});
  ASSERT_EQ (c.status, 0) << c.err;
  Table ct = parse_tsv (c.out);
  EXPECT_EQ (ct.header, (std::vector<std::string>{"id", "created", "creator",
                            "views", "duration", "title", "url"}));
  ASSERT_EQ (ct.rows.size (), 60u);
  EXPECT_EQ (ct.rows[0][4], "10.5");

  Result g = run ({"games"});
  ASSERT_EQ (g.status, 0) << g.err;
  Table gt = parse_tsv (g.out);
  EXPECT_EQ (gt.header, (std::vector<std::string>{"id", "name", "igdb_id"}));
  EXPECT_GE (gt.rows.size (), 200u);
  Result named = run ({"games", "Game 7"});
  ASSERT_EQ (named.status, 0) << named.err;
  EXPECT_EQ (named.out, "#id\tname\tigdb_id\n700007\tGame 7\t90007\n");
  Result none = run ({"games", "No Such Game"});
  EXPECT_EQ (none.status, 5);

  /* The ingest list needs no login. */
  g_unlink (token_path ().c_str ());
  Result i = run ({"ingests"});
  ASSERT_EQ (i.status, 0) << i.err;
  Table it = parse_tsv (i.out);
  EXPECT_EQ (it.header, (std::vector<std::string>{"id", "name", "default",
                            "priority", "availability", "url", "url_secure"}));
  EXPECT_EQ (it.rows.size (), 3u);
  EXPECT_EQ (it.rows[0][1], "EU: Amsterdam, NL");
}

TEST_F (CliTest, OutputStreamsAsPagesArrive)
{
  store_default_token ();
  /* Pages 1 and 2 each take 2 s: page 1's rows must be out while page 2 is
   * still on its way. */
  HelixFakeFault slow;
  slow.path = "/helix/channels/followers";
  slow.kind = "slow";
  slow.delay_ms = 2000;
  slow.count = 2;
  fake_->add_fault (slow);

  const char *cli = g_getenv ("GST_TWITCH_CLI");
  ASSERT_NE (cli, nullptr);
  GSubprocessLauncher *l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (
      l, "XDG_CONFIG_HOME", config_dir ().c_str (), 1);
  g_subprocess_launcher_setenv (l, "TWITCH_HELIX_URL", helix_url_.c_str (), 1);
  g_subprocess_launcher_setenv (
      l, "TWITCH_AUTH_URL", fake_->auth_url ().c_str (), 1);
  GSubprocess *p = g_subprocess_launcher_spawn (
      l, nullptr, cli, "followers", kMain, nullptr);
  g_object_unref (l);
  ASSERT_NE (p, nullptr);
  GDataInputStream *in
      = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  int got = 0;
  while (got < 101) {
    gchar *line = g_data_input_stream_read_line (in, nullptr, nullptr, nullptr);
    if (line == nullptr)
      break;
    g_free (line);
    got++;
  }
  EXPECT_EQ (got, 101) << "the header and the first page";
  EXPECT_EQ (g_subprocess_get_identifier (p) != nullptr, true)
      << "still running: page 2 is on its way";
  int rest = 0;
  while (gchar *line
         = g_data_input_stream_read_line (in, nullptr, nullptr, nullptr)) {
    g_free (line);
    rest++;
  }
  g_subprocess_wait (p, nullptr, nullptr);
  EXPECT_EQ (g_subprocess_get_exit_status (p), 0);
  EXPECT_EQ (rest, 150);
  g_object_unref (in);
  g_object_unref (p);
}

/* The shared fake has no GET /moderation/moderators: a small Helix of the
 * test's own serves a broadcaster's chat with moderators in it, to check
 * the order (broadcaster, moderators, viewers) the old TMI list had. */
class ModeratorsHelix
{
 public:
  ModeratorsHelix ()
  {
    ctx_ = g_main_context_new ();
    loop_ = g_main_loop_new (ctx_, FALSE);
    g_main_context_push_thread_default (ctx_);
    server_ = soup_server_new (nullptr, nullptr);
    soup_server_add_handler (server_, nullptr, handle, this, nullptr);
    GError *err = nullptr;
    if (soup_server_listen_local (
            server_, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &err)) {
      GSList *uris = soup_server_get_uris (server_);
      port_ = g_uri_get_port (static_cast<GUri *> (uris->data));
      g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
    }
    g_clear_error (&err);
    g_main_context_pop_thread_default (ctx_);
    thread_ = g_thread_new ("moderators-helix", run, this);
  }
  ~ModeratorsHelix ()
  {
    g_main_loop_quit (loop_);
    g_thread_join (thread_);
    g_object_unref (server_);
    g_main_loop_unref (loop_);
    g_main_context_unref (ctx_);
  }
  int port () const { return port_; }
  int moderator_requests () const { return moderator_requests_; }
  std::atomic<bool> moderation_read_{true};

 private:
  static gpointer run (gpointer data)
  {
    auto *self = static_cast<ModeratorsHelix *> (data);
    g_main_context_push_thread_default (self->ctx_);
    g_main_loop_run (self->loop_);
    g_main_context_pop_thread_default (self->ctx_);
    return nullptr;
  }
  static void handle (SoupServer *, SoupServerMessage *msg, const char *path,
      GHashTable *, gpointer data)
  {
    auto *self = static_cast<ModeratorsHelix *> (data);
    std::string p = path, body;
    if (p == "/oauth2/validate")
      body
          = "{\"client_id\":\"cid\",\"login\":\"streamerx\",\"user_id\":"
            "\"1000\",\"expires_in\":3600,\"scopes\":[\"moderator:read:"
            "chatters\""
            + std::string (self->moderation_read_ ? ",\"moderation:read\"" : "")
            + "]}";
    else if (p == "/helix/users")
      body = "{\"data\":[{\"id\":\"1000\",\"login\":\"streamerx\","
             "\"display_name\":\"StreamerX\",\"type\":\"\","
             "\"broadcaster_type\":\"\",\"created_at\":"
             "\"2015-01-01T00:00:00Z\"}]}";
    else if (p == "/helix/moderation/moderators") {
      self->moderator_requests_++;
      body = "{\"data\":[{\"user_id\":\"2002\",\"user_login\":\"mod_b\"},"
             "{\"user_id\":\"2004\",\"user_login\":\"mod_d\"},"
             "{\"user_id\":\"2009\",\"user_login\":\"mod_away\"}],"
             "\"pagination\":{}}";
    } else if (p == "/helix/chat/chatters")
      body = "{\"data\":[{\"user_id\":\"2001\",\"user_login\":\"viewer_a\"},"
             "{\"user_id\":\"2002\",\"user_login\":\"mod_b\"},"
             "{\"user_id\":\"2003\",\"user_login\":\"viewer_c\"},"
             "{\"user_id\":\"1000\",\"user_login\":\"streamerx\"},"
             "{\"user_id\":\"2004\",\"user_login\":\"mod_d\"}],"
             "\"pagination\":{},\"total\":5}";
    if (body.empty ()) {
      soup_server_message_set_status (msg, 404, nullptr);
      return;
    }
    soup_server_message_set_status (msg, 200, nullptr);
    soup_server_message_set_response (
        msg, "application/json", SOUP_MEMORY_COPY, body.data (), body.size ());
  }

  GMainContext *ctx_;
  GMainLoop *loop_;
  SoupServer *server_;
  GThread *thread_;
  int port_ = 0;
  std::atomic<int> moderator_requests_{0};
};

TEST_F (CliTest, ChattersBroadcasterThenModeratorsThenViewers)
{
  ModeratorsHelix helix;
  ASSERT_GT (helix.port (), 0);
  std::string dir = config_dir () + "/gst-twitch";
  g_mkdir_with_parents (dir.c_str (), 0700);
  ASSERT_TRUE (twitch_test::write_file (token_path (),
      "{\"client_id\":\"cid\",\"access_token\":\"streamerxtoken0001\","
      "\"refresh_token\":\"\",\"login\":\"streamerx\",\"user_id\":\"1000\","
      "\"expires_at\":0,\"scopes\":[\"moderator:read:chatters\","
      "\"moderation:read\"]}"));
  /* As `login` writes it: a token readable by others is refused. */
  g_chmod (token_path ().c_str (), 0600);
  std::string base = "http://127.0.0.1:" + std::to_string (helix.port ());
  helix_url_ = base + "/helix";
  std::map<std::string, std::string> env
      = {{"TWITCH_AUTH_URL", base + "/oauth2"}};
  Result r = run ({"chatters", "streamerx"}, env);
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_EQ (r.out, "#name\nstreamerx\nmod_b\nmod_d\nviewer_a\nviewer_c\n");
  EXPECT_EQ (r.err, "") << "no note: moderators were told apart";
  EXPECT_EQ (helix.moderator_requests (), 1);

  /* Without moderation:read: the broadcaster first, then everyone else. */
  ASSERT_TRUE (twitch_test::write_file (token_path (),
      "{\"client_id\":\"cid\",\"access_token\":\"streamerxtoken0001\","
      "\"refresh_token\":\"\",\"login\":\"streamerx\",\"user_id\":\"1000\","
      "\"expires_at\":0,\"scopes\":[\"moderator:read:chatters\"]}"));
  g_chmod (token_path ().c_str (), 0600);
  helix.moderation_read_ = false;
  Result n = run ({"chatters", "streamerx"}, env);
  ASSERT_EQ (n.status, 0) << n.err;
  EXPECT_EQ (n.out, "#name\nstreamerx\nviewer_a\nmod_b\nviewer_c\nmod_d\n");
  EXPECT_NE (n.err.find ("note"), std::string::npos);
  EXPECT_EQ (helix.moderator_requests (), 1);
}

/* ---- caches -------------------------------------------------------------- */

class CliCacheTest : public CliTest
{
 protected:
  /* Two identical runs: the second one asks the fake nothing. */
  void expect_second_run_hits (
      const std::string &backend, const std::map<std::string, std::string> &env)
  {
    store_default_token ();
    std::vector<std::string> args
        = {"followers", kMain, "-l", "150", "-c", backend};
    Result first = run (args, env);
    ASSERT_EQ (first.status, 0) << first.err;
    EXPECT_GT (fake_->requests ("/helix/channels/followers"), 0u);
    fake_->reset_stats ();
    Result second = run (args, env);
    ASSERT_EQ (second.status, 0) << second.err;
    EXPECT_EQ (second.out, first.out);
    EXPECT_EQ (fake_->requests ("/helix/channels/followers"), 0u) << backend;
    EXPECT_EQ (fake_->requests ("/helix/users"), 0u) << backend;
    /* Nothing from Helix at all; the token is still validated once at start,
     * as Twitch asks of every application. */
    for (const auto &[path, n] : fake_->requests_by_path ())
      EXPECT_TRUE (path.rfind ("/helix/", 0) != 0 || n == 0)
          << backend << ": " << path << " asked " << n << " times";
  }
};

TEST_F (CliCacheTest, FileHitsOnSecondRun)
{
  expect_second_run_hits ("file", {});
  /* The file tree is private to the user. */
  struct stat st;
  ASSERT_EQ (g_stat ((dir_.path () + "/cache").c_str (), &st), 0);
  EXPECT_EQ (st.st_mode & 077, 0u);
}

TEST_F (CliCacheTest, RedisHitsOnSecondRun)
{
  TWITCH_REQUIRE_PROGRAM (
      twitch_test::RedisPeer::program (), "redis-server", "redis-server");
  twitch_test::RedisPeer redis;
  GError *err = nullptr;
  ASSERT_TRUE (redis.start (&err)) << (err ? err->message : "");
  expect_second_run_hits (
      "redis", {{"REDIS_HOST", "127.0.0.1"},
                   {"REDIS_PORT", std::to_string (redis.port ())}});
}

TEST_F (CliCacheTest, MemcacheHitsOnSecondRun)
{
  TWITCH_REQUIRE_PROGRAM (
      twitch_test::MemcachedPeer::program (), "memcached", "memcached");
  twitch_test::MemcachedPeer mc;
  GError *err = nullptr;
  ASSERT_TRUE (mc.start (&err)) << (err ? err->message : "");
  expect_second_run_hits ("memcache", {{"MEMCACHE_SERVERS", mc.address ()}});
}

TEST_F (CliCacheTest, CacheTtlBoundsHowLongAnswersAreKept)
{
  store_default_token ();
  std::vector<std::string> args
      = {"followers", kMain, "-l", "10", "-c", "file", "--cache-ttl", "1"};
  Result first = run (args);
  ASSERT_EQ (first.status, 0) << first.err;
  /* Once the second has passed, the fake is asked again. */
  bool asked = false;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!asked && g_get_monotonic_time () < deadline) {
    g_usleep (500 * 1000);
    fake_->reset_stats ();
    Result again = run (args);
    ASSERT_EQ (again.status, 0) << again.err;
    EXPECT_EQ (again.out, first.out);
    asked = fake_->requests ("/helix/channels/followers") > 0;
  }
  EXPECT_TRUE (asked) << "the cached page never expired";
  EXPECT_EQ (run ({"followers", kMain, "--cache-ttl", "-5"}).status, 2);
}

TEST_F (CliCacheTest, NoneAndMemoryAskEveryTime)
{
  store_default_token ();
  for (const char *backend : {"none", "memory"}) {
    fake_->reset_stats ();
    Result r = run ({"followers", kMain, "-l", "10", "-c", backend});
    ASSERT_EQ (r.status, 0) << r.err;
    fake_->reset_stats ();
    r = run ({"followers", kMain, "-l", "10", "-c", backend});
    ASSERT_EQ (r.status, 0) << r.err;
    EXPECT_EQ (fake_->requests ("/helix/channels/followers"), 1u) << backend;
  }
}

TEST_F (CliCacheTest, AFailingPageNeverPrintsAPartialRow)
{
  store_default_token ();
  /* Page 1 (and its account lookup) cached, page 2 failing. */
  Result warm = run ({"followers", kMain, "-l", "100", "-c", "file"});
  ASSERT_EQ (warm.status, 0) << warm.err;
  HelixFakeFault down;
  down.path = "/helix/channels/followers";
  down.kind = "status";
  down.status = 503;
  down.count = 100;
  fake_->add_fault (down);
  Result r = run ({"followers", kMain, "-c", "file"});
  EXPECT_EQ (r.status, 7);
  expect_one_error_line (r);
  EXPECT_EQ (r.out, warm.out) << "exactly the complete first page";
}

/* ---- errors and exit codes ----------------------------------------------- */

TEST_F (CliTest, UsageErrorsExit2)
{
  store_default_token ();
  for (const auto &args :
      std::vector<std::vector<std::string>>{{}, {"nosuchreport"}, {"followers"},
          {"followers", "a", "b"}, {"followers", kMain, "-d", "sideways"},
          {"followers", kMain, "--format", "xml"},
          {"followers", kMain, "-c", "floppy"},
          {"followers", kMain, "-l", "-3"},
          {"followers", kMain, "--no-such-option"},
          {"followers", "not a login!"}}) {
    Result r = run (args);
    EXPECT_EQ (r.status, 2) << (args.empty () ? "" : args[0]) << r.err;
    expect_one_error_line (r);
    EXPECT_EQ (r.out, "");
  }
  Result help = run ({"followers", "--help"});
  EXPECT_EQ (help.status, 0);
  EXPECT_NE (help.out.find ("moderator:read:followers"), std::string::npos);
  Result version = run ({"--version"});
  EXPECT_EQ (version.status, 0);
  EXPECT_EQ (version.out.rfind ("gst-twitch ", 0), 0u);
}

TEST_F (CliTest, UnwritableOutputExit1)
{
  ASSERT_TRUE (g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
      << "no /dev/full on this Linux machine";
  store_default_token ();
  const char *cli = g_getenv ("GST_TWITCH_CLI");
  ASSERT_NE (cli, nullptr);
  GSubprocessLauncher *l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_stdout_file_path (l, "/dev/full");
  g_subprocess_launcher_setenv (
      l, "XDG_CONFIG_HOME", config_dir ().c_str (), 1);
  g_subprocess_launcher_setenv (l, "TWITCH_HELIX_URL", helix_url_.c_str (), 1);
  g_subprocess_launcher_setenv (
      l, "TWITCH_AUTH_URL", fake_->auth_url ().c_str (), 1);
  GSubprocess *p = g_subprocess_launcher_spawn (
      l, nullptr, cli, "followers", kMain, "-l", "10", nullptr);
  g_object_unref (l);
  ASSERT_NE (p, nullptr);
  gchar *err = nullptr;
  g_subprocess_communicate_utf8 (p, nullptr, nullptr, nullptr, &err, nullptr);
  Result r;
  r.err = err ? err : "";
  g_free (err);
  r.status = g_subprocess_get_exit_status (p);
  g_object_unref (p);
  EXPECT_EQ (r.status, 1) << r.err;
  expect_one_error_line (r);
  EXPECT_NE (r.err.find ("cannot write"), std::string::npos) << r.err;
}

TEST_F (CliTest, NoCredentialsExit3)
{
  Result r = run ({"followers", kMain});
  EXPECT_EQ (r.status, 3);
  expect_one_error_line (r);
  EXPECT_NE (r.err.find ("gst-twitch login"), std::string::npos) << r.err;
  EXPECT_EQ (fake_->requests (), 0u);
  Result w = run ({"whoami"});
  EXPECT_EQ (w.status, 3);
}

TEST_F (CliTest, MissingScopeExit4NamesTheScope)
{
  /* The token is validated at start: its real scopes count, not what the
   * stored file claims, and a report is refused before any request. */
  fake_->set_user_scopes ({"user:read:follows"});
  store_token (fake_->options ().user_scopes);
  for (const char *report : {"followers", "chatters"}) {
    Result r = run ({report, kMain});
    EXPECT_EQ (r.status, 4) << report << r.err;
    expect_one_error_line (r);
    EXPECT_NE (r.err.find (std::string ("moderator:read:") + report),
        std::string::npos)
        << r.err;
    EXPECT_NE (r.err.find ("gst-twitch login --scopes"), std::string::npos);
    EXPECT_EQ (r.out, "");
  }
  EXPECT_EQ (fake_->requests ("/helix/channels/followers"), 0u);
  EXPECT_EQ (fake_->requests ("/helix/chat/chatters"), 0u);
  /* What needs no scope still works. */
  Result c = run ({"num_followers", kMain});
  EXPECT_EQ (c.status, 0) << c.err;
}

TEST_F (CliTest, AppTokenCannotListFollowers)
{
  Result r = run ({"followers", kMain},
      {{"TWITCH_CLIENT_ID", fake_->options ().client_id},
          {"TWITCH_CLIENT_SECRET", fake_->options ().client_secret}});
  EXPECT_EQ (r.status, 4) << r.err;
  expect_one_error_line (r);
  /* ... but reads public data. */
  Result c = run ({"created", kMain},
      {{"TWITCH_CLIENT_ID", fake_->options ().client_id},
          {"TWITCH_CLIENT_SECRET", fake_->options ().client_secret}});
  EXPECT_EQ (c.status, 0) << c.err;
  EXPECT_EQ (c.out, "#name\tcreated\ntwitchdev\t1481747548\n");
}

TEST_F (CliTest, UnknownChannelExit5)
{
  store_default_token ();
  for (const char *report :
      {"followers", "created", "num_followers", "streams", "channel"}) {
    Result r = run ({report, "nosuchchannel"});
    EXPECT_EQ (r.status, 5) << report << r.err;
    expect_one_error_line (r);
    EXPECT_NE (r.err.find ("nosuchchannel"), std::string::npos) << r.err;
    EXPECT_EQ (r.out, "");
  }
}

TEST_F (CliTest, NetworkFailureExit6)
{
  store_default_token ();
  int dead = twitch_test::free_loopback_port ();
  helix_url_ = "http://127.0.0.1:" + std::to_string (dead) + "/helix";
  Result r = run ({"created", kMain});
  EXPECT_EQ (r.status, 6) << r.err;
  expect_one_error_line (r);
  EXPECT_EQ (r.out, "");
}

TEST_F (CliTest, ServerErrorsExit7AfterRetries)
{
  store_default_token ();
  HelixFakeFault f;
  f.path = "/helix/users";
  f.kind = "status";
  f.status = 503;
  f.count = 100;
  fake_->add_fault (f);
  Result r = run ({"created", kMain});
  EXPECT_EQ (r.status, 7) << r.err;
  expect_one_error_line (r);
  EXPECT_EQ (fake_->requests ("/helix/users"), 4u) << "1 try + 3 retries";
}

TEST_F (CliTest, MalformedAnswerExit8)
{
  store_default_token ();
  HelixFakeFault f;
  f.path = "/helix/users";
  f.kind = "malformed";
  f.count = 100;
  fake_->add_fault (f);
  Result r = run ({"created", kMain});
  EXPECT_EQ (r.status, 8) << r.err;
  expect_one_error_line (r);
  EXPECT_EQ (r.out, "");
}

TEST_F (CliTest, ExpiredTokenIsRefreshedAndStored)
{
  store_default_token ();
  std::string old = fake_->current_user_token ();
  fake_->expire_tokens ();
  Result r = run ({"created", kMain});
  ASSERT_EQ (r.status, 0) << r.err;
  std::string now = fake_->current_user_token ();
  EXPECT_NE (now, old);
  std::string stored = twitch_test::read_file (token_path ());
  EXPECT_NE (stored.find (now), std::string::npos) << "the new token is kept";
  EXPECT_EQ (stored.find (old), std::string::npos);

  /* A refresh Twitch refuses: log in again, exit 4. */
  fake_->expire_tokens ();
  fake_->revoke_refresh_tokens ();
  Result bad = run ({"created", kMain});
  EXPECT_EQ (bad.status, 4) << bad.err;
  expect_one_error_line (bad);
  EXPECT_NE (bad.err.find ("login"), std::string::npos);
}

/* ---- account ------------------------------------------------------------- */

TEST_F (CliTest, LoginWhoamiLogout)
{
  std::map<std::string, std::string> env
      = {{"TWITCH_CLIENT_ID", fake_->options ().client_id}};
  Result in = run ({"login"}, env);
  ASSERT_EQ (in.status, 0) << in.err;
  EXPECT_NE (in.err.find ("ABCDEFGH"), std::string::npos) << "the user code";
  EXPECT_NE (in.out.find ("Logged in as twitchdev"), std::string::npos);

  struct stat st;
  ASSERT_EQ (g_stat (token_path ().c_str (), &st), 0);
  EXPECT_EQ (st.st_mode & 0777, 0600u);
  ASSERT_EQ (g_stat ((config_dir () + "/gst-twitch").c_str (), &st), 0);
  EXPECT_EQ (st.st_mode & 0777, 0700u);
  std::string token = fake_->current_user_token ();
  std::string stored = twitch_test::read_file (token_path ());
  EXPECT_NE (stored.find (token), std::string::npos);
  /* The report scopes were asked for. */
  for (const char *s : {"moderator:read:followers", "moderator:read:chatters",
           "user:read:follows"})
    EXPECT_NE (stored.find (s), std::string::npos) << s;

  Result who = run ({"whoami"});
  ASSERT_EQ (who.status, 0) << who.err;
  Table t = parse_tsv (who.out);
  ASSERT_EQ (t.rows.size (), 1u);
  EXPECT_EQ (t.rows[0][0], "twitchdev");
  EXPECT_EQ (t.rows[0][1], "141981764");

  /* Reports use the stored token. */
  Result f = run ({"followers", kMain, "-l", "3", "-v"});
  EXPECT_EQ (f.status, 0) << f.err;
  for (const Result *r : {&in, &who, &f}) {
    EXPECT_EQ (r->out.find (token), std::string::npos);
    EXPECT_EQ (r->err.find (token), std::string::npos);
  }

  Result out = run ({"logout"});
  ASSERT_EQ (out.status, 0) << out.err;
  EXPECT_FALSE (g_file_test (token_path ().c_str (), G_FILE_TEST_EXISTS));
  EXPECT_EQ (run ({"whoami"}).status, 3);
  EXPECT_EQ (run ({"logout"}).status, 0) << "logging out twice is fine";
}

TEST_F (CliTest, LoginWithoutClientIdExit3)
{
  Result r = run ({"login"});
  EXPECT_EQ (r.status, 3);
  expect_one_error_line (r);
  EXPECT_NE (r.err.find ("TWITCH_CLIENT_ID"), std::string::npos);
}

TEST_F (CliTest, SecretsStayOutOfTheDebugLog)
{
  store_default_token ();
  std::string token = fake_->current_user_token ();
  std::string refresh = fake_->current_refresh_token ();
  std::map<std::string, std::string> env = {{"GST_DEBUG", "*:9"},
      {"GST_PLUGIN_SYSTEM_PATH_1_0", ""}, {"GST_PLUGIN_PATH_1_0", ""},
      {"GST_REGISTRY", dir_.path () + "/registry.bin"}};
  /* A refresh on the way: the new token must stay out too. */
  fake_->expire_tokens ();
  Result r = run ({"followers", kMain, "-l", "5", "-c", "file", "-v"}, env);
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.err.find ("twitchapi"), std::string::npos) << "the log is on";
  std::string fresh = fake_->current_user_token ();
  EXPECT_NE (fresh, token);
  for (const std::string &secret :
      {token, refresh, fresh, fake_->current_refresh_token ()}) {
    EXPECT_EQ (r.err.find (secret), std::string::npos) << secret;
    EXPECT_EQ (r.out.find (secret), std::string::npos) << secret;
  }
}

/* ---- chat recordings ----------------------------------------------------- */

TEST_F (CliTest, ChatlogPrintsFromAndMessage)
{
  std::string dir = g_getenv ("TWITCH_CLI_TEST_FIXTURES");
  Result r = run ({"chatlog", dir + "/chat.jsonl"});
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_EQ (r.out, twitch_test::read_file (dir + "/chat.expected"));
  Result l = run ({"chatlog", dir + "/chat.jsonl", "-l", "2"});
  EXPECT_EQ (lines (l.out).size (), 2u);

  Result damaged = run ({"chatlog", dir + "/chat-damaged.jsonl"});
  EXPECT_EQ (damaged.status, 8);
  expect_one_error_line (damaged);
  EXPECT_NE (damaged.err.find ("line 2"), std::string::npos) << damaged.err;
  EXPECT_EQ (damaged.out, "A : first\nB : second\n") << "nothing lost";

  Result missing = run ({"chatlog", dir + "/no-such-file.jsonl"});
  EXPECT_EQ (missing.status, 5);
  expect_one_error_line (missing);
}

/* ---- the writer ---------------------------------------------------------- */

std::string
format (cli::Format f, bool iso, const cli::Row &row)
{
  cli::OutputOptions o;
  o.format = f;
  o.iso = iso;
  cli::Writer w (stdout,
      {{"s", cli::Kind::STRING}, {"n", cli::Kind::INT}, {"t", cli::Kind::TIME},
          {"r", cli::Kind::REAL}},
      o);
  std::string buf;
  w.format_header (buf);
  w.format_row (row, buf);
  return buf;
}

TEST (CliWriter, QuotingOfEachFormat)
{
  cli::Row row = {cli::Value::str ("a,\"b\"\tc\nd"), cli::Value::num (-5),
      cli::Value::num (1469404800), cli::Value::real (2.5)};
  EXPECT_EQ (format (cli::Format::TSV, false, row),
      "#s\tn\tt\tr\na,\"b\" c d\t-5\t1469404800\t2.5\n");
  EXPECT_EQ (format (cli::Format::CSV, false, row),
      "#s,n,t,r\n\"a,\"\"b\"\"\tc\nd\",-5,1469404800,2.5\n");
  EXPECT_EQ (format (cli::Format::JSON, true, row),
      "{\"s\":\"a,\\\"b\\\"\\tc\\nd\",\"n\":-5,\"t\":\"2016-07-25T00:00:00Z\","
      "\"r\":2.5}\n");
  cli::Row nulls = {cli::Value::str ("\x01"), cli::Value::null (),
      cli::Value::null (), cli::Value::null ()};
  EXPECT_EQ (format (cli::Format::JSON, false, nulls),
      "{\"s\":\"\\u0001\",\"n\":null,\"t\":null,\"r\":null}\n");
  EXPECT_EQ (
      format (cli::Format::TSV, true, nulls), "#s\tn\tt\tr\n\x01\t\t\t\n");
}

} // namespace
