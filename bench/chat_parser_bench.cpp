/* Parser throughput on real-shaped PRIVMSG lines with full tags.
 *   build/bench/chat-parser-bench [--corpus-out=FILE] [benchmark flags]
 * --corpus-out writes the corpus (one line each) for the tmi.js comparison
 * (bench/chat-parser-vs-tmijs.sh runs both). */
#include <gst/gst.h>
#include <gst/twitch/chat/message.h>

#include <benchmark/benchmark.h>

#include "chat_corpus.h"

#include <cstring>
#include <fstream>

static const std::vector<std::string> &
corpus ()
{
  static std::vector<std::string> c = chat_bench_corpus ();
  return c;
}

/* IRCv3 parse + every tag value unescaped (what tmi.js's parser does:
 * tags, prefix, command, params). */
static void
BM_IrcParse (benchmark::State &state)
{
  const auto &c = corpus ();
  twitch::IrcMessage msg;
  std::string scratch;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string &line = c[i++ % c.size ()];
    if (!twitch::irc_parse (line, msg))
      state.SkipWithError ("parse failed");
    for (const auto &t : msg.tags) {
      scratch.clear ();
      twitch::irc_unescape_tag_value_into (t.raw_value, scratch);
      benchmark::DoNotOptimize (scratch.data ());
    }
    bytes += line.size ();
    benchmark::DoNotOptimize (msg.params.data ());
  }
  state.SetItemsProcessed (state.iterations ());
  state.SetBytesProcessed (bytes);
}
BENCHMARK (BM_IrcParse);

/* Parse + the typed Twitch message (badges, emotes with code-point ranges,
 * reply fields, ...), every tag copied out. */
static void
BM_ChatMessageParse (benchmark::State &state)
{
  const auto &c = corpus ();
  twitch::ChatMessage m;
  size_t i = 0;
  for (auto _ : state) {
    if (!twitch::chat_message_parse (c[i++ % c.size ()], m))
      state.SkipWithError ("parse failed");
    benchmark::DoNotOptimize (m.emotes.data ());
  }
  state.SetItemsProcessed (state.iterations ());
}
BENCHMARK (BM_ChatMessageParse);

int
main (int argc, char **argv)
{
  gst_init (nullptr, nullptr);
  for (int i = 1; i < argc; ++i) {
    if (strncmp (argv[i], "--corpus-out=", 13) == 0) {
      std::ofstream f (argv[i] + 13);
      for (const auto &l : corpus ())
        f << l << "\n";
      for (int j = i; j < argc - 1; ++j)
        argv[j] = argv[j + 1];
      --argc;
      --i;
    }
  }
  benchmark::Initialize (&argc, argv);
  benchmark::RunSpecifiedBenchmarks ();
  benchmark::Shutdown ();
  return 0;
}
