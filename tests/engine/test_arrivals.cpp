// Tests of the civil calendar and non-homogeneous Poisson arrivals.
//
// Statistical tolerances. Arrival counts in disjoint intervals of a Poisson process are
// independent Poisson(E_i). For one count N ~ Poisson(V) with V large, N is ~N(V, V), so the
// two-sided 99.9% interval is V +- 3.2905 sqrt(V). For many bins, sum (O_i - E_i)^2 / E_i is
// ~chi-square with (number of bins) degrees of freedom (the E_i are known a priori, not fitted,
// and the counts are independent, so no degree of freedom is lost); the alpha = 0.001 critical
// value comes from the Wilson-Hilferty approximation. Seeds are fixed.
#include <carepath/engine/arrivals.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

using carepath::engine::CivilCalendar;
using carepath::engine::kForever;
using carepath::engine::NhppArrivals;
using carepath::engine::RandomStream;
using carepath::engine::RateProfile;
using carepath::engine::Time;

namespace {

constexpr double kZ999 = 3.2905;  // two-sided 99.9% normal quantile
constexpr std::uint64_t kSeed = 77;
constexpr double kDay = 1440.0;

/// Chi-square critical value at alpha = 0.001 (upper tail), Wilson-Hilferty:
/// df * (1 - 2/(9 df) + z sqrt(2/(9 df)))^3 with z = 3.0902 the one-sided 0.999 quantile.
double chi2_critical_0001(int df) {
  const double z = 3.090232306167813;
  const double h = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - h + z * std::sqrt(h), 3);
}

