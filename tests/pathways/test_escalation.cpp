// Escalation policies: the decision rule on its own, then the runtime (extra places, their
// bed-days and cost, diversion), each against exact values or a binomial interval.
#include <carepath/engine/isolate.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "../../pathways/src/escalation.hpp"

#include "test_helpers.hpp"

using namespace carepath;
using namespace carepath::pathways;
using namespace carepath::pathways::testing;
using Change = detail::EscalationState::Change;

namespace {

constexpr double kH = 60.0;

}  // namespace

TEST_CASE("an escalation opens after sustained pressure and a delay, and closes after calm",
          "[pathways][escalation]") {
  EscalationSpec spec;
  spec.sustain = 4 * kH;
  spec.delay = 2 * kH;
  spec.settle = 3 * kH;
  detail::EscalationState s(spec);
  // Pressure (10 >= 8) from hour 1; a dip at hour 3 restarts the clock.
  CHECK(s.check(1 * kH, 10, 8, 5) == Change::none);
  CHECK(s.check(2 * kH, 10, 8, 5) == Change::none);
  CHECK(s.check(3 * kH, 7, 8, 5) == Change::none);  // below: disarmed
  CHECK(s.check(4 * kH, 9, 8, 5) == Change::none);  // arming since hour 4
  CHECK(s.check(7 * kH, 9, 8, 5) == Change::none);  // 3 h < 4 h
  CHECK(s.check(8 * kH, 9, 8, 5) == Change::none);  // 4 h: decided, opens at hour 10
  CHECK_FALSE(s.is_open());
  CHECK(s.check(9 * kH, 0, 8, 5) == Change::none);  // the decision stands when pressure eases
  CHECK(s.check(10 * kH, 0, 8, 5) == Change::open);
  CHECK(s.is_open());
  // Open: below 5 from hour 10 (settling); back to 6 at hour 11 keeps it open.
  CHECK(s.check(11 * kH, 6, 8, 5) == Change::none);
  CHECK(s.check(12 * kH, 4, 8, 5) == Change::none);  // settling since hour 12
  CHECK(s.check(14 * kH, 4, 8, 5) == Change::none);  // 2 h < 3 h
  CHECK(s.is_open());
  CHECK(s.check(15 * kH, 4, 8, 5) == Change::close);
  CHECK_FALSE(s.is_open());
  // No sustain or delay: opens at the first check at the threshold.
  EscalationSpec now_spec;
  detail::EscalationState t(now_spec);
  CHECK(t.check(1, 8, 8, 5) == Change::open);
  CHECK(t.check(2, 4.9, 8, 5) == Change::close);
}

TEST_CASE("escalation places: opening time, bed-days, cost and staffed hours are exact",
          "[pathways][escalation]") {
  // Four beds filled within minutes (100 arrivals an hour, stays of 36,500 days, the rest turned
  // away): occupancy 4 = 100% >= 90% at every hourly check from hour 1. Sustained 4 h at hour 5,
  // opened 2 h later at hour 7: 2 extra places for the rest of 2014/15 (8,760 h), never closed.
  const ModelSpec m = load_model_from_string(R"(
model: {name: esc}
horizon: {start: 2014-04-01, years: 1}
cohorts: {p: {}}
arrivals:
  A: {to: beds, volume: 100/hour}
sites:
  beds:
    kind: beds
    capacity: 4
    queue_limit: 0
    overflow: away
    service: {fixed: 36500d}
    cost: {per_staffed_hour: 10}
    routes: [{to: {away: 1}}]
  away: {kind: exit}
escalation:
  extra_beds:
    watch: {site: beds, measure: occupancy}
    open: {at_least: 90%, for: 4h, after: 2h}
    close: {below: 50%, for: 1d}
    add: {places: 2}
    cost: {per_bed_day: 240}
    check_every: 1h
kpis:
  escalated: {sum: escalation_bed_days, sites: all}
)",
                                             "esc.yaml");
  struct Out {
    double episodes, hours, bed_days, cost, site_days, staffed, staff_cost, occupancy, total;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult r = run_replication(m, 5, 0);
    return Out{kpi_value(r, "escalation.extra_beds.episodes"),
               kpi_value(r, "escalation.extra_beds.open_hours"),
               kpi_value(r, "escalation.extra_beds.bed_days"),
               kpi_value(r, "escalation.extra_beds.cost"),
               kpi_value(r, "site.beds.escalation_bed_days"),
               kpi_value(r, "site.beds.staffed_hours"),
               kpi_value(r, "site.beds.cost_staff"),
               kpi_value(r, "site.beds.bed_days"),
               kpi_value(r, "escalated")};
  });
  const double open_hours = 8760 - 7;
  CHECK(o.episodes == 1);
  CHECK(o.hours == Approx(open_hours).epsilon(1e-12));
  CHECK(o.bed_days == Approx(2 * open_hours / 24).epsilon(1e-12));
  CHECK(o.cost == Approx(240 * 2 * open_hours / 24).epsilon(1e-12));
  CHECK(o.site_days == Approx(o.bed_days).epsilon(1e-12));
  CHECK(o.total == Approx(o.bed_days).epsilon(1e-12));
  CHECK(o.staffed == Approx(4 * 8760.0).epsilon(1e-12));  // own beds only
  CHECK(o.staff_cost == Approx(10 * 4 * 8760.0 + o.cost).epsilon(1e-12));
  // The extra places were used: occupied bed-days ~ 4 x 365 + 2 x 364.7 (filled within minutes).
  CHECK(o.occupancy > 4 * 365 + 2 * open_hours / 24 - 0.1);
  CHECK(o.occupancy <= 4 * 365 + 2 * open_hours / 24);
}

