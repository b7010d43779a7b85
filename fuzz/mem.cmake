# Fuzz target for the expert heap: random sequences of the NetMon memory
# helpers on two sessions, checked against a shadow model.
nmx_fuzz_target(mem LIBS nmx_mem)
