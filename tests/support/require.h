/* Whether a missing peer fails or skips a test: the one place that decides.
 *
 * In CI (CI=true, as .ci/run runs the suite) every peer the test script
 * installs is required: a missing one FAILS the test with a message naming
 * it. Outside CI a missing peer skips the test (a test program whose every
 * test skipped exits 77, so meson reports SKIP). A peer that is installed but
 * fails to start always fails the test: that is a broken peer, not a missing
 * one. */
#pragma once

#include <string>

namespace twitch_test
{

/* True when CI is set to anything but "", "0", "false" or "no". */
bool peers_required ();

/* The line a missing peer produces: "needs ffprobe (apt-get install ffmpeg)"
 * or, in CI, "ffprobe not found on PATH ... CI=true: every peer is
 * required". */
std::string missing_peer_message (const std::string &what);

/* For GstCheck programs (Check has no per-test skip): when @missing is not
 * empty, prints why and exits the whole program: 77 (SKIP) outside CI, 1
 * (FAIL) in CI. Call from main before running the suite. */
void require_peer_or_exit (const std::string &missing);

} // namespace twitch_test

/* GoogleTest: skip (outside CI) or fail (CI) when @missing_expr, a
 * std::string naming what is missing and its package, is not empty. Returns
 * from the calling function either way (use in a test body or SetUp). */
#define TWITCH_REQUIRE_PEER(missing_expr)                                      \
  do {                                                                         \
    std::string twitch_missing_ = (missing_expr);                              \
    if (!twitch_missing_.empty ()) {                                           \
      if (twitch_test::peers_required ())                                      \
        GTEST_FAIL () << twitch_test::missing_peer_message (twitch_missing_);  \
      else                                                                     \
        GTEST_SKIP () << twitch_test::missing_peer_message (twitch_missing_);  \
    }                                                                          \
  } while (0)

/* @path empty: @program is missing. */
#define TWITCH_REQUIRE_PROGRAM(path, program, package)                         \
  TWITCH_REQUIRE_PEER ((path).empty ()                                         \
                           ? std::string (program) + " not found on PATH ("    \
                                 + "apt-get install " + (package) + ")"        \
                           : std::string ())