TEST_CASE("diversion sends the stated share elsewhere while the escalation is open",
          "[pathways][escalation]") {
  // The ED (1 place, stays of 36,500 d) is full at once, so the policy opens at the first check
  // and never closes; from then on half of the conveyed patients are diverted.
  const ModelSpec m = load_model_from_string(R"(
model: {name: divert}
horizon: {start: 2014-04-01, years: 1}
cohorts: {p: {}}
arrivals:
  A: {to: conveyance, volume: 20/day}
sites:
  conveyance:
    kind: delay
    service: {fixed: 30min}
    routes: [{to: {ed: 1}}]
  ed:
    kind: service
    capacity: 1
    service: {fixed: 36500d}
    routes: [{to: {home: 1}}]
  neighbour: {kind: exit}
  home: {kind: exit}
escalation:
  divert:
    watch: {site: ed, measure: present}
    open: {at_least: 1}
    close: {below: 1}
    divert: {from: [conveyance], share: 0.5, to: neighbour}
)",
                                             "divert.yaml");
  const auto v = engine::run_isolated<std::array<double, 3>>([&]() {
    const ReplicationResult r = run_replication(m, 11, 0);
    return std::array<double, 3>{kpi_value(r, "escalation.divert.diverted"),
                                 kpi_value(r, "site.ed.arrivals"),
                                 kpi_value(r, "site.neighbour.arrivals")};
  });
  const double n = v[0] + v[1];
  REQUIRE(n > 6000);
  CHECK(v[0] == v[2]);
  // 99.9% binomial interval for the diverted share (normal approximation, n ~ 7,300).
  const double half = 3.29 * std::sqrt(0.25 / n);
  CHECK(std::fabs(v[0] / n - 0.5) < half);
  CHECK(std::fabs(v[0] / n - 0.55) > half);  // a 10% error would be caught
}

TEST_CASE("escalation policies are checked with locations", "[pathways][loader]") {
  const std::string head =
      "model: {name: x}\n"
      "horizon: {start: 2014-04-01, years: 1}\n"
      "cohorts: {p: {}}\n"
      "arrivals: {A: {to: ed, volume: 5/day}}\n"
      "sites:\n"
      "  ed: {kind: service, capacity: 2, service: 1h, routes: [{to: {out: 1}}]}\n"
      "  out: {kind: exit}\n"
      "escalation:\n";
  CHECK(load_errors(head + "  p1:\n"
                           "    watch: {site: eds, measure: queue}\n"
                           "    open: {at_least: 95%, for: 4}\n"
                           "    close: {below: 2}\n"
                           "    add: {site: out, places: 2}\n",
                    "esc.yaml") ==
        "esc.yaml:10:19: error: unknown site 'eds' in watch in escalation policy 'p1' (did you "
        "mean 'ed'?)\n"
        "esc.yaml:11:22: error: a percentage threshold applies to occupancy or present, not to "
        "queue (in escalation policy 'p1')\n"
        "esc.yaml:11:32: error: \"4\": a duration needs a unit (min, h, d or w), e.g. 4min\n"
        "esc.yaml:13:5: error: add in escalation policy 'p1' names 'out', which has no finite "
        "capacity to add to");
  CHECK(load_errors(head + "  p2:\n"
                           "    watch: {site: ed, measure: queue}\n"
                           "    open: {at_least: 95%}\n"
                           "    close: {below: 2, for: 1h}\n"
                           "    addd: {places: 2}\n",
                    "esc.yaml") ==
        "esc.yaml:9:3: error: escalation policy 'p2' does nothing: give it 'add' or 'divert'\n"
        "esc.yaml:11:22: error: a percentage threshold applies to occupancy or present, not to "
        "queue (in escalation policy 'p2')\n"
        "esc.yaml:13:5: error: unknown key 'addd' in escalation policy 'p2' (did you mean "
        "'add'?)");
}
