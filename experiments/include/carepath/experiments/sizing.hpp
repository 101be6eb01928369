#pragma once
// Sizing (`carepath size`): the smallest capacity of one or more sites (scaled together) whose
// KPI in a given year meets a target (at most or at least a value), decided at a stated
// confidence. The search runs every capacity with the same master seed (common random numbers),
// first by bisection on the means, then adds replications at the boundary (the answer and the
// capacity below it) until both sides are decided by their confidence intervals, or says plainly
// that it could not decide within the replication budget.
#include <carepath/experiments/experiment.hpp>
#include <carepath/outputs/experiment_tables.hpp>
#include <carepath/pathways/loader.hpp>

#include <optional>
#include <string>
#include <vector>

namespace carepath::experiments {

struct SizingQuestion {
  std::string scenario;            ///< model or scenario file
  pathways::LoadOptions load;      ///< --years, --set
  std::vector<std::string> sites;  ///< scaled together, in proportion to their capacities
  std::string kpi;
  std::string year;     ///< year label, e.g. "2018/19"
  bool at_most = true;  ///< target is an upper bound (else a lower bound)
  double target = 0;
  double confidence = 0.95;
  int replications = 5;             ///< first replications per capacity
  int max_replications = 40;        ///< per capacity
  std::optional<int> min_capacity;  ///< total capacity of the sites (default 1)
  std::optional<int> max_capacity;  ///< default: twice the model's
  std::optional<std::uint64_t> seed;
};

/// One explored capacity.
struct SizingPoint {
  int capacity = 0;                  ///< total over the sites
  std::vector<int> site_capacities;  ///< per site
  int replications = 0;
  double mean = 0;
  double half_width = 0;  ///< of the two-sided CI at the stated confidence
  enum class Verdict { meets, fails, undecided } verdict = Verdict::undecided;
  bool census_scaled = false;  ///< a starting census was cut to fit the capacity
};

struct SizingAnswer {
  bool decided = false;
  std::optional<int> capacity;     ///< the smallest capacity meeting the target
  std::string message;             ///< one plain sentence
  std::vector<SizingPoint> curve;  ///< sorted by capacity
  std::vector<std::string> notes;  ///< e.g. census scaling, reported before any run
};

/// Checks the question against the model (sites, KPI, year) and returns notes on starting
/// censuses that will be scaled. Throws pathways::ConfigErrors or std::invalid_argument.
class Sizing {
 public:
  explicit Sizing(SizingQuestion question);
  /// Notes known before any run (census scaling).
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }
  /// Searches, running tasks through `runner` into `store`.
  SizingAnswer run(const TaskStore& store, Runner& runner, const TaskOutputs& outputs,
                   const Observer& observer);
  /// The plan whose parts make the final file: the capacities at the largest replication count.
  [[nodiscard]] const Plan& final_plan() const { return final_; }
  [[nodiscard]] outputs::ExperimentRecord record(const SizingAnswer& answer) const;

 private:
  SizingPoint& evaluate(int capacity, int replications);
  pathways::ModelSpec model_at(int capacity, bool& census_scaled) const;
  [[nodiscard]] std::vector<int> split(int total) const;
  void classify(SizingPoint& p) const;

  SizingQuestion q_;
  const TaskStore* store_ = nullptr;
  Runner* runner_ = nullptr;
  TaskOutputs outputs_;
  Observer observer_;
  pathways::ModelSpec base_;
  std::vector<int> base_caps_;
  std::vector<int> census_;
  int base_total_ = 0;
  std::size_t year_ = 0;
  std::vector<SizingPoint> points_;
  std::vector<std::string> notes_;
  Plan final_;
  int round_ = 0;
};

}  // namespace carepath::experiments
