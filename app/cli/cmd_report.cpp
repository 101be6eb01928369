// The commands that read a result file: compare, summary, export and report.
#include "output_commands.hpp"

#include <carepath/outputs/experiment_report.hpp>
#include <carepath/outputs/html_report.hpp>
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/result_file.hpp>
#include <carepath/outputs/vidigi_export.hpp>
#include <carepath/outputs/xlsx_export.hpp>
#include <carepath/pathways/loader.hpp>
#include <carepath/pathways/runtime.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
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

namespace fs = std::filesystem;

std::string kind_name(pathways::SiteKind k) {
  switch (k) {
    case pathways::SiteKind::service:
      return "service";
    case pathways::SiteKind::beds:
      return "beds";
    case pathways::SiteKind::team:
      return "team";
    case pathways::SiteKind::triage:
      return "triage";
    case pathways::SiteKind::delay:
      return "delay";
    case pathways::SiteKind::exit:
      return "exit";
  }
  return "service";
}

// The model files a run was made from: --model PATH, else the PATH of the recorded
// `carepath run PATH` if it still exists. A folder gives its *.yaml files and those one level
// below (e.g. levers/); a file gives the *.yaml files of its folder.
std::vector<fs::path> model_files(const outputs::ResultReader& reader,
                                  const std::optional<std::string>& model_opt) {
  std::string path;
  if (model_opt) {
    path = *model_opt;
  } else {
    std::istringstream in(reader.meta().command_line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "run") {
        path = words[i + 1];
        break;
      }
    }
  }
  std::vector<fs::path> out;
  std::error_code ec;
  if (path.empty() || !fs::exists(path, ec)) {
    if (model_opt)
      throw std::invalid_argument("--model " + *model_opt + ": no such file or folder");
    return out;
  }
  const fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
  auto add_yaml = [&](const fs::path& d) {
    for (const auto& e : fs::directory_iterator(d.empty() ? fs::path(".") : d, ec)) {
      if (e.is_regular_file() && e.path().extension() == ".yaml") out.push_back(e.path());
    }
  };
  add_yaml(dir);
  for (const auto& e : fs::directory_iterator(dir.empty() ? fs::path(".") : dir, ec)) {
    if (e.is_directory()) add_yaml(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

outputs::ReportModel report_model(const outputs::ResultReader& reader,
                                  const std::optional<std::string>& model_opt) {
  outputs::ReportModel rm;
  const auto& configs = reader.scenario_configs();
  std::string baseline = reader.meta().baseline;
  const outputs::ScenarioConfig* config = configs.empty() ? nullptr : &configs.front();
  for (const auto& c : configs) {
    if (c.name == baseline) config = &c;
  }
  if (config != nullptr) {
    const auto m = pathways::load_model_from_string(
        config->yaml, reader.path().string() + ":/meta/scenarios/" + config->name);
    rm.name = m.name;
    rm.description = m.description;
    for (const auto& k : pathways::kpi_catalogue(m)) {
      if (k.headline) rm.headline.push_back(k.name);
    }
    std::map<std::pair<std::string, std::string>, double> routes;
    for (const auto& s : m.sites) {
      const int cap = s.capacity.at(0);
      rm.sites.push_back(outputs::ReportSite{s.name, s.label, kind_name(s.kind),
                                             cap == pathways::kUnlimited ? -1.0 : cap});
      for (const auto& rule : s.routes) {
        for (const auto& t : rule.to) {
          if (t.site < 0) continue;
          routes[{s.name, m.sites[static_cast<std::size_t>(t.site)].name}] +=
              t.p.at(0) / static_cast<double>(s.routes.size());
        }
      }
    }
    for (const auto& [key, p] : routes) rm.routes.push_back({key.first, key.second, p, "route"});
    for (const auto& s : m.sites) {
      if (s.overflow >= 0) {
        rm.routes.push_back(
            {s.name, m.sites[static_cast<std::size_t>(s.overflow)].name, 1.0, "overflow"});
      }
      if (s.renege_to >= 0) {
        rm.routes.push_back(
            {s.name, m.sites[static_cast<std::size_t>(s.renege_to)].name, 1.0, "renege"});
      }
    }
    for (const auto& a : m.arrivals) {
      if (a.to < 0) continue;
      rm.arrivals.push_back(outputs::ReportArrival{
          a.name, m.sites[static_cast<std::size_t>(a.to)].name, a.volume_per_year.at(0)});
    }
    rm.start_year = m.horizon.start_year;
    rm.start_month = m.horizon.start_month;
    rm.start_day = m.horizon.start_day;
    rm.horizon_years = m.horizon.years;
    rm.warmup_days = m.run.warmup / pathways::kDay;
  }
  for (const auto& f : model_files(reader, model_opt)) {
    rm.model_files.push_back(f.string());
    std::ifstream in(f);
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.find("ASSUMPTION") == std::string::npos) continue;
      const auto first = line.find_first_not_of(" \t#");
      rm.assumptions.push_back(
          outputs::ReportAssumption{f.string() + ":" + std::to_string(line_no),
                                    first == std::string::npos ? line : line.substr(first)});
    }
  }
  return rm;
}

