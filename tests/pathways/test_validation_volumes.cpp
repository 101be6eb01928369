// Issue 8, D1: a volume per hour, day or week is a rate, so a leap year gets 366 days of it; a
// volume per year stays the same whatever the year's length. Through the YAML loader and the
// runtime, as `carepath run` does.
#include <carepath/engine/arrivals.hpp>
#include <carepath/engine/isolate.hpp>
#include <carepath/engine/stats.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "test_helpers.hpp"

using namespace carepath;
using namespace carepath::pathways;
using namespace carepath::pathways::testing;

namespace {

// The model of issue 8 (D1), plus a yearly stream of the same size to a second site.
const char* const kLeapModel = R"(model: {name: D1, population: 100000}
horizon: {start: 2014-04-01, years: 4}
run: {replications: 50, seed: 1, warmup: 1d}
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: t, volume: 1000/day, cohorts: {p: 1.0}}
  B: {to: u, volume: 365000/year, cohorts: {p: 1.0}}
sites:
  t: {kind: triage, routes: [{to: {out: 1}}]}
  u: {kind: triage, routes: [{to: {out: 1}}]}
  out: {kind: exit}
)";

constexpr int kReps = 50;
constexpr int kYears = 4;

struct Counts {
  double rate[kYears];    // site t: arrivals per day of the year
  double yearly[kYears];  // site u: arrivals in the year
};

struct Interval {
  double mean, half;
};

// Mean over replications and the 99.9% t-interval half-width.
template <class Get>
Interval interval(const Counts* reps, Get get) {
  double mean = 0, ss = 0;
  for (int r = 0; r < kReps; ++r) mean += get(reps[r]) / kReps;
  for (int r = 0; r < kReps; ++r) ss += (get(reps[r]) - mean) * (get(reps[r]) - mean);
  return {mean, engine::student_t_quantile(0.999, kReps - 1) * std::sqrt(ss / (kReps - 1) / kReps)};
}

}  // namespace

TEST_CASE("a rate per day keeps its rate in a leap year and a yearly volume stays yearly",
          "[pathways][validation]") {
  const ModelSpec m = load_model_from_string(kLeapModel, "d1.yaml");
  const engine::CivilCalendar cal(2014, 4, 1);
  Counts reps[kReps];
  for (int r = 0; r < kReps; ++r) {
    // One Simulation per process: each replication in its own child.
    reps[r] = engine::run_isolated<Counts>([&]() {
      const ReplicationResult res = run_replication(m, 1, r);
      Counts c{};
      for (int y = 0; y < kYears; ++y) {
        const double days = (cal.year_start(y + 1) - cal.year_start(y)) / 1440.0;
        c.rate[y] = kpi_value(res, "site.t.arrivals", y) / days;
        c.yearly[y] = kpi_value(res, "site.u.arrivals", y);
      }
      return c;
    });
  }
  // Year 0 (2014/15) holds the one-day warm-up; years 1-3 are whole years. 2015/16 (year 1) has
  // 366 days. About 366,000 arrivals a year: the daily mean's sd is about 1.65 per replication,
  // so the half-width over 50 replications is about 0.8 a day, well under the 2.7 a day that a
  // 365-day conversion of 1000/day loses in a leap year (the check below has that power).
  for (int y = 1; y < kYears; ++y) {
    const double days = (cal.year_start(y + 1) - cal.year_start(y)) / 1440.0;
    const Interval rate = interval(reps, [y](const Counts& c) { return c.rate[y]; });
    INFO("year " << y << " (" << days << " days): " << rate.mean << " a day, half-width "
                 << rate.half);
    CHECK(std::abs(rate.mean - 1000.0) <= rate.half);
    if (days == 366) CHECK(std::abs(rate.mean - 1000.0 * 365 / 366) > rate.half);
    const Interval yearly = interval(reps, [y](const Counts& c) { return c.yearly[y]; });
    INFO("yearly stream: " << yearly.mean << " a year, half-width " << yearly.half);
    CHECK(std::abs(yearly.mean - 365000.0) <= yearly.half);
    if (days == 366) CHECK(std::abs(yearly.mean - 366000.0) > yearly.half);
  }
}
