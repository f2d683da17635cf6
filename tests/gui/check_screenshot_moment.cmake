# SPDX-License-Identifier: GPL-3.0-or-later
# --screenshot shows the window as it is when --screenshot-canvas and --scene-report are taken: the
# step's animation finished and the camera on the step's subject. The window picture alone and the
# window picture taken together with the canvas picture must be the same PNG, in the normal window and
# in presentation mode. (They once differed: --screenshot alone fitted the whole machine first, so at
# 1280x720 in presentation mode every label of the window picture was a grey bar.)
# -DAPP=tlblab -DWORK=scratch folder
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
foreach(mode normal present)
    set(extra "")
    if(mode STREQUAL "present")
        set(extra --present)
    endif()
    execute_process(COMMAND "${APP}" erratum-383 --step 8 --size 1280x720 ${extra} --screenshot "${WORK}/${mode}-alone.png"
                    RESULT_VARIABLE rc1 ERROR_VARIABLE err1)
    execute_process(COMMAND "${APP}" erratum-383 --step 8 --size 1280x720 ${extra} --screenshot "${WORK}/${mode}-with.png"
                            --screenshot-canvas "${WORK}/${mode}-canvas.png" --scene-report "${WORK}/${mode}.json"
                    RESULT_VARIABLE rc2 ERROR_VARIABLE err2)
    if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
        message(FATAL_ERROR "${mode}: tlblab exited ${rc1} / ${rc2}: ${err1} ${err2}")
    endif()
    foreach(f "${mode}-alone.png" "${mode}-with.png" "${mode}-canvas.png" "${mode}.json")
        if(NOT EXISTS "${WORK}/${f}")
            message(FATAL_ERROR "${mode}: ${f} was not written")
        endif()
    endforeach()
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${WORK}/${mode}-alone.png" "${WORK}/${mode}-with.png"
                    RESULT_VARIABLE same)
    if(NOT same EQUAL 0)
        message(FATAL_ERROR "${mode}: --screenshot alone drew another picture than --screenshot with --screenshot-canvas")
    endif()
endforeach()
