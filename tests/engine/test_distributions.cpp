// Tests of carepath::engine::Distribution.
//
// Statistical tolerances. With n independent samples of a distribution with sd sigma, the sample
// mean is approximately N(mu, sigma^2/n), so its two-sided 99.9% confidence half-width is
// z * sigma / sqrt(n) with z = 3.2905 (the 0.9995 standard normal quantile); we use the sample
// sd for sigma. Likewise the sample variance has variance ~ (mu4 - sigma^4)/n (mu4 the fourth
// central moment, estimated from the same sample), giving half-width z*sqrt((mu4-s^4)/n).
// Kolmogorov-Smirnov: sqrt(n) * D_n -> Kolmogorov distribution, whose 0.999 quantile is 1.9495,
// so at alpha = 0.001 we reject if D_n > 1.9495 / sqrt(n). Chi-square critical values at
// alpha = 0.001 come from the Wilson-Hilferty approximation. Seeds are fixed, so each test is
// deterministic; a wrong sampler or a wrong analytic formula moves the estimate by far more than
// these half-widths (each check has 0.1% false-alarm probability for a fresh seed).
#include <carepath/engine/distributions.hpp>
#include <carepath/engine/ziggurat.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

using carepath::engine::Distribution;
using carepath::engine::EmpiricalKind;
using carepath::engine::RandomStream;

namespace {

constexpr double kZ999 = 3.2905;   // two-sided 99.9% normal quantile
constexpr double kKs999 = 1.9495;  // Kolmogorov distribution 0.999 quantile
constexpr std::uint64_t kSeed = 20240601;
constexpr double kInf = std::numeric_limits<double>::infinity();

/// Chi-square critical value at alpha = 0.001 (upper tail), Wilson-Hilferty:
/// X ~ df * (1 - 2/(9 df) + z sqrt(2/(9 df)))^3 with z = 3.0902 the one-sided 0.999 quantile.
double chi2_critical_0001(int df) {
  const double z = 3.090232306167813;
  const double h = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - h + z * std::sqrt(h), 3);
}

struct Moments {
  double mean = 0, var = 0, m4 = 0;
  std::size_t n = 0;
};

Moments sample_moments(const Distribution& d, const std::string& stream, std::size_t n) {
  RandomStream rs(kSeed, 0, stream);
  std::vector<double> xs(n);
  for (auto& x : xs) x = d.sample(rs);
  Moments m;
  m.n = n;
  for (double x : xs) m.mean += x;
  m.mean /= static_cast<double>(n);
  for (double x : xs) {
    const double c = (x - m.mean) * (x - m.mean);
    m.var += c;
    m.m4 += c * c;
  }
  m.var /= static_cast<double>(n - 1);
  m.m4 /= static_cast<double>(n);
  return m;
}

double mean_half_width(const Moments& m) {
  return kZ999 * std::sqrt(m.var / static_cast<double>(m.n));
}
double var_half_width(const Moments& m) {
  return kZ999 * std::sqrt((m.m4 - m.var * m.var) / static_cast<double>(m.n));
}

/// Kolmogorov-Smirnov statistic of n samples against `cdf`.
double ks_statistic(const Distribution& d, const std::string& stream, std::size_t n,
                    const std::function<double(double)>& cdf) {
  RandomStream rs(kSeed, 0, stream);
  std::vector<double> xs(n);
  for (auto& x : xs) x = d.sample(rs);
  std::sort(xs.begin(), xs.end());
  double dmax = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double f = cdf(xs[i]);
    dmax = std::max({dmax, static_cast<double>(i + 1) / static_cast<double>(n) - f,
                     f - static_cast<double>(i) / static_cast<double>(n)});
  }
  return dmax;
}

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

