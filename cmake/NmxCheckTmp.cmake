# NmxCheckTmp.cmake - the test that keeps the suite from leaving files in
# the temporary directory (cmake -DTMPDIR=... -DSOURCE_DIR=... -P).
#  1. Everything the tests wrote under $TMPDIR (a build-tree directory that
#     ctest empties when it starts) must be gone once they have run.
#  2. No test source names /tmp except as the fallback of an unset TMPDIR
#     (on the same line), so that every test writes where TMPDIR says.
set(problems "")
file(GLOB left LIST_DIRECTORIES true "${TMPDIR}/*")
foreach(f ${left})
  string(APPEND problems "  left behind in TMPDIR: ${f}\n")
endforeach()
file(GLOB_RECURSE sources "${SOURCE_DIR}/tests/*.c" "${SOURCE_DIR}/tests/*.h" "${SOURCE_DIR}/tests/*.py"
     "${SOURCE_DIR}/tests/*.sh" "${SOURCE_DIR}/fuzz/*.c" "${SOURCE_DIR}/fuzz/*.h" "${SOURCE_DIR}/fuzz/*.sh")
foreach(f ${sources})
  file(STRINGS "${f}" lines REGEX "/tmp")
  foreach(line ${lines})
    if(NOT line MATCHES "TMPDIR")
      string(APPEND problems "  ${f} names /tmp: ${line}\n")
    endif()
  endforeach()
endforeach()
if(problems)
  if(left)
    file(REMOVE_RECURSE ${left})
  endif()
  message(FATAL_ERROR "tests must write only under $TMPDIR and remove what they write:\n${problems}")
endif()
message(STATUS "nothing left in ${TMPDIR}; no test names /tmp")
