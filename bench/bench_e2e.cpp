// End-to-end benchmark: `carepath run` on YAML models against the same models hand-written on a
// bare 4-ary heap, in one binary (issue 12).
//
// The carepath side goes through carepath::cli::run, exactly as the `carepath` command does:
// load the YAML, fork the replication (-j 1), run it with every always-on statistic, write the
// HDF5 part, assemble the result file and print the headline table. It runs in a forked child
// and its CPU time is that child's and its descendants' (user + system), so it includes the
// loader, the fork and HDF5, but not the dynamic loading of a fresh `carepath` process (this
// binary has loaded its libraries once; see `carepath_startup` below for that fixed cost).
// The hand-written side is the same queueing model (same rates, servers, buffer and simulated
// horizon; its own random streams) on a bare heap written here; its time is the CPU time of the
// run only. Ratio = carepath CPU time / bare-heap CPU time for the same simulated horizon. The
// hand-written models draw exponentials by inversion (-mean log U, the yardstick); each
// also runs with carepath's ziggurat sampler ("heap-zig"), and the ratio against it is printed
// too: the overhead of carepath on the very same kind of draws.
//
//   bench_e2e [rounds=5] [carepath executable for the start-up figure]
// Prints medians over `rounds` interleaved rounds, the same command's fixed cost (a model of
// about one patient) and the ratio net of it, and peak RSS of `carepath run` at about 1e5 and
// 1e7 patients.
#include <carepath/cli.hpp>
#include <carepath/engine/calendar.hpp>
#include <carepath/engine/isolate.hpp>
#include <carepath/engine/random.hpp>
#include <carepath/engine/ziggurat.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace carepath::engine;
namespace fs = std::filesystem;

