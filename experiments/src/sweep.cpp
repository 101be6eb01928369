#include <carepath/experiments/sweep.hpp>
#include <carepath/pathways/config_error.hpp>
#include <carepath/pathways/key_table.hpp>
#include <carepath/pathways/runtime.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>

namespace carepath::experiments {
namespace {

namespace fs = std::filesystem;
using pathways::ConfigError;
using pathways::ConfigErrors;

// Collects errors located in the sweep file.
class SweepErrors {
 public:
  explicit SweepErrors(std::string file) : file_(std::move(file)) {}
  void add(const YAML::Node& at, const std::string& message) {
    const YAML::Mark m = at.Mark();
    errors_.push_back(ConfigError{file_, m.line >= 0 ? m.line + 1 : 1,
                                  m.column >= 0 ? m.column + 1 : 1, message});
  }
  void throw_if_any() const {
    if (!errors_.empty()) throw ConfigErrors(errors_);
  }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

void check_keys(const YAML::Node& map, const std::vector<std::string>& keys,
                const std::string& where, SweepErrors& errors) {
  for (const auto& kv : map) {
    const auto key = kv.first.as<std::string>();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      errors.add(kv.first,
                 "unknown key '" + key + "' in " + where + pathways::did_you_mean(key, keys));
    }
  }
}

std::string resolve(const std::string& file, const std::string& ref) {
  fs::path p(ref);
  if (p.is_relative()) p = fs::path(file).parent_path() / p;
  return p.lexically_normal().string();
}

// "120000/year" -> {120000, "/year"}; {NaN, text} if it does not start with a number.
std::pair<double, std::string> split_number(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin) return {std::numeric_limits<double>::quiet_NaN(), text};
  return {v, std::string(end)};
}

std::string format_number(double v, const std::string& suffix) {
  char buf[64];
  if (std::abs(v - std::round(v)) < 1e-9 * std::max(1.0, std::abs(v))) {
    std::snprintf(buf, sizeof buf, "%.0f", std::round(v));
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf + suffix;
}

std::vector<std::string> range_values(const SweepRange& r) {
  std::vector<std::string> out;
  const auto n = static_cast<long>(std::floor((r.to - r.from) / r.step + 1e-9));
  for (long i = 0; i <= n; ++i)
    out.push_back(format_number(r.from + static_cast<double>(i) * r.step, r.suffix));
  return out;
}

// A value as --set would take it: a scalar's text, or a list or map in flow style.
std::string value_text(const YAML::Node& v) {
  if (v.IsScalar()) return v.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << v;
  return e.c_str();
}

SweepParameter read_parameter(const std::string& name, const YAML::Node& n, const std::string& file,
                              SweepErrors& errors) {
  SweepParameter p;
  p.name = name;
  if (!n.IsMap()) {
    errors.add(n, "parameter '" + name +
                      "' must be a map with set: PATH and values: [...] (or "
                      "range:), or levers: {VALUE: FILE, ...}");
    return p;
  }
  check_keys(n, pathways::keys_of("sweep_parameter"), "parameter '" + name + "'", errors);
  if (n["unit"]) p.unit = n["unit"].as<std::string>();
  if (n["levers"]) {
    if (n["set"] || n["values"] || n["range"])
      errors.add(n, "parameter '" + name + "': levers: cannot go with set, values or range");
    if (!n["levers"].IsMap() || n["levers"].size() == 0) {
      errors.add(n["levers"],
                 "levers: must map each value to a lever file, e.g. {10: levers/hubs-10.yaml}");
      return p;
    }
    for (const auto& kv : n["levers"]) {
      p.values.push_back(kv.first.as<std::string>());
      const std::string lever = resolve(file, kv.second.as<std::string>());
      if (!fs::exists(lever)) {
        errors.add(kv.second,
                   "cannot read the lever '" + kv.second.as<std::string>() + "' (" + lever + ")");
      }
      p.levers.push_back(lever);
    }
    return p;
  }
  if (!n["set"] || !n["set"].IsScalar()) {
    errors.add(n, "parameter '" + name + "' needs set: PATH (as in --set) or levers:");
    return p;
  }
  p.path = n["set"].as<std::string>();
  if (n["values"] && n["range"]) errors.add(n["range"], "give values: or range:, not both");
  if (n["values"]) {
    if (!n["values"].IsSequence() || n["values"].size() == 0) {
      errors.add(n["values"], "values: must be a list, e.g. [50, 60, 70]");
      return p;
    }
    for (const auto& v : n["values"]) p.values.push_back(value_text(v));
  } else if (n["range"]) {
    const YAML::Node r = n["range"];
    if (!r.IsMap() || !r["from"] || !r["to"]) {
      errors.add(r, "range: needs from: and to: (and step: for a grid)");
      return p;
    }
    check_keys(r, pathways::keys_of("sweep_range"), "range", errors);
    SweepRange range;
    const auto [from, suffix] = split_number(r["from"].as<std::string>());
    const auto [to, to_suffix] = split_number(r["to"].as<std::string>());
    if (std::isnan(from) || std::isnan(to) || to < from || suffix != to_suffix) {
      errors.add(r, "range: from and to must be numbers with the same unit, from <= to");
      return p;
    }
    range.from = from;
    range.to = to;
    range.suffix = suffix;
    if (r["step"]) {
      const auto [step, step_suffix] = split_number(r["step"].as<std::string>());
      if (!(step > 0) || step_suffix != suffix) {
        errors.add(r["step"], "range: step must be a positive number in the unit of from");
        return p;
      }
      range.step = step;
    }
    p.range = range;
  } else {
    errors.add(n, "parameter '" + name + "' needs values: [...] or range: {from, to, step}");
  }
  if (p.unit.empty()) {
    const std::string sample =
        p.range ? p.range->suffix : (p.values.empty() ? "" : split_number(p.values.front()).second);
    p.unit = sample;
  }
  return p;
}

std::uint64_t as_seed(const YAML::Node& n, SweepErrors& errors) {
  try {
    return n.as<std::uint64_t>();
  } catch (const YAML::Exception&) {
    errors.add(n, "a seed must be a whole number >= 0");
    return 0;
  }
}

}  // namespace

SweepSpec load_sweep(const std::string& path) {
  SweepErrors errors(path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigErrors({ConfigError{path, 1, 1, "cannot read the file"}});
  } catch (const YAML::Exception& e) {
    throw ConfigErrors({ConfigError{path, e.mark.line + 1, e.mark.column + 1, e.msg}});
  }
  SweepSpec spec;
  spec.file = path;
  if (!root.IsMap() || !root["sweep"]) {
    errors.add(root, "a sweep file has a top-level 'sweep:' (see scenarios/README.md, Sweeps)");
    errors.throw_if_any();
  }
  check_keys(root, pathways::keys_of("sweep_root"), "a sweep file", errors);
  const YAML::Node head = root["sweep"];
  if (head.IsMap()) {
    check_keys(head, pathways::keys_of("sweep_head"), "'sweep'", errors);
    if (head["name"]) spec.name = head["name"].as<std::string>();
    if (head["description"]) spec.description = head["description"].as<std::string>();
  }
  if (spec.name.empty()) spec.name = fs::path(path).stem().string();

  const YAML::Node scenarios = root["scenarios"];
  if (!scenarios || !(scenarios.IsSequence() || scenarios.IsScalar())) {
    errors.add(scenarios ? scenarios : root, "scenarios: must list the base scenario file(s)");
  } else if (scenarios.IsScalar()) {
    spec.scenarios.push_back(resolve(path, scenarios.as<std::string>()));
  } else {
    for (const auto& s : scenarios) spec.scenarios.push_back(resolve(path, s.as<std::string>()));
  }

  const YAML::Node params = root["parameters"];
  if (!params || !params.IsMap() || params.size() == 0) {
    errors.add(params ? params : root, "parameters: must map each parameter name to its values");
  } else {
    for (const auto& kv : params) {
      spec.parameters.push_back(
          read_parameter(kv.first.as<std::string>(), kv.second, path, errors));
    }
  }

  const YAML::Node design = root["design"];
  if (!design || (design.IsScalar() && design.as<std::string>() == "grid")) {
    spec.design = SweepDesign::grid;
  } else if (design.IsMap() && design["latin_hypercube"]) {
    spec.design = SweepDesign::latin_hypercube;
    const YAML::Node l = design["latin_hypercube"];
    check_keys(l, pathways::keys_of("latin_hypercube"), "latin_hypercube", errors);
    if (!l["points"] || l["points"].as<int>(0) < 2) {
      errors.add(l, "latin_hypercube: needs points: N (N >= 2)");
    } else {
      spec.lhs_points = l["points"].as<int>();
    }
    if (l["seed"]) spec.lhs_seed = as_seed(l["seed"], errors);
  } else if (design.IsMap() && design["points"]) {
    spec.design = SweepDesign::points;
    for (const auto& pt : design["points"]) {
      if (!pt.IsMap()) {
        errors.add(pt, "each point is a map {parameter: value, ...}");
        continue;
      }
      std::vector<std::string> names;
      for (const auto& p : spec.parameters) names.push_back(p.name);
      check_keys(pt, names, "a point", errors);
      std::vector<std::string> texts;
      for (const auto& p : spec.parameters) {
        if (!pt[p.name]) {
          errors.add(pt, "this point has no value for '" + p.name + "'");
          texts.emplace_back();
          continue;
        }
        texts.push_back(value_text(pt[p.name]));
        if (!p.levers.empty() &&
            std::find(p.values.begin(), p.values.end(), texts.back()) == p.values.end()) {
          errors.add(pt[p.name], "'" + texts.back() + "' is not one of the levers of '" + p.name +
                                     "'" + pathways::did_you_mean(texts.back(), p.values));
        }
      }
      spec.points.push_back(std::move(texts));
    }
    if (spec.points.empty()) errors.add(design, "design: points: needs at least one point");
  } else {
    errors.add(design,
               "design: must be grid, {latin_hypercube: {points: N, seed: S}} or "
               "{points: [{...}, ...]}");
  }
  if (spec.design == SweepDesign::grid) {
    for (const auto& p : spec.parameters) {
      if (p.range && p.range->step <= 0) {
        errors.add(params[p.name],
                   "a range in a grid needs a step: (only a Latin hypercube draws from a "
                   "continuous range)");
      }
    }
  }
  if (const YAML::Node r = root["replications"]) {
    if (r.as<int>(0) < 1) {
      errors.add(r, "replications: must be a whole number >= 1");
    } else {
      spec.replications = r.as<int>();
    }
  }
  if (root["seed"]) spec.seed = as_seed(root["seed"], errors);
  if (const YAML::Node k = root["kpis"]) {
    if (!k.IsSequence()) {
      errors.add(k, "kpis: must be a list of KPI names");
    } else {
      for (const auto& i : k) spec.kpis.push_back(i.as<std::string>());
    }
  }
  errors.throw_if_any();
  return spec;
}

std::vector<DesignPoint> design_points(const SweepSpec& spec) {
  const std::size_t np = spec.parameters.size();
  std::vector<std::vector<std::string>> texts;
  if (spec.design == SweepDesign::points) {
    texts = spec.points;
  } else if (spec.design == SweepDesign::grid) {
    std::vector<std::vector<std::string>> axes;
    for (const auto& p : spec.parameters)
      axes.push_back(p.range ? range_values(*p.range) : p.values);
    std::vector<std::size_t> idx(np, 0);
    bool done = np == 0;
    while (!done) {
      std::vector<std::string> t;
      for (std::size_t i = 0; i < np; ++i) t.push_back(axes[i][idx[i]]);
      texts.push_back(std::move(t));
      // Odometer: the last parameter turns fastest.
      std::size_t i = np;
      for (;;) {
        if (i == 0) {
          done = true;
          break;
        }
        --i;
        if (++idx[i] < axes[i].size()) break;
        idx[i] = 0;
      }
    }
  } else {
    // Latin hypercube: each parameter's range cut into n equal strata, one point per stratum, the
    // strata of the parameters paired by independent random permutations (own seed).
    const auto n = static_cast<std::size_t>(spec.lhs_points);
    std::mt19937_64 rng(spec.lhs_seed);
    auto uniform = [&rng]() { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
    texts.assign(n, std::vector<std::string>(np));
    for (std::size_t j = 0; j < np; ++j) {
      std::vector<std::size_t> perm(n);
      for (std::size_t i = 0; i < n; ++i) perm[i] = i;
      for (std::size_t i = n; i > 1; --i) {
        const auto k = static_cast<std::size_t>(uniform() * static_cast<double>(i));
        std::swap(perm[i - 1], perm[std::min(k, i - 1)]);
      }
      const SweepParameter& p = spec.parameters[j];
      for (std::size_t i = 0; i < n; ++i) {
        const double u = (static_cast<double>(perm[i]) + uniform()) / static_cast<double>(n);
        if (p.range) {
          double v = p.range->from + u * (p.range->to - p.range->from);
          if (p.range->step > 0)
            v = p.range->from + std::round((v - p.range->from) / p.range->step) * p.range->step;
          texts[i][j] = format_number(v, p.range->suffix);
        } else {
          const auto k =
              std::min(p.values.size() - 1,
                       static_cast<std::size_t>(u * static_cast<double>(p.values.size())));
          texts[i][j] = p.values[k];
        }
      }
    }
  }
  std::vector<DesignPoint> out;
  for (auto& t : texts) {
    DesignPoint pt;
    for (const auto& s : t) pt.value.push_back(split_number(s).first);
    pt.text = std::move(t);
    out.push_back(std::move(pt));
  }
  return out;
}

Plan sweep_plan(const SweepSpec& spec, const std::vector<DesignPoint>& points,
                const pathways::LoadOptions& base) {
  Plan plan;
  for (const auto& file : spec.scenarios) {
    for (const auto& pt : points) {
      pathways::LoadOptions options = base;
      std::string label;
      for (std::size_t j = 0; j < spec.parameters.size(); ++j) {
        const SweepParameter& p = spec.parameters[j];
        // Scenario names cannot hold '/' (they name HDF5 groups): "8/hour" reads "8 per hour".
        std::string shown = pt.text[j];
        for (std::size_t at = shown.find('/'); at != std::string::npos; at = shown.find('/'))
          shown.replace(at, 1, " per ");
        label += (j == 0 ? "" : ",") + p.name + "=" + shown;
        if (p.levers.empty()) {
          options.sets.push_back(p.path + "=" + pt.text[j]);
        } else {
          const auto it = std::find(p.values.begin(), p.values.end(), pt.text[j]);
          options.overlays.push_back(p.levers[static_cast<std::size_t>(it - p.values.begin())]);
        }
      }
      pathways::ModelSpec m = pathways::load_valid_model(file, options);
      const std::string base_name = m.scenario.empty()
                                        ? (m.name.empty() ? fs::path(file).stem().string() : m.name)
                                        : m.scenario;
      m.scenario = base_name + "@" + label;
      if (spec.replications) m.run.replications = *spec.replications;
      if (spec.seed) m.run.seed = *spec.seed;
      plan.add(std::move(m));
    }
  }
  // One master seed and one replication count for every point: common random numbers.
  plan.set_seed(plan.scenarios().front().model.run.seed);
  plan.set_replications(plan.replications());
  if (!spec.kpis.empty()) {
    std::vector<std::string> names;
    for (const auto& k : pathways::kpi_catalogue(plan.scenarios().front().model))
      names.push_back(k.name);
    std::vector<ConfigError> errors;
    for (const auto& k : spec.kpis) {
      if (std::find(names.begin(), names.end(), k) == names.end()) {
        errors.push_back(ConfigError{
            spec.file, 0, 0, "kpis: unknown KPI '" + k + "'" + pathways::did_you_mean(k, names)});
      }
    }
    if (!errors.empty()) throw ConfigErrors(errors);
  }
  return plan;
}

outputs::ExperimentRecord sweep_record(const SweepSpec& spec,
                                       const std::vector<DesignPoint>& points, const Plan& plan) {
  outputs::ExperimentRecord r;
  r.kind = "sweep";
  r.attributes = {
      {"name", spec.name},
      {"file", spec.file},
      {"design", spec.design == SweepDesign::grid
                     ? "grid"
                     : (spec.design == SweepDesign::points ? "points" : "latin_hypercube")},
      {"lhs_seed", std::to_string(spec.lhs_seed)}};
  std::string kpis;
  for (const auto& k : spec.kpis) kpis += (kpis.empty() ? "" : ",") + k;
  r.attributes.emplace_back("kpis", kpis);
  std::string paths;
  for (const auto& p : spec.parameters)
    paths += (paths.empty() ? "" : ";") + p.name + "=" + (p.path.empty() ? "levers" : p.path);
  r.attributes.emplace_back("parameters", paths);
  outputs::ExperimentTable t;
  t.name = "points";
  for (const auto& p : spec.parameters) {
    t.columns.push_back(p.name);
    t.units.push_back(p.unit);
  }
  std::size_t s = 0;
  for (std::size_t b = 0; b < spec.scenarios.size(); ++b) {
    for (const auto& pt : points) {
      t.rows.push_back(plan.scenarios()[s++].model.scenario);
      t.values.insert(t.values.end(), pt.value.begin(), pt.value.end());
    }
  }
  r.tables.push_back(std::move(t));
  return r;
}

}  // namespace carepath::experiments
