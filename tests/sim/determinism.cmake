# The same seeds in two separate processes print identical verdicts
# (trace hashes included): nothing depends on addresses or the clock.
# The first process also runs each seed twice itself (--check-determinism).
foreach(i 1 2)
  if(i EQUAL 1)
    set(twice --check-determinism)
  else()
    set(twice)
  endif()
  execute_process(COMMAND ${SIM} run ${SCENARIO} --seeds ${SEEDS} ${twice}
                  RESULT_VARIABLE rc${i} OUTPUT_VARIABLE out${i})
  string(REGEX REPLACE " wall=[0-9.]+s" "" out${i} "${out${i}}")
endforeach()
message("${out1}")
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "linli-sim failed: ${rc1} ${rc2}")
endif()
if(NOT "${out1}" STREQUAL "${out2}")
  message(FATAL_ERROR "two processes disagree:\n${out1}\n---\n${out2}")
endif()
