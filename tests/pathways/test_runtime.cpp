// The model runtime on hand-built models (no YAML): flows, blocking, rosters, yearly KPIs.
#include <carepath/engine/isolate.hpp>
#include <carepath/pathways/runtime.hpp>

#include <catch2/catch.hpp>

#include "model_builders.hpp"

#include <cmath>
#include <numeric>
#include <string>

#include "test_helpers.hpp"

using namespace carepath;
using namespace carepath::pathways;
using namespace carepath::pathways::testing;

namespace {

ModelSpec base_model(int years) {
  ModelSpec m;
  m.name = "test";
  m.population = 100000;
  m.horizon.years = years;
  m.run.warmup = 30 * kDay;
  m.cohorts.push_back(CohortSpec{"all", {}, 3});
  return m;
}

// Erlang C mean wait for M/M/c.
double erlang_c_wq(double lambda, double mu, int c) {
  const double a = lambda / mu;
  double term = 1, sum = 1;
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double last = term * a / c / (1 - a / c);
  const double pw = last / (sum + last);
  return pw / (c * mu - lambda);
}

struct Means {
  double wait[16];
  double arrivals[16];
  double util[16];
};

}  // namespace

TEST_CASE("an M/M/c service site reproduces the Erlang C wait", "[pathways][runtime][validation]") {
  // lambda = 9/h, mean service 1 h, c = 10: Wq = 0.668732 h = 40.12 min. Sixteen independent
  // replications of four years (about 315,000 patients each); the 99.9% t-interval of their
  // means (t_{0.9995,15} = 4.073) must contain the exact value.
  const int years = 4;
  constexpr int kReps = 16;
  ModelSpec m = base_model(years);
  m.sites.push_back(site("clinic", SiteKind::service, 10, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::exponential(60.0);
  m.sites[0].routes.push_back(to_one(1, years));
  m.arrivals.push_back(stream("walkin", 0, 9.0 * 24 * 365, years));
  const auto means = engine::run_isolated<Means>([&]() {
    Means out{};
    for (int r = 0; r < kReps; ++r) {
      // One Simulation per process: each replication in its own child.
      const auto one = engine::run_isolated<Means>([&]() {
        Means o{};
        const ReplicationResult res = run_replication(m, 42, r);
        for (int y = 0; y < years; ++y) {  // the replication's mean over its years
          o.wait[0] += kpi_value(res, "site.clinic.wait_mean", y) / years;
          o.arrivals[0] += kpi_value(res, "site.clinic.arrivals", y) / years;
          o.util[0] += kpi_value(res, "site.clinic.occupancy_mean", y) / years;
        }
        return o;
      });
      out.wait[r] = one.wait[0];
      out.arrivals[r] = one.arrivals[0];
      out.util[r] = one.util[0];
    }
    return out;
  });
  const double exact = erlang_c_wq(9.0, 1.0, 10) * 60.0;
  double mean = 0, ss = 0;
  for (double w : means.wait) mean += w / kReps;
  for (double w : means.wait) ss += (w - mean) * (w - mean);
  const double half = 4.073 * std::sqrt(ss / (kReps - 1) / kReps);
  INFO("mean wait " << mean << " min, half-width " << half << ", exact " << exact);
  CHECK(std::abs(mean - exact) <= half);
  CHECK(std::abs(mean - 1.1 * exact) > half);  // the check has power against a 10% error
  double util = 0, arr = 0;
  for (int r = 0; r < kReps; ++r) {
    util += means.util[r] / kReps;
    arr += means.arrivals[r] / kReps;
  }
  // Offered load: 9 servers busy on average; 78,840 arrivals a year (Poisson sd 281 per rep).
  CHECK(util == Approx(9.0).margin(0.1));
  CHECK(arr == Approx(9.0 * 24 * 365).margin(5 * 281 / std::sqrt(1.0 * kReps)));
}

TEST_CASE("bed blocking keeps patients in their acute bed and counts delayed bed-days",
          "[pathways][runtime]") {
  // Acute beds (ample) discharge everyone to a small community bed base with no waiting room:
  // patients who find it full wait in their acute bed (mode: block).
  const int years = 1;
  ModelSpec m = base_model(years);
  m.sites.push_back(site("acute", SiteKind::beds, 200, years));
  m.sites.push_back(site("community", SiteKind::beds, 10, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::exponential(2 * kDay);
  m.sites[1].service = engine::Distribution::exponential(10 * kDay);
  m.sites[0].routes.push_back(to_one(1, years, EntryMode::block));
  m.sites[1].routes.push_back(to_one(2, years));
  m.arrivals.push_back(stream("admissions", 0, 1.2 * 365, years));  // offered 12 > 10 beds
  struct Out {
    double blocked_days, acute_arrivals, community_util, blocked;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult r = run_replication(m, 7, 0);
    return Out{kpi_value(r, "site.acute.blocked_days"), kpi_value(r, "site.acute.arrivals"),
               kpi_value(r, "site.community.occupancy_mean"), kpi_value(r, "site.acute.blocked")};
  });
  CHECK(o.blocked_days > 100);    // the community bed base is overloaded
  CHECK(o.community_util > 9.5);  // and nearly always full
  CHECK(o.community_util <= 10.0 + 1e-9);
  CHECK(o.blocked > 0);  // patients whose acute discharge was delayed
  CHECK(o.acute_arrivals == Approx(1.2 * 365).margin(5 * std::sqrt(1.2 * 365)));
}

TEST_CASE("a roster closes a site and closed-hours demand overflows", "[pathways][runtime]") {
  // A practice open Mon-Fri 08:00-18:30 overflows to a walk-in centre when closed. With flat
  // demand the closed share is 1 - 5*10.5/168 = 0.6875 of arrivals.
  const int years = 1;
  ModelSpec m = base_model(years);
  m.sites.push_back(site("practice", SiteKind::service, 50, years));
  m.sites.push_back(site("wic", SiteKind::service, 50, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::fixed(10);
  m.sites[1].service = engine::Distribution::fixed(10);
  Shift weekdays;
  weekdays.days = 0x1f;
  weekdays.from = 8 * kHour;
  weekdays.to = 18.5 * kHour;
  m.sites[0].roster.push_back(weekdays);
  m.sites[0].overflow = 1;
  m.sites[0].routes.push_back(to_one(2, years));
  m.sites[1].routes.push_back(to_one(2, years));
  m.arrivals.push_back(stream("demand", 0, 100000, years));
  struct Out {
    double practice, wic, home;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult r = run_replication(m, 3, 0);
    return Out{kpi_value(r, "site.practice.arrivals"), kpi_value(r, "site.wic.arrivals"),
               kpi_value(r, "site.home.arrivals")};
  });
  const double closed = 1.0 - 5 * 10.5 / 168.0;
  // Binomial share over ~100,000 arrivals: sd about 147; 5 sd.
  CHECK(o.wic == Approx(closed * 100000)
                     .margin(5 * std::sqrt(100000 * closed * (1 - closed)) + 5 * 316 * closed));
  CHECK(o.practice + o.wic == Approx(100000).margin(5 * 316));
  CHECK(o.home == Approx(o.practice + o.wic).margin(60));  // a few still in service at year end
}

TEST_CASE("yearly volumes and the replication seed drive the KPIs", "[pathways][runtime]") {
  const int years = 3;
  ModelSpec m = base_model(years);
  m.sites.push_back(site("ed", SiteKind::service, 40, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::exponential(120);
  m.sites[0].routes.push_back(to_one(1, years));
  ArrivalSpec a = stream("ed", 0, 0, years);
  a.volume_per_year.values = {50000, 60000, 70000};
  m.arrivals.push_back(a);
  struct Out {
    double y[3];
    double other_rep;
    double same_rep;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult r = run_replication(m, 11, 0);
    return Out{{kpi_value(r, "site.ed.arrivals", 0), kpi_value(r, "site.ed.arrivals", 1),
                kpi_value(r, "site.ed.arrivals", 2)},
               0,
               0};
  });
  CHECK(o.y[0] == Approx(50000).margin(5 * std::sqrt(50000.0)));
  CHECK(o.y[1] == Approx(60000).margin(5 * std::sqrt(60000.0)));
  CHECK(o.y[2] == Approx(70000).margin(5 * std::sqrt(70000.0)));
  const double again = engine::run_isolated<double>(
      [&]() { return kpi_value(run_replication(m, 11, 0), "site.ed.arrivals", 0); });
  const double other = engine::run_isolated<double>(
      [&]() { return kpi_value(run_replication(m, 11, 1), "site.ed.arrivals", 0); });
  CHECK(again == o.y[0]);
  CHECK(other != o.y[0]);
}

TEST_CASE("a census warm start fills a long-stay site at time 0", "[pathways][runtime]") {
  // 900 care-home places, stays exponential with mean 2 years, about 1.2 admissions a day:
  // equilibrium occupancy 1.2 x 730 = 876. Started empty with a 30-day warm-up, year 1 averages
  // far below that; started from a census of 876 it sits at equilibrium from the start.
  const int years = 1;
  ModelSpec m = base_model(years);
  m.sites.push_back(site("care_home", SiteKind::beds, 900, years));
  m.sites.push_back(site("died", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::exponential(730 * kDay);
  m.sites[0].routes.push_back(to_one(1, years));
  m.arrivals.push_back(stream("placements", 0, 1.2 * 365, years));
  const double cold = engine::run_isolated<double>(
      [&]() { return kpi_value(run_replication(m, 5, 0), "site.care_home.occupancy_mean"); });
  m.sites[0].initial = Census{876, 0, 0};
  const double warm = engine::run_isolated<double>(
      [&]() { return kpi_value(run_replication(m, 5, 0), "site.care_home.occupancy_mean"); });
  INFO("cold start " << cold << ", census start " << warm);
  CHECK(cold < 500);
  // Occupancy of an M/M/inf in equilibrium over a year: sd of the yearly mean is about
  // sqrt(2 * 876 * 730 / 365) = 59 (integrated autocovariance); 4 sd.
  CHECK(warm == Approx(876).margin(4 * 59));
}

TEST_CASE("a service time follows the law of the year its service starts in",
          "[pathways][runtime]") {
  // The service time is drawn when the patient joins the site (Model::arrive_at), but one who
  // waits into the next year is served by that year's law. One server, service exactly 10 min in
  // year 0 and 1,000 min in year 1 (service_scale), arrivals at 8 an hour: about 17,500 wait at
  // the turn of the year, and year 1 can start at most one service per 1,000 min.
  const int years = 2;
  ModelSpec m = base_model(years);
  m.sites.push_back(site("clinic", SiteKind::service, 1, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::fixed(10);
  m.sites[0].service_scale.values = {1.0, 100.0};
  m.sites[0].routes.push_back(to_one(1, years));
  m.arrivals.push_back(stream("walkin", 0, 8 * 24 * 365, years));
  struct Out {
    double served0, served1;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult r = run_replication(m, 3, 0);
    return Out{kpi_value(r, "site.clinic.served", 0), kpi_value(r, "site.clinic.served", 1)};
  });
  // Year 0 (2018/19 in base_model: 365 days) starts one service every 10 min; year 1 (366 days at
  // most) at most ceil(527,040 / 1,000) = 528, the first when year 0's last service ends.
  CHECK(o.served0 == Approx(365 * 144).margin(1));
  CHECK(o.served1 >= 520);
  CHECK(o.served1 <= 528);
}

TEST_CASE("count_over and share_within measure waits or time in site", "[pathways][runtime]") {
  // A deterministic single server: service exactly 50 min, arrivals exactly... Poisson at 1/h.
  // Time in site >= 50 min for everyone, so share_within 49min of time in site is 0 and
  // count_over 49min equals the patients served; of: wait counts only those who queued.
  const int years = 1;
  ModelSpec m = base_model(years);
  m.sites.push_back(site("clinic", SiteKind::service, 1, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::fixed(50);
  m.sites[0].routes.push_back(to_one(1, years));
  m.arrivals.push_back(stream("walkin", 0, 24 * 365, years));
  KpiSpec within;
  within.name = "within_49min";
  within.form = KpiSpec::Form::share_within;
  within.metric = "time_in_site";
  within.within = 49;
  within.sites = {0};
  KpiSpec over = within;
  over.name = "over_49min";
  over.form = KpiSpec::Form::count_over;
  KpiSpec waited = over;
  waited.name = "waited_over_1min";
  waited.metric = "wait";
  waited.within = 1;
  m.kpis = {within, over, waited};
  struct Out {
    double within, over, waited, served, departures;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult r = run_replication(m, 9, 0);
    return Out{kpi_value(r, "within_49min"), kpi_value(r, "over_49min"),
               kpi_value(r, "waited_over_1min"), kpi_value(r, "site.clinic.served"),
               kpi_value(r, "site.home.arrivals")};
  });
  CHECK(o.within == 0.0);
  CHECK(o.over == Approx(o.departures).margin(2));
  // M/D/1 at rho = 50/60: P(wait > 0) = rho, so about 83% of the served waited at all.
  CHECK(o.waited > 0.7 * o.served);
  CHECK(o.waited < 0.9 * o.served);
}

TEST_CASE("common random numbers: changing one stream leaves other patients' draws alone",
          "[pathways][runtime]") {
  // Two independent flows. Doubling stream A's volume changes the global order in which
  // patients are created, but every stream-B patient keeps its substreams (keyed by stream and
  // arrival number, then by site visit), so site B's results are bit-identical.
  const int years = 1;
  ModelSpec m = base_model(years);
  m.sites.push_back(site("a", SiteKind::service, 5, years));
  m.sites.push_back(site("b", SiteKind::service, 5, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::exponential(30);
  m.sites[1].service = engine::Distribution::lognormal_mean_sd(40, 30);
  m.sites[0].routes.push_back(to_one(2, years));
  m.sites[1].routes.push_back(to_one(2, years));
  m.arrivals.push_back(stream("to_a", 0, 40000, years));
  m.arrivals.push_back(stream("to_b", 1, 50000, years));
  struct Out {
    double a_arrivals, b_wait, b_time;
  };
  auto run = [&](const ModelSpec& model) {
    return engine::run_isolated<Out>([&]() {
      const ReplicationResult r = run_replication(model, 21, 0);
      return Out{kpi_value(r, "site.a.arrivals"), kpi_value(r, "site.b.wait_mean"),
                 kpi_value(r, "site.b.time_in_site_mean")};
    });
  };
  const Out before = run(m);
  m.arrivals[0].volume_per_year = Yearly<double>(80000, years);
  const Out after = run(m);
  CHECK(after.a_arrivals > 1.8 * before.a_arrivals);
  CHECK(after.b_wait == before.b_wait);
  CHECK(after.b_time == before.b_time);
}

TEST_CASE("a sum of arrivals or served can be restricted to cohorts", "[pathways][runtime]") {
  // One stream, two cohorts (30% frail), a clinic: the frail-only KPI sees about 30% of the
  // arrivals, and the two cohort KPIs add up exactly to the site's own counts.
  const int years = 1;
  ModelSpec m = base_model(years);
  m.cohorts.push_back(CohortSpec{"frail", {}, 3});
  m.sites.push_back(site("clinic", SiteKind::service, 20, years));
  m.sites.push_back(site("home", SiteKind::exit, 0, years));
  m.sites[0].service = engine::Distribution::exponential(30);
  m.sites[0].routes.push_back(to_one(1, years));
  ArrivalSpec a = stream("demand", 0, 20000, years);
  a.cohorts = {0, 1};
  a.shares = {Yearly<double>(0.7, years), Yearly<double>(0.3, years)};
  m.arrivals.push_back(a);
  KpiSpec frail;
  frail.name = "frail_arrivals";
  frail.form = KpiSpec::Form::sum;
  frail.metric = "arrivals";
  frail.sites = {0};
  frail.cohorts = {1};
  KpiSpec others = frail;
  others.name = "other_arrivals";
  others.cohorts = {0};
  KpiSpec frail_served = frail;
  frail_served.name = "frail_served";
  frail_served.metric = "served";
  m.kpis = {frail, others, frail_served};
  struct Out {
    double frail, others, all, frail_served, all_served;
  };
  const Out o = engine::run_isolated<Out>([&]() {
    const ReplicationResult r = run_replication(m, 13, 0);
    return Out{kpi_value(r, "frail_arrivals"), kpi_value(r, "other_arrivals"),
               kpi_value(r, "site.clinic.arrivals"), kpi_value(r, "frail_served"),
               kpi_value(r, "site.clinic.served")};
  });
  CHECK(o.frail + o.others == o.all);
  // Binomial share of ~20,000 arrivals: sd = sqrt(20000 * 0.21) = 65; 5 sd.
  CHECK(o.frail == Approx(0.3 * o.all).margin(5 * 65));
  CHECK(o.frail_served <= o.all_served);
  CHECK(o.frail_served == Approx(o.frail).margin(10));  // a few still waiting at year end
}
