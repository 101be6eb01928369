#pragma once
// Private to carepath_pathways: a YAML tree whose nodes remember the file, line and column they
// were written at, so that positions survive merging a model, its levers and a scenario.
#include <carepath/pathways/config_error.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carepath::pathways::detail {

struct Loc {
  std::shared_ptr<const std::string> file;
  int line = 1;    ///< 1-based
  int column = 1;  ///< 1-based
  [[nodiscard]] const std::string& file_name() const;
};

struct Entry;

struct Node {
  enum class Type { null, scalar, map, seq };
  Type type = Type::null;
  std::string text;  ///< scalar
  bool quoted = false;
  std::vector<Entry> entries;  ///< map, in written order
  std::vector<Node> items;     ///< seq
  Loc loc;

  [[nodiscard]] bool is_null() const { return type == Type::null; }
  [[nodiscard]] bool is_scalar() const { return type == Type::scalar; }
  [[nodiscard]] bool is_map() const { return type == Type::map; }
  [[nodiscard]] bool is_seq() const { return type == Type::seq; }
  /// The entry for `key`, or nullptr (also for a null value).
  [[nodiscard]] const Node* get(std::string_view key) const;
  [[nodiscard]] const Entry* entry(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return get(key) != nullptr; }
};

struct Entry {
  std::string key;
  Loc key_loc;
  Node value;
};

ConfigError make_error(const Loc& loc, std::string message);

/// Parses YAML text (the first document). On a syntax error, appends
/// "file:line:col: error: <yaml-cpp message>" to `errors` and returns nullopt. Duplicate keys are
/// errors too. An empty document is an empty map.
std::optional<Node> parse_yaml(const std::string& text, const std::string& file,
                               std::vector<ConfigError>& errors);

/// Deep merge of `over` into `base`: maps merge key by key, lists and scalars replace, null
/// removes.
void merge_into(Node& base, const Node& over);

/// Removes null-valued map entries, recursively (the result of merging onto nothing).
void strip_nulls(Node& node);

/// The tree as a YAML document.
std::string emit_yaml(const Node& root);

/// Optimal-string-alignment (restricted Damerau-Levenshtein) distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The nearest candidate within distance <= max(2, |word|/3) (and < |word|), or "".
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

/// " (did you mean 'X'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace carepath::pathways::detail
