// What carepath measures, checked on its own KPIs (issue 8): blocked time belongs to the site whose
// place the patient holds; waits cover everyone admitted (reneging patients too); Little's law
// holds site by site on networks with blocking, reneging, pre-emption and rosters.
//
// Statistical checks use independent replications (one process each), fixed seeds and the 99.9%
// Student-t interval of the replication values; each also checks it would reject a value 10% off.
#include <carepath/engine/isolate.hpp>
#include <carepath/engine/stats.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "test_helpers.hpp"

using namespace carepath;
using namespace carepath::pathways;
using namespace carepath::pathways::testing;

namespace {

constexpr double kConfidence = 0.999;
constexpr std::size_t kMaxKpis = 24;
using Values = std::array<double, kMaxKpis>;

ModelSpec load(const std::string& yaml) {
  return load_model_from_string(yaml, "measurement.yaml");
}

/// Year-0 values of `names` in each of `reps` replications (each in its own process).
std::vector<Values> replicate(const ModelSpec& m, int reps, const std::vector<std::string>& names,
                              std::uint64_t seed = 8) {
  REQUIRE(names.size() <= kMaxKpis);
  std::vector<Values> out;
  out.reserve(static_cast<std::size_t>(std::max(reps, 0)));
  for (int r = 0; r < reps; ++r) {
    out.push_back(engine::run_isolated<Values>([&]() {
      Values v{};
      const ReplicationResult res = run_replication(m, seed, r);
      for (std::size_t k = 0; k < names.size(); ++k) v[k] = kpi_value(res, names[k]);
      return v;
    }));
  }
  return out;
}

/// The 99.9% t-interval of f over the replications contains `exact` and not `wrong`.
template <class F>
void check_ci(const std::string& what, const std::vector<Values>& reps, F f, double exact,
              double wrong) {
  std::vector<double> x;
  x.reserve(reps.size());
  for (const Values& v : reps) x.push_back(f(v));
  const engine::ConfidenceInterval ci = engine::t_confidence_interval(x, kConfidence);
  INFO(what << ": exact " << exact << ", 99.9% CI [" << ci.low() << ", " << ci.high()
            << "], wrong value " << wrong);
  CHECK(ci.contains(exact));
  CHECK_FALSE(ci.contains(wrong));
}

constexpr double kYearMinutes = 365.0 * 24 * 60;  // 2014/15 is not a leap year

/// Little's law at one site on carepath's KPIs: L = occupancy + queue, lambda = accepted per
/// minute, W = time in site; and for the line: queue = lambda * (time in line). `line_kpi` is
/// wait_mean, or line_time_mean where service can be interrupted.
void check_little(const ModelSpec& m, const std::string& site, int reps,
                  const std::string& line_kpi = "wait_mean") {
  const std::string p = "site." + site + ".";
  const auto v = replicate(m, reps,
                           {p + "occupancy_mean", p + "queue_mean", p + "accepted",
                            p + "time_in_site_mean", p + line_kpi});
  double level = 0;
  for (const Values& r : v) level += (r[0] + r[1]) / static_cast<double>(v.size());
  check_ci(
      site + ": L - lambda W", v,
      [](const Values& r) { return r[0] + r[1] - r[2] / kYearMinutes * r[3]; }, 0.0, 0.1 * level);
  double queue = 0;
  for (const Values& r : v) queue += r[1] / static_cast<double>(v.size());
  if (queue > 0.01) {
    check_ci(
        site + ": Lq - lambda Wq", v,
        [](const Values& r) { return r[1] - r[2] / kYearMinutes * r[4]; }, 0.0, 0.1 * queue);
  }
}

/// Stationary distribution of a birth-death chain on 0..n.
std::vector<double> birth_death(int n, double lambda, double mu, int c, double theta) {
  std::vector<double> p(static_cast<std::size_t>(n) + 1, 1.0);
  double sum = 1.0;
  for (int k = 1; k <= n; ++k) {
    const double death = std::min(k, c) * mu + std::max(k - c, 0) * theta;
    p[static_cast<std::size_t>(k)] = p[static_cast<std::size_t>(k) - 1] * lambda / death;
    sum += p[static_cast<std::size_t>(k)];
  }
  for (double& x : p) x /= sum;
  return p;
}

const char* const kHeader = R"(
model: {name: measurement, population: 100000}
horizon: {start: 2014-04-01, years: 1}
run: {replications: 10, seed: 8, warmup: 30d}
)";

}  // namespace

