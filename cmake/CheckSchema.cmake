# Fails unless docs/carepath.schema.json and docs/carepath-sweep.schema.json equal what
# `carepath schema` prints now (regenerate: carepath schema > docs/carepath.schema.json, and
# carepath schema --kind sweep > docs/carepath-sweep.schema.json).
file(MAKE_DIRECTORY ${OUT})
foreach(kind model sweep)
  if(kind STREQUAL "model")
    set(name carepath.schema.json)
  else()
    set(name carepath-sweep.schema.json)
  endif()
  execute_process(COMMAND ${CAREPATH} schema --kind ${kind} OUTPUT_FILE ${OUT}/${name}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "carepath schema --kind ${kind} failed (${rc})")
  endif()
  file(READ ${OUT}/${name} now)
  file(READ ${DOCS}/${name} shipped)
  if(NOT now STREQUAL shipped)
    message(FATAL_ERROR "docs/${name} is stale: run carepath schema --kind ${kind} > docs/${name}")
  endif()
endforeach()
