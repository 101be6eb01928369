// Statistics against textbook values.
#include <carepath/outputs/stats.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace carepath::outputs;
using Catch::Matchers::WithinAbs;

TEST_CASE("t quantiles match the textbook table", "[outputs][stats]") {
  // t(0.975, df): printed tables (e.g. Montgomery, Table A.4) give 3 decimals; the long values
  // are the exact quantiles to 15 significant digits (qt(0.975, df) in R).
  struct Row {
    double df;
    double table;
    double exact;
  };
  const Row rows[] = {{1, 12.706, 12.7062047361747}, {2, 4.303, 4.30265272974946},
                      {5, 2.571, 2.57058183563631},  {9, 2.262, 2.26215716279821},
                      {10, 2.228, 2.22813885198627}, {30, 2.042, 2.04227245630124},
                      {120, 1.980, 1.97993040508242}};
  for (const auto& r : rows) {
    INFO("df = " << r.df);
    const double t = student_t_quantile(0.975, r.df);
    CHECK_THAT(t, WithinAbs(r.table, 5e-4));
    CHECK_THAT(t, WithinAbs(r.exact, 1e-9));
  }
  // 99% two-sided, and symmetry.
  CHECK_THAT(student_t_quantile(0.995, 10), WithinAbs(3.16927267261695, 1e-9));
  CHECK_THAT(student_t_quantile(0.995, 1), WithinAbs(63.6567411628716, 1e-7));
  CHECK_THAT(student_t_quantile(0.025, 9), WithinAbs(-2.26215716279821, 1e-9));
  CHECK(student_t_quantile(0.5, 7) == 0.0);
  // Large df tends to the normal quantile 1.959963984540054.
  CHECK_THAT(student_t_quantile(0.975, 1e7), WithinAbs(1.959963984540054, 1e-6));
  CHECK(std::isnan(student_t_quantile(1.0, 5)));
  CHECK(std::isnan(student_t_quantile(0.9, 0)));
}

TEST_CASE("t CDF inverts the quantile, also for non-integer df", "[outputs][stats]") {
  for (const double df : {1.0, 1.5, 2.0, 3.3, 7.0, 17.776, 60.0, 500.0}) {
    for (const double p : {0.001, 0.025, 0.1, 0.4, 0.6, 0.9, 0.975, 0.999}) {
      INFO("df = " << df << ", p = " << p);
      CHECK_THAT(student_t_cdf(student_t_quantile(p, df), df), WithinAbs(p, 1e-12));
    }
  }
  // I_0.5(2, 3) = sum_{j=2..4} C(4,j) / 16 = (6 + 4 + 1) / 16.
  CHECK_THAT(incomplete_beta(0.5, 2, 3), WithinAbs(11.0 / 16.0, 1e-14));
  // t with 1 df is Cauchy: F(1) = 3/4.
  CHECK_THAT(student_t_cdf(1.0, 1.0), WithinAbs(0.75, 1e-14));
}

TEST_CASE("summarise: mean, sd, CI", "[outputs][stats]") {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squared deviations 32, sd = sqrt(32/7).
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  const Summary s = summarise(v);
  CHECK(s.n == 8);
  CHECK_THAT(s.mean, WithinAbs(5.0, 1e-15));
  CHECK_THAT(s.sd, WithinAbs(std::sqrt(32.0 / 7.0), 1e-14));
  // half-width = t(0.975, 7) * sd / sqrt(8), t(0.975, 7) = 2.36462425159278
  CHECK_THAT(s.half_width,
             WithinAbs(2.36462425159278 * std::sqrt(32.0 / 7.0) / std::sqrt(8.0), 1e-9));
  CHECK_THAT(s.ci_low, WithinAbs(5.0 - s.half_width, 1e-15));
  CHECK_THAT(s.ci_high, WithinAbs(5.0 + s.half_width, 1e-15));

  const Summary one = summarise(std::vector<double>{3.5});
  CHECK(one.n == 1);
  CHECK(one.mean == 3.5);
  CHECK(std::isnan(one.sd));
  CHECK(std::isnan(one.half_width));
  CHECK(std::isnan(summarise(std::vector<double>{}).mean));
  const Summary flat = summarise(std::vector<double>{2, 2, 2});
  CHECK(flat.sd == 0);
  CHECK(flat.half_width == 0);
}

