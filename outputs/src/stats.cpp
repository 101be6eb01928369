#include <carepath/engine/stats.hpp>
#include <carepath/outputs/stats.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>

namespace carepath::outputs {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double mean(std::span<const double> values) {
  if (values.empty()) return kNaN;
  double sum = 0;
  for (const double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

double variance(std::span<const double> values) {
  if (values.size() < 2) return kNaN;
  const double m = mean(values);
  double ss = 0;
  for (const double v : values) ss += (v - m) * (v - m);
  return ss / static_cast<double>(values.size() - 1);
}

double sd(std::span<const double> values) {
  return std::sqrt(variance(values));
}

// The t distribution lives in the engine (one implementation for the project).
double incomplete_beta(double x, double a, double b) {
  return engine::incomplete_beta(x, a, b);
}

double student_t_cdf(double t, double df) {
  return engine::student_t_cdf(t, df);
}

double student_t_quantile(double p, double df) {
  return engine::student_t_inverse(p, df);
}

double ci_half_width(double sd_value, std::size_t n, double level) {
  if (n < 2 || std::isnan(sd_value)) return kNaN;
  const double tq = student_t_quantile(1.0 - (1.0 - level) / 2.0, static_cast<double>(n - 1));
  return tq * sd_value / std::sqrt(static_cast<double>(n));
}

Summary summarise(std::span<const double> values, double level) {
  Summary s;
  s.n = values.size();
  s.mean = mean(values);
  s.sd = sd(values);
  s.half_width = ci_half_width(s.sd, s.n, level);
  s.ci_low = s.mean - s.half_width;
  s.ci_high = s.mean + s.half_width;
  return s;
}

PairedComparison paired_comparison(std::span<const double> a, std::span<const double> b,
                                   double level) {
  assert(a.size() == b.size());
  PairedComparison c;
  const std::size_t n = std::min(a.size(), b.size());
  c.n = n;
  c.mean_a = mean(a.first(n));
  c.mean_b = mean(b.first(n));
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += b[i] - a[i];
  c.mean_diff = n == 0 ? kNaN : sum / static_cast<double>(n);
  double ss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = (b[i] - a[i]) - c.mean_diff;
    ss += d * d;
  }
  const double var_d = n < 2 ? kNaN : ss / static_cast<double>(n - 1);
  c.sd_diff = std::sqrt(var_d);
  const double nd = static_cast<double>(n);
  const double se_paired = c.sd_diff / std::sqrt(nd);
  c.t_statistic = c.mean_diff / se_paired;
  c.paired_half_width = ci_half_width(c.sd_diff, n, level);
  c.paired_low = c.mean_diff - c.paired_half_width;
  c.paired_high = c.mean_diff + c.paired_half_width;

  const double va = n < 2 ? kNaN : variance(a.first(n)) / nd;
  const double vb = n < 2 ? kNaN : variance(b.first(n)) / nd;
  const double var_unpaired = va + vb;
  if (n < 2) {
    c.welch_df = kNaN;
    c.welch_half_width = kNaN;
  } else if (var_unpaired == 0) {
    c.welch_df = kNaN;  // undefined, but there is no spread to cover
    c.welch_half_width = 0;
  } else {
    c.welch_df = var_unpaired * var_unpaired / ((va * va + vb * vb) / (nd - 1));
    const double tq = student_t_quantile(1.0 - (1.0 - level) / 2.0, c.welch_df);
    c.welch_half_width = tq * std::sqrt(var_unpaired);
  }
  c.welch_low = c.mean_diff - c.welch_half_width;
  c.welch_high = c.mean_diff + c.welch_half_width;
  c.variance_reduction = (n < 2 || var_unpaired == 0) ? kNaN : 1.0 - (var_d / nd) / var_unpaired;
  return c;
}

}  // namespace carepath::outputs
