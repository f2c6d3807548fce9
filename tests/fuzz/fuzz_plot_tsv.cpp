/* libFuzzer target: gst-twitch-plot's readers (tools/plot/plot-data.*): the
 * report table with its header, column lookup, values (numbers and dates),
 * series extraction within bounds, and the start/end spans file. Any file
 * gives points or an error naming the problem, never a crash (built with
 * -fsanitize=fuzzer,address,undefined). */
#include "plot-data.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

using namespace twitch::plot;

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  /* First byte: the delimiter (-d) and bounds; the rest is the file. */
  static const char delims[] = {'\t', ',', ' ', ';'};
  char delim = delims[data[0] % 4];
  bool bounded = (data[0] & 4) != 0;
  std::string text (reinterpret_cast<const char *> (data) + 1, size - 1);

  std::vector<Span> spans;
  GError *err = nullptr;
  if (spans_parse (text, "fuzz.spans", spans, &err) == (err != nullptr))
    __builtin_trap ();
  g_clear_error (&err);

  Table table;
  if (!table_parse (text, "fuzz.tsv", delim, table, &err)) {
    if (!err)
      __builtin_trap ();
    g_clear_error (&err);
    return 0;
  }
  for (size_t i = 0; i < table.records.size (); ++i) {
    std::string_view r = table.record_text (i);
    if (r.data () < table.text.data ()
        || r.data () + r.size () > table.text.data () + table.text.size ())
      __builtin_trap ();
    double v;
    bool is_date;
    (void)parse_value (r.substr (0, r.find (delim)), &v, &is_date);
  }
  for (const auto &c : table.columns) {
    (void)table_find_column (table, c);
    (void)is_time_column_name (c);
  }
  Bounds bounds;
  if (bounded) {
    bounds.xmin = 0;
    bounds.xmax = 1e9;
    bounds.ymin = -1;
    bounds.ymax = 1e6;
  }
  /* The first two columns, by number and by name, as -x/-y would. */
  std::string xname = "1", yname = "2";
  if (table.columns.size () >= 2) {
    xname = table.columns[0];
    yname = table.columns[1];
  }
  for (int by_name = 0; by_name < 2; ++by_name) {
    Series s;
    bool ok = series_extract (
        table, by_name ? xname : "1", by_name ? yname : "2", bounds, s, &err);
    if (ok == (err != nullptr))
      __builtin_trap ();
    g_clear_error (&err);
    if (ok && (s.x.size () != s.y.size () || s.x.size () != s.record.size ()))
      __builtin_trap ();
  }
  return 0;
}
