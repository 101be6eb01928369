// Every kind of configuration error, with its exact message (file:line:column included).
#include <carepath/pathways/loader.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace carepath::pathways;

namespace {

LoadOptions years_only(int years) {
  LoadOptions o;
  o.years = years;
  return o;
}

const std::string kBad = std::string(CAREPATH_SOURCE_DIR) + "/tests/data/bad/";

/// The errors of loading `file` from tests/data/bad, one per line.
std::string errors_of(const std::string& file, const LoadOptions& options = {}) {
  try {
    load_model(kBad + file, options);
  } catch (const ConfigErrors& e) {
    return e.what();
  }
  return "(loaded without error)";
}

std::string errors_of_text(const std::string& yaml) {
  try {
    load_model_from_string(yaml, "inline.yaml");
  } catch (const ConfigErrors& e) {
    return e.what();
  }
  return "(loaded without error)";
}

}  // namespace

TEST_CASE("ConfigError formats file:line:column: error: message", "[pathways][loader]") {
  const ConfigError e{"model.yaml", 12, 5, "unknown key 'capcity' in site 'ed'"};
  CHECK(e.str() == "model.yaml:12:5: error: unknown key 'capcity' in site 'ed'");
  const ConfigErrors all({e, ConfigError{"b.yaml", 1, 2, "x"}});
  CHECK(std::string(all.what()) ==
        "model.yaml:12:5: error: unknown key 'capcity' in site 'ed'\nb.yaml:1:2: error: x");
  CHECK(all.errors().size() == 2);
}

TEST_CASE("YAML syntax errors carry the yaml-cpp message and position", "[pathways][loader]") {
  CHECK(errors_of("syntax.yaml") ==
        kBad + "syntax.yaml:12:12: error: end of sequence flow not found");
}

TEST_CASE("unknown keys suggest the nearest valid key", "[pathways][loader]") {
  CHECK(errors_of("unknown_key.yaml") ==
        kBad +
            "unknown_key.yaml:11:5: error: unknown key 'capcity' in site 'ed' (did you mean "
            "'capacity'?)");
  // No hint when nothing is close.
  CHECK(errors_of_text("model: {name: x, colour: red}\n")
            .find("inline.yaml:1:18: error: unknown key 'colour' in 'model'") != std::string::npos);
}

TEST_CASE("unknown site references suggest the nearest site", "[pathways][loader]") {
  CHECK(errors_of("unknown_site.yaml") ==
        kBad +
            "unknown_site.yaml:14:14: error: unknown site 'hme' in route rule 1 of site 'ed' "
            "(did you mean 'home'?)");
}

TEST_CASE("a duration without a unit", "[pathways][loader]") {
  CHECK(errors_of("missing_unit.yaml") ==
        kBad +
            "missing_unit.yaml:12:35: error: \"90\": a duration needs a unit (min, h, d or w), "
            "e.g. 90min");
}

TEST_CASE("a unit of the wrong kind", "[pathways][loader]") {
  CHECK(errors_of("wrong_unit.yaml") ==
        kBad +
            "wrong_unit.yaml:7:29: error: \"20min\": expected a rate (/year, /week, /day or "
            "/hour), not a duration\n" +
            kBad +
            "wrong_unit.yaml:12:35: error: \"2/day\": expected a duration (min, h, d or w), "
            "not a rate");
}

TEST_CASE("route probabilities must sum to 1, in every year", "[pathways][loader]") {
  CHECK(errors_of("route_sum.yaml") ==
        kBad +
            "route_sum.yaml:15:9: error: probabilities of route rule 1 of site 'ed' sum to 0.9, "
            "not 1\n" +
            kBad +
            "route_sum.yaml:16:9: error: probabilities of route rule 2 of site 'ed' sum to "
            "1.1 in year 2 (2015/16), not 1");
}

TEST_CASE("cohort shares must sum to 1", "[pathways][loader]") {
  CHECK(errors_of("shares.yaml") ==
        kBad +
            "shares.yaml:7:40: error: cohort shares of arrival stream 'walk_in' sum to 0.9, not 1");
}

TEST_CASE("by_year lists need one value per year", "[pathways][loader]") {
  CHECK(errors_of("by_year_length.yaml") ==
        kBad +
            "by_year_length.yaml:11:25: error: by_year of capacity of site 'ed' has 3 values; "
            "horizon.years is 2");
  // The length is checked against the file's horizon, whatever the (shortening) override.
  CHECK(errors_of("by_year_length.yaml", years_only(1)) == errors_of("by_year_length.yaml"));
}

TEST_CASE("every cohort must be matched by a route rule", "[pathways][loader]") {
  CHECK(errors_of("unmatched_cohort.yaml") ==
        kBad +
            "unmatched_cohort.yaml:13:5: error: no route rule of site 'ed' matches cohort "
            "'frail' (add a rule without 'when' to catch every patient)");
}

