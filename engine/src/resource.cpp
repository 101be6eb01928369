#include <carepath/engine/resource.hpp>

#include <carepath/engine/simulation.hpp>

#include <algorithm>
#include <cassert>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace carepath::engine {
namespace {

constexpr std::uint32_t kRenegeEvent = 1;

/// Where each blocked patient is blocked: entity -> resource. Small ids (a model's patient ids,
/// reused as patients leave) index an array, larger ones a hash map: no allocation each time a
/// patient blocks (a hash map node was allocated and freed per block).
class BlockedRegistry {
 public:
  [[nodiscard]] bool empty() const { return size_ == 0; }
  /// The resource `entity` is blocked on, or nullptr.
  [[nodiscard]] Resource* find(std::uint32_t entity) const {
    if (entity < direct_.size()) return direct_[entity];
    const auto it = far_.find(entity);
    return it == far_.end() ? nullptr : it->second;
  }
  void set(std::uint32_t entity, Resource* r) {
    if (entity >= direct_.size() && entity < kDirectIds) {
      direct_.resize(std::min<std::size_t>(
                         kDirectIds, std::max<std::size_t>({entity + 1, 2 * direct_.size(), 64})),
                     nullptr);
    }
    if (entity < direct_.size()) {
      if (direct_[entity] == nullptr) ++size_;
      direct_[entity] = r;
    } else if (far_.insert_or_assign(entity, r).second) {
      ++size_;
    }
  }
  void erase(std::uint32_t entity) {
    if (entity < direct_.size()) {
      if (direct_[entity] != nullptr) --size_;
      direct_[entity] = nullptr;
    } else {
      size_ -= far_.erase(entity);
    }
  }
  /// Forgets every patient blocked on `r`.
  void erase_all(const Resource* r) {
    for (Resource*& d : direct_) {
      if (d == r) {
        d = nullptr;
        --size_;
      }
    }
    for (auto it = far_.begin(); it != far_.end();) {
      if (it->second == r) {
        it = far_.erase(it);
        --size_;
      } else {
        ++it;
      }
    }
  }

 private:
  static constexpr std::size_t kDirectIds = std::size_t{1} << 16;  // 512 KB of pointers at most
  std::vector<Resource*> direct_;
  std::unordered_map<std::uint32_t, Resource*> far_;
  std::size_t size_ = 0;
};

/// One Simulation per process, so one registry.
BlockedRegistry& blocked_registry() {
  static BlockedRegistry registry;
  return registry;
}

std::string deadlock_message(Time time, const std::vector<std::string>& names) {
  std::ostringstream os;
  os.precision(17);
  os << "deadlock at t=" << time << ": blocking cycle among resources ";
  for (std::size_t i = 0; i < names.size(); ++i) os << (i == 0 ? "" : ", ") << names[i];
  os << " (every server is held by a patient, after service, blocked on another of them)";
  return os.str();
}

}  // namespace

DeadlockError::DeadlockError(Time time, std::vector<std::string> resources)
    : std::runtime_error(deadlock_message(time, resources)),
      time_(time),
      resources_(std::move(resources)) {}

void ResourceClient::on_renege(Resource& /*resource*/, std::uint32_t /*entity*/) {}
void ResourceClient::on_preempted(Resource& /*resource*/, std::uint32_t /*entity*/) {}
void ResourceClient::on_admitted(Resource& /*resource*/, std::uint32_t /*entity*/) {}

// ---------------------------------------------------------------------------- Table

Resource::Table::Table() {
  shift_ = 32 - 4;
  cells_.assign(16, Cell{0, kNone});
}

std::uint32_t Resource::Table::find_hashed(std::uint32_t entity) const {
  const std::size_t mask = cells_.size() - 1;
  for (std::size_t i = home(entity);; i = (i + 1) & mask) {
    const Cell& c = cells_[i];
    if (c.slot == kNone) return kNone;
    if (c.entity == entity) return c.slot;
  }
}

std::uint32_t Resource::Table::new_slot(std::uint32_t entity) {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slots_[slot].entity = entity;
  return slot;
}

