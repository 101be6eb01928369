#pragma once
// Text behind the `compare`, `export`, `summary` and `run` commands. The CLI parses arguments
// and calls these; they never exit or print to stderr themselves (errors are exceptions).
#include <carepath/outputs/result_file.hpp>
#include <carepath/outputs/results.hpp>

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace carepath::outputs {

/// Which KPIs and years a table shows (`--all`, `--kpi`, `--year`).
struct KpiSelection {
  std::vector<std::string> headline;  ///< the model's headline KPIs: the default view
  bool all = false;                   ///< every KPI (also the default when `headline` is empty)
  std::vector<std::string> patterns;  ///< `--kpi` globs ('*', '?'); non-empty = only these
  std::vector<std::string> years;     ///< `--year` labels ("2015/16" or "2015"); empty = all
  [[nodiscard]] bool shows_kpi(std::string_view kpi) const;
  [[nodiscard]] bool shows_year(std::string_view year) const;
};
/// Shell-style glob: '*' any run of characters, '?' one character, everything else literal.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);
/// The KPIs (in `kpis` order) and years (in `years` order) that `selection` shows. Throws
/// std::invalid_argument naming the option if a `--kpi` pattern or `--year` matches nothing.
[[nodiscard]] std::vector<std::string> selected_kpis(const KpiSelection& selection,
                                                     const std::vector<KpiDef>& kpis);
[[nodiscard]] std::vector<std::string> selected_years(const KpiSelection& selection,
                                                      const std::vector<std::string>& years);

/// `carepath compare FILE [--baseline S]`: one row per (year, KPI) with the baseline's mean and,
/// per other scenario, the mean paired difference from `baseline` as "delta+-h" (h = half-width
/// of the 95% CI, Student t) with '*' where the CI excludes 0. Plain ASCII, aligned columns with
/// no spaces inside a cell, so it reads in a terminal and pastes into a spreadsheet. Digits
/// follow the CI's precision. `baseline` "" = the file's baseline. Throws std::invalid_argument
/// for an unknown baseline.
[[nodiscard]] std::string compare_table(const ResultReader& reader, std::string baseline = "",
                                        const KpiSelection& selection = {});
/// The same from in-memory results.
[[nodiscard]] std::string compare_table(const ResultSet& results, const std::string& baseline,
                                        const KpiSelection& selection = {});

/// `carepath summary FILE`: provenance, then one row per (year, KPI) with each scenario's
/// mean and 95% CI half-width ("mean+-h").
[[nodiscard]] std::string summary_text(const ResultReader& reader,
                                       const KpiSelection& selection = {});
/// `carepath summary --json FILE`: the same as one JSON object (meta, years, scenarios with
/// KPI definitions and summary rows, comparisons); NaN is written as null. Always complete.
[[nodiscard]] std::string summary_json(const ResultReader& reader);
/// The plan targets of every scenario with their status (met / not met / uncertain) as an
/// aligned table under a heading; "" when no scenario declares targets.
[[nodiscard]] std::string targets_table(const ResultReader& reader);

/// Headline table of the `run` command: one row per (year, KPI), one column per scenario
/// showing "mean+-h" (h = 95% CI half-width; the mean alone with one replication). `kpis`
/// empty = every KPI of the first scenario; `years` empty = every year. Unknown KPIs show "n/a".
[[nodiscard]] std::string headline_table(const ResultSet& results,
                                         const std::vector<std::string>& kpis = {},
                                         const std::vector<std::string>& years = {});
[[nodiscard]] std::string headline_table(const ResultReader& reader,
                                         const std::vector<std::string>& kpis = {},
                                         const std::vector<std::string>& years = {});

/// What `carepath export --csv DIR` writes.
struct ExportOptions {
  bool time_series = false;  ///< timeseries.csv (long: one row per sample x site x variable)
  bool events = false;       ///< events.csv (raw event log)
  bool vidigi = false;       ///< events_vidigi.csv (see vidigi_export.hpp)
  std::vector<std::string> headline;  ///< headline KPIs: `headline` column = 1 for these
};
/// Writes tidy CSVs (RFC 4180, LF line ends, header row, numbers in shortest round-trip form,
/// NaN as "NaN") into `dir` (created if needed) and returns the files written:
///   kpis.csv            scenario,kpi,unit,description,headline
///   kpi_values.csv      scenario,replication,year,kpi,unit,value,headline
///   summary.csv         scenario,year,kpi,unit,n,mean,sd,ci95_low,ci95_high,half_width,headline
///   comparisons.csv     scenario,baseline,year,kpi,unit,n,mean_baseline,mean_scenario,
///                       mean_diff,sd_diff,paired_ci95_low,paired_ci95_high,paired_half_width,
///                       welch_ci95_low,welch_ci95_high,welch_half_width,welch_df,
///                       variance_reduction,headline
///   paired_differences.csv scenario,baseline,replication,year,kpi,unit,difference,headline
/// (`headline` = 1 for the model's headline KPIs in `options.headline`, else 0)
///   meta.csv            key,value
/// plus the optional files of `options`. Each file is written as `<name>.tmp` and renamed when
/// complete: a write error (e.g. "... no space left on device") throws ResultFileError and never
/// leaves a partial file under a final name.
std::vector<std::filesystem::path> export_csv(const ResultReader& reader,
                                              const std::filesystem::path& dir,
                                              const ExportOptions& options = {});

/// RFC 4180 field quoting: quoted (with doubled quotes) only if it contains ',', '"', CR or LF.
[[nodiscard]] std::string csv_field(std::string_view text);
/// Shortest round-trip decimal form of a double; "NaN", "inf", "-inf" for the specials.
[[nodiscard]] std::string format_number(double value);

}  // namespace carepath::outputs
