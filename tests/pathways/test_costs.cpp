// Costs: activity (per arrival), bed-days (per occupied day) and staff (per staffed hour), each
// checked against an exact value on a model whose staffed hours can be counted by hand.
#include <carepath/engine/isolate.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include "test_helpers.hpp"

using namespace carepath;
using namespace carepath::pathways;
using namespace carepath::pathways::testing;

namespace {

// A clinic with 3 clinicians (4 in the second year) on duty Monday to Friday 08:00-18:30, and 4
// beds open all the time. 2014/15 has 261 weekdays, 2015/16 (a leap year) 262.
const char* const kModel = R"(
model: {name: costs}
horizon: {start: 2014-04-01, years: 2}
cohorts: {p: {}}
arrivals:
  A: {to: clinic, volume: 20/day}
sites:
  clinic:
    kind: service
    capacity: {by_year: [3, 4]}
    roster:
      - {days: mon-fri, from: "08:00", to: "18:30"}
    service: {fixed: 10min}
    cost: {per_arrival: 5, per_staffed_hour: 60}
    routes: [{to: {beds: 0.1, out: 0.9}}]
  beds:
    kind: beds
    capacity: 4
    service: {exponential: {mean: 2d}}
    overflow: out
    cost: {per_day: 100, per_staffed_hour: 2}
    routes: [{to: {out: 1}}]
  out: {kind: exit}
kpis:
  staff: {sum: cost_staff, sites: all, unit: GBP}
  beds_cost: {sum: cost_beds, sites: all, unit: GBP}
  activity: {sum: cost_activity, sites: all, unit: GBP}
  total: {sum: cost, sites: all, unit: GBP}
  hours: {sum: staffed_hours, sites: [clinic]}
)";

constexpr std::size_t kN = 12;

}  // namespace

TEST_CASE("staff cost is the cost per staffed hour times the rostered server-hours",
          "[pathways][kpi]") {
  const ModelSpec m = load_model_from_string(kModel, "costs.yaml");
  const std::vector<std::string> names = {"site.clinic.staffed_hours",
                                          "site.beds.staffed_hours",
                                          "site.clinic.cost_staff",
                                          "site.beds.cost_staff",
                                          "site.clinic.arrivals",
                                          "site.clinic.cost_activity",
                                          "site.beds.bed_days",
                                          "site.beds.cost_beds",
                                          "site.clinic.cost",
                                          "site.beds.cost",
                                          "staff",
                                          "total"};
  REQUIRE(names.size() == kN);
  for (int year = 0; year < 2; ++year) {
    INFO("year " << year);
    const auto v = engine::run_isolated<std::array<double, kN>>([&]() {
      const ReplicationResult r = run_replication(m, 3, 0);
      std::array<double, kN> out{};
      for (std::size_t k = 0; k < kN; ++k) out[k] = kpi_value(r, names[k], year);
      return out;
    });
    const double weekdays = year == 0 ? 261 : 262;
    const double clinicians = year == 0 ? 3 : 4;
    const double days = year == 0 ? 365 : 366;
    CHECK(v[0] == Approx(weekdays * 10.5 * clinicians).epsilon(1e-12));  // 8,221.5 / 11,004
    CHECK(v[1] == Approx(days * 24 * 4).epsilon(1e-12));
    CHECK(v[2] == Approx(60 * v[0]).epsilon(1e-12));
    CHECK(v[3] == Approx(2 * v[1]).epsilon(1e-12));
    CHECK(v[4] > 0);
    CHECK(v[5] == Approx(5 * v[4]).epsilon(1e-12));
    CHECK(v[6] > 0);
    CHECK(v[7] == Approx(100 * v[6]).epsilon(1e-12));
    CHECK(v[8] == Approx(v[5] + v[2]).epsilon(1e-12));      // the clinic has no per_day cost
    CHECK(v[9] == Approx(v[7] + v[3] + 0).epsilon(1e-12));  // nor the beds a per_arrival one
    CHECK(v[10] == Approx(v[2] + v[3]).epsilon(1e-12));
    CHECK(v[11] == Approx(v[8] + v[9]).epsilon(1e-12));
  }
}

TEST_CASE("a staff cost needs a site with a finite capacity", "[pathways][loader]") {
  const std::string head =
      "model: {name: x}\n"
      "horizon: {start: 2014-04-01, years: 1}\n"
      "cohorts: {p: {}}\n"
      "arrivals: {A: {to: front, volume: 5/day}}\n"
      "sites:\n";
  CHECK(load_errors(head + "  front: {kind: triage, cost: {per_staffed_hour: 30}, routes: [{to: "
                           "{desk: 1}}]}\n"
                           "  desk: {kind: service, capacity: unlimited, service: 5min, cost: "
                           "{per_staffed_hour: 30}, routes: [{to: {out: 1}}]}\n"
                           "  out: {kind: exit}\n",
                    "costs.yaml") ==
        "costs.yaml:6:50: error: per_staffed_hour applies to sites with capacity, not to "
        "triage site 'front'\n"
        "costs.yaml:7:86: error: per_staffed_hour needs a finite capacity in every year (site "
        "'desk' has capacity: unlimited)");
  CHECK(load_errors(head + "  front: {kind: service, capacity: 1, service: 5min, cost: "
                           "{per_staffed_hour: -1, per_hour: 2}, routes: [{to: {out: 1}}]}\n"
                           "  out: {kind: exit}\n",
                    "costs.yaml") ==
        "costs.yaml:6:79: error: per_staffed_hour cost must be a number >= 0 (got -1)\n"
        "costs.yaml:6:83: error: unknown key 'per_hour' in cost of site 'front'");
}
