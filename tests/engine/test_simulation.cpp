// The kernel: tie order, cancellation, SimGrid system processes and their synchronisation with
// the patient calendar, signals, errors. Each Simulation runs in a forked child (one SimGrid
// engine per process); the child returns a trace string that the parent checks.
#include <carepath/engine/calendar.hpp>
#include <carepath/engine/isolate.hpp>
#include <carepath/engine/random.hpp>
#include <carepath/engine/simulation.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace carepath::engine;

namespace {

// Appends "<tag>@<time>" for each event to a trace.
class Recorder final : public EventHandler {
 public:
  Recorder(Simulation& sim, std::ostringstream& trace) : sim_(sim), trace_(trace) {}
  void on_event(std::uint32_t kind, std::uint32_t arg) override {
    trace_ << static_cast<char>(kind) << arg << "@" << sim_.now() << " ";
  }

 private:
  Simulation& sim_;
  std::ostringstream& trace_;
};

}  // namespace

TEST_CASE("events at equal times run in (time, priority, sequence) order", "[engine][kernel]") {
  const std::string trace = run_isolated_bytes([]() {
    Simulation sim;
    std::ostringstream t;
    Recorder r(sim, t);
    sim.schedule(5, priority::kNormal, &r, 'a', 1);
    sim.schedule(5, priority::kArrival, &r, 'b', 2);  // later: higher priority value
    sim.schedule(5, priority::kRelease, &r, 'c', 3);  // first at t=5
    sim.schedule(5, priority::kNormal, &r, 'd', 4);   // after a1: same priority, later sequence
    sim.schedule(2, priority::kMonitor, &r, 'e', 5);  // earlier time wins over any priority
    const EventId cancelled = sim.schedule(3, priority::kNormal, &r, 'x', 6);
    sim.cancel(cancelled);
    sim.run(10);
    t << "end@" << sim.now();
    return t.str();
  });
  CHECK(trace == "e5@2 c3@5 a1@5 d4@5 b2@5 end@10");
}

TEST_CASE("the calendar pops in (time, priority, sequence) order, -0.0 equal to 0.0",
          "[engine][kernel]") {
  // Many ties, negative times, both zeros and infinity, against a stable sort of the same events;
  // cancellations at random (a cancelled event never pops, whether at the top or deep down).
  const std::vector<double> times = {-2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 1.0 + 1e-12, 3.0, kForever};
  const std::vector<int> prios = {priority::kRelease, priority::kNormal, priority::kArrival};
  RandomStream rng(7, 0, "calendar");
  Calendar cal;
  struct Item {
    double time;
    int prio;
    std::uint32_t id;
    EventId event;
  };
  std::vector<Item> items;
  std::size_t cancelled = 0;
  for (std::uint32_t id = 0; id < 5000; ++id) {
    const double t = times[static_cast<std::size_t>(rng.uniform() * times.size())];
    const int p = prios[static_cast<std::size_t>(rng.uniform() * prios.size())];
    items.push_back(Item{t, p, id, cal.schedule(t, p, nullptr, 0, id)});
    if (id % 5 == 3) {  // cancel a pending event: the next to pop, or any
      auto victim = items.begin() + static_cast<std::ptrdiff_t>(rng.uniform() * items.size());
      if (id % 10 == 3) {
        victim = std::min_element(items.begin(), items.end(), [](const Item& a, const Item& b) {
          return a.time < b.time || (a.time == b.time && a.prio < b.prio) ||
                 (a.time == b.time && a.prio == b.prio && a.id < b.id);
        });
        CHECK(cal.next_time() == victim->time);  // looked at, then cancelled
      }
      cal.cancel(victim->event);
      items.erase(victim);
      ++cancelled;
      REQUIRE(cal.size() == items.size());
    }
    if (id % 7 == 6) {  // interleave pops with pushes, as a run does
      const Event e = cal.pop();
      const auto it =
          std::find_if(items.begin(), items.end(), [&](const Item& x) { return x.id == e.arg; });
      REQUIRE(it != items.end());
      // No remaining item may come strictly before the popped one.
      const bool earlier = std::any_of(items.begin(), items.end(), [&](const Item& x) {
        return x.time < it->time || (x.time == it->time && x.prio < it->prio) ||
               (x.time == it->time && x.prio == it->prio && x.id < it->id);
      });
      REQUIRE_FALSE(earlier);
      items.erase(it);
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.time < b.time || (a.time == b.time && a.prio < b.prio);
  });
  for (const Item& x : items) {
    REQUIRE_FALSE(cal.empty());
    CHECK(cal.pop().arg == x.id);
  }
  CHECK(cal.empty());
  CHECK(cancelled == 1000);
}

