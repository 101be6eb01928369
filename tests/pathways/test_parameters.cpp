// Parameters and "=expression" values: computed before the converter, so every check applies to
// the results; errors point at the expression.
#include <carepath/pathways/loader.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace carepath;
using namespace carepath::pathways;

namespace {

const std::string kModel = R"Y(model: {name: P}
horizon: {start: 2014-04-01, years: 2}
cohorts: {p: {}}
parameters:
  clinicians: {value: 4, unit: clinicians, min: 1, max: 20}
  visit: {value: 15min}
  days: {value: mon-fri}
  share_home: {value: 90%}
  volume: {value: 30/day}
arrivals:
  A: {to: clinic, volume: "=volume * 2"}
sites:
  clinic:
    kind: service
    capacity: "=clinicians"
    roster: [{days: "=days", from: "08:00", to: "18:00"}]
    overflow: out
    service: {exponential: {mean: "=visit * 2 + 0.5h"}}
    routes: [{to: {out: "=share_home", ward: "=1 - share_home"}}]
  ward: {kind: beds, capacity: {by_year: ["=round(clinicians * 2.5)", "=max(clinicians, 12)"]}, service: 2d, routes: [{to: {out: 1}}]}
  out: {kind: exit}
)Y";

std::string errors_of(const std::string& yaml, const LoadOptions& options = {}) {
  try {
    load_model_from_string(yaml, "p.yaml", options);
  } catch (const ConfigErrors& e) {
    return e.what();
  }
  return "(loaded without error)";
}

LoadOptions set(const std::string& s) {
  LoadOptions o;
  o.sets.push_back(s);
  return o;
}

}  // namespace

TEST_CASE("expressions compute values from parameters, with units", "[pathways][loader]") {
  const ModelSpec m = load_model_from_string(kModel, "p.yaml");
  const SiteSpec& clinic = m.sites[static_cast<std::size_t>(m.site_index("clinic"))];
  const SiteSpec& ward = m.sites[static_cast<std::size_t>(m.site_index("ward"))];
  CHECK(clinic.capacity.at(0) == 4);
  CHECK(clinic.service->mean() == Approx(60.0));  // 15min x 2 + 0.5h
  CHECK(clinic.roster.front().days == 0x1F);      // mon-fri
  CHECK(clinic.routes.front().to.front().p.at(0) == Approx(0.9));
  CHECK(clinic.routes.front().to.back().p.at(0) == Approx(0.1));
  CHECK(ward.capacity.at(0) == 10);                                       // round(4 x 2.5)
  CHECK(ward.capacity.at(1) == 12);                                       // max(4, 12)
  CHECK(m.arrivals.front().volume_per_year.at(0) == Approx(60.0 * 365));  // 60/day, 2014/15
  // A scenario value or --set replaces the value and keeps the declaration (its bounds).
  const ModelSpec six = load_model_from_string(kModel, "p.yaml", set("parameters.clinicians=6"));
  CHECK(six.sites[static_cast<std::size_t>(six.site_index("ward"))].capacity.at(0) == 15);
}

TEST_CASE("parameter and expression errors are located", "[pathways][loader]") {
  CHECK(errors_of(kModel, set("parameters.clinicians=30")) ==
        "--set parameters.clinicians=30: error: parameter 'clinicians' = 30 is above its max 20");
  CHECK(errors_of(kModel, set("parameters.clinicans=3")) ==
        "--set parameters.clinicans=3: error: unknown parameter 'clinicans' (did you mean "
        "'clinicians'?) (parameters are declared in the model with value:, unit:, description:)");
  std::string bad = kModel;
  bad.replace(bad.find("=visit * 2"), 10, "=visits * 2");
  bad.replace(bad.find("=1 - share_home"), 15, "=1 - visit");
  CHECK(errors_of(bad) ==
        "p.yaml:18:35: error: in \"=visits * 2 + 0.5h\": unknown parameter 'visits' (did you "
        "mean 'visit'?)\n"
        "p.yaml:19:46: error: in \"=1 - visit\": cannot add or subtract a number and a duration");
  // A value of another kind than the declaration's bounds (a duration for a count).
  CHECK(errors_of(kModel, set("parameters.clinicians=2h")) ==
        "--set parameters.clinicians=2h: error: parameter 'clinicians' = 2h is a duration, but its "
        "min (1) is a number\n"
        "p.yaml:20:71: error: in \"=max(clinicians, 12)\": max() of a duration and a number");
  // Without bounds, the converter's own check applies to the computed value, at the expression.
  std::string open = kModel;
  open.replace(open.find(", min: 1, max: 20"), 17, "");
  open.replace(open.find("\"=max(clinicians, 12)\""), 22, "12");
  CHECK(errors_of(open, set("parameters.clinicians=2h")) ==
        "p.yaml:15:15: error: \"120min\": capacity must be a whole number >= 0 or unlimited\n"
        "p.yaml:20:43: error: \"300min\": capacity must be a whole number >= 0 or unlimited");
}

TEST_CASE("a hostile expression is refused, not a stack overflow", "[pathways][loader]") {
  std::string deep = kModel;
  const std::string nested = std::string(5000, '(') + "1" + std::string(5000, ')');
  deep.replace(deep.find("\"=clinicians\""), 13, "\"=" + nested + "\"");
  CHECK(errors_of(deep).find("p.yaml:15:15: error: in \"=((((") == 0);
  CHECK(errors_of(deep).find("nested more than 100 deep") != std::string::npos);
}
