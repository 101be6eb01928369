#pragma once
// Private to carepath_pathways: `--set PATH=VALUE` overlays and extra lever files, applied to a
// merged document through the same merge as a scenario's overlays.
#include <string>
#include <vector>

#include "yaml_tree.hpp"

namespace carepath::pathways::detail {

/// Applies one "PATH=VALUE" setting to `root`. Every intermediate key of PATH must exist (else an
/// error "unknown site 'x' (did you mean 'y'?)"); the last one may be new (the converter then
/// checks it like any key). Errors are located at "--set PATH=VALUE" (no line or column).
void apply_setting(Node& root, const std::string& setting, std::vector<ConfigError>& errors);

}  // namespace carepath::pathways::detail
