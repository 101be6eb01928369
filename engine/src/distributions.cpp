#include <carepath/engine/distributions.hpp>
#include <carepath/engine/ziggurat.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <type_traits>

namespace carepath::engine {

namespace {

// ---------------------------------------------------------------------------------------------
// Messages and validation

std::string num(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

[[noreturn]] void fail(std::string_view dist, const std::string& what) {
  throw std::invalid_argument(std::string(dist) + ": " + what);
}

void require_finite(std::string_view dist, std::string_view param, double v) {
  if (!std::isfinite(v)) fail(dist, std::string(param) + " must be finite (got " + num(v) + ")");
}

void require_positive(std::string_view dist, std::string_view param, double v) {
  require_finite(dist, param, v);
  if (!(v > 0.0)) fail(dist, std::string(param) + " must be > 0 (got " + num(v) + ")");
}

std::string indexed(std::string_view name, std::size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

void require_range(std::string_view dist, double min, double mode, double max) {
  require_finite(dist, "min", min);
  require_finite(dist, "mode", mode);
  require_finite(dist, "max", max);
  if (!(max > min)) {
    fail(dist, "max must be > min (got min=" + num(min) + ", max=" + num(max) + ")");
  }
  if (mode < min || mode > max) {
    fail(dist, "mode must be within [" + num(min) + ", " + num(max) + "] (got " + num(mode) + ")");
  }
}

/// Cumulative sums of `w` divided by their total, so that back() == 1 exactly.
std::vector<double> normalised_cumulative(const std::vector<double>& w, double total) {
  std::vector<double> cum(w.size());
  double run = 0.0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    run += w[i];
    cum[i] = std::min(run / total, 1.0);
  }
  cum.back() = 1.0;
  return cum;
}

/// Index of the first cumulative value > u (u in [0, 1), back() == 1).
std::size_t pick(const std::vector<double>& cum, double u) {
  const auto it = std::upper_bound(cum.begin(), cum.end(), u);
  const auto i = static_cast<std::size_t>(it - cum.begin());
  return i < cum.size() ? i : cum.size() - 1;
}

// ---------------------------------------------------------------------------------------------
// Samplers

/// Gamma(shape, 1), Marsaglia & Tsang (2000); shape < 1 via G(a) = G(a+1) U^(1/a).
double std_gamma(double shape, RandomStream& rs) {
  if (shape < 1.0) {
    const double g = std_gamma(shape + 1.0, rs);
    return g * std::pow(rs.uniform_open(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = ziggurat::normal(rs);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rs.uniform_open();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}

// ---------------------------------------------------------------------------------------------
// Normal tail helpers for the analytic truncated means

double phi(double x) {
  if (std::isinf(x)) return 0.0;
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}
double upper_tail(double x) {
  return 0.5 * std::erfc(x / std::numbers::sqrt2);
}  // P(Z > x)
double lower_tail(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}  // P(Z < x)

/// P(a <= Z <= b) for a standard normal Z, without cancellation in either tail.
double normal_interval(double a, double b) {
  if (a >= 0.0) return upper_tail(a) - upper_tail(b);
  if (b <= 0.0) return lower_tail(b) - lower_tail(a);
  return 1.0 - upper_tail(b) - lower_tail(a);
}

[[noreturn]] void no_mass(const Distribution& inner, double min, double max) {
  throw std::runtime_error("truncated: " + inner.describe() + " has (numerically) no mass in [" +
                           num(min) + ", " + num(max) + "]");
}

template <class T>
std::shared_ptr<const std::vector<T>> share(std::vector<T> v) {
  return std::make_shared<const std::vector<T>>(std::move(v));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool parse_double(std::string_view s, double& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Factories

Distribution::Distribution() : p_(Fixed{0.0}) {}

Distribution Distribution::fixed(double value) {
  require_finite("fixed", "value", value);
  return Distribution(Fixed{value});
}

Distribution Distribution::exponential(double mean) {
  require_positive("exponential", "mean", mean);
  return Distribution(Exponential{mean});
}

Distribution Distribution::uniform(double min, double max) {
  require_finite("uniform", "min", min);
  require_finite("uniform", "max", max);
  if (!(max > min)) {
    fail("uniform", "max must be > min (got min=" + num(min) + ", max=" + num(max) + ")");
  }
  return Distribution(Uniform{min, max});
}

Distribution Distribution::triangular(double min, double mode, double max) {
  require_range("triangular", min, mode, max);
  return Distribution(Triangular{min, mode, max});
}

Distribution Distribution::pert(double min, double mode, double max) {
  require_range("pert", min, mode, max);
  const double range = max - min;
  return Distribution(
      Pert{min, mode, max, 1.0 + 4.0 * (mode - min) / range, 1.0 + 4.0 * (max - mode) / range});
}

Distribution Distribution::normal(double mean, double sd) {
  require_finite("normal", "mean", mean);
  require_positive("normal", "sd", sd);
  return Distribution(Normal{mean, sd});
}

Distribution Distribution::lognormal_mean_sd(double mean, double sd) {
  require_positive("lognormal", "mean", mean);
  require_positive("lognormal", "sd", sd);
  const double ratio = sd / mean;
  const double sigma2 = std::log1p(ratio * ratio);
  return Distribution(Lognormal{std::log(mean) - 0.5 * sigma2, std::sqrt(sigma2), mean, sd, false});
}

Distribution Distribution::lognormal_median_p95(double median, double p95) {
  require_positive("lognormal", "median", median);
  require_finite("lognormal", "p95", p95);
  if (!(p95 > median)) {
    fail("lognormal",
         "p95 must be > median (got p95=" + num(p95) + ", median=" + num(median) + ")");
  }
  constexpr double kZ95 = 1.6448536269514722;  // standard normal 95th percentile
  const double mu = std::log(median);
  return Distribution(Lognormal{mu, (std::log(p95) - mu) / kZ95, median, p95, true});
}

Distribution Distribution::gamma_mean_cv(double mean, double cv) {
  require_positive("gamma", "mean", mean);
  require_positive("gamma", "cv", cv);
  const double shape = 1.0 / (cv * cv);
  return Distribution(Gamma{mean, cv, shape, mean / shape});
}

Distribution Distribution::weibull(double shape, double scale) {
  require_positive("weibull", "shape", shape);
  require_positive("weibull", "scale", scale);
  return Distribution(Weibull{shape, scale});
}

Distribution Distribution::erlang(int k, double mean) {
  if (k < 1) fail("erlang", "k must be >= 1 (got " + std::to_string(k) + ")");
  require_positive("erlang", "mean", mean);
  return Distribution(Erlang{k, mean});
}

Distribution Distribution::empirical_discrete(std::vector<double> values,
                                              std::vector<double> probs) {
  constexpr std::string_view kName = "empirical_discrete";
  if (values.size() != probs.size()) {
    fail(kName, "values and probs must have the same size (got " + std::to_string(values.size()) +
                    " and " + std::to_string(probs.size()) + ")");
  }
  if (values.empty()) fail(kName, "needs at least one value");
  double total = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    require_finite(kName, indexed("values", i), values[i]);
    require_finite(kName, indexed("probs", i), probs[i]);
    if (probs[i] < 0.0) {
      fail(kName, indexed("probs", i) + " must be >= 0 (got " + num(probs[i]) + ")");
    }
    total += probs[i];
  }
  if (!(std::abs(total - 1.0) <= 1e-9)) {
    fail(kName, "probs must sum to 1 within 1e-9 (got " + num(total) + ")");
  }
  auto cum = normalised_cumulative(probs, total);
  return Distribution(EmpiricalDiscrete{share(std::move(values)), share(std::move(cum))});
}

Distribution Distribution::empirical_continuous(std::vector<double> x, std::vector<double> cdf) {
  constexpr std::string_view kName = "empirical_continuous";
  if (x.size() != cdf.size()) {
    fail(kName, "x and cdf must have the same size (got " + std::to_string(x.size()) + " and " +
                    std::to_string(cdf.size()) + ")");
  }
  if (x.size() < 2) fail(kName, "needs at least 2 points (got " + std::to_string(x.size()) + ")");
  for (std::size_t i = 0; i < x.size(); ++i) {
    require_finite(kName, indexed("x", i), x[i]);
    require_finite(kName, indexed("cdf", i), cdf[i]);
    if (i > 0 && x[i] < x[i - 1]) {
      fail(kName, "x must be non-decreasing (got " + indexed("x", i) + "=" + num(x[i]) + " after " +
                      num(x[i - 1]) + ")");
    }
    if (i > 0 && cdf[i] < cdf[i - 1]) {
      fail(kName, "cdf must be non-decreasing (got " + indexed("cdf", i) + "=" + num(cdf[i]) +
                      " after " + num(cdf[i - 1]) + ")");
    }
  }
  if (!(std::abs(cdf.front()) <= 1e-9)) {
    fail(kName, "cdf must start at 0 (got " + num(cdf.front()) + ")");
  }
  if (!(std::abs(cdf.back() - 1.0) <= 1e-9)) {
    fail(kName, "cdf must end at 1 (got " + num(cdf.back()) + ")");
  }
  if (!(x.back() > x.front())) {
    fail(kName,
         "x must span a positive range (got " + num(x.front()) + " to " + num(x.back()) + ")");
  }
  for (double& c : cdf) c = std::clamp(c, 0.0, 1.0);
  cdf.front() = 0.0;
  cdf.back() = 1.0;
  return Distribution(EmpiricalContinuous{share(std::move(x)), share(std::move(cdf))});
}

Distribution Distribution::from_csv(const std::string& path, EmpiricalKind kind) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open file");
  const bool discrete = kind == EmpiricalKind::kDiscrete;
  const std::string columns = discrete ? "value,prob" : "x,cdf";
  std::vector<double> a;
  std::vector<double> b;
  std::string line;
  int line_no = 0;
  bool first_content = true;
  auto where = [&] { return path + ":" + std::to_string(line_no) + ": "; };
  while (std::getline(in, line)) {
    ++line_no;
    const std::string_view s = trim(line);
    if (s.empty() || s.front() == '#') continue;
    const auto comma = s.find(',');
    double va = 0.0;
    double vb = 0.0;
    const bool ok = comma != std::string_view::npos &&
                    s.find(',', comma + 1) == std::string_view::npos &&
                    parse_double(s.substr(0, comma), va) && parse_double(s.substr(comma + 1), vb);
    const bool header = first_content && !ok;
    first_content = false;
    if (header) continue;
    if (!ok) {
      throw std::invalid_argument(where() + "expected two numeric columns '" + columns +
                                  "' (got '" + std::string(s) + "')");
    }
    if (!std::isfinite(va) || !std::isfinite(vb)) {
      throw std::invalid_argument(where() + "values must be finite (got '" + std::string(s) + "')");
    }
    if (discrete) {
      if (vb < 0.0) {
        throw std::invalid_argument(where() + "prob must be >= 0 (got " + num(vb) + ")");
      }
    } else if (!a.empty()) {
      if (va < a.back()) {
        throw std::invalid_argument(where() + "x must be non-decreasing (got " + num(va) +
                                    " after " + num(a.back()) + ")");
      }
      if (vb < b.back()) {
        throw std::invalid_argument(where() + "cdf must be non-decreasing (got " + num(vb) +
                                    " after " + num(b.back()) + ")");
      }
    }
    a.push_back(va);
    b.push_back(vb);
  }
  if (a.empty()) throw std::invalid_argument(path + ": no data rows");
  try {
    return discrete ? empirical_discrete(std::move(a), std::move(b))
                    : empirical_continuous(std::move(a), std::move(b));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

Distribution Distribution::mixture(std::vector<double> weights,
                                   std::vector<Distribution> components) {
  constexpr std::string_view kName = "mixture";
  if (weights.size() != components.size()) {
    fail(kName, "weights and components must have the same size (got " +
                    std::to_string(weights.size()) + " and " + std::to_string(components.size()) +
                    ")");
  }
  if (weights.empty()) fail(kName, "needs at least one component");
  double total = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    require_finite(kName, indexed("weights", i), weights[i]);
    if (weights[i] < 0.0) {
      fail(kName, indexed("weights", i) + " must be >= 0 (got " + num(weights[i]) + ")");
    }
    total += weights[i];
  }
  if (!(total > 0.0)) fail(kName, "weights must have a positive sum (got " + num(total) + ")");
  auto cum = normalised_cumulative(weights, total);
  return Distribution(Mixture{share(std::move(cum)), share(std::move(components))});
}

Distribution Distribution::truncated(const Distribution& dist, double min, double max) {
  if (std::isnan(min)) fail("truncated", "min must not be NaN");
  if (std::isnan(max)) fail("truncated", "max must not be NaN");
  if (!(max > min)) {
    fail("truncated", "max must be > min (got min=" + num(min) + ", max=" + num(max) + ")");
  }
  return Distribution(Truncated{std::make_shared<const Distribution>(dist), min, max});
}

// ---------------------------------------------------------------------------------------------
// Sampling

namespace {

template <class T, std::size_t I = 0>
constexpr std::size_t variant_index() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, Distribution::Params>, T>) {
    return I;
  } else {
    return variant_index<T, I + 1>();
  }
}

// The laws drawn by inverting one uniform: u in [0, 1), or in (0, 1) where a log is taken.
double uniform_of(const Distribution::Uniform& p, double u) {
  return p.min + (p.max - p.min) * u;
}
double triangular_of(const Distribution::Triangular& p, double u) {
  const double range = p.max - p.min;
  const double left = p.mode - p.min;
  if (u * range < left) return p.min + std::sqrt(u * range * left);
  return p.max - std::sqrt((1.0 - u) * range * (p.max - p.mode));
}
double weibull_of(const Distribution::Weibull& p, double u_open) {
  return p.scale * std::pow(-std::log(u_open), 1.0 / p.shape);
}
double empirical_of(const Distribution::EmpiricalDiscrete& p, double u) {
  return (*p.values)[pick(*p.cum, u)];
}
double empirical_of(const Distribution::EmpiricalContinuous& p, double u) {
  const std::vector<double>& cdf = *p.cdf;
  const std::vector<double>& x = *p.x;
  // cdf.front() == 0 <= u < 1 == cdf.back(), so 1 <= hi <= size-1.
  const auto hi =
      static_cast<std::size_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
  const std::size_t i = std::min(hi, cdf.size() - 1) - 1;
  const double frac = (u - cdf[i]) / (cdf[i + 1] - cdf[i]);
  return x[i] + frac * (x[i + 1] - x[i]);
}

}  // namespace

static_assert(variant_index<Distribution::EmpiricalContinuous>() == Distribution::kLastOneDraw &&
                  variant_index<Distribution::Pert>() == Distribution::kLastOneDraw + 1,
              "one_draw(): the one-uniform laws come first in Params");

double Distribution::sample_first(std::uint64_t bits) const {
  // sample()'s formulas for the laws it draws one uniform for, on the same number.
  const double u = RandomStream::uniform_of(bits);
  switch (p_.index()) {
    case variant_index<Fixed>():
      return std::get<Fixed>(p_).value;
    case variant_index<Uniform>():
      return uniform_of(std::get<Uniform>(p_), u);
    case variant_index<Triangular>():
      return triangular_of(std::get<Triangular>(p_), u);
    case variant_index<Weibull>():
      return weibull_of(std::get<Weibull>(p_), RandomStream::uniform_open_of(bits));
    case variant_index<EmpiricalDiscrete>():
      return empirical_of(std::get<EmpiricalDiscrete>(p_), u);
    case variant_index<EmpiricalContinuous>():
      return empirical_of(std::get<EmpiricalContinuous>(p_), u);
    default:
      throw std::logic_error("Distribution::sample_first: " + describe() +
                             " draws more than one uniform");
  }
}

double Distribution::sample(RandomStream& rs) const {
  // The commonest service law first, without the visit's indirect call (same draw and formula).
  if (const auto* e = std::get_if<Exponential>(&p_)) return e->mean * ziggurat::exponential(rs);
  return std::visit(
      [&rs](const auto& p) -> double {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Fixed>) {
          return p.value;
        } else if constexpr (std::is_same_v<T, Exponential>) {
          return p.mean * ziggurat::exponential(rs);
        } else if constexpr (std::is_same_v<T, Uniform>) {
          return uniform_of(p, rs.uniform());
        } else if constexpr (std::is_same_v<T, Triangular>) {
          return triangular_of(p, rs.uniform());
        } else if constexpr (std::is_same_v<T, Pert>) {
          const double ga = std_gamma(p.alpha, rs);
          const double gb = std_gamma(p.beta, rs);
          return p.min + (p.max - p.min) * (ga / (ga + gb));
        } else if constexpr (std::is_same_v<T, Normal>) {
          return p.mean + p.sd * ziggurat::normal(rs);
        } else if constexpr (std::is_same_v<T, Lognormal>) {
          return std::exp(p.mu + p.sigma * ziggurat::normal(rs));
        } else if constexpr (std::is_same_v<T, Gamma>) {
          return p.scale * std_gamma(p.shape, rs);
        } else if constexpr (std::is_same_v<T, Weibull>) {
          return weibull_of(p, rs.uniform_open());
        } else if constexpr (std::is_same_v<T, Erlang>) {
          return std_gamma(static_cast<double>(p.k), rs) * (p.mean / p.k);
        } else if constexpr (std::is_same_v<T, EmpiricalDiscrete>) {
          return empirical_of(p, rs.uniform());
        } else if constexpr (std::is_same_v<T, EmpiricalContinuous>) {
          return empirical_of(p, rs.uniform());
        } else if constexpr (std::is_same_v<T, Mixture>) {
          return (*p.components)[pick(*p.cum, rs.uniform())].sample(rs);
        } else {
          static_assert(std::is_same_v<T, Truncated>);
          constexpr int kMaxRejections = 10000;
          for (int i = 0; i < kMaxRejections; ++i) {
            const double x = p.inner->sample(rs);
            if (x >= p.min && x <= p.max) return x;
          }
          throw std::runtime_error("truncated: " + std::to_string(kMaxRejections) +
                                   " consecutive samples of " + p.inner->describe() +
                                   " fell outside [" + num(p.min) + ", " + num(p.max) +
                                   "]; its mass in the bounds is ~0");
        }
      },
      p_);
}

// ---------------------------------------------------------------------------------------------
// Means

namespace {

double truncated_mean(const Distribution& self, const Distribution::Truncated& t) {
  const double lo = t.min;
  const double hi = t.max;
  const Distribution& inner = *t.inner;
  // Analytic cases. Each returns NaN when it does not apply.
  const double analytic = std::visit(
      [&](const auto& p) -> double {
        using T = std::decay_t<decltype(p)>;
        using D = Distribution;
        if constexpr (std::is_same_v<T, D::Fixed>) {
          if (p.value < lo || p.value > hi) no_mass(inner, lo, hi);
          return p.value;
        } else if constexpr (std::is_same_v<T, D::Uniform>) {
          const double a = std::max(lo, p.min);
          const double b = std::min(hi, p.max);
          if (!(b > a)) no_mass(inner, lo, hi);
          return 0.5 * (a + b);
        } else if constexpr (std::is_same_v<T, D::Exponential>) {
          // Memorylessness: X | X >= a is a + Exp(mean); then condition on X <= b.
          const double a = std::max(lo, 0.0);
          if (!(hi > a)) no_mass(inner, lo, hi);
          if (std::isinf(hi)) return a + p.mean;
          const double w = hi - a;
          // E[Y | Y <= w] = mean - w / (exp(w/mean) - 1).
          return a + p.mean - w / std::expm1(w / p.mean);
        } else if constexpr (std::is_same_v<T, D::Normal>) {
          const double alpha = (lo - p.mean) / p.sd;
          const double beta = (hi - p.mean) / p.sd;
          const double z = normal_interval(alpha, beta);
          if (!(z > 0.0)) no_mass(inner, lo, hi);
          return p.mean + p.sd * (phi(alpha) - phi(beta)) / z;
        } else if constexpr (std::is_same_v<T, D::Lognormal>) {
          const double la =
              lo > 0.0 ? (std::log(lo) - p.mu) / p.sigma : -std::numeric_limits<double>::infinity();
          if (!(hi > 0.0)) no_mass(inner, lo, hi);
          const double lb = (std::log(hi) - p.mu) / p.sigma;
          const double z = normal_interval(la, lb);
          if (!(z > 0.0)) no_mass(inner, lo, hi);
          return std::exp(p.mu + 0.5 * p.sigma * p.sigma) *
                 normal_interval(la - p.sigma, lb - p.sigma) / z;
        } else if constexpr (std::is_same_v<T, D::EmpiricalDiscrete>) {
          double mass = 0.0;
          double sum = 0.0;
          double prev = 0.0;
          for (std::size_t i = 0; i < p.values->size(); ++i) {
            const double w = (*p.cum)[i] - prev;
            prev = (*p.cum)[i];
            const double v = (*p.values)[i];
            if (v >= lo && v <= hi) {
              mass += w;
              sum += w * v;
            }
          }
          if (!(mass > 0.0)) no_mass(inner, lo, hi);
          return sum / mass;
        } else {
          return std::numeric_limits<double>::quiet_NaN();
        }
      },
      inner.params());
  if (!std::isnan(analytic)) return analytic;
  // Deterministic Monte Carlo estimate from a fixed internal stream.
  constexpr int kSamples = 200000;
  RandomStream rs(0x7472756e63617465ULL, 0, "carepath/truncated-mean");
  double sum = 0.0;
  for (int i = 0; i < kSamples; ++i) sum += self.sample(rs);
  return sum / kSamples;
}

}  // namespace

double Distribution::mean() const {
  return std::visit(
      [this](const auto& p) -> double {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Fixed>) {
          return p.value;
        } else if constexpr (std::is_same_v<T, Exponential>) {
          return p.mean;
        } else if constexpr (std::is_same_v<T, Uniform>) {
          return 0.5 * (p.min + p.max);
        } else if constexpr (std::is_same_v<T, Triangular>) {
          return (p.min + p.mode + p.max) / 3.0;
        } else if constexpr (std::is_same_v<T, Pert>) {
          return (p.min + 4.0 * p.mode + p.max) / 6.0;
        } else if constexpr (std::is_same_v<T, Normal>) {
          return p.mean;
        } else if constexpr (std::is_same_v<T, Lognormal>) {
          return p.median_p95 ? std::exp(p.mu + 0.5 * p.sigma * p.sigma) : p.a;
        } else if constexpr (std::is_same_v<T, Gamma>) {
          return p.mean;
        } else if constexpr (std::is_same_v<T, Weibull>) {
          return p.scale * std::tgamma(1.0 + 1.0 / p.shape);
        } else if constexpr (std::is_same_v<T, Erlang>) {
          return p.mean;
        } else if constexpr (std::is_same_v<T, EmpiricalDiscrete>) {
          double sum = 0.0;
          double prev = 0.0;
          for (std::size_t i = 0; i < p.values->size(); ++i) {
            sum += ((*p.cum)[i] - prev) * (*p.values)[i];
            prev = (*p.cum)[i];
          }
          return sum;
        } else if constexpr (std::is_same_v<T, EmpiricalContinuous>) {
          double sum = 0.0;
          for (std::size_t i = 0; i + 1 < p.x->size(); ++i) {
            sum += ((*p.cdf)[i + 1] - (*p.cdf)[i]) * 0.5 * ((*p.x)[i] + (*p.x)[i + 1]);
          }
          return sum;
        } else if constexpr (std::is_same_v<T, Mixture>) {
          double sum = 0.0;
          double prev = 0.0;
          for (std::size_t i = 0; i < p.components->size(); ++i) {
            sum += ((*p.cum)[i] - prev) * (*p.components)[i].mean();
            prev = (*p.cum)[i];
          }
          return sum;
        } else {
          return truncated_mean(*this, p);
        }
      },
      p_);
}

// ---------------------------------------------------------------------------------------------
// Scaling

Distribution Distribution::scaled(double factor) const {
  require_positive("scaled", "factor", factor);
  const double f = factor;
  return std::visit(
      [f](const auto& p) -> Distribution {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Fixed>) {
          return Distribution(Fixed{p.value * f});
        } else if constexpr (std::is_same_v<T, Exponential>) {
          return Distribution(Exponential{p.mean * f});
        } else if constexpr (std::is_same_v<T, Uniform>) {
          return Distribution(Uniform{p.min * f, p.max * f});
        } else if constexpr (std::is_same_v<T, Triangular>) {
          return Distribution(Triangular{p.min * f, p.mode * f, p.max * f});
        } else if constexpr (std::is_same_v<T, Pert>) {
          return Distribution(Pert{p.min * f, p.mode * f, p.max * f, p.alpha, p.beta});
        } else if constexpr (std::is_same_v<T, Normal>) {
          return Distribution(Normal{p.mean * f, p.sd * f});
        } else if constexpr (std::is_same_v<T, Lognormal>) {
          return Distribution(
              Lognormal{p.mu + std::log(f), p.sigma, p.a * f, p.b * f, p.median_p95});
        } else if constexpr (std::is_same_v<T, Gamma>) {
          return Distribution(Gamma{p.mean * f, p.cv, p.shape, p.scale * f});
        } else if constexpr (std::is_same_v<T, Weibull>) {
          return Distribution(Weibull{p.shape, p.scale * f});
        } else if constexpr (std::is_same_v<T, Erlang>) {
          return Distribution(Erlang{p.k, p.mean * f});
        } else if constexpr (std::is_same_v<T, EmpiricalDiscrete>) {
          std::vector<double> v = *p.values;
          for (double& x : v) x *= f;
          return Distribution(EmpiricalDiscrete{share(std::move(v)), p.cum});
        } else if constexpr (std::is_same_v<T, EmpiricalContinuous>) {
          std::vector<double> v = *p.x;
          for (double& x : v) x *= f;
          return Distribution(EmpiricalContinuous{share(std::move(v)), p.cdf});
        } else if constexpr (std::is_same_v<T, Mixture>) {
          std::vector<Distribution> c;
          c.reserve(p.components->size());
          for (const Distribution& d : *p.components) c.push_back(d.scaled(f));
          return Distribution(Mixture{p.cum, share(std::move(c))});
        } else {
          return Distribution(Truncated{std::make_shared<const Distribution>(p.inner->scaled(f)),
                                        p.min * f, p.max * f});
        }
      },
      p_);
}

// ---------------------------------------------------------------------------------------------
// Description

std::string Distribution::describe() const {
  return std::visit(
      [](const auto& p) -> std::string {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Fixed>) {
          return "fixed(" + num(p.value) + ")";
        } else if constexpr (std::is_same_v<T, Exponential>) {
          return "exponential(mean=" + num(p.mean) + ")";
        } else if constexpr (std::is_same_v<T, Uniform>) {
          return "uniform(min=" + num(p.min) + ", max=" + num(p.max) + ")";
        } else if constexpr (std::is_same_v<T, Triangular>) {
          return "triangular(min=" + num(p.min) + ", mode=" + num(p.mode) + ", max=" + num(p.max) +
                 ")";
        } else if constexpr (std::is_same_v<T, Pert>) {
          return "pert(min=" + num(p.min) + ", mode=" + num(p.mode) + ", max=" + num(p.max) + ")";
        } else if constexpr (std::is_same_v<T, Normal>) {
          return "normal(mean=" + num(p.mean) + ", sd=" + num(p.sd) + ")";
        } else if constexpr (std::is_same_v<T, Lognormal>) {
          return p.median_p95 ? "lognormal(median=" + num(p.a) + ", p95=" + num(p.b) + ")"
                              : "lognormal(mean=" + num(p.a) + ", sd=" + num(p.b) + ")";
        } else if constexpr (std::is_same_v<T, Gamma>) {
          return "gamma(mean=" + num(p.mean) + ", cv=" + num(p.cv) + ")";
        } else if constexpr (std::is_same_v<T, Weibull>) {
          return "weibull(shape=" + num(p.shape) + ", scale=" + num(p.scale) + ")";
        } else if constexpr (std::is_same_v<T, Erlang>) {
          return "erlang(k=" + std::to_string(p.k) + ", mean=" + num(p.mean) + ")";
        } else if constexpr (std::is_same_v<T, EmpiricalDiscrete>) {
          const std::size_t n = p.values->size();
          if (n > 6) {
            return "empirical_discrete(" + std::to_string(n) + " values in [" +
                   num(*std::min_element(p.values->begin(), p.values->end())) + ", " +
                   num(*std::max_element(p.values->begin(), p.values->end())) + "])";
          }
          std::string s = "empirical_discrete(";
          double prev = 0.0;
          for (std::size_t i = 0; i < n; ++i) {
            if (i > 0) s += ", ";
            s += num((*p.values)[i]) + ":" + num((*p.cum)[i] - prev);
            prev = (*p.cum)[i];
          }
          return s + ")";
        } else if constexpr (std::is_same_v<T, EmpiricalContinuous>) {
          return "empirical_continuous(" + std::to_string(p.x->size()) + " points on [" +
                 num(p.x->front()) + ", " + num(p.x->back()) + "])";
        } else if constexpr (std::is_same_v<T, Mixture>) {
          std::string s = "mixture(";
          double prev = 0.0;
          for (std::size_t i = 0; i < p.components->size(); ++i) {
            if (i > 0) s += " + ";
            s += num((*p.cum)[i] - prev) + "*" + (*p.components)[i].describe();
            prev = (*p.cum)[i];
          }
          return s + ")";
        } else {
          return "truncated(" + p.inner->describe() + ", min=" + num(p.min) +
                 ", max=" + num(p.max) + ")";
        }
      },
      p_);
}

}  // namespace carepath::engine
