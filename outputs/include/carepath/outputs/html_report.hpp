#pragma once
// `carepath report FILE.h5 -o report.html`: one self-contained HTML page (Vega inlined, no
// network) with headline KPIs, scenario deltas, sites, flows, sweeps/sizing and provenance.
//
// The outputs layer knows nothing of models: what the page needs from the model (site kinds,
// capacities, routes, horizon, assumptions) comes in a ReportModel filled by the caller.
#include <carepath/outputs/result_file.hpp>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace carepath::outputs {

/// What the report needs to know about one site of the model.
struct ReportSite {
  std::string name;
  std::string label;
  std::string kind;      ///< "service", "beds", "team", "triage", "delay", "exit"
  double capacity = -1;  ///< first year's capacity; < 0 = unlimited
};

/// A route of the model: from a site to a target with the mean probability over its rules
/// (`via` "route"), or where a site sends the patients it cannot take (`via` "overflow") or
/// who give up waiting (`via` "renege"; probability 1 for both).
struct ReportRoute {
  std::string from;
  std::string to;
  double probability = 0;
  std::string via = "route";
};

/// An arrival stream: expected arrivals in the first year at an entry site.
struct ReportArrival {
  std::string name;
  std::string to;
  double per_year = 0;
};

/// One line of a model file that states an assumption.
struct ReportAssumption {
  std::string where;  ///< "scenarios/dudley/model.yaml:40"
  std::string text;
};

/// The model facts behind the report (from the baseline scenario's resolved model).
struct ReportModel {
  std::string name;
  std::string description;
  std::vector<std::string> headline;  ///< headline KPI names, in model order
  std::vector<ReportSite> sites;
  std::vector<ReportRoute> routes;
  std::vector<ReportArrival> arrivals;
  int start_year = 0, start_month = 1, start_day = 1;  ///< horizon.start (time zero of the file)
  double warmup_days = 0;
  int horizon_years = 0;
  std::vector<ReportAssumption> assumptions;
  std::vector<std::string> model_files;  ///< files the assumptions were read from
};

struct HtmlReportOptions {
  /// Folder holding the Debian libjs-vega modules (vega-util.min.js, ...).
  std::filesystem::path vega_dir;
  /// Adds a script that, once every chart has rendered, writes each chart as a PNG data URL
  /// into <pre id="png-export"> (name TAB data-url per line) for `--png DIR`.
  bool png_export = false;
  /// Replications of the baseline read for the hour-of-week heat maps (time series).
  std::size_t heat_map_replications = 3;
};

/// The folder of the Vega modules: $CAREPATH_VEGA_DIR, else the one found at build time, else
/// /usr/share/javascript/vega. Throws ResultFileError naming the package if it is missing.
[[nodiscard]] std::filesystem::path find_vega_dir();

/// Writes the report. Throws ResultFileError (e.g. Vega modules missing).
void write_html_report(const ResultReader& reader, const ReportModel& model,
                       const HtmlReportOptions& options, std::ostream& out);

/// Line diff of two texts (longest common subsequence): lines starting "- " (only in `from`),
/// "+ " (only in `to`) and "  " (context, at most `context` lines around each change; "..."
/// marks a gap). Empty if the texts are equal.
[[nodiscard]] std::vector<std::string> line_diff(const std::string& from, const std::string& to,
                                                 std::size_t context = 1);

}  // namespace carepath::outputs
