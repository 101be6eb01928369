// Loading model and scenario files: reading, resolving `extends` and `overlays`, merging.
#include <carepath/pathways/loader.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <tuple>

#include "convert.hpp"
#include "settings.hpp"
#include "yaml_tree.hpp"

namespace carepath::pathways {
namespace {

namespace fs = std::filesystem;
using detail::Entry;
using detail::Loc;
using detail::Node;

std::optional<std::string> read_text(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
    auto text = read_text(path);
    if (!text) error(where.loc, "cannot read " + what + " '" + where.text + "' (" + path + ")");
    return text;
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
    static const std::vector<std::string> kKeys = {"name", "extends", "overlays", "description"};
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
  if (!errors.empty()) throw_errors(std::move(errors));
  ModelSpec spec = detail::convert_model(*root, options, errors);
  if (!errors.empty()) throw_errors(std::move(errors));
  spec.source_file = filename;
  spec.resolved_yaml = detail::emit_yaml(*root);
  return spec;
}

}  // namespace

ModelSpec load_model(const std::string& path, const LoadOptions& options) {
  const auto text = read_text(path);
  if (!text) throw ConfigErrors({ConfigError{path, 1, 1, "cannot read the file"}});
  return load_text(*text, path, options);
}

ModelSpec load_model_from_string(const std::string& yaml, const std::string& filename,
                                 const LoadOptions& options) {
  return load_text(yaml, filename, options);
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
