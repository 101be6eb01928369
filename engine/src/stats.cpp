#include <carepath/engine/stats.hpp>

#include <algorithm>
#include <cmath>
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
  if (n_ == 0) {
    *this = o;
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
  hist_.merge(o.hist_);
}

double Tally::stddev() const {
  return std::sqrt(variance());
}

double Tally::quantile(double q) const {
  if (n_ == 0) return kNaN;
  return std::clamp(hist_.quantile(q), min_, max_);
}

double Tally::share_at_most(double x) const {
  if (n_ == 0) return kNaN;
  if (x >= max_) return 1.0;
  if (x < min_) return 0.0;
  return hist_.share_at_most(x);
}

// ---------------------------------------------------------------------------- TimeWeighted

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
  const std::vector<double> other = o.time_at_levels(o_now);
  if (other.size() > time_at_.size()) time_at_.resize(other.size(), 0.0);
  for (std::size_t i = 0; i < other.size(); ++i) time_at_[i] += other[i];
  max_ = std::max(max_, o.max_);
}

double TimeWeighted::mean(Time now) const {
  const double d = duration(now);
  return d > 0.0 ? area(now) / d : std::numeric_limits<double>::quiet_NaN();
}

double TimeWeighted::time_at_or_above_threshold(Time now) const {
  return above_ + (level_ >= threshold_ ? now - last_ : 0.0);
}

std::vector<double> TimeWeighted::time_at_levels(Time now) const {
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

// ---------------------------------------------------------------------------- t quantiles

namespace {

// Continued fraction for the regularized incomplete beta function (modified Lentz).
double beta_cf(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < 1e-15) break;
  }
  return h;
}

double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double ln_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(ln_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_cf(a, b, x) / a;
  return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

// P(|T| > t) for Student's t with `dof` degrees of freedom.
double t_two_sided_tail(double t, double dof) {
  return incomplete_beta(dof / 2.0, 0.5, dof / (dof + t * t));
}

}  // namespace

double student_t_quantile(double confidence, int dof) {
  if (dof < 1 || !(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument("student_t_quantile: need dof >= 1 and 0 < confidence < 1");
  }
  const double alpha = 1.0 - confidence;
  double lo = 0.0;
  double hi = 1.0;
  while (t_two_sided_tail(hi, dof) > alpha) hi *= 2.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (t_two_sided_tail(mid, dof) > alpha) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
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
