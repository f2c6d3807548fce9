/* gst-twitch-plot: the parser and the density estimate as units, and the
 * command line end to end (every chart type and option renders a valid PNG,
 * SVG and PDF with something drawn in the plot area; -r, -m/-M, old
 * headerless files, stdin; every bad input gives one line and its exit
 * code). */
#include "density.h"
#include "plot-data.h"
#include "render.h"

#include "support/peer.h"
#include "support/require.h"

#include <cairo.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace twitch::plot;
using twitch_test::TempDir;

namespace
{

/* ---- data ---------------------------------------------------------------- */

constexpr double kWeekStart = 1469404800; /* 2016-07-25T00:00:00Z */

/* A week of followers in the new report layout; two thirds follow during the
 * 7 evening broadcasts of streams_tsv(). Deterministic. */
std::string
followers_tsv (int n, bool header = true, unsigned seed = 7)
{
  std::mt19937 rng (seed);
  std::uniform_real_distribution<double> u (0, 1);
  std::ostringstream o;
  if (header)
    o << "# follower\tchannel\tcreated\tfollowed\tdelta\tzero\n";
  for (int i = 0; i < n; i++) {
    double followed;
    if (u (rng) < 0.66) {
      int day = static_cast<int> (u (rng) * 7);
      followed = kWeekStart + day * 86400 + 18 * 3600 + u (rng) * 4 * 3600;
    } else {
      followed = kWeekStart + u (rng) * 7 * 86400;
    }
    double created = u (rng) < 0.3 ? followed - u (rng) * 5 * 86400
                                   : 1.2e9 + u (rng) * (followed - 1.2e9);
    long f = static_cast<long> (followed), c = static_cast<long> (created);
    o << "user" << i << "\tchan\t" << c << "\t" << f << "\t" << (f - c)
      << "\t0\n";
  }
  return o.str ();
}

/* itch's headerless layout: name channel created followed delta followers
 * following. */
std::string
legacy_tsv (int n)
{
  std::ostringstream o;
  for (int i = 0; i < n; i++) {
    long f = static_cast<long> (kWeekStart) + i * 600;
    long c = 1300000000L + i * 86400L;
    o << "old" << i << "\tchan\t" << c << "\t" << f << "\t" << (f - c) << "\t"
      << (i * 3) << "\t" << (i % 50) << "\n";
  }
  return o.str ();
}

std::string
streams_tsv ()
{
  std::ostringstream o;
  o << "# start\tend\n";
  for (int d = 0; d < 7; d++) {
    long s = static_cast<long> (kWeekStart) + d * 86400 + 18 * 3600;
    o << s << "\t" << (s + 4 * 3600) << "\n";
  }
  return o.str ();
}

/* ---- running the tool ---------------------------------------------------- */

struct Result {
  int status = -1;
  std::string out, err;
  int err_lines () const
  {
    return static_cast<int> (std::count (err.begin (), err.end (), '\n'));
  }
};

std::string
plot_exe ()
{
  const char *p = g_getenv ("GST_TWITCH_PLOT");
  return p ? p : "gst-twitch-plot";
}

Result
run (std::vector<std::string> args, const std::string &stdin_text = {},
    const std::string &cwd = {})
{
  Result r;
  std::vector<const char *> argv;
  std::string exe = plot_exe ();
  argv.push_back (exe.c_str ());
  for (const auto &a : args)
    argv.push_back (a.c_str ());
  argv.push_back (nullptr);
  GSubprocessLauncher *l
      = g_subprocess_launcher_new (static_cast<GSubprocessFlags> (
          G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
          | G_SUBPROCESS_FLAGS_STDERR_PIPE));
  if (!cwd.empty ())
    g_subprocess_launcher_set_cwd (l, cwd.c_str ());
  GError *error = nullptr;
  GSubprocess *p = g_subprocess_launcher_spawnv (l, argv.data (), &error);
  g_object_unref (l);
  if (!p) {
    ADD_FAILURE () << "cannot start " << exe << ": " << error->message;
    g_error_free (error);
    return r;
  }
  GBytes *in = g_bytes_new (stdin_text.data (), stdin_text.size ());
  GBytes *out = nullptr, *err = nullptr;
  if (!g_subprocess_communicate (p, in, nullptr, &out, &err, &error)) {
    ADD_FAILURE () << error->message;
    g_error_free (error);
  }
  g_bytes_unref (in);
  if (out) {
    gsize n;
    const char *d = static_cast<const char *> (g_bytes_get_data (out, &n));
    r.out.assign (d ? d : "", n);
    g_bytes_unref (out);
  }
  if (err) {
    gsize n;
    const char *d = static_cast<const char *> (g_bytes_get_data (err, &n));
    r.err.assign (d ? d : "", n);
    g_bytes_unref (err);
  }
  if (g_subprocess_get_if_signaled (p))
    r.status = 128 + g_subprocess_get_term_sig (p);
  else
    r.status = g_subprocess_get_exit_status (p);
  g_object_unref (p);
  return r;
}

/* ---- checking the output ------------------------------------------------- */

struct PngStats {
  int width = 0, height = 0;
  long non_background = 0; /* in the middle 60 % of the image */
  long bluish = 0;         /* the dark theme's points and line: g > r, b high */
  long purple = 0;         /* broadcast bands: b > r > g */
  long viridis = 0;        /* density colours: green/yellow, g > b */
  long orange = 0;         /* cumulative count line */
};

bool
png_stats (const std::string &path, PngStats *st)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path.c_str ());
  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy (s);
    return false;
  }
  cairo_surface_flush (s);
  st->width = cairo_image_surface_get_width (s);
  st->height = cairo_image_surface_get_height (s);
  const unsigned char *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  auto px = [&] (int x, int y, int *r, int *g, int *b) {
    uint32_t v
        = *reinterpret_cast<const uint32_t *> (data + y * stride + x * 4);
    *r = (v >> 16) & 0xff;
    *g = (v >> 8) & 0xff;
    *b = v & 0xff;
  };
  int br, bg, bb;
  px (1, 1, &br, &bg, &bb);
  for (int y = st->height / 5; y < st->height * 4 / 5; y++)
    for (int x = st->width / 5; x < st->width * 4 / 5; x++) {
      int r, g, b;
      px (x, y, &r, &g, &b);
      if (std::abs (r - br) + std::abs (g - bg) + std::abs (b - bb) > 30)
        st->non_background++;
      if (b > 150 && g > r + 40)
        st->bluish++;
      if (b > r + 15 && r > g + 10 && b < 160)
        st->purple++;
      if (g > 120 && g > b + 20 && r < g + 60 && !(r > 200 && g < 200))
        st->viridis++;
      if (r > 200 && g > 130 && g < 210 && b < 120)
        st->orange++;
    }
  cairo_surface_destroy (s);
  return true;
}

