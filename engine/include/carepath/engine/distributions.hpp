#pragma once
// Probability distributions for service times, lengths of stay, delays and routing.
//
// `Distribution` is a small value type (a std::variant of parameter structs; composite and
// tabulated nodes hold their data through shared_ptr<const ...>, so copies are cheap and never
// deep). Factories validate their parameters and throw std::invalid_argument with a message that
// names the distribution, the parameter and the offending value, e.g.
//   "lognormal: sd must be > 0 (got -1)".
//
// All sampling code is carepath's own (no std::*_distribution), so a seed gives bit-identical
// numbers with any compiler or standard library:
//   exponential  mean * Exp(1), Exp(1) by the ziggurat (ziggurat.hpp)  1 word (~1.1%: more)
//   uniform      min + (max-min)*U                                     1 draw
//   triangular   inversion                                             1 draw
//   normal       mean + sd * N(0,1), N(0,1) by the ziggurat             1 word (~0.7%: more)
//   lognormal    exp(normal)
//   gamma        Marsaglia-Tsang (2000) squeeze/rejection; for shape < 1 the boost
//                G(a) = G(a+1) * U^(1/a)
//   erlang       gamma with integer shape k
//   pert         Beta-PERT (lambda = 4) via Beta = G1/(G1+G2) from two gammas
//   weibull      scale*(-log U)^(1/shape)
//   empirical    discrete: binary search on the cumulative probabilities (1 draw);
//                continuous: piecewise-linear inverse CDF (1 draw)
//   mixture      1 draw to pick the component, then the component's own draws
//   truncated    rejection on the inner distribution; after 10000 consecutive rejections
//                sample() throws std::runtime_error naming the bounds
// sample() never allocates.
#include <carepath/engine/random.hpp>
#include <carepath/engine/ziggurat.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace carepath::engine {

/// How a two-column CSV table is read by Distribution::from_csv.
enum class EmpiricalKind {
  kDiscrete,    ///< columns value,prob  -> empirical_discrete
  kContinuous,  ///< columns x,cdf       -> empirical_continuous
};

class Distribution {
 public:
  /// A point mass at 0 (so that Distribution can live in containers).
  Distribution();

  // ---- Factories (throw std::invalid_argument on bad parameters) ----
  static Distribution fixed(double value);
  static Distribution exponential(double mean);
  /// Continuous uniform on [min, max); requires min < max.
  static Distribution uniform(double min, double max);
  /// Requires min < max and min <= mode <= max.
  static Distribution triangular(double min, double mode, double max);
  /// Beta-PERT with lambda = 4: min + (max-min)*Beta(1+4(mode-min)/(max-min),
  /// 1+4(max-mode)/(max-min)). Mean (min + 4 mode + max)/6. Requires min < max, mode in range.
  static Distribution pert(double min, double mode, double max);
  /// Requires sd > 0 (use fixed() for a point mass).
  static Distribution normal(double mean, double sd);
  /// Lognormal with the given arithmetic mean and sd (both > 0).
  static Distribution lognormal_mean_sd(double mean, double sd);
  /// Lognormal with the given median (> 0) and 95th percentile (> median).
  static Distribution lognormal_median_p95(double median, double p95);
  /// Gamma with the given mean (> 0) and coefficient of variation (> 0): shape 1/cv^2.
  static Distribution gamma_mean_cv(double mean, double cv);
  static Distribution weibull(double shape, double scale);
  /// Erlang: sum of k (>= 1) exponentials, total mean `mean` (> 0).
  static Distribution erlang(int k, double mean);
  /// P(X = values[i]) = probs[i]; probs >= 0 summing to 1 within 1e-9.
  static Distribution empirical_discrete(std::vector<double> values, std::vector<double> probs);
  /// Piecewise-linear CDF through (x[i], cdf[i]); x non-decreasing, cdf non-decreasing from 0
  /// to 1 (both ends within 1e-9), at least 2 points, x.front() < x.back().
  static Distribution empirical_continuous(std::vector<double> x, std::vector<double> cdf);
  /// Reads a 2-column CSV (value,prob or x,cdf). A non-numeric first line is a header; blank
  /// lines and lines starting with '#' are skipped. Content errors throw std::invalid_argument
  /// as "path:line: message" (or "path: message" for whole-table errors); a file that cannot be
  /// opened throws std::runtime_error.
  static Distribution from_csv(const std::string& path, EmpiricalKind kind);
  /// Picks component i with probability weights[i] / sum(weights). Weights >= 0, positive sum.
  static Distribution mixture(std::vector<double> weights, std::vector<Distribution> components);
  /// `dist` conditioned on [min, max] (rejection sampling). Bounds may be infinite; min < max.
  static Distribution truncated(const Distribution& dist, double min, double max);

