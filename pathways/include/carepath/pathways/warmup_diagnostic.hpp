#pragma once
// Suggests a warm-up length for a model: Welch's replication averaging plus MSER-5.
//
// The model is run from its start (empty, or its `initial` census) with run.warmup = 0 for its
// horizon, every yearly value held at the first year's (a stationary run, as the model's warm-up
// is: growth over the years is not a start-up transient), `replications` times in forked
// children. Each child records the daily mean of the hourly occupancy of the chosen sites; the
// parent averages the daily series over replications (Welch) and applies MSER-5 (engine/warmup.hpp)
// to each site's averaged series. The suggestion has MSER-5's granularity of 5 days.
#include <carepath/pathways/model_spec.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace carepath::pathways {

/// |transient t| below this (two-sided 99.9% normal quantile) means MSER's deletion is not
/// distinguishable from noise: the site is reported as needing no warm-up.
inline constexpr double kWarmupTransientCritical = 3.29;

struct WarmupSuggestion {
  std::string site;
  double suggested_days = 0;  ///< days to delete (a multiple of 5; 0 if none needed)
  bool reliable = true;       ///< false: the transient did not end in the first half of the run
  double steady_mean = 0;     ///< mean occupancy after the suggested warm-up (averaged series)
  double transient_t = 0;     ///< engine::MserResult::transient_t of the averaged series
  std::string note;           ///< "constant", "no significant transient", "run too short", ""
};

struct WarmupReport {
  std::vector<WarmupSuggestion> sites;
  /// The maximum over reliable sites, rounded up to whole days (0 if no site is reliable).
  double suggested_days = 0;
  /// Every site's suggestion is reliable.
  bool reliable = true;
  /// Some chosen site starts from an `initial` census (else the run starts empty).
  bool census = false;
  /// Some site's suggestion is reliable: suggested_days is a suggestion.
  [[nodiscard]] bool has_suggestion() const {
    for (const auto& s : sites)
      if (s.reliable) return true;
    return false;
  }
  int replications = 0;
  std::size_t days = 0;  ///< length of the daily series (the horizon)
  /// A readable table, one line per site, and the overall suggestion.
  [[nodiscard]] std::string text() const;
};

/// Runs the diagnostic. `sites` empty means every site with capacity (triage and exit sites,
/// which never hold anyone, are skipped); named sites are reported in the order given.
/// `jobs` (>= 1; values below 1 mean 1) children run at a time. The model's own run.warmup,
/// run.replications and run.seed are ignored. Throws std::invalid_argument for an unknown site
/// or replications < 1, and std::runtime_error if a replication fails.
WarmupReport diagnose_warmup(ModelSpec model, int replications, int jobs, std::uint64_t seed,
                             const std::vector<std::string>& sites = {});

}  // namespace carepath::pathways