::testing::AssertionResult
valid_svg (const std::string &path, int min_paths)
{
  xmlDocPtr doc = xmlReadFile (path.c_str (), nullptr,
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc)
    return ::testing::AssertionFailure () << path << " is not XML";
  xmlNodePtr root = xmlDocGetRootElement (doc);
  bool svg = root && xmlStrcmp (root->name, BAD_CAST "svg") == 0;
  int paths = 0;
  std::vector<xmlNodePtr> stack = {root};
  while (!stack.empty ()) {
    xmlNodePtr n = stack.back ();
    stack.pop_back ();
    for (; n; n = n->next) {
      if (n->type == XML_ELEMENT_NODE
          && (xmlStrcmp (n->name, BAD_CAST "path") == 0
              || xmlStrcmp (n->name, BAD_CAST "use") == 0))
        paths++;
      if (n->children)
        stack.push_back (n->children);
    }
  }
  xmlFreeDoc (doc);
  if (!svg)
    return ::testing::AssertionFailure () << path << ": root is not <svg>";
  if (paths < min_paths)
    return ::testing::AssertionFailure ()
           << path << ": only " << paths << " drawing elements";
  return ::testing::AssertionSuccess ();
}

::testing::AssertionResult
valid_pdf (const std::string &path)
{
  std::string d = twitch_test::read_file (path);
  if (d.compare (0, 5, "%PDF-") != 0)
    return ::testing::AssertionFailure () << path << " does not start %PDF-";
  if (d.find ("/Type /Page") == std::string::npos)
    return ::testing::AssertionFailure () << path << " has no page";
  if (d.rfind ("%%EOF") == std::string::npos
      || d.rfind ("%%EOF") < d.size () - 8)
    return ::testing::AssertionFailure () << path << " is truncated";
  if (d.size () < 4000)
    return ::testing::AssertionFailure () << path << " is nearly empty";
  return ::testing::AssertionSuccess ();
}

/* No temporary file of ours is left in @dir. */
bool
no_leftovers (const std::string &dir)
{
  GDir *d = g_dir_open (dir.c_str (), 0, nullptr);
  if (!d)
    return true;
  bool ok = true;
  while (const char *name = g_dir_read_name (d))
    if (name[0] == '.')
      ok = false;
  g_dir_close (d);
  return ok;
}

class PlotCli : public ::testing::Test
{
 protected:
  void SetUp () override
  {
    followers = tmp.file ("f.tsv");
    streams = tmp.file ("s.tsv");
    ASSERT_TRUE (twitch_test::write_file (followers, followers_tsv (1000)));
    ASSERT_TRUE (twitch_test::write_file (streams, streams_tsv ()));
  }
  TempDir tmp{"gst-twitch-plot-test"};
  std::string followers, streams;
};

} // namespace

/* ---- units: parsing ------------------------------------------------------ */

