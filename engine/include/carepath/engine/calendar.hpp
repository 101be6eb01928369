#pragma once
// The patient-event calendar: a 4-ary min-heap ordered by (time, priority, insertion sequence).
//
// This is the hot path of every model, so it is header-only, allocation-free in steady state and
// knows nothing of SimGrid. Simulation owns one and drains it between SimGrid synchronisation
// points; bench/ runs the same models on this calendar and on a bare reference heap.
//
// Tie order: at equal times the lower priority value runs first; at equal (time, priority) the
// event scheduled first runs first. The same input therefore always gives the same trace.
//
// Lanes: a source that always has exactly one next event pending (an arrival stream) can keep it
// in a lane of its own instead of the heap: scheduling it is a store, and taking it needs no
// sift. Lane events carry the same (time, priority, sequence) keys from the same counter, and the
// earliest lane competes with the heap's top, so the order of events is exactly the heap's.
#include <bit>
#include <cassert>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <unordered_set>
#include <utility>
#include <vector>

namespace carepath::engine {

/// Simulated time. The engine is unit-agnostic; the pathways layer uses minutes.
using Time = double;
inline constexpr Time kForever = std::numeric_limits<Time>::infinity();

/// Identifies one scheduled event, so that it can be cancelled.
enum class EventId : std::uint64_t {};

/// Receives events. `kind` and `arg` are the handler's own (e.g. "service end", patient slot).
class EventHandler {
 public:
  virtual void on_event(std::uint32_t kind, std::uint32_t arg) = 0;

 protected:
  EventHandler() = default;
  EventHandler(const EventHandler&) = default;
  EventHandler& operator=(const EventHandler&) = default;
  ~EventHandler() = default;
};

/// Named priorities for ties at equal times (lower runs first), as simmer does.
namespace priority {
inline constexpr int kUrgent = -100;  ///< e.g. completing a transfer the same instant
inline constexpr int kRelease = -10;  ///< service ends before arrivals at the same instant
inline constexpr int kNormal = 0;     ///< default
inline constexpr int kArrival = 10;   ///< arrivals after releases at the same instant
inline constexpr int kMonitor = 100;  ///< samplers see the state after everything else
}  // namespace priority

struct Event {
  Time time;
  std::uint64_t order;  ///< (priority + 2^15) << 48 | sequence
  EventHandler* handler;
  std::uint32_t kind;
  std::uint32_t arg;

  [[nodiscard]] std::uint64_t sequence() const { return sequence_of(order); }
  /// The insertion sequence held in an `order` value.
  static std::uint64_t sequence_of(std::uint64_t order) {
    return order & ((std::uint64_t{1} << 48) - 1);
  }
  [[nodiscard]] bool before(const Event& o) const {
    return time < o.time || (time == o.time && order < o.order);
  }
};

class Calendar {
 public:
  EventId schedule(Time time, int prio, EventHandler* handler, std::uint32_t kind,
                   std::uint32_t arg) {
    assert(time == time);  // not NaN
    const std::uint64_t order = next_order(prio);
    // The new event stays in registers while its place is found (writing it at the end and
    // reading it back would stall on store forwarding: it was written in parts).
    const std::size_t end = keys_.size();
    keys_.emplace_back();
    loads_.emplace_back();
    sift_up(end, Key{time_bits(time), order}, Load{time, handler, kind, arg});
    return EventId{Event::sequence_of(order)};
  }

  /// A new lane (see above); lanes are numbered from 0.
  std::uint32_t add_lane() {
    lanes_.push_back(LaneSlot{});
    return static_cast<std::uint32_t>(lanes_.size() - 1);
  }
  /// As schedule(), into `lane`, which must hold no pending event.
  EventId schedule_in_lane(std::uint32_t lane, Time time, int prio, EventHandler* handler,
                           std::uint32_t kind, std::uint32_t arg) {
    assert(time == time);  // not NaN
    assert(lane < lanes_.size());
    if (lanes_[lane].pending) throw std::logic_error("Calendar: the lane holds a pending event");
    const std::uint64_t order = next_order(prio);
    LaneSlot& l = lanes_[lane];
    l.key = Key{time_bits(time), order};
    l.load = Load{time, handler, kind, arg};
    l.pending = true;
    ++lane_events_;
    // The earliest lane: this one if it is earlier (unless a scan is due anyway).
    if (best_ != kScan && (best_ == kNoLane || wide(l.key) < wide(lanes_[best_].key))) {
      best_ = lane;
    }
    return EventId{Event::sequence_of(order)};
  }

