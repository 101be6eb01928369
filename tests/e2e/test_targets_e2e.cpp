// End-to-end: plan targets declared in a scenario, through `carepath run`, `summary` and
// `export --csv`.
#include <carepath/outputs/result_file.hpp>
#include <carepath/outputs/results.hpp>

#include <catch2/catch.hpp>

#include "cli_helpers.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using carepath::e2e::cli;

namespace {

const std::string kSource = CAREPATH_SOURCE_DIR;
const fs::path kWork = fs::path(CAREPATH_BINARY_DIR) / "work" / "targets";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("plan targets: run, summary and CSV show met, not met and uncertain", "[e2e]") {
  fs::remove_all(kWork);
  fs::create_directories(kWork);
  const fs::path scenario = kWork / "targets.yaml";
  {
    std::ofstream f(scenario);
    f << "scenario: {name: targets, extends: " << kSource << "/tests/data/model.yaml}\n"
      << "targets:\n"
      << "  four_hour: {kpi: ed_4h_pct, at_least: 95, label: 95% 4-hour standard}\n"
      << "  attendances: {kpi: ed_attendances, at_most: 1000000, years: [2014/15]}\n";
  }
  const fs::path out = kWork / "t.h5";
  const auto args = [&](const fs::path& o) {
    return std::vector<std::string>{
        "run", scenario.string(), "--years", "1", "--replications", "3", "-j",
        "1",   "--out",           o.string()};
  };
  REQUIRE(cli(args(out)).code == 0);
  const carepath::outputs::ResultReader r(out);
  const auto& targets = r.results().at("targets").targets;
  REQUIRE(targets.size() == 2);
  CHECK(targets[0].label == "95% 4-hour standard");
  CHECK(targets[1].year == "2014/15");
  // The mini model's ED sees about 61% within 4 hours: far below 95%, far from 1,000,000.
  const auto s = cli({"summary", out.string()});
  REQUIRE(s.code == 0);
  CHECK_THAT(s.out, Catch::Contains("four_hour    ed_4h_pct"));
  CHECK_THAT(s.out,
             Catch::Matches("(.|\n)*2014/15 +>= 95 +[0-9.]+\\+-[0-9.]+ +% +not met\n(.|\n)*"));
  CHECK_THAT(s.out,
             Catch::Matches("(.|\n)*<= 1e\\+06 +[0-9]+\\+-[0-9]+ +attendances +met\n(.|\n)*"));

  const auto j = cli({"summary", out.string(), "--json"});
  CHECK_THAT(j.out, Catch::Contains("\"targets\": [\n       {\"name\": \"four_hour\", \"kpi\": "
                                    "\"ed_4h_pct\", \"year\": \"2014/15\", \"direction\": "
                                    "\"at_least\", \"bound\": 95, \"mean\": "));
  CHECK_THAT(j.out,
             Catch::Contains("\"status\": \"not met\", \"label\": \"95% 4-hour standard\"}"));

  // A bound at the mean itself: the CI straddles it, "uncertain" (same seed, same values).
  double mean = 0;
  for (const auto& row : r.summary("targets"))
    if (row.kpi == "ed_attendances") mean = row.stats.mean;
  const fs::path out2 = kWork / "t2.h5";
  auto a2 = args(out2);
  a2.insert(a2.end(), {"--set", "targets.attendances.at_most=" + std::to_string(mean)});
  REQUIRE(cli(a2).code == 0);
  const auto s2 = cli({"summary", out2.string()});
  CHECK_THAT(s2.out, Catch::Matches("(.|\n)*attendances +uncertain\n(.|\n)*"));

  REQUIRE(cli({"export", out2.string(), "--csv", (kWork / "csv").string()}).code == 0);
  const std::string csv = read(kWork / "csv" / "targets.csv");
  CHECK_THAT(csv, Catch::StartsWith("scenario,target,kpi,year,direction,bound,unit,n,mean,"
                                    "ci95_low,ci95_high,status,label\n"
                                    "targets,four_hour,ed_4h_pct,2014/15,at_least,95,%,3,"));
  CHECK_THAT(csv, Catch::Contains(",not met,95% 4-hour standard\n"));
  CHECK_THAT(csv, Catch::Contains(",uncertain,\n"));
  fs::remove_all(kWork);
}
