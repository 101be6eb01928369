// Part files, assembly, reading back, refusal of incomplete files, determinism.
#include <carepath/outputs/result_file.hpp>

#include "sample_run.hpp"

#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using namespace carepath::outputs;
using carepath::outputs::testing::SampleRun;
using carepath::outputs::testing::scratch_dir;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

// Removes an attribute with the HDF5 C API (to fake a file whose writer died before the end).
void delete_root_attribute(const fs::path& file, const char* name) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  REQUIRE(H5Adelete(f, name) >= 0);
  H5Fclose(f);
}

}  // namespace

TEST_CASE("parts assemble into a result file that reads back", "[outputs][h5]") {
  const auto dir = scratch_dir("roundtrip");
  SampleRun run;
  const auto parts = run.write_parts(dir / "parts", run.natural_order());
  for (const auto& p : parts) CHECK_FALSE(fs::exists(fs::path(p.string() + ".tmp")));

  const PartInfo info = read_part_info(parts.front());
  CHECK(info.spec.scenario == "do-nothing");
  CHECK(info.spec.replication == 1);
  CHECK(info.samples == run.samples);
  CHECK(info.events == run.patients * 3 - run.patients / 11 + 1);
  CHECK(info.spec.kpis == run.kpis);
  CHECK(info.spec.cohorts == std::vector<std::string>{"adult", "child, under 16"});

  const fs::path out = dir / "results.h5";
  run.assemble(out, parts);
  REQUIRE(fs::exists(out));
  CHECK_FALSE(fs::exists(fs::path(out.string() + ".tmp")));

  const ResultReader r(out);
  CHECK(r.scenarios() == run.scenarios);  // run order, not alphabetical
  CHECK(r.years() == run.years);
  CHECK(r.meta().master_seed == run.master_seed);
  CHECK(r.meta().replications == run.replications);
  CHECK(r.meta().processes == 2);
  CHECK(r.meta().baseline == "do-nothing");
  CHECK(r.meta().command_line == "carepath run scenarios/sample.yaml -j 2");
  CHECK(r.meta().created_utc.size() == 20);
  CHECK(r.meta().git_commit.size() > 0);
  CHECK(r.meta().carepath_version.size() > 0);
  REQUIRE(r.scenario_configs().size() == 3);
  CHECK(r.scenario_configs()[1].yaml == run.yaml("base"));
  CHECK(r.scenario_configs()[1].hash == fnv1a64_hex(run.yaml("base")));
  CHECK(fnv1a64_hex("") == "cbf29ce484222325");  // FNV-1a 64 offset basis
  CHECK(r.kpis("best") == run.kpis);
  CHECK(r.replications("base") == std::vector<std::uint32_t>{1, 2, 3, 4, 5});

  // Every value exactly as written.
  for (std::size_t s = 0; s < run.scenarios.size(); ++s) {
    for (std::size_t y = 0; y < run.years.size(); ++y) {
      for (std::size_t k = 0; k < run.kpis.size(); ++k) {
        const auto v = r.values(run.scenarios[s], run.kpis[k].name, run.years[y]);
        REQUIRE(v.size() == run.replications);
        for (std::uint32_t rep = 1; rep <= run.replications; ++rep) {
          CHECK(v[rep - 1] == run.value(s, rep, y, k));
        }
      }
    }
  }
  // Summary rows agree with summarise() of the values.
  const auto& summary = r.summary("base");
  REQUIRE(summary.size() == run.kpis.size() * run.years.size());
  const auto& row = summary[1 * run.years.size() + 2];  // ed_4h_pct, 2016/17
  CHECK(row.kpi == "ed_4h_pct");
  CHECK(row.unit == "%");
  CHECK(row.year == "2016/17");
  const Summary expect = summarise(r.values("base", "ed_4h_pct", "2016/17"));
  CHECK(row.stats.n == 5);
  CHECK(row.stats.mean == expect.mean);
  CHECK(row.stats.ci_low == expect.ci_low);
  CHECK(row.stats.half_width == expect.half_width);

  // Comparisons against the baseline.
  REQUIRE(r.comparisons().size() == 2);
  const Comparison& c = r.comparisons()[1];
  CHECK(c.scenario == "best");
  CHECK(c.baseline == "do-nothing");
  CHECK(c.replications.size() == 5);
  const auto& cr = c.rows[0];  // ed_attendances 2014/15
  const auto pc = paired_comparison(r.values("do-nothing", "ed_attendances", "2014/15"),
                                    r.values("best", "ed_attendances", "2014/15"));
  CHECK(cr.stats.mean_diff == pc.mean_diff);
  CHECK(cr.stats.paired_low == pc.paired_low);
  CHECK(cr.stats.welch_high == pc.welch_high);
  CHECK(cr.stats.variance_reduction == pc.variance_reduction);
  // The synthetic data share most noise across scenarios, as CRN does.
  CHECK(cr.stats.variance_reduction > 0.9);
  CHECK(c.differences[0] == run.value(2, 1, 0, 0) - run.value(0, 1, 0, 0));

  // Time series and events.
  REQUIRE(r.has_time_series("base", 3));
  const TimeSeries ts = r.time_series("base", 3);
  CHECK(ts.sites == run.sites);
  CHECK(ts.interval_minutes == 60);
  REQUIRE(ts.samples == run.samples);
  for (const std::uint64_t h : {0ull, 1023ull, 1024ull, 2499ull}) {
    for (std::size_t site = 0; site < 2; ++site) {
      CHECK(ts.data[h * 2 + site] == SampleRun::sample(1, 3, h, site));
    }
  }
  REQUIRE(r.has_events("best", 5));
  CHECK(r.event_sites("best", 5) == run.sites);
  std::uint64_t n_events = 0;
  std::uint64_t n_blocks = 0;
  EventRecord third{};
  r.for_each_event_block(
      "best", 5,
      [&](std::span<const EventRecord> block) {
        if (n_events == 0) third = block[2];
        n_events += block.size();
        ++n_blocks;
      },
      1000);
  CHECK(n_events == info.events);
  CHECK(n_blocks == (n_events + 999) / 1000);
  CHECK(third == EventRecord{1, 1, 0, EventCode::start, 3.0 + 5 + 5});  // after p2's arrival
  CHECK_FALSE(r.has_events("best", 6));

  fs::remove_all(dir);
}

