/*
 * nmx_tchar_types.h - the TCHAR types, shared by the compat windows.h and
 * tchar.h (either may come first, as on Windows).  Linux experts are ANSI
 * builds on UTF-8 text (spec 0.4): TCHAR is char.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_COMPAT_TCHAR_TYPES_H
#define NMEXPERT_COMPAT_TCHAR_TYPES_H

#ifndef _T
#define _T(s) s
#endif
typedef char TCHAR;
typedef char _TCHAR;
typedef char *PTSTR;
typedef char *LPTSTR;
typedef const char *PCTSTR;
typedef const char *LPCTSTR;

#endif /* NMEXPERT_COMPAT_TCHAR_TYPES_H */
