// Result and part files: PartWriter, ResultAssembler, ResultReader, inspect_file.
// Layout documented in outputs/SCHEMA.md (checked by tests/outputs/test_schema.cpp).
#include <carepath/engine/random.hpp>
#include <carepath/outputs/result_file.hpp>

#include "h5util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <set>
#include <system_error>

#ifndef CAREPATH_VERSION
#define CAREPATH_VERSION "unknown"
#endif
#ifndef CAREPATH_GIT_COMMIT
#define CAREPATH_GIT_COMMIT "unknown"
#endif

namespace fs = std::filesystem;

namespace carepath::outputs {

namespace {

// 2: KPI values as a float64 [rows, KPI] matrix with `rows` and `kpis` index tables (1 had one
// compound column per KPI, which HDF5 caps at 64 KiB of type description: ~35 sites).
constexpr std::uint32_t kSchemaVersion = 2;
// Parts: 2 adds the `checksum` attribute, Fletcher-32 on the chunked datasets and `headline`.
constexpr std::uint32_t kPartSchemaVersion = 2;
constexpr const char* kResultFormat = "carepath-results";
constexpr const char* kPartFormat = "carepath-part";
constexpr hsize_t kSampleChunk = 1024;  // hours per time-series chunk
constexpr hsize_t kEventChunk = 8192;   // rows per event-log chunk
constexpr const char* kVariables[3] = {"occupancy", "queue", "in_service"};

static_assert(sizeof(SiteSample) == 3 * sizeof(std::int32_t));

std::string incomplete_message(const fs::path& p) {
  return p.string() + ": incomplete result file (the run that wrote it did not finish); re-run it";
}

fs::path tmp_path_of(const fs::path& p) {
  fs::path t = p;
  t += ".tmp";
  return t;
}

// Renames atomically. With `durable`, also fsyncs the file before and the directory after, so
// that a power cut cannot leave an empty file under the final name. Parts skip this: a damaged
// part fails validation when reused and is simply re-run.
void durable_rename(const fs::path& from, const fs::path& to, const std::string& ctx,
                    bool durable = true) {
  if (const int fd = durable ? ::open(from.c_str(), O_RDONLY) : -1; fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw ResultFileError(ctx + ": cannot rename " + from.string() + ": " + ec.message());
  const fs::path dir = to.has_parent_path() ? to.parent_path() : fs::path(".");
  if (const int fd = durable ? ::open(dir.c_str(), O_RDONLY | O_DIRECTORY) : -1; fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string replication_group(std::uint32_t r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "r%04u", r);
  return buf;
}

void validate_name(const std::string& what, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    throw std::invalid_argument(what + " \"" + name + "\": must be non-empty without '/'");
  }
}

void validate_spec(const PartSpec& spec) {
  validate_name("scenario name", spec.scenario);
  if (spec.years.empty()) throw std::invalid_argument("part " + spec.scenario + ": no years");
  std::set<std::string> seen;
  for (const auto& k : spec.kpis) {
    validate_name("KPI name", k.name);
    if (k.name == "replication" || k.name == "year") {
      throw std::invalid_argument("KPI name \"" + k.name + "\" is reserved (a column name)");
    }
    if (!seen.insert(k.name).second) {
      throw std::invalid_argument("duplicate KPI name \"" + k.name + "\"");
    }
  }
  std::set<std::string> years(spec.years.begin(), spec.years.end());
  if (years.size() != spec.years.size()) throw std::invalid_argument("duplicate year label");
  if (spec.event_sites.size() > 65536 || spec.cohorts.size() > 65536) {
    throw std::invalid_argument("more than 65536 event-log sites or cohorts");
  }
}

h5::Id create_file(const fs::path& p, const std::string& ctx) {
  h5::init();
  h5::Id fcpl = h5::object_create_plist(H5P_FILE_CREATE);
  return h5::check(H5Fcreate(p.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), ctx,
                   "cannot create file");
}

h5::Id open_file_ro(const fs::path& p, const std::string& ctx) {
  h5::init();
  std::error_code ec;
  if (!fs::exists(p, ec)) {
    if (fs::exists(tmp_path_of(p), ec)) throw ResultFileError(incomplete_message(p));
    throw ResultFileError(ctx + ": no such file");
  }
  // Opened first, classified only if that fails (H5Fis_hdf5 would open the file a second time).
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f >= 0) return h5::Id(f);
  const std::string why = h5::last_error();
  if (H5Fis_hdf5(p.c_str()) <= 0) {
    h5::last_error();
    throw ResultFileError(ctx + ": not an HDF5 file");
  }
  throw ResultFileError(ctx + ": cannot open" + (why.empty() ? "" : " (HDF5: " + why + ")"));
}

void write_kpi_table(hid_t parent, const char* name, const std::vector<KpiDef>& kpis,
                     const std::string& ctx) {
  std::size_t ln = 1;
  std::size_t lu = 1;
  std::size_t ld = 1;
  for (const auto& k : kpis) {
    ln = std::max(ln, k.name.size());
    lu = std::max(lu, k.unit.size());
    ld = std::max(ld, k.description.size());
  }
  h5::CompoundBuilder b;
  b.add_string("name", ln);
  b.add_string("unit", lu);
  b.add_string("description", ld);
  b.add_u8("headline");
  std::vector<unsigned char> buf(b.row_size() * kpis.size());
  for (std::size_t i = 0; i < kpis.size(); ++i) {
    b.set_string(buf, i, 0, kpis[i].name);
    b.set_string(buf, i, 1, kpis[i].unit);
    b.set_string(buf, i, 2, kpis[i].description);
    b.set_u8(buf, i, 3, kpis[i].headline ? 1 : 0);
  }
  h5::write_compound(parent, name, b, buf, kpis.size(), ctx);
}

std::vector<KpiDef> read_kpi_table(hid_t parent, const char* name, const std::string& ctx) {
  h5::Id ds = h5::open_dataset(parent, name, ctx);
  const auto names = h5::read_field_string(ds.get(), "name", ctx);
  const auto units = h5::read_field_string(ds.get(), "unit", ctx);
  const auto descs = h5::read_field_string(ds.get(), "description", ctx);
  const auto fields = h5::field_names(ds.get(), ctx);
  std::vector<std::uint32_t> headline(names.size(), 0);
  if (std::find(fields.begin(), fields.end(), "headline") != fields.end()) {
    headline = h5::read_field_u32(ds.get(), "headline", ctx);  // schema 1 files have none
  }
  std::vector<KpiDef> out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out.push_back(KpiDef{names[i], units[i], descs[i], headline[i] != 0});
  return out;
}

// A scenario's plan targets: `targets` [T] (name, kpi, year, direction, bound, label); year ""
// = every year, direction "at_least" or "at_most". Optional: absent when there are none.
void write_target_table(hid_t parent, const std::vector<TargetDef>& targets,
                        const std::string& ctx) {
  std::size_t ln = 1;
  std::size_t lk = 1;
  std::size_t ly = 1;
  std::size_t ll = 1;
  for (const auto& t : targets) {
    ln = std::max(ln, t.name.size());
    lk = std::max(lk, t.kpi.size());
    ly = std::max(ly, t.year.size());
    ll = std::max(ll, t.label.size());
  }
  h5::CompoundBuilder b;
  b.add_string("name", ln);
  b.add_string("kpi", lk);
  b.add_string("year", ly);
  b.add_string("direction", 8);
  b.add_f64("bound");
  b.add_string("label", ll);
  std::vector<unsigned char> buf(b.row_size() * targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    b.set_string(buf, i, 0, targets[i].name);
    b.set_string(buf, i, 1, targets[i].kpi);
    b.set_string(buf, i, 2, targets[i].year);
    b.set_string(buf, i, 3, targets[i].at_least ? "at_least" : "at_most");
    b.set_f64(buf, i, 4, targets[i].bound);
    b.set_string(buf, i, 5, targets[i].label);
  }
  h5::write_compound(parent, "targets", b, buf, targets.size(), ctx);
}

std::vector<TargetDef> read_target_table(hid_t parent, const std::string& ctx) {
  h5::Id ds = h5::open_dataset(parent, "targets", ctx);
  const auto names = h5::read_field_string(ds.get(), "name", ctx);
  const auto kpis = h5::read_field_string(ds.get(), "kpi", ctx);
  const auto years = h5::read_field_string(ds.get(), "year", ctx);
  const auto dirs = h5::read_field_string(ds.get(), "direction", ctx);
  const auto bounds = h5::read_field_f64(ds.get(), "bound", ctx);
  const auto labels = h5::read_field_string(ds.get(), "label", ctx);
  std::vector<TargetDef> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out.push_back(
        TargetDef{names[i], kpis[i], years[i], bounds[i], dirs[i] == "at_least", labels[i]});
  }
  return out;
}

// A KPI matrix: `rows` (replication, year) [R*Y] sorted by (replication, year index), and
// `<name>` float64 [R*Y, K], column k = KPI k of the group's `kpis` table.
void write_kpi_matrix(hid_t parent, const char* name, const std::vector<std::string>& years,
                      std::size_t n_kpis, const std::vector<std::uint32_t>& replications,
                      const std::vector<double>& values, const std::string& ctx) {
  std::size_t ly = 1;
  for (const auto& y : years) ly = std::max(ly, y.size());
  h5::CompoundBuilder b;
  b.add_u32("replication");
  b.add_string("year", ly);
  const std::size_t n_rows = replications.size() * years.size();
  std::vector<unsigned char> buf(b.row_size() * n_rows);
  for (std::size_t r = 0; r < replications.size(); ++r) {
    for (std::size_t y = 0; y < years.size(); ++y) {
      const std::size_t row = r * years.size() + y;
      b.set_u32(buf, row, 0, replications[r]);
      b.set_string(buf, row, 1, years[y]);
    }
  }
  h5::write_compound(parent, "rows", b, buf, n_rows, ctx);
  h5::write_matrix_f64(parent, name, n_rows, n_kpis, values, ctx);
}

// Reads a KPI matrix back into values[(r * years + y) * K + k]; returns K.
std::size_t read_kpi_matrix(hid_t parent, const char* name, const std::vector<std::string>& years,
                            std::vector<std::uint32_t>& replications, std::vector<double>& values,
                            const std::string& ctx) {
  h5::Id rows_ds = h5::open_dataset(parent, "rows", ctx);
  const auto reps = h5::read_field_u32(rows_ds.get(), "replication", ctx);
  const auto yrs = h5::read_field_string(rows_ds.get(), "year", ctx);
  h5::Id ds = h5::open_dataset(parent, name, ctx);
  std::size_t n_rows = 0;
  std::size_t n_cols = 0;
  const std::vector<double> matrix = h5::read_matrix_f64(ds.get(), n_rows, n_cols, ctx);
  if (n_rows != reps.size()) {
    throw ResultFileError(ctx + ": " + name + " has " + std::to_string(n_rows) +
                          " rows but `rows` has " + std::to_string(reps.size()));
  }
  std::set<std::uint32_t> rep_set(reps.begin(), reps.end());
  replications.assign(rep_set.begin(), rep_set.end());
  std::map<std::uint32_t, std::size_t> rep_index;
  for (std::size_t i = 0; i < replications.size(); ++i) rep_index[replications[i]] = i;
  std::map<std::string, std::size_t> year_index;
  for (std::size_t i = 0; i < years.size(); ++i) year_index[years[i]] = i;
  values.assign(replications.size() * years.size() * n_cols,
                std::numeric_limits<double>::quiet_NaN());
  for (std::size_t row = 0; row < n_rows; ++row) {
    const auto yi = year_index.find(yrs[row]);
    if (yi == year_index.end()) {
      throw ResultFileError(ctx + ": " + name + " has unknown year \"" + yrs[row] + "\"");
    }
    const std::size_t base = (rep_index[reps[row]] * years.size() + yi->second) * n_cols;
    std::copy_n(matrix.begin() + static_cast<std::ptrdiff_t>(row * n_cols), n_cols,
                values.begin() + static_cast<std::ptrdiff_t>(base));
  }
  return n_cols;
}

// Schema 1 (one compound column per KPI), still read for old files. Reads a wide table back;
// returns the KPI columns found, fills replications and values.
std::vector<std::string> read_wide_table(hid_t parent, const char* name,
                                         const std::vector<std::string>& years,
                                         std::vector<std::uint32_t>& replications,
                                         std::vector<double>& values, const std::string& ctx) {
  h5::Id ds = h5::open_dataset(parent, name, ctx);
  const auto fields = h5::field_names(ds.get(), ctx);
  std::vector<std::string> kpis;
  for (const auto& f : fields) {
    if (f != "replication" && f != "year") kpis.push_back(f);
  }
  const auto reps = h5::read_field_u32(ds.get(), "replication", ctx);
  const auto yrs = h5::read_field_string(ds.get(), "year", ctx);
  std::set<std::uint32_t> rep_set(reps.begin(), reps.end());
  replications.assign(rep_set.begin(), rep_set.end());
  std::map<std::uint32_t, std::size_t> rep_index;
  for (std::size_t i = 0; i < replications.size(); ++i) rep_index[replications[i]] = i;
  std::map<std::string, std::size_t> year_index;
  for (std::size_t i = 0; i < years.size(); ++i) year_index[years[i]] = i;
  values.assign(replications.size() * years.size() * kpis.size(),
                std::numeric_limits<double>::quiet_NaN());
  // Every KPI column in one read: a memory type of packed doubles, one per KPI (reading the
  // columns one by one costs a type-conversion setup per column, minutes for ~1,000 KPIs).
  const std::vector<double> rows_kpis = h5::read_fields_f64(ds.get(), kpis, ctx);
  for (std::size_t row = 0; row < reps.size(); ++row) {
    const auto yi = year_index.find(yrs[row]);
    if (yi == year_index.end()) {
      throw ResultFileError(ctx + ": " + name + " has unknown year \"" + yrs[row] + "\"");
    }
    const std::size_t base = (rep_index[reps[row]] * years.size() + yi->second) * kpis.size();
    for (std::size_t k = 0; k < kpis.size(); ++k) {
      values[base + k] = rows_kpis[row * kpis.size() + k];
    }
  }
  return kpis;
}

struct LoadedPart {
  fs::path path;
  PartInfo info;
  std::vector<double> values;  // [year][kpi]
  bool has_time_series = false;
  bool has_events = false;
};

// FNV-1a 64 over everything a part's header and KPI values say (strings with their NUL, numbers
// as raw bytes): stored as the part's `checksum` and checked whenever a part is read.
std::string part_checksum(const PartSpec& s, const std::vector<double>& values,
                          std::uint64_t samples, std::uint64_t events) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto bytes = [&h](const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 0x100000001b3ULL;
    }
  };
  const auto str = [&](const std::string& t) { bytes(t.c_str(), t.size() + 1); };
  const auto strs = [&](const std::vector<std::string>& v) {
    const std::uint64_t n = v.size();
    bytes(&n, sizeof n);
    for (const auto& t : v) str(t);
  };
  str(s.scenario);
  bytes(&s.replication, sizeof s.replication);
  bytes(&s.master_seed, sizeof s.master_seed);
  str(s.config_hash);
  strs(s.years);
  for (const auto& k : s.kpis) {
    str(k.name);
    str(k.unit);
    str(k.description);
    const unsigned char hl = k.headline ? 1 : 0;
    bytes(&hl, 1);
  }
  strs(s.sites);
  if (!s.sites.empty()) bytes(&s.sample_interval_minutes, sizeof s.sample_interval_minutes);
  const unsigned char ev = s.event_log ? 1 : 0;
  bytes(&ev, 1);
  if (s.event_log) {
    strs(s.cohorts);
    strs(s.event_sites);
  }
  bytes(values.data(), values.size() * sizeof(double));
  bytes(&samples, sizeof samples);
  bytes(&events, sizeof events);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

