#pragma once
// The monitor interface: every sink (trace hash, in-memory log, HDF5 writer) sees resource events
// through this one interface. Resources hold a Monitor* and call it only when it is non-null, so
// an unmonitored run pays one predictable branch per event.
#include <carepath/engine/calendar.hpp>

#include <cstdint>
#include <vector>

namespace carepath::engine {

enum class MonitorEventKind : std::uint8_t {
  arrive,           ///< an entity called arrive() (before the admission decision)
  start,            ///< it took a server (first start, or restart after pre-emption)
  block,            ///< it entered the blocked list (blocking after service upstream)
  unblock,          ///< it left the blocked list, admitted into a server or the line
  renege,           ///< its patience ran out while waiting ("left without being seen")
  baulk,            ///< it was turned away on arrival (line full, divert, baulk probability)
  leave,            ///< it released its server (value >= 0), or was withdrawn (value == -1)
  capacity_change,  ///< the capacity changed (value = new capacity, entity = 0)
  preempt,          ///< it was interrupted in service and went back to the line
};

/// One resource event. `value`: for capacity_change the new capacity; for a withdrawal (leave)
/// -1; otherwise the number waiting in the line after the event.
struct MonitorEvent {
  Time time;
  MonitorEventKind kind;
  std::uint32_t resource;
  std::uint32_t entity;
  std::int32_t value;
};

class Monitor {
 public:
  virtual void on_event(const MonitorEvent& event) = 0;
  virtual ~Monitor() = default;

 protected:
  Monitor() = default;
  Monitor(const Monitor&) = default;
  Monitor& operator=(const Monitor&) = default;
};

/// Forwards every event to several monitors, in the order they were added (not owned).
class MultiMonitor final : public Monitor {
 public:
  MultiMonitor() = default;
  void add(Monitor* monitor) {
    if (monitor != nullptr) monitors_.push_back(monitor);
  }
  void on_event(const MonitorEvent& event) override {
    for (Monitor* m : monitors_) m->on_event(event);
  }
  [[nodiscard]] std::size_t size() const { return monitors_.size(); }

 private:
  std::vector<Monitor*> monitors_;
};

/// Keeps every event in memory (tests, small runs).
class MemoryMonitor final : public Monitor {
 public:
  void on_event(const MonitorEvent& event) override { events_.push_back(event); }
  [[nodiscard]] const std::vector<MonitorEvent>& events() const { return events_; }
  void clear() { events_.clear(); }

 private:
  std::vector<MonitorEvent> events_;
};

/// Folds every event into a 64-bit hash (FNV-1a over the fields): equal traces, equal hashes.
class HashMonitor final : public Monitor {
 public:
  void on_event(const MonitorEvent& event) override {
    std::uint64_t time_bits = 0;
    static_assert(sizeof(time_bits) == sizeof(event.time));
    __builtin_memcpy(&time_bits, &event.time, sizeof time_bits);
    mix(time_bits);
    mix(static_cast<std::uint64_t>(event.kind));
    mix(event.resource);
    mix(event.entity);
    mix(static_cast<std::uint32_t>(event.value));
    ++count_;
  }
  [[nodiscard]] std::uint64_t hash() const { return hash_; }
  [[nodiscard]] std::uint64_t count() const { return count_; }

 private:
  void mix(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (v >> (8 * i)) & 0xffU;
      hash_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::uint64_t count_ = 0;
};

}  // namespace carepath::engine
