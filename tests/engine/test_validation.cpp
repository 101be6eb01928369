// Queueing-theory validation of the kernel and of Resource.
//
// Every test runs independent replications, each a Simulation in a forked child (fixed seed,
// replication number r), and checks that the Student-t 99.9% confidence interval of the
// replication means contains the exact value, computed here from its own formula (Erlang B/C,
// M/M/c/K, Poisson, birth-death chains, Cobham, a CTMC solved numerically). To show that each
// check has power, it also requires a deliberately wrong value (exact +10%) to fall outside.
#include <carepath/engine/isolate.hpp>
#include <carepath/engine/monitor.hpp>
#include <carepath/engine/random.hpp>
#include <carepath/engine/resource.hpp>
#include <carepath/engine/simulation.hpp>
#include <carepath/engine/stats.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

using namespace carepath::engine;

namespace {

constexpr std::uint64_t kSeed = 20240601;
constexpr double kConfidence = 0.999;
constexpr int kReplications = 10;

double exp_sample(RandomStream& rng, double mean) {
  return -mean * std::log(rng.uniform_open());
}

double lognormal_sample(RandomStream& rng, double mean, double sd) {
  const double s2 = std::log1p(sd * sd / (mean * mean));
  const double mu = std::log(mean) - 0.5 * s2;
  const double z = std::sqrt(-2.0 * std::log(rng.uniform_open())) *
                   std::cos(2.0 * 3.14159265358979323846 * rng.uniform());
  return std::exp(mu + std::sqrt(s2) * z);
}

// ------------------------------------------------------------------ exact formulas

/// Erlang B blocking probability, by the stable recursion B(k) = a B(k-1) / (k + a B(k-1)).
double erlang_b(int c, double a) {
  double b = 1.0;
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return b;
}
/// Erlang C probability of waiting.
double erlang_c(int c, double a) {
  const double b = erlang_b(c, a);
  return c * b / (c - a * (1.0 - b));
}
/// M/M/c mean wait in queue.
double mmc_wq(double lambda, double mu, int c) {
  return erlang_c(c, lambda / mu) / (c * mu - lambda);
}

/// Stationary distribution of a birth-death chain on 0..n_max.
std::vector<double> birth_death(int n_max, const std::function<double(int)>& birth,
                                const std::function<double(int)>& death) {
  std::vector<double> p(static_cast<std::size_t>(n_max) + 1);
  p[0] = 1.0;
  for (int n = 1; n <= n_max; ++n) {
    p[static_cast<std::size_t>(n)] = p[static_cast<std::size_t>(n) - 1] * birth(n - 1) / death(n);
  }
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= total;
  return p;
}

// ------------------------------------------------------------------ replications

/// Runs `reps` replications of `fn` (each a fresh forked child), two at a time.
template <class R>
std::vector<R> replicate(int reps, std::function<R(int rep)> fn) {
  static_assert(std::is_trivially_copyable_v<R>);
  std::vector<R> out(static_cast<std::size_t>(reps));
  ProcessPool pool;
  pool.run(
      reps, 2,
      [&fn](int rep) {
        const R r = fn(rep);
        std::string bytes(sizeof(R), '\0');
        std::memcpy(bytes.data(), &r, sizeof(R));
        return bytes;
      },
      [&out](int rep, std::string bytes) {
        REQUIRE(bytes.size() == sizeof(R));
        std::memcpy(&out[static_cast<std::size_t>(rep)], bytes.data(), sizeof(R));
      });
  return out;
}

/// The 99.9% CI of the replication means must contain `exact` and exclude `exact` * 1.1 (or
/// exact + wrong_offset when given, for exact values near 0).
template <class R, class F>
void check_ci(const char* what, const std::vector<R>& reps, F field, double exact,
              double wrong_offset = 0.0) {
  std::vector<double> values;
  values.reserve(reps.size());
  for (const R& r : reps) values.push_back(field(r));
  const ConfidenceInterval ci = t_confidence_interval(values, kConfidence);
  const double wrong = wrong_offset != 0.0 ? exact + wrong_offset : exact * 1.1;
  INFO(what << ": exact " << exact << ", 99.9% CI [" << ci.low() << ", " << ci.high()
            << "], deliberately wrong value " << wrong);
  CHECK(ci.contains(exact));
  CHECK_FALSE(ci.contains(wrong));
}

// ------------------------------------------------------------------ single-station model

struct StationParams {
  std::vector<double> lambda{1.0};  // arrival rate of each class (class k has priority k)
  double service_mean = 1.0;
  double service_sd = -1.0;  // < 0: exponential; else lognormal with this sd
  int capacity = 1;
  int queue_limit = -1;
  double patience_mean = -1.0;  // < 0: infinite patience; else exponential
  QueueDiscipline discipline = QueueDiscipline::fifo;
  double warmup = 0.0;
  double horizon = 1.0;
};

struct StationResult {
  double arrivals_rate;  // arrivals per unit time in the window
  double wq;             // mean wait of those who started (resource Tally)
  double w;              // mean time in the resource of those who left
  double lq;             // time-average number waiting
  double l;              // time-average number present (waiting + occupied)
  double busy;           // time-average number in service
  double baulk_share;
  double renege_share;
  double wait_all;       // mean wait of started and reneged customers together (resource Tally)
  double line_time;      // mean total time in the line of those who left (resource Tally)
  double accepted_rate;  // admitted (not baulked) per unit time
  std::array<double, 2> class_wq;
  std::array<double, 3> p_at_most;  // share of time with at most {5, 10, 15} present
  double arrivals;
};

class Station final : public EventHandler, public ResourceClient {
 public:
  Station(Simulation& sim, const StationParams& p, int rep)
      : sim_(sim),
        p_(p),
        res_(sim, make_config(p), this),
        arrivals_(kSeed, static_cast<std::uint64_t>(rep), "arrivals"),
        service_(kSeed, static_cast<std::uint64_t>(rep), "service"),
        patience_(kSeed, static_cast<std::uint64_t>(rep), "patience") {
    for (std::size_t k = 0; k < p.lambda.size(); ++k) {
      sim_.schedule(exp_sample(arrivals_, 1.0 / p.lambda[k]), priority::kArrival, this, kArrive,
                    static_cast<std::uint32_t>(k));
    }
    if (p.warmup > 0.0) {
      sim_.schedule(p.warmup, priority::kMonitor, [this]() {
        res_.reset_stats();
        for (Tally& t : class_waits_) t.reset();
      });
    }
  }

