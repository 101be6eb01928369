// MSER truncation and Welch's moving average. See engine/warmup.hpp.
#include <carepath/engine/warmup.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace carepath::engine {

MserResult mser(std::span<const double> series, std::size_t batch_size) {
  if (batch_size == 0) throw std::invalid_argument("mser: batch_size must be >= 1");
  MserResult out;
  out.batch_size = batch_size;
  const std::size_t k = series.size() / batch_size;
  out.batches = k;
  if (k == 0) {
    out.mser = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  std::vector<double> z(k);
  for (std::size_t j = 0; j < k; ++j) {
    double s = 0;
    for (std::size_t i = 0; i < batch_size; ++i) s += series[j * batch_size + i];
    z[j] = s / static_cast<double>(batch_size);
  }

  // The sum of squares about the mean of every suffix z_d .. z_{k-1}, by Welford's update run
  // backwards (stable, and exactly 0 for equal values).
  std::vector<double> ss(k), suffix_mean(k);
  double mean = 0, m2 = 0;
  for (std::size_t n = 1; n <= k; ++n) {
    const double x = z[k - n];
    const double delta = x - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (x - mean);
    ss[k - n] = m2;
    suffix_mean[k - n] = mean;
  }
  const std::size_t last = k > kMserMinKept ? k - kMserMinKept : 0;
  std::size_t best = 0;
  double best_value = std::numeric_limits<double>::infinity();
  for (std::size_t d = 0; d <= last; ++d) {
    const auto kept = static_cast<double>(k - d);
    const double value = ss[d] / (kept * kept);
    if (value < best_value) {
      best_value = value;
      best = d;
    }
  }
  out.truncation = best;
  out.mser = best_value;
  out.reliable = k >= kMserMinBatches && 2 * best <= k;

  if (best > 0 && k - best >= 2 && ss[best] > 0) {
    double deleted = 0;
    for (std::size_t j = 0; j < best; ++j) deleted += z[j];
    deleted /= static_cast<double>(best);
    const auto kept = static_cast<double>(k - best);
    const double var = ss[best] / (kept - 1);
    const double se = std::sqrt(var * (1.0 / static_cast<double>(best) + 1.0 / kept));
    out.transient_t = (deleted - suffix_mean[best]) / se;
  }
  return out;
}

std::vector<double> welch_moving_average(std::span<const double> averaged_series,
                                         std::size_t window) {
  const std::size_t m = averaged_series.size();
  std::vector<double> out;
  if (window >= m) return out;
  out.reserve(m - window);
  for (std::size_t i = 1; i <= m - window; ++i) {  // 1-based, as in the formula
    const std::size_t half = i <= window ? i - 1 : window;
    double s = 0;
    for (std::size_t j = i - half; j <= i + half; ++j) s += averaged_series[j - 1];
    out.push_back(s / static_cast<double>(2 * half + 1));
  }
  return out;
}

}  // namespace carepath::engine
