/* Collects what a twitch::ChatClient reports, for the chat integration
 * tests. */
#pragma once

#include <gst/twitch/chat/client.h>

#include "support/tmi_fake.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

struct ChatRecorder {
  std::mutex mu;
  std::vector<twitch::ChatMessage> messages;
  std::map<uint64_t, std::vector<twitch::SendResult>> results;
  std::vector<twitch::ChatState> states;
  std::vector<std::string> fatal;
  std::vector<int> fatal_codes;
  std::vector<std::string> joined;
  std::vector<std::string> join_failed;
  int connected = 0;

  twitch::ChatCallbacks callbacks ()
  {
    twitch::ChatCallbacks cb;
    cb.on_message = [this] (twitch::ChatMessage &&m) {
      std::lock_guard<std::mutex> lk (mu);
      messages.push_back (std::move (m));
    };
    cb.on_send_result = [this] (const twitch::SendResult &r) {
      std::lock_guard<std::mutex> lk (mu);
      results[r.id].push_back (r);
    };
    cb.on_state = [this] (twitch::ChatState s, int, int64_t, const GError *) {
      std::lock_guard<std::mutex> lk (mu);
      states.push_back (s);
      if (s == twitch::ChatState::CONNECTED)
        connected++;
    };
    cb.on_fatal = [this] (const GError *e) {
      std::lock_guard<std::mutex> lk (mu);
      fatal.push_back (e->message);
      fatal_codes.push_back (e->code);
    };
    cb.on_joined = [this] (const std::string &c) {
      std::lock_guard<std::mutex> lk (mu);
      joined.push_back (c);
    };
    cb.on_join_failed = [this] (const std::string &c, const GError *) {
      std::lock_guard<std::mutex> lk (mu);
      join_failed.push_back (c);
    };
    return cb;
  }

  int connected_count ()
  {
    std::lock_guard<std::mutex> lk (mu);
    return connected;
  }
  size_t joined_count ()
  {
    std::lock_guard<std::mutex> lk (mu);
    return joined.size ();
  }
  size_t results_count ()
  {
    std::lock_guard<std::mutex> lk (mu);
    return results.size ();
  }
  size_t count_kind (twitch::ChatKind k)
  {
    std::lock_guard<std::mutex> lk (mu);
    size_t n = 0;
    for (auto &m : messages)
      n += m.kind == k;
    return n;
  }
};

/* Every live PRIVMSG text the fake recorded -> how often. */
inline std::map<std::string, int>
recorded_privmsgs (const twitch_test::TmiFake &fake,
    std::vector<std::pair<double, std::string>> *times = nullptr)
{
  std::map<std::string, int> out;
  for (auto &r : fake.recorded ()) {
    if (!r.live)
      continue;
    size_t p = r.line.find ("PRIVMSG #");
    if (p == std::string::npos)
      continue;
    size_t sp = r.line.find (' ', p + 9);
    std::string channel = r.line.substr (p + 9, sp - p - 9);
    size_t colon = r.line.find (" :", p);
    std::string text
        = colon == std::string::npos ? "" : r.line.substr (colon + 2);
    out[text]++;
    if (times)
      times->emplace_back (r.t, channel);
  }
  return out;
}

/* A chat client test against the fake TMI server: start_fake() starts it
 * (a fake that does not start fails the test: python3 is installed, so it
 * is a broken peer), config() points a client at it, rec collects what the
 * client reports. @token: the client's token (without "oauth:"). */
class ChatFakeTest : public ::testing::Test
{
 protected:
  explicit ChatFakeTest (std::string token) : token_ (std::move (token)) {}
  void SetUp () override { gst_init (nullptr, nullptr); }

  void start_fake (twitch_test::TmiFakeOptions opts = {})
  {
    GError *err = nullptr;
    if (!fake.start (opts, &err)) {
      std::string m = err ? err->message : "?";
      g_clear_error (&err);
      GTEST_FAIL () << "fake TMI server did not start: " << m;
    }
  }

  /* Joins @channels; with @auth logs in as testbot. Quick reconnects. */
  twitch::ChatConfig config (
      std::vector<std::string> channels, bool auth = false)
  {
    twitch::ChatConfig c;
    GError *err = nullptr;
    EXPECT_TRUE (twitch::chat_config_set_server (c, fake.uri (), &err));
    g_clear_error (&err);
    c.tls_ca_file = fake.cert_file ();
    c.channels = std::move (channels);
    if (auth) {
      c.login = "testbot";
      c.token = "oauth:" + token_;
    }
    c.backoff.initial_delay_us = 50 * 1000;
    c.backoff.max_delay_us = 500 * 1000;
    return c;
  }

  twitch_test::TmiFake fake;
  ChatRecorder rec;

 private:
  std::string token_;
};
