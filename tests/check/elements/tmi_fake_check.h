/* The fake TMI server (tests/support/tmi_fake.h) for the chat elements'
 * GstCheck tests. */
#pragma once

#include <gst/check/gstcheck.h>

#include "support/tmi_fake.h"

#include <memory>

/* A started fake accepting only @token (any when null), over TLS with
 * @tls, PINGing every @ping_interval s (0: never). Its programs are
 * checked in main(): a fake that does not start is a broken peer, which
 * fails the test (a GstCheck test that returns has passed). */
static inline std::unique_ptr<twitch_test::TmiFake>
start_fake (
    const char *token = nullptr, bool tls = false, double ping_interval = 0)
{
  auto fake = std::make_unique<twitch_test::TmiFake> ();
  twitch_test::TmiFakeOptions o;
  o.tls = tls;
  o.ping_interval = ping_interval;
  if (token)
    o.token = token;
  GError *err = nullptr;
  bool started = fake->start (o, &err);
  fail_unless (started, "the fake TMI server did not start: %s",
      err ? err->message : "?");
  g_clear_error (&err);
  return fake;
}
