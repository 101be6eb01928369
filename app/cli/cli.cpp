// The carepath command line: parsing options and printing. Everything it does is a call into the
// tested libraries (experiments, pathways, outputs, engine).
#include <carepath/cli.hpp>
#include <carepath/experiments/experiment.hpp>
#include <carepath/experiments/parallel.hpp>
#include <carepath/experiments/sizing.hpp>
#include <carepath/experiments/sweep.hpp>
#include <carepath/outputs/experiment_report.hpp>
#include <carepath/outputs/output_path.hpp>
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/result_file.hpp>
#include <carepath/pathways/config_error.hpp>
#include <carepath/pathways/graph.hpp>
#include <carepath/pathways/key_table.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>
#include <carepath/pathways/warmup_diagnostic.hpp>

#include "output_commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace carepath::cli {
namespace {

namespace fs = std::filesystem;
using pathways::ModelSpec;

constexpr const char* kUsage =
    R"(carepath — discrete-event simulation of urgent and integrated care pathways

usage:
  carepath run PATH [options]       run every scenario in folder PATH, or the scenario file PATH
      --replications N              replications per scenario (default: the scenario's run.replications)
      --seed S                      master seed (default: the scenario's run.seed)
      -j N, --jobs N                processes to use (default: all cores)
      --out FILE                    result file (default: <name>.h5 in the current folder)
      --years N                     simulate only the first N years of the horizon
      --baseline NAME               scenario to compare the others with (default: do-nothing)
      --events                      also write the patient event log
      --no-timeseries               do not write hourly occupancy time series
      --precision P                 add replications until every headline KPI's 95% CI
                                    half-width is within P (e.g. 0.05) of its mean
      --max-replications N          upper bound for --precision (default 200)
      --set PATH=VALUE              change one value, as a scenario overlay would (repeatable),
                                    e.g. --set sites.community_beds.capacity=52
  carepath sweep SWEEP.yaml [--replications N] [--seed S] [-j N] [--out FILE] [--years N]
                             [--set PATH=VALUE]...
                                    run a parameter sweep (scenarios/README.md, Sweeps): every
                                    design point x replication, common random numbers; resumable
  carepath size FILE --site S [--site S2]... --kpi K --year Y (--at-most X | --at-least X)
      [--confidence 0.95] [--replications N] [--max-replications N] [--min-capacity N]
      [--max-capacity N] [--seed S] [-j N] [--out FILE] [--years N] [--set PATH=VALUE]...
                                    smallest capacity of the site(s), scaled together, whose
                                    KPI meets the target, decided at the stated confidence
                                    (exit code 3: could not decide)
  carepath validate FILE [--set PATH=VALUE]...
                                    load a model or scenario and check its graph
  carepath graph FILE [-o OUT.dot]  write the care graph as Graphviz DOT
  carepath schema [--kind model|sweep]
                                    print the JSON Schema of model/scenario/lever files (or of
                                    sweep files), from the loader's own key table, for editors
  carepath warmup FILE [--replications N] [--site S] [-j N]
                                    suggest a warm-up (MSER-5 on daily occupancy, warm-up off)
  carepath compare FILE.h5 [--baseline NAME] [--all] [--kpi GLOB]... [--year Y]...
                                    per-year deltas of every scenario against the baseline, 95% CIs
                                    (headline KPIs unless --all or --kpi; --year 2015/16 or 2015)
  carepath export FILE.h5 --csv DIR [--timeseries] [--events] [--vidigi]
                                    tidy CSV files, one per table
  carepath export FILE.h5 --vidigi-out OUT.csv [--scenario S] [--replication N]
                  [--sites A,B] [--from YYYY-MM-DD[THH:MM]] [--to ...]
                                    vidigi event log (run with --events), filtered
  carepath export FILE.h5 --xlsx OUT.xlsx [--max-rows N]
                                    Excel workbook: headline, deltas, sites, all KPIs, time series
                                    (daily means when hourly rows would pass N, default 1048576)
  carepath summary FILE.h5 [--json] [--all] [--kpi GLOB]... [--year Y]...
                                    summary of a result file (headline KPIs by default)
  carepath report FILE.h5 -o REPORT.html [--png DIR] [--model PATH]
                                    one self-contained HTML report with charts (offline);
                                    --png writes each chart as a PNG (headless chromium)
  carepath version
)";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A small argument cursor: positional arguments and --options with values.
class Args {
 public:
  explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}
  std::optional<std::string> option(const std::string& name, const std::string& alias = "") {
    for (std::size_t i = 0; i < args_.size(); ++i) {
      if (args_[i] == name || (!alias.empty() && args_[i] == alias)) {
        if (i + 1 >= args_.size()) throw UsageError(name + " needs a value");
        std::string v = args_[i + 1];
        args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i),
                    args_.begin() + static_cast<std::ptrdiff_t>(i + 2));
        return v;
      }
      if (args_[i].rfind(name + "=", 0) == 0) {
        std::string v = args_[i].substr(name.size() + 1);
        args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i));
        return v;
      }
    }
    return std::nullopt;
  }
  bool flag(const std::string& name) {
    auto it = std::find(args_.begin(), args_.end(), name);
    if (it == args_.end()) return false;
    args_.erase(it);
    return true;
  }
  std::string positional(const std::string& what) {
    for (std::size_t i = 0; i < args_.size(); ++i) {
      if (args_[i].empty() || args_[i][0] != '-') {
        std::string v = args_[i];
        args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i));
        return v;
      }
    }
    throw UsageError("missing " + what);
  }
  void done() const {
    if (!args_.empty()) throw UsageError("unknown argument '" + args_.front() + "'");
  }

 private:
  std::vector<std::string> args_;
};

