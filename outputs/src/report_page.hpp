#pragma once
// The HTML report's page (private to carepath_outputs): data gathered section by section into
// the page body and the window.D data block. html_report.cpp holds the page, the headline,
// deltas and provenance sections; report_sections.cpp the sites, flows and sweeps sections.
#include <carepath/outputs/html_report.hpp>

#include "extra_tables.hpp"

#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace carepath::outputs {

/// One report page: each section writes its HTML into the body and its chart data into data_.
class Page {
 public:
  Page(const ResultReader& reader, const ReportModel& model, const HtmlReportOptions& options);
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;

  void write(std::ostream& out);

 private:
  [[nodiscard]] std::string title() const;
  [[nodiscard]] std::string kpi_unit(const std::string& kpi) const;
  // Mean of a KPI over replications (NaN if absent).
  [[nodiscard]] double kpi_mean(const std::string& scenario, const std::string& kpi,
                                const std::string& year) const;
  void header(std::ostream& b);
  // Colour key of the scenarios (the charts share it, so it is drawn once per section).
  [[nodiscard]] std::string scenario_key() const;
  void section_headline(std::ostream& b);
  void section_targets(std::ostream& b);
  void section_deltas(std::ostream& b);
  void section_sites(std::ostream& b);
  void heat_maps(std::ostream& b);
  void section_flows(std::ostream& b);
  void section_extras(std::ostream& b);
  // A KPI-against-parameter chart per series when a table has mean and CI columns.
  std::size_t extra_charts(std::ostream& b, const ExtraTable& t, std::size_t offset);
  void section_provenance(std::ostream& b);
  // STRESS-DES (Monks et al. 2019) sections 4 (experimentation) and 5 (implementation).
  void stress_des(std::ostream& b, const char* start);

  const ResultReader& r_;
  const ReportModel& m_;
  const HtmlReportOptions& o_;
  std::vector<std::string> scenarios_;
  std::vector<std::string> years_;
  std::string baseline_;
  std::size_t last_year_ = 0;
  std::vector<KpiDef> headline_;
  std::map<std::string, const ReportSite*> site_of_;
  std::ostringstream data_;
  const std::vector<KpiDef> empty_kpis_;
  const std::string empty_;
};

}  // namespace carepath::outputs