LoadedPart load_part(const fs::path& p) {
  const std::string ctx = p.string();
  h5::Id file = open_file_ro(p, ctx);
  const hid_t f = file.get();
  if (!h5::has_attr(f, "format") || h5::read_attr_string(f, "format", ctx) != kPartFormat) {
    throw ResultFileError(ctx + ": not a carepath part file");
  }
  if (!h5::has_attr(f, "complete") || h5::read_attr_u64(f, "complete", ctx) != 1) {
    throw ResultFileError(ctx + ": incomplete part file (its replication did not finish)");
  }
  if (const auto v = h5::read_attr_u64(f, "schema_version", ctx); v != kPartSchemaVersion) {
    throw ResultFileError(ctx + ": part format " + std::to_string(v) + ", not " +
                          std::to_string(kPartSchemaVersion) + " (written by another carepath)");
  }
  LoadedPart lp;
  lp.path = p;
  PartSpec& s = lp.info.spec;
  s.scenario = h5::read_attr_string(f, "scenario", ctx);
  s.replication = static_cast<std::uint32_t>(h5::read_attr_u64(f, "replication", ctx));
  s.master_seed = h5::read_attr_u64(f, "master_seed", ctx);
  s.config_hash = h5::read_attr_string(f, "config_hash", ctx);
  lp.info.samples = h5::read_attr_u64(f, "samples", ctx);
  lp.info.events = h5::read_attr_u64(f, "events", ctx);
  s.years = h5::read_strings(f, "years", ctx);
  s.kpis = read_kpi_table(f, "kpis", ctx);
  {
    h5::Id ds = h5::open_dataset(f, "kpi_values", ctx);
    lp.values.assign(s.years.size() * s.kpis.size(), 0.0);
    if (!lp.values.empty()) {
      h5::check(
          H5Dread(ds.get(), H5T_NATIVE_DOUBLE, h5::kAll, h5::kAll, H5P_DEFAULT, lp.values.data()),
          ctx, "cannot read kpi_values");
    }
  }
  if (h5::link_exists(f, "timeseries")) {
    lp.has_time_series = true;
    h5::Id ds = h5::open_dataset(f, "timeseries", ctx);
    s.sites = h5::read_attr_strings(ds.get(), "sites", ctx);
    s.sample_interval_minutes = h5::read_attr_double(ds.get(), "interval_minutes", ctx);
  }
  if (h5::link_exists(f, "events")) {
    lp.has_events = true;
    s.event_log = true;
    h5::Id ds = h5::open_dataset(f, "events", ctx);
    s.cohorts = h5::read_attr_strings(ds.get(), "cohorts", ctx);
    s.event_sites = h5::read_attr_strings(ds.get(), "sites", ctx);
  }
  if (h5::rows(h5::open_dataset(f, "kpi_values", ctx).get(), ctx) != s.years.size()) {
    throw ResultFileError(ctx + ": damaged part (kpi_values does not match years)");
  }
  const std::string stored = h5::read_attr_string(f, "checksum", ctx);
  if (stored != part_checksum(s, lp.values, lp.info.samples, lp.info.events)) {
    throw ResultFileError(ctx + ": damaged part (content checksum mismatch)");
  }
  return lp;
}

