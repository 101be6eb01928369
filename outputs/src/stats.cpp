#include <carepath/outputs/stats.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>

namespace carepath::outputs {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Continued fraction for the incomplete beta (modified Lentz), valid for x < (a+1)/(a+b+2):
// I_x(a,b) = x^a (1-x)^b / (a B(a,b)) * 1 / (1 + d1 / (1 + d2 / (1 + ...))) with
// d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),  d_{2m} = m (b-m) x / ((a+2m-1)(a+2m)).
double beta_continued_fraction(double x, double a, double b) {
  constexpr double kTiny = 1e-300;
  constexpr double kEps = 1e-16;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double f = d;
  for (int m = 1; m <= 10000; ++m) {
    const double md = m;
    // even step d_{2m}
    double num = md * (b - md) * x / ((a + 2 * md - 1) * (a + 2 * md));
    d = 1.0 + num * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + num / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    f *= d * c;
    // odd step d_{2m+1}
    num = -(a + md) * (a + b + md) * x / ((a + 2 * md) * (a + 2 * md + 1));
    d = 1.0 + num * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + num / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    f *= delta;
    if (std::fabs(delta - 1.0) < kEps) break;
  }
  return f;
}

double log_beta(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

// Upper tail P(T > t) for t >= 0: 0.5 * I_{df/(df+t^2)}(df/2, 1/2).
double t_upper_tail(double t, double df) {
  const double x = df / (df + t * t);
  return 0.5 * incomplete_beta(x, 0.5 * df, 0.5);
}

double t_pdf(double t, double df) {
  const double log_norm = -0.5 * std::log(df) - log_beta(0.5 * df, 0.5);
  return std::exp(log_norm - 0.5 * (df + 1) * std::log1p(t * t / df));
}

double normal_upper_tail(double z) {
  return 0.5 * std::erfc(z / std::numbers::sqrt2);
}

// Standard normal quantile for p in (0.5, 1): a rational starting value (Abramowitz & Stegun
// 26.2.23, |error| < 4.5e-4) refined by Newton steps on the exact tail via erfc.
double normal_quantile_upper(double p) {
  const double q = 1.0 - p;
  const double r = std::sqrt(-2.0 * std::log(q));
  double z = r - (2.515517 + 0.802853 * r + 0.010328 * r * r) /
                     (1.0 + 1.432788 * r + 0.189269 * r * r + 0.001308 * r * r * r);
  for (int i = 0; i < 4; ++i) {
    const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    z += (normal_upper_tail(z) - q) / pdf;
  }
  return z;
}

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

double incomplete_beta(double x, double a, double b) {
  assert(a > 0 && b > 0);
  if (!(x > 0)) return 0.0;
  if (!(x < 1)) return 1.0;
  const double log_front = a * std::log(x) + b * std::log1p(-x) - log_beta(a, b);
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * beta_continued_fraction(x, a, b) / a;
  return 1.0 - std::exp(log_front) * beta_continued_fraction(1.0 - x, b, a) / b;
}

double student_t_cdf(double t, double df) {
  assert(df > 0);
  if (std::isnan(t)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  const double tail = t_upper_tail(std::fabs(t), df);
  return t >= 0 ? 1.0 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return kNaN;
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -student_t_quantile(1.0 - p, df);
  const double q = 1.0 - p;  // upper tail to hit
  if (df == 1.0) return std::tan(std::numbers::pi * (p - 0.5));
  if (df == 2.0) return (2 * p - 1) / std::sqrt(2 * p * (1 - p));
  // Start: Cornish-Fisher expansion of t around the normal quantile.
  const double z = normal_quantile_upper(p);
  const double z3 = z * z * z;
  const double z5 = z3 * z * z;
  double t = z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
  // Bracket [lo, hi] with tail(lo) >= q >= tail(hi); tail is decreasing in t.
  double lo = 0.0;
  double hi = std::max(t, 1.0);
  while (t_upper_tail(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return std::numeric_limits<double>::infinity();
  }
  if (!(t > lo && t < hi)) t = 0.5 * (lo + hi);
  // Safeguarded Newton on g(t) = tail(t) - q, g'(t) = -pdf(t).
  for (int i = 0; i < 200; ++i) {
    const double g = t_upper_tail(t, df) - q;
    if (g == 0) break;
    if (g > 0) {
      lo = t;
    } else {
      hi = t;
    }
    double next = t + g / t_pdf(t, df);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::fabs(next - t) <= 1e-15 * std::max(1.0, std::fabs(t))) {
      t = next;
      break;
    }
    t = next;
  }
  return t;
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
