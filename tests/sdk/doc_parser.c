/*
 * doc_parser.c - a parser DLL written the way the netmon2 parser pages
 * write one (BHAPI entry points, a global ENTRYPOINTS, DllMain with an
 * Attached count, ParserAutoInstallInfo with HeapAlloc'd handoff and follow
 * sets, a handoff table, AttachPropertyInstanceEx, a custom formatter).
 * tests/sdk/test_parser_sdk.sh compiles it with -Werror against the public
 * headers only; it is never loaded.
 */
#include <windows.h>
#include <netmon.h>

typedef struct _DEMOHDR {
    WORD Signature;
    WORD Opcode;
    BYTE Flags;
    BYTE Next;
} DEMOHDR, *PDEMOHDR;

enum { DEMO_SUMMARY, DEMO_SIGNATURE, DEMO_OPCODE, DEMO_FLAGS, DEMO_NEXT };

VOID WINAPIV DemoFormatSummary(LPPROPERTYINST lpPropertyInst, ...);

static LABELED_WORD OpcodeLabels[] = {{1, "Request"}, {2, "Response"}};
static SET OpcodeSet = {2, {OpcodeLabels}};
static LABELED_BIT FlagBits[] = {{0, "Not urgent", "Urgent"}, {7, "Short", "Long"}};
static SET FlagSet = {2, {FlagBits}};
static RANGE NextRange = {0, 16};

PROPERTYINFO DemoPropertyTable[] = {
    {0, 0, "Summary", "Demo summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, {0}, 80,
     (LPVOID)DemoFormatSummary},
    {0, 0, "Signature", "Demo signature", PROP_TYPE_WORD, PROP_QUAL_NONE, {0}, 80,
     (LPVOID)FormatPropertyInstance},
    {0, 0, "Opcode", "Demo opcode", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, {&OpcodeSet}, 80,
     (LPVOID)FormatPropertyInstance},
    {0, 0, "Flags", "Demo flags", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, {&FlagSet}, 80,
     (LPVOID)FormatPropertyInstance},
    {0, 0, "Next", "Next protocol", PROP_TYPE_BYTE, PROP_QUAL_RANGE, {&NextRange}, 80,
     (LPVOID)FormatPropertyInstance},
};
#define nDemoProperties (sizeof(DemoPropertyTable) / sizeof(PROPERTYINFO))

HPROTOCOL hDemo;
LPHANDOFFTABLE DemoHandoffTable;
DWORD Attached = 0;

VOID WINAPIV DemoFormatSummary(LPPROPERTYINST lpPropertyInst, ...)
{
    PDEMOHDR pHdr = (PDEMOHDR)lpPropertyInst->lpData;
    wsprintf(lpPropertyInst->szPropertyText, "Demo: opcode %u", (unsigned)pHdr->Opcode);
}

VOID BHAPI DemoRegister(HPROTOCOL hProtocol)
{
    CreatePropertyDatabase(hProtocol, nDemoProperties);
    for (DWORD i = 0; i < nDemoProperties; i++)
        AddProperty(hProtocol, &DemoPropertyTable[i]);
    CreateHandoffTable("DEMO_HandoffSet", "DEMO.INI", &DemoHandoffTable, 16,
                       HANDOFF_VALUE_FORMAT_BASE_DECIMAL);
}

VOID BHAPI DemoDeregister(HPROTOCOL hProtocol)
{
    DestroyHandoffTable(DemoHandoffTable);
    DestroyPropertyDatabase(hProtocol);
}

