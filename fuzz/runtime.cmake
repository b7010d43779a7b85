# Fuzz targets for the runtime's untrusted inputs: the event log written by
# an expert process, and expert settings text.
if(TARGET nmx_runtime)
  nmx_fuzz_target(eventlog LIBS nmx_runtime nmx_common)
endif()
nmx_fuzz_target(settings LIBS nmx_expert_util nmapi)