  /// One sample. No allocation.
  double sample(RandomStream& rs) const;
  /// Whether sample() reads one uniform exactly (fixed, uniform, triangular, Weibull,
  /// empirical): then sample_first gives it from the stream's next bits. (The exponential reads
  /// one word about 98.9% of the time: see sample_substream.)
  [[nodiscard]] bool one_draw() const {
    return p_.index() <= kLastOneDraw && !std::holds_alternative<Exponential>(p_);
  }
  /// sample() on a stream whose next_u64() is `bits`. Requires one_draw().
  [[nodiscard]] double sample_first(std::uint64_t bits) const;
  /// One sample from a fresh RandomStream::substream(key, entity, step): the same number as
  /// sample() on that stream, without building it where one_draw() (or where an exponential's
  /// first word suffices, as it usually does).
  [[nodiscard]] double sample_substream(std::uint64_t key, std::uint64_t entity,
                                        std::uint64_t step) const {
    // The commonest service law inline.
    if (const auto* e = std::get_if<Exponential>(&p_)) {
      return e->mean * ziggurat::substream_exponential(key, entity, step);
    }
    if (one_draw()) return sample_first(RandomStream::substream_first(key, entity, step));
    RandomStream rs = RandomStream::substream(key, entity, step);
    return sample(rs);
  }

  /// The mean. Analytic for every distribution except `truncated`, where it is analytic for a
  /// truncated fixed, uniform, exponential, normal, lognormal or empirical_discrete, and
  /// otherwise a deterministic Monte Carlo estimate from 200000 samples of a fixed internal
  /// stream (relative standard error about sd/(447*mean)). Throws std::runtime_error if the
  /// truncation leaves (numerically) no mass.
  [[nodiscard]] double mean() const;

  /// A distribution whose samples are `factor` x this one's (factor finite and > 0). Each
  /// parameterisation is kept (e.g. lognormal(mean=6, sd=9).scaled(0.5) is
  /// lognormal(mean=3, sd=4.5)); truncation bounds scale too.
  [[nodiscard]] Distribution scaled(double factor) const;

  /// Human-readable form, e.g. "lognormal(mean=6, sd=9)".
  [[nodiscard]] std::string describe() const;

  // ---- Parameter structs (public so that the variant is a complete type; treat as opaque) ----
  struct Fixed {
    double value;
  };
  struct Exponential {
    double mean;
  };
  struct Uniform {
    double min, max;
  };
  struct Triangular {
    double min, mode, max;
  };
  struct Pert {
    double min, mode, max;
    double alpha, beta;  // Beta shape parameters
  };
  struct Normal {
    double mean, sd;
  };
  struct Lognormal {
    double mu, sigma;  // of the underlying normal
    double a, b;       // mean & sd, or median & p95 (for describe())
    bool median_p95;
  };
  struct Gamma {
    double mean, cv;
    double shape, scale;
  };
  struct Weibull {
    double shape, scale;
  };
  struct Erlang {
    int k;
    double mean;
  };
  struct EmpiricalDiscrete {
    std::shared_ptr<const std::vector<double>> values;
    std::shared_ptr<const std::vector<double>> cum;  // cumulative probs, back() == 1 exactly
  };
  struct EmpiricalContinuous {
    std::shared_ptr<const std::vector<double>> x;
    std::shared_ptr<const std::vector<double>> cdf;  // front() == 0, back() == 1 exactly
  };
  struct Mixture {
    std::shared_ptr<const std::vector<double>> cum;  // normalised cumulative weights
    std::shared_ptr<const std::vector<Distribution>> components;
  };
  struct Truncated {
    std::shared_ptr<const Distribution> inner;
    double min, max;
  };
  // The laws sample() draws at most one word for (the exponential: usually) come first
  // (one_draw()).
  using Params =
      std::variant<Fixed, Exponential, Uniform, Triangular, Weibull, EmpiricalDiscrete,
                   EmpiricalContinuous, Pert, Normal, Lognormal, Gamma, Erlang, Mixture, Truncated>;
  static constexpr std::size_t kLastOneDraw = 6;  // EmpiricalContinuous

  /// The parameters (for introspection, e.g. std::holds_alternative<Fixed>(d.params())).
  [[nodiscard]] const Params& params() const { return p_; }

 private:
  explicit Distribution(Params p) : p_(std::move(p)) {}
  Params p_;
};

}  // namespace carepath::engine
