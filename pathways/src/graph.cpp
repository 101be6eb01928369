// The care graph (Boost.Graph): structural validation and Graphviz output.
#include <carepath/pathways/graph.hpp>
#include <carepath/pathways/units.hpp>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/range/iterator_range.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <ostream>
#include <sstream>

namespace carepath::pathways {
namespace {

enum class EdgeType { route, overflow, renege, arrival, divert };

struct VertexProps {
  int site = -1;     ///< site index, or -1 for an arrival stream
  int arrival = -1;  ///< arrival stream index, or -1 for a site
  std::string name;
  std::string id;  ///< DOT node id
  SiteKind kind = SiteKind::service;
  Yearly<int> capacity;
};

struct EdgeProps {
  EdgeType type = EdgeType::route;
  int rule = -1;    ///< route rule index at the source site
  double p0 = 1.0;  ///< probability in year 1
  double p_min = 1.0, p_max = 1.0;
  std::vector<double> p_by_year;  ///< route probability in each year (empty: not a route)
  EntryMode mode = EntryMode::queue;
  std::string guard;  ///< the rule's `when`, as text ("" = everyone)
  std::string hold, travel;
};

using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, VertexProps, EdgeProps>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

const char* kind_name(SiteKind k) {
  switch (k) {
    case SiteKind::service:
      return "service";
    case SiteKind::beds:
      return "beds";
    case SiteKind::team:
      return "team";
    case SiteKind::triage:
      return "triage";
    case SiteKind::delay:
      return "delay";
    case SiteKind::exit:
      return "exit";
  }
  return "?";
}

std::string squote(const std::string& s) {
  return "'" + s + "'";
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i > 0 ? sep : "") + v[i];
  return out;
}

std::string count_text(int c) {
  return c == kUnlimited ? "unlimited" : std::to_string(c);
}

bool finite_in_some_year(const Yearly<int>& c) {
  return std::any_of(c.values.begin(), c.values.end(), [](int v) { return v != kUnlimited; });
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string guard_text(const ModelSpec& m, const Guard& g) {
  std::vector<std::string> parts;
  if (!g.cohorts.empty()) {
    std::vector<std::string> names;
    for (int c : g.cohorts) names.push_back(m.cohorts[static_cast<std::size_t>(c)].name);
    parts.push_back("cohort=" + join(names, "|"));
  }
  for (const auto& [attr, values] : g.attributes) parts.push_back(attr + "=" + join(values, "|"));
  return join(parts, " ");
}

bool guard_matches(const Guard& g, const CohortSpec& c, int cohort_index) {
  if (!g.cohorts.empty() &&
      std::find(g.cohorts.begin(), g.cohorts.end(), cohort_index) == g.cohorts.end())
    return false;
  for (const auto& [attr, values] : g.attributes) {
    const auto it = c.attributes.find(attr);
    if (it == c.attributes.end() ||
        std::find(values.begin(), values.end(), it->second) == values.end())
      return false;
  }
  return true;
}

/// Vertices reachable from `sources` in `g` (any graph with out_edges), over edges accepted by
/// `use`.
template <class G, class Use>
std::vector<bool> reachable(const G& g, const std::vector<Vertex>& sources, Use use) {
  std::vector<bool> seen(boost::num_vertices(g), false);
  std::deque<Vertex> queue;
  for (Vertex s : sources) {
    if (!seen[s]) queue.push_back(s);
    seen[s] = true;
  }
  while (!queue.empty()) {
    const Vertex v = queue.front();
    queue.pop_front();
    for (const auto& e : boost::make_iterator_range(boost::out_edges(v, g))) {
      if (!use(g[e])) continue;
      const Vertex t = boost::target(e, g);
      if (!seen[t]) {
        seen[t] = true;
        queue.push_back(t);
      }
    }
  }
  return seen;
}

/// The cycles among sites over the edges accepted by `use(props, source, target)`: each strongly
/// connected component of more than one site, or one site with an edge to itself, as site
/// indices (each component once, in site order).
template <class Use>
std::vector<std::vector<std::size_t>> site_cycles(const Graph& g, std::size_t n_sites, Use use) {
  using Sub = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Sub sub(n_sites);
  std::vector<bool> self_loop(n_sites, false);
  for (const auto& e : boost::make_iterator_range(boost::edges(g))) {
    const Vertex s = boost::source(e, g);
    const Vertex t = boost::target(e, g);
    if (s >= n_sites || t >= n_sites || !use(g[e], s, t)) continue;
    boost::add_edge(s, t, sub);
    if (s == t) self_loop[s] = true;
  }
  std::vector<int> component(n_sites, 0);
  const int n_comp = n_sites == 0
                         ? 0
                         : boost::strong_components(
                               sub, boost::make_iterator_property_map(
                                        component.begin(), boost::get(boost::vertex_index, sub)));
  std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(n_comp));
  for (std::size_t i = 0; i < n_sites; ++i)
    members[static_cast<std::size_t>(component[i])].push_back(i);
  std::vector<std::vector<std::size_t>> cycles;
  for (std::size_t i = 0; i < n_sites; ++i) {
    const auto& mem = members[static_cast<std::size_t>(component[i])];
    if (mem.front() != i) continue;  // each component once
    if (mem.size() > 1 || self_loop[i]) cycles.push_back(mem);
  }
  return cycles;
}

}  // namespace

