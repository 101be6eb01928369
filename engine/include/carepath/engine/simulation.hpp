#pragma once
// Simulation: SimGrid is the master clock; patient events run on carepath's own calendar.
//
// Two kinds of code run in a simulation:
//  * Patient events (arrivals, service ends, reneging, transfers). They are plain callbacks on
//    the Calendar, drained by one SimGrid actor (the "driver") in exact (time, priority,
//    sequence) order. No patient is ever an actor: that would be 50-700x slower.
//  * System processes (rosters, opening hours, bed closures, escalation policies, samplers,
//    yearly trajectory changes). Each is a SimGrid S4U actor, written as straight-line code that
//    sleeps (`ctx.sleep_until`) and waits for signals (`ctx.wait_signal`).
//
// Synchronisation: the driver knows the earliest date at which any system process wakes (every
// sleep goes through ProcessContext). It drains patient events strictly before that date, then
// hands control to SimGrid, which runs the due processes; a process therefore always sees the
// patient state exactly as of its own date, never out of time order. At equal times, system
// processes run before patient events. Model code may `signal()` a process that waits; the driver
// then hands control over immediately after the current event, at the current time.
//
// SimGrid allows one engine per OS process and never resets its clock, so a Simulation may be
// constructed once per process. Replications run in forked processes (see replication.hpp).
// Public headers never include SimGrid; the only file that does is src/simulation.cpp.
#include <carepath/engine/calendar.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace carepath::engine {

class Simulation;

/// What a system process can do. Valid only inside that process's function.
class ProcessContext {
 public:
  [[nodiscard]] Time now() const;
  /// Sleeps until `t` (>= now). Patient events strictly before `t` run meanwhile.
  void sleep_until(Time t);
  void sleep_for(Time d) { sleep_until(now() + d); }
  /// Waits until model code calls Simulation::signal on this process.
  void wait_signal();
  [[nodiscard]] Simulation& simulation() const { return *sim_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  friend class Simulation;
  ProcessContext(Simulation* sim, int index, std::string name)
      : sim_(sim), index_(index), name_(std::move(name)) {}
  Simulation* sim_;
  int index_;
  std::string name_;
};

using ProcessFn = std::function<void(ProcessContext&)>;
enum class ProcessId : int {};

/// Raised out of Simulation::run when model code or a process threw; says when and where.
class SimulationError : public std::exception {
 public:
  SimulationError(Time time, const std::string& where, const std::string& what);
  [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }
  [[nodiscard]] Time time() const { return time_; }

 private:
  Time time_;
  std::string message_;
};

class Simulation {
 public:
  Simulation();
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  [[nodiscard]] Time now() const { return now_; }

  /// Schedules handler->on_event(kind, arg) at `time` (>= now).
  EventId schedule(Time time, int prio, EventHandler* handler, std::uint32_t kind,
                   std::uint32_t arg) {
    assert(time >= now_);
    return calendar_.schedule(time, prio, handler, kind, arg);
  }
  /// A lane for a source that always has one next event pending, e.g. an arrival stream
  /// (Calendar: a store to schedule, no heap sift; the order of events is unchanged).
  std::uint32_t add_lane() { return calendar_.add_lane(); }
  /// As schedule(), into `lane`, which must hold no pending event.
  EventId schedule_in_lane(std::uint32_t lane, Time time, int prio, EventHandler* handler,
                           std::uint32_t kind, std::uint32_t arg) {
    assert(time >= now_);
    return calendar_.schedule_in_lane(lane, time, prio, handler, kind, arg);
  }
  /// Convenience for rare events (not for the per-patient hot path): runs `fn` at `time`.
  EventId schedule(Time time, int prio, std::function<void()> fn);
  void cancel(EventId id) { calendar_.cancel(id); }

  /// Starts a system process (an S4U actor) at the current time, before patient events at that
  /// time. Processes are daemons: the run ends at the horizon whatever they are doing.
  ProcessId spawn(const std::string& name, ProcessFn fn);
  /// Wakes a process blocked in wait_signal(); it runs at the current time, right after the
  /// current patient event. Signalling a process that is not waiting is remembered (once).
  void signal(ProcessId process);

  /// Runs every event with time <= horizon, then stops with now() == horizon. Call once.
  void run(Time horizon);

  /// Patient events processed so far.
  [[nodiscard]] std::uint64_t events_processed() const { return events_processed_; }
  [[nodiscard]] std::size_t pending_events() const { return calendar_.size(); }
  /// Number of times the driver handed control to SimGrid (a measure of synchronisation cost).
  [[nodiscard]] std::uint64_t synchronisations() const { return synchronisations_; }

 private:
  friend class ProcessContext;
  struct Impl;

  void drive();  // the driver actor's body
  void drain_until(Time limit, Time horizon);

  Calendar calendar_;
  Time now_ = 0.0;
  Time horizon_ = kForever;
  std::uint64_t events_processed_ = 0;
  std::uint64_t synchronisations_ = 0;
  bool handoff_ = false;  // a process was signalled: hand control to SimGrid after this event
  std::unique_ptr<Impl> impl_;
};

}  // namespace carepath::engine
