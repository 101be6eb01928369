// End-to-end data safety (issue 11): models of any size can be saved, damaged or mismatched parts
// are never reused, a killed run resumes bit-identically, one run per --out, and --out is never a
// device or a folder.
#include <carepath/cli.hpp>
#include <carepath/outputs/output_path.hpp>
#include <carepath/outputs/result_file.hpp>

#include <hdf5.h>
#include <catch2/catch.hpp>

#include "cli_helpers.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using carepath::e2e::cli;
using carepath::e2e::dataset_hashes;
using carepath::e2e::Result;
using Catch::Matchers::Contains;

namespace {

const std::string kSource = CAREPATH_SOURCE_DIR;
const fs::path kWork = fs::path(CAREPATH_BINARY_DIR) / "work" / "safety";

fs::path fresh_dir(const std::string& name) {
  const fs::path d = kWork / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::size_t count_matches(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// n single-server clinics, each with its own arrival stream: every site adds its own KPIs.
void write_many_sites_model(const fs::path& file, int n, const std::string& volume) {
  std::ofstream y(file);
  y << "model:\n  name: many sites\n  population: 100000\nhorizon:\n  start: 2014-04-01\n"
       "  years: 1\nrun:\n  replications: 2\n  seed: 7\n  warmup: 1d\n"
       "cohorts:\n  patient: {attributes: {}}\narrivals:\n";
  char name[16];
  for (int i = 0; i < n; ++i) {
    std::snprintf(name, sizeof name, "%03d", i);
    y << "  a" << name << ":\n    to: s" << name << "\n    volume: " << volume
      << "\n    cohorts: {patient: 1.0}\n";
  }
  y << "sites:\n";
  for (int i = 0; i < n; ++i) {
    std::snprintf(name, sizeof name, "%03d", i);
    y << "  s" << name << ":\n    kind: service\n    capacity: 1\n"
      << "    service: {exponential: {mean: 2h}}\n    routes:\n      - to: {home: 1}\n";
  }
  y << "  home: {kind: exit}\nkpis:\n"
       "  mean_wait: {mean: wait, sites: [s000], unit: min, headline: true}\n";
}

// A run whose assembly cannot happen (a non-empty folder sits at the assembler's temporary
// `<out>.assembling.tmp`), so its finished parts stay in `<out>.parts` for the next run; the
// blocker is then removed.
void run_leaving_parts(std::vector<std::string> args, const fs::path& out) {
  const fs::path blocker = out.string() + ".assembling.tmp";
  fs::create_directories(blocker);
  std::ofstream(blocker / "x") << "x";
  args.insert(args.end(), {"--out", out.string()});
  const auto r = cli(args);
  INFO(r.err);
  REQUIRE(r.code != 0);
  fs::remove_all(blocker);
  REQUIRE(fs::exists(fs::path(out.string() + ".parts")));
}

void flip_bytes(const fs::path& file, std::uint64_t offset, std::size_t n) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  std::vector<char> buf(n);
  f.seekg(static_cast<std::streamoff>(offset));
  f.read(buf.data(), static_cast<std::streamsize>(n));
  REQUIRE(f);
  for (auto& c : buf) c = static_cast<char>(~c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(buf.data(), static_cast<std::streamsize>(n));
  REQUIRE(f);
}

// File offset of a contiguous dataset's data, or of a chunked dataset's first chunk (and size).
std::pair<std::uint64_t, std::uint64_t> data_location(const fs::path& file, const char* dataset) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t d = H5Dopen2(f, dataset, H5P_DEFAULT);
  REQUIRE(d >= 0);
  std::pair<std::uint64_t, std::uint64_t> loc{0, 0};
  const hid_t dcpl = H5Dget_create_plist(d);
  if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
    hsize_t coords[3] = {0, 0, 0};
    unsigned mask = 0;
    haddr_t addr = 0;
    hsize_t size = 0;
    const hid_t space = H5Dget_space(d);
    const herr_t found = H5Dget_chunk_info(d, space, 0, coords, &mask, &addr, &size);
    H5Sclose(space);
    REQUIRE(found >= 0);
    loc = {addr, size};
  } else {
    loc = {H5Dget_offset(d), H5Dget_storage_size(d)};
  }
  H5Pclose(dcpl);
  H5Dclose(d);
  H5Fclose(f);
  return loc;
}

// Processes (other than this one) whose command line mentions `needle`.
int processes_mentioning(const std::string& needle) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (pid == std::to_string(::getpid())) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    char buf[4096];
    in.read(buf, sizeof buf);
    const std::string cmd(buf, static_cast<std::size_t>(in.gcount()));
    if (cmd.find(needle) != std::string::npos) ++n;
  }
  return n;
}

