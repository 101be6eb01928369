#pragma once
// Care primitives: a capacity-limited resource (beds, cubicles, clinicians) with a waiting line.
//
// A Resource is callback-based: patients are plain ids, never actors. The model (the "client")
// calls arrive / finish_service / release / withdraw, and the resource calls the client back when
// a patient starts service, reneges, is pre-empted or is admitted after being blocked. Timers for
// reneging are events on the Simulation's calendar (the Resource is an EventHandler).
//
// Callbacks are delivered after the resource's state is fully updated. A call made from inside a
// callback has its own callbacks delivered after the current callback returns (never nested), so
// a client can call back into the resource freely.
//
// Entity ids identify patients model-wide (the same id in every resource): the deadlock check
// follows a patient from the resource it holds to the resource it is blocked on.
#include <carepath/engine/calendar.hpp>
#include <carepath/engine/monitor.hpp>
#include <carepath/engine/random.hpp>
#include <carepath/engine/stats.hpp>

#include <array>
#include <cassert>
#include <cstdint>
#include <deque>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace carepath::engine {

class Simulation;
class Resource;

enum class QueueDiscipline : std::uint8_t {
  fifo,      ///< first come, first served
  priority,  ///< lower priority value served first; FIFO within a priority class
};

/// What happens to patients in service when the capacity drops below the number of busy servers.
enum class CapacityDropPolicy : std::uint8_t {
  finish,   ///< they finish; no new starts until the busy count is below the capacity
  preempt,  ///< the excess is pre-empted (worst priority, latest started) back into the line
};

/// How a patient enters a resource.
enum class EntryMode : std::uint8_t {
  queue,   ///< start if a server is free, else wait in the line if there is room, else baulk
  block,   ///< blocking after service: as queue, but if the line is full wait in the BLOCKED list
           ///< (still holding the upstream server) until space frees, then on_admitted
  divert,  ///< start only if a server is free now, else baulk at once (overflow route)
};

enum class Admission : std::uint8_t { started, queued, blocked, baulked };

/// Where a patient is inside a resource.
enum class EntityState : std::uint8_t {
  absent,
  waiting,     ///< in the line
  blocked,     ///< in the blocked list
  in_service,  ///< holding a server, being served
  holding,     ///< holding a server after service (e.g. medically fit, awaiting discharge)
};

struct ResourceConfig {
  std::string name{};
  int capacity = 1;
  int queue_limit = -1;  ///< maximum number waiting in the line; -1 = unlimited
  QueueDiscipline discipline = QueueDiscipline::fifo;
  bool preemptive = false;  ///< with priority discipline: better-priority arrivals interrupt
  CapacityDropPolicy on_capacity_drop = CapacityDropPolicy::finish;
  /// Optional, state-dependent: probability that an arrival in EntryMode::queue that would have
  /// to wait baulks, given the current number waiting.
  std::function<double(int queue_len)> baulk_probability{};
  /// Throw DeadlockError when a blocking cycle makes progress impossible (see Resource).
  bool detect_deadlock = true;
  /// Number of patient groups (e.g. cohorts) with their own wait and time tallies
  /// (ResourceStats::by_group); 0 = none (the default: a tally's histogram costs ~38 KB).
  int groups = 0;
  /// Keep ResourceStats::occupied_by_hour, the occupancy by hour of the week counted from
  /// `week_origin` (a Monday 00:00).
  bool hour_of_week_profile = false;
  Time week_origin = 0.0;
  /// Keep the time at each level of ResourceStats::present (TimeWeighted::keep_distribution);
  /// `occupied` always keeps it, the other levels never (their mean and area are what is read).
  bool present_distribution = true;
  /// Keep ResourceStats::line_times (a tally per departure); models turn it off where nothing
  /// reads it (the total time in the line differs from the wait only after a pre-emption).
  bool line_times = true;
};

/// A blocking cycle: every server of a set of resources is held by a patient (after service)
/// blocked on another resource of the set. The message gives the sim time and the resources.
class DeadlockError : public std::runtime_error {
 public:
  DeadlockError(Time time, std::vector<std::string> resources);
  [[nodiscard]] Time time() const { return time_; }
  [[nodiscard]] const std::vector<std::string>& resources() const { return resources_; }

 private:
  Time time_;
  std::vector<std::string> resources_;
};