std::string decode_base64(std::string_view text) {
  std::array<int, 256> value{};
  value.fill(-1);
  const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    value[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  }
  std::string out;
  int bits = 0;
  unsigned buffer = 0;
  for (const char c : text) {
    const int v = value[static_cast<unsigned char>(c)];
    if (v < 0) continue;  // '=' padding, line breaks
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xffU);
    }
  }
  return out;
}

std::string chromium_command() {
  if (const char* env = std::getenv("CAREPATH_CHROMIUM"); env != nullptr && *env != '\0') {
    return env;
  }
  return "chromium";
}

// Renders `html` in headless Chromium and writes every chart's PNG into `dir`.
std::vector<fs::path> write_pngs(const fs::path& html, const fs::path& dir) {
  char profile[] = "/tmp/carepath-chromium-XXXXXX";
  if (mkdtemp(profile) == nullptr) throw std::runtime_error("cannot create a temporary folder");
  const std::string cmd =
      chromium_command() +
      " --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --no-first-run --virtual-time-budget=60000 "
      "--user-data-dir=" +
      std::string(profile) + " --dump-dom 'file://" + fs::absolute(html).string() + "' 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("--png: cannot start " + chromium_command());
  std::string dom;
  std::array<char, 65536> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;)
    dom.append(buf.data(), n);
  const int status = pclose(pipe);
  std::error_code ec;
  fs::remove_all(profile, ec);
  const auto open = dom.find("<pre id=\"png-export\"");
  if (status != 0 || open == std::string::npos) {
    throw std::runtime_error("--png: headless " + chromium_command() +
                             " did not render the charts (install the Debian package chromium, "
                             "or set CAREPATH_CHROMIUM)");
  }
  const auto start = dom.find('>', open) + 1;
  const auto end = dom.find("</pre>", start);
  fs::create_directories(dir);
  std::vector<fs::path> written;
  std::istringstream lines(dom.substr(start, end - start));
  for (std::string line; std::getline(lines, line);) {
    const auto tab = line.find('\t');
    const auto comma = line.find(',');
    if (tab == std::string::npos || comma == std::string::npos) continue;
    const fs::path file = dir / (line.substr(0, tab) + ".png");
    std::ofstream f(file, std::ios::binary);
    f << decode_base64(std::string_view(line).substr(comma + 1));
    if (!f) throw std::runtime_error("--png: cannot write " + file.string());
    written.push_back(file);
  }
  return written;
}

int cmd_report(OptionList& o, std::ostream& out, std::ostream& err) {
  const auto html_out = o.value("-o", "--out");
  const auto png_dir = o.value("--png");
  const auto model_opt = o.value("--model");
  const std::string file = o.file();
  o.done();
  if (!html_out && !png_dir)
    throw std::invalid_argument("report needs -o REPORT.html (or --png DIR)");
  const outputs::ResultReader reader(file);
  const outputs::ReportModel model = report_model(reader, model_opt);
  outputs::HtmlReportOptions opts;
  opts.vega_dir = outputs::find_vega_dir();
  if (html_out) {
    std::ofstream f(*html_out, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("--out '" + *html_out + "': cannot write the file");
    outputs::write_html_report(reader, model, opts, f);
    f.close();
    if (!f) throw std::runtime_error("--out '" + *html_out + "': write failed");
    out << *html_out << "\n";
  }
  if (png_dir) {
    opts.png_export = true;
    const fs::path tmp = fs::path(*png_dir) / ".carepath-report-png.html";
    fs::create_directories(*png_dir);
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      outputs::write_html_report(reader, model, opts, f);
    }
    const auto files = write_pngs(tmp, *png_dir);
    fs::remove(tmp);
    for (const auto& p : files) out << p.string() << "\n";
    if (files.empty()) err << "carepath: --png: no chart was rendered\n";
  }
  if (model.model_files.empty()) {
    err << "carepath: model files not found (no ASSUMPTION list in the report): pass --model "
           "PATH\n";
  }
  return 0;
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
  if (const auto record = outputs::read_experiment(file)) {  // a sweep or size file
    out << "\n"
        << record->kind << " " << record->attribute("name") << ":\n"
        << outputs::sweep_table(reader, *record);
  }
  return 0;
}

