// Plan targets (`targets:`): what the loader accepts and its exact errors.
#include <carepath/pathways/loader.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

using namespace carepath::pathways;

namespace {

const std::string kData = std::string(CAREPATH_SOURCE_DIR) + "/tests/data/";

/// tests/data/model.yaml (86 lines, horizon 2014/15-2016/17) with `extra` appended from line 87.
std::string mini_with(const std::string& extra) {
  std::ifstream in(kData + "model.yaml");
  std::stringstream s;
  s << in.rdbuf();
  return s.str() + extra;
}

std::string errors_of(const std::string& extra) {
  try {
    load_model_from_string(mini_with(extra), kData + "inline.yaml");
  } catch (const ConfigErrors& e) {
    return e.what();
  }
  return "(loaded without error)";
}

}  // namespace

TEST_CASE("targets: KPI, bound, years and label are read", "[pathways][targets]") {
  const ModelSpec m = load_model_from_string(
      mini_with("targets:\n"
                "  four_hour: {kpi: ed_4h_pct, at_least: 95, label: 95% standard}\n"
                "  ward_wait: {kpi: site.acute_ward.wait_p95, at_most: 60, years: [2015/16]}\n"),
      kData + "inline.yaml");
  REQUIRE(m.targets.size() == 2);
  CHECK(m.targets[0].name == "four_hour");
  CHECK(m.targets[0].kpi == "ed_4h_pct");
  CHECK(m.targets[0].at_least);
  CHECK(m.targets[0].bound == 95);
  CHECK(m.targets[0].years.empty());
  CHECK(m.targets[0].label == "95% standard");
  CHECK(m.targets[1].kpi == "site.acute_ward.wait_p95");
  CHECK_FALSE(m.targets[1].at_least);
  CHECK(m.targets[1].bound == 60);
  CHECK(m.targets[1].years == std::vector<int>{1});
}

TEST_CASE("targets: years cut by --years are dropped, with the target if none is left",
          "[pathways][targets]") {
  LoadOptions one_year;
  one_year.years = 1;
  const ModelSpec m = load_model_from_string(
      mini_with("targets:\n"
                "  a: {kpi: ed_4h_pct, at_least: 95, years: [2014/15, 2016/17]}\n"
                "  b: {kpi: ed_4h_pct, at_least: 95, years: [2016/17]}\n"),
      kData + "inline.yaml", one_year);
  REQUIRE(m.targets.size() == 1);
  CHECK(m.targets[0].years == std::vector<int>{0});
}

TEST_CASE("targets: unknown KPIs, years and keys, bounds, with file:line:column",
          "[pathways][targets]") {
  const std::string f = kData + "inline.yaml:";
  CHECK(errors_of("targets:\n  a: {kpi: ed_4h_pc, at_least: 95}\n") ==
        f + "88:12: error: unknown KPI 'ed_4h_pc' in target 'a' (did you mean 'ed_4h_pct'?)");
  CHECK(errors_of("targets:\n  a: {kpi: ed_4h_pct, at_least: 95, years: [2015/61]}\n") ==
        f + "88:45: error: unknown year '2015/61' in target 'a' (did you mean '2015/16'?)");
  CHECK(errors_of("targets:\n  a: {kpi: ed_4h_pct, at_least: 95, years: [1999]}\n") ==
        f + "88:45: error: unknown year '1999' in target 'a' (the horizon's years are "
            "2014/15, 2015/16 or 2016/17)");
  CHECK(errors_of("targets:\n  a: {kpi: ed_4h_pct}\n") ==
        f + "88:3: error: target 'a' needs exactly one of 'at_least' or 'at_most'");
  CHECK(errors_of("targets:\n  a: {kpi: ed_4h_pct, at_least: 95, at_most: 99}\n") ==
        f + "88:3: error: target 'a' needs exactly one of 'at_least' or 'at_most'");
  CHECK(errors_of("targets:\n  a: {kpi: ed_4h_pct, at_least: lots}\n") ==
        f + "88:33: error: \"lots\": expected a number");
  CHECK(errors_of("targets:\n  a: {kpi: ed_4h_pct, at_lest: 95}\n") ==
        f + "88:23: error: unknown key 'at_lest' in target 'a' (did you mean 'at_least'?)");
  CHECK(errors_of("targets:\n  a: {at_least: 95}\n") ==
        f + "88:3: error: missing required key 'kpi' in target 'a'");
}
