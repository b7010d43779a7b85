/*
 * windows.h - the small part of the Win32 API that Network Monitor 2 expert
 * sources use, so that they compile unchanged on Linux with
 * `$(pkg-config --cflags nmexpert)`.
 *
 * Covered: the base types and calling-convention macros (nmexpert/wintypes.h),
 * DllMain reasons, the memory macros (ZeroMemory, CopyMemory, ...), the
 * lstr* string functions, wsprintf with the Windows integer widths,
 * UNREFERENCED_PARAMETER, __declspec(dllexport), the heap functions
 * (HeapAlloc, GlobalAlloc, LocalAlloc: through the expert heap, so they
 * count against the expert's quota and are reclaimed), GetLastError,
 * GetTickCount, Sleep, OutputDebugString, GetModuleFileName, the .ini
 * profile functions, the C runtime's _snprintf/_stricmp/_itoa..., and a few
 * no-op UI stand-ins.  There is no user interface on Linux: experts with
 * dialogs must drop them.  <tchar.h> and <winsock.h> come with it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_COMPAT_WINDOWS_H
#define NMEXPERT_COMPAT_WINDOWS_H

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nmexpert/wintypes.h>
#include <netmon.h> /* the Nmx... functions the Win32 calls map to */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef DLL_PROCESS_DETACH
#define DLL_PROCESS_DETACH 0
#define DLL_PROCESS_ATTACH 1
#define DLL_THREAD_ATTACH 2
#define DLL_THREAD_DETACH 3
#endif

/* Memory macros. */
#define ZeroMemory(dst, len) memset((dst), 0, (len))
#define RtlZeroMemory(dst, len) memset((dst), 0, (len))
#define SecureZeroMemory(dst, len) memset((dst), 0, (len))
#define FillMemory(dst, len, fill) memset((dst), (fill), (len))
#define RtlFillMemory(dst, len, fill) memset((dst), (fill), (len))
#define CopyMemory(dst, src, len) memcpy((dst), (src), (len))
#define RtlCopyMemory(dst, src, len) memcpy((dst), (src), (len))
#define MoveMemory(dst, src, len) memmove((dst), (src), (len))
#define RtlMoveMemory(dst, src, len) memmove((dst), (src), (len))

/* The classic Win32 string functions, on 8-bit (UTF-8) text. */
static inline LPSTR lstrcpyA(LPSTR dst, LPCSTR src)
{
    return strcpy(dst, src);
}
static inline LPSTR lstrcpynA(LPSTR dst, LPCSTR src, int n)
{
    if (n <= 0)
        return dst;
    size_t i = 0;
    for (; i + 1 < (size_t)n && src[i] != '\0'; i++)
        dst[i] = src[i];
    dst[i] = '\0';
    return dst;
}
static inline LPSTR lstrcatA(LPSTR dst, LPCSTR src)
{
    return strcat(dst, src);
}
static inline int lstrlenA(LPCSTR s)
{
    return s != NULL ? (int)strlen(s) : 0;
}
static inline int lstrcmpA(LPCSTR a, LPCSTR b)
{
    return strcmp(a, b);
}
static inline int lstrcmpiA(LPCSTR a, LPCSTR b)
{
    return strcasecmp(a, b);
}
#define lstrcpy lstrcpyA
#define lstrcpyn lstrcpynA
#define lstrcat lstrcatA
#define lstrlen lstrlenA
#define lstrcmp lstrcmpA
#define lstrcmpi lstrcmpiA

/*
 * wsprintf writes at most 1024 bytes, as on Windows, and reads its integer
 * arguments with the Windows widths: %d %u %x with h/l/no size are 32-bit
 * (long is 32-bit on Windows, 64-bit on Linux), %I64d / %I64u / %I64x and
 * %lld are 64-bit, %I32d is 32-bit, %Id / %Iu / %p are pointer-sized.
 * %s, %c, %%, flags, width and precision (also '*') as in printf; floating
 * point, which wsprintf never had, is passed through to vsnprintf.
 */
