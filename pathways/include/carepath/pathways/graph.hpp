#pragma once
// The care graph: sites as vertices, routes (and overflow / renege links) as edges, plus one
// pseudo-vertex per arrival stream. Built on Boost.Graph (kept out of this header).
#include <carepath/pathways/model_spec.hpp>

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace carepath::pathways {

/// One structural check of a model. `warning` marks advisory checks: they print as "[warn]" when
/// not ok and do not make a model invalid (see has_failures()).
struct Check {
  std::string name;
  bool ok = true;
  std::string detail;
  bool warning = false;
  std::vector<SourceLocation> where;  ///< where the offending values were written (may be empty)
};

class CareGraph {
 public:
  explicit CareGraph(const ModelSpec& spec);
  ~CareGraph();
  CareGraph(CareGraph&&) noexcept;
  CareGraph& operator=(CareGraph&&) noexcept;
  CareGraph(const CareGraph&) = delete;
  CareGraph& operator=(const CareGraph&) = delete;

  /// Checks, in this order (names as given):
  ///   "arrivals reach every site"          every site reachable from some arrival stream
  ///                                        (over any route, overflow or renege edge)
  ///   "every site receives patients"       warning only: reachable only through routes whose
  ///                                        probability is 0 in every year (switched off)
  ///   "every site reaches an exit"         reverse reachability from the exit sites over routes
  ///                                        with a positive probability in some year
  ///   "route probabilities sum to 1"       per rule, per year
  ///   "every cohort has a route"           per routing site
  ///   "no zero-capacity site without overflow"   site capacity 0 in any year
  ///   "closed roster hours have an overflow"     warning only
  ///   "no blocking cycle"                  `mode: block` cycles between finite-capacity sites
  ///   "no zero-time cycle"                 cycles of moves taking no simulated time (a triage
  ///                                        site's routes without travel, overflows)
  ///   "some site has capacity"             not every site with capacity has 0 in every year
  [[nodiscard]] std::vector<Check> validate() const;

  /// Graphviz DOT: sites labelled "name\nkind, capacity", arrival streams as boxes with their
  /// volume per year, edges labelled with probabilities (year 1, and the range if it varies),
  /// mode (block/divert), hold and travel; overflow edges dashed, renege edges dotted.
  void write_dot(std::ostream& out) const;

  [[nodiscard]] std::size_t vertex_count() const;  ///< sites + arrival streams
  [[nodiscard]] std::size_t edge_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True if some non-warning check failed.
bool has_failures(const std::vector<Check>& checks);

/// One line per check: "[ok]   name", "[FAIL] name: detail", "[warn] name: detail"; a failed or
/// warned check is followed by "       at file:line:column" for each place it names (at most 5).
std::string validation_report(const std::vector<Check>& checks);

}  // namespace carepath::pathways
