#pragma once
// Configuration errors: values with a location, collected in a list (never just the first).
#include <exception>
#include <string>
#include <vector>

namespace carepath::pathways {

/// One error in a model, scenario or lever file. Line and column are 1-based.
struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  /// "file:line:column: error: message"; "option: error: message" when line is 0 (an error in
  /// a command-line option such as --set)
  [[nodiscard]] std::string str() const;
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

/// Thrown by the loader with every error found; what() is one str() line per error, joined by
/// '\n' (no trailing newline).
/// " (did you mean 'X'?)" for the nearest of `candidates` to `word`, or "" (the loader's own
/// suggestion rule, for other layers' messages).
[[nodiscard]] std::string did_you_mean(const std::string& word,
                                       const std::vector<std::string>& candidates);

class ConfigErrors : public std::exception {
 public:
  explicit ConfigErrors(std::vector<ConfigError> errors);
  [[nodiscard]] const char* what() const noexcept override { return text_.c_str(); }
  [[nodiscard]] const std::vector<ConfigError>& errors() const { return errors_; }

 private:
  std::vector<ConfigError> errors_;
  std::string text_;
};

}  // namespace carepath::pathways
