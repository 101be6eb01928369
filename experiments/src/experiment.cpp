#include <carepath/experiments/experiment.hpp>
#include <carepath/pathways/runtime.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace carepath::experiments {

namespace fs = std::filesystem;

RunCounts run_tasks(const Plan& plan, const TaskStore& store, Runner& runner,
                    const TaskOutputs& outputs, const Observer& observer, int round, int from) {
  const std::vector<Task> tasks = plan.tasks(from);
  RunCounts counts;
  if (tasks.empty()) return counts;
  if (observer.round_started) observer.round_started(round, static_cast<int>(tasks.size()));
  const auto label = [&](int t) {
    const Task& task = tasks[static_cast<std::size_t>(t)];
    return plan.scenarios()[task.scenario].model.scenario + " #" + std::to_string(task.replication);
  };
  int done = 0;
  try {
    runner.run(
        static_cast<int>(tasks.size()),
        [&](int t) {
          const Task& task = tasks[static_cast<std::size_t>(t)];
          return store.run(plan.scenarios()[task.scenario], task.replication, outputs);
        },
        [&](int t, std::string result) {
          if (const auto nl = result.rfind('\n'); nl != std::string::npos) {
            if (observer.not_reused) observer.not_reused(result.substr(0, nl));
            result.erase(0, nl + 1);
          }
          ++done;
          if (result == "reused") {
            ++counts.reused;
          } else {
            ++counts.ran;
          }
          if (observer.task_done) {
            observer.task_done(done, static_cast<int>(tasks.size()), label(t), result);
          }
        });
  } catch (const TaskFailed& f) {
    // The runner started no new task after the failure and let the running ones finish: their
    // parts are kept, and the same command run again reuses them. Under MPI, rank 0 names the
    // failure; the other ranks stop with one short line.
    if (!runner.is_leader()) throw std::runtime_error("stopped: a task failed (rank 0 names it)");
    throw std::runtime_error(
        "task " + label(f.task()) + " failed" + (f.where().empty() ? "" : " on " + f.where()) +
        ": " + f.what() + "\nNo task was started after it; the finished ones are kept in " +
        store.dir().string() +
        ". Fix the cause and run the same command again: it reuses them and runs only the "
        "failed and the unstarted tasks.");
  }
  return counts;
}

namespace {

outputs::RunMeta probe_meta(const Plan& plan) {
  outputs::RunMeta meta;
  meta.years = plan.years();
  meta.master_seed = plan.seed();
  return meta;
}

}  // namespace

outputs::ResultSet gather(const Plan& plan, const TaskStore& store) {
  outputs::ResultAssembler probe(store.out().string() + ".probe", probe_meta(plan));
  for (const auto& s : plan.scenarios())
    probe.add_scenario(s.model.scenario, s.model.resolved_yaml);
  for (const auto& part : store.parts(plan)) probe.add_part(part);
  return probe.results();
}

namespace {

/// The model's plan targets as the result file stores them: one row per year a target lists
/// ("" = every year).
std::vector<outputs::TargetDef> target_defs(const pathways::ModelSpec& m) {
  std::vector<outputs::TargetDef> out;
  for (const auto& t : m.targets) {
    outputs::TargetDef d{t.name, t.kpi, "", t.bound, t.at_least, t.label};
    if (t.years.empty()) out.push_back(d);
    for (const int y : t.years) {
      d.year = m.horizon.year_label(y);
      out.push_back(d);
    }
  }
  return out;
}

// Replications every scenario needs for its headline KPIs to meet the precision target.
int replications_needed(const Plan& plan, const outputs::ResultSet& set,
                        const PrecisionTarget& target) {
  int needed_all = 0;
  for (const auto& s : plan.scenarios()) {
    const outputs::ScenarioResults& sr = set.at(s.model.scenario);
    int needed = plan.replications();
    for (const auto& k : pathways::kpi_catalogue(s.model)) {
      if (!k.headline) continue;
      const std::size_t ki = sr.kpi_index(k.name);
      for (std::size_t y = 0; y < set.years.size(); ++y) {
        const auto sum = outputs::summarise(sr.column(y, ki, set.years.size()));
        if (sum.n < 2 || !std::isfinite(sum.half_width) || sum.mean == 0) continue;
        const double goal = target.share * std::abs(sum.mean);
        if (sum.half_width > goal) {
          // n with a normal-quantile half-width 1.96 sd / sqrt(n) at the target; the t quantile
          // is larger, so the next round checks again.
          const double z = 1.96 * sum.sd / goal;
          needed =
              std::max({needed, static_cast<int>(std::ceil(z * z)), static_cast<int>(sum.n) + 1});
        }
      }
    }
    needed_all = std::max(needed_all, std::min(needed, target.max_replications));
  }
  return needed_all;
}

}  // namespace

RunCounts run_plan(Plan& plan, const TaskStore& store, Runner& runner, const TaskOutputs& outputs,
                   const Observer& observer, const std::optional<PrecisionTarget>& precision) {
  RunCounts total = run_tasks(plan, store, runner, outputs, observer, 0, 0);
  if (!precision) return total;
  for (int round = 1;; ++round) {
    const int needed = replications_needed(plan, gather(plan, store), *precision);
    if (needed <= plan.replications()) break;
    const int from = plan.replications();
    plan.set_replications(needed);
    const RunCounts c = run_tasks(plan, store, runner, outputs, observer, round, from);
    total.ran += c.ran;
    total.reused += c.reused;
  }
  return total;
}

outputs::ResultSet assemble(const Plan& plan, const TaskStore& store, outputs::RunMeta meta,
                            const ExtraTables& extra) {
  meta.replications = static_cast<std::uint32_t>(plan.replications());
  meta.years = plan.years();
  const fs::path staging = store.out().string() + ".assembling";
  outputs::ResultSet results;
  {
    outputs::ResultAssembler assembler(staging, meta);
    for (const auto& s : plan.scenarios())
      assembler.add_scenario(s.model.scenario, s.model.resolved_yaml, target_defs(s.model));
    for (const auto& part : store.parts(plan)) assembler.add_part(part);
    assembler.write();
    results = assembler.results();
  }
  if (extra) extra(staging);
  fs::rename(staging, store.out());
  store.clear();
  return results;
}

}  // namespace carepath::experiments
