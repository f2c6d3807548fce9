/* gst-twitch-plot's axis titles and legend (issue 11): a chart spanning a few
 * hours showed 20:00 ... 00:00 with no date anywhere, and its legend said
 * "40 broadcasts" when one was in view. */
#include "render.h"

#include <gtest/gtest.h>

using twitch::plot::broadcasts_legend;
using twitch::plot::time_axis_title;

namespace
{

constexpr double k20160728 = 1469664000; /* 2016-07-28T00:00:00Z */

TEST (PlotLabels, HoursOfOneDayNameTheDay)
{
  EXPECT_EQ (time_axis_title ("followed", "%H:%M", k20160728 + 18 * 3600,
                 k20160728 + 22 * 3600),
      "followed (UTC, 2016-07-28)");
}

TEST (PlotLabels, HoursAcrossMidnightNameBothDays)
{
  EXPECT_EQ (time_axis_title ("followed", "%H:%M", k20160728 + 20 * 3600,
                 k20160728 + 25 * 3600),
      "followed (UTC, 2016-07-28 to 2016-07-29)");
  EXPECT_EQ (time_axis_title (
                 "followed", "%m-%d %H:%M", k20160728, k20160728 + 3 * 86400),
      "followed (UTC, 2016-07-28 to 2016-07-31)");
}

TEST (PlotLabels, LabelsWithTheYearNeedNoDate)
{
  EXPECT_EQ (time_axis_title (
                 "followed", "%Y-%m-%d", k20160728, k20160728 + 7 * 86400),
      "followed (UTC)");
  EXPECT_EQ (time_axis_title ("created", "%Y", 1.2e9, 1.5e9), "created (UTC)");
}

TEST (PlotLabels, LegendCountsTheBroadcastsInView)
{
  EXPECT_EQ (broadcasts_legend (1, 40), "1 of 40 broadcasts");
  EXPECT_EQ (broadcasts_legend (7, 7), "7 broadcasts");
  EXPECT_EQ (broadcasts_legend (1, 1), "1 broadcast");
  EXPECT_EQ (broadcasts_legend (0, 3), "0 of 3 broadcasts");
}

} // namespace
