# Fuzz target for the pcapng block reader (sections, interfaces, packet blocks, options).
nmx_fuzz_target(capture_pcapng LIBS nmx_capture nmx_common PkgConfig::PCAP)
