/*
 * misc.c - the pure helper functions of spec 6.5/6.6 that need no frame
 * handle: address text conversion and comparison, MAC-header helpers,
 * labeled-set look-ups, variable-length integers, UTF-16 text and SNMP
 * object identifiers.  All validate their pointers and never read beyond
 * what their arguments describe.
 */
/* CompareAddresses is defined here under its SDK name. */
#define NMX_NO_ADDRESS2_GENERIC
#include <string.h>

#include "proto/proto_int.h"

/* "AddressToString": a 6-byte MAC address as 12 upper-case hex digits. */
NMAPI LPSTR WINAPI AddressToString(LPSTR string, BYTE *lpAddress)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!string || !lpAddress) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    for (int i = 0; i < 6; i++) {
        string[2 * i] = hex[lpAddress[i] >> 4];
        string[2 * i + 1] = hex[lpAddress[i] & 15];
    }
    string[12] = '\0';
    BhSetLastError(NMERR_SUCCESS);
    return string;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses 12 hex digits, optionally grouped by ':' '-' or '.', into 6 bytes. */
NMAPI LPBYTE WINAPI StringToAddress(BYTE *lpAddress, LPCSTR string)
{
    if (!lpAddress || !string) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    BYTE out[6];
    int nd = 0;
    for (const char *s = string; *s; s++) {
        if (*s == ':' || *s == '-' || *s == '.')
            continue;
        int v = hexval(*s);
        if (v < 0 || nd >= 12) {
            BhSetLastError(NMERR_INVALID_PARAMETER);
            return NULL;
        }
        if (nd % 2 == 0)
            out[nd / 2] = (BYTE)(v << 4);
        else
            out[nd / 2] |= (BYTE)v;
        nd++;
    }
    if (nd != 12) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    memcpy(lpAddress, out, 6);
    BhSetLastError(NMERR_SUCCESS);
    return lpAddress;
}

/* 1 to 4 bytes (a VAR_LEN_SMALL_INT); byte-swapped means network order. */
NMAPI LPDWORD WINAPI VarLenSmallIntToDword(LPBYTE pValue, WORD ValueLen, BOOL fIsByteswapped,
                                           LPDWORD lpDword)
{
    if (!pValue || !lpDword || ValueLen == 0 || ValueLen > 4) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    DWORD v = 0;
    if (fIsByteswapped)
        for (WORD i = 0; i < ValueLen; i++)
            v = v << 8 | pValue[i];
    else
        for (WORD i = ValueLen; i-- > 0;)
            v = v << 8 | pValue[i];
    *lpDword = v;
    BhSetLastError(NMERR_SUCCESS);
    return lpDword;
}

NMAPI LPBYTE WINAPI LookupByteSetString(LPSET lpSet, BYTE Value)
{
    if (!lpSet || (lpSet->nEntries && !lpSet->lpLabeledByteTable))
        return NULL;
    for (DWORD i = 0; i < lpSet->nEntries; i++)
        if (lpSet->lpLabeledByteTable[i].Value == Value)
            return (LPBYTE)lpSet->lpLabeledByteTable[i].Label;
    return NULL;
}

NMAPI LPBYTE WINAPI LookupWordSetString(LPSET lpSet, WORD Value)
{
    if (!lpSet || (lpSet->nEntries && !lpSet->lpLabeledWordTable))
        return NULL;
    for (DWORD i = 0; i < lpSet->nEntries; i++)
        if (lpSet->lpLabeledWordTable[i].Value == Value)
            return (LPBYTE)lpSet->lpLabeledWordTable[i].Label;
    return NULL;
}

NMAPI LPBYTE WINAPI LookupDwordSetString(LPSET lpSet, DWORD Value)
{
    if (!lpSet || (lpSet->nEntries && !lpSet->lpLabeledDwordTable))
        return NULL;
    for (DWORD i = 0; i < lpSet->nEntries; i++)
        if (lpSet->lpLabeledDwordTable[i].Value == Value)
            return (LPBYTE)lpSet->lpLabeledDwordTable[i].Label;
    return NULL;
}

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

NMAPI DWORD WINAPI MacTypeToAddressType(DWORD MacType)
{
    switch (MacType) {
    case MAC_TYPE_ETHERNET:
        return ADDRESS_TYPE_ETHERNET;
    case MAC_TYPE_TOKENRING:
        return ADDRESS_TYPE_TOKENRING;
    case MAC_TYPE_FDDI:
        return ADDRESS_TYPE_FDDI;
    case MAC_TYPE_ATM:
        return ADDRESS_TYPE_ATM;
    case MAC_TYPE_1394:
        return ADDRESS_TYPE_1394;
    default:
        return (DWORD)-1;
    }
}

NMAPI DWORD WINAPI AddressTypeToMacType(DWORD AddressType)
{
    switch (AddressType) {
    case ADDRESS_TYPE_ETHERNET:
        return MAC_TYPE_ETHERNET;
    case ADDRESS_TYPE_TOKENRING:
        return MAC_TYPE_TOKENRING;
    case ADDRESS_TYPE_FDDI:
        return MAC_TYPE_FDDI;
    case ADDRESS_TYPE_ATM:
        return MAC_TYPE_ATM;
    case ADDRESS_TYPE_1394:
        return MAC_TYPE_1394;
    default:
        return MAC_TYPE_UNKNOWN;
    }
}

