/*
 * nmexpert/wintypes.h - the Win32 base types, with their Win32 widths, for
 * Network Monitor expert sources built on Linux.
 *
 * Both <netmon.h> and the compat <windows.h> include this file, so an expert
 * may include either or both, in any order.  Widths follow the Win32 ABI
 * (spec 0.1): DWORD and LONG are 32 bits even on LP64, and only the
 * pointer-sized types (SIZE_T, DWORD_PTR, handles) grow to 64 bits.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_WINTYPES_H
#define NMEXPERT_WINTYPES_H

#include <stddef.h>
#include <stdint.h>

/* Calling conventions: Linux has one C calling convention (spec 0.2). */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef WINAPIV
#define WINAPIV
#endif
#ifndef APIENTRY
#define APIENTRY
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef _cdecl
#define _cdecl
#endif
#ifndef __cdecl
#define __cdecl
#endif
#ifndef __stdcall
#define __stdcall
#endif
#ifndef PASCAL
#define PASCAL
#endif

/* Parameter annotations are documentation only. */
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef UNALIGNED
#define UNALIGNED
#endif
#ifndef INLINE
#define INLINE static inline
#endif

/* The MSVC 64-bit integer keyword.  Expert sources declare `__int64 x;`. */
#ifndef __int64
#define __int64 long long
#endif

#ifndef VOID
#define VOID void
#endif

typedef uint8_t BYTE;
typedef uint8_t UCHAR;
typedef char CHAR;
typedef uint16_t WORD;
typedef uint16_t USHORT;
typedef int16_t SHORT;
typedef uint32_t DWORD;
typedef uint32_t ULONG;
typedef uint32_t UINT;
typedef int32_t INT;
typedef int32_t LONG;
typedef int32_t BOOL;
typedef uint8_t BOOLEAN;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uint64_t DWORDLONG;
typedef double DOUBLE;
typedef float FLOAT;
typedef size_t SIZE_T;
typedef intptr_t SSIZE_T;
typedef uintptr_t DWORD_PTR;
typedef uintptr_t ULONG_PTR;
typedef intptr_t LONG_PTR;
typedef uintptr_t UINT_PTR;
typedef intptr_t INT_PTR;
typedef uint16_t WCHAR; /* a UTF-16 code unit, not Linux wchar_t */
typedef int32_t HRESULT;

typedef void *LPVOID;
typedef void *PVOID;
typedef const void *LPCVOID;
typedef char *LPSTR;
typedef char *PSTR;
typedef const char *LPCSTR;
typedef const char *PCSTR;
typedef WCHAR *LPWSTR;
typedef const WCHAR *LPCWSTR;
typedef BYTE *LPBYTE;
typedef BYTE *PBYTE;
typedef WORD *LPWORD;
typedef WORD *PWORD;
typedef DWORD *LPDWORD;
typedef DWORD *PDWORD;
typedef LONG *LPLONG;
typedef LONG *PLONG;
typedef BOOL *LPBOOL;
typedef BOOL *PBOOL;
typedef UINT *LPUINT;
typedef DWORD_PTR *PDWORD_PTR;
typedef CHAR *LPCH;
typedef CHAR *PCHAR;

/* Opaque handles (spec 0.5). */
typedef void *HANDLE;
typedef void *HWND;
typedef void *HINSTANCE;
typedef void *HMODULE;
typedef void *HKEY;
typedef HANDLE *LPHANDLE;

typedef union _LARGE_INTEGER {
    struct {
        DWORD LowPart;
        LONG HighPart;
    };
    struct {
        DWORD LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER, *LPLARGE_INTEGER;

typedef struct _SYSTEMTIME {
    WORD wYear;
    WORD wMonth;     /* 1-12 */
    WORD wDayOfWeek; /* 0 = Sunday */
    WORD wDay;
    WORD wHour;
    WORD wMinute;
    WORD wSecond;
    WORD wMilliseconds;
} SYSTEMTIME, *PSYSTEMTIME, *LPSYSTEMTIME;

#ifndef MAX_PATH
#define MAX_PATH 260
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif

#ifndef MAKEWORD
#define MAKEWORD(lo, hi) ((WORD)(((BYTE)((lo) & 0xff)) | ((WORD)((BYTE)((hi) & 0xff))) << 8))
#endif
#ifndef MAKELONG
#define MAKELONG(lo, hi) ((LONG)(((WORD)((lo) & 0xffff)) | ((DWORD)((WORD)((hi) & 0xffff))) << 16))
#endif
#ifndef LOWORD
#define LOWORD(l) ((WORD)((DWORD)(l) & 0xffff))
#endif
#ifndef HIWORD
#define HIWORD(l) ((WORD)(((DWORD)(l) >> 16) & 0xffff))
#endif
#ifndef LOBYTE
#define LOBYTE(w) ((BYTE)((w) & 0xff))
#endif
#ifndef HIBYTE
#define HIBYTE(w) ((BYTE)(((WORD)(w) >> 8) & 0xff))
#endif

/* HRESULT helpers used by NMERR_TO_HRESULT. */
#ifndef NOERROR
#define NOERROR 0
#endif
#ifndef S_OK
#define S_OK ((HRESULT)0)
#endif
#ifndef S_FALSE
#define S_FALSE ((HRESULT)1)
#endif
#ifndef SEVERITY_ERROR
#define SEVERITY_ERROR 1
#endif
#ifndef FACILITY_ITF
#define FACILITY_ITF 4
#endif
#ifndef MAKE_HRESULT
#define MAKE_HRESULT(sev, fac, code) \
    ((HRESULT)(((uint32_t)(sev) << 31) | ((uint32_t)(fac) << 16) | ((uint32_t)(code))))
#endif
#ifndef HRESULT_CODE
#define HRESULT_CODE(hr) ((hr) & 0xFFFF)
#endif
#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif

/* CreateFile dispositions, used by CAPTUREFILE_OPEN / CAPTUREFILE_CREATE. */
#ifndef CREATE_NEW
#define CREATE_NEW 1
#endif
#ifndef OPEN_EXISTING
#define OPEN_EXISTING 3
#endif

#endif /* NMEXPERT_WINTYPES_H */