#define NMX_WSPRINTF_MAX 1024
static inline int nmx_wvsnprintf(LPSTR buf, size_t size, LPCSTR fmt, va_list ap)
{
    va_list args;
    va_copy(args, ap);
    size_t o = 0;
#define NMX_WS_PUT(c)              \
    do {                           \
        if (o + 1 < size)          \
            buf[o] = (c);          \
        o++;                       \
    } while (0)
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            NMX_WS_PUT(*p);
            continue;
        }
        char spec[32];
        size_t k = 0;
        spec[k++] = '%';
        const char *q = p + 1;
        while (*q != '\0' && strchr("-+ #0", *q) != NULL && k < 8)
            spec[k++] = *q++;
        int star[2] = {0, 0}, nstar = 0;
        if (*q == '*') {
            star[nstar++] = va_arg(args, int);
            spec[k++] = *q++;
        } else
            while (isdigit((unsigned char)*q) && k < 16)
                spec[k++] = *q++;
        if (*q == '.') {
            spec[k++] = *q++;
            if (*q == '*') {
                star[nstar++] = va_arg(args, int);
                spec[k++] = *q++;
            } else
                while (isdigit((unsigned char)*q) && k < 24)
                    spec[k++] = *q++;
        }
        int bits = 32;
        if (q[0] == 'I' && q[1] == '6' && q[2] == '4') {
            bits = 64;
            q += 3;
        } else if (q[0] == 'I' && q[1] == '3' && q[2] == '2') {
            q += 3;
        } else if (q[0] == 'I') {
            bits = (int)(sizeof(void *) * 8);
            q++;
        } else if (q[0] == 'l' && q[1] == 'l') {
            bits = 64;
            q += 2;
        } else if (q[0] == 'h' || q[0] == 'l' || q[0] == 'w' || q[0] == 'L' || q[0] == 'z' ||
                   q[0] == 'j' || q[0] == 't') {
            if (q[0] == 'h')
                bits = 16;
            if (q[0] == 'z' || q[0] == 'j' || q[0] == 't')
                bits = 64;
            q++;
        }
        char conv = *q;
        char piece[NMX_WSPRINTF_MAX];
        int n = -1;
        if (conv == '\0')
            break;
        if (conv == '%') {
            NMX_WS_PUT('%');
            p = q;
            continue;
        }
        if (strchr("diuxXoc", conv) != NULL) {
            if (bits == 64) {
                spec[k++] = 'l';
                spec[k++] = 'l';
            }
            spec[k++] = conv;
            spec[k] = '\0';
            if (bits == 64) {
                long long v = va_arg(args, long long);
                n = nstar == 2   ? snprintf(piece, sizeof piece, spec, star[0], star[1], v)
                    : nstar == 1 ? snprintf(piece, sizeof piece, spec, star[0], v)
                                 : snprintf(piece, sizeof piece, spec, v);
            } else {
                int v = va_arg(args, int);
                if (conv == 'c')
                    v = (unsigned char)v;
                else if (bits == 16)
                    v = (conv == 'd' || conv == 'i') ? (int)(short)v : (int)(unsigned short)v;
                n = nstar == 2   ? snprintf(piece, sizeof piece, spec, star[0], star[1], v)
                    : nstar == 1 ? snprintf(piece, sizeof piece, spec, star[0], v)
                                 : snprintf(piece, sizeof piece, spec, v);
            }
        } else if (conv == 's' || conv == 'S' || conv == 'p') {
            spec[k++] = conv == 'S' ? 's' : conv;
            spec[k] = '\0';
            const void *v = va_arg(args, const void *);
            if (conv != 'p' && v == NULL)
                v = "(null)";
            n = nstar == 2   ? snprintf(piece, sizeof piece, spec, star[0], star[1], v)
                : nstar == 1 ? snprintf(piece, sizeof piece, spec, star[0], v)
                             : snprintf(piece, sizeof piece, spec, v);
        } else if (strchr("eEfFgGaA", conv) != NULL) {
            spec[k++] = conv;
            spec[k] = '\0';
            double v = va_arg(args, double);
            n = nstar == 2   ? snprintf(piece, sizeof piece, spec, star[0], star[1], v)
                : nstar == 1 ? snprintf(piece, sizeof piece, spec, star[0], v)
                             : snprintf(piece, sizeof piece, spec, v);
        } else {
            /* Unknown conversion: copied as it stands, as Windows does. */
            for (const char *r = p; r <= q; r++)
                NMX_WS_PUT(*r);
            p = q;
            continue;
        }
        if (n > 0) {
            size_t m = (size_t)n < sizeof piece ? (size_t)n : sizeof piece - 1;
            for (size_t i = 0; i < m; i++)
                NMX_WS_PUT(piece[i]);
        }
        p = q;
    }