namespace {

constexpr double kMinutesPerHour = 60.0;
// 2014-04-01 + 13 years (as in bench/models/*.yaml): 4748 days.
constexpr Time kHorizon = 4748.0 * 1440.0;

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + 1e-6 * static_cast<double>(tv.tv_usec);
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
/// The hand-written models draw exponentials by inversion, -mean log(U), as a modeller writes
/// them (the yardstick); with `g_ziggurat` they use carepath's sampler instead (the
/// ziggurat, no logarithm), so the overhead on the same draws can be read too.
bool g_ziggurat = false;
double exp_sample(RandomStream& rng, double mean) {
  if (g_ziggurat) return mean * ziggurat::exponential(rng);
  return -mean * std::log(rng.uniform_open());
}

// ------------------------------------------------------------------ the bare heap

/// A bare 4-ary min-heap of (time, priority << 48 | sequence) events.
class BareHeap {
 public:
  [[nodiscard]] Time now() const { return now_; }
  void schedule(Time t, int prio, EventHandler* h, std::uint32_t kind, std::uint32_t arg) {
    const std::uint64_t order = (static_cast<std::uint64_t>(prio + 32768) << 48) | seq_++;
    heap_.push_back(Ev{t, order, h, kind, arg});
    std::size_t i = heap_.size() - 1;
    const Ev e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!less(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void run(Time horizon) {
    while (!heap_.empty() && heap_.front().time <= horizon) {
      const Ev e = heap_.front();
      pop();
      now_ = e.time;
      ++events_;
      e.handler->on_event(e.kind, e.arg);
    }
  }
  [[nodiscard]] std::uint64_t events() const { return events_; }

 private:
  struct Ev {
    Time time;
    std::uint64_t order;
    EventHandler* handler;
    std::uint32_t kind;
    std::uint32_t arg;
  };
  static bool less(const Ev& a, const Ev& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
  }
  void pop() {
    const Ev last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + 4 < n ? first + 4 : n;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (less(heap_[c], heap_[best])) best = c;
      }
      if (!less(heap_[best], last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
  }
  std::vector<Ev> heap_;
  std::uint64_t seq_ = 0;
  Time now_ = 0.0;
  std::uint64_t events_ = 0;
};

/// A FIFO of doubles (arrival times of waiting patients).
class Fifo {
 public:
  [[nodiscard]] bool empty() const { return head_ == buf_.size(); }
  [[nodiscard]] std::size_t size() const { return buf_.size() - head_; }
  void push(double x) {
    if (head_ > 4096 && head_ * 2 > buf_.size()) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    buf_.push_back(x);
  }
  double pop() { return buf_[head_++]; }

 private:
  std::vector<double> buf_;
  std::size_t head_ = 0;
};

// ------------------------------------------------------------------ hand-written models

/// M/M/c in minutes: arrivals at `per_hour` until the horizon, exponential service, c servers.
class Mmc final : public EventHandler {
 public:
  Mmc(BareHeap& k, double per_hour, double mean_service, int c)
      : k_(k),
        arrivals_(42, 0, "arrivals"),
        service_(42, 0, "service"),
        gap_(kMinutesPerHour / per_hour),
        mean_(mean_service),
        cap_(c) {
    k_.schedule(exp_sample(arrivals_, gap_), priority::kArrival, this, 0, 0);
  }
  void on_event(std::uint32_t kind, std::uint32_t /*arg*/) override {
    if (kind == 0) {
      ++arrived_;
      if (busy_ < cap_) {
        start(k_.now());
      } else {
        queue_.push(k_.now());
      }
      const Time next = k_.now() + exp_sample(arrivals_, gap_);
      if (next < kHorizon) k_.schedule(next, priority::kArrival, this, 0, 0);
    } else {
      --busy_;
      if (!queue_.empty()) start(queue_.pop());
    }
  }
  [[nodiscard]] std::uint64_t patients() const { return arrived_; }
  [[nodiscard]] double mean_wait() const { return sum_waits_ / static_cast<double>(started_); }

 private:
  void start(double arrival) {
    ++busy_;
    ++started_;
    sum_waits_ += k_.now() - arrival;
    k_.schedule(k_.now() + exp_sample(service_, mean_), priority::kRelease, this, 1, 0);
  }
  BareHeap& k_;
  RandomStream arrivals_;
  RandomStream service_;
  double gap_;
  double mean_;
  int cap_;
  int busy_ = 0;
  std::uint64_t arrived_ = 0;
  std::uint64_t started_ = 0;
  double sum_waits_ = 0.0;
  Fifo queue_;
};

/// Two c-server stations in series; station 2 has a waiting room of `room`; a patient who
/// finishes at station 1 while station 2 is full keeps its station-1 server (blocking after
/// service) until a place frees, first blocked first moved.
class Tandem final : public EventHandler {
 public:
  Tandem(BareHeap& k, double per_hour, double mean_service, int c, int room)
      : k_(k),
        arrivals_(42, 0, "arrivals"),
        service1_(42, 0, "s1"),
        service2_(42, 0, "s2"),
        gap_(kMinutesPerHour / per_hour),
        mean_(mean_service),
        cap_(c),
        room_(room) {
    k_.schedule(exp_sample(arrivals_, gap_), priority::kArrival, this, kArrive, 0);
  }
  void on_event(std::uint32_t kind, std::uint32_t /*arg*/) override {
    if (kind == kArrive) {
      ++arrived_;
      if (busy1_ < cap_) {
        start1(k_.now());
      } else {
        queue1_.push(k_.now());
      }
      const Time next = k_.now() + exp_sample(arrivals_, gap_);
      if (next < kHorizon) k_.schedule(next, priority::kArrival, this, kArrive, 0);
    } else if (kind == kEnd1) {
      if (room2()) {
        enter2(k_.now());
        free1();
      } else {
        ++blocked_;
        blocked1_.push(k_.now());
      }
    } else {
      --busy2_;
      ++done_;
      if (!queue2_.empty()) start2(queue2_.pop());
      if (!blocked1_.empty() && room2()) {
        blocked_minutes_ += k_.now() - blocked1_.pop();
        enter2(k_.now());
        free1();
      }
    }
  }
  [[nodiscard]] std::uint64_t patients() const { return arrived_; }
  [[nodiscard]] double mean_wait() const { return sum_waits_ / static_cast<double>(started_); }

 private:
  static constexpr std::uint32_t kArrive = 0, kEnd1 = 1, kEnd2 = 2;
  [[nodiscard]] bool room2() const {
    return busy2_ < cap_ || static_cast<int>(queue2_.size()) < room_;
  }
  void start1(double arrival) {
    ++busy1_;
    ++started_;
    sum_waits_ += k_.now() - arrival;
    k_.schedule(k_.now() + exp_sample(service1_, mean_), priority::kRelease, this, kEnd1, 0);
  }
  void free1() {
    --busy1_;
    if (!queue1_.empty()) start1(queue1_.pop());
  }
  void enter2(double t) {
    if (busy2_ < cap_) {
      start2(t);
    } else {
      queue2_.push(t);
    }
  }
  void start2(double arrival) {
    ++busy2_;
    sum_waits_ += k_.now() - arrival;
    k_.schedule(k_.now() + exp_sample(service2_, mean_), priority::kRelease, this, kEnd2, 0);
  }
  BareHeap& k_;
  RandomStream arrivals_;
  RandomStream service1_;
  RandomStream service2_;
  double gap_;
  double mean_;
  int cap_;
  int room_;
  int busy1_ = 0;
  int busy2_ = 0;
  std::uint64_t arrived_ = 0;
  std::uint64_t started_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t blocked_ = 0;
  double sum_waits_ = 0.0;
  double blocked_minutes_ = 0.0;
  Fifo queue1_;
  Fifo queue2_;
  Fifo blocked1_;
};

struct HeapRun {
  double cpu;
  std::uint64_t events;
  std::uint64_t patients;
  double mean_wait;
};

HeapRun run_heap(bool tandem, bool ziggurat) {
  g_ziggurat = ziggurat;
  BareHeap k;
  const double t0 = cpu_now();
  if (tandem) {
    Tandem m(k, 9.0, 60.0, 10, 5);
    k.run(kForever);
    return HeapRun{cpu_now() - t0, k.events(), m.patients(), m.mean_wait()};
  }
  Mmc m(k, 9.0, 60.0, 10);
  k.run(kForever);
  return HeapRun{cpu_now() - t0, k.events(), m.patients(), m.mean_wait()};
}

// ------------------------------------------------------------------ carepath run

struct CliRun {
  double cpu;   // user + system of the run and its replication child
  double wall;  // wall time of the run
  long max_rss_kb;
  std::uint64_t events;  // patient events of the replication, as `carepath run` reports them
  int exit_code;
};

/// `carepath run MODEL -j 1 --no-timeseries --out OUT` through carepath::cli::run, in a forked
/// child; measured from a second forked child so that the resource figures are this run's only.
CliRun run_cli(const std::string& model, const std::string& out, const std::string& log) {
  return run_isolated<CliRun>([&]() {
    const auto w0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
      std::ostringstream o;
      std::ostringstream e;
      int rc = 1;
      try {
        rc = carepath::cli::run({"run", model, "-j", "1", "--no-timeseries", "--out", out}, o, e);
      } catch (...) {
        rc = 3;
      }
      std::ofstream(log) << e.str();
      std::fflush(nullptr);
      _exit(rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    CliRun r{seconds(ru.ru_utime) + seconds(ru.ru_stime), wall, ru.ru_maxrss, 0,
             WIFEXITED(status) ? WEXITSTATUS(status) : 128};
    std::ifstream in(log);
    std::string text;
    for (std::string line; std::getline(in, line);) text += line + "\n";
    const auto at = text.find("ran ");
    if (at != std::string::npos) r.events = std::strtoull(text.c_str() + at + 4, nullptr, 10);
    return r;
  });
}

/// The fixed cost of a fresh `carepath` process: `carepath version`, CPU time.
double startup_cpu(const std::string& exe) {
  return run_isolated<double>([&]() {
    const pid_t pid = fork();
    if (pid == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      dup2(null, 1);
      execl(exe.c_str(), exe.c_str(), "version", static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    return seconds(ru.ru_utime) + seconds(ru.ru_stime);
  });
}

/// A flat M/M/c model with about `patients` arrivals over `years` years at utilisation 0.9.
std::string memory_model(double patients, int years) {
  const double per_hour = patients / years / 8760.0;
  const int c = static_cast<int>(std::ceil(per_hour / 0.9));
  std::ostringstream y;
  y << "model: {name: Memory, population: 100000}\n"
    << "horizon: {start: 2014-04-01, years: " << years << "}\n"
    << "run: {replications: 1, seed: 42, warmup: 0d}\n"
    << "cohorts: {p: {attributes: {}}}\n"
    << "arrivals:\n  a: {to: s, volume: " << static_cast<long long>(patients / years)
    << "/year, cohorts: {p: 1.0}}\n"
    << "sites:\n  s: {kind: service, capacity: " << c
    << ", service: {exponential: {mean: 1h}}, routes: [{to: {out: 1}}]}\n"
    << "  out: {kind: exit}\n";
  return y.str();
}

int bench(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::string exe = argc > 2 ? argv[2] : "";
  const fs::path models = fs::path(CAREPATH_SOURCE_DIR) / "bench" / "models";
  const fs::path tmp =
      fs::temp_directory_path() / ("carepath-bench-e2e-" + std::to_string(getpid()));
  fs::create_directories(tmp);

  std::printf("carepath end-to-end benchmark: medians of %d interleaved rounds, nproc %ld\n",
              rounds, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf(
      "carepath = `carepath run MODEL -j 1 --no-timeseries` via carepath::cli::run (YAML ->\n"
      "HDF5, statistics on), CPU time incl. the replication child; heap = the same model\n"
      "hand-written on a bare 4-ary heap, CPU time of its run, exponentials by inversion\n"
      "(-mean log U); heap-zig = the same with carepath's ziggurat exponential sampler.\n\n");
  std::printf("%-8s %-9s %10s %10s %9s %8s %10s\n", "model", "side", "patients", "events", "CPU s",
              "Mev/s", "mean wait");
  struct Model {
    const char* name;
    const char* file;
    bool tandem;
  };
  // The fixed part of the carepath figure: the same command on a model with about one patient
  // (loading, fork, HDF5 part, assembly, page faults), so the per-patient ratio can be read too.
  std::vector<double> fixed_cpu;
  fixed_cpu.reserve(static_cast<std::size_t>(rounds));
  {
    const fs::path file = tmp / "tiny.yaml";
    std::ofstream(file) << memory_model(1, 1);
    for (int r = 0; r < rounds; ++r) {
      const CliRun t =
          run_cli(file.string(), (tmp / "tiny.h5").string(), (tmp / "log.txt").string());
      if (t.exit_code != 0) {
        std::fprintf(stderr, "carepath run tiny.yaml failed (exit %d)\n", t.exit_code);
        return 1;
      }
      fixed_cpu.push_back(t.cpu);
    }
  }
  const double fixed = median(fixed_cpu);
  const Model list[] = {{"M/M/10", "mm10.yaml", false}, {"tandem", "tandem.yaml", true}};
  for (const Model& m : list) {
    std::vector<double> cp_cpu, cp_wall, heap_cpu, zig_cpu;
    cp_cpu.reserve(static_cast<std::size_t>(rounds));
    cp_wall.reserve(static_cast<std::size_t>(rounds));
    heap_cpu.reserve(static_cast<std::size_t>(rounds));
    zig_cpu.reserve(static_cast<std::size_t>(rounds));
    CliRun last{};
    HeapRun heap{};
    HeapRun zig{};
    for (int r = 0; r < rounds; ++r) {
      heap = run_isolated<HeapRun>([&]() { return run_heap(m.tandem, false); });
      zig = run_isolated<HeapRun>([&]() { return run_heap(m.tandem, true); });
      zig_cpu.push_back(zig.cpu);
      last = run_cli((models / m.file).string(), (tmp / "out.h5").string(),
                     (tmp / "log.txt").string());
      if (last.exit_code != 0) {
        std::fprintf(stderr, "carepath run %s failed (exit %d)\n", m.file, last.exit_code);
        return 1;
      }
      cp_cpu.push_back(last.cpu);
      cp_wall.push_back(last.wall);
      heap_cpu.push_back(heap.cpu);
    }
    const double c = median(cp_cpu);
    const double h = median(heap_cpu);
    std::printf("%-8s %-9s %10llu %10llu %9.3f %8.2f %10s\n", m.name, "heap",
                static_cast<unsigned long long>(heap.patients),
                static_cast<unsigned long long>(heap.events), h,
                static_cast<double>(heap.events) / h / 1e6,
                (std::to_string(heap.mean_wait) + "m").c_str());
    const double z = median(zig_cpu);
    std::printf("%-8s %-9s %10llu %10llu %9.3f %8.2f %10s\n", "", "heap-zig",
                static_cast<unsigned long long>(zig.patients),
                static_cast<unsigned long long>(zig.events), z,
                static_cast<double>(zig.events) / z / 1e6,
                (std::to_string(zig.mean_wait) + "m").c_str());
    std::printf("%-8s %-9s %10s %10llu %9.3f %8.2f   (wall %.3f s)\n", "", "carepath", "",
                static_cast<unsigned long long>(last.events), c,
                static_cast<double>(last.events) / c / 1e6, median(cp_wall));
    std::printf("%-8s ratio carepath/heap (CPU time, same model and horizon) = %.2f\n", "", c / h);
    std::printf("%-8s net of the command's fixed cost (%.1f ms, a model of ~1 patient) = %.2f\n",
                "", fixed * 1e3, (c - fixed) / h);
    std::printf(
        "%-8s against heap-zig (the same exponential sampler as carepath) = %.2f, net %.2f\n\n", "",
        c / z, (c - fixed) / z);
  }
  if (!exe.empty()) {
    std::vector<double> s;
    s.reserve(static_cast<std::size_t>(rounds));
    for (int r = 0; r < rounds; ++r) s.push_back(startup_cpu(exe));
    std::printf("fixed start-up of a fresh process (`%s version`, CPU): %.3f s\n\n", exe.c_str(),
                median(s));
  }
  for (const double patients : {1e5, 1e7}) {
    const int years = patients > 1e6 ? 10 : 1;
    const fs::path file = tmp / "memory.yaml";
    std::ofstream(file) << memory_model(patients, years);
    const CliRun r = run_cli(file.string(), (tmp / "mem.h5").string(), (tmp / "log.txt").string());
    std::printf("peak RSS of `carepath run`, about %.0e patients (%llu events): %.1f MB\n",
                patients, static_cast<unsigned long long>(r.events),
                static_cast<double>(r.max_rss_kb) / 1024.0);
  }
  fs::remove_all(tmp);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return bench(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_e2e: %s\n", e.what());
    return 1;
  }
}
