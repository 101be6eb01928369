// The loader on good files: units, growth, yearly values, profiles, defaults, merging.
#include <carepath/pathways/loader.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace carepath::pathways;

namespace {

LoadOptions years_only(int years) {
  LoadOptions o;
  o.years = years;
  return o;
}

const std::string kData = std::string(CAREPATH_SOURCE_DIR) + "/tests/data";

const SiteSpec& site(const ModelSpec& m, const std::string& name) {
  const int i = m.site_index(name);
  REQUIRE(i >= 0);
  return m.sites[static_cast<std::size_t>(i)];
}

const KpiSpec& kpi(const ModelSpec& m, const std::string& name) {
  for (const KpiSpec& k : m.kpis)
    if (k.name == name) return k;
  FAIL("no KPI " << name);
  throw;  // not reached
}

/// A minimal valid model; `extra_sites` is appended under `sites:`.
std::string minimal(const std::string& ed_extra = "", const std::string& extra_sites = "") {
  return "model: {name: Tiny}\n"
         "horizon: {start: 2020-01-01, years: 2}\n"
         "cohorts:\n"
         "  everyone: {}\n"
         "arrivals:\n"
         "  walk_in: {to: ed, volume: 1000/year}\n"
         "sites:\n"
         "  ed:\n"
         "    kind: service\n"
         "    capacity: 4\n"
         "    service: {exponential: {mean: 10min}}\n"
         "    routes: [{to: {home: 1}}]\n" +
         ed_extra + "  home: {kind: exit}\n" + extra_sites;
}

}  // namespace

