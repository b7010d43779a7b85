# Helpers shared by the CMake files of every layer.

# nmx_layer_includes(TARGET LAYER USES...) - what TARGET may include from
# src/: the headers of LAYER and of the layers it USES, nothing else.  Its
# include path gets <build>/layer-include/LAYER/, a folder of links named
# after those layers (common -> src/common, ...), so that
# #include "runtime/runtime.h" in a file of a layer below runtime does not
# compile (tests/layers proves it).  The layers and their order are
# DESIGN.md's; the USES lists in src/*/CMakeLists.txt are where the build
# holds them.
function(nmx_layer_includes target layer)
  set(dir ${PROJECT_BINARY_DIR}/layer-include/${layer})
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir})
  foreach(l ${layer} ${ARGN})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${l} ${dir}/${l} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PRIVATE ${dir})
  set_property(GLOBAL PROPERTY NMX_LAYER_USES_${layer} ${ARGN})
endfunction()

# nmx_layer(NAME USES LAYER... SOURCES... DEPS ...) - a static library for
# one layer (NAME is nmx_<layer>), which may include only the headers of the
# layers it USES (nmx_layer_includes).
function(nmx_layer name)
  cmake_parse_arguments(L "" "" "USES;SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  target_link_libraries(${name} PUBLIC ${L_DEPS})
  string(REGEX REPLACE "^nmx_" "" layer ${name})
  nmx_layer_includes(${name} ${layer} ${L_USES})
  set_property(GLOBAL APPEND PROPERTY NMX_LAYERS ${name})
endfunction()

# nmx_unit_test(NAME SOURCES... LIBS ...) - a cmocka test registered with ctest.
function(nmx_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  # 77: a test skipped for want of a tool or the shared captures
  # (tests/nmx_skip.h): ctest says "skipped", not "passed".
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77
    ENVIRONMENT "NMX_SHARED_CAPTURES=${NMX_SHARED_CAPTURES};NMX_SOURCE_DIR=${PROJECT_SOURCE_DIR};NMX_BINARY_DIR=${PROJECT_BINARY_DIR}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# nmx_all_tests(DIR OUT) - the names of every test defined in DIR and below.
function(nmx_all_tests dir out)
  get_property(tests DIRECTORY ${dir} PROPERTY TESTS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(s ${subdirs})
    nmx_all_tests(${s} more)
    list(APPEND tests ${more})
  endforeach()
  set(${out} ${tests} PARENT_SCOPE)
endfunction()

# nmx_copy_at_build(TARGET FROM_DIR TO_DIR FILES...) - a target, built by
# default, that copies FILES (paths relative to FROM_DIR) to TO_DIR at build
# time, each again whenever its source changes.
function(nmx_copy_at_build target from to)
  set(outs "")
  foreach(f ${ARGN})
    add_custom_command(OUTPUT ${to}/${f}
      COMMAND ${CMAKE_COMMAND} -E copy ${from}/${f} ${to}/${f}
      DEPENDS ${from}/${f} VERBATIM)
    list(APPEND outs ${to}/${f})
  endforeach()
  add_custom_target(${target} ALL DEPENDS ${outs})
endfunction()
