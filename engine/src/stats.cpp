#include <carepath/engine/stats.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace carepath::engine {

// ---------------------------------------------------------------------------- LogHistogram

double LogHistogram::lower_edge(std::size_t i) {
  if (i == 0) return -std::numeric_limits<double>::infinity();
  if (i == 1) return 0.0;
  if (i >= kBins - 1) return std::ldexp(1.0, kMaxExp);
  const std::size_t j = i - 2;
  const int exp = static_cast<int>(j / kSub) + kMinExp;
  const double sub = static_cast<double>(j % kSub);
  return std::ldexp(1.0 + sub / kSub, exp);
}

double LogHistogram::upper_edge(std::size_t i) {
  if (i == 0) return 0.0;
  if (i >= kBins - 1) return std::numeric_limits<double>::infinity();
  return lower_edge(i + 1);
}

void LogHistogram::merge(const LogHistogram& o) {
  if (o.counts_.empty()) return;
  if (counts_.empty()) counts_.assign(kBins, 0);
  for (std::size_t i = 0; i < kBins; ++i) counts_[i] += o.counts_[i];
  total_ += o.total_;
}

double LogHistogram::quantile(double q) const {
  if (total_ == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  const double target = q * static_cast<double>(total_);
  double cum = 0.0;
  for (std::size_t i = 0; i < kBins; ++i) {
    const auto c = static_cast<double>(counts_[i]);
    if (c == 0.0) continue;
    if (cum + c >= target) {
      const double lo = lower_edge(i);
      const double hi = upper_edge(i);
      if (!std::isfinite(lo)) return hi;  // negative values: no better estimate than 0
      if (i == 1) return 0.0;             // [0, 2^-10): mostly exact zeros (clamped to min)
      if (!std::isfinite(hi)) return lo;
      const double frac = std::clamp((target - cum) / c, 0.0, 1.0);
      return lo + frac * (hi - lo);
    }
    cum += c;
  }
  return lower_edge(kBins - 1);
}

double LogHistogram::share_at_most(double x) const {
  if (total_ == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t idx = index(x);
  double below = 0.0;
  for (std::size_t i = 0; i < idx; ++i) below += static_cast<double>(counts_[i]);
  const double lo = lower_edge(idx);
  const double hi = upper_edge(idx);
  double frac = 1.0;
  if (std::isfinite(lo) && std::isfinite(hi)) frac = std::clamp((x - lo) / (hi - lo), 0.0, 1.0);
  if (idx == 1 && x >= 0.0) frac = 1.0;  // [0, 2^-10) is mostly exact zeros; count them in
  below += frac * static_cast<double>(counts_[idx]);
  return below / static_cast<double>(total_);
}

// ---------------------------------------------------------------------------- Tally

void Tally::merge(const Tally& o) {
  if (o.n_ == 0) return;
  // A histogram is kept only if both sides kept theirs (a partial one would mislead).
  if (!o.histogram_) keep_histogram(false);
  if (n_ == 0) {
    const bool keep = histogram_;
    *this = o;
    keep_histogram(keep);
    return;
  }
  const auto na = static_cast<double>(n_);
  const auto nb = static_cast<double>(o.n_);
  const double n = na + nb;
  const double d = o.mean_ - mean_;
  mean_ += d * nb / n;
  m2_ += o.m2_ + d * d * na * nb / n;
  n_ += o.n_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  if (histogram_) hist_.merge(o.hist_);
}

double Tally::stddev() const {
  return std::sqrt(variance());
}

double Tally::quantile(double q) const {
  if (!histogram_) throw std::logic_error("Tally: no histogram is kept for this quantity");
  if (n_ == 0) return kNaN;
  return std::clamp(hist_.quantile(q), min_, max_);
}

double Tally::share_at_most(double x) const {
  if (!histogram_) throw std::logic_error("Tally: no histogram is kept for this quantity");
  if (n_ == 0) return kNaN;
  if (x >= max_) return 1.0;
  if (x < min_) return 0.0;
  return hist_.share_at_most(x);
}

// ---------------------------------------------------------------------------- TimeWeighted

void TimeWeighted::add_to_new_level(std::size_t bin, double dt) {
  time_at_.resize(bin + 1, 0.0);
  time_at_[bin] += dt;
}

void TimeWeighted::reset(Time now) {
  area_ = 0.0;
  above_ = 0.0;
  extra_time_ = 0.0;
  time_at_.clear();
  start_ = now;
  last_ = now;
  max_ = level_;
}

void TimeWeighted::merge(const TimeWeighted& o, Time o_now) {
  extra_time_ += o.duration(o_now);
  area_ += o.area(o_now);
  above_ += o.time_at_or_above_threshold(o_now);
  max_ = std::max(max_, o.max_);
  // The time at each level is kept only if both sides kept theirs (a partial one would mislead).
  if (!o.distribution_) keep_distribution(false);
  if (!distribution_) return;
  const std::vector<double> other = o.time_at_levels(o_now);
  if (other.size() > time_at_.size()) time_at_.resize(other.size(), 0.0);
  for (std::size_t i = 0; i < other.size(); ++i) time_at_[i] += other[i];
}

void ClockProfile::reset(Time now) {
  std::fill(area_.begin(), area_.end(), 0.0);
  std::fill(time_.begin(), time_.end(), 0.0);
  last_ = now;
}

int ClockProfile::bin_of(Time t) const {
  const auto n = static_cast<std::int64_t>(area_.size());
  const auto k = static_cast<std::int64_t>(std::floor((t - origin_) / width_));
  const std::int64_t r = k % n;  // one division (the common case is k >= 0)
  return static_cast<int>(r < 0 ? r + n : r);
}

void ClockProfile::split(Time from, Time to, double level, std::vector<double>& area,
                         std::vector<double>& time) const {
  // Walk the bins the interval crosses (at most one full cycle's worth per bin, then wrap).
  while (from < to) {
    const double k = std::floor((from - origin_) / width_);
    const Time end = std::min(to, origin_ + (k + 1.0) * width_);
    const auto b = static_cast<std::size_t>(bin_of(from));
    const Time dt = end > from ? end - from : to - from;  // guard against rounding at an edge
    area[b] += level * dt;
    time[b] += dt;
    from = end > from ? end : to;
  }
}

double ClockProfile::area(int bin, Time now) const {
  std::vector<double> a(area_), t(time_);
  split(last_, now, level_, a, t);
  return a[static_cast<std::size_t>(bin)];
}

double ClockProfile::time(int bin, Time now) const {
  std::vector<double> a(area_), t(time_);
  split(last_, now, level_, a, t);
  return t[static_cast<std::size_t>(bin)];
}

double TimeWeighted::mean(Time now) const {
  const double d = duration(now);
  return d > 0.0 ? area(now) / d : std::numeric_limits<double>::quiet_NaN();
}

double TimeWeighted::time_at_or_above_threshold(Time now) const {
  return above_ + (level_ >= threshold_ ? now - last_ : 0.0);
}

std::vector<double> TimeWeighted::time_at_levels(Time now) const {
  if (!distribution_) {
    throw std::logic_error("TimeWeighted: the time at each level is not kept for this level");
  }
  std::vector<double> t = time_at_;
  std::size_t bin = 0;
  if (level_ > 0.0) {
    bin = level_ >= static_cast<double>(kMaxLevels - 1) ? kMaxLevels - 1
                                                        : static_cast<std::size_t>(level_);
  }
  if (now > last_) {
    if (bin >= t.size()) t.resize(bin + 1, 0.0);
    t[bin] += now - last_;
  }
  return t;
}

double TimeWeighted::time_at_least(std::int64_t k, Time now) const {
  const std::vector<double> t = time_at_levels(now);
  double sum = 0.0;
  const std::size_t from = k <= 0 ? 0 : static_cast<std::size_t>(k);
  for (std::size_t i = from; i < t.size(); ++i) sum += t[i];
  return sum;
}

double TimeWeighted::share_at_least(std::int64_t k, Time now) const {
  const double d = duration(now);
  return d > 0.0 ? time_at_least(k, now) / d : std::numeric_limits<double>::quiet_NaN();
}

std::int64_t TimeWeighted::quantile(double q, Time now) const {
  const std::vector<double> t = time_at_levels(now);
  double total = 0.0;
  for (const double x : t) total += x;
  if (total <= 0.0) return static_cast<std::int64_t>(std::floor(level_));
  double cum = 0.0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    cum += t[i];
    if (cum >= q * total) return static_cast<std::int64_t>(i);
  }
  return static_cast<std::int64_t>(t.size()) - 1;
}

// ---------------------------------------------------------------------------- Student t
// One implementation of the t distribution for the whole project (the outputs layer's CIs and
// the validation tests use it): the regularized incomplete beta by its continued fraction, the
// CDF from it, and the quantile by a Cornish-Fisher start refined by safeguarded Newton steps.

double incomplete_beta(double x, double a, double b);

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

double student_t_inverse(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return kNaN;
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -student_t_inverse(1.0 - p, df);
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

double student_t_quantile(double confidence, int dof) {
  if (dof < 1 || !(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument("student_t_quantile: need dof >= 1 and 0 < confidence < 1");
  }
  return student_t_inverse(1.0 - (1.0 - confidence) / 2.0, static_cast<double>(dof));
}

ConfidenceInterval t_confidence_interval(const std::vector<double>& values, double confidence) {
  if (values.size() < 2) throw std::invalid_argument("t_confidence_interval: need n >= 2");
  Tally t;
  for (const double v : values) t.add(v);
  const auto n = static_cast<double>(values.size());
  const double hw = student_t_quantile(confidence, static_cast<int>(values.size()) - 1) *
                    t.stddev() / std::sqrt(n);
  return ConfidenceInterval{t.mean(), hw};
}

}  // namespace carepath::engine
