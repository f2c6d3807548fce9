/* gst-twitch-plot: drawing with PLplot (C++ API, cairo drivers pngcairo,
 * svgcairo, pdfcairo). PLplot lays out the axes, ticks and text; this file
 * picks the ranges, the tick spacing of time axes, the colours and which
 * points are worth drawing. */
#include "render.h"

#include "density.h"

#include <plplot/plstream.h>

#include <glib/gstdio.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <unistd.h>

namespace twitch
{
namespace plot
{

bool
chart_type_parse (const char *name, ChartType *out)
{
  if (!name)
    return false;
  if (g_ascii_strcasecmp (name, "scatter") == 0)
    *out = ChartType::SCATTER;
  else if (g_ascii_strcasecmp (name, "line") == 0)
    *out = ChartType::LINE;
  else if (g_ascii_strcasecmp (name, "mixed") == 0)
    *out = ChartType::MIXED;
  else
    return false;
  return true;
}

bool
format_from_path (const std::string &path, Format *out, GError **error)
{
  const char *dot = strrchr (path.c_str (), '.');
  const char *slash = strrchr (path.c_str (), '/');
  if (dot && (!slash || dot > slash)) {
    if (g_ascii_strcasecmp (dot, ".png") == 0) {
      *out = Format::PNG;
      return true;
    }
    if (g_ascii_strcasecmp (dot, ".svg") == 0) {
      *out = Format::SVG;
      return true;
    }
    if (g_ascii_strcasecmp (dot, ".pdf") == 0) {
      *out = Format::PDF;
      return true;
    }
  }
  g_set_error (error, TWITCH_PLOT_ERROR, EXIT_USAGE,
      "cannot tell the format of '%s': name the outfile .png, .svg or .pdf",
      path.c_str ());
  return false;
}

namespace
{

/* ---- colours ------------------------------------------------------------ */

struct Rgba {
  int r, g, b;
  double a = 1.0;
};

struct Theme {
  Rgba bg, fg, grid, points, cumulative, spans, legend_bg;
  std::vector<Rgba> cmap; /* density, low to high */
};

/* Palette indices in PLplot's colour map 0. */
enum Col0 {
  C_BG = 0,
  C_FG,
  C_GRID,
  C_POINTS,
  C_CUMULATIVE,
  C_SPANS,
  C_LEGEND_BG,
  C_COUNT
};

/* Text height relative to PLplot's default, on a 1280 x 800 page. */
constexpr double kChar = 0.66;

const Theme &
theme (bool light)
{
  /* viridis, from 0.1 up: readable on both backgrounds */
  static const std::vector<Rgba> viridis = {{72, 36, 117}, {65, 68, 135},
      {53, 95, 141}, {42, 120, 142}, {33, 145, 140}, {34, 168, 132},
      {68, 191, 112}, {122, 209, 81}, {189, 223, 38}, {253, 231, 37}};
  static const Theme dark
      = {{18, 18, 24}, {214, 214, 224}, {46, 46, 58}, {79, 163, 255, 0.75},
          {255, 180, 84}, {145, 70, 255, 0.30}, {30, 30, 40, 0.85}, viridis};
  static const Theme bright
      = {{255, 255, 255}, {34, 34, 40}, {222, 222, 228}, {31, 119, 180, 0.7},
          {232, 113, 10}, {145, 70, 255, 0.16}, {255, 255, 255, 0.85}, viridis};
  return light ? bright : dark;
}

/* ---- axes --------------------------------------------------------------- */

struct AxisFormat {
  bool time = false;
  const char *fmt = nullptr; /* strftime-like, for g_date_time_format */
  double shift = 0;          /* added before formatting (see time_steps) */
  double tick = 0;           /* 0: PLplot chooses */
  int nsub = 0;
};

/* Tick spacings for time axes. Months and years are multiples of their mean
 * length from 1970, so they drift up to ~2 days from the 1st; formatting the
 * tick 1.5 days later names the right month or year at every tick. */
struct TimeStep {
  double seconds;
  const char *fmt;
  int nsub;
  double shift;
};

constexpr double kDay = 86400.0;
constexpr double kMonth = 30.436875 * kDay;
constexpr double kYear = 365.2425 * kDay;

const std::vector<TimeStep> &
time_steps ()
{
  static const std::vector<TimeStep> steps = {{1, "%H:%M:%S", 0, 0},
      {2, "%H:%M:%S", 2, 0}, {5, "%H:%M:%S", 5, 0}, {10, "%H:%M:%S", 2, 0},
      {15, "%H:%M:%S", 3, 0}, {30, "%H:%M:%S", 3, 0}, {60, "%H:%M", 4, 0},
      {120, "%H:%M", 2, 0}, {300, "%H:%M", 5, 0}, {600, "%H:%M", 2, 0},
      {900, "%H:%M", 3, 0}, {1800, "%H:%M", 3, 0}, {3600, "%H:%M", 4, 0},
      {7200, "%H:%M", 2, 0}, {10800, "%H:%M", 3, 0}, {21600, "%H:%M", 6, 0},
      {43200, "%H:%M", 2, 0}, {kDay, "%Y-%m-%d", 4, 0},
      {2 * kDay, "%Y-%m-%d", 2, 0}, {7 * kDay, "%Y-%m-%d", 7, 0},
      {14 * kDay, "%Y-%m-%d", 2, 0}, {kMonth, "%Y-%m", 0, 1.5 * kDay},
      {2 * kMonth, "%Y-%m", 2, 1.5 * kDay},
      {3 * kMonth, "%Y-%m", 3, 1.5 * kDay},
      {6 * kMonth, "%Y-%m", 6, 1.5 * kDay}, {kYear, "%Y", 4, 1.5 * kDay},
      {2 * kYear, "%Y", 2, 1.5 * kDay}, {5 * kYear, "%Y", 5, 1.5 * kDay},
      {10 * kYear, "%Y", 2, 1.5 * kDay}, {20 * kYear, "%Y", 2, 1.5 * kDay},
      {50 * kYear, "%Y", 5, 1.5 * kDay}, {100 * kYear, "%Y", 2, 1.5 * kDay}};
  return steps;
}

int
format_chars (const char *fmt)
{
  /* %Y is 4 characters, every other conversion 2 */
  int n = 0;
  for (const char *p = fmt; *p; p++) {
    if (*p == '%' && p[1]) {
      n += p[1] == 'Y' ? 4 : 2;
      p++;
    } else {
      n++;
    }
  }
  return n;
}

/* The finest step whose labels fit: @room_mm along the axis, each label
 * taking @label_mm(chars) plus a gap. */
template <typename Size>
AxisFormat
time_axis (double lo, double hi, double room_mm, Size label_mm)
{
  AxisFormat f;
  f.time = true;
  double span = hi - lo;
  const TimeStep *pick = &time_steps ().back ();
  const char *fmt = pick->fmt;
  for (const TimeStep &s : time_steps ()) {
    fmt = s.fmt;
    if (s.seconds < kDay && span > 0.75 * kDay)
      fmt = "%m-%d %H:%M";
    double ticks = span / s.seconds;
    if (ticks * label_mm (format_chars (fmt)) <= room_mm) {
      pick = &s;
      break;
    }
  }
  f.tick = pick->seconds;
  f.nsub = pick->nsub;
  f.shift = pick->shift;
  f.fmt = pick->fmt;
  /* Hours on an axis that spans days need the day too. */
  if (pick->seconds < kDay && span > 0.75 * kDay)
    f.fmt = "%m-%d %H:%M";
  return f;
}

std::string
format_number (double v, double step)
{
  char buf[64];
  if (std::fabs (v) < 1e-9 * std::max (1.0, std::fabs (step)))
    v = 0;
  if (std::fabs (v) >= 1e15 || (std::fabs (v) < 1e-4 && v != 0)) {
    g_snprintf (buf, sizeof buf, "%.3g", v);
  } else if (std::fabs (v - std::round (v))
             < 1e-9 * std::max (1.0, std::fabs (v))) {
    /* thousands separated by a thin space: 1 250 000 */
    long long n = std::llabs (std::llround (v));
    std::string digits = std::to_string (n), out;
    for (size_t i = 0; i < digits.size (); i++) {
      if (i > 0 && (digits.size () - i) % 3 == 0)
        out += "\u2009";
      out += digits[i];
    }
    return (v < 0 ? "\u2212" : "") + out;
  } else {
    int decimals = 3;
    if (step > 0)
      decimals = std::max (
          0, static_cast<int> (std::ceil (-std::log10 (step) - 1e-9)));
    g_snprintf (buf, sizeof buf, "%.*f", std::min (decimals, 9), std::fabs (v));
    return (v < 0 ? "\u2212" : "") + std::string (buf);
  }
  return buf;
}

/* Characters of the widest label of a number axis with ticks every @step. */
int
number_chars (double lo, double hi, double step)
{
  double m = std::max (std::fabs (lo), std::fabs (hi));
  int digits = m >= 1 ? static_cast<int> (std::floor (std::log10 (m))) + 1 : 1;
  int decimals = step < 1 && step > 0
                     ? static_cast<int> (std::ceil (-std::log10 (step) - 1e-9))
                     : 0;
  return digits + (digits - 1) / 3 + (decimals ? decimals + 1 : 0)
         + (lo < 0 ? 1 : 0);
}

/* The finest 1-2-5 step whose labels fit in @room_mm; at least @min_step. */
template <typename Size>
AxisFormat
number_axis (
    double lo, double hi, double room_mm, Size label_mm, double min_step = 0)
{
  AxisFormat f;
  double span = hi - lo;
  double step = std::pow (10.0, std::floor (std::log10 (span / 50)));
  const double mult[] = {1, 2, 5};
  const int subs[] = {5, 4, 5};
  for (int k = 0; k < 60; k++) {
    double cand = step * mult[k % 3] * std::pow (10.0, k / 3);
    if (cand < min_step)
      continue;
    double ticks = span / cand;
    if (ticks * label_mm (number_chars (lo, hi, cand)) <= room_mm
        || ticks <= 2) {
      f.tick = cand;
      f.nsub = subs[k % 3];
      if (min_step >= 1 && cand < 5)
        f.nsub = static_cast<int> (cand); /* whole counts only */
      return f;
    }
  }
  return f; /* let PLplot choose */
}

struct LabelData {
  AxisFormat x, y;
};

void
label_cb (PLINT axis, PLFLT value, char *label, PLINT length, PLPointer data)
{
  const LabelData *d = static_cast<const LabelData *> (data);
  const AxisFormat &f = axis == PL_X_AXIS ? d->x : d->y;
  std::string text;
  if (f.time) {
    GDateTime *dt = g_date_time_new_from_unix_utc (
        static_cast<gint64> (std::floor (value + f.shift)));
    if (dt) {
      gchar *s = g_date_time_format (dt, f.fmt);
      text = s ? s : "";
      g_free (s);
      g_date_time_unref (dt);
    }
  } else {
    text = format_number (value, f.tick);
  }
  g_strlcpy (label, text.c_str (), length);
}

/* Padded range of @v (or the user's limits where given). */
void
axis_range (const std::vector<double> &v, double user_lo, double user_hi,
    bool time, double *lo, double *hi)
{
  double mn = G_MAXDOUBLE, mx = -G_MAXDOUBLE;
  for (double a : v) {
    mn = std::min (mn, a);
    mx = std::max (mx, a);
  }
  if (v.empty ())
    mn = mx = 0;
  double pad = (mx - mn) * 0.03;
  if (pad <= 0)
    pad = time ? 3600 : std::max (1.0, std::fabs (mx) * 0.05);
  *lo = user_lo > -G_MAXDOUBLE ? user_lo : mn - pad;
  *hi = user_hi < G_MAXDOUBLE ? user_hi : mx + pad;
  if (*hi <= *lo)
    *hi = *lo + (time ? 3600 : 1);
}

int
label_chars (const AxisFormat &f, double lo, double hi)
{
  if (f.time) {
    gint64 t = static_cast<gint64> (hi);
    GDateTime *dt = g_date_time_new_from_unix_utc (t);
    gchar *s = dt ? g_date_time_format (dt, f.fmt) : nullptr;
    int n = s ? static_cast<int> (g_utf8_strlen (s, -1)) : 10;
    g_free (s);
    if (dt)
      g_date_time_unref (dt);
    return n;
  }
  return number_chars (lo, hi, f.tick);
}

/* ---- PLplot error handling --------------------------------------------- */

std::string g_tmp_path;

int
exit_handler (const char *msg)
{
  /* PLplot calls exit() after this; say it in one line, clean up, and use
   * our documented code instead. */
  if (!g_tmp_path.empty ())
    g_unlink (g_tmp_path.c_str ());
  gchar *one = g_strdup (msg ? msg : "unknown error");
  g_strdelimit (one, "\n", ' ');
  fprintf (stderr, "gst-twitch-plot: the plotting library failed: %s\n", one);
  g_free (one);
  fflush (stderr);
  _exit (EXIT_SOFTWARE);
}

void
abort_handler (const char *msg)
{
  g_debug ("PLplot: %s", msg);
}

/* ---- what to draw ------------------------------------------------------- */

struct Frame {
  double xlo, xhi, ylo, yhi;
  double w_mm, h_mm; /* plot area */
};

/* Indices of the points worth drawing: one per cell of @cell_mm, the last
 * one in @order (so the densest wins when @order is sorted by density). */
std::vector<uint32_t>
thin_points (const Series &s, const Frame &f, double cell_mm,
    const std::vector<uint32_t> &order)
{
  size_t cols = static_cast<size_t> (std::ceil (f.w_mm / cell_mm)) + 1;
  size_t rows = static_cast<size_t> (std::ceil (f.h_mm / cell_mm)) + 1;
  std::vector<uint32_t> cell (cols * rows, UINT32_MAX);
  double sx = (cols - 1) / (f.xhi - f.xlo), sy = (rows - 1) / (f.yhi - f.ylo);
  for (uint32_t i : order) {
    double gx = (s.x[i] - f.xlo) * sx, gy = (s.y[i] - f.ylo) * sy;
    if (!(gx >= 0 && gx < cols && gy >= 0 && gy < rows))
      continue; /* outside the user's limits */
    cell[static_cast<size_t> (gy) * cols + static_cast<size_t> (gx)] = i;
  }
  std::vector<uint32_t> keep;
  for (uint32_t c : cell)
    if (c != UINT32_MAX)
      keep.push_back (c);
  return keep;
}

/* A polyline of @n points sorted by x reduced to at most 4 points per column
 * of @columns (first, lowest, highest, last): the same picture, whatever n. */
void
decimate (const std::vector<double> &x, const std::vector<double> &y,
    double xlo, double xhi, int columns, std::vector<PLFLT> &ox,
    std::vector<PLFLT> &oy)
{
  ox.clear ();
  oy.clear ();
  size_t n = x.size ();
  if (n <= static_cast<size_t> (columns) * 4) {
    ox.assign (x.begin (), x.end ());
    oy.assign (y.begin (), y.end ());
    return;
  }
  double scale = columns / (xhi - xlo);
  size_t i = 0;
  while (i < n) {
    long col = static_cast<long> (std::floor ((x[i] - xlo) * scale));
    size_t first = i, lo = i, hi = i, last = i;
    while (
        i < n && static_cast<long> (std::floor ((x[i] - xlo) * scale)) == col) {
      if (y[i] < y[lo])
        lo = i;
      if (y[i] > y[hi])
        hi = i;
      last = i++;
    }
    size_t pts[4] = {first, std::min (lo, hi), std::max (lo, hi), last};
    size_t prev = SIZE_MAX;
    for (size_t p : pts) {
      if (p == prev)
        continue;
      ox.push_back (x[p]);
      oy.push_back (y[p]);
      prev = p;
    }
  }
}

/* The corner where the legend hides the fewest records and the least of the
 * count line (matplotlib's loc="best"), top left on a tie. The legend box is
 * @w x @h, as fractions of the plot area; @line holds points of the count
 * line in the same fractions. */
PLINT
legend_corner (const Series &s, const Frame &f,
    const std::vector<std::pair<double, double>> &line, double w, double h)
{
  const PLINT corners[4] = {PL_POSITION_LEFT | PL_POSITION_TOP,
      PL_POSITION_RIGHT | PL_POSITION_TOP,
      PL_POSITION_LEFT | PL_POSITION_BOTTOM,
      PL_POSITION_RIGHT | PL_POSITION_BOTTOM};
  size_t hits[4] = {0, 0, 0, 0};
  auto count = [&] (double u, double v, size_t weight) {
    bool left = u <= w + 0.02, right = u >= 1 - w - 0.02;
    bool top = v >= 1 - h - 0.03, bottom = v <= h + 0.03;
    if (left && top)
      hits[0] += weight;
    if (right && top)
      hits[1] += weight;
    if (left && bottom)
      hits[2] += weight;
    if (right && bottom)
      hits[3] += weight;
  };
  size_t n = s.x.size ();
  size_t step = std::max<size_t> (1, n / 200000);
  for (size_t i = 0; i < n; i += step)
    count ((s.x[i] - f.xlo) / (f.xhi - f.xlo),
        (s.y[i] - f.ylo) / (f.yhi - f.ylo), 1);
  /* a line under the legend is worse than a few points */
  size_t line_weight = std::max<size_t> (1, n / step / 200);
  for (const auto &p : line)
    count (p.first, p.second, line_weight);
  int best = 0;
  for (int c = 1; c < 4; c++)
    if (hits[c] < hits[best])
      best = c;
  return corners[best];
}

const char *
device (Format f)
{
  switch (f) {
    case Format::PNG:
      return "pngcairo";
    case Format::SVG:
      return "svgcairo";
    case Format::PDF:
      return "pdfcairo";
  }
  return "pngcairo";
}

void
set_col0 (plstream &pls, int i, const Rgba &c)
{
  pls.scol0a (i, c.r, c.g, c.b, c.a);
}

} // namespace

bool
render (const Series &s, const RenderOptions &o, GError **error)
{
  const Theme &th = theme (o.light);
  const size_t n = s.x.size ();
  const bool mixed = o.type == ChartType::MIXED;

  /* Shaded broadcasts go along the time axis. */
  enum { SPANS_NONE, SPANS_X, SPANS_Y } spans_on = SPANS_NONE;
  if (!o.spans.empty ()) {
    if (s.x_time)
      spans_on = SPANS_X;
    else if (s.y_time && !mixed)
      spans_on = SPANS_Y;
    else {
      g_set_error (error, TWITCH_PLOT_ERROR, EXIT_USAGE,
          "-S shades broadcasts on a time axis, but %s is not a time "
          "column: use -x followed or -x created%s",
          mixed || !s.y_time ? s.xname.c_str () : s.yname.c_str (),
          mixed && s.y_time ? " (or -t scatter to shade the y axis)" : "");
      return false;
    }
  }

  /* The output: a temporary file next to the final one, renamed at the end. */
  gchar *dir = g_path_get_dirname (o.outfile.c_str ());
  gchar *base = g_path_get_basename (o.outfile.c_str ());
  std::string tmpl = std::string (dir) + "/." + base + ".XXXXXX";
  g_free (dir);
  g_free (base);
  if (g_file_test (o.outfile.c_str (), G_FILE_TEST_IS_DIR)) {
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_CANT_CREATE,
        "cannot write %s: it is a folder", o.outfile.c_str ());
    return false;
  }
  if (g_file_test (o.outfile.c_str (), G_FILE_TEST_EXISTS)
      && access (o.outfile.c_str (), W_OK) != 0) {
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_CANT_CREATE,
        "cannot write %s: %s", o.outfile.c_str (), g_strerror (errno));
    return false;
  }
  std::vector<char> tmp (tmpl.begin (), tmpl.end ());
  tmp.push_back ('\0');
  int fd = g_mkstemp (tmp.data ());
  if (fd < 0) {
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_CANT_CREATE,
        "cannot write %s: %s", o.outfile.c_str (), g_strerror (errno));
    return false;
  }
  close (fd);
  g_tmp_path = tmp.data ();

  /* Ranges. */
  Frame f;
  axis_range (s.x, o.limits.xmin, o.limits.xmax, s.x_time, &f.xlo, &f.xhi);
  axis_range (s.y, o.limits.ymin, o.limits.ymax, s.y_time, &f.ylo, &f.yhi);

  /* Density first: it is the slow part and needs no PLplot. */
  std::vector<float> dens;
  if (o.density && n > 0)
    dens = kde_density (s.x.data (), s.y.data (), n);

  plsexit (exit_handler);
  plsabort (abort_handler);
  auto pls = std::make_unique<plstream> ();
  /* PLplot reports recoverable errors here instead of on stderr. */
  PLINT pl_errcode = 0;
  char pl_errmsg[320] = "";
  pls->sError (&pl_errcode, pl_errmsg);
  pls->sdev (device (o.format));
  pls->sfnam (g_tmp_path.c_str ());
  pls->spage (0, 0, o.width, o.height, 0, 0);
  pls->scmap0n (16);
  set_col0 (*pls, C_BG, th.bg);
  set_col0 (*pls, C_FG, th.fg);
  set_col0 (*pls, C_GRID, th.grid);
  set_col0 (*pls, C_POINTS, th.points);
  set_col0 (*pls, C_CUMULATIVE, th.cumulative);
  set_col0 (*pls, C_SPANS, th.spans);
  set_col0 (*pls, C_LEGEND_BG, th.legend_bg);
  {
    std::vector<PLFLT> pos, r, g, b;
    for (size_t i = 0; i < th.cmap.size (); i++) {
      pos.push_back (static_cast<double> (i) / (th.cmap.size () - 1));
      r.push_back (th.cmap[i].r / 255.0);
      g.push_back (th.cmap[i].g / 255.0);
      b.push_back (th.cmap[i].b / 255.0);
    }
    pls->scmap1n (256);
    pls->scmap1l (true, static_cast<PLINT> (pos.size ()), pos.data (),
        r.data (), g.data (), b.data (), nullptr);
  }
  pls->init ();
  pls->adv (0);

  /* Sizes in mm from PLplot, so the layout is the same in every format. */
  PLFLT page_x0, page_x1, page_y0, page_y1;
  pls->gspa (page_x0, page_x1, page_y0, page_y1);
  const double page_w = page_x1 - page_x0, page_h = page_y1 - page_y0;
  const double scale = std::min (page_w / 338.0, page_h / 211.0);
  pls->schr (0, kChar * scale);
  PLFLT ch_def, ch;
  pls->gchr (ch_def, ch);
  const double cw = ch * 0.82; /* width of one label character */

  /* Axis formats need the plot size, which needs the label widths: estimate
   * the widths with a generous tick count, then settle. */
  LabelData labels;
  double plot_w = page_w * 0.8, plot_h = page_h * 0.75;
  for (int pass = 0; pass < 2; pass++) {
    if (s.x_time)
      labels.x = time_axis (
          f.xlo, f.xhi, plot_w, [cw] (int chars) { return cw * (chars + 3); });
    else
      labels.x = number_axis (
          f.xlo, f.xhi, plot_w, [cw] (int chars) { return cw * (chars + 3); });
    if (s.y_time)
      labels.y
          = time_axis (f.ylo, f.yhi, plot_h, [ch] (int) { return ch * 3.5; });
    else
      labels.y
          = number_axis (f.ylo, f.yhi, plot_h, [ch] (int) { return ch * 3.5; });
    double left = ch * 2.6 + cw * label_chars (labels.y, f.ylo, f.yhi) + ch;
    /* room for half the first and the last x label */
    left
        = std::max (left, ch + cw * 0.5 * label_chars (labels.x, f.xlo, f.xhi));
    double right = ch + cw * 0.5 * label_chars (labels.x, f.xlo, f.xhi);
    if (mixed)
      right = ch * 3.2 + cw * label_chars (AxisFormat (), 0, n * 1.05);
    if (o.density)
      right += ch * 9.0;
    double top = o.title.empty () ? ch * 1.5 : ch * 3.6;
    double bottom = ch * 5.0;
    /* A small page keeps at least half of itself for the plot. */
    if (left + right > page_w * 0.5) {
      double k = page_w * 0.5 / (left + right);
      left *= k;
      right *= k;
    }
    if (top + bottom > page_h * 0.5) {
      double k = page_h * 0.5 / (top + bottom);
      top *= k;
      bottom *= k;
    }
    plot_w = page_w - left - right;
    plot_h = page_h - top - bottom;
    if (pass == 1)
      pls->svpa (left, left + plot_w, bottom, bottom + plot_h);
  }
  f.w_mm = plot_w;
  f.h_mm = plot_h;
  pls->wind (f.xlo, f.xhi, f.ylo, f.yhi);
  pls->slabelfunc (label_cb, &labels);

  /* Grid first, under everything. */
  pls->col0 (C_GRID);
  pls->width (0.6 * scale);
  pls->box (
      "g", labels.x.tick, labels.x.nsub, "g", labels.y.tick, labels.y.nsub);

  /* Broadcasts, as translucent bands across the plot. */
  std::vector<std::string> legend_text;
  std::vector<PLINT> legend_opt;
  bool any_span = false;
  size_t spans_shown = 0;
  pls->col0 (C_SPANS);
  for (const Span &sp : o.spans) {
    double a = sp.first, b = sp.second;
    double lo = spans_on == SPANS_X ? f.xlo : f.ylo;
    double hi = spans_on == SPANS_X ? f.xhi : f.yhi;
    if (b < lo || a > hi)
      continue;
    a = std::max (a, lo);
    b = std::min (b, hi);
    if (b <= a)
      b = a + (hi - lo) * 1e-4; /* a stream of no length still shows */
    PLFLT px[4], py[4];
    if (spans_on == SPANS_X) {
      PLFLT xs[4] = {a, b, b, a}, ys[4] = {f.ylo, f.ylo, f.yhi, f.yhi};
      std::copy (xs, xs + 4, px);
      std::copy (ys, ys + 4, py);
    } else {
      PLFLT xs[4] = {f.xlo, f.xhi, f.xhi, f.xlo}, ys[4] = {a, a, b, b};
      std::copy (xs, xs + 4, px);
      std::copy (ys, ys + 4, py);
    }
    pls->fill (4, px, py);
    any_span = true;
    spans_shown++;
  }

  /* The data. */
  const double px_per_mm = o.width / page_w;
  const double marker_px = n <= 1000     ? 9.0
                           : n <= 10000  ? 6.0
                           : n <= 100000 ? 4.2
                                         : 3.2;
  /* A fraction of the page width, so markers look alike at any size. */
  const double marker_mm = marker_px / 1280.0 * page_w; /* diameter */
  /* Markers are filled circles (plarc, drawn natively by cairo: three
   * times faster than PLplot's symbol glyphs); radii in world units. */
  const double rx = marker_mm / 2 * (f.xhi - f.xlo) / plot_w;
  const double ry = marker_mm / 2 * (f.yhi - f.ylo) / plot_h;
  auto dots = [&] (const std::vector<PLFLT> &xs, const std::vector<PLFLT> &ys) {
    for (size_t i = 0; i < xs.size (); i++)
      pls->arc (xs[i], ys[i], rx, ry, 0, 360, 0, true);
  };
  if (o.type == ChartType::LINE) {
    std::vector<uint32_t> idx (n);
    std::iota (idx.begin (), idx.end (), 0);
    std::stable_sort (idx.begin (), idx.end (),
        [&] (uint32_t a, uint32_t b) { return s.x[a] < s.x[b]; });
    std::vector<double> xs (n), ys (n);
    for (size_t i = 0; i < n; i++) {
      xs[i] = s.x[idx[i]];
      ys[i] = s.y[idx[i]];
    }
    std::vector<PLFLT> lx, ly;
    decimate (xs, ys, f.xlo, f.xhi,
        std::max (64, static_cast<int> (plot_w * px_per_mm)), lx, ly);
    pls->scol0a (C_POINTS, th.points.r, th.points.g, th.points.b, 1.0);
    pls->col0 (C_POINTS);
    pls->width (1.6 * scale);
    pls->line (static_cast<PLINT> (lx.size ()), lx.data (), ly.data ());
  }
  if (o.type != ChartType::LINE || o.density) {
    std::vector<uint32_t> order (n);
    std::iota (order.begin (), order.end (), 0);
    if (o.density)
      std::stable_sort (order.begin (), order.end (),
          [&] (uint32_t a, uint32_t b) { return dens[a] < dens[b]; });
    std::vector<uint32_t> keep
        = thin_points (s, f, std::max (marker_mm / 2.0, 0.05), order);
    if (o.density) {
      /* Colour by density in 64 steps, densest drawn last (on top). */
      const int levels = 64;
      std::vector<std::vector<PLFLT>> lx (levels), ly (levels);
      for (uint32_t i : keep) {
        int l = std::min (levels - 1, static_cast<int> (dens[i] * levels));
        lx[l].push_back (s.x[i]);
        ly[l].push_back (s.y[i]);
      }
      for (int l = 0; l < levels; l++) {
        if (lx[l].empty ())
          continue;
        pls->col1 ((l + 0.5) / levels);
        dots (lx[l], ly[l]);
      }
    } else {
      std::vector<PLFLT> px, py;
      px.reserve (keep.size ());
      py.reserve (keep.size ());
      for (uint32_t i : keep) {
        px.push_back (s.x[i]);
        py.push_back (s.y[i]);
      }
      pls->col0 (C_POINTS);
      dots (px, py);
    }
  }

  /* Axes and labels on top. */
  pls->col0 (C_FG);
  pls->width (1.0 * scale);
  std::string xopt = "bcnsto", yopt = mixed ? "bnstvo" : "bcnstvo";
  pls->box (xopt.c_str (), labels.x.tick, labels.x.nsub, yopt.c_str (),
      labels.y.tick, labels.y.nsub);
  std::string xl = s.x_time
                       ? time_axis_title (s.xname, labels.x.fmt, f.xlo, f.xhi)
                       : s.xname;
  std::string yl = s.y_time
                       ? time_axis_title (s.yname, labels.y.fmt, f.ylo, f.yhi)
                       : s.yname;
  pls->mtex ("b", 3.2, 0.5, 0.5, xl.c_str ());
  pls->mtex ("l", 1.6 + cw * label_chars (labels.y, f.ylo, f.yhi) / ch, 0.5,
      0.5, yl.c_str ());
  if (!o.title.empty ()) {
    pls->schr (0, 1.2 * kChar * scale);
    pls->mtex ("t", 1.2, 0.5, 0.5, o.title.c_str ());
    pls->schr (0, kChar * scale);
  }

  /* The cumulative count of records along x, on its own right axis. */
  std::vector<std::pair<double, double>> count_line;
  if (mixed) {
    std::vector<double> sorted (s.x);
    std::sort (sorted.begin (), sorted.end ());
    /* A staircase: the count steps up at each record. */
    std::vector<double> xs, cy;
    xs.reserve (2 * n + 1);
    cy.reserve (2 * n + 1);
    for (size_t i = 0; i < n; i++) {
      xs.push_back (sorted[i]);
      cy.push_back (static_cast<double> (i));
      xs.push_back (sorted[i]);
      cy.push_back (static_cast<double> (i + 1));
    }
    /* Run the line to the right edge so the total reads at a glance. */
    if (n > 0 && xs.back () < f.xhi) {
      xs.push_back (f.xhi);
      cy.push_back (static_cast<double> (n));
    }
    std::vector<PLFLT> lx, ly;
    decimate (xs, cy, f.xlo, f.xhi,
        std::max (64, static_cast<int> (plot_w * px_per_mm)), lx, ly);
    double top = std::max (1.0, n * 1.05);
    for (size_t i = 0; i < lx.size (); i++)
      count_line.emplace_back ((lx[i] - f.xlo) / (f.xhi - f.xlo), ly[i] / top);
    pls->wind (f.xlo, f.xhi, 0, top);
    pls->col0 (C_CUMULATIVE);
    pls->width (2.0 * scale);
    pls->line (static_cast<PLINT> (lx.size ()), lx.data (), ly.data ());
    pls->width (1.0 * scale);
    LabelData right = labels;
    right.y = number_axis (
        0, top, plot_h, [ch] (int) { return ch * 3.5; }, 1.0);
    pls->slabelfunc (label_cb, &right);
    pls->col0 (C_FG);
    pls->box ("", 0, 0, "cmstvo", right.y.tick, right.y.nsub);
    pls->col0 (C_CUMULATIVE);
    pls->mtex ("r", 1.6 + cw * label_chars (AxisFormat (), 0, top) / ch, 0.5,
        0.5, "cumulative count");
    pls->slabelfunc (label_cb, &labels);
    pls->wind (f.xlo, f.xhi, f.ylo, f.yhi);
  }

  /* Legend: the points, the count, the broadcasts. */
  {
    std::string label = o.label;
    if (label.empty ())
      label = format_number (static_cast<double> (n), 1)
              + (n == 1 ? " record" : " records");
    std::vector<std::string> texts;
    std::vector<PLINT> opts, text_colors, box_colors, box_patterns, line_colors,
        line_styles, symbol_colors, symbol_numbers;
    std::vector<PLFLT> box_scales, box_widths, line_widths, symbol_scales;
    std::vector<const char *> symbols;
    auto add = [&] (PLINT opt, const std::string &text, int col) {
      opts.push_back (opt);
      texts.push_back (text);
      text_colors.push_back (C_FG);
      box_colors.push_back (col);
      box_patterns.push_back (0);
      box_scales.push_back (0.8);
      box_widths.push_back (1);
      line_colors.push_back (col);
      line_styles.push_back (1);
      line_widths.push_back (2.0 * scale);
      symbol_colors.push_back (col);
      symbol_scales.push_back (0.55);
      symbol_numbers.push_back (1);
      symbols.push_back ("\u25cf");
    };
    if (o.type == ChartType::LINE)
      add (PL_LEGEND_LINE, label, C_POINTS);
    else
      add (PL_LEGEND_SYMBOL, label, C_POINTS);
    if (mixed)
      add (PL_LEGEND_LINE, "cumulative count", C_CUMULATIVE);
    if (any_span)
      add (PL_LEGEND_COLOR_BOX,
          broadcasts_legend (spans_shown, o.spans.size ()), C_SPANS);
    std::vector<const char *> ctexts;
    for (const auto &t : texts)
      ctexts.push_back (t.c_str ());
    if (o.density) {
      const Rgba &mid = th.cmap[th.cmap.size () / 2];
      pls->scol0a (C_POINTS, mid.r, mid.g, mid.b, 1.0);
    } else {
      pls->scol0a (C_POINTS, th.points.r, th.points.g, th.points.b, 1.0);
    }
    size_t longest = 0;
    for (const auto &t : texts)
      longest = std::max (
          longest, static_cast<size_t> (g_utf8_strlen (t.c_str (), -1)));
    double box_w = (cw * longest + ch * 5.5) / plot_w;
    double box_h = (ch * 2.0 * texts.size () + ch) / plot_h;
    PLINT corner = legend_corner (s, f, count_line, box_w, box_h);
    PLFLT lw, lh;
    pls->legend (&lw, &lh, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
        corner | PL_POSITION_INSIDE, 0.015, 0.02, 0.04, C_LEGEND_BG, C_GRID, 1,
        0, 0, static_cast<PLINT> (opts.size ()), opts.data (), 0.8, 0.9, 2.0,
        0.0, text_colors.data (), ctexts.data (), box_colors.data (),
        box_patterns.data (), box_scales.data (), box_widths.data (),
        line_colors.data (), line_styles.data (), line_widths.data (),
        symbol_colors.data (), symbol_scales.data (), symbol_numbers.data (),
        symbols.data ());
  }

  /* The density scale. */
  if (o.density) {
    PLFLT cw_out, chh;
    PLINT label_opts[] = {PL_COLORBAR_LABEL_RIGHT};
    const char *label_text[] = {"density (relative)"};
    const char *axis_opts[] = {"bcvtm"};
    PLFLT ticks[] = {0.2};
    PLINT sub_ticks[] = {5};
    PLINT n_values[] = {2};
    PLFLT vals[] = {0.0, 1.0};
    const PLFLT *values[] = {vals};
    pls->slabelfunc (nullptr, nullptr);
    pls->col0 (C_FG);
    double offset
        = mixed ? (ch * 3.6 + cw * label_chars (AxisFormat (), 0, n * 1.05))
                      / plot_w
                : 0.035;
    pls->colorbar (&cw_out, &chh,
        PL_COLORBAR_GRADIENT | PL_COLORBAR_BOUNDING_BOX,
        PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT, offset,
        0.0, 0.025, 0.8, C_BG, C_FG, 1, 0, 0, 0, 0, 1, label_opts, label_text,
        1, axis_opts, ticks, sub_ticks, n_values, values);
  }

  pls.reset (); /* plend: the driver writes the file */
  g_tmp_path.clear ();
  if (pl_errcode != 0) {
    g_unlink (tmp.data ());
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_SOFTWARE,
        "the plotting library failed: %s", pl_errmsg);
    return false;
  }

  GStatBuf st;
  if (g_stat (tmp.data (), &st) != 0 || st.st_size == 0) {
    g_unlink (tmp.data ());
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_SOFTWARE,
        "the plotting library wrote nothing to %s", o.outfile.c_str ());
    return false;
  }
  /* mkstemp made it 0600; a chart is an ordinary file. */
  mode_t mask = umask (0);
  umask (mask);
  g_chmod (tmp.data (), 0666 & ~mask);
  if (g_rename (tmp.data (), o.outfile.c_str ()) != 0) {
    int e = errno;
    g_unlink (tmp.data ());
    g_set_error (error, TWITCH_PLOT_ERROR, EXIT_CANT_CREATE,
        "cannot write %s: %s", o.outfile.c_str (), g_strerror (e));
    return false;
  }
  return true;
}

std::string
time_axis_title (
    const std::string &name, const char *tick_format, double lo, double hi)
{
  std::string title = name + " (UTC";
  if (tick_format == nullptr || strstr (tick_format, "%Y") == nullptr) {
    auto day = [] (double t) -> std::string {
      GDateTime *dt = g_date_time_new_from_unix_utc (
          static_cast<gint64> (std::floor (t)));
      if (dt == nullptr)
        return "";
      gchar *text = g_date_time_format (dt, "%Y-%m-%d");
      std::string out = text ? text : "";
      g_free (text);
      g_date_time_unref (dt);
      return out;
    };
    std::string first = day (lo), last = day (hi);
    if (!first.empty ())
      title += ", " + first;
    if (!last.empty () && last != first)
      title += " to " + last;
  }
  return title + ")";
}

std::string
broadcasts_legend (size_t shown, size_t total)
{
  std::string noun = total == 1 ? " broadcast" : " broadcasts";
  if (shown == total)
    return format_number (static_cast<double> (total), 1) + noun;
  return format_number (static_cast<double> (shown), 1) + " of "
         + format_number (static_cast<double> (total), 1) + noun;
}

} // namespace plot
} // namespace twitch