/// Regularised lower incomplete gamma P(a, x) by its power series (fine for the x used here).
double gamma_p(double a, double x) {
  if (x <= 0.0) return 0.0;
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < 10000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (term < sum * 1e-16) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

struct MeanCase {
  const char* name;
  Distribution dist;
  double analytic_mean;                                            // computed by hand
  double analytic_var = std::numeric_limits<double>::quiet_NaN();  // NaN: not checked
};

std::vector<MeanCase> mean_cases() {
  const double ln_sigma = std::log(5.0) / 1.6448536269514722;  // lognormal(median=4, p95=20)
  const double weib_m = 2.0 * std::tgamma(1.0 + 1.0 / 1.5);
  const double weib_v = 4.0 * std::tgamma(1.0 + 2.0 / 1.5) - weib_m * weib_m;
  // Truncated exponential(mean 2) on [1, 3]: 1 + E[Y | Y <= 2], Y ~ Exp(mean 2):
  // E[Y | Y <= w] = m - w e^{-w/m} / (1 - e^{-w/m}).
  const double tex = 1.0 + 2.0 - 2.0 * std::exp(-1.0) / (1.0 - std::exp(-1.0));
  // Truncated N(0,1) on [-0.5, 1.5]: (phi(-0.5) - phi(1.5)) / (Phi(1.5) - Phi(-0.5)).
  auto pdf = [](double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi); };
  const double tn = (pdf(-0.5) - pdf(1.5)) / (normal_cdf(1.5) - normal_cdf(-0.5));
  return {
      {"fixed", Distribution::fixed(3.5), 3.5, 0.0},
      {"exponential", Distribution::exponential(4.0), 4.0, 16.0},
      {"uniform", Distribution::uniform(2.0, 10.0), 6.0, 64.0 / 12.0},
      {"triangular", Distribution::triangular(1.0, 2.0, 6.0), 3.0, 21.0 / 18.0},
      // Beta(1.8, 4.2) on [0, 10]: var = 100 * a b / ((a+b)^2 (a+b+1)) = 756/252 = 3.
      {"pert", Distribution::pert(0.0, 2.0, 10.0), 3.0, 3.0},
      {"normal", Distribution::normal(5.0, 2.0), 5.0, 4.0},
      {"lognormal_mean_sd", Distribution::lognormal_mean_sd(6.0, 9.0), 6.0},
      {"lognormal_median_p95", Distribution::lognormal_median_p95(4.0, 20.0),
       4.0 * std::exp(0.5 * ln_sigma * ln_sigma)},
      {"gamma_cv_half", Distribution::gamma_mean_cv(3.0, 0.5), 3.0, 2.25},
      {"gamma_cv_two", Distribution::gamma_mean_cv(3.0, 2.0), 3.0, 36.0},  // shape 0.25 boost
      {"weibull", Distribution::weibull(1.5, 2.0), weib_m, weib_v},
      {"erlang", Distribution::erlang(3, 6.0), 6.0, 12.0},
      {"empirical_discrete", Distribution::empirical_discrete({1, 2, 5}, {0.2, 0.5, 0.3}), 2.7,
       2.41},
      // Segments [0,1] with mass 0.5 and [1,3] with mass 0.5: mean 0.25 + 1.
      {"empirical_continuous", Distribution::empirical_continuous({0, 1, 3}, {0, 0.5, 1}), 1.25},
      {"mixture",
       Distribution::mixture({1, 3}, {Distribution::fixed(2), Distribution::exponential(4)}),
       0.25 * 2 + 0.75 * 4},
      {"truncated_normal", Distribution::truncated(Distribution::normal(0, 1), -0.5, 1.5), tn},
      {"truncated_halfnormal", Distribution::truncated(Distribution::normal(0, 1), 0, kInf),
       std::sqrt(2.0 / std::numbers::pi)},
      {"truncated_exponential", Distribution::truncated(Distribution::exponential(2), 1, 3), tex},
  };
}

}  // namespace

TEST_CASE("Distribution sample means match the analytic means", "[engine][validation]") {
  constexpr std::size_t kN = 200000;
  for (const auto& c : mean_cases()) {
    INFO(c.name << ": " << c.dist.describe());
    // mean() is the analytic formula; it must agree with the hand-computed value.
    CHECK(c.dist.mean() == Approx(c.analytic_mean).epsilon(1e-12));
    const Moments m = sample_moments(c.dist, std::string("mean/") + c.name, kN);
    INFO("sample mean " << m.mean << ", half-width " << mean_half_width(m));
    CHECK(std::abs(m.mean - c.analytic_mean) <= mean_half_width(m) + 1e-12);
    if (!std::isnan(c.analytic_var)) {
      INFO("sample var " << m.var << ", half-width " << var_half_width(m));
      CHECK(std::abs(m.var - c.analytic_var) <= var_half_width(m) + 1e-12);
    }
  }
}