TEST_CASE("a model file loads with units converted", "[pathways][loader]") {
  const ModelSpec m = load_model(kData + "/model.yaml");
  CHECK(m.name == "Mini");
  CHECK(m.description == "A small teaching model");
  CHECK(m.scenario.empty());
  CHECK(m.population == 200000);
  CHECK(m.source_file == kData + "/model.yaml");
  CHECK(m.horizon.start_year == 2014);
  CHECK(m.horizon.start_month == 4);
  CHECK(m.horizon.start_day == 1);
  CHECK(m.horizon.years == 3);
  CHECK(m.horizon.year_label(0) == "2014/15");
  CHECK(m.horizon.year_label(1) == "2015/16");
  CHECK(m.run.replications == 5);
  CHECK(m.run.seed == 42);
  CHECK(m.run.warmup == 30 * kDay);

  REQUIRE(m.cohorts.size() == 2);
  CHECK(m.cohorts[0].name == "adult");
  CHECK(m.cohorts[0].priority == 3);  // default
  CHECK(m.cohorts[0].attributes.at("frail") == "no");
  CHECK(m.cohorts[1].priority == 2);
  CHECK(m.cohorts[1].attributes.at("age") == "75+");

  SECTION("profiles: day_of_week x hour_of_day; month_of_year") {
    REQUIRE(m.profiles.size() == 1);
    const ProfileSpec& p = m.profiles[0];
    CHECK(p.hour_of_week[0] == 1.0);    // Monday 00:00: 2 x 0.5
    CHECK(p.hour_of_week[23] == 6.0);   // Monday 23:00: 2 x 3
    CHECK(p.hour_of_week[24] == 0.5);   // Tuesday 00:00
    CHECK(p.hour_of_week[167] == 3.0);  // Sunday 23:00
    CHECK(p.month_of_year[0] == 1.1);
    CHECK(p.month_of_year[11] == 1.2);
  }
  SECTION("arrivals: growth compounds from year 1; yearly shares") {
    REQUIRE(m.arrivals.size() == 2);
    const ArrivalSpec& a = m.arrivals[0];
    CHECK(a.name == "ed_walk_in");
    CHECK(a.to == m.site_index("ed"));
    CHECK(a.profile == 0);
    REQUIRE(a.volume_per_year.values.size() == 3);
    CHECK(a.volume_per_year.values[0] == Approx(36500));
    CHECK(a.volume_per_year.values[1] == Approx(40150));
    CHECK(a.volume_per_year.values[2] == Approx(44165));
    CHECK(a.cohorts == std::vector<int>{0, 1});
    CHECK(a.shares[0].at(2) == 0.8);
    CHECK(a.where.file == kData + "/model.yaml");
    CHECK(a.where.line == 22);
    CHECK(a.where.column == 3);
    const ArrivalSpec& g = m.arrivals[1];
    CHECK(g.profile == -1);
    // 20/day is a rate: 2015/16 has 366 days (issue 8, D1).
    CHECK(g.volume_per_year.values == std::vector<double>{20 * 365.0, 20 * 366.0, 20 * 365.0});
    CHECK(g.shares[0].values == std::vector<double>{0.5, 0.6, 0.7});
    CHECK(g.shares[1].values == std::vector<double>{0.5, 0.4, 0.3});
  }
  SECTION("a service site") {
    const SiteSpec& ed = site(m, "ed");
    CHECK(ed.kind == SiteKind::service);
    CHECK(ed.label == "Emergency department");
    CHECK(ed.capacity.values == std::vector<int>(3, 12));
    CHECK(ed.queue == QueueOrder::priority);
    CHECK(ed.queue_limit == 30);
    CHECK(ed.on_close == ClosePolicy::finish);
    REQUIRE(ed.service);
    CHECK(ed.service->describe().find("lognormal") != std::string::npos);
    REQUIRE(ed.patience);
    CHECK(ed.patience->mean() == Approx(240));
    CHECK(ed.overflow == m.site_index("walk_in_centre"));
    CHECK(ed.renege_to == -1);
    CHECK(ed.cost.per_arrival == 124);
    CHECK(ed.service_scale.values == std::vector<double>(3, 1.0));
    REQUIRE(ed.routes.size() == 2);
    const RouteRule& r0 = ed.routes[0];
    CHECK(r0.when.cohorts == std::vector<int>{1});
    REQUIRE(r0.to.size() == 2);
    CHECK(r0.to[0].site == m.site_index("acute_ward"));
    CHECK(r0.to[0].p.values == std::vector<double>(3, 0.45));
    CHECK(r0.to[0].mode == EntryMode::block);
    REQUIRE(r0.to[0].hold);
    CHECK(r0.to[0].hold->mean() == Approx(120));
    CHECK(r0.to[1].mode == EntryMode::queue);
    const RouteRule& r1 = ed.routes[1];
    CHECK(r1.when.empty());
    CHECK(r1.to[0].p.values == std::vector<double>{0.2, 0.25, 0.3});
    REQUIRE(r1.to[1].travel);
    CHECK(r1.to[1].travel->mean() == Approx(30));
  }
  SECTION("triage, beds, csv, roster, mixture, exit") {
    const SiteSpec& tr = site(m, "assessment");
    CHECK(tr.kind == SiteKind::triage);
    CHECK(tr.capacity.values == std::vector<int>(3, kUnlimited));
    CHECK_FALSE(tr.service);
    REQUIRE(tr.routes[0].when.attributes.size() == 1);
    CHECK(tr.routes[0].when.attributes[0].first == "frail");
    CHECK(tr.routes[0].when.attributes[0].second == std::vector<std::string>{"yes"});

    const SiteSpec& ward = site(m, "acute_ward");
    CHECK(ward.capacity.values == std::vector<int>{40, 38, 36});
    CHECK(ward.service_scale.values == std::vector<double>{1, 0.95, 0.9});
    CHECK(ward.cost.per_day == 300);
    REQUIRE(ward.service);
    CHECK(ward.service->mean() < 0.95 * 5 * kDay);  // truncated at 10d

    const SiteSpec& cb = site(m, "community_beds");
    CHECK(cb.capacity.values == std::vector<int>(3, kUnlimited));
    REQUIRE(cb.service);
    CHECK(cb.service->mean() == Approx((1 * 0.5 + 2 * 0.3 + 7 * 0.2) * kDay));  // csv in days

    const SiteSpec& wic = site(m, "walk_in_centre");
    REQUIRE(wic.roster.size() == 2);
    CHECK(wic.roster[0].days == 0x1f);
    CHECK(wic.roster[0].from == 8 * kHour);
    CHECK(wic.roster[0].to == 20 * kHour);
    CHECK_FALSE(wic.roster[0].capacity);
    CHECK(wic.roster[1].days == 0x60);
    REQUIRE(wic.roster[1].capacity);
    CHECK(wic.roster[1].capacity->values == std::vector<int>(3, 1));
    CHECK(wic.service->mean() == Approx(0.7 * 15 + 0.3 * 30));

    CHECK(site(m, "home").kind == SiteKind::exit);
    CHECK(site(m, "home").routes.empty());
    CHECK(site(m, "died").label == "Died");
  }
  SECTION("KPIs") {
    REQUIRE(m.kpis.size() == 6);
    const KpiSpec& att = kpi(m, "ed_attendances");
    CHECK(att.form == KpiSpec::Form::sum);
    CHECK(att.metric == "arrivals");
    CHECK(att.sites == std::vector<int>{m.site_index("ed")});
    CHECK(att.unit == "attendances");
    CHECK(att.headline);
    const KpiSpec& four = kpi(m, "ed_4h_pct");
    CHECK(four.form == KpiSpec::Form::share_within);
    CHECK(four.within == 240);
    CHECK_FALSE(four.headline);
    const KpiSpec& conv = kpi(m, "conversion_pct");
    CHECK(conv.form == KpiSpec::Form::ratio);
    CHECK(conv.numerator == "admissions");
    CHECK(conv.denominator == "ed_attendances");
    CHECK(conv.scale == 100);
    const KpiSpec& per = kpi(m, "admissions_per_100k");
    CHECK(per.form == KpiSpec::Form::per_100k);
    CHECK(per.numerator == "admissions");
    const KpiSpec& cost = kpi(m, "total_cost");
    CHECK(cost.sites.size() == m.sites.size());
    CHECK(cost.description == "Total cost");
  }
}

