// The model runtime: one replication of a ModelSpec on the engine.
//
// Patient flow (see scenarios/README.md for the language):
//   arrival stream --> entry site --> service ends --> route rule (first matching guard) -->
//   target chosen with the year's probabilities --> [hold in place] --> [travel] --> next site.
// A patient keeps its server or bed while it is held or blocked (mode: block) and releases it
// when the next site admits it; that holding time is the site's "blocked" occupancy, which gives
// delayed-transfer bed-days and ED boarding. Triage and exit sites have no capacity.
//
// System processes (SimGrid actors): one capacity process per rostered or yearly-varying site,
// the KPI year process (warm-up deletion and yearly windows) and the hourly sampler.
#include <carepath/engine/arrivals.hpp>
#include <carepath/engine/distributions.hpp>
#include <carepath/engine/monitor.hpp>
#include <carepath/engine/random.hpp>
#include <carepath/engine/resource.hpp>
#include <carepath/engine/simulation.hpp>
#include <carepath/pathways/runtime.hpp>

#include "escalation.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

namespace carepath::pathways {
namespace {

using engine::Admission;
using engine::EventId;
using engine::RandomStream;
using engine::Resource;
using engine::Simulation;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kUnlimitedServers = 1 << 30;
constexpr int kMaxOverflowHops = 16;
/// Moves at one instant (triage routes without travel, overflows) a patient may make in a row;
/// validate refuses the zero-time cycles that would exceed it.
constexpr int kMaxZeroTimeMoves = 1000;
constexpr int kHoursOfWeek = 168;
constexpr const char* kWeekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/// The KPI names a profile KPI expands to: name.h00 ... name.h23, or name.mon ... name.sun.
std::vector<std::string> profile_names(const KpiSpec& k) {
  std::vector<std::string> out;
  if (k.by_day) {
    for (const char* d : kWeekdays) out.push_back(k.name + "." + d);
  } else {
    for (int h = 0; h < 24; ++h)
      out.push_back(k.name + ".h" + (h < 10 ? "0" : "") + std::to_string(h));
  }
  return out;
}

enum EventKind : std::uint32_t { kArrival, kServiceEnd, kHoldEnd, kTravelEnd };

// What each escalation policy reports (escalation.<name>.<metric>).
struct EscalationMetric {
  const char* name;
  const char* unit;
  const char* description;
};
constexpr EscalationMetric kEscalationMetrics[] = {
    {"episodes", "episodes", "escalations opened in the year"},
    {"open_hours", "hours", "hours the escalation was open in the year"},
    {"bed_days", "days", "extra places x days open in the year"},
    {"diverted", "patients", "patients diverted while open in the year"},
    {"cost", "GBP", "per_bed_day cost x bed_days"},
};

// The per-site metrics every site reports (see kpi_catalogue).
enum class Applies : std::uint8_t {
  always,
  resource,    // only sites with a resource (not triage or exit)
  patience,    // only sites with a patience (reneging)
  preemption,  // only sites where service can be interrupted (preemptive or on_close: preempt)
  staffed,     // only sites with a finite capacity in every year
  costed,      // only sites with some cost
  escalated,   // only sites an escalation policy adds places to
  booked,      // only sites with a same-day appointment book
};
struct SiteMetric {
  const char* name;
  const char* unit;
  const char* description;
  Applies applies;
};
constexpr SiteMetric kSiteMetrics[] = {
    {"arrivals", "patients", "patients arriving at the site", Applies::always},
    {"accepted", "patients", "arrivals less those turned away (each admission counted once)",
     Applies::resource},
    {"served", "patients", "patients who started service", Applies::resource},
    {"baulked", "patients", "patients turned away (line full or closed, no overflow)",
     Applies::resource},
    {"reneged", "patients", "patients who left without being seen", Applies::resource},
    {"blocked", "patients", "patients whose departure was delayed (held or blocked in place)",
     Applies::resource},
    {"wait_mean", "min",
     "mean wait from admission to start of service or leaving unseen, over those admitted",
     Applies::resource},
    {"wait_p50", "min", "median wait", Applies::resource},
    {"wait_p90", "min", "90th percentile wait", Applies::resource},
    {"wait_p95", "min", "95th percentile wait", Applies::resource},
    {"time_in_site_mean", "min", "mean time from admission to leaving (incl. blocking onwards)",
     Applies::resource},
    {"time_in_site_p95", "min", "95th percentile time in site", Applies::resource},
    {"renege_wait_mean", "min", "mean time from admission to leaving unseen, over those who left",
     Applies::patience},
    {"line_time_mean", "min", "mean total time in the line (re-queues after pre-emption included)",
     Applies::preemption},
    {"occupancy_mean", "places", "time-weighted mean of occupied servers/beds", Applies::resource},
    {"occupancy_p95", "places", "95th percentile of occupied servers/beds over time",
     Applies::resource},
    {"pct_time_full", "%", "share of time with every server/bed occupied", Applies::resource},
    {"queue_mean", "patients", "time-weighted mean number waiting", Applies::resource},
    {"bed_days", "days", "occupied bed-days (or caseload-days, server-days)", Applies::resource},
    {"blocked_days", "days", "days occupied after service, waiting to move on", Applies::resource},
    {"staffed_hours", "hours",
     "server-hours (bed-hours) in service: own capacity integrated over time (escalation apart)",
     Applies::staffed},
    {"escalation_bed_days", "days", "days of escalation places open (extra capacity x time)",
     Applies::escalated},
    {"appointments_offered", "appointments", "same-day appointments released in the year",
     Applies::booked},
    {"appointments_booked", "appointments", "requests that found an appointment", Applies::booked},
    {"unmet_requests", "patients", "requests that found no appointment left that day (sent on)",
     Applies::booked},
    {"cost", "GBP", "activity + bed-day + staff cost", Applies::always},
    {"cost_activity", "GBP", "per_arrival cost x arrivals", Applies::costed},
    {"cost_beds", "GBP", "per_day cost x occupied days", Applies::costed},
    {"cost_staff", "GBP", "per_staffed_hour cost x staffed hours + escalation places' cost",
     Applies::costed},
};

engine::EntryMode to_engine(EntryMode m) {
  switch (m) {
    case EntryMode::block:
      return engine::EntryMode::block;
    case EntryMode::divert:
      return engine::EntryMode::divert;
    case EntryMode::queue:
      break;
  }
  return engine::EntryMode::queue;
}

bool has_resource(SiteKind kind) {
  return kind != SiteKind::triage && kind != SiteKind::exit;
}

bool applies(const SiteMetric& m, const SiteSpec& s, const ModelSpec& model) {
  switch (m.applies) {
    case Applies::always:
      return true;
    case Applies::resource:
      return has_resource(s.kind);
    case Applies::patience:
      return has_resource(s.kind) && (s.patience.has_value() || !s.patience_by_cohort.empty());
    case Applies::preemption:
      return has_resource(s.kind) && (s.preemptive || s.on_close == ClosePolicy::preempt);
    case Applies::staffed:
      return has_resource(s.kind) && !s.capacity.values.empty() && !s.unlimited_in_some_year();
    case Applies::costed:
      return s.cost.any() || applies(SiteMetric{"", "", "", Applies::escalated}, s, model);
    case Applies::booked:
      return s.appointments.enabled();
    case Applies::escalated:
      return std::any_of(model.escalation.begin(), model.escalation.end(),
                         [&](const EscalationSpec& x) {
                           return x.add_site >= 0 && x.add > 0 &&
                                  &model.sites[static_cast<std::size_t>(x.add_site)] == &s;
                         });
  }
  return false;
}

std::string metric_unit(const std::string& metric) {
  for (const auto& m : kSiteMetrics)
    if (metric == m.name) return m.unit;
  return "";
}

/// A fixed route's move out of a site for one cohort: the rule has one target, open in every
/// year (no draw, no check). Read in one load at the end of service (Model::end_service).
struct FixedMove {
  std::int16_t rule = -1;  // -1: the cohort's route is not fixed
  std::int16_t to = -1;    // the target site
  engine::EntryMode mode = engine::EntryMode::queue;
  bool direct = false;  // no hold, no travel: straight from service to `to`
  bool exit = false;    // and `to` is an exit reached at once (leaves_at_once)
};

struct Patient {
  std::uint32_t serial = 0;
  std::uint16_t cohort = 0;
  std::int16_t site = -1;      // resource site the patient is in (waiting, served, holding)
  std::int16_t upstream = -1;  // site still held while being admitted to `site`
  std::int16_t rule = -1;      // chosen route at `site`: rule and target indices
  std::int16_t target = -1;
  Time remaining = -1;  // service left after a pre-emption
  Time admitted = 0;    // admission to `site` (for waits by hour of admission)
  Time service_end = 0;
  EventId service_event{};
  /// The service time at `site` drawn on joining it, for the year `service_year` (-1: none).
  Time service_draw = 0;
  bool alive = false;
  bool delayed = false;  // its departure from `site` was delayed (hold or blocked)
  std::int16_t service_year = -1;
  std::uint32_t visits = 0;  // sites visited so far: the step of its per-patient substreams
  std::uint64_t crn_id = 0;  // (arrival stream, arrival number): the same patient in any scenario
  /// Its site's fixed move for its cohort (SiteRt::fixed_by_cohort), copied as it joins the
  /// site: the end of its service reads it with the patient, not through the site.
  FixedMove next{};
};

class Model final : public engine::EventHandler,
                    public engine::ResourceClient,
                    public engine::Monitor {
 public:
  Model(const ModelSpec& spec, std::uint64_t seed, int replication, ReplicationSink* sink);
  ReplicationResult run();

  void on_event(std::uint32_t kind, std::uint32_t arg) override;
  void on_start(Resource& resource, std::uint32_t entity) override;
  void on_renege(Resource& resource, std::uint32_t entity) override;
  void on_preempted(Resource& resource, std::uint32_t entity) override;
  void on_admitted(Resource& resource, std::uint32_t entity) override;
  void on_event(const engine::MonitorEvent& event) override;  // event log

 private:
  struct SiteRt {
    const SiteSpec* spec = nullptr;
    std::unique_ptr<Resource> res;
    RandomStream census_rng;  // residual stays of the initial census
    // Keys of the per-patient substreams (common random numbers patient by patient).
    std::uint64_t service_key = 0, route_key = 0, patience_key = 0, hold_key = 0, travel_key = 0;
    std::uint64_t passes = 0;   // arrivals at triage and exit sites (window)
    std::uint64_t delayed = 0;  // departures delayed by a hold or by blocking (window)
    std::vector<std::uint64_t> arrivals_by_cohort;  // (window), for cohort-filtered KPIs
    std::vector<std::uint64_t> served_by_cohort;
    std::vector<std::uint64_t> reneged_by_cohort;
    std::vector<const engine::Distribution*> patience;  // by cohort; nullptr: never reneges
    // By hour of the week (window): arrivals, and waits by hour of admission.
    std::vector<std::uint64_t> arrivals_by_hour;
    std::vector<double> wait_sum_by_hour, wait_count_by_hour;
    bool by_hour = false;  // kept only where a profile KPI of arrivals or waits names the site
    std::vector<int> rule_for_cohort;
    /// Route choice without a branch on the draw: for rule r in year y, the targets with a
    /// positive probability, route_cum[b + i] their cumulative probabilities (summed in order)
    /// and route_target[b + i] their indices, b = route_span[r * years + y].first and i below
    /// route_span[...].second.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> route_span;
    std::vector<double> route_cum;
    std::vector<std::int16_t> route_target;
    /// By cohort, where the matching rule has one target, open in every year (no draw, no
    /// check): the move at the end of service (copied into the patient as it joins the site).
    std::vector<FixedMove> fixed_by_cohort;
    /// service × service_scale for [year * cohorts + cohort]; empty for sites without service
    std::vector<engine::Distribution> scaled_service;
    /// An exit no escalation policy diverts from: a patient routed here leaves the system at
    /// once (Model::end_service).
    bool leaves_at_once = false;
    int extra = 0;  // escalation places open now (added to the own capacity while it is open)
    long long book_left = 0;                           // same-day appointments left today
    std::uint64_t offered = 0, booked = 0, unmet = 0;  // (window)
  };
  struct EscalationRt {
    const EscalationSpec* spec = nullptr;
    detail::EscalationState state;
    engine::TimeWeighted places;               // extra places open (window): bed-days
    engine::TimeWeighted open;                 // 1 while open (window): hours open
    std::uint64_t episodes = 0, diverted = 0;  // (window)
    std::uint64_t divert_key = 0;
  };
  struct StreamRt {
    const ArrivalSpec* spec = nullptr;
    std::unique_ptr<engine::NhppArrivals> warm;  // the warm-up period
    std::unique_ptr<engine::NhppArrivals> main;  // the horizon
    RandomStream time_rng, cohort_rng;
    std::uint64_t arrivals = 0;  // patients created by this stream so far
    std::uint32_t lane = 0;      // its calendar lane (one next arrival pending at a time)
    int to = 0;                  // the site its patients arrive at (spec->to, one load nearer)
    int only_cohort = 0;         // its cohort, if it has one (else -1: drawn by the shares)
    /// Cumulative cohort shares (summed in order) of year y at [y * cohorts + k].
    std::vector<double> cohort_cum;
  };

  // Time helpers. Sim time 0 is the warm-up start; model time tau = t - warmup.
  [[nodiscard]] int year_at(Time t) const {
    if (t < warmup_) return 0;
    return std::min(calendar_.year_index(t - warmup_), years_ - 1);
  }
  [[nodiscard]] int year() const {
    assert(current_year_ < years_);
    return std::max(0, current_year_);
  }
  /// The horizon's end in sim time (computed once: read per arrival).
  [[nodiscard]] Time horizon_end() const { return horizon_end_; }
  /// End of KPI window y in model time: the year's end, or the horizon's if that comes first.
  [[nodiscard]] Time window_end(int y) const {
    return std::min(calendar_.year_start(y + 1), horizon_length_);
  }
  Time next_arrival(StreamRt& s, Time now);

  // The patient's draws for one purpose at its current site visit come from
  // RandomStream::substream(key, crn_id, visits) (common random numbers patient by patient).
  /// A sample of `d` from that substream.
  double draw(const engine::Distribution& d, std::uint64_t key, std::uint32_t id) const {
    return d.sample_substream(key, patients_[id].crn_id, patients_[id].visits);
  }
  /// The substream's first uniform (a route choice, a diversion).
  double draw_uniform(std::uint64_t key, std::uint32_t id) const {
    return RandomStream::substream_uniform(key, patients_[id].crn_id, patients_[id].visits);
  }
  /// The patient's service law at its site this year (in SiteRt::scaled_service).
  [[nodiscard]] std::size_t service_index(const Patient& p) const {
    return static_cast<std::size_t>(year()) * spec_.cohorts.size() + p.cohort;
  }
  std::uint32_t new_patient(int cohort);
  void free_patient(std::uint32_t id);
  void arrive_at(std::uint32_t id, int site, engine::EntryMode mode, int hops = 0, int moves = 0);
  void end_service(std::uint32_t id, int site);  // service at `site` is over: move on
  void route_from(std::uint32_t id, int site, int rule, int target);  // start the chosen move
  void transfer(std::uint32_t id);  // after any hold: travel or arrive
  void start_travel(std::uint32_t id, SiteRt& from, const RouteTarget& t);
  void release_held(std::uint32_t id);  // frees every place the patient holds
  void release_upstream(std::uint32_t id);
  void leave_system(std::uint32_t id);
  /// At exit site `site` (counted as arrived there): passes through and leaves the system.
  void leave_at_exit(std::uint32_t id, SiteRt& exit, int site);
  void log(std::uint32_t id, int site, engine::MonitorEventKind kind);
  void log_present_at_start();
  std::pair<int, int> choose_route(std::uint32_t id, int site);

  int capacity_at(const SiteSpec& site, Time t) const;
  void apply_capacity(SiteRt& rt, Time now);  // own capacity + escalation places
  void check_escalation(EscalationRt& x, Time now);
  [[nodiscard]] double escalation_measure(const EscalationSpec& x) const;
  int diverted_to(std::uint32_t id, int from, int to);
  Time next_capacity_change(const SiteSpec& site, Time t) const;
  void start_processes();
  void seed_census();
  Time residual_stay(SiteRt& rt, int cohort);
  void close_year(int y);
  [[nodiscard]] int hour_of_week(Time t) const { return week_clock_.bin_of(t); }
  void count_arrival(SiteRt& rt, const Patient& p);
  void record_wait(SiteRt& rt, const Patient& p);
  std::vector<double> profile_values(const KpiSpec& kpi, Time now) const;
  void reset_windows();
  std::string where(std::uint32_t id, int site) const;

  const ModelSpec& spec_;
  std::uint64_t seed_;
  int replication_;
  ReplicationSink* sink_;
  engine::StreamFactory streams_;
  Simulation sim_;
  engine::CivilCalendar calendar_;
  Time warmup_ = 0;
  int years_ = 1;
  Time horizon_length_ = 0;          // model time of the horizon's end
  Time horizon_end_ = 0;             // warmup_ + horizon_length_
  int current_year_ = -1;            // -1 during the warm-up
  engine::ClockProfile week_clock_;  // the window's time in each hour of the week
  std::vector<SiteRt> sites_;
  std::vector<StreamRt> streams_rt_;
  std::vector<EscalationRt> escalations_;
  std::vector<Patient> patients_;
  std::vector<std::uint32_t> free_;
  std::uint32_t next_serial_ = 0;
  std::vector<KpiInfo> kpis_;
  std::vector<double> values_;
  bool log_events_ = false;
};

Model::Model(const ModelSpec& spec, std::uint64_t seed, int replication, ReplicationSink* sink)
    : spec_(spec),
      seed_(seed),
      replication_(replication),
      sink_(sink),
      streams_(seed, static_cast<std::uint64_t>(replication)),
      calendar_(spec.horizon.start_year, spec.horizon.start_month, spec.horizon.start_day),
      warmup_(spec.run.warmup),
      years_(std::max(1, spec.horizon.years)) {
  horizon_length_ = spec.horizon.length > 0 ? spec.horizon.length : calendar_.year_start(years_);
  horizon_end_ = warmup_ + horizon_length_;
  kpis_ = kpi_catalogue(spec);
  // Hour-of-week bins start on the Monday 00:00 at or before the horizon start.
  const Time week_origin = warmup_ - calendar_.day_of_week(0.0) * kDay;
  week_clock_ = engine::ClockProfile(week_origin, kHour, kHoursOfWeek, 0.0, 0.0);
  log_events_ = sink_ != nullptr && sink_->wants_events();
  sites_.resize(spec.sites.size());
  for (std::size_t i = 0; i < spec.sites.size(); ++i) {
    const SiteSpec& s = spec.sites[i];
    SiteRt& rt = sites_[i];
    rt.spec = &s;
    rt.census_rng = streams_.stream("census/" + s.name);
    rt.arrivals_by_cohort.assign(spec.cohorts.size(), 0);
    rt.served_by_cohort.assign(spec.cohorts.size(), 0);
    rt.reneged_by_cohort.assign(spec.cohorts.size(), 0);
    rt.arrivals_by_hour.assign(kHoursOfWeek, 0);
    for (const KpiSpec& k : spec.kpis) {
      if (k.form == KpiSpec::Form::profile && k.metric != "occupancy" &&
          std::find(k.sites.begin(), k.sites.end(), static_cast<int>(i)) != k.sites.end())
        rt.by_hour = true;
    }
    rt.wait_sum_by_hour.assign(kHoursOfWeek, 0.0);
    rt.wait_count_by_hour.assign(kHoursOfWeek, 0.0);
    rt.patience.assign(spec.cohorts.size(), s.patience ? &*s.patience : nullptr);
    for (const auto& [cohort, dist] : s.patience_by_cohort)
      rt.patience[static_cast<std::size_t>(cohort)] = &dist;
    const auto key = [&](const std::string& purpose) {
      return RandomStream::key(seed_, static_cast<std::uint64_t>(replication_),
                               purpose + "/" + s.name);
    };
    rt.service_key = key("service");
    rt.route_key = key("route");
    rt.patience_key = key("patience");
    rt.hold_key = key("hold");
    rt.travel_key = key("travel");
    if (s.service) {
      for (int y = 0; y < years_; ++y) {
        const double scale = s.service_scale.values.empty() ? 1.0 : s.service_scale.at(y);
        for (std::size_t c = 0; c < spec.cohorts.size(); ++c) {
          const engine::Distribution* d = &*s.service;
          for (const auto& [cohort, dist] : s.service_by_cohort)
            if (cohort == static_cast<int>(c)) d = &dist;
          rt.scaled_service.push_back(scale == 1.0 ? *d : d->scaled(scale));
        }
      }
    }
    // Route rules depend only on the cohort: resolve the first matching rule once.
    rt.rule_for_cohort.assign(spec.cohorts.size(), -1);
    for (std::size_t c = 0; c < spec.cohorts.size(); ++c) {
      const CohortSpec& cohort = spec.cohorts[c];
      for (std::size_t r = 0; r < s.routes.size(); ++r) {
        const Guard& g = s.routes[r].when;
        bool match = g.cohorts.empty() || std::find(g.cohorts.begin(), g.cohorts.end(),
                                                    static_cast<int>(c)) != g.cohorts.end();
        for (const auto& [attr, values] : g.attributes) {
          auto it = cohort.attributes.find(attr);
          match = match && it != cohort.attributes.end() &&
                  std::find(values.begin(), values.end(), it->second) != values.end();
        }
        if (match) {
          rt.rule_for_cohort[c] = static_cast<int>(r);
          break;
        }
      }
    }
    if (has_resource(s.kind)) {
      engine::ResourceConfig cfg;
      cfg.name = s.name;
      cfg.capacity = capacity_at(s, 0.0);
      cfg.queue_limit = s.queue_limit;
      cfg.discipline = s.queue == QueueOrder::priority ? engine::QueueDiscipline::priority
                                                       : engine::QueueDiscipline::fifo;
      cfg.preemptive = s.preemptive;
      cfg.on_capacity_drop = s.on_close == ClosePolicy::preempt
                                 ? engine::CapacityDropPolicy::preempt
                                 : engine::CapacityDropPolicy::finish;
      // Waits and times by cohort, occupancy by hour, only where a KPI asks for them.
      cfg.week_origin = week_origin;
      // Line times differ from waits only after a pre-emption: kept where it can happen.
      cfg.line_times = s.preemptive || s.on_close == ClosePolicy::preempt;
      cfg.present_distribution = false;  // kept for a time-at-level KPI of `present` here
      for (const KpiSpec& k : spec.kpis) {
        if ((k.form == KpiSpec::Form::time_at || k.form == KpiSpec::Form::time_at_least) &&
            k.metric == "present" && k.level != KpiSpec::kFullLevel && !k.sites.empty() &&
            k.sites.front() == static_cast<int>(i)) {
          cfg.present_distribution = true;
        }
        if (k.form == KpiSpec::Form::profile && k.metric == "occupancy" &&
            std::find(k.sites.begin(), k.sites.end(), static_cast<int>(i)) != k.sites.end()) {
          cfg.hour_of_week_profile = true;
        }
        if (!k.cohorts.empty() && (k.metric == "wait" || k.metric == "time_in_site") &&
            std::find(k.sites.begin(), k.sites.end(), static_cast<int>(i)) != k.sites.end()) {
          cfg.groups = static_cast<int>(spec.cohorts.size());
        }
      }
      rt.res = std::make_unique<Resource>(sim_, cfg, this, static_cast<std::uint32_t>(i),
                                          log_events_ ? this : nullptr);
      rt.res->set_random_stream(streams_.stream("baulk/" + s.name));
    }
  }
  // Arrival streams: the warm-up period repeats year 0's volume on a calendar that ends where
  // the horizon starts; the horizon uses the yearly volumes.
  const Time warm_days = std::ceil(warmup_ / kDay);
  const std::string warm_date = calendar_.date_string(-warm_days * kDay);
  int wy = 0, wm = 0, wd = 0;
  engine::parse_date(warm_date.substr(0, 10), wy, wm, wd);
  const engine::CivilCalendar warm_calendar(wy, wm, wd);
  escalations_.reserve(spec.escalation.size());  // processes hold references: no reallocation
  for (const EscalationSpec& e : spec.escalation) {
    const std::uint64_t key =
        RandomStream::key(seed_, static_cast<std::uint64_t>(replication_), "divert/" + e.name);
    escalations_.push_back(EscalationRt{&e, detail::EscalationState(e), engine::TimeWeighted(),
                                        engine::TimeWeighted(), 0, 0, key});
  }
  for (std::size_t i = 0; i < sites_.size(); ++i) {
    sites_[i].leaves_at_once =
        spec.sites[i].kind == SiteKind::exit &&
        std::none_of(spec.escalation.begin(), spec.escalation.end(), [&](const EscalationSpec& e) {
          return e.divert_to >= 0 && e.site == static_cast<int>(i);
        });
  }
  for (SiteRt& rt : sites_) {
    for (const RouteRule& r : rt.spec->routes) {
      for (int y = 0; y < years_; ++y) {
        const auto begin = static_cast<std::uint32_t>(rt.route_cum.size());
        double acc = 0;
        for (std::size_t k = 0; k < r.to.size(); ++k) {
          const double pk = r.to[k].p.at(y);
          if (pk <= 0) continue;
          acc += pk;
          rt.route_cum.push_back(acc);
          rt.route_target.push_back(static_cast<std::int16_t>(k));
        }
        rt.route_span.emplace_back(begin, static_cast<std::uint32_t>(rt.route_cum.size()) - begin);
      }
    }
    rt.fixed_by_cohort.assign(spec.cohorts.size(), FixedMove{});
    for (std::size_t c = 0; c < spec.cohorts.size(); ++c) {
      const int rule = rt.rule_for_cohort[c];
      if (rule < 0) continue;
      const RouteRule& r = rt.spec->routes[static_cast<std::size_t>(rule)];
      if (r.to.size() != 1) continue;
      bool open = true;
      for (int y = 0; y < years_; ++y) open = open && r.to[0].p.at(y) > 0;
      if (!open) continue;
      const RouteTarget& t = r.to[0];
      FixedMove& f = rt.fixed_by_cohort[c];
      f.rule = static_cast<std::int16_t>(rule);
      f.to = static_cast<std::int16_t>(t.site);
      f.mode = to_engine(t.mode);
      f.direct = !t.hold && !t.travel;
      f.exit = f.direct && sites_[static_cast<std::size_t>(t.site)].leaves_at_once;
    }
  }
  streams_rt_.resize(spec.arrivals.size());
  for (std::size_t i = 0; i < spec.arrivals.size(); ++i) {
    const ArrivalSpec& a = spec.arrivals[i];
    StreamRt& rt = streams_rt_[i];
    rt.spec = &a;
    engine::RateProfile profile;
    if (a.profile >= 0) {
      profile.hour_of_week = spec.profiles[static_cast<std::size_t>(a.profile)].hour_of_week;
      profile.month_of_year = spec.profiles[static_cast<std::size_t>(a.profile)].month_of_year;
    }
    std::vector<double> volumes;
    volumes.reserve(years_);
    for (int y = 0; y < years_; ++y) volumes.push_back(a.volume_per_year.at(y));
    rt.main = std::make_unique<engine::NhppArrivals>(calendar_, profile, volumes);
    rt.warm = std::make_unique<engine::NhppArrivals>(warm_calendar, profile,
                                                     std::vector<double>{volumes.front()});
    for (int y = 0; y < years_; ++y) {
      double acc = 0;
      for (const auto& share : a.shares) {
        acc += share.at(y);
        rt.cohort_cum.push_back(acc);
      }
    }
    rt.lane = sim_.add_lane();
    rt.to = a.to;
    rt.only_cohort = a.cohorts.size() > 1 ? -1 : (a.cohorts.empty() ? 0 : a.cohorts.back());
    rt.time_rng = streams_.stream("arrivals/" + a.name);
    rt.cohort_rng = streams_.stream("cohort/" + a.name);
  }
}

Time Model::next_arrival(StreamRt& s, Time now) {
  // The warm calendar starts `offset` minutes before sim time 0.
  if (now < warmup_) {
    const Time offset = std::ceil(warmup_ / kDay) * kDay - warmup_;
    const Time t = s.warm->next(now + offset, s.time_rng) - offset;
    if (t < warmup_) return t;
    now = warmup_;  // restart at the horizon start (exact: the process is memoryless)
  }
  const Time tau = s.main->next(now - warmup_, s.time_rng);
  return tau + warmup_;
}

int Model::capacity_at(const SiteSpec& site, Time t) const {
  if (!has_resource(site.kind)) return 0;
  const int y = year_at(t);
  auto cap = [](int c) { return c == kUnlimited ? kUnlimitedServers : c; };
  if (site.roster.empty()) return cap(site.capacity.at(y));
  const Time tau = t - warmup_;
  const int dow = calendar_.day_of_week(tau);
  const Time minute = tau - std::floor(tau / kDay) * kDay;
  for (const Shift& shift : site.roster) {
    if ((shift.days & (1U << dow)) != 0 && minute >= shift.from && minute < shift.to) {
      return cap(shift.capacity ? shift.capacity->at(y) : site.capacity.at(y));
    }
  }
  return 0;
}

void Model::apply_capacity(SiteRt& rt, Time now) {
  // Escalation places are added to the site's own capacity while it is open (a closed site,
  // capacity 0, stays closed).
  const int own = capacity_at(*rt.spec, now);
  const int c = own == 0 || own == kUnlimitedServers ? own : own + rt.extra;
  if (c != rt.res->capacity()) rt.res->set_capacity(c);
}

double Model::escalation_measure(const EscalationSpec& x) const {
  const Resource& r = *sites_[static_cast<std::size_t>(x.site)].res;
  switch (x.measure) {
    case EscalationSpec::Measure::occupancy:
      return r.occupied();
    case EscalationSpec::Measure::queue:
      return r.queue_length();
    case EscalationSpec::Measure::boarding:
      return r.holding();  // done here, holding the place until admitted onwards
    case EscalationSpec::Measure::present:
      return r.occupied() + r.queue_length();
  }
  return 0;
}

void Model::check_escalation(EscalationRt& x, Time now) {
  const EscalationSpec& e = *x.spec;
  // Percentages are of the watched site's own capacity now (escalation places apart).
  const double own = capacity_at(spec_.sites[static_cast<std::size_t>(e.site)], now);
  const double open_at = e.open_share ? e.open_at * own : e.open_at;
  const double close_below = e.close_share ? e.close_below * own : e.close_below;
  const auto change = x.state.check(now, escalation_measure(e), open_at, close_below);
  if (change == detail::EscalationState::Change::none) return;
  const bool opening = change == detail::EscalationState::Change::open;
  if (opening) ++x.episodes;
  x.open.update(now, opening ? 1.0 : 0.0);
  if (e.add_site >= 0 && e.add > 0) {
    SiteRt& rt = sites_[static_cast<std::size_t>(e.add_site)];
    rt.extra += opening ? e.add : -e.add;
    x.places.update(now, opening ? e.add : 0.0);
    apply_capacity(rt, now);
  }
}

int Model::diverted_to(std::uint32_t id, int from, int to) {
  for (EscalationRt& x : escalations_) {
    const EscalationSpec& e = *x.spec;
    if (e.divert_to < 0 || e.site != to || !x.state.is_open()) continue;
    if (std::find(e.divert_from.begin(), e.divert_from.end(), from) == e.divert_from.end())
      continue;
    if (draw_uniform(x.divert_key, id) < e.divert_share) {
      ++x.diverted;
      return e.divert_to;
    }
  }
  return to;
}

Time Model::next_capacity_change(const SiteSpec& site, Time t) const {
  // The next shift edge or year start strictly after t.
  Time next = engine::kForever;
  const int y = year_at(t);
  if (y + 1 < years_ || t < warmup_) {
    const Time ys = t < warmup_ ? warmup_ : warmup_ + calendar_.year_start(y + 1);
    next = ys;
  }
  if (!site.roster.empty()) {
    const Time tau = t - warmup_;
    const Time day0 = std::floor(tau / kDay) * kDay;
    for (int d = 0; d <= 1; ++d) {
      for (const Shift& shift : site.roster) {
        for (const Time edge : {shift.from, shift.to}) {
          const Time cand = day0 + d * kDay + edge + warmup_;
          if (cand > t && cand < next) next = cand;
        }
      }
    }
  }
  return next;
}

std::uint32_t Model::new_patient(int cohort) {
  std::uint32_t id = 0;
  if (free_.empty()) {
    id = static_cast<std::uint32_t>(patients_.size());
    patients_.emplace_back();
  } else {
    id = free_.back();
    free_.pop_back();
  }
  Patient& p = patients_[id];
  p = Patient{};
  p.serial = next_serial_++;
  p.cohort = static_cast<std::uint16_t>(cohort);
  p.alive = true;
  return id;
}

void Model::free_patient(std::uint32_t id) {
  patients_[id].alive = false;
  free_.push_back(id);
}

void Model::log(std::uint32_t id, int site, engine::MonitorEventKind kind) {
  if (!log_events_ || sim_.now() < warmup_) return;  // the event log starts with the horizon
  sink_->event(patients_[id].serial, patients_[id].cohort, static_cast<std::uint16_t>(site),
               static_cast<std::uint8_t>(kind), sim_.now() - warmup_);
}

// At the horizon start, for every patient in the system: `arrive` where it is, `start` if it
// holds a place there, `block` where it waits to be admitted while holding the place upstream.
void Model::log_present_at_start() {
  using K = engine::MonitorEventKind;
  for (std::uint32_t id = 0; id < patients_.size(); ++id) {
    const Patient& p = patients_[id];
    if (!p.alive || p.site < 0) continue;
    if (p.upstream >= 0) {
      log(id, p.upstream, K::arrive);
      log(id, p.upstream, K::start);
      log(id, p.site, K::block);
      continue;
    }
    log(id, p.site, K::arrive);
    const auto& r = sites_[static_cast<std::size_t>(p.site)].res;
    const auto state = r ? r->state_of(id) : engine::EntityState::absent;
    if (state == engine::EntityState::in_service || state == engine::EntityState::holding) {
      log(id, p.site, K::start);
    }
  }
}

void Model::on_event(const engine::MonitorEvent& e) {
  if (e.time < warmup_) return;  // the event log starts with the horizon
  if (e.kind == engine::MonitorEventKind::capacity_change) {
    sink_->event(0xffffffffU, 0xffff, static_cast<std::uint16_t>(e.resource),
                 static_cast<std::uint8_t>(e.kind), e.time - warmup_);
    return;
  }
  const Patient& p = patients_[e.entity];
  sink_->event(p.serial, p.cohort, static_cast<std::uint16_t>(e.resource),
               static_cast<std::uint8_t>(e.kind), e.time - warmup_);
}

std::string Model::where(std::uint32_t id, int site) const {
  std::ostringstream os;
  os << calendar_.date_string(sim_.now() - warmup_);
  if (id < patients_.size()) {
    const Patient& p = patients_[id];
    os << ", patient #" << p.serial << " (cohort " << spec_.cohorts[p.cohort].name << ")";
  }
  if (site >= 0) {
    const SiteSpec& s = spec_.sites[static_cast<std::size_t>(site)];
    os << " at site '" << s.name << "'";
    if (!s.where.file.empty()) os << " (" << s.where.str() << ")";  // where it was written
  }
  return os.str();
}

std::pair<int, int> Model::choose_route(std::uint32_t id, int site) {
  SiteRt& rt = sites_[static_cast<std::size_t>(site)];
  const Patient& p = patients_[id];
  const int rule = rt.rule_for_cohort[p.cohort];
  if (rt.fixed_by_cohort[p.cohort].rule >= 0) return {rule, 0};
  if (rule < 0) {
    throw std::runtime_error("no route rule matches the patient's cohort");
  }
  const auto y = static_cast<std::size_t>(year());
  const auto [begin, count] = rt.route_span[static_cast<std::size_t>(rule) * years_ + y];
  if (count == 0) throw std::runtime_error("every route probability is zero this year");
  // One target: no draw (draws are per purpose, so nothing else shifts).
  if (rt.spec->routes[static_cast<std::size_t>(rule)].to.size() == 1) return {rule, 0};
  // The first target whose cumulative probability exceeds u (the last if rounding leaves u
  // above them all): count those at or below u, without a branch on the draw.
  const double u = draw_uniform(rt.route_key, id);
  const double* cum = rt.route_cum.data() + begin;
  std::uint32_t below = 0;
  for (std::uint32_t i = 0; i < count; ++i) below += cum[i] <= u ? 1U : 0U;
  return {rule, rt.route_target[begin + std::min(below, count - 1)]};
}

void Model::end_service(std::uint32_t id, int site) {
  // The route is chosen first (it depends only on the patient and the year). A patient whose
  // route has no hold moves on from service: the holding step finish_service would add lasts no
  // time, unless the next site turns it away into blocking (arrive_at then holds it here).
  SiteRt& rt = sites_[static_cast<std::size_t>(site)];
  Patient& p = patients_[id];
  // The common cases in one load: a fixed route straight on, to an exit or (no escalation
  // policy can divert it) to another site; as transfer() would move the patient.
  const FixedMove f = p.next;
  if (f.exit) {
    // Straight out of the system, as arrive_at(f.to) would do it.
    p.rule = f.rule;
    p.target = 0;
    ++p.visits;
    SiteRt& out = sites_[static_cast<std::size_t>(f.to)];
    count_arrival(out, p);
    leave_at_exit(id, out, f.to);
    return;
  }
  if (f.direct && escalations_.empty()) {
    p.rule = f.rule;
    p.target = 0;
    arrive_at(id, f.to, f.mode);
    return;
  }
  const auto [rule, target] = choose_route(id, site);
  const RouteTarget& t =
      rt.spec->routes[static_cast<std::size_t>(rule)].to[static_cast<std::size_t>(target)];
  if (!t.hold) {
    p.rule = static_cast<std::int16_t>(rule);
    p.target = static_cast<std::int16_t>(target);
    transfer(id);
    return;
  }
  rt.res->finish_service(id);
  route_from(id, site, rule, target);
}

void Model::route_from(std::uint32_t id, int site, int rule, int target) {
  Patient& p = patients_[id];
  p.rule = static_cast<std::int16_t>(rule);
  p.target = static_cast<std::int16_t>(target);
  SiteRt& rt = sites_[static_cast<std::size_t>(site)];
  const RouteTarget& t =
      rt.spec->routes[static_cast<std::size_t>(rule)].to[static_cast<std::size_t>(target)];
  if (t.hold && rt.res) {
    p.delayed = true;
    ++rt.delayed;
    const double scale = rt.spec->hold_scale.values.empty() ? 1.0 : rt.spec->hold_scale.at(year());
    const Time h = scale * draw(*t.hold, rt.hold_key, id);
    sim_.schedule(sim_.now() + std::max(0.0, h), engine::priority::kRelease, this, kHoldEnd, id);
    return;
  }
  transfer(id);
}

void Model::transfer(std::uint32_t id) {
  Patient& p = patients_[id];
  // The route was chosen at the resource site the patient is leaving (triage sites route in
  // arrive_at).
  SiteRt& rt = sites_[static_cast<std::size_t>(p.site)];
  const RouteTarget& t =
      rt.spec->routes[static_cast<std::size_t>(p.rule)].to[static_cast<std::size_t>(p.target)];
  if (!escalations_.empty()) {
    const int to = diverted_to(id, p.site, t.site);
    if (to != t.site) {  // diverted by an open escalation policy: straight to its destination
      arrive_at(id, to, engine::EntryMode::queue);
      return;
    }
  }
  if (t.travel) {
    start_travel(id, rt, t);
    return;
  }
  arrive_at(id, t.site, to_engine(t.mode));
}

void Model::start_travel(std::uint32_t id, SiteRt& from, const RouteTarget& t) {
  // The patient leaves every place it holds now and arrives at the target after the delay.
  const Time d = draw(*t.travel, from.travel_key, id);
  release_held(id);
  patients_[id].target = static_cast<std::int16_t>(t.site);
  sim_.schedule(sim_.now() + std::max(0.0, d), engine::priority::kArrival, this, kTravelEnd, id);
}

void Model::release_held(std::uint32_t id) {
  Patient& p = patients_[id];
  if (p.site >= 0) {
    const int s = p.site;
    p.site = -1;
    sites_[static_cast<std::size_t>(s)].res->release(id);
  }
  release_upstream(id);
}

void Model::release_upstream(std::uint32_t id) {
  Patient& p = patients_[id];
  if (p.upstream >= 0) {
    const int up = p.upstream;
    p.upstream = -1;
    sites_[static_cast<std::size_t>(up)].res->release(id);
  }
}

void Model::leave_system(std::uint32_t id) {
  release_held(id);
  free_patient(id);
}

void Model::leave_at_exit(std::uint32_t id, SiteRt& exit, int site) {
  ++exit.passes;
  log(id, site, engine::MonitorEventKind::arrive);
  leave_system(id);
}

void Model::arrive_at(std::uint32_t id, int site, engine::EntryMode mode, int hops, int moves) {
  SiteRt& rt = sites_[static_cast<std::size_t>(site)];
  const SiteSpec& s = *rt.spec;
  Patient& p = patients_[id];
  if (moves > kMaxZeroTimeMoves) {
    throw std::runtime_error("more than " + std::to_string(kMaxZeroTimeMoves) +
                             " moves at one instant (a zero-time routing cycle), the last to "
                             "site '" +
                             s.name + "'");
  }
  ++p.visits;  // a new step of the patient's substreams
  // As the site's own arrivals count (closed-overflow passes are not arrivals; a patient
  // blocked upstream arrives when admitted).
  if (!rt.res) count_arrival(rt, p);
  if (s.kind == SiteKind::exit) {
    leave_at_exit(id, rt, site);
    return;
  }
  if (s.kind == SiteKind::triage) {
    ++rt.passes;
    log(id, site, engine::MonitorEventKind::arrive);
    const auto [rule, target] = choose_route(id, site);
    const RouteTarget& t =
        s.routes[static_cast<std::size_t>(rule)].to[static_cast<std::size_t>(target)];
    if (t.travel) {
      start_travel(id, rt, t);
      return;
    }
    arrive_at(id, t.site, to_engine(t.mode), hops, moves + 1);
    return;
  }
  // A site with capacity. Closed (capacity 0) with an overflow: go there at once.
  if (rt.res->capacity() == 0 && s.overflow >= 0 && hops < kMaxOverflowHops) {
    arrive_at(id, s.overflow, mode, hops + 1, moves + 1);
    return;
  }
  // A same-day book: a request that finds no appointment left today goes on at once.
  if (s.appointments.enabled() && p.site != site) {
    if (rt.book_left <= 0 && s.overflow >= 0 && hops < kMaxOverflowHops) {
      ++rt.unmet;
      arrive_at(id, s.overflow, mode, hops + 1, moves + 1);
      return;
    }
    --rt.book_left;
    ++rt.booked;
  }
  if (p.site == site) {
    // A rework loop (a route back to the site the patient is leaving): it leaves, then joins the
    // line again as a new visit.
    release_held(id);
  }
  const int previous = p.site;
  p.upstream = static_cast<std::int16_t>(previous);
  p.site = static_cast<std::int16_t>(site);
  p.next = rt.fixed_by_cohort[p.cohort];
  p.remaining = -1;
  Time patience = engine::kForever;
  if (const engine::Distribution* d = rt.patience[p.cohort]) {
    patience = draw(*d, rt.patience_key, id);
  }
  // The service time is drawn on joining, from the visit's substream: the number the start
  // would draw (unless the year turns before it), computed off the path from a server freeing
  // to the next patient's service end.
  p.service_year = -1;
  if (!rt.scaled_service.empty()) {
    p.service_year = static_cast<std::int16_t>(year());
    p.service_draw = draw(rt.scaled_service[service_index(p)], rt.service_key, id);
  }
  const int prio = spec_.cohorts[p.cohort].priority;
  const int group = rt.res->config().groups > 0 ? p.cohort : 0;
  const Admission a = rt.res->arrive(id, prio, mode, patience, group);
  if (a != Admission::blocked) {
    count_arrival(rt, p);
    p.admitted = sim_.now();
  }
  switch (a) {
    case Admission::started:
    case Admission::queued:
      release_upstream(id);
      break;
    case Admission::blocked:
      if (previous >= 0) {
        Resource& up = *sites_[static_cast<std::size_t>(previous)].res;
        // Straight from service (Model::end_service): it now holds its place, done, until
        // admitted here.
        if (up.state_of(id) == engine::EntityState::in_service) up.finish_service(id);
        if (!p.delayed) {
          p.delayed = true;
          ++sites_[static_cast<std::size_t>(previous)].delayed;
        }
      }
      break;  // on_admitted releases the upstream place
    case Admission::baulked:
      p.site = static_cast<std::int16_t>(previous);
      p.upstream = -1;
      if (s.overflow >= 0 && s.overflow == previous) {
        // The overflow leads back to the place the patient still holds: nowhere else to go,
        // so it waits there for this site instead (blocking), e.g. an ED patient for a bed.
        arrive_at(id, site, engine::EntryMode::block, hops + 1, moves + 1);
      } else if (s.overflow >= 0 && hops < kMaxOverflowHops) {
        arrive_at(id, s.overflow, mode, hops + 1, moves + 1);
      } else {
        leave_system(id);
      }
      break;
  }
}

void Model::on_start(Resource& resource, std::uint32_t entity) {
  Patient& p = patients_[entity];
  SiteRt& rt = sites_[resource.id()];
  Time d = 0;
  if (p.remaining >= 0) {
    d = p.remaining;
    p.remaining = -1;
  } else if (!rt.scaled_service.empty()) {
    ++rt.served_by_cohort[p.cohort];  // a first start (restarts after pre-emption are not)
    record_wait(rt, p);
    d = std::max(0.0, p.service_year == year()
                          ? p.service_draw
                          : draw(rt.scaled_service[service_index(p)], rt.service_key, entity));
    p.service_year = -1;
  }
  p.service_end = sim_.now() + d;
  p.service_event =
      sim_.schedule(p.service_end, engine::priority::kRelease, this, kServiceEnd, entity);
}

void Model::on_renege(Resource& resource, std::uint32_t entity) {
  Patient& p = patients_[entity];
  ++sites_[resource.id()].reneged_by_cohort[p.cohort];
  record_wait(sites_[resource.id()], p);
  p.site = -1;
  const int to = sites_[resource.id()].spec->renege_to;
  if (to >= 0) {
    arrive_at(entity, to, engine::EntryMode::queue);
  } else {
    leave_system(entity);
  }
}

void Model::on_preempted(Resource& /*resource*/, std::uint32_t entity) {
  Patient& p = patients_[entity];
  sim_.cancel(p.service_event);
  p.remaining = std::max(0.0, p.service_end - sim_.now());
}

void Model::count_arrival(SiteRt& rt, const Patient& p) {
  ++rt.arrivals_by_cohort[p.cohort];
  if (rt.by_hour) ++rt.arrivals_by_hour[static_cast<std::size_t>(hour_of_week(sim_.now()))];
}

void Model::record_wait(SiteRt& rt, const Patient& p) {
  if (!rt.by_hour) return;
  const auto h = static_cast<std::size_t>(hour_of_week(p.admitted));
  rt.wait_sum_by_hour[h] += sim_.now() - p.admitted;
  rt.wait_count_by_hour[h] += 1;
}

void Model::on_admitted(Resource& resource, std::uint32_t entity) {
  count_arrival(sites_[resource.id()], patients_[entity]);
  patients_[entity].admitted = sim_.now();
  release_upstream(entity);
}

void Model::on_event(std::uint32_t kind, std::uint32_t arg) {
  int site = -1;
  std::uint32_t patient = kind == kArrival ? 0xffffffffU : arg;  // named in errors
  try {
    switch (kind) {
      case kArrival: {
        StreamRt& s = streams_rt_[arg];
        // Cohort by the year's shares (a stream of one cohort draws nothing: its cohort stream
        // serves nothing else).
        int cohort = s.only_cohort;
        if (cohort < 0) {
          const ArrivalSpec& a = *s.spec;
          // The first cohort whose cumulative share exceeds u (else the last), counted
          // without a branch on the draw.
          const double u = s.cohort_rng.uniform();
          const std::size_t n = a.cohorts.size();
          const double* cum = s.cohort_cum.data() + static_cast<std::size_t>(year()) * n;
          std::size_t below = 0;
          for (std::size_t k = 0; k < n; ++k) below += cum[k] <= u ? 1U : 0U;
          cohort = a.cohorts[std::min(below, n - 1)];
        }
        const Time next = next_arrival(s, sim_.now());
        if (next <= horizon_end()) {
          sim_.schedule_in_lane(s.lane, next, engine::priority::kArrival, this, kArrival, arg);
        }
        const std::uint32_t id = new_patient(cohort);
        patient = id;
        // Identified by stream and arrival number, not by the global serial: a stream whose
        // volume differs between scenarios then leaves every other stream's patients matched.
        patients_[id].crn_id = (static_cast<std::uint64_t>(arg) + 1) << 40 | s.arrivals++;
        site = s.to;
        arrive_at(id, s.to, engine::EntryMode::queue);
        break;
      }
      case kServiceEnd: {
        Patient& p = patients_[arg];
        site = p.site;
        p.delayed = false;
        end_service(arg, site);
        break;
      }
      case kHoldEnd: {
        site = patients_[arg].site;
        transfer(arg);
        break;
      }
      case kTravelEnd: {
        Patient& p = patients_[arg];
        site = p.target;
        arrive_at(arg, p.target, engine::EntryMode::queue);
        break;
      }
      default:
        assert(false && "unknown event kind");
    }
  } catch (const engine::DeadlockError&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(where(patient, site) + ": " + e.what());
  }
}

void Model::reset_windows() {
  week_clock_.reset(sim_.now());
  for (SiteRt& s : sites_) {
    s.passes = 0;
    s.delayed = 0;
    std::fill(s.arrivals_by_cohort.begin(), s.arrivals_by_cohort.end(), 0);
    std::fill(s.served_by_cohort.begin(), s.served_by_cohort.end(), 0);
    std::fill(s.reneged_by_cohort.begin(), s.reneged_by_cohort.end(), 0);
    std::fill(s.arrivals_by_hour.begin(), s.arrivals_by_hour.end(), 0);
    std::fill(s.wait_sum_by_hour.begin(), s.wait_sum_by_hour.end(), 0.0);
    std::fill(s.wait_count_by_hour.begin(), s.wait_count_by_hour.end(), 0.0);
    if (s.res) s.res->reset_stats();
  }
  for (SiteRt& rt : sites_) rt.offered = rt.booked = rt.unmet = 0;
  for (EscalationRt& x : escalations_) {
    const Time now = sim_.now();
    for (engine::TimeWeighted* tw : {&x.places, &x.open}) {
      tw->update(now, tw->level());
      tw->reset(now);
    }
    x.episodes = 0;
    x.diverted = 0;
  }
}

void Model::close_year(int y) {
  const Time now = sim_.now();
  const std::size_t n = kpis_.size();
  double* out = &values_[static_cast<std::size_t>(y) * n];
  std::map<std::string, double> by_name;
  std::size_t k = 0;
  // Escalation places opened at a site: place-hours and their cost (the policy's per_bed_day).
  const auto escalated = [&](const SiteSpec& s) {
    std::pair<double, double> hours_cost{0.0, 0.0};
    for (const EscalationRt& x : escalations_) {
      if (x.spec->add_site < 0 || &spec_.sites[static_cast<std::size_t>(x.spec->add_site)] != &s)
        continue;
      const double hours = x.places.area(now) / kHour;
      hours_cost.first += hours;
      hours_cost.second += x.spec->cost_per_bed_day * hours / 24.0;
    }
    return hours_cost;
  };
  // Per-site metrics, in kpi_catalogue order.
  for (const SiteRt& rt : sites_) {
    const SiteSpec& s = *rt.spec;
    const auto [escalation_hours, escalation_cost] = escalated(s);
    const bool res = rt.res != nullptr;
    for (const SiteMetric& m : kSiteMetrics) {
      if (!applies(m, s, spec_)) continue;
      const std::string metric = m.name;
      double v = kNaN;
      if (!res) {
        if (metric == "arrivals") v = static_cast<double>(rt.passes);
        if (metric == "cost" || metric == "cost_activity")
          v = s.cost.per_arrival * static_cast<double>(rt.passes);
        if (metric == "cost_beds" || metric == "cost_staff") v = 0;
      } else {
        const engine::ResourceStats& st = rt.res->stats();
        if (metric == "arrivals") {
          v = static_cast<double>(st.arrivals);
        } else if (metric == "accepted") {
          v = static_cast<double>(st.arrivals - st.baulked);
        } else if (metric == "served") {
          v = static_cast<double>(st.started);
        } else if (metric == "baulked") {
          v = static_cast<double>(st.baulked);
        } else if (metric == "reneged") {
          v = static_cast<double>(st.reneged);
        } else if (metric == "blocked") {
          v = static_cast<double>(rt.delayed);
        } else if (metric == "wait_mean") {
          v = st.waits.mean();
        } else if (metric == "wait_p50") {
          v = st.waits.quantile(0.5);
        } else if (metric == "wait_p90") {
          v = st.waits.quantile(0.9);
        } else if (metric == "wait_p95") {
          v = st.waits.quantile(0.95);
        } else if (metric == "time_in_site_mean") {
          v = st.time_in_resource.mean();
        } else if (metric == "time_in_site_p95") {
          v = st.time_in_resource.quantile(0.95);
        } else if (metric == "renege_wait_mean") {
          v = st.reneged_waits.mean();
        } else if (metric == "line_time_mean") {
          v = st.line_times.mean();
        } else if (metric == "occupancy_mean") {
          v = st.occupied.mean(now);
        } else if (metric == "occupancy_p95") {
          v = static_cast<double>(st.occupied.quantile(0.95, now));
        } else if (metric == "pct_time_full") {
          v = 100.0 * st.full.mean(now);
        } else if (metric == "queue_mean") {
          v = st.queue.mean(now);
        } else if (metric == "bed_days") {
          v = st.occupied.area(now) / kDay;
        } else if (metric == "blocked_days") {
          v = st.holding.area(now) / kDay;
        } else if (metric == "staffed_hours") {
          v = st.capacity.area(now) / kHour - escalation_hours;
        } else if (metric == "appointments_offered") {
          v = static_cast<double>(rt.offered);
        } else if (metric == "appointments_booked") {
          v = static_cast<double>(rt.booked);
        } else if (metric == "unmet_requests") {
          v = static_cast<double>(rt.unmet);
        } else if (metric == "escalation_bed_days") {
          v = escalation_hours / 24.0;
        } else if (metric == "cost" || metric == "cost_activity" || metric == "cost_beds" ||
                   metric == "cost_staff") {
          const double activity = s.cost.per_arrival * static_cast<double>(st.arrivals);
          const double beds = s.cost.per_day * st.occupied.area(now) / kDay;
          // Unlimited sites have no staffed hours (the loader refuses a staff cost there).
          const double own_hours = st.capacity.area(now) / kHour - escalation_hours;
          const double staff = s.cost.per_staffed_hour * own_hours + escalation_cost;
          v = metric == "cost_activity" ? activity
              : metric == "cost_beds"   ? beds
              : metric == "cost_staff"  ? staff
                                        : activity + beds + staff;
        }
      }
      out[k] = v;
      by_name[kpis_[k].name] = v;
      ++k;
    }
  }
  // Escalation policies, in kpi_catalogue order.
  for (const EscalationRt& x : escalations_) {
    const double bed_days = x.places.area(now) / kDay;
    for (const EscalationMetric& m : kEscalationMetrics) {
      const std::string metric = m.name;
      const double v = metric == "episodes"     ? static_cast<double>(x.episodes)
                       : metric == "open_hours" ? x.open.area(now) / kHour
                       : metric == "bed_days"   ? bed_days
                       : metric == "diverted"   ? static_cast<double>(x.diverted)
                                                : x.spec->cost_per_bed_day * bed_days;
      out[k] = v;
      by_name[kpis_[k].name] = v;
      ++k;
    }
  }
  // Declared KPIs, in order; ratios may name any KPI computed before them or a site metric.
  auto site_value = [&](int site, const std::string& metric) {
    return by_name["site." + spec_.sites[static_cast<std::size_t>(site)].name + "." + metric];
  };
  // The wait or time-in-site tallies a KPI covers: per site, or per site and cohort.
  auto tallies = [&](const KpiSpec& kpi) {
    std::vector<const engine::Tally*> list;
    for (int s : kpi.sites) {
      const auto& r = sites_[static_cast<std::size_t>(s)].res;
      if (!r) continue;
      const bool wait = kpi.metric == "wait";
      if (kpi.cohorts.empty()) {
        list.push_back(wait ? &r->stats().waits : &r->stats().time_in_resource);
        continue;
      }
      for (int c : kpi.cohorts) {
        const engine::GroupStats& g = r->stats().by_group[static_cast<std::size_t>(c)];
        list.push_back(wait ? &g.waits : &g.time_in_resource);
      }
    }
    return list;
  };
  for (const KpiSpec& kpi : spec_.kpis) {
    if (kpi.form == KpiSpec::Form::profile) {
      for (const double x : profile_values(kpi, now)) out[k++] = x;
      continue;
    }
    double v = kNaN;
    switch (kpi.form) {
      case KpiSpec::Form::sum: {
        v = 0;
        if (!kpi.cohorts.empty()) {  // arrivals, served or reneged of some cohorts only
          for (int s : kpi.sites) {
            const SiteRt& rt = sites_[static_cast<std::size_t>(s)];
            const auto& counts = kpi.metric == "served"    ? rt.served_by_cohort
                                 : kpi.metric == "reneged" ? rt.reneged_by_cohort
                                                           : rt.arrivals_by_cohort;
            for (int c : kpi.cohorts) v += static_cast<double>(counts[static_cast<std::size_t>(c)]);
          }
          break;
        }
        for (int s : kpi.sites) {
          const double x = site_value(s, kpi.metric);
          if (!std::isnan(x)) v += x;
        }
        break;
      }
      case KpiSpec::Form::mean: {
        // occupancy and queue: total over the sites; wait and time in site: weighted by patients.
        if (kpi.metric == "occupancy" || kpi.metric == "queue") {
          v = 0;
          for (int s : kpi.sites) {
            const double x = site_value(s, kpi.metric + "_mean");
            if (!std::isnan(x)) v += x;
          }
        } else {
          double sum = 0, count = 0;
          for (const engine::Tally* t : tallies(kpi)) {
            if (t->count() == 0) continue;
            sum += t->mean() * static_cast<double>(t->count());
            count += static_cast<double>(t->count());
          }
          v = count > 0 ? sum / count : kNaN;
        }
        break;
      }
      case KpiSpec::Form::share_within:
      case KpiSpec::Form::count_over:
      case KpiSpec::Form::p95: {
        engine::LogHistogram h;
        for (const engine::Tally* t : tallies(kpi)) {
          if (t->count() > 0) h.merge(t->histogram());
        }
        if (kpi.form == KpiSpec::Form::count_over) {
          // Patients whose wait or time in site exceeded the threshold (e.g. 12-hour waits).
          v = h.total() > 0 ? static_cast<double>(h.total()) * (1.0 - h.share_at_most(kpi.within))
                            : 0.0;
          v = std::round(v);
        } else if (h.total() > 0) {
          v = kpi.form == KpiSpec::Form::p95 ? h.quantile(0.95)
                                             : 100.0 * h.share_at_most(kpi.within);
        }
        break;
      }
      case KpiSpec::Form::profile:
        break;  // above
      case KpiSpec::Form::time_at_least:
      case KpiSpec::Form::time_at: {
        // Percent of the window's time at (or above) a level of one site.
        const auto& r = sites_[static_cast<std::size_t>(kpi.sites.front())].res;
        if (!r) break;
        const engine::ResourceStats& st = r->stats();
        const bool present = kpi.metric == "present";
        const engine::TimeWeighted& tw = present ? st.present : st.occupied;
        const double duration = tw.duration(now);
        if (kpi.level == KpiSpec::kFullLevel) {
          v = 100.0 * (present ? st.no_room : st.full).mean(now);
        } else if (kpi.form == KpiSpec::Form::time_at_least) {
          v = 100.0 * tw.time_at_least(kpi.level, now) / duration;
        } else {
          const std::vector<double> levels = tw.time_at_levels(now);
          const auto l = static_cast<std::size_t>(kpi.level);
          v = 100.0 * (l < levels.size() ? levels[l] : 0.0) / duration;
        }
        break;
      }
      case KpiSpec::Form::ratio: {
        const double a = by_name.count(kpi.numerator) ? by_name[kpi.numerator] : kNaN;
        const double b = by_name.count(kpi.denominator) ? by_name[kpi.denominator] : kNaN;
        v = b != 0 ? kpi.scale * a / b : kNaN;
        break;
      }
      case KpiSpec::Form::per_100k: {
        const double a = by_name.count(kpi.numerator) ? by_name[kpi.numerator] : kNaN;
        v = spec_.population > 0 ? a * 1e5 / spec_.population : kNaN;
        break;
      }
    }
    if (kpi.form == KpiSpec::Form::sum) v *= kpi.scale;  // e.g. days -> hours
    out[k] = v;
    by_name[kpi.name] = v;
    ++k;
  }
  assert(k == n);
}

std::vector<double> Model::profile_values(const KpiSpec& kpi, Time now) const {
  // Bin b (an hour of the day, or a day of the week) gathers hours of the week: hour h of day d
  // is d * 24 + h.
  const int bins = kpi.by_day ? 7 : 24;
  std::vector<double> out(static_cast<std::size_t>(bins), kNaN);
  for (int b = 0; b < bins; ++b) {
    std::vector<std::size_t> hours;
    hours.reserve(kpi.by_day ? 24 : 7);
    for (int i = 0; i < (kpi.by_day ? 24 : 7); ++i)
      hours.push_back(static_cast<std::size_t>(kpi.by_day ? b * 24 + i : i * 24 + b));
    double time = 0;
    for (const std::size_t h : hours) time += week_clock_.time(static_cast<int>(h), now);
    if (time <= 0) continue;
    double v = 0, n = 0;
    for (const int s : kpi.sites) {
      const SiteRt& rt = sites_[static_cast<std::size_t>(s)];
      for (const std::size_t h : hours) {
        if (kpi.metric == "arrivals") {
          v += static_cast<double>(rt.arrivals_by_hour[h]);
        } else if (kpi.metric == "wait") {
          v += rt.wait_sum_by_hour[h];
          n += rt.wait_count_by_hour[h];
        } else if (rt.res) {  // occupancy: the time average over those hours, summed over sites
          v += rt.res->stats().occupied_by_hour.area(static_cast<int>(h), now) / time;
        }
      }
    }
    if (kpi.metric == "arrivals") {
      v /= time / (kpi.by_day ? kDay : kHour);  // per hour of that hour, or per day of that day
    } else if (kpi.metric == "wait") {
      v = n > 0 ? v / n : kNaN;
    }
    out[static_cast<std::size_t>(b)] = v;
  }
  return out;
}

Time Model::residual_stay(SiteRt& rt, int cohort) {
  // The remaining stay of a patient found at the site in equilibrium: a length-biased stay
  // (sampling-importance-resampling over 32 draws, weights proportional to the stay), of which
  // a uniform share is left. Exact for the exponential in the limit, a close approximation else.
  constexpr int kDraws = 32;
  std::array<double, kDraws> draws{};
  double total = 0;
  const engine::Distribution& d = rt.scaled_service[static_cast<std::size_t>(cohort)];
  for (double& x : draws) {
    x = std::max(0.0, d.sample(rt.census_rng));
    total += x;
  }
  if (total <= 0) return 0;
  double u = rt.census_rng.uniform() * total;
  double chosen = draws.back();
  for (const double x : draws) {
    if (u < x) {
      chosen = x;
      break;
    }
    u -= x;
  }
  return rt.census_rng.uniform() * chosen;
}

void Model::seed_census() {
  // A warm start: patients already in place at time 0 (before any arrival), in site order.
  for (std::size_t i = 0; i < sites_.size(); ++i) {
    SiteRt& rt = sites_[i];
    const Census& c = rt.spec->initial;
    if (!rt.res || (c.occupied == 0 && c.waiting == 0)) continue;
    for (int k = 0; k < c.occupied + c.waiting; ++k) {
      const std::uint32_t id = new_patient(c.cohort);
      Patient& p = patients_[id];
      p.crn_id = (std::uint64_t{0xffffff} << 40) | (static_cast<std::uint64_t>(i) << 24) |
                 static_cast<std::uint64_t>(k);
      p.site = static_cast<std::int16_t>(i);
      p.next = rt.fixed_by_cohort[p.cohort];
      if (k < c.occupied && !rt.scaled_service.empty()) p.remaining = residual_stay(rt, c.cohort);
      ++rt.arrivals_by_cohort[p.cohort];
      const Admission a = rt.res->arrive(id, spec_.cohorts[p.cohort].priority,
                                         engine::EntryMode::queue, engine::kForever);
      if (a == Admission::baulked) {
        throw std::runtime_error("the initial census of site '" + rt.spec->name +
                                 "' does not fit its capacity and line at the start");
      }
    }
  }
}

void Model::start_processes() {
  // Capacity processes: rosters and yearly capacity trajectories.
  for (std::size_t i = 0; i < sites_.size(); ++i) {
    SiteRt& rt = sites_[i];
    if (!rt.res) continue;
    const SiteSpec& s = *rt.spec;
    bool varies = !s.roster.empty() || !s.capacity.constant();
    for (const Shift& sh : s.roster) varies = varies || (sh.capacity && !sh.capacity->constant());
    if (!varies) continue;
    sim_.spawn("capacity/" + s.name, [this, &rt, &s](engine::ProcessContext& ctx) {
      for (;;) {
        apply_capacity(rt, ctx.now());
        const Time next = next_capacity_change(s, ctx.now());
        if (next == engine::kForever) return;
        ctx.sleep_until(next);
      }
    });
  }
  // Escalation policies: one process per check interval checks its policies, in model order,
  // every check_every from the start (one SimGrid synchronisation for all of them, not one each).
  std::vector<std::vector<EscalationRt*>> groups;
  for (EscalationRt& x : escalations_) {
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& group) {
      return group.front()->spec->check_every == x.spec->check_every;
    });
    if (g == groups.end()) {
      groups.push_back({&x});
    } else {
      g->push_back(&x);
    }
  }
  for (const auto& group : groups) {
    sim_.spawn("escalation/" + group.front()->spec->name,
               [this, group](engine::ProcessContext& ctx) {
                 const Time every = group.front()->spec->check_every;
                 for (Time t = ctx.now() + every; t <= horizon_end_; t += every) {
                   ctx.sleep_until(t);
                   for (EscalationRt* x : group) check_escalation(*x, t);
                 }
               });
  }
  // The KPI year process: deletes the warm-up, then closes each year's window.
  sim_.spawn("kpi-years", [this](engine::ProcessContext& ctx) {
    ctx.sleep_until(warmup_);
    reset_windows();
    current_year_ = 0;
    for (int y = 0; y < years_; ++y) {
      ctx.sleep_until(warmup_ + window_end(y));
      close_year(y);
      reset_windows();
      current_year_ = std::min(y + 1, years_ - 1);
    }
  });
  // Same-day appointment books (started after the KPI year process, so a release at a year's
  // first instant counts in that year): each day's appointments released in tranches; the rest
  // lapses.
  for (SiteRt& rt : sites_) {
    const AppointmentBook& book = rt.spec->appointments;
    if (!book.enabled()) continue;
    sim_.spawn("appointments/" + rt.spec->name, [this, &rt, &book](engine::ProcessContext& ctx) {
      const auto n = static_cast<long long>(book.release.size());
      for (Time day = std::floor(-warmup_ / kDay) * kDay;; day += kDay) {
        for (long long i = 0; i < n; ++i) {
          const Time t = warmup_ + day + book.release[static_cast<std::size_t>(i)];
          if (t > horizon_end_) return;
          if (t < ctx.now()) continue;
          ctx.sleep_until(t);
          if (i == 0) rt.book_left = 0;                 // yesterday's unused appointments lapse
          if (capacity_at(*rt.spec, t) == 0) continue;  // closed at the release: none today
          const long long per_day = book.per_day.at(year_at(t));
          const long long tranche = per_day * (i + 1) / n - per_day * i / n;
          rt.book_left += tranche;
          rt.offered += static_cast<std::uint64_t>(tranche);
        }
      }
    });
  }
  // Event log: who is already in the system when the horizon starts (census and warm-up).
  if (log_events_) {
    sim_.spawn("event-log census", [this](engine::ProcessContext& ctx) {
      ctx.sleep_until(warmup_);
      log_present_at_start();
    });
  }
  // The hourly sampler.
  if (sink_ != nullptr && sink_->wants_time_series()) {
    sim_.spawn("sampler", [this](engine::ProcessContext& ctx) {
      const std::size_t n = sites_.size();
      std::vector<std::int32_t> occ(n), queue(n), busy(n);
      const auto hours = static_cast<std::int64_t>(horizon_length_ / kHour);
      for (std::int64_t h = 0; h < hours; ++h) {
        ctx.sleep_until(warmup_ + static_cast<Time>(h) * kHour);
        for (std::size_t i = 0; i < n; ++i) {
          const auto& r = sites_[i].res;
          occ[i] = r ? r->occupied() : 0;
          queue[i] = r ? r->queue_length() : 0;
          busy[i] = r ? r->in_service() : 0;
        }
        sink_->hourly(h, occ, queue, busy);
      }
    });
  }
}