TEST_CASE("roster shifts must not overlap", "[pathways][loader]") {
  CHECK(errors_of("overlapping_shifts.yaml") ==
        kBad +
            "overlapping_shifts.yaml:14:9: error: shift 2 overlaps shift 1 of the roster in "
            "site 'ed' on fri 18:00-18:30");
}

TEST_CASE("invalid distribution parameters", "[pathways][loader]") {
  CHECK(errors_of("bad_distribution.yaml") ==
        kBad +
            "bad_distribution.yaml:12:22: error: invalid service of site 'ed': gamma: cv must "
            "be > 0 (got -0.5)");
}

TEST_CASE("missing required keys name the key and the item", "[pathways][loader]") {
  CHECK(errors_of("missing_key.yaml") ==
        kBad + "missing_key.yaml:9:3: error: missing required key 'service' in site 'ed'");
}

TEST_CASE("an error in a lever is reported in the lever file", "[pathways][loader]") {
  CHECK(errors_of("overlay_error.yaml") ==
        kBad +
            "levers/bad-lever.yaml:5:25: error: by_year of capacity of site 'acute_ward' has 2 "
            "values; horizon.years is 3\n" +
            kBad +
            "levers/bad-lever.yaml:6:5: error: unknown key 'servce_scale' in site "
            "'acute_ward' (did you mean 'service_scale'?)");
}

TEST_CASE("all errors of a file are reported at once", "[pathways][loader]") {
  const std::string f = kBad + "several.yaml:";
  CHECK(errors_of("several.yaml") ==
        f +
            "7:29: error: \"1000\": a rate needs a unit (/year, /week, /day or /hour), e.g. "
            "1000/year\n" +
            f +
            "7:57: error: unknown cohort 'frial' in arrival stream 'walk_in' (did you mean "
            "'frail'?)\n" +
            f + "10:11: error: unknown kind 'servce' in site 'ed' (did you mean 'service'?)\n" + f +
            "14:15: error: \"-2\": capacity must be a whole number >= 0 or unlimited\n" + f +
            "15:26: error: missing required key 'sd' in lognormal of service of site 'ward'\n" + f +
            "16:12: error: unknown queue 'lifo' in site 'ward' (did you mean 'fifo'?)\n" + f +
            "18:20: error: a route probability must be between 0 and 1 (got 1.5)\n" + f +
            "19:22: error: key 'routes' does not apply to exit site 'home' (patients leave "
            "the system at an exit site)\n" +
            f + "21:39: error: unknown site 'wrd' in KPI 'admissions' (did you mean 'ward'?)\n" +
            f +
            "22:23: error: unknown KPI 'admisions' in KPI 'ratio_bad' (did you mean "
            "'admissions'?)");
}

TEST_CASE("a lever cannot be loaded alone", "[pathways][loader]") {
  CHECK(errors_of("lever_alone.yaml") ==
        kBad +
            "lever_alone.yaml:1:1: error: this is a lever file (it has 'overlay:'); a lever "
            "cannot be loaded alone: list it in a scenario's 'overlays:'");
}

TEST_CASE("scenario blocks are checked and missing files reported where named",
          "[pathways][loader]") {
  CHECK(errors_of("bad_extends.yaml") ==
        kBad +
            "bad_extends.yaml:3:12: error: cannot read the extended file 'no-such-model.yaml' (" +
            kBad + "no-such-model.yaml): no such file\n" + kBad +
            "bad_extends.yaml:4:3: error: unknown key 'overlay' in 'scenario' (did you mean "
            "'overlays'?)");
  CHECK(std::string(ConfigErrors({}).what()).empty());
  try {
    load_model(kBad + "no-such-file.yaml");
    FAIL("loaded a missing file");
  } catch (const ConfigErrors& e) {
    CHECK(std::string(e.what()) ==
          kBad + "no-such-file.yaml:1:1: error: cannot read the file: no such file");
  }
}

TEST_CASE("a ratio of a profile KPI is an error, not NaN", "[pathways][loader]") {
  const std::string text =
      "model: {name: x, population: 1000}\n"
      "horizon: {start: 2014-04-01, years: 1}\n"
      "cohorts: {all: {}}\n"
      "arrivals: {w: {to: ed, volume: 5/day}}\n"
      "sites:\n"
      "  ed: {kind: service, capacity: 1, service: 1h, routes: [{to: {out: 1}}]}\n"
      "  out: {kind: exit}\n"
      "kpis:\n"
      "  arrivals: {sum: arrivals, sites: [ed]}\n"
      "  by_hour: {profile: arrivals, by: hour_of_day, sites: [ed]}\n"
      "  share: {ratio: [by_hour, arrivals]}\n"
      "  rate: {per_100k: by_hour}\n";
  CHECK(errors_of_text(text) ==
        "inline.yaml:11:3: error: KPI 'share' refers to 'by_hour', a profile (one value per hour "
        "or weekday), not a single number\n"
        "inline.yaml:12:3: error: KPI 'rate' refers to 'by_hour', a profile (one value per hour "
        "or weekday), not a single number");
}

