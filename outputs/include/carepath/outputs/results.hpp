#pragma once
// In-memory result model shared by the result file (writer/reader) and the reports: KPI
// definitions, per-replication KPI values, summaries and paired comparisons. No HDF5 here, so the
// `run` command can print its headline table straight from memory.
#include <carepath/outputs/stats.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace carepath::outputs {

/// A key performance indicator, e.g. {"ed_4h_pct", "%", "Share of ED attendances seen in 4 h"}.
/// Names are unique within a scenario and should be plain identifiers (letters, digits, '_',
/// '.', '-'), e.g. "site.ed.wait_p95"; they become column names.
struct KpiDef {
  std::string name;
  std::string unit;
  std::string description;
  bool headline = false;  ///< one of the few KPIs the `run` table and reports lead with
  friend bool operator==(const KpiDef&, const KpiDef&) = default;
};

/// A plan target on a KPI (scenarios/README.md, "Targets"): the KPI's mean must be at least
/// (or at most) `bound`, in the KPI's unit, in `year` ("" = every year).
struct TargetDef {
  std::string name;  ///< the target's key in the model's `targets:`
  std::string kpi;
  std::string year;  ///< a year label such as "2018/19"; "" = every year
  double bound = 0;
  bool at_least = true;  ///< true: KPI >= bound; false: KPI <= bound
  std::string label;     ///< what the target is and its source
  friend bool operator==(const TargetDef&, const TargetDef&) = default;
};

/// Whether a target is met: "met" if the whole 95% CI of the KPI's mean is on the right side of
/// the bound, "not met" if it is wholly on the wrong side, "uncertain" if it straddles the
/// bound (or is undefined, e.g. one replication or a NaN mean).
enum class TargetStatus : std::uint8_t { met, not_met, uncertain };
[[nodiscard]] TargetStatus target_status(const TargetDef& target, const Summary& kpi);
[[nodiscard]] const char* target_status_name(TargetStatus status);  ///< "met", "not met", ...

/// A target evaluated in one year of one scenario.
struct TargetRow {
  TargetDef target;
  std::string unit;
  std::string year;
  Summary stats;
  TargetStatus status = TargetStatus::uncertain;
};

/// One scenario's KPI values: one value per (replication, year, KPI).
struct ScenarioResults {
  std::string name;
  std::vector<KpiDef> kpis;
  std::vector<TargetDef> targets;           ///< the scenario's plan targets (may be empty)
  std::vector<std::uint32_t> replications;  ///< ascending, no duplicates
  /// values[(r * years + y) * kpis.size() + k] for replication index r (into `replications`),
  /// year index y (into ResultSet::years), KPI index k.
  std::vector<double> values;

  [[nodiscard]] std::size_t kpi_index(std::string_view kpi) const;  ///< npos if absent
  /// Value of replication index r, year index y, KPI index k (needs the number of years).
  [[nodiscard]] double value(std::size_t r, std::size_t y, std::size_t k,
                             std::size_t n_years) const {
    return values[(r * n_years + y) * kpis.size() + k];
  }
  /// Values of KPI k in year y across replications, in replication order.
  [[nodiscard]] std::vector<double> column(std::size_t y, std::size_t k, std::size_t n_years) const;
};

/// All scenarios of one run, over the same years (labels such as "2014/15").
struct ResultSet {
  std::vector<std::string> years;
  std::vector<ScenarioResults> scenarios;

  [[nodiscard]] const ScenarioResults* find(std::string_view scenario) const;
  /// Throws std::invalid_argument if the scenario is unknown.
  [[nodiscard]] const ScenarioResults& at(std::string_view scenario) const;
};

/// One row of a scenario's summary: a KPI in a year, across replications.
struct SummaryRow {
  std::string kpi;
  std::string unit;
  std::string year;
  Summary stats;
};
/// Summaries of every KPI x year of one scenario (KPI-major, then year), 95% CIs.
[[nodiscard]] std::vector<SummaryRow> summarise_scenario(const ResultSet& set,
                                                         const ScenarioResults& scenario);

/// Every target of `scenario` in every year it applies to (target order, then year), from the
/// scenario's summary rows; a target whose KPI or year is absent is left out.
[[nodiscard]] std::vector<TargetRow> evaluate_targets(const ScenarioResults& scenario,
                                                      const std::vector<SummaryRow>& summary);

/// One row of a scenario-vs-baseline comparison: a KPI in a year.
struct ComparisonRow {
  std::string kpi;
  std::string unit;
  std::string year;
  PairedComparison stats;  ///< a = baseline, b = scenario: differences are scenario - baseline
};
/// Per-replication differences (scenario - baseline) and their comparison rows.
struct Comparison {
  std::string scenario;
  std::string baseline;
  std::vector<std::string> kpis;            ///< KPIs present in both, in the scenario's order
  std::vector<std::uint32_t> replications;  ///< the paired replications (present in both)
  /// differences[(r * years + y) * kpis.size() + k]
  std::vector<double> differences;
  std::vector<ComparisonRow> rows;  ///< KPI-major, then year
};
/// Pairs `scenario` with `baseline` by replication number (replications present in both) and
/// KPI name (KPIs present in both). Throws std::invalid_argument if no replication is shared.
[[nodiscard]] Comparison compare_scenarios(const ResultSet& set, const ScenarioResults& scenario,
                                           const ScenarioResults& baseline);

}  // namespace carepath::outputs
