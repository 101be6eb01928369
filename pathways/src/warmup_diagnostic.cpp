// The warm-up diagnostic. See pathways/warmup_diagnostic.hpp.
#include <carepath/pathways/warmup_diagnostic.hpp>

#include <carepath/engine/isolate.hpp>
#include <carepath/engine/warmup.hpp>
#include <carepath/pathways/runtime.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace carepath::pathways {
namespace {

constexpr std::int64_t kHoursPerDay = 24;
constexpr std::size_t kBatch = 5;  // MSER-5

// The children's results: little-endian 64-bit words.
void put_u64(std::string& out, std::uint64_t v) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xffU));
}

std::uint64_t get_u64(std::string_view in, std::size_t at) {
  std::uint64_t v = 0;
  for (int b = 0; b < 8; ++b) {
    v |=
        static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + static_cast<std::size_t>(b)]))
        << (8 * b);
  }
  return v;
}

/// Collects the daily mean of the hourly occupancy of some sites.
class DailyOccupancySink final : public ReplicationSink {
 public:
  explicit DailyOccupancySink(std::vector<std::size_t> sites)
      : sites_(std::move(sites)), sums_(sites_.size()) {}

  [[nodiscard]] bool wants_time_series() const override { return true; }

  void hourly(std::int64_t hour, std::span<const std::int32_t> occupancy,
              std::span<const std::int32_t> queue,
              std::span<const std::int32_t> in_service) override {
    (void)queue;
    (void)in_service;
    const auto day = static_cast<std::size_t>(hour / kHoursPerDay);
    if (counts_.size() <= day) {
      counts_.resize(day + 1, 0);
      for (auto& s : sums_) s.resize(day + 1, 0.0);
    }
    ++counts_[day];
    for (std::size_t i = 0; i < sites_.size(); ++i) sums_[i][day] += occupancy[sites_[i]];
  }

  /// uint64 sites, uint64 days, then sites * days doubles (site-major), as 64-bit words.
  [[nodiscard]] std::string serialise() const {
    std::string out;
    out.reserve((2 + sites_.size() * counts_.size()) * 8);
    put_u64(out, sites_.size());
    put_u64(out, counts_.size());
    for (std::size_t i = 0; i < sites_.size(); ++i) {
      for (std::size_t d = 0; d < counts_.size(); ++d) {
        put_u64(out, std::bit_cast<std::uint64_t>(sums_[i][d] / counts_[d]));
      }
    }
    return out;
  }

 private:
  std::vector<std::size_t> sites_;
  std::vector<std::vector<double>> sums_;
  std::vector<int> counts_;
};

std::vector<std::vector<double>> deserialise(std::string_view bytes, std::size_t n_sites,
                                             int task) {
  auto fail = [task](const std::string& why) {
    return std::runtime_error("warm-up diagnostic: replication " + std::to_string(task) +
                              " returned " + why);
  };
  if (bytes.size() < 16) throw fail("a truncated result");
  if (get_u64(bytes, 0) != n_sites) throw fail("the wrong number of sites");
  const std::uint64_t n_days = get_u64(bytes, 8);
  if (bytes.size() != 8 * (2 + n_sites * n_days)) throw fail("a result of the wrong size");
  std::vector<std::vector<double>> out(n_sites, std::vector<double>(n_days));
  std::size_t at = 16;
  for (auto& series : out) {
    for (double& v : series) {
      v = std::bit_cast<double>(get_u64(bytes, at));
      at += 8;
    }
  }
  return out;
}

