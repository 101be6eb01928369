#pragma once
// Reports on an experiment's result file (a sweep's points, a sizing curve): the text tables the
// `sweep`, `size` and `summary` commands print, and the CSV files `export` adds.
#include <carepath/outputs/experiment_tables.hpp>
#include <carepath/outputs/result_file.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace carepath::outputs {

/// One row per design point x year: the parameter values, then "mean ±half-width" (95% CI) of
/// each KPI (`kpis` empty = the sweep's KPIs of interest, else every KPI).
[[nodiscard]] std::string sweep_table(const ResultReader& reader, const ExperimentRecord& record,
                                      std::vector<std::string> kpis = {});

/// CSV files of an experiment, written into `dir` (one column per parameter, so a pandas or
/// Excel user can pivot directly):
///  - `<table>.csv` for every table (points, curve): scenario, then its columns;
///  - for a sweep, `points_kpis.csv` (scenario, parameters..., replication, year, kpi, unit,
///    value) and `points_summary.csv` (scenario, parameters..., year, kpi, unit, n, mean, sd,
///    ci_low, ci_high).
std::vector<std::filesystem::path> export_experiment_csv(const ResultReader& reader,
                                                         const ExperimentRecord& record,
                                                         const std::filesystem::path& dir);

}  // namespace carepath::outputs
