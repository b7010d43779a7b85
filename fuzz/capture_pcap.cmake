# Fuzz target for the pcap reader (all variants: byte orders, usec/nsec and modified magic).
nmx_fuzz_target(capture_pcap LIBS nmx_capture nmx_common PkgConfig::PCAP)