  void on_event(std::uint32_t kind, std::uint32_t arg) override {
    if (kind == kArrive) {
      const std::uint32_t e = next_id_++;
      const Time patience =
          p_.patience_mean < 0.0 ? kForever : exp_sample(patience_, p_.patience_mean);
      present_[e] = Info{sim_.now(), static_cast<int>(arg)};
      const Admission a = res_.arrive(e, static_cast<int>(arg), EntryMode::queue, patience);
      if (a == Admission::baulked) present_.erase(e);
      sim_.schedule(sim_.now() + exp_sample(arrivals_, 1.0 / p_.lambda[arg]), priority::kArrival,
                    this, kArrive, arg);
    } else {
      present_.erase(arg);
      res_.release(arg);
    }
  }
  void on_start(Resource& /*r*/, std::uint32_t e) override {
    const Info& info = present_.at(e);
    class_waits_[static_cast<std::size_t>(std::min(info.cls, 1))].add(sim_.now() - info.arrival);
    const double s = p_.service_sd < 0.0
                         ? exp_sample(service_, p_.service_mean)
                         : lognormal_sample(service_, p_.service_mean, p_.service_sd);
    sim_.schedule(sim_.now() + s, priority::kRelease, this, kDepart, e);
  }
  void on_renege(Resource& /*r*/, std::uint32_t e) override { present_.erase(e); }

  StationResult result() const {
    const Time t = sim_.now();
    const auto& s = res_.stats();
    StationResult r{};
    const double window = t - s.queue.window_start();
    const auto arrivals = static_cast<double>(s.arrivals);
    r.arrivals = arrivals;
    r.arrivals_rate = arrivals / window;
    r.wq = s.waits.mean();
    r.w = s.time_in_resource.mean();
    r.lq = s.queue.mean(t);
    r.l = s.queue.mean(t) + s.occupied.mean(t);
    r.busy = s.in_service.mean(t);
    r.baulk_share = static_cast<double>(s.baulked) / arrivals;
    r.renege_share = static_cast<double>(s.reneged) / arrivals;
    r.wait_all = s.waits.mean();
    r.line_time = s.line_times.mean();
    r.accepted_rate = static_cast<double>(s.arrivals - s.baulked) / window;
    r.class_wq = {class_waits_[0].mean(), class_waits_[1].mean()};
    // Occupancy distribution (nobody waits when capacity is unlimited).
    const std::vector<double> levels = s.occupied.time_at_levels(t);
    const std::array<std::size_t, 3> ks{5, 10, 15};
    for (std::size_t i = 0; i < ks.size(); ++i) {
      double at_most = 0.0;
      for (std::size_t n = 0; n <= ks[i] && n < levels.size(); ++n) at_most += levels[n];
      r.p_at_most[i] = at_most / s.occupied.duration(t);
    }
    return r;
  }
  Resource& resource() { return res_; }

