#pragma once
// HDF5 result files (layout in outputs/SCHEMA.md). Public API only; HDF5 stays in src/.
//
// How a run writes its results:
//  1. Each (scenario, replication) runs in a forked child, which streams a PART file through
//     PartWriter: it writes `<part>.tmp`, and finish() marks it complete and renames it to
//     `<part>` (atomic in one directory). A child that dies leaves only the .tmp.
//  2. The parent, once every child has finished, feeds the parts to a ResultAssembler, which
//     writes `<final>.tmp` (provenance, KPI tables, summaries, comparisons, copies of the
//     time series and event logs), sets the root attribute complete=1 last, closes and renames
//     it to `<final>`. A run that dies therefore never leaves a half-written file under the final
//     name. Parts are taken in replication order, never in completion order, so the datasets
//     are bit-identical whatever the number of processes; only /meta timestamps differ.
//  3. A later run can reuse finished parts (part_is_reusable) to resume an interrupted run.
//
// Fork safety: never fork while an HDF5 object (writer, assembler, reader) is open in the
// parent; children must create their own PartWriter after the fork.
#include <carepath/outputs/results.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace carepath::outputs {

/// Any failure to write, read or validate a result or part file. what() starts with the path.
class ResultFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Event codes of the event log (stored as an HDF5 enum of u8 with these names).
enum class EventCode : std::uint8_t {
  arrive = 0,           ///< patient arrives at a site (starts waiting)
  start = 1,            ///< starts service (takes a server/bed)
  block = 2,            ///< service done but cannot leave (downstream full); keeps the server
  unblock = 3,          ///< blocking ends
  renege = 4,           ///< leaves the queue before service (patience ran out)
  baulk = 5,            ///< refused on arrival (queue full), never queued
  leave = 6,            ///< leaves the site after service (frees the server)
  capacity_change = 7,  ///< site capacity changed (patient field unused, 0)
  preempt = 8,          ///< service interrupted; patient goes back to the queue
};
inline constexpr std::size_t kEventCodeCount = 9;
/// "arrive", "start", ... ; "?" for an out-of-range code.
[[nodiscard]] std::string_view event_code_name(EventCode code);

/// One event-log row (minutes since horizon.start, the end of the warm-up).
struct EventRecord {
  std::uint32_t patient = 0;
  std::uint16_t cohort = 0;  ///< index into PartSpec::cohorts
  std::uint16_t site = 0;    ///< index into PartSpec::event_sites
  EventCode event = EventCode::arrive;
  double time = 0;
  friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

/// One site's state in one hourly sample.
struct SiteSample {
  std::int32_t occupancy = 0;
  std::int32_t queue = 0;
  std::int32_t in_service = 0;
  friend bool operator==(const SiteSample&, const SiteSample&) = default;
};

/// What a part is about; fixed when the child creates it.
struct PartSpec {
  std::string scenario;
  std::uint32_t replication = 0;
  std::uint64_t master_seed = 0;
  std::string config_hash;         ///< fnv1a64_hex of the scenario's resolved YAML
  std::vector<std::string> years;  ///< year labels, e.g. "2014/15"
  std::vector<KpiDef> kpis;        ///< identical for all replications of a scenario
  std::vector<std::string> sites;  ///< time-series sites; empty = no time series
  double sample_interval_minutes = 60;
  bool event_log = false;                ///< whether append_events is used
  std::vector<std::string> cohorts;      ///< event-log cohort names (EventRecord::cohort)
  std::vector<std::string> event_sites;  ///< event-log site names (EventRecord::site)
};

/// Lower-case 16-digit hex FNV-1a 64 of `text` (the provenance hash of a scenario's YAML).
[[nodiscard]] std::string fnv1a64_hex(std::string_view text);

/// Initialises the HDF5 library in this process (once; later calls do nothing). The parent of
/// forked replications calls it before forking, so that each child inherits the initialised
/// library instead of initialising it again (about half a millisecond a child).
void prepare_library();

/// Conventional part path: `<dir>/<scenario>.r<replication, 4+ digits>.part.h5`, with
/// characters other than [A-Za-z0-9._-] in the scenario name replaced by '_'.
[[nodiscard]] std::filesystem::path part_path(const std::filesystem::path& dir,
                                              std::string_view scenario, std::uint32_t replication);

/// Child side: streams one (scenario, replication) part. Memory is bounded whatever the run
/// length: time series and events are buffered a chunk at a time and appended to chunked,
/// compressed, extendible datasets.
class PartWriter {
 public:
  /// Creates `<final_path>.tmp` (truncating a stale one).
  PartWriter(std::filesystem::path final_path, PartSpec spec);
  /// Without finish(), closes and deletes the .tmp: the part never appears complete.
  ~PartWriter();
  PartWriter(PartWriter&&) noexcept;
  PartWriter& operator=(PartWriter&&) noexcept;
  PartWriter(const PartWriter&) = delete;
  PartWriter& operator=(const PartWriter&) = delete;

