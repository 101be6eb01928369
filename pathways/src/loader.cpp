// Loading model and scenario files: reading, resolving `extends` and `overlays`, merging.
#include <carepath/pathways/graph.hpp>
#include <carepath/pathways/key_table.hpp>
#include <carepath/pathways/loader.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

#include "convert.hpp"
#include "parameters.hpp"
#include "settings.hpp"
#include "yaml_tree.hpp"

namespace carepath::pathways {
namespace {

namespace fs = std::filesystem;
using detail::Entry;
using detail::Loc;
using detail::Node;

constexpr std::uintmax_t kMaxFileBytes = 16U << 20U;  // 16 MiB: far above any real model

/// The text of a model, scenario, lever (or CSV) file, or the reason it cannot be used: it must
/// be a regular file (not a directory, device or pipe such as /dev/zero) of at most 16 MiB.
struct FileText {
  std::optional<std::string> text;
  std::string why;
};

FileText read_bounded(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return {std::nullopt, "no such file"};
  if (fs::is_directory(status)) return {std::nullopt, "it is a directory"};
  if (!fs::is_regular_file(status)) return {std::nullopt, "it is not a regular file"};
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) {
    return {std::nullopt, "it is larger than 16 MiB (" + std::to_string(size) +
                              " bytes); a model file is far smaller"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, "cannot open it"};
  // Read in chunks (the size can change between the check and the read, e.g. a pipe or a file
  // being written): memory grows with the file, never to the bound up front.
  std::string text;
  if (!ec) text.reserve(static_cast<std::size_t>(size) + 1);
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) return {std::nullopt, "it is larger than 16 MiB"};
  }
  return {std::move(text), ""};
}

std::string resolve(const std::string& relative_to_file, const std::string& ref) {
  fs::path p(ref);
  if (p.is_relative()) p = fs::path(relative_to_file).parent_path() / p;
  return p.lexically_normal().string();
}

std::string identity(const std::string& path) {
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path).lexically_normal().string() : c.string();
}

void remove_key(Node& map, const std::string& key) {
  std::erase_if(map.entries, [&](const Entry& e) { return e.key == key; });
}

class ChainLoader {
 public:
  explicit ChainLoader(std::vector<ConfigError>& errors) : errors_(errors) {}

  /// The merged document of a model or scenario file (nullopt after an error).
  std::optional<Node> load(const std::string& text, const std::string& file) {
    stack_.push_back(identity(file));
    auto out = load_impl(text, file);
    stack_.pop_back();
    return out;
  }

  /// Applies extra lever files (LoadOptions::overlays) to a loaded document.
  void apply_levers(Node& root, const std::vector<std::string>& paths) {
    for (const auto& path : paths) {
      Node item;
      item.type = Node::Type::scalar;
      item.text = path;
      item.loc = Loc{std::make_shared<const std::string>(path), 0, 0};
      merge_lever(root, item, path, errors_.size());
    }
  }

 private:
  std::vector<ConfigError>& errors_;
  std::vector<std::string> stack_;

  void error(const Loc& loc, std::string message) {
    errors_.push_back(detail::make_error(loc, std::move(message)));
  }

  /// Reads a file named at `where` (an `extends` or `overlays` entry).
  std::optional<std::string> read_referenced(const Node& where, const std::string& path,
                                             const std::string& what) {
    auto file = read_bounded(path);
    if (!file.text) {
      error(where.loc, "cannot read " + what + " '" + where.text + "' (" + path + "): " + file.why);
    }
    return std::move(file.text);
  }

