#include <carepath/experiments/sizing.hpp>
#include <carepath/outputs/stats.hpp>
#include <carepath/pathways/config_error.hpp>
#include <carepath/pathways/runtime.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace carepath::experiments {
namespace {

namespace fs = std::filesystem;

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}

[[noreturn]] void option_error(const std::string& option, const std::string& message) {
  throw pathways::ConfigErrors({pathways::ConfigError{option, 0, 0, message}});
}

}  // namespace

Sizing::Sizing(SizingQuestion question)
    : q_(std::move(question)), base_(pathways::load_valid_model(q_.scenario, q_.load)) {
  if (q_.sites.empty()) option_error("--site", "name at least one site to size");
  std::vector<std::string> site_names;
  site_names.reserve(base_.sites.size());
  for (const auto& s : base_.sites) site_names.push_back(s.name);
  std::vector<std::string> years;
  years.reserve(static_cast<std::size_t>(std::max(base_.horizon.years, 0)));
  for (int y = 0; y < base_.horizon.years; ++y) years.push_back(base_.horizon.year_label(y));
  const auto yit = std::find(years.begin(), years.end(), q_.year);
  if (yit == years.end()) {
    option_error("--year " + q_.year, "no year '" + q_.year + "' in the horizon (" + years.front() +
                                          " to " + years.back() + ")" +
                                          pathways::did_you_mean(q_.year, years));
  }
  year_ = static_cast<std::size_t>(yit - years.begin());
  for (const auto& name : q_.sites) {
    const int i = base_.site_index(name);
    if (i < 0) {
      option_error("--site " + name,
                   "unknown site '" + name + "'" + pathways::did_you_mean(name, site_names));
    }
    const auto& site = base_.sites[static_cast<std::size_t>(i)];
    const int cap = site.capacity.at(static_cast<int>(year_));
    if (cap == pathways::kUnlimited || cap <= 0) {
      option_error("--site " + name, "site '" + name + "' has no finite capacity to size");
    }
    base_caps_.push_back(cap);
    census_.push_back(site.initial.occupied);
    base_total_ += cap;
  }
  std::vector<std::string> kpis;
  for (const auto& k : pathways::kpi_catalogue(base_)) kpis.push_back(k.name);
  if (std::find(kpis.begin(), kpis.end(), q_.kpi) == kpis.end()) {
    option_error("--kpi " + q_.kpi,
                 "unknown KPI '" + q_.kpi + "'" + pathways::did_you_mean(q_.kpi, kpis));
  }
  if (!q_.min_capacity) q_.min_capacity = static_cast<int>(q_.sites.size());
  if (!q_.max_capacity) q_.max_capacity = 2 * base_total_;
  if (*q_.min_capacity < static_cast<int>(q_.sites.size()) || *q_.max_capacity < *q_.min_capacity)
    option_error("--min-capacity", "the capacity range is empty");
  if (!q_.seed) q_.seed = base_.run.seed;
  // Reported before any run: a warm start that cannot fit a smaller capacity is cut to it.
  for (std::size_t i = 0; i < q_.sites.size(); ++i) {
    if (census_[i] > 0 && census_[i] > split(*q_.min_capacity)[i]) {
      notes_.push_back("site '" + q_.sites[i] + "' starts with " + std::to_string(census_[i]) +
                       " occupied: at a capacity below that, the starting census is cut to the "
                       "capacity (the patients above it are left out of the warm start)");
    }
  }
}

std::vector<int> Sizing::split(int total) const {
  // Proportional to the model's capacities, largest remainders first, so the parts add up.
  std::vector<int> out(base_caps_.size(), 0);
  std::vector<std::pair<double, std::size_t>> rest;
  int used = 0;
  for (std::size_t i = 0; i < base_caps_.size(); ++i) {
    const double exact = static_cast<double>(total) * base_caps_[i] / base_total_;
    out[i] = std::max(1, static_cast<int>(std::floor(exact)));
    used += out[i];
    rest.emplace_back(exact - std::floor(exact), i);
  }
  std::stable_sort(rest.begin(), rest.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; used < total && k < rest.size(); ++k, ++used) ++out[rest[k].second];
  return out;
}