std::uint32_t Resource::Table::insert_general(std::uint32_t entity) {
  if (find(entity) != kNone) {
    throw std::logic_error("entity " + std::to_string(entity) + " is already present");
  }
  const std::uint32_t slot = new_slot(entity);
  if (entity >= direct_.size()) {
    // Cover the id by the array if it is small beside the number present (slots_ has grown to
    // the peak number present).
    const std::size_t bound =
        std::min<std::size_t>(std::max<std::size_t>(4096, 16 * slots_.size()), kDirect);
    if (entity < bound) {
      grow_direct(std::min(std::max<std::size_t>({entity + 1, 2 * direct_.size(), 64}), bound));
    }
  }
  if (entity < direct_.size()) {
    direct_[entity] = slot;
  } else {
    insert_hashed(entity, slot);
  }
  return slot;
}

void Resource::Table::grow_direct(std::size_t size) {
  direct_.resize(size, kNone);
  if (size_ == 0) return;
  // Ids now covered by the array leave the hash table (their slots stay in use).
  std::vector<Cell> moved;
  for (const Cell& c : cells_) {
    if (c.slot != kNone && c.entity < size) moved.push_back(c);
  }
  for (const Cell& c : moved) direct_[c.entity] = take_hashed(c.entity);
}

void Resource::Table::insert_hashed(std::uint32_t entity, std::uint32_t slot) {
  if (2 * (size_ + 1) > cells_.size()) grow();
  const std::size_t mask = cells_.size() - 1;
  std::size_t i = home(entity);
  while (cells_[i].slot != kNone) i = (i + 1) & mask;
  cells_[i] = Cell{entity, slot};
  ++size_;
}

std::uint32_t Resource::Table::take_hashed(std::uint32_t entity) {
  const std::size_t mask = cells_.size() - 1;
  std::size_t i = home(entity);
  while (cells_[i].entity != entity || cells_[i].slot == kNone) {
    assert(cells_[i].slot != kNone);
    i = (i + 1) & mask;
  }
  const std::uint32_t slot = cells_[i].slot;
  --size_;
  // Backward-shift deletion: keep every later entry of the cluster reachable from its home.
  std::size_t hole = i;
  for (std::size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
    if (cells_[j].slot == kNone) break;
    const std::size_t h = home(cells_[j].entity);
    // Move j into the hole unless its home lies cyclically in (hole, j].
    const bool home_in_range = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
    if (!home_in_range) {
      cells_[hole] = cells_[j];
      hole = j;
    }
  }
  cells_[hole].slot = kNone;
  return slot;
}

void Resource::Table::grow() {
  std::vector<Cell> old;
  old.swap(cells_);
  cells_.assign(old.size() * 2, Cell{0, kNone});
  --shift_;
  const std::size_t mask = cells_.size() - 1;
  for (const Cell& c : old) {
    if (c.slot == kNone) continue;
    std::size_t i = home(c.entity);
    while (cells_[i].slot != kNone) i = (i + 1) & mask;
    cells_[i] = c;
  }
}

// ---------------------------------------------------------------------------- Line

namespace {
struct LaterInLine {
  template <class E>
  bool operator()(const E& a, const E& b) const {
    return a.priority > b.priority || (a.priority == b.priority && a.order > b.order);
  }
};
}  // namespace

void Resource::Line::push(const LineEntry& e) {
  if (discipline_ == QueueDiscipline::fifo) {
    fifo_.push_back(e);
  } else {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), LaterInLine{});
  }
}

void Resource::Line::push_head(LineEntry e) {
  e.order = --head_order_;
  if (discipline_ == QueueDiscipline::fifo) {
    fifo_.push_front(e);
  } else {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), LaterInLine{});
  }
}

void Resource::Line::pop() {
  if (discipline_ == QueueDiscipline::fifo) {
    fifo_.pop_front();
  } else {
    std::pop_heap(heap_.begin(), heap_.end(), LaterInLine{});
    heap_.pop_back();
  }
}

