//=============================================================================
//  Microsoft (R) Network Monitor (tm) style expert.
//
//  MODULE: talkers.c
//
//  Top talkers by station, in the style of the 1998 SDK sample experts
//  (BLRPLATE and Property Distribution): windows.h, TCHAR strings, wsprintf
//  status text, HeapAlloc tables, settings kept in an .ini file next to the
//  expert (GetPrivateProfileString), a FILTEROBJECT filter, one event per
//  station and a summary.
//
//  This file is a test of nmexpert's compatibility headers: it must compile
//  unchanged as C and as C++ with -Wall -Wextra -Werror and run in both
//  isolation modes (tests/sdk/test_conformance.py).
//
//  Settings (TALKERS.INI, section [Talkers]):
//      MaxStations=N       stations kept (default 8)
//      MinFrames=N         stations with fewer frames are not reported
//      Title=text          text of the summary event
//      CountTcpOnly=0|1    count only frames with a TCP header
//=============================================================================
#include <windows.h>
#include <tchar.h>
#include <winsock.h>
#include <stdlib.h>
#include <netmon.h>

//=============================================================================
//  Constants.
//=============================================================================
#define TALKERS_INI_SECTION _T("Talkers")
#define DEFAULT_MAX_STATIONS 8
#define ABSOLUTE_MAX_STATIONS 256
#define EVENT_STATION 1
#define EVENT_SUMMARY 2
#define EVENT_SETTINGS 3
#define NUM_STATION_COLUMNS 4
#define ETHERTYPE_IP 0x0800
#define IPPROTO_TCP_VALUE 6

//=============================================================================
//  Types.
//=============================================================================
typedef struct _STATION
{
    BYTE    MacAddress[6];
    DWORD   nFrames;
    DWORD   nBytes;
    DWORD   FirstFrame;
} STATION, FAR *LPSTATION;

typedef struct _TALKERSETTINGS
{
    DWORD   MaxStations;
    DWORD   MinFrames;
    BOOL    bTcpOnly;
    TCHAR   szTitle[MAX_PATH];
} TALKERSETTINGS, FAR *LPTALKERSETTINGS;

//=============================================================================
//  Globals.
//=============================================================================
HINSTANCE       hInstance;
TALKERSETTINGS  Settings;
TCHAR           szIniFile[MAX_PATH];
static TCHAR    szSource[]      = _T("Talkers");
static TCHAR    szEventName[]   = _T("Station");
static TCHAR    szSummaryName[] = _T("Summary");
static TCHAR    szColAddress[]  = _T("Address");
static TCHAR    szColFrames[]   = _T("Frames");
static TCHAR    szColBytes[]    = _T("Bytes");
static TCHAR    szColFirst[]    = _T("First Frame");
static TCHAR    szColTitle[]    = _T("Title");
static TCHAR    szColMaxStations[] = _T("MaxStations");
static TCHAR    szColMinFrames[] = _T("MinFrames");
static TCHAR    szEmpty[]       = _T("");

//=============================================================================
//  FUNCTION: BuildIniFileName
//
//  The .ini file lives next to the expert: its path with the extension
//  replaced by .ini.
//=============================================================================
static VOID BuildIniFileName(VOID)
{
    LPTSTR lpDot;
    LPTSTR lpSlash;

    if (GetModuleFileName(hInstance, szIniFile, MAX_PATH) == 0)
    {
        lstrcpy(szIniFile, _T("talkers.ini"));
        return;
    }
    lpDot = _tcsrchr(szIniFile, _T('.'));
    lpSlash = _tcsrchr(szIniFile, _T('/'));
    if (lpDot != NULL && (lpSlash == NULL || lpDot > lpSlash))
    {
        *lpDot = _T('\0');
    }
    if (lstrlen(szIniFile) + 5 < MAX_PATH)
    {
        lstrcat(szIniFile, _T(".ini"));
    }
}

