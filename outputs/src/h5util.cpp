#include "h5util.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>

namespace carepath::outputs::h5 {

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    // No library shutdown at exit: after a failed write (disk full) HDF5 1.10 cannot close the
    // file, and its atexit handler then crashes trying again. Our files are closed explicitly.
    H5dont_atexit();
    H5open();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  });
}

namespace {
struct ErrorWalk {
  std::string first;
  bool no_space = false;
};

herr_t error_walker(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<ErrorWalk*>(data);
  if (err->desc == nullptr) return 0;
  if (n == 0) out->first = err->desc;
  // The sec2 driver reports a failed write(2) as "... errno = 28, error message = 'No space
  // left on device' ...".
  if (std::strstr(err->desc, "No space left on device") != nullptr ||
      std::strstr(err->desc, "errno = 28,") != nullptr) {
    out->no_space = true;
  }
  return 0;
}

ErrorWalk walk_errors() {
  ErrorWalk walk;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, error_walker, &walk);
  H5Eclear2(H5E_DEFAULT);
  return walk;
}
}  // namespace

std::string last_error() {
  return walk_errors().first;
}

void fail(const std::string& context, const std::string& what) {
  const int saved_errno = errno;
  const ErrorWalk walk = walk_errors();
  const bool no_space = walk.no_space || saved_errno == ENOSPC || saved_errno == EDQUOT;
  throw ResultFileError(context + ": " + what + (no_space ? ": no space left on device" : "") +
                        (walk.first.empty() ? "" : " (HDF5: " + walk.first + ")"));
}

void Id::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      H5Fclose(id_);
      break;
    case H5I_GROUP:
      H5Gclose(id_);
      break;
    case H5I_DATASET:
      H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      H5Tclose(id_);
      break;
    case H5I_ATTR:
      H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id_);
      break;
    default:
      H5Idec_ref(id_);
      break;
  }
  id_ = H5I_INVALID_HID;
}

Id check(hid_t id, const std::string& context, const std::string& what) {
  if (id < 0) fail(context, what);
  return Id(id);
}

void check(herr_t status, const std::string& context, const std::string& what) {
  if (status < 0) fail(context, what);
}

// ---------------------------------------------------------------- types

Id fixed_string_type(std::size_t size) {
  Id t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), std::max<std::size_t>(size, 1));
  H5Tset_strpad(t.get(), H5T_STR_NULLPAD);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

Id vlen_string_type() {
  Id t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), kVariable);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

Id event_enum_type() {
  Id t(H5Tenum_create(H5T_NATIVE_UINT8));
  for (std::size_t i = 0; i < kEventCodeCount; ++i) {
    const auto v = static_cast<std::uint8_t>(i);
    const std::string name(event_code_name(static_cast<EventCode>(v)));
    H5Tenum_insert(t.get(), name.c_str(), &v);
  }
  return t;
}

Id event_file_type() {
  Id t(H5Tcreate(H5T_COMPOUND, 17));
  Id e = event_enum_type();
  H5Tinsert(t.get(), "patient", 0, H5T_STD_U32LE);
  H5Tinsert(t.get(), "cohort", 4, H5T_STD_U16LE);
  H5Tinsert(t.get(), "site", 6, H5T_STD_U16LE);
  H5Tinsert(t.get(), "event", 8, e.get());
  H5Tinsert(t.get(), "time", 9, H5T_IEEE_F64LE);
  return t;
}

Id event_memory_type() {
  Id t(H5Tcreate(H5T_COMPOUND, sizeof(EventRecord)));
  Id e = event_enum_type();
  H5Tinsert(t.get(), "patient", offsetof(EventRecord, patient), H5T_NATIVE_UINT32);
  H5Tinsert(t.get(), "cohort", offsetof(EventRecord, cohort), H5T_NATIVE_UINT16);
  H5Tinsert(t.get(), "site", offsetof(EventRecord, site), H5T_NATIVE_UINT16);
  H5Tinsert(t.get(), "event", offsetof(EventRecord, event), e.get());
  H5Tinsert(t.get(), "time", offsetof(EventRecord, time), H5T_NATIVE_DOUBLE);
  return t;
}

Id object_create_plist(hid_t cls) {
  Id p(H5Pcreate(cls));
  H5Pset_obj_track_times(p.get(), false);
  return p;
}

