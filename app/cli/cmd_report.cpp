// The commands that read a result file: compare, summary, export and report.
#include "output_commands.hpp"

#include <carepath/outputs/report.hpp>
#include <carepath/outputs/result_file.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace carepath::cli {
namespace {

// Options of one output command: `--name value`, `--name=value`, flags and one positional FILE.
class OptionList {
 public:
  explicit OptionList(std::vector<std::string> args) : args_(std::move(args)) {}
  std::optional<std::string> value(const std::string& name, const std::string& alias = "") {
    auto all = values(name, alias);
    if (all.size() > 1) throw std::invalid_argument(name + " given twice");
    if (all.empty()) return std::nullopt;
    return all.front();
  }
  std::vector<std::string> values(const std::string& name, const std::string& alias = "") {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args_.size();) {
      const std::string& a = args_[i];
      if (a == name || (!alias.empty() && a == alias)) {
        if (i + 1 >= args_.size()) throw std::invalid_argument(name + " needs a value");
        out.push_back(args_[i + 1]);
        args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i),
                    args_.begin() + static_cast<std::ptrdiff_t>(i + 2));
      } else if (a.rfind(name + "=", 0) == 0) {
        out.push_back(a.substr(name.size() + 1));
        args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    return out;
  }
  bool flag(const std::string& name) {
    const auto it = std::find(args_.begin(), args_.end(), name);
    if (it == args_.end()) return false;
    args_.erase(it);
    return true;
  }
  std::string file() {
    for (std::size_t i = 0; i < args_.size(); ++i) {
      if (!args_[i].empty() && args_[i][0] != '-') {
        std::string v = args_[i];
        args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i));
        return v;
      }
    }
    throw std::invalid_argument("missing the result file (FILE.h5)");
  }
  void done() const {
    if (!args_.empty()) throw std::invalid_argument("unknown argument '" + args_.front() + "'");
  }

 private:
  std::vector<std::string> args_;
};

// The model's headline KPIs, from the first scenario's resolved YAML stored in the file; empty
// if that text no longer loads (then tables show every KPI).
std::vector<std::string> headline_kpis(const outputs::ResultReader& reader) {
  std::vector<std::string> out;
  const auto& configs = reader.scenario_configs();
  if (configs.empty()) return out;
  try {
    const auto model = pathways::load_model_from_string(
        configs.front().yaml, reader.path().string() + ":/meta/scenarios/" + configs.front().name);
    for (const auto& k : pathways::kpi_catalogue(model)) {
      if (k.headline) out.push_back(k.name);
    }
  } catch (const std::exception&) {
    out.clear();
  }
  return out;
}

outputs::KpiSelection selection_options(OptionList& o) {
  outputs::KpiSelection sel;
  sel.all = o.flag("--all");
  sel.patterns = o.values("--kpi");
  sel.years = o.values("--year");
  return sel;
}

int cmd_compare(OptionList& o, std::ostream& out) {
  const auto baseline = o.value("--baseline");
  outputs::KpiSelection sel = selection_options(o);
  const std::string file = o.file();
  o.done();
  const outputs::ResultReader reader(file);
  sel.headline = headline_kpis(reader);
  out << outputs::compare_table(reader, baseline.value_or(""), sel);
  return 0;
}

int cmd_summary(OptionList& o, std::ostream& out) {
  const bool json = o.flag("--json");
  outputs::KpiSelection sel = selection_options(o);
  const std::string file = o.file();
  o.done();
  const outputs::ResultReader reader(file);
  if (json) {
    out << outputs::summary_json(reader);
    return 0;
  }
  sel.headline = headline_kpis(reader);
  out << outputs::summary_text(reader, sel);
  return 0;
}

int cmd_export(OptionList& o, std::ostream& out) {
  const auto dir = o.value("--csv");
  outputs::ExportOptions opts;
  opts.time_series = o.flag("--timeseries");
  opts.events = o.flag("--events");
  opts.vidigi = o.flag("--vidigi");
  const std::string file = o.file();
  o.done();
  if (!dir) throw std::invalid_argument("export needs --csv DIR");
  const outputs::ResultReader reader(file);
  opts.headline = headline_kpis(reader);
  for (const auto& p : outputs::export_csv(reader, *dir, opts)) out << p.string() << "\n";
  return 0;
}

}  // namespace

bool is_output_command(const std::string& command) {
  return command == "compare" || command == "summary" || command == "export";
}

int run_output_command(const std::string& command, const std::vector<std::string>& args,
                       std::ostream& out, std::ostream& err) {
  (void)err;
  OptionList o(args);
  if (command == "compare") return cmd_compare(o, out);
  if (command == "summary") return cmd_summary(o, out);
  if (command == "export") return cmd_export(o, out);
  throw std::invalid_argument("unknown command '" + command + "'");
}

}  // namespace carepath::cli
