#include <carepath/experiments/plan.hpp>
#include <carepath/outputs/result_file.hpp>

#include <stdexcept>

namespace carepath::experiments {

void Plan::add(pathways::ModelSpec m) {
  for (const auto& s : scenarios_) {
    if (s.model.scenario == m.scenario)
      throw std::invalid_argument("two scenarios are named '" + m.scenario + "'");
  }
  if (!scenarios_.empty() && scenarios_.front().model.horizon.years != m.horizon.years) {
    throw std::invalid_argument("scenario '" + m.scenario + "' has another horizon than '" +
                                scenarios_.front().model.scenario + "'");
  }
  std::string hash = outputs::fnv1a64_hex(m.resolved_yaml);
  if (scenarios_.empty()) {
    replications_ = m.run.replications;
    seed_ = m.run.seed;
  }
  scenarios_.push_back(PlannedScenario{std::move(m), std::move(hash)});
}

void Plan::set_replications(int replications) {
  replications_ = replications;
  for (auto& s : scenarios_) s.model.run.replications = replications;
}

void Plan::set_seed(std::uint64_t seed) {
  seed_ = seed;
  for (auto& s : scenarios_) s.model.run.seed = seed;
}

std::vector<Task> Plan::tasks(int from) const {
  std::vector<Task> out;
  for (std::size_t s = 0; s < scenarios_.size(); ++s) {
    for (int r = from; r < replications_; ++r) out.push_back(Task{s, r});
  }
  return out;
}

std::vector<std::string> Plan::years() const {
  std::vector<std::string> out;
  if (scenarios_.empty()) return out;
  const auto& m = scenarios_.front().model;
  for (int y = 0; y < m.horizon.years; ++y) out.push_back(m.horizon.year_label(y));
  return out;
}

}  // namespace carepath::experiments