// Live (not zombie) children of `parent`, from /proc/<pid>/stat (field 4 is the parent's PID).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string line;
    std::getline(in, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z') out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z' &&
         line[close + 2] != 'X';
}

}  // namespace

TEST_CASE("a 500-site model is run, assembled, read back and exported", "[e2e][safety]") {
  const fs::path dir = fresh_dir("sites500");
  const fs::path model = dir / "sites500.yaml";
  write_many_sites_model(model, 500, "2/day");
  const fs::path out = dir / "sites500.h5";
  const auto r =
      cli({"run", model.string(), "--replications", "2", "-j", "2", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);

  const carepath::outputs::ResultReader reader(out);
  const auto& kpis = reader.kpis("many sites");
  // Every site reports its own KPIs: far past the ~35 sites a compound type could hold.
  CHECK(kpis.size() > 500 * 10);
  CHECK(reader.replications("many sites").size() == 2);
  CHECK(reader.summary("many sites").size() == kpis.size() * reader.years().size());
  bool headline_seen = false;
  for (const auto& k : kpis) headline_seen = headline_seen || (k.name == "mean_wait" && k.headline);
  CHECK(headline_seen);
  // Arrivals at the last site: Poisson, 2/day over a 365-day year: 730, sd 27; +-5 sd.
  for (const double v : reader.values("many sites", "site.s499.arrivals", "2014/15")) {
    CHECK(std::abs(v - 730.0) < 5 * std::sqrt(730.0));
  }
  CHECK(reader.has_time_series("many sites", 1));
  CHECK(reader.time_series_header("many sites", 1).sites.size() == 501);

  const fs::path csv = dir / "csv";
  const auto e = cli({"export", out.string(), "--csv", csv.string()});
  INFO(e.err);
  REQUIRE(e.code == 0);
  std::ifstream in(csv / "kpi_values.csv");
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  CHECK(lines == 1 + kpis.size() * 2 * reader.years().size());
  for (const auto& f : fs::directory_iterator(csv)) CHECK(f.path().extension() != ".tmp");
}

TEST_CASE("damaged parts are detected, reported and re-run, never reused", "[e2e][safety]") {
  const fs::path dir = fresh_dir("damaged");
  const std::string model = kSource + "/scenarios/examples/mmc.yaml";
  const std::vector<std::string> args = {"run", model, "--replications", "4", "-j", "2"};
  const fs::path out = dir / "out.h5";
  run_leaving_parts(args, out);
  const fs::path parts = out.string() + ".parts";
  const auto part = [&](std::uint32_t r) {
    return carepath::outputs::part_path(parts, "MMc clinic", r);
  };
  // 16 bytes inside replication 1's KPI values, 16 inside a time-series chunk of replication 2,
  // and replication 3 cut in half.
  const auto kv = data_location(part(1), "kpi_values");
  REQUIRE(kv.second >= 16);
  flip_bytes(part(1), kv.first + (kv.second - 16) / 2, 16);
  const auto ts = data_location(part(2), "timeseries");
  REQUIRE(ts.second >= 16);
  flip_bytes(part(2), ts.first + (ts.second - 16) / 2, 16);
  fs::resize_file(part(3), fs::file_size(part(3)) / 2);

  auto with_out = args;
  with_out.insert(with_out.end(), {"--out", out.string()});
  const auto r = cli(with_out);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.err, Contains("MMc_clinic.r0001.part.h5: damaged part (content checksum mismatch)"));
  CHECK_THAT(r.err, Contains("MMc_clinic.r0002.part.h5: damaged part (cannot read timeseries)"));
  CHECK_THAT(r.err, Contains("MMc_clinic.r0003.part.h5"));
  CHECK(count_matches(r.err, "; running it again") == 3);
  CHECK_THAT(r.err, Contains("reused 1 finished replication(s)"));

  const fs::path clean = dir / "clean.h5";
  auto clean_args = args;
  clean_args.insert(clean_args.end(), {"--out", clean.string()});
  REQUIRE(cli(clean_args).code == 0);
  CHECK(dataset_hashes(out) == dataset_hashes(clean));
}

