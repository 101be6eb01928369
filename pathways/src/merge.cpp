// The position-keeping YAML tree: parsing (yaml-cpp), deep merging, emitting, name suggestions.
#include "yaml_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <sstream>
#include <utility>

namespace carepath::pathways::detail {

const std::string& Loc::file_name() const {
  static const std::string kNone;
  return file ? *file : kNone;
}

const Entry* Node::entry(std::string_view key) const {
  if (type != Type::map) return nullptr;
  for (const Entry& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

const Node* Node::get(std::string_view key) const {
  const Entry* e = entry(key);
  if (e == nullptr || e->value.is_null()) return nullptr;
  return &e->value;
}

ConfigError make_error(const Loc& loc, std::string message) {
  return ConfigError{loc.file_name(), loc.line, loc.column, std::move(message)};
}

namespace {

Loc loc_of(const YAML::Mark& m, const std::shared_ptr<const std::string>& file,
           const Loc& fallback) {
  if (m.line < 0 || m.column < 0) return fallback;
  return Loc{file, m.line + 1, m.column + 1};
}

Node convert(const YAML::Node& y, const std::shared_ptr<const std::string>& file,
             const Loc& fallback, std::vector<ConfigError>& errors) {
  Node n;
  n.loc = loc_of(y.Mark(), file, fallback);
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      n.type = Node::Type::null;
      break;
    case YAML::NodeType::Scalar:
      n.type = Node::Type::scalar;
      n.text = y.Scalar();
      n.quoted = y.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      n.type = Node::Type::seq;
      for (const auto& item : y) n.items.push_back(convert(item, file, n.loc, errors));
      break;
    case YAML::NodeType::Map:
      n.type = Node::Type::map;
      for (const auto& kv : y) {
        Entry e;
        e.key_loc = loc_of(kv.first.Mark(), file, n.loc);
        if (!kv.first.IsScalar()) {
          errors.push_back(make_error(e.key_loc, "a key must be a plain name"));
          continue;
        }
        e.key = kv.first.Scalar();
        if (const Entry* prev = n.entry(e.key)) {
          errors.push_back(make_error(e.key_loc, "duplicate key '" + e.key + "' (first at line " +
                                                     std::to_string(prev->key_loc.line) + ")"));
          continue;
        }
        e.value = convert(kv.second, file, e.key_loc, errors);
        n.entries.push_back(std::move(e));
      }
      break;
  }
  return n;
}

void emit(YAML::Emitter& out, const Node& n) {
  switch (n.type) {
    case Node::Type::null:
      out << YAML::Null;
      break;
    case Node::Type::scalar:
      if (n.quoted) {
        out << YAML::DoubleQuoted << n.text;
      } else {
        out << n.text;
      }
      break;
    case Node::Type::seq: {
      const bool flat = std::all_of(n.items.begin(), n.items.end(),
                                    [](const Node& i) { return !i.is_map() && !i.is_seq(); });
      if (flat) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const Node& i : n.items) emit(out, i);
      out << YAML::EndSeq;
      break;
    }
    case Node::Type::map: {
      const bool flat = n.entries.size() <= 4 &&
                        std::all_of(n.entries.begin(), n.entries.end(), [](const Entry& e) {
                          return !e.value.is_map() && !e.value.is_seq();
                        });
      if (flat) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const Entry& e : n.entries) {
        out << YAML::Key << e.key << YAML::Value;
        emit(out, e.value);
      }
      out << YAML::EndMap;
      break;
    }
  }
}

/// Walks the event stream before any node is built: a YAML file holds one document, an alias
/// never refers to an anchor that is still open (yaml-cpp would build a cyclic node), and the
/// document expanded through its aliases stays below kMaxNodes values (billion laughs).
class StreamCheck : public YAML::EventHandler {
 public:
  static constexpr std::size_t kMaxNodes = 1'000'000;

  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (failed()) return;
    for (const Frame& f : open_) {
      if (f.anchor == anchor && anchor != YAML::NullAnchor) {
        fail(mark, "an alias refers to the anchor it is inside of (a self-referential value)");
        return;
      }
    }
    add(mark, anchor < sizes_.size() ? sizes_[anchor] : 1);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                const std::string& /*value*/) override {
    leaf(mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

  [[nodiscard]] bool failed() const { return !message_.empty(); }
  [[nodiscard]] const YAML::Mark& mark() const { return mark_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] const YAML::Mark& document_start() const { return start_; }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    std::size_t size;
    YAML::Mark mark;
  };
  std::vector<Frame> open_;
  std::vector<std::size_t> sizes_;  ///< expanded size of each closed anchor
  std::size_t total_ = 0;
  YAML::Mark start_;
  YAML::Mark mark_;
  std::string message_;

  void fail(const YAML::Mark& mark, std::string message) {
    if (failed()) return;
    mark_ = mark;
    message_ = std::move(message);
  }
  void remember(YAML::anchor_t anchor, std::size_t size) {
    if (anchor == YAML::NullAnchor) return;
    if (sizes_.size() <= anchor) sizes_.resize(anchor + 1, 1);
    sizes_[anchor] = size;
  }
  /// Counts `n` expanded values at the innermost open node (saturating at kMaxNodes + 1).
  void add(const YAML::Mark& mark, std::size_t n) {
    n = std::min(n, kMaxNodes + 1);
    if (!open_.empty()) open_.back().size = std::min(open_.back().size + n, kMaxNodes + 1);
    total_ = std::min(total_ + n, kMaxNodes + 1);
    if (total_ > kMaxNodes) {
      fail(mark, "the document expands to more than " + std::to_string(kMaxNodes) +
                     " values (through aliases or sheer size); a model is far smaller");
    }
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (failed()) return;
    remember(anchor, 1);
    add(mark, 1);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (failed()) return;
    open_.push_back(Frame{anchor, 1, mark});
    total_ = std::min(total_ + 1, kMaxNodes + 1);
  }
  void close() {
    if (failed() || open_.empty()) return;
    const Frame f = open_.back();
    open_.pop_back();
    remember(f.anchor, f.size);
    if (!open_.empty()) open_.back().size = std::min(open_.back().size + f.size, kMaxNodes + 1);
  }
};

}  // namespace