#undef NMX_WS_PUT
    va_end(args);
    if (size > 0)
        buf[o < size ? o : size - 1] = '\0';
    return (int)(o < size ? o : (size > 0 ? size - 1 : 0));
}
static inline int wvsprintfA(LPSTR buf, LPCSTR fmt, va_list ap)
{
    return nmx_wvsnprintf(buf, NMX_WSPRINTF_MAX, fmt, ap);
}
static inline int wsprintfA(LPSTR buf, LPCSTR fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = wvsprintfA(buf, fmt, ap);
    va_end(ap);
    return n;
}
/* The C runtime's: at most n bytes; -1 when the text did not fit, and then
 * (as MSVC) no terminator is promised -- we always write one. */
static inline int _vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    size_t big = n + 1;
    char *tmp = (char *)malloc(big > 1 ? big : 2);
    if (tmp == NULL)
        return -1;
    (void)nmx_wvsnprintf(tmp, big, fmt, ap);
    size_t len = strlen(tmp);
    if (n > 0) {
        memcpy(buf, tmp, len < n ? len + 1 : n);
        if (len >= n)
            buf[n - 1] = '\0';
    }
    free(tmp);
    return len >= n ? -1 : (int)len;
}
static inline int _snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = _vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return k;
}
#define wsprintf wsprintfA
#define wvsprintf wvsprintfA

/* Text macros for sources written for both ANSI and Unicode builds. */
#ifndef TEXT
#define TEXT(s) s
#endif
#include "nmx_tchar_types.h"

#ifndef __cplusplus
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif /* C++: templates, below, which libstdc++'s #undef max cannot remove */

#ifndef _TEXT
#define _TEXT(s) s
#endif

/* Legacy declaration words. */
#ifndef UNREFERENCED_PARAMETER
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#endif
#ifndef FAR
#define FAR
#endif
#ifndef NEAR
#define NEAR
#endif
#ifndef __declspec
/* dllexport: exported from the .so (built with -fvisibility=hidden or not). */
#define __declspec(what) NMX_DECLSPEC_##what
#define NMX_DECLSPEC_dllexport __attribute__((visibility("default")))
#define NMX_DECLSPEC_dllimport
#define NMX_DECLSPEC_noreturn __attribute__((noreturn))
#define NMX_DECLSPEC_thread __thread
#define NMX_DECLSPEC_noinline __attribute__((noinline))
#define NMX_DECLSPEC_deprecated __attribute__((deprecated))
#endif
typedef UINT_PTR WPARAM;
typedef LONG_PTR LPARAM;
typedef LONG_PTR LRESULT;
typedef HANDLE HGLOBAL;
typedef HANDLE HLOCAL;
typedef void *FARPROC;
#ifndef INVALID_HANDLE_VALUE
#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#endif
/* The MSVC integer-literal suffixes as macros: Int64Literal(5) is 5i64. */
#define NMX_I64(x) x##LL
#define NMX_UI64(x) x##ULL

/* Errors: a per-thread Win32 error value (apart from BhGetLastError). */
#define ERROR_SUCCESS 0L
#define NO_ERROR 0L
#define ERROR_FILE_NOT_FOUND 2L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_INSUFFICIENT_BUFFER 122L
static inline DWORD GetLastError(void)
{
    return *NmxWin32LastError();
}
static inline void SetLastError(DWORD dwErrCode)
{
    *NmxWin32LastError() = dwErrCode;
}

/* Time. */
static inline DWORD GetTickCount(void)
{
    return NmxGetTickCount();
}
static inline void Sleep(DWORD dwMilliseconds)
{
    NmxSleep(dwMilliseconds);
}
/* Debug output: to stderr, as the SDK's dprintf. */
static inline void OutputDebugStringA(LPCSTR lpOutputString)
{
    if (lpOutputString != NULL)
        NmDebugPrintf("%s", lpOutputString);
}
#define OutputDebugString OutputDebugStringA

