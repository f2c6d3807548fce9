/* gst-twitch: exit codes and the one error type every command throws.
 * main() catches it and prints ONE line on stderr; nothing else ever reaches
 * the user (no stack trace, no partial row). */
#pragma once

#include <glib.h>

#include <stdexcept>
#include <string>

namespace cli
{

/* Documented in docs/gst-twitch.md; scripts rely on them. */
enum ExitCode {
  EXIT_OK = 0,
  EXIT_OTHER = 1,          /* anything not below (local I/O, ...) */
  EXIT_USAGE = 2,          /* bad command line */
  EXIT_NO_CREDENTIALS = 3, /* not logged in and no app credentials */
  EXIT_UNAUTHORIZED = 4,   /* token rejected, or a scope is missing */
  EXIT_NOT_FOUND = 5,      /* unknown channel, user, game, file */
  EXIT_NETWORK = 6,        /* connection, TLS, timeout */
  EXIT_SERVER = 7,         /* rate limited (429) or 5xx after retries */
  EXIT_BAD_RESPONSE = 8,   /* the answer was not the JSON Twitch documents */
};

class Failure : public std::runtime_error
{
 public:
  Failure (int code, const std::string &message)
      : std::runtime_error (message), code_ (code)
  {
  }
  int code () const { return code_; }

 private:
  int code_;
};

[[noreturn]] void fail (int code, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Throws a Failure for @error (consumed) with the exit code of its domain
 * and code; @context (e.g. "followers of foo") prefixes the message. */
[[noreturn]] void fail_from_gerror (GError *error, const std::string &context);

/* The exit code for a GError (Helix, cache, ingest, GIO domains). */
int exit_code_for_gerror (const GError *error);

} // namespace cli