// Reads every time-series and event chunk: HDF5 checks each chunk's Fletcher-32 checksum, so a
// damaged chunk throws here rather than in a later export.
void verify_part_chunks(const LoadedPart& lp) {
  const std::string ctx = lp.path.string();
  h5::Id file = open_file_ro(lp.path, ctx);
  if (lp.has_time_series) {
    h5::Id ds = h5::open_dataset(file.get(), "timeseries", ctx);
    h5::Id space = h5::check(H5Dget_space(ds.get()), ctx, "dataspace");
    hsize_t dims[3] = {0, 0, 0};
    if (H5Sget_simple_extent_ndims(space.get()) != 3)
      throw ResultFileError(ctx + ": bad timeseries");
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    if (dims[0] != lp.info.samples || dims[1] != lp.info.spec.sites.size()) {
      throw ResultFileError(ctx + ": damaged part (timeseries shape)");
    }
    std::vector<std::int32_t> buf;
    for (hsize_t first = 0; first < dims[0]; first += kSampleChunk) {
      const hsize_t count[3] = {std::min<hsize_t>(kSampleChunk, dims[0] - first), dims[1], 3};
      const hsize_t start[3] = {first, 0, 0};
      buf.resize(count[0] * count[1] * 3);
      h5::Id fspace = h5::check(H5Dget_space(ds.get()), ctx, "dataspace");
      h5::check(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
                ctx, "selection");
      h5::Id mspace = h5::check(H5Screate_simple(3, count, nullptr), ctx, "dataspace");
      h5::check(
          H5Dread(ds.get(), H5T_NATIVE_INT32, mspace.get(), fspace.get(), H5P_DEFAULT, buf.data()),
          ctx, "damaged part (cannot read timeseries)");
    }
  }
  if (lp.has_events) {
    h5::Id ds = h5::open_dataset(file.get(), "events", ctx);
    const std::uint64_t n = h5::rows(ds.get(), ctx);
    if (n != lp.info.events) throw ResultFileError(ctx + ": damaged part (events count)");
    h5::Id mtype = h5::event_memory_type();
    h5::Id x = h5::read_plist(ds.get(), mtype.get(), std::min<std::uint64_t>(kEventChunk, n), ctx);
    std::vector<EventRecord> buf;
    for (std::uint64_t first = 0; first < n; first += kEventChunk) {
      const hsize_t count = std::min<std::uint64_t>(kEventChunk, n - first);
      const hsize_t start = first;
      buf.resize(count);
      h5::Id fspace = h5::check(H5Dget_space(ds.get()), ctx, "dataspace");
      h5::check(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
                ctx, "selection");
      h5::Id mspace = h5::check(H5Screate_simple(1, &count, nullptr), ctx, "dataspace");
      h5::check(H5Dread(ds.get(), mtype.get(), mspace.get(), fspace.get(), x.get(), buf.data()),
                ctx, "damaged part (cannot read events)");
    }
  }
}

// Why `found` cannot stand for `want` ("" if it can): every field that changes a part's content.
std::string spec_difference(const PartSpec& found, const PartSpec& want) {
  if (found.scenario != want.scenario) return "written for scenario \"" + found.scenario + "\"";
  if (found.replication != want.replication) {
    return "written for replication " + std::to_string(found.replication);
  }
  if (found.master_seed != want.master_seed) {
    return "written with master seed " + std::to_string(found.master_seed);
  }
  if (found.config_hash != want.config_hash) return "written for another configuration";
  if (found.years != want.years) return "written for other years";
  if (found.kpis != want.kpis) return "written with other KPI definitions";
  if (found.sites != want.sites) {
    return found.sites.empty() ? "written without time series" : "written with other time series";
  }
  if (!want.sites.empty() && found.sample_interval_minutes != want.sample_interval_minutes) {
    return "written with another sample interval";
  }
  if (found.event_log != want.event_log) {
    return found.event_log ? "written with an event log" : "written without an event log";
  }
  if (want.event_log && (found.cohorts != want.cohorts || found.event_sites != want.event_sites)) {
    return "written with other event-log cohorts or sites";
  }
  return "";
}

}  // namespace

// ==================================================================== small public helpers

std::string_view event_code_name(EventCode code) {
  switch (code) {
    case EventCode::arrive:
      return "arrive";
    case EventCode::start:
      return "start";
    case EventCode::block:
      return "block";
    case EventCode::unblock:
      return "unblock";
    case EventCode::renege:
      return "renege";
    case EventCode::baulk:
      return "baulk";
    case EventCode::leave:
      return "leave";
    case EventCode::capacity_change:
      return "capacity_change";
    case EventCode::preempt:
      return "preempt";
  }
  return "?";
}

std::string fnv1a64_hex(std::string_view text) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(engine::fnv1a64(text)));
  return buf;
}

void prepare_library() {
  h5::init();
}

fs::path part_path(const fs::path& dir, std::string_view scenario, std::uint32_t replication) {
  std::string safe;
  for (const char c : scenario) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    safe += ok ? c : '_';
  }
  char rep[16];
  std::snprintf(rep, sizeof rep, "%04u", replication);
  return dir / (safe + ".r" + rep + ".part.h5");
}

// ==================================================================== PartWriter

struct PartWriter::Impl {
  fs::path final_path;
  fs::path tmp_path;
  PartSpec spec;
  std::string ctx;
  h5::Id file;
  h5::Id ts;
  h5::Id ev;
  h5::Id ev_mem_type;
  std::vector<double> kpi_values;
  std::vector<SiteSample> ts_buf;  // up to kSampleChunk samples
  std::uint64_t samples = 0;
  std::vector<EventRecord> ev_buf;
  std::uint64_t events = 0;
  bool finished = false;

  void flush_samples() {
    if (ts_buf.empty()) return;
    const hsize_t n_sites = spec.sites.size();
    const hsize_t n_new = ts_buf.size() / n_sites;
    const hsize_t new_dims[3] = {samples + n_new, n_sites, 3};
    h5::check(H5Dset_extent(ts.get(), new_dims), ctx, "cannot extend timeseries");
    h5::Id fspace = h5::check(H5Dget_space(ts.get()), ctx, "dataspace");
    const hsize_t start[3] = {samples, 0, 0};
    const hsize_t count[3] = {n_new, n_sites, 3};
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    h5::Id mspace = h5::check(H5Screate_simple(3, count, nullptr), ctx, "dataspace");
    h5::check(H5Dwrite(ts.get(), H5T_NATIVE_INT32, mspace.get(), fspace.get(), H5P_DEFAULT,
                       ts_buf.data()),
              ctx, "cannot write timeseries");
    samples += n_new;
    ts_buf.clear();
  }