 private:
  static constexpr std::uint32_t kArrive = 0;
  static constexpr std::uint32_t kDepart = 1;
  struct Info {
    double arrival;
    int cls;
  };
  static ResourceConfig make_config(const StationParams& p) {
    ResourceConfig c;
    c.name = "station";
    c.capacity = p.capacity;
    c.queue_limit = p.queue_limit;
    c.discipline = p.discipline;
    return c;
  }

  Simulation& sim_;
  StationParams p_;
  Resource res_;
  RandomStream arrivals_;
  RandomStream service_;
  RandomStream patience_;
  std::uint32_t next_id_ = 0;
  std::unordered_map<std::uint32_t, Info> present_;
  std::array<Tally, 2> class_waits_;
};

std::vector<StationResult> run_station(const StationParams& p, int reps = kReplications) {
  return replicate<StationResult>(reps, [p](int rep) {
    Simulation sim;
    Station st(sim, p, rep);
    sim.run(p.horizon);
    return st.result();
  });
}

// ------------------------------------------------------------------ tandem model

struct TandemParams {
  double lambda = 1.0;
  std::array<double, 2> service_mean{1.0, 1.0};
  std::array<int, 2> capacity{1, 1};
  std::array<int, 2> queue_limit{-1, -1};
  EntryMode second_mode = EntryMode::queue;
  double warmup = 0.0;
  double horizon = 1.0;
};

struct TandemResult {
  double sojourn;        // arrival at station 1 -> release at station 2
  double sum_of_means;   // mean time in station 1 + mean time in station 2
  double throughput;     // completions at station 2 per unit time
  double loss_share;     // arrivals baulked at station 1
  double blocked_share;  // time-average number of station-1 servers blocked (holding)
};

class Tandem final : public EventHandler, public ResourceClient {
 public:
  Tandem(Simulation& sim, const TandemParams& p, int rep)
      : sim_(sim),
        p_(p),
        s1_(sim, config("s1", p.capacity[0], p.queue_limit[0]), this, 1),
        s2_(sim, config("s2", p.capacity[1], p.queue_limit[1]), this, 2),
        arrivals_(kSeed, static_cast<std::uint64_t>(rep), "tandem/arrivals"),
        service_{RandomStream(kSeed, static_cast<std::uint64_t>(rep), "tandem/service1"),
                 RandomStream(kSeed, static_cast<std::uint64_t>(rep), "tandem/service2")} {
    sim_.schedule(exp_sample(arrivals_, 1.0 / p.lambda), priority::kArrival, this, kArrive, 0);
    sim_.schedule(p.warmup, priority::kMonitor, [this]() {
      s1_.reset_stats();
      s2_.reset_stats();
      sojourn_.reset();
      completed_ = 0;
    });
  }

  void on_event(std::uint32_t kind, std::uint32_t arg) override {
    switch (kind) {
      case kArrive: {
        const std::uint32_t e = next_id_++;
        entered_[e] = sim_.now();
        if (s1_.arrive(e) == Admission::baulked) entered_.erase(e);
        sim_.schedule(sim_.now() + exp_sample(arrivals_, 1.0 / p_.lambda), priority::kArrival, this,
                      kArrive, 0);
        break;
      }
      case kEnd1: {
        s1_.finish_service(arg);
        const Admission a = s2_.arrive(arg, 0, p_.second_mode);
        if (a != Admission::blocked) s1_.release(arg);
        break;
      }
      case kEnd2:
        s2_.release(arg);
        sojourn_.add(sim_.now() - entered_.at(arg));
        entered_.erase(arg);
        ++completed_;
        break;
      case kRelease1:
        s1_.release(arg);
        break;
      default:
        break;
    }
  }
  void on_start(Resource& r, std::uint32_t e) override {
    const std::size_t k = &r == &s1_ ? 0 : 1;
    sim_.schedule(sim_.now() + exp_sample(service_[k], p_.service_mean[k]), priority::kRelease,
                  this, k == 0 ? kEnd1 : kEnd2, e);
  }
  void on_admitted(Resource& /*r*/, std::uint32_t e) override {
    sim_.schedule(sim_.now(), priority::kUrgent, this, kRelease1, e);
  }