TEST_CASE("parts are resumable and validated", "[outputs][h5]") {
  const auto dir = scratch_dir("resume");
  SampleRun run;
  run.time_series = false;
  run.events = false;
  const auto p = run.write_part(dir, 1, 2);
  const PartSpec want = run.part_spec(1, 2);
  CHECK(part_is_reusable(p, want));
  CHECK(part_reuse_problem(p, want).empty());
  // Every field of the spec is part of the key.
  auto changed = [&](auto&& edit) {
    PartSpec s = want;
    edit(s);
    return part_reuse_problem(p, s);
  };
  CHECK_THAT(changed([](PartSpec& s) { s.replication = 3; }), Contains("replication 2"));
  CHECK_THAT(changed([](PartSpec& s) { ++s.master_seed; }), Contains("master seed"));
  CHECK_THAT(changed([](PartSpec& s) { s.config_hash = fnv1a64_hex("other yaml"); }),
             Contains("another configuration"));
  CHECK_THAT(changed([](PartSpec& s) { s.years.pop_back(); }), Contains("other years"));
  CHECK_THAT(changed([](PartSpec& s) { s.kpis[0].headline = true; }), Contains("KPI"));
  CHECK_THAT(changed([&](PartSpec& s) { s.sites = run.sites; }),
             Contains("written without time series"));
  CHECK_THAT(changed([](PartSpec& s) { s.event_log = true; }),
             Contains("written without an event log"));
  CHECK(part_reuse_problem(dir / "missing.part.h5", want) == "missing");
  CHECK_FALSE(part_is_reusable(dir / "missing.part.h5", want));

  ResultAssembler a(dir / "out.h5", run.meta());
  for (const auto& s : run.scenarios) a.add_scenario(s, run.yaml(s));
  a.add_part(p);
  CHECK_THROWS_WITH(a.add_part(p), Contains("added twice"));
  // Same part under another configuration of the scenario: refused.
  ResultAssembler other(dir / "other.h5", run.meta());
  other.add_scenario("base", "changed: yes\n");
  CHECK_THROWS_WITH(other.add_part(p), Contains("another configuration"));
  // Not enough replications: write() refuses and leaves nothing behind.
  CHECK_THROWS_WITH(a.write(), Contains("finished replications"));
  CHECK_FALSE(fs::exists(dir / "out.h5"));
  CHECK_FALSE(fs::exists(dir / "out.h5.tmp"));

  // A KPI name that would clash with a column is refused up front.
  PartSpec bad;
  bad.scenario = "x";
  bad.years = {"2014/15"};
  bad.kpis = {{"year", "", ""}};
  CHECK_THROWS_AS(PartWriter(dir / "bad.part.h5", bad), std::invalid_argument);
  fs::remove_all(dir);
}