// The largest -j, --replications and --years accepted (beyond them a value is a typo).
constexpr long kMaxJobs = 1024;
constexpr long kMaxReplications = 1'000'000;
constexpr long kMaxYears = 100;

long parse_int(const std::string& s, const std::string& what, long min,
               long max = std::numeric_limits<long>::max()) {
  try {
    std::size_t used = 0;
    const long v = std::stol(s, &used);
    if (used == s.size() && v >= min && v <= max) return v;
    if (used == s.size() && v > max) {
      throw UsageError(what + " must be an integer <= " + std::to_string(max) + " (got '" + s +
                       "')");
    }
  } catch (const std::out_of_range&) {
    throw UsageError(what + " is out of range (got '" + s + "')");
  } catch (const std::invalid_argument&) {
  }
  throw UsageError(what + " must be an integer >= " + std::to_string(min) + " (got '" + s + "')");
}

// -j N / --jobs N: processes to use; all cores by default.
int jobs_option(Args& a) {
  auto v = a.option("--jobs");
  if (!v) v = a.option("-j");
  if (v) return static_cast<int>(parse_int(*v, "-j", 1, kMaxJobs));
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

// --set PATH=VALUE, repeatable, in the order given.
std::vector<std::string> sets_option(Args& a) {
  std::vector<std::string> sets;
  while (auto v = a.option("--set")) sets.push_back(*v);
  return sets;
}

std::string format_duration(double seconds) {
  const long s = std::lround(seconds);
  std::ostringstream os;
  if (s >= 3600) {
    os << s / 3600 << "h" << std::setw(2) << std::setfill('0') << (s / 60) % 60 << "m";
  } else if (s >= 60) {
    os << s / 60 << "m" << std::setw(2) << std::setfill('0') << s % 60 << "s";
  } else {
    os << s << "s";
  }
  return os.str();
}

// Progress on stderr: a bar with an ETA on a terminal, plain lines otherwise.
class Progress {
 public:
  Progress(std::ostream& err, int total)
      : err_(err),
        total_(total),
        tty_(isatty(STDERR_FILENO) != 0 && &err == &std::cerr),
        start_(std::chrono::steady_clock::now()) {}
  void update(int done, const std::string& what) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta = done > 0 ? elapsed * (total_ - done) / done : 0.0;
    if (tty_) {
      constexpr int kWidth = 30;
      const int fill = total_ > 0 ? kWidth * done / total_ : kWidth;
      err_ << "\r[" << std::string(static_cast<std::size_t>(fill), '#')
           << std::string(static_cast<std::size_t>(kWidth - fill), ' ') << "] " << done << "/"
           << total_ << "  elapsed " << format_duration(elapsed) << "  ETA " << format_duration(eta)
           << "   " << std::flush;
      if (done == total_) err_ << "\n";
    } else {
      err_ << "progress: " << done << "/" << total_ << " replications (" << what << "), elapsed "
           << format_duration(elapsed) << ", eta " << format_duration(eta) << "\n"
           << std::flush;
    }
  }

 private:
  std::ostream& err_;
  int total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

// Prints each round's plan and a progress bar across its tasks.
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& err, const experiments::Plan& plan,
                  const experiments::Runner& runner, const experiments::TaskStore& store,
                  std::string what)
      : err_(err), plan_(plan), runner_(runner), store_(store), what_(std::move(what)) {}
  experiments::Observer observer() {
    experiments::Observer o;
    if (!runner_.is_leader()) return o;  // MPI: only rank 0 prints
    o.round_started = [this](int round, int tasks) {
      err_ << "carepath: " << (round == 0 ? "" : what_ + ": ") << tasks << " run(s) of "
           << plan_.scenarios().size() << " scenario(s) on " << runner_.processes()
           << " process(es); parts in " << store_.dir().string() << "\n";
      progress_.emplace(err_, tasks);
    };
    o.task_done = [this](int done, int /*total*/, const std::string& label,
                         const std::string& result) {
      progress_->update(done, label + ": " + result);
    };
    o.not_reused = [this](const std::string& why) {
      err_ << "carepath: not reusing " << why << "; running it again\n";
    };
    return o;
  }

 private:
  std::ostream& err_;
  const experiments::Plan& plan_;
  const experiments::Runner& runner_;
  const experiments::TaskStore& store_;
  std::string what_;
  std::optional<Progress> progress_;
};