Id link_create_plist() {
  Id p(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(p.get(), 1);
  return p;
}

// ---------------------------------------------------------------- attributes

namespace {
void write_attr_raw(hid_t obj, const char* name, hid_t file_type, hid_t mem_type, const void* data,
                    const std::string& ctx) {
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  Id space = check(H5Screate(H5S_SCALAR), ctx, "dataspace");
  Id attr = check(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), ctx,
                  std::string("cannot create attribute ") + name);
  check(H5Awrite(attr.get(), mem_type, data), ctx, std::string("cannot write attribute ") + name);
}
}  // namespace

void write_attr(hid_t obj, const char* name, std::string_view value, const std::string& ctx) {
  Id t = vlen_string_type();
  const std::string copy(value);
  const char* p = copy.c_str();
  write_attr_raw(obj, name, t.get(), t.get(), &p, ctx);
}

void write_attr(hid_t obj, const char* name, std::uint64_t value, const std::string& ctx) {
  write_attr_raw(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value, ctx);
}
void write_attr(hid_t obj, const char* name, std::uint32_t value, const std::string& ctx) {
  write_attr_raw(obj, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, &value, ctx);
}
void write_attr(hid_t obj, const char* name, std::uint8_t value, const std::string& ctx) {
  write_attr_raw(obj, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, &value, ctx);
}
void write_attr(hid_t obj, const char* name, double value, const std::string& ctx) {
  write_attr_raw(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, ctx);
}

void write_attr(hid_t obj, const char* name, const std::vector<std::string>& values,
                const std::string& ctx) {
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  Id t = vlen_string_type();
  const hsize_t n = values.size();
  Id space = check(H5Screate_simple(1, &n, nullptr), ctx, "dataspace");
  Id attr = check(H5Acreate2(obj, name, t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), ctx,
                  std::string("cannot create attribute ") + name);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  check(H5Awrite(attr.get(), t.get(), ptrs.data()), ctx,
        std::string("cannot write attribute ") + name);
}

bool has_attr(hid_t obj, const char* name) {
  return H5Aexists(obj, name) > 0;
}

std::string read_attr_string(hid_t obj, const char* name, const std::string& ctx) {
  Id attr = check(H5Aopen(obj, name, H5P_DEFAULT), ctx, std::string("missing attribute ") + name);
  Id ftype = check(H5Aget_type(attr.get()), ctx, "attribute type");
  if (H5Tget_class(ftype.get()) != H5T_STRING)
    fail(ctx, std::string("attribute ") + name + " is not a string");
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Id t = vlen_string_type();
    char* p = nullptr;
    check(H5Aread(attr.get(), t.get(), &p), ctx, std::string("cannot read attribute ") + name);
    std::string out = p != nullptr ? p : "";
    H5free_memory(p);
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.get());
  std::vector<char> buf(size);
  check(H5Aread(attr.get(), ftype.get(), buf.data()), ctx,
        std::string("cannot read attribute ") + name);
  return trim_nul(buf.data(), size);
}

std::uint64_t read_attr_u64(hid_t obj, const char* name, const std::string& ctx) {
  Id attr = check(H5Aopen(obj, name, H5P_DEFAULT), ctx, std::string("missing attribute ") + name);
  std::uint64_t v = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_UINT64, &v), ctx,
        std::string("cannot read attribute ") + name);
  return v;
}

double read_attr_double(hid_t obj, const char* name, const std::string& ctx) {
  Id attr = check(H5Aopen(obj, name, H5P_DEFAULT), ctx, std::string("missing attribute ") + name);
  double v = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v), ctx,
        std::string("cannot read attribute ") + name);
  return v;
}

std::vector<std::string> read_attr_strings(hid_t obj, const char* name, const std::string& ctx) {
  Id attr = check(H5Aopen(obj, name, H5P_DEFAULT), ctx, std::string("missing attribute ") + name);
  Id space = check(H5Aget_space(attr.get()), ctx, "attribute space");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<char*> ptrs(static_cast<std::size_t>(std::max<hssize_t>(n, 0)), nullptr);
  Id t = vlen_string_type();
  if (!ptrs.empty()) {
    check(H5Aread(attr.get(), t.get(), ptrs.data()), ctx,
          std::string("cannot read attribute ") + name);
  }
  std::vector<std::string> out;
  out.reserve(ptrs.size());
  for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
  if (!ptrs.empty()) H5Dvlen_reclaim(t.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

// ---------------------------------------------------------------- groups and datasets

Id create_group(hid_t parent, const std::string& name, const std::string& ctx) {
  Id lcpl = link_create_plist();
  Id gcpl = object_create_plist(H5P_GROUP_CREATE);
  return check(H5Gcreate2(parent, name.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT), ctx,
               "cannot create group " + name);
}

Id open_group(hid_t parent, const std::string& name, const std::string& ctx) {
  return check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), ctx, "missing group " + name);
}

