# An INTERFACE target that carries the project's warning flags (and sanitizers when asked).
add_library(carepath_warnings INTERFACE)
target_compile_options(carepath_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
                       -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(CAREPATH_WERROR)
  target_compile_options(carepath_warnings INTERFACE -Werror)
endif()
if(CAREPATH_SANITIZE)
  target_compile_options(carepath_warnings INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(carepath_warnings INTERFACE -fsanitize=address,undefined)
endif()