TEST_CASE("Truncated mean without a closed form is a Monte Carlo estimate",
          "[engine][validation]") {
  // mean() of a truncated gamma uses 200000 samples of an internal stream; our check uses
  // another 200000. The difference of the two means has sd sigma * sqrt(1/n1 + 1/n2).
  const auto d = Distribution::truncated(Distribution::gamma_mean_cv(3.0, 0.5), 1.0, 4.0);
  const Moments m = sample_moments(d, "truncated-gamma", 200000);
  const double half = kZ999 * std::sqrt(m.var * (1.0 / 200000 + 1.0 / 200000));
  CHECK(std::abs(d.mean() - m.mean) <= half);
  CHECK(d.mean() > 1.0);
  CHECK(d.mean() < 4.0);
}

TEST_CASE("Distribution samples follow the CDF (Kolmogorov-Smirnov)", "[engine][validation]") {
  constexpr std::size_t kN = 50000;
  const double crit = kKs999 / std::sqrt(static_cast<double>(kN));
  struct KsCase {
    const char* name;
    Distribution dist;
    std::function<double(double)> cdf;
  };
  const double ln_mu = std::log(6.0) - 0.5 * std::log1p(9.0 / 4.0);
  const double ln_sigma = std::sqrt(std::log1p(9.0 / 4.0));
  const std::vector<KsCase> cases = {
      {"normal", Distribution::normal(5, 2), [](double x) { return normal_cdf((x - 5) / 2); }},
      {"exponential", Distribution::exponential(4),
       [](double x) { return x <= 0 ? 0.0 : 1.0 - std::exp(-x / 4); }},
      {"lognormal", Distribution::lognormal_mean_sd(6, 9),
       [=](double x) { return x <= 0 ? 0.0 : normal_cdf((std::log(x) - ln_mu) / ln_sigma); }},
      {"weibull", Distribution::weibull(1.5, 2),
       [](double x) { return x <= 0 ? 0.0 : 1.0 - std::exp(-std::pow(x / 2, 1.5)); }},
      {"triangular", Distribution::triangular(1, 2, 6),
       [](double x) {
         if (x <= 1) return 0.0;
         if (x <= 2) return (x - 1) * (x - 1) / (5.0 * 1.0);
         if (x < 6) return 1.0 - (6 - x) * (6 - x) / (5.0 * 4.0);
         return 1.0;
       }},
      {"gamma_shape4", Distribution::gamma_mean_cv(3, 0.5),
       [](double x) { return gamma_p(4.0, x / 0.75); }},
      {"gamma_shape_quarter", Distribution::gamma_mean_cv(3, 2),
       [](double x) { return gamma_p(0.25, x / 12.0); }},
      {"erlang", Distribution::erlang(3, 6), [](double x) { return gamma_p(3.0, x / 2.0); }},
      {"empirical_continuous", Distribution::empirical_continuous({0, 1, 3}, {0, 0.5, 1}),
       [](double x) {
         if (x <= 0) return 0.0;
         if (x <= 1) return 0.5 * x;
         if (x < 3) return 0.5 + 0.25 * (x - 1);
         return 1.0;
       }},
  };
  for (const auto& c : cases) {
    const double dn = ks_statistic(c.dist, std::string("ks/") + c.name, kN, c.cdf);
    INFO(c.name << ": D = " << dn << ", critical " << crit);
    CHECK(dn <= crit);
  }
}

