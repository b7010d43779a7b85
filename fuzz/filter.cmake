# Fuzz target for the display-filter text compiler (and evaluation of what
# compiles).
nmx_fuzz_target(dfilter LIBS nmx_filter nmx_proto nmx_common Threads::Threads)
