#include <carepath/engine/isolate.hpp>
#include <carepath/experiments/runner.hpp>

#include <exception>
#include <optional>

namespace carepath::experiments {
namespace {

// The first byte of what a child sends back.
constexpr char kOk = 'o';
constexpr char kFailed = 'f';
constexpr char kNotStarted = 'n';

}  // namespace

void LocalRunner::run(int tasks, const Work& work, const Done& done) {
  std::optional<TaskFailed> failure;
  engine::ProcessPool pool;
  pool.run(
      tasks, jobs_,
      // In the child, forked after `failure` was set if a task had failed: it then starts nothing,
      // so a failure stops new tasks while those running finish and keep their parts.
      [&](int t) -> std::string {
        if (failure) return {kNotStarted};
        try {
          return kOk + work(t);
        } catch (const std::exception& e) {
          return kFailed + std::string(e.what());
        }
      },
      [&](int t, const std::string& result) {
        if (result.empty() || result[0] == kNotStarted) return;
        if (result[0] == kFailed) {
          if (!failure) failure.emplace(t, "", result.substr(1));
          return;
        }
        done(t, result.substr(1));
      });
  if (failure) throw *failure;
}

}  // namespace carepath::experiments
