// libFuzzer target for the loader: YAML text -> validated model, overlays and CSV tables included.
//
// An input is up to four files separated by lines "#%%" (a YAML comment, so any model file is
// an input too): main.yaml (loaded), model.yaml (for `extends: model.yaml`),
// levers/more-beds.yaml (for `overlays:`) and los.csv (for `csv: {file: los.csv}`). They are
// written to a private folder and main.yaml is loaded and validated as `carepath run` does.
// A ConfigErrors exception is the expected answer to bad input; anything else (another
// exception, a crash, a hang, a sanitizer report) is a bug.
#include <carepath/pathways/config_error.hpp>
#include <carepath/pathways/loader.hpp>

#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;

const fs::path& folder() {
  static const fs::path kDir = [] {
    fs::path d = fs::temp_directory_path() / ("carepath-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d / "levers");
    return d;
  }();
  return kDir;
}

void write(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const std::array<const char*, 4> kNames = {"main.yaml", "model.yaml",
                                                    "levers/more-beds.yaml", "los.csv"};
  constexpr std::string_view kSeparator = "\n#%%\n";
  std::array<std::string_view, 4> parts{};
  std::string_view rest = input;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t at = i + 1 < parts.size() ? rest.find(kSeparator) : std::string_view::npos;
    parts[i] = rest.substr(0, at);
    rest = at == std::string_view::npos ? std::string_view() : rest.substr(at + kSeparator.size());
  }
  for (std::size_t i = 0; i < parts.size(); ++i) write(folder() / kNames[i], parts[i]);
  try {
    (void)carepath::pathways::load_valid_model((folder() / kNames[0]).string());
  } catch (const carepath::pathways::ConfigErrors&) {
    // The expected answer to bad input.
  }
  return 0;
}
