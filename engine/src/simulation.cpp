// The only source file that includes SimGrid headers.
//
// Design (see simulation.hpp): one S4U actor, the driver, drains carepath's patient calendar.
// System processes are S4U actors too. The driver and the processes hand control to each other
// by semaphores, so exactly one of them runs at a time and the order is carepath's own:
//   * the driver advances SimGrid's clock (this_actor::sleep_until) to the next process wake-up
//     date, then resumes the due processes one by one in (date, wake-up sequence) order;
//   * patient events run only strictly before the next wake-up date;
//   * a signalled process runs right after the patient event that signalled it.
// SimGrid stays the master clock (its date follows every synchronisation point) and the home of
// the processes, while the per-patient hot path costs no simcall at all.
#include <carepath/engine/simulation.hpp>

#include <xbt/log.h>
#include <simgrid/s4u.hpp>

#include <cmath>
#include <exception>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace sg4 = simgrid::s4u;

namespace carepath::engine {

SimulationError::SimulationError(Time time, const std::string& where, const std::string& what)
    : time_(time) {
  std::ostringstream os;
  os << "at t=" << time;
  if (!where.empty()) os << " in " << where;
  os << ": " << what;
  message_ = os.str();
}

namespace {

// Runs std::function events scheduled through the convenience overload.
class FunctionEvents final : public EventHandler {
 public:
  std::uint32_t add(std::function<void()> fn) {
    if (free_.empty()) {
      fns_.push_back(std::move(fn));
      return static_cast<std::uint32_t>(fns_.size() - 1);
    }
    const std::uint32_t slot = free_.back();
    free_.pop_back();
    fns_[slot] = std::move(fn);
    return slot;
  }
  void on_event(std::uint32_t /*kind*/, std::uint32_t arg) override {
    std::function<void()> fn = std::move(fns_[arg]);
    fns_[arg] = nullptr;
    free_.push_back(arg);
    fn();
  }

 private:
  std::vector<std::function<void()>> fns_;
  std::vector<std::uint32_t> free_;
};

struct Wake {
  Time time;
  std::uint64_t seq;
  int process;
  bool operator>(const Wake& o) const { return time > o.time || (time == o.time && seq > o.seq); }
};

}  // namespace

struct Simulation::Impl {
  struct Process {
    std::string name;
    ProcessFn fn;
    sg4::SemaphorePtr resume;  // the driver releases it to let the process run
    bool waiting_signal = false;
    bool signal_pending = false;
    bool finished = false;
  };

  std::unique_ptr<sg4::Engine> engine;
  sg4::Host* host = nullptr;
  sg4::SemaphorePtr driver_resume;  // a process releases it when it blocks again or ends
  std::vector<std::unique_ptr<Process>> processes;
  std::priority_queue<Wake, std::vector<Wake>, std::greater<>> wakes;
  std::vector<int> signalled;  // processes to run right after the current patient event
  std::uint64_t wake_seq = 0;
  FunctionEvents functions;
  std::exception_ptr error;
  bool ran = false;

