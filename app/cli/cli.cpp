// The carepath command line: argument parsing and the run orchestration. Everything it does is
// a call into the tested libraries (pathways, outputs, engine).
#include <carepath/cli.hpp>

#include <carepath/engine/isolate.hpp>
#include <carepath/outputs/output_path.hpp>
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/result_file.hpp>
#include <carepath/pathways/config_error.hpp>
#include <carepath/pathways/graph.hpp>
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
  carepath validate FILE            load a model or scenario and check its graph
  carepath graph FILE [-o OUT.dot]  write the care graph as Graphviz DOT
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

// Forwards a replication's time series and events to its part file.
class PartSink final : public pathways::ReplicationSink {
 public:
  PartSink(outputs::PartWriter& writer, bool time_series, bool events)
      : writer_(writer), time_series_(time_series), events_(events) {}
  ~PartSink() override = default;
  PartSink(const PartSink&) = delete;
  PartSink& operator=(const PartSink&) = delete;

  [[nodiscard]] bool wants_time_series() const override { return time_series_; }
  [[nodiscard]] bool wants_events() const override { return events_; }
  void hourly(std::int64_t /*hour*/, std::span<const std::int32_t> occupancy,
              std::span<const std::int32_t> queue,
              std::span<const std::int32_t> in_service) override {
    row_.resize(occupancy.size());
    for (std::size_t i = 0; i < occupancy.size(); ++i) {
      row_[i] = outputs::SiteSample{occupancy[i], queue[i], in_service[i]};
    }
    writer_.append_sample(row_);
  }
  void event(std::uint32_t patient, std::uint16_t cohort, std::uint16_t site, std::uint8_t kind,
             double time) override {
    buffer_.push_back(
        outputs::EventRecord{patient, cohort, site, static_cast<outputs::EventCode>(kind), time});
    if (buffer_.size() >= 65536) flush();
  }
  void flush() {
    if (!buffer_.empty()) writer_.append_events(buffer_);
    buffer_.clear();
  }

 private:
  outputs::PartWriter& writer_;
  bool time_series_;
  bool events_;
  std::vector<outputs::SiteSample> row_;
  std::vector<outputs::EventRecord> buffer_;
};

