/*
 * linktype.h - link types of captured frames, as the capture layer reports
 * them and the parsers consume them.
 *
 * Real link layers use their pcap LINKTYPE_* numbers (tcpdump.org/linktypes).
 * NetMon files add frames that carry no packet at all (ETW events, the
 * capture filter, network-info records); those get values above 0xFFFF,
 * NMX_LINK_NETMON_BASE | <NetMon media type>, so that no pcap value collides.
 * nmx__linktype_to_mactype() gives the NetMon MAC_TYPE_* of a link type.
 */
#ifndef NMX_COMMON_LINKTYPE_H
#define NMX_COMMON_LINKTYPE_H

#include <stdint.h>

enum {
    NMX_LINK_NULL = 0,           /* BSD loopback: 4-byte host-order AF_ header */
    NMX_LINK_ETHERNET = 1,
    NMX_LINK_TOKEN_RING = 6,     /* IEEE 802.5 */
    NMX_LINK_FDDI = 10,
    NMX_LINK_RAW = 101,          /* raw IPv4 or IPv6, version nibble decides */
    NMX_LINK_IEEE802_11 = 105,
    NMX_LINK_LOOP = 108,         /* OpenBSD loopback: network-order AF_ header */
    NMX_LINK_LINUX_SLL = 113,
    NMX_LINK_IEEE802_11_RADIOTAP = 127,
    NMX_LINK_IPV4 = 228,
    NMX_LINK_IPV6 = 229,
    NMX_LINK_NFLOG = 239,        /* Linux netfilter NFLOG: header and TLVs */
    NMX_LINK_LINUX_SLL2 = 276,

    /* NetMon-only frame kinds (NetMon 2.1+ per-frame media type). */
    NMX_LINK_NETMON_BASE = 0x10000,
    NMX_LINK_NETMON_80211 = NMX_LINK_NETMON_BASE | 6,       /* 802.11 with NetMon radio header */
    NMX_LINK_NETMON_ATM = NMX_LINK_NETMON_BASE | 4,         /* 16-byte ATM pseudo-header */
    NMX_LINK_NETMON_1394 = NMX_LINK_NETMON_BASE | 5,        /* IP over IEEE 1394 */
    NMX_LINK_NETMON_MSGANALYZER = NMX_LINK_NETMON_BASE | 0xE080, /* 0xE080-0xE08A */
    NMX_LINK_NETMON_EVENT = NMX_LINK_NETMON_BASE | 0xFFE0,  /* ETW event record */
    NMX_LINK_NETMON_NETINFO_EX = NMX_LINK_NETMON_BASE | 0xFFFB,
    NMX_LINK_NETMON_REASSEMBLY = NMX_LINK_NETMON_BASE | 0xFFFC,
    NMX_LINK_NETMON_NETINFO = NMX_LINK_NETMON_BASE | 0xFFFD,
    NMX_LINK_NETMON_DNS_CACHE = NMX_LINK_NETMON_BASE | 0xFFFE,
    NMX_LINK_NETMON_FILTER = NMX_LINK_NETMON_BASE | 0xFFFF, /* the capture's filter string */
};

/* NetMon MAC_TYPE_* (netmon.h 4.11) for a link type; MAC_TYPE_UNKNOWN (0) if none. */
static inline uint32_t nmx__linktype_to_mactype(uint32_t lt)
{
    switch (lt) {
    case NMX_LINK_ETHERNET:
        return 1; /* MAC_TYPE_ETHERNET */
    case NMX_LINK_TOKEN_RING:
        return 2; /* MAC_TYPE_TOKENRING */
    case NMX_LINK_FDDI:
        return 3; /* MAC_TYPE_FDDI */
    case NMX_LINK_NETMON_ATM:
        return 4; /* MAC_TYPE_ATM */
    case NMX_LINK_NETMON_1394:
        return 5; /* MAC_TYPE_1394 */
    default:
        return 0; /* MAC_TYPE_UNKNOWN: SLL, raw IP, loopback, 802.11, NetMon records */
    }
}

#endif /* NMX_COMMON_LINKTYPE_H */
