#pragma once
// Shared by the pathways tests: a KPI's value in a replication result, and the errors of loading
// a model given as text.
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace carepath::pathways::testing {

/// The value of KPI `name` in `year` (0 = the first); fails the test if there is no such KPI.
inline double kpi_value(const ReplicationResult& r, const std::string& name, int year = 0) {
  for (std::size_t k = 0; k < r.kpis.size(); ++k) {
    if (r.kpis[k].name == name) return r.value(year, k);
  }
  FAIL("no KPI " << name);
  return 0;
}

/// The errors of loading `yaml` as file `file`, one per line, or "(loaded without error)".
inline std::string load_errors(const std::string& yaml, const std::string& file,
                               const LoadOptions& options = {}) {
  try {
    load_model_from_string(yaml, file, options);
  } catch (const ConfigErrors& e) {
    return e.what();
  }
  return "(loaded without error)";
}

}  // namespace carepath::pathways::testing
