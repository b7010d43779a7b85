/*
 * address.c - NetMon's address helpers that need no frame (spec 6.5):
 * addresses as text and back, address types from MAC types and back,
 * and the comparison of two ADDRESS (or ADDRESS2) values.  All validate
 * their pointers and never read beyond what their arguments describe.
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
