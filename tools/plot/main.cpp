/* gst-twitch-plot: charts from gst-twitch's reports (and itch's old files).
 * Replaces itch-plot; same options and defaults. See docs/gst-twitch-plot.md.
 */
#include "config.h"

#include "plot-data.h"
#include "render.h"

#include <glib.h>

#include <clocale>
#include <cstdio>
#include <string>
#include <unistd.h>

using namespace twitch::plot;

namespace
{

int
fail (GError *error)
{
  int code = error->domain == TWITCH_PLOT_ERROR ? error->code : EXIT_USAGE;
  gchar *one = g_strdup (error->message);
  g_strdelimit (one, "\n", ' ');
  fprintf (stderr, "gst-twitch-plot: %s\n", one);
  g_free (one);
  g_error_free (error);
  return code;
}

int
usage_error (const std::string &msg)
{
  fprintf (stderr, "gst-twitch-plot: %s\n", msg.c_str ());
  return EXIT_USAGE;
}

bool
parse_bound (const char *opt, const char *arg, double *out, GError **error)
{
  bool is_date;
  if (arg && parse_value (arg, out, &is_date))
    return true;
  g_set_error (error, TWITCH_PLOT_ERROR, EXIT_USAGE,
      "%s '%s' is neither a number nor a date like 2016-07-25 or "
      "2016-07-25T18:00:00Z",
      opt, arg ? arg : "");
  return false;
}

} // namespace

