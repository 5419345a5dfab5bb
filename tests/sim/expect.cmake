# Runs linli-sim with ARGS (one string, split like a shell would) and checks
# its exit status (STATUS) and that its output matches MATCH1 and MATCH2
# (regular expressions; empty matches anything).
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${SIM} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT "${rc}" STREQUAL "${STATUS}")
  message(FATAL_ERROR "linli-sim exited with ${rc}, expected ${STATUS}")
endif()
foreach(re IN ITEMS "${MATCH1}" "${MATCH2}")
  if(NOT "${out}" MATCHES "${re}")
    message(FATAL_ERROR "output does not match '${re}'")
  endif()
endforeach()
