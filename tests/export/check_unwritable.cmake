# SPDX-License-Identifier: GPL-3.0-or-later
# tlblab-cli export to a path in a missing directory: exit status 2, a message naming the path,
# and no file.
foreach(fmt svg html handout)
  execute_process(COMMAND ${CMD} export erratum-383 --steps 1 --format ${fmt} --out ${OUT}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "${fmt}: expected exit status 2, got ${rc}: ${err}")
  endif()
  if(NOT err MATCHES "error: cannot write ${OUT}")
    message(FATAL_ERROR "${fmt}: expected 'cannot write ${OUT}' in: ${err}")
  endif()
  if(EXISTS ${OUT})
    message(FATAL_ERROR "${fmt}: ${OUT} exists after a failed export")
  endif()
endforeach()