/*
 * Memory.  Every heap is the expert heap of the calling session: the
 * blocks count against the expert's memory quota and are reclaimed when
 * Run or Configure returns (spec 1.7).  Moveable global/local memory is
 * fixed here: the handle is the pointer, Lock returns it.
 */
/* HEAP_* flags, NMX_PROCESS_HEAP, GetProcessHeap, HeapAlloc and HeapFree: netmon.h. */
#define GMEM_FIXED 0x0000
#define GMEM_MOVEABLE 0x0002
#define GMEM_ZEROINIT 0x0040
#define GPTR (GMEM_FIXED | GMEM_ZEROINIT)
#define GHND (GMEM_MOVEABLE | GMEM_ZEROINIT)
#define LMEM_FIXED 0x0000
#define LMEM_MOVEABLE 0x0002
#define LMEM_ZEROINIT 0x0040
#define LPTR (LMEM_FIXED | LMEM_ZEROINIT)
#define LHND (LMEM_MOVEABLE | LMEM_ZEROINIT)
static inline HANDLE HeapCreate(DWORD flOptions, SIZE_T dwInitialSize, SIZE_T dwMaximumSize)
{
    (void)flOptions;
    (void)dwInitialSize;
    (void)dwMaximumSize;
    return NMX_PROCESS_HEAP; /* one heap: the expert heap */
}
static inline BOOL HeapDestroy(HANDLE hHeap)
{
    (void)hHeap;
    return TRUE; /* its blocks go when the session ends */
}
static inline LPVOID HeapReAlloc(HANDLE hHeap, DWORD dwFlags, LPVOID lpMem, SIZE_T dwBytes)
{
    (void)hHeap;
    return lpMem == NULL ? NULL : NmxHeapReAlloc(lpMem, dwBytes, dwFlags & HEAP_ZERO_MEMORY);
}
static inline SIZE_T HeapSize(HANDLE hHeap, DWORD dwFlags, LPCVOID lpMem)
{
    (void)hHeap;
    (void)dwFlags;
    return NmxHeapSize(lpMem);
}
static inline HGLOBAL GlobalAlloc(UINT uFlags, SIZE_T dwBytes)
{
    return NmxHeapAlloc(dwBytes, (uFlags & GMEM_ZEROINIT) ? HEAP_ZERO_MEMORY : 0);
}
static inline HGLOBAL GlobalReAlloc(HGLOBAL hMem, SIZE_T dwBytes, UINT uFlags)
{
    return NmxHeapReAlloc(hMem, dwBytes, (uFlags & GMEM_ZEROINIT) ? HEAP_ZERO_MEMORY : 0);
}
static inline HGLOBAL GlobalFree(HGLOBAL hMem)
{
    return NmxHeapFree(hMem) ? NULL : hMem;
}
static inline LPVOID GlobalLock(HGLOBAL hMem)
{
    return hMem;
}
static inline BOOL GlobalUnlock(HGLOBAL hMem)
{
    (void)hMem;
    return TRUE;
}
static inline SIZE_T GlobalSize(HGLOBAL hMem)
{
    SIZE_T n = NmxHeapSize(hMem);
    return n == (SIZE_T)-1 ? 0 : n;
}
#define LocalAlloc(f, n) GlobalAlloc((f), (n))
#define LocalReAlloc(h, n, f) GlobalReAlloc((h), (n), (f))
#define LocalFree(h) GlobalFree(h)
#define LocalLock(h) GlobalLock(h)
#define LocalUnlock(h) GlobalUnlock(h)
#define LocalSize(h) GlobalSize(h)

/* Pointer checks: only NULL can be told apart in-process (spec 2.0). */
static inline BOOL IsBadReadPtr(const void *lp, UINT_PTR ucb)
{
    return lp == NULL && ucb != 0;
}
static inline BOOL IsBadWritePtr(void *lp, UINT_PTR ucb)
{
    return lp == NULL && ucb != 0;
}
static inline BOOL IsBadStringPtrA(LPCSTR lpsz, UINT_PTR ucchMax)
{
    return lpsz == NULL && ucchMax != 0;
}

