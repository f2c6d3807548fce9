#include "output.h"

#include "cli-error.h"

#include <glib.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace cli
{

bool
format_parse (const char *name, Format *out)
{
  if (g_ascii_strcasecmp (name, "tsv") == 0)
    *out = Format::TSV;
  else if (g_ascii_strcasecmp (name, "csv") == 0)
    *out = Format::CSV;
  else if (g_ascii_strcasecmp (name, "json") == 0
           || g_ascii_strcasecmp (name, "jsonl") == 0)
    *out = Format::JSON;
  else
    return false;
  return true;
}

std::string
iso8601_from_unix (int64_t t)
{
  GDateTime *dt = g_date_time_new_from_unix_utc (t);
  if (dt == nullptr)
    return {};
  gchar *s = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
  std::string result (s ? s : "");
  g_free (s);
  g_date_time_unref (dt);
  return result;
}

Writer::Writer (FILE *out, std::vector<Column> columns, OutputOptions options)
    : out_ (out), columns_ (std::move (columns)), options_ (options)
{
  buf_.reserve (64 * 1024);
  out_is_tty_ = isatty (fileno (out_)) != 0;
}

Writer::~Writer ()
{
  if (progress_drawn_)
    fputs ("\r\033[K", stderr);
}

/* TSV has no quoting: a tab or line break inside a value (a stream title)
 * would break the columns, so it becomes a space. */
static void
append_tsv (std::string &buf, const std::string &s)
{
  for (char c : s)
    buf.push_back ((c == '\t' || c == '\n' || c == '\r') ? ' ' : c);
}

/* RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
 */
static void
append_csv (std::string &buf, const std::string &s)
{
  if (s.find_first_of (",\"\r\n") == std::string::npos) {
    buf += s;
    return;
  }
  buf.push_back ('"');
  for (char c : s) {
    if (c == '"')
      buf.push_back ('"');
    buf.push_back (c);
  }
  buf.push_back ('"');
}

static void
append_json_string (std::string &buf, const std::string &s)
{
  static const char hex[] = "0123456789abcdef";
  buf.push_back ('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        buf += "\\\"";
        break;
      case '\\':
        buf += "\\\\";
        break;
      case '\n':
        buf += "\\n";
        break;
      case '\r':
        buf += "\\r";
        break;
      case '\t':
        buf += "\\t";
        break;
      default:
        if (c < 0x20) {
          buf += "\\u00";
          buf.push_back (hex[c >> 4]);
          buf.push_back (hex[c & 0xf]);
        } else {
          buf.push_back (static_cast<char> (c));
        }
    }
  }
  buf.push_back ('"');
}

void
Writer::format_header (std::string &buf) const
{
  if (options_.format == Format::JSON)
    return; /* JSON Lines: every object names its fields */
  const char sep = options_.format == Format::CSV ? ',' : '\t';
  buf.push_back ('#');
  for (size_t i = 0; i < columns_.size (); i++) {
    if (i > 0)
      buf.push_back (sep);
    buf += columns_[i].name;
  }
  buf.push_back ('\n');
}

void
Writer::format_row (const Row &row, std::string &buf) const
{
  const bool json = options_.format == Format::JSON;
  const char sep = options_.format == Format::CSV ? ',' : '\t';
  char num[32];

  if (json)
    buf.push_back ('{');
  for (size_t i = 0; i < columns_.size (); i++) {
    const Column &col = columns_[i];
    const Value empty;
    const Value &v = i < row.size () ? row[i] : empty;
    if (json) {
      if (i > 0)
        buf.push_back (',');
      append_json_string (buf, col.name);
      buf.push_back (':');
    } else if (i > 0) {
      buf.push_back (sep);
    }

    std::string text;
    bool quoted = true;
    switch (col.kind) {
      case Kind::STRING:
        text = v.s;
        break;
      case Kind::INT:
        if (v.is_null) {
          quoted = false;
          text = json ? "null" : "";
        } else {
          g_snprintf (num, sizeof (num), "%" G_GINT64_FORMAT, v.i);
          text = num;
          quoted = false;
        }
        break;
      case Kind::REAL:
        if (v.is_null) {
          quoted = false;
          text = json ? "null" : "";
        } else {
          g_ascii_formatd (num, sizeof (num), "%.6g", v.d);
          text = num;
          quoted = false;
        }
        break;
      case Kind::TIME:
        if (v.is_null) {
          quoted = false;
          text = json ? "null" : "";
        } else if (options_.iso) {
          text = iso8601_from_unix (v.i);
        } else {
          g_snprintf (num, sizeof (num), "%" G_GINT64_FORMAT, v.i);
          text = num;
          quoted = false;
        }
        break;
    }

    if (json) {
      if (quoted)
        append_json_string (buf, text);
      else
        buf += text;
    } else if (options_.format == Format::CSV) {
      append_csv (buf, text);
    } else {
      append_tsv (buf, text);
    }
  }
  buf += json ? "}\n" : "\n";
}

void
Writer::write_page (const std::vector<Row> &rows)
{
  buf_.clear ();
  if (!header_done_) {
    if (options_.header)
      format_header (buf_);
    header_done_ = true;
  }
  for (const Row &row : rows)
    format_row (row, buf_);

  if (progress_drawn_ && out_is_tty_) {
    /* Keep the bar off the rows when both go to the same terminal. */
    fputs ("\r\033[K", stderr);
    progress_drawn_ = false;
  }
  if (!buf_.empty ()
      && (fwrite (buf_.data (), 1, buf_.size (), out_) != buf_.size ()
          || fflush (out_) != 0))
    fail (EXIT_OTHER, "cannot write the report: %s", g_strerror (errno));
  rows_ += static_cast<int64_t> (rows.size ());
  if (options_.progress)
    draw_progress ();
}

void
Writer::draw_progress ()
{
  draw_bar (rows_, "rows");
}

void
Writer::show_fetching (int64_t fetched)
{
  if (options_.progress)
    draw_bar (fetched, "read (oldest first: printed at the end)");
}

void
Writer::draw_bar (int64_t done, const char *what)
{
  int64_t now = g_get_monotonic_time ();
  if (now - last_draw_us_ < 100000 && (expected_ <= 0 || done < expected_))
    return;
  last_draw_us_ = now;
  if (expected_ > 0) {
    const int width = 30;
    int64_t shown = done < expected_ ? done : expected_;
    int filled = static_cast<int> (shown * width / expected_);
    char bar[width + 1];
    for (int i = 0; i < width; i++)
      bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf (stderr,
        "\r\033[K[%s] %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " %s", bar, done,
        expected_, what);
  } else {
    fprintf (stderr, "\r\033[K%" G_GINT64_FORMAT " %s", done, what);
  }
  fflush (stderr);
  progress_drawn_ = true;
}

void
Writer::finish ()
{
  if (!header_done_)
    write_page ({});
  if (progress_drawn_) {
    fputs ("\r\033[K", stderr);
    fflush (stderr);
    progress_drawn_ = false;
  }
}

} // namespace cli