  /// Cancels a pending event. Cancelling an event that already ran or was cancelled is a
  /// programming error (checked in debug builds by the pop path never finding it).
  void cancel(EventId id) {
    const auto seq = static_cast<std::uint64_t>(id);
    for (LaneSlot& l : lanes_) {  // a lane's event frees its lane at once
      if (l.pending && Event::sequence_of(l.key.order) == seq) {
        l.pending = false;
        --lane_events_;
        best_ = kScan;
        return;
      }
    }
    cancelled_.insert(seq);
    ++cancelled_pending_;
  }

  [[nodiscard]] bool empty() {
    skip_cancelled();
    return keys_.empty() && earliest_lane() == kNoLane;
  }
  /// Time of the next live event, or kForever.
  [[nodiscard]] Time next_time() {
    skip_cancelled();
    if (lane_first()) return lanes_[best_].load.time;
    return keys_.empty() ? kForever : loads_.front().time;
  }
  /// Removes and returns the next live event. Precondition: !empty().
  Event pop() {
    skip_cancelled();
    if (lane_first()) return take_lane();
    assert(!keys_.empty());
    return take_top();
  }
  /// pop() if the next live event is before `limit` and not after `horizon` (one look at the
  /// heap's top and the lanes for both questions); false, removing nothing, otherwise.
  bool pop_before(Time limit, Time horizon, Event& out) {
    skip_cancelled();
    if (lane_first()) {
      const Time t = lanes_[best_].load.time;
      if (t >= limit || t > horizon) return false;
      out = take_lane();
      return true;
    }
    if (keys_.empty()) return false;  // kForever is never before a limit
    const Time t = loads_.front().time;
    if (t >= limit || t > horizon) return false;
    out = take_top();
    return true;
  }
  [[nodiscard]] std::size_t size() const {
    return keys_.size() + lane_events_ - cancelled_pending_;
  }
  [[nodiscard]] std::uint64_t scheduled_total() const { return next_seq_; }
  void reserve(std::size_t n) {
    keys_.reserve(n);
    loads_.reserve(n);
  }

 private:
  static constexpr std::size_t kArity = 4;
  __extension__ using Key128 = unsigned __int128;  // GCC/Clang: compares without branches

  /// The heap holds the ordering keys apart from the rest of each event, so that a sift reads
  /// 16 bytes a child (four children in one or two cache lines) and a big calendar stays in the
  /// first-level cache; the rest moves along without being read.
  struct Key {
    std::uint64_t time;   // the time's bits, mapped so that unsigned order is numeric order
    std::uint64_t order;  // Event::order
  };
  struct Load {
    Time time;
    EventHandler* handler;
    std::uint32_t kind;
    std::uint32_t arg;
  };

  /// The order value (Event::order) of the next event scheduled with priority `prio`.
  std::uint64_t next_order(int prio) {
    assert(prio > -32768 && prio < 32767);
    return (static_cast<std::uint64_t>(prio + 32768) << 48) | next_seq_++;
  }
  /// The time's bits mapped so that unsigned order is numeric order (-0.0 read as +0.0; no NaN).
  static std::uint64_t time_bits(Time t) {
    auto b = std::bit_cast<std::uint64_t>(t + 0.0);
    b ^= static_cast<std::uint64_t>(static_cast<std::int64_t>(b) >> 63) | (std::uint64_t{1} << 63);
    return b;
  }
  /// (time, order) as one unsigned 128-bit number with the same order as Event::before.
  static Key128 wide(const Key& k) { return (static_cast<Key128>(k.time) << 64) | k.order; }