TEST_CASE("more reference and value errors", "[pathways][loader]") {
  const std::string head =
      "model: {name: x}\n"
      "horizon: {start: 2014-04-01, years: 2}\n"
      "cohorts: {adult: {attributes: {frail: 'no'}}, frail75: {attributes: {frail: 'yes'}}}\n";
  SECTION("unknown cohort, profile and attribute value suggest the nearest name") {
    const std::string text = head +
                             "profiles: {ed: {}}\n"
                             "arrivals:\n"
                             "  w: {to: ed, volume: 5/day, profile: e, cohorts: {adult: 1}}\n"
                             "sites:\n"
                             "  ed:\n"
                             "    kind: triage\n"
                             "    routes:\n"
                             "      - when: {cohort: frail57, frail: yess}\n"
                             "        to: {out: 1}\n"
                             "      - to: {out: 1}\n"
                             "  out: {kind: exit}\n";
    CHECK(
        errors_of_text(text) ==
        "inline.yaml:6:39: error: unknown profile 'e' in arrival stream 'w' (did you mean "
        "'ed'?)\n"
        "inline.yaml:11:24: error: unknown cohort 'frail57' in route rule 1 of site 'ed' (did you "
        "mean 'frail75'?)\n"
        "inline.yaml:11:40: error: no cohort has frail: 'yess' (in when in route rule 1 of site "
        "'ed') (did you mean 'yes'?)");
  }
  SECTION("probabilities outside [0, 1] and wrong kinds of keys") {
    const std::string text = head +
                             "arrivals:\n"
                             "  w: {to: t, volume: 5/day, cohorts: {adult: 1.2, frail75: -0.2}}\n"
                             "sites:\n"
                             "  t:\n"
                             "    kind: triage\n"
                             "    capacity: 3\n"
                             "    routes: [{to: {out: 1}}]\n"
                             "  out: {kind: exit}\n";
    CHECK(errors_of_text(text) ==
          "inline.yaml:5:46: error: a cohort share must be between 0 and 1 (got 1.2)\n"
          "inline.yaml:5:60: error: a cohort share must be between 0 and 1 (got -0.2)\n"
          "inline.yaml:9:5: error: key 'capacity' does not apply to triage site 't' (a triage site "
          "routes patients instantly, with no capacity or service)");
  }
}

TEST_CASE("hostile YAML: self-referential aliases, billion laughs, second documents",
          "[pathways][loader]") {
  CHECK(errors_of("self_alias.yaml") ==
        kBad +
            "self_alias.yaml:4:10: error: an alias refers to the anchor it is inside of (a "
            "self-referential value)");
  CHECK(errors_of("billion_laughs.yaml") ==
        kBad +
            "billion_laughs.yaml:8:8: error: the document expands to more than 1000000 values "
            "(through aliases or sheer size); a model is far smaller");
  CHECK(errors_of("two_documents.yaml") ==
        kBad +
            "two_documents.yaml:3:1: error: a second YAML document (after '---'): a file holds "
            "one model, scenario or lever");
  // Aliases that expand modestly are fine.
  CHECK(errors_of_text("x: &a {name: m}\nmodel: *a\n").find("anchor") == std::string::npos);
}

TEST_CASE("devices, folders and huge files are refused before reading", "[pathways][loader]") {
  for (const char* path : {"/dev/zero", "/dev/null"}) {
    try {
      load_model(path);
      FAIL("loaded " << path);
    } catch (const ConfigErrors& e) {
      CHECK(std::string(e.what()) ==
            std::string(path) + ":1:1: error: cannot read the file: it is not a regular file");
    }
  }
  CHECK(errors_of_text("scenario: {extends: /dev/zero}\n") ==
        "inline.yaml:1:21: error: cannot read the extended file '/dev/zero' (/dev/zero): it is "
        "not a regular file");
  try {
    load_model(kBad);
    FAIL("loaded a folder");
  } catch (const ConfigErrors& e) {
    CHECK(std::string(e.what()) == kBad + ":1:1: error: cannot read the file: it is a directory");
  }
}

