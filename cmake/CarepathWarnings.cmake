# An INTERFACE target that carries the project's warning flags (and sanitizers when asked).
add_library(carepath_warnings INTERFACE)
target_compile_options(carepath_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
                       -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(CAREPATH_WERROR)
  target_compile_options(carepath_warnings INTERFACE -Werror)
endif()
if(CAREPATH_SANITIZE)
  # GCC 12 reports false -W(maybe-)uninitialized positives in Boost headers once the sanitizers
  # change inlining; those two stay warnings (not errors) in this preset only.
  target_compile_options(carepath_warnings INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined
                         -Wno-error=uninitialized -Wno-error=maybe-uninitialized)
  target_link_options(carepath_warnings INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(carepath_warnings INTERFACE CAREPATH_THREAD_CONTEXTS)
endif()
if(CAREPATH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CAREPATH_FUZZ needs clang (use the fuzz preset)")
  endif()
  # Every library is instrumented for coverage and checked by ASan and UBSan; only the fuzz
  # targets link libFuzzer's main (tests/fuzz).
  target_compile_options(carepath_warnings INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(carepath_warnings INTERFACE -fsanitize=address,undefined)
endif()
