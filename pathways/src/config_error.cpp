#include <carepath/pathways/config_error.hpp>

#include <utility>

namespace carepath::pathways {

std::string ConfigError::str() const {
  // Line 0: not in a file, e.g. a command-line option ("--set PATH=VALUE: error: ...").
  if (line == 0) return file + ": error: " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message;
}

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors) : errors_(std::move(errors)) {
  for (std::size_t i = 0; i < errors_.size(); ++i) {
    if (i > 0) text_ += '\n';
    text_ += errors_[i].str();
  }
}

}  // namespace carepath::pathways