TEST_CASE("The ziggurat samplers: 1024-bin chi-square, tails and symmetry",
          "[engine][validation]") {
  // 4 million draws of Exp(1) and N(0, 1): the probability-integral transform F(x) falls in
  // 1024 equal bins (chi-square, df 1023); the mass beyond the last layer boundary r (drawn by
  // the tail methods) and in the far tail, and the normal's sign, are binomial counts checked
  // at 99.9%. A layer, wedge or tail drawn with the wrong law moves these counts.
  constexpr int kN = 4000000;
  constexpr int kBins = 1024;
  auto binomial_ok = [](int count, double p) {
    const double mean = kN * p;
    const double sd = std::sqrt(kN * p * (1.0 - p));
    INFO("count " << count << ", expected " << mean << " +- " << kZ999 * sd);
    CHECK(std::abs(count - mean) <= kZ999 * sd);
  };
  auto chi2_of = [](const std::vector<int>& counts) {
    const double e = static_cast<double>(kN) / kBins;
    double chi2 = 0.0;
    for (const int c : counts) chi2 += (c - e) * (c - e) / e;
    return chi2;
  };
  {
    RandomStream rs(kSeed, 0, "ziggurat/exponential");
    std::vector<int> bins(kBins, 0);
    int beyond_r = 0;
    int beyond_12 = 0;
    double sum = 0.0;
    for (int i = 0; i < kN; ++i) {
      const double x = carepath::engine::ziggurat::exponential(rs);
      REQUIRE(x >= 0.0);
      sum += x;
      const double f = -std::expm1(-x);
      ++bins[std::min(kBins - 1, static_cast<int>(f * kBins))];
      beyond_r += x > carepath::engine::ziggurat::kExponentialR ? 1 : 0;
      beyond_12 += x > 12.0 ? 1 : 0;
    }
    const double chi2 = chi2_of(bins);
    INFO("exponential: chi2 " << chi2 << ", critical " << chi2_critical_0001(kBins - 1));
    CHECK(chi2 <= chi2_critical_0001(kBins - 1));
    CHECK(std::abs(sum / kN - 1.0) <= kZ999 / std::sqrt(static_cast<double>(kN)));
    binomial_ok(beyond_r, std::exp(-carepath::engine::ziggurat::kExponentialR));
    binomial_ok(beyond_12, std::exp(-12.0));
  }
  {
    RandomStream rs(kSeed, 0, "ziggurat/normal");
    std::vector<int> bins(kBins, 0);
    int above_r = 0;
    int below_minus_r = 0;
    int negative = 0;
    double sum = 0.0;
    double sum2 = 0.0;
    for (int i = 0; i < kN; ++i) {
      const double z = carepath::engine::ziggurat::normal(rs);
      sum += z;
      sum2 += z * z;
      ++bins[std::min(kBins - 1, static_cast<int>(normal_cdf(z) * kBins))];
      above_r += z > carepath::engine::ziggurat::kNormalR ? 1 : 0;
      below_minus_r += z < -carepath::engine::ziggurat::kNormalR ? 1 : 0;
      negative += z < 0.0 ? 1 : 0;
    }
    const double chi2 = chi2_of(bins);
    INFO("normal: chi2 " << chi2 << ", critical " << chi2_critical_0001(kBins - 1));
    CHECK(chi2 <= chi2_critical_0001(kBins - 1));
    CHECK(std::abs(sum / kN) <= kZ999 / std::sqrt(static_cast<double>(kN)));
    // Var(Z^2) = 2.
    CHECK(std::abs(sum2 / kN - 1.0) <= kZ999 * std::sqrt(2.0 / kN));
    const double tail = 0.5 * std::erfc(carepath::engine::ziggurat::kNormalR / std::numbers::sqrt2);
    binomial_ok(above_r, tail);
    binomial_ok(below_minus_r, tail);
    binomial_ok(negative, 0.5);
  }
}