pathways::ModelSpec Sizing::model_at(int capacity, bool& census_scaled) const {
  pathways::LoadOptions options = q_.load;
  const std::vector<int> caps = split(capacity);
  std::string label;
  census_scaled = false;
  for (std::size_t i = 0; i < q_.sites.size(); ++i) {
    const std::string cap = std::to_string(caps[i]);
    options.sets.push_back("sites." + q_.sites[i] + ".capacity=" + cap);
    if (census_[i] > caps[i]) {
      options.sets.push_back("sites." + q_.sites[i] + ".initial.occupied=" + cap);
      census_scaled = true;
    }
    label += (i == 0 ? "" : ",") + q_.sites[i] + "=" + cap;
  }
  pathways::ModelSpec m = pathways::load_valid_model(q_.scenario, options);
  const std::string base = m.scenario.empty()
                               ? (m.name.empty() ? fs::path(q_.scenario).stem().string() : m.name)
                               : m.scenario;
  m.scenario = base + "@" + label;
  m.run.seed = *q_.seed;
  return m;
}

void Sizing::classify(SizingPoint& p) const {
  using V = SizingPoint::Verdict;
  if (!std::isfinite(p.half_width)) {
    p.verdict = V::undecided;
  } else if (q_.at_most) {
    p.verdict = p.mean + p.half_width <= q_.target
                    ? V::meets
                    : (p.mean - p.half_width > q_.target ? V::fails : V::undecided);
  } else {
    p.verdict = p.mean - p.half_width >= q_.target
                    ? V::meets
                    : (p.mean + p.half_width < q_.target ? V::fails : V::undecided);
  }
}

SizingPoint& Sizing::evaluate(int capacity, int replications) {
  auto it = std::find_if(points_.begin(), points_.end(),
                         [&](const SizingPoint& p) { return p.capacity == capacity; });
  if (it != points_.end() && it->replications >= replications) return *it;
  SizingPoint fresh;
  fresh.capacity = capacity;
  fresh.site_capacities = split(capacity);
  Plan plan;
  plan.add(model_at(capacity, fresh.census_scaled));
  plan.set_seed(*q_.seed);  // common random numbers: every capacity draws the same streams
  plan.set_replications(replications);
  run_tasks(plan, *store_, *runner_, outputs_, observer_, round_++,
            it == points_.end() ? 0 : it->replications);
  const outputs::ResultSet set = gather(plan, *store_);
  const outputs::ScenarioResults& sr = set.scenarios.front();
  const auto s =
      outputs::summarise(sr.column(year_, sr.kpi_index(q_.kpi), set.years.size()), q_.confidence);
  if (std::isnan(s.mean)) {
    throw std::runtime_error(q_.kpi + " is not a number in " + q_.year + " at capacity " +
                             std::to_string(capacity) + ", so no capacity can be sized on it");
  }
  SizingPoint& p = it == points_.end() ? points_.emplace_back(std::move(fresh)) : *it;
  p.replications = replications;
  p.mean = s.mean;
  p.half_width = s.half_width;
  classify(p);
  return p;
}

SizingAnswer Sizing::run(const TaskStore& store, Runner& runner, const TaskOutputs& outputs,
                         const Observer& observer) {
  store_ = &store;
  runner_ = &runner;
  outputs_ = outputs;
  observer_ = observer;
  using V = SizingPoint::Verdict;
  const int lo = *q_.min_capacity;
  const int hi = *q_.max_capacity;
  auto meets_by_mean = [&](const SizingPoint& p) {
    return q_.at_most ? p.mean <= q_.target : p.mean >= q_.target;
  };
  SizingAnswer answer;
  int n = std::max(2, q_.replications);
  for (;;) {
    // Bisection on the means (monotone in capacity), reusing every capacity already run.
    int a = lo - 1;  // fails (virtually)
    int b = hi;
    // Capacities already run keep their replications here; only the boundary gets more.
    auto probe = [&](int c) -> SizingPoint& {
      for (auto& p : points_)
        if (p.capacity == c) return p;
      return evaluate(c, n);
    };
    if (!meets_by_mean(probe(hi))) {
      a = hi;
    } else {
      while (b - a > 1) {
        const int m = a + (b - a) / 2;
        if (meets_by_mean(probe(m))) {
          b = m;
        } else {
          a = m;
        }
      }
    }
    auto at = [&](int c) -> SizingPoint* {
      for (auto& p : points_)
        if (p.capacity == c) return &p;
      return nullptr;
    };
    SizingPoint* above = a == hi ? nullptr : at(b);
    SizingPoint* below = a < lo ? nullptr : at(a);
    const bool above_ok = above == nullptr || above->verdict == V::meets;
    const bool below_ok = below == nullptr || below->verdict == V::fails;
    if (above_ok && below_ok) {
      answer.decided = true;
      if (above == nullptr) {
        answer.message = "no capacity up to " + std::to_string(hi) + " meets the target: at " +
                         std::to_string(hi) + " the KPI is " + fmt(below->mean) + " ±" +
                         fmt(below->half_width) + " (try a larger --max-capacity)";
      } else {
        answer.capacity = above->capacity;
        answer.message = "smallest capacity meeting the target: " + std::to_string(b) + " (KPI " +
                         fmt(above->mean) + " ±" + fmt(above->half_width) + ")";
        if (below != nullptr) {
          answer.message += "; at " + std::to_string(a) + " it is " + fmt(below->mean) + " ±" +
                            fmt(below->half_width);
        } else {
          answer.message += "; it is the smallest capacity searched (--min-capacity)";
        }
      }
      break;
    }
    if (n >= q_.max_replications) {
      answer.decided = false;
      answer.message = "could not decide within " + std::to_string(q_.max_replications) +
                       " replications: the target lies inside the confidence interval at " +
                       std::to_string(above != nullptr && above->verdict != V::meets ? b : a) +
                       "; the answer is " + std::to_string(b) + " or near it (raise " +
                       "--max-replications or lower --confidence)";
      if (above != nullptr) answer.capacity = b;
      break;
    }
    n = std::min(2 * n, q_.max_replications);
    if (above != nullptr) evaluate(above->capacity, n);
    if (below != nullptr) evaluate(below->capacity, n);
  }
  answer.curve = points_;
  std::sort(answer.curve.begin(), answer.curve.end(),
            [](const SizingPoint& x, const SizingPoint& y) { return x.capacity < y.capacity; });
  answer.notes = notes_;
  // The result file holds the capacities run with the most replications (the boundary).
  int most = 0;
  for (const auto& p : answer.curve) most = std::max(most, p.replications);
  final_ = Plan();
  for (const auto& p : answer.curve) {
    if (p.replications != most) continue;
    bool scaled = false;
    final_.add(model_at(p.capacity, scaled));
  }
  final_.set_seed(*q_.seed);
  final_.set_replications(most);
  return answer;
}

