// Unit tests of Resource: every scenario runs in a forked child (one Simulation per process) and
// returns a text log of callbacks and statistics, which the parent compares.
#include <carepath/engine/isolate.hpp>
#include <carepath/engine/monitor.hpp>
#include <carepath/engine/resource.hpp>
#include <carepath/engine/simulation.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace carepath::engine;
using Catch::Matchers::Contains;

namespace {

/// Logs callbacks; serves each entity for a fixed time unless a hook takes over.
class LogClient : public ResourceClient {
 public:
  explicit LogClient(Simulation& sim) : sim_(sim) {}

  void on_start(Resource& r, std::uint32_t e) override {
    note("start", r, e);
    if (on_start_hook) {
      on_start_hook(r, e);
      return;
    }
    serve(r, e);
  }
  void on_renege(Resource& r, std::uint32_t e) override { note("renege", r, e); }
  void on_preempted(Resource& r, std::uint32_t e) override {
    note("preempted", r, e);
    auto& j = jobs_[e];
    sim_.cancel(j.end);
    j.remaining -= sim_.now() - j.started;
  }
  void on_admitted(Resource& r, std::uint32_t e) override {
    note("admitted", r, e);
    if (on_admitted_hook) on_admitted_hook(r, e);
  }

  /// Schedules the end of service: release (or the end-of-service hook).
  void serve(Resource& r, std::uint32_t e) {
    auto& j = jobs_[e];
    if (j.remaining < 0) {
      if (service_at.count(r.name()) != 0) {
        j.remaining = service_at[r.name()];
      } else {
        j.remaining = service_time.count(e) != 0 ? service_time[e] : default_service;
      }
    }
    j.started = sim_.now();
    j.end = sim_.schedule(sim_.now() + j.remaining, priority::kRelease, [this, &r, e]() {
      jobs_.erase(e);
      if (on_service_end) {
        on_service_end(r, e);
      } else {
        note("release", r, e);
        r.release(e);
      }
    });
  }

  void note(const char* what, const Resource& r, std::uint32_t e) {
    log << sim_.now() << ' ' << what << ' ' << r.name() << ' ' << e << '\n';
  }

  std::ostringstream log;
  std::map<std::uint32_t, double> service_time;
  std::map<std::string, double> service_at;  // by resource name, overrides service_time
  double default_service = 5.0;
  std::function<void(Resource&, std::uint32_t)> on_start_hook;
  std::function<void(Resource&, std::uint32_t)> on_admitted_hook;
  std::function<void(Resource&, std::uint32_t)> on_service_end;

 private:
  struct Job {
    double remaining = -1.0;
    double started = 0.0;
    EventId end{};
  };
  Simulation& sim_;
  std::map<std::uint32_t, Job> jobs_;
};

const char* admission_name(Admission a) {
  switch (a) {
    case Admission::started:
      return "started";
    case Admission::queued:
      return "queued";
    case Admission::blocked:
      return "blocked";
    case Admission::baulked:
      return "baulked";
  }
  return "?";
}

/// Schedules an arrival and logs the admission result.
void arrive_at(Simulation& sim, LogClient& client, Resource& r, double t, std::uint32_t e,
               int prio = 0, EntryMode mode = EntryMode::queue, Time patience = kForever) {
  sim.schedule(t, priority::kArrival, [&sim, &client, &r, e, prio, mode, patience]() {
    const Admission a = r.arrive(e, prio, mode, patience);
    client.log << sim.now() << " arrive " << r.name() << ' ' << e << ' ' << admission_name(a)
               << '\n';
  });
}

std::string run_log(const std::function<std::string()>& fn) {
  return run_isolated_bytes(fn);
}

}  // namespace

