/* gst-twitch-plot: kernel density estimate at every point, in O(n + G^2 k):
 * linear binning onto a G x G grid, a separable Gaussian blur with Scott's
 * bandwidth, then a bilinear look-up for each point. */
#pragma once

#include <cstddef>
#include <vector>

namespace twitch
{
namespace plot
{

struct DensityOptions {
  int grid = 256;        /* cells per axis */
  double bw_scale = 1.0; /* multiplies Scott's bandwidth */
};

/* Density at each (x[i], y[i]) relative to the highest density found:
 * values in (0, 1]. Gaussian kernel with bandwidth n^(-1/6) * sigma per axis
 * (Scott's rule), sigma being the smaller of the standard deviation and
 * IQR / 1.349 (robust to a few far outliers). An axis with no spread gets a
 * bandwidth of one cell. Empty input gives an empty result. */
std::vector<float> kde_density (const double *x, const double *y, size_t n,
    const DensityOptions &opts = DensityOptions ());

/* The exact O(n^2) estimate with the same bandwidths, for tests. */
std::vector<float> kde_density_exact (
    const double *x, const double *y, size_t n);

} // namespace plot
} // namespace twitch
