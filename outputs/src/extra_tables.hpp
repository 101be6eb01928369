#pragma once
// Generic reading of result-file groups the report does not know in detail (e.g. /sweep and
// /sizing, written by the sweep and size commands): every 1-D compound dataset below a group,
// as a table of strings and numbers. Private to carepath_outputs.
#include <filesystem>
#include <string>
#include <vector>

namespace carepath::outputs {

struct ExtraTable {
  std::string path;                                             ///< e.g. "/sweep/summary"
  std::vector<std::string> columns;                             ///< compound member names
  std::vector<bool> numeric;                                    ///< per column: number (else text)
  std::vector<std::vector<double>> numbers;                     ///< per column (numeric columns)
  std::vector<std::vector<std::string>> texts;                  ///< per column (text columns)
  std::vector<std::pair<std::string, std::string>> attributes;  ///< string/number attributes
  std::size_t rows = 0;
};

/// Every compound dataset under `group` (recursively, sorted by path); empty if the group is
/// absent. At most `max_rows` rows are read per dataset.
[[nodiscard]] std::vector<ExtraTable> read_extra_tables(const std::filesystem::path& file,
                                                        const std::string& group,
                                                        std::size_t max_rows = 5000);

}  // namespace carepath::outputs
