#include <carepath/pathways/config_error.hpp>

#include <utility>

#include "yaml_tree.hpp"

namespace carepath::pathways {

std::string ConfigError::str() const {
  // Line 0: not in a file, e.g. a command-line option ("--set PATH=VALUE: error: ...").
  if (line == 0) return file + ": error: " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  return detail::did_you_mean(word, candidates);
}

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors) : errors_(std::move(errors)) {
  for (std::size_t i = 0; i < errors_.size(); ++i) {
    if (i > 0) text_ += '\n';
    text_ += errors_[i].str();
  }
}

}  // namespace carepath::pathways
