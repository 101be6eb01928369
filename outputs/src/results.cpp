#include <carepath/outputs/results.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace carepath::outputs {

std::size_t ScenarioResults::kpi_index(std::string_view kpi) const {
  for (std::size_t k = 0; k < kpis.size(); ++k) {
    if (kpis[k].name == kpi) return k;
  }
  return std::string::npos;
}

std::vector<double> ScenarioResults::column(std::size_t y, std::size_t k,
                                            std::size_t n_years) const {
  std::vector<double> out;
  out.reserve(replications.size());
  for (std::size_t r = 0; r < replications.size(); ++r) out.push_back(value(r, y, k, n_years));
  return out;
}

const ScenarioResults* ResultSet::find(std::string_view scenario) const {
  for (const auto& s : scenarios) {
    if (s.name == scenario) return &s;
  }
  return nullptr;
}

const ScenarioResults& ResultSet::at(std::string_view scenario) const {
  if (const auto* s = find(scenario)) return *s;
  std::string known;
  for (const auto& s : scenarios) known += (known.empty() ? "" : ", ") + s.name;
  throw std::invalid_argument("unknown scenario \"" + std::string(scenario) +
                              "\" (scenarios: " + known + ")");
}

std::vector<SummaryRow> summarise_scenario(const ResultSet& set, const ScenarioResults& scenario) {
  std::vector<SummaryRow> rows;
  const std::size_t n_years = set.years.size();
  rows.reserve(scenario.kpis.size() * n_years);
  for (std::size_t k = 0; k < scenario.kpis.size(); ++k) {
    for (std::size_t y = 0; y < n_years; ++y) {
      const auto col = scenario.column(y, k, n_years);
      rows.push_back(
          SummaryRow{scenario.kpis[k].name, scenario.kpis[k].unit, set.years[y], summarise(col)});
    }
  }
  return rows;
}

Comparison compare_scenarios(const ResultSet& set, const ScenarioResults& scenario,
                             const ScenarioResults& baseline) {
  Comparison c;
  c.scenario = scenario.name;
  c.baseline = baseline.name;
  const std::size_t n_years = set.years.size();
  // Replications present in both (both lists are ascending).
  std::vector<std::size_t> ri_s;
  std::vector<std::size_t> ri_b;
  for (std::size_t i = 0, j = 0;
       i < scenario.replications.size() && j < baseline.replications.size();) {
    if (scenario.replications[i] < baseline.replications[j]) {
      ++i;
    } else if (baseline.replications[j] < scenario.replications[i]) {
      ++j;
    } else {
      c.replications.push_back(scenario.replications[i]);
      ri_s.push_back(i++);
      ri_b.push_back(j++);
    }
  }
  if (c.replications.empty()) {
    throw std::invalid_argument("scenarios \"" + scenario.name + "\" and \"" + baseline.name +
                                "\" share no replication: cannot pair them");
  }
  std::vector<std::size_t> ks;
  std::vector<std::size_t> kb;
  for (std::size_t k = 0; k < scenario.kpis.size(); ++k) {
    const std::size_t b = baseline.kpi_index(scenario.kpis[k].name);
    if (b == std::string::npos) continue;
    c.kpis.push_back(scenario.kpis[k].name);
    ks.push_back(k);
    kb.push_back(b);
  }
  const std::size_t nk = c.kpis.size();
  const std::size_t nr = c.replications.size();
  c.differences.resize(nr * n_years * nk);
  for (std::size_t r = 0; r < nr; ++r) {
    for (std::size_t y = 0; y < n_years; ++y) {
      for (std::size_t k = 0; k < nk; ++k) {
        c.differences[(r * n_years + y) * nk + k] =
            scenario.value(ri_s[r], y, ks[k], n_years) - baseline.value(ri_b[r], y, kb[k], n_years);
      }
    }
  }
  std::vector<double> a(nr);
  std::vector<double> b(nr);
  for (std::size_t k = 0; k < nk; ++k) {
    for (std::size_t y = 0; y < n_years; ++y) {
      for (std::size_t r = 0; r < nr; ++r) {
        a[r] = baseline.value(ri_b[r], y, kb[k], n_years);
        b[r] = scenario.value(ri_s[r], y, ks[k], n_years);
      }
      c.rows.push_back(ComparisonRow{c.kpis[k], scenario.kpis[ks[k]].unit, set.years[y],
                                     paired_comparison(a, b)});
    }
  }
  return c;
}

}  // namespace carepath::outputs

namespace carepath::outputs {

TargetStatus target_status(const TargetDef& target, const Summary& kpi) {
  const double lo = kpi.ci_low;
  const double hi = kpi.ci_high;
  if (std::isnan(lo) || std::isnan(hi)) return TargetStatus::uncertain;
  if (target.at_least) {
    if (lo >= target.bound) return TargetStatus::met;
    if (hi < target.bound) return TargetStatus::not_met;
  } else {
    if (hi <= target.bound) return TargetStatus::met;
    if (lo > target.bound) return TargetStatus::not_met;
  }
  return TargetStatus::uncertain;
}

const char* target_status_name(TargetStatus status) {
  switch (status) {
    case TargetStatus::met:
      return "met";
    case TargetStatus::not_met:
      return "not met";
    case TargetStatus::uncertain:
      break;
  }
  return "uncertain";
}

std::vector<TargetRow> evaluate_targets(const ScenarioResults& scenario,
                                        const std::vector<SummaryRow>& summary) {
  std::vector<TargetRow> out;
  for (const auto& t : scenario.targets) {
    for (const auto& row : summary) {
      if (row.kpi != t.kpi || (!t.year.empty() && row.year != t.year)) continue;
      out.push_back(TargetRow{t, row.unit, row.year, row.stats, target_status(t, row.stats)});
    }
  }
  return out;
}

}  // namespace carepath::outputs