//=============================================================================
//  FUNCTION: LoadSettings
//=============================================================================
static VOID LoadSettings(LPTALKERSETTINGS lpSettings)
{
    TCHAR szValue[64];

    ZeroMemory(lpSettings, sizeof(TALKERSETTINGS));
    GetPrivateProfileString(TALKERS_INI_SECTION, _T("MaxStations"), _T("8"),
                            szValue, sizeof(szValue) / sizeof(TCHAR), szIniFile);
    lpSettings->MaxStations = (DWORD)_ttoi(szValue);
    if (lpSettings->MaxStations == 0 || lpSettings->MaxStations > ABSOLUTE_MAX_STATIONS)
    {
        lpSettings->MaxStations = DEFAULT_MAX_STATIONS;
    }
    lpSettings->MinFrames = GetPrivateProfileInt(TALKERS_INI_SECTION, _T("MinFrames"), 1, szIniFile);
    lpSettings->bTcpOnly = GetPrivateProfileInt(TALKERS_INI_SECTION, _T("CountTcpOnly"), 0, szIniFile) != 0;
    GetPrivateProfileString(TALKERS_INI_SECTION, _T("Title"), _T("Top talkers"),
                            lpSettings->szTitle, MAX_PATH, szIniFile);
}

//=============================================================================
//  FUNCTION: DllMain
//=============================================================================
BOOL WINAPI DllMain(HINSTANCE hInst, ULONG ulCommand, LPVOID lpReserved)
{
    UNREFERENCED_PARAMETER(lpReserved);

    switch (ulCommand)
    {
        case DLL_PROCESS_ATTACH:
            hInstance = hInst;
            BuildIniFileName();
            break;

        case DLL_PROCESS_DETACH:
            break;
    }
    return TRUE;
}

//=============================================================================
//  FUNCTION: Register
//=============================================================================
__declspec(dllexport) BOOL WINAPI Register(PEXPERTENUMINFO pExpertEnumInfo)
{
    lstrcpyn(pExpertEnumInfo->szName, _T("Top Talkers (1998 style)"), EXPERTSTRINGLENGTH);
    lstrcpyn(pExpertEnumInfo->szVendor, _T("nmexpert SDK tests"), EXPERTSTRINGLENGTH);
    lstrcpyn(pExpertEnumInfo->szDescription,
             _T("Counts frames and bytes per Ethernet source station"), EXPERTSTRINGLENGTH);
    pExpertEnumInfo->Version = 1;
    pExpertEnumInfo->Flags = 0;
    return TRUE;
}

//=============================================================================
//  FUNCTION: FindStation
//
//  Linear search; the table is small (MaxStations entries at most).
//=============================================================================
static LPSTATION FindStation(LPSTATION lpTable, DWORD nUsed, ULPBYTE lpMac)
{
    DWORD i;

    for (i = 0; i < nUsed; i++)
    {
        if (memcmp(lpTable[i].MacAddress, lpMac, 6) == 0)
        {
            return &lpTable[i];
        }
    }
    return NULL;
}

//=============================================================================
//  FUNCTION: IsTcpFrame
//
//  Raw-byte parse, as the samples recommend over attached properties.
//=============================================================================
static BOOL IsTcpFrame(ULPFRAME lpFrame)
{
    WORD wType;

    if (lpFrame->nBytesAvail < ETHERNET_HEADER_LENGTH + 20)
    {
        return FALSE;
    }
    CopyMemory(&wType, &lpFrame->MacFrame[12], sizeof(wType));
    if (ntohs(wType) != ETHERTYPE_IP)
    {
        return FALSE;
    }
    return lpFrame->MacFrame[ETHERNET_HEADER_LENGTH + 9] == IPPROTO_TCP_VALUE;
}