/// Holds every yearly value at its first year's: the diagnostic looks for the start-up transient
/// of a stationary run (as the model's warm-up, which repeats the first year's demand), so that
/// growth over the horizon is not mistaken for one.
void hold_first_year(ModelSpec& model) {
  const auto first = [](auto& yearly) { yearly.values.resize(1); };
  for (ArrivalSpec& a : model.arrivals) {
    first(a.volume_per_year);
    for (auto& share : a.shares) first(share);
  }
  for (SiteSpec& s : model.sites) {
    first(s.capacity);
    first(s.service_scale);
    first(s.hold_scale);
    for (Shift& shift : s.roster)
      if (shift.capacity) first(*shift.capacity);
    for (RouteRule& rule : s.routes)
      for (RouteTarget& t : rule.to) first(t.p);
  }
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pad(std::string s, std::size_t width, bool right) {
  if (s.size() >= width) return s;
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

}  // namespace

WarmupReport diagnose_warmup(ModelSpec model, int replications, int jobs, std::uint64_t seed,
                             const std::vector<std::string>& sites) {
  if (replications < 1) {
    throw std::invalid_argument("warm-up diagnostic: replications must be >= 1 (got " +
                                std::to_string(replications) + ")");
  }
  std::vector<std::size_t> chosen;
  if (sites.empty()) {
    for (std::size_t i = 0; i < model.sites.size(); ++i) {
      const SiteKind kind = model.sites[i].kind;
      if (kind != SiteKind::exit && kind != SiteKind::triage) chosen.push_back(i);
    }
  } else {
    for (const std::string& name : sites) {
      const int i = model.site_index(name);
      if (i < 0) {
        std::string known;
        for (const SiteSpec& s : model.sites) known += (known.empty() ? "" : ", ") + s.name;
        throw std::invalid_argument("warm-up diagnostic: model '" + model.name + "' has no site '" +
                                    name + "' (sites: " + known + ")");
      }
      chosen.push_back(static_cast<std::size_t>(i));
    }
  }
  model.run.warmup = 0;
  hold_first_year(model);

  // Sum over replications of each site's daily series.
  std::vector<std::vector<double>> total(chosen.size());
  std::size_t days = 0;
  bool first = true;
  engine::ProcessPool pool;
  pool.run(
      replications, std::max(jobs, 1),
      [&model, &chosen, seed](int task) {
        DailyOccupancySink sink(chosen);
        (void)run_replication(model, seed, task, &sink);
        return sink.serialise();
      },
      [&](int task, const std::string& bytes) {
        const auto series = deserialise(bytes, chosen.size(), task);
        const std::size_t n = series.empty() ? 0 : series.front().size();
        if (first) {
          days = n;
          for (auto& t : total) t.assign(n, 0.0);
          first = false;
        } else if (n != days) {
          throw std::runtime_error("warm-up diagnostic: replication " + std::to_string(task) +
                                   " returned " + std::to_string(n) + " days, expected " +
                                   std::to_string(days));
        }
        for (std::size_t i = 0; i < series.size(); ++i)
          for (std::size_t d = 0; d < n; ++d) total[i][d] += series[i][d];
      });

  WarmupReport report;
  for (const std::size_t i : chosen) {
    const Census& c = model.sites[i].initial;
    report.census = report.census || c.occupied > 0 || c.waiting > 0;
  }
  report.replications = replications;
  report.days = days;
  double worst = 0;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    std::vector<double>& avg = total[i];
    for (double& v : avg) v /= replications;  // Welch: average over replications
    WarmupSuggestion s;
    s.site = model.sites[chosen[i]].name;
    std::size_t first_kept = 0;
    const auto [lo, hi] = std::minmax_element(avg.begin(), avg.end());
    if (avg.empty()) {
      s.reliable = false;
      s.note = "no data";
    } else if (*lo == *hi) {
      s.note = "constant";
    } else {
      const engine::MserResult r = engine::mser(avg, kBatch);
      s.transient_t = r.transient_t;
      if (r.truncation > 0 && std::abs(r.transient_t) < kWarmupTransientCritical) {
        s.note = "no significant transient";
      } else if (!r.reliable) {
        s.reliable = false;
        s.note = "run too short";
        first_kept = r.first_kept_observation();
      } else {
        first_kept = r.first_kept_observation();
      }
    }
    s.suggested_days = static_cast<double>(first_kept);
    if (first_kept < avg.size()) {
      double sum = 0;
      for (std::size_t d = first_kept; d < avg.size(); ++d) sum += avg[d];
      s.steady_mean = sum / static_cast<double>(avg.size() - first_kept);
    }
    if (s.reliable) {
      worst = std::max(worst, s.suggested_days);
    } else {
      report.reliable = false;
    }
    report.sites.push_back(std::move(s));
  }
  report.suggested_days = std::ceil(worst);
  return report;
}

std::string WarmupReport::text() const {
  std::size_t width = 4;
  for (const auto& s : sites) width = std::max(width, s.site.size());
  std::string out = std::string("Warm-up diagnostic: MSER-5 on daily mean occupancy, ") +
                    (census ? "from the model's initial census at time 0" : "from an empty start") +
                    " (warm-up off, first year's demand and capacity held for " +
                    std::to_string(days) + " days), averaged over " + std::to_string(replications) +
                    " replication" + (replications == 1 ? "" : "s") + "\n\n";
  out += pad("site", width, false) + "  warm-up (days)  reliable  steady mean  transient t  note\n";
  for (const auto& s : sites) {
    out += pad(s.site, width, false) + "  " + pad(fixed(s.suggested_days, 0), 14, true) + "  " +
           pad(s.reliable ? "yes" : "no", 8, false) + "  " +
           pad(fixed(s.steady_mean, 2), 11, true) + "  " + pad(fixed(s.transient_t, 1), 11, true) +
           "  " + s.note + "\n";
  }
  out += "\nSuggested warm-up: " + fixed(suggested_days, 0) + " days";
  if (!reliable) {
    out += " from the reliable sites; the sites marked 'no' had not settled half-way through the " +
           std::to_string(days) + "-day run: lengthen the horizon to judge them";
  }
  out += "\n";
  return out;
}

}  // namespace carepath::pathways
