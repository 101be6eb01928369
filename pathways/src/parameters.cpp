// Parameters and "=expression" values: a lever is a value (hubs: 15), and the model computes what
// it changes from it (capacity: "=round(hubs / 5)"). Evaluated on the merged document, before the
// converter, so every check of the language applies to the computed values.
#include "parameters.hpp"

#include <carepath/pathways/units.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>

namespace carepath::pathways::detail {
namespace {

/// A value: a number with a dimension (minutes for a duration, per year for a rate), or text.
struct Value {
  enum class Dim { none, time, rate };
  double number = 0;
  Dim dim = Dim::none;
  std::string rate_unit;            ///< /year, /week, /day or /hour (a rate keeps its own unit)
  std::optional<std::string> text;  ///< a text parameter (mon-fri, 08:00)
};

const char* dim_name(Value::Dim d) {
  switch (d) {
    case Value::Dim::time:
      return "a duration";
    case Value::Dim::rate:
      return "a rate";
    case Value::Dim::none:
      break;
  }
  return "a number";
}

struct ExprError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A quantity as written: 12, 0.35, 35%, 12d, 2.5h, 8142/year; nullopt if it is not one.
std::optional<Value> quantity(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t digits = i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) != 0 || s[i] == '.')) ++i;
  if (i == digits) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E') && i + 1 < s.size() &&
      (std::isdigit(static_cast<unsigned char>(s[i + 1])) != 0 || s[i + 1] == '-' ||
       s[i + 1] == '+')) {
    i += 2;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) ++i;
  }
  const auto n = parse_number(std::string(s.substr(0, i)));
  if (!n) return std::nullopt;
  std::string_view unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  Value v;
  v.number = *n;
  if (unit.empty()) return v;
  if (unit == "%") {
    v.number /= 100.0;
    return v;
  }
  if (const auto m = duration_unit_minutes(unit)) {
    v.number *= *m;
    v.dim = Value::Dim::time;
    return v;
  }
  // A rate keeps its unit: 8142/year is a count per financial year, 22/day a daily rate (366 days
  // of it in a leap year), so the two do not convert into each other.
  for (const std::string_view u : {"/year", "/week", "/day", "/hour"}) {
    if (unit == u) {
      v.dim = Value::Dim::rate;
      v.rate_unit = std::string(u);
      return v;
    }
  }
  return std::nullopt;
}

/// A recursive-descent evaluator over one expression.
class Expression {
 public:
  Expression(std::string_view text, const std::map<std::string, Value>& params)
      : s_(text), params_(params) {}

  Value evaluate() {
    Value v = sum();
    skip();
    if (pos_ != s_.size()) fail("unexpected '" + std::string(s_.substr(pos_, 1)) + "'");
    return v;
  }
  std::string unknown;  ///< a parameter name that was not found (for "did you mean")

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_ = 0;  // nesting of parentheses, signs and calls (bounded: hostile input)
  static constexpr int kMaxDepth = 100;

  struct Nest {
    explicit Nest(Expression& e) : e_(e) {
      if (++e_.depth_ > kMaxDepth) fail("nested more than 100 deep");
    }
    ~Nest() { --e_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    Expression& e_;
  };
  const std::map<std::string, Value>& params_;