  void flush_events() {
    if (ev_buf.empty()) return;
    const hsize_t n_new = ev_buf.size();
    const hsize_t new_dims[1] = {events + n_new};
    h5::check(H5Dset_extent(ev.get(), new_dims), ctx, "cannot extend events");
    h5::Id fspace = h5::check(H5Dget_space(ev.get()), ctx, "dataspace");
    const hsize_t start[1] = {events};
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, &n_new, nullptr);
    h5::Id mspace = h5::check(H5Screate_simple(1, &n_new, nullptr), ctx, "dataspace");
    h5::check(H5Dwrite(ev.get(), ev_mem_type.get(), mspace.get(), fspace.get(), H5P_DEFAULT,
                       ev_buf.data()),
              ctx, "cannot write events");
    events += n_new;
    ev_buf.clear();
  }

  void discard() {
    ts = h5::Id();
    ev = h5::Id();
    file = h5::Id();
    std::error_code ec;
    fs::remove(tmp_path, ec);
  }
};

PartWriter::PartWriter(fs::path final_path, PartSpec spec) : impl_(std::make_unique<Impl>()) {
  validate_spec(spec);
  Impl& m = *impl_;
  m.final_path = std::move(final_path);
  m.tmp_path = tmp_path_of(m.final_path);
  m.spec = std::move(spec);
  m.ctx = m.tmp_path.string();
  m.kpi_values.assign(m.spec.years.size() * m.spec.kpis.size(),
                      std::numeric_limits<double>::quiet_NaN());
  if (m.final_path.has_parent_path()) fs::create_directories(m.final_path.parent_path());
  m.file = create_file(m.tmp_path, m.ctx);
  const hid_t f = m.file.get();
  const std::string& ctx = m.ctx;
  h5::write_attr(f, "format", std::string_view(kPartFormat), ctx);
  h5::write_attr(f, "schema_version", kPartSchemaVersion, ctx);
  h5::write_attr(f, "scenario", std::string_view(m.spec.scenario), ctx);
  h5::write_attr(f, "replication", m.spec.replication, ctx);
  h5::write_attr(f, "master_seed", m.spec.master_seed, ctx);
  h5::write_attr(f, "config_hash", std::string_view(m.spec.config_hash), ctx);
  h5::write_strings(f, "years", m.spec.years, ctx);
  write_kpi_table(f, "kpis", m.spec.kpis, ctx);

  if (!m.spec.sites.empty()) {
    const hsize_t n_sites = m.spec.sites.size();
    const hsize_t dims[3] = {0, n_sites, 3};
    const hsize_t maxdims[3] = {H5S_UNLIMITED, n_sites, 3};
    const hsize_t chunk[3] = {kSampleChunk, n_sites, 3};
    h5::Id space = h5::check(H5Screate_simple(3, dims, maxdims), ctx, "dataspace");
    h5::Id dcpl = h5::object_create_plist(H5P_DATASET_CREATE);
    h5::check(H5Pset_chunk(dcpl.get(), 3, chunk), ctx, "chunking");
    h5::check(H5Pset_shuffle(dcpl.get()), ctx, "shuffle");
    h5::check(H5Pset_deflate(dcpl.get(), 4), ctx, "deflate");
    h5::check(H5Pset_fletcher32(dcpl.get()), ctx, "checksum filter");  // last: covers the bytes
    m.ts = h5::check(H5Dcreate2(f, "timeseries", H5T_STD_I32LE, space.get(), H5P_DEFAULT,
                                dcpl.get(), H5P_DEFAULT),
                     ctx, "cannot create timeseries");
    h5::write_attr(m.ts.get(), "sites", m.spec.sites, ctx);
    h5::write_attr(m.ts.get(), "variables",
                   std::vector<std::string>{kVariables[0], kVariables[1], kVariables[2]}, ctx);
    h5::write_attr(m.ts.get(), "interval_minutes", m.spec.sample_interval_minutes, ctx);
    h5::write_attr(m.ts.get(), "unit", std::string_view("patients"), ctx);
    m.ts_buf.reserve(kSampleChunk * n_sites);
  }
  if (m.spec.event_log) {
    const hsize_t dims[1] = {0};
    const hsize_t maxdims[1] = {H5S_UNLIMITED};
    const hsize_t chunk[1] = {kEventChunk};
    h5::Id space = h5::check(H5Screate_simple(1, dims, maxdims), ctx, "dataspace");
    h5::Id dcpl = h5::object_create_plist(H5P_DATASET_CREATE);
    h5::check(H5Pset_chunk(dcpl.get(), 1, chunk), ctx, "chunking");
    h5::check(H5Pset_shuffle(dcpl.get()), ctx, "shuffle");
    h5::check(H5Pset_deflate(dcpl.get(), 4), ctx, "deflate");
    h5::check(H5Pset_fletcher32(dcpl.get()), ctx, "checksum filter");
    h5::Id ftype = h5::event_file_type();
    m.ev = h5::check(
        H5Dcreate2(f, "events", ftype.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        ctx, "cannot create events");
    m.ev_mem_type = h5::event_memory_type();
    h5::write_attr(m.ev.get(), "cohorts", m.spec.cohorts, ctx);
    h5::write_attr(m.ev.get(), "sites", m.spec.event_sites, ctx);
    std::vector<std::string> codes;
    for (std::size_t i = 0; i < kEventCodeCount; ++i) {
      codes.emplace_back(event_code_name(static_cast<EventCode>(i)));
    }
    h5::write_attr(m.ev.get(), "event_codes", codes, ctx);
    h5::write_attr(m.ev.get(), "time_unit", std::string_view("minutes"), ctx);
    m.ev_buf.reserve(kEventChunk);
  }
}

PartWriter::~PartWriter() {
  if (impl_ && !impl_->finished) impl_->discard();
}
PartWriter::PartWriter(PartWriter&&) noexcept = default;
PartWriter& PartWriter::operator=(PartWriter&& o) noexcept {
  if (this != &o) {
    if (impl_ && !impl_->finished) impl_->discard();
    impl_ = std::move(o.impl_);
  }
  return *this;
}

void PartWriter::set_kpi_value(std::size_t year, std::size_t kpi, double value) {
  Impl& m = *impl_;
  if (year >= m.spec.years.size() || kpi >= m.spec.kpis.size()) {
    throw std::out_of_range("PartWriter::set_kpi_value: year or KPI index out of range");
  }
  m.kpi_values[year * m.spec.kpis.size() + kpi] = value;
}

void PartWriter::set_kpi_value(std::string_view year, std::string_view kpi, double value) {
  const Impl& m = *impl_;
  const auto y = std::find(m.spec.years.begin(), m.spec.years.end(), year);
  if (y == m.spec.years.end()) {
    throw std::invalid_argument("unknown year \"" + std::string(year) + "\"");
  }
  const auto k = std::find_if(m.spec.kpis.begin(), m.spec.kpis.end(),
                              [&](const KpiDef& d) { return d.name == kpi; });
  if (k == m.spec.kpis.end())
    throw std::invalid_argument("unknown KPI \"" + std::string(kpi) + "\"");
  set_kpi_value(static_cast<std::size_t>(y - m.spec.years.begin()),
                static_cast<std::size_t>(k - m.spec.kpis.begin()), value);
}

void PartWriter::set_kpi_values(std::size_t year, std::span<const double> values) {
  Impl& m = *impl_;
  if (values.size() != m.spec.kpis.size()) {
    throw std::invalid_argument("PartWriter::set_kpi_values: expected one value per KPI");
  }
  for (std::size_t k = 0; k < values.size(); ++k) set_kpi_value(year, k, values[k]);
}

void PartWriter::append_sample(std::span<const SiteSample> per_site) {
  Impl& m = *impl_;
  if (m.spec.sites.empty()) throw std::logic_error("PartWriter: no time-series sites declared");
  if (per_site.size() != m.spec.sites.size()) {
    throw std::invalid_argument("PartWriter::append_sample: expected one sample per site");
  }
  m.ts_buf.insert(m.ts_buf.end(), per_site.begin(), per_site.end());
  if (m.ts_buf.size() >= kSampleChunk * m.spec.sites.size()) m.flush_samples();
}

void PartWriter::append_events(std::span<const EventRecord> events) {
  Impl& m = *impl_;
  if (!m.spec.event_log) throw std::logic_error("PartWriter: event log not enabled");
  for (const auto& e : events) {
    m.ev_buf.push_back(e);
    if (m.ev_buf.size() >= kEventChunk) m.flush_events();
  }
}

std::uint64_t PartWriter::samples_written() const {
  return impl_->samples + impl_->ts_buf.size() / std::max<std::size_t>(impl_->spec.sites.size(), 1);
}
std::uint64_t PartWriter::events_written() const {
  return impl_->events + impl_->ev_buf.size();
}
const fs::path& PartWriter::path() const {
  return impl_->final_path;
}

void PartWriter::finish() {
  Impl& m = *impl_;
  if (m.finished) throw std::logic_error("PartWriter::finish called twice");
  const std::string& ctx = m.ctx;
  if (!m.spec.sites.empty()) m.flush_samples();
  if (m.spec.event_log) m.flush_events();
  const hid_t f = m.file.get();
  {
    const hsize_t dims[2] = {m.spec.years.size(), m.spec.kpis.size()};
    h5::Id space = h5::check(H5Screate_simple(2, dims, nullptr), ctx, "dataspace");
    h5::Id dcpl = h5::object_create_plist(H5P_DATASET_CREATE);
    h5::Id ds = h5::check(H5Dcreate2(f, "kpi_values", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                     dcpl.get(), H5P_DEFAULT),
                          ctx, "cannot create kpi_values");
    if (!m.kpi_values.empty()) {
      h5::check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, h5::kAll, h5::kAll, H5P_DEFAULT,
                         m.kpi_values.data()),
                ctx, "cannot write kpi_values");
    }
  }
  h5::write_attr(f, "samples", static_cast<std::uint64_t>(m.samples), ctx);
  h5::write_attr(f, "events", static_cast<std::uint64_t>(m.events), ctx);
  h5::write_attr(f, "checksum",
                 std::string_view(part_checksum(m.spec, m.kpi_values, m.samples, m.events)), ctx);
  h5::write_attr(f, "complete", static_cast<std::uint8_t>(1), ctx);  // last
  m.ts = h5::Id();
  m.ev = h5::Id();
  h5::check(H5Fflush(f, H5F_SCOPE_GLOBAL), ctx, "cannot flush");
  const hid_t fid = m.file.release();
  h5::check(H5Fclose(fid), ctx, "cannot close");
  durable_rename(m.tmp_path, m.final_path, ctx, /*durable=*/false);
  m.finished = true;
}

