#pragma once
// Choosing a runner: under mpirun/srun (and when carepath was built with MPI), the MPI runner;
// otherwise the local process pool. MPI itself stays in experiments/src/mpi_runner.cpp.
#include <carepath/experiments/runner.hpp>

#include <memory>

namespace carepath::experiments {

/// Initialises MPI when the process was started by an MPI launcher (mpirun, srun) and carepath
/// was built with MPI; finalises it on destruction. A no-op otherwise. One per process, in main.
class ParallelSession {
 public:
  ParallelSession(int* argc, char*** argv);
  ~ParallelSession();
  ParallelSession(const ParallelSession&) = delete;
  ParallelSession& operator=(const ParallelSession&) = delete;
};

/// True if carepath was built with MPI.
[[nodiscard]] bool mpi_built();
/// True if MPI is initialised with more than one rank.
[[nodiscard]] bool mpi_active();

/// The MPI runner when mpi_active() (rank 0 hands out tasks, the other ranks run them one at a
/// time, each in a forked child), else a LocalRunner with `jobs` processes.
[[nodiscard]] std::unique_ptr<Runner> make_runner(int jobs);

}  // namespace carepath::experiments
