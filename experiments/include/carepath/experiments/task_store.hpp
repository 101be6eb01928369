#pragma once
// The task store: one part file per (scenario, replication) in `<out>.parts/`, reused when a
// finished part has the same config hash and seed (outputs::part_is_reusable).
#include <carepath/experiments/plan.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace carepath::experiments {

/// What a task writes besides its KPI values.
struct TaskOutputs {
  bool time_series = true;
  bool events = false;
};

class TaskStore {
 public:
  /// Parts of the result file `out` live in `<out>.parts/` (created if missing).
  explicit TaskStore(std::filesystem::path out);

  [[nodiscard]] const std::filesystem::path& out() const { return out_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path part(const PlannedScenario& s, int replication) const;
  /// True if the task's part is finished and made from the same configuration and seed.
  [[nodiscard]] bool is_done(const PlannedScenario& s, int replication) const;
  /// Runs the task in this process (call it in a forked child: one SimGrid engine per process)
  /// and writes its part. Returns a one-line description ("reused" or "ran N events").
  std::string run(const PlannedScenario& s, int replication, const TaskOutputs& outputs) const;
  /// The parts of replications [0, replications) of every scenario, scenario-major.
  [[nodiscard]] std::vector<std::filesystem::path> parts(const Plan& plan) const;
  /// Deletes the parts folder (after a successful assembly).
  void clear() const;

 private:
  std::filesystem::path out_;
  std::filesystem::path dir_;
};

}  // namespace carepath::experiments
