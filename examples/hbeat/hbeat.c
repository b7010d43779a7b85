/*
 * hbeat.c - an example parser DLL for nmexpert: HBEAT, a tiny heartbeat
 * protocol on UDP port 48879, defined for this example.
 *
 * It is written from the public Network Monitor 2 parser documentation
 * ("Parser DLL Export Functions", "Implementing ParserAutoInstallInfo",
 * "Implementing DllMain", "Implementing Register", "Implementing
 * RecognizeFrame", "Implementing AttachProperties", "Implementing
 * FormatProperties") and shows every part a NetMon parser has.
 * docs/writing-a-parser.md walks through it.
 *
 * The protocol (all numbers big-endian):
 *
 *     offset  size  field
 *     0       2     magic, the bytes 'H' 'B'
 *     2       1     version, 1
 *     3       1     flags: bit 0 reply, bit 1 shutting down
 *     4       1     state: 0 idle, 1 busy, 2 degraded, 3 failed
 *     5       2     interval, seconds until the next heartbeat (1..3600)
 *     7       4     sequence number
 *     11      ...   node name (text, to the end of the datagram)
 *
 * Build it like any third-party parser, with no link flags, and load it:
 *
 *     cc -shared -fPIC $(pkg-config --cflags nmexpert) hbeat.c -o hbeat.so
 *     nmexpert run capture.pcap --parser ./hbeat.so -e protdist -e propdist
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <windows.h> /* the compat header: BOOL, DWORD, WINAPI, HeapAlloc, ... */
#include <netmon.h>  /* the SDK: PF_*, ENTRYPOINTS, PROPERTYINFO, AddProperty, ... */

#define HBEAT_PORT 48879
#define HBEAT_HEADER_LEN 11

/* ---- the property database ------------------------------------------- */

/* The labelled values of the state byte (PROP_QUAL_LABELED_SET). */
static LABELED_BYTE StateLabels[] = {
    {0, "Idle"},
    {1, "Busy"},
    {2, "Degraded"},
    {3, "Failed"},
};
static SET StateSet = {sizeof StateLabels / sizeof StateLabels[0], {StateLabels}};

/* The bits of the flags byte (PROP_QUAL_FLAGS): bit number, label when
 * clear, label when set. */
static LABELED_BIT FlagBits[] = {
    {0, "Request", "Reply"},
    {1, "Running", "Shutting down"},
};
static SET FlagSet = {sizeof FlagBits / sizeof FlagBits[0], {FlagBits}};

/* The interval's allowed range (PROP_QUAL_RANGE). */
static RANGE IntervalRange = {1, 3600};

/* One PROPERTYINFO per property.  Register passes each to AddProperty,
 * which fills in hProperty; AttachProperties then uses that handle.  The
 * format function (InstanceData) is the generic FormatPropertyInstance. */
enum { HB_SUMMARY, HB_VERSION, HB_FLAGS, HB_STATE, HB_INTERVAL, HB_SEQUENCE, HB_NODE, HB_COUNT };

static PROPERTYINFO HbProperties[HB_COUNT] = {
    /* hProperty, Version, Label, Comment, DataType, DataQualifier, {qualifier data},
     * FormatStringSize, InstanceData */
    {0, 0, "Summary", "HBEAT heartbeat", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, {NULL}, 80,
     (LPVOID)FormatPropertyInstance},
    {0, 0, "Version", "Protocol version", PROP_TYPE_BYTE, PROP_QUAL_NONE, {NULL}, 80,
     (LPVOID)FormatPropertyInstance},
    {0, 0, "Flags", "Heartbeat flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, {&FlagSet}, 80,
     (LPVOID)FormatPropertyInstance},
    {0, 0, "State", "Node state", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, {&StateSet}, 80,
     (LPVOID)FormatPropertyInstance},
    {0, 0, "Interval", "Seconds to the next heartbeat", PROP_TYPE_BYTESWAPPED_WORD,
     PROP_QUAL_RANGE, {&IntervalRange}, 80, (LPVOID)FormatPropertyInstance},
    {0, 0, "Sequence", "Sequence number", PROP_TYPE_BYTESWAPPED_DWORD, PROP_QUAL_NONE, {NULL}, 80,
     (LPVOID)FormatPropertyInstance},
    {0, 0, "Node", "Node name", PROP_TYPE_STRING, PROP_QUAL_NONE, {NULL}, 80,
     (LPVOID)FormatPropertyInstance},
};