Id open_dataset(hid_t parent, const std::string& name, const std::string& ctx) {
  return check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), ctx, "missing dataset " + name);
}

bool link_exists(hid_t parent, const std::string& path) {
  // Check every component, as H5Lexists fails on a missing intermediate group.
  std::size_t pos = 0;
  while (true) {
    const std::size_t slash = path.find('/', pos);
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && H5Lexists(parent, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
    pos = slash + 1;
  }
}

std::string trim_nul(const char* data, std::size_t size) {
  std::size_t len = 0;
  while (len < size && data[len] != '\0') ++len;
  return std::string(data, len);
}

void write_strings(hid_t parent, const char* name, const std::vector<std::string>& values,
                   const std::string& ctx) {
  std::size_t size = 1;
  for (const auto& v : values) size = std::max(size, v.size());
  Id t = fixed_string_type(size);
  const hsize_t n = values.size();
  Id space = check(H5Screate_simple(1, &n, nullptr), ctx, "dataspace");
  Id lcpl = link_create_plist();
  Id dcpl = object_create_plist(H5P_DATASET_CREATE);
  Id ds = check(H5Dcreate2(parent, name, t.get(), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
                ctx, std::string("cannot create dataset ") + name);
  std::vector<char> buf(size * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::memcpy(buf.data() + i * size, values[i].data(), values[i].size());
  }
  if (!values.empty()) {
    check(H5Dwrite(ds.get(), t.get(), kAll, kAll, H5P_DEFAULT, buf.data()), ctx,
          std::string("cannot write dataset ") + name);
  }
}

std::vector<std::string> read_strings(hid_t parent, const char* name, const std::string& ctx) {
  Id ds = open_dataset(parent, name, ctx);
  Id t = check(H5Dget_type(ds.get()), ctx, "type");
  const std::size_t n = rows(ds.get(), ctx);
  std::vector<std::string> out;
  if (H5Tis_variable_str(t.get()) > 0) {
    fail(ctx, std::string("dataset ") + name + " holds variable-length strings (unsupported)");
  }
  const std::size_t size = H5Tget_size(t.get());
  std::vector<char> buf(size * n);
  if (n > 0) {
    Id x = xfer_plist(t.get(), t.get(), n);
    check(H5Dread(ds.get(), t.get(), kAll, kAll, x.get(), buf.data()), ctx,
          std::string("cannot read dataset ") + name);
  }
  for (std::size_t i = 0; i < n; ++i) out.push_back(trim_nul(buf.data() + i * size, size));
  return out;
}

void write_text(hid_t parent, const char* name, std::string_view text, const std::string& ctx) {
  Id t = fixed_string_type(text.size());
  Id space = check(H5Screate(H5S_SCALAR), ctx, "dataspace");
  Id lcpl = link_create_plist();
  Id dcpl = object_create_plist(H5P_DATASET_CREATE);
  Id ds = check(H5Dcreate2(parent, name, t.get(), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
                ctx, std::string("cannot create dataset ") + name);
  std::vector<char> buf(std::max<std::size_t>(text.size(), 1), '\0');
  std::memcpy(buf.data(), text.data(), text.size());
  check(H5Dwrite(ds.get(), t.get(), kAll, kAll, H5P_DEFAULT, buf.data()), ctx,
        std::string("cannot write dataset ") + name);
}

std::string read_text(hid_t parent, const char* name, const std::string& ctx) {
  Id ds = open_dataset(parent, name, ctx);
  Id t = check(H5Dget_type(ds.get()), ctx, "type");
  const std::size_t size = H5Tget_size(t.get());
  std::vector<char> buf(size);
  check(H5Dread(ds.get(), t.get(), kAll, kAll, H5P_DEFAULT, buf.data()), ctx,
        std::string("cannot read dataset ") + name);
  return trim_nul(buf.data(), size);
}

Id xfer_plist(hid_t file_type, hid_t mem_type, std::uint64_t elements) {
  Id p = check(H5Pcreate(H5P_DATASET_XFER), "HDF5", "transfer property list");
  const std::size_t one = std::max(H5Tget_size(file_type), H5Tget_size(mem_type));
  const std::uint64_t want = std::max<std::uint64_t>(elements, 1) * std::max<std::size_t>(one, 1);
  const std::uint64_t size = std::max<std::uint64_t>(std::min<std::uint64_t>(want, 1u << 20), one);
  check(H5Pset_buffer(p.get(), static_cast<std::size_t>(size), nullptr, nullptr), "HDF5",
        "transfer buffer");
  return p;
}

Id read_plist(hid_t dataset, hid_t mem_type, std::uint64_t elements, const std::string& ctx) {
  Id ftype = check(H5Dget_type(dataset), ctx, "type");
  return xfer_plist(ftype.get(), mem_type, elements);
}

std::uint64_t rows(hid_t dataset, const std::string& ctx) {
  Id space = check(H5Dget_space(dataset), ctx, "dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank <= 0) return rank == 0 ? 1 : 0;
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims[0];
}

// ---------------------------------------------------------------- compounds

void CompoundBuilder::add_string(const std::string& name, std::size_t size) {
  size = std::max<std::size_t>(size, 1);
  fields_.push_back(Field{name, Kind::string, size_, size});
  size_ += size;
}
void CompoundBuilder::add_u32(const std::string& name) {
  fields_.push_back(Field{name, Kind::u32, size_, 4});
  size_ += 4;
}
void CompoundBuilder::add_f64(const std::string& name) {
  fields_.push_back(Field{name, Kind::f64, size_, 8});
  size_ += 8;
}
void CompoundBuilder::add_u8(const std::string& name) {
  fields_.push_back(Field{name, Kind::u8, size_, 1});
  size_ += 1;
}

Id CompoundBuilder::type() const {
  Id t(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(size_, 1)));
  for (const auto& f : fields_) {
    switch (f.kind) {
      case Kind::string: {
        Id s = fixed_string_type(f.size);
        H5Tinsert(t.get(), f.name.c_str(), f.offset, s.get());
        break;
      }
      case Kind::u32:
        H5Tinsert(t.get(), f.name.c_str(), f.offset, H5T_NATIVE_UINT32);
        break;
      case Kind::f64:
        H5Tinsert(t.get(), f.name.c_str(), f.offset, H5T_NATIVE_DOUBLE);
        break;
      case Kind::u8:
        H5Tinsert(t.get(), f.name.c_str(), f.offset, H5T_NATIVE_UINT8);
        break;
    }
  }
  return t;
}

void CompoundBuilder::set_string(std::vector<unsigned char>& buffer, std::size_t row,
                                 std::size_t field, std::string_view value) const {
  const Field& f = fields_[field];
  unsigned char* dst = buffer.data() + row * size_ + f.offset;
  std::memset(dst, 0, f.size);
  std::memcpy(dst, value.data(), std::min(value.size(), f.size));
}
void CompoundBuilder::set_u32(std::vector<unsigned char>& buffer, std::size_t row,
                              std::size_t field, std::uint32_t value) const {
  std::memcpy(buffer.data() + row * size_ + fields_[field].offset, &value, 4);
}
void CompoundBuilder::set_f64(std::vector<unsigned char>& buffer, std::size_t row,
                              std::size_t field, double value) const {
  std::memcpy(buffer.data() + row * size_ + fields_[field].offset, &value, 8);
}

void CompoundBuilder::set_u8(std::vector<unsigned char>& buffer, std::size_t row, std::size_t field,
                             std::uint8_t value) const {
  buffer[row * size_ + fields_[field].offset] = value;
}

void write_matrix_f64(hid_t parent, const char* name, std::size_t n_rows, std::size_t n_cols,
                      const std::vector<double>& data, const std::string& ctx) {
  if (data.size() != n_rows * n_cols) fail(ctx, std::string("bad matrix size for ") + name);
  const hsize_t dims[2] = {n_rows, n_cols};
  Id space = check(H5Screate_simple(2, dims, nullptr), ctx, "dataspace");
  Id lcpl = link_create_plist();
  Id dcpl = object_create_plist(H5P_DATASET_CREATE);
  if (data.size() * sizeof(double) > (1u << 20)) {
    // Chunks of whole rows (one replication-year each), at most ~256 KiB wide.
    const hsize_t cols = std::min<hsize_t>(n_cols, (1u << 18) / sizeof(double));
    const hsize_t rows_per = std::max<hsize_t>(1, ((1u << 18) / sizeof(double)) / cols);
    const hsize_t chunk[2] = {std::min<hsize_t>(rows_per, n_rows), cols};
    check(H5Pset_chunk(dcpl.get(), 2, chunk), ctx, "chunking");
    check(H5Pset_shuffle(dcpl.get()), ctx, "shuffle");
    check(H5Pset_deflate(dcpl.get(), 4), ctx, "deflate");
  }
  Id ds = check(
      H5Dcreate2(parent, name, H5T_IEEE_F64LE, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
      ctx, std::string("cannot create dataset ") + name);
  if (!data.empty()) {
    check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, kAll, kAll, H5P_DEFAULT, data.data()), ctx,
          std::string("cannot write dataset ") + name);
  }
}

std::vector<double> read_matrix_f64(hid_t dataset, std::size_t& n_rows, std::size_t& n_cols,
                                    const std::string& ctx) {
  Id space = check(H5Dget_space(dataset), ctx, "dataspace");
  if (H5Sget_simple_extent_ndims(space.get()) != 2) fail(ctx, "expected a 2-D dataset");
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  n_rows = dims[0];
  n_cols = dims[1];
  std::vector<double> out(n_rows * n_cols);
  if (!out.empty()) {
    check(H5Dread(dataset, H5T_NATIVE_DOUBLE, kAll, kAll, H5P_DEFAULT, out.data()), ctx,
          "cannot read a float64 table");
  }
  return out;
}

void write_compound(hid_t parent, const char* name, const CompoundBuilder& layout,
                    const std::vector<unsigned char>& buffer, std::size_t n_rows,
                    const std::string& ctx) {
  Id t = layout.type();
  const hsize_t n = n_rows;
  Id space = check(H5Screate_simple(1, &n, nullptr), ctx, "dataspace");
  Id lcpl = link_create_plist();
  Id dcpl = object_create_plist(H5P_DATASET_CREATE);
  if (n_rows * layout.row_size() > (1u << 20)) {
    const hsize_t chunk =
        std::max<hsize_t>(1, (1u << 18) / std::max<std::size_t>(layout.row_size(), 1));
    const hsize_t c = std::min(chunk, n);
    H5Pset_chunk(dcpl.get(), 1, &c);
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 4);
  }
  Id ds = check(H5Dcreate2(parent, name, t.get(), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
                ctx, std::string("cannot create dataset ") + name);
  if (n_rows > 0) {
    Id x = xfer_plist(t.get(), t.get(), n_rows);
    check(H5Dwrite(ds.get(), t.get(), kAll, kAll, x.get(), buffer.data()), ctx,
          std::string("cannot write dataset ") + name);
  }
}

namespace {
template <class T>
std::vector<T> read_numeric_field(hid_t dataset, const char* field, hid_t native,
                                  const std::string& ctx) {
  const std::size_t n = rows(dataset, ctx);
  Id t(H5Tcreate(H5T_COMPOUND, sizeof(T)));
  H5Tinsert(t.get(), field, 0, native);
  std::vector<T> out(n);
  if (n > 0) {
    Id x = read_plist(dataset, t.get(), n, ctx);
    check(H5Dread(dataset, t.get(), kAll, kAll, x.get(), out.data()), ctx,
          std::string("cannot read column ") + field);
  }
  return out;
}
}  // namespace

std::vector<double> read_field_f64(hid_t dataset, const char* field, const std::string& ctx) {
  return read_numeric_field<double>(dataset, field, H5T_NATIVE_DOUBLE, ctx);
}
std::vector<double> read_fields_f64(hid_t dataset, const std::vector<std::string>& fields,
                                    const std::string& ctx) {
  const std::size_t n = rows(dataset, ctx);
  std::vector<double> out(n * fields.size());
  if (n == 0 || fields.empty()) return out;
  Id t(H5Tcreate(H5T_COMPOUND, sizeof(double) * fields.size()));
  for (std::size_t k = 0; k < fields.size(); ++k) {
    H5Tinsert(t.get(), fields[k].c_str(), sizeof(double) * k, H5T_NATIVE_DOUBLE);
  }
  Id x = read_plist(dataset, t.get(), n, ctx);
  check(H5Dread(dataset, t.get(), kAll, kAll, x.get(), out.data()), ctx,
        "cannot read the KPI columns");
  return out;
}
std::vector<std::uint32_t> read_field_u32(hid_t dataset, const char* field,
                                          const std::string& ctx) {
  return read_numeric_field<std::uint32_t>(dataset, field, H5T_NATIVE_UINT32, ctx);
}

std::vector<std::string> read_field_string(hid_t dataset, const char* field,
                                           const std::string& ctx) {
  Id ftype = check(H5Dget_type(dataset), ctx, "type");
  const int idx = H5Tget_member_index(ftype.get(), field);
  if (idx < 0) fail(ctx, std::string("missing column ") + field);
  Id mtype = check(H5Tget_member_type(ftype.get(), static_cast<unsigned>(idx)), ctx, "member");
  const std::size_t size = H5Tget_size(mtype.get());
  Id t(H5Tcreate(H5T_COMPOUND, size));
  H5Tinsert(t.get(), field, 0, mtype.get());
  const std::size_t n = rows(dataset, ctx);
  std::vector<char> buf(size * n);
  if (n > 0) {
    Id x = xfer_plist(ftype.get(), t.get(), n);
    check(H5Dread(dataset, t.get(), kAll, kAll, x.get(), buf.data()), ctx,
          std::string("cannot read column ") + field);
  }
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(trim_nul(buf.data() + i * size, size));
  return out;
}

namespace {

herr_t copy_attribute(hid_t src_obj, const char* name, const H5A_info_t* /*info*/, void* data) {
  auto* dst_obj = static_cast<hid_t*>(data);
  Id attr(H5Aopen(src_obj, name, H5P_DEFAULT));
  if (!attr.valid()) return -1;
  Id type(H5Aget_type(attr.get()));
  Id space(H5Aget_space(attr.get()));
  if (!type.valid() || !space.valid()) return -1;
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) return -1;
  Id out(H5Acreate2(*dst_obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!out.valid()) return -1;
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char*> strings(static_cast<std::size_t>(n), nullptr);
    if (H5Aread(attr.get(), type.get(), strings.data()) < 0) return -1;
    const herr_t w = H5Awrite(out.get(), type.get(), strings.data());
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, strings.data());
    return w < 0 ? -1 : 0;
  }
  std::vector<unsigned char> buf(H5Tget_size(type.get()) * static_cast<std::size_t>(n));
  if (H5Aread(attr.get(), type.get(), buf.data()) < 0) return -1;
  return H5Awrite(out.get(), type.get(), buf.data()) < 0 ? -1 : 0;
}

}  // namespace

