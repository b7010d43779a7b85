# Fuzz targets for the runtime's untrusted inputs: the event log written by
# an expert process, and expert settings text.
if(TARGET nmx_runtime)
  nmx_fuzz_target(eventlog LIBS nmx_runtime nmx_common)
endif()
nmx_fuzz_target(settings LIBS nmapi)
target_include_directories(replay_settings PRIVATE ${PROJECT_SOURCE_DIR}/experts/common)
if(TARGET fuzz_settings)
  target_include_directories(fuzz_settings PRIVATE ${PROJECT_SOURCE_DIR}/experts/common)
endif()