/* ---- the entry points ------------------------------------------------- */

/* Register: create the property database and add every property. */
static VOID WINAPI HbRegister(HPROTOCOL hProtocol)
{
    CreatePropertyDatabase(hProtocol, HB_COUNT);
    for (DWORD i = 0; i < HB_COUNT; i++)
        AddProperty(hProtocol, &HbProperties[i]);
}

/* Deregister: the database goes. */
static VOID WINAPI HbDeregister(HPROTOCOL hProtocol)
{
    DestroyPropertyDatabase(hProtocol);
}

/* RecognizeFrame: is the unclaimed data at lpProtocol a heartbeat?  A
 * parser must never read more than BytesLeft bytes from there. */
static LPBYTE WINAPI HbRecognizeFrame(HFRAME hFrame, ULPBYTE lpFrame, ULPBYTE lpProtocol,
                                      DWORD MacType, DWORD BytesLeft, HPROTOCOL hPrevious,
                                      DWORD nPreviousOffset, LPDWORD ProtocolStatusCode,
                                      LPHPROTOCOL phNextProtocol, PDWORD_PTR lpInstData)
{
    UNREFERENCED_PARAMETER(hFrame);
    UNREFERENCED_PARAMETER(lpFrame);
    UNREFERENCED_PARAMETER(MacType);
    UNREFERENCED_PARAMETER(hPrevious);
    UNREFERENCED_PARAMETER(nPreviousOffset);
    UNREFERENCED_PARAMETER(phNextProtocol);
    UNREFERENCED_PARAMETER(lpInstData);
    if (BytesLeft < HBEAT_HEADER_LEN || lpProtocol[0] != 'H' || lpProtocol[1] != 'B' ||
        lpProtocol[2] != 1) {
        /* Not ours: hand the data back untouched, and the next candidate
         * for the port (or the heuristics) gets it. */
        *ProtocolStatusCode = PROTOCOL_STATUS_NOT_RECOGNIZED;
        return lpProtocol;
    }
    /* Ours, to the end of the datagram: nothing follows a heartbeat. */
    *ProtocolStatusCode = PROTOCOL_STATUS_CLAIMED;
    return NULL;
}

/* AttachProperties: say where each property lies in the recognised data. */
static LPBYTE WINAPI HbAttachProperties(HFRAME hFrame, ULPBYTE lpFrame, ULPBYTE lpProtocol,
                                        DWORD MacType, DWORD BytesLeft, HPROTOCOL hPrevious,
                                        DWORD nPreviousOffset, DWORD_PTR InstData)
{
    UNREFERENCED_PARAMETER(lpFrame);
    UNREFERENCED_PARAMETER(MacType);
    UNREFERENCED_PARAMETER(hPrevious);
    UNREFERENCED_PARAMETER(nPreviousOffset);
    UNREFERENCED_PARAMETER(InstData);
    if (BytesLeft < HBEAT_HEADER_LEN)
        return NULL; /* RecognizeFrame would not have claimed it */

    /* hFrame, property, length, data, help id, level (indent), flags */
    AttachPropertyInstance(hFrame, HbProperties[HB_SUMMARY].hProperty, BytesLeft, lpProtocol, 0, 0, 0);
    AttachPropertyInstance(hFrame, HbProperties[HB_VERSION].hProperty, 1, lpProtocol + 2, 0, 1, 0);
    AttachPropertyInstance(hFrame, HbProperties[HB_FLAGS].hProperty, 1, lpProtocol + 3, 0, 1, 0);
    AttachPropertyInstance(hFrame, HbProperties[HB_STATE].hProperty, 1, lpProtocol + 4, 0, 1, 0);
    /* Big-endian numbers: the BYTESWAPPED types say so, and IFLAG_SWAPPED
     * tells the formatter the bytes are not in the host's order. */
    AttachPropertyInstance(hFrame, HbProperties[HB_INTERVAL].hProperty, 2, lpProtocol + 5, 0, 1,
                           IFLAG_SWAPPED);
    AttachPropertyInstance(hFrame, HbProperties[HB_SEQUENCE].hProperty, 4, lpProtocol + 7, 0, 1,
                           IFLAG_SWAPPED);
    if (BytesLeft > HBEAT_HEADER_LEN)
        AttachPropertyInstance(hFrame, HbProperties[HB_NODE].hProperty, BytesLeft - HBEAT_HEADER_LEN,
                               lpProtocol + HBEAT_HEADER_LEN, 0, 1, 0);
    return NULL;
}

