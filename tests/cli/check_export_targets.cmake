# SPDX-License-Identifier: GPL-3.0-or-later
# tlblab-cli export in every format against hostile targets (issue 15):
#   cmake -DCMD=<tlblab-cli> -DWORK=<empty scratch dir> -P check_export_targets.cmake
# - a symlink at --out (also a dangling one): exit 2, nothing written through it, the link kept;
# - a FIFO, a directory, /dev/null: exit 2, the node unchanged;
# - a full disk (RLIMIT_FSIZE, SIGXFSZ ignored): exit 2, the old file intact, no temporary left;
# - an ordinary path: exit 0, the file replaced.
if(NOT DEFINED CMD OR NOT DEFINED WORK)
  message(FATAL_ERROR "check_export_targets.cmake needs CMD and WORK")
endif()
set(failures "")
macro(fail msg)
  string(APPEND failures "  ${msg}\n")
endmacro()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/victim "precious")
execute_process(COMMAND mkfifo ${WORK}/fifo RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mkfifo failed")
endif()
file(MAKE_DIRECTORY ${WORK}/folder)

function(export_to fmt out)
  execute_process(COMMAND ${CMD} export erratum-383 --variant buggy --steps 6 --format ${fmt} --out ${out}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(rc ${rc} PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()

foreach(fmt tikz html svg pdf png handout)
  # A symlink to a file, and a dangling one.
  file(CREATE_LINK ${WORK}/victim ${WORK}/link-${fmt} SYMBOLIC)
  export_to(${fmt} ${WORK}/link-${fmt})
  if(NOT rc EQUAL 2 OR NOT err MATCHES "cannot write .*link-${fmt}: it is a symbolic link")
    fail("${fmt} to a symlink: status ${rc}, ${err}")
  endif()
  if(NOT IS_SYMLINK ${WORK}/link-${fmt})
    fail("${fmt}: the symlink was replaced")
  endif()
  file(CREATE_LINK ${WORK}/nowhere-${fmt} ${WORK}/dangling-${fmt} SYMBOLIC)
  export_to(${fmt} ${WORK}/dangling-${fmt})
  if(NOT rc EQUAL 2 OR EXISTS ${WORK}/nowhere-${fmt})
    fail("${fmt} to a dangling symlink: status ${rc}, ${err}")
  endif()
  # Nodes that are not regular files.
  foreach(target ${WORK}/fifo ${WORK}/folder /dev/null)
    export_to(${fmt} ${target})
    if(NOT rc EQUAL 2 OR NOT err MATCHES "cannot write ${target}: it exists and is (a FIFO|a directory|a character device)")
      fail("${fmt} to ${target}: status ${rc}, ${err}")
    endif()
  endforeach()
  # A full disk: the shell ignores SIGXFSZ (inherited through exec) and caps files at a few KiB.
  file(WRITE ${WORK}/full.${fmt} "old")
  execute_process(COMMAND sh -c "trap '' XFSZ; ulimit -f 4; exec \"$0\" export erratum-383 --variant buggy --steps 6 --format ${fmt} --out \"$1\""
                          ${CMD} ${WORK}/full.${fmt}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE err)
  file(READ ${WORK}/full.${fmt} content)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "cannot write .*full.${fmt}: File too large" OR NOT content STREQUAL "old")
    fail("${fmt} on a full disk: status ${rc}, content '${content}', ${err}")
  endif()
  # And an ordinary export replaces the file.
  export_to(${fmt} ${WORK}/full.${fmt})
  file(SIZE ${WORK}/full.${fmt} size)
  if(NOT rc EQUAL 0 OR size LESS 1000)
    fail("${fmt} to a regular file: status ${rc}, size ${size}, ${err}")
  endif()
endforeach()

file(READ ${WORK}/victim content)
if(NOT content STREQUAL "precious")
  fail("the symlinks' target was written: '${content}'")
endif()
file(GLOB left RELATIVE ${WORK} ${WORK}/.*tmp* ${WORK}/*tmp*)
if(left)
  fail("temporary files left: ${left}")
endif()
if(NOT failures STREQUAL "")
  message(FATAL_ERROR "export targets:\n${failures}")
endif()
