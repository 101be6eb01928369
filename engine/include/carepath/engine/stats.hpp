#pragma once
// Online statistics with O(1) memory per statistic: KPIs need no stored event list.
//
//  * Tally: count, mean and variance (Welford), min, max, and a log-bucketed histogram for
//    quantiles and "share within target" (e.g. the 4-hour standard).
//  * TimeWeighted: a piecewise-constant level over time (beds occupied, queue length): mean, max,
//    time at or above a threshold, and the time spent at each integer level (p95 occupancy).
//
// Both have reset(now)-style windows (warm-up deletion, yearly KPI windows) and merge().
#include <carepath/engine/calendar.hpp>

#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <limits>
#include <vector>

namespace carepath::engine {

/// HDR-style log-bucketed histogram of non-negative values.
///
/// Values in [2^-10, 2^27) (about 9.8e-4 to 1.3e8) fall into 128 equal bins per power of two, so a
/// bin's width is at most 1/128 (0.78%) of its lower edge. Bin 0 holds negative values (and NaN),
/// bin 1 holds [0, 2^-10) (exact zeros included), the last bin holds values >= 2^27.
/// Memory: about 38 KB, allocated on the first add().
class LogHistogram {
 public:
  static constexpr int kMinExp = -10;
  static constexpr int kMaxExp = 27;
  static constexpr int kSubBits = 7;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr std::size_t kBins = static_cast<std::size_t>(kMaxExp - kMinExp) * kSub + 3;

  void add(double x, std::uint64_t n = 1) {
    if (counts_.empty()) counts_.assign(kBins, 0);
    counts_[index(x)] += n;
    total_ += n;
  }
  void merge(const LogHistogram& o);
  void clear() {
    counts_.clear();
    total_ = 0;
  }
  [[nodiscard]] std::uint64_t total() const { return total_; }
  /// Approximate q-quantile (0 <= q <= 1), interpolated linearly within the bin holding it;
  /// values below 2^-10 are reported as 0. NaN when empty.
  [[nodiscard]] double quantile(double q) const;
  /// Approximate share of values <= x (linear within the bin holding x).
  [[nodiscard]] double share_at_most(double x) const;

  static std::size_t index(double x) {
    if (!(x >= 0.0)) return 0;
    // From the bits, without a branch on the value (waits are often exactly 0: a branch on
    // "below 2^-10" would mispredict): the exponent's and the mantissa's top bits give the bin,
    // clamped to bin 1 below 2^-10 (0 and subnormals included) and to the last bin from 2^27
    // (infinity included).
    const auto bits = std::bit_cast<std::uint64_t>(x);
    const auto exp = static_cast<std::int64_t>((bits >> 52) & 0x7ffU) - 1023;  // (-0.0: bin 1)
    const auto sub = static_cast<std::int64_t>((bits >> (52 - kSubBits)) & (kSub - 1));
    const std::int64_t bin = 2 + (exp - kMinExp) * kSub + sub;
    const std::int64_t last = static_cast<std::int64_t>(kBins) - 1;
    return static_cast<std::size_t>(bin < 1 ? 1 : (bin > last ? last : bin));
  }
  /// [lower, upper) of bin `i` (bins 0 and kBins-1 are the under/overflow bins).
  static double lower_edge(std::size_t i);
  static double upper_edge(std::size_t i);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
};

/// Observations of a quantity: waits, lengths of stay.
class Tally {
 public:
  void add(double x) {
    ++n_;
    const double d = x - mean_;
    mean_ += d / static_cast<double>(n_);
    m2_ += d * (x - mean_);
    if (x < min_) min_ = x;
    if (x > max_) max_ = x;
    if (histogram_) hist_.add(x);
  }
  /// Whether the histogram is kept (the default). Without it quantile and share_at_most are
  /// unavailable (std::logic_error): for quantities whose mean, spread and extremes are all that
  /// is read. A window reset keeps the choice.
  void keep_histogram(bool keep) {
    histogram_ = keep;
    if (!keep) hist_.clear();
  }
  [[nodiscard]] bool keeps_histogram() const { return histogram_; }
  /// Starts a new window: forgets everything so far.
  void reset() {
    const bool keep = histogram_;
    *this = Tally{};
    histogram_ = keep;
  }
  void reset(Time /*now*/) { reset(); }
  /// Combines another window or replication (Chan et al.'s pairwise formula).
  void merge(const Tally& o);

  [[nodiscard]] std::uint64_t count() const { return n_; }
  [[nodiscard]] double mean() const { return n_ == 0 ? kNaN : mean_; }
  /// Sample variance (n - 1 denominator); NaN with fewer than two values.
  [[nodiscard]] double variance() const {
    return n_ < 2 ? kNaN : m2_ / static_cast<double>(n_ - 1);
  }
  [[nodiscard]] double stddev() const;
  [[nodiscard]] double min() const { return n_ == 0 ? kNaN : min_; }
  [[nodiscard]] double max() const { return n_ == 0 ? kNaN : max_; }
  /// Approximate quantile from the histogram (within 0.78% relative), clamped to [min, max].
  [[nodiscard]] double quantile(double q) const;
  /// Approximate share of observations <= x.
  [[nodiscard]] double share_at_most(double x) const;
  [[nodiscard]] const LogHistogram& histogram() const { return hist_; }