PartInfo read_part_info(const fs::path& part) {
  return load_part(part).info;
}

std::string part_reuse_problem(const fs::path& part, const PartSpec& expected) {
  std::error_code ec;
  if (!fs::exists(part, ec)) return "missing";
  try {
    const LoadedPart lp = load_part(part);
    if (std::string why = spec_difference(lp.info.spec, expected); !why.empty()) {
      return part.string() + ": " + why;
    }
    verify_part_chunks(lp);
    return "";
  } catch (const ResultFileError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return part.string() + ": " + e.what();
  }
}

bool part_is_reusable(const fs::path& part, const PartSpec& expected) {
  return part_reuse_problem(part, expected).empty();
}

// ==================================================================== ResultAssembler

struct ResultAssembler::Impl {
  struct Scenario {
    ScenarioConfig config;
    std::vector<KpiDef> kpis;
    std::vector<TargetDef> targets;
    bool has_kpis = false;
    std::map<std::uint32_t, LoadedPart> parts;  // sorted by replication
  };
  fs::path final_path;
  fs::path tmp_path;
  RunMeta meta;
  std::vector<Scenario> scenarios;
  bool written = false;

  Scenario* find(std::string_view name) {
    for (auto& s : scenarios) {
      if (s.config.name == name) return &s;
    }
    return nullptr;
  }

  [[nodiscard]] ResultSet result_set() const {
    ResultSet set;
    set.years = meta.years;
    for (const auto& s : scenarios) {
      ScenarioResults r;
      r.name = s.config.name;
      r.kpis = s.kpis;
      for (const auto& [rep, part] : s.parts) {
        r.replications.push_back(rep);
        r.values.insert(r.values.end(), part.values.begin(), part.values.end());
      }
      set.scenarios.push_back(std::move(r));
    }
    return set;
  }
};

ResultAssembler::ResultAssembler(fs::path final_path, RunMeta meta)
    : impl_(std::make_unique<Impl>()) {
  impl_->final_path = std::move(final_path);
  impl_->tmp_path = tmp_path_of(impl_->final_path);
  impl_->meta = std::move(meta);
  if (impl_->meta.years.empty()) throw std::invalid_argument("ResultAssembler: no years");
}

ResultAssembler::~ResultAssembler() {
  if (impl_ && !impl_->written) {
    std::error_code ec;
    fs::remove(impl_->tmp_path, ec);
  }
}

const fs::path& ResultAssembler::path() const {
  return impl_->final_path;
}

void ResultAssembler::add_scenario(std::string name, std::string resolved_yaml,
                                   std::vector<TargetDef> targets) {
  validate_name("scenario name", name);
  if (impl_->find(name) != nullptr) {
    throw std::invalid_argument("scenario \"" + name + "\" declared twice");
  }
  Impl::Scenario s;
  s.config.hash = fnv1a64_hex(resolved_yaml);
  s.config.name = std::move(name);
  s.config.yaml = std::move(resolved_yaml);
  s.targets = std::move(targets);
  impl_->scenarios.push_back(std::move(s));
}

void ResultAssembler::add_part(const fs::path& part) {
  LoadedPart lp = load_part(part);
  const std::string ctx = part.string();
  const PartSpec& spec = lp.info.spec;
  Impl::Scenario* s = impl_->find(spec.scenario);
  if (s == nullptr) throw ResultFileError(ctx + ": unknown scenario \"" + spec.scenario + "\"");
  if (s->parts.count(spec.replication) != 0) {
    throw ResultFileError(ctx + ": replication " + std::to_string(spec.replication) + " of \"" +
                          spec.scenario + "\" added twice");
  }
  if (spec.years != impl_->meta.years) {
    throw ResultFileError(ctx + ": its years differ from the run's");
  }
  if (spec.master_seed != impl_->meta.master_seed) {
    throw ResultFileError(ctx + ": written with master seed " + std::to_string(spec.master_seed) +
                          ", not " + std::to_string(impl_->meta.master_seed));
  }
  if (spec.config_hash != s->config.hash) {
    throw ResultFileError(ctx + ": written for another configuration of \"" + spec.scenario +
                          "\" (hash " + spec.config_hash + ", expected " + s->config.hash + ")");
  }
  if (!s->has_kpis) {
    s->kpis = spec.kpis;
    s->has_kpis = true;
  } else if (s->kpis != spec.kpis) {
    throw ResultFileError(ctx + ": its KPI definitions differ from other replications of \"" +
                          spec.scenario + "\"");
  }
  s->parts.emplace(spec.replication, std::move(lp));
}

ResultSet ResultAssembler::results() const {
  return impl_->result_set();
}