// --out must be a regular file or a new path: never a device, a folder or ''.
fs::path checked_out(const fs::path& out_file) {
  if (const std::string why = outputs::output_path_problem(out_file); !why.empty()) {
    throw UsageError("--out '" + out_file.string() + "' " + why);
  }
  return out_file;
}

std::string command_line_of(const std::vector<std::string>& args) {
  std::string s = "carepath";
  for (const auto& a : args) s += " " + a;
  return s;
}

int cmd_run(Args& a, const std::vector<std::string>& all_args, std::ostream& out,
            std::ostream& err) {
  const auto reps_opt = a.option("--replications");
  const auto seed_opt = a.option("--seed");
  const int jobs = jobs_option(a);
  const auto out_opt = a.option("--out");
  const auto years_opt = a.option("--years");
  const auto baseline_opt = a.option("--baseline");
  experiments::TaskOutputs outputs;
  outputs.events = a.flag("--events");
  outputs.time_series = !a.flag("--no-timeseries");
  const auto precision_opt = a.option("--precision");
  const auto max_reps_opt = a.option("--max-replications");
  pathways::LoadOptions load;
  load.sets = sets_option(a);
  const std::string path = a.positional("a scenario folder or file");
  a.done();

  // Numbers first: a typo in an option is reported before any file is read.
  std::optional<int> reps_override;
  if (reps_opt)
    reps_override = static_cast<int>(parse_int(*reps_opt, "--replications", 1, kMaxReplications));
  std::optional<std::uint64_t> seed_override;
  if (seed_opt) seed_override = static_cast<std::uint64_t>(parse_int(*seed_opt, "--seed", 0));
  if (years_opt) load.years = static_cast<int>(parse_int(*years_opt, "--years", 1, kMaxYears));
  std::optional<experiments::PrecisionTarget> precision;
  if (precision_opt) {
    char* end = nullptr;
    const double p = std::strtod(precision_opt->c_str(), &end);
    if (end == precision_opt->c_str() || *end != '\0' || !(p > 0 && p < 1)) {
      throw UsageError("--precision must be a share between 0 and 1, e.g. 0.05 (got '" +
                       *precision_opt + "')");
    }
    precision = experiments::PrecisionTarget{
        p, max_reps_opt ? static_cast<int>(
                              parse_int(*max_reps_opt, "--max-replications", 2, kMaxReplications))
                        : 200};
  }
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    files = pathways::scenario_files(path);
    if (files.empty())
      throw UsageError("no scenario files (with a top-level 'scenario:') in " + path);
  } else if (fs::exists(path)) {
    files.push_back(path);
  } else {
    throw UsageError("no such file or folder: " + path);
  }
  experiments::Plan plan;
  int common_reps = 0;
  for (ModelSpec& m : pathways::load_valid_models(files, load)) {
    if (reps_override) m.run.replications = *reps_override;
    if (seed_override) m.run.seed = *seed_override;
    // Scenarios run side by side get the same replications, so each pairs with the others.
    common_reps = std::max(common_reps, m.run.replications);
    plan.add(std::move(m));
  }
  plan.set_replications(common_reps);
  fs::path out_file =
      out_opt
          ? fs::path(*out_opt)
          : fs::path((fs::is_directory(path) ? fs::path(path).filename() : fs::path(path).stem())
                         .string() +
                     ".h5");
  checked_out(out_file);

  const auto runner = experiments::make_runner(jobs);
  const experiments::TaskStore store(out_file, runner->is_leader());
  ProgressPrinter printer(err, plan, *runner, store, "precision");
  const experiments::RunCounts counts =
      experiments::run_plan(plan, store, *runner, outputs, printer.observer(), precision);
  if (!runner->is_leader()) return 0;  // MPI: rank 0 prints and assembles
  if (counts.reused > 0)
    err << "carepath: reused " << counts.reused << " finished replication(s) from an earlier run\n";

  outputs::RunMeta meta;
  meta.command_line = command_line_of(all_args);
  meta.master_seed = plan.seed();
  meta.processes = static_cast<std::uint32_t>(runner->processes());
  std::string baseline = baseline_opt.value_or("");
  if (baseline.empty()) {
    for (const auto& s : plan.scenarios())
      if (s.model.scenario == "do-nothing") baseline = s.model.scenario;
    if (baseline.empty() && plan.scenarios().size() > 1)
      baseline = plan.scenarios().front().model.scenario;
  }
  meta.baseline = baseline;
  const outputs::ResultSet results = experiments::assemble(plan, store, meta);

  std::vector<std::string> headline;
  for (const auto& k : pathways::kpi_catalogue(plan.scenarios().front().model)) {
    if (k.headline) headline.push_back(k.name);
  }
  out << outputs::headline_table(results, headline);  // the values just written to out_file
  err << "carepath: wrote " << out_file.string() << "\n";
  return 0;
}