  /// Merges the lever file `path` (named at `item`) into `result`, unless an error was found
  /// since `errors_before`.
  void merge_lever(Node& result, const Node& item, const std::string& path,
                   std::size_t errors_before) {
    const auto text = read_referenced(item, path, "the lever");
    if (!text) return;
    auto lever = detail::parse_yaml(*text, path, errors_);
    if (!lever) return;
    const Entry* head = lever->entry("overlay");
    if (!lever->is_map() || head == nullptr) {
      error(item.loc, "'" + item.text + "' is not a lever (its top level has no 'overlay:')");
      return;
    }
    if (head->value.is_map()) {
      static const std::vector<std::string> kLeverKeys = {"name", "description"};
      for (const Entry& e : head->value.entries) {
        if (std::find(kLeverKeys.begin(), kLeverKeys.end(), e.key) == kLeverKeys.end()) {
          error(e.key_loc, "unknown key '" + e.key + "' in 'overlay'" +
                               detail::did_you_mean(e.key, kLeverKeys));
        }
      }
    } else if (!head->value.is_null()) {
      error(head->value.loc, "'overlay' must be a map with name and description");
    }
    if (const Entry* s = lever->entry("scenario"))
      error(s->key_loc, "a lever cannot also be a scenario");
    remove_key(*lever, "overlay");
    if (errors_.size() == errors_before) detail::merge_into(result, *lever);
  }

  std::optional<Node> load_impl(const std::string& text, const std::string& file) {
    auto root = detail::parse_yaml(text, file, errors_);
    if (!root) return std::nullopt;
    if (!root->is_map()) {
      error(root->loc,
            "a model or scenario file must be a map (model:, horizon:, ... or "
            "scenario:, ...)");
      return std::nullopt;
    }
    if (const Entry* ov = root->entry("overlay")) {
      error(ov->key_loc,
            "this is a lever file (it has 'overlay:'); a lever cannot be loaded alone: list it "
            "in a scenario's 'overlays:'");
      return std::nullopt;
    }
    const Entry* sc = root->entry("scenario");
    if (sc == nullptr) {
      Node model = *root;
      detail::strip_nulls(model);
      return model;
    }
    return load_scenario(*root, *sc, file);
  }

  std::optional<Node> load_scenario(const Node& root, const Entry& sc, const std::string& file) {
    const std::size_t errors_before = errors_.size();
    const Node& block = sc.value;
    if (!block.is_map()) {
      error(block.is_null() ? sc.key_loc : block.loc,
            "'scenario' must be a map with name, extends, overlays and description");
      return std::nullopt;
    }
    static const std::vector<std::string> kKeys = keys_of("scenario");
    for (const Entry& e : block.entries) {
      if (std::find(kKeys.begin(), kKeys.end(), e.key) == kKeys.end()) {
        error(e.key_loc,
              "unknown key '" + e.key + "' in 'scenario'" + detail::did_you_mean(e.key, kKeys));
      }
    }
    for (const char* k : {"name", "extends", "description"}) {
      if (const Node* n = block.get(k); n != nullptr && !n->is_scalar())
        error(n->loc, std::string("scenario.") + k + " must be a single value");
    }

    Node result;
    result.type = Node::Type::map;
    result.loc = root.loc;
    if (const Node* ext = block.get("extends"); ext != nullptr && ext->is_scalar()) {
      const std::string path = resolve(file, ext->text);
      if (std::find(stack_.begin(), stack_.end(), identity(path)) != stack_.end()) {
        error(ext->loc, "scenario extends itself through '" + ext->text + "'");
        return std::nullopt;
      }
      const auto text = read_referenced(*ext, path, "the extended file");
      if (!text) return std::nullopt;
      auto base = load(*text, path);
      if (!base) return std::nullopt;
      result = std::move(*base);
      remove_key(result, "scenario");
    }
    if (const Node* ovs = block.get("overlays")) {
      std::vector<const Node*> items;
      if (ovs->is_seq()) {
        for (const Node& i : ovs->items) items.push_back(&i);
      } else {
        items.push_back(ovs);
      }
      for (const Node* item : items) {
        if (!item->is_scalar()) {
          error(item->loc, "an entry of scenario.overlays must be a file name");
          continue;
        }
        merge_lever(result, *item, resolve(file, item->text), errors_before);
      }
    }
    Node own = root;
    remove_key(own, "scenario");
    if (errors_.size() != errors_before) return std::nullopt;
    detail::merge_into(result, own);

    // The scenario block of the resolved document: name and description only.
    Entry head;
    head.key = "scenario";
    head.key_loc = sc.key_loc;
    head.value.type = Node::Type::map;
    head.value.loc = block.loc;
    Entry name;
    name.key = "name";
    name.key_loc = block.loc;
    if (const Entry* n = block.entry("name"); n != nullptr && n->value.is_scalar()) {
      name.key_loc = n->key_loc;
      name.value = n->value;
    } else {
      name.value.type = Node::Type::scalar;
      name.value.text = fs::path(file).stem().string();
      name.value.loc = block.loc;
    }
    head.value.entries.push_back(name);
    if (const Entry* d = block.entry("description"); d != nullptr && d->value.is_scalar())
      head.value.entries.push_back(*d);
    remove_key(result, "scenario");
    result.entries.insert(result.entries.begin(), std::move(head));
    return result;
  }
};

