#pragma once
// Plain statistics for replication output: means, standard deviations, Student-t confidence
// intervals and paired (common-random-numbers) scenario comparisons. No HDF5, no I/O.
//
// Conventions
//  * sd is the sample standard deviation (divisor n - 1).
//  * A CI is mean +/- t(1 - alpha/2, df) * se with se = sd / sqrt(n), df = n - 1.
//  * With fewer than two values sd, the half-width and the CI bounds are NaN (not 0): one
//    replication says nothing about spread, and NaN keeps that visible in tables and files.
//  * The t quantile is carepath's own (exact incomplete-beta CDF inverted by safeguarded Newton
//    steps), accurate to ~1e-12 for df >= 1, and accepts non-integer df (Welch).
#include <cstddef>
#include <span>

namespace carepath::outputs {

/// Arithmetic mean; NaN for no values.
[[nodiscard]] double mean(std::span<const double> values);
/// Sample standard deviation (n - 1 divisor); NaN for fewer than two values.
[[nodiscard]] double sd(std::span<const double> values);
/// Sample variance (n - 1 divisor); NaN for fewer than two values.
[[nodiscard]] double variance(std::span<const double> values);

/// CDF of Student's t distribution with `df` > 0 degrees of freedom.
[[nodiscard]] double student_t_cdf(double t, double df);
/// Quantile of Student's t: the t with P(T <= t) = p, for 0 < p < 1 and df > 0.
[[nodiscard]] double student_t_quantile(double p, double df);
/// Regularised incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1.
[[nodiscard]] double incomplete_beta(double x, double a, double b);

/// Half-width of the two-sided `level` CI of a mean: t(1 - (1 - level)/2, n - 1) * sd / sqrt(n).
/// NaN when n < 2.
[[nodiscard]] double ci_half_width(double sd, std::size_t n, double level = 0.95);

/// One KPI's replication values summarised.
struct Summary {
  std::size_t n = 0;
  double mean = 0;
  double sd = 0;          ///< sample sd (n - 1); NaN if n < 2
  double half_width = 0;  ///< of the CI; NaN if n < 2
  double ci_low = 0;      ///< mean - half_width
  double ci_high = 0;     ///< mean + half_width
};
[[nodiscard]] Summary summarise(std::span<const double> values, double level = 0.95);

/// Scenario b compared with scenario a over the same replications (value i of a and of b come
/// from replication i, run with common random numbers). Differences are b - a ("scenario minus
/// baseline").
struct PairedComparison {
  std::size_t n = 0;
  double mean_a = 0;
  double mean_b = 0;
  double mean_diff = 0;    ///< mean of (b_i - a_i) = mean_b - mean_a
  double sd_diff = 0;      ///< sample sd of the differences
  double t_statistic = 0;  ///< mean_diff / (sd_diff / sqrt(n)); +-inf or NaN if sd_diff = 0
  // Paired CI: mean_diff +- t(df = n - 1) * sd_diff / sqrt(n).
  double paired_half_width = 0;
  double paired_low = 0;
  double paired_high = 0;
  // Unpaired (Welch) CI on the same data, treating a and b as independent samples:
  // mean_diff +- t(df_welch) * sqrt(s_a^2/n + s_b^2/n), df by Welch-Satterthwaite.
  double welch_df = 0;
  double welch_half_width = 0;
  double welch_low = 0;
  double welch_high = 0;
  /// Variance reduction from pairing: 1 - var_paired / var_unpaired, where
  ///   var_paired   = s_d^2 / n               (variance estimate of the paired mean difference)
  ///   var_unpaired = s_a^2 / n + s_b^2 / n   (the same for independent samples, as in Welch).
  /// Equals 2 cov(a, b) / (s_a^2 + s_b^2): 0 with no correlation, near 1 when common random
  /// numbers work well, negative if pairing hurts. NaN when var_unpaired is 0 (no spread).
  double variance_reduction = 0;
};
/// `a` and `b` must have the same size (asserted); values are paired by position.
[[nodiscard]] PairedComparison paired_comparison(std::span<const double> a,
                                                 std::span<const double> b, double level = 0.95);

}  // namespace carepath::outputs