int cmd_sweep(Args& a, const std::vector<std::string>& all_args, std::ostream& out,
              std::ostream& err) {
  const auto reps_opt = a.option("--replications");
  const auto seed_opt = a.option("--seed");
  const int jobs = jobs_option(a);
  const auto out_opt = a.option("--out");
  const auto years_opt = a.option("--years");
  experiments::TaskOutputs outputs;
  outputs.events = a.flag("--events");
  outputs.time_series = !a.flag("--no-timeseries");
  pathways::LoadOptions load;
  load.sets = sets_option(a);
  const std::string file = a.positional("a sweep file");
  a.done();
  if (years_opt) load.years = static_cast<int>(parse_int(*years_opt, "--years", 1, kMaxYears));
  experiments::SweepSpec spec = experiments::load_sweep(file);
  if (reps_opt) {
    spec.replications =
        static_cast<int>(parse_int(*reps_opt, "--replications", 1, kMaxReplications));
  }
  if (seed_opt) spec.seed = static_cast<std::uint64_t>(parse_int(*seed_opt, "--seed", 0));
  const auto points = experiments::design_points(spec);
  experiments::Plan plan = experiments::sweep_plan(spec, points, load);
  const fs::path out_file = checked_out(out_opt ? fs::path(*out_opt) : fs::path(spec.name + ".h5"));

  const auto runner = experiments::make_runner(jobs);
  const experiments::TaskStore store(out_file, runner->is_leader());
  if (runner->is_leader()) {
    err << "carepath: sweep " << spec.name << ": " << points.size() << " point(s) x "
        << spec.scenarios.size() << " scenario(s) x " << plan.replications()
        << " replication(s), common random numbers (seed " << plan.seed() << ")\n";
  }
  ProgressPrinter printer(err, plan, *runner, store, "sweep");
  const experiments::RunCounts counts =
      experiments::run_plan(plan, store, *runner, outputs, printer.observer(), std::nullopt);
  if (!runner->is_leader()) return 0;  // MPI: rank 0 prints and assembles
  if (counts.reused > 0)
    err << "carepath: reused " << counts.reused << " finished task(s) from an earlier run\n";
  outputs::RunMeta meta;
  meta.command_line = command_line_of(all_args);
  meta.master_seed = plan.seed();
  meta.processes = static_cast<std::uint32_t>(runner->processes());
  meta.baseline = plan.scenarios().front().model.scenario;  // paired deltas against the first point
  const outputs::ExperimentRecord record = experiments::sweep_record(spec, points, plan);
  experiments::assemble(plan, store, meta,
                        [&](const fs::path& f) { outputs::write_experiment(f, record); });
  const outputs::ResultReader reader(out_file);
  out << outputs::sweep_table(reader, record);
  err << "carepath: wrote " << out_file.string() << "\n";
  return 0;
}