  TandemResult result() const {
    const Time t = sim_.now();
    TandemResult r{};
    r.sojourn = sojourn_.mean();
    r.sum_of_means = s1_.stats().time_in_resource.mean() + s2_.stats().time_in_resource.mean();
    r.throughput = static_cast<double>(completed_) / (t - p_.warmup);
    r.loss_share =
        static_cast<double>(s1_.stats().baulked) / static_cast<double>(s1_.stats().arrivals);
    r.blocked_share = s1_.stats().holding.mean(t);
    return r;
  }

 private:
  static constexpr std::uint32_t kArrive = 0;
  static constexpr std::uint32_t kEnd1 = 1;
  static constexpr std::uint32_t kEnd2 = 2;
  static constexpr std::uint32_t kRelease1 = 3;
  static ResourceConfig config(const char* name, int capacity, int queue_limit) {
    ResourceConfig c;
    c.name = name;
    c.capacity = capacity;
    c.queue_limit = queue_limit;
    return c;
  }

  Simulation& sim_;
  TandemParams p_;
  Resource s1_;
  Resource s2_;
  RandomStream arrivals_;
  std::array<RandomStream, 2> service_;
  std::uint32_t next_id_ = 0;
  std::unordered_map<std::uint32_t, double> entered_;
  Tally sojourn_;
  std::uint64_t completed_ = 0;
};

std::vector<TandemResult> run_tandem(const TandemParams& p) {
  return replicate<TandemResult>(kReplications, [p](int rep) {
    Simulation sim;
    Tandem model(sim, p, rep);
    sim.run(p.horizon);
    return model.result();
  });
}

}  // namespace

// ------------------------------------------------------------------ the tests

TEST_CASE("Exact formulas reproduce published values", "[validation]") {
  CHECK(std::abs(mmc_wq(9.0, 1.0, 10) - 0.668732) < 1e-6);
  CHECK(std::abs(erlang_b(10, 8.0) - 0.121661) < 1e-6);
  CHECK(std::abs(erlang_c(2, 1.6) - 0.711111) < 1e-6);  // 2 a^2 / (2 + a) / (2 - a) / ... = 32/45
}

TEST_CASE("M/M/c: mean wait matches Erlang C, and Little's law holds", "[validation]") {
  StationParams p;
  p.lambda = {9.0};
  p.service_mean = 1.0;
  p.capacity = 10;
  p.warmup = 500.0;
  p.horizon = 40500.0;
  const auto reps = run_station(p);
  const double wq = mmc_wq(9.0, 1.0, 10);
  check_ci(
      "M/M/10 Wq", reps, [](const StationResult& r) { return r.wq; }, wq);
  check_ci(
      "M/M/10 Lq", reps, [](const StationResult& r) { return r.lq; }, 9.0 * wq);
  check_ci(
      "M/M/10 busy servers", reps, [](const StationResult& r) { return r.busy; }, 9.0);
  // Little's law within each run: L - lambda_hat W has mean 0 (edge effects only). Wrong
  // value: 10% of L.
  check_ci(
      "Little L - lambda W", reps,
      [](const StationResult& r) { return r.l - r.arrivals_rate * r.w; }, 0.0,
      0.1 * (9.0 * wq + 9.0));
}

TEST_CASE("M/M/c/c: loss probability matches Erlang B", "[validation]") {
  StationParams p;
  p.lambda = {8.0};
  p.capacity = 10;
  p.queue_limit = 0;
  p.warmup = 100.0;
  p.horizon = 10100.0;
  const auto reps = run_station(p);
  check_ci(
      "Erlang B", reps, [](const StationResult& r) { return r.baulk_share; }, erlang_b(10, 8.0));
  check_ci(
      "M/M/c/c carried load", reps, [](const StationResult& r) { return r.busy; },
      8.0 * (1.0 - erlang_b(10, 8.0)));
}

TEST_CASE("M/M/c/K: blocking probability and mean number in system", "[validation]") {
  const int c = 3;
  const int k = 8;
  const double lambda = 3.0;
  const double mu = 1.2;
  const auto pi = birth_death(
      k, [&](int) { return lambda; }, [&](int n) { return std::min(n, c) * mu; });
  double l = 0.0;
  for (int n = 0; n <= k; ++n) l += n * pi[static_cast<std::size_t>(n)];
  StationParams p;
  p.lambda = {lambda};
  p.service_mean = 1.0 / mu;
  p.capacity = c;
  p.queue_limit = k - c;
  p.warmup = 100.0;
  p.horizon = 40100.0;
  const auto reps = run_station(p);
  check_ci(
      "M/M/3/8 blocking", reps, [](const StationResult& r) { return r.baulk_share; },
      pi[static_cast<std::size_t>(k)]);
  check_ci(
      "M/M/3/8 L", reps, [](const StationResult& r) { return r.l; }, l);
}