template <class Pred>
void Resource::Line::compact(Pred keep) {
  if (discipline_ == QueueDiscipline::fifo) {
    std::deque<LineEntry> kept;
    for (const LineEntry& e : fifo_) {
      if (keep(e)) kept.push_back(e);
    }
    fifo_.swap(kept);
  } else {
    std::vector<LineEntry> kept;
    kept.reserve(heap_.size());
    for (const LineEntry& e : heap_) {
      if (keep(e)) kept.push_back(e);
    }
    heap_.swap(kept);
    std::make_heap(heap_.begin(), heap_.end(), LaterInLine{});
  }
}

// ---------------------------------------------------------------------------- Resource

Resource::Resource(Simulation& sim, ResourceConfig config, ResourceClient* client, std::uint32_t id,
                   Monitor* monitor)
    : sim_(sim),
      config_(std::move(config)),
      client_(client),
      id_(id),
      monitor_(monitor),
      rng_(0, 0, "baulk/" + config_.name),
      capacity_(config_.capacity),
      line_(config_.discipline),
      blocked_line_(config_.discipline),
      list_in_service_(config_.preemptive ||
                       config_.on_capacity_drop == CapacityDropPolicy::preempt) {
  if (capacity_ < 0) throw std::invalid_argument("resource '" + config_.name + "': capacity < 0");
  if (config_.preemptive && config_.discipline != QueueDiscipline::priority) {
    throw std::invalid_argument("resource '" + config_.name +
                                "': preemptive needs the priority discipline");
  }
  const Time t = sim_.now();
  // The lean levels start in lean_ (their TimeWeighted copies are written when read).
  levels_[kFull] = capacity_ == 0 ? 1 : 0;
  levels_[kNoRoom] = capacity_ == 0 && config_.queue_limit == 0 ? 1 : 0;
  std::array<int, kLean> lean{};
  std::copy_n(levels_.begin(), kLean, lean.begin());
  lean_ = LevelGroup<kLean>(lean, t);
  stats_.occupied = TimeWeighted(0.0, t);
  stats_.present = TimeWeighted(0.0, t);
  stats_.present.keep_distribution(config_.present_distribution);
  stats_.capacity = TimeWeighted(capacity_, t);
  stats_.capacity.keep_distribution(false);
  stats_.line_times.keep_histogram(false);  // their means are what is read
  stats_.reneged_waits.keep_histogram(false);
  if (config_.groups < 0)
    throw std::invalid_argument("resource '" + config_.name + "': groups < 0");
  stats_.by_group.resize(static_cast<std::size_t>(config_.groups));
  if (config_.hour_of_week_profile) {
    stats_.occupied_by_hour = ClockProfile(config_.week_origin, 60.0, 168, 0.0, t);  // hours
  }
}

Resource::~Resource() {
  if (blocked_ == 0) return;
  blocked_registry().erase_all(this);
}

Time Resource::now() const {
  return sim_.now();
}

EntityState Resource::state_of(std::uint32_t entity) const {
  const std::uint32_t s = table_.find(entity);
  return s == Table::kNone ? EntityState::absent : table_[s].state;
}

void Resource::update_levels() {
  // The lean levels advance together, changed or not (a few vector operations, no branch to
  // mispredict); occupied and present, which keep the time at each level, are updated only when
  // they change. The integer copy in levels_ finds a call that changes nothing.
  const int busy = in_service();
  const int hold = holding();
  const int occupied = busy + hold;
  const int full = occupied >= capacity_ ? 1 : 0;
  Levels next{};
  next[kInService] = busy;
  next[kHolding] = hold;
  next[kQueue] = waiting_;
  next[kBlocked] = blocked_;
  next[kFull] = full;
  next[kNoRoom] = full != 0 && !line_has_room() ? 1 : 0;
  next[kOccupied] = occupied;
  next[kPresent] = occupied + waiting_;
  if (next == levels_) return;
  const Time t = now();
  lean_.advance(t, next.data());
  if (next[kOccupied] != levels_[kOccupied]) {
    if (stats_.occupied_by_hour.enabled()) stats_.occupied_by_hour.update(t, next[kOccupied]);
    stats_.occupied.update(t, next[kOccupied]);
  }
  if (next[kPresent] != levels_[kPresent]) {
    if (stats_.present.keeps_distribution()) {
      stats_.present.update(t, next[kPresent]);
    } else {
      stats_.present.advance(t, next[kPresent]);
    }
  }
  levels_ = next;
}