/// The offset of the first byte that is not part of valid UTF-8 text, or npos.
std::size_t invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1FU;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0FU;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07U;
    } else {
      return i;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0U) != 0x80U) return i;
      cp = (cp << 6U) | (cc & 0x3FU);
    }
    const bool overlong = (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

/// Every key and value is UTF-8 text (outputs are JSON, CSV and HDF5 strings).
void check_utf8(const Node& n, std::vector<ConfigError>& errors) {
  const auto check = [&](const std::string& text, const Loc& loc) {
    const std::size_t at = invalid_utf8_at(text);
    if (at == std::string_view::npos) return;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X",
                  static_cast<unsigned>(static_cast<unsigned char>(text[at])));
    errors.push_back(detail::make_error(loc, std::string("not UTF-8 text (byte ") + hex +
                                                 " at offset " + std::to_string(at) +
                                                 "); save the file as UTF-8"));
  };
  if (n.is_scalar()) check(n.text, n.loc);
  for (const Entry& e : n.entries) {
    check(e.key, e.key_loc);
    check_utf8(e.value, errors);
  }
  for (const Node& i : n.items) check_utf8(i, errors);
}

/// Names that become output columns, file names or JSON keys: not empty, no control characters,
/// no '/'; KPIs not named like the KPI table's own columns; a scenario name usable as a file name.
void check_names(const Node& root, std::vector<ConfigError>& errors) {
  const auto bad_chars = [](const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
      return c == '/' || c == '\\' || (static_cast<unsigned char>(c) < 0x20) || c == 0x7F;
    });
  };
  for (const char* section :
       {"sites", "cohorts", "arrivals", "kpis", "profiles", "escalation", "targets"}) {
    const Node* block = root.get(section);
    if (block == nullptr || !block->is_map()) continue;
    for (const Entry& e : block->entries) {
      const std::string what = std::string("a name in '") + section + "'";
      if (e.key.empty() || e.key.find_first_not_of(' ') == std::string::npos) {
        errors.push_back(detail::make_error(e.key_loc, what + " cannot be empty"));
      } else if (bad_chars(e.key)) {
        errors.push_back(detail::make_error(
            e.key_loc, what + " cannot contain '/', '\\' or control characters ('" + e.key + "')"));
      } else if (std::string(section) == "kpis" && (e.key == "replication" || e.key == "year")) {
        errors.push_back(detail::make_error(
            e.key_loc, "a KPI cannot be named '" + e.key + "' (a column of the KPI table)"));
      }
    }
  }
  const Node* sc = root.get("scenario");
  const Node* name = sc != nullptr ? sc->get("name") : nullptr;
  if (name != nullptr && name->is_scalar()) {
    const std::string& s = name->text;
    if (s.empty() || s == "." || s == ".." || bad_chars(s)) {
      errors.push_back(detail::make_error(
          name->loc, "scenario name '" + s +
                         "' cannot be empty, '.', '..' or contain '/', '\\' or control "
                         "characters (it names the result parts)"));
    }
  }
}

[[noreturn]] void throw_errors(std::vector<ConfigError> errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
  throw ConfigErrors(std::move(errors));
}