  Impl() {
    // Quiet SimGrid, and give it a synthetic argv: never the user's (it consumes --cfg, --help).
    xbt_log_control_set("root.thresh:warning");
    static char arg0[] = "carepath";
    static char arg1[] = "--cfg=debug/verbose-exit:off";
#ifdef CAREPATH_THREAD_CONTEXTS
    // Sanitizer builds: AddressSanitizer cannot follow SimGrid's hand-swapped stacks (false
    // stack-buffer-overflows when an exception unwinds in an actor), so actors run on threads.
    static char arg2[] = "--cfg=contexts/factory:thread";
    static char* argv[] = {arg0, arg1, arg2, nullptr};
    int argc = 3;
#else
    static char* argv[] = {arg0, arg1, nullptr};
    int argc = 2;
#endif
    engine = std::make_unique<sg4::Engine>(&argc, argv);
    auto* zone = sg4::create_full_zone("world");
    host = zone->create_host("carepath", 1e9)->seal();
    zone->seal();
    driver_resume = sg4::Semaphore::create(0);
  }
};

Simulation::Simulation() : impl_(std::make_unique<Impl>()) {}
Simulation::~Simulation() = default;

EventId Simulation::schedule(Time time, int prio, std::function<void()> fn) {
  const std::uint32_t slot = impl_->functions.add(std::move(fn));
  return schedule(time, prio, &impl_->functions, 0, slot);
}

ProcessId Simulation::spawn(const std::string& name, ProcessFn fn) {
  auto& impl = *impl_;
  const int index = static_cast<int>(impl.processes.size());
  auto proc = std::make_unique<Impl::Process>();
  proc->name = name;
  proc->fn = std::move(fn);
  proc->resume = sg4::Semaphore::create(0);
  Impl::Process* raw = proc.get();
  impl.processes.push_back(std::move(proc));
  impl.wakes.push(Wake{now_, impl.wake_seq++, index});

  auto actor = sg4::Actor::create(name, impl.host, [this, raw, index]() {
    raw->resume->acquire();  // wait for the driver's go
    ProcessContext ctx(this, index, raw->name);
    try {
      raw->fn(ctx);
    } catch (const simgrid::ForcefulKillException&) {
      throw;  // the run is over: let SimGrid unwind this actor
    } catch (const std::exception& e) {
      impl_->error =
          std::make_exception_ptr(SimulationError(now_, "process '" + raw->name + "'", e.what()));
    } catch (...) {
      impl_->error = std::make_exception_ptr(
          SimulationError(now_, "process '" + raw->name + "'", "unknown exception"));
    }
    raw->finished = true;
    impl_->driver_resume->release();
  });
  actor->daemonize();
  return ProcessId{index};
}

void Simulation::signal(ProcessId process) {
  auto& p = *impl_->processes.at(static_cast<std::size_t>(process));
  if (p.finished) return;
  if (p.waiting_signal) {
    p.waiting_signal = false;
    impl_->signalled.push_back(static_cast<int>(process));
    handoff_ = true;
  } else {
    p.signal_pending = true;
  }
}

Time ProcessContext::now() const {
  return sim_->now_;
}

void ProcessContext::sleep_until(Time t) {
  auto& impl = *sim_->impl_;
  if (t < sim_->now_) t = sim_->now_;
  impl.wakes.push(Wake{t, impl.wake_seq++, index_});
  auto& proc = *impl.processes[static_cast<std::size_t>(index_)];
  impl.driver_resume->release();
  proc.resume->acquire();
}

void ProcessContext::wait_signal() {
  auto& impl = *sim_->impl_;
  auto& proc = *impl.processes[static_cast<std::size_t>(index_)];
  if (proc.signal_pending) {
    proc.signal_pending = false;
    return;
  }
  proc.waiting_signal = true;
  impl.driver_resume->release();
  proc.resume->acquire();
}

void Simulation::drain_until(Time limit, Time horizon) {
  // The hot loop: patient events strictly before the next process wake-up, and not past the
  // horizon. Breaks out at once when an event signalled a process.
  Event ev{};
  while (calendar_.pop_before(limit, horizon, ev)) {
    now_ = ev.time;
    ++events_processed_;
    ev.handler->on_event(ev.kind, ev.arg);
    if (handoff_) return;
  }
}

void Simulation::drive() {
  auto& impl = *impl_;
  auto resume = [&](int index) {
    ++synchronisations_;
    impl.processes[static_cast<std::size_t>(index)]->resume->release();
    impl.driver_resume->acquire();  // until that process blocks again or ends
  };
  auto advance_clock = [&](Time t) {
    if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
  };
  const Time horizon = horizon_;
  try {
    for (;;) {
      if (impl.error) break;
      const Time next_wake = impl.wakes.empty() ? kForever : impl.wakes.top().time;
      drain_until(next_wake, horizon);
      if (handoff_) {
        handoff_ = false;
        // Signalled processes run now, in the order they were signalled.
        for (std::size_t i = 0; i < impl.signalled.size(); ++i) resume(impl.signalled[i]);
        impl.signalled.clear();
        continue;
      }
      if (!impl.wakes.empty() && next_wake <= horizon && next_wake <= calendar_.next_time()) {
        const Wake w = impl.wakes.top();
        impl.wakes.pop();
        now_ = w.time;
        advance_clock(w.time);
        resume(w.process);
        continue;
      }
      // Nothing left before the horizon.
      now_ = horizon;
      if (std::isfinite(horizon)) advance_clock(horizon);
      break;
    }
  } catch (const simgrid::ForcefulKillException&) {
    throw;
  } catch (const SimulationError&) {
    impl.error = std::current_exception();
  } catch (const std::exception& e) {
    impl.error = std::make_exception_ptr(SimulationError(now_, "", e.what()));
  }
}

void Simulation::run(Time horizon) {
  auto& impl = *impl_;
  if (impl.ran) throw std::logic_error("Simulation::run may be called only once per Simulation");
  impl.ran = true;
  horizon_ = horizon;
  sg4::Actor::create("carepath-driver", impl.host, [this]() { drive(); });
  impl.engine->run();
  if (impl.error) std::rethrow_exception(impl.error);
}

}  // namespace carepath::engine
