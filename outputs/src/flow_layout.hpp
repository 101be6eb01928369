#pragma once
// Patient flows for the report: site-to-site volumes (measured from an event log, or derived
// from site throughput and routing probabilities), sites repeated per locality collapsed into
// one node, and a layered (Sankey-like) layout. Private to carepath_outputs.
#include <carepath/outputs/html_report.hpp>

#include <map>
#include <string>
#include <vector>

namespace carepath::outputs {

/// Sites that repeat per locality (same prefix, suffixes shared by several prefixes, e.g.
/// access_kab, hub_kab, access_dn, hub_dn): site name -> {group "hub_*", locality "kab"}.
struct LocalityMap {
  std::map<std::string, std::pair<std::string, std::string>> of_site;
  std::map<std::string, std::string> locality_label;  ///< "kab" -> "Kingswinford, ..."
  [[nodiscard]] std::string node_of(const std::string& site) const;
};
[[nodiscard]] LocalityMap find_localities(const std::vector<ReportSite>& sites);

/// A directed site-to-site volume (patients per year). `from` "" = new demand.
struct FlowEdge {
  std::string from;
  std::string to;
  double per_year = 0;
};

struct FlowNode {
  std::string id;
  std::string label;
  std::string kind;
  int layer = 0;
  double x = 0, y = 0, height = 0;
  double throughput = 0;
};
struct FlowLink {
  std::string from, to;
  double per_year = 0;
  double sx = 0, sy = 0, tx = 0, ty = 0, width = 0;
  bool backward = false;  ///< goes to an earlier layer (a loop): drawn thin and dashed
};
struct FlowLayout {
  std::vector<FlowNode> nodes;
  std::vector<FlowLink> links;
  double width = 0, height = 0;
};

/// Lays out `edges` (already collapsed to node ids) in layers from new demand, exits last.
[[nodiscard]] FlowLayout layout_flows(const std::vector<FlowEdge>& edges,
                                      const std::map<std::string, std::string>& kind_of_node,
                                      const std::map<std::string, std::string>& label_of_node,
                                      double width, double height);

}  // namespace carepath::outputs
