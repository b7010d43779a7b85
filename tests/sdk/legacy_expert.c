/*
 * legacy_expert.c - an expert written the way NetMon 2 SDK experts are
 * (in the style of the SDK's boilerplate sample): Win32 types and macros
 * from <windows.h>, a DllMain that keeps the module handle, string copies
 * with lstrcpy, status text with wsprintf, ZeroMemory on structures, the
 * Column[] allocation idiom, and growth with ExpertReallocMemory.  It must
 * compile unchanged with `cc -shared -fPIC $(pkg-config --cflags nmexpert)`
 * (tests/sdk/test_sdk.sh) and report the number of frames and of TCP frames.
 */
#include <windows.h>
#include <netmon.h>

HINSTANCE hInst;

BOOL WINAPI DllMain(HINSTANCE hInstance, ULONG ulReason, LPVOID Reserved)
{
    switch (ulReason) {
    case DLL_PROCESS_ATTACH:
        hInst = hInstance;
        break;
    case DLL_PROCESS_DETACH:
        break;
    }
    return TRUE;
}

BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo)
{
    lstrcpy(pExpertInfo->szName, "Legacy Style Expert");
    lstrcpy(pExpertInfo->szVendor, "nmexpert SDK tests");
    lstrcpy(pExpertInfo->szDescription, "Counts frames and TCP frames");
    pExpertInfo->Version = 1;
    pExpertInfo->Flags = 0;
    return TRUE;
}

BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO pExpertStartupInfo,
                DWORD StartupFlags, HWND hWnd)
{
    DWORD dwError, nFrames = 0, nTcp = 0, nSlots = 4;
    EXPERTFRAMEDESCRIPTOR EFrameDescriptor;
    EXPERTSTATUS ExpertStatus;
    char szText[MAX_PATH];
    LPDWORD lpSizes;
    PNMEVENTDATA pEvent;
    HPROTOCOL hTcp;
    HFILTER hFilter;
    FILTEROBJECT FilterObject;

    ZeroMemory(&ExpertStatus, sizeof(ExpertStatus));
    dwError = ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_STARTING, 0, "", 0);
    if (dwError != NMERR_SUCCESS)
        return FALSE;

    lpSizes = (LPDWORD)ExpertAllocMemory(hExpertKey, nSlots * sizeof(DWORD), &dwError);
    if (lpSizes == NULL)
        return FALSE;

    hTcp = GetProtocolFromName("TCP");
    hFilter = CreateFilter();
    ZeroMemory(&FilterObject, sizeof(FilterObject));
    FilterObject.Action = FILTERACTION_PROTOCOLEXIST;
    FilterObject.hProtocol = hTcp;
    FilterAddObject(hFilter, &FilterObject);

    dwError = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, (DWORD)-1,
                             NULL, &EFrameDescriptor);
    while (dwError == NMERR_SUCCESS) {
        if (nFrames == nSlots) {
            nSlots *= 2;
            lpSizes = (LPDWORD)ExpertReallocMemory(hExpertKey, lpSizes, nSlots * sizeof(DWORD), &dwError);
            if (lpSizes == NULL)
                return FALSE;
        }
        lpSizes[nFrames++] = EFrameDescriptor.pFrame->FrameLength;
        if (FilterFrame(EFrameDescriptor.hFrame, hFilter, pExpertStartupInfo->hCapture) == FILTER_PASSED)
            nTcp++;
        ExpertStatus.Frame = EFrameDescriptor.FrameNumber + 1;
        dwError = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER,
                                 EFrameDescriptor.FrameNumber, NULL, &EFrameDescriptor);
    }
    DestroyFilter(hFilter);
    if (dwError == NMERR_EXPERT_TERMINATE) {
        ExpertFreeMemory(hExpertKey, lpSizes);
        return TRUE;
    }
    wsprintf(szText, "%lu frames", (unsigned long)nFrames);
    ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_RUNNING, 0, szText, 99);

    pEvent = (PNMEVENTDATA)ExpertAllocMemory(hExpertKey, sizeof(NMEVENTDATA) + 2 * sizeof(NMCOLUMNINFO), &dwError);
    if (pEvent == NULL)
        return FALSE;
    pEvent->Version = 0;
    pEvent->EventIdent = 1;
    pEvent->Flags = EVENT_FLAG_EXPERT;
    pEvent->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    pEvent->szSourceName = "Legacy Style Expert";
    pEvent->szEventName = "Counts";
    pEvent->szDescription = szText;
    pEvent->NumColumns = 2;
    pEvent->Column[0].szColumnName = "Frames";
    pEvent->Column[0].VariantData.Type = NMCOLUMNTYPE_UINT32;
    pEvent->Column[0].VariantData.Value.Uint32Val = nFrames;
    pEvent->Column[1].szColumnName = "TCP Frames";
    pEvent->Column[1].VariantData.Type = NMCOLUMNTYPE_UINT32;
    pEvent->Column[1].VariantData.Value.Uint32Val = nTcp;
    dwError = ExpertSubmitEvent(hExpertKey, pEvent);
    ExpertFreeMemory(hExpertKey, pEvent);
    ExpertFreeMemory(hExpertKey, lpSizes);
    return dwError == NMERR_SUCCESS;
}
