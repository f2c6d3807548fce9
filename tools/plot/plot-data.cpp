/* gst-twitch-plot: report parsing. See plot-data.h. */
#include "plot-data.h"

#include <gio/gio.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <tuple>

namespace twitch
{
namespace plot
{

GQuark
plot_error_quark ()
{
  return g_quark_from_static_string ("gst-twitch-plot-error-quark");
}

/* Beyond this, the axis arithmetic loses all precision (and a Unix time of
 * 1e15 s is 31 million years away). */
constexpr double kMaxValue = 1e15;

const std::vector<std::string> &
legacy_columns ()
{
  static const std::vector<std::string> cols = {"name", "channel", "created",
      "followed", "delta", "followers", "following"};
  return cols;
}

bool
parse_delimiter (const char *arg, char *out, GError **error)
{
  std::string a = arg ? arg : "";
  if (a == "\\t" || a == "tab" || a == "\t") {
    *out = '\t';
  } else if (a == "comma") {
    *out = ',';
  } else if (a == "space") {
    *out = ' ';
  } else if (a == "semicolon") {
    *out = ';';
  } else if (a.size () == 1 && a[0] != '\n' && a[0] != '\r') {
    *out = a[0];
  } else {
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_USAGE,
        "delimiter '%s' is not one character: use e.g. -d ',' or -d '\\t'",
        a.c_str ());
    return false;
  }
  return true;
}

static std::string_view
trim (std::string_view s)
{
  while (!s.empty ()
         && (s.front () == ' ' || s.front () == '\t' || s.front () == '\r'))
    s.remove_prefix (1);
  while (!s.empty ()
         && (s.back () == ' ' || s.back () == '\t' || s.back () == '\r'))
    s.remove_suffix (1);
  return s;
}

static std::vector<std::string>
split_header (std::string_view line, char delim)
{
  std::vector<std::string> cols;
  line.remove_prefix (1); /* '#' */
  line = trim (line);
  /* A header typed by hand is often space separated: accept that when the
   * delimiter does not occur in it at all. */
  bool by_space = line.find (delim) == std::string_view::npos;
  size_t start = 0;
  while (start <= line.size ()) {
    size_t end;
    if (by_space)
      end = line.find_first_of (" \t", start);
    else
      end = line.find (delim, start);
    if (end == std::string_view::npos)
      end = line.size ();
    std::string_view f = trim (line.substr (start, end - start));
    if (!f.empty () || !by_space)
      cols.emplace_back (f);
    start = end + 1;
  }
  return cols;
}

bool
table_parse (std::string text, const std::string &source, char delim,
    Table &out, GError **error)
{
  out = Table ();
  out.text = std::move (text);
  out.source = source;
  out.delim = delim;
  const char *base = out.text.data ();
  size_t size = out.text.size ();
  size_t pos = 0;
  uint32_t line = 0;
  /* A UTF-8 byte order mark (spreadsheet exports) is not part of the
   * header. */
  if (size >= 3 && memcmp (base, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  while (pos < size) {
    const char *nl
        = static_cast<const char *> (memchr (base + pos, '\n', size - pos));
    size_t end = nl ? static_cast<size_t> (nl - base) : size;
    line++;
    size_t len = end - pos;
    if (len > 0 && base[end - 1] == '\r')
      len--;
    std::string_view l (base + pos, len);
    std::string_view t = trim (l);
    if (t.empty ()) {
      /* blank */
    } else if (t.front () == '#') {
      if (!out.has_header && out.records.empty ()) {
        std::vector<std::string> cols = split_header (t, delim);
        if (!cols.empty () && !(cols.size () == 1 && cols[0].empty ())) {
          out.columns = std::move (cols);
          out.has_header = true;
          out.header_line = std::string (l);
        }
      }
    } else {
      if (len > G_MAXUINT32) {
        g_set_error (error, TWITCH_PLOT_ERROR, EXIT_DATA,
            "%s:%u: line too long", source.c_str (), line);
        return false;
      }
      out.records.push_back ({pos, static_cast<uint32_t> (len), line});
    }
    pos = end + 1;
  }
  if (!out.has_header)
    out.columns = legacy_columns ();
  if (out.records.empty ()) {
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_DATA,
        "%s has no records to plot (empty file, or only comments)",
        source.c_str ());
    return false;
  }
  return true;
}

int
table_find_column (const Table &table, const std::string &name)
{
  auto find = [&] (const std::string &n) -> int {
    for (size_t i = 0; i < table.columns.size (); i++)
      if (g_ascii_strcasecmp (table.columns[i].c_str (), n.c_str ()) == 0)
        return static_cast<int> (i);
    return -1;
  };
  int i = find (name);
  if (i >= 0)
    return i;
  /* itch called the follower "name"; the new reports say "follower" (or
   * "user" in following). */
  static const std::vector<std::vector<std::string>> aliases = {
      {"name", "follower", "user", "login"},
      {"start", "started_at", "started"},
      {"end", "ended_at", "ended"},
      {"followed", "followed_at"},
      {"created", "created_at"},
  };
  for (const auto &group : aliases) {
    bool member = false;
    for (const auto &a : group)
      if (g_ascii_strcasecmp (a.c_str (), name.c_str ()) == 0)
        member = true;
    if (!member)
      continue;
    for (const auto &a : group)
      if ((i = find (a)) >= 0)
        return i;
  }
  /* 1-based column number. */
  if (!name.empty () && std::all_of (name.begin (), name.end (), [] (char c) {
        return g_ascii_isdigit (c);
      })) {
    long n = strtol (name.c_str (), nullptr, 10);
    if (n >= 1 && n <= 4096)
      return static_cast<int> (n - 1);
  }
  return -1;
}

static bool
parse_date (std::string_view s, double *out)
{
  /* YYYY-MM-DD alone: midnight UTC. */
  if (s.size () == 10 && s[4] == '-' && s[7] == '-') {
    int y, m, d;
    auto ok = [&] (size_t off, size_t n, int *v) {
      auto r = std::from_chars (s.data () + off, s.data () + off + n, *v);
      return r.ec == std::errc () && r.ptr == s.data () + off + n;
    };
    if (!ok (0, 4, &y) || !ok (5, 2, &m) || !ok (8, 2, &d))
      return false;
    if (!g_date_valid_dmy (static_cast<GDateDay> (d),
            static_cast<GDateMonth> (m), static_cast<GDateYear> (y)))
      return false;
    GDateTime *dt = g_date_time_new_utc (y, m, d, 0, 0, 0);
    if (!dt)
      return false;
    *out = static_cast<double> (g_date_time_to_unix (dt));
    g_date_time_unref (dt);
    return true;
  }
  if (s.size () < 16 || s.size () > 64 || s[4] != '-' || s[7] != '-')
    return false;
  char buf[80];
  memcpy (buf, s.data (), s.size ());
  buf[s.size ()] = '\0';
  if (buf[10] == ' ')
    buf[10] = 'T';
  GTimeZone *utc = g_time_zone_new_utc ();
  GDateTime *dt = g_date_time_new_from_iso8601 (buf, utc);
  g_time_zone_unref (utc);
  if (!dt)
    return false;
  *out = static_cast<double> (g_date_time_to_unix (dt))
         + g_date_time_get_microsecond (dt) / 1e6;
  g_date_time_unref (dt);
  return true;
}

bool
parse_value (std::string_view text, double *out, bool *is_date)
{
  std::string_view s = trim (text);
  if (s.empty ())
    return false;
  *is_date = false;
  std::string_view num = s;
  if (num.front () == '+')
    num.remove_prefix (1);
  double v;
  auto r = std::from_chars (num.data (), num.data () + num.size (), v);
  if (r.ec == std::errc () && r.ptr == num.data () + num.size ()) {
    if (!std::isfinite (v))
      return false;
    *out = v;
    return true;
  }
  if (parse_date (s, out)) {
    *is_date = true;
    return true;
  }
  return false;
}

bool
is_time_column_name (const std::string &name)
{
  static const char *names[] = {"created", "followed", "start", "end",
      "started", "ended", "started_at", "ended_at", "created_at", "followed_at",
      "published_at", "time", "date", "timestamp", "at", "updated_at"};
  for (const char *n : names)
    if (g_ascii_strcasecmp (n, name.c_str ()) == 0)
      return true;
  return false;
}

/* Field @col of a record: the text between the col-th and (col+1)-th
 * delimiters. False when the record has fewer fields. */
static bool
field (std::string_view rec, char delim, int col, std::string_view *out)
{
  size_t start = 0;
  for (int i = 0; i < col; i++) {
    size_t p = rec.find (delim, start);
    if (p == std::string_view::npos)
      return false;
    start = p + 1;
  }
  size_t end = rec.find (delim, start);
  if (end == std::string_view::npos)
    end = rec.size ();
  *out = rec.substr (start, end - start);
  return true;
}

static std::string
printable (std::string_view v)
{
  std::string s (v.substr (0, 40));
  for (char &c : s)
    if (static_cast<unsigned char> (c) < 0x20)
      c = ' ';
  if (v.size () > 40)
    s += "...";
  return s;
}

static std::string
column_list (const Table &t)
{
  std::string s;
  for (const auto &c : t.columns) {
    if (!s.empty ())
      s += ", ";
    s += c;
  }
  return s;
}

bool
series_extract (const Table &table, const std::string &xname,
    const std::string &yname, const Bounds &bounds, Series &out, GError **error)
{
  out = Series ();
  int xcol = table_find_column (table, xname);
  int ycol = table_find_column (table, yname);
  for (auto [col, name, opt] : {std::make_tuple (xcol, &xname, "-x"),
           std::make_tuple (ycol, &yname, "-y")}) {
    if (col < 0
        || (table.has_header
            && static_cast<size_t> (col) >= table.columns.size ())) {
      g_set_error (error, TWITCH_PLOT_ERROR, EXIT_DATA,
          "%s has no column '%s' (%s): its columns are %s%s",
          table.source.c_str (), name->c_str (), opt,
          column_list (table).c_str (),
          table.has_header ? "" : " (no '#' header: the old itch layout)");
      return false;
    }
  }
  out.xname = static_cast<size_t> (xcol) < table.columns.size ()
                  ? table.columns[xcol]
                  : xname;
  out.yname = static_cast<size_t> (ycol) < table.columns.size ()
                  ? table.columns[ycol]
                  : yname;
  bool x_named_time = is_time_column_name (out.xname);
  bool y_named_time = is_time_column_name (out.yname);
  size_t n = table.records.size ();
  out.x.reserve (n);
  out.y.reserve (n);
  out.record.reserve (n);
  bool x_dates = false, y_dates = false;
  for (size_t i = 0; i < n; i++) {
    std::string_view rec = table.record_text (i);
    double v[2];
    int cols[2] = {xcol, ycol};
    const std::string *names[2] = {&out.xname, &out.yname};
    bool *dates[2] = {&x_dates, &y_dates};
    for (int k = 0; k < 2; k++) {
      std::string_view f;
      if (!field (rec, table.delim, cols[k], &f)) {
        g_set_error (error, TWITCH_PLOT_ERROR, EXIT_DATA,
            "%s:%u: record has no field %d ('%s'); is the delimiter right "
            "(-d)?",
            table.source.c_str (), table.records[i].line, cols[k] + 1,
            names[k]->c_str ());
        return false;
      }
      bool is_date = false;
      if (!parse_value (f, &v[k], &is_date)) {
        g_set_error (error, TWITCH_PLOT_ERROR, EXIT_DATA,
            "%s:%u: column '%s' is not a number or an ISO 8601 date: '%s'",
            table.source.c_str (), table.records[i].line, names[k]->c_str (),
            printable (f).c_str ());
        return false;
      }
      if (std::fabs (v[k]) > kMaxValue) {
        g_set_error (error, TWITCH_PLOT_ERROR, EXIT_DATA,
            "%s:%u: column '%s' value %s is out of range (beyond "
            "\u00b11e15)",
            table.source.c_str (), table.records[i].line, names[k]->c_str (),
            printable (f).c_str ());
        return false;
      }
      *dates[k] |= is_date;
    }
    if (v[0] < bounds.xmin || v[0] > bounds.xmax || v[1] < bounds.ymin
        || v[1] > bounds.ymax) {
      out.dropped++;
      continue;
    }
    out.x.push_back (v[0]);
    out.y.push_back (v[1]);
    out.record.push_back (static_cast<uint32_t> (i));
  }
  out.x_time = x_named_time || x_dates;
  out.y_time = y_named_time || y_dates;
  return true;
}

bool
spans_parse (const std::string &text, const std::string &source,
    std::vector<Span> &out, GError **error)
{
  out.clear ();
  gchar **lines = g_strsplit (text.c_str (), "\n", -1);
  bool ok = true;
  for (guint i = 0; lines[i] && ok; i++) {
    std::string_view l = trim (lines[i]);
    if (l.empty () || l.front () == '#')
      continue;
    std::vector<std::string_view> f;
    size_t start = 0;
    while (start < l.size ()) {
      size_t end = l.find_first_of ("\t,", start);
      if (end == std::string_view::npos)
        end = l.size ();
      std::string_view piece = trim (l.substr (start, end - start));
      if (!piece.empty ())
        f.push_back (piece);
      start = end + 1;
    }
    /* Space separated, when neither tab nor comma was used. */
    if (f.size () == 1) {
      std::string_view one = f[0];
      f.clear ();
      size_t sp = one.find (' ');
      if (sp != std::string_view::npos) {
        f.push_back (trim (one.substr (0, sp)));
        f.push_back (trim (one.substr (sp + 1)));
      }
    }
    double a, b;
    bool da, db;
    if (f.size () < 2 || !parse_value (f[0], &a, &da)
        || !parse_value (f[1], &b, &db)) {
      g_set_error (error, TWITCH_PLOT_ERROR, EXIT_DATA,
          "%s:%u: expected 'start<TAB>end' in Unix seconds or ISO 8601, got "
          "'%s'",
          source.c_str (), i + 1, printable (l).c_str ());
      ok = false;
      break;
    }
    if (b < a)
      std::swap (a, b);
    out.emplace_back (a, b);
  }
  g_strfreev (lines);
  return ok;
}

bool
read_input (const std::string &path, std::string &out, GError **error)
{
  out.clear ();
  if (path == "-") {
    char buf[1 << 16];
    size_t n;
    while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
      out.append (buf, n);
    if (ferror (stdin)) {
      g_set_error (error, TWITCH_PLOT_ERROR, EXIT_NO_INPUT,
          "cannot read stdin: %s", g_strerror (errno));
      return false;
    }
    return true;
  }
  gchar *contents = nullptr;
  gsize len = 0;
  GError *err = nullptr;
  if (!g_file_get_contents (path.c_str (), &contents, &len, &err)) {
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_NO_INPUT, "%s", err->message);
    g_error_free (err);
    return false;
  }
  out.assign (contents, len);
  g_free (contents);
  return true;
}

} // namespace plot
} // namespace twitch
