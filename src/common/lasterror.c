/*
 * lasterror.c - BhGetLastError / BhSetLastError (spec 5, 6): the calling
 * thread's last NMERR code, for helpers that report failure only through
 * their return value (NULL, (DWORD)-1, ...).
 */
#include <netmon.h>

static _Thread_local DWORD last_error;

NMAPI DWORD WINAPI BhGetLastError(VOID)
{
    return last_error;
}

NMAPI VOID WINAPI BhSetLastError(DWORD Error)
{
    last_error = Error;
}
