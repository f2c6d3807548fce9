/* gst-twitch: the commands (reports, account, chatlog). */
#pragma once

#include "helix.h"
#include "output.h"

#include <memory>
#include <string>
#include <vector>

namespace cli
{

/* The report scopes `gst-twitch login` asks for by default. */
extern const char *const kDefaultScopes;

struct Options {
  int64_t limit = 0; /* 0: everything */
  bool ascending = false;
  std::string cache = "none";
  int64_t cache_ttl = 0; /* seconds; 0: the library's TTL per kind */
  OutputOptions output;
  std::string game;     /* live --game */
  std::string language; /* live --language */
  std::string type;     /* videos --type */
  std::string scopes;   /* login --scopes */
  std::string client_id;
  bool no_browser = false;
  bool verbose = false;
  std::vector<std::string> args; /* after the command name */
};

class Context
{
 public:
  explicit Context (Options options);
  ~Context ();

  Options opt;

  /* The Helix access with the stored user token, else TWITCH_OAUTH_TOKEN,
   * else an app token from TWITCH_CLIENT_ID + TWITCH_CLIENT_SECRET; fails
   * with EXIT_NO_CREDENTIALS when there is none of them. */
  Api &api ();
  /* Requests and cache hits so far (for -v). */
  twitch::HelixStats stats () const;
  /* Stores a token the client refreshed. */
  void save_refreshed ();
  /* The response cache chosen by -c (nullptr for none). */
  std::shared_ptr<twitch::Cache> cache ();

  /* Fails with EXIT_UNAUTHORIZED, naming @scope and how to get it, when the
   * token is an app token or a user token without @scope. */
  void require_scope (const std::string &scope, const std::string &what);

  Writer &writer (std::vector<Column> columns);

 private:
  std::unique_ptr<Api> api_;
  std::shared_ptr<twitch::Cache> cache_;
  bool cache_made_ = false;
  std::unique_ptr<Writer> writer_;
  std::vector<std::string> registered_;
};

using CommandFn = int (*) (Context &ctx);

struct Command {
  const char *name;
  const char *args;        /* "CHANNEL" */
  int min_args, max_args;  /* -1: any */
  const char *summary;     /* one line */
  const char *description; /* columns, scopes, notes */
  CommandFn run;
};

const std::vector<Command> &commands ();
const Command *command_find (const std::string &name);

} // namespace cli