void copy_chunked_dataset(hid_t src, const char* name, hid_t dst, const std::string& ctx) {
  const std::string what = std::string("cannot copy ") + name;
  Id in = check(H5Dopen2(src, name, H5P_DEFAULT), ctx, what);
  Id type = check(H5Dget_type(in.get()), ctx, what);
  Id space = check(H5Dget_space(in.get()), ctx, what);
  Id dcpl = check(H5Dget_create_plist(in.get()), ctx, what);
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) fail(ctx, what + ": not chunked");
  check(H5Pset_obj_track_times(dcpl.get(), false), ctx, what);
  Id out =
      check(H5Dcreate2(dst, name, type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
            ctx, what);
  hsize_t n_chunks = 0;
  check(H5Dget_num_chunks(in.get(), space.get(), &n_chunks), ctx, what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank <= 0) fail(ctx, what + ": bad rank");
  std::vector<hsize_t> offset(static_cast<std::size_t>(rank));
  std::vector<unsigned char> buf;
  for (hsize_t i = 0; i < n_chunks; ++i) {
    unsigned mask = 0;
    haddr_t addr = 0;
    hsize_t size = 0;
    check(H5Dget_chunk_info(in.get(), space.get(), i, offset.data(), &mask, &addr, &size), ctx,
          what);
    buf.resize(size);
    check(H5Dread_chunk(in.get(), H5P_DEFAULT, offset.data(), &mask, buf.data()), ctx, what);
    check(H5Dwrite_chunk(out.get(), H5P_DEFAULT, mask, offset.data(), size, buf.data()), ctx, what);
  }
  hid_t out_id = out.get();
  hsize_t idx = 0;
  check(H5Aiterate2(in.get(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, copy_attribute, &out_id), ctx,
        what + " (attributes)");
}

std::vector<std::string> field_names(hid_t dataset, const std::string& ctx) {
  Id t = check(H5Dget_type(dataset), ctx, "type");
  std::vector<std::string> out;
  if (H5Tget_class(t.get()) != H5T_COMPOUND) return out;
  const int n = H5Tget_nmembers(t.get());
  for (int i = 0; i < n; ++i) {
    char* name = H5Tget_member_name(t.get(), static_cast<unsigned>(i));
    out.emplace_back(name);
    H5free_memory(name);
  }
  return out;
}

}  // namespace carepath::outputs::h5
