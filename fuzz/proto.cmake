# Fuzz target for the dissector entry point: every link type, the recognize
# and the full dissection pass, rendering of every property instance.
nmx_fuzz_target(dissect LIBS nmx_proto nmx_common)