TEST_CASE("hostile values: absurd magnitudes, wrapping integers, impossible censuses, names",
          "[pathways][loader]") {
  // Each file is tests/data/bad/hostile_base.yaml (valid) with one value made hostile.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hostile_census.yaml",
       "15:25: error: initial of site 'clinic' has 500 occupied places, more than its capacity (4) "
       "in year 1"},
      {"hostile_census_unl.yaml",
       "15:25: error: occupied of initial of site 'clinic' must be a whole number of places"},
      {"hostile_empty_name.yaml", "18:3: error: a name in 'sites' cannot be empty"},
      {"hostile_erlang.yaml",
       "14:27: error: k of erlang of service of site 'clinic' must be at most 1000 (got "
       "1000000000); use a fixed time for a near-constant one"},
      {"hostile_growth.yaml",
       "8:52: error: \"100000%/year\": a growth rate cannot exceed 100%/year"},
      {"hostile_kpi_year.yaml",
       "10:3: error: a KPI cannot be named 'year' (a column of the KPI table)"},
      {"hostile_normal.yaml",
       "14:23: error: service of site 'clinic': 36.9% of this normal lies below zero (times would "
       "be clamped to 0); add truncate: {min: 0min} or use a lognormal or gamma"},
      {"hostile_prio.yaml",
       "6:21: error: priority of cohort 'adult' must be at most 1000 (got 9223372036854775807)"},
      {"scenario_names/dots.yaml",
       "1:18: error: scenario name '..' cannot be empty, '.', '..' or contain '/', '\\' or control "
       "characters (it names the result parts)"},
      {"scenario_names/slash.yaml",
       "1:18: error: scenario name 'a/b' cannot be empty, '.', '..' or contain '/', '\\' or "
       "control characters (it names the result parts)"},
      {"hostile_trunc.yaml",
       "14:50: error: truncate of service of site 'clinic' keeps (nearly) no probability mass: "
       "none of 10000 samples fall within its bounds"},
      {"hostile_utf8.yaml",
       "13:12: error: not UTF-8 text (byte 0xFF at offset 2); save the file as UTF-8"},
      {"hostile_vol_hour.yaml",
       "8:33: error: \"1e308/hour\": a rate cannot exceed 1e9/year (a billion events a year)"},
      {"hostile_vol_huge.yaml",
       "8:33: error: \"1e308/year\": a rate cannot exceed 1e9/year (a billion events a year)"},
      {"hostile_warmup.yaml", "4:15: error: \"100000w\": a duration cannot exceed 100 years"},
      {"hostile_weibull.yaml",
       "14:32: error: shape of weibull of service of site 'clinic' must be at least 0.1 (got "
       "0.001): its samples would overflow"},
      {"hostile_year0.yaml", "3:18: error: \"0000-04-01\": a year before 1900 is not supported"},
      {"hostile_year9999.yaml", "3:18: error: the horizon ends after the year 9999"},
  };
  CHECK(errors_of("hostile_base.yaml") == "(loaded without error)");
  for (const auto& [file, message] : cases) {
    INFO(file);
    CHECK(errors_of(file) == kBad + file + ":" + message);
  }
}

TEST_CASE("CSV tables: negative durations and devices are refused, naming file and line",
          "[pathways][loader]") {
  CHECK(errors_of("hostile_csv_negative.yaml") ==
        kBad + "hostile_csv_negative.yaml:14:20: error: invalid service of site 'clinic': " + kBad +
            "negative_los.csv:3: a duration cannot be negative (got -1)");
  CHECK(errors_of("hostile_csv_device.yaml") ==
        kBad +
            "hostile_csv_device.yaml:14:20: error: invalid service of site 'clinic': /dev/zero: "
            "not a regular file");
}

TEST_CASE("a run loads with every check validate applies, before any replication",
          "[pathways][loader]") {
  try {
    load_valid_model(kBad + "zero_capacity.yaml");
    FAIL("loaded a model whose only site has capacity 0");
  } catch (const ConfigErrors& e) {
    CHECK(std::string(e.what()) ==
          kBad +
              "zero_capacity.yaml:10:3: error: no zero-capacity site without overflow: capacity "
              "0 and no overflow (patients are lost): 'clinic' in year 1 (2014/15)\n" +
              kBad +
              "zero_capacity.yaml:10:3: error: some site has capacity: every site has capacity 0 "
              "in every year: nobody can be served");
  }
  try {
    load_valid_models(scenario_files(kBad + "same_part"));
    FAIL("loaded two scenarios with the same result name");
  } catch (const ConfigErrors& e) {
    CHECK(std::string(e.what()) ==
          kBad +
              "same_part/second.yaml:1:18: error: scenario 'a_b' has the same result name ('a_b') "
              "as the scenario of " +
              kBad + "same_part/first.yaml; give each scenario a distinct name");
  }
  try {
    load_valid_model(kBad + "all_closed.yaml");
    FAIL("loaded a model where every site is closed");
  } catch (const ConfigErrors& e) {
    CHECK(std::string(e.what()) == kBad +
                                       "all_closed.yaml:9:3: error: some site has capacity: every "
                                       "site has capacity 0 in every year: nobody can be served");
  }
  CHECK(load_valid_models({kBad + "hostile_base.yaml"}).front().scenario == "B");
}