TEST_CASE("M/G/inf: occupancy is Poisson with mean lambda E[S] (lognormal stays)", "[validation]") {
  const double lambda = 2.0;
  const double mean_stay = 5.0;
  StationParams p;
  p.lambda = {lambda};
  p.service_mean = mean_stay;
  p.service_sd = 8.0;  // heavy-ish tail: the M/G/inf result does not depend on it
  p.capacity = 1000000;
  p.warmup = 500.0;
  p.horizon = 150500.0;
  const auto reps = run_station(p);
  const double m = lambda * mean_stay;
  check_ci(
      "M/G/inf mean occupancy", reps, [](const StationResult& r) { return r.busy; }, m);
  // Poisson(10) CDF at 5, 10, 15.
  std::array<double, 3> cdf{};
  double pmf = std::exp(-m);
  double cum = 0.0;
  for (int n = 0; n <= 15; ++n) {
    if (n > 0) pmf *= m / n;
    cum += pmf;
    if (n == 5) cdf[0] = cum;
    if (n == 10) cdf[1] = cum;
    if (n == 15) cdf[2] = cum;
  }
  check_ci(
      "P(N <= 5)", reps, [](const StationResult& r) { return r.p_at_most[0]; }, cdf[0]);
  check_ci(
      "P(N <= 10)", reps, [](const StationResult& r) { return r.p_at_most[1]; }, cdf[1]);
  // Wrong value for the upper tail: P(N > 15) off by 10%.
  check_ci(
      "P(N <= 15)", reps, [](const StationResult& r) { return r.p_at_most[2]; }, cdf[2],
      -0.1 * (1.0 - cdf[2]));
}

TEST_CASE("Erlang A (M/M/c+M): abandonment and mean wait from the birth-death chain",
          "[validation]") {
  const int c = 5;
  const double lambda = 5.0;
  const double mu = 1.0;
  const double theta = 0.5;  // abandonment rate: mean patience 2
  const auto pi = birth_death(
      400, [&](int) { return lambda; },
      [&](int n) { return std::min(n, c) * mu + std::max(n - c, 0) * theta; });
  double lq = 0.0;
  for (int n = c; n <= 400; ++n) lq += (n - c) * pi[static_cast<std::size_t>(n)];
  const double p_abandon = theta * lq / lambda;
  const double wait_all = lq / lambda;  // Little's law over all arrivals
  StationParams p;
  p.lambda = {lambda};
  p.service_mean = 1.0 / mu;
  p.capacity = c;
  p.patience_mean = 1.0 / theta;
  p.warmup = 100.0;
  p.horizon = 10100.0;
  const auto reps = run_station(p);
  check_ci(
      "Erlang A P(abandon)", reps, [](const StationResult& r) { return r.renege_share; },
      p_abandon);
  check_ci(
      "Erlang A mean wait (all arrivals)", reps, [](const StationResult& r) { return r.wait_all; },
      wait_all);
  // Little's law on the resource's own statistics, reneging included: Lq = lambda * E[time in
  // line] and L = lambda * E[time in resource]. Wrong value: 10% of the level.
  check_ci(
      "Erlang A Lq - lambda Wq", reps,
      [](const StationResult& r) { return r.lq - r.accepted_rate * r.line_time; }, 0.0, 0.1 * lq);
  check_ci(
      "Erlang A L - lambda W", reps,
      [](const StationResult& r) { return r.l - r.accepted_rate * r.w; }, 0.0,
      0.1 * (lq + lambda * (1.0 - p_abandon) / mu));
}

TEST_CASE("Non-preemptive priority M/M/1: each class's wait follows Cobham", "[validation]") {
  const double l1 = 0.3;
  const double l2 = 0.5;
  const double mu = 1.0;
  const double w0 = (l1 + l2) * (2.0 / (mu * mu)) / 2.0;  // sum lambda_i E[S^2] / 2
  const double s1 = l1 / mu;
  const double s2 = s1 + l2 / mu;
  const double wq1 = w0 / (1.0 - s1);
  const double wq2 = w0 / ((1.0 - s1) * (1.0 - s2));
  StationParams p;
  p.lambda = {l1, l2};
  p.service_mean = 1.0 / mu;
  p.capacity = 1;
  p.discipline = QueueDiscipline::priority;
  p.warmup = 500.0;
  p.horizon = 40500.0;
  const auto reps = run_station(p);
  check_ci(
      "Cobham class 1", reps, [](const StationResult& r) { return r.class_wq[0]; }, wq1);
  check_ci(
      "Cobham class 2", reps, [](const StationResult& r) { return r.class_wq[1]; }, wq2);
}

