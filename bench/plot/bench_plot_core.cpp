/* gst-twitch-plot's hot paths alone (Google Benchmark): reading 1 000 000
 * report records into x/y, and the density estimate of -D on them.
 *   meson test -C build --benchmark bench_plot_core */
#include "density.h"
#include "plot-data.h"

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

using namespace twitch::plot;

namespace
{

std::string
report (int n)
{
  std::mt19937 rng (5);
  std::uniform_real_distribution<double> u (0, 1);
  std::string s = "# follower\tchannel\tcreated\tfollowed\tdelta\tzero\n";
  s.reserve (static_cast<size_t> (n) * 48);
  for (int i = 0; i < n; i++) {
    long f = 1469404800L + static_cast<long> (u (rng) * 7 * 86400);
    long c = 1200000000L + static_cast<long> (u (rng) * (f - 1200000000L));
    s += "user" + std::to_string (i) + "\tchan\t" + std::to_string (c) + "\t"
         + std::to_string (f) + "\t" + std::to_string (f - c) + "\t0\n";
  }
  return s;
}

void
BM_ParseAndExtract (benchmark::State &state)
{
  const std::string text = report (static_cast<int> (state.range (0)));
  for (auto _ : state) {
    Table t;
    Series s;
    table_parse (text, "bench", '\t', t, nullptr);
    series_extract (t, "followed", "created", Bounds (), s, nullptr);
    benchmark::DoNotOptimize (s.x.data ());
  }
  state.SetItemsProcessed (state.iterations () * state.range (0));
  state.SetBytesProcessed (state.iterations () * text.size ());
}
BENCHMARK (BM_ParseAndExtract)->Arg (1000000)->Unit (benchmark::kMillisecond);

void
BM_KdeDensity (benchmark::State &state)
{
  std::mt19937 rng (3);
  std::normal_distribution<double> g (0, 1);
  size_t n = static_cast<size_t> (state.range (0));
  std::vector<double> x (n), y (n);
  for (size_t i = 0; i < n; i++) {
    x[i] = 1469404800 + 86400 * g (rng);
    y[i] = (i % 3 ? 1.3e9 : 1.45e9) + 3e7 * g (rng);
  }
  for (auto _ : state) {
    auto d = kde_density (x.data (), y.data (), n);
    benchmark::DoNotOptimize (d.data ());
  }
  state.SetItemsProcessed (state.iterations () * state.range (0));
}
BENCHMARK (BM_KdeDensity)
    ->Arg (10000)
    ->Arg (1000000)
    ->Unit (benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN ();