/* FormatProperties: call each instance's format function (here always the
 * generic FormatPropertyInstance). */
static DWORD WINAPI HbFormatProperties(HFRAME hFrame, ULPBYTE lpFrame, ULPBYTE lpProtocol,
                                       DWORD nPropertyInsts, LPPROPERTYINST p)
{
    UNREFERENCED_PARAMETER(hFrame);
    UNREFERENCED_PARAMETER(lpFrame);
    UNREFERENCED_PARAMETER(lpProtocol);
    while (nPropertyInsts-- > 0) {
        ((FORMAT)p->lpPropertyInfo->InstanceData)(p);
        p++;
    }
    return NMERR_SUCCESS;
}

static ENTRYPOINTS HbEntryPoints = {
    HbRegister, HbDeregister, HbRecognizeFrame, HbAttachProperties, HbFormatProperties,
};

static HPROTOCOL hHbeat;
static DWORD Attached;

/* ---- the two exports -------------------------------------------------- */

/* DllMain: create the protocol when loaded, destroy it when unloaded. */
BOOL WINAPI DllMain(HINSTANCE hInstance, ULONG Command, LPVOID Reserved)
{
    UNREFERENCED_PARAMETER(hInstance);
    UNREFERENCED_PARAMETER(Reserved);
    switch (Command) {
    case DLL_PROCESS_ATTACH:
        if (Attached++ == 0)
            hHbeat = CreateProtocol("HBEAT", &HbEntryPoints, ENTRYPOINTS_SIZE);
        break;
    case DLL_PROCESS_DETACH:
        if (Attached > 0 && --Attached == 0 && hHbeat != NULL)
            DestroyProtocol(hHbeat);
        break;
    }
    return TRUE; /* a parser's DllMain always answers TRUE */
}

/* ParserAutoInstallInfo: describe the DLL's one parser and say who hands
 * off to it: UDP, for port 48879 (TCPIP.INI, section UDP_HandoffSet). */
PPF_PARSERDLLINFO WINAPI ParserAutoInstallInfo(VOID)
{
    PPF_PARSERDLLINFO info = (PPF_PARSERDLLINFO)HeapAlloc(
        GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(PF_PARSERDLLINFO) + sizeof(PF_PARSERINFO));
    if (info == NULL)
        return NULL;
    info->nParsers = 1;
    PPF_PARSERINFO parser = &info->ParserInfo[0];
    snprintf(parser->szProtocolName, MAX_PROTOCOL_NAME_LEN, "HBEAT");
    snprintf(parser->szComment, MAX_PROTOCOL_COMMENT_LEN, "Heartbeat (nmexpert example)");

    PPF_HANDOFFSET handoffs = (PPF_HANDOFFSET)HeapAlloc(
        GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(PF_HANDOFFSET) + sizeof(PF_HANDOFFENTRY));
    if (handoffs == NULL)
        return info;
    handoffs->nEntries = 1;
    PPF_HANDOFFENTRY e = &handoffs->Entry[0];
    snprintf(e->szIniFile, MAX_PATH, "TCPIP.INI");
    snprintf(e->szIniSection, MAX_PATH, "UDP_HandoffSet");
    snprintf(e->szProtocol, MAX_PROTOCOL_NAME_LEN, "HBEAT");
    e->dwHandOffValue = HBEAT_PORT;
    e->ValueFormatBase = HANDOFF_VALUE_FORMAT_BASE_DECIMAL;
    parser->pWhoHandsOffToMe = handoffs;
    return info;
}
