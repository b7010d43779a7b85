/*
 * win32_compat.c - the host side of the legacy Win32 calls that the compat
 * <windows.h> maps for NetMon-era expert sources (nmexpert SDK 1.1):
 *
 *   HeapAlloc / GlobalAlloc / LocalAlloc   -> the calling session's expert
 *       heap (ExpertAllocMemory), so the blocks count against the expert's
 *       quota and are reclaimed when the session ends; outside any session
 *       (DllMain, a thread the expert made) the process heap of AllocMemory
 *   GetLastError / SetLastError            -> a per-thread Win32 error value
 *   GetTickCount, Sleep                    -> CLOCK_MONOTONIC, nanosleep
 *   GetModuleFileName                      -> the expert module's path
 *   Get/WritePrivateProfileString/Int      -> .ini files (docs/runtime.md)
 *
 * Every entry validates its pointers and fails with the Win32 result of the
 * call (0, NULL, FALSE) instead of crashing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/host_internal.h"
#include "runtime/runtime.h"

/* ---- heap --------------------------------------------------------------- */

#define NMX_HEAP_ZERO 0x00000008u /* HEAP_ZERO_MEMORY */

/* The calling thread's session key, or NULL outside Configure/Run. */
static HEXPERTKEY current_key(void)
{
    nmx_session_t *s = nmx__session_current();
    return s != NULL ? nmx__session_key(s) : NULL;
}

/* True when p is a live block of the process heap (AllocMemory). */
static bool process_block(LPVOID p)
{
    DWORD saved = BhGetLastError();
    bool mine = MemorySize(p) != (SIZE_T)-1;
    BhSetLastError(saved);
    return mine;
}

NMAPI LPVOID WINAPI NmxHeapAlloc(SIZE_T nBytes, DWORD Flags)
{
    HEXPERTKEY key = current_key();
    LPVOID p;
    if (key != NULL) {
        DWORD err = 0;
        p = ExpertAllocMemory(key, nBytes, &err);
    } else {
        p = AllocMemory(nBytes); /* zero-filled */
    }
    if (p != NULL && (Flags & NMX_HEAP_ZERO))
        memset(p, 0, nBytes);
    if (p == NULL)
        *NmxWin32LastError() = 8; /* ERROR_NOT_ENOUGH_MEMORY */
    return p;
}

NMAPI SIZE_T WINAPI NmxHeapSize(LPCVOID pMem)
{
    LPVOID p = (LPVOID)(uintptr_t)pMem;
    if (p == NULL)
        return (SIZE_T)-1;
    if (process_block(p))
        return MemorySize(p);
    HEXPERTKEY key = current_key();
    return key != NULL ? ExpertMemorySize(key, p) : (SIZE_T)-1;
}

NMAPI LPVOID WINAPI NmxHeapReAlloc(LPVOID pMem, SIZE_T nBytes, DWORD Flags)
{
    if (pMem == NULL)
        return NmxHeapAlloc(nBytes, Flags);
    SIZE_T old = NmxHeapSize(pMem);
    if (old == (SIZE_T)-1) {
        *NmxWin32LastError() = 87; /* ERROR_INVALID_PARAMETER */
        return NULL;
    }
    LPVOID p;
    if (process_block(pMem)) {
        p = ReallocMemory(pMem, nBytes);
    } else {
        DWORD err = 0;
        p = ExpertReallocMemory(current_key(), pMem, nBytes, &err);
    }
    if (p == NULL) {
        *NmxWin32LastError() = 8;
        return NULL;
    }
    if ((Flags & NMX_HEAP_ZERO) && nBytes > old)
        memset((char *)p + old, 0, nBytes - old);
    return p;
}

NMAPI BOOL WINAPI NmxHeapFree(LPVOID pMem)
{
    if (pMem == NULL)
        return TRUE;
    if (process_block(pMem)) {
        FreeMemory(pMem);
        return TRUE;
    }
    HEXPERTKEY key = current_key();
    DWORD rc = key != NULL ? ExpertFreeMemory(key, pMem) : NMERR_INVALID_PARAMETER;
    /* 125: freed all the same (spec 1.6). */
    if (rc == NMERR_SUCCESS || rc == NMERR_EXPERT_TERMINATE)
        return TRUE;
    *NmxWin32LastError() = 87;
    return FALSE;
}