  [[noreturn]] static void fail(const std::string& what) { throw ExprError(what); }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])) != 0) ++pos_;
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  static Value number_only(const Value& v, const char* op) {
    if (v.text) fail(std::string("a text value cannot be used with ") + op);
    return v;
  }
  Value sum() {
    Value a = product();
    for (;;) {
      const bool plus = eat('+');
      if (!plus && !eat('-')) return a;
      const Value b = number_only(product(), plus ? "+" : "-");
      number_only(a, plus ? "+" : "-");
      if (a.dim != b.dim || a.rate_unit != b.rate_unit) {
        fail(std::string("cannot add or subtract ") + dim_name(a.dim) + a.rate_unit + " and " +
             dim_name(b.dim) + b.rate_unit);
      }
      a.number = plus ? a.number + b.number : a.number - b.number;
    }
  }
  Value product() {
    Value a = unary();
    for (;;) {
      const bool times = eat('*');
      if (!times && !eat('/')) return a;
      const Value b = number_only(unary(), times ? "*" : "/");
      number_only(a, times ? "*" : "/");
      if (times) {
        if (a.dim != Value::Dim::none && b.dim != Value::Dim::none)
          fail(std::string("cannot multiply ") + dim_name(a.dim) + " by " + dim_name(b.dim));
        a.number *= b.number;
        if (a.dim == Value::Dim::none) {
          a.dim = b.dim;
          a.rate_unit = b.rate_unit;
        }
      } else {
        if (b.number == 0) fail("division by zero");
        if (b.dim == a.dim && b.rate_unit == a.rate_unit) {
          a.dim = Value::Dim::none;
          a.rate_unit.clear();
        } else if (b.dim != Value::Dim::none) {
          fail(std::string("cannot divide ") + dim_name(a.dim) + " by " + dim_name(b.dim));
        }
        a.number /= b.number;
      }
    }
  }
  Value unary() {
    const Nest nest(*this);
    if (eat('-')) {
      Value v = number_only(unary(), "-");
      v.number = -v.number;
      return v;
    }
    return primary();
  }
  Value primary() {
    const Nest nest(*this);
    skip();
    if (eat('(')) {
      Value v = sum();
      if (!eat(')')) fail("missing ')'");
      return v;
    }
    if (pos_ >= s_.size()) fail("the expression ends too early");
    const char c = s_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.') {
      // A number and its unit: up to the next operator, parenthesis or space.
      const std::size_t start = pos_;
      while (pos_ < s_.size() && std::string_view("+-*()", 5).find(s_[pos_]) == std::string::npos &&
             s_[pos_] != ' ' && s_[pos_] != ',') {
        // A '/' belongs to a rate unit (/year), not to a division, when letters follow it.
        if (s_[pos_] == '/' &&
            !(pos_ + 1 < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_ + 1])) != 0))
          break;
        ++pos_;
      }
      const auto q = quantity(s_.substr(start, pos_ - start));
      if (!q)
        fail("'" + std::string(s_.substr(start, pos_ - start)) + "' is not a number with a unit");
      return *q;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_') {
      const std::size_t start = pos_;
      while (pos_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[pos_])) != 0 || s_[pos_] == '_'))
        ++pos_;
      const std::string name(s_.substr(start, pos_ - start));
      if (eat('(')) return call(name);
      const auto it = params_.find(name);
      if (it == params_.end()) {
        unknown = name;
        fail("unknown parameter '" + name + "'");
      }
      return it->second;
    }
    fail("unexpected '" + std::string(1, c) + "'");
  }
  Value call(const std::string& name) {
    std::vector<Value> args;
    if (!eat(')')) {
      do {
        args.push_back(number_only(sum(), (name + "()").c_str()));
      } while (eat(','));
      if (!eat(')')) fail("missing ')' after the arguments of " + name);
    }
    const auto one = [&](double (*f)(double)) {
      if (args.size() != 1) fail(name + "() takes one value");
      Value v = args.front();
      v.number = f(v.number);
      return v;
    };
    if (name == "round") return one([](double x) { return std::round(x); });
    if (name == "floor") return one([](double x) { return std::floor(x); });
    if (name == "ceil") return one([](double x) { return std::ceil(x); });
    if (name == "min" || name == "max") {
      if (args.size() < 2) fail(name + "() takes two or more values");
      Value v = args.front();
      for (const Value& a : args) {
        if (a.dim != v.dim) fail(name + "() of " + dim_name(v.dim) + " and " + dim_name(a.dim));
        v.number = name == "min" ? std::min(v.number, a.number) : std::max(v.number, a.number);
      }
      return v;
    }
    fail("unknown function '" + name + "' (use round, floor, ceil, min or max)");
  }
};