LoadOptions years_only(int years) {
  LoadOptions o;
  o.years = years;
  return o;
}

TEST_CASE("a blocked patient is the upstream site's until admitted (tandem, D2)",
          "[pathways][validation]") {
  // The issue's tandem: S2 has no waiting room, so nobody waits there; the time S1 patients spend
  // blocked is S1's (time in site, blocked_days), not S2's wait.
  const ModelSpec m = load(std::string(kHeader) + R"(
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: S1, volume: 1.5/hour, cohorts: {p: 1.0}}
sites:
  S1: {kind: service, capacity: 1, service: {exponential: {mean: 20min}}, routes: [{to: {S2: {p: 1, mode: block}}}]}
  S2: {kind: service, capacity: 1, queue_limit: 0, service: {exponential: {mean: 30min}}, routes: [{to: {out: 1}}]}
  out: {kind: exit}
)");
  const auto v = replicate(m, 4,
                           {"site.S2.wait_mean", "site.S2.wait_p95", "site.S2.queue_mean",
                            "site.S1.blocked_days", "site.S2.time_in_site_mean"});
  for (const Values& r : v) {
    CHECK(r[0] == 0.0);
    CHECK(r[1] == 0.0);
    CHECK(r[2] == 0.0);
    CHECK(r[3] > 10.0);  // S1 patients do wait for S2, in their S1 place
  }
  check_little(m, "S1", 10);
  check_little(m, "S2", 10);
}

TEST_CASE("waits cover patients who leave unseen: Erlang A (M/M/4+M, D3)",
          "[pathways][validation]") {
  // The issue's ED: 9/h, four servers of mean 30 min, exponential patience of mean 20 min. The
  // birth-death chain gives Lq; Little over everyone admitted gives the mean wait Lq / lambda.
  const ModelSpec m = load(std::string(kHeader) + R"(
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: S, volume: 9/hour, cohorts: {p: 1.0}}
sites:
  S: {kind: service, capacity: 4, service: {exponential: {mean: 30min}},
      patience: {exponential: {mean: 20min}}, routes: [{to: {out: 1}}]}
  out: {kind: exit}
)");
  const double lambda = 9.0 / 60, mu = 1.0 / 30, theta = 1.0 / 20;
  const auto pi = birth_death(400, lambda, mu, 4, theta);
  double lq = 0;
  for (std::size_t n = 4; n < pi.size(); ++n) lq += static_cast<double>(n - 4) * pi[n];
  const double wait = lq / lambda;
  const double p_abandon = theta * lq / lambda;
  const auto v = replicate(
      m, 10, {"site.S.wait_mean", "site.S.queue_mean", "site.S.reneged", "site.S.arrivals"});
  check_ci(
      "Erlang A mean wait (min)", v, [](const Values& r) { return r[0]; }, wait, 1.1 * wait);
  check_ci(
      "Erlang A Lq", v, [](const Values& r) { return r[1]; }, lq, 1.1 * lq);
  check_ci(
      "Erlang A P(abandon)", v, [](const Values& r) { return r[2] / r[3]; }, p_abandon,
      1.1 * p_abandon);
  check_little(m, "S", 10);
}

TEST_CASE("the abandoners' time to abandon is its own KPI", "[pathways][kpi]") {
  // The first patient (in the warm-up) holds the only server for the whole run; everyone after
  // it leaves unseen after exactly its fixed patience of 20 minutes.
  const ModelSpec m = load(std::string(kHeader) + R"(
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: S, volume: 2/hour, cohorts: {p: 1.0}}
sites:
  S: {kind: service, capacity: 1, service: {fixed: 1000d}, patience: {fixed: 20min},
      routes: [{to: {out: 1}}]}
  out: {kind: exit}
)");
  const auto v = replicate(m, 1,
                           {"site.S.renege_wait_mean", "site.S.wait_mean", "site.S.reneged",
                            "site.S.served", "site.S.time_in_site_mean"});
  CHECK(v[0][0] == Approx(20.0).epsilon(1e-12));
  CHECK(v[0][1] == Approx(20.0).epsilon(1e-12));
  CHECK(v[0][2] > 15000);
  CHECK(v[0][3] == 0.0);
  CHECK(v[0][4] == Approx(20.0).epsilon(1e-12));  // time in site of those who left: all reneged
}