/// The model side of a resource.
class ResourceClient {
 public:
  virtual ~ResourceClient() = default;
  /// `entity` took a server (also for an immediate start inside arrive(), and for a restart
  /// after pre-emption). The client schedules the end of service.
  virtual void on_start(Resource& resource, std::uint32_t entity) = 0;
  /// `entity` ran out of patience in the line and has left the resource.
  virtual void on_renege(Resource& resource, std::uint32_t entity);
  /// `entity` was interrupted in service and is back at the head of its class in the line; the
  /// client cancels its service end and keeps the remaining service time.
  virtual void on_preempted(Resource& resource, std::uint32_t entity);
  /// `entity`, blocked upstream, has been admitted here (into a server or the line): the client
  /// can release its upstream server. If it got a server, on_start follows.
  virtual void on_admitted(Resource& resource, std::uint32_t entity);

 protected:
  ResourceClient() = default;
  ResourceClient(const ResourceClient&) = default;
  ResourceClient& operator=(const ResourceClient&) = default;
};

/// Statistics of one group of patients at a resource (ResourceConfig::groups), as ResourceStats.
struct GroupStats {
  Tally waits;
  Tally time_in_resource;
};

/// Always-on, O(1)-memory statistics of one resource.
struct ResourceStats {
  std::uint64_t arrivals = 0;
  std::uint64_t started = 0;  ///< first starts (restarts after pre-emption not counted)
  std::uint64_t completed = 0;
  std::uint64_t baulked = 0;
  std::uint64_t reneged = 0;
  std::uint64_t preempted = 0;
  std::uint64_t blocked = 0;  ///< entries into the blocked list
  std::uint64_t withdrawn = 0;
  // Times are counted from admission: a patient blocked upstream (EntryMode::block) is admitted
  // when it leaves the blocked list, not when it asked to come in.
  Tally waits;             ///< admission -> first start, or -> reneging; every admitted patient
  Tally reneged_waits;     ///< admission -> reneging (the abandoners' time to abandon); no
                           ///< histogram (Tally::keep_histogram)
  Tally line_times;        ///< total time in the line, re-queues after pre-emption included;
                           ///< recorded when the patient leaves the resource; no histogram;
                           ///< empty unless ResourceConfig::line_times
  Tally time_in_resource;  ///< admission -> release, reneging or withdrawal (holding included)
  // Levels over time. Only `occupied` (and `present`, ResourceConfig::present_distribution)
  // keep the time at each level (percentiles, time at a level); the others keep mean, area, max.
  TimeWeighted in_service;
  TimeWeighted holding;
  TimeWeighted occupied;  ///< in service + holding
  TimeWeighted queue;     ///< number waiting in the line
  TimeWeighted blocked_list;
  TimeWeighted full;     ///< 1 while occupied >= capacity
  TimeWeighted present;  ///< occupied + waiting in the line
  TimeWeighted no_room;  ///< 1 while full and the line is full (an arrival is turned away)
  TimeWeighted capacity;
  std::vector<GroupStats> by_group;  ///< ResourceConfig::groups entries
  ClockProfile occupied_by_hour;     ///< 168 hourly bins (ResourceConfig::hour_of_week_profile)
};

class Resource final : public EventHandler {
 public:
  /// `id` is the resource's number in monitor events. `client` may be set later.
  Resource(Simulation& sim, ResourceConfig config, ResourceClient* client = nullptr,
           std::uint32_t id = 0, Monitor* monitor = nullptr);
  ~Resource();
  Resource(const Resource&) = delete;
  Resource& operator=(const Resource&) = delete;

  /// A patient arrives. Patience (finite) is the longest it waits in the line before reneging,
  /// counted from admission. On `started`, on_start has been (or, inside a callback, will be)
  /// called. `group` (< ResourceConfig::groups) selects the patient's GroupStats.
  Admission arrive(std::uint32_t entity, int priority = 0, EntryMode mode = EntryMode::queue,
                   Time patience = kForever, int group = 0);
  /// Service is done but the patient keeps its server (post-service holding).
  void finish_service(std::uint32_t entity);
  /// The patient frees its server (in service or holding) and leaves.
  void release(std::uint32_t entity);
  /// Removes a waiting or blocked patient (e.g. re-routed). Returns false if it was not there.
  bool withdraw(std::uint32_t entity);
  /// Changes the number of servers (roster).
  void set_capacity(int capacity);

