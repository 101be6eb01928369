// The event log translated for vidigi (see vidigi_export.hpp for the mapping).
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/vidigi_export.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace fs = std::filesystem;

namespace carepath::outputs {
namespace {

// Row order within one time stamp for one entity: vidigi takes the last row as its place.
enum class Order : std::uint8_t { arrival = 0, end = 1, queue = 2, begin = 3, depart = 4 };

struct Row {
  Order order;
  std::uint16_t site;
  std::uint32_t slot;  // 0 = none
};

struct PatientState {
  int location = -1;                                          // site of its last arrival, -1 = none
  std::vector<std::pair<std::uint16_t, std::uint32_t>> held;  // (site, slot)
  std::uint32_t stays = 0;
  std::uint16_t cohort = 0;
  bool inside = false;
  bool finished = false;  // its last event (in the whole log) was processed and took it out
  std::vector<Row> pending;
};

class SlotPool {
 public:
  std::uint32_t take() {
    if (free_.empty()) return next_++;
    const std::uint32_t s = free_.top();
    free_.pop();
    return s;
  }
  void give_back(std::uint32_t s) { free_.push(s); }

 private:
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> free_;
  std::uint32_t next_ = 1;
};

// One replication's log through the state machine; `emit` receives the rows in the window.
class Translator {
 public:
  using Emit = std::function<void(std::uint32_t patient, const PatientState&, Order, int site,
                                  std::uint32_t slot, double time)>;

  Translator(const std::vector<std::string>& sites, const VidigiOptions& o, std::vector<bool> exit,
             std::unordered_map<std::uint32_t, std::uint64_t> last_row, Emit emit)
      : o_(o),
        exit_(std::move(exit)),
        last_row_(std::move(last_row)),
        emit_(std::move(emit)),
        slots_(sites.size()) {
    filter_.resize(sites.size(), o.sites.empty());
    for (std::size_t s = 0; s < sites.size(); ++s) {
      if (o.sites.contains(sites[s])) filter_[s] = true;
    }
  }

  void event(const EventRecord& e) {
    if (e.event == EventCode::capacity_change || e.site >= filter_.size()) {
      ++row_;
      return;
    }
    if (e.time != group_time_) flush();
    if (done_) return;
    // The window opens before the first event at or after `from` changes anything.
    if (!started_ && e.time >= o_.from && e.time <= o_.to) start_window(o_.from);
    group_time_ = e.time;
    PatientState& p = patients_[e.patient];
    p.cohort = e.cohort;
    if (std::find(touched_.begin(), touched_.end(), e.patient) == touched_.end()) {
      touched_.push_back(e.patient);
    }
    const std::uint16_t s = e.site;
    const bool shown = filter_[s] && !exit_[s];
    auto release = [&] {
      for (auto it = p.held.begin(); it != p.held.end(); ++it) {
        if (it->first != s) continue;
        if (filter_[s]) p.pending.push_back({Order::end, s, it->second});
        slots_[s].give_back(it->second);
        p.held.erase(it);
        return;
      }
    };
    switch (e.event) {
      case EventCode::arrive:
        p.location = exit_[s] ? -1 : s;
        if (shown) p.pending.push_back({Order::queue, s, 0});
        break;
      case EventCode::start: {
        release();  // a restart (should not happen) frees the old slot first
        const std::uint32_t slot = slots_[s].take();
        p.held.emplace_back(s, slot);
        p.location = s;
        if (shown) p.pending.push_back({Order::begin, s, slot});
        break;
      }
      case EventCode::leave:
        release();
        if (p.location == s) p.location = -1;
        break;
      case EventCode::preempt:
        release();
        if (shown) p.pending.push_back({Order::queue, s, 0});
        break;
      case EventCode::renege:
      case EventCode::baulk:
        if (p.location == s) p.location = -1;
        break;
      case EventCode::block:
      case EventCode::unblock:
      case EventCode::capacity_change:
        break;
    }
    const auto last = last_row_.find(e.patient);
    if (last != last_row_.end() && last->second == row_) {
      const bool gone = e.event == EventCode::leave || e.event == EventCode::renege ||
                        e.event == EventCode::baulk || (e.event == EventCode::arrive && exit_[s]);
      p.finished = gone;
    }
    ++row_;
  }

