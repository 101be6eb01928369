#pragma once
// The event log as a vidigi event log (https://github.com/hsma-tools/vidigi): one entity per
// patient stay, an `arrival` and (unless still present at the end) a `depart` per entity, a
// queue / resource_use / resource_use_end row per site visit, resource slots numbered per site.
#include <carepath/outputs/result_file.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <string>

namespace carepath::outputs {

struct VidigiOptions {
  /// Only these sites ("" set = every site). Patients enter the log when they arrive at one of
  /// them and leave it when they go to a site outside the set; a later return is a new entity.
  std::set<std::string> sites;
  /// Window in minutes since horizon.start: patients present at `from` appear then (with
  /// their place and resource slot); nothing after `to` is written.
  double from = 0;
  double to = std::numeric_limits<double>::infinity();
  std::optional<std::uint32_t> replication;  ///< only this replication
  std::optional<std::string> scenario;       ///< only this scenario
  /// Sites where a patient leaves the system on arrival (kind exit). Empty: a site is taken
  /// as an exit when no patient ever has an event after arriving there.
  std::set<std::string> exit_sites;
};

/// What export_vidigi_csv wrote.
struct VidigiSummary {
  std::uint64_t rows = 0;
  std::uint64_t entities = 0;
  std::uint64_t present_at_start = 0;  ///< entities already there at the window start
  std::uint64_t present_at_end = 0;    ///< entities without a `depart` (still there at the end)
};

/// Writes `file`: columns scenario, run, patient (entity id: the patient number, "-2", "-3"
/// appended for later stays), patient_serial, pathway, site, event_type, event, time (minutes
/// since horizon.start), resource_id, present_at_end (1 on every row of an entity still there
/// at the end of the window). Within one time stamp an entity's rows are ordered arrival,
/// ends, queues, starts, depart, so vidigi's "latest event" is where the patient is. Event logs
/// must be in time order (as written by the simulation).
VidigiSummary export_vidigi_csv(const ResultReader& reader, const std::filesystem::path& file,
                                const VidigiOptions& options);

}  // namespace carepath::outputs
