# check_no_host.cmake - the layers below runtime implement parts of the
# embedding API (capture: <nmexpert/capture.h>, proto:
# <nmexpert/protocols.h>) but never include the whole of it,
# <nmexpert/host.h>, whose runs and experts are above them.
# Usage: cmake -DSRC=<repo>/src -P check_no_host.cmake
set(bad "")
foreach(layer common mem capture proto filter)
  file(GLOB_RECURSE files ${SRC}/${layer}/*.c ${SRC}/${layer}/*.h)
  foreach(f ${files})
    file(STRINGS ${f} hits REGEX "#[ \t]*include[ \t]*[<\"]nmexpert/host\\.h[>\"]")
    if(hits)
      list(APPEND bad ${f})
    endif()
  endforeach()
endforeach()
if(bad)
  list(JOIN bad "\n  " listed)
  message(FATAL_ERROR "a layer below runtime includes <nmexpert/host.h>:\n  ${listed}")
endif()
message(STATUS "no layer below runtime includes <nmexpert/host.h>")
