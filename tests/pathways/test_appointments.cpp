// Same-day appointment books: a day's appointments released in tranches; a request that finds
// none left goes on to the site's overflow at once. Checked against exact counts.
#include <carepath/engine/isolate.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <string>

#include "test_helpers.hpp"

using namespace carepath;
using namespace carepath::pathways;
using namespace carepath::pathways::testing;

namespace {

std::string model(const std::string& per_day) {
  return R"(
model: {name: book}
horizon: {start: 2014-04-01, years: 2}
cohorts: {p: {}}
arrivals:
  A: {to: gp, volume: 20/day}
sites:
  gp:
    kind: service
    capacity: 2
    service: {fixed: 10min}
    appointments: {per_day: )" +
         per_day + R"(, release: ["00:00", "12:00"]}
    overflow: elsewhere
    routes: [{to: {home: 1}}]
  elsewhere: {kind: exit}
  home: {kind: exit}
)";
}

using Counts = std::array<double, 5>;  // offered, booked, unmet, arrivals at gp, at elsewhere

Counts run(const std::string& per_day, int year) {
  const ModelSpec m = load_model_from_string(model(per_day), "book.yaml");
  return engine::run_isolated<Counts>([&]() {
    const ReplicationResult r = run_replication(m, 17, 0);
    return Counts{kpi_value(r, "site.gp.appointments_offered", year),
                  kpi_value(r, "site.gp.appointments_booked", year),
                  kpi_value(r, "site.gp.unmet_requests", year),
                  kpi_value(r, "site.gp.arrivals", year),
                  kpi_value(r, "site.elsewhere.arrivals", year)};
  });
}

}  // namespace

TEST_CASE("an appointment book offers per_day a day and the rest of the requests go on",
          "[pathways][kpi]") {
  for (int year = 0; year < 2; ++year) {
    INFO("year " << year);
    const Counts c = run("{by_year: [5, 7]}", year);
    const double days = year == 0 ? 365 : 366;
    CHECK(c[0] == (year == 0 ? 5 : 7) * days);  // 1,825 and 2,562 offered
    CHECK(c[1] == c[3]);                        // every admitted request had an appointment
    CHECK(c[2] == c[4]);                        // every other request went on
    CHECK(c[1] <= c[0]);
    // 20 requests a day against 5 or 7: nearly every appointment is taken.
    CHECK(c[1] > 0.99 * c[0]);
    CHECK(c[1] + c[2] == Approx(20 * days).margin(5 * std::sqrt(20 * days)));
  }
}

TEST_CASE("more appointments a day leave fewer requests unmet, request by request",
          "[pathways][kpi]") {
  // The same arrival times (common random numbers): a bigger book can only meet more requests.
  const Counts small = run("5", 0);
  const Counts large = run("10", 0);
  CHECK(small[1] + small[2] == large[1] + large[2]);  // the same requests
  CHECK(large[2] < small[2]);
  CHECK(large[1] > small[1]);
}

TEST_CASE("an appointment book needs an overflow and a site with capacity", "[pathways][loader]") {
  const std::string text =
      "model: {name: x}\n"
      "horizon: {start: 2014-04-01, years: 1}\n"
      "cohorts: {p: {}}\n"
      "arrivals: {A: {to: gp, volume: 5/day}}\n"
      "sites:\n"
      "  gp: {kind: service, capacity: 1, service: 5min, appointments: {per_day: 3, release: "
      "[\"13:00\", \"08:00\"]}, routes: [{to: {out: 1}}]}\n"
      "  out: {kind: exit}\n";
  try {
    load_model_from_string(text, "book.yaml");
    FAIL("loaded without error");
  } catch (const ConfigErrors& e) {
    CHECK(std::string(e.what()) ==
          "book.yaml:6:51: error: appointments of site 'gp' need an 'overflow': where requests go "
          "when the day's appointments are gone\n"
          "book.yaml:6:87: error: release times of appointments of site 'gp' must be in order, "
          "each once");
  }
}
