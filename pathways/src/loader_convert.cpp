// Converting the merged YAML tree into a ModelSpec: every key, unit, reference and sum is checked
// here, and every error is collected with the position where the offending value was written.
#include <carepath/engine/arrivals.hpp>
#include <carepath/engine/random.hpp>
#include <carepath/pathways/key_table.hpp>
#include <carepath/pathways/runtime.hpp>
#include <carepath/pathways/units.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "convert.hpp"

namespace carepath::pathways::detail {
namespace {

using engine::Distribution;

constexpr double kSumTolerance = 1e-9;

std::string squote(const std::string& s) {
  return "'" + s + "'";
}

/// "'a', 'b' or 'c'"-style list without quotes: "a, b or c".
std::string one_of(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

SourceLocation to_source(const Loc& loc) {
  return {loc.file_name(), loc.line, loc.column};
}

const std::vector<std::string> kSiteKeys = keys_of("site");
const std::vector<std::string> kKinds = choices_of("site", "kind");
const std::vector<std::string> kDistKinds = {
    "fixed", "exponential", "uniform", "triangular", "pert",          "normal", "lognormal",
    "gamma", "weibull",     "erlang",  "empirical",  "empirical_cdf", "csv",    "mixture"};
const std::vector<std::string> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

class Converter {
 public:
  Converter(const LoadOptions& options, std::vector<ConfigError>& errors)
      : options_(options), errors_(errors) {}

  ModelSpec run(const Node& root);

 private:
  const LoadOptions& options_;
  std::vector<ConfigError>& errors_;
  ModelSpec m_;
  int file_years_ = 1;
  int years_ = 1;
  std::vector<std::string> site_names_, cohort_names_, profile_names_, kpi_names_;
  std::map<std::string, std::vector<std::string>> attribute_values_;
  /// (map, key) pairs for which an unknown key was reported as a likely misspelling of `key`.
  std::vector<std::pair<const Node*, std::string>> misspelt_;

  // ---- error helpers ----
  void error(const Loc& loc, std::string message) {
    errors_.push_back(make_error(loc, std::move(message)));
  }
  bool expect_map(const Node& n, const std::string& what) {
    if (n.is_map()) return true;
    error(n.loc, what + " must be a map of keys and values");
    return false;
  }
  bool expect_seq(const Node& n, const std::string& what) {
    if (n.is_seq()) return true;
    error(n.loc, what + " must be a list");
    return false;
  }
  bool expect_scalar(const Node& n, const std::string& what) {
    if (n.is_scalar()) return true;
    error(n.loc, what + " must be a single value");
    return false;
  }
  /// Reports every key of `map` not in `allowed`; `in` is e.g. "in site 'ed'".
  void check_keys(const Node& map, const std::vector<std::string>& allowed, const std::string& in) {
    for (const Entry& e : map.entries) {
      if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
        const std::string near = nearest(e.key, allowed);
        error(e.key_loc, "unknown key " + squote(e.key) + " " + in +
                             (near.empty() ? "" : " (did you mean " + squote(near) + "?)"));
        if (!near.empty()) misspelt_.emplace_back(&map, near);
      }
    }
  }
  /// The value of a required key; reports it missing unless an unknown key of the same map was
  /// already reported as its misspelling.
  const Node* require(const Node& map, const std::string& key, const Loc& item,
                      const std::string& in) {
    const Node* n = map.get(key);
    if (n == nullptr &&
        std::find(misspelt_.begin(), misspelt_.end(), std::pair{&map, key}) == misspelt_.end())
      error(item, "missing required key " + squote(key) + " " + in);
    return n;
  }
  /// The position of `key`'s entry (for messages about the key as a whole), else the node's.
  static Loc key_loc(const Node& map, const std::string& key) {
    const Entry* e = map.entry(key);
    return e != nullptr ? e->key_loc : map.loc;
  }

  // ---- scalar parsers (report their own errors) ----
  template <class T>
  std::optional<T> take(const Node& n, const Parsed<T>& p) {
    if (p) return *p;
    error(n.loc, p.error());
    return std::nullopt;
  }
  std::optional<double> duration(const Node& n, const std::string& what) {
    if (!n.is_scalar()) {
      error(n.loc, what + " must be a duration, e.g. 15min");
      return std::nullopt;
    }
    return take(n, parse_duration(n.text));
  }
  std::optional<double> number(const Node& n, const std::string& what) {
    if (!expect_scalar(n, what)) return std::nullopt;
    return take(n, parse_number(n.text));
  }
  std::optional<double> number_in(const Node& n, const std::string& what, double lo, double hi,
                                  const std::string& range_text) {
    auto v = number(n, what);
    if (v && (*v < lo || *v > hi)) {
      error(n.loc, what + " must be " + range_text + " (got " + n.text + ")");
      return std::nullopt;
    }
    return v;
  }
  std::optional<double> probability(const Node& n, const std::string& what) {
    return number_in(n, what, 0.0, 1.0, "between 0 and 1");
  }
  std::optional<long long> integer(const Node& n, const std::string& what, long long lo) {
    if (!expect_scalar(n, what)) return std::nullopt;
    auto v = take(n, parse_integer(n.text));
    if (v && *v < lo) {
      error(n.loc, what + " must be at least " + std::to_string(lo) + " (got " + n.text + ")");
      return std::nullopt;
    }
    return v;
  }
  /// An integer >= 0 or `unlimited` (kUnlimited).
  std::optional<int> count(const Node& n, const std::string& what) {
    if (!expect_scalar(n, what)) return std::nullopt;
    if (n.text == "unlimited") return kUnlimited;
    const auto v = parse_integer(n.text);
    if (!v || *v < 0 || *v > std::numeric_limits<int>::max()) {
      error(n.loc, "\"" + n.text + "\": " + what + " must be a whole number >= 0 or unlimited");
      return std::nullopt;
    }
    return static_cast<int>(*v);
  }
  std::optional<bool> boolean(const Node& n, const std::string& what) {
    if (!expect_scalar(n, what)) return std::nullopt;
    return take(n, parse_bool(n.text));
  }
  std::optional<std::string> text(const Node& n, const std::string& what) {
    if (!expect_scalar(n, what)) return std::nullopt;
    return n.text;
  }
  /// One of `choices`; `what` e.g. "queue", `in` e.g. "in site 'ed'".
  std::optional<std::size_t> choice(const Node& n, const std::vector<std::string>& choices,
                                    const std::string& what, const std::string& in) {
    if (!expect_scalar(n, what + " " + in)) return std::nullopt;
    const auto it = std::find(choices.begin(), choices.end(), n.text);
    if (it != choices.end()) return static_cast<std::size_t>(it - choices.begin());
    std::string hint = did_you_mean(n.text, choices);
    if (hint.empty()) hint = " (use " + one_of(choices) + ")";
    error(n.loc, "unknown " + what + " " + squote(n.text) + " " + in + hint);
    return std::nullopt;
  }
  /// A reference to a name in `names`; `kind` e.g. "site".
  int reference(const Node& n, const std::vector<std::string>& names, const std::string& kind,
                const std::string& in) {
    if (!expect_scalar(n, kind + " " + in)) return -1;
    const auto it = std::find(names.begin(), names.end(), n.text);
    if (it != names.end()) return static_cast<int>(it - names.begin());
    error(n.loc, "unknown " + kind + " " + squote(n.text) + " " + in + did_you_mean(n.text, names));
    return -1;
  }
  int reference_at(const Loc& loc, const std::string& name, const std::vector<std::string>& names,
                   const std::string& kind, const std::string& in) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end()) return static_cast<int>(it - names.begin());
    error(loc, "unknown " + kind + " " + squote(name) + " " + in + did_you_mean(name, names));
    return -1;
  }

  /// Days in year y of the horizon (365 or 366), as the engine's calendar counts them.
  [[nodiscard]] int days_in_year(int y) const {
    const engine::CivilCalendar c(m_.horizon.start_year, m_.horizon.start_month,
                                  m_.horizon.start_day);
    return static_cast<int>(std::lround((c.year_start(y + 1) - c.year_start(y)) / 1440.0));
  }

  // ---- yearly values ----
  std::string year_text(int y) const {
    return "year " + std::to_string(y + 1) + " (" + m_.horizon.year_label(y) + ")";
  }
  /// A value, or {by_year: [...]} with exactly horizon.years values; returns horizon.years values
  /// as written in the file (before any --years override).
  template <class T>
  std::optional<std::vector<T>> yearly(const Node& n, const std::string& what,
                                       const std::function<std::optional<T>(const Node&)>& one) {
    if (n.is_map()) {
      check_keys(n, {"by_year"}, "in " + what + " (a yearly value is {by_year: [...]})");
      const Node* list = require(n, "by_year", n.loc, "in " + what);
      if (list == nullptr || !expect_seq(*list, "by_year of " + what)) return std::nullopt;
      if (static_cast<int>(list->items.size()) != file_years_) {
        error(list->loc, "by_year of " + what + " has " + std::to_string(list->items.size()) +
                             " values; horizon.years is " + std::to_string(file_years_));
        return std::nullopt;
      }
      return list_of<T>(*list, "by_year of " + what, one);
    }
    if (n.is_seq()) {
      error(n.loc, what + " must be a value or {by_year: [...]}, not a list");
      return std::nullopt;
    }
    auto v = one(n);
    if (!v) return std::nullopt;
    return std::vector<T>(static_cast<std::size_t>(file_years_), *v);
  }
  /// Applies the horizon override: truncate to years_, or extend with the last value.
  template <class T>
  Yearly<T> fit(std::vector<T> v) const {
    Yearly<T> y;
    if (v.empty()) return y;
    const T last = v.back();
    v.resize(static_cast<std::size_t>(years_), last);
    y.values = std::move(v);
    return y;
  }
  /// Checks that `sums` (one per year) are all 1; returns the first failing year or -1.
  static int first_bad_sum(const std::vector<double>& sums) {
    for (std::size_t y = 0; y < sums.size(); ++y)
      if (std::fabs(sums[y] - 1.0) > kSumTolerance) return static_cast<int>(y);
    return -1;
  }
  std::string sum_message(const std::string& what, const std::vector<double>& sums, int bad,
                          bool per_year) const {
    std::string msg = what + " sum to " + format_number(sums[static_cast<std::size_t>(bad)]);
    if (per_year) msg += " in " + year_text(bad);
    return msg + ", not 1";
  }