TEST_CASE("Jackson tandem: mean sojourn is the sum of the stations' sojourns", "[validation]") {
  // M/M/1 (mu = 5) then M/M/2 (mu = 2.5 each), lambda = 4.
  const double lambda = 4.0;
  const double w1 = 1.0 / (5.0 - lambda);
  const double w2 = mmc_wq(lambda, 2.5, 2) + 1.0 / 2.5;
  TandemParams p;
  p.lambda = lambda;
  p.service_mean = {1.0 / 5.0, 1.0 / 2.5};
  p.capacity = {1, 2};
  p.warmup = 200.0;
  p.horizon = 10200.0;
  const auto reps = run_tandem(p);
  check_ci(
      "Jackson end-to-end sojourn", reps, [](const TandemResult& r) { return r.sojourn; }, w1 + w2);
  check_ci(
      "Jackson sum of station means", reps, [](const TandemResult& r) { return r.sum_of_means; },
      w1 + w2);
}

namespace {

/// Exact stationary measures of the two-station tandem with a finite line at each station and
/// blocking after service at station 1, from its CTMC solved by Gaussian elimination.
/// State (n1, n2, b): n1 = patients at station 1 (incl. one blocked), n2 = at station 2,
/// b = station 1's patient is finished and blocked.
struct TandemExact {
  double throughput;
  double loss_share;
  double blocked_share;
};

TandemExact solve_blocking_tandem(double lambda, double mu1, double mu2, int l1, int l2) {
  const int m1 = l1 + 1;  // most patients at station 1
  const int m2 = l2 + 1;
  auto idx = [&](int n1, int n2, int b) { return (n1 * (m2 + 1) + n2) * 2 + b; };
  const int n = (m1 + 1) * (m2 + 1) * 2;
  // Generator Q (n x n); valid states: b = 1 needs n1 >= 1 and n2 == m2.
  std::vector<std::vector<double>> q(static_cast<std::size_t>(n),
                                     std::vector<double>(static_cast<std::size_t>(n), 0.0));
  auto valid = [&](int n1, int n2, int b) { return b == 0 || (n1 >= 1 && n2 == m2); };
  auto add = [&](int from, int to, double rate) {
    q[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)] += rate;
    q[static_cast<std::size_t>(from)][static_cast<std::size_t>(from)] -= rate;
  };
  for (int n1 = 0; n1 <= m1; ++n1) {
    for (int n2 = 0; n2 <= m2; ++n2) {
      for (int b = 0; b <= 1; ++b) {
        if (!valid(n1, n2, b)) continue;
        const int s = idx(n1, n2, b);
        if (n1 < m1) add(s, idx(n1 + 1, n2, b), lambda);  // arrival (lost if n1 == m1)
        if (n1 >= 1 && b == 0) {                          // service end at station 1
          if (n2 < m2) {
            add(s, idx(n1 - 1, n2 + 1, 0), mu1);
          } else {
            add(s, idx(n1, n2, 1), mu1);
          }
        }
        if (n2 >= 1) {  // service end at station 2; a blocked patient moves in at once
          if (b == 1) {
            add(s, idx(n1 - 1, n2, 0), mu2);
          } else {
            add(s, idx(n1, n2 - 1, 0), mu2);
          }
        }
      }
    }
  }
  // Solve pi Q = 0, sum pi = 1: transpose, replace one equation by the normalisation. Invalid
  // states get the equation pi_s = 0.
  std::vector<std::vector<double>> a(static_cast<std::size_t>(n),
                                     std::vector<double>(static_cast<std::size_t>(n) + 1, 0.0));
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      a[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] =
          q[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
    }
  }
  for (int n1 = 0; n1 <= m1; ++n1) {
    for (int n2 = 0; n2 <= m2; ++n2) {
      for (int b = 0; b <= 1; ++b) {
        if (valid(n1, n2, b)) continue;
        auto& row = a[static_cast<std::size_t>(idx(n1, n2, b))];
        std::fill(row.begin(), row.end(), 0.0);
        row[static_cast<std::size_t>(idx(n1, n2, b))] = 1.0;
      }
    }
  }
  auto& norm = a[0];  // state (0,0,0) is valid; its balance equation is redundant
  std::fill(norm.begin(), norm.end(), 1.0);
  for (int col = 0; col < n; ++col) {
    std::size_t piv = static_cast<std::size_t>(col);
    for (int r = col + 1; r < n; ++r) {
      if (std::abs(a[static_cast<std::size_t>(r)][static_cast<std::size_t>(col)]) >
          std::abs(a[piv][static_cast<std::size_t>(col)])) {
        piv = static_cast<std::size_t>(r);
      }
    }
    std::swap(a[piv], a[static_cast<std::size_t>(col)]);
    auto& prow = a[static_cast<std::size_t>(col)];
    for (int r = 0; r < n; ++r) {
      if (r == col) continue;
      auto& row = a[static_cast<std::size_t>(r)];
      const double f = row[static_cast<std::size_t>(col)] / prow[static_cast<std::size_t>(col)];
      if (f == 0.0) continue;
      for (int j = col; j <= n; ++j) {
        row[static_cast<std::size_t>(j)] -= f * prow[static_cast<std::size_t>(j)];
      }
    }
  }
  std::vector<double> pi(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    pi[static_cast<std::size_t>(i)] = a[static_cast<std::size_t>(i)][static_cast<std::size_t>(n)] /
                                      a[static_cast<std::size_t>(i)][static_cast<std::size_t>(i)];
  }
  TandemExact ex{};
  for (int n1 = 0; n1 <= m1; ++n1) {
    for (int n2 = 0; n2 <= m2; ++n2) {
      for (int b = 0; b <= 1; ++b) {
        if (!valid(n1, n2, b)) continue;
        const double x = pi[static_cast<std::size_t>(idx(n1, n2, b))];
        if (n2 >= 1) ex.throughput += mu2 * x;
        if (n1 == m1) ex.loss_share += x;  // PASTA
        if (b == 1) ex.blocked_share += x;
      }
    }
  }
  return ex;
}

}  // namespace