TEST_CASE("lanes keep the calendar's order: the same events pop as from the heap alone",
          "[engine][kernel]") {
  // Sources keep their next event in lanes, rescheduled each time it runs (as arrival
  // streams do); other events go to the heap, a third of them cancelled later, and a source's
  // event is now and then cancelled and rescheduled. A calendar without lanes given the same
  // calls must pop the same events in the same order. Times fall on a coarse grid, so ties in
  // time (and in priority) are common.
  RandomStream rng(11, 0, "lanes");
  Calendar with;
  Calendar without;
  // One lane (the calendar's own case), a few, and as many as Dudley's arrival streams.
  const std::uint32_t kSources = GENERATE(1U, 4U, 13U);
  constexpr std::uint32_t kSource = 1000000;  // args from here on are sources
  std::vector<std::uint32_t> lanes;
  const int prios[] = {priority::kRelease, priority::kNormal, priority::kArrival};
  auto prio = [&]() { return prios[static_cast<std::size_t>(rng.uniform() * 3)]; };
  std::map<std::uint32_t, EventId> pending;  // the heap's and the lanes' pending events by arg
  std::uint32_t next_arg = 0;
  auto to_heap = [&](Time t) {
    const int p = prio();
    const EventId a = with.schedule(t, p, nullptr, 0, next_arg);
    const EventId b = without.schedule(t, p, nullptr, 0, next_arg);
    REQUIRE(a == b);
    pending[next_arg++] = a;
  };
  auto to_lane = [&](std::uint32_t source, Time t) {
    const int p = prio();
    const EventId a = with.schedule_in_lane(lanes[source], t, p, nullptr, 1, kSource + source);
    const EventId b = without.schedule(t, p, nullptr, 1, kSource + source);
    REQUIRE(a == b);
    pending[kSource + source] = a;
  };
  auto grid = [&](Time now) { return now + 0.5 * std::floor(rng.uniform() * 8.0); };
  for (std::uint32_t l = 0; l < kSources; ++l) {
    lanes.push_back(with.add_lane());
    to_lane(l, grid(0.0));
  }
  std::size_t from_lanes = 0;
  std::size_t cancelled = 0;
  for (int step = 0; step < 20000; ++step) {
    REQUIRE(with.size() == without.size());
    REQUIRE(with.next_time() == without.next_time());
    // pop_before (the event loop's call) at a limit just below, at or above the next event's
    // time, and now and then a horizon at or just below it: it takes the event only when that is
    // strictly before the limit and not after the horizon; otherwise it removes nothing.
    const Time next = without.next_time();
    const Time limit = next + 0.5 * (std::floor(rng.uniform() * 3.0) - 1.0);
    const double h = rng.uniform();
    const Time horizon = h < 0.1 ? next - 0.25 : (h < 0.2 ? next : kForever);
    Event a{};
    const bool took = with.pop_before(limit, horizon, a);
    REQUIRE(took == (next < limit && next <= horizon));
    if (!took) {
      REQUIRE(with.size() == without.size());
      REQUIRE(with.next_time() == next);
      a = with.pop();
    }
    const Event b = without.pop();
    REQUIRE(a.time == b.time);
    REQUIRE(a.order == b.order);
    REQUIRE(a.arg == b.arg);
    pending.erase(a.arg);
    const Time now = a.time;
    if (a.arg >= kSource) {
      ++from_lanes;
      to_lane(a.arg - kSource, grid(now));
    }
    const int more = static_cast<int>(rng.uniform() * 3);
    for (int i = 0; i < more; ++i) to_heap(grid(now));
    if (rng.uniform() < 0.3 && !pending.empty()) {
      // Cancel a pending event at random; a source's is rescheduled at once.
      auto it = pending.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(rng.uniform() * pending.size()));
      const std::uint32_t arg = it->first;
      with.cancel(it->second);
      without.cancel(it->second);
      pending.erase(it);
      ++cancelled;
      if (arg >= kSource) to_lane(arg - kSource, grid(now));
    }
  }
  CHECK(from_lanes > 2000);
  CHECK(cancelled > 4000);
  while (!without.empty()) {
    REQUIRE_FALSE(with.empty());
    const Event a = with.pop();
    const Event b = without.pop();
    REQUIRE(a.order == b.order);
    REQUIRE(a.arg == b.arg);
  }
  CHECK(with.empty());
}