double parse_double(const std::string& s, const std::string& what) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v))
    throw UsageError(what + " must be a number (got '" + s + "')");
  return v;
}

// The explored curve of `carepath size`: capacity -> KPI mean and CI, with each verdict.
std::string sizing_curve(const experiments::SizingAnswer& answer, double confidence) {
  std::ostringstream os;
  os << "capacity  replications  mean and " << std::lround(confidence * 100) << "% CI  verdict\n";
  for (const auto& p : answer.curve) {
    std::ostringstream est;
    est << std::setprecision(6) << p.mean << " ±" << std::setprecision(3) << p.half_width;
    const char* verdict =
        p.verdict == experiments::SizingPoint::Verdict::meets
            ? "meets"
            : (p.verdict == experiments::SizingPoint::Verdict::fails ? "fails" : "undecided");
    os << std::setw(8) << p.capacity << "  " << std::setw(12) << p.replications << "  "
       << std::setw(std::max<int>(18, static_cast<int>(est.str().size()))) << est.str() << "  "
       << verdict << (p.census_scaled ? " (starting census cut to fit)" : "") << "\n";
  }
  return os.str();
}

int cmd_size(Args& a, const std::vector<std::string>& all_args, std::ostream& out,
             std::ostream& err) {
  experiments::SizingQuestion q;
  while (auto s = a.option("--site")) q.sites.push_back(*s);
  const auto kpi = a.option("--kpi");
  const auto year = a.option("--year");
  const auto at_most = a.option("--at-most");
  const auto at_least = a.option("--at-least");
  const auto confidence = a.option("--confidence");
  const auto reps = a.option("--replications");
  const auto max_reps = a.option("--max-replications");
  const auto min_cap = a.option("--min-capacity");
  const auto max_cap = a.option("--max-capacity");
  const auto seed = a.option("--seed");
  const auto years = a.option("--years");
  const int jobs = jobs_option(a);
  const auto out_opt = a.option("--out");
  q.load.sets = sets_option(a);
  q.scenario = a.positional("a model or scenario file");
  a.done();
  if (q.sites.empty()) throw UsageError("size needs --site NAME (repeatable)");
  if (!kpi) throw UsageError("size needs --kpi NAME");
  if (!year) throw UsageError("size needs --year LABEL, e.g. 2018/19");
  if (at_most.has_value() == at_least.has_value())
    throw UsageError("size needs exactly one of --at-most X or --at-least X");
  q.kpi = *kpi;
  q.year = *year;
  q.at_most = at_most.has_value();
  q.target = parse_double(at_most ? *at_most : *at_least, at_most ? "--at-most" : "--at-least");
  if (confidence) {
    q.confidence = parse_double(*confidence, "--confidence");
    if (!(q.confidence > 0.5 && q.confidence < 1))
      throw UsageError("--confidence must be between 0.5 and 1, e.g. 0.95");
  }
  if (reps)
    q.replications = static_cast<int>(parse_int(*reps, "--replications", 2, kMaxReplications));
  if (max_reps) {
    q.max_replications =
        static_cast<int>(parse_int(*max_reps, "--max-replications", 2, kMaxReplications));
  }
  q.max_replications = std::max(q.max_replications, q.replications);
  if (min_cap) q.min_capacity = static_cast<int>(parse_int(*min_cap, "--min-capacity", 1));
  if (max_cap) q.max_capacity = static_cast<int>(parse_int(*max_cap, "--max-capacity", 1));
  if (seed) q.seed = static_cast<std::uint64_t>(parse_int(*seed, "--seed", 0));
  if (years) q.load.years = static_cast<int>(parse_int(*years, "--years", 1, kMaxYears));
  std::string sites;
  for (const auto& s : q.sites) sites += (sites.empty() ? "" : "+") + s;
  const fs::path out_file =
      checked_out(out_opt ? fs::path(*out_opt) : fs::path("size-" + sites + ".h5"));

  const double level = q.confidence;
  experiments::Sizing sizing(q);  // checks the question before any file is written
  const auto runner = experiments::make_runner(jobs);
  const experiments::TaskStore store(out_file, runner->is_leader());
  experiments::Observer observer;
  std::optional<Progress> progress;
  if (runner->is_leader()) {
    observer.round_started = [&](int /*round*/, int tasks) { progress.emplace(err, tasks); };
    observer.task_done = [&](int done, int, const std::string& label, const std::string& what) {
      progress->update(done, label + ": " + what);
    };
    observer.not_reused = [&](const std::string& why) {
      err << "carepath: not reusing " << why << "; running it again\n";
    };
  }
  if (runner->is_leader()) {
    for (const auto& note : sizing.notes()) err << "carepath: note: " << note << "\n";
  }
  const experiments::SizingAnswer answer =
      sizing.run(store, *runner, experiments::TaskOutputs{false, false}, observer);
  if (!runner->is_leader()) return 0;  // MPI: rank 0 prints and assembles
  out << "size " << sites << " for " << q.kpi << " in " << q.year << " "
      << (q.at_most ? "<= " : ">= ") << q.target << " (" << std::lround(level * 100)
      << "% confidence, common random numbers)\n"
      << sizing_curve(answer, level) << (answer.decided ? "answer: " : "undecided: ")
      << answer.message << "\n";

  outputs::RunMeta meta;
  meta.command_line = command_line_of(all_args);
  meta.master_seed = sizing.final_plan().seed();
  meta.processes = static_cast<std::uint32_t>(runner->processes());
  const outputs::ExperimentRecord record = sizing.record(answer);
  experiments::assemble(sizing.final_plan(), store, meta,
                        [&](const fs::path& f) { outputs::write_experiment(f, record); });
  err << "carepath: wrote " << out_file.string() << "\n";
  return answer.decided ? 0 : 3;
}

