/* gst-twitch-plot: fast kernel density estimate. See density.h. */
#include "density.h"

#include <algorithm>
#include <cmath>

namespace twitch
{
namespace plot
{

namespace
{

struct Axis {
  double lo = 0, hi = 0, bw = 0;
};

/* Robust spread of @v: min(stddev, IQR / 1.349), 0 when all equal. */
double
spread (const double *v, size_t n)
{
  if (n < 2)
    return 0;
  double mean = 0;
  for (size_t i = 0; i < n; i++)
    mean += v[i];
  mean /= n;
  double var = 0;
  for (size_t i = 0; i < n; i++)
    var += (v[i] - mean) * (v[i] - mean);
  double sd = std::sqrt (var / (n - 1));
  /* Quartiles from a sample of at most 100 000 values: the bandwidth does not
   * need more precision, and nth_element on a copy of 1e6 would cost more
   * than the rest. */
  size_t step = std::max<size_t> (1, n / 100000);
  std::vector<double> s;
  s.reserve (n / step + 1);
  for (size_t i = 0; i < n; i += step)
    s.push_back (v[i]);
  size_t q1 = s.size () / 4, q3 = (s.size () * 3) / 4;
  std::nth_element (s.begin (), s.begin () + q1, s.end ());
  double a = s[q1];
  std::nth_element (s.begin (), s.begin () + q3, s.end ());
  double b = s[q3];
  double iqr = (b - a) / 1.349;
  if (iqr > 0 && iqr < sd)
    return iqr;
  return sd;
}

Axis
make_axis (const double *v, size_t n, double bw_scale)
{
  Axis a;
  auto [mn, mx] = std::minmax_element (v, v + n);
  a.lo = *mn;
  a.hi = *mx;
  a.bw = spread (v, n) * std::pow (static_cast<double> (n), -1.0 / 6.0)
         * bw_scale;
  return a;
}

/* Gaussian kernel of standard deviation @sigma cells, cut at 4 sigma. */
std::vector<double>
kernel (double sigma)
{
  sigma = std::max (sigma, 0.5);
  int r = static_cast<int> (std::ceil (4 * sigma));
  std::vector<double> k (2 * r + 1);
  double sum = 0;
  for (int i = -r; i <= r; i++)
    sum += k[i + r] = std::exp (-0.5 * (i * i) / (sigma * sigma));
  for (double &w : k)
    w /= sum;
  return k;
}

} // namespace

std::vector<float>
kde_density (
    const double *x, const double *y, size_t n, const DensityOptions &opts)
{
  std::vector<float> out (n);
  if (n == 0)
    return out;
  const int G = std::max (opts.grid, 8);
  Axis ax = make_axis (x, n, opts.bw_scale);
  Axis ay = make_axis (y, n, opts.bw_scale);

  /* The grid covers the data plus 3 bandwidths each side, so the blur does
   * not fold mass off the edges. */
  auto setup = [G] (Axis &a, double *origin, double *cell) {
    double pad = 3 * a.bw;
    double lo = a.lo - pad, hi = a.hi + pad;
    if (hi - lo <= 0) {
      lo = a.lo - 1;
      hi = a.hi + 1;
    }
    *origin = lo;
    *cell = (hi - lo) / (G - 1);
    if (a.bw <= 0)
      a.bw = *cell;
  };
  double ox, cx, oy, cy;
  setup (ax, &ox, &cx);
  setup (ay, &oy, &cy);

  /* Linear binning: each point spreads its unit weight over the 4 nearest
   * grid nodes. */
  std::vector<double> grid (static_cast<size_t> (G) * G, 0.0);
  std::vector<float> fx (n), fy (n);
  for (size_t i = 0; i < n; i++) {
    double gx = std::clamp ((x[i] - ox) / cx, 0.0, G - 1.000001);
    double gy = std::clamp ((y[i] - oy) / cy, 0.0, G - 1.000001);
    fx[i] = static_cast<float> (gx);
    fy[i] = static_cast<float> (gy);
    int ix = static_cast<int> (gx), iy = static_cast<int> (gy);
    double tx = gx - ix, ty = gy - iy;
    double *row = &grid[static_cast<size_t> (iy) * G + ix];
    row[0] += (1 - tx) * (1 - ty);
    row[1] += tx * (1 - ty);
    row[G] += (1 - tx) * ty;
    row[G + 1] += tx * ty;
  }

  /* Separable Gaussian blur: rows, then columns. */
  std::vector<double> kx = kernel (ax.bw / cx), ky = kernel (ay.bw / cy);
  int rx = static_cast<int> (kx.size () / 2),
      ry = static_cast<int> (ky.size () / 2);
  std::vector<double> tmp (grid.size (), 0.0);
  for (int j = 0; j < G; j++) {
    const double *src = &grid[static_cast<size_t> (j) * G];
    double *dst = &tmp[static_cast<size_t> (j) * G];
    for (int i = 0; i < G; i++) {
      double v = src[i];
      if (v == 0)
        continue;
      int a = std::max (0, i - rx), b = std::min (G - 1, i + rx);
      for (int t = a; t <= b; t++)
        dst[t] += v * kx[t - i + rx];
    }
  }
  std::fill (grid.begin (), grid.end (), 0.0);
  for (int j = 0; j < G; j++) {
    int a = std::max (0, j - ry), b = std::min (G - 1, j + ry);
    const double *src = &tmp[static_cast<size_t> (j) * G];
    for (int t = a; t <= b; t++) {
      double w = ky[t - j + ry];
      double *dst = &grid[static_cast<size_t> (t) * G];
      for (int i = 0; i < G; i++)
        dst[i] += w * src[i];
    }
  }

  /* Bilinear look-up at each point, relative to the maximum. */
  float peak = 0;
  for (size_t i = 0; i < n; i++) {
    int ix = static_cast<int> (fx[i]), iy = static_cast<int> (fy[i]);
    double tx = fx[i] - ix, ty = fy[i] - iy;
    const double *row = &grid[static_cast<size_t> (iy) * G + ix];
    double v = row[0] * (1 - tx) * (1 - ty) + row[1] * tx * (1 - ty)
               + row[G] * (1 - tx) * ty + row[G + 1] * tx * ty;
    out[i] = static_cast<float> (v);
    peak = std::max (peak, out[i]);
  }
  if (peak > 0)
    for (float &v : out)
      v = std::max (v / peak, 1e-6f);
  return out;
}

std::vector<float>
kde_density_exact (const double *x, const double *y, size_t n)
{
  std::vector<float> out (n);
  if (n == 0)
    return out;
  Axis ax = make_axis (x, n, 1.0), ay = make_axis (y, n, 1.0);
  if (ax.bw <= 0)
    ax.bw = 1;
  if (ay.bw <= 0)
    ay.bw = 1;
  float peak = 0;
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t j = 0; j < n; j++) {
      double dx = (x[i] - x[j]) / ax.bw, dy = (y[i] - y[j]) / ay.bw;
      s += std::exp (-0.5 * (dx * dx + dy * dy));
    }
    out[i] = static_cast<float> (s);
    peak = std::max (peak, out[i]);
  }
  for (float &v : out)
    v /= peak;
  return out;
}

} // namespace plot
} // namespace twitch
