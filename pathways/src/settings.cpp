#include "settings.hpp"

#include <memory>

namespace carepath::pathways::detail {
namespace {

// What the keys of a map at `parent` name, for messages ("site", "arrival stream", ...).
std::string kind_of_child(const std::string& parent_key, bool at_root) {
  if (at_root) return "key";
  if (parent_key == "sites") return "site";
  if (parent_key == "arrivals") return "arrival stream";
  if (parent_key == "cohorts") return "cohort";
  if (parent_key == "kpis") return "KPI";
  if (parent_key == "profiles") return "profile";
  if (parent_key == "escalation") return "escalation policy";
  if (parent_key == "parameters") return "parameter";
  if (parent_key == "targets") return "target";
  return "key";
}

void relocate(Node& n, const Loc& loc) {
  n.loc = loc;
  for (Entry& e : n.entries) {
    e.key_loc = loc;
    relocate(e.value, loc);
  }
  for (Node& i : n.items) relocate(i, loc);
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

}  // namespace

void apply_setting(Node& root, const std::string& setting, std::vector<ConfigError>& errors) {
  const Loc where{std::make_shared<const std::string>("--set " + setting), 0, 0};
  auto fail = [&](const std::string& message) { errors.push_back(make_error(where, message)); };
  const std::size_t eq = setting.find('=');
  if (eq == std::string::npos || eq == 0) {
    fail("expected PATH=VALUE, e.g. sites.community_beds.capacity=52");
    return;
  }
  const std::vector<std::string> path = split_path(setting.substr(0, eq));
  for (const auto& seg : path) {
    if (seg.empty()) {
      fail("empty name in the path '" + setting.substr(0, eq) + "'");
      return;
    }
  }
  // The value is YAML, so that units, lists and maps read exactly as in a file.
  std::vector<ConfigError> parse_errors;
  auto value = parse_yaml(setting.substr(eq + 1), where.file_name(), parse_errors);
  if (!value) {
    for (const auto& e : parse_errors) fail("the value is not valid YAML: " + e.message);
    return;
  }
  if (setting.size() == eq + 1) value->type = Node::Type::null;  // PATH= removes, like ~
  relocate(*value, where);

  // Walk the existing document: every intermediate name must exist.
  const Node* at = &root;
  std::string prefix;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (!at->is_map()) {
      fail("'" + prefix + "' is not a map, so it has no '" + path[i] + "'");
      return;
    }
    const Entry* e = at->entry(path[i]);
    if (e == nullptr) {
      std::vector<std::string> keys;
      for (const Entry& k : at->entries) keys.push_back(k.key);
      const std::string kind = kind_of_child(i == 0 ? "" : path[i - 1], i == 0);
      fail("unknown " + kind + " '" + path[i] + "'" +
           (prefix.empty() ? "" : " in '" + prefix + "'") + did_you_mean(path[i], keys));
      return;
    }
    prefix += (prefix.empty() ? "" : ".") + path[i];
    at = &e->value;
  }
  if (!at->is_map()) {
    fail("'" + prefix + "' is not a map, so it has no '" + path.back() + "'");
    return;
  }
  // Build the overlay {a: {b: {c: VALUE}}} and merge it like a lever.
  Node overlay = std::move(*value);
  for (std::size_t i = path.size(); i-- > 0;) {
    Node map;
    map.type = Node::Type::map;
    map.loc = where;
    map.entries.push_back(Entry{path[i], where, std::move(overlay)});
    overlay = std::move(map);
  }
  merge_into(root, overlay);
}

}  // namespace carepath::pathways::detail