TEST_CASE("a scenario extends its model, applies levers in order, then its own changes",
          "[pathways][loader]") {
  const ModelSpec m = load_model(kData + "/scenario.yaml");
  CHECK(m.scenario == "best");
  CHECK(m.name == "Mini");
  CHECK(m.source_file == kData + "/scenario.yaml");
  CHECK(m.run.replications == 3);  // scenario
  CHECK(m.run.seed == 42);         // model, merged key by key
  // The lever set ed to 13 and acute_ward to 50; the scenario's own 14 wins for ed.
  CHECK(site(m, "ed").capacity.values == std::vector<int>(3, 14));
  CHECK(site(m, "acute_ward").capacity.values == std::vector<int>(3, 50));
  // Removals with ~: a site, a nested key, a stream, a KPI.
  CHECK(m.site_index("walk_in_centre") == -1);
  CHECK(m.sites.size() == 6);
  CHECK(site(m, "ed").overflow == -1);
  CHECK(site(m, "ed").queue_limit == 30);  // untouched keys of a merged map stay
  REQUIRE(m.arrivals.size() == 1);
  CHECK(m.arrivals[0].name == "ed_walk_in");
  CHECK(m.kpis.size() == 5);
  // Positions: ed's capacity came from the scenario file, its site entry from the model.
  CHECK(site(m, "ed").where.file == kData + "/model.yaml");
  CHECK(m.resolved_yaml.find("scenario: {name: best, description: A test scenario}") == 0);
  CHECK(m.resolved_yaml.find("walk_in_centre") == std::string::npos);
  CHECK(m.resolved_yaml.find("capacity: 14") != std::string::npos);
}

TEST_CASE("the resolved document loads back to the same model", "[pathways][loader]") {
  const ModelSpec m = load_model(kData + "/scenario.yaml");
  const ModelSpec r = load_model_from_string(m.resolved_yaml, kData + "/resolved.yaml");
  CHECK(r.scenario == "best");
  CHECK(r.sites.size() == m.sites.size());
  CHECK(r.kpis.size() == m.kpis.size());
  CHECK(site(r, "ed").capacity.values == site(m, "ed").capacity.values);
  CHECK(site(r, "acute_ward").routes[0].to[1].p.values ==
        site(m, "acute_ward").routes[0].to[1].p.values);
  CHECK(r.arrivals[0].volume_per_year.values == m.arrivals[0].volume_per_year.values);
  CHECK(r.resolved_yaml == m.resolved_yaml);
}

TEST_CASE("the horizon override truncates yearly values and cannot extend them",
          "[pathways][loader]") {
  SECTION("shorter") {
    const ModelSpec m = load_model(kData + "/model.yaml", years_only(2));
    CHECK(m.horizon.years == 2);
    CHECK(m.arrivals[0].volume_per_year.values.size() == 2);
    CHECK(site(m, "acute_ward").capacity.values == std::vector<int>{40, 38});
    CHECK(site(m, "ed").routes[1].to[0].p.values == std::vector<double>{0.2, 0.25});
    CHECK(site(m, "ed").capacity.values == std::vector<int>{12, 12});
    CHECK(site(m, "walk_in_centre").roster[1].capacity->values.size() == 2);
  }
  SECTION("longer: an error, not a silent extension") {
    try {
      (void)load_model(kData + "/model.yaml", years_only(5));
      FAIL("expected an error");
    } catch (const ConfigErrors& e) {
      CHECK_THAT(std::string(e.what()),
                 Catch::Contains("error: --years 5 is beyond the model's horizon of 3 years"));
    }
  }
}