TEST_CASE("Empirical discrete frequencies (chi-square)", "[engine][validation]") {
  const std::vector<double> values = {1, 2, 5, 7};
  const std::vector<double> probs = {0.2, 0.5, 0.0, 0.3};
  const auto d = Distribution::empirical_discrete(values, probs);
  RandomStream rs(kSeed, 0, "chi2/discrete");
  constexpr int kN = 100000;
  std::vector<int> counts(values.size(), 0);
  int others = 0;
  for (int i = 0; i < kN; ++i) {
    const double x = d.sample(rs);
    const auto it = std::find(values.begin(), values.end(), x);
    if (it == values.end()) {
      ++others;
    } else {
      ++counts[static_cast<std::size_t>(it - values.begin())];
    }
  }
  CHECK(others == 0);
  CHECK(counts[2] == 0);  // zero probability is never drawn
  // Multinomial with 3 positive cells: chi-square with 2 degrees of freedom.
  double chi2 = 0.0;
  int cells = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (probs[i] == 0.0) continue;
    const double e = kN * probs[i];
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
    ++cells;
  }
  INFO("chi2 = " << chi2);
  CHECK(chi2 <= chi2_critical_0001(cells - 1));
}

TEST_CASE("Wilson-Hilferty critical values are close to the tables", "[engine]") {
  // Tabulated chi-square 0.999 quantiles: df=10 -> 29.588, df=100 -> 149.449.
  CHECK(chi2_critical_0001(10) == Approx(29.588).epsilon(0.01));
  CHECK(chi2_critical_0001(100) == Approx(149.449).epsilon(0.002));
}

TEST_CASE("Invalid parameters throw with a clear message", "[engine]") {
  using D = Distribution;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(D::lognormal_mean_sd(6, -1), "lognormal: sd must be > 0 (got -1)");
  CHECK_THROWS_WITH(D::lognormal_mean_sd(0, 1), "lognormal: mean must be > 0 (got 0)");
  CHECK_THROWS_WITH(D::lognormal_median_p95(3, 2),
                    "lognormal: p95 must be > median (got p95=2, median=3)");
  CHECK_THROWS_WITH(D::fixed(kInf), "fixed: value must be finite (got inf)");
  CHECK_THROWS_WITH(D::exponential(0), "exponential: mean must be > 0 (got 0)");
  CHECK_THROWS_WITH(D::exponential(nan), "exponential: mean must be finite (got nan)");
  CHECK_THROWS_WITH(D::uniform(3, 1), "uniform: max must be > min (got min=3, max=1)");
  CHECK_THROWS_WITH(D::triangular(0, 7, 5), "triangular: mode must be within [0, 5] (got 7)");
  CHECK_THROWS_WITH(D::pert(5, 5, 5), "pert: max must be > min (got min=5, max=5)");
  CHECK_THROWS_WITH(D::normal(0, 0), "normal: sd must be > 0 (got 0)");
  CHECK_THROWS_WITH(D::gamma_mean_cv(1, -0.5), "gamma: cv must be > 0 (got -0.5)");
  CHECK_THROWS_WITH(D::weibull(0, 1), "weibull: shape must be > 0 (got 0)");
  CHECK_THROWS_WITH(D::weibull(1, -2), "weibull: scale must be > 0 (got -2)");
  CHECK_THROWS_WITH(D::erlang(0, 5), "erlang: k must be >= 1 (got 0)");
  CHECK_THROWS_WITH(D::empirical_discrete({1, 2}, {0.5, 0.4}),
                    "empirical_discrete: probs must sum to 1 within 1e-9 (got 0.9)");
  CHECK_THROWS_WITH(D::empirical_discrete({1, 2}, {1.5, -0.5}),
                    "empirical_discrete: probs[1] must be >= 0 (got -0.5)");
  CHECK_THROWS_WITH(D::empirical_discrete({1, 2, 3}, {1}),
                    "empirical_discrete: values and probs must have the same size (got 3 and 1)");
  CHECK_THROWS_WITH(D::empirical_continuous({0, 2, 1}, {0, 0.5, 1}),
                    "empirical_continuous: x must be non-decreasing (got x[2]=1 after 2)");
  CHECK_THROWS_WITH(D::empirical_continuous({0, 1}, {0.1, 1}),
                    "empirical_continuous: cdf must start at 0 (got 0.1)");
  CHECK_THROWS_WITH(D::empirical_continuous({0, 1}, {0, 0.9}),
                    "empirical_continuous: cdf must end at 1 (got 0.9)");
  CHECK_THROWS_WITH(D::empirical_continuous({0, 1, 2}, {0, 0.7, 0.6}),
                    "empirical_continuous: cdf must be non-decreasing (got cdf[2]=0.6 after 0.7)");
  CHECK_THROWS_WITH(D::mixture({-1, 2}, {D::fixed(1), D::fixed(2)}),
                    "mixture: weights[0] must be >= 0 (got -1)");
  CHECK_THROWS_WITH(D::mixture({0, 0}, {D::fixed(1), D::fixed(2)}),
                    "mixture: weights must have a positive sum (got 0)");
  CHECK_THROWS_WITH(D::truncated(D::normal(0, 1), 2, 1),
                    "truncated: max must be > min (got min=2, max=1)");
  CHECK_THROWS_WITH(D::exponential(1).scaled(0), "scaled: factor must be > 0 (got 0)");
  CHECK_THROWS_AS(D::normal(0, -1), std::invalid_argument);
  // Valid edge cases do not throw.
  CHECK_NOTHROW(D::triangular(0, 0, 5));
  CHECK_NOTHROW(D::empirical_discrete({1, 2}, {0.5, 0.5 + 1e-10}));
}

