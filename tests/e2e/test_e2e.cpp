// End-to-end: the carepath command on shipped scenarios, through the same library main() uses.
#include <carepath/cli.hpp>
#include <carepath/outputs/result_file.hpp>
#include <carepath/outputs/stats.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using carepath::cli::run;

namespace {

const std::string kSource = CAREPATH_SOURCE_DIR;
const fs::path kWork = fs::path(CAREPATH_BINARY_DIR) / "work";

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = run(args, out, err);
  return Result{code, out.str(), err.str()};
}

// Every dataset's content hash, except the provenance that legitimately differs between runs
// (creation time, command line and process count).
std::vector<std::pair<std::string, std::uint64_t>> dataset_hashes(const fs::path& file) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& o : carepath::outputs::inspect_file(file)) {
    if (o.is_dataset && o.path.rfind("/meta", 0) != 0) out.emplace_back(o.path, o.content_hash);
  }
  return out;
}

}  // namespace

TEST_CASE("bad usage gives exit code 2 and a message", "[e2e]") {
  auto r = cli({"frobnicate"});
  CHECK(r.code == 2);
  CHECK(r.err.find("unknown command 'frobnicate'") != std::string::npos);
  r = cli({"run", "/no/such/folder"});
  CHECK(r.code == 2);
  CHECK(r.err.find("no such file or folder: /no/such/folder") != std::string::npos);
  r = cli({"run", kSource + "/scenarios/examples", "--replications", "zero"});
  CHECK(r.code == 2);
  CHECK(r.err.find("--replications must be an integer >= 1 (got 'zero')") != std::string::npos);
}

TEST_CASE("a result file is bit-identical whatever the number of processes", "[e2e]") {
  fs::create_directories(kWork);
  const std::string scenario = kSource + "/scenarios/dudley/base.yaml";
  const fs::path a = kWork / "det-j1.h5";
  const fs::path b = kWork / "det-j2.h5";
  const auto ra = cli({"run", scenario, "--years", "1", "--replications", "3", "-j", "1",
                            "--out", a.string()});
  REQUIRE(ra.code == 0);
  const auto rb = cli({"run", scenario, "--years", "1", "--replications", "3", "-j", "2",
                            "--out", b.string()});
  REQUIRE(rb.code == 0);
  const auto ha = dataset_hashes(a);
  const auto hb = dataset_hashes(b);
  REQUIRE(ha.size() > 3);
  CHECK(ha == hb);
  // And another seed changes the numbers.
  const fs::path c = kWork / "det-seed.h5";
  REQUIRE(cli({"run", scenario, "--years", "1", "--replications", "3", "-j", "2", "--seed",
                    "99", "--out", c.string()})
              .code == 0);
  CHECK(dataset_hashes(c) != ha);
}

TEST_CASE("the Dudley plan's 2018/19 reductions hold: best against demography-only",
          "[e2e][slow][acceptance]") {
  // SOURCE #37 (001): "by 2018/19 activity levels, having accounted for demographic growth, will
  // have reduced as follows: emergency admissions 1574 admissions ED 24,145 attendances".
  // Acceptance: the paired mean difference (best - demography-only, common random numbers) in
  // 2018/19 lies within +-10% of each figure. Do-nothing gets worse every year on delayed
  // transfers and ED 4-hour performance; base lies between do-nothing and best.
  fs::create_directories(kWork);
  const fs::path file = kWork / "dudley-full.h5";
  const auto r = cli({"run", kSource + "/scenarios/dudley", "--out", file.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const carepath::outputs::ResultReader reader(file);
  const std::string last = reader.years().back();
  CHECK(last == "2018/19");
  auto paired = [&](const std::string& kpi, const std::string& year) {
    return carepath::outputs::paired_comparison(reader.values("demography-only", kpi, year),
                                                reader.values("best", kpi, year));
  };
  const auto ed = paired("ed_attendances", last);
  const auto ea = paired("emergency_admissions", last);
  INFO("ED delta " << ed.mean_diff << " +- " << ed.paired_half_width << "; admissions delta "
                   << ea.mean_diff << " +- " << ea.paired_half_width);
  CHECK(ed.mean_diff <= -24145 * 0.9);
  CHECK(ed.mean_diff >= -24145 * 1.1);
  CHECK(ea.mean_diff <= -1574 * 0.9);
  CHECK(ea.mean_diff >= -1574 * 1.1);

  auto mean_of = [&](const std::string& scenario, const std::string& kpi,
                     const std::string& year) {
    return carepath::outputs::summarise(reader.values(scenario, kpi, year)).mean;
  };
  const auto& years = reader.years();
  for (std::size_t y = 1; y < years.size(); ++y) {
    INFO("year " << years[y]);
    CHECK(mean_of("do-nothing", "delayed_transfer_bed_days", years[y]) >
          mean_of("do-nothing", "delayed_transfer_bed_days", years[y - 1]));
    CHECK(mean_of("do-nothing", "ed_4h_pct", years[y]) <
          mean_of("do-nothing", "ed_4h_pct", years[y - 1]));
  }
  for (const std::string kpi : {"ed_attendances", "emergency_admissions",
                                "delayed_transfer_bed_days"}) {
    INFO(kpi);
    const double dn = mean_of("do-nothing", kpi, last);
    const double base = mean_of("base", kpi, last);
    const double best = mean_of("best", kpi, last);
    CHECK(base < dn);
    CHECK(base > best);
  }
}