 private:
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  LogHistogram hist_;
  bool histogram_ = true;
};

/// A piecewise-constant level over time (number busy, queue length, a 0/1 "full" flag).
///
/// update(now, level) closes the interval since the last change at the old level. Statistics up
/// to a time t are read with the `at`-suffixed accessors' `now` argument, which accounts for the
/// current level since the last change without modifying anything.
class TimeWeighted {
 public:
  /// Levels at or above this many integer steps share the histogram's last bin.
  static constexpr std::size_t kMaxLevels = std::size_t{1} << 20;

  explicit TimeWeighted(double initial_level = 0.0, Time start = 0.0)
      : level_(initial_level), last_(start), start_(start), max_(initial_level) {}

  void update(Time now, double level) {
    const double dt = now - last_;
    if (dt > 0.0) accumulate(dt);
    last_ = now;
    level_ = level;
    if (level > max_) max_ = level;
  }
  /// As update, for a level that keeps no distribution and no threshold (keep_distribution
  /// (false)): a few adds and no branch, so a caller may advance several levels together,
  /// changed or not, rather than test which changed.
  void advance(Time now, double level) {
    assert(!distribution_ && threshold_ == std::numeric_limits<double>::infinity());
    area_ += level_ * (now - last_);
    last_ = now;
    level_ = level;
    max_ = level > max_ ? level : max_;
  }
  /// A level that keeps no distribution (keep_distribution(false)) from its parts, as a
  /// LevelGroup holds it: the level since `last`, the window's start, the area up to `last` and
  /// the largest level of the window.
  static TimeWeighted lean(double level, Time start, Time last, double area, double max) {
    TimeWeighted w(level, start);
    w.last_ = last;
    w.area_ = area;
    w.max_ = max;
    w.distribution_ = false;
    return w;
  }
  /// Starts a new window at `now`, keeping the current level.
  void reset(Time now);
  /// Optional: also track time with level >= threshold (for non-integer thresholds).
  void set_threshold(double threshold) { threshold_ = threshold; }
  /// Whether the time at each integer level is kept (the default). Without it an update costs
  /// two adds, and time_at_levels, time_at_least, share_at_least and quantile are unavailable
  /// (std::logic_error): for levels whose mean, area and maximum are all that is read.
  void keep_distribution(bool keep) {
    distribution_ = keep;
    if (!keep) time_at_.clear();
  }
  [[nodiscard]] bool keeps_distribution() const { return distribution_; }
  /// Adds another window's (or replication's) time and areas up to `o_now`, as if run one after
  /// another (the mean becomes the pooled time-weighted mean).
  void merge(const TimeWeighted& o, Time o_now);

  [[nodiscard]] double level() const { return level_; }
  [[nodiscard]] Time window_start() const { return start_; }
  /// Length of the window up to `now`.
  [[nodiscard]] double duration(Time now) const { return extra_time_ + (now - start_); }
  /// Integral of the level over the window up to `now` (e.g. bed-hours).
  [[nodiscard]] double area(Time now) const { return area_ + level_ * (now - last_); }
  /// Time-weighted mean up to `now` (NaN for an empty window).
  [[nodiscard]] double mean(Time now) const;
  /// Largest level seen in the window (including the level at its start).
  [[nodiscard]] double max() const { return max_; }
  /// Time with level >= threshold (set_threshold), up to `now`.
  [[nodiscard]] double time_at_or_above_threshold(Time now) const;
  /// Time with level >= k (k integer; levels are floored into integer bins).
  [[nodiscard]] double time_at_least(std::int64_t k, Time now) const;
  /// Share of the window with level >= k.
  [[nodiscard]] double share_at_least(std::int64_t k, Time now) const;
  /// Time spent at each integer level (floor), up to `now`; index = level.
  [[nodiscard]] std::vector<double> time_at_levels(Time now) const;
  /// Smallest integer level L such that the share of time at levels <= L is >= q.
  [[nodiscard]] std::int64_t quantile(double q, Time now) const;

 private:
  void accumulate(double dt) {
    area_ += level_ * dt;
    if (level_ >= threshold_) above_ += dt;
    if (!distribution_) return;
    std::size_t bin = 0;
    if (level_ > 0.0) {
      bin = level_ >= static_cast<double>(kMaxLevels - 1) ? kMaxLevels - 1
                                                          : static_cast<std::size_t>(level_);
    }
    if (bin < time_at_.size()) {
      time_at_[bin] += dt;
    } else {
      add_to_new_level(bin, dt);  // rare: out of line, so the common path inlines
    }
  }
  void add_to_new_level(std::size_t bin, double dt);