  void set_client(ResourceClient* client) { client_ = client; }
  void set_monitor(Monitor* monitor) { monitor_ = monitor; }
  /// The stream used for state-dependent baulking (default: seed 0, replication 0,
  /// "baulk/<name>"); models pass one from their StreamFactory.
  void set_random_stream(const RandomStream& rng) { rng_ = rng; }
  /// Starts a new statistics window at the current time (warm-up deletion, yearly windows).
  void reset_stats();

  /// The statistics up to the last change of state (levels are read with their `now`).
  [[nodiscard]] const ResourceStats& stats() const {
    sync_lean_levels();
    return stats_;
  }
  [[nodiscard]] const std::string& name() const { return config_.name; }
  [[nodiscard]] const ResourceConfig& config() const { return config_; }
  [[nodiscard]] std::uint32_t id() const { return id_; }
  [[nodiscard]] int capacity() const { return capacity_; }
  [[nodiscard]] int in_service() const { return busy_; }
  [[nodiscard]] int holding() const { return static_cast<int>(holding_.size()); }
  [[nodiscard]] int occupied() const { return in_service() + holding(); }
  [[nodiscard]] int queue_length() const { return waiting_; }
  [[nodiscard]] int blocked_count() const { return blocked_; }
  [[nodiscard]] int free_servers() const {
    return capacity_ > occupied() ? capacity_ - occupied() : 0;
  }
  [[nodiscard]] EntityState state_of(std::uint32_t entity) const;
  [[nodiscard]] Simulation& simulation() const { return sim_; }

  void on_event(std::uint32_t kind, std::uint32_t arg) override;

 private:
  struct Slot {
    Time arrival;     // admission (for a blocked patient: when it asked to come in, until admitted)
    Time deadline;    // arrival + patience
    Time line_since;  // when it last joined the line
    Time line_time;   // time in the line before line_since
    EventId timer;
    std::uint64_t start_order;
    std::uint32_t entity;
    std::uint32_t visit;
    std::int32_t priority;
    std::int32_t pos;  // index in in_service_ (if listed) / holding_
    std::int32_t group;
    EntityState state;
    bool has_timer;
    bool started;
  };
  /// Entity -> slot. Small ids (a model's patient ids, reused as patients leave) index an array:
  /// a lookup is one load. The array covers ids below a bound that grows with the peak number
  /// present (at most 16 times it, or 4,096), so ids that only ever grow cannot inflate it; ids
  /// above it go to an open-addressing hash table. Memory O(peak number present).
  class Table {
   public:
    Table();
    [[nodiscard]] std::uint32_t find(std::uint32_t entity) const {  // kNone if absent
      if (entity < direct_.size()) return direct_[entity];
      return size_ == 0 ? kNone : find_hashed(entity);
    }
    /// A new slot for `entity` (which must be absent).
    std::uint32_t insert(std::uint32_t entity) {
      // The common case inline: an id the array covers, a free slot to reuse.
      if (entity < direct_.size() && direct_[entity] == kNone && !free_.empty()) {
        const std::uint32_t slot = free_.back();
        free_.pop_back();
        slots_[slot].entity = entity;
        direct_[entity] = slot;
        return slot;
      }
      return insert_general(entity);
    }
    void erase(std::uint32_t entity) {
      if (entity < direct_.size()) {
        assert(direct_[entity] != kNone);
        free_.push_back(direct_[entity]);
        direct_[entity] = kNone;
        return;
      }
      free_.push_back(take_hashed(entity));
    }
    Slot& operator[](std::uint32_t slot) { return slots_[slot]; }
    const Slot& operator[](std::uint32_t slot) const { return slots_[slot]; }
    static constexpr std::uint32_t kNone = 0xffffffffU;
    static constexpr std::uint32_t kDirect = 1U << 22;