std::vector<std::string> year_labels(const ModelSpec& m) {
  std::vector<std::string> out;
  out.reserve(m.horizon.years);
  for (int y = 0; y < m.horizon.years; ++y) out.push_back(m.horizon.year_label(y));
  return out;
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
  const bool events = a.flag("--events");
  const bool no_ts = a.flag("--no-timeseries");
  const auto precision_opt = a.option("--precision");
  const auto max_reps_opt = a.option("--max-replications");
  const std::string path = a.positional("a scenario folder or file");
  a.done();

  // Numbers first: a typo in an option is reported before any file is read.
  std::optional<int> reps_override;
  if (reps_opt)
    reps_override = static_cast<int>(parse_int(*reps_opt, "--replications", 1, kMaxReplications));
  std::optional<std::uint64_t> seed_override;
  if (seed_opt) seed_override = static_cast<std::uint64_t>(parse_int(*seed_opt, "--seed", 0));
  pathways::LoadOptions load;
  if (years_opt) load.years = static_cast<int>(parse_int(*years_opt, "--years", 1, kMaxYears));
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
  std::vector<ModelSpec> models = pathways::load_valid_models(files, load);
  for (auto& m : models) {
    if (m.scenario.empty())
      m.scenario = m.name.empty() ? fs::path(m.source_file).stem().string() : m.name;
    if (reps_override) m.run.replications = *reps_override;
    if (seed_override) m.run.seed = *seed_override;
  }
  // Scenarios run side by side get the same replications, so each pairs with the others.
  int common_reps = 0;
  for (const auto& m : models) common_reps = std::max(common_reps, m.run.replications);
  for (auto& m : models) m.run.replications = common_reps;
  std::optional<double> precision;
  if (precision_opt) {
    char* end = nullptr;
    const double p = std::strtod(precision_opt->c_str(), &end);
    if (end == precision_opt->c_str() || *end != '\0' || !(p > 0 && p < 1)) {
      throw UsageError("--precision must be a share between 0 and 1, e.g. 0.05 (got '" +
                       *precision_opt + "')");
    }
    precision = p;
  }
  const int max_reps =
      max_reps_opt
          ? static_cast<int>(parse_int(*max_reps_opt, "--max-replications", 2, kMaxReplications))
          : 200;
  fs::path out_file =
      out_opt
          ? fs::path(*out_opt)
          : fs::path((fs::is_directory(path) ? fs::path(path).filename() : fs::path(path).stem())
                         .string() +
                     ".h5");
  if (const std::string why = outputs::output_path_problem(out_file); !why.empty()) {
    throw UsageError("--out '" + out_file.string() + "' " + why);
  }
  if (out_file.has_parent_path()) fs::create_directories(out_file.parent_path());
  const outputs::OutputLock out_lock(out_file);  // one run per --out; refused at once
  const fs::path parts_dir = out_file.string() + ".parts";
  outputs::remove_stale_temporaries(parts_dir);  // left by processes that died
  fs::create_directories(parts_dir);

  struct Task {
    std::size_t scenario;
    int replication;
  };
  std::vector<std::string> hashes;
  hashes.reserve(models.size());
  for (const auto& m : models) hashes.push_back(outputs::fnv1a64_hex(m.resolved_yaml));
  std::vector<int> reps_done(models.size(), 0);
  auto parts_of = [&]() {
    std::vector<fs::path> parts;
    for (std::size_t s = 0; s < models.size(); ++s) {
      for (int r = 0; r < reps_done[s]; ++r) {
        parts.push_back(
            outputs::part_path(parts_dir, models[s].scenario, static_cast<std::uint32_t>(r)));
      }
    }
    return parts;
  };

  int reused = 0;
  for (int round = 0;; ++round) {
    std::vector<Task> tasks;
    for (std::size_t s = 0; s < models.size(); ++s) {
      for (int r = reps_done[s]; r < models[s].run.replications; ++r) tasks.push_back(Task{s, r});
    }
    if (tasks.empty()) break;
    err << "carepath: " << (round == 0 ? "" : "precision: ") << tasks.size() << " run(s) of "
        << models.size() << " scenario(s) on " << jobs << " process(es); parts in "
        << parts_dir.string() << "\n";
    Progress progress(err, static_cast<int>(tasks.size()));
    int done = 0;
    auto work = [&](int t) -> std::string {
      const Task& task = tasks[static_cast<std::size_t>(t)];
      const ModelSpec& m = models[task.scenario];
      const auto rep = static_cast<std::uint32_t>(task.replication);
      const fs::path part = outputs::part_path(parts_dir, m.scenario, rep);
      outputs::PartSpec spec;
      spec.scenario = m.scenario;
      spec.replication = rep;
      spec.master_seed = m.run.seed;
      spec.config_hash = hashes[task.scenario];
      spec.years = year_labels(m);
      for (const auto& k : pathways::kpi_catalogue(m)) {
        spec.kpis.push_back(outputs::KpiDef{k.name, k.unit, k.description, k.headline});
      }
      std::vector<std::string> sites;
      for (const auto& s : m.sites) sites.push_back(s.name);
      if (!no_ts) spec.sites = sites;
      spec.event_log = events;
      for (const auto& c : m.cohorts) spec.cohorts.push_back(c.name);
      spec.event_sites = sites;
      // Reused only if it matches the whole spec and its checksums; anything else is re-run.
      const std::string why = outputs::part_reuse_problem(part, spec);
      if (why.empty()) return "reused";
      // The parent reports why (one line), before the progress line: "<why>\n<result>".
      const std::string note = why == "missing" ? "" : why + "\n";
      outputs::PartWriter writer(part, spec);
      PartSink sink(writer, !no_ts, events);
      const pathways::ReplicationResult r =
          pathways::run_replication(m, m.run.seed, task.replication, &sink);
      sink.flush();
      for (int y = 0; y < m.horizon.years; ++y) {
        writer.set_kpi_values(static_cast<std::size_t>(y),
                              std::span<const double>(r.values).subspan(
                                  static_cast<std::size_t>(y) * r.kpis.size(), r.kpis.size()));
      }
      writer.finish();
      return note + "ran " + std::to_string(r.events) + " events";
    };
    auto on_done = [&](int t, std::string result) {
      if (const auto nl = result.rfind('\n'); nl != std::string::npos) {
        err << "carepath: not reusing " << result.substr(0, nl) << "; running it again\n";
        result.erase(0, nl + 1);
      }
      ++done;
      if (result == "reused") ++reused;
      const Task& task = tasks[static_cast<std::size_t>(t)];
      progress.update(done, models[task.scenario].scenario + " #" +
                                std::to_string(task.replication) + ": " + result);
    };
    engine::ProcessPool pool;
    pool.run(static_cast<int>(tasks.size()), jobs, work, on_done);
    for (std::size_t s = 0; s < models.size(); ++s) reps_done[s] = models[s].run.replications;
    if (!precision) break;

    // --precision: more replications until every headline KPI's 95% CI half-width is within
    // the target share of its mean, for every scenario and year.
    outputs::RunMeta probe_meta;
    probe_meta.years = year_labels(models.front());
    probe_meta.master_seed = models.front().run.seed;
    outputs::ResultAssembler probe(out_file.string() + ".probe", probe_meta);
    for (const auto& m : models) probe.add_scenario(m.scenario, m.resolved_yaml);
    for (const auto& part : parts_of()) probe.add_part(part);
    const outputs::ResultSet set = probe.results();
    // Every scenario gets the same number of replications, so comparisons stay paired.
    int target_reps = 0;
    for (std::size_t s = 0; s < models.size(); ++s) {
      const outputs::ScenarioResults& sr = set.at(models[s].scenario);
      int needed = models[s].run.replications;
      for (const auto& k : pathways::kpi_catalogue(models[s])) {
        if (!k.headline) continue;
        const std::size_t ki = sr.kpi_index(k.name);
        for (std::size_t y = 0; y < set.years.size(); ++y) {
          const auto sum = outputs::summarise(sr.column(y, ki, set.years.size()));
          if (sum.n < 2 || !std::isfinite(sum.half_width) || sum.mean == 0) continue;
          const double target = *precision * std::abs(sum.mean);
          if (sum.half_width > target) {
            // n with a normal-quantile half-width 1.96 sd / sqrt(n) at the target; the t
            // quantile is larger, so the next round checks again.
            const double z = 1.96 * sum.sd / target;
            needed =
                std::max({needed, static_cast<int>(std::ceil(z * z)), static_cast<int>(sum.n) + 1});
          }
        }
      }
      target_reps = std::max(target_reps, std::min(needed, max_reps));
    }
    bool more = false;
    for (auto& m : models) {
      if (target_reps > m.run.replications) {
        m.run.replications = target_reps;
        more = true;
      }
    }
    if (!more) break;
  }
  if (reused > 0)
    err << "carepath: reused " << reused << " finished replication(s) from an earlier run\n";

  // Assemble the final file from the parts.
  outputs::RunMeta meta;
  meta.command_line = command_line_of(all_args);
  meta.master_seed = models.front().run.seed;
  meta.replications = static_cast<std::uint32_t>(models.front().run.replications);
  meta.processes = static_cast<std::uint32_t>(jobs);
  meta.years = year_labels(models.front());
  std::string baseline = baseline_opt.value_or("");
  if (baseline.empty()) {
    for (const auto& m : models)
      if (m.scenario == "do-nothing") baseline = m.scenario;
    if (baseline.empty() && models.size() > 1) baseline = models.front().scenario;
  }
  meta.baseline = baseline;
  outputs::ResultAssembler assembler(out_file, meta);
  for (const auto& m : models) assembler.add_scenario(m.scenario, m.resolved_yaml);
  for (const auto& part : parts_of()) assembler.add_part(part);
  assembler.write();
  fs::remove_all(parts_dir);

  std::vector<std::string> headline;
  for (const auto& k : pathways::kpi_catalogue(models.front())) {
    if (k.headline) headline.push_back(k.name);
  }
  const outputs::ResultReader reader(out_file);
  out << outputs::headline_table(reader, headline);
  err << "carepath: wrote " << out_file.string() << "\n";
  return 0;
}

int cmd_validate(Args& a, std::ostream& out) {
  const std::string file = a.positional("a model or scenario file");
  a.done();
  const ModelSpec m = pathways::load_model(file);
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
    if (!f) throw std::runtime_error("cannot write " + *out_opt);
    graph.write_dot(f);
  } else {
    graph.write_dot(out);
  }
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
    if (cmd == "validate") return cmd_validate(a, out);
    if (cmd == "graph") return cmd_graph(a, out);
    if (cmd == "warmup") return cmd_warmup(a, out);
    if (is_output_command(cmd))
      return run_output_command(cmd, {args.begin() + 1, args.end()}, out, err);
    if (cmd == "version" || cmd == "--version") {
      out << "carepath " << CAREPATH_VERSION << "\n";
      return 0;
    }
    throw UsageError("unknown command '" + cmd + "'");
  } catch (const UsageError& e) {
    err << "carepath: " << e.what() << "\n\n" << kUsage;
    return 2;
  } catch (const pathways::ConfigErrors& e) {
    err << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "carepath: error: " << e.what() << "\n";
    return 1;
  }
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return run(args, std::cout, std::cerr);
}

}  // namespace carepath::cli