void Resource::sync_lean_levels() const {
  stats_.in_service = lean_.view(kInService);
  stats_.holding = lean_.view(kHolding);
  stats_.queue = lean_.view(kQueue);
  stats_.blocked_list = lean_.view(kBlocked);
  stats_.full = lean_.view(kFull);
  stats_.no_room = lean_.view(kNoRoom);
}

void Resource::leave_service(std::uint32_t slot) {
  if (list_in_service_) remove_from_list(in_service_, slot);
  --busy_;
}

void Resource::remove_from_list(std::vector<std::uint32_t>& list, std::uint32_t slot) {
  const auto pos = static_cast<std::size_t>(table_[slot].pos);
  assert(pos < list.size() && list[pos] == slot);
  const std::uint32_t last = list.back();
  list[pos] = last;
  table_[last].pos = static_cast<std::int32_t>(pos);
  list.pop_back();
}

void Resource::start(std::uint32_t slot) {
  Slot& s = table_[slot];
  if (s.has_timer) {
    sim_.cancel(s.timer);
    s.has_timer = false;
  }
  if (s.state == EntityState::waiting) leave_line(s);
  s.state = EntityState::in_service;
  s.start_order = ++next_start_;
  ++busy_;
  if (list_in_service_) {
    s.pos = static_cast<std::int32_t>(in_service_.size());
    in_service_.push_back(slot);
  }
  if (!s.started) {
    s.started = true;
    ++stats_.started;
    record_wait(s);
  }
  emit(MonitorEventKind::start, s.entity, waiting_);
  pending_.push_back(Pending{Callback::start, s.entity});
}

void Resource::leave_line(Slot& s) {
  s.line_time += now() - s.line_since;
}

void Resource::record_departure(const Slot& s) {
  if (config_.line_times) stats_.line_times.add(s.line_time);
  stats_.time_in_resource.add(now() - s.arrival);
  if (s.group >= 0)
    stats_.by_group[static_cast<std::size_t>(s.group)].time_in_resource.add(now() - s.arrival);
}

void Resource::record_wait(const Slot& s) {
  stats_.waits.add(now() - s.arrival);
  if (s.group >= 0) stats_.by_group[static_cast<std::size_t>(s.group)].waits.add(now() - s.arrival);
}

void Resource::enqueue(std::uint32_t slot) {
  Slot& s = table_[slot];
  s.state = EntityState::waiting;
  s.line_since = now();
  line_.push(LineEntry{++next_order_, s.priority, s.entity, s.visit});
  ++waiting_;
  if (s.deadline != kForever && !s.has_timer) {
    const Time at = std::max(s.deadline, now());
    s.timer = sim_.schedule(at, priority::kNormal, this, kRenegeEvent, s.entity);
    s.has_timer = true;
  }
}

void Resource::preempt(std::uint32_t slot) {
  assert(list_in_service_);  // the victim was found in in_service_
  leave_service(slot);
  Slot& s = table_[slot];
  s.state = EntityState::waiting;
  s.line_since = now();
  line_.push_head(LineEntry{0, s.priority, s.entity, s.visit});
  ++waiting_;
  ++stats_.preempted;
  emit(MonitorEventKind::preempt, s.entity, waiting_);
  pending_.push_back(Pending{Callback::preempted, s.entity});
}

std::uint32_t Resource::pop_valid(Line& line, EntityState expected, int& count) {
  while (!line.empty()) {
    const LineEntry e = line.front();
    line.pop();
    const std::uint32_t slot = table_.find(e.entity);
    if (slot == Table::kNone) continue;
    const Slot& s = table_[slot];
    if (s.state != expected || s.visit != e.visit) continue;
    --count;
    return slot;
  }
  return Table::kNone;
}

