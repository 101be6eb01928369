// Writes a small result file for tests/outputs/read_with_pandas.py (and prints the reports with
// --print). KPI value of scenario s, replication r (1..5), year y, KPI k:
//   1000 (s + 1) + 100 k + 10 y + r + 0.25 k r^2
// Usage: make_sample_h5 OUT.h5 [--print]
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/result_file.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>

using namespace carepath::outputs;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.h5 [--print]\n", argv[0]);
    return 2;
  }
  try {
    const fs::path out = argv[1];
    const fs::path parts = fs::path(out.string() + ".parts");
    const std::vector<std::string> scenarios{"do-nothing", "base", "best"};
    const std::vector<std::string> years{"2014/15", "2015/16"};
    const std::vector<KpiDef> kpis{{"ed_attendances", "count", "ED attendances"},
                                   {"ed_4h_pct", "%", "Seen within 4 hours"},
                                   {"site.ed.wait_p95", "minutes", "95th percentile wait, ED"}};
    RunMeta meta;
    meta.command_line = "make_sample_h5";
    meta.master_seed = 42;
    meta.replications = 5;
    meta.processes = 1;
    meta.years = years;
    meta.baseline = "do-nothing";
    ResultAssembler assembler(out, meta);
    for (std::size_t s = 0; s < scenarios.size(); ++s) {
      const std::string yaml = "name: " + scenarios[s] + "\n";
      assembler.add_scenario(scenarios[s], yaml);
      for (std::uint32_t r = 1; r <= 5; ++r) {
        PartSpec spec;
        spec.scenario = scenarios[s];
        spec.replication = r;
        spec.master_seed = 42;
        spec.config_hash = fnv1a64_hex(yaml);
        spec.years = years;
        spec.kpis = kpis;
        spec.sites = {"ed", "ucc"};
        const fs::path p = part_path(parts, scenarios[s], r);
        PartWriter w(p, spec);
        for (std::size_t y = 0; y < years.size(); ++y) {
          for (std::size_t k = 0; k < kpis.size(); ++k) {
            const double kd = static_cast<double>(k);
            const double rd = r;
            w.set_kpi_value(y, k,
                            1000.0 * static_cast<double>(s + 1) + 100 * kd +
                                10 * static_cast<double>(y) + rd + 0.25 * kd * rd * rd);
          }
        }
        for (int h = 0; h < 48; ++h) {
          const SiteSample row[2] = {{h, h % 5, static_cast<std::int32_t>(r)}, {2 * h, 0, 1}};
          w.append_sample(row);
        }
        w.finish();
        assembler.add_part(p);
      }
    }
    assembler.write();
    fs::remove_all(parts);
    if (argc > 2 && std::strcmp(argv[2], "--print") == 0) {
      const ResultReader reader(out);
      std::cout << headline_table(reader) << '\n'
                << compare_table(reader) << '\n'
                << summary_text(reader);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_sample_h5: %s\n", e.what());
    return 1;
  }
  return 0;
}