  // ---- sections ----
  void convert_model_block(const Node& root);
  void convert_horizon(const Node& root);
  void convert_run(const Node& root);
  void convert_cohorts(const Node& root);
  void convert_profiles(const Node& root);
  void convert_arrivals(const Node& root);
  void convert_sites(const Node& root);
  void convert_site(const Entry& e, SiteSpec& s);
  void convert_roster(const Node& list, SiteSpec& s, const std::string& in);
  void convert_routes(const Node& list, SiteSpec& s, const Loc& routes_loc);
  std::optional<Guard> convert_guard(const Node& when, const std::string& in);
  void convert_kpis(const Node& root);
  void convert_escalation(const Node& root);
  void convert_targets(const Node& root);
  /// A threshold: a count (>= 0) or a share of capacity written "95%".
  std::optional<std::pair<double, bool>> threshold(const Node& n, const std::string& what);
  std::optional<Distribution> distribution(const Node& n, const std::string& what,
                                           bool in_mixture = false);
  std::optional<Distribution> distribution_kind(const std::string& kind, const Node& p,
                                                const std::string& what);
  /// Every item of a list through `one`; nullopt (errors reported) if any item failed.
  template <class T = double>
  std::optional<std::vector<T>> list_of(
      const Node& n, const std::string& what,
      const std::function<std::optional<std::type_identity_t<T>>(const Node&)>& one) {
    if (!expect_seq(n, what)) return std::nullopt;
    std::vector<T> out;
    bool ok = true;
    for (const Node& i : n.items) {
      auto v = one(i);
      if (v) {
        out.push_back(*v);
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }
};

// ------------------------------------------------------------------------------------------------

ModelSpec Converter::run(const Node& root) {
  if (!root.is_map()) {
    error(root.loc, "a model file must be a map with model, horizon, cohorts, arrivals and sites");
    return m_;
  }
  check_keys(root, keys_of("root"), "at the top level");
  convert_model_block(root);
  convert_horizon(root);
  convert_run(root);
  convert_cohorts(root);
  convert_profiles(root);
  // Names first, so that references can be checked in any order.
  if (const Node* sites = root.get("sites"); sites != nullptr && sites->is_map())
    for (const Entry& e : sites->entries) site_names_.push_back(e.key);
  if (const Node* kpis = root.get("kpis"); kpis != nullptr && kpis->is_map())
    for (const Entry& e : kpis->entries) kpi_names_.push_back(e.key);
  convert_arrivals(root);
  convert_sites(root);
  convert_kpis(root);
  convert_escalation(root);
  convert_targets(root);
  if (const Node* sc = root.get("scenario"); sc != nullptr && sc->is_map()) {
    if (const Node* name = sc->get("name"); name != nullptr && name->is_scalar()) {
      m_.scenario = name->text;
      m_.scenario_where = to_source(name->loc);
    }
  }
  return m_;
}

void Converter::convert_model_block(const Node& root) {
  const Node* model = require(root, "model", root.loc, "at the top level");
  if (model == nullptr || !expect_map(*model, "'model'")) return;
  const std::string in = "in 'model'";
  check_keys(*model, keys_of("model"), in);
  if (const Node* n = require(*model, "name", key_loc(root, "model"), in))
    if (auto v = text(*n, "model.name")) m_.name = *v;
  if (const Node* n = model->get("description"))
    if (auto v = text(*n, "model.description")) m_.description = *v;
  if (const Node* n = model->get("population")) {
    if (auto v = number_in(*n, "model.population", 0, std::numeric_limits<double>::max(),
                           "a number >= 0"))
      m_.population = *v;
  }
}

void Converter::convert_horizon(const Node& root) {
  const Node* h = require(root, "horizon", root.loc, "at the top level");
  if (h == nullptr || !expect_map(*h, "'horizon'")) return;
  const std::string in = "in 'horizon'";
  check_keys(*h, keys_of("horizon"), in);
  const Loc item = key_loc(root, "horizon");
  if (const Node* n = require(*h, "start", item, in)) {
    if (expect_scalar(*n, "horizon.start")) {
      if (auto d = take(*n, parse_date(n->text))) {
        m_.horizon.start_year = d->year;
        m_.horizon.start_month = d->month;
        m_.horizon.start_day = d->day;
      }
    }
  }
  const engine::CivilCalendar calendar(m_.horizon.start_year, m_.horizon.start_month,
                                       m_.horizon.start_day);
  if (const Node* n = h->get("length"); n != nullptr && h->has("years")) {
    error(n->loc, "horizon has both 'years' and 'length': give one (years: 2, or length: 26w)");
  } else if (n != nullptr) {
    if (auto v = duration(*n, "horizon.length")) {
      if (*v <= 0 || *v > calendar.year_start(100)) {
        error(n->loc,
              "horizon.length must be more than 0 and at most 100 years (got " + n->text + ")");
      } else {
        // KPI windows are the financial years the length touches, the last one cut short.
        m_.horizon.length = *v;
        file_years_ = 1;
        while (calendar.year_start(file_years_) < *v) ++file_years_;
      }
    }
  } else if (const Node* y = require(*h, "years", item, in)) {
    if (auto v = integer(*y, "horizon.years", 1)) {
      if (*v > 100) {
        error(y->loc, "horizon.years must be at most 100 (got " + y->text + ")");
      } else {
        file_years_ = static_cast<int>(*v);
      }
    }
  }
  years_ = file_years_;
  if (options_.years) {
    const Node* at = h->get("years") != nullptr ? h->get("years") : h->get("length");
    if (*options_.years < 1 || *options_.years > file_years_) {
      error(at != nullptr ? at->loc : item,
            "--years " + std::to_string(*options_.years) + " is beyond the model's horizon of " +
                std::to_string(file_years_) + " year" + (file_years_ == 1 ? "" : "s") +
                " (it can only shorten the horizon)");
    } else {
      years_ = *options_.years;
      if (m_.horizon.length > 0)
        m_.horizon.length = std::min(m_.horizon.length, calendar.year_start(years_));
    }
  }
  m_.horizon.years = years_;
  if (m_.horizon.start_year + years_ > 9999) {
    const Node* start = h->get("start");
    error(start != nullptr ? start->loc : item, "the horizon ends after the year 9999");
  }
}

void Converter::convert_run(const Node& root) {
  const Node* r = root.get("run");
  if (r == nullptr || !expect_map(*r, "'run'")) return;
  const std::string in = "in 'run'";
  check_keys(*r, keys_of("run"), in);
  if (const Node* n = r->get("replications")) {
    if (auto v = integer(*n, "run.replications", 1)) {
      if (*v > 1000000) {
        error(n->loc, "run.replications must be at most 1000000 (got " + n->text + ")");
      } else {
        m_.run.replications = static_cast<int>(*v);
      }
    }
  }
  if (const Node* n = r->get("seed")) {
    if (expect_scalar(*n, "run.seed")) {
      const auto v = parse_integer(n->text);
      if (!v || *v < 0) {
        error(n->loc, "\"" + n->text + "\": run.seed must be a whole number >= 0");
      } else {
        m_.run.seed = static_cast<std::uint64_t>(*v);
      }
    }
  }
  if (const Node* n = r->get("warmup")) {
    if (auto v = duration(*n, "run.warmup")) {
      if (*v > 10 * 365.25 * kDay) {
        error(n->loc, "run.warmup must be at most 10 years (got " + n->text + ")");
      } else {
        m_.run.warmup = *v;
      }
    }
  }
}

void Converter::convert_cohorts(const Node& root) {
  const Node* c = require(root, "cohorts", root.loc, "at the top level");
  if (c == nullptr || !expect_map(*c, "'cohorts'")) return;
  if (c->entries.empty()) error(c->loc, "'cohorts' needs at least one cohort");
  for (const Entry& e : c->entries) {
    CohortSpec spec;
    spec.name = e.key;
    cohort_names_.push_back(e.key);
    const std::string in = "in cohort " + squote(e.key);
    if (expect_map(e.value, "cohort " + squote(e.key))) {
      check_keys(e.value, keys_of("cohort"), in);
      if (const Node* a = e.value.get("attributes");
          a != nullptr && expect_map(*a, "attributes of cohort " + squote(e.key))) {
        for (const Entry& ae : a->entries) {
          if (auto v =
                  text(ae.value, "attribute " + squote(ae.key) + " of cohort " + squote(e.key))) {
            spec.attributes[ae.key] = *v;
            auto& values = attribute_values_[ae.key];
            if (std::find(values.begin(), values.end(), *v) == values.end()) values.push_back(*v);
          }
        }
      }
      if (const Node* p = e.value.get("priority")) {
        if (auto v = integer(*p, "priority of cohort " + squote(e.key), 0)) {
          if (*v > 1000) {
            error(p->loc, "priority of cohort " + squote(e.key) + " must be at most 1000 (got " +
                              p->text + ")");
          } else {
            spec.priority = static_cast<int>(*v);
          }
        }
      }
    }
    m_.cohorts.push_back(std::move(spec));
  }
}

void Converter::convert_profiles(const Node& root) {
  const Node* ps = root.get("profiles");
  if (ps == nullptr || !expect_map(*ps, "'profiles'")) return;
  for (const Entry& e : ps->entries) {
    ProfileSpec spec;
    spec.name = e.key;
    spec.hour_of_week.fill(1.0);
    spec.month_of_year.fill(1.0);
    profile_names_.push_back(e.key);
    const std::string of = " of profile " + squote(e.key);
    if (!expect_map(e.value, "profile " + squote(e.key))) {
      m_.profiles.push_back(spec);
      continue;
    }
    check_keys(e.value, keys_of("profile"), "in profile " + squote(e.key));
    const auto weights = [&](const std::string& key, std::size_t n,
                             const std::string& meaning) -> std::optional<std::vector<double>> {
      const Node* list = e.value.get(key);
      if (list == nullptr) return std::nullopt;
      auto v = list_of(*list, key + of, [&](const Node& i) {
        return number_in(i, "a weight" + of, 0, std::numeric_limits<double>::max(),
                         "a number >= 0");
      });
      if (!v) return std::nullopt;
      if (v->size() != n) {
        error(list->loc, key + of + " has " + std::to_string(v->size()) + " values; it needs " +
                             std::to_string(n) + " (" + meaning + ")");
        return std::nullopt;
      }
      double sum = 0;
      for (double w : *v) sum += w;
      if (sum <= 0) {
        error(list->loc, key + of + " has no positive weight");
        return std::nullopt;
      }
      return v;
    };
    const auto dow = weights("day_of_week", 7, "Mon..Sun");
    const auto hod = weights("hour_of_day", 24, "00:00-01:00 first");
    const auto how = weights("hour_of_week", 168, "Monday 00:00 first");
    const auto moy = weights("month_of_year", 12, "Jan..Dec");
    if (e.value.has("hour_of_week") && (e.value.has("day_of_week") || e.value.has("hour_of_day"))) {
      error(key_loc(e.value, "hour_of_week"),
            "profile " + squote(e.key) +
                " gives hour_of_week and day_of_week/hour_of_day; use one or the other");
    }
    if (how) {
      std::copy(how->begin(), how->end(), spec.hour_of_week.begin());
    } else {
      for (std::size_t d = 0; d < 7; ++d) {
        for (std::size_t h = 0; h < 24; ++h)
          spec.hour_of_week[d * 24 + h] = (dow ? (*dow)[d] : 1.0) * (hod ? (*hod)[h] : 1.0);
      }
    }
    if (moy) std::copy(moy->begin(), moy->end(), spec.month_of_year.begin());
    m_.profiles.push_back(spec);
  }
}

void Converter::convert_arrivals(const Node& root) {
  const Node* as = require(root, "arrivals", root.loc, "at the top level");
  if (as == nullptr || !expect_map(*as, "'arrivals'")) return;
  if (as->entries.empty()) error(as->loc, "'arrivals' needs at least one arrival stream");
  for (const Entry& e : as->entries) {
    ArrivalSpec spec;
    spec.name = e.key;
    spec.where = to_source(e.key_loc);
    const std::string name = "arrival stream " + squote(e.key);
    const std::string in = "in " + name;
    if (!expect_map(e.value, name)) continue;
    const Node& a = e.value;
    check_keys(a, keys_of("arrival"), in);
    if (const Node* n = require(a, "to", e.key_loc, in))
      spec.to = reference(*n, site_names_, "site", in);
    std::optional<double> growth;
    if (const Node* n = a.get("growth")) {
      if (n->is_map()) {
        error(n->loc, "growth of " + name +
                          " must be a single rate; give the volume by_year for other trajectories");
      } else if (expect_scalar(*n, "growth of " + name)) {
        growth = take(*n, parse_growth(n->text));
      }
    }
    if (const Node* n = require(a, "volume", e.key_loc, in)) {
      auto v = yearly<Volume>(*n, "volume of " + name, [&](const Node& i) -> std::optional<Volume> {
        if (!expect_scalar(i, "volume of " + name)) return std::nullopt;
        return take(i, parse_volume(i.text));
      });
      if (v) {
        // A rate per hour, day or week gives rate x the length of each year (366 days in a leap
        // year); a yearly count stays the same whatever the year's length.
        const std::vector<Volume> by_year = fit(std::move(*v)).values;
        spec.volume_per_year.values.clear();
        for (int y = 0; y < years_; ++y) {
          const auto k = static_cast<std::size_t>(y);
          spec.volume_per_year.values.push_back(n->is_map() || !growth
                                                    ? by_year[k].in_year(days_in_year(y))
                                                    : by_year[0].in_year(days_in_year(y)) *
                                                          std::pow(1.0 + *growth, y));
        }
      }
    }
    if (const Node* n = a.get("profile"))
      spec.profile = reference(*n, profile_names_, "profile", in);
    if (const Node* n = a.get("cohorts")) {
      if (expect_map(*n, "cohorts of " + name)) {
        if (n->entries.empty()) error(n->loc, "cohorts of " + name + " is empty");
        std::vector<std::vector<double>> shares;
        bool ok = true;
        for (const Entry& ce : n->entries) {
          const int c = reference_at(ce.key_loc, ce.key, cohort_names_, "cohort", in);
          auto v = yearly<double>(ce.value, "share of cohort " + squote(ce.key) + " in " + name,
                                  [&](const Node& i) {
                                    return number_in(i, "a cohort share", 0, 1, "between 0 and 1");
                                  });
          if (c < 0 || !v) {
            ok = false;
            continue;
          }
          spec.cohorts.push_back(c);
          shares.push_back(*v);
        }
        if (ok && !shares.empty()) {
          std::vector<double> sums(static_cast<std::size_t>(file_years_), 0.0);
          bool varies = false;
          for (const auto& s : shares) {
            for (std::size_t y = 0; y < sums.size(); ++y) {
              sums[y] += s[y];
              if (s[y] != s.front()) varies = true;
            }
          }
          if (const int bad = first_bad_sum(sums); bad >= 0) {
            error(key_loc(a, "cohorts"),
                  sum_message("cohort shares of " + name, sums, bad, varies));
          }
        }
        for (auto& s : shares) spec.shares.push_back(fit(std::move(s)));
      }
    } else if (m_.cohorts.size() == 1) {
      spec.cohorts.push_back(0);
      spec.shares.push_back(Yearly<double>(1.0, years_));
    } else if (!m_.cohorts.empty()) {
      error(e.key_loc, "missing required key 'cohorts' " + in +
                           " (needed when the model has more than one cohort)");
    }
    m_.arrivals.push_back(std::move(spec));
  }
}

void Converter::convert_sites(const Node& root) {
  const Node* ss = require(root, "sites", root.loc, "at the top level");
  if (ss == nullptr || !expect_map(*ss, "'sites'")) return;
  if (ss->entries.empty()) error(ss->loc, "'sites' needs at least one site");
  m_.sites.resize(ss->entries.size());
  for (std::size_t i = 0; i < ss->entries.size(); ++i) convert_site(ss->entries[i], m_.sites[i]);
}

void Converter::convert_site(const Entry& e, SiteSpec& s) {
  s.name = e.key;
  s.label = e.key;
  s.where = to_source(e.key_loc);
  s.capacity = Yearly<int>(kUnlimited, years_);
  s.service_scale = Yearly<double>(1.0, years_);
  const std::string name = "site " + squote(e.key);
  const std::string in = "in " + name;
  if (!expect_map(e.value, name)) return;
  const Node& n = e.value;
  check_keys(n, kSiteKeys, in);
  const Node* kind_node = n.get("kind");
  if (kind_node == nullptr) {
    if (std::find(misspelt_.begin(), misspelt_.end(), std::pair{&n, std::string("kind")}) !=
        misspelt_.end())
      return;
    std::string msg = "missing required key 'kind' " + in;
    // A site that only exists in a scenario or lever is often a misspelt site name.
    std::vector<std::string> others;
    for (const std::string& o : site_names_)
      if (o != e.key) others.push_back(o);
    if (const std::string near = nearest(e.key, others); !near.empty())
      msg += " (or did you mean the site " + squote(near) + "?)";
    error(e.key_loc, msg);
    return;
  }
  const auto kind = choice(*kind_node, kKinds, "kind", in);
  if (!kind) return;
  s.kind = static_cast<SiteKind>(*kind);

  // Keys that do not apply to this kind.
  std::vector<std::string> allowed;
  std::string why;
  switch (s.kind) {
    case SiteKind::service:
    case SiteKind::beds:
    case SiteKind::team:
      allowed = kSiteKeys;
      break;
    case SiteKind::delay:
      allowed = {"kind",   "label", "capacity", "service", "service_scale", "service_by_cohort",
                 "routes", "cost"};
      why = "a delay site is an infinite-server delay";
      break;
    case SiteKind::triage:
      allowed = {"kind", "label", "routes", "cost"};
      why = "a triage site routes patients instantly, with no capacity or service";
      break;
    case SiteKind::exit:
      allowed = {"kind", "label", "cost"};
      why = "patients leave the system at an exit site";
      break;
  }
  for (const Entry& k : n.entries) {
    if (std::find(kSiteKeys.begin(), kSiteKeys.end(), k.key) != kSiteKeys.end() &&
        std::find(allowed.begin(), allowed.end(), k.key) == allowed.end()) {
      error(k.key_loc, "key " + squote(k.key) + " does not apply to " + kKinds[*kind] + " " + name +
                           " (" + why + ")");
    }
  }

  const bool finite_kind =
      s.kind == SiteKind::service || s.kind == SiteKind::beds || s.kind == SiteKind::team;
  if (const Node* l = n.get("label"))
    if (auto v = text(*l, "label " + in)) s.label = *v;
  if (finite_kind) {
    if (const Node* c = require(n, "capacity", e.key_loc, in)) {
      auto v = yearly<int>(*c, "capacity of " + name,
                           [&](const Node& i) { return count(i, "capacity"); });
      if (v) s.capacity = fit(std::move(*v));
    }
  } else if (s.kind == SiteKind::delay) {
    if (const Node* c = n.get("capacity")) {
      if (!c->is_scalar() || c->text != "unlimited") {
        error(c->loc, "a delay site has unlimited capacity (" + name +
                          "); use kind: service for a limited one");
      }
    }
  }
  if (finite_kind || s.kind == SiteKind::delay) {
    if (const Node* d = require(n, "service", e.key_loc, in))
      s.service = distribution(*d, "service of " + name);
    if (const Node* d = n.get("service_scale")) {
      auto v = yearly<double>(*d, "service_scale of " + name, [&](const Node& i) {
        return number_in(i, "service_scale", 1e-12, std::numeric_limits<double>::max(),
                         "a number > 0");
      });
      if (v) s.service_scale = fit(std::move(*v));
    }
  }
  if (const Node* d = n.get("service_by_cohort");
      d != nullptr && expect_map(*d, "service_by_cohort of " + name)) {
    for (const Entry& c : d->entries) {
      const int cohort = reference_at(c.key_loc, c.key, cohort_names_, "cohort",
                                      "in service_by_cohort of " + name);
      if (auto dist = distribution(c.value, "service of " + name + " for cohort " + squote(c.key));
          dist && cohort >= 0) {
        s.service_by_cohort.emplace_back(cohort, *dist);
      }
    }
  }
  s.hold_scale = Yearly<double>(1.0, years_);
  if (const Node* d = n.get("hold_scale")) {
    auto v = yearly<double>(*d, "hold_scale of " + name, [&](const Node& i) {
      return number_in(i, "hold_scale", 1e-12, std::numeric_limits<double>::max(), "a number > 0");
    });
    if (v) s.hold_scale = fit(std::move(*v));
  }
  if (const Node* d = n.get("initial"); d != nullptr && expect_map(*d, "initial of " + name)) {
    check_keys(*d, keys_of("initial"), "in initial of " + name);
    if (const Node* c = d->get("occupied")) {
      if (c->text == "unlimited") {
        error(c->loc, "occupied of initial of " + name + " must be a whole number of places");
      } else if (auto v = count(*c, "occupied")) {
        s.initial.occupied = std::max(0, *v);
      }
    }
    if (const Node* c = d->get("waiting"))
      if (auto v = count(*c, "waiting")) s.initial.waiting = std::max(0, *v);
    if (const Node* c = require(*d, "cohort", key_loc(n, "initial"), "in initial of " + name)) {
      if (const int x = reference(*c, cohort_names_, "cohort", "in initial of " + name); x >= 0)
        s.initial.cohort = x;
    }
  }
  if (const Node* d = n.get("roster")) convert_roster(*d, s, in);
  if (const Node* d = n.get("on_close")) {
    if (auto v = choice(*d, choices_of("site", "on_close"), "on_close", in))
      s.on_close = static_cast<ClosePolicy>(*v);
  }
  if (const Node* d = n.get("queue")) {
    if (auto v = choice(*d, choices_of("site", "queue"), "queue", in))
      s.queue = static_cast<QueueOrder>(*v);
  }
  if (const Node* d = n.get("preemptive")) {
    if (auto v = boolean(*d, "preemptive " + in)) {
      s.preemptive = *v;
      if (*v && s.queue != QueueOrder::priority)
        error(d->loc, "preemptive needs queue: priority (" + name + ")");
    }
  }
  // Beds have no waiting room by default: a patient waits for a bed where it is (README).
  if (s.kind == SiteKind::beds) s.queue_limit = 0;
  if (const Node* d = n.get("queue_limit"))
    if (auto v = count(*d, "queue_limit")) s.queue_limit = *v;
  if (const Node* d = n.get("patience")) s.patience = distribution(*d, "patience of " + name);
  if (const Node* d = n.get("patience_by_cohort");
      d != nullptr && expect_map(*d, "patience_by_cohort of " + name)) {
    for (const Entry& c : d->entries) {
      const int cohort = reference_at(c.key_loc, c.key, cohort_names_, "cohort",
                                      "in patience_by_cohort of " + name);
      if (auto dist = distribution(c.value, "patience of " + name + " for cohort " + squote(c.key));
          dist && cohort >= 0) {
        s.patience_by_cohort.emplace_back(cohort, *dist);
      }
    }
  }
  if (const Node* d = n.get("renege_to")) {
    s.renege_to = reference(*d, site_names_, "site", "in renege_to of " + name);
    if (!n.has("patience") && !n.has("patience_by_cohort"))
      error(key_loc(n, "renege_to"), "renege_to needs patience (" + name + ")");
  }
  if (const Node* d = n.get("overflow")) {
    s.overflow = reference(*d, site_names_, "site", "in overflow of " + name);
    if (d->is_scalar() && d->text == e.key) error(d->loc, name + " cannot overflow to itself");
  }
  if (const Node* d = n.get("appointments");
      d != nullptr && expect_map(*d, "appointments of " + name)) {
    check_keys(*d, keys_of("appointments"), "in appointments of " + name);
    if (const Node* pd =
            require(*d, "per_day", key_loc(n, "appointments"), "in appointments of " + name)) {
      const std::function<std::optional<int>(const Node&)> one =
          [&](const Node& x) -> std::optional<int> {
        auto v = count(x, "per_day");
        if (v && *v == kUnlimited) {
          error(x.loc,
                "per_day in appointments of " + name + " must be a whole number, not unlimited");
          return std::nullopt;
        }
        return v;
      };
      if (auto v = yearly<int>(*pd, "per_day of appointments of " + name, one))
        s.appointments.per_day = fit(std::move(*v));
    }
    s.appointments.release = {8 * 60.0};
    if (const Node* r = d->get("release")) {
      const std::function<std::optional<double>(const Node&)> at = [&](const Node& x) {
        return take(x, parse_time_of_day(x.text));
      };
      if (auto v = list_of<double>(*r, "release of appointments of " + name, at)) {
        if (v->empty()) {
          error(r->loc, "release of appointments of " + name + " needs at least one time");
        } else if (!std::is_sorted(v->begin(), v->end()) ||
                   std::adjacent_find(v->begin(), v->end()) != v->end()) {
          error(r->loc,
                "release times of appointments of " + name + " must be in order, each once");
        } else {
          s.appointments.release = *v;
        }
      }
    }
    if (!n.has("overflow")) {
      error(key_loc(n, "appointments"), "appointments of " + name +
                                            " need an 'overflow': where requests go when the "
                                            "day's appointments are gone");
    }
    if (s.kind == SiteKind::triage || s.kind == SiteKind::exit)
      error(key_loc(n, "appointments"), "appointments apply to sites with capacity (" + name + ")");
  }
  if (const Node* d = n.get("cost"); d != nullptr && expect_map(*d, "cost of " + name)) {
    check_keys(*d, keys_of("cost"), "in cost of " + name);
    const double max = std::numeric_limits<double>::max();
    if (const Node* c = d->get("per_arrival")) {
      if (auto v = number_in(*c, "per_arrival cost", 0, max, "a number >= 0"))
        s.cost.per_arrival = *v;
    }
    if (const Node* c = d->get("per_day"))
      if (auto v = number_in(*c, "per_day cost", 0, max, "a number >= 0")) s.cost.per_day = *v;
    if (const Node* c = d->get("per_staffed_hour")) {
      if (auto v = number_in(*c, "per_staffed_hour cost", 0, max, "a number >= 0"))
        s.cost.per_staffed_hour = *v;
      // Staff are paid per server (or bed) on duty: a site without a finite capacity has none.
      if (s.kind == SiteKind::triage || s.kind == SiteKind::exit) {
        error(c->loc, "per_staffed_hour applies to sites with capacity, not to " +
                          std::string(s.kind == SiteKind::triage ? "triage" : "exit") + " site '" +
                          e.key + "'");
      } else if (s.unlimited_in_some_year()) {
        error(c->loc, "per_staffed_hour needs a finite capacity in every year (" + name +
                          " has capacity: unlimited)");
      }
    }
  }
  if (s.kind != SiteKind::exit) {
    if (const Node* r = require(n, "routes", e.key_loc, in))
      convert_routes(*r, s, key_loc(n, "routes"));
  }
  const int places = s.capacity.values.empty() ? kUnlimited : s.capacity.values.front();
  if (const Node* d = n.get("initial");
      d != nullptr && d->is_map() && places != kUnlimited && s.initial.occupied > places) {
    const Node* c = d->get("occupied");
    error(c != nullptr ? c->loc : d->loc, "initial of " + name + " has " +
                                              std::to_string(s.initial.occupied) +
                                              " occupied places, more than its capacity (" +
                                              std::to_string(places) + ") in year 1");
  }
}

void Converter::convert_roster(const Node& list, SiteSpec& s, const std::string& in) {
  if (!expect_seq(list, "roster " + in)) return;
  struct Written {
    Shift shift;
    Loc loc;
    std::string days_text;
  };
  std::vector<Written> shifts;
  for (std::size_t k = 0; k < list.items.size(); ++k) {
    const Node& sh = list.items[k];
    const std::string what = "shift " + std::to_string(k + 1) + " of the roster " + in;
    if (!expect_map(sh, what)) continue;
    check_keys(sh, keys_of("shift"), "in " + what);
    Written w;
    w.loc = sh.loc;
    w.days_text = "mon-sun";
    bool ok = true;
    if (const Node* d = sh.get("days")) {
      const auto day = [&](const std::string& t, const Node& at) -> std::optional<int> {
        const auto it = std::find(kDays.begin(), kDays.end(), t);
        if (it != kDays.end()) return static_cast<int>(it - kDays.begin());
        std::string hint = did_you_mean(t, kDays);
        if (hint.empty()) hint = " (use mon, tue, wed, thu, fri, sat or sun)";
        error(at.loc, "unknown day " + squote(t) + " in " + what + hint);
        return std::nullopt;
      };
      const auto add = [&](const Node& item) -> bool {
        if (!expect_scalar(item, "days of " + what)) return false;
        if (item.text == "all") {
          w.shift.days = 0x7f;
          return true;
        }
        const auto dash = item.text.find('-');
        if (dash == std::string::npos) {
          const auto d1 = day(item.text, item);
          if (!d1) return false;
          w.shift.days = static_cast<std::uint8_t>(w.shift.days | (1U << *d1));
          return true;
        }
        const auto d1 = day(item.text.substr(0, dash), item);
        const auto d2 = day(item.text.substr(dash + 1), item);
        if (!d1 || !d2) return false;
        for (int x = *d1;; x = (x + 1) % 7) {
          w.shift.days = static_cast<std::uint8_t>(w.shift.days | (1U << x));
          if (x == *d2) break;
        }
        return true;
      };
      w.shift.days = 0;
      if (d->is_seq()) {
        w.days_text.clear();
        for (const Node& item : d->items) {
          ok = add(item) && ok;
          if (item.is_scalar()) w.days_text += (w.days_text.empty() ? "" : ",") + item.text;
        }
        if (d->items.empty()) {
          error(d->loc, "days of " + what + " is empty");
          ok = false;
        }
      } else {
        ok = add(*d);
        if (d->is_scalar()) w.days_text = d->text;
      }
    }
    const auto time = [&](const std::string& key) -> std::optional<double> {
      const Node* t = require(sh, key, sh.loc, "in " + what);
      if (t == nullptr || !expect_scalar(*t, key + " of " + what)) return std::nullopt;
      return take(*t, parse_time_of_day(t->text));
    };
    const auto from = time("from");
    const auto to = time("to");
    if (from && to) {
      if (*to <= *from) {
        error(key_loc(sh, "to"), "in " + what + ": 'to' (" + format_duration(*to) +
                                     ") must be after 'from' (" + format_duration(*from) +
                                     "); a shift cannot cross midnight, split it in two");
        ok = false;
      }
      w.shift.from = *from;
      w.shift.to = *to;
    } else {
      ok = false;
    }
    if (const Node* c = sh.get("capacity")) {
      auto v = yearly<int>(*c, "capacity of " + what,
                           [&](const Node& i) { return count(i, "capacity"); });
      if (v) {
        w.shift.capacity = fit(std::move(*v));
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    // Overlaps with the shifts before this one.
    const auto hhmm = [](double minutes) {
      const int total = static_cast<int>(std::lround(minutes));
      const int h = total / 60;
      const int mi = total % 60;
      std::string out = h < 10 ? "0" : "";
      out += std::to_string(h);
      out += mi < 10 ? ":0" : ":";
      out += std::to_string(mi);
      return out;
    };
    for (std::size_t j = 0; j < shifts.size(); ++j) {
      const Shift& o = shifts[j].shift;
      const unsigned common = static_cast<unsigned>(o.days & w.shift.days);
      const double lo = std::max(o.from, w.shift.from);
      const double hi = std::min(o.to, w.shift.to);
      if (common == 0 || lo >= hi) continue;
      int first = 0;
      while ((common & (1U << first)) == 0) ++first;
      error(w.loc, "shift " + std::to_string(k + 1) + " overlaps shift " + std::to_string(j + 1) +
                       " of the roster " + in + " on " + kDays[static_cast<std::size_t>(first)] +
                       " " + hhmm(lo) + "-" + hhmm(hi));
      ok = false;
      break;
    }
    if (ok) shifts.push_back(std::move(w));
  }
  for (auto& w : shifts) s.roster.push_back(w.shift);
}

std::optional<Guard> Converter::convert_guard(const Node& when, const std::string& in) {
  if (!expect_map(when, "when " + in)) return std::nullopt;
  Guard g;
  bool ok = true;
  std::vector<std::string> keys = {"cohort"};
  for (const auto& [attr, values] : attribute_values_) keys.push_back(attr);
  for (const Entry& e : when.entries) {
    if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) {
      error(e.key_loc, "unknown key " + squote(e.key) + " in when " + in +
                           " (not 'cohort' nor a cohort attribute)" + did_you_mean(e.key, keys));
      ok = false;
      continue;
    }
    std::vector<const Node*> items;
    if (e.value.is_seq()) {
      for (const Node& i : e.value.items) items.push_back(&i);
      if (items.empty()) {
        error(e.value.loc, "'" + e.key + "' in when " + in + " is an empty list");
        ok = false;
      }
    } else {
      items.push_back(&e.value);
    }
    if (e.key == "cohort") {
      for (const Node* i : items) {
        const int c = reference(*i, cohort_names_, "cohort", in);
        if (c < 0) {
          ok = false;
        } else {
          g.cohorts.push_back(c);
        }
      }
    } else {
      const auto& known = attribute_values_[e.key];
      std::vector<std::string> values;
      for (const Node* i : items) {
        if (!expect_scalar(*i, "'" + e.key + "' in when " + in)) {
          ok = false;
          continue;
        }
        if (std::find(known.begin(), known.end(), i->text) == known.end()) {
          error(i->loc, "no cohort has " + e.key + ": " + squote(i->text) + " (in when " + in +
                            ")" + did_you_mean(i->text, known));
          ok = false;
          continue;
        }
        values.push_back(i->text);
      }
      g.attributes.emplace_back(e.key, std::move(values));
    }
  }
  if (!ok) return std::nullopt;
  return g;
}

void Converter::convert_routes(const Node& list, SiteSpec& s, const Loc& routes_loc) {
  const std::string site = "site " + squote(s.name);
  if (!expect_seq(list, "routes of " + site)) return;
  if (list.items.empty()) {
    error(list.loc, "routes of " + site + " has no rule");
    return;
  }
  bool all_guards_ok = true;
  for (std::size_t r = 0; r < list.items.size(); ++r) {
    const Node& rule = list.items[r];
    const std::string rule_name = "route rule " + std::to_string(r + 1) + " of " + site;
    const std::string in = "in " + rule_name;
    if (!expect_map(rule, rule_name)) {
      all_guards_ok = false;
      continue;
    }
    check_keys(rule, keys_of("route"), in);
    RouteRule spec;
    spec.where = to_source(rule.loc);
    if (const Node* w = rule.get("when")) {
      auto g = convert_guard(*w, in);
      if (g) {
        spec.when = std::move(*g);
      } else {
        all_guards_ok = false;
      }
    }
    const Node* to = require(rule, "to", rule.loc, in);
    if (to == nullptr || !expect_map(*to, "to " + in)) {
      s.routes.push_back(std::move(spec));
      continue;
    }
    if (to->entries.empty()) error(to->loc, "to " + in + " has no target");
    std::vector<std::vector<double>> ps;
    bool ok = true;
    for (const Entry& te : to->entries) {
      RouteTarget t;
      t.where = to_source(te.key_loc);
      t.site = reference_at(te.key_loc, te.key, site_names_, "site", in);
      const std::string tname = "target " + squote(te.key) + " of " + rule_name;
      const auto prob = [&](const Node& i) { return probability(i, "a route probability"); };
      std::optional<std::vector<double>> p;
      if (te.value.is_map() && !te.value.entry("by_year")) {
        const Node& tm = te.value;
        check_keys(tm, keys_of("target"), "in " + tname);
        if (const Node* pn = require(tm, "p", te.key_loc, "in " + tname))
          p = yearly<double>(*pn, "p of " + tname, prob);
        if (const Node* mn = tm.get("mode")) {
          if (auto v = choice(*mn, choices_of("target", "mode"), "mode", "in " + tname))
            t.mode = static_cast<EntryMode>(*v);
        }
        if (const Node* hn = tm.get("hold")) t.hold = distribution(*hn, "hold of " + tname);
        if (const Node* tn = tm.get("travel")) t.travel = distribution(*tn, "travel of " + tname);
      } else {
        p = yearly<double>(te.value, "p of " + tname, prob);
      }
      if (!p || t.site < 0) ok = false;
      if (p) {
        ps.push_back(*p);
        t.p = fit(std::move(*p));
      }
      spec.to.push_back(std::move(t));
    }
    if (ok && !ps.empty()) {
      std::vector<double> sums(static_cast<std::size_t>(file_years_), 0.0);
      bool varies = false;
      for (const auto& p : ps) {
        for (std::size_t y = 0; y < sums.size(); ++y) {
          sums[y] += p[y];
          if (p[y] != p.front()) varies = true;
        }
      }
      if (const int bad = first_bad_sum(sums); bad >= 0)
        error(key_loc(rule, "to"), sum_message("probabilities of " + rule_name, sums, bad, varies));
    }
    s.routes.push_back(std::move(spec));
  }
  if (!all_guards_ok || s.routes.size() != list.items.size()) return;
  // Every cohort must be matched by some rule.
  std::vector<std::string> unmatched;
  for (std::size_t c = 0; c < m_.cohorts.size(); ++c) {
    const CohortSpec& cohort = m_.cohorts[c];
    bool matched = false;
    for (const RouteRule& rule : s.routes) {
      const Guard& g = rule.when;
      bool ok = g.cohorts.empty() || std::find(g.cohorts.begin(), g.cohorts.end(),
                                               static_cast<int>(c)) != g.cohorts.end();
      for (const auto& [attr, values] : g.attributes) {
        const auto it = cohort.attributes.find(attr);
        if (it == cohort.attributes.end() ||
            std::find(values.begin(), values.end(), it->second) == values.end())
          ok = false;
      }
      if (ok) {
        matched = true;
        break;
      }
    }
    if (!matched) unmatched.push_back(squote(cohort.name));
  }
  if (!unmatched.empty()) {
    std::string names;
    for (std::size_t i = 0; i < unmatched.size(); ++i) names += (i > 0 ? ", " : "") + unmatched[i];
    error(routes_loc, "no route rule of " + site + " matches cohort" +
                          (unmatched.size() > 1 ? "s " : " ") + names +
                          " (add a rule without 'when' to catch every patient)");
  }
}

/// Checks a CSV table of durations before it is read: a regular file of at most 16 MiB (not a
/// device such as /dev/zero) whose data rows have no negative value in the first column. Throws
/// std::invalid_argument as "path:line: message".
void check_csv_table(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    throw std::invalid_argument(path + ": not a regular file");
  if (std::filesystem::is_regular_file(st) && std::filesystem::file_size(path, ec) > (16U << 20U) &&
      !ec)
    throw std::invalid_argument(path + ": larger than 16 MiB");
  std::ifstream in(path);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto value = parse_number(line.substr(first, line.find(',', first) - first));
    if (value && *value < 0) {
      throw std::invalid_argument(path + ":" + std::to_string(line_no) +
                                  ": a duration cannot be negative (got " + format_number(*value) +
                                  ")");
    }
  }
}

/// True if the distribution at `n` has `truncate: {min: ...}` with a min >= 0.
bool floored_at_zero(const Node& n) {
  const Node* t = n.get("truncate");
  const Node* lo = t != nullptr ? t->get("min") : nullptr;
  return lo != nullptr && lo->is_scalar() && parse_duration(lo->text);
}

std::optional<Distribution> Converter::distribution(const Node& n, const std::string& what,
                                                    bool in_mixture) {
  if (n.is_scalar()) {
    // Shorthand: a plain duration is a fixed time.
    auto v = take(n, parse_duration(n.text));
    if (!v) return std::nullopt;
    return Distribution::fixed(*v);
  }
  if (!n.is_map()) {
    error(n.loc, what + " must be a distribution, e.g. {exponential: {mean: 10min}}");
    return std::nullopt;
  }
  std::vector<std::string> allowed = kDistKinds;
  allowed.emplace_back("truncate");
  if (in_mixture) allowed.emplace_back("p");
  check_keys(n, allowed, "in " + what);
  const Entry* kind = nullptr;
  for (const Entry& e : n.entries) {
    if (std::find(kDistKinds.begin(), kDistKinds.end(), e.key) == kDistKinds.end()) continue;
    if (kind != nullptr) {
      error(e.key_loc,
            what + " has two distributions (" + squote(kind->key) + " and " + squote(e.key) + ")");
      return std::nullopt;
    }
    kind = &e;
  }
  if (kind == nullptr) {
    bool unknown = false;
    for (const Entry& e : n.entries)
      if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) unknown = true;
    if (!unknown) error(n.loc, what + " names no distribution (use " + one_of(kDistKinds) + ")");
    return std::nullopt;
  }
  auto d = distribution_kind(kind->key, kind->value, what);
  if (!d) return std::nullopt;
  if (const Node* t = n.get("truncate")) {
    if (!expect_map(*t, "truncate of " + what)) return std::nullopt;
    check_keys(*t, {"min", "max"}, "in truncate of " + what);
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool ok = true;
    if (const Node* x = t->get("min")) {
      if (auto v = duration(*x, "min of truncate")) {
        lo = *v;
      } else {
        ok = false;
      }
    }
    if (const Node* x = t->get("max")) {
      if (auto v = duration(*x, "max of truncate")) {
        hi = *v;
      } else {
        ok = false;
      }
    }
    if (!t->has("min") && !t->has("max")) {
      error(t->loc, "truncate of " + what + " needs min and/or max");
      ok = false;
    }
    if (!ok) return std::nullopt;
    try {
      // Sampling rejects draws outside [lo, hi]: refuse bounds that keep (nearly) no mass.
      engine::RandomStream rs(1, 0, "truncation check");
      int inside = 0;
      for (int i = 0; i < 10000 && inside == 0; ++i) {
        const double x = d->sample(rs);
        if (x >= lo && x <= hi) ++inside;
      }
      if (inside == 0) {
        error(t->loc, "truncate of " + what +
                          " keeps (nearly) no probability mass: none of 10000 samples fall "
                          "within its bounds");
        return std::nullopt;
      }
      d = Distribution::truncated(*d, lo, hi);
      (void)d->mean();  // throws when the truncation leaves no probability mass
    } catch (const std::exception& ex) {
      error(t->loc, "invalid " + what + ": " + ex.what());
      return std::nullopt;
    }
  }
  if (kind->key == "normal" && !floored_at_zero(n)) {
    // Times below zero are clamped to 0 when sampled: refuse a normal with much mass there.
    const auto mean = parse_duration(kind->value.get("mean")->text);
    const auto sd = parse_duration(kind->value.get("sd")->text);
    const double below = 0.5 * std::erfc(*mean / (*sd * std::sqrt(2.0)));
    if (below > 0.01) {
      error(kind->value.loc, what + ": " + format_number(std::round(below * 1000) / 10) +
                                 "% of this normal lies below zero (times would be clamped to "
                                 "0); add truncate: {min: 0min} or use a lognormal or gamma");
      return std::nullopt;
    }
  }
  return d;
}

std::optional<Distribution> Converter::distribution_kind(const std::string& kind, const Node& p,
                                                         const std::string& what) {
  const std::string of = kind + " of " + what;
  const std::string in = "in " + of;
  // Parameters: durations (with units) or plain numbers.
  bool ok = true;
  const auto params = [&](const std::vector<std::string>& keys) -> bool {
    if (!expect_map(p, of)) return false;
    check_keys(p, keys, in);
    bool all = true;
    for (const std::string& k : keys)
      if (require(p, k, p.loc, in) == nullptr) all = false;
    return all;
  };
  const auto dur = [&](const std::string& key) {
    const Node* x = p.get(key);
    if (x == nullptr) return 0.0;
    auto v = duration(*x, key + " of " + of);
    if (!v) ok = false;
    return v.value_or(0.0);
  };
  const auto num = [&](const std::string& key) {
    const Node* x = p.get(key);
    if (x == nullptr) return 0.0;
    auto v = number(*x, key + " of " + of);
    if (!v) ok = false;
    return v.value_or(0.0);
  };
  std::function<Distribution()> make;
  if (kind == "fixed") {
    auto v = duration(p, of);
    if (!v) return std::nullopt;
    make = [v] { return Distribution::fixed(*v); };
  } else if (kind == "exponential") {
    if (!params({"mean"})) return std::nullopt;
    const double mean = dur("mean");
    make = [=] { return Distribution::exponential(mean); };
  } else if (kind == "uniform") {
    if (!params({"min", "max"})) return std::nullopt;
    const double lo = dur("min");
    const double hi = dur("max");
    make = [=] { return Distribution::uniform(lo, hi); };
  } else if (kind == "triangular" || kind == "pert") {
    if (!params({"min", "mode", "max"})) return std::nullopt;
    const double lo = dur("min");
    const double mode = dur("mode");
    const double hi = dur("max");
    if (kind == "pert") {
      make = [=] { return Distribution::pert(lo, mode, hi); };
    } else {
      make = [=] { return Distribution::triangular(lo, mode, hi); };
    }
  } else if (kind == "normal") {
    if (!params({"mean", "sd"})) return std::nullopt;
    const double mean = dur("mean");
    const double sd = dur("sd");
    make = [=] { return Distribution::normal(mean, sd); };
  } else if (kind == "lognormal") {
    if (!expect_map(p, of)) return std::nullopt;
    check_keys(p, {"mean", "sd", "median", "p95"}, in);
    const bool ms = p.has("mean") || p.has("sd");
    const bool mp = p.has("median") || p.has("p95");
    if (ms && mp) {
      error(p.loc, of + " gives both {mean, sd} and {median, p95}; use one pair");
      return std::nullopt;
    }
    if (mp) {
      if (!params({"median", "p95"})) return std::nullopt;
      const double median = dur("median");
      const double p95 = dur("p95");
      make = [=] { return Distribution::lognormal_median_p95(median, p95); };
    } else {
      if (!ms) {
        error(p.loc, of + " needs {mean, sd} or {median, p95}");
        return std::nullopt;
      }
      if (!params({"mean", "sd"})) return std::nullopt;
      const double mean = dur("mean");
      const double sd = dur("sd");
      make = [=] { return Distribution::lognormal_mean_sd(mean, sd); };
    }
  } else if (kind == "gamma") {
    if (!params({"mean", "cv"})) return std::nullopt;
    const double mean = dur("mean");
    const double cv = num("cv");
    make = [=] { return Distribution::gamma_mean_cv(mean, cv); };
  } else if (kind == "weibull") {
    if (!params({"shape", "scale"})) return std::nullopt;
    const double shape = num("shape");
    const double scale = dur("scale");
    if (ok && shape < 0.1) {
      error(p.get("shape")->loc, "shape of " + of + " must be at least 0.1 (got " +
                                     p.get("shape")->text + "): its samples would overflow");
      ok = false;
    }
    make = [=] { return Distribution::weibull(shape, scale); };
  } else if (kind == "erlang") {
    if (!params({"k", "mean"})) return std::nullopt;
    int k = 1;
    if (auto v = integer(*p.get("k"), "k of " + of, 1)) {
      k = static_cast<int>(std::min<long long>(*v, 1001));
      if (*v > 1000) {
        error(p.get("k")->loc, "k of " + of + " must be at most 1000 (got " + p.get("k")->text +
                                   "); use a fixed time for a near-constant one");
        ok = false;
      }
    } else {
      ok = false;
    }
    const double mean = dur("mean");
    make = [=] { return Distribution::erlang(k, mean); };
  } else if (kind == "empirical" || kind == "empirical_cdf") {
    const bool discrete = kind == "empirical";
    const std::string xs = discrete ? "values" : "x";
    const std::string ys = discrete ? "probs" : "cdf";
    if (!params({xs, ys})) return std::nullopt;
    auto x = list_of(*p.get(xs), xs + " of " + of,
                     [&](const Node& i) { return duration(i, "a value of " + of); });
    auto y = list_of(*p.get(ys), ys + " of " + of,
                     [&](const Node& i) { return number(i, "a value of " + of); });
    if (!x || !y) return std::nullopt;
    if (discrete) {
      make = [x, y] { return Distribution::empirical_discrete(*x, *y); };
    } else {
      make = [x, y] { return Distribution::empirical_continuous(*x, *y); };
    }
  } else if (kind == "csv") {
    if (!params({"file", "kind", "unit"})) return std::nullopt;
    const Node& file = *p.get("file");
    if (!expect_scalar(file, "file of " + of)) return std::nullopt;
    const auto k = choice(*p.get("kind"), {"discrete", "continuous"}, "kind", in);
    const auto u = choice(*p.get("unit"), {"min", "h", "d", "w"}, "unit", in);
    if (!k || !u) return std::nullopt;
    std::filesystem::path path(file.text);
    if (path.is_relative()) path = std::filesystem::path(file.loc.file_name()).parent_path() / path;
    const std::string full = path.lexically_normal().string();
    const auto ek = *k == 0 ? engine::EmpiricalKind::kDiscrete : engine::EmpiricalKind::kContinuous;
    const double factor = *duration_unit_minutes(p.get("unit")->text);
    make = [=] {
      check_csv_table(full);
      const auto d = Distribution::from_csv(full, ek);
      return factor == 1.0 ? d : d.scaled(factor);
    };
  } else if (kind == "mixture") {
    if (!expect_seq(p, of)) return std::nullopt;
    if (p.items.empty()) {
      error(p.loc, of + " has no component");
      return std::nullopt;
    }
    std::vector<double> weights;
    std::vector<Distribution> parts;
    for (std::size_t i = 0; i < p.items.size(); ++i) {
      const Node& c = p.items[i];
      const std::string cname = "component " + std::to_string(i + 1) + " of " + of;
      if (!expect_map(c, cname)) {
        ok = false;
        continue;
      }
      const Node* w = require(c, "p", c.loc, "in " + cname);
      std::optional<double> wv;
      if (w != nullptr) wv = probability(*w, "p of " + cname);
      auto d = distribution(c, cname, true);
      if (!wv || !d) {
        ok = false;
        continue;
      }
      weights.push_back(*wv);
      parts.push_back(*d);
    }
    if (!ok) return std::nullopt;
    double sum = 0;
    for (double w : weights) sum += w;
    if (std::fabs(sum - 1.0) > kSumTolerance) {
      error(p.loc, "probabilities of " + of + " sum to " + format_number(sum) + ", not 1");
      return std::nullopt;
    }
    make = [weights, parts] { return Distribution::mixture(weights, parts); };
  } else {
    return std::nullopt;  // not reached: kind is one of kDistKinds
  }
  if (!ok) return std::nullopt;
  try {
    return make();
  } catch (const std::exception& ex) {
    error(p.loc, "invalid " + what + ": " + ex.what());
    return std::nullopt;
  }
}

void Converter::convert_kpis(const Node& root) {
  const Node* ks = root.get("kpis");
  if (ks == nullptr || !expect_map(*ks, "'kpis'")) return;
  const std::vector<std::string> forms = {"sum",     "mean",     "share_within", "p95",
                                          "ratio",   "per_100k", "count_over",   "time_at_least",
                                          "time_at", "profile"};
  const std::vector<std::string> sum_metrics = choices_of("kpi", "sum");
  const std::vector<std::string> mean_metrics = choices_of("kpi", "mean");
  const std::vector<std::string> p95_metrics = choices_of("kpi", "p95");
  const std::vector<std::string> level_metrics = {"occupancy", "present"};
  const std::vector<std::string> profile_metrics = choices_of("kpi", "profile");
  const std::vector<std::string> allowed = keys_of("kpi");
  std::map<std::string, std::vector<std::string>> refs;  // for cycles
  std::map<std::string, Loc> locs;
  for (const Entry& e : ks->entries) {
    KpiSpec k;
    k.name = e.key;
    k.where = to_source(e.key_loc);
    const std::string name = "KPI " + squote(e.key);
    const std::string in = "in " + name;
    locs[e.key] = e.key_loc;
    if (!expect_map(e.value, name)) continue;
    const Node& n = e.value;
    check_keys(n, allowed, in);
    const Entry* form = nullptr;
    bool two = false;
    for (const Entry& x : n.entries) {
      if (std::find(forms.begin(), forms.end(), x.key) == forms.end()) continue;
      if (form != nullptr) {
        error(x.key_loc, name + " has two forms (" + squote(form->key) + " and " + squote(x.key) +
                             "); use one of " + one_of(forms));
        two = true;
      }
      form = form != nullptr ? form : &x;
    }
    if (form == nullptr) {
      error(e.key_loc, name + " has no form (use " + one_of(forms) + ")");
      continue;
    }
    if (two) continue;
    k.form = static_cast<KpiSpec::Form>(std::find(forms.begin(), forms.end(), form->key) -
                                        forms.begin());
    const bool site_form = k.form != KpiSpec::Form::ratio && k.form != KpiSpec::Form::per_100k;
    const Node& fv = form->value;
    switch (k.form) {
      case KpiSpec::Form::sum:
        if (auto v = choice(fv, sum_metrics, "metric", "for sum " + in)) k.metric = sum_metrics[*v];
        break;
      case KpiSpec::Form::mean:
        if (auto v = choice(fv, mean_metrics, "metric", "for mean " + in))
          k.metric = mean_metrics[*v];
        break;
      case KpiSpec::Form::p95:
        if (auto v = choice(fv, p95_metrics, "metric", "for p95 " + in)) k.metric = p95_metrics[*v];
        break;
      case KpiSpec::Form::share_within:
      case KpiSpec::Form::count_over:
        if (auto v = duration(fv, form->key + " " + in)) k.within = *v;
        k.metric = "time_in_site";
        if (const Node* o = n.get("of"))
          if (auto v = choice(*o, p95_metrics, "'of' value", in)) k.metric = p95_metrics[*v];
        break;
      case KpiSpec::Form::time_at_least:
      case KpiSpec::Form::time_at:
        if (fv.is_scalar() && fv.text == "full" && k.form == KpiSpec::Form::time_at_least) {
          k.level = KpiSpec::kFullLevel;
        } else if (auto v = count(fv, form->key + " " + in)) {
          k.level = *v;
        }
        k.metric = "occupancy";
        if (const Node* o = n.get("of"))
          if (auto v = choice(*o, level_metrics, "'of' value", in)) k.metric = level_metrics[*v];
        break;
      case KpiSpec::Form::profile:
        if (auto v = choice(fv, profile_metrics, "metric", "for profile " + in))
          k.metric = profile_metrics[*v];
        if (const Node* b = require(n, "by", e.key_loc, in)) {
          if (auto v = choice(*b, choices_of("kpi", "by"), "'by' value", in)) k.by_day = *v == 1;
        }
        break;
      case KpiSpec::Form::ratio:
        if (!fv.is_seq() || fv.items.size() != 2) {
          error(fv.loc,
                "ratio " + in + " must be a list of two KPIs, e.g. [admissions, attendances]");
        } else {
          const int a = reference(fv.items[0], kpi_names_, "KPI", in);
          const int b = reference(fv.items[1], kpi_names_, "KPI", in);
          if (a >= 0) k.numerator = kpi_names_[static_cast<std::size_t>(a)];
          if (b >= 0) k.denominator = kpi_names_[static_cast<std::size_t>(b)];
          refs[e.key] = {k.numerator, k.denominator};
        }
        break;
      case KpiSpec::Form::per_100k:
        if (const int a = reference(fv, kpi_names_, "KPI", in); a >= 0) {
          k.numerator = kpi_names_[static_cast<std::size_t>(a)];
          refs[e.key] = {k.numerator};
        }
        if (m_.population <= 0)
          error(form->key_loc, "per_100k " + in + " needs model.population (> 0)");
        break;
    }
    if (const Node* c = n.get("cohorts")) {
      const bool counts = k.form == KpiSpec::Form::sum &&
                          (k.metric == "arrivals" || k.metric == "served" || k.metric == "reneged");
      const bool times =
          (k.metric == "wait" || k.metric == "time_in_site") && k.form != KpiSpec::Form::sum;
      if (!counts && !times) {
        error(key_loc(n, "cohorts"),
              "'cohorts' applies only to sum: arrivals, served or reneged and to mean, p95, "
              "share_within or count_over of wait or time_in_site (" +
                  name + ")");
      } else if (expect_seq(*c, "cohorts " + in + " (a list of cohorts)")) {
        for (const Node& i : c->items) {
          if (const int x = reference(i, cohort_names_, "cohort", in); x >= 0) {
            k.cohorts.push_back(x);
          }
        }
        if (c->items.empty()) error(c->loc, "cohorts " + in + " is empty");
      }
    }
    const bool level_form =
        k.form == KpiSpec::Form::time_at_least || k.form == KpiSpec::Form::time_at;
    if (n.has("of") && k.form != KpiSpec::Form::share_within &&
        k.form != KpiSpec::Form::count_over && !level_form) {
      error(key_loc(n, "of"),
            "'of' applies only to share_within, count_over, time_at_least and time_at (" + name +
                ")");
    }
    if (site_form) {
      if (const Node* s = require(n, "sites", e.key_loc, in)) {
        if (s->is_scalar() && s->text == "all") {
          for (std::size_t i = 0; i < site_names_.size(); ++i)
            k.sites.push_back(static_cast<int>(i));
        } else if (expect_seq(*s, "sites " + in + " (a list of sites, or all)")) {
          for (const Node& i : s->items)
            if (const int x = reference(i, site_names_, "site", in); x >= 0) k.sites.push_back(x);
          if (s->items.empty()) error(s->loc, "sites " + in + " is empty");
        }
      }
    } else if (n.has("sites")) {
      error(key_loc(n, "sites"), "'sites' does not apply to " + form->key + " " + in);
    }
    if (n.has("by") && k.form != KpiSpec::Form::profile) {
      error(key_loc(n, "by"), "'by' applies only to profile (" + name + ")");
    }
    if (level_form && k.sites.size() > 1) {
      error(key_loc(n, "sites"), form->key + " " + in +
                                     " needs exactly one site (the time a sum of sites spends at "
                                     "a level is not tracked)");
    }
    if (const Node* s = n.get("scale")) {
      if (k.form != KpiSpec::Form::ratio && k.form != KpiSpec::Form::sum) {
        error(key_loc(n, "scale"), "'scale' applies only to ratio and sum (" + name + ")");
      } else if (auto v = number(*s, "scale " + in)) {
        k.scale = *v;
      }
    }
    if (const Node* s = n.get("unit"))
      if (auto v = text(*s, "unit " + in)) k.unit = *v;
    if (const Node* s = n.get("description"))
      if (auto v = text(*s, "description " + in)) k.description = *v;
    if (const Node* s = n.get("headline"))
      if (auto v = boolean(*s, "headline " + in)) k.headline = *v;
    m_.kpis.push_back(std::move(k));
  }
  // A ratio or per_100k takes one number per KPI: a profile (one value per hour or weekday) has
  // none.
  for (const KpiSpec& k : m_.kpis) {
    for (const std::string& r : refs[k.name]) {
      const auto named = std::find_if(m_.kpis.begin(), m_.kpis.end(),
                                      [&](const KpiSpec& o) { return o.name == r; });
      if (named != m_.kpis.end() && named->form == KpiSpec::Form::profile) {
        error(locs[k.name], "KPI " + squote(k.name) + " refers to " + squote(r) +
                                ", a profile (one value per hour or weekday), not a single number");
      }
    }
  }
  // KPIs that refer to themselves through ratio/per_100k.
  std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::set<std::string> reported;
  std::function<void(const std::string&)> visit = [&](const std::string& k) {
    state[k] = 1;
    stack.push_back(k);
    for (const std::string& r : refs[k]) {
      if (r.empty()) continue;
      if (state[r] == 1) {
        const auto it = std::find(stack.begin(), stack.end(), r);
        std::string path;
        for (auto i = it; i != stack.end(); ++i) path += squote(*i) + " -> ";
        path += squote(r);
        if (reported.insert(r).second)
          error(locs[r], "KPIs refer to each other in a cycle: " + path);
      } else if (state[r] == 0) {
        visit(r);
      }
    }
    stack.pop_back();
    state[k] = 2;
  };
  for (const std::string& k : kpi_names_)
    if (state[k] == 0) visit(k);
}

std::optional<std::pair<double, bool>> Converter::threshold(const Node& n,
                                                            const std::string& what) {
  if (!expect_scalar(n, what)) return std::nullopt;
  if (!n.text.empty() && n.text.back() == '%') {
    const auto v = parse_number(n.text.substr(0, n.text.size() - 1));
    if (!v || *v < 0 || *v > 1000) {
      error(n.loc, "\"" + n.text + "\": " + what +
                       " must be a count or a percentage of capacity "
                       "between 0% and 1000%");
      return std::nullopt;
    }
    return std::pair{*v / 100.0, true};
  }
  const auto v = parse_number(n.text);
  if (!v || *v < 0 || *v > 1e9) {
    error(n.loc, "\"" + n.text + "\": " + what + " must be a count >= 0 or a percentage of " +
                     "capacity, e.g. 95%");
    return std::nullopt;
  }
  return std::pair{*v, false};
}

void Converter::convert_escalation(const Node& root) {
  const Node* block = root.get("escalation");
  if (block == nullptr || !expect_map(*block, "'escalation'")) return;
  const std::vector<std::string> measures = choices_of("escalation_watch", "measure");
  for (const Entry& e : block->entries) {
    const Node& n = e.value;
    const std::string in = "in escalation policy " + squote(e.key);
    if (!expect_map(n, "escalation policy " + squote(e.key))) continue;
    check_keys(n, keys_of("escalation"), in);
    EscalationSpec x;
    x.name = e.key;
    x.where = to_source(e.key_loc);
    if (const Node* w = require(n, "watch", e.key_loc, in);
        w != nullptr && expect_map(*w, "watch " + in)) {
      check_keys(*w, keys_of("escalation_watch"), "in watch " + in);
      if (const Node* site = require(*w, "site", key_loc(n, "watch"), "in watch " + in))
        x.site = reference(*site, site_names_, "site", "in watch " + in);
      if (const Node* mm = w->get("measure")) {
        if (auto v = choice(*mm, measures, "measure", "in watch " + in))
          x.measure = static_cast<EscalationSpec::Measure>(*v);
      }
    }
    const SiteSpec* watched = x.site >= 0 && static_cast<std::size_t>(x.site) < m_.sites.size()
                                  ? &m_.sites[static_cast<std::size_t>(x.site)]
                                  : nullptr;
    if (watched != nullptr &&
        (watched->kind == SiteKind::triage || watched->kind == SiteKind::exit)) {
      error(key_loc(n, "watch"), "escalation policy " + squote(e.key) + " watches " +
                                     squote(watched->name) + ", a site without places (" +
                                     (watched->kind == SiteKind::triage ? "triage" : "exit") + ")");
    }
    const bool has_share = x.measure == EscalationSpec::Measure::occupancy ||
                           x.measure == EscalationSpec::Measure::present;
    const auto check_share = [&](const Node& t, bool share) {
      if (!share) return;
      if (!has_share) {
        error(t.loc, "a percentage threshold applies to occupancy or present, not to " +
                         measures[static_cast<std::size_t>(x.measure)] + " (" + in + ")");
      } else if (watched != nullptr && watched->unlimited_in_some_year()) {
        error(t.loc, "a percentage threshold needs a site with a finite capacity (" + in + ")");
      }
    };
    if (const Node* o = require(n, "open", e.key_loc, in);
        o != nullptr && expect_map(*o, "open " + in)) {
      check_keys(*o, keys_of("escalation_open"), "in open " + in);
      if (const Node* t = require(*o, "at_least", key_loc(n, "open"), "in open " + in)) {
        if (auto v = threshold(*t, "at_least")) {
          std::tie(x.open_at, x.open_share) = *v;
          check_share(*t, x.open_share);
        }
      }
      if (const Node* d = o->get("for"))
        if (auto v = duration(*d, "for in open " + in)) x.sustain = *v;
      if (const Node* d = o->get("after"))
        if (auto v = duration(*d, "after in open " + in)) x.delay = *v;
    }
    if (const Node* c = require(n, "close", e.key_loc, in);
        c != nullptr && expect_map(*c, "close " + in)) {
      check_keys(*c, keys_of("escalation_close"), "in close " + in);
      if (const Node* t = require(*c, "below", key_loc(n, "close"), "in close " + in)) {
        if (auto v = threshold(*t, "below")) {
          std::tie(x.close_below, x.close_share) = *v;
          check_share(*t, x.close_share);
          if (x.close_share == x.open_share && x.close_below > x.open_at) {
            error(t->loc,
                  "close below (" + t->text + ") must not be above open at_least (" + in + ")");
          }
        }
      }
      if (const Node* d = c->get("for"))
        if (auto v = duration(*d, "for in close " + in)) x.settle = *v;
    }
    if (const Node* d = n.get("check_every")) {
      if (auto v = duration(*d, "check_every " + in)) {
        if (*v < 1.0) {
          error(d->loc, "check_every " + in + " must be at least 1min");
        } else {
          x.check_every = *v;
        }
      }
    }
    if (const Node* a = n.get("add"); a != nullptr && expect_map(*a, "add " + in)) {
      check_keys(*a, keys_of("escalation_add"), "in add " + in);
      x.add_site = x.site;
      if (const Node* site = a->get("site"))
        x.add_site = reference(*site, site_names_, "site", "in add " + in);
      if (const Node* pl = require(*a, "places", key_loc(n, "add"), "in add " + in)) {
        if (auto v = count(*pl, "places"); v && *v != kUnlimited) {
          x.add = *v;
        } else if (v) {
          error(pl->loc, "places in add " + in + " must be a whole number, not unlimited");
        }
      }
      if (x.add_site >= 0 && static_cast<std::size_t>(x.add_site) < m_.sites.size()) {
        const SiteSpec& t = m_.sites[static_cast<std::size_t>(x.add_site)];
        if (t.kind == SiteKind::triage || t.kind == SiteKind::exit || t.unlimited_in_some_year()) {
          error(key_loc(n, "add"), "add " + in + " names " + squote(t.name) +
                                       ", which has no finite capacity to add to");
        }
      }
    }
    if (const Node* d = n.get("divert"); d != nullptr && expect_map(*d, "divert " + in)) {
      check_keys(*d, keys_of("escalation_divert"), "in divert " + in);
      if (const Node* f = require(*d, "from", key_loc(n, "divert"), "in divert " + in)) {
        if (f->is_scalar()) {
          x.divert_from.push_back(reference(*f, site_names_, "site", "in divert " + in));
        } else if (expect_seq(*f, "from in divert " + in)) {
          for (const Node& i : f->items)
            x.divert_from.push_back(reference(i, site_names_, "site", "in divert " + in));
        }
      }
      if (const Node* sh = require(*d, "share", key_loc(n, "divert"), "in divert " + in))
        if (auto v = probability(*sh, "share in divert " + in)) x.divert_share = *v;
      if (const Node* t = require(*d, "to", key_loc(n, "divert"), "in divert " + in)) {
        x.divert_to = reference(*t, site_names_, "site", "in divert " + in);
        if (x.divert_to >= 0 && x.divert_to == x.site)
          error(t->loc, "divert " + in + " cannot send patients to the watched site itself");
      }
    }
    if (x.add == 0 && x.divert_share == 0 && n.has("add") == false && n.has("divert") == false) {
      error(e.key_loc,
            "escalation policy " + squote(e.key) + " does nothing: give it 'add' or 'divert'");
    }
    if (const Node* c = n.get("cost"); c != nullptr && expect_map(*c, "cost " + in)) {
      check_keys(*c, keys_of("escalation_cost"), "in cost " + in);
      if (const Node* v = c->get("per_bed_day")) {
        if (auto y = number_in(*v, "per_bed_day cost", 0, std::numeric_limits<double>::max(),
                               "a number >= 0"))
          x.cost_per_bed_day = *y;
      }
    }
    m_.escalation.push_back(std::move(x));
  }
}

void Converter::convert_targets(const Node& root) {
  const Node* block = root.get("targets");
  if (block == nullptr || !expect_map(*block, "'targets'")) return;
  // KPI names (declared and built-in) are known only once the rest of the model converted.
  std::vector<std::string> kpis;
  if (errors_.empty()) {
    for (const KpiInfo& k : kpi_catalogue(m_)) kpis.push_back(k.name);
  }
  std::vector<std::string> labels;
  labels.reserve(static_cast<std::size_t>(std::max(file_years_, 0)));
  for (int y = 0; y < file_years_; ++y) labels.push_back(m_.horizon.year_label(y));
  for (const Entry& e : block->entries) {
    const Node& n = e.value;
    const std::string in = "in target " + squote(e.key);
    if (!expect_map(n, "target " + squote(e.key))) continue;
    check_keys(n, keys_of("plan_target"), in);
    TargetSpec t;
    t.name = e.key;
    t.where = to_source(e.key_loc);
    bool ok = true;
    if (const Node* k = require(n, "kpi", e.key_loc, in); k != nullptr) {
      if (!expect_scalar(*k, "kpi " + in)) {
        ok = false;
      } else {
        t.kpi = k->text;
        if (!kpis.empty() && std::find(kpis.begin(), kpis.end(), t.kpi) == kpis.end()) {
          error(k->loc, "unknown KPI " + squote(t.kpi) + " " + in + did_you_mean(t.kpi, kpis));
          ok = false;
        }
      }
    } else {
      ok = false;
    }
    const Node* lo = n.get("at_least");
    const Node* hi = n.get("at_most");
    const auto misspelt = [&](const char* key) {
      return std::find(misspelt_.begin(), misspelt_.end(), std::pair{&n, std::string(key)}) !=
             misspelt_.end();
    };
    if ((lo == nullptr) == (hi == nullptr)) {
      if (!misspelt("at_least") && !misspelt("at_most")) {  // else reported as a misspelling
        error(e.key_loc,
              "target " + squote(e.key) + " needs exactly one of 'at_least' or 'at_most'");
      }
      ok = false;
    } else {
      t.at_least = lo != nullptr;
      const Node& b = lo != nullptr ? *lo : *hi;
      if (auto v = number(b, (t.at_least ? "at_least " : "at_most ") + in)) {
        t.bound = *v;
      } else {
        ok = false;
      }
    }
    if (const Node* ys = n.get("years")) {
      if (auto list = list_of<std::string>(
              *ys, "years " + in, [&](const Node& i) -> std::optional<std::string> {
                if (!expect_scalar(i, "a year " + in)) return std::nullopt;
                if (std::find(labels.begin(), labels.end(), i.text) != labels.end()) return i.text;
                std::string hint = did_you_mean(i.text, labels);
                if (hint.empty()) hint = " (the horizon's years are " + one_of(labels) + ")";
                error(i.loc, "unknown year " + squote(i.text) + " " + in + hint);
                return std::nullopt;
              })) {
        for (const std::string& y : *list) {
          const int k =
              static_cast<int>(std::find(labels.begin(), labels.end(), y) - labels.begin());
          if (k < years_) t.years.push_back(k);  // years cut by --years are dropped
        }
        if (t.years.empty() && !list->empty()) continue;  // applies to no simulated year
        if (list->empty())
          error(ys->loc, "years " + in + " is empty (leave it out for every year)");
      } else {
        ok = false;
      }
    }
    if (const Node* l = n.get("label"))
      if (auto v = text(*l, "label " + in)) t.label = *v;
    if (ok) m_.targets.push_back(std::move(t));
  }
}

}  // namespace

ModelSpec convert_model(const Node& root, const LoadOptions& options,
                        std::vector<ConfigError>& errors) {
  Converter c(options, errors);
  return c.run(root);
}

}  // namespace carepath::pathways::detail
