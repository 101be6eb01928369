#pragma once
// Test helper: writes the parts of a small synthetic run through the public API, the way forked
// children do, so tests can assemble, read and export it.
//
// KPI value of (scenario s, replication r, year y, KPI k) =
//   base[k] + effect[s][k] + 10 y + common(r, k) + own(s, r, k)
// where common() is shared by all scenarios of a replication (as common random numbers make it)
// and own() is a small scenario-specific part; both deterministic hashes in [-1, 1) scaled per
// KPI.
#include <carepath/engine/random.hpp>
#include <carepath/outputs/result_file.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace carepath::outputs::testing {

inline double unit_hash(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t s = a * 0x9e3779b97f4a7c15ULL ^ (b << 32) ^ (c << 8) ^ 0x1234567ULL;
  const std::uint64_t z = engine::splitmix64(s);
  return static_cast<double>(z >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

struct SampleRun {
  std::vector<std::string> scenarios{"do-nothing", "base", "best"};
  std::vector<std::string> years{"2014/15", "2015/16", "2016/17"};
  std::vector<KpiDef> kpis{
      {"ed_attendances", "count", "ED attendances in the year"},
      {"ed_4h_pct", "%", "Share of ED attendances completed within 4 hours"},
      {"delayed_transfer_bed_days", "bed-days", "Acute bed-days lost to delayed transfers"},
      {"site.ed.wait_p95", "minutes", "95th percentile of the wait for ED treatment, \"all\""}};
  std::uint32_t replications = 5;
  std::uint64_t master_seed = 20240501;
  std::vector<std::string> sites{"ed", "ucc"};
  std::uint64_t samples = 2500;   // > 2 chunks of 1024, last one partial
  std::uint32_t patients = 1500;  // ~4 events each: > one 8192-row chunk
  bool time_series = true;
  bool events = true;
  std::vector<TargetDef> targets;  ///< plan targets of every scenario (none by default)

  [[nodiscard]] std::string yaml(const std::string& scenario) const {
    return "scenario: " + scenario + "\nyears: [2014/15, 2016/17]\nseed: 20240501\n";
  }

  [[nodiscard]] double value(std::size_t s, std::uint32_t r, std::size_t y, std::size_t k) const {
    static constexpr double kBase[] = {120000, 92.0, 15000, 240};
    static constexpr double kScale[] = {900, 1.5, 400, 20};
    static constexpr double kEffect[3][4] = {
        {0, 0, 0, 0}, {-800, 0.9, -350, -6}, {-2000, 2.5, -900, -15}};
    return kBase[k] + kEffect[s][k] + 10.0 * static_cast<double>(y) +
           kScale[k] * unit_hash(r, k, 99) + 0.1 * kScale[k] * unit_hash(r, k, s + 1);
  }

  [[nodiscard]] static SiteSample sample(std::size_t s, std::uint32_t r, std::uint64_t hour,
                                         std::size_t site) {
    const auto base = static_cast<std::int32_t>((hour % 24) * (site + 1) + r + s);
    return SiteSample{base + 5, static_cast<std::int32_t>(hour % 7), base};
  }

  /// The spec a child writes for (scenario s, replication r): the reuse key of its part.
  [[nodiscard]] PartSpec part_spec(std::size_t s, std::uint32_t r) const {
    PartSpec spec;
    spec.scenario = scenarios[s];
    spec.replication = r;
    spec.master_seed = master_seed;
    spec.config_hash = fnv1a64_hex(yaml(scenarios[s]));
    spec.years = years;
    spec.kpis = kpis;
    if (time_series) spec.sites = sites;
    spec.event_log = events;
    spec.cohorts = {"adult", "child, under 16"};
    spec.event_sites = sites;
    return spec;
  }

  /// Writes one part (as a child would), returns its path.
  std::filesystem::path write_part(const std::filesystem::path& dir, std::size_t s,
                                   std::uint32_t r) const {
    auto path = part_path(dir, scenarios[s], r);
    PartWriter w(path, part_spec(s, r));
    for (std::size_t y = 0; y < years.size(); ++y) {
      for (std::size_t k = 0; k < kpis.size(); ++k) w.set_kpi_value(y, k, value(s, r, y, k));
    }
    if (time_series) {
      std::vector<SiteSample> row(sites.size());
      for (std::uint64_t h = 0; h < samples; ++h) {
        for (std::size_t site = 0; site < sites.size(); ++site) row[site] = sample(s, r, h, site);
        w.append_sample(row);
      }
    }
    if (events) {
      // Simulations log events in time order; so does this sample.
      std::vector<EventRecord> all;
      for (std::uint32_t p = 1; p <= patients; ++p) {
        const double t = p * 3.0 + r;
        const auto cohort = static_cast<std::uint16_t>(p % 2);
        const auto site = static_cast<std::uint16_t>(p % 3 == 0 ? 1 : 0);
        all.push_back({p, cohort, site, EventCode::arrive, t});
        if (p % 11 == 0) {
          all.push_back({p, cohort, site, EventCode::renege, t + 30});
        } else {
          all.push_back({p, cohort, site, EventCode::start, t + 5});
          all.push_back({p, cohort, site, EventCode::leave, t + 47});
        }
      }
      all.push_back({0, 0, 0, EventCode::capacity_change, 10000.0});
      std::stable_sort(all.begin(), all.end(),
                       [](const EventRecord& a, const EventRecord& b) { return a.time < b.time; });
      for (std::size_t i = 0; i < all.size(); i += 700) {
        const std::size_t n = std::min<std::size_t>(700, all.size() - i);
        w.append_events(std::span<const EventRecord>(all.data() + i, n));
      }
    }
    w.finish();
    return path;
  }

  /// All parts, written in the given order of (scenario, replication) pairs.
  std::vector<std::filesystem::path> write_parts(
      const std::filesystem::path& dir,
      const std::vector<std::pair<std::size_t, std::uint32_t>>& order) const {
    std::vector<std::filesystem::path> out;
    out.reserve(order.size());
    for (const auto& [s, r] : order) out.push_back(write_part(dir, s, r));
    return out;
  }

  [[nodiscard]] std::vector<std::pair<std::size_t, std::uint32_t>> natural_order() const {
    std::vector<std::pair<std::size_t, std::uint32_t>> o;
    for (std::size_t s = 0; s < scenarios.size(); ++s) {
      for (std::uint32_t r = 1; r <= replications; ++r) o.emplace_back(s, r);
    }
    return o;
  }

  [[nodiscard]] RunMeta meta(std::uint32_t processes = 2) const {
    RunMeta m;
    m.command_line = "carepath run scenarios/sample.yaml -j " + std::to_string(processes);
    m.master_seed = master_seed;
    m.replications = replications;
    m.processes = processes;
    m.years = years;
    m.baseline = "do-nothing";
    return m;
  }

  /// Assembles `parts` (added in the given order) into `out`.
  void assemble(const std::filesystem::path& out, const std::vector<std::filesystem::path>& parts,
                std::uint32_t processes = 2) const {
    ResultAssembler a(out, meta(processes));
    for (const auto& s : scenarios) a.add_scenario(s, yaml(s), targets);
    for (const auto& p : parts) a.add_part(p);
    a.write();
  }
};

/// A fresh, empty scratch directory under the system temp dir.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("carepath_outputs_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace carepath::outputs::testing
