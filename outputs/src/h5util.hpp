#pragma once
// Private HDF5 helpers of carepath_outputs (RAII ids, attributes, strings, compound columns).
// Only files under outputs/src include this (and hdf5.h).
#include <carepath/outputs/result_file.hpp>

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carepath::outputs::h5 {

// The HDF5 macros H5S_ALL and H5T_VARIABLE use C casts; these are the same values.
inline constexpr hid_t kAll = 0;
inline constexpr std::size_t kVariable = static_cast<std::size_t>(-1);

/// Turns off HDF5's own error printing (once per process); errors become exceptions.
void init();

/// The innermost message of the current HDF5 error stack ("" if none).
std::string last_error();

/// Throws ResultFileError("<context>: <what>[ (HDF5: <hdf5 message>)]"), with
/// ": no space left on device" when the file system is full.
[[noreturn]] void fail(const std::string& context, const std::string& what);

/// Owns an HDF5 id of any kind and closes it with the right function.
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  ~Id() { reset(); }
  Id(Id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Id& operator=(Id&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }
  void reset();
  /// Gives up ownership (e.g. to close explicitly and check the status).
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// Checks an id returned by HDF5 (throws via fail on < 0).
Id check(hid_t id, const std::string& context, const std::string& what);
void check(herr_t status, const std::string& context, const std::string& what);

// ---- types
Id fixed_string_type(std::size_t size);  ///< UTF-8, NULL-padded, at least 1 byte
Id vlen_string_type();                   ///< UTF-8 variable-length
Id event_enum_type();                    ///< u8 enum with the EventCode names
Id event_file_type();                    ///< packed compound (17 bytes)
Id event_memory_type();                  ///< matches struct EventRecord

// ---- property lists
Id object_create_plist(hid_t cls);  ///< group/dataset creation plist without time tracking
Id link_create_plist();             ///< creates intermediate groups

// ---- attributes (scalar unless noted)
void write_attr(hid_t obj, const char* name, std::string_view value, const std::string& ctx);
void write_attr(hid_t obj, const char* name, std::uint64_t value, const std::string& ctx);
void write_attr(hid_t obj, const char* name, std::uint32_t value, const std::string& ctx);
void write_attr(hid_t obj, const char* name, std::uint8_t value, const std::string& ctx);
void write_attr(hid_t obj, const char* name, double value, const std::string& ctx);
void write_attr(hid_t obj, const char* name, const std::vector<std::string>& values,
                const std::string& ctx);
bool has_attr(hid_t obj, const char* name);
std::string read_attr_string(hid_t obj, const char* name, const std::string& ctx);
std::uint64_t read_attr_u64(hid_t obj, const char* name, const std::string& ctx);
double read_attr_double(hid_t obj, const char* name, const std::string& ctx);
std::vector<std::string> read_attr_strings(hid_t obj, const char* name, const std::string& ctx);

// ---- datasets
Id create_group(hid_t parent, const std::string& name, const std::string& ctx);
Id open_group(hid_t parent, const std::string& name, const std::string& ctx);
Id open_dataset(hid_t parent, const std::string& name, const std::string& ctx);
bool link_exists(hid_t parent, const std::string& path);
/// 1-D dataset of fixed-length strings.
void write_strings(hid_t parent, const char* name, const std::vector<std::string>& values,
                   const std::string& ctx);
std::vector<std::string> read_strings(hid_t parent, const char* name, const std::string& ctx);
/// Scalar dataset holding one fixed-length string (e.g. YAML text).
void write_text(hid_t parent, const char* name, std::string_view text, const std::string& ctx);
std::string read_text(hid_t parent, const char* name, const std::string& ctx);
/// Number of rows of a 1-D dataset (or extent of dimension 0).
std::uint64_t rows(hid_t dataset, const std::string& ctx);
/// A transfer property list whose type-conversion buffers fit `elements` of the larger of
/// `file_type` and `mem_type` (at most HDF5's 1 MiB default): HDF5 otherwise allocates and zeroes
/// two 1 MiB buffers on every converting read or write, however small the dataset.
Id xfer_plist(hid_t file_type, hid_t mem_type, std::uint64_t elements);
/// xfer_plist for reading up to `elements` rows of `dataset` into `mem_type`.
Id read_plist(hid_t dataset, hid_t mem_type, std::uint64_t elements, const std::string& ctx);

/// A packed compound row layout built field by field, filled into a byte buffer.
class CompoundBuilder {
 public:
  void add_string(const std::string& name, std::size_t size);
  void add_u32(const std::string& name);
  void add_f64(const std::string& name);
  void add_u8(const std::string& name);
  [[nodiscard]] std::size_t row_size() const { return size_; }
  [[nodiscard]] std::size_t field_count() const { return fields_.size(); }
  /// Creates the HDF5 compound type.
  [[nodiscard]] Id type() const;
  /// Writes field i of row `row` into `buffer`.
  void set_string(std::vector<unsigned char>& buffer, std::size_t row, std::size_t field,
                  std::string_view value) const;
  void set_u32(std::vector<unsigned char>& buffer, std::size_t row, std::size_t field,
               std::uint32_t value) const;
  void set_f64(std::vector<unsigned char>& buffer, std::size_t row, std::size_t field,
               double value) const;
  void set_u8(std::vector<unsigned char>& buffer, std::size_t row, std::size_t field,
              std::uint8_t value) const;

 private:
  enum class Kind { string, u32, f64, u8 };
  struct Field {
    std::string name;
    Kind kind;
    std::size_t offset;
    std::size_t size;
  };
  std::vector<Field> fields_;
  std::size_t size_ = 0;
};
/// Writes `rows` rows of `buffer` as a (contiguous, or chunked+compressed if large) 1-D dataset.
void write_compound(hid_t parent, const char* name, const CompoundBuilder& layout,
                    const std::vector<unsigned char>& buffer, std::size_t rows,
                    const std::string& ctx);
/// Reads one member of a 1-D compound dataset, by name.
std::vector<double> read_field_f64(hid_t dataset, const char* field, const std::string& ctx);
/// Several float64 columns of a compound dataset in one read: row-major, [row * fields + k].
std::vector<double> read_fields_f64(hid_t dataset, const std::vector<std::string>& fields,
                                    const std::string& ctx);
std::vector<std::uint32_t> read_field_u32(hid_t dataset, const char* field, const std::string& ctx);
std::vector<std::string> read_field_string(hid_t dataset, const char* field,
                                           const std::string& ctx);
/// A 2-D float64 dataset [rows, cols] from row-major `data` (contiguous, or chunked and
/// compressed if large; the layout never depends on anything but the shape).
void write_matrix_f64(hid_t parent, const char* name, std::size_t rows, std::size_t cols,
                      const std::vector<double>& data, const std::string& ctx);
/// Reads a 2-D float64 dataset, row-major; sets rows and cols.
std::vector<double> read_matrix_f64(hid_t dataset, std::size_t& rows, std::size_t& cols,
                                    const std::string& ctx);
/// Copies a chunked dataset `name` of `src` to `dst` (same name): type, shape, creation
/// properties (filters), every chunk's stored bytes as they are (H5Dread_chunk/H5Dwrite_chunk,
/// no decompression) and every attribute. Used instead of H5Ocopy, which crashes inside HDF5
/// 1.10 when the disk fills up during the copy; every step here is checked.
void copy_chunked_dataset(hid_t src, const char* name, hid_t dst, const std::string& ctx);
/// Member names of a compound dataset, in order.
std::vector<std::string> field_names(hid_t dataset, const std::string& ctx);

std::string trim_nul(const char* data, std::size_t size);

}  // namespace carepath::outputs::h5