TEST_CASE("parts without time series or events are not reused by a run that wants them",
          "[e2e][safety]") {
  const fs::path dir = fresh_dir("options");
  const std::string model = kSource + "/scenarios/examples/mmc.yaml";
  const fs::path out = dir / "out.h5";
  run_leaving_parts({"run", model, "--replications", "4", "-j", "2", "--no-timeseries"}, out);
  const auto r =
      cli({"run", model, "--replications", "4", "-j", "2", "--events", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(count_matches(r.err, "written without time series; running it again") == 4);
  CHECK(r.err.find("reused") == std::string::npos);
  const carepath::outputs::ResultReader reader(out);
  for (const auto rep : reader.replications("MMc clinic")) {
    CHECK(reader.has_time_series("MMc clinic", rep));
    CHECK(reader.has_events("MMc clinic", rep));
  }

  // And a run without the event log does not reuse parts that have one (its content differs).
  run_leaving_parts({"run", model, "--replications", "2", "-j", "2", "--events"}, dir / "ev.h5");
  const auto lean =
      cli({"run", model, "--replications", "2", "-j", "2", "--out", (dir / "ev.h5").string()});
  REQUIRE(lean.code == 0);
  CHECK(count_matches(lean.err, "written with an event log") == 2);
}

TEST_CASE("a changed --years resumes: parts of other years are re-run", "[e2e][safety]") {
  const fs::path dir = fresh_dir("years");
  // A 3-year model: --years can shorten a horizon, never extend it.
  const std::string model = kSource + "/tests/data/model.yaml";
  const fs::path out = dir / "out.h5";
  run_leaving_parts({"run", model, "--replications", "2", "-j", "2", "--years", "1"}, out);
  const auto r =
      cli({"run", model, "--replications", "2", "-j", "2", "--years", "2", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(count_matches(r.err, "written for other years") == 2);
  CHECK(carepath::outputs::ResultReader(out).years().size() == 2);
}

TEST_CASE("killing the parent alone leaves no orphan, the re-run is bit-identical",
          "[e2e][safety]") {
  const fs::path dir = fresh_dir("kill");
  const fs::path model = dir / "busy.yaml";
  // Long enough replications (~0.3 M patients each) to kill the parent while children run.
  write_many_sites_model(model, 4, "9/hour");
  const fs::path out = dir / "killed.h5";
  const fs::path parts = out.string() + ".parts";
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::freopen("/dev/null", "w", stderr);
    ::freopen("/dev/null", "w", stdout);
    ::execl(CAREPATH_EXE, "carepath", "run", model.c_str(), "--replications", "6", "-j", "2",
            "--out", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto count = [&](const std::string& ext) {
    int n = 0;
    if (fs::exists(parts)) {
      for (const auto& e : fs::directory_iterator(parts)) n += e.path().extension() == ext ? 1 : 0;
    }
    return n;
  };
  // Wait until one replication is finished and others are being written.
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 12000 && !(count(".h5") >= 1 && count(".tmp") >= 1); ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE_FALSE(exited);
  const std::vector<pid_t> children = children_of(pid);
  CHECK_FALSE(children.empty());
  REQUIRE(::kill(pid, SIGKILL) == 0);  // the parent only, not its process group
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  const int finished_at_kill = count(".h5");
  // Wait (bounded, generously) until the children are gone, whether killed or done.
  for (int i = 0; i < 24000; ++i) {
    bool any = false;
    for (const pid_t c : children) any = any || alive(c);
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (const pid_t c : children) CHECK_FALSE(alive(c));
  CHECK(processes_mentioning(out.string()) == 0);
  // They died with the parent: no orphan went on to finish its replication.
  CHECK(count(".h5") == finished_at_kill);
  CHECK_FALSE(fs::exists(out));
  // A dying process loses its command line before its files: wait (bounded) until the last
  // child has closed its copy of the lock, as a user re-running a moment later would.
  bool free = false;
  for (int i = 0; i < 400 && !free; ++i) {
    try {
      const carepath::outputs::OutputLock probe(out);
      free = true;
    } catch (const carepath::outputs::OutputLockedError&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  REQUIRE(free);

  const auto resumed =
      cli({"run", model.string(), "--replications", "6", "-j", "2", "--out", out.string()});
  INFO(resumed.err);
  REQUIRE(resumed.code == 0);
  CHECK_THAT(resumed.err, Contains("reused"));
  CHECK_FALSE(fs::exists(parts));
  const fs::path clean = dir / "clean.h5";
  REQUIRE(cli({"run", model.string(), "--replications", "6", "-j", "2", "--out", clean.string()})
              .code == 0);
  CHECK(dataset_hashes(out) == dataset_hashes(clean));
}

TEST_CASE("a second run on the same --out is refused at once, a stale lock is taken over",
          "[e2e][safety]") {
  const fs::path dir = fresh_dir("lock");
  const std::string model = kSource + "/scenarios/examples/mmc.yaml";
  const fs::path out = dir / "out.h5";
  {
    const carepath::outputs::OutputLock held(out);  // as a running carepath would hold it
    const auto r = cli({"run", model, "--replications", "2", "--out", out.string()});
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Contains(out.string() + " is being written by another carepath run (PID " +
                               std::to_string(::getpid()) + ","));
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(fs::path(out.string() + ".parts")));
  }
  CHECK_FALSE(fs::exists(fs::path(out.string() + ".lock")));

  // Two real runs at once: the second is refused at once, naming the first; the first finishes.
  {
    const fs::path busy = dir / "busy.yaml";
    write_many_sites_model(busy, 4, "9/hour");
    const fs::path shared = dir / "shared.h5";
    const pid_t first = fork();
    REQUIRE(first >= 0);
    if (first == 0) {
      ::freopen("/dev/null", "w", stderr);
      ::freopen("/dev/null", "w", stdout);
      ::execl(CAREPATH_EXE, "carepath", "run", busy.c_str(), "--replications", "4", "-j", "2",
              "--out", shared.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const fs::path parts = shared.string() + ".parts";
    for (int i = 0; i < 12000 && !fs::exists(parts); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto second =
        cli({"run", busy.string(), "--replications", "4", "-j", "2", "--out", shared.string()});
    CHECK(second.code == 1);
    CHECK_THAT(second.err, Contains("is being written by another carepath run (PID " +
                                    std::to_string(first) + ","));
    int status = 0;
    REQUIRE(::waitpid(first, &status, 0) == first);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK(fs::exists(shared));
    CHECK_FALSE(fs::exists(parts));
  }

  // A lock file left by a process that is gone: taken over.
  const pid_t dead = fork();
  REQUIRE(dead >= 0);
  if (dead == 0) ::_exit(0);
  REQUIRE(::waitpid(dead, nullptr, 0) == dead);
  std::ofstream(out.string() + ".lock") << dead << "\n";
  const auto r = cli({"run", model, "--replications", "2", "--out", out.string()});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(fs::exists(out));
  CHECK_FALSE(fs::exists(fs::path(out.string() + ".lock")));
}

TEST_CASE("the --out path must be a regular file or a new path", "[e2e][safety]") {
  const fs::path dir = fresh_dir("outpath");
  const std::string model = kSource + "/scenarios/examples/mmc.yaml";
  auto r = cli({"run", model, "--out", "/dev/null"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--out '/dev/null' is a character device, not a regular file"));
  struct stat st {};
  REQUIRE(::stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  r = cli({"run", model, "--out", ""});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--out '' is empty"));
  r = cli({"run", model, "--out", dir.string()});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("is a folder"));
  r = cli({"run", model, "--out", (dir / "sub").string() + "/"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("names a folder"));
  // graph -o names the option it cannot write.
  r = cli({"graph", model, "-o", (dir / "no-such-folder" / "g.dot").string()});
  CHECK(r.code == 1);
  CHECK(r.err == "carepath: error: --out '" + (dir / "no-such-folder" / "g.dot").string() +
                     "': cannot write the file\n");
  CHECK(carepath::outputs::output_path_problem(dir / "new.h5").empty());
  CHECK_THROWS_WITH(carepath::outputs::check_output_path("/dev/zero"),
                    Contains("character device"));
}

namespace {

struct ExeResult {
  int status = 0;  // waitpid status
  std::string err;
};

// Runs the real command (a crash must not take the test down) and collects its stderr.
ExeResult run_exe(const std::vector<std::string>& args, const fs::path& err_file) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::freopen(err_file.c_str(), "w", stderr);
    ::freopen("/dev/null", "w", stdout);
    std::vector<char*> argv{const_cast<char*>("carepath")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(CAREPATH_EXE, argv.data());
    ::_exit(127);
  }
  ExeResult r;
  REQUIRE(::waitpid(pid, &r.status, 0) == pid);
  std::ifstream in(err_file);
  std::ostringstream s;
  s << in.rdbuf();
  r.err = s.str();
  return r;
}

// A small tmpfs mounted for one test (needs root); unmounted at the end.
class SmallDisk {
 public:
  explicit SmallDisk(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=64k") == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }
  void resize(std::size_t kib) {
    const std::string opts = "size=" + std::to_string(kib) + "k";
    REQUIRE(::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, opts.c_str()) == 0);
  }
  void clear() {
    for (const auto& e : fs::directory_iterator(dir_)) fs::remove_all(e.path());
  }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("a full disk stops a run cleanly with 'no space left on device' and resumes later",
          "[e2e][safety]") {
  const fs::path dir = fresh_dir("diskfull");
  SmallDisk disk(dir / "disk");
  if (!disk.mounted()) {
    WARN("skipped: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
    return;
  }
  const std::string model = kSource + "/scenarios/examples/mmc.yaml";
  const fs::path ref = dir / "ref.h5";
  REQUIRE(cli({"run", model, "--replications", "4", "-j", "2", "--out", ref.string()}).code == 0);
  const fs::path out = dir / "disk" / "out.h5";
  const std::vector<std::string> args = {"run", model, "--replications", "4",
                                         "-j",  "2",   "--out",          out.string()};
  // Disks from too small for one part to big enough for the whole run: every failure is clean.
  bool worker_full = false;
  bool assembly_full = false;
  bool succeeded = false;
  for (std::size_t kib = 32; kib <= 1024 && !succeeded; kib += 16) {
    disk.clear();
    disk.resize(kib);
    const ExeResult r = run_exe(args, dir / "err.txt");
    INFO(kib << " KiB: " << r.err);
    REQUIRE(WIFEXITED(r.status));  // never a crash
    if (WEXITSTATUS(r.status) == 0) {
      succeeded = true;
      break;
    }
    CHECK(WEXITSTATUS(r.status) == 1);
    CHECK_THAT(r.err, Contains("no space left on device"));
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(fs::path(out.string() + ".tmp")));
    worker_full = worker_full || r.err.find(".part.h5.tmp") != std::string::npos;
    // The experiments layer assembles into <out>.assembling (written as .assembling.tmp).
    assembly_full = assembly_full || r.err.find("out.h5.assembling") != std::string::npos;
  }
  CHECK(worker_full);
  CHECK(assembly_full);
  REQUIRE(succeeded);
  CHECK(dataset_hashes(out) == dataset_hashes(ref));

  // After an assembly failure, freeing space resumes from the parts.
  disk.clear();
  disk.resize(160);
  ExeResult failed = run_exe(args, dir / "err.txt");
  if (WIFEXITED(failed.status) && WEXITSTATUS(failed.status) == 1) {
    disk.resize(1024);
    const ExeResult resumed = run_exe(args, dir / "err.txt");
    INFO(resumed.err);
    REQUIRE(WIFEXITED(resumed.status));
    CHECK(WEXITSTATUS(resumed.status) == 0);
    CHECK_THAT(resumed.err, Contains("reused"));
    CHECK(dataset_hashes(out) == dataset_hashes(ref));
  }

  // CSV export onto a full disk: an error, and no half-written file under a final name.
  const fs::path full_csv = dir / "csv-full";
  REQUIRE(cli({"export", ref.string(), "--csv", full_csv.string(), "--timeseries"}).code == 0);
  disk.clear();
  disk.resize(64);
  const fs::path csv = dir / "disk" / "csv";
  const auto e = cli({"export", ref.string(), "--csv", csv.string(), "--timeseries"});
  CHECK(e.code == 1);
  CHECK_THAT(e.err, Contains("no space left on device"));
  for (const auto& f : fs::directory_iterator(csv)) {
    INFO(f.path());
    CHECK(f.path().extension() != ".tmp");
    CHECK(fs::file_size(f.path()) == fs::file_size(full_csv / f.path().filename()));
  }
}