  /// KPI value of year index y, KPI index k (values default to NaN until set).
  void set_kpi_value(std::size_t year, std::size_t kpi, double value);
  /// KPI value by names; throws std::invalid_argument for an unknown year or KPI.
  void set_kpi_value(std::string_view year, std::string_view kpi, double value);
  /// All KPI values of year index y, in PartSpec::kpis order.
  void set_kpi_values(std::size_t year, std::span<const double> values);

  /// Appends one sample (one hour): exactly one SiteSample per site, in PartSpec::sites order.
  void append_sample(std::span<const SiteSample> per_site);
  /// Appends event rows (needs PartSpec::event_log).
  void append_events(std::span<const EventRecord> events);

  [[nodiscard]] std::uint64_t samples_written() const;
  [[nodiscard]] std::uint64_t events_written() const;

  /// Flushes, writes the KPI values, sets complete=1, closes and renames .tmp to the final path.
  void finish();

  [[nodiscard]] const std::filesystem::path& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Header of a finished part.
struct PartInfo {
  PartSpec spec;
  std::uint64_t samples = 0;
  std::uint64_t events = 0;
};
/// Reads a part's header; throws ResultFileError if it is missing, unreadable or incomplete.
[[nodiscard]] PartInfo read_part_info(const std::filesystem::path& part);
/// Why `part` cannot be reused for `expected` (the PartSpec the run would write), or "" if it
/// can. The key is the whole spec: scenario, replication, seed, config hash, years, KPI
/// definitions, time-series sites and interval (none = --no-timeseries), event log on/off and
/// its names, plus the part format version. The part's `checksum` (header and KPI values) and
/// the Fletcher-32 checksum of every time-series and event chunk are verified (this reads the
/// whole part). "missing" if there is no file; otherwise one line starting with the path, e.g.
/// "<part>: damaged part (content checksum mismatch)" or "<part>: written without time series".
[[nodiscard]] std::string part_reuse_problem(const std::filesystem::path& part,
                                             const PartSpec& expected);
/// part_reuse_problem(part, expected).empty(): a resumed run may reuse the part instead of
/// re-running the replication.
[[nodiscard]] bool part_is_reusable(const std::filesystem::path& part, const PartSpec& expected);

/// Run-level provenance recorded in /meta.
struct RunMeta {
  std::string command_line;
  std::uint64_t master_seed = 0;
  std::uint32_t replications = 0;
  std::uint32_t processes = 1;
  std::vector<std::string> years;
  std::string baseline;  ///< scenario the others are compared with ("" = no comparisons)
  // Filled by the assembler (and read back by ResultReader):
  std::string carepath_version;
  std::string git_commit;
  std::string created_utc;  ///< ISO 8601, e.g. "2024-05-01T12:34:56Z"
};

/// A scenario's resolved configuration as recorded in /meta.
struct ScenarioConfig {
  std::string name;
  std::string yaml;
  std::string hash;  ///< fnv1a64_hex(yaml)
};

/// Parent side: assembles the final result file from the parts.
class ResultAssembler {
 public:
  ResultAssembler(std::filesystem::path final_path, RunMeta meta);
  ~ResultAssembler();  ///< removes `<final>.tmp` if write() did not complete
  ResultAssembler(const ResultAssembler&) = delete;
  ResultAssembler& operator=(const ResultAssembler&) = delete;

  /// Declares a scenario (in output order) with its resolved YAML text and its plan targets
  /// (written to /scenarios/{scenario}/targets when there are any).
  void add_scenario(std::string name, std::string resolved_yaml,
                    std::vector<TargetDef> targets = {});
  /// Registers a finished part (any order). Validates it at once: throws ResultFileError if it
  /// is incomplete, belongs to no declared scenario, duplicates a replication, has other years,
  /// another seed or config hash, or KPI definitions that differ from the scenario's other parts.
  void add_part(const std::filesystem::path& part);

  /// KPI values gathered so far, sorted by replication (for the `run` command's headline table).
  [[nodiscard]] ResultSet results() const;

  /// Writes `<final>.tmp`, then complete=1, then renames to `<final>`. Throws ResultFileError
  /// (and leaves nothing under the final name) if a scenario lacks parts for
  /// `meta.replications` replications or the baseline is unknown.
  void write();

