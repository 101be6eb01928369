// The warm-up diagnostic on a hand-built model: a slow bed base and a fast clinic, from empty.
#include <carepath/pathways/warmup_diagnostic.hpp>

#include <catch2/catch.hpp>

#include "model_builders.hpp"

#include <stdexcept>
#include <string>

using namespace carepath;
using namespace carepath::pathways;
using namespace carepath::pathways::testing;

namespace {

// Two independent flows, each from empty:
//  * acute: 5 admissions a day, exponential LOS of mean 20 days, 1000 beds (never full): an
//    M/M/inf queue, so E[occupancy(t)] = 100 (1 - exp(-t/20)) and the stationary occupancy is
//    Poisson(100).
//  * clinic: 2 arrivals an hour, exponential service of mean 30 minutes, 10 servers: it settles
//    within hours (mean occupancy 1).
ModelSpec two_flows(int years) {
  ModelSpec m;
  m.name = "warmup-test";
  m.population = 100000;
  m.horizon.years = years;
  m.run.warmup = 90 * kDay;  // must be ignored: the diagnostic starts from empty
  m.cohorts.push_back(CohortSpec{"all", {}, 3});
  m.sites.push_back(site("acute", SiteKind::beds, 1000, years));
  m.sites.push_back(site("clinic", SiteKind::service, 10, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::exponential(20 * kDay);
  m.sites[1].service = engine::Distribution::exponential(30.0);
  m.sites[0].routes.push_back(to_one(2, years));
  m.sites[1].routes.push_back(to_one(2, years));
  m.arrivals.push_back(stream("admissions", 0, 5.0 * 365, years));
  m.arrivals.push_back(stream("walkin", 1, 2.0 * 24 * 365, years));
  return m;
}

}  // namespace

TEST_CASE("the warm-up diagnostic finds a slow bed base's transient", "[pathways][warmup]") {
  // 8 replications of two years from 1 April 2014 (731 daily means: 2015/16 is a leap year).
  // acute: the averaged daily occupancy has sd about sqrt(100 / 8) = 3.5 around its mean, and
  // its bias 100 exp(-t/20) is 37 (10 sds) at 20 days, so MSER cannot stop before 20 days. There
  // is no tight upper bound: MSER-5 also deletes slow random swings (correlation time 20 days),
  // and over 30 seeds it suggested 45-680 days (half of them over 90); `reliable` (at most half
  // the run) is the bound the method guarantees.
  // clinic: no transient beyond the first hours, far below one 5-day batch: the suggestion is 0.
  const ModelSpec m = two_flows(2);
  const WarmupReport r = diagnose_warmup(m, 8, 2, 11);
  INFO(r.text());
  REQUIRE(r.sites.size() == 2);  // the exit site is skipped
  CHECK(r.replications == 8);
  CHECK(r.days == 731);
  const WarmupSuggestion& acute = r.sites[0];
  const WarmupSuggestion& clinic = r.sites[1];
  CHECK(acute.site == "acute");
  CHECK(clinic.site == "clinic");
  CHECK(acute.reliable);
  CHECK(acute.suggested_days >= 20);
  CHECK(acute.suggested_days <= 365);
  CHECK(acute.transient_t < -kWarmupTransientCritical);  // the deleted days are emptier
  // Steady mean 100 beds; the mean of ~650 averaged days of a process with correlation time
  // 20 days has sd about sqrt(100 / 8 * 2 * 20 / 650) = 0.9; 4 sds.
  CHECK(acute.steady_mean == Approx(100.0).margin(3.6));
  CHECK(clinic.reliable);
  CHECK(clinic.suggested_days <= 1);
  CHECK(clinic.steady_mean == Approx(1.0).margin(0.05));
  CHECK(r.reliable);
  CHECK(r.suggested_days == acute.suggested_days);
  CHECK(r.text().find("Suggested warm-up: " + std::to_string(static_cast<int>(r.suggested_days)) +
                      " days") != std::string::npos);
}

TEST_CASE("the warm-up diagnostic reports idle and too-slow sites", "[pathways][warmup]") {
  // One year only, LOS 200 days: the bed base is still filling at the end (unreliable); the exit
  // site, asked for by name, is constant 0 and needs no warm-up.
  ModelSpec m = two_flows(1);
  m.sites[0].service = engine::Distribution::exponential(200 * kDay);
  const WarmupReport r = diagnose_warmup(m, 2, 2, 5, {"home", "acute"});
  INFO(r.text());
  REQUIRE(r.sites.size() == 2);
  CHECK(r.sites[0].site == "home");
  CHECK(r.sites[0].note == "constant");
  CHECK(r.sites[0].suggested_days == 0);
  CHECK(r.sites[0].reliable);
  CHECK(r.sites[1].site == "acute");
  CHECK_FALSE(r.sites[1].reliable);
  CHECK_FALSE(r.reliable);
  CHECK(r.suggested_days == 0);  // no reliable site needs one

  CHECK_THROWS_AS(diagnose_warmup(m, 2, 1, 5, {"nowhere"}), std::invalid_argument);
  CHECK_THROWS_AS(diagnose_warmup(m, 0, 1, 5), std::invalid_argument);
}

TEST_CASE("the warm-up diagnostic holds the first year's demand: growth is not a transient",
          "[pathways][warmup]") {
  // Admissions double in the second year. The diagnostic looks for the start-up transient of a
  // stationary run at the first year's demand (as the model's warm-up runs), so its report is
  // the same as for the model without growth; and a census start says so in the header.
  ModelSpec flat = two_flows(2);
  flat.sites[0].initial.occupied = 100;
  ModelSpec growing = flat;
  growing.arrivals[0].volume_per_year.values = {5.0 * 365, 10.0 * 365};
  const WarmupReport a = diagnose_warmup(flat, 4, 2, 11, {"acute"});
  const WarmupReport b = diagnose_warmup(growing, 4, 2, 11, {"acute"});
  INFO(b.text());
  REQUIRE(b.sites.size() == 1);
  CHECK(b.census);
  CHECK(b.text().find("from the model's initial census") != std::string::npos);
  CHECK(a.text() == b.text());
  CHECK(b.sites[0].steady_mean == Approx(100.0).margin(5.0));  // not the second year's 200
  CHECK(b.has_suggestion());
  CHECK(diagnose_warmup(two_flows(1), 1, 1, 5, {"clinic"}).text().find("from an empty start") !=
        std::string::npos);
}