//=============================================================================
//  FUNCTION: SubmitStation
//=============================================================================
static DWORD SubmitStation(HEXPERTKEY hExpertKey, PNMEVENTDATA pEvent, LPSTATION lpStation)
{
    static TCHAR szAddress[32];

    wsprintf(szAddress, _T("%02X%02X%02X%02X%02X%02X"),
             lpStation->MacAddress[0], lpStation->MacAddress[1], lpStation->MacAddress[2],
             lpStation->MacAddress[3], lpStation->MacAddress[4], lpStation->MacAddress[5]);
    pEvent->EventIdent = EVENT_STATION;
    pEvent->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    pEvent->szSourceName = szSource;
    pEvent->szEventName = szEventName;
    pEvent->szDescription = szEmpty;
    pEvent->NumColumns = NUM_STATION_COLUMNS;
    pEvent->Column[0].szColumnName = szColAddress;
    pEvent->Column[0].VariantData.Type = NMCOLUMNTYPE_STRING;
    pEvent->Column[0].VariantData.Value.pStringVal = szAddress;
    pEvent->Column[1].szColumnName = szColFrames;
    pEvent->Column[1].VariantData.Type = NMCOLUMNTYPE_UINT32;
    pEvent->Column[1].VariantData.Value.Uint32Val = lpStation->nFrames;
    pEvent->Column[2].szColumnName = szColBytes;
    pEvent->Column[2].VariantData.Type = NMCOLUMNTYPE_UINT32;
    pEvent->Column[2].VariantData.Value.Uint32Val = lpStation->nBytes;
    pEvent->Column[3].szColumnName = szColFirst;
    pEvent->Column[3].VariantData.Type = NMCOLUMNTYPE_FRAME;
    pEvent->Column[3].VariantData.Value.FrameVal = lpStation->FirstFrame;
    return ExpertSubmitEvent(hExpertKey, pEvent);
}