struct CareGraph::Impl {
  ModelSpec spec;
  Graph g;
};

CareGraph::CareGraph(const ModelSpec& spec) : impl_(std::make_unique<Impl>()) {
  impl_->spec = spec;
  const ModelSpec& m = impl_->spec;
  Graph& g = impl_->g;
  for (std::size_t i = 0; i < m.sites.size(); ++i) {
    const SiteSpec& s = m.sites[i];
    VertexProps v;
    v.site = static_cast<int>(i);
    v.name = s.name;
    v.id = s.name;
    v.kind = s.kind;
    v.capacity = s.capacity;
    boost::add_vertex(v, g);
  }
  for (std::size_t a = 0; a < m.arrivals.size(); ++a) {
    VertexProps v;
    v.arrival = static_cast<int>(a);
    v.name = m.arrivals[a].name;
    v.id = "arrivals/" + m.arrivals[a].name;
    const Vertex av = boost::add_vertex(v, g);
    if (m.arrivals[a].to >= 0) {
      EdgeProps e;
      e.type = EdgeType::arrival;
      boost::add_edge(av, static_cast<Vertex>(m.arrivals[a].to), e, g);
    }
  }
  for (std::size_t i = 0; i < m.sites.size(); ++i) {
    const SiteSpec& s = m.sites[i];
    const auto from = static_cast<Vertex>(i);
    for (std::size_t r = 0; r < s.routes.size(); ++r) {
      const RouteRule& rule = s.routes[r];
      for (const RouteTarget& t : rule.to) {
        if (t.site < 0 || t.p.values.empty()) continue;
        EdgeProps e;
        e.type = EdgeType::route;
        e.rule = static_cast<int>(r);
        e.p0 = t.p.values.front();
        e.p_min = *std::min_element(t.p.values.begin(), t.p.values.end());
        e.p_max = *std::max_element(t.p.values.begin(), t.p.values.end());
        e.p_by_year = t.p.values;
        e.mode = t.mode;
        e.guard = guard_text(m, rule.when);
        if (t.hold) e.hold = t.hold->describe();
        if (t.travel) e.travel = t.travel->describe();
        boost::add_edge(from, static_cast<Vertex>(t.site), e, g);
      }
    }
    if (s.overflow >= 0) {
      EdgeProps e;
      e.type = EdgeType::overflow;
      boost::add_edge(from, static_cast<Vertex>(s.overflow), e, g);
    }
    if (s.renege_to >= 0) {
      EdgeProps e;
      e.type = EdgeType::renege;
      boost::add_edge(from, static_cast<Vertex>(s.renege_to), e, g);
    }
  }
  // Escalation diversions: moves from a `from` site towards the watched site may go elsewhere.
  for (const EscalationSpec& x : m.escalation) {
    if (x.divert_to < 0) continue;
    for (int f : x.divert_from) {
      if (f < 0) continue;
      EdgeProps e;
      e.type = EdgeType::divert;
      e.guard = "escalation " + x.name;
      boost::add_edge(static_cast<Vertex>(f), static_cast<Vertex>(x.divert_to), e, g);
    }
  }
}