void ResultAssembler::write() {
  Impl& m = *impl_;
  if (m.written) throw std::logic_error("ResultAssembler::write called twice");
  const std::string ctx = m.tmp_path.string();
  for (const auto& s : m.scenarios) {
    if (s.parts.size() != m.meta.replications) {
      throw ResultFileError(m.final_path.string() + ": scenario \"" + s.config.name + "\" has " +
                            std::to_string(s.parts.size()) + " finished replications of " +
                            std::to_string(m.meta.replications));
    }
  }
  if (!m.meta.baseline.empty() && m.find(m.meta.baseline) == nullptr) {
    throw ResultFileError(m.final_path.string() + ": unknown baseline scenario \"" +
                          m.meta.baseline + "\"");
  }
  m.meta.carepath_version = CAREPATH_VERSION;
  m.meta.git_commit = CAREPATH_GIT_COMMIT;
  m.meta.created_utc = utc_now();
  const ResultSet set = m.result_set();

  if (m.final_path.has_parent_path()) fs::create_directories(m.final_path.parent_path());
  h5::Id file = create_file(m.tmp_path, ctx);
  const hid_t f = file.get();
  h5::write_attr(f, "format", std::string_view(kResultFormat), ctx);
  h5::write_attr(f, "schema_version", kSchemaVersion, ctx);

  std::vector<std::string> names;
  for (const auto& s : m.scenarios) names.push_back(s.config.name);
  {
    h5::Id g = h5::create_group(f, "meta", ctx);
    h5::write_attr(g.get(), "carepath_version", std::string_view(m.meta.carepath_version), ctx);
    h5::write_attr(g.get(), "git_commit", std::string_view(m.meta.git_commit), ctx);
    h5::write_attr(g.get(), "created_utc", std::string_view(m.meta.created_utc), ctx);
    h5::write_attr(g.get(), "command_line", std::string_view(m.meta.command_line), ctx);
    h5::write_attr(g.get(), "master_seed", m.meta.master_seed, ctx);
    h5::write_attr(g.get(), "replications", m.meta.replications, ctx);
    h5::write_attr(g.get(), "processes", m.meta.processes, ctx);
    h5::write_attr(g.get(), "baseline", std::string_view(m.meta.baseline), ctx);
    h5::write_attr(g.get(), "scenarios", names, ctx);
    h5::Id sg = h5::create_group(g.get(), "scenarios", ctx);
    for (const auto& s : m.scenarios) {
      h5::write_text(sg.get(), s.config.name.c_str(), s.config.yaml, ctx);
      h5::Id ds = h5::open_dataset(sg.get(), s.config.name, ctx);
      h5::write_attr(ds.get(), "fnv1a64", std::string_view(s.config.hash), ctx);
    }
  }
  h5::write_strings(f, "years", m.meta.years, ctx);

  h5::Id scen_root = h5::create_group(f, "scenarios", ctx);
  for (std::size_t si = 0; si < m.scenarios.size(); ++si) {
    const auto& s = m.scenarios[si];
    const ScenarioResults& r = set.scenarios[si];
    h5::Id g = h5::create_group(scen_root.get(), s.config.name, ctx);
    h5::write_attr(g.get(), "index", static_cast<std::uint32_t>(si), ctx);
    h5::write_attr(g.get(), "config_hash", std::string_view(s.config.hash), ctx);
    write_kpi_table(g.get(), "kpis", s.kpis, ctx);
    write_kpi_matrix(g.get(), "kpi_values", set.years, s.kpis.size(), r.replications, r.values,
                     ctx);

    const auto rows = summarise_scenario(set, r);
    std::size_t lk = 1;
    std::size_t lu = 1;
    std::size_t ly = 1;
    for (const auto& row : rows) {
      lk = std::max(lk, row.kpi.size());
      lu = std::max(lu, row.unit.size());
      ly = std::max(ly, row.year.size());
    }
    h5::CompoundBuilder b;
    b.add_string("kpi", lk);
    b.add_string("unit", lu);
    b.add_string("year", ly);
    b.add_u32("n");
    for (const char* c : {"mean", "sd", "ci95_low", "ci95_high", "half_width"}) b.add_f64(c);
    std::vector<unsigned char> buf(b.row_size() * rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& st = rows[i].stats;
      b.set_string(buf, i, 0, rows[i].kpi);
      b.set_string(buf, i, 1, rows[i].unit);
      b.set_string(buf, i, 2, rows[i].year);
      b.set_u32(buf, i, 3, static_cast<std::uint32_t>(st.n));
      b.set_f64(buf, i, 4, st.mean);
      b.set_f64(buf, i, 5, st.sd);
      b.set_f64(buf, i, 6, st.ci_low);
      b.set_f64(buf, i, 7, st.ci_high);
      b.set_f64(buf, i, 8, st.half_width);
    }
    h5::write_compound(g.get(), "summary", b, buf, rows.size(), ctx);
    if (!s.targets.empty()) write_target_table(g.get(), s.targets, ctx);

    // Time series and event logs: copied from the parts, in replication order.
    for (const auto& [rep, part] : s.parts) {
      if (!part.has_time_series && !part.has_events) continue;
      const std::string pctx = part.path.string();
      h5::Id pf = open_file_ro(part.path, pctx);
      h5::Id rg = h5::create_group(g.get(), "replications/" + replication_group(rep), ctx);
      for (const char* name : {"timeseries", "events"}) {
        if ((std::string(name) == "timeseries" && !part.has_time_series) ||
            (std::string(name) == "events" && !part.has_events)) {
          continue;
        }
        h5::copy_chunked_dataset(pf.get(), name, rg.get(), ctx + " (from " + pctx + ")");
      }
    }
  }

  if (!m.meta.baseline.empty()) {
    h5::Id cg = h5::create_group(f, "comparisons", ctx);
    h5::write_attr(cg.get(), "baseline", std::string_view(m.meta.baseline), ctx);
    const ScenarioResults& base = set.at(m.meta.baseline);
    for (const auto& r : set.scenarios) {
      if (r.name == m.meta.baseline) continue;
      const Comparison c = compare_scenarios(set, r, base);
      h5::Id g = h5::create_group(cg.get(), r.name, ctx);
      h5::write_attr(g.get(), "scenario", std::string_view(r.name), ctx);
      h5::write_attr(g.get(), "baseline", std::string_view(m.meta.baseline), ctx);
      std::vector<KpiDef> defs;
      for (const auto& name : c.kpis) defs.push_back(r.kpis[r.kpi_index(name)]);
      write_kpi_table(g.get(), "kpis", defs, ctx);
      write_kpi_matrix(g.get(), "paired_differences", set.years, defs.size(), c.replications,
                       c.differences, ctx);
      std::size_t lk = 1;
      std::size_t lu = 1;
      std::size_t ly = 1;
      for (const auto& row : c.rows) {
        lk = std::max(lk, row.kpi.size());
        lu = std::max(lu, row.unit.size());
        ly = std::max(ly, row.year.size());
      }
      h5::CompoundBuilder b;
      b.add_string("kpi", lk);
      b.add_string("unit", lu);
      b.add_string("year", ly);
      b.add_u32("n");
      for (const char* col :
           {"mean_baseline", "mean_scenario", "mean_diff", "sd_diff", "paired_ci95_low",
            "paired_ci95_high", "paired_half_width", "welch_ci95_low", "welch_ci95_high",
            "welch_half_width", "welch_df", "variance_reduction"}) {
        b.add_f64(col);
      }
      std::vector<unsigned char> buf(b.row_size() * c.rows.size());
      for (std::size_t i = 0; i < c.rows.size(); ++i) {
        const auto& st = c.rows[i].stats;
        b.set_string(buf, i, 0, c.rows[i].kpi);
        b.set_string(buf, i, 1, c.rows[i].unit);
        b.set_string(buf, i, 2, c.rows[i].year);
        b.set_u32(buf, i, 3, static_cast<std::uint32_t>(st.n));
        const double vals[] = {
            st.mean_a,     st.mean_b,           st.mean_diff,         st.sd_diff,
            st.paired_low, st.paired_high,      st.paired_half_width, st.welch_low,
            st.welch_high, st.welch_half_width, st.welch_df,          st.variance_reduction};
        for (std::size_t v = 0; v < std::size(vals); ++v) b.set_f64(buf, i, 4 + v, vals[v]);
      }
      h5::write_compound(g.get(), "summary", b, buf, c.rows.size(), ctx);
    }
  }

  scen_root = h5::Id();
  h5::write_attr(f, "complete", static_cast<std::uint8_t>(1), ctx);  // last
  h5::check(H5Fflush(f, H5F_SCOPE_GLOBAL), ctx, "cannot flush");
  const hid_t fid = file.release();
  h5::check(H5Fclose(fid), ctx, "cannot close");
  durable_rename(m.tmp_path, m.final_path, ctx);
  m.written = true;
}

// ==================================================================== ResultReader

struct ResultReader::Impl {
  fs::path path;
  std::string ctx;
  h5::Id file;
  RunMeta meta;
  std::vector<ScenarioConfig> configs;
  ResultSet set;
  std::map<std::string, std::vector<SummaryRow>, std::less<>> summaries;
  std::vector<Comparison> comparisons;

  [[nodiscard]] std::string rep_path(std::string_view scenario, std::uint32_t rep,
                                     const char* name) const {
    return "scenarios/" + std::string(scenario) + "/replications/" + replication_group(rep) + "/" +
           name;
  }
};

