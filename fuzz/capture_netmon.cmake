# Fuzz target for the NetMon 1.x/2.x reader (header, frame table, records, trailers, comments).
nmx_fuzz_target(capture_netmon LIBS nmx_capture nmx_common PkgConfig::PCAP)
