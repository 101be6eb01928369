#pragma once
// Helpers shared by the end-to-end tests: the carepath command run in-process (the same library
// main() uses) and the content hashes of a result file's datasets.
#include <carepath/cli.hpp>
#include <carepath/outputs/result_file.hpp>

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace carepath::e2e {

struct Result {
  int code;
  std::string out;
  std::string err;
};

inline Result cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = carepath::cli::run(args, out, err);
  return Result{code, out.str(), err.str()};
}

// Every dataset's content hash. Only /meta's attributes (creation time, command line, process
// count) may differ between runs; every dataset, /meta's included, must not.
inline std::vector<std::pair<std::string, std::uint64_t>> dataset_hashes(
    const std::filesystem::path& file) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& o : carepath::outputs::inspect_file(file)) {
    if (o.is_dataset) out.emplace_back(o.path, o.content_hash);
  }
  return out;
}

}  // namespace carepath::e2e