TEST_CASE("Resource: FIFO service, waits and statistics", "[engine][resource]") {
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    MemoryMonitor mon;
    Resource r(sim, ResourceConfig{.name = "cubicles", .capacity = 1}, &client, 7, &mon);
    arrive_at(sim, client, r, 0.0, 1);
    arrive_at(sim, client, r, 1.0, 2);
    arrive_at(sim, client, r, 2.0, 3);
    sim.run(20.0);
    const auto& s = r.stats();
    std::ostringstream os;
    os << client.log.str() << "arrivals " << s.arrivals << " started " << s.started << " completed "
       << s.completed << " waits " << s.waits.mean() << " max " << s.waits.max() << " tir "
       << s.time_in_resource.mean() << " busy " << s.in_service.mean(sim.now()) << " queue "
       << s.queue.mean(sim.now()) << " full " << s.full.mean(sim.now()) << " qmax " << s.queue.max()
       << '\n';
    for (const auto& ev : mon.events()) {
      os << ev.time << ':' << static_cast<int>(ev.kind) << ':' << ev.resource << ':' << ev.entity
         << ':' << ev.value << ' ';
    }
    return os.str();
  });
  const std::string expected =
      "0 start cubicles 1\n"
      "0 arrive cubicles 1 started\n"
      "1 arrive cubicles 2 queued\n"
      "2 arrive cubicles 3 queued\n"
      "5 release cubicles 1\n"
      "5 start cubicles 2\n"
      "10 release cubicles 2\n"
      "10 start cubicles 3\n"
      "15 release cubicles 3\n"
      // waits 0, 4, 8; times in resource 5, 9, 13; busy 15 of 20; queue area 4+8 = 12
      "arrivals 3 started 3 completed 3 waits 4 max 8 tir 9 busy 0.75 queue 0.6 full 0.75 qmax 2\n"
      // kinds: arrive 0, start 1, leave 6
      "0:0:7:1:0 0:1:7:1:0 1:0:7:2:0 2:0:7:3:1 5:6:7:1:2 5:1:7:2:1 10:6:7:2:1 10:1:7:3:0 "
      "15:6:7:3:0 ";
  CHECK(out == expected);
}

TEST_CASE("Resource: any entity ids, small or huge, reused or ever-growing", "[engine][resource]") {
  // Ids below a bound tied to the number present are found by array, larger ones by hash; ids
  // move from the hash to the array when the array grows. Every id must be found either way.
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    client.default_service = 1000.0;  // nobody leaves during the arrivals
    Resource r(sim, ResourceConfig{.name = "ward", .capacity = 100000}, &client, 1);
    std::vector<std::uint32_t> ids = {4100, 4294967294U, 70000, 3, 9000, 1U << 22, 5000};
    for (std::uint32_t k = 0; k < 600; ++k) ids.push_back(10 + k);  // grows the array's bound
    ids.push_back(8000);   // now below the bound: the array grows and takes 4100, 5000 ...
    ids.push_back(60000);  // still beyond it
    for (std::size_t k = 0; k < ids.size(); ++k) {
      sim.schedule(static_cast<double>(k) * 0.01, priority::kArrival,
                   [&r, id = ids[k]]() { r.arrive(id); });
    }
    std::ostringstream os;
    sim.schedule(100.0, priority::kNormal, [&]() {
      int found = 0;
      for (const std::uint32_t id : ids) found += r.state_of(id) == EntityState::in_service;
      os << "in service " << found << " of " << ids.size() << "; absent 1011 "
         << (r.state_of(11U + 1000U) == EntityState::absent) << " absent 4101 "
         << (r.state_of(4101) == EntityState::absent) << '\n';
    });
    sim.run(5000.0);
    int gone = 0;
    for (const std::uint32_t id : ids) gone += r.state_of(id) == EntityState::absent;
    os << "completed " << r.stats().completed << " absent " << gone;
    return os.str();
  });
  CHECK(out == "in service 609 of 609; absent 1011 1 absent 4101 1\ncompleted 609 absent 609");
}

TEST_CASE("Resource: queue limit, divert and state-dependent baulking", "[engine][resource]") {
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    Resource r(sim, ResourceConfig{.name = "r", .capacity = 1, .queue_limit = 1}, &client);
    ResourceConfig cfg{.name = "b", .capacity = 1};
    cfg.baulk_probability = [](int q) { return q >= 2 ? 1.0 : 0.0; };
    Resource b(sim, cfg, &client);
    arrive_at(sim, client, r, 0.0, 1);
    arrive_at(sim, client, r, 0.0, 2);
    arrive_at(sim, client, r, 0.0, 3);                        // line full
    arrive_at(sim, client, r, 0.0, 4, 0, EntryMode::divert);  // no free server
    for (std::uint32_t e = 10; e < 14; ++e) arrive_at(sim, client, b, 0.0, e);
    sim.run(1.0);
    std::ostringstream os;
    os << client.log.str() << "baulked " << r.stats().baulked << ' ' << b.stats().baulked;
    return os.str();
  });
  CHECK(out ==
        "0 start r 1\n0 arrive r 1 started\n0 arrive r 2 queued\n0 arrive r 3 baulked\n"
        "0 arrive r 4 baulked\n"
        "0 start b 10\n0 arrive b 10 started\n0 arrive b 11 queued\n0 arrive b 12 queued\n"
        "0 arrive b 13 baulked\n"
        "baulked 2 1");
}