  [[nodiscard]] const std::filesystem::path& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One replication's hourly samples, read back: data[(hour * sites + site)].
struct TimeSeries {
  std::vector<std::string> sites;
  double interval_minutes = 60;
  std::uint64_t samples = 0;
  std::vector<SiteSample> data;
};

/// Reads a complete result file. Everything small (meta, KPI values, summaries, comparisons)
/// is loaded on open; time series and event logs are read on demand, in blocks.
class ResultReader {
 public:
  /// Throws ResultFileError; for a file without complete=1 (or only a `<path>.tmp`) the message
  /// is "<path>: incomplete result file (the run that wrote it did not finish); re-run it".
  explicit ResultReader(const std::filesystem::path& path);
  ~ResultReader();
  ResultReader(ResultReader&&) noexcept;
  ResultReader& operator=(ResultReader&&) noexcept;
  ResultReader(const ResultReader&) = delete;
  ResultReader& operator=(const ResultReader&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const;
  [[nodiscard]] const RunMeta& meta() const;
  [[nodiscard]] const std::vector<ScenarioConfig>& scenario_configs() const;
  [[nodiscard]] std::vector<std::string> scenarios() const;
  [[nodiscard]] const std::vector<std::string>& years() const;
  [[nodiscard]] const std::vector<KpiDef>& kpis(std::string_view scenario) const;
  [[nodiscard]] const std::vector<std::uint32_t>& replications(std::string_view scenario) const;
  /// Values of one KPI in one year across replications (replication order).
  [[nodiscard]] std::vector<double> values(std::string_view scenario, std::string_view kpi,
                                           std::string_view year) const;
  /// All KPI values, as written.
  [[nodiscard]] const ResultSet& results() const;
  /// The stored summary rows of a scenario.
  [[nodiscard]] const std::vector<SummaryRow>& summary(std::string_view scenario) const;
  /// The stored comparisons (one per non-baseline scenario; empty without a baseline).
  [[nodiscard]] const std::vector<Comparison>& comparisons() const;

  [[nodiscard]] bool has_time_series(std::string_view scenario, std::uint32_t replication) const;
  /// Everything read (memory grows with run length: prefer for_each_sample_block for exports).
  [[nodiscard]] TimeSeries time_series(std::string_view scenario, std::uint32_t replication) const;
  /// Sites, interval and number of samples, without the data.
  [[nodiscard]] TimeSeries time_series_header(std::string_view scenario,
                                              std::uint32_t replication) const;
  [[nodiscard]] bool has_events(std::string_view scenario, std::uint32_t replication) const;
  /// Event-log cohort and site names of a replication.
  [[nodiscard]] std::vector<std::string> event_cohorts(std::string_view scenario,
                                                       std::uint32_t replication) const;
  [[nodiscard]] std::vector<std::string> event_sites(std::string_view scenario,
                                                     std::uint32_t replication) const;
  /// Calls `sink` with consecutive blocks of at most `block_rows` events, in file order.
  void for_each_event_block(std::string_view scenario, std::uint32_t replication,
                            const std::function<void(std::span<const EventRecord>)>& sink,
                            std::size_t block_rows = 65536) const;
  /// Same for time series: blocks of whole samples (data[(i * sites + site)], first sample
  /// index `first`).
  void for_each_sample_block(
      std::string_view scenario, std::uint32_t replication,
      const std::function<void(std::uint64_t first, std::span<const SiteSample>)>& sink,
      std::size_t block_samples = 4096) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One object of an HDF5 file as seen by inspect_file (for schema checks and diagnostics).
struct ObjectInfo {
  std::string path;  ///< "/" for the root group
  bool is_dataset = false;
  std::string dtype;                    ///< datasets: "float64", "int32", "uint32", "string",
                                        ///< "compound", "enum", ...; groups: ""
  std::vector<std::uint64_t> shape;     ///< datasets only
  std::vector<std::string> fields;      ///< compound member names
  std::vector<std::string> attributes;  ///< attribute names, sorted
  /// FNV-1a 64 of the dataset's raw bytes in its file type (0 for groups)
  std::uint64_t content_hash = 0;
  /// FNV-1a 64 of each attribute's value (same order as `attributes`)
  std::vector<std::uint64_t> attribute_hashes;
};
/// Every group and dataset of any HDF5 file, sorted by path (no completeness check).
[[nodiscard]] std::vector<ObjectInfo> inspect_file(const std::filesystem::path& path);

}  // namespace carepath::outputs
