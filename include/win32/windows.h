/*
 * windows.h - the small part of the Win32 API that Network Monitor 2 expert
 * sources use, so that they compile unchanged on Linux with
 * `$(pkg-config --cflags nmexpert)`.
 *
 * Covered: the base types and calling-convention macros (nmexpert/wintypes.h),
 * DllMain reasons, the memory macros (ZeroMemory, CopyMemory, ...), the
 * lstr* string functions, wsprintf, and a few no-op UI stand-ins.  There is
 * no user interface on Linux: experts with dialogs must drop them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_COMPAT_WINDOWS_H
#define NMEXPERT_COMPAT_WINDOWS_H

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <nmexpert/wintypes.h>

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

/* wsprintf writes at most 1024 bytes, as on Windows. */
#define NMX_WSPRINTF_MAX 1024
static inline int wvsprintfA(LPSTR buf, LPCSTR fmt, va_list ap)
{
    int n = vsnprintf(buf, NMX_WSPRINTF_MAX, fmt, ap);
    return n < 0 ? n : (n >= NMX_WSPRINTF_MAX ? NMX_WSPRINTF_MAX - 1 : n);
}
static inline int wsprintfA(LPSTR buf, LPCSTR fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = wvsprintfA(buf, fmt, ap);
    va_end(ap);
    return n;
}
#define wsprintf wsprintfA
#define wvsprintf wvsprintfA

/* Text macros for sources written for both ANSI and Unicode builds. */
#ifndef TEXT
#define TEXT(s) s
#endif
#ifndef _T
#define _T(s) s
#endif
typedef char TCHAR;
typedef char *LPTSTR;
typedef const char *LPCTSTR;

#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif

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
#endif

#endif /* NMEXPERT_COMPAT_WINDOWS_H */
