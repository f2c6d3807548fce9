/* gst-twitch: the report writer. Rows are written a page at a time, as the
 * pages arrive: nothing is kept once a page is printed, so memory does not
 * grow with the row count, and a page that fails half-way prints nothing. */
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace cli
{

enum class Format { TSV, CSV, JSON };

enum class Kind {
  STRING,
  INT,
  REAL,
  TIME /* Unix seconds; --iso prints ISO 8601 */
};

struct Column {
  std::string name;
  Kind kind = Kind::STRING;
};

/* One cell: a string, or a number (INT, TIME). */
struct Value {
  std::string s;
  int64_t i = 0;
  double d = 0.0;
  bool is_null = false; /* TIME unknown: printed empty (tsv/csv), null (json) */

  static Value str (std::string v)
  {
    Value x;
    x.s = std::move (v);
    return x;
  }
  static Value num (int64_t v)
  {
    Value x;
    x.i = v;
    return x;
  }
  static Value real (double v)
  {
    Value x;
    x.d = v;
    return x;
  }
  static Value null ()
  {
    Value x;
    x.is_null = true;
    return x;
  }
};

using Row = std::vector<Value>;

struct OutputOptions {
  Format format = Format::TSV;
  bool iso = false;
  bool header = true;
  bool progress = false; /* draw a progress bar on stderr */
};

/* "tsv", "csv", "json"; false when unknown. */
bool format_parse (const char *name, Format *out);

/* 2016-07-25T12:34:56Z for Unix seconds @t. */
std::string iso8601_from_unix (int64_t t);

class Writer
{
 public:
  Writer (FILE *out, std::vector<Column> columns, OutputOptions options);
  ~Writer ();
  Writer (const Writer &) = delete;
  Writer &operator= (const Writer &) = delete;

  /* Expected number of rows (for the progress bar), 0 when unknown. */
  void set_expected (int64_t total) { expected_ = total; }

  /* Writes the rows of one complete page and flushes, so a reader of a pipe
   * sees them at once. The header goes out before the first page (or at
   * finish() when there are no rows). */
  void write_page (const std::vector<Row> &rows);
  void write_row (const Row &row) { write_page ({row}); }

  /* Progress while a list is read before anything can be printed (-d asc
   * reads to the end first): @fetched items so far. */
  void show_fetching (int64_t fetched);

  /* Header if nothing was written yet; clears the progress bar. */
  void finish ();

  int64_t rows_written () const { return rows_; }

  /* Formatting of one row into @buf (exposed for the tests and bench). */
  void format_row (const Row &row, std::string &buf) const;
  void format_header (std::string &buf) const;

 private:
  void draw_progress ();
  void draw_bar (int64_t done, const char *what);

  FILE *out_;
  std::vector<Column> columns_;
  OutputOptions options_;
  bool header_done_ = false;
  bool progress_drawn_ = false;
  int64_t rows_ = 0;
  int64_t expected_ = 0;
  int64_t last_draw_us_ = 0;
  bool out_is_tty_ = false;
  std::string buf_;
};

} // namespace cli