TEST_CASE("Little's law site by site: blocking, reneging, pre-emption and rosters (D2, D3)",
          "[pathways][validation]") {
  // An ED with a priority line, pre-emption by urgent patients, patience, a day/night roster
  // that pre-empts at shift change, and admissions to a ward that block ED cubicles when full.
  const ModelSpec m = load(std::string(kHeader) + R"(
cohorts:
  urgent: {attributes: {}, priority: 1}
  minor: {attributes: {}, priority: 3}
arrivals:
  A: {to: ed, volume: 6/hour, cohorts: {urgent: 0.3, minor: 0.7}}
sites:
  ed:
    kind: service
    capacity: 4
    queue: priority
    preemptive: true
    on_close: preempt
    roster:
      - {days: all, from: "00:00", to: "08:00", capacity: 3}
      - {days: all, from: "08:00", to: "20:00", capacity: 5}
      - {days: all, from: "20:00", to: "24:00", capacity: 4}
    service: {exponential: {mean: 30min}}
    patience: {exponential: {mean: 2h}}
    routes:
      - when: {cohort: [urgent]}
        to: {ward: {p: 0.6, mode: block}, out: 0.4}
      - to: {out: 1}
  ward: {kind: beds, capacity: 10, service: {exponential: {mean: 8h}}, routes: [{to: {out: 1}}]}
  out: {kind: exit}
)");
  check_little(m, "ed", 10, "line_time_mean");
  check_little(m, "ward", 10);
  const auto v = replicate(m, 3, {"site.ward.wait_mean", "site.ed.reneged", "site.ed.blocked"});
  for (const Values& r : v) {
    CHECK(r[0] == 0.0);  // beds have no line: patients wait for a ward bed in their ED cubicle
    CHECK(r[1] > 0.0);
    CHECK(r[2] > 0.0);
  }
}

TEST_CASE("per-cohort KPIs and patience by cohort", "[pathways][kpi]") {
  // The first patient (in the warm-up) holds the only server all year, so every later patient
  // leaves unseen after exactly its cohort's fixed patience: 60 min if frail, 20 min if minor.
  const ModelSpec m = load(std::string(kHeader) + R"(
cohorts:
  frail: {attributes: {}}
  minor: {attributes: {}}
arrivals:
  A: {to: S, volume: 2/hour, cohorts: {frail: 0.25, minor: 0.75}}
sites:
  S:
    kind: service
    capacity: 1
    service: {fixed: 1000d}
    patience_by_cohort: {frail: {fixed: 60min}, minor: {fixed: 20min}}
    routes: [{to: {out: 1}}]
  out: {kind: exit}
kpis:
  frail_wait: {mean: wait, sites: [S], cohorts: [frail]}
  minor_wait: {mean: wait, sites: [S], cohorts: [minor]}
  frail_time: {mean: time_in_site, sites: [S], cohorts: [frail]}
  frail_p95: {p95: wait, sites: [S], cohorts: [frail]}
  minor_within_30: {share_within: 30min, of: wait, sites: [S], cohorts: [minor]}
  frail_within_30: {share_within: 30min, of: wait, sites: [S], cohorts: [frail]}
  frail_over_30: {count_over: 30min, of: wait, sites: [S], cohorts: [frail]}
  frail_reneged: {sum: reneged, sites: [S], cohorts: [frail]}
  minor_reneged: {sum: reneged, sites: [S], cohorts: [minor]}
  frail_arrivals: {sum: arrivals, sites: [S], cohorts: [frail]}
)");
  const auto v =
      replicate(m, 1,
                {"frail_wait", "minor_wait", "frail_time", "frail_p95", "minor_within_30",
                 "frail_within_30", "frail_over_30", "frail_reneged", "minor_reneged",
                 "frail_arrivals", "site.S.reneged", "site.S.wait_mean"});
  const Values& r = v[0];
  CHECK(r[0] == Approx(60.0).epsilon(1e-12));
  CHECK(r[1] == Approx(20.0).epsilon(1e-12));
  CHECK(r[2] == Approx(60.0).epsilon(1e-12));
  CHECK(r[3] == Approx(60.0).epsilon(1.0 / 128));  // p95 KPIs: the histogram's bin width
  CHECK(r[4] == 100.0);
  CHECK(r[5] == 0.0);
  CHECK(r[6] == r[7]);                  // every frail patient waited (and left) after 60 min
  CHECK(r[7] + r[8] == r[10]);          // the cohorts' reneging adds up to the site's
  CHECK(std::abs(r[9] - r[7]) <= 1.0);  // arrivals in the year, less one still waiting at its end
  CHECK(r[7] > 3000);
  // The site's mean wait is the cohorts' mean weighted by their counts.
  CHECK(r[11] == Approx((60.0 * r[7] + 20.0 * r[8]) / r[10]).epsilon(1e-9));
}