LPBYTE BHAPI DemoRecognizeFrame(HFRAME hFrame, ULPBYTE pMacFrame, ULPBYTE pDemoFrame, DWORD MacType,
                                DWORD BytesLeft, HPROTOCOL hPrevProtocol, DWORD nPrevProtOffset,
                                LPDWORD pProtocolStatus, LPHPROTOCOL phNextProtocol,
                                PDWORD_PTR InstData)
{
    UNREFERENCED_PARAMETER(hFrame);
    UNREFERENCED_PARAMETER(pMacFrame);
    UNREFERENCED_PARAMETER(MacType);
    UNREFERENCED_PARAMETER(hPrevProtocol);
    UNREFERENCED_PARAMETER(nPrevProtOffset);
    PDEMOHDR pHdr = (PDEMOHDR)pDemoFrame;
    if (BytesLeft < sizeof(DEMOHDR)) {
        *pProtocolStatus = PROTOCOL_STATUS_NOT_RECOGNIZED;
        return pDemoFrame;
    }
    *phNextProtocol = GetProtocolFromTable(DemoHandoffTable, pHdr->Next, InstData);
    if (*phNextProtocol != NULL) {
        *pProtocolStatus = PROTOCOL_STATUS_NEXT_PROTOCOL;
        return pDemoFrame + sizeof(DEMOHDR);
    }
    if (BytesLeft > sizeof(DEMOHDR)) {
        *pProtocolStatus = PROTOCOL_STATUS_RECOGNIZED;
        return pDemoFrame + sizeof(DEMOHDR);
    }
    *pProtocolStatus = PROTOCOL_STATUS_CLAIMED;
    return NULL;
}

LPBYTE BHAPI DemoAttachProperties(HFRAME hFrame, ULPBYTE pMacFrame, ULPBYTE pDemoFrame, DWORD MacType,
                                  DWORD BytesLeft, HPROTOCOL hPrevProtocol, DWORD nPrevProtOffset,
                                  DWORD_PTR InstData)
{
    UNREFERENCED_PARAMETER(pMacFrame);
    UNREFERENCED_PARAMETER(MacType);
    UNREFERENCED_PARAMETER(hPrevProtocol);
    UNREFERENCED_PARAMETER(nPrevProtOffset);
    UNREFERENCED_PARAMETER(InstData);
    PDEMOHDR pHdr = (PDEMOHDR)pDemoFrame;
    WORD opcode = (WORD)(pHdr->Opcode & 0x00FF);
    AttachPropertyInstance(hFrame, DemoPropertyTable[DEMO_SUMMARY].hProperty, (WORD)BytesLeft,
                           pDemoFrame, 0, 0, 0);
    AttachPropertyInstance(hFrame, DemoPropertyTable[DEMO_SIGNATURE].hProperty, sizeof(WORD),
                           &pHdr->Signature, 0, 1, 0);
    AttachPropertyInstanceEx(hFrame, DemoPropertyTable[DEMO_OPCODE].hProperty, sizeof(WORD),
                             &pHdr->Opcode, sizeof(WORD), &opcode, 0, 1, 0);
    AttachPropertyInstance(hFrame, DemoPropertyTable[DEMO_FLAGS].hProperty, sizeof(BYTE),
                           &pHdr->Flags, 0, 1, 0);
    AttachPropertyInstance(hFrame, DemoPropertyTable[DEMO_NEXT].hProperty, sizeof(BYTE),
                           &pHdr->Next, 0, 1, IFLAG_ERROR);
    return NULL;
}

DWORD BHAPI DemoFormatProperties(HFRAME hFrame, ULPBYTE pMacFrame, ULPBYTE pDemoFrame,
                                 DWORD nPropertyInsts, LPPROPERTYINST p)
{
    UNREFERENCED_PARAMETER(hFrame);
    UNREFERENCED_PARAMETER(pMacFrame);
    UNREFERENCED_PARAMETER(pDemoFrame);
    while (nPropertyInsts-- > 0) {
        ((FORMAT)p->lpPropertyInfo->InstanceData)(p);
        p++;
    }
    return BHERR_SUCCESS;
}

ENTRYPOINTS DemoEntryPoints = {DemoRegister, DemoDeregister, DemoRecognizeFrame,
                               DemoAttachProperties, DemoFormatProperties};