/* Bytes of the address proper for each ADDRESS_TYPE_*. */
static size_t address_len(DWORD type)
{
    switch (type) {
    case ADDRESS_TYPE_ETHERNET:
    case ADDRESS_TYPE_TOKENRING:
    case ADDRESS_TYPE_FDDI:
    case ADDRESS_TYPE_VINES_IP:
    case ADDRESS_TYPE_ATM:
        return 6;
    case ADDRESS_TYPE_IP:
        return 4;
    case ADDRESS_TYPE_IPX:
    case ADDRESS_TYPE_XNS:
        return 10;
    case ADDRESS_TYPE_IP6:
        return 16;
    default:
        return 16; /* unknown types: the whole union */
    }
}

/* Three-way comparison: Type first, then the address bytes (spec 6.5). */
static int compare_addresses(DWORD type1, const BYTE *a1, DWORD type2, const BYTE *a2, size_t max)
{
    if (type1 != type2)
        return type1 < type2 ? -1 : 1;
    size_t n = address_len(type1);
    int r = memcmp(a1, a2, n < max ? n : max);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
}

NMAPI int WINAPI CompareAddresses(LPADDRESS lpAddress1, LPADDRESS lpAddress2)
{
    if (!lpAddress1 || !lpAddress2) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return lpAddress1 == lpAddress2 ? 0 : (lpAddress1 ? 1 : -1);
    }
    /* An ADDRESS holds 10 address bytes: never read past it. */
    return compare_addresses(lpAddress1->Type, lpAddress1->IPXRawAddress, lpAddress2->Type,
                             lpAddress2->IPXRawAddress, sizeof lpAddress1->IPXRawAddress);
}

NMAPI int WINAPI NmxCompareAddresses2(LPADDRESS2 lpAddress1, LPADDRESS2 lpAddress2)
{
    if (!lpAddress1 || !lpAddress2) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return lpAddress1 == lpAddress2 ? 0 : (lpAddress1 ? 1 : -1);
    }
    return compare_addresses(lpAddress1->Type, lpAddress1->IP6Address, lpAddress2->Type,
                             lpAddress2->IP6Address, sizeof lpAddress1->IP6Address);
}

/* UTF-16LE (Len bytes) to UTF-8 in szOut (MAX_PATH bytes); returns its length. */
NMAPI DWORD WINAPI HelperFormatUnicodeString(LPSTR szOut, LPCWSTR szIn, WORD Len)
{
    if (!szOut)
        return 0;
    size_t n = 0;
    const size_t cap = MAX_PATH;
    const BYTE *in = (const BYTE *)szIn;
    size_t units = in ? Len / 2 : 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t cp = (uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8;
        if (cp == 0)
            break;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < units) {
            uint32_t lo = (uint32_t)in[2 * i + 2] | (uint32_t)in[2 * i + 3] << 8;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                cp = 0xFFFD;
            }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        BYTE enc[4];
        size_t k;
        if (cp < 0x80) {
            enc[0] = (BYTE)cp;
            k = 1;
        } else if (cp < 0x800) {
            enc[0] = (BYTE)(0xC0 | cp >> 6);
            enc[1] = (BYTE)(0x80 | (cp & 0x3F));
            k = 2;
        } else if (cp < 0x10000) {
            enc[0] = (BYTE)(0xE0 | cp >> 12);
            enc[1] = (BYTE)(0x80 | ((cp >> 6) & 0x3F));
            enc[2] = (BYTE)(0x80 | (cp & 0x3F));
            k = 3;
        } else {
            enc[0] = (BYTE)(0xF0 | cp >> 18);
            enc[1] = (BYTE)(0x80 | ((cp >> 12) & 0x3F));
            enc[2] = (BYTE)(0x80 | ((cp >> 6) & 0x3F));
            enc[3] = (BYTE)(0x80 | (cp & 0x3F));
            k = 4;
        }
        if (n + k + 1 > cap)
            break;
        memcpy(szOut + n, enc, k);
        n += k;
    }
    szOut[n] = '\0';
    return (DWORD)n;
}

/*
 * BER contents of an OID into lpOID->lpIdentifier.  On input lpOID->Length
 * is the buffer's capacity in bytes; on output the number of arcs.
 */
NMAPI DWORD WINAPI DecodeSNMPObjectIdentifier(LPBYTE lpData, DWORD DataLen, LPOBJECT_IDENTIFIER lpOID)
{
    if (!lpData || !lpOID || !lpOID->lpIdentifier || DataLen == 0)
        return NMERR_INVALID_PARAMETER;
    DWORD cap = lpOID->Length / sizeof(DWORD);
    DWORD n = 0;
    uint64_t v = 0;
    bool first = true;
    for (DWORD i = 0; i < DataLen; i++) {
        v = v << 7 | (lpData[i] & 0x7F);
        if (v > 0xFFFFFFFFull)
            return NMERR_INVALID_DATA;
        if (lpData[i] & 0x80) {
            if (i + 1 == DataLen)
                return NMERR_INVALID_DATA; /* arc not terminated */
            continue;
        }
        if (first) {
            DWORD a = v < 40 ? 0 : v < 80 ? 1 : 2;
            if (n + 2 > cap)
                return NMERR_BUFFER_TOO_SMALL;
            lpOID->lpIdentifier[n++] = a;
            lpOID->lpIdentifier[n++] = (DWORD)(v - 40u * a);
            first = false;
        } else {
            if (n + 1 > cap)
                return NMERR_BUFFER_TOO_SMALL;
            lpOID->lpIdentifier[n++] = (DWORD)v;
        }
        v = 0;
    }
    lpOID->Length = n;
    return NMERR_SUCCESS;
}
