#include <carepath/experiments/task_store.hpp>
#include <carepath/outputs/output_path.hpp>
#include <carepath/outputs/result_file.hpp>
#include <carepath/pathways/runtime.hpp>

#include <algorithm>

namespace carepath::experiments {
namespace {

namespace fs = std::filesystem;

// Forwards a replication's time series and events to its part file.
class PartSink final : public pathways::ReplicationSink {
 public:
  PartSink(outputs::PartWriter& writer, const TaskOutputs& outputs)
      : writer_(writer), outputs_(outputs) {}
  ~PartSink() override = default;
  PartSink(const PartSink&) = delete;
  PartSink& operator=(const PartSink&) = delete;

  [[nodiscard]] bool wants_time_series() const override { return outputs_.time_series; }
  [[nodiscard]] bool wants_events() const override { return outputs_.events; }
  void hourly(std::int64_t /*hour*/, std::span<const std::int32_t> occupancy,
              std::span<const std::int32_t> queue,
              std::span<const std::int32_t> in_service) override {
    row_.resize(occupancy.size());
    for (std::size_t i = 0; i < occupancy.size(); ++i) {
      row_[i] = outputs::SiteSample{occupancy[i], queue[i], in_service[i]};
    }
    writer_.append_sample(row_);
  }
  void event(std::uint32_t patient, std::uint16_t cohort, std::uint16_t site, std::uint8_t kind,
             double time) override {
    buffer_.push_back(
        outputs::EventRecord{patient, cohort, site, static_cast<outputs::EventCode>(kind), time});
    if (buffer_.size() >= 65536) flush();
  }
  void flush() {
    if (!buffer_.empty()) writer_.append_events(buffer_);
    buffer_.clear();
  }

 private:
  outputs::PartWriter& writer_;
  TaskOutputs outputs_;
  std::vector<outputs::SiteSample> row_;
  std::vector<outputs::EventRecord> buffer_;
};

std::vector<std::string> year_labels(const pathways::ModelSpec& m) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(std::max(m.horizon.years, 0)));
  for (int y = 0; y < m.horizon.years; ++y) out.push_back(m.horizon.year_label(y));
  return out;
}

}  // namespace

TaskStore::TaskStore(fs::path out, bool leader)
    : out_(std::move(out)), dir_(out_.string() + ".parts") {
  if (out_.has_parent_path()) fs::create_directories(out_.parent_path());
  if (leader) {
    lock_ = std::make_unique<outputs::OutputLock>(out_);  // one run per --out; refused at once
    outputs::remove_stale_temporaries(dir_);              // left by processes that died
  }
  fs::create_directories(dir_);
  // Before any replication is forked: every child then inherits the initialised library.
  outputs::prepare_library();
}

TaskStore::~TaskStore() = default;

fs::path TaskStore::part(const PlannedScenario& s, int replication) const {
  return outputs::part_path(dir_, s.model.scenario, static_cast<std::uint32_t>(replication));
}

outputs::PartSpec TaskStore::spec_of(const PlannedScenario& s, int replication,
                                     const TaskOutputs& outputs) {
  const pathways::ModelSpec& m = s.model;
  outputs::PartSpec spec;
  spec.scenario = m.scenario;
  spec.replication = static_cast<std::uint32_t>(replication);
  spec.master_seed = m.run.seed;
  spec.config_hash = s.hash;
  spec.years = year_labels(m);
  for (const auto& k : pathways::kpi_catalogue(m)) {
    spec.kpis.push_back(outputs::KpiDef{k.name, k.unit, k.description, k.headline});
  }
  std::vector<std::string> sites;
  for (const auto& site : m.sites) sites.push_back(site.name);
  if (outputs.time_series) spec.sites = sites;
  spec.event_log = outputs.events;
  for (const auto& c : m.cohorts) spec.cohorts.push_back(c.name);
  spec.event_sites = sites;
  return spec;
}

std::string TaskStore::run(const PlannedScenario& s, int replication,
                           const TaskOutputs& outputs) const {
  const pathways::ModelSpec& m = s.model;
  const outputs::PartSpec spec = spec_of(s, replication, outputs);
  // Reused only if it matches the whole spec and its checksums; anything else is re-run.
  const std::string why = outputs::part_reuse_problem(part(s, replication), spec);
  if (why.empty()) return "reused";
  const std::string note = why == "missing" ? "" : why + "\n";
  outputs::PartWriter writer(part(s, replication), spec);
  PartSink sink(writer, outputs);
  const pathways::ReplicationResult r =
      pathways::run_replication(m, m.run.seed, replication, &sink);
  sink.flush();
  for (int y = 0; y < m.horizon.years; ++y) {
    writer.set_kpi_values(static_cast<std::size_t>(y),
                          std::span<const double>(r.values).subspan(
                              static_cast<std::size_t>(y) * r.kpis.size(), r.kpis.size()));
  }
  writer.finish();
  return note + "ran " + std::to_string(r.events) + " events";
}

std::vector<fs::path> TaskStore::parts(const Plan& plan) const {
  std::vector<fs::path> out;
  for (const auto& s : plan.scenarios()) {
    for (int r = 0; r < plan.replications(); ++r) out.push_back(part(s, r));
  }
  return out;
}

void TaskStore::clear() const {
  fs::remove_all(dir_);
}

}  // namespace carepath::experiments