TEST_CASE("system processes see the patient state exactly as of their own date",
          "[engine][kernel]") {
  // A patient event every 7 minutes increments a counter; a roster-like process wakes every 20
  // minutes and records the counter. Processes run before patient events at the same date, and
  // never see an event from their future.
  const std::string trace = run_isolated_bytes([]() {
    Simulation sim;
    std::ostringstream t;
    int count = 0;
    struct Tick final : EventHandler {
      Simulation* sim;
      int* count;
      void on_event(std::uint32_t, std::uint32_t) override {
        ++*count;
        sim->schedule(sim->now() + 7, priority::kNormal, this, 0, 0);
      }
    } tick;
    tick.sim = &sim;
    tick.count = &count;
    sim.schedule(0, priority::kNormal, &tick, 0, 0);
    sim.spawn("sampler", [&](ProcessContext& ctx) {
      for (;;) {
        t << ctx.now() << ":" << count << " ";
        ctx.sleep_for(20);
      }
    });
    sim.run(70);
    t << "syncs=" << sim.synchronisations();
    return t.str();
  });
  // Ticks at 0,7,14 | 21,28,35 | 42,49,56 | 63,70: at t=20 three have run, at t=40 six, ...
  // At t=0 the process runs before the tick at 0; at t=70 before the tick at 70.
  CHECK(trace == "0:0 20:3 40:6 60:9 syncs=4");
}

TEST_CASE("a signalled process runs right after the event that signalled it", "[engine][kernel]") {
  const std::string trace = run_isolated_bytes([]() {
    Simulation sim;
    std::ostringstream t;
    Recorder r(sim, t);
    ProcessId escalation{};
    escalation = sim.spawn("escalation", [&](ProcessContext& ctx) {
      for (;;) {
        ctx.wait_signal();
        t << "ESC@" << ctx.now() << " ";
      }
    });
    sim.schedule(4, priority::kNormal, [&]() {
      t << "sig@" << sim.now() << " ";
      sim.signal(escalation);
    });
    sim.schedule(4, priority::kNormal, &r, 'n', 1);  // same time, after the signalling event
    sim.schedule(6, priority::kNormal, &r, 'n', 2);
    sim.run(10);
    return t.str();
  });
  CHECK(trace == "sig@4 ESC@4 n1@4 n2@6 ");
}

TEST_CASE("an error in an event or a process stops the run with its time and place",
          "[engine][kernel]") {
  const std::string event_error = run_isolated_bytes([]() {
    Simulation sim;
    sim.schedule(12.5, priority::kNormal, []() { throw std::runtime_error("bed count negative"); });
    try {
      sim.run(100);
    } catch (const SimulationError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  });
  CHECK(event_error == "at t=12.5: bed count negative");
  const std::string process_error = run_isolated_bytes([]() {
    Simulation sim;
    sim.spawn("roster/ed", [](ProcessContext& ctx) {
      ctx.sleep_until(30);
      throw std::invalid_argument("no shift covers Monday");
    });
    try {
      sim.run(100);
    } catch (const SimulationError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  });
  CHECK(process_error == "at t=30 in process 'roster/ed': no shift covers Monday");
}

TEST_CASE("a run ends at its horizon and an infinite horizon drains the calendar",
          "[engine][kernel]") {
  struct Out {
    double now_finite;
    std::uint64_t events_finite;
    double now_infinite;
  };
  const Out o = run_isolated<Out>([]() {
    Out out{};
    {
      const std::string s = run_isolated_bytes([]() {
        Simulation sim;
        std::ostringstream t;
        Recorder r(sim, t);
        for (int i = 1; i <= 5; ++i) sim.schedule(i * 10.0, 0, &r, 'e', 0);
        sim.run(30);  // events at 10, 20, 30 run; 40 and 50 do not
        return std::to_string(sim.now()) + " " + std::to_string(sim.events_processed());
      });
      std::istringstream in(s);
      in >> out.now_finite >> out.events_finite;
    }
    const std::string s = run_isolated_bytes([]() {
      Simulation sim;
      std::ostringstream t;
      Recorder r(sim, t);
      sim.schedule(42, 0, &r, 'e', 0);
      sim.run(kForever);
      return std::to_string(sim.events_processed());
    });
    out.now_infinite = std::stod(s);
    return out;
  });
  CHECK(o.now_finite == 30.0);
  CHECK(o.events_finite == 3);
  CHECK(o.now_infinite == 1.0);  // the one event ran, and the run returned
}
