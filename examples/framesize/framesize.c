/*
 * framesize.c - an example expert for nmexpert: Frame Size Distribution.
 *
 * It counts the capture's frames by length on the wire, in the buckets that
 * `tshark -z plen,tree` uses (0-19, 20-39, 40-79, ... 5120 and more), and
 * reports one event per bucket.  It is small on purpose, and commented so
 * that it can serve as a template: it shows every part a NetMon 2 expert has
 * (Register, Configure, Run), the host-managed memory, progress reporting,
 * termination, settings and events.  docs/writing-an-expert.md walks
 * through it.
 *
 * Build it like any third-party expert, with no link flags:
 *
 *     cc -shared -fPIC $(pkg-config --cflags nmexpert) framesize.c -o framesize.so
 *     nmexpert run capture.pcap -e ./framesize.so
 *     nmexpert run capture.pcap -e ./framesize.so --set framesize.min=100
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h> /* the compat header: BOOL, DWORD, WINAPI, ZeroMemory, ... */
#include <netmon.h>  /* the expert SDK */

#define EXPERT_NAME "Frame Size Distribution"

/* The buckets' lower bounds; the last bucket is open-ended. */
static const DWORD bucket_low[] = {0, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120};
#define NBUCKETS (sizeof bucket_low / sizeof bucket_low[0])

/* What the expert keeps while it runs.  It lives in the expert heap
 * (ExpertAllocMemory), so the host frees it if the expert dies. */
typedef struct tally {
    DWORD frames[NBUCKETS];
    double bytes[NBUCKETS];
    DWORD counted;   /* frames counted (at least `min` bytes long) */
    DWORD min;       /* setting: ignore frames shorter than this */
} tally_t;

/*
 * Register: called once when the module is loaded.  The host zeroes the
 * structure; we fill in what the user sees.  No Expert* helper may be
 * called here (there is no session key yet).
 */
BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo)
{
    lstrcpyn(pExpertInfo->szName, EXPERT_NAME, EXPERTSTRINGLENGTH);
    lstrcpyn(pExpertInfo->szVendor, "nmexpert examples", EXPERTSTRINGLENGTH);
    lstrcpyn(pExpertInfo->szDescription, "Counts frames by length, as tshark -z plen,tree",
             EXPERTSTRINGLENGTH);
    pExpertInfo->Version = 1;
    pExpertInfo->Flags = EXPERT_ENUM_FLAG_CONFIGURABLE;
    return TRUE;
}

/*
 * Reads our one setting, "min=N", from the configuration.  nmexpert passes
 * `--set framesize.min=N` as the text line "min=N" in RawConfigData.
 * Returns FALSE for anything it does not understand.
 */
static BOOL parse_config(const EXPERTCONFIG *pConfig, DWORD *min)
{
    *min = 0;
    if (pConfig == NULL || pConfig->RawConfigLength <= sizeof(DWORD))
        return TRUE; /* no configuration: the defaults */
    DWORD len = pConfig->RawConfigLength - sizeof(DWORD);
    char text[256];
    if (len >= sizeof text)
        return FALSE;
    CopyMemory(text, pConfig->RawConfigData, len);
    text[len] = '\0';
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        unsigned long v;
        char extra;
        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (sscanf(line, "min=%lu%c", &v, &extra) != 1 || v > 65535)
            return FALSE;
        *min = (DWORD)v;
    }
    return TRUE;
}

/*
 * Configure: validates the configuration the host passes in *ppConfig.  A
 * real NetMon expert would show a dialog here; we only check the text and
 * return TRUE to let the host store it (`nmexpert configure framesize
 * --set min=64`), or FALSE to leave the stored configuration unchanged.
 */
BOOL WINAPI Configure(HEXPERTKEY hExpertKey, PEXPERTCONFIG *ppConfig,
                      PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags, HWND hWnd)
{
    (void)hExpertKey;
    (void)pExpertStartupInfo;
    (void)StartupFlags;
    (void)hWnd;
    DWORD min;
    return parse_config(*ppConfig, &min) && *ppConfig != NULL;
}

/* Submits one event per non-empty bucket.  The host copies each event
 * during the call, so one buffer serves every row. */
