#include "escalation.hpp"

namespace carepath::pathways::detail {

EscalationState::Change EscalationState::check(Time now, double value, double open_at,
                                               double close_below) {
  switch (phase_) {
    case Phase::idle:
      if (value < open_at) return Change::none;
      phase_ = Phase::arming;
      since_ = now;
      [[fallthrough]];
    case Phase::arming:
      if (value < open_at) {
        phase_ = Phase::idle;
        return Change::none;
      }
      if (now - since_ < spec_->sustain) return Change::none;
      phase_ = Phase::pending;
      opens_at_ = now + spec_->delay;
      [[fallthrough]];
    case Phase::pending:
      if (now < opens_at_) return Change::none;
      phase_ = Phase::open;
      return Change::open;
    case Phase::open:
      if (value >= close_below) return Change::none;
      phase_ = Phase::settling;
      since_ = now;
      [[fallthrough]];
    case Phase::settling:
      if (value >= close_below) {
        phase_ = Phase::open;
        return Change::none;
      }
      if (now - since_ < spec_->settle) return Change::none;
      phase_ = Phase::idle;
      return Change::close;
  }
  return Change::none;
}

}  // namespace carepath::pathways::detail
