# check_include.cmake - compiles one line, #include "HEADER", with the
# include path of one layer (or of an expert), and checks that it compiles
# when EXPECT is "ok" and fails for want of the header when it is "refused".
#   cmake -DCC=cc -DINCS="dir|dir" -DHEADER=runtime/runtime.h -DEXPECT=refused
#         -DWORK=dir -P check_include.cmake
string(REPLACE "|" ";" incs "${INCS}")
set(args)
foreach(d ${incs})
  if(d)
    list(APPEND args "-I${d}")
  endif()
endforeach()
string(MAKE_C_IDENTIFIER "${HEADER}" stem)
file(MAKE_DIRECTORY ${WORK})
set(probe ${WORK}/probe_${stem}_${EXPECT}.c)
file(WRITE ${probe} "#include \"${HEADER}\"\nint nmx_layer_probe;\n")
execute_process(COMMAND ${CC} -std=gnu17 -fsyntax-only ${args} ${probe}
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
file(REMOVE ${probe})
if(EXPECT STREQUAL "ok")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "#include \"${HEADER}\" should compile with ${args}:\n${err}")
  endif()
elseif(rc EQUAL 0)
  message(FATAL_ERROR "#include \"${HEADER}\" compiled with ${args}, but the layers forbid it")
elseif(NOT err MATCHES "${HEADER}: No such file")
  message(FATAL_ERROR "#include \"${HEADER}\" failed, but not for want of the header:\n${err}")
else()
  message(STATUS "refused as it should be: ${HEADER}")
endif()