ModelSpec load_text(const std::string& text, const std::string& filename,
                    const LoadOptions& options) {
  std::vector<ConfigError> errors;
  ChainLoader chain(errors);
  auto root = chain.load(text, filename);
  if (!root || !errors.empty()) throw_errors(std::move(errors));
  chain.apply_levers(*root, options.overlays);
  for (const auto& setting : options.sets) detail::apply_setting(*root, setting, errors);
  if (errors.empty()) detail::resolve_parameters(*root, errors);
  check_utf8(*root, errors);
  check_names(*root, errors);
  if (!errors.empty()) throw_errors(std::move(errors));
  ModelSpec spec = detail::convert_model(*root, options, errors);
  if (!errors.empty()) throw_errors(std::move(errors));
  spec.source_file = filename;
  spec.resolved_yaml = detail::emit_yaml(*root);
  return spec;
}

}  // namespace

ModelSpec load_model(const std::string& path, const LoadOptions& options) {
  auto file = read_bounded(path);
  if (!file.text)
    throw ConfigErrors({ConfigError{path, 1, 1, "cannot read the file: " + file.why}});
  return load_text(*file.text, path, options);
}

ModelSpec load_model_from_string(const std::string& yaml, const std::string& filename,
                                 const LoadOptions& options) {
  return load_text(yaml, filename, options);
}

ModelSpec load_valid_model(const std::string& path, const LoadOptions& options,
                           std::vector<std::string>* warnings) {
  ModelSpec spec = load_model(path, options);
  std::vector<ConfigError> errors;
  for (const Check& c : CareGraph(spec).validate()) {
    if (c.ok) continue;
    if (c.warning) {
      if (warnings != nullptr) warnings->push_back(c.name + ": " + c.detail);
      continue;
    }
    const SourceLocation at =
        c.where.empty() ? SourceLocation{spec.source_file, 1, 1} : c.where.front();
    errors.push_back(ConfigError{at.file, at.line, at.column, c.name + ": " + c.detail});
  }
  if (!errors.empty()) throw_errors(std::move(errors));
  return spec;
}

std::vector<ModelSpec> load_valid_models(const std::vector<std::string>& paths,
                                         const LoadOptions& options) {
  std::vector<ModelSpec> models;
  std::vector<ConfigError> errors;
  for (const std::string& path : paths) {
    try {
      models.push_back(load_valid_model(path, options));
    } catch (const ConfigErrors& e) {
      errors.insert(errors.end(), e.errors().begin(), e.errors().end());
    }
  }
  if (!errors.empty()) throw ConfigErrors(std::move(errors));
  std::map<std::string, std::string> files_by_part;  // part-file name -> first file
  for (ModelSpec& m : models) {
    if (m.scenario.empty())
      m.scenario = m.name.empty() ? fs::path(m.source_file).stem().string() : m.name;
    std::string part;
    for (const char c : m.scenario) {
      const bool keep =
          std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
      part += keep ? c : '_';
    }
    const auto [it, fresh] = files_by_part.emplace(part, m.source_file);
    if (!fresh) {
      const SourceLocation at =
          m.scenario_where.line > 0 ? m.scenario_where : SourceLocation{m.source_file, 1, 1};
      errors.push_back(ConfigError{at.file, at.line, at.column,
                                   "scenario '" + m.scenario + "' has the same result name ('" +
                                       part + "') as the scenario of " + it->second +
                                       "; give each scenario a distinct name"});
    }
  }
  if (!errors.empty()) throw ConfigErrors(std::move(errors));
  return models;
}

std::vector<std::string> scenario_files(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  if (ec) throw ConfigErrors({ConfigError{dir, 1, 1, "cannot read the directory"}});
  for (const auto& entry : it) {
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".yaml") continue;
    const std::string path = entry.path().string();
    bool is_scenario = false;
    if (entry.file_size(ec) > kMaxFileBytes) {
      names.push_back(entry.path().filename().string());  // loading it reports its size
      continue;
    }
    try {
      const YAML::Node root = YAML::LoadFile(path);
      is_scenario = root.IsMap() && root["scenario"].IsDefined();
    } catch (const YAML::Exception&) {
      // Not valid YAML: list it if a line starts with "scenario:", so that loading reports why.
      std::ifstream in(path);
      std::string line;
      while (std::getline(in, line))
        if (line.rfind("scenario:", 0) == 0) is_scenario = true;
    }
    if (is_scenario) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back((fs::path(dir) / n).string());
  return out;
}

}  // namespace carepath::pathways
