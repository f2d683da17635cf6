# SPDX-License-Identifier: GPL-3.0-or-later
# cmake -DCMD="prog;arg;..." -DSTATUS=N [-DMATCH=regex] -P expect_status.cmake
# Runs CMD and fails unless it exits with STATUS (and its stdout+stderr match MATCH when given).
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL STATUS)
  message(FATAL_ERROR "exit status ${rc}, expected ${STATUS}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(DEFINED MATCH AND NOT "${out}${err}" MATCHES "${MATCH}")
  message(FATAL_ERROR "output does not match '${MATCH}'\nstdout:\n${out}\nstderr:\n${err}")
endif()
