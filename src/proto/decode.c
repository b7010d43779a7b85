/*
 * decode.c - NetMon's value decoders that need no frame (spec 6.6):
 * variable-length small integers, labeled-set look-ups, UTF-16LE text and
 * SNMP object identifiers.  All validate their pointers and never read
 * beyond the length they are given.
 */
#include <string.h>

#include "proto/proto_int.h"

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
