#pragma once
// Running a plan: the missing tasks through a runner into the task store, optional rounds of
// extra replications until a precision target is met, and the assembly of the result file.
#include <carepath/experiments/plan.hpp>
#include <carepath/experiments/runner.hpp>
#include <carepath/experiments/task_store.hpp>
#include <carepath/outputs/result_file.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace carepath::experiments {

/// Progress callbacks (the command prints them; the library never writes to a stream).
struct Observer {
  /// A round of `tasks` tasks starts (round 0, then one per precision or sizing round).
  std::function<void(int round, int tasks)> round_started;
  /// One task finished: `done` of `total` in this round, with a label and what happened.
  std::function<void(int done, int total, const std::string& label, const std::string& what)>
      task_done;
  /// A finished part was there but could not be reused (damaged, or made with other options):
  /// why, in one line; the task runs again.
  std::function<void(const std::string& why)> not_reused;
};

struct RunCounts {
  int ran = 0;
  int reused = 0;
};

/// Runs every task of replications [from, plan.replications()) not yet in the store.
RunCounts run_tasks(const Plan& plan, const TaskStore& store, Runner& runner,
                    const TaskOutputs& outputs, const Observer& observer, int round = 0,
                    int from = 0);

/// KPI values of every scenario gathered from the store's parts (replication order).
outputs::ResultSet gather(const Plan& plan, const TaskStore& store);

/// `--precision`: more replications (same for every scenario, so comparisons stay paired) until
/// every headline KPI's 95% CI half-width is within `precision` x |mean|, or `max_replications`.
struct PrecisionTarget {
  double share = 0.05;
  int max_replications = 200;
};

/// Runs the plan: round 0, then precision rounds if `precision` is given.
RunCounts run_plan(Plan& plan, const TaskStore& store, Runner& runner, const TaskOutputs& outputs,
                   const Observer& observer, const std::optional<PrecisionTarget>& precision);

/// Writes extra tables into the assembled file before it gets its final name.
using ExtraTables = std::function<void(const std::filesystem::path& file)>;

/// Assembles the store's parts into store.out(): written under a temporary name and renamed when
/// complete (extra tables included); the parts folder is deleted afterwards. Returns the KPI
/// values written (by scenario, sorted by replication), for a summary without reading the file
/// back.
outputs::ResultSet assemble(const Plan& plan, const TaskStore& store, outputs::RunMeta meta,
                            const ExtraTables& extra = {});

}  // namespace carepath::experiments