int cmd_validate(Args& a, std::ostream& out) {
  pathways::LoadOptions load;
  load.sets = sets_option(a);
  const std::string file = a.positional("a model or scenario file");
  a.done();
  const ModelSpec m = pathways::load_model(file, load);
  const pathways::CareGraph graph(m);
  const auto checks = graph.validate();
  out << file << ": " << m.sites.size() << " sites, " << m.arrivals.size() << " arrival streams, "
      << m.cohorts.size() << " cohorts, " << m.horizon.years << " years\n";
  out << pathways::validation_report(checks);
  return pathways::has_failures(checks) ? 1 : 0;  // warnings alone do not fail
}

int cmd_graph(Args& a, std::ostream& out) {
  const auto out_opt = a.option("-o", "--out");
  const std::string file = a.positional("a model or scenario file");
  a.done();
  const ModelSpec m = pathways::load_model(file);
  const pathways::CareGraph graph(m);
  if (out_opt) {
    std::ofstream f(*out_opt);
    if (!f) throw std::runtime_error("--out '" + *out_opt + "': cannot write the file");
    graph.write_dot(f);
  } else {
    graph.write_dot(out);
  }
  return 0;
}

int cmd_schema(Args& a, std::ostream& out) {
  const auto kind_opt = a.option("--kind");
  a.done();
  const std::string kind = kind_opt.value_or("model");
  if (kind != "model" && kind != "sweep")
    throw UsageError("--kind " + kind + ": expected model (models, scenarios, levers) or sweep");
  out << pathways::json_schema(kind == "sweep" ? pathways::SchemaKind::sweep
                                               : pathways::SchemaKind::model);
  return 0;
}