TEST_CASE("occupancy distribution: time at and above a level, and time with no room",
          "[pathways][kpi]") {
  // Two places from midnight to noon and one from noon to midnight (the one over is pre-empted
  // back into the line at noon); stays never end and arrivals keep every place and both waiting
  // places taken. So occupancy is 2 half the time and 1 half the time, and there is never room.
  const ModelSpec m = load(std::string(kHeader) + R"(
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: S, volume: 10/hour, cohorts: {p: 1.0}}
sites:
  S:
    kind: service
    capacity: 2
    queue_limit: 2
    on_close: preempt
    roster:
      - {days: all, from: "00:00", to: "12:00"}
      - {days: all, from: "12:00", to: "24:00", capacity: 1}
    service: {fixed: 1000d}
    routes: [{to: {out: 1}}]
  out: {kind: exit}
kpis:
  at_least_2: {time_at_least: 2, sites: [S]}
  at_least_1: {time_at_least: 1, sites: [S]}
  at_least_3: {time_at_least: 3, sites: [S]}
  at_1: {time_at: 1, sites: [S]}
  at_2: {time_at: 2, sites: [S]}
  full: {time_at_least: full, sites: [S]}
  system_full: {time_at_least: full, of: present, sites: [S]}
  present_4: {time_at: 4, of: present, sites: [S]}
)");
  const auto v = replicate(m, 1,
                           {"at_least_2", "at_least_1", "at_least_3", "at_1", "at_2", "full",
                            "system_full", "present_4", "site.S.pct_time_full"});
  const Values& r = v[0];
  CHECK(r[0] == Approx(50.0).epsilon(1e-12));
  CHECK(r[1] == Approx(100.0).epsilon(1e-12));
  CHECK(r[2] == 0.0);
  CHECK(r[3] == Approx(50.0).epsilon(1e-12));
  CHECK(r[4] == Approx(50.0).epsilon(1e-12));
  CHECK(r[5] == Approx(100.0).epsilon(1e-12));
  CHECK(r[6] == Approx(100.0).epsilon(1e-12));  // two in place and two waiting, or one and three
  CHECK(r[7] == Approx(100.0).epsilon(1e-12));
  CHECK(r[8] == Approx(r[5]).epsilon(1e-12));
}

TEST_CASE("a time-at-level KPI names one site and a count or full", "[pathways][loader]") {
  const std::string model = std::string(kHeader) + R"(
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: S, volume: 1/hour, cohorts: {p: 1.0}}
sites:
  S: {kind: service, capacity: 2, service: {fixed: 1h}, routes: [{to: {T: 1}}]}
  T: {kind: service, capacity: 2, service: {fixed: 1h}, routes: [{to: {out: 1}}]}
  out: {kind: exit}
kpis:
  both: {time_at_least: 2, sites: [S, T]}
  exact_full: {time_at: full, sites: [S]}
)";
  try {
    (void)load(model);
    FAIL("expected an error");
  } catch (const ConfigErrors& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("time_at_least in KPI 'both' needs exactly one site"));
    CHECK_THAT(what, Catch::Contains("exact_full"));
  }
}

TEST_CASE("a horizon given as a length: 26 weeks, or 60 weeks in two KPI windows",
          "[pathways][kpi]") {
  // Three beds filled in the warm-up by stays longer than the run: bed-days are 3 x the window.
  const auto model = [](const std::string& length) {
    return load(R"(
model: {name: length, population: 100000}
horizon: {start: 2014-04-01, length: )" +
                length + R"(}
run: {replications: 1, seed: 8, warmup: 5d}
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: S, volume: 10/day, cohorts: {p: 1.0}}
sites:
  S: {kind: beds, capacity: 3, service: {fixed: 1000d}, routes: [{to: {out: 1}}]}
  out: {kind: exit}
)");
  };
  const ModelSpec half = model("26w");
  CHECK(half.horizon.years == 1);
  CHECK(half.horizon.length == 26 * 7 * kDay);
  const double bed_days = engine::run_isolated<double>(
      [&]() { return kpi_value(run_replication(half, 8, 0), "site.S.bed_days"); });
  CHECK(bed_days == Approx(3 * 182.0).epsilon(1e-12));
  const ModelSpec longer = model("60w");
  CHECK(longer.horizon.years == 2);
  struct Two {
    double first, second;
  };
  const Two two = engine::run_isolated<Two>([&]() {
    const ReplicationResult r = run_replication(longer, 8, 0);
    return Two{kpi_value(r, "site.S.bed_days", 0), kpi_value(r, "site.S.bed_days", 1)};
  });
  CHECK(two.first == Approx(3 * 365.0).epsilon(1e-12));
  CHECK(two.second == Approx(3 * (420.0 - 365.0)).epsilon(1e-12));
  // --years can shorten it to its first (whole) year, not lengthen it.
  const std::string text = R"(
