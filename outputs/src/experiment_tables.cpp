#include <carepath/outputs/experiment_tables.hpp>

#include <algorithm>

#include "h5util.hpp"

namespace carepath::outputs {

std::size_t ExperimentTable::column_index(std::string_view column) const {
  const auto it = std::find(columns.begin(), columns.end(), column);
  return it == columns.end() ? std::string::npos : static_cast<std::size_t>(it - columns.begin());
}

const ExperimentTable* ExperimentRecord::table(std::string_view name) const {
  for (const auto& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

std::string ExperimentRecord::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes)
    if (k == key) return v;
  return "";
}

void write_experiment(const std::filesystem::path& file, const ExperimentRecord& record) {
  h5::init();
  const std::string ctx = file.string();
  h5::Id f = h5::check(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), ctx, "cannot open");
  h5::Id g = h5::create_group(f.get(), "experiment", ctx);
  h5::write_attr(g.get(), "kind", record.kind, ctx);
  std::vector<std::string> keys;
  for (const auto& [k, v] : record.attributes) {
    keys.push_back(k);
    h5::write_attr(g.get(), k.c_str(), v, ctx);
  }
  h5::write_attr(g.get(), "attribute_names", keys, ctx);
  std::vector<std::string> names;
  for (const auto& t : record.tables) {
    names.push_back(t.name);
    std::size_t width = 1;
    for (const auto& r : t.rows) width = std::max(width, r.size());
    h5::CompoundBuilder layout;
    layout.add_string("scenario", width);
    for (const auto& c : t.columns) layout.add_f64(c);
    std::vector<unsigned char> buffer(layout.row_size() * t.rows.size());
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      layout.set_string(buffer, r, 0, t.rows[r]);
      for (std::size_t c = 0; c < t.columns.size(); ++c)
        layout.set_f64(buffer, r, c + 1, t.at(r, c));
    }
    h5::write_compound(g.get(), t.name.c_str(), layout, buffer, t.rows.size(), ctx);
    h5::Id ds = h5::open_dataset(g.get(), t.name, ctx);
    h5::write_attr(ds.get(), "units", t.units, ctx);
  }
  h5::write_attr(g.get(), "tables", names, ctx);
}

std::optional<ExperimentRecord> read_experiment(const std::filesystem::path& file) {
  h5::init();
  const std::string ctx = file.string();
  h5::Id f = h5::check(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), ctx, "cannot open");
  if (!h5::link_exists(f.get(), "experiment")) return std::nullopt;
  h5::Id g = h5::open_group(f.get(), "experiment", ctx);
  ExperimentRecord record;
  record.kind = h5::read_attr_string(g.get(), "kind", ctx);
  for (const auto& k : h5::read_attr_strings(g.get(), "attribute_names", ctx))
    record.attributes.emplace_back(k, h5::read_attr_string(g.get(), k.c_str(), ctx));
  for (const auto& name : h5::read_attr_strings(g.get(), "tables", ctx)) {
    h5::Id ds = h5::open_dataset(g.get(), name, ctx);
    ExperimentTable t;
    t.name = name;
    t.units = h5::read_attr_strings(ds.get(), "units", ctx);
    const auto fields = h5::field_names(ds.get(), ctx);
    t.columns.assign(fields.begin() + 1, fields.end());
    t.rows = h5::read_field_string(ds.get(), "scenario", ctx);
    t.values = h5::read_fields_f64(ds.get(), t.columns, ctx);
    record.tables.push_back(std::move(t));
  }
  return record;
}

}  // namespace carepath::outputs