int
main (int argc, char **argv)
{
  /* Messages in the user's language and charset; numbers always with a
   * decimal point, whatever the locale, like the reports. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  g_autofree gchar *xfield = nullptr, *yfield = nullptr;
  g_autofree gchar *xmin = nullptr, *xmax = nullptr;
  g_autofree gchar *ymin = nullptr, *ymax = nullptr;
  g_autofree gchar *delimiter = nullptr, *streams = nullptr, *type = nullptr;
  g_autofree gchar *label = nullptr, *title = nullptr;
  gboolean record = FALSE, silent = FALSE, density = FALSE, light = FALSE;
  gboolean version = FALSE;
  gint width = 1280, height = 800;
  g_auto (GStrv) rest = nullptr;

  GOptionEntry entries[] = {
      {"xfield", 'x', 0, G_OPTION_ARG_STRING, &xfield,
          "Column on the x axis, by name or number (default: followed)",
          "XFIELD"},
      {"yfield", 'y', 0, G_OPTION_ARG_STRING, &yfield,
          "Column on the y axis (default: created)", "YFIELD"},
      {"xmin", 'm', 0, G_OPTION_ARG_STRING, &xmin,
          "Drop records with x below (a number or a date like 2016-07-25)",
          "XMIN"},
      {"xmax", 'M', 0, G_OPTION_ARG_STRING, &xmax, "Drop records with x above",
          "XMAX"},
      {"ymin", 'n', 0, G_OPTION_ARG_STRING, &ymin, "Drop records with y below",
          "YMIN"},
      {"ymax", 'N', 0, G_OPTION_ARG_STRING, &ymax, "Drop records with y above",
          "YMAX"},
      {"delimiter", 'd', 0, G_OPTION_ARG_STRING, &delimiter,
          "Field separator (default: tab; e.g. ',' or '\\t')", "DELIMITER"},
      {"record", 'r', 0, G_OPTION_ARG_NONE, &record,
          "Print every kept record to stdout (with the header), for saving "
          "subsets",
          nullptr},
      {"silent", 's', 0, G_OPTION_ARG_NONE, &silent,
          "Print nothing but errors on stderr", nullptr},
      {"streams", 'S', 0, G_OPTION_ARG_FILENAME, &streams,
          "Shade broadcasts from a start<TAB>end file (gst-twitch streams)",
          "STREAMS"},
      {"type", 't', 0, G_OPTION_ARG_STRING, &type,
          "Chart type: scatter, line or mixed (scatter plus cumulative "
          "count; default)",
          "TYPE"},
      {"label", 'l', 0, G_OPTION_ARG_STRING, &label,
          "Legend text of the records (default: the record count)", "LABEL"},
      {"title", 'T', 0, G_OPTION_ARG_STRING, &title,
          "Chart title (default: the infile's name)", "TITLE"},
      {"density", 'D', 0, G_OPTION_ARG_NONE, &density,
          "Colour points by a kernel density estimate", nullptr},
      {"light", 0, 0, G_OPTION_ARG_NONE, &light,
          "Light theme instead of the dark one", nullptr},
      {"width", 0, 0, G_OPTION_ARG_INT, &width,
          "Chart width in pixels (PNG) or points (SVG, PDF; default 1280)",
          "W"},
      {"height", 0, 0, G_OPTION_ARG_INT, &height, "Chart height (default 800)",
          "H"},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version",
          nullptr},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, nullptr,
          nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};

  GOptionContext *ctx = g_option_context_new ("[INFILE [OUTFILE]]");
  g_option_context_set_summary (ctx,
      "Renders a chart of two columns of a gst-twitch report (or an old itch "
      "file).\nINFILE: '-' or absent reads stdin. OUTFILE: .png, .svg or "
      ".pdf (default: plot.png).");
  g_option_context_set_description (ctx,
      "Example:\n  gst-twitch followers CHANNEL -l 1000 > f.tsv\n"
      "  gst-twitch streams CHANNEL > s.tsv\n"
      "  gst-twitch-plot -S s.tsv f.tsv followers.png\n\n"
      "Exit status: 0 ok, 64 usage, 65 bad data, 66 unreadable input, "
      "70 plotting failed, 73 outfile not writable.");
  g_option_context_add_main_entries (ctx, entries, nullptr);
  GError *error = nullptr;
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_option_context_free (ctx);
    std::string m = error->message;
    g_error_free (error);
    return usage_error (m + " (see --help)");
  }
  g_option_context_free (ctx);
  if (version) {
    printf ("gst-twitch-plot %s\n", VERSION);
    return EXIT_OK;
  }

  std::string infile = "-", outfile = "plot.png";
  guint nrest = rest ? g_strv_length (rest) : 0;
  if (nrest > 2)
    return usage_error (std::string ("unexpected argument '") + rest[2]
                        + "': give at most INFILE and OUTFILE");
  if (nrest >= 1)
    infile = rest[0];
  if (nrest >= 2)
    outfile = rest[1];

  RenderOptions ro;
  ro.outfile = outfile;
  if (!format_from_path (outfile, &ro.format, &error))
    return fail (error);
  if (type && !chart_type_parse (type, &ro.type))
    return usage_error (std::string ("unknown chart type -t '") + type
                        + "': use scatter, line or mixed");
  if (width < 200 || height < 150 || width > 20000 || height > 20000)
    return usage_error ("--width and --height must be 200..20000 and "
                        "150..20000");
  ro.width = width;
  ro.height = height;
  ro.density = density;
  ro.light = light;
  ro.label = label ? label : "";
  char delim = '\t';
  if (delimiter && !parse_delimiter (delimiter, &delim, &error))
    return fail (error);

  Bounds bounds;
  if ((xmin && !parse_bound ("-m/--xmin", xmin, &bounds.xmin, &error))
      || (xmax && !parse_bound ("-M/--xmax", xmax, &bounds.xmax, &error))
      || (ymin && !parse_bound ("-n/--ymin", ymin, &bounds.ymin, &error))
      || (ymax && !parse_bound ("-N/--ymax", ymax, &bounds.ymax, &error)))
    return fail (error);
  if (bounds.xmin > bounds.xmax || bounds.ymin > bounds.ymax)
    return usage_error ("the minimum is above the maximum (-m/-M or -n/-N)");
  ro.limits = bounds;

  if (infile == "-" && isatty (STDIN_FILENO))
    return usage_error ("no INFILE and stdin is a terminal: give a report "
                        "file or pipe one in (see --help)");

  std::string text;
  if (!read_input (infile, text, &error))
    return fail (error);
  std::string source = infile == "-" ? "stdin" : infile;
  Table table;
  if (!table_parse (std::move (text), source, delim, table, &error))
    return fail (error);

  if (streams) {
    std::string stext;
    if (!read_input (streams, stext, &error)
        || !spans_parse (stext, streams, ro.spans, &error))
      return fail (error);
  }

  Series series;
  if (!series_extract (table, xfield ? xfield : "followed",
          yfield ? yfield : "created", bounds, series, &error))
    return fail (error);
  if (series.x.empty ()) {
    fprintf (stderr,
        "gst-twitch-plot: no records left to plot: all %zu are outside "
        "the limits (-m/-M/-n/-N)\n",
        series.dropped);
    return EXIT_DATA;
  }

  if (title) {
    ro.title = title;
  } else if (infile != "-") {
    gchar *b = g_path_get_basename (infile.c_str ());
    ro.title = b;
    g_free (b);
  }

  if (record) {
    if (table.has_header)
      printf ("%s\n", table.header_line.c_str ());
    for (uint32_t i : series.record) {
      std::string_view r = table.record_text (i);
      fwrite (r.data (), 1, r.size (), stdout);
      fputc ('\n', stdout);
    }
    if (fflush (stdout) != 0) {
      fprintf (stderr, "gst-twitch-plot: cannot write records to stdout\n");
      return EXIT_CANT_CREATE;
    }
  }

  if (!render (series, ro, &error))
    return fail (error);
  if (!silent) {
    if (series.dropped)
      fprintf (stderr,
          "gst-twitch-plot: %zu records plotted (%zu outside the limits "
          "dropped) to %s\n",
          series.x.size (), series.dropped, outfile.c_str ());
    else
      fprintf (stderr, "gst-twitch-plot: %zu records plotted to %s\n",
          series.x.size (), outfile.c_str ());
  }
  return EXIT_OK;
}
