// run_isolated / ProcessPool: the fork-per-simulation helpers.
#include <carepath/engine/isolate.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <csignal>
#include <map>
#include <stdexcept>
#include <string>

using carepath::engine::ProcessPool;
using carepath::engine::run_isolated;
using carepath::engine::run_isolated_bytes;
using Catch::Matchers::Contains;

namespace {
std::string tag(int n) {
  std::string s = "r";
  s += std::to_string(n);
  return s;
}
struct Pair {
  double mean;
  long count;
};
}  // namespace

TEST_CASE("run_isolated returns the child's value and keeps the parent's memory intact",
          "[engine][isolate]") {
  static int touched = 0;
  const Pair p = run_isolated<Pair>([]() {
    touched = 42;  // only in the child
    return Pair{1.5, static_cast<long>(::getpid())};
  });
  CHECK(p.mean == 1.5);
  CHECK(p.count != static_cast<long>(::getpid()));
  CHECK(touched == 0);
  // Payloads larger than a pipe buffer come back whole.
  const std::string big = run_isolated_bytes([]() { return std::string(1 << 20, 'x'); });
  CHECK(big.size() == (1u << 20));
}

TEST_CASE("run_isolated reports the child's failure", "[engine][isolate]") {
  REQUIRE_THROWS_WITH(run_isolated<int>([]() -> int { throw std::runtime_error("no beds"); }),
                      Contains("exit status 1") && Contains("no beds"));
  REQUIRE_THROWS_WITH(run_isolated<int>([]() -> int { ::_exit(3); }), Contains("exit status 3"));
  REQUIRE_THROWS_WITH(run_isolated<int>([]() -> int {
                        std::signal(SIGABRT, SIG_DFL);
                        std::abort();
                      }),
                      Contains("signal 6"));
}

TEST_CASE("ProcessPool runs every task once and reports failures by task", "[engine][isolate]") {
  ProcessPool pool;
  std::map<int, std::string> results;
  pool.run(
      7, 2, [](int task) { return tag(task * task); },
      [&](int task, std::string r) { results[task] = std::move(r); });
  REQUIRE(results.size() == 7);
  for (int t = 0; t < 7; ++t) CHECK(results[t] == tag(t * t));

  int delivered = 0;
  REQUIRE_THROWS_WITH(pool.run(
                          6, 2,
                          [](int task) -> std::string {
                            if (task == 3) throw std::runtime_error("bad scenario");
                            return "ok";
                          },
                          [&](int, const std::string&) { ++delivered; }),
                      Contains("task 3") && Contains("bad scenario"));
  CHECK(delivered <= 5);
}

TEST_CASE("ProcessPool: SIGINT in the parent kills the children", "[engine][isolate]") {
  // The pool runs inside an isolated child, whose tasks sleep and then write to a pipe that the
  // test holds. A timer sends SIGINT to the pool's process: the pool must kill its children (so
  // nothing is ever written) and then die of SIGINT itself.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int write_fd = fds[1];
  REQUIRE_THROWS_WITH(run_isolated<int>([write_fd]() -> int {
                        std::signal(SIGALRM, [](int) { ::kill(::getpid(), SIGINT); });
                        ::ualarm(200000, 0);
                        ProcessPool pool;
                        pool.run(
                            4, 2,
                            [write_fd](int) {
                              ::sleep(2);
                              const char c = 'x';
                              [[maybe_unused]] const auto n = ::write(write_fd, &c, 1);
                              return std::string();
                            },
                            [](int, const std::string&) {});
                        return 0;
                      }),
                      Contains("signal 2"));
  ::close(write_fd);
  std::string written;
  char buf[16];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) written.append(buf, n);
  ::close(fds[0]);
  CHECK(written.empty());
}