  double level_;
  Time last_;
  Time start_;
  double max_;
  double area_ = 0.0;
  double extra_time_ = 0.0;  // merged windows' durations
  double threshold_ = std::numeric_limits<double>::infinity();
  double above_ = 0.0;
  std::vector<double> time_at_;  // time at floor(level), negative levels in bin 0
  bool distribution_ = true;     // time_at_ is kept
};

/// N integer levels that change at the same instants and keep only their area and maximum (as
/// TimeWeighted with keep_distribution(false)), side by side: one interval serves them all, so an
/// update is a few vector operations rather than a TimeWeighted::advance each (a resource's
/// levels change together at every arrival and departure). view(i) reads level i as a
/// TimeWeighted, with the same numbers TimeWeighted::advance would have given.
template <std::size_t N>
class LevelGroup {
 public:
  LevelGroup() = default;
  LevelGroup(const std::array<int, N>& levels, Time start)
      : level_(levels), max_(levels), last_(start), start_(start) {}
  /// Closes the interval since the last change at the old levels; the levels are `next` from
  /// `now` (unchanged ones included: no branch on which changed).
  void advance(Time now, const int* next) {
    const double dt = now - last_;
    for (std::size_t i = 0; i < N; ++i) {
      area_[i] += static_cast<double>(level_[i]) * dt;
      max_[i] = next[i] > max_[i] ? next[i] : max_[i];
      level_[i] = next[i];
    }
    last_ = now;
  }
  /// Starts a new window at `now`, keeping the current levels.
  void reset(Time now) {
    area_ = {};
    max_ = level_;
    last_ = now;
    start_ = now;
  }
  [[nodiscard]] TimeWeighted view(std::size_t i) const {
    return TimeWeighted::lean(level_[i], start_, last_, area_[i], max_[i]);
  }

 private:
  std::array<int, N> level_{};
  std::array<int, N> max_{};
  std::array<double, N> area_{};
  Time last_ = 0.0;
  Time start_ = 0.0;
};

/// A piecewise-constant level's area and time within each bin of a repeating clock, e.g. the
/// 168 hours of the week from a Monday 00:00 `origin`: time averages by hour of day or day of
/// week (not snapshots). Windows as TimeWeighted: reset(now) keeps the level.
class ClockProfile {
 public:
  ClockProfile() = default;
  ClockProfile(Time origin, Time bin_width, int bins, double level, Time start)
      : origin_(origin),
        width_(bin_width),
        level_(level),
        last_(start),
        area_(static_cast<std::size_t>(bins), 0.0),
        time_(static_cast<std::size_t>(bins), 0.0) {}
  [[nodiscard]] bool enabled() const { return !area_.empty(); }
  [[nodiscard]] int bins() const { return static_cast<int>(area_.size()); }
  void update(Time now, double level) {
    split(last_, now, level_, area_, time_);
    last_ = now;
    level_ = level;
  }
  void reset(Time now);
  /// The bin holding time t.
  [[nodiscard]] int bin_of(Time t) const;
  /// Integral of the level over the bin's share of the window, up to `now`.
  [[nodiscard]] double area(int bin, Time now) const;
  /// Time of the window that fell in the bin, up to `now`.
  [[nodiscard]] double time(int bin, Time now) const;

 private:
  void split(Time from, Time to, double level, std::vector<double>& area,
             std::vector<double>& time) const;
  Time origin_ = 0.0;
  Time width_ = 60.0;
  double level_ = 0.0;
  Time last_ = 0.0;
  std::vector<double> area_;
  std::vector<double> time_;
};

/// Summary of independent replications' means: a Student-t confidence interval.
struct ConfidenceInterval {
  double mean;
  double half_width;
  [[nodiscard]] double low() const { return mean - half_width; }
  [[nodiscard]] double high() const { return mean + half_width; }
  [[nodiscard]] bool contains(double x) const { return x >= low() && x <= high(); }
};

/// Regularized incomplete beta I_x(a, b), a, b > 0.
double incomplete_beta(double x, double a, double b);
/// Student-t CDF with (possibly non-integer) df > 0 degrees of freedom.
double student_t_cdf(double t, double df);
/// Student-t p-quantile with (possibly non-integer) df > 0; NaN outside 0 < p < 1.
double student_t_inverse(double p, double df);
/// Two-sided Student-t quantile t_{1-alpha/2, dof} (dof >= 1), by inverting the t CDF numerically.
double student_t_quantile(double confidence, int dof);
/// t-based CI for the mean of independent observations (e.g. replication means), n >= 2.
ConfidenceInterval t_confidence_interval(const std::vector<double>& values, double confidence);

}  // namespace carepath::engine