void Resource::maybe_compact(Line& line, EntityState expected, int live) {
  if (line.size() <= 2 * static_cast<std::size_t>(live) + 64) return;
  line.compact([this, expected](const LineEntry& e) {
    const std::uint32_t slot = table_.find(e.entity);
    return slot != Table::kNone && table_[slot].state == expected && table_[slot].visit == e.visit;
  });
}

void Resource::fill_servers() {
  while (waiting_ > 0 && has_free_server()) {
    const std::uint32_t slot = pop_valid(line_, EntityState::waiting, waiting_);
    if (slot == Table::kNone) break;
    start(slot);
  }
}

void Resource::admit_blocked() {
  while (blocked_ > 0) {
    const bool server = waiting_ == 0 && has_free_server();
    if (!server && !line_has_room()) return;
    const std::uint32_t slot = pop_valid(blocked_line_, EntityState::blocked, blocked_);
    if (slot == Table::kNone) return;
    // Admitted now: the patient was the upstream site's until this moment, so its arrival,
    // wait, patience and time here start now.
    Slot& s = table_[slot];
    if (s.deadline != kForever) s.deadline = now() + (s.deadline - s.arrival);
    s.arrival = now();
    ++stats_.arrivals;
    const std::uint32_t entity = s.entity;
    blocked_registry().erase(entity);
    emit(MonitorEventKind::unblock, entity, waiting_);
    pending_.push_back(Pending{Callback::admitted, entity});
    if (server) {
      start(slot);
    } else {
      enqueue(slot);
    }
  }
}

std::uint32_t Resource::preemption_victim(int arriving_priority) const {
  std::uint32_t best = Table::kNone;
  for (const std::uint32_t slot : in_service_) {
    const Slot& s = table_[slot];
    if (best == Table::kNone || s.priority > table_[best].priority ||
        (s.priority == table_[best].priority && s.start_order > table_[best].start_order)) {
      best = slot;
    }
  }
  if (best != Table::kNone && table_[best].priority > arriving_priority) return best;
  return Table::kNone;
}

void Resource::deliver() {
  if (dispatching_) return;
  dispatching_ = true;
  try {
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const Pending p = pending_[i];
      if (client_ == nullptr) continue;
      switch (p.what) {
        case Callback::start:
          client_->on_start(*this, p.entity);
          break;
        case Callback::renege:
          client_->on_renege(*this, p.entity);
          break;
        case Callback::preempted:
          client_->on_preempted(*this, p.entity);
          break;
        case Callback::admitted:
          client_->on_admitted(*this, p.entity);
          break;
      }
    }
  } catch (...) {
    pending_.clear();
    dispatching_ = false;
    throw;
  }
  pending_.clear();
  dispatching_ = false;
}

