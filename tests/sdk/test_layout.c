/*
 * test_layout.c - netmon.h structure layouts against spec section 4.
 *
 * The static assertions pin every offset and size the spec lists for the
 * LP64 Linux ABI (column "L"), and for ILP32 where the build is 32-bit
 * (column "W" matches ILP32 natural alignment).  A change to netmon.h that
 * moves a member fails the build.  The runtime part checks a few values that
 * are not constant expressions.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netmon.h>

#define OFF(type, member, w, l) \
    _Static_assert(offsetof(type, member) == (sizeof(void *) == 8 ? (l) : (w)), #type "." #member)
#define SIZE(type, w, l) _Static_assert(sizeof(type) == (sizeof(void *) == 8 ? (l) : (w)), "sizeof " #type)

/* 0.1 base types keep their Win32 widths. */
_Static_assert(sizeof(BYTE) == 1 && sizeof(WORD) == 2 && sizeof(DWORD) == 4, "base widths");
_Static_assert(sizeof(LONG) == 4 && sizeof(BOOL) == 4 && sizeof(BOOLEAN) == 1, "LONG/BOOL");
_Static_assert(sizeof(__int64) == 8 && sizeof(LARGE_INTEGER) == 8, "64-bit types");
_Static_assert(sizeof(SIZE_T) == sizeof(void *) && sizeof(DWORD_PTR) == sizeof(void *), "ptr-sized");
_Static_assert(sizeof(HPROPERTY) == sizeof(void *), "HPROPERTY is pointer-sized");
_Static_assert(sizeof(WCHAR) == 2, "WCHAR is a UTF-16 unit");
_Static_assert(sizeof(SYSTEMTIME) == 16, "SYSTEMTIME");
_Static_assert(MAX_PATH == 260 && EXPERTSTRINGLENGTH == 260, "MAX_PATH");

/* 4.2 EXPERTENUMINFO */
OFF(EXPERTENUMINFO, szName, 0, 0);
OFF(EXPERTENUMINFO, szVendor, 260, 260);
OFF(EXPERTENUMINFO, szDescription, 520, 520);
OFF(EXPERTENUMINFO, Version, 780, 780);
OFF(EXPERTENUMINFO, Flags, 784, 784);
OFF(EXPERTENUMINFO, szDllName, 788, 788);
OFF(EXPERTENUMINFO, hExpert, 1048, 1048);
OFF(EXPERTENUMINFO, hModule, 1052, 1056);
OFF(EXPERTENUMINFO, pRegisterProc, 1056, 1064);
OFF(EXPERTENUMINFO, pConfigProc, 1060, 1072);
OFF(EXPERTENUMINFO, pRunProc, 1064, 1080);
SIZE(EXPERTENUMINFO, 1068, 1088);

/* 4.3 EXPERTSTARTUPINFO */
OFF(EXPERTSTARTUPINFO, Flags, 0, 0);
OFF(EXPERTSTARTUPINFO, hCapture, 4, 8);
OFF(EXPERTSTARTUPINFO, szCaptureFile, 8, 16);
OFF(EXPERTSTARTUPINFO, dwFrameNumber, 268, 276);
OFF(EXPERTSTARTUPINFO, hProtocol, 272, 280);
OFF(EXPERTSTARTUPINFO, lpPropertyInst, 276, 288);
OFF(EXPERTSTARTUPINFO, sBitfield.BitNumber, 280, 296);
OFF(EXPERTSTARTUPINFO, sBitfield.bOn, 284, 300);
SIZE(EXPERTSTARTUPINFO, 288, 304);

/* 4.4 EXPERTCONFIG, CONFIGUREDEXPERT */
OFF(EXPERTCONFIG, RawConfigData, 4, 4);
OFF(CONFIGUREDEXPERT, hExpert, 0, 0);
OFF(CONFIGUREDEXPERT, StartupFlags, 4, 8);
OFF(CONFIGUREDEXPERT, pConfig, 8, 16);
SIZE(CONFIGUREDEXPERT, 12, 24);