/// A strongly shaped profile: a daily cycle peaking at 15:00, quieter weekends, one hour
/// (Wednesday 03:00) with zero rate, and a winter peak.
RateProfile test_profile() {
  RateProfile p;
  for (int h = 0; h < 168; ++h) {
    const int dow = h / 24;
    const int hod = h % 24;
    double w = 1.0 + 0.8 * std::sin(2.0 * std::numbers::pi * (hod - 9) / 24.0);
    if (dow >= 5) w *= 0.7;
    p.hour_of_week[static_cast<std::size_t>(h)] = w;
  }
  p.hour_of_week[2 * 24 + 3] = 0.0;
  for (int m = 0; m < 12; ++m) {
    p.month_of_year[static_cast<std::size_t>(m)] =
        1.0 + 0.25 * std::cos(2.0 * std::numbers::pi * m / 12.0);
  }
  return p;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// CivilCalendar

TEST_CASE("CivilCalendar: 2014-04-01 is a Tuesday", "[engine]") {
  const CivilCalendar c(2014, 4, 1);
  CHECK(c.day_of_week(0) == 1);
  CHECK(c.hour_of_week(0) == 24);
  CHECK(c.hour_of_week(8 * 60 + 30) == 32);
  CHECK(c.hour_of_day(8 * 60 + 59.9) == 8);
  CHECK(c.month_of_year(0) == 3);
  CHECK(c.day_of_month(0) == 1);
  CHECK(c.civil_year(0) == 2014);
  CHECK(c.date_string(480) == "2014-04-01 08:00");
  CHECK(c.date_string(kDay - 0.01) == "2014-04-01 23:59");
  CHECK(c.date_string(30 * kDay) == "2014-05-01 00:00");
  CHECK(c.month_of_year(30 * kDay - 1) == 3);
  CHECK(c.month_of_year(30 * kDay) == 4);
  CHECK(c.date_string(c.time_of(2014, 12, 31, 23, 59)) == "2014-12-31 23:59");
  CHECK(c.month_of_year(c.time_of(2014, 12, 31, 23, 59)) == 11);
  CHECK(c.month_of_year(c.time_of(2015, 1, 1)) == 0);
}

TEST_CASE("CivilCalendar: hour_of_week", "[engine]") {
  const CivilCalendar c(2014, 3, 31);  // a Monday
  CHECK(c.day_of_week(0) == 0);
  CHECK(c.hour_of_week(0) == 0);
  CHECK(c.hour_of_week(59.999) == 0);
  CHECK(c.hour_of_week(60) == 1);
  CHECK(c.hour_of_week(6 * kDay + 23 * 60) == 167);  // Sunday 23:00
  CHECK(c.hour_of_week(7 * kDay - 0.001) == 167);
  CHECK(c.hour_of_week(7 * kDay) == 0);
  CHECK(c.hour_of_week(-1) == 167);  // Sunday 23:59 before the start
  for (int h = 0; h < 24 * 7 * 3; ++h) {
    REQUIRE(c.hour_of_week(h * 60.0 + 17.0) == h % 168);
  }
}

TEST_CASE("CivilCalendar: leap years", "[engine]") {
  const CivilCalendar c(2016, 2, 28);
  CHECK(c.date_string(kDay) == "2016-02-29 00:00");
  CHECK(c.day_of_week(kDay) == 0);  // 29 February 2016 was a Monday
  CHECK(c.date_string(2 * kDay) == "2016-03-01 00:00");
  CHECK(CivilCalendar(2015, 2, 28).date_string(kDay) == "2015-03-01 00:00");
  CHECK(CivilCalendar(1900, 2, 28).date_string(kDay) == "1900-03-01 00:00");
  CHECK(CivilCalendar(2000, 2, 28).date_string(kDay) == "2000-02-29 00:00");
  // Financial year 2015/16 contains 29 February 2016; 2016/17 does not.
  const CivilCalendar fy(2015, 4, 1);
  CHECK(fy.year_start(1) == 366 * kDay);
  CHECK(fy.year_start(2) - fy.year_start(1) == 365 * kDay);
  CHECK(CivilCalendar(2016, 1, 1).year_start(1) == 366 * kDay);
  // A 29 February start: years without that date start on 28 February.
  const CivilCalendar feb29(2016, 2, 29);
  CHECK(feb29.year_start(1) == feb29.time_of(2017, 2, 28));
  CHECK(feb29.year_start(4) == feb29.time_of(2020, 2, 29));
  CHECK_THROWS_AS(CivilCalendar(2015, 2, 29), std::invalid_argument);
}

TEST_CASE("CivilCalendar: year_index at boundaries", "[engine]") {
  const CivilCalendar c(2014, 4, 1);
  CHECK(c.year_start(0) == 0.0);
  CHECK(c.year_start(1) == 365 * kDay);
  CHECK(c.year_start(2) == (365 + 366) * kDay);  // FY 2015/16 contains 29 February 2016
  CHECK(c.year_start(3) == (365 + 366 + 365) * kDay);
  CHECK(c.year_index(0) == 0);
  CHECK(c.year_index(-0.5) == -1);
  for (int k = 0; k < 12; ++k) {
    INFO("k = " << k);
    const Time s = c.year_start(k);
    CHECK(c.year_index(s) == k);
    CHECK(c.year_index(s + 0.001) == k);
    if (k > 0) CHECK(c.year_index(s - 0.001) == k - 1);
    CHECK(c.date_string(s) == std::to_string(2014 + k) + "-04-01 00:00");
  }
  CHECK(c.year_start(-1) == -365 * kDay);
}

TEST_CASE("CivilCalendar agrees with std::chrono for every day 1899-2101", "[engine]") {
  namespace ch = std::chrono;
  const CivilCalendar c(1899, 1, 1);
  const ch::sys_days start = ch::year{1899} / ch::January / 1;
  const ch::sys_days stop = ch::year{2101} / ch::January / 1;
  const auto n = (stop - start).count();
  for (int d = 0; d < n; ++d) {
    const ch::year_month_day ymd{start + ch::days{d}};
    const ch::weekday wd{start + ch::days{d}};
    const Time t = d * kDay + 13 * 60 + 7;
    char expect[32];
    std::snprintf(expect, sizeof expect, "%04d-%02u-%02u 13:07", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    REQUIRE(c.date_string(t) == expect);
    REQUIRE(c.day_of_week(t) == static_cast<int>(wd.iso_encoding()) - 1);
    REQUIRE(c.month_of_year(t) == static_cast<int>(static_cast<unsigned>(ymd.month())) - 1);
    REQUIRE(c.civil_year(t) == static_cast<int>(ymd.year()));
    REQUIRE(c.time_of(static_cast<int>(ymd.year()),
                      static_cast<int>(static_cast<unsigned>(ymd.month())),
                      static_cast<int>(static_cast<unsigned>(ymd.day())), 13, 7) == t);
  }
}

TEST_CASE("parse_date", "[engine]") {
  int y = 0;
  int m = 0;
  int d = 0;
  CHECK(carepath::engine::parse_date("2014-04-01", y, m, d));
  CHECK((y == 2014 && m == 4 && d == 1));
  CHECK(carepath::engine::parse_date("2016-02-29", y, m, d));
  CHECK(carepath::engine::parse_date("2000-02-29", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("2015-02-29", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("1900-02-29", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("2014-02-30", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("2014-13-01", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("2014-00-10", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("2014-4-01", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("2014-04-01 ", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("2014/04/01", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("", y, m, d));
  CHECK_FALSE(carepath::engine::parse_date("20a4-04-01", y, m, d));
}

// ---------------------------------------------------------------------------------------------
// NhppArrivals

TEST_CASE("NHPP: expected_count is the exact integral of rate_at", "[engine]") {
  const CivilCalendar c(2014, 4, 1);
  const NhppArrivals arr(c, test_profile(), {100000, 120000, 0, 50000});
  // Whole years give their volume; so does the sum of the hourly pieces.
  for (int k = 0; k < 6; ++k) {
    INFO("year " << k);
    const double v = arr.annual_volume(k);
    CHECK(arr.expected_count(c.year_start(k), c.year_start(k + 1)) == v);
    double hourly = 0.0;
    for (Time t = c.year_start(k); t < c.year_start(k + 1); t += 60.0) {
      hourly += arr.rate_at(t) * 60.0;
    }
    CHECK(hourly == Approx(v).epsilon(1e-9).margin(1e-9));
    // A partial-year split sums to the whole.
    const Time mid = c.year_start(k) + 1234.5;
    CHECK(arr.expected_count(c.year_start(k), mid) + arr.expected_count(mid, c.year_start(k + 1)) ==
          Approx(v).epsilon(1e-9).margin(1e-9));
  }
  CHECK(arr.annual_volume(2) == 0.0);
  CHECK(arr.annual_volume(7) == 50000.0);
  // Within one hour the rate is constant.
  const Time t0 = 3 * kDay + 14 * 60;
  CHECK(arr.expected_count(t0 + 5, t0 + 35) == Approx(arr.rate_at(t0 + 20) * 30).epsilon(1e-12));
  // Additivity across hours, days and a year boundary.
  const Time a = 100.3;
  const Time b = c.year_start(1) - 7777.7;
  const Time e = c.year_start(1) + 9999.9;
  CHECK(arr.expected_count(a, e) ==
        Approx(arr.expected_count(a, b) + arr.expected_count(b, e)).epsilon(1e-10));
  CHECK(arr.expected_count(5, 5) == 0.0);
  CHECK(arr.expected_count(-100, 0) == 0.0);
  CHECK(arr.rate_at(-1) == 0.0);
  CHECK(arr.rate_at(c.time_of(2014, 4, 2, 3, 30)) == 0.0);  // Wednesday 03:00 has weight 0
  CHECK(arr.rate_at(c.year_start(2) + 10) == 0.0);          // zero-volume year
  CHECK(std::isinf(arr.expected_count(0, kForever)));       // the last volume repeats
  const NhppArrivals finite(c, test_profile(), {100, 200, 0});
  CHECK(finite.expected_count(0, kForever) == Approx(300));
  CHECK_THROWS_AS(arr.expected_count(5, 4), std::invalid_argument);
}

TEST_CASE("NHPP: leap-year normalisation", "[engine]") {
  // FY 2015/16 has 366 days; FY 2016/17 has 365. Equal volumes give different rates.
  const CivilCalendar c(2015, 4, 1);
  const double v = 366.0 * kDay;  // one per minute in year 0
  const NhppArrivals arr(c, RateProfile{}, {v});
  CHECK(arr.rate_at(10) == Approx(1.0).epsilon(1e-12));
  CHECK(arr.rate_at(c.year_start(1) + 10) == Approx(366.0 / 365.0).epsilon(1e-12));
}

TEST_CASE("NHPP: hour-of-week and month counts fit the profile (chi-square)",
          "[engine][validation]") {
  const CivilCalendar c(2014, 4, 1);
  const RateProfile prof = test_profile();
  // Both exact samplers: 100,000+ a year (11+ an hour) is sampled by inversion of the cumulative
  // rate, 1,500 a year (0.17 an hour, under NhppArrivals' 0.25) by thinning; 40 sparse years
  // give as many arrivals as the dense test's two.
  const std::vector<double> volumes =
      GENERATE(std::vector<double>{100000, 120000}, std::vector<double>(40, 1500.0));
  const int years = static_cast<int>(volumes.size());
  INFO(years << " years of " << volumes[0]);
  NhppArrivals arr(c, prof, volumes);

  // Expected counts computed independently of NhppArrivals: base_k = V_k / sum over the hours
  // of year k of 60 * how * moy, then E[bin] = sum of base_k * 60 * how * moy over its hours.
  std::vector<double> exp_how(168, 0.0);
  std::vector<double> exp_month(12, 0.0);
  for (int k = 0; k < years; ++k) {
    double weight = 0.0;
    for (Time t = c.year_start(k); t < c.year_start(k + 1); t += 60.0) {
      weight += 60.0 * prof.hour_of_week[static_cast<std::size_t>(c.hour_of_week(t))] *
                prof.month_of_year[static_cast<std::size_t>(c.month_of_year(t))];
    }
    const double base = volumes[static_cast<std::size_t>(k)] / weight;
    for (Time t = c.year_start(k); t < c.year_start(k + 1); t += 60.0) {
      const double e = base * 60.0 *
                       prof.hour_of_week[static_cast<std::size_t>(c.hour_of_week(t))] *
                       prof.month_of_year[static_cast<std::size_t>(c.month_of_year(t))];
      exp_how[static_cast<std::size_t>(c.hour_of_week(t))] += e;
      exp_month[static_cast<std::size_t>(c.month_of_year(t))] += e;
    }
  }

  // Counts pooled over kReplications independent replications (each cell's count is Poisson
  // with kReplications times its expectation): four times the arrivals of one run, tested at
  // the same level.
  constexpr int kReplications = 4;
  for (double& e : exp_how) e *= kReplications;
  for (double& e : exp_month) e *= kReplications;
  std::vector<double> exp_year = volumes;
  for (double& e : exp_year) e *= kReplications;
  std::vector<double> obs_how(168, 0.0);
  std::vector<double> obs_month(12, 0.0);
  std::vector<double> obs_year(volumes.size(), 0.0);
  const Time end = c.year_start(years);
  bool increasing = true;
  for (int r = 0; r < kReplications; ++r) {
    RandomStream rs(kSeed, static_cast<std::uint64_t>(r), "arrivals/ed");
    Time prev = 0.0;
    for (Time t = arr.next(0.0, rs); t < end; t = arr.next(t, rs)) {
      increasing = increasing && t > prev;
      prev = t;
      obs_how[static_cast<std::size_t>(c.hour_of_week(t))] += 1;
      obs_month[static_cast<std::size_t>(c.month_of_year(t))] += 1;
      obs_year[static_cast<std::size_t>(c.year_index(t))] += 1;
    }
  }
  CHECK(increasing);
  CHECK(obs_how[2 * 24 + 3] == 0.0);  // zero-weight hour never sees an arrival

  auto chi2 = [](const std::vector<double>& obs, const std::vector<double>& ex, int& df) {
    double x = 0.0;
    df = 0;
    for (std::size_t i = 0; i < obs.size(); ++i) {
      if (ex[i] <= 0.0) continue;
      x += (obs[i] - ex[i]) * (obs[i] - ex[i]) / ex[i];
      ++df;
    }
    return x;
  };
  int df_how = 0;
  const double x_how = chi2(obs_how, exp_how, df_how);
  CHECK(df_how == 167);
  INFO("hour-of-week chi2 = " << x_how << " critical " << chi2_critical_0001(df_how));
  CHECK(x_how <= chi2_critical_0001(df_how));
  int df_month = 0;
  const double x_month = chi2(obs_month, exp_month, df_month);
  INFO("month chi2 = " << x_month << " critical " << chi2_critical_0001(df_month));
  CHECK(x_month <= chi2_critical_0001(df_month));
  int df_year = 0;
  const double x_year = chi2(obs_year, exp_year, df_year);
  INFO("annual totals chi2 = " << x_year << " critical " << chi2_critical_0001(df_year));
  CHECK(x_year <= chi2_critical_0001(df_year));
  // Sanity of the test itself: against a flat profile the shaped counts fail badly.
  double total = 0.0;
  for (const double n : obs_year) total += n;
  std::vector<double> flat(168, total / 168.0);
  int df_flat = 0;
  const double x_flat = chi2(obs_how, flat, df_flat);
  CHECK(x_flat > 10 * chi2_critical_0001(df_flat));
}

TEST_CASE("NHPP: annual totals, zero years and reuse of the last volume", "[engine][validation]") {
  const CivilCalendar c(2014, 4, 1);
  const std::vector<double> volumes = {5000, 0, 8000};
  NhppArrivals arr(c, test_profile(), volumes);
  std::vector<double> counts(5, 0.0);
  RandomStream rs(kSeed, 0, "arrivals/ucc");
  for (Time t = arr.next(0.0, rs); t < c.year_start(5); t = arr.next(t, rs)) {
    counts[static_cast<std::size_t>(c.year_index(t))] += 1;
  }
  CHECK(counts[1] == 0.0);
  for (int k : {0, 2, 3, 4}) {
    const double v = arr.annual_volume(k);
    INFO("year " << k << ": " << counts[static_cast<std::size_t>(k)] << " vs " << v);
    CHECK(std::abs(counts[static_cast<std::size_t>(k)] - v) <= kZ999 * std::sqrt(v));
  }
}

TEST_CASE("NHPP: zero volumes end the process", "[engine]") {
  const CivilCalendar c(2014, 4, 1);
  RandomStream rs(kSeed, 0, "arrivals/zero");
  NhppArrivals none(c, RateProfile{}, {0});
  CHECK(none.next(0, rs) == kForever);
  CHECK(none.next(-5, rs) == kForever);

  NhppArrivals one_year(c, RateProfile{}, {1000, 0});
  int n = 0;
  Time t = one_year.next(0, rs);
  Time last = 0;
  while (t != kForever) {
    ++n;
    last = t;
    REQUIRE(n < 100000);
    t = one_year.next(t, rs);
  }
  CHECK(last < c.year_start(1));
  CHECK(std::abs(n - 1000) <= kZ999 * std::sqrt(1000.0));
  CHECK(one_year.next(c.year_start(1), rs) == kForever);
  CHECK(one_year.next(kForever, rs) == kForever);

  NhppArrivals late(c, RateProfile{}, {0, 0, 500});
  const Time first = late.next(0, rs);
  CHECK(first >= c.year_start(2));
  CHECK(first < c.year_start(3));
}

TEST_CASE("NHPP: determinism and stream independence", "[engine]") {
  const CivilCalendar c(2014, 4, 1);
  auto run = [&c](const char* name) {
    NhppArrivals arr(c, test_profile(), {50000});
    RandomStream rs(kSeed, 0, name);
    std::vector<Time> v;
    for (Time t = arr.next(0, rs); v.size() < 2000; t = arr.next(t, rs)) v.push_back(t);
    return v;
  };
  const auto a = run("arrivals/ed");
  CHECK(a == run("arrivals/ed"));
  const auto b = run("arrivals/ucc");
  int same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] ? 1 : 0;
  CHECK(same == 0);
}

TEST_CASE("NHPP: invalid construction", "[engine]") {
  const CivilCalendar c(2014, 4, 1);
  CHECK_THROWS_AS(NhppArrivals(c, RateProfile{}, {}), std::invalid_argument);
  CHECK_THROWS_AS(NhppArrivals(c, RateProfile{}, {100, -1}), std::invalid_argument);
  RateProfile zero;
  zero.hour_of_week.fill(0.0);
  CHECK_THROWS_AS(NhppArrivals(c, zero, {100}), std::invalid_argument);
  RateProfile negative;
  negative.month_of_year[3] = -1.0;
  CHECK_THROWS_WITH(NhppArrivals(c, negative, {100}),
                    "NhppArrivals: month_of_year[3] must be finite and >= 0 (got -1)");
}