//=============================================================================
//  FUNCTION: Run
//=============================================================================
__declspec(dllexport) BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig,
                                      PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags,
                                      HWND hWndParent)
{
    EXPERTFRAMEDESCRIPTOR EFrameDescriptor;
    PNMEVENTDATA    pEvent = NULL;
    LPSTATION       lpTable = NULL;
    LPSTATION       lpStation;
    HFILTER         hFilter = NULL;
    HPROTOCOL       hEthernet;
    FILTEROBJECT    FilterObject;
    DWORD           dwError = NMERR_SUCCESS;
    DWORD           nUsed = 0, nFrames = 0, nCounted = 0, nDropped = 0;
    DWORD           dwTotal, dwLastPercent = 0, dwPercent, dwStart, i;
    TCHAR           szStatus[EXPERTSTRINGLENGTH];
    BOOL            bResult = FALSE;

    UNREFERENCED_PARAMETER(pConfig);
    UNREFERENCED_PARAMETER(StartupFlags);
    UNREFERENCED_PARAMETER(hWndParent);

    dwStart = GetTickCount();
    LoadSettings(&Settings);
    dwError = ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_STARTING, 0, _T("Starting"), 0);
    if (dwError != NMERR_SUCCESS)
    {
        return FALSE;
    }

    // The station table and the event buffer come from the process heap,
    // as many NetMon-era experts did.
    lpTable = (LPSTATION)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY,
                                   Settings.MaxStations * sizeof(STATION));
    pEvent = (PNMEVENTDATA)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY,
                                     sizeof(NMEVENTDATA) + NUM_STATION_COLUMNS * sizeof(NMCOLUMNINFO));
    if (lpTable == NULL || pEvent == NULL)
    {
        ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_PROBLEM, NMERR_OUT_OF_MEMORY,
                             _T("Out of memory"), 0);
        goto Cleanup;
    }

    // Only frames with an Ethernet header.
    hEthernet = GetProtocolFromName(_T("ETHERNET"));
    if (hEthernet != NULL)
    {
        hFilter = CreateFilter();
        if (hFilter != NULL)
        {
            ZeroMemory(&FilterObject, sizeof(FilterObject));
            FilterObject.Action = FILTERACTION_PROTOCOLEXIST;
            FilterObject.hProtocol = hEthernet;
            FilterAddObject(hFilter, &FilterObject);
        }
    }

    dwTotal = GetCaptureTotalFrames(pExpertStartupInfo->hCapture);
    ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_RUNNING, 0, szEmpty, 0);
    EFrameDescriptor.FrameNumber = (DWORD)-1;
    while ((dwError = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER,
                                     EFrameDescriptor.FrameNumber, hFilter,
                                     &EFrameDescriptor)) == NMERR_SUCCESS)
    {
        ULPFRAME lpFrame = EFrameDescriptor.pFrame;

        nFrames++;
        if (dwTotal != 0)
        {
            dwPercent = (EFrameDescriptor.FrameNumber * 100) / dwTotal;
            if (dwPercent > dwLastPercent)
            {
                dwLastPercent = dwPercent;
                wsprintf(szStatus, _T("%lu of %lu frames"), (ULONG)nFrames, (ULONG)dwTotal);
                if (ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_RUNNING, 0, szStatus,
                                         (LONG)dwPercent) == NMERR_EXPERT_TERMINATE)
                {
                    dwError = NMERR_EXPERT_TERMINATE;
                    break;
                }
            }
        }
        if (lpFrame->nBytesAvail < ETHERNET_HEADER_LENGTH)
        {
            continue;
        }
        if (Settings.bTcpOnly && !IsTcpFrame(lpFrame))
        {
            continue;
        }
        nCounted++;
        lpStation = FindStation(lpTable, nUsed, &lpFrame->MacFrame[6]);
        if (lpStation == NULL)
        {
            if (nUsed >= Settings.MaxStations)
            {
                nDropped++;
                continue;
            }
            lpStation = &lpTable[nUsed++];
            CopyMemory(lpStation->MacAddress, &lpFrame->MacFrame[6], 6);
            lpStation->FirstFrame = EFrameDescriptor.FrameNumber;
        }
        lpStation->nFrames++;
        lpStation->nBytes += lpFrame->FrameLength;
    }
    if (dwError == NMERR_EXPERT_TERMINATE)
    {
        goto Cleanup;
    }

    for (i = 0; i < nUsed; i++)
    {
        if (lpTable[i].nFrames >= Settings.MinFrames)
        {
            if (SubmitStation(hExpertKey, pEvent, &lpTable[i]) == NMERR_EXPERT_TERMINATE)
            {
                goto Cleanup;
            }
        }
    }

    // The summary: frames seen, frames counted, stations over the limit.
    ZeroMemory(pEvent, sizeof(NMEVENTDATA) + NUM_STATION_COLUMNS * sizeof(NMCOLUMNINFO));
    wsprintf(szStatus, _T("%s: %lu frames, %lu counted, %lu stations (%lu frames dropped), %I64d ms"),
             Settings.szTitle, (ULONG)nFrames, (ULONG)nCounted, (ULONG)nUsed, (ULONG)nDropped,
             (__int64)(GetTickCount() - dwStart));
    pEvent->EventIdent = EVENT_SUMMARY;
    pEvent->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    pEvent->szSourceName = szSource;
    pEvent->szEventName = szSummaryName;
    pEvent->szDescription = szStatus;
    pEvent->NumColumns = 3;
    pEvent->Column[0].szColumnName = szColTitle;
    pEvent->Column[0].VariantData.Type = NMCOLUMNTYPE_STRING;
    pEvent->Column[0].VariantData.Value.pStringVal = Settings.szTitle;
    pEvent->Column[1].szColumnName = szColFrames;
    pEvent->Column[1].VariantData.Type = NMCOLUMNTYPE_UINT32;
    pEvent->Column[1].VariantData.Value.Uint32Val = nCounted;
    pEvent->Column[2].szColumnName = szColMaxStations;
    pEvent->Column[2].VariantData.Type = NMCOLUMNTYPE_UINT32;
    pEvent->Column[2].VariantData.Value.Uint32Val = Settings.MaxStations;
    ExpertSubmitEvent(hExpertKey, pEvent);

    // The settings as read, so that a test can see the .ini was used.
    pEvent->EventIdent = EVENT_SETTINGS;
    pEvent->NumColumns = 1;
    pEvent->Column[0].szColumnName = szColMinFrames;
    pEvent->Column[0].VariantData.Type = NMCOLUMNTYPE_UINT32;
    pEvent->Column[0].VariantData.Value.Uint32Val = Settings.MinFrames;
    ExpertSubmitEvent(hExpertKey, pEvent);
    bResult = TRUE;

Cleanup:
    if (hFilter != NULL)
    {
        DestroyFilter(hFilter);
    }
    if (pEvent != NULL)
    {
        HeapFree(GetProcessHeap(), 0, pEvent);
    }
    if (lpTable != NULL)
    {
        HeapFree(GetProcessHeap(), 0, lpTable);
    }
    return bResult;
}