/* ---- errors, time ------------------------------------------------------- */

static _Thread_local DWORD win32_last_error;

NMAPI LPDWORD WINAPI NmxWin32LastError(VOID)
{
    return &win32_last_error;
}

NMAPI DWORD WINAPI NmxGetTickCount(VOID)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (DWORD)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

NMAPI VOID WINAPI NmxSleep(DWORD dwMilliseconds)
{
    struct timespec ts = {(time_t)(dwMilliseconds / 1000u), (long)(dwMilliseconds % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- GetModuleFileName -------------------------------------------------- */

NMAPI DWORD WINAPI NmxGetModuleFileName(HMODULE hModule, LPCVOID pInModule, LPSTR lpFilename, DWORD nSize)
{
    if (lpFilename == NULL || nSize == 0) {
        *NmxWin32LastError() = 87;
        return 0;
    }
    char path[PATH_MAX];
    path[0] = '\0';
    if (hModule == NULL) {
        ssize_t k = readlink("/proc/self/exe", path, sizeof path - 1);
        path[k > 0 ? k : 0] = '\0';
    } else {
        Dl_info info;
        if (pInModule != NULL && dladdr(pInModule, &info) != 0 && info.dli_fname != NULL)
            snprintf(path, sizeof path, "%s", info.dli_fname);
    }
    if (path[0] == '\0') {
        *NmxWin32LastError() = 126; /* ERROR_MOD_NOT_FOUND */
        lpFilename[0] = '\0';
        return 0;
    }
    size_t len = strlen(path);
    if (len >= nSize) {
        /* As Windows: truncated, terminated, nSize returned. */
        memcpy(lpFilename, path, nSize - 1);
        lpFilename[nSize - 1] = '\0';
        *NmxWin32LastError() = 122; /* ERROR_INSUFFICIENT_BUFFER */
        return nSize;
    }
    memcpy(lpFilename, path, len + 1);
    return (DWORD)len;
}

/* ---- .ini files ----------------------------------------------------------- */

/* Where a file name without a directory lives: Windows used its own
 * directory; here $XDG_CONFIG_HOME/nmexpert/ini (default ~/.config). */
static int ini_path(LPCSTR file, char *out, size_t n, bool create)
{
    if (file == NULL || file[0] == '\0')
        return -1;
    if (strchr(file, '/') != NULL) {
        int k = snprintf(out, n, "%s", file);
        return k < 0 || (size_t)k >= n ? -1 : 0;
    }
    char dir[PATH_MAX];
    if (nmx__config_subdir("ini", dir, sizeof dir, create) != 0)
        return -1;
    int k = snprintf(out, n, "%s/%s", dir, file);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* The whole file (NUL-terminated), or NULL; at most 1 MiB. */
static char *ini_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1024 * 1024 + 1);
    size_t n = buf != NULL ? fread(buf, 1, 1024 * 1024, f) : 0;
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* One line of an .ini file, trimmed: a section name, a key and its value. */
typedef struct ini_line {
    const char *start; /* the raw line */
    size_t len;        /* with its newline */
    char section[256]; /* "[name]": name, else "" */
    char key[256];     /* "key=value": key, else "" */
    const char *value; /* into the raw line */
    size_t value_len;
} ini_line_t;

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

/* Parses the line at p (up to end); returns false at the end. */
static bool ini_next(const char **p, const char *end, ini_line_t *l)
{
    if (*p >= end)
        return false;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    l->start = *p;
    l->len = nl != NULL ? (size_t)(nl - *p) + 1 : (size_t)(end - *p);
    *p += l->len;
    l->section[0] = l->key[0] = '\0';
    l->value = NULL;
    l->value_len = 0;
    const char *s = l->start;
    size_t n = l->len;
    trim(&s, &n);
    if (n >= 2 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close != NULL) {
            const char *name = s + 1;
            size_t k = (size_t)(close - name);
            trim(&name, &k);
            snprintf(l->section, sizeof l->section, "%.*s", (int)k, name);
            if (l->section[0] == '\0')
                snprintf(l->section, sizeof l->section, " ");
        }
        return true;
    }
    if (n == 0 || s[0] == ';')
        return true;
    const char *eq = memchr(s, '=', n);
    if (eq == NULL)
        return true;
    const char *k = s;
    size_t kn = (size_t)(eq - s);
    trim(&k, &kn);
    snprintf(l->key, sizeof l->key, "%.*s", (int)kn, k);
    const char *v = eq + 1;
    size_t vn = n - (size_t)(v - s);
    trim(&v, &vn);
    if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
        v++;
        vn -= 2;
    }
    l->value = v;
    l->value_len = vn;
    return true;
}

/* Copies a list of NUL-terminated strings (double-NUL ended) within n. */
static DWORD list_add(LPSTR out, DWORD n, DWORD *used, const char *s, size_t len, bool *full)
{
    if (*full || n < 2)
        return *used;
    if (*used + len + 2 > n) {
        len = n - 2 > *used ? n - 2 - *used : 0;
        *full = true;
    }
    memcpy(out + *used, s, len);
    *used += (DWORD)len;
    out[(*used)++] = '\0';
    out[*used] = '\0';
    return *used;
}

NMAPI DWORD WINAPI NmxGetPrivateProfileString(LPCSTR lpAppName, LPCSTR lpKeyName, LPCSTR lpDefault,
                                              LPSTR lpReturnedString, DWORD nSize, LPCSTR lpFileName)
{
    if (lpReturnedString == NULL || nSize == 0)
        return 0;
    lpReturnedString[0] = '\0';
    if (nSize > 1)
        lpReturnedString[1] = '\0';
    char path[PATH_MAX];
    size_t len = 0;
    char *text = ini_path(lpFileName, path, sizeof path, false) == 0 ? ini_read(path, &len) : NULL;
    const char *p = text != NULL ? text : "";
    const char *end = p + len;
    ini_line_t l;
    bool in = false, full = false;
    DWORD used = 0;
    if (lpAppName == NULL || lpKeyName == NULL) {
        /* Section names, or the keys of one section: a double-NUL list. */
        while (ini_next(&p, end, &l)) {
            if (l.section[0] != '\0') {
                in = lpAppName != NULL && strcasecmp(l.section, lpAppName) == 0;
                if (lpAppName == NULL)
                    list_add(lpReturnedString, nSize, &used, l.section, strlen(l.section), &full);
            } else if (in && l.key[0] != '\0') {
                list_add(lpReturnedString, nSize, &used, l.key, strlen(l.key), &full);
            }
        }
        free(text);
        return full ? nSize - 2 : used;
    }
    const char *value = NULL;
    size_t value_len = 0;
    while (value == NULL && ini_next(&p, end, &l)) {
        if (l.section[0] != '\0')
            in = strcasecmp(l.section, lpAppName) == 0;
        else if (in && l.key[0] != '\0' && strcasecmp(l.key, lpKeyName) == 0) {
            value = l.value;
            value_len = l.value_len;
        }
    }
    if (value == NULL) {
        /* The default, without trailing blanks (as Windows). */
        value = lpDefault != NULL ? lpDefault : "";
        value_len = strlen(value);
        while (value_len > 0 && value[value_len - 1] == ' ')
            value_len--;
    }
    if (value_len > nSize - 1)
        value_len = nSize - 1;
    memcpy(lpReturnedString, value, value_len);
    lpReturnedString[value_len] = '\0';
    free(text);
    return (DWORD)value_len;
}

NMAPI UINT WINAPI NmxGetPrivateProfileInt(LPCSTR lpAppName, LPCSTR lpKeyName, INT nDefault,
                                          LPCSTR lpFileName)
{
    char buf[64];
    if (lpAppName == NULL || lpKeyName == NULL)
        return (UINT)nDefault;
    if (NmxGetPrivateProfileString(lpAppName, lpKeyName, "", buf, sizeof buf, lpFileName) == 0)
        return (UINT)nDefault;
    char *e;
    long long v = strtoll(buf, &e, 0);
    if (e == buf)
        return 0; /* present but not a number: Windows returns 0 */
    return (UINT)(int32_t)v;
}

NMAPI BOOL WINAPI NmxWritePrivateProfileString(LPCSTR lpAppName, LPCSTR lpKeyName, LPCSTR lpString,
                                               LPCSTR lpFileName)
{
    char path[PATH_MAX];
    if (lpAppName == NULL || ini_path(lpFileName, path, sizeof path, true) != 0) {
        *NmxWin32LastError() = 87;
        return FALSE;
    }
    size_t len = 0;
    char *text = ini_read(path, &len);
    const char *p = text != NULL ? text : "";
    const char *end = p + len;
    size_t cap = len + strlen(lpAppName) + (lpKeyName ? strlen(lpKeyName) : 0) +
                 (lpString ? strlen(lpString) : 0) + 16;
    char *out = malloc(cap);
    if (out == NULL) {
        free(text);
        return FALSE;
    }
    size_t o = 0;
    bool in = false, found_section = false, done = false;
    ini_line_t l;
#define EMIT(s, n)                  \
    do {                            \
        memcpy(out + o, (s), (n)); \
        o += (n);                   \
    } while (0)
    while (ini_next(&p, end, &l)) {
        if (l.section[0] != '\0') {
            if (in && !done && lpKeyName != NULL && lpString != NULL) {
                /* End of our section: the key was not there. */
                o += (size_t)sprintf(out + o, "%s=%s\n", lpKeyName, lpString);
                done = true;
            }
            in = strcasecmp(l.section, lpAppName) == 0;
            found_section |= in;
            if (in && lpKeyName == NULL)
                continue; /* deleting the section */
            EMIT(l.start, l.len);
            if (l.start[l.len - 1] != '\n')
                out[o++] = '\n';
            continue;
        }
        if (in && lpKeyName == NULL)
            continue;
        if (in && !done && l.key[0] != '\0' && strcasecmp(l.key, lpKeyName) == 0) {
            if (lpString != NULL)
                o += (size_t)sprintf(out + o, "%s=%s\n", lpKeyName, lpString);
            done = true;
            continue;
        }
        EMIT(l.start, l.len);
        if (l.len > 0 && l.start[l.len - 1] != '\n')
            out[o++] = '\n';
    }
#undef EMIT
    if (!done && lpKeyName != NULL && lpString != NULL) {
        if (!found_section)
            o += (size_t)sprintf(out + o, "[%s]\n", lpAppName);
        o += (size_t)sprintf(out + o, "%s=%s\n", lpKeyName, lpString);
    }
    free(text);
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f != NULL && fwrite(out, 1, o, f) == o;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    free(out);
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        unlink(tmp);
        *NmxWin32LastError() = 29; /* ERROR_WRITE_FAULT */
    }
    return ok ? TRUE : FALSE;
}

/* ---- the Win32 heap calls netmon.h declares (parsers allocate their
 * PF_PARSERDLLINFO with them) ------------------------------------------ */

NMAPI HANDLE WINAPI GetProcessHeap(VOID)
{
    return NMX_PROCESS_HEAP;
}

NMAPI LPVOID WINAPI HeapAlloc(HANDLE hHeap, DWORD dwFlags, SIZE_T dwBytes)
{
    (void)hHeap;
    return NmxHeapAlloc(dwBytes, dwFlags & HEAP_ZERO_MEMORY);
}

NMAPI BOOL WINAPI HeapFree(HANDLE hHeap, DWORD dwFlags, LPVOID lpMem)
{
    (void)hHeap;
    (void)dwFlags;
    return NmxHeapFree(lpMem);
}
