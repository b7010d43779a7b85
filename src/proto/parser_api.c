/*
 * parser_api.c - the parser-registration calls of NetMon's parser DLL
 * interface (CreateProtocol, CreatePropertyDatabase, AddProperty,
 * AttachPropertyInstance, FormatPropertyInstance, ...).  nmexpert loads no
 * third-party parsers yet: each call fails cleanly with NMERR_NOT_SUPPORTED
 * through BhSetLastError, so a parser written for NetMon links and learns
 * that it cannot register.
 */
#include "proto/proto_int.h"

NMAPI HPROTOCOL WINAPI CreateProtocol(LPSTR ProtocolName, LPENTRYPOINTS lpEntryPoints,
                                      DWORD cbEntryPoints)
{
    (void)ProtocolName;
    (void)lpEntryPoints;
    (void)cbEntryPoints;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return NULL;
}

NMAPI VOID WINAPI DestroyProtocol(HPROTOCOL hProtocol)
{
    (void)hProtocol;
    BhSetLastError(NMERR_NOT_SUPPORTED);
}

NMAPI DWORD WINAPI CreatePropertyDatabase(HPROTOCOL hProtocol, DWORD nProperties)
{
    (void)hProtocol;
    (void)nProperties;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return NMERR_NOT_SUPPORTED;
}

NMAPI DWORD WINAPI DestroyPropertyDatabase(HPROTOCOL hProtocol)
{
    (void)hProtocol;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return NMERR_NOT_SUPPORTED;
}

NMAPI HPROPERTY WINAPI AddProperty(HPROTOCOL hProtocol, LPPROPERTYINFO PropertyInfo)
{
    (void)hProtocol;
    (void)PropertyInfo;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return 0;
}

NMAPI BOOL WINAPI AttachPropertyInstance(HFRAME hFrame, HPROPERTY hProperty, DWORD Length,
                                         ULPVOID lpData, DWORD HelpID, DWORD Level, DWORD IFlags)
{
    (void)hFrame;
    (void)hProperty;
    (void)Length;
    (void)lpData;
    (void)HelpID;
    (void)Level;
    (void)IFlags;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return FALSE;
}

NMAPI BOOL WINAPI AttachPropertyInstanceEx(HFRAME hFrame, HPROPERTY hProperty, DWORD Length,
                                           ULPVOID lpData, DWORD ExLength, ULPVOID lpExData,
                                           DWORD HelpID, DWORD Level, DWORD IFlags)
{
    (void)hFrame;
    (void)hProperty;
    (void)Length;
    (void)lpData;
    (void)ExLength;
    (void)lpExData;
    (void)HelpID;
    (void)Level;
    (void)IFlags;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return FALSE;
}

NMAPI DWORD WINAPI ResetPropertyInstanceLength(LPPROPERTYINST lpProp, WORD nOrgLen, WORD nNewLen)
{
    (void)lpProp;
    (void)nOrgLen;
    (void)nNewLen;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return NMERR_NOT_SUPPORTED;
}

NMAPI DWORD WINAPIV FormatPropertyInstance(LPPROPERTYINST lpPropertyInst, ...)
{
    (void)lpPropertyInst;
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return NMERR_NOT_SUPPORTED;
}
