/* gst-twitch-plot: drawing a Series with PLplot's cairo drivers. */
#pragma once

#include "plot-data.h"

#include <string>
#include <vector>

namespace twitch
{
namespace plot
{

enum class ChartType {
  SCATTER, /* points */
  LINE,    /* points joined in x order */
  MIXED,   /* points, plus the cumulative count on a second y axis */
};

/* "scatter", "line", "mixed"; false for anything else. */
bool chart_type_parse (const char *name, ChartType *out);

enum class Format {
  PNG,
  SVG,
  PDF,
};

/* The format named by @path's extension (.png, .svg, .pdf, any case). */
bool format_from_path (const std::string &path, Format *out, GError **error);

struct RenderOptions {
  std::string outfile;
  Format format = Format::PNG;
  ChartType type = ChartType::MIXED;
  std::string label; /* legend text of the points; empty: "N records" */
  std::string title;
  bool density = false;
  bool light = false;
  int width = 1280; /* pixels (PNG) or points (SVG, PDF) */
  int height = 800;
  std::vector<Span> spans; /* shaded on the time axis */
  Bounds limits;           /* -m/-M/-n/-N: also the axis limits */
};

/* The title of a time axis: "NAME (UTC)", with the day (or first and last
 * day) when @tick_format, the tick labels' format, names no year, so a chart
 * of a few hours still says when it was: "followed (UTC, 2016-07-28)". */
std::string time_axis_title (
    const std::string &name, const char *tick_format, double lo, double hi);

/* The legend's broadcast entry: how many of the @total broadcasts are shaded
 * in the chart's range ("1 of 40 broadcasts", "7 broadcasts"). */
std::string broadcasts_legend (size_t shown, size_t total);

/* Renders @series into opts.outfile. The file is written next to its final
 * name and renamed into place, so a failed run never leaves a half chart.
 * Errors: EXIT_CANT_CREATE (outfile), EXIT_USAGE (-S without a time axis),
 * EXIT_SOFTWARE (PLplot). */
bool render (const Series &series, const RenderOptions &opts, GError **error);

} // namespace plot
} // namespace twitch