  void skip_cancelled() {
    // Cancelled events wait in the heap until they reach its top (a lane's are removed at once).
    while (cancelled_pending_ != 0 && !keys_.empty()) {
      auto it = cancelled_.find(Event::sequence_of(keys_.front().order));
      if (it == cancelled_.end()) return;
      cancelled_.erase(it);
      --cancelled_pending_;
      remove_top();
    }
  }
  static constexpr std::uint32_t kNoLane = 0xffffffffU;
  static constexpr std::uint32_t kScan = 0xfffffffeU;  // the earliest lane is to be found
  /// The pending lane event with the smallest key, or kNoLane.
  std::uint32_t earliest_lane() {
    if (best_ == kScan) {
      best_ = kNoLane;
      for (std::uint32_t i = 0; i < lanes_.size(); ++i) {
        if (lanes_[i].pending &&
            (best_ == kNoLane || wide(lanes_[i].key) < wide(lanes_[best_].key))) {
          best_ = i;
        }
      }
    }
    return best_;
  }
  /// Whether the next event is the earliest lane's (its key is below the heap's top).
  bool lane_first() {
    const std::uint32_t b = earliest_lane();
    return b != kNoLane && (keys_.empty() || wide(lanes_[b].key) < wide(keys_.front()));
  }
  Event take_lane() {
    LaneSlot& l = lanes_[best_];
    const Event e{l.load.time, l.key.order, l.load.handler, l.load.kind, l.load.arg};
    l.pending = false;
    --lane_events_;
    // Found again when next needed: usually after the source has scheduled its next event
    // (one scan for both).
    best_ = kScan;
    return e;
  }
  /// Removes and returns the heap's top event.
  Event take_top() {
    const Load& l = loads_.front();
    const Event top{l.time, keys_.front().order, l.handler, l.kind, l.arg};
    remove_top();
    return top;
  }
  void remove_top() {
    const Key k = keys_.back();
    const Load l = loads_.back();
    keys_.pop_back();
    loads_.pop_back();
    if (!keys_.empty()) sift_down(0, k, l);
  }
  /// Places (k, l) at or above the hole at index i.
  void sift_up(std::size_t i, const Key k, const Load& l) {
    const Key128 kw = wide(k);
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!(kw < wide(keys_[parent]))) break;
      keys_[i] = keys_[parent];
      loads_[i] = loads_[parent];
      i = parent;
    }
    keys_[i] = k;
    loads_[i] = l;
  }
  /// Places (k, l) at or below the hole at index i.
  void sift_down(std::size_t i, const Key k, const Load& l) {
    // The smallest of up to four children is selected without branches (the winner is
    // unpredictable, so a branch per comparison mispredicts about half the time).
    const std::size_t n = keys_.size();
    const Key128 kw = wide(k);
    for (;;) {
      const std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      Key128 bw = wide(keys_[first]);
      const std::size_t last = first + kArity < n ? first + kArity : n;
      for (std::size_t c = first + 1; c < last; ++c) {
        const Key128 w = wide(keys_[c]);
        const bool less = w < bw;
        best = less ? c : best;
        bw = less ? w : bw;
      }
      if (!(bw < kw)) break;
      keys_[i] = keys_[best];
      loads_[i] = loads_[best];
      i = best;
    }
    keys_[i] = k;
    loads_[i] = l;
  }

  std::vector<Key> keys_;    // the 4-ary min-heap of ordering keys
  std::vector<Load> loads_;  // the rest of each event, at the same index as its key
  struct LaneSlot {
    Key key{};
    Load load{};
    bool pending = false;
  };
  std::vector<LaneSlot> lanes_;
  std::size_t lane_events_ = 0;   // lanes holding an event
  std::uint32_t best_ = kNoLane;  // the earliest lane, kNoLane (none) or kScan (to be found)
  std::unordered_set<std::uint64_t> cancelled_;
  std::size_t cancelled_pending_ = 0;
  std::uint64_t next_seq_ = 0;
};

}  // namespace carepath::engine
