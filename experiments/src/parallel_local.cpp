// Without MPI: the local pool only. (With MPI, mpi_runner.cpp is built instead of this file.)
#include <carepath/experiments/parallel.hpp>

namespace carepath::experiments {

ParallelSession::ParallelSession(int* /*argc*/, char*** /*argv*/) {}
ParallelSession::~ParallelSession() = default;
bool mpi_built() {
  return false;
}
bool mpi_active() {
  return false;
}
std::unique_ptr<Runner> make_runner(int jobs) {
  return std::make_unique<LocalRunner>(jobs);
}

}  // namespace carepath::experiments