Admission Resource::arrive(std::uint32_t entity, int priority, EntryMode mode, Time patience,
                           int group) {
  if (config_.groups > 0 && (group < 0 || group >= config_.groups)) {
    throw std::invalid_argument("resource '" + config_.name + "': group " + std::to_string(group) +
                                " out of range");
  }
  // Arrivals are counted when turned away or admitted; a blocked patient arrives when admitted
  // (admit_blocked), as it belongs to the site whose place it holds until then.
  emit(MonitorEventKind::arrive, entity, waiting_);
  const int prio = config_.discipline == QueueDiscipline::priority ? priority : 0;

  auto make_slot = [&]() {
    std::uint32_t slot = Table::kNone;
    try {
      slot = table_.insert(entity);
    } catch (const std::logic_error& e) {
      throw std::logic_error("resource '" + config_.name + "': arrive: " + e.what());
    }
    Slot& s = table_[slot];
    s.arrival = now();
    s.deadline = patience == kForever ? kForever : now() + patience;
    s.line_since = now();
    s.line_time = 0;
    s.timer = EventId{0};
    s.start_order = 0;
    s.visit = ++next_visit_;
    s.priority = prio;
    s.pos = -1;
    s.group = config_.groups > 0 ? group : -1;
    s.state = EntityState::absent;
    s.has_timer = false;
    s.started = false;
    return slot;
  };
  auto baulk = [&]() {
    ++stats_.arrivals;
    ++stats_.baulked;
    emit(MonitorEventKind::baulk, entity, waiting_);
    return Admission::baulked;
  };

  Admission result;
  if (waiting_ == 0 && has_free_server()) {
    start(make_slot());
    result = Admission::started;
  } else if (config_.preemptive && mode != EntryMode::divert &&
             preemption_victim(prio) != Table::kNone) {
    const std::uint32_t slot = make_slot();  // before the victim lookup: insert may move slots
    preempt(preemption_victim(prio));
    start(slot);
    result = Admission::started;
  } else if (mode == EntryMode::divert) {
    return baulk();
  } else if (line_has_room()) {
    if (mode == EntryMode::queue && config_.baulk_probability) {
      const double p = config_.baulk_probability(waiting_);
      if (p > 0.0 && rng_.uniform() < p) return baulk();
    }
    enqueue(make_slot());
    result = Admission::queued;
  } else if (mode == EntryMode::queue) {
    return baulk();
  } else {
    const std::uint32_t slot = make_slot();
    table_[slot].state = EntityState::blocked;
    blocked_line_.push(LineEntry{++next_order_, prio, entity, table_[slot].visit});
    ++blocked_;
    ++stats_.blocked;
    blocked_registry().set(entity, this);
    emit(MonitorEventKind::block, entity, waiting_);
    update_levels();
    maybe_compact(blocked_line_, EntityState::blocked, blocked_);
    if (config_.detect_deadlock) check_deadlock();
    return Admission::blocked;
  }
  ++stats_.arrivals;
  update_levels();
  maybe_compact(line_, EntityState::waiting, waiting_);
  dispatch();
  return result;
}

void Resource::finish_service(std::uint32_t entity) {
  const std::uint32_t slot = table_.find(entity);
  if (slot == Table::kNone || table_[slot].state != EntityState::in_service) {
    throw std::logic_error("resource '" + config_.name + "': finish_service of entity " +
                           std::to_string(entity) + " which is not in service");
  }
  leave_service(slot);
  Slot& s = table_[slot];
  s.state = EntityState::holding;
  s.pos = static_cast<std::int32_t>(holding_.size());
  holding_.push_back(slot);
  update_levels();
  // A patient that was blocked elsewhere while still "in service" here may close a cycle now.
  const auto& reg = blocked_registry();
  if (!reg.empty()) {
    Resource* on = reg.find(entity);
    if (on != nullptr && on->config_.detect_deadlock) on->check_deadlock();
  }
}

void Resource::release(std::uint32_t entity) {
  const std::uint32_t slot = table_.find(entity);
  if (slot == Table::kNone || (table_[slot].state != EntityState::in_service &&
                               table_[slot].state != EntityState::holding)) {
    throw std::logic_error("resource '" + config_.name + "': release of entity " +
                           std::to_string(entity) + " which holds no server");
  }
  Slot& s = table_[slot];
  if (s.state == EntityState::in_service) {
    leave_service(slot);
  } else {
    remove_from_list(holding_, slot);
  }
  ++stats_.completed;
  record_departure(s);
  table_.erase(entity);
  emit(MonitorEventKind::leave, entity, waiting_);
  fill_servers();
  admit_blocked();
  update_levels();
  dispatch();
}

bool Resource::withdraw(std::uint32_t entity) {
  const std::uint32_t slot = table_.find(entity);
  if (slot == Table::kNone) return false;
  Slot& s = table_[slot];
  if (s.state == EntityState::waiting) {
    if (s.has_timer) sim_.cancel(s.timer);
    --waiting_;
    leave_line(s);
    record_departure(s);
  } else if (s.state == EntityState::blocked) {
    --blocked_;
    blocked_registry().erase(entity);
  } else {
    return false;
  }
  ++stats_.withdrawn;
  table_.erase(entity);
  admit_blocked();
  emit(MonitorEventKind::leave, entity, -1);
  update_levels();
  dispatch();
  return true;
}