TEST_CASE("Tandem with a finite buffer and blocking after service matches its CTMC",
          "[validation]") {
  const double lambda = 1.0;
  const double mu1 = 1.2;
  const double mu2 = 1.0;
  const int l1 = 5;
  const int l2 = 2;
  const TandemExact ex = solve_blocking_tandem(lambda, mu1, mu2, l1, l2);
  // Flow balance of the exact solution: throughput = lambda * (1 - loss).
  REQUIRE(std::abs(ex.throughput - lambda * (1.0 - ex.loss_share)) < 1e-12);
  TandemParams p;
  p.lambda = lambda;
  p.service_mean = {1.0 / mu1, 1.0 / mu2};
  p.capacity = {1, 1};
  p.queue_limit = {l1, l2};
  p.second_mode = EntryMode::block;
  p.warmup = 200.0;
  p.horizon = 20200.0;
  const auto reps = run_tandem(p);
  check_ci(
      "blocking tandem throughput", reps, [](const TandemResult& r) { return r.throughput; },
      ex.throughput);
  check_ci(
      "blocking tandem loss at station 1", reps, [](const TandemResult& r) { return r.loss_share; },
      ex.loss_share);
  check_ci(
      "blocking tandem share of time blocked", reps,
      [](const TandemResult& r) { return r.blocked_share; }, ex.blocked_share);
}

namespace {

struct RosterResult {
  double capacity_area;
  double busy_area;
  double present_mean;
  double completions;
  double first_changes_ok;  // 1 if capacity changes happened at 0, 8, 16, ... alternating
  double changes;
  double synchronisations;
};

/// A closed system of N patients that re-enter as soon as they leave, served by a resource
/// whose capacity a roster process (a SimGrid actor) switches between 10 and 6 every 8 hours.
class ClosedLoop final : public EventHandler, public ResourceClient {
 public:
  ClosedLoop(Simulation& sim, int rep, int n, Monitor* monitor)
      : sim_(sim),
        res_(sim, config(), this, 0, monitor),
        service_(kSeed, static_cast<std::uint64_t>(rep), "roster/service") {
    for (int e = 0; e < n; ++e) res_.arrive(static_cast<std::uint32_t>(e));
  }
  void on_event(std::uint32_t /*kind*/, std::uint32_t e) override {
    end_[e] = EventId{};
    res_.release(e);
    ++completions_;
    res_.arrive(e);
  }
  void on_start(Resource& /*r*/, std::uint32_t e) override {
    end_[e] = sim_.schedule(sim_.now() + exp_sample(service_, 1.0), priority::kRelease, this, 0, e);
  }
  void on_preempted(Resource& /*r*/, std::uint32_t e) override { sim_.cancel(end_[e]); }
  Resource& resource() { return res_; }
  [[nodiscard]] std::uint64_t completions() const { return completions_; }