ResultReader::ResultReader(const fs::path& path) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  m.ctx = path.string();
  const std::string& ctx = m.ctx;
  m.file = open_file_ro(path, ctx);
  const hid_t f = m.file.get();
  const std::string format =
      h5::has_attr(f, "format") ? h5::read_attr_string(f, "format", ctx) : std::string();
  if (format == kPartFormat) {
    throw ResultFileError(ctx + ": this is a part file of an unfinished run, not a result file");
  }
  if (format != kResultFormat) throw ResultFileError(ctx + ": not a carepath result file");
  if (!h5::has_attr(f, "complete") || h5::read_attr_u64(f, "complete", ctx) != 1) {
    throw ResultFileError(incomplete_message(path));
  }
  const auto version = h5::read_attr_u64(f, "schema_version", ctx);
  if (version > kSchemaVersion) {
    throw ResultFileError(ctx + ": schema version " + std::to_string(version) +
                          " is newer than this carepath understands (" +
                          std::to_string(kSchemaVersion) + "); upgrade carepath");
  }
  std::vector<std::string> names;
  {
    h5::Id g = h5::open_group(f, "meta", ctx);
    m.meta.carepath_version = h5::read_attr_string(g.get(), "carepath_version", ctx);
    m.meta.git_commit = h5::read_attr_string(g.get(), "git_commit", ctx);
    m.meta.created_utc = h5::read_attr_string(g.get(), "created_utc", ctx);
    m.meta.command_line = h5::read_attr_string(g.get(), "command_line", ctx);
    m.meta.master_seed = h5::read_attr_u64(g.get(), "master_seed", ctx);
    m.meta.replications =
        static_cast<std::uint32_t>(h5::read_attr_u64(g.get(), "replications", ctx));
    m.meta.processes = static_cast<std::uint32_t>(h5::read_attr_u64(g.get(), "processes", ctx));
    m.meta.baseline = h5::read_attr_string(g.get(), "baseline", ctx);
    names = h5::read_attr_strings(g.get(), "scenarios", ctx);
    h5::Id sg = h5::open_group(g.get(), "scenarios", ctx);
    for (const auto& n : names) {
      ScenarioConfig c;
      c.name = n;
      c.yaml = h5::read_text(sg.get(), n.c_str(), ctx);
      h5::Id ds = h5::open_dataset(sg.get(), n, ctx);
      c.hash = h5::read_attr_string(ds.get(), "fnv1a64", ctx);
      m.configs.push_back(std::move(c));
    }
  }
  m.meta.years = h5::read_strings(f, "years", ctx);
  m.set.years = m.meta.years;
  for (const auto& n : names) {
    h5::Id g = h5::open_group(f, "scenarios/" + n, ctx);
    ScenarioResults r;
    r.name = n;
    r.kpis = read_kpi_table(g.get(), "kpis", ctx);
    if (h5::link_exists(g.get(), "targets")) r.targets = read_target_table(g.get(), ctx);
    const std::size_t cols =
        version >= 2
            ? read_kpi_matrix(g.get(), "kpi_values", m.set.years, r.replications, r.values, ctx)
            : read_wide_table(g.get(), "kpi_values", m.set.years, r.replications, r.values, ctx)
                  .size();
    if (cols != r.kpis.size()) {
      throw ResultFileError(ctx + ": scenario " + n + ": kpi_values columns do not match kpis");
    }
    h5::Id ds = h5::open_dataset(g.get(), "summary", ctx);
    const auto kpi = h5::read_field_string(ds.get(), "kpi", ctx);
    const auto unit = h5::read_field_string(ds.get(), "unit", ctx);
    const auto year = h5::read_field_string(ds.get(), "year", ctx);
    const auto cnt = h5::read_field_u32(ds.get(), "n", ctx);
    const auto mean_v = h5::read_field_f64(ds.get(), "mean", ctx);
    const auto sd_v = h5::read_field_f64(ds.get(), "sd", ctx);
    const auto lo = h5::read_field_f64(ds.get(), "ci95_low", ctx);
    const auto hi = h5::read_field_f64(ds.get(), "ci95_high", ctx);
    const auto hw = h5::read_field_f64(ds.get(), "half_width", ctx);
    std::vector<SummaryRow> rows;
    for (std::size_t i = 0; i < kpi.size(); ++i) {
      rows.push_back(SummaryRow{kpi[i], unit[i], year[i],
                                Summary{cnt[i], mean_v[i], sd_v[i], hw[i], lo[i], hi[i]}});
    }
    m.summaries.emplace(n, std::move(rows));
    m.set.scenarios.push_back(std::move(r));
  }
  if (!m.meta.baseline.empty()) {
    for (const auto& n : names) {
      if (n == m.meta.baseline) continue;
      h5::Id g = h5::open_group(f, "comparisons/" + n, ctx);
      Comparison c;
      c.scenario = n;
      c.baseline = m.meta.baseline;
      if (version >= 2) {
        for (const auto& k : read_kpi_table(g.get(), "kpis", ctx)) c.kpis.push_back(k.name);
        const std::size_t cols = read_kpi_matrix(g.get(), "paired_differences", m.set.years,
                                                 c.replications, c.differences, ctx);
        if (cols != c.kpis.size()) {
          throw ResultFileError(ctx + ": comparison " + n + ": columns do not match kpis");
        }
      } else {
        c.kpis = read_wide_table(g.get(), "paired_differences", m.set.years, c.replications,
                                 c.differences, ctx);
      }
      h5::Id ds = h5::open_dataset(g.get(), "summary", ctx);
      const auto kpi = h5::read_field_string(ds.get(), "kpi", ctx);
      const auto unit = h5::read_field_string(ds.get(), "unit", ctx);
      const auto year = h5::read_field_string(ds.get(), "year", ctx);
      const auto cnt = h5::read_field_u32(ds.get(), "n", ctx);
      std::map<std::string, std::vector<double>> col;
      for (const char* name :
           {"mean_baseline", "mean_scenario", "mean_diff", "sd_diff", "paired_ci95_low",
            "paired_ci95_high", "paired_half_width", "welch_ci95_low", "welch_ci95_high",
            "welch_half_width", "welch_df", "variance_reduction"}) {
        col[name] = h5::read_field_f64(ds.get(), name, ctx);
      }
      for (std::size_t i = 0; i < kpi.size(); ++i) {
        PairedComparison p;
        p.n = cnt[i];
        p.mean_a = col["mean_baseline"][i];
        p.mean_b = col["mean_scenario"][i];
        p.mean_diff = col["mean_diff"][i];
        p.sd_diff = col["sd_diff"][i];
        p.t_statistic = p.mean_diff / (p.sd_diff / std::sqrt(static_cast<double>(p.n)));
        p.paired_low = col["paired_ci95_low"][i];
        p.paired_high = col["paired_ci95_high"][i];
        p.paired_half_width = col["paired_half_width"][i];
        p.welch_low = col["welch_ci95_low"][i];
        p.welch_high = col["welch_ci95_high"][i];
        p.welch_half_width = col["welch_half_width"][i];
        p.welch_df = col["welch_df"][i];
        p.variance_reduction = col["variance_reduction"][i];
        c.rows.push_back(ComparisonRow{kpi[i], unit[i], year[i], p});
      }
      m.comparisons.push_back(std::move(c));
    }
  }
}

ResultReader::~ResultReader() = default;
ResultReader::ResultReader(ResultReader&&) noexcept = default;
ResultReader& ResultReader::operator=(ResultReader&&) noexcept = default;

const fs::path& ResultReader::path() const {
  return impl_->path;
}
const RunMeta& ResultReader::meta() const {
  return impl_->meta;
}
const std::vector<ScenarioConfig>& ResultReader::scenario_configs() const {
  return impl_->configs;
}
std::vector<std::string> ResultReader::scenarios() const {
  std::vector<std::string> out;
  for (const auto& s : impl_->set.scenarios) out.push_back(s.name);
  return out;
}
const std::vector<std::string>& ResultReader::years() const {
  return impl_->set.years;
}
const std::vector<KpiDef>& ResultReader::kpis(std::string_view scenario) const {
  return impl_->set.at(scenario).kpis;
}
const std::vector<std::uint32_t>& ResultReader::replications(std::string_view scenario) const {
  return impl_->set.at(scenario).replications;
}
std::vector<double> ResultReader::values(std::string_view scenario, std::string_view kpi,
                                         std::string_view year) const {
  const ScenarioResults& s = impl_->set.at(scenario);
  const std::size_t k = s.kpi_index(kpi);
  if (k == std::string::npos) {
    throw std::invalid_argument("scenario \"" + s.name + "\" has no KPI \"" + std::string(kpi) +
                                "\"");
  }
  const auto& ys = impl_->set.years;
  const auto y = std::find(ys.begin(), ys.end(), year);
  if (y == ys.end()) throw std::invalid_argument("unknown year \"" + std::string(year) + "\"");
  return s.column(static_cast<std::size_t>(y - ys.begin()), k, ys.size());
}
const ResultSet& ResultReader::results() const {
  return impl_->set;
}
const std::vector<SummaryRow>& ResultReader::summary(std::string_view scenario) const {
  const auto it = impl_->summaries.find(scenario);
  if (it == impl_->summaries.end()) {
    static_cast<void>(impl_->set.at(scenario));  // throws with the list of scenarios
    throw std::invalid_argument("no summary for scenario \"" + std::string(scenario) + "\"");
  }
  return it->second;
}
const std::vector<Comparison>& ResultReader::comparisons() const {
  return impl_->comparisons;
}

bool ResultReader::has_time_series(std::string_view scenario, std::uint32_t replication) const {
  return h5::link_exists(impl_->file.get(), impl_->rep_path(scenario, replication, "timeseries"));
}
bool ResultReader::has_events(std::string_view scenario, std::uint32_t replication) const {
  return h5::link_exists(impl_->file.get(), impl_->rep_path(scenario, replication, "events"));
}