/* Modules: hModule NULL is the program, else the expert module itself
 * (the one whose DllMain got it; the address of this inline copy,
 * compiled into the expert, names that module). */
static inline DWORD GetModuleFileNameA(HMODULE hModule, LPSTR lpFilename, DWORD nSize)
{
    return NmxGetModuleFileName(hModule, (LPCVOID)&GetModuleFileNameA, lpFilename, nSize);
}
#define GetModuleFileName GetModuleFileNameA

/* .ini files (a name without a directory: $XDG_CONFIG_HOME/nmexpert/ini/). */
static inline DWORD GetPrivateProfileStringA(LPCSTR lpAppName, LPCSTR lpKeyName, LPCSTR lpDefault,
                                             LPSTR lpReturnedString, DWORD nSize, LPCSTR lpFileName)
{
    return NmxGetPrivateProfileString(lpAppName, lpKeyName, lpDefault, lpReturnedString, nSize,
                                      lpFileName);
}
static inline UINT GetPrivateProfileIntA(LPCSTR lpAppName, LPCSTR lpKeyName, INT nDefault,
                                         LPCSTR lpFileName)
{
    return NmxGetPrivateProfileInt(lpAppName, lpKeyName, nDefault, lpFileName);
}
static inline BOOL WritePrivateProfileStringA(LPCSTR lpAppName, LPCSTR lpKeyName, LPCSTR lpString,
                                              LPCSTR lpFileName)
{
    return NmxWritePrivateProfileString(lpAppName, lpKeyName, lpString, lpFileName);
}
#define GetPrivateProfileString GetPrivateProfileStringA
#define GetPrivateProfileInt GetPrivateProfileIntA
#define WritePrivateProfileString WritePrivateProfileStringA

