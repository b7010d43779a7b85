/*
 * tchar.h - the generic-text names of the Microsoft C runtime, for expert
 * sources written for both ANSI and Unicode builds.  Linux experts are ANSI
 * builds on UTF-8 text (spec 0.4): TCHAR is char and each _tcs name is the
 * str one.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_COMPAT_TCHAR_H
#define NMEXPERT_COMPAT_TCHAR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef _TEXT
#define _TEXT(s) s
#endif
#include "nmx_tchar_types.h"
typedef unsigned char _TUCHAR;
typedef int _TINT;

#define _tcslen strlen
#define _tcscpy strcpy
#define _tcsncpy strncpy
#define _tcscat strcat
#define _tcsncat strncat
#define _tcscmp strcmp
#define _tcsncmp strncmp
#define _tcsicmp strcasecmp
#define _tcsnicmp strncasecmp
#define _tcschr strchr
#define _tcsrchr strrchr
#define _tcsstr strstr
#define _tcsdup strdup
#define _tcstok strtok
#define _tcstol strtol
#define _tcstoul strtoul
#define _tcstod strtod
#define _ttoi atoi
#define _ttol atol
#define _tstoi atoi
#define _tprintf printf
#define _ftprintf fprintf
#define _stprintf sprintf
#define _sntprintf _snprintf
#define _vstprintf vsprintf
#define _tfopen fopen
#define _fgetts fgets
#define _fputts fputs
#define _istspace isspace
#define _istdigit isdigit
#define _istalpha isalpha
#define _totupper toupper
#define _totlower tolower
#define _tcsupr _strupr
#define _tcslwr _strlwr
#define _itot _itoa

#endif /* NMEXPERT_COMPAT_TCHAR_H */
