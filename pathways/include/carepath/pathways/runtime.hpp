#pragma once
// The model runtime: simulates one replication of a resolved ModelSpec.
//
// Patients are data, never actors: their events run on the engine's calendar. Rosters, yearly
// trajectory changes, KPI year-ends and the hourly sampler are SimGrid system processes.
// One replication per OS process (SimGrid allows one engine per process): callers fork, see
// engine/isolate.hpp and app/cli.
#include <carepath/pathways/model_spec.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace carepath::pathways {

/// One KPI's identity, the same for every replication of a model.
struct KpiInfo {
  std::string name;  ///< "ed_attendances", "site.ed.wait_p95"
  std::string unit;  ///< "attendances", "%", "min", "bed-days"
  std::string description;
  bool headline = false;
};

/// Receives what a replication produces while it runs (time series, event log).
class ReplicationSink {
 public:
  virtual ~ReplicationSink() = default;
  /// Called once before the run with the site names (in ModelSpec order) and cohort names.
  virtual void begin(const std::vector<std::string>& sites,
                     const std::vector<std::string>& cohorts) {
    (void)sites;
    (void)cohorts;
  }
  /// Whether to sample hourly time series (occupancy, queue, in-service per site).
  [[nodiscard]] virtual bool wants_time_series() const { return false; }
  /// One hourly sample; `hour` counts from the horizon start (warm-up excluded).
  virtual void hourly(std::int64_t hour, std::span<const std::int32_t> occupancy,
                      std::span<const std::int32_t> queue,
                      std::span<const std::int32_t> in_service) {
    (void)hour;
    (void)occupancy;
    (void)queue;
    (void)in_service;
  }
  /// Whether to log every patient event (from the horizon start; warm-up events are not logged).
  [[nodiscard]] virtual bool wants_events() const { return false; }
  /// Event codes as engine::MonitorEventKind; time in minutes from the horizon start.
  virtual void event(std::uint32_t patient, std::uint16_t cohort, std::uint16_t site,
                     std::uint8_t kind, double time) {
    (void)patient;
    (void)cohort;
    (void)site;
    (void)kind;
    (void)time;
  }
};

struct ReplicationResult {
  std::vector<KpiInfo> kpis;
  /// values[year * kpis.size() + k]
  std::vector<double> values;
  std::uint64_t events = 0;    ///< patient events processed
  std::uint64_t patients = 0;  ///< patients created
  std::uint64_t synchronisations = 0;
  [[nodiscard]] double value(int year, std::size_t k) const {
    return values[static_cast<std::size_t>(year) * kpis.size() + k];
  }
};

/// The KPI list a model produces (without running it).
std::vector<KpiInfo> kpi_catalogue(const ModelSpec& model);

/// Runs replication `replication` of `model` with master seed `seed`. Must be the only
/// simulation in this OS process. Throws engine::SimulationError (with sim time, patient and
/// site) or engine::DeadlockError when the model fails at run time.
ReplicationResult run_replication(const ModelSpec& model, std::uint64_t seed, int replication,
                                  ReplicationSink* sink = nullptr);

}  // namespace carepath::pathways
