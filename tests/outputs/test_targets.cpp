// Plan targets: met / not met / uncertain on constructed summaries, and the targets table of the
// result file written and read back.
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/result_file.hpp>
#include <carepath/outputs/results.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sample_run.hpp"

using namespace carepath::outputs;
using namespace carepath::outputs::testing;
namespace fs = std::filesystem;

namespace {

Summary ci(double mean, double half_width) {
  return Summary{5, mean, 1.0, half_width, mean - half_width, mean + half_width};
}

}  // namespace

TEST_CASE("targets: met, not met and uncertain from the 95% CI against the bound",
          "[outputs][targets]") {
  const TargetDef at_least{"four_hour", "ed_4h_pct", "", 95, true, ""};
  const TargetDef at_most{"dtoc", "delayed_transfer_bed_days", "", 10000, false, ""};
  CHECK(target_status(at_least, ci(96.0, 0.5)) == TargetStatus::met);        // [95.5, 96.5]
  CHECK(target_status(at_least, ci(96.0, 1.0)) == TargetStatus::met);        // [95, 97]: on it
  CHECK(target_status(at_least, ci(94.0, 0.5)) == TargetStatus::not_met);    // [93.5, 94.5]
  CHECK(target_status(at_least, ci(95.2, 0.5)) == TargetStatus::uncertain);  // [94.7, 95.7]
  CHECK(target_status(at_most, ci(9000, 500)) == TargetStatus::met);         // [8500, 9500]
  CHECK(target_status(at_most, ci(9500, 500)) == TargetStatus::met);         // [9000, 10000]
  CHECK(target_status(at_most, ci(11000, 500)) == TargetStatus::not_met);
  CHECK(target_status(at_most, ci(10100, 500)) == TargetStatus::uncertain);
  // One replication: no CI, so never "met" on the mean alone.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(target_status(at_least, Summary{1, 99, nan, nan, nan, nan}) == TargetStatus::uncertain);
  CHECK(std::string(target_status_name(TargetStatus::met)) == "met");
  CHECK(std::string(target_status_name(TargetStatus::not_met)) == "not met");
  CHECK(std::string(target_status_name(TargetStatus::uncertain)) == "uncertain");
}

TEST_CASE("targets: evaluated in the years they list, or in every year", "[outputs][targets]") {
  ScenarioResults s;
  s.name = "base";
  s.targets = {{"all_years", "ed_4h_pct", "", 95, true, ""},
               {"one_year", "ed_4h_pct", "2015/16", 90, true, ""},
               {"absent_kpi", "nope", "", 1, true, ""}};
  const std::vector<SummaryRow> rows{{"ed_4h_pct", "%", "2014/15", ci(96, 0.5)},
                                     {"ed_4h_pct", "%", "2015/16", ci(91, 2)}};
  const auto t = evaluate_targets(s, rows);
  REQUIRE(t.size() == 3);
  CHECK(t[0].target.name == "all_years");
  CHECK(t[0].year == "2014/15");
  CHECK(t[0].status == TargetStatus::met);
  CHECK(t[1].year == "2015/16");
  CHECK(t[1].status == TargetStatus::not_met);  // [89, 93] < 95
  CHECK(t[2].target.name == "one_year");
  CHECK(t[2].year == "2015/16");
  CHECK(t[2].status == TargetStatus::uncertain);  // [89, 93] straddles 90
  CHECK(t[2].unit == "%");
}

TEST_CASE("targets: stored in /scenarios/{s}/targets and read back", "[outputs][targets][h5]") {
  const auto dir = scratch_dir("targets");
  SampleRun run;
  run.time_series = false;
  run.events = false;
  const auto parts = run.write_parts(dir, run.natural_order());
  const std::vector<TargetDef> targets{
      {"four_hour", "ed_4h_pct", "", 95, true, "NHS 4-hour standard"},
      {"dtoc", "delayed_transfer_bed_days", "2016/17", 10000, false, ""}};
  {
    ResultAssembler a(dir / "out.h5", run.meta());
    for (const auto& s : run.scenarios)
      a.add_scenario(s, run.yaml(s), s == "best" ? targets : std::vector<TargetDef>{});
    for (const auto& p : parts) a.add_part(p);
    a.write();
  }
  const ResultReader r(dir / "out.h5");
  CHECK(r.results().at("best").targets == targets);
  CHECK(r.results().at("base").targets.empty());
  const std::string table = targets_table(r);
  CHECK_THAT(table, Catch::Contains("best      four_hour  ed_4h_pct                  2014/15"));
  CHECK_THAT(table, Catch::Contains("dtoc       delayed_transfer_bed_days  2016/17  <= 10000"));
  CHECK_THAT(table, !Catch::Contains("base "));
  const auto rows = evaluate_targets(r.results().at("best"), r.summary("best"));
  REQUIRE(rows.size() == 4);
  // SampleRun's "best": ed_4h_pct 94.20 [92.98, 95.42] in 2014/15, 104.20 and 114.20 (+-1.22)
  // later; delayed transfer bed-days 14,125 [13,888, 14,361] in 2016/17.
  CHECK(rows[0].year == "2014/15");
  CHECK(rows[0].status == TargetStatus::uncertain);
  CHECK(rows[1].status == TargetStatus::met);
  CHECK(rows[2].status == TargetStatus::met);
  CHECK(rows[3].target.name == "dtoc");
  CHECK(rows[3].status == TargetStatus::not_met);
  CHECK_THAT(table, Catch::Contains("uncertain"));
  fs::remove_all(dir);
}
