#include <carepath/engine/random.hpp>
#include <carepath/engine/stats.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

using carepath::engine::LevelGroup;
using carepath::engine::LogHistogram;
using carepath::engine::RandomStream;
using carepath::engine::Tally;
using carepath::engine::TimeWeighted;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("Tally: mean, variance, min and max match the two-pass formulas", "[engine][stats]") {
  RandomStream rng(7, 0, "stats/tally");
  std::vector<double> xs;
  Tally t;
  for (int i = 0; i < 10000; ++i) {
    const double x = 1e6 + 10.0 * rng.uniform();  // large offset: naive sums would lose digits
    xs.push_back(x);
    t.add(x);
  }
  double mean = 0.0;
  for (const double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double ss = 0.0;
  for (const double x : xs) ss += (x - mean) * (x - mean);
  const double var = ss / static_cast<double>(xs.size() - 1);
  CHECK(t.count() == xs.size());
  CHECK_THAT(t.mean(), WithinRel(mean, 1e-12));
  CHECK_THAT(t.variance(), WithinRel(var, 1e-7));
  CHECK(t.min() == *std::min_element(xs.begin(), xs.end()));
  CHECK(t.max() == *std::max_element(xs.begin(), xs.end()));

  SECTION("empty tallies report NaN") {
    Tally e;
    CHECK(std::isnan(e.mean()));
    CHECK(std::isnan(e.variance()));
    CHECK(std::isnan(e.quantile(0.5)));
  }
  SECTION("merge equals adding everything to one tally") {
    Tally a;
    Tally b;
    for (std::size_t i = 0; i < xs.size(); ++i) (i < 3000 ? a : b).add(xs[i]);
    a.merge(b);
    CHECK(a.count() == t.count());
    CHECK_THAT(a.mean(), WithinRel(t.mean(), 1e-12));
    CHECK_THAT(a.variance(), WithinRel(t.variance(), 1e-7));
    CHECK(a.min() == t.min());
    CHECK(a.max() == t.max());
    CHECK(a.quantile(0.9) == t.quantile(0.9));
  }
  SECTION("reset starts a new window") {
    t.reset();
    CHECK(t.count() == 0);
    t.add(3.0);
    CHECK(t.mean() == 3.0);
    CHECK(t.quantile(0.5) == 3.0);
  }
}

TEST_CASE("Tally without its histogram keeps count, mean, variance and extremes",
          "[engine][stats]") {
  RandomStream rng(3, 0, "tally");
  Tally full;
  Tally lean;
  lean.keep_histogram(false);
  for (int i = 0; i < 1000; ++i) {
    const double x = rng.uniform() * 100.0;
    full.add(x);
    lean.add(x);
  }
  CHECK(lean.count() == full.count());
  CHECK(lean.mean() == full.mean());
  CHECK(lean.variance() == full.variance());
  CHECK(lean.min() == full.min());
  CHECK(lean.max() == full.max());
  CHECK(lean.histogram().total() == 0);
  CHECK_THROWS_AS(lean.quantile(0.5), std::logic_error);
  CHECK_THROWS_AS(lean.share_at_most(50.0), std::logic_error);
  lean.reset();
  CHECK_FALSE(lean.keeps_histogram());  // a new window keeps the choice
  // Merging a histogram-less window into one with a histogram drops it (it would be partial).
  full.merge(lean);
  CHECK(full.keeps_histogram());  // lean is empty after the reset, but still has none
  Tally other;
  other.keep_histogram(false);
  other.add(1.0);
  full.merge(other);
  CHECK_FALSE(full.keeps_histogram());
  CHECK_THROWS_AS(full.quantile(0.5), std::logic_error);
}

TEST_CASE("LogHistogram: bins are at most 1% wide from 1e-3 to 1e8", "[engine][stats]") {
  for (std::size_t i = 2; i + 1 < LogHistogram::kBins; ++i) {
    const double lo = LogHistogram::lower_edge(i);
    const double hi = LogHistogram::upper_edge(i);
    REQUIRE(hi > lo);
    REQUIRE((hi - lo) / lo <= 0.01);
    REQUIRE(LogHistogram::index(lo) == i);
    REQUIRE(LogHistogram::index(std::nextafter(hi, 0.0)) == i);
  }
  CHECK(LogHistogram::lower_edge(2) <= 1e-3);
  CHECK(LogHistogram::upper_edge(LogHistogram::kBins - 2) >= 1e8);
  CHECK(LogHistogram::index(0.0) == 1);
  CHECK(LogHistogram::index(-0.0) == 1);  // a zero wait, whatever its sign
  CHECK(LogHistogram::index(5e-324) == 1);
  CHECK(LogHistogram::index(std::nextafter(0x1p-10, 0.0)) == 1);
  CHECK(LogHistogram::index(0x1p-10) == 2);
  CHECK(LogHistogram::index(-1.0) == 0);
  CHECK(LogHistogram::index(std::numeric_limits<double>::quiet_NaN()) == 0);
  CHECK(LogHistogram::index(std::nextafter(0x1p27, 0.0)) == LogHistogram::kBins - 2);
  CHECK(LogHistogram::index(0x1p27) == LogHistogram::kBins - 1);
  CHECK(LogHistogram::index(1e9) == LogHistogram::kBins - 1);
  CHECK(LogHistogram::index(std::numeric_limits<double>::infinity()) == LogHistogram::kBins - 1);
}

TEST_CASE("Tally: quantiles and share_at_most are within the bin width", "[engine][stats]") {
  RandomStream rng(11, 0, "stats/quantiles");
  std::vector<double> xs;
  Tally t;
  for (int i = 0; i < 200000; ++i) {
    const double x = -100.0 * std::log(rng.uniform_open());  // exponential, mean 100
    xs.push_back(x);
    t.add(x);
  }
  std::sort(xs.begin(), xs.end());
  for (const double q : {0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999}) {
    const double exact = xs[static_cast<std::size_t>(q * static_cast<double>(xs.size()))];
    CHECK_THAT(t.quantile(q), WithinRel(exact, 0.01));
  }
  for (const double x : {1.0, 50.0, 240.0, 600.0}) {
    const auto below = std::upper_bound(xs.begin(), xs.end(), x) - xs.begin();
    const double exact = static_cast<double>(below) / static_cast<double>(xs.size());
    // The linear guess inside x's bin errs by at most that bin's share of the data.
    CHECK_THAT(t.share_at_most(x), WithinAbs(exact, 1e-3));
  }
  CHECK(t.share_at_most(-1.0) == 0.0);
  CHECK(t.share_at_most(1e12) == 1.0);

  SECTION("exact zeros count as at most zero") {
    Tally z;
    for (int i = 0; i < 10; ++i) z.add(0.0);
    for (int i = 0; i < 10; ++i) z.add(5.0);
    CHECK(z.share_at_most(0.0) == 0.5);
    CHECK(z.quantile(0.25) == 0.0);
    CHECK_THAT(z.quantile(0.9), WithinRel(5.0, 0.01));
  }
}

TEST_CASE("TimeWeighted: mean, levels, threshold, quantile, reset and merge", "[engine][stats]") {
  // Level 0 on [0,2), 3 on [2,5), 1 on [5,10), and 2 from 10 on; read at t = 12.
  TimeWeighted tw(0.0, 0.0);
  tw.set_threshold(2.5);
  tw.update(2.0, 3.0);
  tw.update(5.0, 1.0);
  tw.update(10.0, 2.0);
  const double now = 12.0;
  CHECK(tw.duration(now) == 12.0);
  CHECK(tw.area(now) == 0.0 * 2 + 3.0 * 3 + 1.0 * 5 + 2.0 * 2);
  CHECK_THAT(tw.mean(now), WithinRel(18.0 / 12.0, 1e-15));
  CHECK(tw.max() == 3.0);
  CHECK(tw.time_at_or_above_threshold(now) == 3.0);
  CHECK(tw.time_at_least(2, now) == 5.0);
  CHECK(tw.time_at_least(1, now) == 10.0);
  CHECK_THAT(tw.share_at_least(3, now), WithinRel(3.0 / 12.0, 1e-15));
  const std::vector<double> levels = tw.time_at_levels(now);
  REQUIRE(levels.size() == 4);
  CHECK(levels[0] == 2.0);
  CHECK(levels[1] == 5.0);
  CHECK(levels[2] == 2.0);
  CHECK(levels[3] == 3.0);
  CHECK(tw.quantile(0.5, now) == 1);   // 7/12 of the time at <= 1
  CHECK(tw.quantile(0.95, now) == 3);  // 9/12 at <= 2
  CHECK(tw.quantile(0.7, now) == 2);

  SECTION("reset keeps the level and forgets the past") {
    tw.reset(now);
    CHECK(tw.duration(20.0) == 8.0);
    CHECK(tw.mean(20.0) == 2.0);
    CHECK(tw.max() == 2.0);
    CHECK(tw.time_at_or_above_threshold(20.0) == 0.0);
  }
  SECTION("merge pools two windows") {
    TimeWeighted other(4.0, 100.0);  // level 4 for 6 time units
    tw.merge(other, 106.0);
    CHECK(tw.duration(now) == 18.0);
    CHECK(tw.area(now) == 18.0 + 24.0);
    CHECK(tw.max() == 4.0);
    CHECK(tw.time_at_least(4, now) == 6.0);
  }
}

TEST_CASE("TimeWeighted without its level distribution keeps mean, area and max",
          "[engine][stats]") {
  // The same path as above, with and without the time at each level.
  TimeWeighted full(0.0, 0.0);
  TimeWeighted lean(0.0, 0.0);
  lean.keep_distribution(false);
  lean.set_threshold(2.5);
  full.set_threshold(2.5);
  for (TimeWeighted* tw : {&full, &lean}) {
    tw->update(2.0, 3.0);
    tw->update(5.0, 1.0);
    tw->update(10.0, 2.0);
  }
  const double now = 12.0;
  CHECK(lean.area(now) == full.area(now));
  CHECK(lean.mean(now) == full.mean(now));
  CHECK(lean.max() == full.max());
  CHECK(lean.time_at_or_above_threshold(now) == full.time_at_or_above_threshold(now));
  CHECK_FALSE(lean.keeps_distribution());
  CHECK_THROWS_AS(lean.time_at_levels(now), std::logic_error);
  CHECK_THROWS_AS(lean.quantile(0.95, now), std::logic_error);
  CHECK_THROWS_AS(lean.time_at_least(1, now), std::logic_error);
  TimeWeighted other(4.0, 100.0);
  other.keep_distribution(false);
  lean.merge(other, 106.0);
  CHECK(lean.area(now) == 18.0 + 24.0);
  CHECK(lean.max() == 4.0);
  full.merge(other, 106.0);  // a window without the distribution: the merge has none either
  CHECK(full.area(now) == 18.0 + 24.0);
  CHECK_FALSE(full.keeps_distribution());
  CHECK_THROWS_AS(full.quantile(0.5, now), std::logic_error);
}

TEST_CASE("LevelGroup reads as TimeWeighted::advance would, bit for bit, across a reset",
          "[engine][stats]") {
  // Four levels advanced together at random instants (some calls change nothing), against one
  // lean TimeWeighted each; a window reset half way, after which the levels stay lower.
  constexpr std::size_t kN = 4;
  RandomStream rng(11, 0, "stats/level-group");
  LevelGroup<kN> group({0, 1, 0, 3}, 5.0);
  std::vector<TimeWeighted> each;
  for (const int l : {0, 1, 0, 3}) {
    each.emplace_back(l, 5.0);
    each.back().keep_distribution(false);
  }
  double t = 5.0;
  for (int step = 0; step < 2000; ++step) {
    t += rng.uniform() * 3.0;
    if (step == 1000) {
      group.reset(t);
      for (TimeWeighted& w : each) {
        w.update(t, w.level());
        w.reset(t);
      }
      continue;
    }
    int next[kN];
    for (std::size_t i = 0; i < kN; ++i) {
      // Lower levels after the reset (the window's maximum must forget the earlier ones).
      next[i] = step == 999 ? 2 : static_cast<int>(rng.below(step < 1000 ? 7 : 3));
      each[i].advance(t, next[i]);
    }
    group.advance(t, next);
  }
  const double now = t + 1.25;
  for (std::size_t i = 0; i < kN; ++i) {
    const TimeWeighted v = group.view(i);
    CHECK(v.area(now) == each[i].area(now));
    CHECK(v.mean(now) == each[i].mean(now));
    CHECK(v.max() == each[i].max());
    CHECK(v.level() == each[i].level());
    CHECK(v.duration(now) == each[i].duration(now));
    CHECK_FALSE(v.keeps_distribution());
  }
}

TEST_CASE("Student t quantiles match published tables", "[engine][stats]") {
  using carepath::engine::student_t_quantile;
  CHECK_THAT(student_t_quantile(0.95, 9), WithinAbs(2.262157, 1e-5));
  CHECK_THAT(student_t_quantile(0.999, 9), WithinAbs(4.780913, 1e-5));
  CHECK_THAT(student_t_quantile(0.99, 1), WithinAbs(63.65674, 1e-3));
  CHECK_THAT(student_t_quantile(0.95, 1000), WithinAbs(1.962339, 1e-5));
  const auto ci = carepath::engine::t_confidence_interval({1.0, 2.0, 3.0, 4.0}, 0.95);
  CHECK(ci.mean == 2.5);
  CHECK_THAT(ci.half_width, WithinAbs(3.182446 * std::sqrt(5.0 / 3.0) / 2.0, 1e-5));
}
