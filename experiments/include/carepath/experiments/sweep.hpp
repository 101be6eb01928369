#pragma once
// Parameter sweeps (`carepath sweep SWEEP.yaml`): base scenario(s) x design points x
// replications. A sweep file (scenarios/README.md, "Sweeps") names the base scenarios, the
// parameters (a `--set` path or a choice of lever files, each with a list of values or a range),
// the design (full grid, Latin hypercube with its own seed, or explicit points), the replications
// and the KPIs of interest. Every point uses the same master seed: replication r of every point
// draws from the same streams (common random numbers), so differences between points are paired.
#include <carepath/experiments/plan.hpp>
#include <carepath/outputs/experiment_tables.hpp>
#include <carepath/pathways/loader.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace carepath::experiments {

/// An evenly spaced range; step 0 = continuous (Latin hypercube only).
struct SweepRange {
  double from = 0;
  double to = 0;
  double step = 0;
  std::string suffix;  ///< unit text written after each number, e.g. "/year"
};

struct SweepParameter {
  std::string name;
  std::string unit;
  std::string path;                 ///< a --set path; "" for a lever parameter
  std::vector<std::string> values;  ///< value texts (a lever parameter: its labels)
  std::vector<std::string> levers;  ///< lever files, parallel to `values` (lever parameters)
  std::optional<SweepRange> range;  ///< instead of `values`
};

enum class SweepDesign { grid, latin_hypercube, points };

struct SweepSpec {
  std::string file;
  std::string name;
  std::string description;
  std::vector<std::string> scenarios;  ///< base scenario files (resolved paths)
  std::vector<SweepParameter> parameters;
  SweepDesign design = SweepDesign::grid;
  int lhs_points = 0;
  std::uint64_t lhs_seed = 0;
  std::vector<std::vector<std::string>> points;  ///< explicit design: value text per parameter
  std::optional<int> replications;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> kpis;
};

/// Reads a sweep file. Throws pathways::ConfigErrors (file:line:column, "did you mean").
SweepSpec load_sweep(const std::string& path);

/// One design point: a value text and its number (NaN if not numeric) per parameter.
struct DesignPoint {
  std::vector<std::string> text;
  std::vector<double> value;
};
/// The design's points, in a fixed order (grid: last parameter fastest).
std::vector<DesignPoint> design_points(const SweepSpec& spec);

/// The plan of a sweep: every base scenario at every point, named "<base>@<p>=<v>,...".
/// `base` carries --years and --set, applied to every point before the point's own values.
/// Throws pathways::ConfigErrors (a point's error names the point).
Plan sweep_plan(const SweepSpec& spec, const std::vector<DesignPoint>& points,
                const pathways::LoadOptions& base);

/// /experiment of a sweep result: the points table (one column per parameter, with units).
outputs::ExperimentRecord sweep_record(const SweepSpec& spec,
                                       const std::vector<DesignPoint>& points, const Plan& plan);

}  // namespace carepath::experiments
