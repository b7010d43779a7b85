# Fuzz target for saved JSON reports read back by `nmexpert report`.
nmx_fuzz_target(report LIBS nmapi)
