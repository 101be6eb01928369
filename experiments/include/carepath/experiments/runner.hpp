#pragma once
// Runners execute a list of independent tasks, each in a forked child process (SimGrid allows one
// engine per process). The local runner is a process pool (-j N); the MPI runner (mpi_runner.hpp,
// built when MPI is found) hands the same tasks out across ranks. Results never depend on the
// runner: every task writes its own part, and assembly reads parts in plan order.
#include <functional>
#include <string>

namespace carepath::experiments {

class Runner {
 public:
  using Work = std::function<std::string(int task)>;  ///< runs in a forked child
  using Done = std::function<void(int task, const std::string& result)>;  ///< in the caller

  Runner() = default;
  virtual ~Runner() = default;
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Runs tasks 0..tasks-1; `done` is called in completion order. Throws std::runtime_error if a
  /// task fails.
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
