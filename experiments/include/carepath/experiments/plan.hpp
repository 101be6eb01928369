#pragma once
// The plan of an experiment: scenarios (a base scenario at one design point each) x replications.
// A task is identified by (config hash, master seed, replication): its result never depends on
// where, when or in what order it ran. Every scenario of a plan uses the same master seed, so
// replication r of every scenario draws from the same random streams (common random numbers).
#include <carepath/pathways/model_spec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace carepath::experiments {

/// One scenario of the plan: a resolved model and the hash of its resolved YAML.
struct PlannedScenario {
  pathways::ModelSpec model;
  std::string hash;  ///< fnv1a64_hex(model.resolved_yaml)
};

/// One unit of work.
struct Task {
  std::size_t scenario = 0;
  int replication = 0;
};

class Plan {
 public:
  /// Adds a scenario (its name must be unique in the plan; m.scenario is used as the name).
  void add(pathways::ModelSpec m);
  /// Every scenario gets `replications` replications and the master seed `seed`.
  void set_replications(int replications);
  void set_seed(std::uint64_t seed);

  [[nodiscard]] const std::vector<PlannedScenario>& scenarios() const { return scenarios_; }
  [[nodiscard]] int replications() const { return replications_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  /// Tasks for replications [from, replications()) of every scenario, scenario-major.
  [[nodiscard]] std::vector<Task> tasks(int from = 0) const;
  /// Year labels (of the first scenario; all scenarios of a plan share the horizon).
  [[nodiscard]] std::vector<std::string> years() const;

 private:
  std::vector<PlannedScenario> scenarios_;
  int replications_ = 1;
  std::uint64_t seed_ = 0;
};

}  // namespace carepath::experiments