 private:
  static ResourceConfig config() {
    ResourceConfig c;
    c.name = "rostered";
    c.capacity = 10;
    c.on_capacity_drop = CapacityDropPolicy::preempt;
    return c;
  }
  Simulation& sim_;
  Resource res_;
  RandomStream service_;
  std::unordered_map<std::uint32_t, EventId> end_;
  std::uint64_t completions_ = 0;
};

}  // namespace

TEST_CASE("Roster process: capacity-time integral, closed-queue sanity, throughput",
          "[validation]") {
  constexpr int kPatients = 20;
  constexpr double kHorizon = 960.0;  // 120 shifts of 8 hours
  const auto reps = replicate<RosterResult>(kReplications, [](int rep) {
    Simulation sim;
    MemoryMonitor mon;
    ClosedLoop model(sim, rep, kPatients, &mon);
    Resource& res = model.resource();
    sim.spawn("roster", [&res](ProcessContext& ctx) {
      for (int shift = 0;; ++shift) {
        res.set_capacity(shift % 2 == 0 ? 10 : 6);
        ctx.sleep_for(8.0);
      }
    });
    sim.run(kHorizon);
    RosterResult r{};
    const auto& s = res.stats();
    r.capacity_area = s.capacity.area(sim.now());
    r.busy_area = s.in_service.area(sim.now());
    r.present_mean = s.occupied.mean(sim.now()) + s.queue.mean(sim.now());
    r.completions = static_cast<double>(model.completions());
    bool ok = true;
    int changes = 0;
    for (const auto& ev : mon.events()) {
      if (ev.kind != MonitorEventKind::capacity_change) continue;
      if (changes < 120) {
        ok = ok && ev.time == 8.0 * changes && ev.value == (changes % 2 == 0 ? 10 : 6);
      }
      ++changes;
    }
    r.first_changes_ok = ok ? 1.0 : 0.0;
    r.changes = changes;
    r.synchronisations = static_cast<double>(sim.synchronisations());
    return r;
  });
  // 60 day shifts at 10 and 60 night shifts at 6, 8 hours each.
  const double cap_area = 60 * 8 * 10 + 60 * 8 * 6;
  for (const RosterResult& r : reps) {
    CHECK(r.capacity_area == cap_area);
    // 20 patients > capacity and pre-emptive drops: always full.
    CHECK_THAT(r.busy_area, Catch::Matchers::WithinRel(cap_area, 1e-12));
    CHECK_THAT(r.present_mean, Catch::Matchers::WithinRel(double{kPatients}, 1e-12));
    CHECK(r.first_changes_ok == 1.0);
    CHECK(r.changes >= 120);
    CHECK(r.synchronisations >= 120);
  }
  // Every busy server completes at rate 1, so completions are Poisson(cap_area): z-test.
  double total = 0.0;
  for (const RosterResult& r : reps) total += r.completions;
  const double expected = kReplications * cap_area;
  const double z = (total - expected) / std::sqrt(expected);
  const double z_wrong = (total - 1.1 * expected) / std::sqrt(1.1 * expected);
  INFO("completions " << total << " expected " << expected << " z " << z);
  CHECK(std::abs(z) < 3.29);  // alpha = 0.001
  CHECK(std::abs(z_wrong) > 3.29);
}

TEST_CASE("Determinism: same seed gives the same trace, another replication does not",
          "[validation]") {
  auto trace = [](int rep) {
    return run_isolated<std::array<std::uint64_t, 2>>([rep]() {
      Simulation sim;
      StationParams p;
      p.lambda = {9.0, 0.5};
      p.capacity = 10;
      p.patience_mean = 3.0;
      p.discipline = QueueDiscipline::priority;
      p.horizon = 2000.0;
      Station st(sim, p, rep);
      HashMonitor hash;
      st.resource().set_monitor(&hash);
      sim.run(p.horizon);
      return std::array<std::uint64_t, 2>{hash.hash(), hash.count()};
    });
  };
  const auto a = trace(0);
  const auto b = trace(0);
  const auto c = trace(1);
  CHECK(a[1] > 40000);
  CHECK(a == b);
  CHECK(a[0] != c[0]);
}