TEST_CASE("a crashed child leaves no part, a crashed run no result", "[outputs][h5]") {
  const auto dir = scratch_dir("crash");
  SampleRun run;
  run.time_series = true;
  run.events = false;
  const fs::path part = part_path(dir, "base", 1);

  // The child dies (no destructors, no finish) halfway through streaming its part.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    PartSpec spec;
    spec.scenario = "base";
    spec.replication = 1;
    spec.years = run.years;
    spec.kpis = run.kpis;
    spec.sites = run.sites;
    PartWriter w(part, spec);
    const std::vector<SiteSample> row(2, SiteSample{1, 2, 3});
    for (int h = 0; h < 3000; ++h) w.append_sample(row);
    _exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 3);
  CHECK(fs::exists(fs::path(part.string() + ".tmp")));
  CHECK_FALSE(fs::exists(part));
  {
    PartSpec want;
    want.scenario = "base";
    want.replication = 1;
    want.years = run.years;
    want.kpis = run.kpis;
    want.sites = run.sites;
    CHECK_FALSE(part_is_reusable(part, want));
  }
  CHECK_THROWS_AS(read_part_info(part), ResultFileError);

  // A writer destroyed without finish() removes its temp file.
  {
    PartSpec spec;
    spec.scenario = "base";
    spec.replication = 2;
    spec.years = run.years;
    PartWriter w(part_path(dir, "base", 2), spec);
  }
  CHECK_FALSE(fs::exists(fs::path(part_path(dir, "base", 2).string() + ".tmp")));
  CHECK_FALSE(fs::exists(part_path(dir, "base", 2)));

  // The assembler fails mid-write (a part vanished after validation): no final file, no .tmp.
  run.time_series = true;
  const auto parts = run.write_parts(dir / "parts", run.natural_order());
  {
    ResultAssembler a(dir / "results.h5", run.meta());
    for (const auto& s : run.scenarios) a.add_scenario(s, run.yaml(s));
    for (const auto& p : parts) a.add_part(p);
    fs::remove(parts.back());
    CHECK_THROWS_AS(a.write(), ResultFileError);
    CHECK_FALSE(fs::exists(dir / "results.h5"));
  }
  CHECK_FALSE(fs::exists(dir / "results.h5.tmp"));
  fs::remove_all(dir);
}

TEST_CASE("incomplete result files are refused", "[outputs][h5]") {
  const auto dir = scratch_dir("incomplete");
  SampleRun run;
  run.time_series = false;
  run.events = false;
  run.replications = 2;
  const fs::path good = dir / "results.h5";
  run.assemble(good, run.write_parts(dir / "parts", run.natural_order()));
  REQUIRE_NOTHROW(ResultReader(good));

  // 1. Only the temp file of a run that died is there.
  const fs::path only_tmp = dir / "died.h5";
  fs::copy_file(good, fs::path(only_tmp.string() + ".tmp"));
  CHECK_THROWS_WITH(
      ResultReader(only_tmp),
      only_tmp.string() +
          ": incomplete result file (the run that wrote it did not finish); re-run it");

  // 2. A file under the final name without complete=1.
  const fs::path no_flag = dir / "no_flag.h5";
  fs::copy_file(good, no_flag);
  delete_root_attribute(no_flag, "complete");
  CHECK_THROWS_WITH(
      ResultReader(no_flag),
      no_flag.string() +
          ": incomplete result file (the run that wrote it did not finish); re-run it");

  // 3. Other wrong inputs get their own messages.
  CHECK_THROWS_WITH(ResultReader(dir / "absent.h5"), Contains("no such file"));
  const fs::path text = dir / "text.h5";
  { std::ofstream(text) << "not hdf5"; }
  CHECK_THROWS_WITH(ResultReader(text), Contains("not an HDF5 file"));
  CHECK_THROWS_WITH(ResultReader(part_path(dir / "parts", "base", 1)), Contains("part file"));
  fs::remove_all(dir);
}