CareGraph::~CareGraph() = default;
CareGraph::CareGraph(CareGraph&&) noexcept = default;
CareGraph& CareGraph::operator=(CareGraph&&) noexcept = default;

std::size_t CareGraph::vertex_count() const {
  return boost::num_vertices(impl_->g);
}
std::size_t CareGraph::edge_count() const {
  return boost::num_edges(impl_->g);
}

std::vector<Check> CareGraph::validate() const {
  const ModelSpec& m = impl_->spec;
  const Graph& g = impl_->g;
  const std::size_t n_sites = m.sites.size();
  std::vector<Check> checks;
  const auto positive = [](const EdgeProps& e) { return e.p_max > 0; };
  const auto year_text = [&](int y) {
    return "year " + std::to_string(y + 1) + " (" + m.horizon.year_label(y) + ")";
  };

  // 1. Every site is reachable from some arrival stream (structurally: a route with probability 0
  //    in every year still counts, as levers switch such routes on), and 1b. patients reach it.
  {
    std::vector<Vertex> sources;
    for (std::size_t a = 0; a < m.arrivals.size(); ++a) sources.push_back(n_sites + a);
    const auto seen = reachable(g, sources, [](const EdgeProps&) { return true; });
    const auto used = reachable(g, sources, positive);
    std::vector<std::string> bad;
    std::vector<std::string> unused;
    std::vector<SourceLocation> at;
    for (std::size_t i = 0; i < n_sites; ++i) {
      if (!seen[i]) {
        bad.push_back(m.sites[i].name);
        at.push_back(m.sites[i].where);
      } else if (!used[i]) {
        unused.push_back(m.sites[i].name);
      }
    }
    checks.push_back({"arrivals reach every site", bad.empty(),
                      bad.empty() ? "" : "no arrival stream reaches " + join(bad), false, at});
    Check c{"every site receives patients",
            unused.empty(),
            unused.empty() ? ""
                           : "only routes with probability 0 in every year lead to " + join(unused),
            false,
            {}};
    c.warning = true;
    checks.push_back(c);
  }
  // 2. Every site reaches an exit (reverse reachability over route edges).
  {
    std::vector<Vertex> exits;
    for (std::size_t i = 0; i < n_sites; ++i)
      if (m.sites[i].kind == SiteKind::exit) exits.push_back(i);
    const auto reverse = boost::make_reverse_graph(g);
    const auto seen = reachable(reverse, exits, [](const EdgeProps& e) {
      return e.type == EdgeType::route && e.p_max > 0;
    });
    std::vector<std::string> bad;
    std::vector<SourceLocation> at;
    for (std::size_t i = 0; i < n_sites; ++i) {
      if (!seen[i]) {
        bad.push_back(m.sites[i].name);
        at.push_back(m.sites[i].where);
      }
    }
    std::string detail;
    if (exits.empty()) {
      detail = "the model has no exit site";
    } else if (!bad.empty()) {
      detail = "no route leads to an exit from " + join(bad);
    }
    checks.push_back({"every site reaches an exit", detail.empty(), detail, false, at});
  }
  // 3. Route probabilities per rule and year.
  {
    std::vector<std::string> bad;
    std::vector<SourceLocation> at;
    for (const SiteSpec& s : m.sites) {
      for (std::size_t r = 0; r < s.routes.size(); ++r) {
        const auto& to = s.routes[r].to;
        for (int y = 0; y < m.horizon.years; ++y) {
          double sum = 0;
          for (const RouteTarget& t : to) sum += t.p.at(y);
          if (std::fabs(sum - 1.0) > 1e-9) {
            bad.push_back("rule " + std::to_string(r + 1) + " of " + squote(s.name) + " sums to " +
                          format_number(sum) + " in " + year_text(y));
            at.push_back(s.routes[r].where);
            break;
          }
        }
      }
    }
    checks.push_back({"route probabilities sum to 1", bad.empty(), join(bad, "; "), false, at});
  }
  // 4. Every cohort is matched by some rule at every routing site.
  {
    std::vector<std::string> bad;
    std::vector<SourceLocation> at;
    for (const SiteSpec& s : m.sites) {
      if (s.kind == SiteKind::exit) continue;
      std::vector<std::string> unmatched;
      for (std::size_t c = 0; c < m.cohorts.size(); ++c) {
        const bool any = std::any_of(s.routes.begin(), s.routes.end(), [&](const RouteRule& r) {
          return guard_matches(r.when, m.cohorts[c], static_cast<int>(c));
        });
        if (!any) unmatched.push_back(m.cohorts[c].name);
      }
      if (!unmatched.empty()) {
        bad.push_back(squote(s.name) + " (" + join(unmatched) + ")");
        at.push_back(s.where);
      }
    }
    checks.push_back({"every cohort has a route", bad.empty(),
                      bad.empty() ? "" : "no rule matches some cohorts at " + join(bad, "; "),
                      false, at});
  }
  // 5. Capacity 0 without an overflow.
  {
    std::vector<std::string> bad;
    std::vector<SourceLocation> at;
    for (const SiteSpec& s : m.sites) {
      if (s.overflow >= 0) continue;
      for (std::size_t y = 0; y < s.capacity.values.size(); ++y) {
        if (s.capacity.values[y] == 0) {
          bad.push_back(squote(s.name) + " in " + year_text(static_cast<int>(y)));
          at.push_back(s.where);
          break;
        }
      }
    }
    checks.push_back(
        {"no zero-capacity site without overflow", bad.empty(),
         bad.empty() ? "" : "capacity 0 and no overflow (patients are lost): " + join(bad), false,
         at});
  }
  // 5b. A starting census that does not fit its site (e.g. after a smaller bed base was set).
  {
    std::vector<std::string> bad;
    std::vector<SourceLocation> at;
    for (const SiteSpec& s : m.sites) {
      const int cap = s.capacity.values.empty() ? kUnlimited : s.capacity.values.front();
      if (cap != kUnlimited && s.initial.occupied > cap) {
        bad.push_back(squote(s.name) + " (" + std::to_string(s.initial.occupied) +
                      " occupied, capacity " + std::to_string(cap) + ")");
        at.push_back(s.where);
      } else if (s.queue_limit != kUnlimited && s.initial.waiting > s.queue_limit) {
        bad.push_back(squote(s.name) + " (" + std::to_string(s.initial.waiting) +
                      " waiting, queue_limit " + std::to_string(s.queue_limit) + ")");
        at.push_back(s.where);
      }
    }
    checks.push_back(
        {"every starting census fits its site", bad.empty(),
         bad.empty() ? "" : "the initial census does not fit at the start: " + join(bad), false,
         at});
  }
  // 6. Roster-closed hours without an overflow (warning).
  {
    std::vector<std::string> bad;
    for (const SiteSpec& s : m.sites) {
      if (s.roster.empty() || s.overflow >= 0) continue;
      bool closed = false;
      for (int d = 0; d < 7 && !closed; ++d) {
        std::vector<std::pair<Time, Time>> open;
        for (const Shift& sh : s.roster) {
          const bool zero =
              sh.capacity && std::any_of(sh.capacity->values.begin(), sh.capacity->values.end(),
                                         [](int c) { return c == 0; });
          if ((sh.days & (1U << d)) != 0 && !zero) open.emplace_back(sh.from, sh.to);
        }
        std::sort(open.begin(), open.end());
        Time covered = 0;
        for (const auto& [from, to] : open) {
          if (from > covered) break;
          covered = std::max(covered, to);
        }
        if (covered < kDay) closed = true;
      }
      if (closed) bad.push_back(s.name);
    }
    Check c{"closed roster hours have an overflow",
            bad.empty(),
            bad.empty() ? ""
                        : "patients arriving while closed wait for opening (or are lost where "
                          "there is no waiting room) at " +
                              join(bad),
            false,
            {}};
    c.warning = true;
    checks.push_back(c);
  }
  const auto cycle_text = [&](const std::vector<std::vector<std::size_t>>& cycles) {
    std::vector<std::string> out;
    for (const auto& c : cycles) {
      std::vector<std::string> names;
      names.reserve(c.size());
      for (std::size_t i : c) names.push_back(m.sites[i].name);
      out.push_back("{" + join(names) + "}");
    }
    return join(out, "; ");
  };
  const auto first_sites = [&](const std::vector<std::vector<std::size_t>>& cycles) {
    std::vector<SourceLocation> where;
    where.reserve(cycles.size());
    for (const auto& c : cycles) where.push_back(m.sites[c.front()].where);
    return where;
  };
  // 7. Blocking cycles between finite-capacity sites.
  {
    const auto cycles = site_cycles(g, n_sites, [&](const EdgeProps& p, Vertex s, Vertex t) {
      return p.type == EdgeType::route && p.mode == EntryMode::block && p.p_max > 0 &&
             finite_in_some_year(m.sites[s].capacity) && finite_in_some_year(m.sites[t].capacity);
    });
    Check c{"no blocking cycle",
            cycles.empty(),
            cycles.empty()
                ? ""
                : "sites that block each other (mode: block) may deadlock: " + cycle_text(cycles),
            false,
            {}};
    c.where = first_sites(cycles);
    checks.push_back(c);
  }
  // 9 (listed after 8). A model whose every site with capacity is closed in every year.
  const auto some_capacity = [&]() {
    bool any_resource = false;
    for (const SiteSpec& s : m.sites) {
      if (s.kind == SiteKind::triage || s.kind == SiteKind::exit) continue;
      any_resource = true;
      const auto open = [](int c) { return c != 0; };
      if (std::any_of(s.capacity.values.begin(), s.capacity.values.end(), open)) return true;
      for (const Shift& sh : s.roster) {
        if (sh.capacity &&
            std::any_of(sh.capacity->values.begin(), sh.capacity->values.end(), open))
          return true;
      }
    }
    return !any_resource;
  }();
  // 8. Zero-time cycles: moves that take no simulated time (a triage site's routes without
  //    travel, overflows) must not lead back where they started, or a patient circles forever.
  //    Checked year by year: a route switched off in a year is not an edge of that year's graph,
  //    so a lever that reroutes in some years only is judged on the years it runs.
  {
    const auto n_years = static_cast<std::size_t>(std::max(1, m.horizon.years));
    std::vector<std::vector<std::size_t>> cycles;
    std::vector<std::size_t> first_year;  // for each cycle, the first year it exists
    for (std::size_t y = 0; y < n_years; ++y) {
      const auto found = site_cycles(g, n_sites, [&](const EdgeProps& p, Vertex s, Vertex /*t*/) {
        if (p.type == EdgeType::overflow || p.type == EdgeType::divert) return true;
        if (p.type != EdgeType::route || !p.travel.empty() || m.sites[s].kind != SiteKind::triage)
          return false;
        const double prob =
            p.p_by_year.empty() ? p.p_max : p.p_by_year[std::min(y, p.p_by_year.size() - 1)];
        return prob > 0;
      });
      for (const auto& c : found) {
        if (std::find(cycles.begin(), cycles.end(), c) != cycles.end()) continue;
        cycles.push_back(c);
        first_year.push_back(y);
      }
    }
    std::string text = cycle_text(cycles);
    if (n_years > 1 && !cycles.empty()) {
      std::vector<std::string> years;
      years.reserve(first_year.size());
      for (std::size_t y : first_year) years.push_back(m.horizon.year_label(static_cast<int>(y)));
      text += " (from " + join(years) + ")";
    }
    Check c{"no zero-time cycle",
            cycles.empty(),
            cycles.empty() ? ""
                           : "triage routes without travel and overflows lead back to where they "
                             "started (patients would circle at one instant): " +
                                 text,
            false,
            {}};
    c.where = first_sites(cycles);
    checks.push_back(c);
  }
  std::vector<SourceLocation> closed_sites;  // where: every site with capacity, all closed
  if (!some_capacity) {
    for (const SiteSpec& s : m.sites)
      if (s.kind != SiteKind::triage && s.kind != SiteKind::exit) closed_sites.push_back(s.where);
  }
  checks.push_back({"some site has capacity", some_capacity,
                    some_capacity ? ""
                                  : "every site has capacity 0 in every year: nobody can be "
                                    "served",
                    false, closed_sites});
  return checks;
}

