// Loops in the care graph: rework loops run (each visit counted), zero-time cycles are refused by
// validation and stopped at run time.
#include <carepath/engine/isolate.hpp>
#include <carepath/pathways/graph.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "model_builders.hpp"

using namespace carepath;
using namespace carepath::pathways;
using namespace carepath::pathways::testing;

namespace {

const std::string kBad = std::string(CAREPATH_SOURCE_DIR) + "/tests/data/bad/";

ModelSpec one_year() {
  ModelSpec m;
  m.name = "loops";
  m.population = 100000;
  m.horizon.years = 1;
  m.cohorts.push_back(CohortSpec{"all", {}, 3});
  return m;
}

const Check& check(const std::vector<Check>& checks, const std::string& name) {
  for (const Check& c : checks)
    if (c.name == name) return c;
  FAIL("no check " << name);
  return checks.front();
}

std::string errors_of(const std::string& file) {
  try {
    load_valid_model(kBad + file);
  } catch (const ConfigErrors& e) {
    return e.what();
  }
  return "(loaded without error)";
}

}  // namespace

TEST_CASE("a rework loop at a service site: the patient leaves and joins the line again",
          "[pathways][runtime]") {
  // 20% of patients go round once more: arrivals at the clinic are 1000 / 0.8 = 1250 a year.
  ModelSpec m = one_year();
  m.sites.push_back(site("clinic", SiteKind::service, 2, 1));
  m.sites.push_back(site("home", SiteKind::exit, kUnlimited, 1));
  m.sites[0].service = engine::Distribution::exponential(60);
  RouteRule r = to_one(1, 1);
  RouteTarget again = r.to.front();
  again.site = 0;
  again.p = Yearly<double>(0.2, 1);
  r.to.front().p = Yearly<double>(0.8, 1);
  r.to.push_back(again);
  m.sites[0].routes.push_back(r);
  m.arrivals.push_back(stream("walk_in", 0, 1000, 1));
  const auto checks = CareGraph(m).validate();
  INFO(validation_report(checks));
  CHECK_FALSE(has_failures(checks));
  struct Out {
    double arrivals, served;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult res = run_replication(m, 5, 0);
    double a = 0;
    double s = 0;
    for (std::size_t k = 0; k < res.kpis.size(); ++k) {
      if (res.kpis[k].name == "site.clinic.arrivals") a = res.value(0, k);
      if (res.kpis[k].name == "site.clinic.served") s = res.value(0, k);
    }
    return Out{a, s};
  });
  // Visits per patient are geometric (mean 1.25, variance 0.3125) on a Poisson(1000) stream:
  // the yearly visit count has variance 1000 * (0.3125 + 1.25^2) = 1875; 4 sd either side.
  CHECK(o.arrivals == Approx(1250).margin(4 * std::sqrt(1875.0)));
  CHECK(o.served == Approx(o.arrivals).margin(5));
}

TEST_CASE("zero-time cycles are refused by validation, with the first site's location",
          "[pathways][graph]") {
  CHECK(errors_of("triage_self_loop.yaml") ==
        kBad +
            "triage_self_loop.yaml:9:3: error: every site reaches an exit: no route leads to an "
            "exit from front\n" +
            kBad +
            "triage_self_loop.yaml:9:3: error: no zero-time cycle: triage routes without travel "
            "and overflows lead back to where they started (patients would circle at one "
            "instant): {front}\n" +
            kBad +
            "triage_self_loop.yaml:13:3: error: arrivals reach every site: no arrival stream "
            "reaches home");
  CHECK(errors_of("triage_pair.yaml") ==
        kBad +
            "triage_pair.yaml:9:3: error: no zero-time cycle: triage routes without travel and "
            "overflows lead back to where they started (patients would circle at one instant): "
            "{front, back}");
  CHECK(errors_of("overflow_pair.yaml") ==
        kBad +
            "overflow_pair.yaml:9:3: error: no zero-time cycle: triage routes without travel and "
            "overflows lead back to where they started (patients would circle at one instant): "
            "{ucc, wic}\n" +
            kBad +
            "overflow_pair.yaml:9:3: error: some site has capacity: every site has capacity 0 in "
            "every year: nobody can be served");
  // A triage loop with travel takes time: not a zero-time cycle.
  ModelSpec m = one_year();
  m.sites.push_back(site("front", SiteKind::triage, 0, 1));
  m.sites.push_back(site("home", SiteKind::exit, kUnlimited, 1));
  RouteRule r = to_one(1, 1);
  RouteTarget back = r.to.front();
  back.site = 0;
  back.p = Yearly<double>(0.5, 1);
  back.travel = engine::Distribution::fixed(30);
  r.to.front().p = Yearly<double>(0.5, 1);
  r.to.push_back(back);
  m.sites[0].routes.push_back(r);
  m.arrivals.push_back(stream("calls", 0, 100, 1));
  CHECK(check(CareGraph(m).validate(), "no zero-time cycle").ok);
}