  // Ends the log: the last time group, and who is still there.
  void finish() {
    flush();
    if (!started_) start_window(o_.from);
  }

  [[nodiscard]] std::vector<std::uint64_t> inside_at_end() const {
    std::vector<std::uint64_t> out;
    for (const auto& [id, p] : patients_) {
      if (p.inside) out.push_back(key(id, p.stays));
    }
    return out;
  }
  static std::uint64_t key(std::uint32_t patient, std::uint32_t stay) {
    return (std::uint64_t{patient} << 32) | stay;
  }
  [[nodiscard]] std::uint64_t present_at_start() const { return present_at_start_; }

 private:
  [[nodiscard]] bool inside(const PatientState& p) const {
    // Unfiltered: in the system until its last event took it out and it holds no place (at a
    // transfer the log has the arrival at the next site before the leave of the last one).
    if (o_.sites.empty()) return !p.finished || !p.held.empty();
    if (p.location >= 0 && filter_[static_cast<std::size_t>(p.location)]) return true;
    return std::any_of(p.held.begin(), p.held.end(),
                       [&](const auto& h) { return filter_[h.first]; });
  }

  // Everyone inside when the window opens appears there, at `time`, where they are.
  void start_window(double time) {
    started_ = true;
    for (auto& [id, p] : patients_) {
      if (!p.inside) continue;
      ++present_at_start_;
      emit_(id, p, Order::arrival, -1, 0, time);
      bool placed = false;
      for (const auto& [site, slot] : p.held) {
        if (filter_[site]) {
          emit_(id, p, Order::begin, site, slot, time);
          placed = true;
        }
      }
      if (!placed && p.location >= 0 && filter_[static_cast<std::size_t>(p.location)]) {
        emit_(id, p, Order::queue, p.location, 0, time);
      }
    }
  }

  void flush() {
    if (touched_.empty()) return;
    const double t = group_time_;
    if (t > o_.to) {
      done_ = true;
      for (const std::uint32_t id : touched_) patients_[id].pending.clear();
      touched_.clear();
      return;
    }
    const bool in_window = t >= o_.from;
    for (const std::uint32_t id : touched_) {
      PatientState& p = patients_[id];
      const bool before = p.inside;
      const bool after = inside(p);
      const bool visited = !p.pending.empty();
      if (!before && (after || visited)) ++p.stays;
      if (in_window) {
        std::stable_sort(p.pending.begin(), p.pending.end(),
                         [](const Row& a, const Row& b) { return a.order < b.order; });
        if (!before && (after || visited)) emit_(id, p, Order::arrival, -1, 0, t);
        if (before || after || visited) {
          for (const Row& r : p.pending) emit_(id, p, r.order, r.site, r.slot, t);
        }
        if ((before || visited) && !after) emit_(id, p, Order::depart, -1, 0, t);
      }
      p.pending.clear();
      p.inside = after;
      if (p.finished && !after && p.held.empty()) patients_.erase(id);  // it never returns
    }
    touched_.clear();
  }