TEST (PlotData, ParsesNumbersAndDates)
{
  double v;
  bool date;
  ASSERT_TRUE (parse_value ("1469404800", &v, &date));
  EXPECT_EQ (v, 1469404800.0);
  EXPECT_FALSE (date);
  ASSERT_TRUE (parse_value (" -2.5e3 ", &v, &date));
  EXPECT_EQ (v, -2500.0);
  ASSERT_TRUE (parse_value ("2016-07-25", &v, &date));
  EXPECT_EQ (v, kWeekStart);
  EXPECT_TRUE (date);
  ASSERT_TRUE (parse_value ("2016-07-25T01:00:00Z", &v, &date));
  EXPECT_EQ (v, kWeekStart + 3600);
  ASSERT_TRUE (parse_value ("2016-07-25 01:00:00", &v, &date));
  EXPECT_EQ (v, kWeekStart + 3600);
  ASSERT_TRUE (parse_value ("2016-07-25T03:00:00+02:00", &v, &date));
  EXPECT_EQ (v, kWeekStart + 3600);
  EXPECT_FALSE (parse_value ("", &v, &date));
  EXPECT_FALSE (parse_value ("12abc", &v, &date));
  EXPECT_FALSE (parse_value ("nan", &v, &date));
  EXPECT_FALSE (parse_value ("inf", &v, &date));
  EXPECT_FALSE (parse_value ("2016-02-30", &v, &date));
  EXPECT_FALSE (parse_value ("yesterday", &v, &date));
}

TEST (PlotData, HeaderNamesColumns)
{
  Table t;
  GError *error = nullptr;
  ASSERT_TRUE (table_parse ("# a\tb\tfollowed\n\n1\t2\t3\n# note\n4\t5\t6\r\n",
      "t", '\t', t, &error));
  EXPECT_TRUE (t.has_header);
  ASSERT_EQ (t.columns.size (), 3u);
  EXPECT_EQ (t.columns[2], "followed");
  ASSERT_EQ (t.records.size (), 2u);
  EXPECT_EQ (t.record_text (1), "4\t5\t6");
  EXPECT_EQ (t.records[1].line, 5u);
  EXPECT_EQ (table_find_column (t, "FOLLOWED"), 2);
  EXPECT_EQ (table_find_column (t, "followed_at"), 2);
  EXPECT_EQ (table_find_column (t, "2"), 1);
  EXPECT_EQ (table_find_column (t, "nope"), -1);
}

TEST (PlotData, ByteOrderMarkIsSkipped)
{
  Table t;
  ASSERT_TRUE (
      table_parse ("\xEF\xBB\xBF# x\ty\n1\t2\n", "bom", '\t', t, nullptr));
  EXPECT_TRUE (t.has_header);
  EXPECT_EQ (table_find_column (t, "x"), 0);
  ASSERT_EQ (t.records.size (), 1u);
}

TEST (PlotData, NoHeaderMeansTheOldLayout)
{
  Table t;
  ASSERT_TRUE (table_parse (legacy_tsv (3), "old", '\t', t, nullptr));
  EXPECT_FALSE (t.has_header);
  EXPECT_EQ (t.columns, legacy_columns ());
  /* "follower" (new name) finds itch's "name" */
  EXPECT_EQ (table_find_column (t, "follower"), 0);
  EXPECT_EQ (table_find_column (t, "following"), 6);
}

TEST (PlotData, EmptyInputIsAnError)
{
  for (const char *text : {"", "\n\n", "# a\tb\n", "# only a comment\n"}) {
    Table t;
    GError *error = nullptr;
    EXPECT_FALSE (table_parse (text, "e.tsv", '\t', t, &error)) << text;
    ASSERT_NE (error, nullptr);
    EXPECT_EQ (error->code, EXIT_DATA);
    EXPECT_NE (std::string (error->message).find ("e.tsv"), std::string::npos);
    g_error_free (error);
  }
}