ReplicationResult Model::run() {
  if (sink_ != nullptr) {
    std::vector<std::string> sites, cohorts;
    for (const auto& s : spec_.sites) sites.push_back(s.name);
    for (const auto& c : spec_.cohorts) cohorts.push_back(c.name);
    sink_->begin(sites, cohorts);
  }
  values_.assign(static_cast<std::size_t>(years_) * kpis_.size(), kNaN);
  for (std::size_t i = 0; i < streams_rt_.size(); ++i) {
    const Time first = next_arrival(streams_rt_[i], 0.0);
    if (first <= horizon_end()) {
      sim_.schedule_in_lane(streams_rt_[i].lane, first, engine::priority::kArrival, this, kArrival,
                            static_cast<std::uint32_t>(i));
    }
  }
  seed_census();
  start_processes();
  sim_.run(horizon_end());
  ReplicationResult result;
  result.kpis = kpis_;
  result.values = values_;
  result.events = sim_.events_processed();
  result.patients = next_serial_;
  result.synchronisations = sim_.synchronisations();
  return result;
}

}  // namespace

std::vector<KpiInfo> kpi_catalogue(const ModelSpec& model) {
  std::vector<KpiInfo> out;
  for (const SiteSpec& s : model.sites) {
    for (const SiteMetric& m : kSiteMetrics) {
      if (!applies(m, s, model)) continue;
      out.push_back(KpiInfo{"site." + s.name + "." + m.name, m.unit,
                            std::string(m.description) + " (" + s.label + ")", false});
    }
  }
  for (const EscalationSpec& x : model.escalation) {
    for (const EscalationMetric& m : kEscalationMetrics) {
      out.push_back(KpiInfo{"escalation." + x.name + "." + m.name, m.unit, m.description, false});
    }
  }
  for (const KpiSpec& k : model.kpis) {
    std::string unit = k.unit;
    if (unit.empty()) {
      if (k.form == KpiSpec::Form::share_within || k.form == KpiSpec::Form::time_at_least ||
          k.form == KpiSpec::Form::time_at) {
        unit = "%";
      } else if (k.form == KpiSpec::Form::count_over) {
        unit = "patients";
      } else if (k.form == KpiSpec::Form::per_100k) {
        unit = "per 100,000";
      } else if (k.form == KpiSpec::Form::mean &&
                 (k.metric == "wait" || k.metric == "time_in_site")) {
        unit = "min";
      } else if (k.form == KpiSpec::Form::p95) {
        unit = "min";
      } else {
        unit = metric_unit(k.metric);
      }
    }
    if (k.form == KpiSpec::Form::profile) {
      const std::string u = k.metric == "arrivals" ? (k.by_day ? "patients/day" : "patients/hour")
                            : k.metric == "wait"   ? "min"
                                                   : "places";
      for (const std::string& name : profile_names(k))
        out.push_back(KpiInfo{name, k.unit.empty() ? u : k.unit, k.description, k.headline});
      continue;
    }
    out.push_back(KpiInfo{k.name, unit, k.description, k.headline});
  }
  return out;
}

ReplicationResult run_replication(const ModelSpec& model, std::uint64_t seed, int replication,
                                  ReplicationSink* sink) {
  Model m(model, seed, replication, sink);
  return m.run();
}

}  // namespace carepath::pathways
