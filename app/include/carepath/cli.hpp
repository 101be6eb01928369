#pragma once
// The carepath command line. Exceptions stop here and become exit codes:
//   0 success, 1 a check or a run failed, 2 bad usage or bad input files.
#include <iosfwd>
#include <string>
#include <vector>

namespace carepath::cli {

/// Runs `carepath ARGS...`, writing to `out` and `err`; returns the exit code.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// Entry point for main().
int main(int argc, char** argv);

}  // namespace carepath::cli
