#pragma once
// The task store: one part file per (scenario, replication) in `<out>.parts/`, reused only when a
// finished part matches the task's whole PartSpec (configuration hash, seed, years, KPIs, time
// series and event log on or off) and its content checksums (outputs::part_reuse_problem).
#include <carepath/experiments/plan.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace carepath::outputs {
class OutputLock;
struct PartSpec;
}  // namespace carepath::outputs

namespace carepath::experiments {

/// What a task writes besides its KPI values.
struct TaskOutputs {
  bool time_series = true;
  bool events = false;
};

class TaskStore {
 public:
  /// Parts of the result file `out` live in `<out>.parts/` (created if missing). The leader (the
  /// process that assembles: every local run, rank 0 under MPI) takes the lock of `out` — a
  /// second run on the same --out is refused at once — and removes temporary parts left by
  /// processes that died.
  explicit TaskStore(std::filesystem::path out, bool leader = true);
  ~TaskStore();
  TaskStore(const TaskStore&) = delete;
  TaskStore& operator=(const TaskStore&) = delete;

  [[nodiscard]] const std::filesystem::path& out() const { return out_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path part(const PlannedScenario& s, int replication) const;
  /// What the task's part must hold to be reused.
  [[nodiscard]] static outputs::PartSpec spec_of(const PlannedScenario& s, int replication,
                                                 const TaskOutputs& outputs);
  /// Runs the task in this process (call it in a forked child: one SimGrid engine per process)
  /// and writes its part. Returns a one-line description ("reused" or "ran N events"); where a
  /// part was there but not reusable, the reason comes first, on a line of its own.
  std::string run(const PlannedScenario& s, int replication, const TaskOutputs& outputs) const;
  /// The parts of replications [0, replications) of every scenario, scenario-major.
  [[nodiscard]] std::vector<std::filesystem::path> parts(const Plan& plan) const;
  /// Deletes the parts folder (after a successful assembly).
  void clear() const;

 private:
  std::filesystem::path out_;
  std::filesystem::path dir_;
  std::unique_ptr<outputs::OutputLock> lock_;
};

}  // namespace carepath::experiments