   private:
    struct Cell {
      std::uint32_t entity;
      std::uint32_t slot;  // kNone = empty
    };
    [[nodiscard]] std::size_t home(std::uint32_t entity) const {
      return (entity * 0x9E3779B1U) >> shift_;
    }
    [[nodiscard]] std::uint32_t find_hashed(std::uint32_t entity) const;
    std::uint32_t insert_general(std::uint32_t entity);
    std::uint32_t new_slot(std::uint32_t entity);
    void insert_hashed(std::uint32_t entity, std::uint32_t slot);
    std::uint32_t take_hashed(std::uint32_t entity);  // removes its cell; returns its slot
    void grow();
    void grow_direct(std::size_t size);
    std::vector<std::uint32_t> direct_;  // entity -> slot (kNone = absent); ids beyond: cells_
    std::vector<Cell> cells_;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_;
    std::size_t size_ = 0;  // entries in cells_
    int shift_ = 0;
  };
  struct LineEntry {
    std::int64_t order;
    std::int32_t priority;
    std::uint32_t entity;
    std::uint32_t visit;
  };
  /// A waiting line (FIFO deque or (priority, order) heap) with lazy deletion.
  class Line {
   public:
    explicit Line(QueueDiscipline d) : discipline_(d) {}
    void push(const LineEntry& e);
    void push_head(LineEntry e);  // head of its class (pre-emption)
    [[nodiscard]] bool empty() const { return size() == 0; }
    [[nodiscard]] std::size_t size() const {
      return discipline_ == QueueDiscipline::fifo ? fifo_.size() : heap_.size();
    }
    [[nodiscard]] const LineEntry& front() const {
      return discipline_ == QueueDiscipline::fifo ? fifo_.front() : heap_.front();
    }
    void pop();
    template <class Pred>
    void compact(Pred keep);

   private:
    QueueDiscipline discipline_;
    std::deque<LineEntry> fifo_;
    std::vector<LineEntry> heap_;
    std::int64_t head_order_ = 0;
  };
  enum class Callback : std::uint8_t { start, renege, preempted, admitted };
  struct Pending {
    Callback what;
    std::uint32_t entity;
  };

  // State transitions (no callbacks; they queue Pending entries).
  void start(std::uint32_t slot);
  void enqueue(std::uint32_t slot);
  void leave_line(Slot& s);
  void record_departure(const Slot& s);
  void record_wait(const Slot& s);
  void preempt(std::uint32_t slot);
  void remove_from_list(std::vector<std::uint32_t>& list, std::uint32_t slot);
  void leave_service(std::uint32_t slot);  // out of service (into holding, or gone)
  std::uint32_t pop_valid(Line& line, EntityState expected, int& count);
  void fill_servers();
  void admit_blocked();
  std::uint32_t preemption_victim(int arriving_priority) const;
  void maybe_compact(Line& line, EntityState expected, int live);
  void update_levels();
  void emit(MonitorEventKind kind, std::uint32_t entity, std::int32_t value) {
    if (monitor_ != nullptr) monitor_->on_event(MonitorEvent{now(), kind, id_, entity, value});
  }
  /// Delivers the queued callbacks (after a call into the resource changed its state).
  void dispatch() {
    if (!pending_.empty()) deliver();
  }
  void deliver();
  [[nodiscard]] Time now() const;
  void check_deadlock();
  [[nodiscard]] bool has_free_server() const { return occupied() < capacity_; }
  [[nodiscard]] bool line_has_room() const {
    return config_.queue_limit < 0 || waiting_ < config_.queue_limit;
  }

  Simulation& sim_;
  ResourceConfig config_;
  ResourceClient* client_;
  std::uint32_t id_;
  Monitor* monitor_;
  RandomStream rng_;
  int capacity_;
  int waiting_ = 0;
  int blocked_ = 0;
  std::uint32_t next_visit_ = 0;
  std::int64_t next_order_ = 0;
  std::uint64_t next_start_ = 0;
  Table table_;
  Line line_;
  Line blocked_line_;
  int busy_ = 0;  // patients in service
  /// in_service_ lists them only where a pre-emption picks a victim among them.
  bool list_in_service_;
  std::vector<std::uint32_t> in_service_;  // slot indices (if list_in_service_)
  std::vector<std::uint32_t> holding_;     // slot indices
  std::vector<Pending> pending_;
  bool dispatching_ = false;
  /// The levels the statistics hold now, as integers: first the six that keep only their area
  /// and maximum (lean_: ResourceStats' in_service, holding, queue, blocked_list, full,
  /// no_room), then occupied and present.
  enum Level : std::uint8_t {
    kInService,
    kHolding,
    kQueue,
    kBlocked,
    kFull,
    kNoRoom,
    kOccupied,
    kPresent,
    kLevels
  };
  static constexpr std::size_t kLean = kNoRoom + 1;
  using Levels = std::array<int, kLevels>;
  /// ResourceStats' lean levels, copied in from lean_ when the statistics are read.
  void sync_lean_levels() const;
  Levels levels_{};
  LevelGroup<kLean> lean_;
  mutable ResourceStats stats_;  // mutable: stats() brings its lean levels up to date
};

}  // namespace carepath::engine