/* 4.5 frames */
OFF(EXPERTFRAMEDESCRIPTOR, FrameNumber, 0, 0);
OFF(EXPERTFRAMEDESCRIPTOR, hFrame, 4, 8);
OFF(EXPERTFRAMEDESCRIPTOR, pFrame, 8, 16);
OFF(EXPERTFRAMEDESCRIPTOR, lpRecognizeDataTable, 12, 24);
OFF(EXPERTFRAMEDESCRIPTOR, lpPropertyTable, 16, 32);
SIZE(EXPERTFRAMEDESCRIPTOR, 20, 40);
OFF(FRAME, TimeStamp, 0, 0);
OFF(FRAME, FrameLength, 8, 8);
OFF(FRAME, nBytesAvail, 12, 12);
OFF(FRAME, MacFrame, 16, 16);
OFF(RECOGNIZEDATA, ProtocolID, 0, 0);
OFF(RECOGNIZEDATA, nProtocolOffset, 2, 2);
OFF(RECOGNIZEDATA, InstData, 4, 8);
SIZE(RECOGNIZEDATA, 8, 16);
OFF(RECOGNIZEDATATABLE, RecognizeData, 4, 8);
OFF(PROPERTYTABLE, lpFormatBuffer, 0, 0);
OFF(PROPERTYTABLE, FormatBufferLength, 4, 8);
OFF(PROPERTYTABLE, nTotalPropertyInsts, 8, 12);
OFF(PROPERTYTABLE, lpFirstPropertyInst, 12, 16);
OFF(PROPERTYTABLE, nPropertyInstTables, 16, 24);
OFF(PROPERTYTABLE, PropertyInstTable, 18, 26);

/* 4.6 EXPERTSTATUS */
OFF(EXPERTSTATUS, Status, 0, 0);
OFF(EXPERTSTATUS, SubStatus, 4, 4);
OFF(EXPERTSTATUS, PercentDone, 8, 8);
OFF(EXPERTSTATUS, Frame, 12, 12);
OFF(EXPERTSTATUS, szStatusText, 16, 16);
SIZE(EXPERTSTATUS, 276, 276);
_Static_assert(sizeof(EXPERTSTATUSENUMERATION) == 4, "the status enum is 4 bytes");

/* 4.7 events */
OFF(NMEVENTDATA, pszReserved, 0, 0);
OFF(NMEVENTDATA, Version, 4, 8);
OFF(NMEVENTDATA, EventIdent, 8, 12);
OFF(NMEVENTDATA, Flags, 12, 16);
OFF(NMEVENTDATA, Severity, 16, 20);
OFF(NMEVENTDATA, NumColumns, 20, 24);
OFF(NMEVENTDATA, szSourceName, 24, 32);
OFF(NMEVENTDATA, szEventName, 28, 40);
OFF(NMEVENTDATA, szDescription, 32, 48);
OFF(NMEVENTDATA, szMachine, 36, 56);
OFF(NMEVENTDATA, Justification, 40, 64);
OFF(NMEVENTDATA, pvReserved, 44, 72);
OFF(NMEVENTDATA, SysTime, 48, 80);
OFF(NMEVENTDATA, Column, 64, 96);
SIZE(NMEVENTDATA, 64, 96);
OFF(NMCOLUMNVARIANT, Type, 0, 0);
OFF(NMCOLUMNVARIANT, Value, 8, 8);
SIZE(NMCOLUMNVARIANT, 24, 24);
OFF(NMCOLUMNINFO, szColumnName, 0, 0);
OFF(NMCOLUMNINFO, VariantData, 8, 8);
SIZE(NMCOLUMNINFO, 32, 32);
_Static_assert(NMCOLUMNTYPE_STRING == 15 && NMCOLUMNTYPE_IPADDR == 13, "column types");
_Static_assert(sizeof(((NMCOLUMNVARIANT *)0)->Value.Sint32Val) == 4, "Sint32Val is 32-bit");

/* 4.8 GROUPINFO */
SIZE(GROUPINFO, 32, 40);

/* 4.9 FILTEROBJECT */
OFF(FILTEROBJECT, Action, 0, 0);
OFF(FILTEROBJECT, hProperty, 4, 8);
OFF(FILTEROBJECT, Value, 8, 16);
OFF(FILTEROBJECT, ByteCount, 12, 24);
OFF(FILTEROBJECT, pNext, 16, 32);
SIZE(FILTEROBJECT, 20, 40);
_Static_assert(sizeof(FILTEROBJECT) == sizeof(FILTEROBJECT2), "both filter objects match");