TEST_CASE("defaults and shorthands", "[pathways][loader]") {
  const ModelSpec m = load_model_from_string(
      minimal("",
              "  ambulance:\n    kind: delay\n    service: 30min\n    routes: [{to: {home: 1}}]\n"),
      "tiny.yaml");
  CHECK(m.horizon.year_label(0) == "2020");  // a 1 January start runs in calendar years
  CHECK(m.run.replications == 10);
  CHECK(m.run.warmup == 0);
  REQUIRE(m.arrivals.size() == 1);
  CHECK(m.arrivals[0].cohorts == std::vector<int>{0});  // the only cohort
  CHECK(m.arrivals[0].shares[0].values == std::vector<double>{1, 1});
  const SiteSpec& ed = site(m, "ed");
  CHECK(ed.label == "ed");
  CHECK(ed.queue == QueueOrder::fifo);
  CHECK(ed.queue_limit == kUnlimited);
  CHECK_FALSE(ed.preemptive);
  CHECK(ed.roster.empty());
  CHECK(ed.overflow == -1);
  CHECK(ed.service->mean() == Approx(10));
  const SiteSpec& amb = site(m, "ambulance");
  CHECK(amb.capacity.values == std::vector<int>{kUnlimited, kUnlimited});
  CHECK(amb.service->mean() == 30);  // a plain duration is a fixed time
  CHECK(m.kpis.empty());
  CHECK(m.profiles.empty());
}

TEST_CASE("hour_of_week profiles and every distribution form", "[pathways][loader]") {
  std::string how = "[";
  for (int i = 0; i < 168; ++i) how += (i > 0 ? ", " : "") + std::to_string(i + 1);
  how += "]";
  const std::string text =
      minimal("", "") + "profiles:\n  flat_but_one: {hour_of_week: " + how + "}\n";
  const ModelSpec m = load_model_from_string(text, "how.yaml");
  REQUIRE(m.profiles.size() == 1);
  CHECK(m.profiles[0].hour_of_week[0] == 1);
  CHECK(m.profiles[0].hour_of_week[167] == 168);
  CHECK(m.profiles[0].month_of_year[5] == 1);  // missing part: flat

  struct Row {
    const char* yaml;
    double mean;
  };
  const Row rows[] = {
      {"{fixed: 15min}", 15},
      {"{exponential: {mean: 10min}}", 10},
      {"{uniform: {min: 1h, max: 3h}}", 120},
      {"{triangular: {min: 1h, mode: 2h, max: 6h}}", 180},
      {"{pert: {min: 1h, mode: 2h, max: 6h}}", 150},
      {"{normal: {mean: 30min, sd: 5min}}", 30},
      {"{lognormal: {mean: 6d, sd: 9d}}", 6 * 1440},
      {"{gamma: {mean: 26d, cv: 0.6}}", 26 * 1440},
      {"{weibull: {shape: 1, scale: 20d}}", 20 * 1440},
      {"{erlang: {k: 3, mean: 2h}}", 120},
      {"{empirical: {values: [1d, 2d, 7d], probs: [0.5, 0.3, 0.2]}}", 2.5 * 1440},
      {"{empirical_cdf: {x: [0min, 1h], cdf: [0, 1]}}", 30},
      {"{mixture: [{p: 0.5, fixed: 1h}, {p: 0.5, fixed: 3h}]}", 120},
  };
  for (const Row& r : rows) {
    INFO(r.yaml);
    const ModelSpec d = load_model_from_string(
        minimal("", "  w:\n    kind: service\n    capacity: 1\n    service: " +
                        std::string(r.yaml) + "\n    routes: [{to: {home: 1}}]\n"),
        "dist.yaml");
    CHECK(site(d, "w").service->mean() == Approx(r.mean).epsilon(1e-6));
  }
}

TEST_CASE("scenario_files lists the scenarios of a folder, sorted", "[pathways][loader]") {
  CHECK(scenario_files(kData) == std::vector<std::string>{kData + "/scenario.yaml"});
  CHECK(
      scenario_files(kData + "/bad") ==
      std::vector<std::string>{kData + "/bad/bad_extends.yaml", kData + "/bad/overlay_error.yaml"});
}