outputs::ExperimentRecord Sizing::record(const SizingAnswer& answer) const {
  outputs::ExperimentRecord r;
  r.kind = "size";
  std::string sites;
  for (const auto& s : q_.sites) sites += (sites.empty() ? "" : ",") + s;
  r.attributes = {{"name", "size " + sites},
                  {"sites", sites},
                  {"kpi", q_.kpi},
                  {"year", q_.year},
                  {"bound", q_.at_most ? "at_most" : "at_least"},
                  {"target", fmt(q_.target)},
                  {"confidence", fmt(q_.confidence)},
                  {"decided", answer.decided ? "yes" : "no"},
                  {"answer", answer.capacity ? std::to_string(*answer.capacity) : ""},
                  {"message", answer.message}};
  outputs::ExperimentTable t;
  t.name = "curve";
  std::string kpi_unit;
  for (const auto& k : pathways::kpi_catalogue(base_))
    if (k.name == q_.kpi) kpi_unit = k.unit;
  t.columns = {"capacity"};
  t.units = {"places"};
  if (q_.sites.size() > 1) {
    for (const auto& s : q_.sites) {
      t.columns.push_back(s);
      t.units.emplace_back("places");
    }
  }
  for (const char* c :
       {"replications", "mean", "half_width", "ci_low", "ci_high", "verdict", "census_scaled"})
    t.columns.emplace_back(c);
  t.units.insert(t.units.end(), {"", kpi_unit, kpi_unit, kpi_unit, kpi_unit,
                                 "1 meets, -1 fails, 0 undecided", "1 = yes"});
  const std::string base =
      base_.scenario.empty()
          ? (base_.name.empty() ? fs::path(q_.scenario).stem().string() : base_.name)
          : base_.scenario;
  for (const auto& p : answer.curve) {
    std::string label;
    for (std::size_t i = 0; i < q_.sites.size(); ++i)
      label += (i == 0 ? "" : ",") + q_.sites[i] + "=" + std::to_string(p.site_capacities[i]);
    t.rows.push_back(base + "@" + label);
    t.values.push_back(p.capacity);
    if (q_.sites.size() > 1)
      for (const int c : p.site_capacities) t.values.push_back(c);
    const double v = p.verdict == SizingPoint::Verdict::meets
                         ? 1
                         : (p.verdict == SizingPoint::Verdict::fails ? -1 : 0);
    t.values.insert(t.values.end(),
                    {static_cast<double>(p.replications), p.mean, p.half_width,
                     p.mean - p.half_width, p.mean + p.half_width, v, p.census_scaled ? 1.0 : 0.0});
  }
  r.tables.push_back(std::move(t));
  return r;
}

}  // namespace carepath::experiments
