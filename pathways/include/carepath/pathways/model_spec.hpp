#pragma once
// The resolved model: what the YAML loader produces and the runtime simulates.
//
// Plain structs (model data), strong-ish ids as indices into the vectors. Every time is in
// MINUTES. Every value that may vary by financial year is a Yearly<T> holding exactly
// horizon.years values. Indices are resolved and validated by the loader.
#include <carepath/engine/calendar.hpp>
#include <carepath/engine/distributions.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace carepath::pathways {

using engine::Time;
inline constexpr Time kMinute = 1.0;
inline constexpr Time kHour = 60.0;
inline constexpr Time kDay = 1440.0;
inline constexpr Time kWeek = 7 * kDay;
inline constexpr int kUnlimited = -1;

/// Where a value came from, for messages at run time ("scenarios/dudley/model.yaml:120:7").
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  [[nodiscard]] std::string str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

/// One value per financial year of the horizon (year 0 = the first year).
template <class T>
struct Yearly {
  std::vector<T> values;
  Yearly() = default;
  Yearly(T v, int years) : values(static_cast<std::size_t>(years > 0 ? years : 1), v) {}
  [[nodiscard]] const T& at(int year) const {
    const auto n = static_cast<int>(values.size());
    const int y = year < 0 ? 0 : (year >= n ? n - 1 : year);
    return values[static_cast<std::size_t>(y)];
  }
  [[nodiscard]] bool constant() const {
    for (const T& v : values)
      if (!(v == values.front())) return false;
    return true;
  }
};

enum class SiteKind : std::uint8_t { service, beds, team, triage, delay, exit };
enum class EntryMode : std::uint8_t { queue, block, divert };
enum class QueueOrder : std::uint8_t { fifo, priority };
enum class ClosePolicy : std::uint8_t { finish, preempt };

struct CohortSpec {
  std::string name;
  std::map<std::string, std::string> attributes;
  int priority = 3;
};

struct ProfileSpec {
  std::string name;
  std::array<double, 168> hour_of_week{};  ///< Monday 00:00-01:00 first; relative weights
  std::array<double, 12> month_of_year{};  ///< January first; relative weights
};

struct ArrivalSpec {
  std::string name;
  int to = -1;                         ///< entry site index
  Yearly<double> volume_per_year;      ///< expected arrivals in each year (growth applied)
  int profile = -1;                    ///< index into profiles, -1 = flat
  std::vector<int> cohorts;            ///< cohort indices ...
  std::vector<Yearly<double>> shares;  ///< ... and their shares (sum to 1 each year)
  SourceLocation where;
};

/// A rule's guard: cohort list (empty = any) and attribute matches (all must hold).
struct Guard {
  std::vector<int> cohorts;
  std::vector<std::pair<std::string, std::vector<std::string>>> attributes;
  [[nodiscard]] bool empty() const { return cohorts.empty() && attributes.empty(); }
};

struct RouteTarget {
  int site = -1;
  Yearly<double> p;
  EntryMode mode = EntryMode::queue;
  std::optional<engine::Distribution> hold;    ///< time still occupying the current place first
  std::optional<engine::Distribution> travel;  ///< delay after leaving, before arriving
  SourceLocation where;
};

struct RouteRule {
  Guard when;
  std::vector<RouteTarget> to;
  SourceLocation where;
};

struct Shift {
  std::uint8_t days = 0x7f;             ///< bit 0 = Monday ... bit 6 = Sunday
  Time from = 0;                        ///< minutes after midnight
  Time to = kDay;                       ///< minutes after midnight, > from (24:00 = 1440)
  std::optional<Yearly<int>> capacity;  ///< the shift's own capacity; else the site's
};

/// A warm start: patients already at the site when the simulation starts.
struct Census {
  int occupied = 0;  ///< places occupied (their remaining stay is an equilibrium residual)
  int waiting = 0;   ///< patients already waiting in the line
  int cohort = 0;    ///< the cohort they belong to
};

struct Costs {
  double per_arrival = 0;       ///< activity: per patient arriving
  double per_day = 0;           ///< bed-days: per occupied day (bed-day, caseload-day)
  double per_staffed_hour = 0;  ///< staff: per server (or bed) in service per hour, open or idle
  [[nodiscard]] bool any() const { return per_arrival > 0 || per_day > 0 || per_staffed_hour > 0; }
};

/// A same-day appointment book: `per_day` appointments a day, released in equal tranches at
/// `release` (minutes after midnight); what is left lapses at the next day's first release.
struct AppointmentBook {
  Yearly<int> per_day;        ///< empty: the site has no book
  std::vector<Time> release;  ///< times of day, ascending
  [[nodiscard]] bool enabled() const { return !per_day.values.empty(); }
};

struct SiteSpec {
  std::string name;
  std::string label;
  SiteKind kind = SiteKind::service;
  Yearly<int> capacity;       ///< kUnlimited for infinite-server sites
  std::vector<Shift> roster;  ///< empty = open 24/7 at capacity
  ClosePolicy on_close = ClosePolicy::finish;
  QueueOrder queue = QueueOrder::fifo;
  bool preemptive = false;
  int queue_limit = kUnlimited;
  std::optional<engine::Distribution> service;
  Yearly<double> service_scale;  ///< multiplier on service times, per year
  /// Cohort-specific service distributions, overriding `service` for those cohorts.
  std::vector<std::pair<int, engine::Distribution>> service_by_cohort;
  Yearly<double> hold_scale;  ///< multiplier on the `hold` times of this site's routes
  Census initial;             ///< warm start (zero by default)
  std::optional<engine::Distribution> patience;
  /// A cohort's own patience, in place of `patience` (which may then be absent: other cohorts
  /// never renege).
  std::vector<std::pair<int, engine::Distribution>> patience_by_cohort;
  int renege_to = -1;  ///< -1: reneging patients leave the system
  int overflow = -1;   ///< -1: none (patients are lost when full/closed)
  std::vector<RouteRule> routes;
  AppointmentBook appointments;  ///< same-day booking (requests without one go to `overflow`)
  Costs cost;
  SourceLocation where;