void Resource::set_capacity(int capacity) {
  if (capacity < 0) throw std::invalid_argument("resource '" + config_.name + "': capacity < 0");
  capacity_ = capacity;
  stats_.capacity.update(now(), capacity);
  emit(MonitorEventKind::capacity_change, 0, capacity);
  if (config_.on_capacity_drop == CapacityDropPolicy::preempt) {
    while (occupied() > capacity_ && busy_ > 0) {
      preempt(preemption_victim(std::numeric_limits<int>::min()));
    }
  }
  fill_servers();
  admit_blocked();
  update_levels();
  dispatch();
}

void Resource::on_event(std::uint32_t kind, std::uint32_t arg) {
  if (kind != kRenegeEvent) return;
  const std::uint32_t slot = table_.find(arg);
  if (slot == Table::kNone) return;
  Slot& s = table_[slot];
  if (s.state != EntityState::waiting || !s.has_timer) return;
  s.has_timer = false;
  --waiting_;
  ++stats_.reneged;
  leave_line(s);
  record_wait(s);
  stats_.reneged_waits.add(now() - s.arrival);
  record_departure(s);
  table_.erase(arg);
  emit(MonitorEventKind::renege, arg, waiting_);
  pending_.push_back(Pending{Callback::renege, arg});
  admit_blocked();
  update_levels();
  maybe_compact(line_, EntityState::waiting, waiting_);
  dispatch();
}

void Resource::reset_stats() {
  const Time t = now();
  ResourceStats fresh;
  fresh.occupied = stats_.occupied;
  fresh.capacity = stats_.capacity;
  fresh.present = stats_.present;
  for (TimeWeighted* tw : {&fresh.occupied, &fresh.capacity, &fresh.present}) {
    tw->update(t, tw->level());
    tw->reset(t);
  }
  lean_.reset(t);  // the lean levels' TimeWeighted copies follow when read
  fresh.line_times.keep_histogram(stats_.line_times.keeps_histogram());
  fresh.reneged_waits.keep_histogram(stats_.reneged_waits.keeps_histogram());
  fresh.by_group.resize(stats_.by_group.size());
  fresh.occupied_by_hour = stats_.occupied_by_hour;
  if (fresh.occupied_by_hour.enabled()) {
    fresh.occupied_by_hour.update(t, stats_.occupied.level());
    fresh.occupied_by_hour.reset(t);
  }
  stats_ = std::move(fresh);
}

// ---------------------------------------------------------------------------- deadlock check

void Resource::check_deadlock() {
  // Walk the wait-for graph from this resource: a resource is "stuck" if all its servers are
  // occupied, none is in service, and every holder is blocked on some resource. It can progress
  // if it is not stuck, or if one of its holders is blocked on a resource that can progress.
  // Fast path (most block events): this resource can still make progress by itself.
  if (holding() == 0 || in_service() > 0 || occupied() < capacity_) return;
  const auto& reg = blocked_registry();
  std::vector<Resource*> nodes{this};
  std::unordered_map<Resource*, std::size_t> index{{this, 0}};
  std::vector<std::vector<std::size_t>> edges;
  std::vector<char> progress;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    Resource* r = nodes[i];
    edges.emplace_back();
    bool stuck = r->holding() > 0 && r->in_service() == 0 && r->occupied() >= r->capacity_;
    if (stuck) {
      for (const std::uint32_t slot : r->holding_) {
        Resource* on = reg.find(r->table_[slot].entity);
        if (on == nullptr) {
          stuck = false;  // this holder can leave on its own
          break;
        }
        auto [pos, inserted] = index.try_emplace(on, nodes.size());
        if (inserted) nodes.push_back(on);
        edges[i].push_back(pos->second);
      }
    }
    progress.push_back(stuck ? 0 : 1);
    if (!stuck) edges[i].clear();
  }
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (progress[i] != 0) continue;
      for (const std::size_t j : edges[i]) {
        if (progress[j] != 0) {
          progress[i] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  if (progress[0] != 0) return;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (progress[i] == 0) names.push_back(nodes[i]->name());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  throw DeadlockError(now(), std::move(names));
}

}  // namespace carepath::engine