std::optional<Node> parse_yaml(const std::string& text, const std::string& file,
                               std::vector<ConfigError>& errors) {
  const auto file_ptr = std::make_shared<const std::string>(file);
  const Loc start{file_ptr, 1, 1};
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    StreamCheck check;
    const bool any = parser.HandleNextDocument(check);
    if (check.failed()) {
      errors.push_back(make_error(loc_of(check.mark(), file_ptr, start), check.message()));
      return std::nullopt;
    }
    if (any && parser.HandleNextDocument(check)) {
      errors.push_back(make_error(loc_of(check.document_start(), file_ptr, start),
                                  "a second YAML document (after '---'): a file holds one model, "
                                  "scenario or lever"));
      return std::nullopt;
    }
  } catch (const YAML::Exception& e) {
    errors.push_back(make_error(loc_of(e.mark, file_ptr, start), e.msg));
    return std::nullopt;
  }
  YAML::Node y;
  try {
    y = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const Loc where = loc_of(e.mark, file_ptr, start);
    errors.push_back(make_error(where, e.msg));
    return std::nullopt;
  }
  const std::size_t before = errors.size();
  Node root = convert(y, file_ptr, start, errors);
  if (errors.size() != before) return std::nullopt;
  if (root.is_null()) {
    root.type = Node::Type::map;
    root.loc = start;
  }
  return root;
}

void merge_into(Node& base, const Node& over) {
  if (!base.is_map() || !over.is_map()) {
    base = over;
    strip_nulls(base);
    return;
  }
  for (const Entry& oe : over.entries) {
    auto it = std::find_if(base.entries.begin(), base.entries.end(),
                           [&](const Entry& be) { return be.key == oe.key; });
    if (oe.value.is_null()) {
      if (it != base.entries.end()) base.entries.erase(it);
      continue;
    }
    if (it == base.entries.end()) {
      Entry copy = oe;
      strip_nulls(copy.value);
      base.entries.push_back(std::move(copy));
    } else if (it->value.is_map() && oe.value.is_map()) {
      merge_into(it->value, oe.value);
    } else if (it->value.is_map() && it->value.entry("value") != nullptr && oe.value.is_scalar()) {
      // A plain value over a declared parameter {value: ..., unit: ..., min: ...} sets its value
      // and keeps the declaration (parameters: {hubs: 15} in a scenario, --set parameters.hubs=15).
      Node wrap;
      wrap.type = Node::Type::map;
      wrap.loc = oe.value.loc;
      wrap.entries.push_back(Entry{"value", oe.key_loc, oe.value});
      merge_into(it->value, wrap);
    } else {
      it->key_loc = oe.key_loc;
      it->value = oe.value;
      strip_nulls(it->value);
    }
  }
}

void strip_nulls(Node& node) {
  if (node.is_map()) {
    std::erase_if(node.entries, [](const Entry& e) { return e.value.is_null(); });
    for (Entry& e : node.entries) strip_nulls(e.value);
  } else if (node.is_seq()) {
    for (Node& i : node.items) strip_nulls(i);
  }
}

std::string emit_yaml(const Node& root) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, root);
  std::string s = out.c_str();
  if (!s.empty() && s.back() != '\n') s += '\n';
  return s;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  std::string best;
  std::size_t best_d = limit + 1;
  for (const std::string& c : candidates) {
    const std::size_t dist = edit_distance(word, c);
    if (dist < best_d && dist < std::max(word.size(), c.size())) {
      best = c;
      best_d = dist;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string n = nearest(word, candidates);
  return n.empty() ? std::string() : " (did you mean '" + n + "'?)";
}

}  // namespace carepath::pathways::detail