  /// True if the site has capacity: unlimited in some year (no staffed hours, no percentages).
  [[nodiscard]] bool unlimited_in_some_year() const {
    for (const int c : capacity.values)
      if (c == kUnlimited) return true;
    return false;
  }
};

/// A declarative KPI (see scenarios/README.md, "KPIs").
struct KpiSpec {
  enum class Form : std::uint8_t {
    sum,
    mean,
    share_within,
    p95,
    ratio,
    per_100k,
    count_over,
    time_at_least,  ///< % of time with `metric` (occupancy or present) >= level at one site
    time_at,        ///< % of time with `metric` == level at one site
    profile,        ///< `metric` (arrivals, occupancy, wait) by hour of day or day of week
  };
  std::string name;
  std::string unit;
  std::string description;
  Form form = Form::sum;
  std::string metric;        ///< sum/mean/p95: the site metric
  std::vector<int> sites;    ///< sum/mean/share_within/p95
  std::vector<int> cohorts;  ///< only these cohorts (empty = all): sum of arrivals, served or
                             ///< reneged; mean, p95, share_within, count_over of wait/time_in_site
  Time within = 0;           ///< share_within, count_over (with metric wait or time_in_site)
  int level = kFullLevel;    ///< time_at_least, time_at: a count, or kFullLevel
  bool by_day = false;       ///< profile: by day of week (7 KPIs) instead of hour of day (24)
  static constexpr int kFullLevel = -1;  ///< every place taken (and every waiting place, present)
  std::string numerator;                 ///< ratio; per_100k uses numerator only
  std::string denominator;               ///< ratio
  double scale = 1.0;                    ///< ratio and sum: a multiplier (100 for %, 24 for hours)
  bool headline = false;
  SourceLocation where;
};

struct HorizonSpec {
  int start_year = 2014, start_month = 4, start_day = 1;
  int years = 1;    ///< financial (or calendar) years the horizon touches: the KPI windows
  Time length = 0;  ///< minutes, for a horizon given as a length (26w); 0 = `years` whole years
  [[nodiscard]] std::string year_label(int k) const;  ///< "2014/15" for a 1 April start
};

struct RunSpec {
  Time warmup = 0;  ///< minutes, simulated before the horizon start
  int replications = 10;
  std::uint64_t seed = 1;
};

/// An escalation policy (OPEL-style; scenarios/README.md, "Escalation"): a system process that
/// checks one measure of a site every `check_every`; when the measure has stayed at or above the
/// opening threshold for `sustain`, it opens, `delay` later, extra capacity at `add_site` and/or
/// diverts a share of the patients moving from `divert_from` sites to the watched site; it closes
/// when the measure has stayed below the closing threshold for `settle`.
struct EscalationSpec {
  enum class Measure : std::uint8_t { occupancy, queue, boarding, present };
  std::string name;
  int site = -1;  ///< the watched site
  Measure measure = Measure::occupancy;
  double open_at = 0;  ///< a count, or a share of the site's own capacity if open_share
  bool open_share = false;
  double close_below = 0;
  bool close_share = false;
  Time sustain = 0;              ///< `for`: how long the measure must stay at or above open_at
  Time delay = 0;                ///< `after`: from the decision to the extra capacity being open
  Time settle = 0;               ///< how long the measure must stay below close_below to close
  Time check_every = 15.0;       ///< minutes between checks
  int add_site = -1;             ///< site given extra capacity (-1: none)
  int add = 0;                   ///< extra places while open
  std::vector<int> divert_from;  ///< moves out of these sites into `site` may be diverted
  double divert_share = 0;
  int divert_to = -1;
  double cost_per_bed_day = 0;  ///< per day of each extra place open (staff included)
  SourceLocation where;
};

/// A plan target (scenarios/README.md, "Targets"): KPI `kpi` at least (or at most) `bound`, in
/// the KPI's unit, in the listed years (empty = every year of the horizon).
struct TargetSpec {
  std::string name;
  std::string kpi;
  double bound = 0;
  bool at_least = true;
  std::vector<int> years;  ///< year indices; empty = every year
  std::string label;
  SourceLocation where;
};

struct ModelSpec {
  std::string name;
  std::string description;
  std::string scenario;           ///< scenario name ("" for a bare model)
  SourceLocation scenario_where;  ///< where `scenario: {name: ...}` gives it (line 0 if nowhere)
  double population = 0;
  HorizonSpec horizon;
  RunSpec run;
  std::vector<CohortSpec> cohorts;
  std::vector<ProfileSpec> profiles;
  std::vector<ArrivalSpec> arrivals;
  std::vector<SiteSpec> sites;
  std::vector<KpiSpec> kpis;
  std::vector<EscalationSpec> escalation;
  std::vector<TargetSpec> targets;
  std::string source_file;    ///< the file that was loaded
  std::string resolved_yaml;  ///< the merged YAML document, for provenance

  [[nodiscard]] int site_index(const std::string& name) const;
  [[nodiscard]] int cohort_index(const std::string& name) const;
};

}  // namespace carepath::pathways