/* Character case, and UTF-16 for ASCII text. */
static inline LPSTR CharUpperA(LPSTR lpsz)
{
    if ((uintptr_t)lpsz <= 0xFFFF) /* a single character in the low word */
        return (LPSTR)(uintptr_t)toupper((int)(uintptr_t)lpsz);
    for (char *p = lpsz; *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    return lpsz;
}
static inline LPSTR CharLowerA(LPSTR lpsz)
{
    if ((uintptr_t)lpsz <= 0xFFFF)
        return (LPSTR)(uintptr_t)tolower((int)(uintptr_t)lpsz);
    for (char *p = lpsz; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return lpsz;
}
#define CharUpper CharUpperA
#define CharLower CharLowerA
#define CP_ACP 0
#define CP_OEMCP 1
#define CP_UTF8 65001
/* ASCII (and UTF-8 bytes one by one); cchMultiByte -1: up to the NUL,
 * included.  cchWideChar 0: the length needed.  0 when it does not fit. */
static inline int MultiByteToWideChar(UINT CodePage, DWORD dwFlags, LPCSTR lpMultiByteStr,
                                      int cbMultiByte, LPWSTR lpWideCharStr, int cchWideChar)
{
    (void)CodePage;
    (void)dwFlags;
    if (lpMultiByteStr == NULL)
        return 0;
    int n = cbMultiByte < 0 ? (int)strlen(lpMultiByteStr) + 1 : cbMultiByte;
    if (cchWideChar == 0)
        return n;
    if (lpWideCharStr == NULL || cchWideChar < n) {
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    for (int i = 0; i < n; i++)
        lpWideCharStr[i] = (WCHAR)(unsigned char)lpMultiByteStr[i];
    return n;
}
static inline int WideCharToMultiByte(UINT CodePage, DWORD dwFlags, LPCWSTR lpWideCharStr,
                                      int cchWideChar, LPSTR lpMultiByteStr, int cbMultiByte,
                                      LPCSTR lpDefaultChar, LPBOOL lpUsedDefaultChar)
{
    (void)CodePage;
    (void)dwFlags;
    if (lpWideCharStr == NULL)
        return 0;
    int n = cchWideChar;
    if (n < 0)
        for (n = 0; lpWideCharStr[n] != 0;)
            n++;
    if (cchWideChar < 0)
        n++;
    if (cbMultiByte == 0)
        return n;
    if (lpMultiByteStr == NULL || cbMultiByte < n) {
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    BOOL used = FALSE;
    for (int i = 0; i < n; i++) {
        WCHAR c = lpWideCharStr[i];
        if (c > 0x7F) {
            used = TRUE;
            lpMultiByteStr[i] = lpDefaultChar != NULL ? *lpDefaultChar : '?';
        } else
            lpMultiByteStr[i] = (char)c;
    }
    if (lpUsedDefaultChar != NULL)
        *lpUsedDefaultChar = used;
    return n;
}

/* The Microsoft C runtime's names. */
#define _stricmp strcasecmp
#define _strnicmp strncasecmp
#define stricmp strcasecmp
#define strnicmp strncasecmp
#define _strdup strdup
static inline char *nmx_itoa_base(unsigned long long v, int neg, char *buf, int radix)
{
    char tmp[72];
    int n = 0;
    if (radix < 2 || radix > 36) {
        buf[0] = '\0';
        return buf;
    }
    do {
        int d = (int)(v % (unsigned)radix);
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= (unsigned)radix;
    } while (v != 0);
    int o = 0;
    if (neg)
        buf[o++] = '-';
    while (n > 0)
        buf[o++] = tmp[--n];
    buf[o] = '\0';
    return buf;
}
/* Negative values are signed only in base 10, as in the CRT. */
static inline char *_itoa(int value, char *buf, int radix)
{
    if (radix == 10 && value < 0)
        return nmx_itoa_base(0ull - (unsigned long long)(long long)value, 1, buf, radix);
    return nmx_itoa_base((unsigned)value, 0, buf, radix);
}
static inline char *_ltoa(LONG value, char *buf, int radix)
{
    return _itoa(value, buf, radix);
}
static inline char *_ultoa(ULONG value, char *buf, int radix)
{
    return nmx_itoa_base(value, 0, buf, radix);
}
static inline char *_i64toa(LONGLONG value, char *buf, int radix)
{
    if (radix == 10 && value < 0)
        return nmx_itoa_base(0ull - (unsigned long long)value, 1, buf, radix);
    return nmx_itoa_base((unsigned long long)value, 0, buf, radix);
}
static inline char *_ui64toa(ULONGLONG value, char *buf, int radix)
{
    return nmx_itoa_base(value, 0, buf, radix);
}
#define itoa _itoa
#define ltoa _ltoa
static inline char *_strupr(char *s)
{
    for (char *p = s; *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    return s;
}
static inline char *_strlwr(char *s)
{
    for (char *p = s; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}
#define strupr _strupr
#define strlwr _strlwr

/* UI stand-ins: there are no windows or string resources on Linux.
 * LoadString yields an empty string; MessageBox writes to stderr. */
#define IDOK 1
#define IDCANCEL 2
#define MB_OK 0x00000000
#define MB_ICONERROR 0x00000010
#define MB_ICONWARNING 0x00000030
#define MB_ICONINFORMATION 0x00000040
static inline int LoadStringA(HINSTANCE hInstance, UINT uID, LPSTR buf, int n)
{
    (void)hInstance;
    (void)uID;
    if (buf != NULL && n > 0)
        buf[0] = '\0';
    return 0;
}
#define LoadString LoadStringA
static inline int MessageBoxA(HWND hWnd, LPCSTR text, LPCSTR caption, UINT type)
{
    (void)hWnd;
    (void)type;
    fprintf(stderr, "%s: %s\n", caption != NULL ? caption : "", text != NULL ? text : "");
    return IDOK;
}
#define MessageBox MessageBoxA

#ifdef __cplusplus
}

/* min and max as function templates: libstdc++ headers #undef the macros
 * (so <stdlib.h> after <windows.h> used to lose them). */
template <class A, class B>
inline auto min(A a, B b) -> decltype(a < b ? a : b)
{
    return a < b ? a : b;
}
template <class A, class B>
inline auto max(A a, B b) -> decltype(a > b ? a : b)
{
    return a > b ? a : b;
}
#endif

#include <tchar.h>
#include <winsock.h>

#endif /* NMEXPERT_COMPAT_WINDOWS_H */