TEST_CASE("paired comparison: Student's sleep data", "[outputs][stats]") {
  // Cushny & Peebles (1905) as analysed by Student (1908), R's `sleep` data: extra hours of sleep
  // of 10 patients under drug 1 (a) and drug 2 (b). Published paired t-test (R:
  // t.test(extra ~ group, sleep, paired = TRUE)): t = -4.0621, df = 9, 95% CI of
  // (drug 1 - drug 2) = (-2.4598858, -0.7001142); Welch: df = 17.776, CI (-3.3654832, 0.2054832).
  //
  // By hand, for b - a: differences 1.2 2.4 1.3 1.3 0.0 1.0 1.8 0.8 4.6 1.4, sum 15.8, mean 1.58;
  // squared deviations from 1.58 sum to 13.616, so var_d = 13.616 / 9 = 1.512889, sd_d =
  // 1.2299955, se = sd_d / sqrt(10) = 0.3889587, t = 1.58 / 0.3889587 = 4.062128,
  // half-width = t(0.975, 9) se = 2.2621572 * 0.3889587 = 0.8798858 -> CI (0.7001142, 2.4598858).
  // Unpaired: s_a^2 = 3.2005556, s_b^2 = 4.0090000, var_unpaired = (3.2005556 + 4.009) / 10 =
  // 0.72095556, variance reduction = 1 - 0.1512889 / 0.72095556 = 0.7901550.
  const std::vector<double> a{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
  const std::vector<double> b{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};
  const PairedComparison c = paired_comparison(a, b);
  CHECK(c.n == 10);
  CHECK_THAT(c.mean_a, WithinAbs(0.75, 1e-12));
  CHECK_THAT(c.mean_b, WithinAbs(2.33, 1e-12));
  CHECK_THAT(c.mean_diff, WithinAbs(1.58, 1e-12));
  CHECK_THAT(c.sd_diff, WithinAbs(std::sqrt(13.616 / 9.0), 1e-12));
  CHECK_THAT(c.t_statistic, WithinAbs(4.0621277, 1e-6));
  CHECK_THAT(c.paired_low, WithinAbs(0.7001142, 1e-6));
  CHECK_THAT(c.paired_high, WithinAbs(2.4598858, 1e-6));
  CHECK_THAT(c.welch_df, WithinAbs(17.776, 1e-3));
  CHECK_THAT(c.welch_low, WithinAbs(-0.2054832, 1e-6));
  CHECK_THAT(c.welch_high, WithinAbs(3.3654832, 1e-6));
  CHECK_THAT(c.variance_reduction, WithinAbs(0.7901550, 1e-6));
  // Pairing gives the narrower interval here (positive correlation between patients).
  CHECK(c.paired_half_width < c.welch_half_width);

  // Swapping a and b mirrors everything.
  const PairedComparison m = paired_comparison(b, a);
  CHECK_THAT(m.paired_low, WithinAbs(-c.paired_high, 1e-12));
  CHECK_THAT(m.variance_reduction, WithinAbs(c.variance_reduction, 1e-12));
}

TEST_CASE("paired comparison: no correlation means no variance reduction", "[outputs][stats]") {
  // b - a with a, b uncorrelated by construction (orthogonal centred patterns): cov = 0.
  const std::vector<double> a{1, -1, 1, -1};
  const std::vector<double> b{1, 1, -1, -1};
  const PairedComparison c = paired_comparison(a, b);
  CHECK_THAT(c.variance_reduction, WithinAbs(0.0, 1e-14));
  // Identical scenarios: differences all 0, CI [0, 0], variance reduction 1.
  const PairedComparison same = paired_comparison(a, a);
  CHECK(same.mean_diff == 0);
  CHECK(same.paired_half_width == 0);
  CHECK_THAT(same.variance_reduction, WithinAbs(1.0, 1e-14));
  // Perfect negative correlation doubles the variance: reduction -1.
  const std::vector<double> neg{-1, 1, -1, 1};
  CHECK_THAT(paired_comparison(a, neg).variance_reduction, WithinAbs(-1.0, 1e-14));
}