/* 4.10 properties and protocols */
OFF(PROPERTYINST, lpPropertyInfo, 0, 0);
OFF(PROPERTYINST, szPropertyText, 4, 8);
OFF(PROPERTYINST, lpData, 8, 16);
OFF(PROPERTYINST, DataLength, 12, 24);
OFF(PROPERTYINST, IFlags, 16, 28);
SIZE(PROPERTYINST, 20, 32);
OFF(PROPERTYINFO, hProperty, 0, 0);
OFF(PROPERTYINFO, Version, 4, 8);
OFF(PROPERTYINFO, Label, 8, 16);
OFF(PROPERTYINFO, Comment, 12, 24);
OFF(PROPERTYINFO, DataType, 16, 32);
OFF(PROPERTYINFO, DataQualifier, 17, 33);
OFF(PROPERTYINFO, lpSet, 20, 40);
OFF(PROPERTYINFO, FormatStringSize, 24, 48);
OFF(PROPERTYINFO, InstanceData, 28, 56);
SIZE(PROPERTYINFO, 32, 64);
OFF(PROTOCOLINFO, ProtocolID, 0, 0);
OFF(PROTOCOLINFO, PropertyDatabase, 4, 8);
OFF(PROTOCOLINFO, ProtocolName, 8, 16);
OFF(PROTOCOLINFO, HelpFile, 24, 32);
OFF(PROTOCOLINFO, Comment, 40, 48);
SIZE(PROTOCOLINFO, 168, 176);

/* 4.11 addresses, packed */
SIZE(IPX_ADDR, 10, 10);
SIZE(VINES_IP_ADDRESS, 6, 6);
OFF(ADDRESS, Type, 0, 0);
OFF(ADDRESS, MACAddress, 4, 4);
OFF(ADDRESS, Flags, 14, 14);
SIZE(ADDRESS, 16, 16);
OFF(ADDRESS2, Flags, 20, 20);
SIZE(ADDRESS2, 22, 22);

/* 7.1 capture header */
SIZE(CAPTUREFILE_HEADER_VALUES, 72, 72);
SIZE(CAPTUREFILE_HEADER, 128, 128);
OFF(CAPTUREFILE_HEADER_VALUES, FrameTableOffset, 24, 24);
OFF(CAPTUREFILE_HEADER_VALUES, NetworkInfoLength, 60, 60);
SIZE(STATISTICS, 88, 88);
OFF(STATISTICS, MacBytesReceivedEx, 64, 64);
SIZE(NETWORKINFO, 116, 116);
OFF(NETWORKINFO, NodeName, 48, 48);
OFF(NETWORKINFO, Comment, 84, 84);

int main(void)
{
    int failures = 0;
    /* Values that are not integer constant expressions in C. */
    if (NMERR_TO_HRESULT(NMERR_OUT_OF_MEMORY) != (HRESULT)0x80040013) {
        fprintf(stderr, "NMERR_TO_HRESULT(19) = %#x\n", (unsigned)NMERR_TO_HRESULT(NMERR_OUT_OF_MEMORY));
        failures++;
    }
    if (HRESULT_TO_NMERR(NMERR_TO_HRESULT(NMERR_EXPERT_TERMINATE)) != NMERR_EXPERT_TERMINATE)
        failures++;
    if (NMERR_TO_HRESULT(NMERR_SUCCESS) != 0)
        failures++;
    if (NETMON_2_0_CAPTUREFILE_SIGNATURE != 0x55424D47u)
        failures++;
    if (XCHG(0x1234) != 0x3412 || DXCHG(0x12345678u) != 0x78563412u)
        failures++;
    PROPERTYINST pi = {0};
    BYTE data[4] = {1, 2, 3, 4};
    pi.lpData = data;
    pi.DataLength = 4;
    if (GetPropertyInstanceData(&pi) != data || GetPropertyInstanceFrameDataLength(&pi) != 4)
        failures++;
    printf("%s\n", failures == 0 ? "layout ok" : "layout FAILED");
    return failures != 0;
}
