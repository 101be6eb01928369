#include <carepath/engine/isolate.hpp>
#include <carepath/experiments/runner.hpp>

namespace carepath::experiments {

void LocalRunner::run(int tasks, const Work& work, const Done& done) {
  engine::ProcessPool pool;
  pool.run(tasks, jobs_, work, [&](int t, std::string result) { done(t, result); });
}

}  // namespace carepath::experiments
