/* A corpus of real-shaped Twitch PRIVMSG lines with full tags (badges,
 * badge-info, emotes with ranges, bits, replies, first-msg, colors,
 * client-nonce, tmi-sent-ts, emoji), deterministic, shared by the parser
 * benchmark and the tmi.js comparison. */
#pragma once

#include <random>
#include <string>
#include <vector>

inline std::vector<std::string>
chat_bench_corpus (size_t n = 10000)
{
  std::mt19937 rng (20240601);
  const char *words[] = {"Kappa", "PogChamp", "LUL", "hello", "chat", "gg",
      "what", "a", "play", "😂", "that", "was", "insane", "KEKW", "no", "way",
      "@streamer", "clip", "it", "🔥", "W", "ratio", "bro", "sub", "hype",
      "monkaS", "pog", "lets", "go", "é"};
  const char *badges[] = {"", "subscriber/12", "subscriber/3,premium/1",
      "moderator/1,subscriber/24", "vip/1,bits/1000", "broadcaster/1",
      "glhf-pledge/1", "subscriber/0,bits/100"};
  const char *colors[]
      = {"", "#1E90FF", "#FF0000", "#8A2BE2", "#00FF7F", "#DAA520"};
  std::vector<std::string> out;
  out.reserve (n);
  for (size_t i = 0; i < n; ++i) {
    int nwords = 3 + rng () % 18;
    std::string text;
    std::vector<std::pair<int, int>> kappa;
    int cp = 0;
    for (int w = 0; w < nwords; ++w) {
      std::string word = words[rng () % 30];
      if (w) {
        text += ' ';
        cp++;
      }
      if (word == "Kappa")
        kappa.emplace_back (cp, cp + 4);
      text += word;
      for (unsigned char c : word)
        cp += (c & 0xC0) != 0x80;
    }
    std::string emotes;
    if (!kappa.empty ()) {
      emotes = "25:";
      for (size_t k = 0; k < kappa.size (); ++k)
        emotes += (k ? "," : "") + std::to_string (kappa[k].first) + "-"
                  + std::to_string (kappa[k].second);
    }
    std::string user = "viewer" + std::to_string (rng () % 100000);
    const char *b = badges[rng () % 8];
    std::string line = "@badge-info=";
    if (std::string (b).find ("subscriber/") != std::string::npos)
      line += "subscriber/" + std::to_string (1 + rng () % 40);
    line += ";badges=" + std::string (b);
    if (rng () % 10 == 0)
      line += ";bits=" + std::to_string (100 * (1 + rng () % 50));
    line += ";client-nonce=" + std::to_string (rng ()) + "abcdef0123456789";
    line += ";color=" + std::string (colors[rng () % 6]);
    line += ";display-name=" + user + ";emotes=" + emotes;
    line += ";first-msg=" + std::to_string (rng () % 20 == 0) + ";flags=";
    char id[40];
    snprintf (id, sizeof (id), "%08x-%04x-4%03x-8%03x-%012x", (unsigned)rng (),
        (unsigned)rng () & 0xffff, (unsigned)rng () & 0xfff,
        (unsigned)rng () & 0xfff, (unsigned)rng () & 0xfffffff);
    line += ";id=" + std::string (id);
    line += ";mod=" + std::to_string (std::string (b).find ("moderator") == 0);
    if (rng () % 8 == 0)
      line += ";reply-parent-display-name=Someone;reply-parent-msg-body="
              "that\\swas"
              "\\sa\\sgreat\\splay\\:\\sright?;reply-parent-msg-id="
              + std::string (id)
              + ";reply-parent-user-id=4242;reply-parent-user-login=someone;"
                "reply-thread-parent-msg-id="
              + std::string (id) + ";reply-thread-parent-user-login=someone";
    line += ";returning-chatter=0;room-id=22484632;subscriber="
            + std::to_string (
                std::string (b).find ("subscriber") != std::string::npos);
    line += ";tmi-sent-ts=" + std::to_string (1700000000000ULL + i * 37);
    line += ";turbo=0;user-id=" + std::to_string (10000 + rng () % 900000000);
    line += ";user-type= :" + user + "!" + user + "@" + user
            + ".tmi.twitch.tv PRIVMSG #somechannel :" + text;
    out.push_back (std::move (line));
  }
  return out;
}
