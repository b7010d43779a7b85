/*
 * machdr.c - NetMon's MAC-header helpers (spec 6.5): header lengths,
 * whether an 802.2 LLC header is present, the EtherType and the SAPs, read
 * from a MAC header of a given MAC type.  Unknown types give 0.
 */
#include "proto/proto_int.h"

/* MAC header length: Ethernet 14; Token Ring 14 + routing information;
 * FDDI 13; 0 for other or unknown types. */
NMAPI DWORD WINAPI GetMacHeaderLength(LPVOID MacHeader, DWORD MacType)
{
    const BYTE *h = MacHeader;
    if (!h)
        return 0;
    switch (MacType) {
    case MAC_TYPE_ETHERNET:
        return ETHERNET_HEADER_LENGTH;
    case MAC_TYPE_TOKENRING:
        if (h[8] & TOKENRING_SA_ROUTING_INFO)
            return TOKENRING_HEADER_LENGTH + (h[14] & TOKENRING_RC_LENGTHMASK);
        return TOKENRING_HEADER_LENGTH;
    case MAC_TYPE_FDDI:
        return FDDI_HEADER_LENGTH;
    default:
        return 0;
    }
}

/* Where the LLC header starts, or 0 when the frame has none. */
static DWORD llc_offset(const BYTE *h, DWORD MacType)
{
    switch (MacType) {
    case MAC_TYPE_ETHERNET:
        return ((DWORD)h[12] << 8 | h[13]) <= ETHERNET_DATA_LENGTH ? ETHERNET_HEADER_LENGTH : 0;
    case MAC_TYPE_TOKENRING:
        return (h[1] & 0xC0) == 0x40 ? GetMacHeaderLength((LPVOID)h, MacType) : 0;
    case MAC_TYPE_FDDI:
        return (h[0] & 0x30) == 0x10 ? FDDI_HEADER_LENGTH : 0;
    default:
        return 0;
    }
}

NMAPI BOOL WINAPI IsLLCPresent(LPVOID MacHeader, DWORD MacType)
{
    return MacHeader && llc_offset(MacHeader, MacType) != 0;
}

/* The EtherType: the Ethernet type field, or a SNAP header's; (DWORD)-1 if none. */
NMAPI DWORD WINAPI GetEtype(LPVOID MacHeader, DWORD MacType)
{
    const BYTE *h = MacHeader;
    if (!h)
        return (DWORD)-1;
    if (MacType == MAC_TYPE_ETHERNET) {
        DWORD t = (DWORD)h[12] << 8 | h[13];
        if (t >= ETHERNET_FRAME_TYPE)
            return t;
    }
    DWORD l = llc_offset(h, MacType);
    if (l && h[l] == 0xAA && h[l + 1] == 0xAA && h[l + 2] == 0x03)
        return (DWORD)h[l + 6] << 8 | h[l + 7];
    return (DWORD)-1;
}

/* The SAPs: DSAP in the low byte, SSAP in the next; (DWORD)-1 if no LLC. */
NMAPI DWORD WINAPI GetSaps(LPVOID MacHeader, DWORD MacType)
{
    const BYTE *h = MacHeader;
    if (!h)
        return (DWORD)-1;
    DWORD l = llc_offset(h, MacType);
    if (!l)
        return (DWORD)-1;
    return (DWORD)h[l] | (DWORD)h[l + 1] << 8;
}

/* 3 for an unnumbered (U) frame, 4 for I and S frames. */
NMAPI DWORD WINAPI GetLLCHeaderLength(LPLLC Frame)
{
    if (!Frame)
        return 0;
    return (Frame->ControlField.Command & 3) == 3 ? 3 : 4;
}
