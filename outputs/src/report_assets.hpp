#pragma once
// Fixed parts of the HTML report: style sheet, the module loader for Debian's split Vega
// modules, and the chart code (Vega specs built from the page's data). Private to outputs.
#include <string_view>

namespace carepath::outputs::assets {

/// The report's CSS.
[[nodiscard]] std::string_view style();
/// Runs first: records console errors and uncaught exceptions in window.__errors and defines
/// the CommonJS shim (__m modules, __r require) the Vega modules are wrapped in.
[[nodiscard]] std::string_view prelude();
/// Vega modules to inline, in dependency order (file stems under the vega folder).
[[nodiscard]] const char* const* vega_modules();
/// After the modules: the global `vega` with the transforms registered.
[[nodiscard]] std::string_view vega_glue();
/// The chart code: reads window.D, renders every chart, then writes #report-status.
[[nodiscard]] std::string_view charts();

}  // namespace carepath::outputs::assets
