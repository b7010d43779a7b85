/*
 * conform_expert.c - SDK conformance checks that need an expert session,
 * written as a third-party expert would (netmon.h and the compat
 * windows.h only).  Each check submits one event: column "Check" (its
 * name) and column "Value" (a UINT32, 1 = pass unless the test reads the
 * value itself).  tests/sdk/test_conformance.py runs it in both isolation
 * modes and reads the report.
 */
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <netmon.h>

static DWORD submit(HEXPERTKEY key, DWORD ident, LPCSTR check, DWORD value)
{
    BYTE buf[sizeof(NMEVENTDATA) + 2 * sizeof(NMCOLUMNINFO)];
    PNMEVENTDATA ev = (PNMEVENTDATA)buf;
    ZeroMemory(buf, sizeof buf);
    ev->EventIdent = ident;
    ev->NumColumns = 2;
    ev->Column[0].szColumnName = (LPSTR) "Check";
    ev->Column[0].VariantData.Type = NMCOLUMNTYPE_STRING;
    ev->Column[0].VariantData.Value.pStringVal = check;
    ev->Column[1].szColumnName = (LPSTR) "Value";
    ev->Column[1].VariantData.Type = NMCOLUMNTYPE_UINT32;
    ev->Column[1].VariantData.Value.Uint32Val = value;
    return ExpertSubmitEvent(key, ev);
}

/* An ADDRESS followed by a guard: the helpers must not touch the guard. */
typedef struct guarded {
    ADDRESS a;
    BYTE guard[32];
} guarded_t;

static BOOL guard_ok(const guarded_t *g)
{
    for (size_t i = 0; i < sizeof g->guard; i++)
        if (g->guard[i] != 0xA5)
            return FALSE;
    return TRUE;
}

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
    lstrcpy(info->szName, "SDK conformance");
    lstrcpy(info->szVendor, "nmexpert tests");
    info->Flags = EXPERT_ENUM_FLAG_CONFIGURABLE;
    return TRUE;
}

BOOL WINAPI Configure(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    DWORD err;
    UNREFERENCED_PARAMETER(si);
    UNREFERENCED_PARAMETER(flags);
    UNREFERENCED_PARAMETER(hwnd);
    /* Records what it was given: "null" or "n=<previous RawConfigLength>". */
    char text[64];
    if (*ppConfig == NULL)
        lstrcpy(text, "null");
    else
        wsprintf(text, "n=%lu", (ULONG)(*ppConfig)->RawConfigLength);
    DWORD len = (DWORD)(sizeof(DWORD) + lstrlen(text));
    PEXPERTCONFIG p = *ppConfig == NULL ? (PEXPERTCONFIG)ExpertAllocMemory(key, len, &err)
                                        : (PEXPERTCONFIG)ExpertReallocMemory(key, *ppConfig, len, &err);
    if (p == NULL)
        return FALSE;
    p->RawConfigLength = len;
    CopyMemory(p->RawConfigData, text, len - sizeof(DWORD));
    *ppConfig = p;
    return TRUE;
}

BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD flags, HWND hwnd)
{
    EXPERTFRAMEDESCRIPTOR fd;
    DWORD rc;
    char text[256];
    UNREFERENCED_PARAMETER(flags);
    UNREFERENCED_PARAMETER(hwnd);

    submit(key, 1, "RawConfigLength", cfg != NULL ? cfg->RawConfigLength : 0);

    /* ---- the address helpers on the 16-byte ADDRESS -------------------- */
    if (ExpertGetFrame(key, GET_SPECIFIED_FRAME, 0, 0, NULL, &fd) != 0)
        return FALSE;
    static const DWORD types[] = {ADDRESS_TYPE_ETHERNET, ADDRESS_TYPE_IP, ADDRESS_TYPE_FIND_HIGHEST,
                                  ADDRESS_TYPE_IP6};
    DWORD guards = 1, found = 0, ip6_refused = 0;
    for (int dst = 0; dst < 2; dst++)
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            guarded_t g;
            FillMemory(&g, sizeof g, 0xA5);
            rc = dst ? GetFrameDestAddress(fd.hFrame, &g.a, types[t], 0)
                     : GetFrameSourceAddress(fd.hFrame, &g.a, types[t], 0);
            if (!guard_ok(&g))
                guards = 0;
            if (rc == 0)
                found++;
            if (types[t] == ADDRESS_TYPE_IP6 && rc == NMERR_BUFFER_TOO_SMALL)
                ip6_refused++;
            /* An exactly sized heap block: ASan sees any write past it. */
            ADDRESS *h = (ADDRESS *)malloc(sizeof(ADDRESS));
            if (h != NULL) {
                if (dst)
                    GetFrameDestAddress(fd.hFrame, h, types[t], 0);
                else
                    GetFrameSourceAddress(fd.hFrame, h, types[t], 0);
                free(h);
            }
        }
    submit(key, 2, "address guard intact", guards);
    submit(key, 3, "addresses found", found);
    submit(key, 4, "IPv6 into ADDRESS refused", ip6_refused);
    {
        ADDRESS a;
        DWORD ok = 0;
        if (GetFrameDestAddress(fd.hFrame, &a, ADDRESS_TYPE_FIND_HIGHEST, 0) == 0) {
            ok = CompareFrameDestAddress(fd.hFrame, &a) && CompareAddresses(&a, &a) == 0;
            if (FindNextFrame(fd.hFrame, "ETHERNET", &a, NULL, NULL, 0, 0) == NULL &&
                GetCaptureTotalFrames(si->hCapture) > 1 && BhGetLastError() != NMERR_FRAME_NOT_FOUND)
                ok = 0;
        }
        submit(key, 5, "compare with ADDRESS", ok);
        /* ADDRESS2 (C11 _Generic picks the Nmx...2 form): IPv6 fits. */
        ADDRESS2 a2;
        rc = GetFrameDestAddress(fd.hFrame, &a2, ADDRESS_TYPE_IP6, 0);
        submit(key, 6, "IPv6 into ADDRESS2", rc == 0 && a2.Type == ADDRESS_TYPE_IP6);
        submit(key, 7, "ADDRESS2 compare", rc != 0 || CompareFrameDestAddress(fd.hFrame, &a2));
    }

    /* ---- time stamps --------------------------------------------------- */
    submit(key, 10, "frame 0 TimeStamp (us)", (DWORD)fd.pFrame->TimeStamp);
    LPSYSTEMTIME st = GetCaptureTimeStamp(si->hCapture);
    submit(key, 11, "capture start ms", st != NULL ? st->wMilliseconds : 0xFFFFFFFFu);
    submit(key, 12, "GetFrameTimeStamp = pFrame->TimeStamp",
           GetFrameTimeStamp(fd.hFrame) == fd.pFrame->TimeStamp);

    /* ---- wsprintf with the Windows widths ------------------------------ */
    wsprintf(text, "%ld|%lu|%lx|%I64d|%d|%hd|%5.2s|%-3c|%%|%I64u", (LONG)-5, (ULONG)0xFFFFFFFFu,
             (ULONG)0xABCu, (__int64)-1234567890123LL, -7, (short)-2, "abc", 'z', (unsigned __int64)18446744073709551615ULL);
    submit(key, 20, text, lstrcmp(text, "-5|4294967295|abc|-1234567890123|-7|-2|   ab|z  |%|18446744073709551615") == 0);

    /* ---- a string far over 64 KiB -------------------------------------- */
    {
        SIZE_T n = 300 * 1024;
        char *big = (char *)HeapAlloc(GetProcessHeap(), 0, n + 1);
        DWORD ok = 0;
        if (big != NULL) {
            FillMemory(big, n, 'q');
            big[n] = '\0';
            ok = submit(key, 30, big, 1) == 0;
            HeapFree(GetProcessHeap(), 0, big);
        }
        submit(key, 31, "300 KiB string accepted", ok);
    }

    /* ---- the Win32 heap goes through the expert heap ------------------- */
    {
        LPVOID counted = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, 4000);
        HGLOBAL g = GlobalAlloc(GPTR, 3000);
        HLOCAL l = LocalAlloc(LPTR, 2000);
        SIZE_T live = ExpertMemorySize(key, counted);
        submit(key, 40, "HeapAlloc block is an expert-heap block", live == 4000);
        submit(key, 41, "GlobalAlloc/LocalAlloc blocks too",
               ExpertMemorySize(key, g) == 3000 && ExpertMemorySize(key, l) == 2000);
        /* Left allocated on purpose: the host reclaims 9000 bytes. */
        SetLastError(1234);
        submit(key, 42, "GetLastError", GetLastError() == 1234);
    }

    /* ---- GetModuleFileName names this module --------------------------- */
    {
        char path[MAX_PATH];
        DWORD n = GetModuleFileName((HMODULE)1, path, sizeof path);
        submit(key, 50, "GetModuleFileName", n > 0 && strstr(path, "conform_expert") != NULL);
    }

    /* ---- ModifyFrame: a private copy of the frame ---------------------- */
    {
        BYTE data[64];
        FillMemory(data, sizeof data, 0x42);
        HFRAME h = ModifyFrame(si->hCapture, 0, data, sizeof data, 5);
        DWORD ok = 0;
        if (h != NULL) {
            ULPBYTE b = ParserTemporaryLockFrame(h);
            EXPERTFRAMEDESCRIPTOR again;
            ok = GetFrameLength(h) == sizeof data && GetFrameStoredLength(h) == sizeof data && b != NULL &&
                 b[0] == 0x42 && b[63] == 0x42 && GetFrameTimeStamp(h) == 5;
            /* The session's own later reads see the modified frame too. */
            if (ExpertGetFrame(key, GET_SPECIFIED_FRAME, 0, 0, NULL, &again) != 0 ||
                again.pFrame->FrameLength != sizeof data || again.pFrame->MacFrame[0] != 0x42)
                ok = 0;
        }
        submit(key, 60, "ModifyFrame", ok);
    }

    /* ---- .ini profiles (a bare name: $XDG_CONFIG_HOME/nmexpert/ini/) ---- */
    {
        char value[64];
        DWORD ok = WritePrivateProfileString("Main", "Count", "42", "conform.ini") &&
                   WritePrivateProfileString("Main", "Name", "old", "conform.ini") &&
                   WritePrivateProfileString("Other", "Name", "other", "conform.ini") &&
                   WritePrivateProfileString("Main", "Name", "new", "conform.ini");
        ok = ok && GetPrivateProfileInt("Main", "Count", 7, "conform.ini") == 42;
        ok = ok && GetPrivateProfileString("main", "NAME", "", value, sizeof value, "conform.ini") == 3 &&
             lstrcmp(value, "new") == 0;
        ok = ok && GetPrivateProfileString("Other", "Name", "", value, sizeof value, "conform.ini") == 5;
        ok = ok && GetPrivateProfileString("Main", "Missing", "dflt  ", value, sizeof value, "conform.ini") == 4 &&
             lstrcmp(value, "dflt") == 0;
        ok = ok && GetPrivateProfileInt("Main", "Missing", 7, "conform.ini") == 7;
        ok = ok && WritePrivateProfileString("Main", "Count", NULL, "conform.ini") &&
             GetPrivateProfileInt("Main", "Count", 7, "conform.ini") == 7;
        submit(key, 70, "profile strings", ok);
    }
    return TRUE;
}
