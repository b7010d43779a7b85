/*
 * linknames.c - short names and descriptions of link types.
 *
 * Short names follow Wireshark's encapsulation names (`editcap -T` lists
 * them; MANIFEST.tsv's link_type column uses them), so that `nmexpert info`
 * output lines up with capinfos and tshark.  Descriptions of types not in
 * the table come from libpcap.  Everything returned is static: no state.
 */
#include "capture/capture.h"

#include <pcap/pcap.h>
#include <stdio.h>

typedef struct linkname {
    uint32_t linktype;
    const char *name;
    const char *description;
} linkname_t;

static const linkname_t names[] = {
    {NMX_LINK_NULL, "null", "NULL/Loopback"},
    {NMX_LINK_ETHERNET, "ether", "Ethernet"},
    {NMX_LINK_TOKEN_RING, "tr", "Token Ring"},
    /* Wireshark reads LINKTYPE_FDDI as bit-swapped FDDI, and so does NetMon (spec 7.3). */
    {NMX_LINK_FDDI, "fddi-swapped", "FDDI with bit-swapped MAC addresses"},
    {NMX_LINK_RAW, "rawip", "Raw IP"},
    {NMX_LINK_IEEE802_11, "ieee-802-11", "IEEE 802.11 Wireless LAN"},
    {NMX_LINK_LOOP, "loop", "OpenBSD loopback"},
    {NMX_LINK_LINUX_SLL, "linux-sll", "Linux cooked-mode capture v1"},
    {NMX_LINK_IEEE802_11_RADIOTAP, "ieee-802-11-radiotap", "IEEE 802.11 plus radiotap radio header"},
    {NMX_LINK_IPV4, "rawip4", "Raw IPv4"},
    {NMX_LINK_IPV6, "rawip6", "Raw IPv6"},
    {NMX_LINK_NFLOG, "nflog", "NFLOG"},
    {274, "ether-mpacket", "IEEE 802.3br mPackets"}, /* LINKTYPE_ETHERNET_MPACKET */
    {NMX_LINK_LINUX_SLL2, "linux-sll2", "Linux cooked-mode capture v2"},
    {NMX_LINK_NETMON_ATM, "atm-pdus", "ATM PDUs (NetMon 16-byte pseudo-header)"},
    {NMX_LINK_NETMON_1394, "netmon_1394", "IP over IEEE 1394 (NetMon)"},
    {NMX_LINK_NETMON_80211, "ieee-802-11-netmon", "IEEE 802.11 plus Network Monitor radio header"},
    {NMX_LINK_NETMON_EVENT, "netmon_event", "Network Monitor Network Event"},
    {NMX_LINK_NETMON_NETINFO_EX, "netmon_network_info_ex", "Network Monitor Network Info Ex"},
    {NMX_LINK_NETMON_REASSEMBLY, "netmon_payload_header", "Network Monitor reassembly payload header"},
    {NMX_LINK_NETMON_NETINFO, "netmon_network_info", "Network Monitor Network Info"},
    {NMX_LINK_NETMON_DNS_CACHE, "netmon_dns_cache", "Network Monitor DNS cache"},
    {NMX_LINK_NETMON_FILTER, "netmon_filter", "Network Monitor Filter"},
};

static const linkname_t *find(uint32_t lt)
{
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (names[k].linktype == lt)
            return &names[k];
    return NULL;
}

const char *nmx__linktype_name(uint32_t lt)
{
    const linkname_t *n = find(lt);
    return n != NULL ? n->name : NULL;
}

const char *nmx__linktype_description(uint32_t lt)
{
    const linkname_t *n = find(lt);
    if (n != NULL)
        return n->description;
    /*
     * libpcap knows the names of many more DLTs.  LINKTYPE_ values equal DLT_
     * values from 0 to 10 and from 104 on (libpcap's LINKTYPE_MATCHING_MIN);
     * its strings are static.
     */
    if (lt <= 10 || (lt >= 104 && lt <= 0xFFFF))
        return pcap_datalink_val_to_description((int)lt);
    return NULL;
}

void nmx__linktype_format_name(uint32_t lt, char *buf, size_t size)
{
    const char *n = nmx__linktype_name(lt);
    if (n != NULL)
        snprintf(buf, size, "%s", n);
    else if (lt >= NMX_LINK_NETMON_BASE)
        snprintf(buf, size, "netmon-media-0x%04x", (unsigned)(lt & 0xFFFF));
    else
        snprintf(buf, size, "linktype-%u", (unsigned)lt);
}

void nmx__linktype_format_description(uint32_t lt, char *buf, size_t size)
{
    const char *d = nmx__linktype_description(lt);
    if (d != NULL)
        snprintf(buf, size, "%s", d);
    else if (lt >= NMX_LINK_NETMON_BASE)
        snprintf(buf, size, "NetMon media type 0x%04x", (unsigned)(lt & 0xFFFF));
    else
        snprintf(buf, size, "link type %u", (unsigned)lt);
}