int cmd_warmup(Args& a, std::ostream& out) {
  const auto reps_opt = a.option("--replications");
  const auto site_opt = a.option("--site");
  const auto seed_opt = a.option("--seed");
  const int jobs = jobs_option(a);
  const std::string file = a.positional("a model or scenario file");
  a.done();
  const ModelSpec m = pathways::load_valid_model(file);
  const int reps =
      reps_opt ? static_cast<int>(parse_int(*reps_opt, "--replications", 1, kMaxReplications))
               : m.run.replications;
  const auto seed =
      seed_opt ? static_cast<std::uint64_t>(parse_int(*seed_opt, "--seed", 0)) : m.run.seed;
  std::vector<std::string> sites;
  if (site_opt) sites.push_back(*site_opt);
  const pathways::WarmupReport report = pathways::diagnose_warmup(m, reps, jobs, seed, sites);
  out << report.text();
  return report.has_suggestion() ? 0 : 1;  // 1: no site settled half-way through the horizon
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
      out << kUsage;
      return args.empty() ? 2 : 0;
    }
    Args a(std::vector<std::string>(args.begin() + 1, args.end()));
    const std::string& cmd = args[0];
    if (cmd == "run") return cmd_run(a, args, out, err);
    if (cmd == "sweep") return cmd_sweep(a, args, out, err);
    if (cmd == "size") return cmd_size(a, args, out, err);
    if (cmd == "validate") return cmd_validate(a, out);
    if (cmd == "graph") return cmd_graph(a, out);
    if (cmd == "warmup") return cmd_warmup(a, out);
    if (cmd == "schema") return cmd_schema(a, out);
    if (is_output_command(cmd))
      return run_output_command(cmd, {args.begin() + 1, args.end()}, out, err);
    if (cmd == "version" || cmd == "--version") {
      out << "carepath " << CAREPATH_VERSION << "\n";
      return 0;
    }
    throw UsageError("unknown command '" + cmd + "'");
  } catch (const UsageError& e) {
    // Each message goes out in one write: under mpirun the ranks share the terminal, and a
    // message written in pieces can be cut by another rank's line.
    err << std::string("carepath: ") + e.what() + "\n\n" + kUsage << std::flush;
    return 2;
  } catch (const pathways::ConfigErrors& e) {
    err << std::string(e.what()) + "\n" << std::flush;
    return 2;
  } catch (const std::exception& e) {
    err << std::string("carepath: error: ") + e.what() + "\n" << std::flush;
    return 1;
  }
}

int main(int argc, char** argv) {
  const experiments::ParallelSession session(&argc, &argv);  // MPI under mpirun/srun, if built
  std::vector<std::string> args(argv + 1, argv + argc);
  return run(args, std::cout, std::cerr);
}

}  // namespace carepath::cli
