#pragma once
// Commands that read a result file: compare, summary, export, report. Kept apart from cli.cpp
// (which parses the simulation commands) so each file reads in one sitting.
#include <ostream>
#include <string>
#include <vector>

namespace carepath::cli {

/// True for the commands run_output_command handles.
[[nodiscard]] bool is_output_command(const std::string& command);
/// Runs `command` with its arguments (after the command name). Throws std::invalid_argument
/// for bad options (the message names the option).
int run_output_command(const std::string& command, const std::vector<std::string>& args,
                       std::ostream& out, std::ostream& err);

}  // namespace carepath::cli
