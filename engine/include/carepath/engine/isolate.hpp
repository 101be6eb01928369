#pragma once
// Running work in forked child processes.
//
// SimGrid allows one engine per OS process and never resets its clock, so every Simulation (a test
// case, a replication, a benchmark run) lives in a child process of its own. These helpers fork,
// run a function in the child, ship its result back through a pipe and turn any failure in the
// child (an exception, a non-zero exit, a signal) into a std::runtime_error in the parent.
//
// Rules for the function run in the child:
//  * It must not rely on side effects in the parent's memory: everything it produces comes back
//    through its return value.
//  * It must not use test-framework assertions (they would be recorded in the child and lost):
//    return the data and check it in the parent.
//  * The child ends with _exit(), so atexit handlers (SimGrid's among them) do not run; stdout and
//    stderr are flushed first.
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace carepath::engine {

/// Runs `fn` in a forked child and returns the bytes it returned. Throws std::runtime_error (with
/// the child's exception message, exit status or signal) if the child failed.
std::string run_isolated_bytes(const std::function<std::string()>& fn);

/// Runs `fn` in a forked child and returns its result, a trivially copyable value.
template <class T>
T run_isolated(const std::function<T()>& fn) {
  static_assert(std::is_trivially_copyable_v<T>, "run_isolated needs a trivially copyable T");
  const std::string bytes = run_isolated_bytes([&fn]() {
    const T value = fn();
    std::string out(sizeof(T), '\0');
    std::memcpy(out.data(), &value, sizeof(T));
    return out;
  });
  if (bytes.size() != sizeof(T)) {
    throw std::runtime_error("run_isolated: child returned " + std::to_string(bytes.size()) +
                             " bytes, expected " + std::to_string(sizeof(T)));
  }
  T value;
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

/// Runs independent tasks (e.g. replications), each in a fresh forked child, at most `jobs` at a
/// time. Results come back to the parent through `on_done`, in completion order (callers sort).
/// If a child fails, the other children are killed and run() throws std::runtime_error naming the
/// task and the child's message. A SIGINT delivered to the parent while run() is active kills the
/// children, then the signal takes its previous disposition. A parent killed outright (SIGKILL,
/// SIGTERM) takes its children with it: each child is SIGKILLed when its parent dies
/// (PR_SET_PDEATHSIG), so no orphan keeps writing after the parent is gone.
class ProcessPool {
 public:
  using Work = std::function<std::string(int task)>;
  using Done = std::function<void(int task, std::string result)>;

  void run(int tasks, int jobs, const Work& work, const Done& on_done);
};

}  // namespace carepath::engine