TEST_CASE("zero-time cycles are judged year by year", "[pathways][graph]") {
  // front -> back runs in year 2 only; back -> front in year 1 only (a lever that reroutes):
  // no year has both, so no patient can circle. Then back -> front in both years: year 2 circles.
  const auto two_sites = [](std::vector<double> back_to_front) {
    ModelSpec m = one_year();
    m.horizon.years = 2;
    m.sites.push_back(site("front", SiteKind::triage, 0, 2));
    m.sites.push_back(site("back", SiteKind::triage, 0, 2));
    m.sites.push_back(site("home", SiteKind::exit, kUnlimited, 2));
    RouteRule f = to_one(2, 2);
    RouteTarget to_back = f.to.front();
    to_back.site = 1;
    to_back.p.values = {0, 0.5};
    f.to.front().p.values = {1, 0.5};
    f.to.push_back(to_back);
    m.sites[0].routes.push_back(f);
    RouteRule b = to_one(2, 2);
    RouteTarget to_front = b.to.front();
    to_front.site = 0;
    to_front.p.values = back_to_front;
    b.to.front().p.values = {1 - back_to_front[0], 1 - back_to_front[1]};
    b.to.push_back(to_front);
    m.sites[1].routes.push_back(b);
    m.arrivals.push_back(stream("calls", 0, 100, 2));
    return check(CareGraph(m).validate(), "no zero-time cycle");
  };
  CHECK(two_sites({0.5, 0}).ok);
  const Check both = two_sites({0.5, 0.5});
  CHECK_FALSE(both.ok);
  CHECK(both.detail.find("{front, back} (from 2015/16)") != std::string::npos);
}

TEST_CASE("a patient circling at one instant is stopped, naming site, patient and time",
          "[pathways][runtime]") {
  // Two triage sites sending everyone to each other (validate refuses this; run_replication is
  // given it directly).
  ModelSpec m = one_year();
  m.sites.push_back(site("front", SiteKind::triage, 0, 1));
  m.sites.push_back(site("back", SiteKind::triage, 0, 1));
  m.sites.push_back(site("home", SiteKind::exit, kUnlimited, 1));
  m.sites[0].routes.push_back(to_one(1, 1));
  m.sites[1].routes.push_back(to_one(0, 1));
  m.arrivals.push_back(stream("calls", 0, 100, 1));
  CHECK(check(CareGraph(m).validate(), "no zero-time cycle").detail.find("{front, back}") !=
        std::string::npos);
  std::string message;
  try {
    engine::run_isolated<int>([&]() {
      (void)run_replication(m, 1, 0);
      return 0;
    });
  } catch (const std::exception& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find("patient #") != std::string::npos);
  CHECK(message.find("at site 'front'") != std::string::npos);
  CHECK(message.find("more than 1000 moves at one instant (a zero-time routing cycle)") !=
        std::string::npos);
}

TEST_CASE("run-time errors name the site's position in the YAML", "[pathways][runtime]") {
  // load_model alone does not validate: the run-time guard is the last line of defence.
  const ModelSpec m = load_model(kBad + "triage_self_loop.yaml");
  std::string message;
  try {
    engine::run_isolated<int>([&]() {
      (void)run_replication(m, 1, 0);
      return 0;
    });
  } catch (const std::exception& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find("at site 'front' (" + kBad +
                     "triage_self_loop.yaml:9:3): more than 1000 "
                     "moves at one instant") != std::string::npos);
}
