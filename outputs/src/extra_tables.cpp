// Generic reading of compound datasets under a group (for /sweep and /sizing in the report).
#include "extra_tables.hpp"

#include "h5util.hpp"

#include <algorithm>

namespace carepath::outputs {
namespace {

struct Walk {
  std::vector<std::string> datasets;
};

herr_t visit(hid_t /*obj*/, const char* name, const H5O_info_t* info, void* data) {
  if (info->type == H5O_TYPE_DATASET) static_cast<Walk*>(data)->datasets.emplace_back(name);
  return 0;
}

std::vector<std::pair<std::string, std::string>> attributes_of(hid_t obj, const std::string& ctx) {
  std::vector<std::pair<std::string, std::string>> out;
  H5O_info_t info;
  if (H5Oget_info(obj, &info) < 0) return out;
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    char name[256];
    h5::Id attr(H5Aopen_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT));
    if (!attr.valid()) continue;
    if (H5Aget_name(attr.get(), sizeof name, name) < 0) continue;
    h5::Id type(H5Aget_type(attr.get()));
    h5::Id space(H5Aget_space(attr.get()));
    if (H5Sget_simple_extent_npoints(space.get()) != 1) continue;
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls == H5T_STRING) {
      out.emplace_back(name, h5::read_attr_string(obj, name, ctx));
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
      double v = 0;
      if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) >= 0) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.10g", v);
        out.emplace_back(name, buf);
      }
    }
  }
  return out;
}

}  // namespace

std::vector<ExtraTable> read_extra_tables(const std::filesystem::path& file,
                                          const std::string& group, std::size_t max_rows) {
  h5::init();
  const std::string ctx = file.string();
  std::vector<ExtraTable> out;
  h5::Id f = h5::check(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), ctx, "cannot open");
  if (!h5::link_exists(f.get(), group)) return out;
  h5::Id g = h5::open_group(f.get(), group, ctx);
  Walk walk;
  H5Ovisit(g.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &walk);
  std::sort(walk.datasets.begin(), walk.datasets.end());
  for (const auto& name : walk.datasets) {
    h5::Id d = h5::open_dataset(g.get(), name, ctx);
    h5::Id type(H5Dget_type(d.get()));
    h5::Id space(H5Dget_space(d.get()));
    if (H5Tget_class(type.get()) != H5T_COMPOUND || H5Sget_simple_extent_ndims(space.get()) != 1) {
      continue;
    }
    ExtraTable t;
    t.path = group + "/" + name;
    t.rows = std::min<std::size_t>(h5::rows(d.get(), ctx), max_rows);
    t.columns = h5::field_names(d.get(), ctx);
    t.attributes = attributes_of(d.get(), ctx);
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      h5::Id mt(H5Tget_member_type(type.get(), static_cast<unsigned>(c)));
      const H5T_class_t cls = H5Tget_class(mt.get());
      const bool num = cls == H5T_INTEGER || cls == H5T_FLOAT;
      t.numeric.push_back(num);
      if (num) {
        auto v = h5::read_field_f64(d.get(), t.columns[c].c_str(), ctx);
        v.resize(t.rows);
        t.numbers.push_back(std::move(v));
        t.texts.emplace_back();
      } else if (cls == H5T_STRING && H5Tis_variable_str(mt.get()) <= 0) {
        auto v = h5::read_field_string(d.get(), t.columns[c].c_str(), ctx);
        v.resize(t.rows);
        t.texts.push_back(std::move(v));
        t.numbers.emplace_back();
      } else {
        t.texts.emplace_back(t.rows, "?");
        t.numbers.emplace_back();
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace carepath::outputs
