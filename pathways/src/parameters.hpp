#pragma once
// Private to carepath_pathways: the `parameters:` block and "=expression" values
// (scenarios/README.md, "Parameters").
#include <string>
#include <vector>

#include "yaml_tree.hpp"

namespace carepath::pathways::detail {

/// Replaces every "=expression" scalar of `root` (outside `parameters:`) by its value, computed
/// from the parameters' values; checks each parameter's value against its bounds. Errors carry
/// the expression's (or the value's) position; unknown names get "did you mean".
void resolve_parameters(Node& root, std::vector<ConfigError>& errors);

}  // namespace carepath::pathways::detail