TEST_CASE("Resource: reneging and timer cancellation", "[engine][resource]") {
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    Resource r(sim, ResourceConfig{.name = "ed", .capacity = 1}, &client);
    client.default_service = 10.0;
    arrive_at(sim, client, r, 0.0, 1);
    arrive_at(sim, client, r, 1.0, 2, 0, EntryMode::queue, 3.0);    // reneges at 4
    arrive_at(sim, client, r, 2.0, 3, 0, EntryMode::queue, 100.0);  // starts at 10
    sim.run(50.0);
    std::ostringstream os;
    os << client.log.str() << "reneged " << r.stats().reneged << " after "
       << r.stats().reneged_waits.mean() << " pending " << sim.pending_events();
    return os.str();
  });
  CHECK(out ==
        "0 start ed 1\n0 arrive ed 1 started\n1 arrive ed 2 queued\n2 arrive ed 3 queued\n"
        "4 renege ed 2\n10 release ed 1\n10 start ed 3\n20 release ed 3\n"
        "reneged 1 after 3 pending 0");
}

TEST_CASE("Resource: priority discipline is FIFO within a class", "[engine][resource]") {
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    Resource r(
        sim,
        ResourceConfig{.name = "resus", .capacity = 1, .discipline = QueueDiscipline::priority},
        &client);
    client.default_service = 1.0;
    arrive_at(sim, client, r, 0.0, 1, 9);
    arrive_at(sim, client, r, 0.1, 2, 5);
    arrive_at(sim, client, r, 0.2, 3, 1);
    arrive_at(sim, client, r, 0.3, 4, 3);
    arrive_at(sim, client, r, 0.4, 5, 1);
    sim.run(10.0);
    std::ostringstream os;
    std::istringstream in(client.log.str());
    for (std::string line; std::getline(in, line);) {
      if (line.find("start resus") != std::string::npos) os << line.back();
    }
    return os.str();
  });
  CHECK(out == "13542");
}

TEST_CASE("Resource: pre-emption keeps the remaining service", "[engine][resource]") {
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    Resource r(sim,
               ResourceConfig{.name = "resus",
                              .capacity = 1,
                              .discipline = QueueDiscipline::priority,
                              .preemptive = true},
               &client);
    client.default_service = 10.0;
    arrive_at(sim, client, r, 0.0, 1, 5);
    arrive_at(sim, client, r, 2.0, 2, 1);
    arrive_at(sim, client, r, 3.0, 3, 5);  // same class as 1, behind it
    sim.run(100.0);
    std::ostringstream os;
    os << client.log.str() << "preempted " << r.stats().preempted << " started "
       << r.stats().started << " waits " << r.stats().waits.mean();
    return os.str();
  });
  CHECK(out ==
        "0 start resus 1\n0 arrive resus 1 started\n"
        "2 preempted resus 1\n2 start resus 2\n2 arrive resus 2 started\n"
        "3 arrive resus 3 queued\n"
        "12 release resus 2\n12 start resus 1\n20 release resus 1\n20 start resus 3\n"
        "30 release resus 3\n"
        "preempted 1 started 3 waits 5.66667");
}

