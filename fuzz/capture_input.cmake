# Fuzz target for compressed captures (gzip, zstd, lz4) and merged files.
nmx_fuzz_target(capture_input LIBS nmx_capture nmx_common PkgConfig::PCAP)