std::string format(const Value& v) {
  if (v.text) return *v.text;
  char buf[64];
  // 15 significant digits: the value as a person would write it (0.008 x 15 gives 0.12).
  std::snprintf(buf, sizeof buf, "%.15g", v.number);
  std::string out = buf;
  if (v.dim == Value::Dim::time) out += "min";
  if (v.dim == Value::Dim::rate) out += v.rate_unit;
  return out;
}

void substitute(Node& n, const std::map<std::string, Value>& params,
                const std::vector<std::string>& names, std::vector<ConfigError>& errors) {
  if (n.is_scalar()) {
    if (n.text.empty() || n.text.front() != '=') return;
    Expression e(std::string_view(n.text).substr(1), params);
    try {
      const Value v = e.evaluate();
      n.text = format(v);
      n.quoted = v.text.has_value();
    } catch (const ExprError& x) {
      errors.push_back(
          make_error(n.loc, "in \"" + n.text + "\": " + x.what() +
                                (e.unknown.empty() ? "" : did_you_mean(e.unknown, names))));
    }
    return;
  }
  for (Entry& e : n.entries) substitute(e.value, params, names, errors);
  for (Node& i : n.items) substitute(i, params, names, errors);
}

}  // namespace

void resolve_parameters(Node& root, std::vector<ConfigError>& errors) {
  if (!root.is_map()) return;
  std::map<std::string, Value> params;
  std::vector<std::string> names;
  Entry* block = nullptr;
  for (Entry& e : root.entries)
    if (e.key == "parameters") block = &e;
  if (block != nullptr && !block->value.is_null()) {
    if (!block->value.is_map()) {
      errors.push_back(make_error(block->value.loc, "'parameters' must be a map of names"));
      return;
    }
    for (const Entry& e : block->value.entries)
      if (e.value.is_map()) names.push_back(e.key);
    for (const Entry& e : block->value.entries) {
      if (!e.value.is_map()) {
        // A value for a parameter the model never declared (a scenario's or --set's typo).
        errors.push_back(make_error(e.key_loc, "unknown parameter '" + e.key + "'" +
                                                   did_you_mean(e.key, names) +
                                                   " (parameters are declared in the model with "
                                                   "value:, unit:, description:)"));
        continue;
      }
      const Node* v = e.value.get("value");
      if (v == nullptr || !v->is_scalar()) {
        errors.push_back(make_error(e.key_loc, "parameter '" + e.key + "' needs a value"));
        continue;
      }
      Value value;
      if (auto q = quantity(v->text)) {
        value = *q;
      } else {
        value.text = v->text;
      }
      for (const char* bound : {"min", "max"}) {
        const Node* b = e.value.get(bound);
        if (b == nullptr) continue;
        const auto q = b->is_scalar() ? quantity(b->text) : std::nullopt;
        if (!q) {
          errors.push_back(make_error(b->loc, std::string(bound) + " of parameter '" + e.key +
                                                  "' must be a number or a quantity with units"));
          continue;
        }
        if (value.text || q->dim != value.dim || q->rate_unit != value.rate_unit) {
          // The value is of another kind than the declared bound: a duration for a count, ...
          errors.push_back(make_error(
              v->loc,
              "parameter '" + e.key + "' = " + v->text + " is " +
                  (value.text ? std::string("text") : dim_name(value.dim) + value.rate_unit) +
                  ", but its " + bound + " (" + b->text + ") is " + dim_name(q->dim) +
                  q->rate_unit));
          break;
        }
        const bool low = std::string(bound) == "min";
        if (low ? value.number < q->number : value.number > q->number) {
          errors.push_back(make_error(v->loc, "parameter '" + e.key + "' = " + v->text + " is " +
                                                  (low ? "below its min " : "above its max ") +
                                                  b->text));
        }
      }
      params[e.key] = value;
    }
  }
  for (Entry& e : root.entries) {
    if (&e == block) continue;
    substitute(e.value, params, names, errors);
  }
}

}  // namespace carepath::pathways::detail