TEST_CASE("Resource: blocking after service and post-service holding", "[engine][resource]") {
  // A (1 server) -> B (1 server, no line). A patient finishing at A holds its A server until B
  // admits it: patients 2 and 3 are blocked for 4 time units each.
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    MemoryMonitor mon;
    Resource a(sim, ResourceConfig{.name = "A", .capacity = 1}, &client, 0, &mon);
    Resource b(sim, ResourceConfig{.name = "B", .capacity = 1, .queue_limit = 0}, &client, 1, &mon);
    client.service_at = {{"A", 1.0}, {"B", 5.0}};
    client.on_service_end = [&](Resource& r, std::uint32_t e) {
      if (&r == &b) {
        client.note("release", r, e);
        b.release(e);
        return;
      }
      a.finish_service(e);
      const Admission adm = b.arrive(e, 0, EntryMode::block);
      client.log << sim.now() << " to B " << e << ' ' << admission_name(adm) << '\n';
      if (adm != Admission::blocked) a.release(e);
    };
    client.on_admitted_hook = [&](Resource& /*r*/, std::uint32_t e) {
      sim.schedule(sim.now(), priority::kUrgent, [&a, e]() { a.release(e); });
    };
    for (std::uint32_t e = 1; e <= 3; ++e) arrive_at(sim, client, a, 0.0, e);
    sim.run(30.0);
    std::ostringstream os;
    const auto& s = a.stats();
    os << client.log.str() << "A holding area " << s.holding.area(sim.now()) << " blocked "
       << b.stats().blocked << " tir " << s.time_in_resource.mean() << " occupied "
       << s.occupied.area(sim.now()) << " B blocked-list area "
       << b.stats().blocked_list.area(sim.now());
    int blocks = 0;
    int unblocks = 0;
    for (const auto& ev : mon.events()) {
      blocks += ev.kind == MonitorEventKind::block ? 1 : 0;
      unblocks += ev.kind == MonitorEventKind::unblock ? 1 : 0;
    }
    os << " monitor " << blocks << '/' << unblocks;
    return os.str();
  });
  CHECK(out ==
        "0 start A 1\n0 arrive A 1 started\n0 arrive A 2 queued\n0 arrive A 3 queued\n"
        "1 start B 1\n1 to B 1 started\n1 start A 2\n"
        "2 to B 2 blocked\n"
        "6 release B 1\n6 admitted B 2\n6 start B 2\n6 start A 3\n"
        "7 to B 3 blocked\n"
        "11 release B 2\n11 admitted B 3\n11 start B 3\n"
        "16 release B 3\n"
        // A: 1 in [0,1], 2 in [0,6], 3 in [0,11] -> mean 6; holding 2..6 and 7..11
        "A holding area 8 blocked 2 tir 6 occupied 11 B blocked-list area 8 monitor 2/2");
}

TEST_CASE("Resource: withdraw from the line and from the blocked list", "[engine][resource]") {
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    Resource r(sim, ResourceConfig{.name = "r", .capacity = 1, .queue_limit = 1}, &client);
    arrive_at(sim, client, r, 0.0, 1);
    arrive_at(sim, client, r, 0.0, 2);
    arrive_at(sim, client, r, 0.0, 3, 0, EntryMode::block);
    sim.schedule(1.0, 0, [&]() {
      const bool w = r.withdraw(2);
      const int state = static_cast<int>(r.state_of(3));
      client.log << "withdraw 2 " << w << " state3 " << state << '\n';
    });
    sim.schedule(2.0, 0, [&]() {
      const bool w = r.withdraw(3);
      client.log << "withdraw 3 " << w << '\n';
    });
    sim.schedule(2.5, 0, [&]() {
      const bool w = r.withdraw(1);
      client.log << "withdraw 1 " << w << '\n';
    });
    sim.run(20.0);
    std::ostringstream os;
    os << client.log.str() << "withdrawn " << r.stats().withdrawn;
    return os.str();
  });
  CHECK(out ==
        "0 start r 1\n0 arrive r 1 started\n0 arrive r 2 queued\n0 arrive r 3 blocked\n"
        "1 admitted r 3\nwithdraw 2 1 state3 1\n"  // 3 moved from blocked into the line
        "withdraw 3 1\nwithdraw 1 0\n5 release r 1\nwithdrawn 2");
}