// "2014-06-01" or "2014-06-01T08:00" as minutes since horizon.start.
double minutes_since_start(const std::string& text, const std::string& option,
                           const outputs::ReportModel& model) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  char tail = 0;
  const int n = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d%c", &y, &mo, &d, &h, &mi, &tail);
  const int n2 =
      n >= 3 ? n : std::sscanf(text.c_str(), "%d-%d-%d %d:%d%c", &y, &mo, &d, &h, &mi, &tail);
  if ((n != 3 && n != 5 && n2 != 5) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) {
    throw std::invalid_argument(option + " " + text +
                                ": expected a date YYYY-MM-DD or YYYY-MM-DDTHH:MM");
  }
  if (model.start_year == 0)
    throw std::invalid_argument(option + ": the file's model has no horizon start");
  using namespace std::chrono;
  const sys_days day{year{y} / month{static_cast<unsigned>(mo)} /
                     std::chrono::day{static_cast<unsigned>(d)}};
  const sys_days start{year{model.start_year} / month{static_cast<unsigned>(model.start_month)} /
                       std::chrono::day{static_cast<unsigned>(model.start_day)}};
  return static_cast<double>((day - start).count()) * 1440.0 + h * 60.0 + mi;
}

int cmd_export(OptionList& o, std::ostream& out) {
  const auto dir = o.value("--csv");
  const auto xlsx = o.value("--xlsx");
  const auto max_rows = o.value("--max-rows");
  const auto vidigi_file = o.value("--vidigi-out");
  const auto sites = o.value("--sites");
  const auto from = o.value("--from");
  const auto to = o.value("--to");
  const auto replication = o.value("--replication");
  const auto scenario = o.value("--scenario");
  outputs::ExportOptions opts;
  opts.time_series = o.flag("--timeseries");
  opts.events = o.flag("--events");
  opts.vidigi = o.flag("--vidigi");
  const std::string file = o.file();
  o.done();
  if (!dir && !xlsx && !vidigi_file) {
    throw std::invalid_argument(
        "export needs --csv DIR, --xlsx FILE.xlsx or --vidigi-out FILE.csv");
  }
  const outputs::ResultReader reader(file);
  opts.headline = headline_kpis(reader);
  if (dir) {
    for (const auto& p : outputs::export_csv(reader, *dir, opts)) out << p.string() << "\n";
    if (const auto record = outputs::read_experiment(file)) {  // points or curve tables
      for (const auto& p : outputs::export_experiment_csv(reader, *record, *dir))
        out << p.string() << "\n";
    }
  }
  if (vidigi_file) {
    const auto rm = report_model(reader, std::nullopt);
    outputs::VidigiOptions v;
    if (sites) {
      std::stringstream in(*sites);
      for (std::string s; std::getline(in, s, ',');) {
        if (!s.empty()) v.sites.insert(s);
      }
    }
    if (from) v.from = minutes_since_start(*from, "--from", rm);
    if (to) v.to = minutes_since_start(*to, "--to", rm);
    if (v.to < v.from) throw std::invalid_argument("--to is before --from");
    if (replication) {
      try {
        v.replication = static_cast<std::uint32_t>(std::stoul(*replication));
      } catch (const std::exception&) {
        throw std::invalid_argument("--replication " + *replication + ": not a number");
      }
    }
    if (scenario) v.scenario = *scenario;
    for (const auto& s : rm.sites) {
      if (s.kind == "exit") v.exit_sites.insert(s.name);
    }
    const auto sum = outputs::export_vidigi_csv(reader, *vidigi_file, v);
    out << *vidigi_file << " (" << sum.rows << " rows, " << sum.entities << " patient stays, "
        << sum.present_at_start << " present at the start, " << sum.present_at_end
        << " still present at the end)\n";
  }
  if (xlsx) {
    outputs::XlsxOptions x;
    x.headline = opts.headline;
    if (max_rows) {
      try {
        x.max_rows = std::stoull(*max_rows);
      } catch (const std::exception&) {
        throw std::invalid_argument("--max-rows " + *max_rows + ": not a number");
      }
      if (x.max_rows < 2) throw std::invalid_argument("--max-rows must be at least 2");
    }
    try {
      const auto rm = report_model(reader, std::nullopt);
      x.start_year = rm.start_year;
      x.start_month = rm.start_month;
      x.start_day = rm.start_day;
    } catch (const std::exception&) {
      x.start_year = 0;  // dates unknown: the sheet says so
    }
    const auto summary = outputs::export_xlsx(reader, *xlsx, x);
    out << *xlsx << " (";
    for (std::size_t i = 0; i < summary.sheets.size(); ++i)
      out << (i ? ", " : "") << summary.sheets[i];
    out << "; " << summary.time_series_rows << " time-series rows"
        << (summary.daily ? ", daily means: hourly rows would pass the sheet limit" : "")
        << (summary.truncated ? ", TRUNCATED at the sheet limit" : "") << ")\n";
  }
  return 0;
}

}  // namespace

bool is_output_command(const std::string& command) {
  return command == "compare" || command == "summary" || command == "export" || command == "report";
}

int run_output_command(const std::string& command, const std::vector<std::string>& args,
                       std::ostream& out, std::ostream& err) {
  OptionList o(args);
  if (command == "report") return cmd_report(o, out, err);
  if (command == "compare") return cmd_compare(o, out);
  if (command == "summary") return cmd_summary(o, out);
  if (command == "export") return cmd_export(o, out);
  throw std::invalid_argument("unknown command '" + command + "'");
}

}  // namespace carepath::cli