std::vector<std::string> ResultReader::event_cohorts(std::string_view scenario,
                                                     std::uint32_t replication) const {
  h5::Id ds = h5::open_dataset(impl_->file.get(), impl_->rep_path(scenario, replication, "events"),
                               impl_->ctx);
  return h5::read_attr_strings(ds.get(), "cohorts", impl_->ctx);
}
std::vector<std::string> ResultReader::event_sites(std::string_view scenario,
                                                   std::uint32_t replication) const {
  h5::Id ds = h5::open_dataset(impl_->file.get(), impl_->rep_path(scenario, replication, "events"),
                               impl_->ctx);
  return h5::read_attr_strings(ds.get(), "sites", impl_->ctx);
}

void ResultReader::for_each_event_block(
    std::string_view scenario, std::uint32_t replication,
    const std::function<void(std::span<const EventRecord>)>& sink, std::size_t block_rows) const {
  const std::string& ctx = impl_->ctx;
  h5::Id ds =
      h5::open_dataset(impl_->file.get(), impl_->rep_path(scenario, replication, "events"), ctx);
  const std::uint64_t n = h5::rows(ds.get(), ctx);
  h5::Id mtype = h5::event_memory_type();
  block_rows = std::max<std::size_t>(block_rows, 1);
  h5::Id x = h5::read_plist(ds.get(), mtype.get(), std::min<std::uint64_t>(block_rows, n), ctx);
  std::vector<EventRecord> buf;
  for (std::uint64_t first = 0; first < n; first += block_rows) {
    const hsize_t count = std::min<std::uint64_t>(block_rows, n - first);
    buf.resize(count);
    h5::Id fspace = h5::check(H5Dget_space(ds.get()), ctx, "dataspace");
    const hsize_t start = first;
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr);
    h5::Id mspace = h5::check(H5Screate_simple(1, &count, nullptr), ctx, "dataspace");
    h5::check(H5Dread(ds.get(), mtype.get(), mspace.get(), fspace.get(), x.get(), buf.data()), ctx,
              "cannot read events");
    sink(std::span<const EventRecord>(buf));
  }
}

void ResultReader::for_each_sample_block(
    std::string_view scenario, std::uint32_t replication,
    const std::function<void(std::uint64_t, std::span<const SiteSample>)>& sink,
    std::size_t block_samples) const {
  const std::string& ctx = impl_->ctx;
  h5::Id ds = h5::open_dataset(impl_->file.get(),
                               impl_->rep_path(scenario, replication, "timeseries"), ctx);
  h5::Id space = h5::check(H5Dget_space(ds.get()), ctx, "dataspace");
  hsize_t dims[3] = {0, 0, 0};
  if (H5Sget_simple_extent_ndims(space.get()) != 3) throw ResultFileError(ctx + ": bad timeseries");
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  block_samples = std::max<std::size_t>(block_samples, 1);
  std::vector<SiteSample> buf;
  for (hsize_t first = 0; first < dims[0]; first += block_samples) {
    const hsize_t count[3] = {std::min<hsize_t>(block_samples, dims[0] - first), dims[1], 3};
    const hsize_t start[3] = {first, 0, 0};
    buf.resize(count[0] * count[1]);
    h5::Id fspace = h5::check(H5Dget_space(ds.get()), ctx, "dataspace");
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    h5::Id mspace = h5::check(H5Screate_simple(3, count, nullptr), ctx, "dataspace");
    h5::check(
        H5Dread(ds.get(), H5T_NATIVE_INT32, mspace.get(), fspace.get(), H5P_DEFAULT, buf.data()),
        ctx, "cannot read timeseries");
    sink(first, std::span<const SiteSample>(buf));
  }
}

TimeSeries ResultReader::time_series_header(std::string_view scenario,
                                            std::uint32_t replication) const {
  TimeSeries ts;
  h5::Id ds = h5::open_dataset(impl_->file.get(),
                               impl_->rep_path(scenario, replication, "timeseries"), impl_->ctx);
  ts.sites = h5::read_attr_strings(ds.get(), "sites", impl_->ctx);
  ts.interval_minutes = h5::read_attr_double(ds.get(), "interval_minutes", impl_->ctx);
  ts.samples = h5::rows(ds.get(), impl_->ctx);
  return ts;
}

TimeSeries ResultReader::time_series(std::string_view scenario, std::uint32_t replication) const {
  TimeSeries ts = time_series_header(scenario, replication);
  ts.data.reserve(ts.samples * ts.sites.size());
  for_each_sample_block(scenario, replication,
                        [&](std::uint64_t, std::span<const SiteSample> block) {
                          ts.data.insert(ts.data.end(), block.begin(), block.end());
                        });
  return ts;
}

// ==================================================================== inspect_file

namespace {

std::uint64_t fnv_bytes(const void* data, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string type_name(hid_t t) {
  switch (H5Tget_class(t)) {
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(t) == H5T_SGN_2;
      return std::string(is_signed ? "int" : "uint") + std::to_string(8 * H5Tget_size(t));
    }
    case H5T_FLOAT:
      return "float" + std::to_string(8 * H5Tget_size(t));
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    default:
      return "other";
  }
}

bool has_vlen(hid_t t) {
  return H5Tdetect_class(t, H5T_VLEN) > 0 || H5Tis_variable_str(t) > 0 ||
         (H5Tget_class(t) == H5T_COMPOUND && H5Tdetect_class(t, H5T_STRING) > 0 && [&] {
           const int n = H5Tget_nmembers(t);
           for (int i = 0; i < n; ++i) {
             h5::Id mt(H5Tget_member_type(t, static_cast<unsigned>(i)));
             if (H5Tis_variable_str(mt.get()) > 0) return true;
           }
           return false;
         }());
}

struct VisitState {
  std::vector<std::string> paths;
};

herr_t visit_link(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<VisitState*>(data)->paths.push_back(std::string("/") + name);
  return 0;
}

herr_t collect_attr(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

std::uint64_t attribute_hash(hid_t obj, const std::string& name, const std::string& ctx) {
  h5::Id attr = h5::check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), ctx, "attribute " + name);
  h5::Id t = h5::check(H5Aget_type(attr.get()), ctx, "attribute type");
  h5::Id space = h5::check(H5Aget_space(attr.get()), ctx, "attribute space");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (H5Tis_variable_str(t.get()) > 0) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    const bool scalar = H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
    const auto values = scalar
                            ? std::vector<std::string>{h5::read_attr_string(obj, name.c_str(), ctx)}
                            : h5::read_attr_strings(obj, name.c_str(), ctx);
    for (const auto& v : values) h = fnv_bytes(v.data(), v.size() + 1, h);
    return h;
  }
  std::vector<unsigned char> buf(H5Tget_size(t.get()) *
                                 static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
  if (!buf.empty()) h5::check(H5Aread(attr.get(), t.get(), buf.data()), ctx, "attribute " + name);
  return fnv_bytes(buf.data(), buf.size());
}

}  // namespace

std::vector<ObjectInfo> inspect_file(const fs::path& path) {
  const std::string ctx = path.string();
  h5::Id file = open_file_ro(path, ctx);
  VisitState state;
  state.paths.emplace_back("/");
  h5::check(H5Lvisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, visit_link, &state), ctx,
            "cannot walk the file");
  std::sort(state.paths.begin(), state.paths.end());
  std::vector<ObjectInfo> out;
  for (const auto& p : state.paths) {
    ObjectInfo info;
    info.path = p;
    h5::Id obj = h5::check(H5Oopen(file.get(), p.c_str(), H5P_DEFAULT), ctx, "cannot open " + p);
    hsize_t idx = 0;
    H5Aiterate2(obj.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attr, &info.attributes);
    std::sort(info.attributes.begin(), info.attributes.end());
    for (const auto& a : info.attributes) {
      info.attribute_hashes.push_back(attribute_hash(obj.get(), a, ctx));
    }
    if (H5Iget_type(obj.get()) == H5I_DATASET) {
      info.is_dataset = true;
      h5::Id t = h5::check(H5Dget_type(obj.get()), ctx, "type");
      info.dtype = type_name(t.get());
      info.fields = h5::field_names(obj.get(), ctx);
      h5::Id space = h5::check(H5Dget_space(obj.get()), ctx, "dataspace");
      const int rank = H5Sget_simple_extent_ndims(space.get());
      std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
      if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
      info.shape.assign(dims.begin(), dims.end());
      const auto npoints = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
      if (!has_vlen(t.get())) {
        std::vector<unsigned char> buf(H5Tget_size(t.get()) * npoints);
        if (!buf.empty()) {
          h5::Id x = h5::xfer_plist(t.get(), t.get(), npoints);
          h5::check(H5Dread(obj.get(), t.get(), h5::kAll, h5::kAll, x.get(), buf.data()), ctx,
                    "cannot read " + p);
        }
        info.content_hash = fnv_bytes(buf.data(), buf.size());
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace carepath::outputs