TEST_CASE("Resource: capacity changes with finish and preempt policies", "[engine][resource]") {
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    Resource f(sim, ResourceConfig{.name = "F", .capacity = 2}, &client);
    Resource p(
        sim,
        ResourceConfig{.name = "P", .capacity = 2, .on_capacity_drop = CapacityDropPolicy::preempt},
        &client);
    client.default_service = 10.0;
    client.service_time = {{2, 4.0}};
    for (std::uint32_t e = 1; e <= 3; ++e) arrive_at(sim, client, f, 0.0, e);
    for (std::uint32_t e = 11; e <= 13; ++e) arrive_at(sim, client, p, 0.0, e);
    sim.schedule(1.0, 0, [&]() {
      f.set_capacity(1);
      p.set_capacity(1);
    });
    sim.schedule(30.0, 0, [&]() {
      f.set_capacity(3);
      client.log << "cap-time F " << f.stats().capacity.area(sim.now()) << '\n';
    });
    sim.run(60.0);
    std::ostringstream os;
    os << client.log.str() << "full F " << f.stats().full.area(60.0);
    return os.str();
  });
  CHECK(out ==
        "0 start F 1\n0 arrive F 1 started\n0 start F 2\n0 arrive F 2 started\n"
        "0 arrive F 3 queued\n"
        "0 start P 11\n0 arrive P 11 started\n0 start P 12\n0 arrive P 12 started\n"
        "0 arrive P 13 queued\n"
        "1 preempted P 12\n"  // latest started goes back to the head of the line
        "4 release F 2\n"     // finish policy: 2 finishes; busy 1 = capacity, no start
        "10 release F 1\n10 start F 3\n"
        "10 release P 11\n10 start P 12\n"  // 12 resumes with 9 left
        "19 release P 12\n19 start P 13\n"
        "20 release F 3\n"
        "29 release P 13\n"
        "cap-time F 31\n"  // 2*1 + 1*29
        "full F 20");      // full on [0,20) (2/2, then 2/1, 1/1)
}

TEST_CASE("Resource: a blocking cycle raises DeadlockError", "[engine][resource]") {
  // A and B have one server and no line each. Patient 1 finishes at A and wants B; patient 2
  // finishes at B and wants A: neither can ever move.
  auto scenario = [](bool cycle) {
    return [cycle]() {
      Simulation sim;
      LogClient client(sim);
      Resource a(sim, ResourceConfig{.name = "A", .capacity = 1, .queue_limit = 0}, &client);
      Resource b(sim, ResourceConfig{.name = "B", .capacity = 1, .queue_limit = 0}, &client);
      client.service_time = {{1, 1.0}, {2, cycle ? 1.0 : 3.0}};
      client.on_service_end = [&, cycle](Resource& r, std::uint32_t e) {
        if (!cycle && &r == &b) {
          b.release(e);  // patient 2 leaves instead of going to A
          return;
        }
        Resource& other = &r == &a ? b : a;
        r.finish_service(e);
        if (other.arrive(e, 0, EntryMode::block) != Admission::blocked) r.release(e);
      };
      client.on_admitted_hook = [&](Resource& r, std::uint32_t e) {
        Resource& from = &r == &a ? b : a;
        sim.schedule(sim.now(), priority::kUrgent, [&from, e]() { from.release(e); });
      };
      arrive_at(sim, client, a, 0.0, 1);
      arrive_at(sim, client, b, 0.0, 2);
      sim.run(2.5);
      return client.log.str();
    };
  };
  REQUIRE_THROWS_WITH(run_log(scenario(true)),
                      Contains("deadlock at t=1") && Contains("resources A, B"));
  // Patient 2 is still in service when 1 blocks, then leaves: no deadlock is reported.
  CHECK_NOTHROW(run_log(scenario(false)));
}

TEST_CASE("Resource: reset_stats starts a new window", "[engine][resource]") {
  const std::string out = run_log([]() {
    Simulation sim;
    LogClient client(sim);
    Resource r(sim, ResourceConfig{.name = "r", .capacity = 1}, &client);
    arrive_at(sim, client, r, 0.0, 1);
    arrive_at(sim, client, r, 0.0, 2);
    sim.schedule(2.0, 0, [&]() { r.reset_stats(); });
    sim.run(12.0);
    std::ostringstream os;
    const auto& s = r.stats();
    os << s.arrivals << ' ' << s.started << ' ' << s.completed << ' ' << s.waits.mean() << ' '
       << s.in_service.mean(12.0) << ' ' << s.queue.mean(12.0) << ' ' << s.queue.duration(12.0);
    return os.str();
  });
  // After t=2: 2 starts at 5 (wait 5) and both complete; busy 8/10; queue 3/10.
  CHECK(out == "0 1 2 5 0.8 0.3 10");
}