BOOL WINAPI DllMain(HANDLE hInstance, ULONG Command, LPVOID Reserved)
{
    UNREFERENCED_PARAMETER(hInstance);
    UNREFERENCED_PARAMETER(Reserved);
    switch (Command) {
    case DLL_PROCESS_ATTACH:
        if (Attached == 0)
            hDemo = CreateProtocol("DEMO", &DemoEntryPoints, ENTRYPOINTS_SIZE);
        Attached++;
        break;
    case DLL_PROCESS_DETACH:
        Attached--;
        if (Attached == 0)
            DestroyProtocol(hDemo);
        break;
    }
    return TRUE;
}

PPF_PARSERDLLINFO WINAPI ParserAutoInstallInfo(void)
{
    DWORD NumParsers = 1, NumHandoffs = 2, NumFollows = 1;
    PPF_PARSERDLLINFO pParserDllInfo = (PPF_PARSERDLLINFO)HeapAlloc(
        GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(PF_PARSERDLLINFO) + NumParsers * sizeof(PF_PARSERINFO));
    if (pParserDllInfo == NULL)
        return NULL;
    pParserDllInfo->nParsers = NumParsers;
    PPF_PARSERINFO pParserInfo = &(pParserDllInfo->ParserInfo[0]);
    lstrcpyn(pParserInfo->szProtocolName, "DEMO", MAX_PROTOCOL_NAME_LEN);
    lstrcpyn(pParserInfo->szComment, "Demo protocol", MAX_PROTOCOL_COMMENT_LEN);
    lstrcpyn(pParserInfo->szHelpFile, "", MAX_PATH);

    PPF_HANDOFFSET pHandoffSet = (PPF_HANDOFFSET)HeapAlloc(
        GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(PF_HANDOFFSET) + NumHandoffs * sizeof(PF_HANDOFFENTRY));
    if (pHandoffSet == NULL)
        return pParserDllInfo;
    pParserInfo->pWhoHandsOffToMe = pHandoffSet;
    pHandoffSet->nEntries = NumHandoffs;
    PPF_HANDOFFENTRY pHandoffEntry = &(pHandoffSet->Entry[0]);
    lstrcpyn(pHandoffEntry->szIniFile, "TCPIP.INI", MAX_PATH);
    lstrcpyn(pHandoffEntry->szIniSection, "TCP_HandoffSet", MAX_PATH);
    lstrcpyn(pHandoffEntry->szProtocol, "DEMO", MAX_PROTOCOL_NAME_LEN);
    pHandoffEntry->dwHandOffValue = 0xFFFF;
    pHandoffEntry->ValueFormatBase = HANDOFF_VALUE_FORMAT_BASE_DECIMAL;
    pHandoffEntry = &(pHandoffSet->Entry[1]);
    lstrcpyn(pHandoffEntry->szIniFile, "TCPIP.INI", MAX_PATH);
    lstrcpyn(pHandoffEntry->szIniSection, "UDP_HandoffSet", MAX_PATH);
    lstrcpyn(pHandoffEntry->szProtocol, "DEMO", MAX_PROTOCOL_NAME_LEN);
    pHandoffEntry->dwHandOffValue = 0xFFFF;
    pHandoffEntry->ValueFormatBase = HANDOFF_VALUE_FORMAT_BASE_HEX;

    PPF_FOLLOWSET pFollowSet = (PPF_FOLLOWSET)HeapAlloc(
        GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(PF_FOLLOWSET) + NumFollows * sizeof(PF_FOLLOWENTRY));
    if (pFollowSet == NULL)
        return pParserDllInfo;
    pParserInfo->pWhoCanFollowMe = pFollowSet;
    pFollowSet->nEntries = NumFollows;
    lstrcpyn(pFollowSet->Entry[0].szProtocol, "SMB", MAX_PROTOCOL_NAME_LEN);
    return pParserDllInfo;
}