TEST_CASE("Truncation respects the bounds", "[engine]") {
  const auto d = Distribution::truncated(Distribution::normal(0, 1), -0.5, 1.5);
  RandomStream rs(kSeed, 0, "truncated/bounds");
  double lo = kInf;
  double hi = -kInf;
  for (int i = 0; i < 100000; ++i) {
    const double x = d.sample(rs);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  CHECK(lo >= -0.5);
  CHECK(hi <= 1.5);
  // The density is positive at both bounds: 1e5 samples come within 1e-3 of each (each
  // window has probability ~1e-4 per sample, so missing it has probability ~e^-10).
  CHECK(lo < -0.499);
  CHECK(hi > 1.499);
}

TEST_CASE("Truncation with ~0 mass fails clearly", "[engine]") {
  const auto d = Distribution::truncated(Distribution::normal(0, 1), 50, 60);
  RandomStream rs(kSeed, 0, "truncated/empty");
  CHECK_THROWS_AS(d.sample(rs), std::runtime_error);
  CHECK_THROWS_WITH(d.sample(rs),
                    "truncated: 10000 consecutive samples of normal(mean=0, sd=1) fell outside "
                    "[50, 60]; its mass in the bounds is ~0");
  CHECK_THROWS_AS(d.mean(), std::runtime_error);
}

TEST_CASE("scaled() multiplies every sample by the factor", "[engine]") {
  const double f = 0.37;
  for (const auto& c : mean_cases()) {
    INFO(c.name);
    const Distribution s = c.dist.scaled(f);
    CHECK(s.mean() == Approx(f * c.dist.mean()).epsilon(1e-9));
    RandomStream a(kSeed, 0, "scaled");
    RandomStream b(kSeed, 0, "scaled");
    for (int i = 0; i < 1000; ++i) {
      const double x = c.dist.sample(a);
      const double y = s.sample(b);
      REQUIRE(y == Approx(f * x).epsilon(1e-9).margin(1e-12));
    }
  }
  CHECK(Distribution::lognormal_mean_sd(6, 9).scaled(0.5).describe() ==
        "lognormal(mean=3, sd=4.5)");
  CHECK(Distribution::truncated(Distribution::exponential(2), 1, 3).scaled(2).describe() ==
        "truncated(exponential(mean=4), min=2, max=6)");
}

TEST_CASE("describe() names the distribution and its parameters", "[engine]") {
  using D = Distribution;
  CHECK(D::lognormal_mean_sd(6, 9).describe() == "lognormal(mean=6, sd=9)");
  CHECK(D::lognormal_median_p95(4, 20).describe() == "lognormal(median=4, p95=20)");
  CHECK(D::fixed(2.5).describe() == "fixed(2.5)");
  CHECK(D::exponential(4).describe() == "exponential(mean=4)");
  CHECK(D::pert(1, 2, 6).describe() == "pert(min=1, mode=2, max=6)");
  CHECK(D::gamma_mean_cv(3, 0.5).describe() == "gamma(mean=3, cv=0.5)");
  CHECK(D::erlang(3, 6).describe() == "erlang(k=3, mean=6)");
  CHECK(D::empirical_discrete({1, 2}, {0.25, 0.75}).describe() ==
        "empirical_discrete(1:0.25, 2:0.75)");
  CHECK(D::mixture({1, 3}, {D::fixed(2), D::exponential(4)}).describe() ==
        "mixture(0.25*fixed(2) + 0.75*exponential(mean=4))");
  CHECK(D().describe() == "fixed(0)");
}

TEST_CASE("Same seed gives identical sequences, other streams differ", "[engine]") {
  for (const auto& c : mean_cases()) {
    INFO(c.name);
    RandomStream a(kSeed, 3, "service/ed");
    RandomStream b(kSeed, 3, "service/ed");
    for (int i = 0; i < 1000; ++i) REQUIRE(c.dist.sample(a) == c.dist.sample(b));
  }
  const auto d = Distribution::exponential(5);
  auto draw = [&d](std::uint64_t seed, std::uint64_t rep, const char* name) {
    RandomStream rs(seed, rep, name);
    std::vector<double> v(1000);
    for (auto& x : v) x = d.sample(rs);
    return v;
  };
  const auto base = draw(kSeed, 0, "service/ed");
  auto count_equal = [&base](const std::vector<double>& other) {
    int n = 0;
    for (std::size_t i = 0; i < base.size(); ++i) n += base[i] == other[i] ? 1 : 0;
    return n;
  };
  CHECK(count_equal(draw(kSeed, 0, "service/ed")) == 1000);
  CHECK(count_equal(draw(kSeed, 0, "service/ucc")) == 0);
  CHECK(count_equal(draw(kSeed, 1, "service/ed")) == 0);
  CHECK(count_equal(draw(kSeed + 1, 0, "service/ed")) == 0);
}

TEST_CASE("A substream's first draw, without the stream, is the stream's", "[engine]") {
  // RandomStream::substream_first and Distribution::sample_first / sample_substream skip building
  // the stream: they must give exactly the numbers sample() draws from it, for every law.
  const std::uint64_t keys[] = {0, 1, RandomStream::key(kSeed, 2, "service/ed"),
                                0xffffffffffffffffULL};
  for (const std::uint64_t key : keys) {
    for (std::uint64_t entity : {0ULL, 7ULL, (1ULL << 40) | 12345ULL}) {
      for (std::uint64_t step = 0; step < 50; ++step) {
        RandomStream s = RandomStream::substream(key, entity, step);
        RandomStream t = s;
        REQUIRE(RandomStream::substream_first(key, entity, step) == s.next_u64());
        REQUIRE(RandomStream::substream_uniform(key, entity, step) == t.uniform());
      }
    }
  }
  // The exponential (a ziggurat) usually needs one word, not always: sample_substream builds
  // the stream when it needs more; the loop below takes that path about 22 times in 2000.
  const std::vector<std::string> one_draw = {
      "fixed", "uniform", "triangular", "weibull", "empirical_discrete", "empirical_continuous"};
  for (const auto& c : mean_cases()) {
    INFO(c.name);
    const bool expect_one = std::find(one_draw.begin(), one_draw.end(), c.name) != one_draw.end();
    CHECK(c.dist.one_draw() == expect_one);
    const std::uint64_t key = RandomStream::key(kSeed, 0, std::string("service/") + c.name);
    for (std::uint64_t i = 0; i < 2000; ++i) {
      const std::uint64_t entity = i * 2654435761ULL;
      const std::uint64_t step = i % 7;
      RandomStream rs = RandomStream::substream(key, entity, step);
      const double expected = c.dist.sample(rs);
      REQUIRE(c.dist.sample_substream(key, entity, step) == expected);
      if (expect_one) {
        REQUIRE(c.dist.sample_first(RandomStream::substream_first(key, entity, step)) == expected);
      }
    }
  }
  int longer = 0;
  const std::uint64_t key = RandomStream::key(kSeed, 0, "service/exponential");
  for (std::uint64_t i = 0; i < 2000; ++i) {
    double x = 0.0;
    longer += carepath::engine::ziggurat::exponential_first(
                  RandomStream::substream_first(key, i * 2654435761ULL, i % 7), x)
                  ? 0
                  : 1;
  }
  CHECK(longer > 5);
  CHECK_THROWS_WITH(Distribution::normal(0, 1).sample_first(1),
                    Catch::Contains("draws more than one uniform"));
  CHECK_THROWS_WITH(Distribution::exponential(1).sample_first(1),
                    Catch::Contains("draws more than one uniform"));
}

TEST_CASE("Distribution is a cheap value type", "[engine]") {
  const auto d = Distribution::empirical_discrete({1, 2}, {0.5, 0.5});
  const Distribution copy = d;  // NOLINT(performance-unnecessary-copy-initialization): tested
  const auto& p1 = std::get<Distribution::EmpiricalDiscrete>(d.params());
  const auto& p2 = std::get<Distribution::EmpiricalDiscrete>(copy.params());
  CHECK(p1.values.get() == p2.values.get());
  CHECK(sizeof(Distribution) <= 64);
}

namespace {
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("carepath_test_distributions_" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    const auto p = path / name;
    std::ofstream(p) << text;
    return p.string();
  }
};
}  // namespace

