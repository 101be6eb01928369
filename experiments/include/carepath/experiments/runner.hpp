#pragma once
// Runners execute a list of independent tasks, each in a forked child process (SimGrid allows one
// engine per process). The local runner is a process pool (-j N); the MPI runner (mpi_runner.hpp,
// built when MPI is found) hands the same tasks out across ranks. Results never depend on the
// runner: every task writes its own part, and assembly reads parts in plan order.
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

namespace carepath::experiments {

/// A task failed. Both runners treat it the same way: no new task is started, the tasks already
/// running finish (and keep their parts), then run() throws this on every process (every MPI
/// rank), so all leave the round together. Only the first failure is reported.
class TaskFailed : public std::runtime_error {
 public:
  TaskFailed(int task, std::string where, const std::string& message)
      : std::runtime_error(message), task_(task), where_(std::move(where)) {}
  [[nodiscard]] int task() const { return task_; }
  /// Where it ran ("rank 2" under MPI, empty on one machine).
  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  int task_;
  std::string where_;
};

class Runner {
 public:
  using Work = std::function<std::string(int task)>;  ///< runs in a forked child
  using Done = std::function<void(int task, const std::string& result)>;  ///< in the caller

  Runner() = default;
  virtual ~Runner() = default;
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Runs tasks 0..tasks-1; `done` is called in completion order (never for a failed task).
  /// Throws TaskFailed if a task fails (see there), std::runtime_error if the machinery does.
  virtual void run(int tasks, const Work& work, const Done& done) = 0;
  /// Processes that run tasks at the same time (recorded in /meta).
  [[nodiscard]] virtual int processes() const = 0;
  /// False on MPI ranks other than the one that assembles and prints.
  [[nodiscard]] virtual bool is_leader() const { return true; }
};

/// Forked children on this machine, at most `jobs` at a time.
class LocalRunner final : public Runner {
 public:
  explicit LocalRunner(int jobs) : jobs_(jobs) {}
  void run(int tasks, const Work& work, const Done& done) override;
  [[nodiscard]] int processes() const override { return jobs_; }

 private:
  int jobs_;
};

}  // namespace carepath::experiments
