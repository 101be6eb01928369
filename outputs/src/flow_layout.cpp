// Locality grouping and the layered flow layout of the report.
#include "flow_layout.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

namespace carepath::outputs {

std::string LocalityMap::node_of(const std::string& site) const {
  const auto it = of_site.find(site);
  return it == of_site.end() ? site : it->second.first;
}

LocalityMap find_localities(const std::vector<ReportSite>& sites) {
  // prefix -> suffixes and suffix -> prefixes over names split at their last '_'.
  std::map<std::string, std::set<std::string>> suffixes_of;
  std::map<std::string, std::set<std::string>> prefixes_of;
  for (const auto& s : sites) {
    const auto cut = s.name.rfind('_');
    if (cut == std::string::npos || cut == 0 || cut + 1 == s.name.size()) continue;
    suffixes_of[s.name.substr(0, cut)].insert(s.name.substr(cut + 1));
    prefixes_of[s.name.substr(cut + 1)].insert(s.name.substr(0, cut));
  }
  // A locality suffix is shared by at least two repeated prefixes; a repeated prefix has at least
  // three locality suffixes.
  LocalityMap out;
  for (const auto& s : sites) {
    const auto cut = s.name.rfind('_');
    if (cut == std::string::npos || cut == 0 || cut + 1 == s.name.size()) continue;
    const std::string prefix = s.name.substr(0, cut);
    const std::string suffix = s.name.substr(cut + 1);
    if (suffixes_of[prefix].size() < 3 || prefixes_of[suffix].size() < 2) continue;
    out.of_site[s.name] = {prefix + "_*", suffix};
    // "Same-day access, Kingswinford, Amblecote & Brierley Hill" -> after the first ", ".
    const auto comma = s.label.find(", ");
    if (comma != std::string::npos && !out.locality_label.contains(suffix)) {
      out.locality_label[suffix] = s.label.substr(comma + 2);
    }
  }
  return out;
}

FlowLayout layout_flows(const std::vector<FlowEdge>& edges,
                        const std::map<std::string, std::string>& kind_of_node,
                        const std::map<std::string, std::string>& label_of_node, double width,
                        double height) {
  FlowLayout out;
  out.width = width;
  out.height = height;
  // Nodes and adjacency ("" = new demand, the single source).
  std::map<std::string, std::size_t> index;
  auto node = [&](const std::string& id) {
    const auto it = index.find(id);
    if (it != index.end()) return it->second;
    FlowNode n;
    n.id = id;
    n.label = id.empty() ? "New demand" : id;
    if (const auto l = label_of_node.find(id); l != label_of_node.end()) n.label = l->second;
    if (const auto k = kind_of_node.find(id); k != kind_of_node.end()) n.kind = k->second;
    index[id] = out.nodes.size();
    out.nodes.push_back(n);
    return out.nodes.size() - 1;
  };
  node("");
  std::vector<std::pair<std::size_t, std::size_t>> ends;
  ends.reserve(edges.size());
  for (const auto& e : edges) ends.emplace_back(node(e.from), node(e.to));
  const std::size_t n = out.nodes.size();
  std::vector<std::vector<std::size_t>> out_edges(n);
  for (std::size_t i = 0; i < edges.size(); ++i) out_edges[ends[i].first].push_back(i);
  for (auto& list : out_edges) {
    std::sort(list.begin(), list.end(),
              [&](std::size_t a, std::size_t b) { return edges[a].per_year > edges[b].per_year; });
  }
  // Back edges by DFS from the source (heaviest first); then longest-path layers on the rest.
  std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
  std::vector<bool> back(edges.size(), false);
  std::function<void(std::size_t)> dfs = [&](std::size_t v) {
    state[v] = 1;
    for (const std::size_t e : out_edges[v]) {
      const std::size_t w = ends[e].second;
      if (state[w] == 1) {
        back[e] = true;
      } else if (state[w] == 0) {
        dfs(w);
      }
    }
    state[v] = 2;
  };
  dfs(0);
  for (std::size_t v = 0; v < n; ++v) {
    if (state[v] == 0) dfs(v);
  }
  std::vector<int> layer(n, 0);
  for (std::size_t pass = 0; pass < n; ++pass) {  // Bellman-Ford style relaxation on a DAG
    bool changed = false;
    for (std::size_t e = 0; e < edges.size(); ++e) {
      if (back[e]) continue;
      const auto [a, b] = ends[e];
      if (layer[b] < layer[a] + 1) {
        layer[b] = layer[a] + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  int last = 0;
  for (const int l : layer) last = std::max(last, l);
  for (std::size_t v = 0; v < n; ++v) {
    if (out.nodes[v].kind == "exit") layer[v] = last;  // outcomes line up on the right
  }
  // Band widths grow with sqrt(volume) (small flows stay visible); a node is as tall as the
  // larger of its in- and outgoing bands. Throughput (in volumes) is the larger of in and out.
  std::vector<double> root(edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e)
    root[e] = std::sqrt(std::max(edges[e].per_year, 0.0));
  std::vector<double> in(n, 0), outv(n, 0), in_r(n, 0), out_r(n, 0);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    outv[ends[e].first] += edges[e].per_year;
    in[ends[e].second] += edges[e].per_year;
    if (back[e]) continue;
    out_r[ends[e].first] += root[e];
    in_r[ends[e].second] += root[e];
  }
  std::vector<std::vector<std::size_t>> by_layer(static_cast<std::size_t>(last) + 1);
  for (std::size_t v = 0; v < n; ++v) {
    out.nodes[v].layer = layer[v];
    out.nodes[v].throughput = std::max(in[v], outv[v]);
    by_layer[static_cast<std::size_t>(layer[v])].push_back(v);
  }
  // Vertical scale: the fullest layer fills the height, with a gap between nodes.
  const double gap = 8;
  double k = 1e300;
  for (const auto& l : by_layer) {
    double sum = 0;
    for (const std::size_t v : l) sum += std::max(in_r[v], out_r[v]);
    if (sum > 0) k = std::min(k, (height - gap * static_cast<double>(l.size())) / sum);
  }
  if (!std::isfinite(k) || k <= 0) k = 1;
  const double label_room = 170;
  const double step = last > 0 ? (width - label_room - 12) / last : 0;
  // Order within a layer by the weighted mean height of the sources feeding each node.
  std::vector<double> centre(n, 0);
  for (std::size_t li = 0; li < by_layer.size(); ++li) {
    auto& l = by_layer[li];
    if (li > 0) {
      std::vector<double> key(n, 0), weight(n, 0);
      for (std::size_t e = 0; e < edges.size(); ++e) {
        if (back[e]) continue;
        const auto [a, b] = ends[e];
        if (layer[a] < static_cast<int>(li)) {
          key[b] += centre[a] * edges[e].per_year;
          weight[b] += edges[e].per_year;
        }
      }
      std::stable_sort(l.begin(), l.end(), [&](std::size_t a, std::size_t b) {
        const double ka = weight[a] > 0 ? key[a] / weight[a] : height;
        const double kb = weight[b] > 0 ? key[b] / weight[b] : height;
        return ka < kb;
      });
    }
    double y = 0;
    for (const std::size_t v : l) {
      FlowNode& nd = out.nodes[v];
      nd.height = std::max(std::max(in_r[v], out_r[v]) * k, 2.0);
      nd.x = static_cast<double>(li) * step;
      nd.y = y;
      centre[v] = y + nd.height / 2;
      y += nd.height + gap;
    }
  }
  // Links stacked inside their nodes, ordered by the other end's height (fewer crossings).
  std::vector<std::size_t> order(edges.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<double> out_off(n, 0), in_off(n, 0);
  out.links.resize(edges.size());
  std::vector<std::size_t> by_target = order;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return centre[ends[a].second] < centre[ends[b].second];
  });
  std::sort(by_target.begin(), by_target.end(), [&](std::size_t a, std::size_t b) {
    return centre[ends[a].first] < centre[ends[b].first];
  });
  const double node_w = 10;
  for (const std::size_t e : order) {
    const FlowNode& a = out.nodes[ends[e].first];
    FlowLink& l = out.links[e];
    l.from = edges[e].from;
    l.to = edges[e].to;
    l.per_year = edges[e].per_year;
    l.backward = back[e];
    l.width = back[e] ? 1.5 : std::max(root[e] * k, 1.0);
    l.sx = a.x + node_w;
    l.sy = a.y + (back[e] ? a.height / 2 : out_off[ends[e].first] + root[e] * k / 2);
    if (!back[e]) out_off[ends[e].first] += root[e] * k;
  }
  for (const std::size_t e : by_target) {
    const FlowNode& b = out.nodes[ends[e].second];
    FlowLink& l = out.links[e];
    l.tx = b.x;
    l.ty = b.y + (back[e] ? b.height / 2 : in_off[ends[e].second] + root[e] * k / 2);
    if (!back[e]) in_off[ends[e].second] += root[e] * k;
  }
  double bottom = 0;
  for (const auto& nd : out.nodes) bottom = std::max(bottom, nd.y + nd.height);
  out.height = bottom;
  return out;
}

}  // namespace carepath::outputs
