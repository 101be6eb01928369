#pragma once
// Private to carepath_pathways: converting the merged tree into a ModelSpec.
#include <carepath/pathways/loader.hpp>

#include "yaml_tree.hpp"

namespace carepath::pathways::detail {

/// Converts a merged, null-free document into a ModelSpec, appending every error found.
ModelSpec convert_model(const Node& root, const LoadOptions& options,
                        std::vector<ConfigError>& errors);

}  // namespace carepath::pathways::detail
