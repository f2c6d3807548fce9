/* gst-twitch-plot: reading the reports (tab-separated, '#' header or the old
 * headerless itch layout), picking the x and y columns, parsing numbers and
 * dates, dropping records outside the bounds. No drawing here. */
#pragma once

#include <glib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace twitch
{
namespace plot
{

/* Exit codes of gst-twitch-plot (sysexits.h values, documented in
 * docs/gst-twitch-plot.md). */
enum ExitCode {
  EXIT_OK = 0,
  EXIT_USAGE = 64,    /* bad option, unknown -t, bad bound, bad outfile name */
  EXIT_DATA = 65,     /* missing column, unparsable value, no records */
  EXIT_NO_INPUT = 66, /* infile or -S file cannot be read */
  EXIT_SOFTWARE = 70, /* the plotting library failed */
  EXIT_CANT_CREATE = 73, /* outfile cannot be written */
};

/* GError domain of the plotter; codes are the ExitCode values above. */
GQuark plot_error_quark ();
#define TWITCH_PLOT_ERROR (twitch::plot::plot_error_quark ())

/* The old itch layout, used when a file has no '#' header. */
const std::vector<std::string> &legacy_columns ();

/* A whole report held in memory: the text and where each record is. */
struct Table {
  std::string text;
  std::string source; /* file name for messages ("stdin" for -) */
  char delim = '\t';
  std::vector<std::string> columns;
  bool has_header = false;
  std::string header_line; /* the '#' line as read, without newline */
  struct Record {
    size_t offset;
    uint32_t length;
    uint32_t line; /* 1-based line number in the input */
  };
  std::vector<Record> records;

  std::string_view record_text (size_t i) const
  {
    return std::string_view (text).substr (
        records[i].offset, records[i].length);
  }
};

/* Parses a -d argument: one character, or the escapes "\t", "tab", "comma",
 * "space". */
bool parse_delimiter (const char *arg, char *out, GError **error);

/* Splits @text into records. The first non-empty line starting with '#'
 * before any record names the columns; otherwise the legacy layout is
 * assumed. Blank lines and later '#' lines are skipped. An input without
 * records is an error (EXIT_DATA). */
bool table_parse (std::string text, const std::string &source, char delim,
    Table &out, GError **error);

/* Index of the column named @name (case-insensitive, with the aliases
 * name/follower/user and start/started_at), or a 1-based column number;
 * -1 when absent. */
int table_find_column (const Table &table, const std::string &name);

/* A number (decimal, exponent allowed) or an ISO 8601 date or date-time
 * ("2016-07-25", "2016-07-25T14:00:00Z"; no zone means UTC), as Unix
 * seconds. @is_date tells which one it was. Surrounding spaces are ignored. */
bool parse_value (std::string_view text, double *out, bool *is_date);

/* Whether a column of Unix seconds is named like a time (created, followed,
 * start, end, ...). */
bool is_time_column_name (const std::string &name);

struct Bounds {
  double xmin = -G_MAXDOUBLE, xmax = G_MAXDOUBLE;
  double ymin = -G_MAXDOUBLE, ymax = G_MAXDOUBLE;
};

/* The points to draw: x and y of every kept record, in input order. */
struct Series {
  std::string xname, yname;
  std::vector<double> x, y;
  std::vector<uint32_t> record; /* index into Table::records */
  bool x_time = false, y_time = false;
  size_t dropped = 0; /* records outside the bounds */
};

/* Reads columns @xname and @yname of every record, keeps those within
 * @bounds. A missing column, a record too short or an unparsable value is an
 * error naming the file, line and column (EXIT_DATA). */
bool series_extract (const Table &table, const std::string &xname,
    const std::string &yname, const Bounds &bounds, Series &out,
    GError **error);

/* A broadcast: [start, end] in Unix seconds. */
using Span = std::pair<double, double>;

/* Parses a `start<TAB>end` file (gst-twitch streams; '#' lines skipped;
 * any run of tabs, spaces or commas separates). */
bool spans_parse (const std::string &text, const std::string &source,
    std::vector<Span> &out, GError **error);

/* Reads a whole file, or stdin for "-" (EXIT_NO_INPUT on failure). */
bool read_input (const std::string &path, std::string &out, GError **error);

} // namespace plot
} // namespace twitch
