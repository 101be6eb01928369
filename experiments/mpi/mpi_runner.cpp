// The MPI runner. Rank 0 hands out task numbers one at a time (dynamic load balancing) and
// collects results; every other rank runs each task it is given in a forked child (one SimGrid
// engine per process) and sends back the task's one-line result. A failed task does not abort the
// job: rank 0 gives out no new task, lets the running ones finish, and every rank then throws
// the same TaskFailed (as the local runner does). Tasks write their own part
// files, so results do not depend on which rank ran what. A barrier ends each round, so every
// rank can read the round's parts afterwards (precision and sizing rounds take their decisions
// on every rank from the same parts, and so stay in step).
#include <carepath/engine/isolate.hpp>
#include <carepath/experiments/parallel.hpp>

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace carepath::experiments {
namespace {

constexpr int kTagTask = 1;
constexpr int kTagResult = 2;
constexpr int kStop = -1;
constexpr int kFinished = -2;  // rank 0's runner is gone: no more rounds

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"}) {
    if (std::getenv(v) != nullptr) return true;
  }
  return false;
}

bool g_initialised = false;

/// Waits for `request` without spinning: Open MPI's blocking calls busy-poll, and a rank that
/// waits (for its next task, at the end of a round, at MPI_Finalize while rank 0 assembles)
/// would take a core from the ranks still working when ranks share cores.
void wait_politely(MPI_Request& request) {
  for (;;) {
    int finished = 0;
    MPI_Test(&request, &finished, MPI_STATUS_IGNORE);
    if (finished != 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void barrier_politely() {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  wait_politely(request);
}

class MpiRunner final : public Runner {
 public:
  MpiRunner() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  /// Rank 0 tells every other rank that it leads no more rounds; each rank receives this once,
  /// here or, if it is waiting for a round that rank 0 will not lead (rank 0 stopped on an error
  /// of its own before the round, such as a refused output lock), in serve(), which then throws.
  ~MpiRunner() override {
    if (rank_ == 0) {
      int finished = kFinished;
      for (int r = 1; r < size_; ++r) {
        MPI_Send(&finished, 1, MPI_INT, r, kTagTask, MPI_COMM_WORLD);
      }
    } else if (!abandoned_) {
      int t = 0;
      MPI_Request request = MPI_REQUEST_NULL;
      MPI_Irecv(&t, 1, MPI_INT, 0, kTagTask, MPI_COMM_WORLD, &request);
      wait_politely(request);
    }
  }
  MpiRunner(const MpiRunner&) = delete;
  MpiRunner& operator=(const MpiRunner&) = delete;
  MpiRunner(MpiRunner&&) = delete;
  MpiRunner& operator=(MpiRunner&&) = delete;
  void run(int tasks, const Work& work, const Done& done) override {
    Failure failure;
    if (rank_ == 0) {
      failure = lead(tasks, done);
    } else {
      serve(work);
    }
    barrier_politely();
    // Every rank leaves the round the same way: with the first failure, if there was one.
    failure = broadcast_politely(failure);
    if (failure.task >= 0) {
      throw TaskFailed(failure.task, "rank " + std::to_string(failure.rank), failure.message);
    }
  }
  [[nodiscard]] int processes() const override { return size_ - 1; }
  [[nodiscard]] bool is_leader() const override { return rank_ == 0; }

 private:
  int rank_ = 0;
  int size_ = 1;
  bool abandoned_ = false;  ///< serve() received kFinished

  struct Failure {
    int task = -1;  ///< none
    int rank = 0;
    std::string message;
  };

  /// Rank 0's `f` on every rank.
  static Failure broadcast_politely(Failure f) {
    int head[2] = {f.task, f.rank};
    int bytes = static_cast<int>(f.message.size());
    MPI_Request request = MPI_REQUEST_NULL;
    MPI_Ibcast(head, 2, MPI_INT, 0, MPI_COMM_WORLD, &request);
    wait_politely(request);
    MPI_Ibcast(&bytes, 1, MPI_INT, 0, MPI_COMM_WORLD, &request);
    wait_politely(request);
    f.task = head[0];
    f.rank = head[1];
    f.message.resize(static_cast<std::size_t>(bytes));
    if (bytes > 0) {
      MPI_Ibcast(f.message.data(), bytes, MPI_CHAR, 0, MPI_COMM_WORLD, &request);
      wait_politely(request);
    }
    return f;
  }

  /// Hands out tasks until all are done or one fails: after a failure, no new task is given
  /// out and the tasks running finish (their parts are kept). Returns the first failure.
  Failure lead(int tasks, const Done& done) {
    int next = 0;
    int busy = 0;
    for (int r = 1; r < size_; ++r) {
      int t = next < tasks ? next++ : kStop;
      MPI_Send(&t, 1, MPI_INT, r, kTagTask, MPI_COMM_WORLD);
      if (t != kStop) ++busy;
    }
    Failure failure;
    while (busy > 0) {
      // Poll with a short sleep rather than a blocking probe: Open MPI's blocking calls spin,
      // and rank 0 would take a core from the ranks that run tasks.
      MPI_Status st;
      int ready = 0;
      for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &ready, &st);
        if (ready != 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      int bytes = 0;
      MPI_Get_count(&st, MPI_CHAR, &bytes);
      std::string msg(static_cast<std::size_t>(bytes), '\0');
      MPI_Recv(msg.data(), bytes, MPI_CHAR, st.MPI_SOURCE, kTagResult, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
      --busy;
      // "<task> <ok|error> <text>"
      const std::size_t s1 = msg.find(' ');
      const std::size_t s2 = msg.find(' ', s1 + 1);
      const int task = std::stoi(msg.substr(0, s1));
      const bool ok = msg.compare(s1 + 1, s2 - s1 - 1, "ok") == 0;
      const std::string text = msg.substr(s2 + 1);
      if (ok) {
        done(task, text);
      } else if (failure.task < 0) {
        failure = Failure{task, st.MPI_SOURCE, text};
      }
      int t = (next < tasks && failure.task < 0) ? next++ : kStop;
      MPI_Send(&t, 1, MPI_INT, st.MPI_SOURCE, kTagTask, MPI_COMM_WORLD);
      if (t != kStop) ++busy;
    }
    return failure;
  }

  void serve(const Work& work) {
    for (;;) {
      int t = kStop;
      MPI_Request request = MPI_REQUEST_NULL;
      MPI_Irecv(&t, 1, MPI_INT, 0, kTagTask, MPI_COMM_WORLD, &request);
      wait_politely(request);
      if (t == kStop) return;
      if (t == kFinished) {
        abandoned_ = true;
        throw std::runtime_error("stopped: rank 0 stopped before this round (it names the error)");
      }
      std::string msg = std::to_string(t);
      msg += ' ';
      try {
        // The task's own exception comes back as its message; a crash (a signal, an exit) is
        // described by run_isolated_bytes.
        msg += engine::run_isolated_bytes([&]() -> std::string {
          std::string reply;
          try {
            reply = "ok ";
            reply += work(t);
          } catch (const std::exception& e) {
            reply = "error ";
            reply += e.what();
          }
          return reply;
        });
      } catch (const std::exception& e) {
        msg += "error ";
        msg += e.what();
      }
      MPI_Send(msg.data(), static_cast<int>(msg.size()), MPI_CHAR, 0, kTagResult, MPI_COMM_WORLD);
    }
  }
};

}  // namespace

ParallelSession::ParallelSession(int* argc, char*** argv) {
  if (launched_by_mpi()) {
    MPI_Init(argc, argv);
    g_initialised = true;
  }
}

ParallelSession::~ParallelSession() {
  if (g_initialised) {
    barrier_politely();  // ranks that finish first wait here, asleep, rather than spin in Finalize
    MPI_Finalize();
  }
  g_initialised = false;
}

bool mpi_built() {
  return true;
}

bool mpi_active() {
  if (!g_initialised) return false;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size > 1;
}

std::unique_ptr<Runner> make_runner(int jobs) {
  if (mpi_active()) return std::make_unique<MpiRunner>();
  return std::make_unique<LocalRunner>(jobs);
}

}  // namespace carepath::experiments