static DWORD report(HEXPERTKEY key, const tally_t *t)
{
    DWORD err = 0;
    NMEVENTDATA *ev = ExpertAllocMemory(key, sizeof(NMEVENTDATA) + 4 * sizeof(NMCOLUMNINFO), &err);
    if (ev == NULL)
        return err;
    ev->EventIdent = 1;
    ev->Flags = NMEVENTFLAG_EXPERT | NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS;
    ev->szSourceName = EXPERT_NAME;
    ev->NumColumns = 4;
    char range[32];
    for (size_t i = 0; i < NBUCKETS && err == 0; i++) {
        if (t->frames[i] == 0)
            continue;
        if (i + 1 < NBUCKETS)
            snprintf(range, sizeof range, "%lu-%lu", (unsigned long)bucket_low[i],
                     (unsigned long)bucket_low[i + 1] - 1);
        else
            snprintf(range, sizeof range, "%lu and more", (unsigned long)bucket_low[i]);
        ev->Column[0].szColumnName = "Length";
        ev->Column[0].VariantData.Type = NMCOLUMNTYPE_STRING;
        ev->Column[0].VariantData.Value.pStringVal = range;
        ev->Column[1].szColumnName = "Frames";
        ev->Column[1].VariantData.Type = NMCOLUMNTYPE_UINT32;
        ev->Column[1].VariantData.Value.Uint32Val = t->frames[i];
        ev->Column[2].szColumnName = "% Frames";
        ev->Column[2].VariantData.Type = NMCOLUMNTYPE_FLOAT64;
        ev->Column[2].VariantData.Value.Float64Val = 100.0 * t->frames[i] / t->counted;
        ev->Column[3].szColumnName = "Average Length";
        ev->Column[3].VariantData.Type = NMCOLUMNTYPE_FLOAT64;
        ev->Column[3].VariantData.Value.Float64Val = t->bytes[i] / t->frames[i];
        err = ExpertSubmitEvent(key, ev);
    }
    ExpertFreeMemory(key, ev);
    return err;
}

/*
 * Run: walks every frame and counts it.  Every helper may answer
 * NMERR_EXPERT_TERMINATE (125): then we free what we hold and return at
 * once.  Any other failure is reported as EXPERTSTATUS_PROBLEM.
 */
BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO pExpertStartupInfo,
                DWORD StartupFlags, HWND hWndParent)
{
    (void)StartupFlags;
    (void)hWndParent;
    DWORD err = ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_STARTING, 0, "starting", 0);
    if (err != NMERR_SUCCESS)
        return FALSE;

    /* Host memory: zero-filled, reclaimed by the host if we fail. */
    tally_t *t = ExpertAllocMemory(hExpertKey, sizeof *t, &err);
    if (t == NULL) {
        if (err != NMERR_EXPERT_TERMINATE)
            ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_PROBLEM, err, "out of memory", 0);
        return FALSE;
    }
    if (!parse_config(pConfig, &t->min)) {
        ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_PROBLEM, NMERR_INVALID_PARAMETER,
                             "bad setting: framesize takes only min=N (0-65535)", 0);
        ExpertFreeMemory(hExpertKey, t);
        return FALSE;
    }

    DWORD total = GetCaptureTotalFrames(pExpertStartupInfo->hCapture);
    LONG shown = -1;
    EXPERTFRAMEDESCRIPTOR fd;
    DWORD last = (DWORD)-1; /* "the frame before the first one" */

    /* The frame loop: the next frame that passes the user's display filter
     * (FLAGS_DEFER_TO_UI_FILTER), without properties (cheaper). */
    while ((err = ExpertGetFrame(hExpertKey, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, last,
                                 NULL, &fd)) == NMERR_SUCCESS) {
        last = fd.FrameNumber;
        DWORD len = fd.pFrame->FrameLength;
        if (len >= t->min) {
            size_t b = NBUCKETS - 1;
            while (b > 0 && len < bucket_low[b])
                b--;
            t->frames[b]++;
            t->bytes[b] += len;
            t->counted++;
        }
        /* Progress whenever the integer percentage changes. */
        LONG pct = total > 0 ? (LONG)((unsigned long long)fd.FrameNumber * 100 / total) : 0;
        if (pct != shown && pct <= 99) {
            shown = pct;
            err = ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_RUNNING, 0, "", pct);
            if (err != NMERR_SUCCESS)
                break;
        }
    }
    /* NMERR_OUT_OF_RANGE means "no more frames": the normal end. */
    if (err == NMERR_OUT_OF_RANGE)
        err = report(hExpertKey, t);
    ExpertFreeMemory(hExpertKey, t);
    if (err == NMERR_EXPERT_TERMINATE)
        return FALSE; /* the host ignores the value after a termination request */
    if (err != NMERR_SUCCESS) {
        ExpertIndicateStatus(hExpertKey, EXPERTSTATUS_PROBLEM, err, "could not finish", shown);
        return FALSE;
    }
    return TRUE; /* the host sets the status to DONE, 100 % */
}