TEST_CASE("Resource: line times are kept unless turned off", "[engine][resource]") {
  auto run = [](bool keep) {
    return run_log([keep]() {
      Simulation sim;
      LogClient client(sim);
      Resource r(sim, ResourceConfig{.name = "r", .capacity = 1, .line_times = keep}, &client);
      arrive_at(sim, client, r, 0.0, 1);
      arrive_at(sim, client, r, 1.0, 2);
      sim.run(20.0);
      std::ostringstream os;
      const auto& s = r.stats();
      os << s.waits.count() << ' ' << s.waits.mean() << ' ' << s.line_times.count();
      if (s.line_times.count() > 0) os << ' ' << s.line_times.mean();
      return os.str();
    });
  };
  // Service 5 (LogClient): patient 2 waits 4; both leave, each with its time in the line.
  CHECK(run(true) == "2 2 2 2");
  CHECK(run(false) == "2 2 0");
}

TEST_CASE("Resource: misuse is reported with the resource's name", "[engine][resource]") {
  auto misuse = [](int what) {
    return [what]() {
      Simulation sim;
      LogClient client(sim);
      Resource r(sim, ResourceConfig{.name = "majors", .capacity = 1}, &client);
      r.arrive(1);
      if (what == 0) r.arrive(1);
      if (what == 1) r.release(2);
      if (what == 2) r.finish_service(2);
      return std::string();
    };
  };
  REQUIRE_THROWS_WITH(run_log(misuse(0)),
                      Contains("resource 'majors': arrive: entity 1 is already present"));
  REQUIRE_THROWS_WITH(run_log(misuse(1)),
                      Contains("resource 'majors': release of entity 2 which holds no server"));
  REQUIRE_THROWS_WITH(run_log(misuse(2)), Contains("finish_service of entity 2"));
}

TEST_CASE("MultiMonitor forwards every event to each monitor in turn", "[engine][monitor]") {
  MemoryMonitor a;
  HashMonitor h;
  HashMonitor h2;
  MultiMonitor multi;
  multi.add(&a);
  multi.add(&h);
  multi.add(nullptr);
  CHECK(multi.size() == 2);
  multi.on_event(MonitorEvent{1.5, MonitorEventKind::start, 2, 3, 4});
  multi.on_event(MonitorEvent{2.5, MonitorEventKind::leave, 2, 3, -1});
  REQUIRE(a.events().size() == 2);
  CHECK(a.events()[1].value == -1);
  CHECK(h.count() == 2);
  for (const auto& ev : a.events()) h2.on_event(ev);
  CHECK(h2.hash() == h.hash());
  h2.on_event(MonitorEvent{2.5, MonitorEventKind::leave, 2, 3, -1});
  CHECK(h2.hash() != h.hash());
}

TEST_CASE("Resource: a three-resource blocking cycle is found through the wait-for graph",
          "[engine][resource]") {
  // Patients 1, 2, 3 hold A, B, C; each finishes at t = 1, 2, 3 and wants the next resource.
  // Their ids are small, beyond the registry's array (65,536) or mixed: the blocked patients are
  // found either way.
  const std::uint32_t base = GENERATE(0U, 100000U, 4000000000U, 65534U);
  const auto run = [base]() {
    Simulation sim;
    LogClient client(sim);
    std::vector<std::unique_ptr<Resource>> rs;
    for (const char* name : {"C", "A", "B"}) {
      rs.push_back(std::make_unique<Resource>(
          sim, ResourceConfig{.name = name, .capacity = 1, .queue_limit = 0}, &client));
    }
    client.service_time = {{base + 1, 1.0}, {base + 2, 2.0}, {base + 3, 3.0}};
    client.on_service_end = [&](Resource& r, std::uint32_t e) {
      std::size_t i = 0;
      while (rs[i].get() != &r) ++i;
      r.finish_service(e);
      if (rs[(i + 1) % 3]->arrive(e, 0, EntryMode::block) != Admission::blocked) r.release(e);
    };
    for (std::uint32_t e = 1; e <= 3; ++e) arrive_at(sim, client, *rs[e - 1], 0.0, base + e);
    sim.run(10.0);
    return client.log.str();
  };
  REQUIRE_THROWS_WITH(run_log(run), Contains("deadlock at t=3") && Contains("resources A, B, C"));
}
