// The keys of the YAML language, in one table: the loader checks keys against it and
// `carepath schema` writes a JSON Schema from it, so the two cannot disagree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace carepath::pathways {

/// One key of a section. `type` says what its value is (see json_schema for the forms):
///   text, number, integer, boolean, date, duration, rate, growth, share, time_of_day, threshold,
///   count (whole number >= 0 or unlimited), distribution, any, yearly:<t>, list:<t>,
///   map:<t> (names -> t), one_of:<a|b|..> (an enumeration), section:<name> (an object),
///   sites (a list of site names or "all"), text_or_list.
struct KeySpec {
  std::string_view name;
  std::string_view type;
  std::string_view description;
  bool required = false;  ///< in a complete model (scenario files and levers may leave it out)
};

struct SectionSpec {
  std::string_view name;
  std::string_view description;
  std::vector<KeySpec> keys;
};

/// Every section of the language (model, scenario, lever and sweep files).
const std::vector<SectionSpec>& key_table();
/// The keys of one section, in table order (throws std::out_of_range for an unknown section).
std::vector<std::string> keys_of(std::string_view section);

/// The values an enumerated key accepts (its type is one_of:a|b|...), in table order.
std::vector<std::string> choices_of(std::string_view section, std::string_view key);

/// What `carepath schema` writes.
enum class SchemaKind { model, sweep };
/// A JSON Schema (draft-07) for model, scenario and lever files, or for sweep files.
std::string json_schema(SchemaKind kind);

}  // namespace carepath::pathways
