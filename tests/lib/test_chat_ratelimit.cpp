/* Send limits and message splitting, on a fake clock at Twitch's numbers. */
#include <gst/twitch/chat/message.h>
#include <gst/twitch/chat/ratelimit.h>

#include <gtest/gtest.h>

#include <random>

using namespace twitch;

static const int64_t S = G_USEC_PER_SEC;

/* Max events in any window of @span ending at an event. */
static int
max_in_window (const std::vector<int64_t> &t, int64_t span)
{
  int best = 0;
  size_t lo = 0;
  for (size_t hi = 0; hi < t.size (); ++hi) {
    while (t[hi] - t[lo] >= span)
      ++lo;
    best = std::max (best, static_cast<int> (hi - lo + 1));
  }
  return best;
}

TEST (ChatRateLimiter, ThousandSendsNeverExceedTwitchLimits)
{
  ChatRateLimiter rl;
  std::mt19937 rng (1);
  const char *chans[] = {"a", "b", "c"};
  std::vector<int64_t> all;
  std::map<std::string, int64_t> last;
  int64_t now = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string ch = chans[rng () % 3];
    int64_t t = rl.next_message (now, ch, false);
    ASSERT_GE (t, now);
    now = t;
    rl.record_message (now, ch);
    if (last.count (ch)) {
      EXPECT_GE (now - last[ch], S) << "less than 1 s apart in #" << ch;
    }
    last[ch] = now;
    all.push_back (now);
    now += rng () % (S / 4);
  }
  EXPECT_LE (max_in_window (all, 30 * S), 20);
  /* And it is not needlessly slow: 1000 messages at 20 / 30.3 s. */
  EXPECT_LT (all.back (), (1000 / 20 + 1) * 31 * S);
}

TEST (ChatRateLimiter, ModeratorsGetHundred)
{
  ChatRateLimiter rl;
  std::vector<int64_t> all;
  int64_t now = 0;
  for (int i = 0; i < 300; ++i) {
    now = rl.next_message (now, "mine", true);
    rl.record_message (now, "mine");
    all.push_back (now);
  }
  EXPECT_LE (max_in_window (all, 30 * S), 100);
  EXPECT_EQ (max_in_window (all, S), 100) << "no per-channel gap for mods";
}

TEST (ChatRateLimiter, JoinsTwentyPerTenSeconds)
{
  ChatRateLimiter rl;
  std::vector<int64_t> t;
  int64_t now = 0;
  for (int i = 0; i < 100; ++i) {
    now = rl.next_join (now);
    rl.record_join (now);
    t.push_back (now);
  }
  EXPECT_LE (max_in_window (t, 10 * S), 20);
  EXPECT_EQ (t[19], 0);
  EXPECT_GT (t[20], 10 * S);
}

TEST (ChatSplit, FiveHundredCodePointsOnSpaces)
{
  std::string word = "😂abcd"; /* 5 code points, 8 bytes */
  std::string text;
  for (int i = 0; i < 250; ++i)
    text += (i ? " " : "") + word;
  auto parts = chat_split_message (text, 500);
  ASSERT_GE (parts.size (), 3u);
  std::string joined;
  for (auto &p : parts) {
    EXPECT_LE (utf8_code_points (p), 500u);
    EXPECT_NE (p.front (), ' ');
    EXPECT_NE (p.back (), ' ');
    EXPECT_TRUE (g_utf8_validate (p.data (), p.size (), nullptr));
    joined += (joined.empty () ? "" : " ") + p;
  }
  EXPECT_EQ (joined, text);
  /* A word longer than the limit is cut at a code point boundary. */
  std::string longword;
  for (int i = 0; i < 300; ++i)
    longword += "é";
  auto cut = chat_split_message (longword, 100);
  ASSERT_EQ (cut.size (), 3u);
  EXPECT_EQ (utf8_code_points (cut[0]), 100u);
  EXPECT_TRUE (g_utf8_validate (cut[2].data (), cut[2].size (), nullptr));
  EXPECT_EQ (
      chat_split_message ("short", 500), std::vector<std::string>{"short"});
  EXPECT_TRUE (chat_split_message ("   ", 500).empty ());
}