TEST (PlotData, BoundsDropRecordsOutside)
{
  Table t;
  ASSERT_TRUE (table_parse (
      "# x\ty\n1\t10\n2\t20\n3\t30\n4\t40\n", "t", '\t', t, nullptr));
  Bounds b;
  b.xmin = 2;
  b.xmax = 3;
  Series s;
  ASSERT_TRUE (series_extract (t, "x", "y", b, s, nullptr));
  EXPECT_EQ (s.x, (std::vector<double>{2, 3}));
  EXPECT_EQ (s.y, (std::vector<double>{20, 30}));
  EXPECT_EQ (s.record, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ (s.dropped, 2u);
  b = Bounds ();
  b.ymax = 15;
  ASSERT_TRUE (series_extract (t, "x", "y", b, s, nullptr));
  EXPECT_EQ (s.x, (std::vector<double>{1}));
}

TEST (PlotData, TimeAxesAreRecognised)
{
  Table t;
  ASSERT_TRUE (table_parse (followers_tsv (5), "t", '\t', t, nullptr));
  Series s;
  ASSERT_TRUE (series_extract (t, "followed", "delta", Bounds (), s, nullptr));
  EXPECT_TRUE (s.x_time);
  EXPECT_FALSE (s.y_time);
  /* ISO 8601 values (gst-twitch --iso) make a time axis whatever the name */
  ASSERT_TRUE (table_parse (
      "# when\tn\n2016-07-25T00:00:00Z\t1\n", "t", '\t', t, nullptr));
  ASSERT_TRUE (series_extract (t, "when", "n", Bounds (), s, nullptr));
  EXPECT_TRUE (s.x_time);
  EXPECT_EQ (s.x[0], kWeekStart);
}

TEST (PlotData, BadValuesNameFileLineAndColumn)
{
  Table t;
  ASSERT_TRUE (
      table_parse ("# x\ty\n1\t2\n3\toops\n", "bad.tsv", '\t', t, nullptr));
  Series s;
  GError *error = nullptr;
  EXPECT_FALSE (series_extract (t, "x", "y", Bounds (), s, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->code, EXIT_DATA);
  std::string m = error->message;
  EXPECT_NE (m.find ("bad.tsv:3"), std::string::npos) << m;
  EXPECT_NE (m.find ("'y'"), std::string::npos) << m;
  EXPECT_NE (m.find ("oops"), std::string::npos) << m;
  g_clear_error (&error);
  EXPECT_FALSE (series_extract (t, "x", "missing", Bounds (), s, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_NE (std::string (error->message).find ("x, y"), std::string::npos);
  g_clear_error (&error);
  /* a short record */
  ASSERT_TRUE (table_parse ("# x\ty\n1\n", "short.tsv", '\t', t, nullptr));
  EXPECT_FALSE (series_extract (t, "x", "y", Bounds (), s, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_NE (
      std::string (error->message).find ("short.tsv:2"), std::string::npos);
  g_clear_error (&error);
}

TEST (PlotData, Spans)
{
  std::vector<Span> spans;
  ASSERT_TRUE (spans_parse ("# start\tend\n10\t20\n\n40 30\n2016-07-25,"
                            "2016-07-26\n",
      "s", spans, nullptr));
  ASSERT_EQ (spans.size (), 3u);
  EXPECT_EQ (spans[0], Span (10, 20));
  EXPECT_EQ (spans[1], Span (30, 40)); /* reversed ends are swapped */
  EXPECT_EQ (spans[2], Span (kWeekStart, kWeekStart + 86400));
  GError *error = nullptr;
  EXPECT_FALSE (spans_parse ("10\n", "s.tsv", spans, &error));
  ASSERT_NE (error, nullptr);
  EXPECT_NE (std::string (error->message).find ("s.tsv:1"), std::string::npos);
  g_error_free (error);
}

TEST (PlotData, Delimiters)
{
  char d;
  ASSERT_TRUE (parse_delimiter ("\\t", &d, nullptr));
  EXPECT_EQ (d, '\t');
  ASSERT_TRUE (parse_delimiter (",", &d, nullptr));
  EXPECT_EQ (d, ',');
  ASSERT_TRUE (parse_delimiter ("comma", &d, nullptr));
  EXPECT_EQ (d, ',');
  EXPECT_FALSE (parse_delimiter ("::", &d, nullptr));
  EXPECT_FALSE (parse_delimiter ("", &d, nullptr));
}

/* ---- units: density ------------------------------------------------------ */

TEST (Density, MatchesTheExactEstimate)
{
  std::mt19937 rng (3);
  std::normal_distribution<double> a (0, 1), b (5, 0.5);
  std::vector<double> x, y;
  for (int i = 0; i < 1500; i++) {
    bool first = i % 3 != 0;
    x.push_back (first ? a (rng) : b (rng));
    y.push_back (first ? 1000 + 100 * a (rng) : 3000 + 50 * a (rng));
  }
  auto fast = kde_density (x.data (), y.data (), x.size ());
  auto exact = kde_density_exact (x.data (), y.data (), x.size ());
  ASSERT_EQ (fast.size (), x.size ());
  double worst = 0, mean = 0;
  for (size_t i = 0; i < x.size (); i++) {
    EXPECT_GT (fast[i], 0.0f);
    EXPECT_LE (fast[i], 1.0f);
    double e = std::fabs (fast[i] - exact[i]);
    worst = std::max (worst, e);
    mean += e;
  }
  mean /= x.size ();
  EXPECT_LT (mean, 0.02);
  EXPECT_LT (worst, 0.08);
}

TEST (Density, DenserClusterScoresHigher)
{
  std::vector<double> x, y;
  for (int i = 0; i < 900; i++) { /* tight cluster */
    x.push_back (10 + (i % 30) * 0.01);
    y.push_back (10 + (i / 30) * 0.01);
  }
  for (int i = 0; i < 100; i++) { /* sparse spread */
    x.push_back ((i % 10) * 3.0);
    y.push_back ((i / 10) * 3.0);
  }
  auto d = kde_density (x.data (), y.data (), x.size ());
  EXPECT_GT (d[450], 0.5f);
  EXPECT_LT (d[900], 0.1f); /* (0,0), far from the cluster */
}

TEST (Density, DegenerateInputs)
{
  EXPECT_TRUE (kde_density (nullptr, nullptr, 0).empty ());
  std::vector<double> x (50, 7.0), y (50, 3.0);
  auto d = kde_density (x.data (), y.data (), x.size ());
  for (float v : d)
    EXPECT_FLOAT_EQ (v, 1.0f);
  double one_x = 1, one_y = 2;
  auto single = kde_density (&one_x, &one_y, 1);
  EXPECT_FLOAT_EQ (single[0], 1.0f);
}

/* ---- the command line: charts ------------------------------------------- */

struct ChartCase {
  const char *name;
  std::vector<std::string> args;
  bool spans, density, line, cumulative;
};

class PlotCharts : public PlotCli,
                   public ::testing::WithParamInterface<ChartCase>
{
};

/* Where librsvg's or poppler's command-line tools are installed
 * (librsvg2-bin, poppler-utils), SVG and PDF are rasterised and must show
 * the same things as the PNG. */
static void
check_vector_raster (const std::string &file, const ChartCase &c,
    const char *tool, std::vector<std::string> args)
{
  std::string prog = twitch_test::find_program (tool);
  TWITCH_REQUIRE_PROGRAM (prog, tool,
      std::string (tool) == "pdftoppm" ? "poppler-utils" : "librsvg2-bin");
  std::string png = file + ".raster";
  std::vector<std::string> argv = {prog};
  if (std::string (tool) == "pdftoppm") {
    argv.insert (argv.end (), args.begin (), args.end ());
    argv.push_back (file);
    argv.push_back (png); /* pdftoppm adds .png */
    png += ".png";
  } else {
    argv.insert (argv.end (), args.begin (), args.end ());
    argv.push_back (png);
    argv.push_back (file);
  }
  std::vector<const char *> cargv;
  for (const auto &a : argv)
    cargv.push_back (a.c_str ());
  cargv.push_back (nullptr);
  GError *error = nullptr;
  GSubprocess *p = g_subprocess_newv (cargv.data (),
      static_cast<GSubprocessFlags> (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                     | G_SUBPROCESS_FLAGS_STDERR_SILENCE),
      &error);
  ASSERT_NE (p, nullptr) << error->message;
  ASSERT_TRUE (g_subprocess_wait_check (p, nullptr, &error))
      << tool << " " << file << ": " << error->message;
  g_object_unref (p);
  PngStats st;
  ASSERT_TRUE (png_stats (png, &st)) << png;
  EXPECT_EQ (st.width, 1280) << file;
  EXPECT_GT (st.non_background, 20000) << file;
  if (c.density)
    EXPECT_GT (st.viridis, 500) << file;
  else
    EXPECT_GT (st.bluish, 500) << file;
  if (c.spans) {
    EXPECT_GT (st.purple, c.line ? 1500 : 20000) << file;
  }
  if (c.cumulative) {
    EXPECT_GT (st.orange, 300) << file;
  }
  g_unlink (png.c_str ());
}

TEST_P (PlotCharts, PngSvgPdf)
{
  const ChartCase &c = GetParam ();
  for (const char *ext : {"png", "svg", "pdf"}) {
    std::string out = tmp.file (std::string (c.name) + "." + ext);
    std::vector<std::string> args = c.args;
    if (c.spans) {
      args.push_back ("-S");
      args.push_back (streams);
    }
    args.push_back (followers);
    args.push_back (out);
    Result r = run (args);
    ASSERT_EQ (r.status, 0) << c.name << "." << ext << ": " << r.err;
    EXPECT_NE (r.err.find ("1000 records plotted"), std::string::npos) << r.err;
    if (std::string (ext) == "png") {
      PngStats st;
      ASSERT_TRUE (png_stats (out, &st)) << out;
      EXPECT_EQ (st.width, 1280);
      EXPECT_EQ (st.height, 800);
      EXPECT_GT (st.non_background, 20000) << c.name;
      if (c.density)
        EXPECT_GT (st.viridis, 500) << c.name;
      else
        EXPECT_GT (st.bluish, 500) << c.name;
      /* a line chart of 1000 records hides most of the bands */
      if (c.spans)
        EXPECT_GT (st.purple, c.line ? 1500 : 20000) << c.name;
      else
        EXPECT_LT (st.purple, 300) << c.name;
      if (c.cumulative)
        EXPECT_GT (st.orange, 300) << c.name;
      else
        EXPECT_LT (st.orange, 50) << c.name;
    } else if (std::string (ext) == "svg") {
      EXPECT_TRUE (valid_svg (out, c.line ? 50 : 500));
      check_vector_raster (out, c, "rsvg-convert", {"-w", "1280", "-o"});
    } else {
      EXPECT_TRUE (valid_pdf (out));
      check_vector_raster (
          out, c, "pdftoppm", {"-png", "-r", "72", "-singlefile"});
    }
  }
  EXPECT_TRUE (no_leftovers (tmp.path ()));
}

INSTANTIATE_TEST_SUITE_P (AllTypes, PlotCharts,
    ::testing::Values (ChartCase{"mixed", {}, false, false, false, true},
        ChartCase{"mixed_streams", {}, true, false, false, true},
        ChartCase{"mixed_density", {"-D"}, false, true, false, true},
        ChartCase{"mixed_density_streams",
            {"-D", "-T", "Followers", "-l", "followers"}, true, true, false,
            true},
        ChartCase{"scatter", {"-t", "scatter"}, false, false, false, false},
        ChartCase{
            "scatter_streams", {"-t", "scatter"}, true, false, false, false},
        ChartCase{"scatter_density", {"-t", "scatter", "-D"}, false, true,
            false, false},
        ChartCase{"scatter_delta", {"-t", "scatter", "-y", "delta"}, false,
            false, false, false},
        ChartCase{
            "line", {"-t", "line", "-y", "delta"}, false, false, true, false},
        ChartCase{"line_streams", {"-t", "line", "-y", "delta"}, true, false,
            true, false},
        ChartCase{
            "line_density", {"-t", "line", "-D"}, false, true, true, false}),
    [] (const ::testing::TestParamInfo<ChartCase> &i) {
      return std::string (i.param.name);
    });

TEST_F (PlotCli, LightThemeAndSize)
{
  std::string out = tmp.file ("light.png");
  Result r = run (
      {"--light", "--width", "640", "--height", "480", "-s", followers, out});
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_TRUE (r.err.empty ()) << "-s prints nothing: " << r.err;
  cairo_surface_t *s = cairo_image_surface_create_from_png (out.c_str ());
  ASSERT_EQ (cairo_surface_status (s), CAIRO_STATUS_SUCCESS);
  EXPECT_EQ (cairo_image_surface_get_width (s), 640);
  EXPECT_EQ (cairo_image_surface_get_height (s), 480);
  uint32_t corner
      = *reinterpret_cast<uint32_t *> (cairo_image_surface_get_data (s));
  EXPECT_EQ (corner & 0xffffff, 0xffffffu) << "light background";
  cairo_surface_destroy (s);
}

TEST_F (PlotCli, DefaultOutfileIsPlotPng)
{
  Result r = run ({"-s", followers}, {}, tmp.path ());
  ASSERT_EQ (r.status, 0) << r.err;
  PngStats st;
  EXPECT_TRUE (png_stats (tmp.file ("plot.png"), &st));
}

TEST_F (PlotCli, ReadsStdin)
{
  std::string out = tmp.file ("stdin.png");
  Result r = run ({"-", out}, followers_tsv (300));
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_NE (r.err.find ("300 records"), std::string::npos) << r.err;
  PngStats st;
  ASSERT_TRUE (png_stats (out, &st));
  EXPECT_GT (st.bluish, 200);
}

TEST_F (PlotCli, OldHeaderlessFilesPlot)
{
  std::string in = tmp.file ("old.tsv");
  ASSERT_TRUE (twitch_test::write_file (in, legacy_tsv (500)));
  for (const char *ext : {"png", "svg", "pdf"}) {
    std::string out = tmp.file (std::string ("old.") + ext);
    Result r = run ({in, out});
    ASSERT_EQ (r.status, 0) << r.err;
    EXPECT_NE (r.err.find ("500 records"), std::string::npos);
  }
  PngStats st;
  ASSERT_TRUE (png_stats (tmp.file ("old.png"), &st));
  EXPECT_GT (st.bluish, 500);
  /* the old columns by name */
  Result r = run ({"-x", "followers", "-y", "following", "-t", "scatter", in,
      tmp.file ("old2.png")});
  EXPECT_EQ (r.status, 0) << r.err;
}

TEST_F (PlotCli, IsoTimes)
{
  std::string in = tmp.file ("iso.tsv");
  ASSERT_TRUE (twitch_test::write_file (in,
      "# follower\tchannel\tcreated\tfollowed\tdelta\tzero\n"
      "a\tc\t2015-01-01T00:00:00Z\t2016-07-25T20:00:00Z\t1\t0\n"
      "b\tc\t2014-05-01T10:00:00Z\t2016-07-26T21:30:00Z\t1\t0\n"
      "c\tc\t2016-07-20T00:00:00Z\t2016-07-27T19:00:00Z\t1\t0\n"));
  Result r = run ({"-S", streams, in, tmp.file ("iso.png")});
  ASSERT_EQ (r.status, 0) << r.err;
  PngStats st;
  ASSERT_TRUE (png_stats (tmp.file ("iso.png"), &st));
  EXPECT_GT (st.purple, 5000);
}

TEST_F (PlotCli, RecordPrintsExactlyTheKeptRecords)
{
  std::string in = tmp.file ("r.tsv");
  std::string text = "# follower\tchannel\tcreated\tfollowed\tdelta\tzero\n";
  std::string expected
      = "# follower\tchannel\tcreated\tfollowed\tdelta\tzero\n";
  for (int i = 0; i < 100; i++) {
    long f = static_cast<long> (kWeekStart) + i * 3600; /* hourly */
    std::string line = "u" + std::to_string (i) + "\tchan\t1300000000\t"
                       + std::to_string (f) + "\t"
                       + std::to_string (f - 1300000000) + "\t0";
    text += line + "\n";
    if (f >= kWeekStart + 86400 && f <= kWeekStart + 2 * 86400)
      expected += line + "\n";
  }
  ASSERT_TRUE (twitch_test::write_file (in, text));
  Result r = run (
      {"-r", "-m", "2016-07-26", "-M", "2016-07-27", in, tmp.file ("r.png")});
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_EQ (r.out, expected);
  EXPECT_NE (r.err.find ("25 records plotted (75 outside"), std::string::npos)
      << r.err;
  /* numbers work as limits too, and -n/-N filter y */
  r = run ({"-r", "-s", "-m", std::to_string (static_cast<long> (kWeekStart)),
      "-M", std::to_string (static_cast<long> (kWeekStart) + 2 * 3600), in,
      tmp.file ("r2.png")});
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_EQ (std::count (r.out.begin (), r.out.end (), '\n'), 1 + 3);
  r = run (
      {"-r", "-s", "-y", "delta", "-N", "169500000", in, tmp.file ("r3.png")});
  ASSERT_EQ (r.status, 0) << r.err;
  /* delta = 169404800 + i * 3600 <= 169500000: i <= 26 */
  EXPECT_EQ (std::count (r.out.begin (), r.out.end (), '\n'), 1 + 27);
  /* the subset plots again */
  std::string subset = tmp.file ("subset.tsv");
  ASSERT_TRUE (twitch_test::write_file (subset, expected));
  r = run ({"-s", "-r", subset, tmp.file ("subset.png")});
  ASSERT_EQ (r.status, 0) << r.err;
  EXPECT_EQ (r.out, expected);
}

TEST_F (PlotCli, CommaDelimiter)
{
  std::string in = tmp.file ("c.csv");
  ASSERT_TRUE (twitch_test::write_file (in, "# x,y\n1,2\n2,4\n3,9\n4,16\n"));
  Result r = run (
      {"-d", ",", "-x", "x", "-y", "y", "-t", "line", in, tmp.file ("c.png")});
  ASSERT_EQ (r.status, 0) << r.err;
}

/* ---- the command line: bad input ---------------------------------------- */

struct BadCase {
  const char *name;
  int status;
  const char *needle; /* must appear in the one error line */
};

TEST_F (PlotCli, BadInputGivesOneLineAndItsExitCode)
{
  std::string empty = tmp.file ("empty.tsv"), garbage = tmp.file ("g.tsv"),
              bad_streams = tmp.file ("bs.tsv");
  ASSERT_TRUE (twitch_test::write_file (empty, ""));
  ASSERT_TRUE (twitch_test::write_file (garbage,
      "# follower\tchannel\tcreated\tfollowed\tdelta\tzero\n"
      "a\tc\t1300000000\t1469404800\t1\t0\n"
      "b\tc\tsoon\t1469404900\t1\t0\n"));
  ASSERT_TRUE (twitch_test::write_file (bad_streams, "yesterday\ttoday\n"));
  std::string huge = tmp.file ("huge.tsv");
  ASSERT_TRUE (twitch_test::write_file (huge, "# x\ty\n1\t2\n1e300\t3\n"));
  std::string png = tmp.file ("never.png");
  struct {
    std::vector<std::string> args;
    int status;
    const char *needle;
  } cases[] = {
      {{"-x", "nosuch", followers, png}, EXIT_DATA, "no column 'nosuch'"},
      {{"-y", "views", followers, png}, EXIT_DATA, "no column 'views'"},
      {{garbage, png}, EXIT_DATA, "g.tsv:3: column 'created'"},
      {{empty, png}, EXIT_DATA, "no records"},
      {{"-x", "x", "-y", "y", huge, png}, EXIT_DATA, "huge.tsv:3: column 'x'"},
      {{"-t", "pie", followers, png}, EXIT_USAGE, "unknown chart type"},
      {{followers, tmp.file ("no/such/dir/x.png")}, EXIT_CANT_CREATE,
          "cannot write"},
      {{followers, tmp.path ()}, EXIT_USAGE, "name the outfile"},
      {{followers, tmp.file ("x.jpg")}, EXIT_USAGE, ".png, .svg or .pdf"},
      {{tmp.file ("missing.tsv"), png}, EXIT_NO_INPUT, "missing.tsv"},
      {{"-S", tmp.file ("missing-s.tsv"), followers, png}, EXIT_NO_INPUT,
          "missing-s.tsv"},
      {{"-S", bad_streams, followers, png}, EXIT_DATA, "bs.tsv:1"},
      {{"-S", streams, "-x", "delta", "-y", "zero", followers, png}, EXIT_USAGE,
          "time"},
      {{"-m", "last tuesday", followers, png}, EXIT_USAGE, "-m/--xmin"},
      {{"-m", "2030-01-01", followers, png}, EXIT_DATA, "outside the limits"},
      {{"-m", "5", "-M", "4", followers, png}, EXIT_USAGE, "minimum"},
      {{"-d", "ab", followers, png}, EXIT_USAGE, "delimiter"},
      {{"--bogus", followers, png}, EXIT_USAGE, "bogus"},
      {{followers, png, "extra"}, EXIT_USAGE, "extra"},
  };
  for (const auto &c : cases) {
    std::string cmd;
    for (const auto &a : c.args)
      cmd += a + " ";
    Result r = run (c.args);
    EXPECT_EQ (r.status, c.status) << cmd << "\n" << r.err;
    EXPECT_EQ (r.err_lines (), 1) << cmd << "\n" << r.err;
    EXPECT_EQ (r.err.rfind ("gst-twitch-plot: ", 0), 0u) << r.err;
    EXPECT_NE (r.err.find (c.needle), std::string::npos)
        << cmd << "\nwanted '" << c.needle << "' in: " << r.err;
    EXPECT_TRUE (r.out.empty ()) << cmd;
    EXPECT_FALSE (g_file_test (png.c_str (), G_FILE_TEST_EXISTS)) << cmd;
  }
  EXPECT_TRUE (no_leftovers (tmp.path ()));
}

TEST_F (PlotCli, HelpDocumentsExitCodes)
{
  Result r = run ({"--help"});
  EXPECT_EQ (r.status, 0);
  for (const char *opt : {"--xfield", "--yfield", "--xmin", "--xmax", "--ymin",
           "--ymax", "--delimiter", "--record", "--silent", "--streams",
           "--type", "--label", "--title", "--density", "--light", "73"})
    EXPECT_NE (r.out.find (opt), std::string::npos) << opt;
}

TEST_F (PlotCli, SmallPagesAndEdgeCasesStillRender)
{
  /* the smallest page with everything on it */
  std::string out = tmp.file ("small.png");
  Result r = run ({"--width", "200", "--height", "150", "-D", "-S", streams,
      "-T", "a title longer than the page is wide", followers, out});
  ASSERT_EQ (r.status, 0) << r.err;
  PngStats st;
  ASSERT_TRUE (png_stats (out, &st));
  EXPECT_EQ (st.width, 200);
  EXPECT_GT (st.non_background, 1000);
  /* one record; all records equal; negative and fractional values */
  std::string one = tmp.file ("one.tsv"), same = tmp.file ("same.tsv"),
              neg = tmp.file ("neg.tsv");
  ASSERT_TRUE (twitch_test::write_file (one, "# x\ty\n5\t5\n"));
  ASSERT_TRUE (twitch_test::write_file (same, "# x\ty\n5\t5\n5\t5\n5\t5\n"));
  ASSERT_TRUE (twitch_test::write_file (neg, "# x\ty\n-5\t-0.001\n3\t0.002\n"));
  for (const std::string &in : {one, same, neg})
    for (const char *t : {"mixed", "scatter", "line"}) {
      r = run ({"-s", "-D", "-t", t, "-x", "x", "-y", "y", in,
          tmp.file ("edge.svg")});
      EXPECT_EQ (r.status, 0) << in << " " << t << ": " << r.err;
      EXPECT_TRUE (r.err.empty ()) << r.err;
    }
}

TEST_F (PlotCli, StreamsShadeAYTimeAxis)
{
  /* followed on y, a number on x: the bands run across */
  std::string out = tmp.file ("yspan.png");
  Result r = run ({"-s", "-t", "scatter", "-x", "delta", "-y", "followed", "-S",
      streams, followers, out});
  ASSERT_EQ (r.status, 0) << r.err;
  PngStats st;
  ASSERT_TRUE (png_stats (out, &st));
  EXPECT_GT (st.purple, 20000);
  /* mixed keeps y for the points and the count: it says how to get bands */
  r = run ({"-x", "delta", "-y", "followed", "-S", streams, followers, out});
  EXPECT_EQ (r.status, EXIT_USAGE);
  EXPECT_NE (r.err.find ("-t scatter"), std::string::npos) << r.err;
}
