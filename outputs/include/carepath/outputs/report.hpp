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

/// `carepath compare FILE [--baseline S]`: for every year, every scenario's difference from
/// `baseline` for every KPI, with the 95% CI of the paired difference, the variance
/// reduction and a '*' where the CI excludes 0. Plain ASCII, fixed-width whitespace-separated
/// columns with no spaces inside a cell, so it reads in a terminal and pastes into a
/// spreadsheet. Digits follow the CI's precision. `baseline` "" = the file's baseline. Throws
/// std::invalid_argument for an unknown baseline.
[[nodiscard]] std::string compare_table(const ResultReader& reader, std::string baseline = "");
/// The same from in-memory results.
[[nodiscard]] std::string compare_table(const ResultSet& results, const std::string& baseline);

/// `carepath summary FILE`: provenance, then per scenario and year each KPI's mean, sd, 95% CI
/// and n.
[[nodiscard]] std::string summary_text(const ResultReader& reader);
/// `carepath summary --json FILE`: the same as one JSON object (meta, years, scenarios with
/// KPI definitions and summary rows, comparisons); NaN is written as null.
[[nodiscard]] std::string summary_json(const ResultReader& reader);

/// Headline table of the `run` command: one row per scenario x year, one column per selected KPI
/// showing "mean (low-high)" with the 95% CI (" to " instead of '-' when a bound is negative;
/// "mean (n=1)" with a single replication). `kpis` empty = every KPI of the first scenario.
/// Unknown KPIs are shown as "n/a".
[[nodiscard]] std::string headline_table(const ResultSet& results,
                                         const std::vector<std::string>& kpis = {});
[[nodiscard]] std::string headline_table(const ResultReader& reader,
                                         const std::vector<std::string>& kpis = {});

/// What `carepath export --csv DIR` writes.
struct ExportOptions {
  bool time_series = false;  ///< timeseries.csv (long: one row per sample x site x variable)
  bool events = false;       ///< events.csv (raw event log)
  bool vidigi = false;       ///< events_vidigi.csv (see export_vidigi_csv)
};
/// Writes tidy CSVs (RFC 4180, LF line ends, header row, numbers in shortest round-trip form,
/// NaN as "NaN") into `dir` (created if needed) and returns the files written:
///   kpis.csv            scenario,kpi,unit,description
///   kpi_values.csv      scenario,replication,year,kpi,unit,value
///   summary.csv         scenario,year,kpi,unit,n,mean,sd,ci95_low,ci95_high,half_width
///   comparisons.csv     scenario,baseline,year,kpi,unit,n,mean_baseline,mean_scenario,
///                       mean_diff,sd_diff,paired_ci95_low,paired_ci95_high,paired_half_width,
///                       welch_ci95_low,welch_ci95_high,welch_half_width,welch_df,
///                       variance_reduction
///   paired_differences.csv scenario,baseline,replication,year,kpi,unit,difference
///   meta.csv            key,value
/// plus the optional files of `options`. Each file is written as `<name>.tmp` and renamed when
/// complete: a write error (e.g. "... no space left on device") throws ResultFileError and never
/// leaves a partial file under a final name.
std::vector<std::filesystem::path> export_csv(const ResultReader& reader,
                                              const std::filesystem::path& dir,
                                              const ExportOptions& options = {});

/// Writes the event logs of every scenario and replication that has one as a vidigi-style event
/// log (columns scenario,run,patient,pathway,site,event_type,event,time,resource_id); mapping in
/// outputs/SCHEMA.md. Event logs must be in time order (as the simulation writes them):
/// resource slots are assigned in file order. Returns the number of rows written.
std::uint64_t export_vidigi_csv(const ResultReader& reader, const std::filesystem::path& file);

/// RFC 4180 field quoting: quoted (with doubled quotes) only if it contains ',', '"', CR or LF.
[[nodiscard]] std::string csv_field(std::string_view text);
/// Shortest round-trip decimal form of a double; "NaN", "inf", "-inf" for the specials.
[[nodiscard]] std::string format_number(double value);

}  // namespace carepath::outputs