TEST_CASE("from_csv reads discrete and continuous tables", "[engine]") {
  const TempDir dir;
  const auto disc = dir.write("disc.csv", "value,prob\n1,0.25\n\n# comment\n2, 0.75\r\n");
  const auto d = Distribution::from_csv(disc, EmpiricalKind::kDiscrete);
  CHECK(d.mean() == Approx(1.75));
  CHECK(d.describe() == "empirical_discrete(1:0.25, 2:0.75)");

  const auto cont = dir.write("cont.csv", "0,0\n4,0.5\n10,1\n");  // no header
  const auto c = Distribution::from_csv(cont, EmpiricalKind::kContinuous);
  CHECK(c.mean() == Approx(0.5 * 2 + 0.5 * 7));

  const auto bad_row = dir.write("bad_row.csv", "value,prob\n1,0.5\nabc,0.5\n");
  CHECK_THROWS_WITH(Distribution::from_csv(bad_row, EmpiricalKind::kDiscrete),
                    bad_row + ":3: expected two numeric columns 'value,prob' (got 'abc,0.5')");
  const auto neg = dir.write("neg.csv", "value,prob\n1,1.5\n2,-0.5\n");
  CHECK_THROWS_WITH(Distribution::from_csv(neg, EmpiricalKind::kDiscrete),
                    neg + ":3: prob must be >= 0 (got -0.5)");
  const auto sum = dir.write("sum.csv", "1,0.5\n2,0.3\n");
  CHECK_THROWS_WITH(Distribution::from_csv(sum, EmpiricalKind::kDiscrete),
                    sum + ": empirical_discrete: probs must sum to 1 within 1e-9 (got 0.8)");
  const auto dec = dir.write("dec.csv", "x,cdf\n0,0\n5,0.6\n4,1\n");
  CHECK_THROWS_WITH(Distribution::from_csv(dec, EmpiricalKind::kContinuous),
                    dec + ":4: x must be non-decreasing (got 4 after 5)");
  const auto three = dir.write("three.csv", "x,cdf\n0,0,1\n");
  CHECK_THROWS_WITH(Distribution::from_csv(three, EmpiricalKind::kContinuous),
                    three + ":2: expected two numeric columns 'x,cdf' (got '0,0,1')");
  const auto empty = dir.write("empty.csv", "value,prob\n");
  CHECK_THROWS_WITH(Distribution::from_csv(empty, EmpiricalKind::kDiscrete),
                    empty + ": no data rows");
  CHECK_THROWS_AS(
      Distribution::from_csv((dir.path / "missing.csv").string(), EmpiricalKind::kDiscrete),
      std::runtime_error);
}