void CareGraph::write_dot(std::ostream& out) const {
  const ModelSpec& m = impl_->spec;
  const Graph& g = impl_->g;
  const auto vertex_writer = [&](std::ostream& os, Vertex v) {
    const VertexProps& p = g[v];
    std::string label = p.name;
    std::string attrs;
    if (p.arrival >= 0) {
      const ArrivalSpec& a = m.arrivals[static_cast<std::size_t>(p.arrival)];
      const auto& vols = a.volume_per_year.values;
      std::string vol = "?";
      if (!vols.empty()) {  // the range over the years (a rate per day gives more in a leap year)
        const auto [lo, hi] = std::minmax_element(vols.begin(), vols.end());
        vol = format_number(std::round(*lo));
        if (std::round(*hi) != std::round(*lo)) vol += ".." + format_number(std::round(*hi));
      }
      label += "\n" + vol + "/year";
      attrs = ", shape=box";
    } else {
      const SiteSpec& s = m.sites[static_cast<std::size_t>(p.site)];
      label += std::string("\n") + kind_name(s.kind);
      if (s.kind != SiteKind::exit && s.kind != SiteKind::triage && s.kind != SiteKind::delay) {
        const auto& c = s.capacity.values;
        std::string cap = c.empty() ? "?" : count_text(c.front());
        if (c.size() > 1 && !s.capacity.constant()) cap += ".." + count_text(c.back());
        label += ", " + cap;
        if (!s.roster.empty()) label += " (rostered)";
      }
      if (s.kind == SiteKind::exit) attrs = ", shape=doublecircle";
      if (s.kind == SiteKind::triage) attrs = ", shape=diamond";
    }
    os << "[label=\"" << dot_escape(label) << "\"" << attrs << "]";
  };
  const auto edge_writer = [&](std::ostream& os,
                               const boost::graph_traits<Graph>::edge_descriptor& e) {
    const EdgeProps& p = g[e];
    switch (p.type) {
      case EdgeType::arrival:
        os << "[style=bold]";
        return;
      case EdgeType::overflow:
        os << "[label=\"overflow\", style=dashed]";
        return;
      case EdgeType::renege:
        os << "[label=\"renege\", style=dotted]";
        return;
      case EdgeType::divert:
        os << "[label=\"" << p.guard << "\", style=dashed, color=red]";
        return;
      case EdgeType::route:
        break;
    }
    std::string label;
    if (!p.guard.empty()) label += "[" + p.guard + "] ";
    label += format_number(p.p0);
    if (p.p_min != p.p_max)
      label += " (" + format_number(p.p_min) + ".." + format_number(p.p_max) + ")";
    if (p.mode == EntryMode::block) label += "\nblock";
    if (p.mode == EntryMode::divert) label += "\ndivert";
    if (!p.hold.empty()) label += "\nhold " + p.hold;
    if (!p.travel.empty()) label += "\ntravel " + p.travel;
    os << "[label=\"" << dot_escape(label) << "\"";
    if (p.mode == EntryMode::block) os << ", color=red";
    os << "]";
  };
  const auto graph_writer = [&](std::ostream& os) {
    os << "label=\"" << dot_escape(m.name + (m.scenario.empty() ? "" : " / " + m.scenario))
       << "\";\nrankdir=LR;\nnode [shape=ellipse];\n";
  };
  boost::write_graphviz(out, g, vertex_writer, edge_writer, graph_writer,
                        boost::get(&VertexProps::id, g));
}

bool has_failures(const std::vector<Check>& checks) {
  return std::any_of(checks.begin(), checks.end(),
                     [](const Check& c) { return !c.ok && !c.warning; });
}

std::string validation_report(const std::vector<Check>& checks) {
  std::ostringstream out;
  for (const Check& c : checks) {
    if (c.ok) {
      out << "[ok]   " << c.name << "\n";
    } else {
      out << (c.warning ? "[warn] " : "[FAIL] ") << c.name << ": " << c.detail << "\n";
      // Where the offending values were written, so an author can jump to them.
      constexpr std::size_t kShown = 5;
      for (std::size_t i = 0; i < c.where.size() && i < kShown; ++i) {
        out << "       at " << c.where[i].str() << "\n";
      }
      if (c.where.size() > kShown) {
        out << "       ... and " << (c.where.size() - kShown) << " more places\n";
      }
    }
  }
  return out.str();
}

}  // namespace carepath::pathways