  const VidigiOptions& o_;
  std::vector<bool> filter_;
  std::vector<bool> exit_;
  std::unordered_map<std::uint32_t, std::uint64_t> last_row_;
  Emit emit_;
  std::vector<SlotPool> slots_;
  std::unordered_map<std::uint32_t, PatientState> patients_;
  std::vector<std::uint32_t> touched_;
  double group_time_ = -1;
  std::uint64_t row_ = 0;
  bool started_ = false;
  bool done_ = false;
  std::uint64_t present_at_start_ = 0;
};

}  // namespace

VidigiSummary export_vidigi_csv(const ResultReader& reader, const fs::path& file,
                                const VidigiOptions& options) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw ResultFileError(file.string() + ": cannot create");
  out << "scenario,run,patient,patient_serial,pathway,site,event_type,event,time,resource_id,"
         "present_at_end\n";
  VidigiSummary summary;
  bool any_scenario = false;
  for (const auto& s : reader.results().scenarios) {
    if (options.scenario && *options.scenario != s.name) continue;
    any_scenario = true;
    for (const std::uint32_t rep : s.replications) {
      if (options.replication && *options.replication != rep) continue;
      if (!reader.has_events(s.name, rep)) continue;
      const auto sites = reader.event_sites(s.name, rep);
      const auto cohorts = reader.event_cohorts(s.name, rep);
      for (const auto& name : options.sites) {
        if (std::find(sites.begin(), sites.end(), name) == sites.end()) {
          throw std::invalid_argument("--sites: no site '" + name + "' in the event log");
        }
      }
      // Pass 1: each patient's last row; which sites patients never leave by an event (exits).
      std::unordered_map<std::uint32_t, std::uint64_t> last_row;
      std::unordered_map<std::uint32_t, std::pair<std::uint16_t, EventCode>> last_event;
      std::vector<std::uint64_t> followed(sites.size(), 0), final_arrivals(sites.size(), 0);
      std::uint64_t row = 0;
      reader.for_each_event_block(s.name, rep, [&](std::span<const EventRecord> block) {
        for (const auto& e : block) {
          if (e.event != EventCode::capacity_change && e.site < sites.size()) {
            const auto it = last_event.find(e.patient);
            if (it != last_event.end() && it->second.second == EventCode::arrive) {
              ++followed[it->second.first];
            }
            last_event[e.patient] = {e.site, e.event};
            last_row[e.patient] = row;
          }
          ++row;
        }
      });
      for (const auto& [id, ev] : last_event) {
        if (ev.second == EventCode::arrive) ++final_arrivals[ev.first];
      }
      std::vector<bool> exit(sites.size(), false);
      for (std::size_t i = 0; i < sites.size(); ++i) {
        exit[i] = options.exit_sites.empty() ? (followed[i] == 0 && final_arrivals[i] > 0)
                                             : options.exit_sites.contains(sites[i]);
      }
      auto run = [&](const Translator::Emit& emit) {
        Translator t(sites, options, exit, last_row, emit);
        reader.for_each_event_block(s.name, rep, [&](std::span<const EventRecord> block) {
          for (const auto& e : block) t.event(e);
        });
        t.finish();
        return t;
      };
      // Pass 2: who is still there at the end (no output); pass 3: the rows.
      const auto ends =
          run([](std::uint32_t, const PatientState&, Order, int, std::uint32_t, double) {
          }).inside_at_end();
      const std::unordered_set<std::uint64_t> at_end(ends.begin(), ends.end());
      const std::string run_s = std::to_string(rep);
      static constexpr const char* kType[] = {"arrival_departure", "resource_use_end", "queue",
                                              "resource_use", "arrival_departure"};
      const Translator t = run([&](std::uint32_t id, const PatientState& p, Order order, int site,
                                   std::uint32_t slot, double time) {
        const std::string entity =
            p.stays <= 1 ? std::to_string(id) : std::to_string(id) + "-" + std::to_string(p.stays);
        const bool end = at_end.contains(Translator::key(id, p.stays));
        const std::string site_name =
            site >= 0 ? sites[static_cast<std::size_t>(site)] : std::string();
        std::string event;
        switch (order) {
          case Order::arrival:
            event = "arrival";
            ++summary.entities;
            if (time == options.from) ++summary.present_at_start;
            if (end) ++summary.present_at_end;
            break;
          case Order::depart:
            event = "depart";
            break;
          case Order::queue:
            event = site_name + "_wait_begins";
            break;
          case Order::begin:
            event = site_name + "_begins";
            break;
          case Order::end:
            event = site_name + "_ends";
            break;
        }
        out << csv_field(s.name) << ',' << run_s << ',' << entity << ',' << id << ','
            << csv_field(p.cohort < cohorts.size() ? cohorts[p.cohort] : "?") << ','
            << csv_field(site_name) << ',' << kType[static_cast<int>(order)] << ','
            << csv_field(event) << ',' << format_number(time) << ','
            << (slot > 0 ? std::to_string(slot) : std::string()) << ',' << (end ? 1 : 0) << '\n';
        ++summary.rows;
      });
      (void)t;
    }
  }
  if (options.scenario && !any_scenario) {
    throw std::invalid_argument("--scenario: no scenario '" + *options.scenario + "'");
  }
  out.close();
  if (!out) throw ResultFileError(file.string() + ": write failed");
  return summary;
}

}  // namespace carepath::outputs
