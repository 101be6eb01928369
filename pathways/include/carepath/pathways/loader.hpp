#pragma once
// Loading a model or scenario file into a ModelSpec (scenarios/README.md is the language).
//
// load_model() accepts a model file (top-level `model:`) or a scenario file (top-level
// `scenario:`; `extends` is resolved relative to the scenario file, then `overlays` are applied in
// order, then the scenario file's own changes). A lever file (top-level `overlay:`) cannot be
// loaded alone. Merging is deep: maps merge key by key, lists and scalars replace, `~` removes.
// Every error is reported with the file where the offending value was written (the model, a
// lever or the scenario), its line and its column; all errors are collected and thrown together
// as ConfigErrors.
#include <carepath/pathways/config_error.hpp>
#include <carepath/pathways/model_spec.hpp>

#include <optional>
#include <string>
#include <vector>

namespace carepath::pathways {

struct LoadOptions {
  /// Overrides horizon.years (for short runs): yearly lists are truncated to the first N values
  /// or extended with their last value; growth keeps compounding. Must be >= 1.
  std::optional<int> years;
  /// Lever files (top-level `overlay:`) applied after the scenario's own overlays and changes,
  /// in order (a sweep's design point).
  std::vector<std::string> overlays;
  /// "PATH=VALUE" settings (the --set option), applied last, in order, through the same merge as
  /// a lever: `sites.community_beds.capacity=52`, `arrivals.ed_walk_in.volume=120000/year`.
  std::vector<std::string> sets;
};

/// Loads a model or scenario file. Throws ConfigErrors with every error found.
ModelSpec load_model(const std::string& path, const LoadOptions& options = {});

/// Loads a model or scenario from text; `filename` is used in messages and to resolve relative
/// paths (extends, overlays, csv files). Throws ConfigErrors.
ModelSpec load_model_from_string(const std::string& yaml, const std::string& filename,
                                 const LoadOptions& options = {});

/// Loads a model or scenario file as load_model() does, then applies every check `carepath
/// validate` applies (CareGraph::validate()): a failed check (not a warning) is an error at the
/// first place it names (else at the top of the file). For `run`, `sweep` and `size`, before any
/// replication starts. Throws ConfigErrors; `warnings`, if given, receives the failed warnings.
ModelSpec load_valid_model(const std::string& path, const LoadOptions& options = {},
                           std::vector<std::string>* warnings = nullptr);

/// load_valid_model() for each file of a run, side by side: a scenario without a name is named
/// after its model (or file); two scenarios whose names give the same result-part file name
/// (letters, digits, '.', '_' and '-' kept, anything else '_') are an error. Throws ConfigErrors
/// with the errors of every file.
std::vector<ModelSpec> load_valid_models(const std::vector<std::string>& paths,
                                         const LoadOptions& options = {});

/// The *.yaml files directly in `dir` whose top level has `scenario:`, sorted by file name
/// (full paths, `dir` + "/" + name). A file that is not valid YAML is listed if a line starts
/// with `scenario:`, so that loading it reports its errors.
std::vector<std::string> scenario_files(const std::string& dir);

}  // namespace carepath::pathways
