// The loader on warm starts, cohort-specific service, hold scaling and threshold KPIs.
#include <carepath/pathways/loader.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace carepath::pathways;

namespace {

const std::string kModel =
    "model: {name: Ext, population: 100000}\n"
    "horizon: {start: 2020-04-01, years: 2}\n"
    "cohorts:\n"
    "  adult: {}\n"
    "  frail: {}\n"
    "arrivals:\n"
    "  demand: {to: ward, volume: 1000/year, cohorts: {adult: 0.5, frail: 0.5}}\n"
    "sites:\n"
    "  ward:\n"
    "    kind: beds\n"
    "    capacity: 40\n"
    "    service: {exponential: {mean: 5d}}\n"
    "    service_by_cohort: {frail: {exponential: {mean: 10d}}}\n"
    "    hold_scale: {by_year: [1, 1.1]}\n"
    "    initial: {occupied: 30, waiting: 2, cohort: frail}\n"
    "    routes: [{to: {home: {p: 1, hold: {fixed: 1d}}}}]\n"
    "  home: {kind: exit}\n"
    "kpis:\n"
    "  long_stays: {count_over: 12h, sites: [ward]}\n"
    "  quick_starts: {share_within: 2h, of: wait, sites: [ward]}\n"
    "  frail_admissions: {sum: arrivals, sites: [ward], cohorts: [frail]}\n";

}  // namespace

TEST_CASE("warm start, cohort service, hold scale and threshold KPIs load", "[pathways][loader]") {
  const ModelSpec m = load_model_from_string(kModel, "ext.yaml");
  const SiteSpec& ward = m.sites[static_cast<std::size_t>(m.site_index("ward"))];
  CHECK(ward.queue_limit == 0);  // beds: no waiting room by default
  CHECK(ward.initial.occupied == 30);
  CHECK(ward.initial.waiting == 2);
  CHECK(ward.initial.cohort == m.cohort_index("frail"));
  REQUIRE(ward.service_by_cohort.size() == 1);
  CHECK(ward.service_by_cohort[0].first == m.cohort_index("frail"));
  CHECK(ward.service_by_cohort[0].second.mean() == Approx(10 * 1440.0));
  CHECK(ward.hold_scale.values == std::vector<double>{1.0, 1.1});
  REQUIRE(m.kpis.size() == 3);
  CHECK(m.kpis[2].cohorts == std::vector<int>{m.cohort_index("frail")});
  CHECK(m.kpis[0].form == KpiSpec::Form::count_over);
  CHECK(m.kpis[0].within == 720);
  CHECK(m.kpis[0].metric == "time_in_site");
  CHECK(m.kpis[1].form == KpiSpec::Form::share_within);
  CHECK(m.kpis[1].metric == "wait");
}

TEST_CASE("a cohort filter needs a count or a wait/time-in-site KPI", "[pathways][loader]") {
  std::string bad = kModel;
  bad.replace(bad.find("{sum: arrivals, sites: [ward], cohorts"), 14, "{sum: bed_days");
  try {
    (void)load_model_from_string(bad, "ext.yaml");
    FAIL("expected an error");
  } catch (const ConfigErrors& e) {
    CHECK(
        std::string(e.what()) ==
        "ext.yaml:21:52: error: 'cohorts' applies only to sum: arrivals, served or reneged and to "
        "mean, p95, share_within or count_over of wait or time_in_site (KPI "
        "'frail_admissions')");
  }
}

TEST_CASE("errors in the new keys are located and explained", "[pathways][loader]") {
  std::string bad = kModel;
  bad.replace(bad.find("cohort: frail}"), 14, "cohort: fril}");
  bad.replace(bad.find("{frail: {exponential"), 7, "{frial:");
  bad.replace(bad.find("of: wait"), 8, "of: queue");
  try {
    (void)load_model_from_string(bad, "ext.yaml");
    FAIL("expected errors");
  } catch (const ConfigErrors& e) {
    const std::string what = e.what();
    CHECK(what.find("ext.yaml:13:25: error: unknown cohort 'frial' in service_by_cohort of site "
                    "'ward' (did you mean 'frail'?)") != std::string::npos);
    CHECK(what.find("ext.yaml:15:49: error: unknown cohort 'fril' in initial of site 'ward' "
                    "(did you mean 'frail'?)") != std::string::npos);
    CHECK(what.find("ext.yaml:20:40: error: unknown 'of' value 'queue' in KPI 'quick_starts' (use "
                    "wait or time_in_site)") != std::string::npos);
    INFO(what);
    CHECK(e.errors().size() == 3);
  }
}