namespace {

// Everything except /meta's run-specific attributes.
void require_same_content(const fs::path& x, const fs::path& y) {
  const auto a = inspect_file(x);
  const auto b = inspect_file(y);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].path);
    REQUIRE(a[i].path == b[i].path);
    CHECK(a[i].dtype == b[i].dtype);
    CHECK(a[i].shape == b[i].shape);
    CHECK(a[i].fields == b[i].fields);
    CHECK(a[i].content_hash == b[i].content_hash);
    REQUIRE(a[i].attributes == b[i].attributes);
    for (std::size_t j = 0; j < a[i].attributes.size(); ++j) {
      if (a[i].path == "/meta" &&
          (a[i].attributes[j] == "created_utc" || a[i].attributes[j] == "processes" ||
           a[i].attributes[j] == "command_line")) {
        continue;
      }
      INFO(a[i].attributes[j]);
      CHECK(a[i].attribute_hashes[j] == b[i].attribute_hashes[j]);
    }
  }
}

}  // namespace

TEST_CASE("assembly is bit-identical whatever the completion order", "[outputs][h5]") {
  const auto dir = scratch_dir("determinism");
  SampleRun run;
  run.samples = 1100;
  run.patients = 400;
  // Run 1: parts finish in natural order, added in that order, "-j 1".
  auto order = run.natural_order();
  const auto parts1 = run.write_parts(dir / "p1", order);
  run.assemble(dir / "one.h5", parts1, 1);
  // Run 2: parts finish in a shuffled order and are added as they finish, "-j 4".
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  const auto parts2 = run.write_parts(dir / "p2", order);
  run.assemble(dir / "two.h5", parts2, 4);
  require_same_content(dir / "one.h5", dir / "two.h5");

  // The comparison is able to fail: change one value and it must differ.
  SampleRun other = run;
  other.master_seed = run.master_seed;  // same provenance
  const auto& parts3 = parts1;          // the same files, one of them rewritten below
  {
    PartSpec spec = read_part_info(parts1[4]).spec;
    PartWriter w(parts1[4], spec);  // rewrite one part with a single different value
    for (std::size_t y = 0; y < run.years.size(); ++y) {
      for (std::size_t k = 0; k < run.kpis.size(); ++k) {
        w.set_kpi_value(y, k, run.value(0, 5, y, k) + (y == 1 && k == 2 ? 1e-9 : 0.0));
      }
    }
    const std::vector<SiteSample> row(2);
    for (std::uint64_t h = 0; h < run.samples; ++h) {
      std::vector<SiteSample> r2(2);
      for (std::size_t site = 0; site < 2; ++site) r2[site] = SampleRun::sample(0, 5, h, site);
      w.append_sample(r2);
    }
    w.finish();
  }
  run.assemble(dir / "three.h5", parts3, 1);
  const auto a = inspect_file(dir / "one.h5");
  const auto b = inspect_file(dir / "three.h5");
  std::size_t differing = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].content_hash != b[i].content_hash) ++differing;
  }
  CHECK(differing >= 3);  // kpi_values, summary, comparison tables of do-nothing
  fs::remove_all(dir);
}

TEST_CASE("forked children write parts concurrently", "[outputs][h5]") {
  const auto dir = scratch_dir("fork");
  SampleRun run;
  run.samples = 300;
  run.patients = 200;
  const auto order = run.natural_order();
  // The parent holds no HDF5 object while forking; every child writes one part and _exits.
  std::vector<pid_t> children;
  for (const auto& [s, r] : order) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      try {
        run.write_part(dir / "parts", s, r);
      } catch (...) {
        code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  std::vector<fs::path> parts;
  parts.reserve(order.size());
  for (const auto& [s, r] : order) parts.push_back(part_path(dir / "parts", run.scenarios[s], r));
  run.assemble(dir / "forked.h5", parts, static_cast<std::uint32_t>(order.size()));
  // Same as a sequential run.
  const auto seq = run.write_parts(dir / "seq", order);
  run.assemble(dir / "sequential.h5", seq, 1);
  require_same_content(dir / "forked.h5", dir / "sequential.h5");
  fs::remove_all(dir);
}
