#pragma once
// Tables an experiment adds to a result file (/experiment, outputs/SCHEMA.md): a sweep's points
// table (one row per design point, one column per parameter) or a sizing search's curve. Written
// into the assembled file before it gets its final name, so a result file is either complete
// with them or absent.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace carepath::outputs {

/// A table with a scenario name per row and float64 columns with units.
struct ExperimentTable {
  std::string name;                  ///< dataset name under /experiment, e.g. "points"
  std::vector<std::string> columns;  ///< column names (compound member names after "scenario")
  std::vector<std::string> units;    ///< one per column ("" if none)
  std::vector<std::string> rows;     ///< scenario name of each row
  std::vector<double> values;        ///< row-major: values[row * columns.size() + column]

  [[nodiscard]] double at(std::size_t row, std::size_t column) const {
    return values[row * columns.size() + column];
  }
  [[nodiscard]] std::size_t column_index(std::string_view column) const;  ///< npos if absent
};

/// What an experiment records: its kind ("sweep" or "size"), text attributes and tables.
struct ExperimentRecord {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> attributes;  ///< in written order
  std::vector<ExperimentTable> tables;

  [[nodiscard]] const ExperimentTable* table(std::string_view name) const;
  [[nodiscard]] std::string attribute(std::string_view key) const;  ///< "" if absent
};

/// Adds /experiment to an existing (assembled) result file. Throws ResultFileError.
void write_experiment(const std::filesystem::path& file, const ExperimentRecord& record);
/// Reads /experiment, or nullopt if the file has none. Throws ResultFileError.
[[nodiscard]] std::optional<ExperimentRecord> read_experiment(const std::filesystem::path& file);

}  // namespace carepath::outputs
