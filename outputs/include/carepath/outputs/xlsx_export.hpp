#pragma once
// `carepath export FILE.h5 --xlsx OUT.xlsx`: an Excel workbook (libxlsxwriter) for planners.
#include <carepath/outputs/result_file.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace carepath::outputs {

struct XlsxOptions {
  std::vector<std::string> headline;  ///< headline KPIs (empty: the first 8 KPIs)
  /// Row limit of a sheet, header included (Excel's is 1,048,576). Hourly time series that
  /// would pass it are written as daily means; if even those would, the sheet stops at the
  /// limit and says so in its last row.
  std::uint64_t max_rows = 1048576;
  int start_year = 0, start_month = 1, start_day = 1;  ///< horizon.start; 0 = dates unknown
};

/// What export_xlsx wrote, for the command's message and the tests.
struct XlsxSummary {
  std::vector<std::string> sheets;
  std::uint64_t time_series_rows = 0;
  bool daily = false;      ///< time series aggregated to daily means
  bool truncated = false;  ///< time series stopped at max_rows
};

/// Sheets, in order: Headline (per scenario and year: each headline KPI's mean and 95% CI),
/// Deltas (paired differences from the baseline with 95% CIs), Sites (site.* KPIs per scenario,
/// year and site), All KPIs (long: every KPI's summary), Time series (one row per hour, or per
/// day when hourly rows would pass max_rows; one column per site and variable), About
/// (provenance). Units are in the header row; panes are frozen below the header and right of
/// the key columns; numbers carry formats with digits following their precision. Throws
/// ResultFileError if the workbook cannot be written.
XlsxSummary export_xlsx(const ResultReader& reader, const std::filesystem::path& file,
                        const XlsxOptions& options = {});

}  // namespace carepath::outputs
