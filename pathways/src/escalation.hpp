// The decision rule of an escalation policy (scenarios/README.md, "Escalation"), apart from the
// runtime that measures and acts: fed one measurement per check, it says when to open and close.
#pragma once

#include <carepath/pathways/model_spec.hpp>

namespace carepath::pathways::detail {

class EscalationState {
 public:
  enum class Change { none, open, close };
  explicit EscalationState(const EscalationSpec& spec) : spec_(&spec) {}

  /// One check at `now`: the measure's `value` and the thresholds as counts (a percentage
  /// already applied to the site's capacity). Opens once the value has been at or above
  /// `open_at` at every check for `sustain` and then `delay` has passed (the decision stands
  /// even if pressure eases meanwhile: staff have been called in); closes once the value has
  /// been below `close_below` at every check for `settle`.
  Change check(Time now, double value, double open_at, double close_below);
  [[nodiscard]] bool is_open() const { return phase_ == Phase::open || phase_ == Phase::settling; }

 private:
  enum class Phase { idle, arming, pending, open, settling };
  const EscalationSpec* spec_;
  Phase phase_ = Phase::idle;
  Time since_ = 0;     // arming or settling since
  Time opens_at_ = 0;  // pending until
};

}  // namespace carepath::pathways::detail