model: {name: length, population: 100000}
horizon: {start: 2014-04-01, length: 60w}
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: out, volume: 1/day, cohorts: {p: 1.0}}
sites:
  out: {kind: exit}
)";
  CHECK(load_model_from_string(text, "l.yaml", years_only(1)).horizon.length == 365 * kDay);
  CHECK_THROWS_AS(load_model_from_string(text, "l.yaml", years_only(3)), ConfigErrors);
}

TEST_CASE("hour-of-day and day-of-week profiles are time averages over each hour",
          "[pathways][kpi]") {
  // As the occupancy-distribution model: two places from midnight to noon, one from noon to
  // midnight, always taken. Those waiting leave after exactly 20 minutes.
  const ModelSpec m = load(std::string(kHeader) + R"(
cohorts: {p: {attributes: {}}}
arrivals:
  A: {to: S, volume: 10/hour, cohorts: {p: 1.0}}
sites:
  S:
    kind: service
    capacity: 2
    queue_limit: 2
    on_close: preempt
    patience: {fixed: 20min}
    roster:
      - {days: all, from: "00:00", to: "12:00"}
      - {days: all, from: "12:00", to: "24:00", capacity: 1}
    service: {fixed: 1000d}
    routes: [{to: {out: 1}}]
  out: {kind: exit}
kpis:
  occ: {profile: occupancy, by: hour_of_day, sites: [S]}
  occ_day: {profile: occupancy, by: day_of_week, sites: [S]}
  arr: {profile: arrivals, by: hour_of_day, sites: [S]}
  arr_day: {profile: arrivals, by: day_of_week, sites: [S]}
  wait: {profile: wait, by: hour_of_day, sites: [S]}
)");
  const auto cat = kpi_catalogue(m);
  REQUIRE(std::find_if(cat.begin(), cat.end(),
                       [](const KpiInfo& k) { return k.name == "occ.h23"; }) != cat.end());
  struct Out {
    double occ[24], occ_day[7], arr[24], arr_day[7], wait[24], arrivals;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult r = run_replication(m, 8, 0);
    Out x{};
    const char* days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int h = 0; h < 24; ++h) {
      const std::string s = (h < 10 ? ".h0" : ".h") + std::to_string(h);
      x.occ[h] = kpi_value(r, "occ" + s);
      x.arr[h] = kpi_value(r, "arr" + s);
      x.wait[h] = kpi_value(r, "wait" + s);
    }
    for (int d = 0; d < 7; ++d) {
      x.occ_day[d] = kpi_value(r, std::string("occ_day.") + days[d]);
      x.arr_day[d] = kpi_value(r, std::string("arr_day.") + days[d]);
    }
    x.arrivals = kpi_value(r, "site.S.arrivals");
    return x;
  });
  double from_hours = 0, from_days = 0;
  for (int h = 0; h < 24; ++h) {
    INFO("hour " << h);
    CHECK(o.occ[h] == Approx(h < 12 ? 2.0 : 1.0).epsilon(1e-12));
    CHECK(o.wait[h] == Approx(20.0).epsilon(1e-12));
    from_hours += o.arr[h] * 365;  // 365 hours of each hour of the day in 2014/15
  }
  for (int d = 0; d < 7; ++d) {
    INFO("day " << d);
    CHECK(o.occ_day[d] == Approx(1.5).epsilon(1e-12));
    from_days += o.arr_day[d] * (d == 1 ? 53 : 52);  // 2014/15: 52 weeks and a Tuesday
  }
  CHECK(from_hours == Approx(o.arrivals).epsilon(1e-9));
  CHECK(from_days == Approx(o.arrivals).epsilon(1e-9));
  CHECK(o.arr[3] == Approx(10.0).margin(5 * std::sqrt(10.0 / 365)));
}
