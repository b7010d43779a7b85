/*
 * netmon.h - the Network Monitor 2.x expert SDK header for Linux (nmexpert).
 *
 * This is the only header an expert needs.  It declares, source-compatibly
 * with the NetMon 2 SDK: the Win32 base types (via nmexpert/wintypes.h), the
 * constants, enumerations and structures of spec section 4, every NMERR code
 * of section 5, the eight Expert* host helpers of section 2 and the common
 * expert/parser helpers of section 6.  The functions are exported by
 * libnmapi.so, which plays the role of Nmapi.dll; an expert built with
 * `cc -shared -fPIC $(pkg-config --cflags nmexpert)` needs no link flags,
 * because the host has libnmapi.so loaded when it opens the expert.
 *
 * Layouts use the platform's natural alignment except where the SDK packs
 * (addresses, capture-file header); tests/sdk/test_layout.c checks every
 * offset listed in spec section 4 with static assertions.
 *
 * Additions beyond the NetMon SDK are marked "nmexpert:" and are append-only.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NETMON_H
#define NETMON_H

#include <stdio.h> /* before dprintf becomes the SDK's (see NmDebugPrintf) */

#include <nmexpert/wintypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Functions exported by libnmapi.so. */
#if defined(__GNUC__)
#define NMAPI __attribute__((visibility("default")))
#else
#define NMAPI
#endif

/* nmexpert: version of this header, MAJOR*10000 + MINOR*100 + PATCH. */
#define NMEXPERT_SDK_VERSION 100

/* ===================================================================== */
/* Unaligned pointer types (spec 0.3): frame data carries no alignment.   */
/* ===================================================================== */

#if defined(__GNUC__)
typedef BYTE __attribute__((aligned(1))) NMX_UBYTE;
typedef WORD __attribute__((aligned(1))) NMX_UWORD;
typedef DWORD __attribute__((aligned(1))) NMX_UDWORD;
typedef LARGE_INTEGER __attribute__((aligned(1))) NMX_ULARGEINT;
typedef SYSTEMTIME __attribute__((aligned(1))) NMX_USYSTEMTIME;
#else
typedef BYTE NMX_UBYTE;
typedef WORD NMX_UWORD;
typedef DWORD NMX_UDWORD;
typedef LARGE_INTEGER NMX_ULARGEINT;
typedef SYSTEMTIME NMX_USYSTEMTIME;
#endif
typedef NMX_UBYTE *ULPBYTE;
typedef NMX_UWORD *ULPWORD;
typedef NMX_UDWORD *ULPDWORD;
typedef void *ULPVOID;
typedef LARGE_INTEGER *LPLARGEINT;
typedef NMX_ULARGEINT *ULPLARGEINT;
typedef NMX_USYSTEMTIME *ULPSYSTEMTIME;
typedef SYSTEMTIME *LPTIME;
typedef NMX_USYSTEMTIME *ULPTIME;

/* ===================================================================== */
/* Handles (spec 0.5).                                                    */
/* ===================================================================== */

typedef LPVOID HEXPERTKEY;
typedef HEXPERTKEY *PHEXPERTKEY;
typedef LPVOID HEXPERT;
typedef HEXPERT *PHEXPERT;
typedef LPVOID HRUNNINGEXPERT;
typedef HRUNNINGEXPERT *PHRUNNINGEXPERT;
typedef LPVOID HGROUP;
typedef HGROUP *PHGROUP;
typedef struct _CAPTURE *HCAPTURE;
typedef struct _CAPFRAMEDESC *HFRAME;
typedef struct _FILTER *HFILTER;
typedef HFILTER *LPHFILTER;
typedef struct _PROTOCOL *HPROTOCOL;
typedef HPROTOCOL *LPHPROTOCOL;
typedef DWORD_PTR HPROPERTY;
typedef HPROPERTY *LPHPROPERTY;
typedef LPVOID HPARSER;
typedef LPVOID HADDRESSDB;
typedef LPVOID HPASSWORD;
typedef LPVOID HBUFFER;
typedef LPVOID HNETWORK;

/* ===================================================================== */
/* 4.1 Constants                                                          */
/* ===================================================================== */

#define EXPERTSTRINGLENGTH MAX_PATH
#define EXPERTGROUPNAMELENGTH 25
#define INVALID_FRAME_NUMBER ((DWORD)-1)
#define INITIAL_RESTART_KEY (0xFFFFFFFF)
#define EXPERTENTRY_REGISTER "Register"
#define EXPERTENTRY_CONFIGURE "Configure"
#define EXPERTENTRY_RUN "Run"
#define MAC_ADDRESS_SIZE 6
#define IP_ADDRESS_SIZE 4
#define IP6_ADDRESS_SIZE 16
#define MAX_ADDRESS_SIZE 16
#define IPX_ADDR_SIZE 10
#define VINES_IP_ADDRESS_SIZE 6
#define MAX_NAME_SIZE 32
#define MAX_PROTOCOL_COMMENT_LEN 256
#define NETMON_MAX_PROTOCOL_NAME_LEN 16
#define CAPTUREFILE_OPEN OPEN_EXISTING
#define CAPTUREFILE_CREATE CREATE_NEW

/* Win32 DllMain reasons (spec 3.1). */
#ifndef DLL_PROCESS_DETACH
#define DLL_PROCESS_DETACH 0
#define DLL_PROCESS_ATTACH 1
#define DLL_THREAD_ATTACH 2
#define DLL_THREAD_DETACH 3
#endif

/* ===================================================================== */
/* 5. NMERR codes                                                         */
/* ===================================================================== */

#define NMERR_SUCCESS 0
#define NMERR_MEMORY_MAPPED_FILE_ERROR 1
#define NMERR_INVALID_HFILTER 2
#define NMERR_CAPTURING 3
#define NMERR_NOT_CAPTURING 4
#define NMERR_NO_MORE_FRAMES 5
#define NMERR_BUFFER_TOO_SMALL 6
#define NMERR_FRAME_NOT_RECOGNIZED 7
#define NMERR_FILE_ALREADY_EXISTS 8
#define NMERR_DRIVER_NOT_FOUND 9
#define NMERR_ADDRESS_ALREADY_EXISTS 10
#define NMERR_INVALID_HFRAME 11
#define NMERR_INVALID_HPROTOCOL 12
#define NMERR_INVALID_HPROPERTY 13
#define NMERR_LOCKED 14
#define NMERR_STACK_EMPTY 15
#define NMERR_STACK_OVERFLOW 16
#define NMERR_TOO_MANY_PROTOCOLS 17
#define NMERR_FILE_NOT_FOUND 18
#define NMERR_OUT_OF_MEMORY 19
#define NMERR_CAPTURE_PAUSED 20
#define NMERR_NO_BUFFERS 21
#define NMERR_BUFFERS_ALREADY_EXIST 22
#define NMERR_NOT_LOCKED 23
#define NMERR_OUT_OF_RANGE 24
#define NMERR_LOCK_NESTING_TOO_DEEP 25
#define NMERR_LOAD_PARSER_FAILED 26
#define NMERR_UNLOAD_PARSER_FAILED 27
#define NMERR_INVALID_HADDRESSDB 28
#define NMERR_ADDRESS_NOT_FOUND 29
#define NMERR_NETWORK_NOT_PRESENT 30
#define NMERR_NO_PROPERTY_DATABASE 31
#define NMERR_PROPERTY_NOT_FOUND 32
#define NMERR_INVALID_HPROPERTYDB 33
#define NMERR_PROTOCOL_NOT_ENABLED 34
#define NMERR_PROTOCOL_NOT_FOUND 35
#define NMERR_INVALID_PARSER_DLL 36
#define NMERR_NO_ATTACHED_PROPERTIES 37
#define NMERR_NO_FRAMES 38
#define NMERR_INVALID_FILE_FORMAT 39
#define NMERR_COULD_NOT_CREATE_TEMPFILE 40
#define NMERR_OUT_OF_DOS_MEMORY 41
#define NMERR_NO_PROTOCOLS_ENABLED 42
#define NMERR_UNKNOWN_MACTYPE 46
#define NMERR_ROUTING_INFO_NOT_PRESENT 47
#define NMERR_INVALID_HNETWORK 48
#define NMERR_NETWORK_ALREADY_OPENED 49
#define NMERR_NETWORK_NOT_OPENED 50
#define NMERR_FRAME_NOT_FOUND 51
#define NMERR_NO_HANDLES 53
#define NMERR_INVALID_NETWORK_ID 54
#define NMERR_INVALID_HCAPTURE 55
#define NMERR_PROTOCOL_ALREADY_ENABLED 56
#define NMERR_FILTER_INVALID_EXPRESSION 57
#define NMERR_TRANSMIT_ERROR 58
#define NMERR_INVALID_HBUFFER 59
#define NMERR_INVALID_DATA 60
#define NMERR_MSDOS_DRIVER_NOT_LOADED 61
#define NMERR_WINDOWS_DRIVER_NOT_LOADED 62
#define NMERR_MSDOS_DRIVER_INIT_FAILURE 63
#define NMERR_WINDOWS_DRIVER_INIT_FAILURE 64
#define NMERR_NETWORK_BUSY 65
#define NMERR_CAPTURE_NOT_PAUSED 66
#define NMERR_INVALID_PACKET_LENGTH 67
#define NMERR_INTERNAL_EXCEPTION 69
#define NMERR_PROMISCUOUS_MODE_NOT_SUPPORTED 70
#define NMERR_MAC_DRIVER_OPEN_FAILURE 71
#define NMERR_RUNAWAY_PROTOCOL 72
#define NMERR_PENDING 73
#define NMERR_ACCESS_DENIED 74
#define NMERR_INVALID_HPASSWORD 75
#define NMERR_INVALID_PARAMETER 76
#define NMERR_FILE_READ_ERROR 77
#define NMERR_FILE_WRITE_ERROR 78
#define NMERR_PROTOCOL_NOT_REGISTERED 79
#define NMERR_IP_ADDRESS_NOT_FOUND 80
#define NMERR_TRANSMIT_CANCELLED 81
#define NMERR_LOCKED_FRAMES 82
#define NMERR_NO_TRANSMITS_PENDING 83
#define NMERR_PATH_NOT_FOUND 84
#define NMERR_WINDOWS_ERROR 85
#define NMERR_NO_FRAME_NUMBER 86
#define NMERR_FRAME_HAS_NO_CAPTURE 87
#define NMERR_FRAME_ALREADY_HAS_CAPTURE 88
#define NMERR_NAL_IS_NOT_REMOTE 89
#define NMERR_NOT_SUPPORTED 90
#define NMERR_DISCARD_FRAME 91
#define NMERR_CANCEL_SAVE_CAPTURE 92
#define NMERR_LOST_CONNECTION 93
#define NMERR_INVALID_MEDIA_TYPE 94
#define NMERR_AGENT_IN_USE 95
#define NMERR_TIMEOUT 96
#define NMERR_DISCONNECTED 97
#define NMERR_SETTIMER_FAILED 98
#define NMERR_NETWORK_ERROR 99
#define NMERR_INVALID_FRAMESPROC 100
#define NMERR_UNKNOWN_CAPTURETYPE 101
#define NMERR_NOT_CONNECTED 102
#define NMERR_ALREADY_CONNECTED 103
#define NMERR_INVALID_REGISTRY_CONFIGURATION 104
#define NMERR_DELAYED 105
#define NMERR_NOT_DELAYED 106
#define NMERR_REALTIME 107
#define NMERR_NOT_REALTIME 108
#define NMERR_STATS_ONLY 109
#define NMERR_NOT_STATS_ONLY 110
#define NMERR_TRANSMIT 111
#define NMERR_NOT_TRANSMIT 112
#define NMERR_TRANSMITTING 113
#define NMERR_DISK_NOT_LOCAL_FIXED 114
#define NMERR_COULD_NOT_CREATE_DIRECTORY 115
#define NMERR_NO_DEFAULT_CAPTURE_DIRECTORY 116
#define NMERR_UPLEVEL_CAPTURE_FILE 117
#define NMERR_LOAD_EXPERT_FAILED 118
#define NMERR_EXPERT_REPORT_FAILED 119
#define NMERR_REG_OPERATION_FAILED 120
#define NMERR_NO_DLLS_FOUND 121
#define NMERR_NO_CONVERSATION_STATS 122
#define NMERR_SECURITY_BREACH_CAPTURE_DELETED 123
#define NMERR_FRAME_FAILED_FILTER 124
#define NMERR_EXPERT_TERMINATE 125
#define NMERR_REMOTE_NOT_A_SERVER 126
#define NMERR_REMOTE_VERSION_OUTOFSYNC 127
#define NMERR_INVALID_EXPERT_GROUP 128
#define NMERR_INVALID_EXPERT_NAME 129
#define NMERR_INVALID_EXPERT_HANDLE 130
#define NMERR_GROUP_NAME_ALREADY_EXISTS 131
#define NMERR_INVALID_GROUP_NAME 132
#define NMERR_EXPERT_ALREADY_IN_GROUP 133
#define NMERR_EXPERT_NOT_IN_GROUP 134
#define NMERR_NOT_INITIALIZED 135
#define NMERR_INVALID_GROUP_ROOT 136
#define NMERR_BAD_VERSION 137
#define NMERR_ESP 138
#define NMERR_NOT_ESP 139
#define NMERR_BLOB_NOT_INITIALIZED 1000
#define NMERR_INVALID_BLOB 1001
#define NMERR_UPLEVEL_BLOB 1002
#define NMERR_BLOB_ENTRY_ALREADY_EXISTS 1003
#define NMERR_BLOB_ENTRY_DOES_NOT_EXIST 1004
#define NMERR_AMBIGUOUS_SPECIFIER 1005
#define NMERR_BLOB_OWNER_NOT_FOUND 1006
#define NMERR_BLOB_CATEGORY_NOT_FOUND 1007
#define NMERR_UNKNOWN_CATEGORY 1008
#define NMERR_UNKNOWN_TAG 1009
#define NMERR_BLOB_CONVERSION_ERROR 1010
#define NMERR_ILLEGAL_TRIGGER 1011
#define NMERR_BLOB_STRING_INVALID 1012
#define NMERR_UNABLE_TO_LOAD_LIBRARY 1013
#define NMERR_UNABLE_TO_GET_PROCADDR 1014
#define NMERR_CLASS_NOT_REGISTERED 1015
#define NMERR_INVALID_REMOTE_COMPUTERNAME 1016
#define NMERR_RPC_REMOTE_FAILURE 1017
#define NMERR_NO_NPPS 3016
#define NMERR_NO_MATCHING_NPPS 3017
#define NMERR_NO_NPP_SELECTED 3018
#define NMERR_NO_INPUT_BLOBS 3019
#define NMERR_NO_NPP_DLLS 3020
#define NMERR_NO_VALID_NPP_DLLS 3021

/* Legacy BHERR_* spellings used by some SDK pages (spec 5). */
#define BHERR_SUCCESS NMERR_SUCCESS
#define BHERR_PROTOCOL_NOT_FOUND NMERR_PROTOCOL_NOT_FOUND
#define BHERR_INVALID_HFRAME NMERR_INVALID_HFRAME

INLINE HRESULT NMERR_TO_HRESULT(DWORD nmerror)
{
    return nmerror == NMERR_SUCCESS ? (HRESULT)NOERROR
                                    : MAKE_HRESULT(SEVERITY_ERROR, FACILITY_ITF, (WORD)nmerror);
}

INLINE DWORD HRESULT_TO_NMERR(HRESULT hResult)
{
    return (DWORD)HRESULT_CODE(hResult);
}

/* Byte-swap helpers (spec 4.11). */
#define XCHG(w) ((WORD)((((WORD)(w) & 0xFF) << 8) | (((WORD)(w) >> 8) & 0xFF)))
#define DXCHG(d) ((DWORD)((((DWORD)XCHG((WORD)((d) & 0xFFFF))) << 16) | (DWORD)XCHG((WORD)(((DWORD)(d) >> 16) & 0xFFFF))))
#define MAKE_IDENTIFIER(a, b, c, d) \
    ((DWORD)(BYTE)(a) | ((DWORD)(BYTE)(b) << 8) | ((DWORD)(BYTE)(c) << 16) | ((DWORD)(BYTE)(d) << 24))

/* ===================================================================== */
/* 4.11 Addresses and MAC types                                           */
/* ===================================================================== */

#define MAC_TYPE_UNKNOWN 0
#define MAC_TYPE_ETHERNET 1
#define MAC_TYPE_TOKENRING 2
#define MAC_TYPE_FDDI 3
#define MAC_TYPE_ATM 4
#define MAC_TYPE_1394 5

#define ADDRESS_TYPE_ETHERNET 0
#define ADDRESS_TYPE_IP 1
#define ADDRESS_TYPE_IPX 2
#define ADDRESS_TYPE_TOKENRING 3
#define ADDRESS_TYPE_FDDI 4
#define ADDRESS_TYPE_XNS 5
#define ADDRESS_TYPE_ANY 6
#define ADDRESS_TYPE_ANY_GROUP 7
#define ADDRESS_TYPE_FIND_HIGHEST 8
#define ADDRESS_TYPE_VINES_IP 9
#define ADDRESS_TYPE_LOCAL_ONLY 10
#define ADDRESS_TYPE_ATM 11
#define ADDRESS_TYPE_1394 12
#define ADDRESS_TYPE_IP6 13

#define ADDRESSTYPE_FLAGS_NORMALIZE 0x0001
#define ADDRESSTYPE_FLAGS_BIT_REVERSE 0x0002

#define ADDRESS_FLAGS_MATCH_DST 0x1
#define ADDRESS_FLAGS_MATCH_SRC 0x2
#define ADDRESS_FLAGS_EXCLUDE 0x4
#define ADDRESS_FLAGS_DST_GROUP_ADDR 0x8
#define ADDRESS_FLAGS_MATCH_BOTH 0x3

#define ETHERNET_HEADER_LENGTH 14
#define ETHERNET_DATA_LENGTH 0x5DC
#define ETHERNET_FRAME_LENGTH 0x5EA
#define ETHERNET_FRAME_TYPE 0x600
#define TOKENRING_HEADER_LENGTH 14
#define FDDI_HEADER_LENGTH 13
#define TOKENRING_SA_ROUTING_INFO 0x80
#define TOKENRING_RC_LENGTHMASK 0x1F

#pragma pack(push, 1)

typedef struct _IPX_ADDR {
    BYTE Subnet[4];
    BYTE Address[6];
} IPX_ADDR, *LPIPX_ADDR;

typedef struct _VINES_IP_ADDRESS {
    DWORD NetID;
    WORD SubnetID;
} VINES_IP_ADDRESS, *LPVINES_IP_ADDRESS;

/* Bit-field views of the first bytes of MAC addresses. */
typedef struct _ETHERNET_SRC_ADDRESS {
    BYTE RoutingBit : 1; /* source routing information present */
    BYTE LocalBit : 1;   /* locally administered */
    BYTE Byte0 : 6;
    BYTE Reserved[5];
} ETHERNET_SRC_ADDRESS, *LPETHERNET_SRC_ADDRESS;

typedef struct _ETHERNET_DST_ADDRESS {
    BYTE GroupBit : 1; /* group (multicast) address */
    BYTE AdminBit : 1; /* locally administered */
    BYTE Byte0 : 6;
    BYTE Reserved[5];
} ETHERNET_DST_ADDRESS, *LPETHERNET_DST_ADDRESS;

typedef ETHERNET_SRC_ADDRESS FDDI_SRC_ADDRESS, *LPFDDI_SRC_ADDRESS;
typedef ETHERNET_DST_ADDRESS FDDI_DST_ADDRESS, *LPFDDI_DST_ADDRESS;

typedef struct _TOKENRING_SRC_ADDRESS {
    BYTE Byte0 : 6;
    BYTE LocalBit : 1;
    BYTE RoutingBit : 1;
    BYTE Byte1;
    BYTE Byte2 : 7;
    BYTE Functional : 1;
    BYTE Reserved[3];
} TOKENRING_SRC_ADDRESS, *LPTOKENRING_SRC_ADDRESS;

typedef struct _TOKENRING_DST_ADDRESS {
    BYTE Byte0 : 6;
    BYTE AdminBit : 1;
    BYTE GroupBit : 1;
    BYTE Reserved[5];
} TOKENRING_DST_ADDRESS, *LPTOKENRING_DST_ADDRESS;

typedef struct _ADDRESS {
    DWORD Type; /* ADDRESS_TYPE_* */
    union {
        BYTE MACAddress[MAC_ADDRESS_SIZE];
        BYTE IPAddress[IP_ADDRESS_SIZE];
        BYTE IPXRawAddress[IPX_ADDR_SIZE];
        IPX_ADDR IPXAddress;
        BYTE VinesIPRawAddress[VINES_IP_ADDRESS_SIZE];
        VINES_IP_ADDRESS VinesIPAddress;
        ETHERNET_SRC_ADDRESS EthernetSrcAddress;
        ETHERNET_DST_ADDRESS EthernetDstAddress;
        TOKENRING_SRC_ADDRESS TokenringSrcAddress;
        TOKENRING_DST_ADDRESS TokenringDstAddress;
        FDDI_SRC_ADDRESS FddiSrcAddress;
        FDDI_DST_ADDRESS FddiDstAddress;
    };
    WORD Flags;
} ADDRESS, *LPADDRESS; /* 16 bytes */

typedef struct _ADDRESS2 {
    DWORD Type; /* ADDRESS_TYPE_* */
    union {
        BYTE MACAddress[MAC_ADDRESS_SIZE];
        BYTE IPAddress[IP_ADDRESS_SIZE];
        BYTE IP6Address[IP6_ADDRESS_SIZE];
        BYTE IPXRawAddress[IPX_ADDR_SIZE];
        IPX_ADDR IPXAddress;
        BYTE VinesIPRawAddress[VINES_IP_ADDRESS_SIZE];
        VINES_IP_ADDRESS VinesIPAddress;
        ETHERNET_SRC_ADDRESS EthernetSrcAddress;
        ETHERNET_DST_ADDRESS EthernetDstAddress;
        TOKENRING_SRC_ADDRESS TokenringSrcAddress;
        TOKENRING_DST_ADDRESS TokenringDstAddress;
        FDDI_SRC_ADDRESS FddiSrcAddress;
        FDDI_DST_ADDRESS FddiDstAddress;
    };
    WORD Flags;
} ADDRESS2, *LPADDRESS2; /* 22 bytes */

#define ADDRESS_SIZE sizeof(ADDRESS)
#define ADDRESS2_SIZE sizeof(ADDRESS2)

/* MAC headers. */
typedef struct _ETHERNET {
    BYTE DstAddr[MAC_ADDRESS_SIZE];
    BYTE SrcAddr[MAC_ADDRESS_SIZE];
    union {
        WORD Length;
        WORD Type;
    };
    BYTE Info[0];
} ETHERNET, *LPETHERNET;
typedef ETHERNET UNALIGNED *ULPETHERNET;

typedef struct _TOKENRING {
    BYTE AccessCtrl;
    BYTE FrameCtrl;
    BYTE DstAddr[MAC_ADDRESS_SIZE];
    BYTE SrcAddr[MAC_ADDRESS_SIZE];
    union {
        BYTE Info[0];
        WORD RoutingInfo[0];
    };
} TOKENRING, *LPTOKENRING;
typedef TOKENRING UNALIGNED *ULPTOKENRING;

typedef struct _FDDI {
    BYTE FrameCtrl;
    BYTE DstAddr[MAC_ADDRESS_SIZE];
    BYTE SrcAddr[MAC_ADDRESS_SIZE];
    BYTE Info[0];
} FDDI, *LPFDDI;
typedef FDDI UNALIGNED *ULPFDDI;

typedef struct _LLC {
    BYTE dsap;
    BYTE ssap;
    struct {
        union {
            BYTE Command;
            BYTE NextSend;
        };
        union {
            BYTE NextRecv;
            BYTE Data[1];
        };
    } ControlField;
} LLC, *LPLLC;
typedef LLC UNALIGNED *ULPLLC;

#pragma pack(pop)

/* ===================================================================== */
/* 4.10 Property and protocol structures                                  */
/* ===================================================================== */

/* PROPERTYINFO.DataType */
#define PROP_TYPE_VOID 0x00
#define PROP_TYPE_SUMMARY 0x01
#define PROP_TYPE_BYTE 0x02
#define PROP_TYPE_WORD 0x03
#define PROP_TYPE_DWORD 0x04
#define PROP_TYPE_LARGEINT 0x05
#define PROP_TYPE_ADDR 0x06
#define PROP_TYPE_TIME 0x07
#define PROP_TYPE_STRING 0x08
#define PROP_TYPE_IP_ADDRESS 0x09
#define PROP_TYPE_IPX_ADDRESS 0x0A
#define PROP_TYPE_BYTESWAPPED_WORD 0x0B
#define PROP_TYPE_BYTESWAPPED_DWORD 0x0C
#define PROP_TYPE_TYPED_STRING 0x0D
#define PROP_TYPE_RAW_DATA 0x0E
#define PROP_TYPE_COMMENT 0x0F
#define PROP_TYPE_SRCFRIENDLYNAME 0x10
#define PROP_TYPE_DSTFRIENDLYNAME 0x11
#define PROP_TYPE_TOKENRING_ADDRESS 0x12
#define PROP_TYPE_FDDI_ADDRESS 0x13
#define PROP_TYPE_ETHERNET_ADDRESS 0x14
#define PROP_TYPE_OBJECT_IDENTIFIER 0x15
#define PROP_TYPE_VINES_IP_ADDRESS 0x16
#define PROP_TYPE_VAR_LEN_SMALL_INT 0x17
#define PROP_TYPE_ATM_ADDRESS 0x18
#define PROP_TYPE_1394_ADDRESS 0x19
#define PROP_TYPE_IP6_ADDRESS 0x1A
#define PROP_TYPE_IPV6_ADDRESS PROP_TYPE_IP6_ADDRESS

/* PROPERTYINFO.DataQualifier */
#define PROP_QUAL_NONE 0x00
#define PROP_QUAL_RANGE 0x01
#define PROP_QUAL_SET 0x02
#define PROP_QUAL_BITFIELD 0x03
#define PROP_QUAL_LABELED_SET 0x04
#define PROP_QUAL_LABELED_BITFIELD 0x08
#define PROP_QUAL_CONST 0x09
#define PROP_QUAL_FLAGS 0x0A
#define PROP_QUAL_ARRAY 0x0B

/* PROPERTYINST.IFlags */
#define IFLAG_ERROR 0x00000001
#define IFLAG_SWAPPED 0x00000002
#define IFLAG_UNICODE 0x00000004

/* TYPED_STRING.StringType */
#define TYPED_STRING_NORMAL 1
#define TYPED_STRING_UNICODE 2
#define TYPED_STRING_EXFLAG 1

typedef struct _RANGE {
    DWORD MinValue;
    DWORD MaxValue;
} RANGE, *LPRANGE;

typedef struct _LABELED_BYTE {
    BYTE Value;
    LPSTR Label;
} LABELED_BYTE, *LPLABELED_BYTE;

typedef struct _LABELED_WORD {
    WORD Value;
    LPSTR Label;
} LABELED_WORD, *LPLABELED_WORD;

typedef struct _LABELED_DWORD {
    DWORD Value;
    LPSTR Label;
} LABELED_DWORD, *LPLABELED_DWORD;

typedef struct _LABELED_LARGEINT {
    LARGE_INTEGER Value;
    LPSTR Label;
} LABELED_LARGEINT, *LPLABELED_LARGEINT;

typedef struct _LABELED_SYSTEMTIME {
    SYSTEMTIME Value;
    LPSTR Label;
} LABELED_SYSTEMTIME, *LPLABELED_SYSTEMTIME;

typedef struct _LABELED_BIT {
    BYTE BitNumber; /* bit number, 0 = least significant */
    LPSTR LabelOff; /* label when the bit is clear */
    LPSTR LabelOn;  /* label when the bit is set */
} LABELED_BIT, *LPLABELED_BIT;

typedef struct _SET {
    DWORD nEntries;
    union {
        LPVOID lpVoidTable;
        LPBYTE lpByteTable;
        LPWORD lpWordTable;
        LPDWORD lpDwordTable;
        LPLARGEINT lpLargeIntTable;
        LPSYSTEMTIME lpSystemTimeTable;
        LPLABELED_BYTE lpLabeledByteTable;
        LPLABELED_WORD lpLabeledWordTable;
        LPLABELED_DWORD lpLabeledDwordTable;
        LPLABELED_LARGEINT lpLabeledLargeIntTable;
        LPLABELED_SYSTEMTIME lpLabeledSystemTimeTable;
        LPLABELED_BIT lpLabeledBit;
    };
} SET, *LPSET;

typedef struct _OBJECT_IDENTIFIER {
    DWORD Length;          /* number of arcs in lpIdentifier */
    LPDWORD lpIdentifier;  /* the arcs */
} OBJECT_IDENTIFIER, *LPOBJECT_IDENTIFIER;

typedef struct _TYPED_STRING {
    BYTE StringType : 7; /* TYPED_STRING_NORMAL or TYPED_STRING_UNICODE */
    BYTE fStringEx : 1;  /* the bytes follow in Byte[] */
    LPSTR lpString;
    BYTE Byte[0];
} TYPED_STRING, *LPTYPED_STRING;

typedef struct _PROPERTYINSTEX {
    WORD Length;   /* length of the data in the frame */
    WORD LengthEx; /* length of the copied data that follows */
    ULPVOID lpData; /* data in the frame */
    union {
        BYTE Byte[0];
        WORD Word[0];
        DWORD Dword[0];
        LARGE_INTEGER LargeInt[0];
        SYSTEMTIME SysTime[0];
        TYPED_STRING TypedString;
    };
} PROPERTYINSTEX, *LPPROPERTYINSTEX;
typedef PROPERTYINSTEX UNALIGNED *ULPPROPERTYINSTEX;

typedef struct _PROPERTYINFO *LPPROPERTYINFO;

typedef struct _PROPERTYINST {
    LPPROPERTYINFO lpPropertyInfo; /* the property's definition */
    LPSTR szPropertyText;          /* formatted text; NULL in ExpertGetFrame results */
    union {
        LPVOID lpData; /* the property's bytes in the frame */
        ULPBYTE lpByte;
        ULPWORD lpWord;
        ULPDWORD lpDword;
        ULPLARGEINT lpLargeInt;
        ULPSYSTEMTIME lpSysTime;
        LPPROPERTYINSTEX lpPropertyInstEx; /* when DataLength == 0xFFFF */
    };
    WORD DataLength;  /* bytes at lpData, or 0xFFFF: see lpPropertyInstEx */
    WORD Level : 4;   /* tree level in the detail pane */
    WORD HelpID : 12; /* help context id */
    DWORD IFlags;     /* IFLAG_* */
} PROPERTYINST, *LPPROPERTYINST;

#define PROPERTYINST_EX_LENGTH 0xFFFF

/* Inline accessors of the SDK (spec 4.10). */
INLINE LPVOID GetPropertyInstanceData(LPPROPERTYINST lpPropertyInst)
{
    if (lpPropertyInst->DataLength != (WORD)-1)
        return lpPropertyInst->lpData;
    return (LPVOID)lpPropertyInst->lpPropertyInstEx->Byte;
}

INLINE DWORD GetPropertyInstanceFrameDataLength(LPPROPERTYINST lpPropertyInst)
{
    if (lpPropertyInst->DataLength != (WORD)-1)
        return lpPropertyInst->DataLength;
    return lpPropertyInst->lpPropertyInstEx->Length;
}

INLINE DWORD GetPropertyInstanceExDataLength(LPPROPERTYINST lpPropertyInst)
{
    if (lpPropertyInst->DataLength == (WORD)-1)
        return lpPropertyInst->lpPropertyInstEx->LengthEx;
    return (DWORD)-1;
}

#define GetPropertyInstanceDataValue(p, type) (*(type *)GetPropertyInstanceData(p))

typedef struct _PROPERTYINFO {
    HPROPERTY hProperty; /* filled in by the host when the property is added */
    DWORD Version;       /* reserved, 0 */
    LPSTR Label;         /* property name (what GetProperty looks up) */
    LPSTR Comment;       /* one-line description */
    BYTE DataType;       /* PROP_TYPE_* */
    BYTE DataQualifier;  /* PROP_QUAL_* */
    union {
        LPVOID lpExtendedInfo; /* reserved */
        LPRANGE lpRange;       /* PROP_QUAL_RANGE */
        LPSET lpSet;           /* PROP_QUAL_SET, _LABELED_SET, _FLAGS */
        DWORD Bitmask;         /* obsolete */
        DWORD Value;           /* PROP_QUAL_CONST */
    };
    WORD FormatStringSize; /* max size of the formatted description */
    LPVOID InstanceData;   /* formatter function */
} PROPERTYINFO;

typedef struct _PROPERTYINSTTABLE {
    WORD nPropertyInsts;     /* instances of one protocol */
    WORD nPropertyInstIndex; /* index of its first instance */
} PROPERTYINSTTABLE, *LPPROPERTYINSTTABLE;

typedef struct _PROPERTYTABLE {
    LPVOID lpFormatBuffer;
    DWORD FormatBufferLength;
    DWORD nTotalPropertyInsts;          /* number of PROPERTYINSTs for the frame */
    LPPROPERTYINST lpFirstPropertyInst; /* array of nTotalPropertyInsts entries */
    BYTE nPropertyInstTables;
    PROPERTYINSTTABLE PropertyInstTable[]; /* per-protocol slices */
} PROPERTYTABLE, *LPPROPERTYTABLE;

typedef struct _PROPERTYDATABASE {
    DWORD nProperties;
    LPPROPERTYINFO PropertyInfo[];
} PROPERTYDATABASE, *LPPROPERTYDATABASE;

typedef struct _PROTOCOLINFO {
    DWORD ProtocolID;                     /* id assigned by the host */
    LPPROPERTYDATABASE PropertyDatabase;  /* the protocol's properties */
    BYTE ProtocolName[16];                /* short name, e.g. "TCP" */
    BYTE HelpFile[16];
    BYTE Comment[128];
} PROTOCOLINFO, *LPPROTOCOLINFO;

typedef struct _PROTOCOLTABLE {
    DWORD nProtocols;
    HPROTOCOL hProtocol[1]; /* nProtocols entries */
} PROTOCOLTABLE, *LPPROTOCOLTABLE;

#define PROTOCOLTABLE_SIZE (sizeof(PROTOCOLTABLE) - sizeof(HPROTOCOL))
#define GetTableSize(TableBaseSize, nElements, ElementSize) \
    ((TableBaseSize) + ((nElements) * (ElementSize)))
#define PROTOCOLTABLE_ACTUAL_SIZE(p) GetTableSize(PROTOCOLTABLE_SIZE, (p)->nProtocols, sizeof(HPROTOCOL))

/* ===================================================================== */
/* 4.5 Frames                                                             */
/* ===================================================================== */

typedef struct _FRAME {
    __int64 TimeStamp;  /* microseconds since the start of the capture */
    DWORD FrameLength;  /* length of the frame on the wire */
    DWORD nBytesAvail;  /* bytes actually stored (captured) */
    BYTE MacFrame[1];   /* nBytesAvail bytes, starting with the MAC header */
} FRAME, *LPFRAME;
#if defined(__GNUC__)
typedef FRAME __attribute__((aligned(1))) NMX_UFRAME;
typedef NMX_UFRAME *ULPFRAME;
#else
typedef FRAME *ULPFRAME;
#endif
#define FRAME_SIZE (sizeof(FRAME) - 1)

typedef struct _RECOGNIZEDATA {
    WORD ProtocolID;      /* protocol identifier */
    WORD nProtocolOffset; /* offset of that protocol's data in the frame */
    LPVOID InstData;      /* parser's per-instance data */
} RECOGNIZEDATA, *LPRECOGNIZEDATA;

typedef struct _RECOGNIZEDATATABLE {
    WORD nRecognizeDatas;
    RECOGNIZEDATA RecognizeData[];
} RECOGNIZEDATATABLE, *LPRECOGNIZEDATATABLE;

typedef struct {
    DWORD FrameNumber;                          /* zero-based number of the returned frame */
    HFRAME hFrame;                              /* frame handle for the helpers of section 6 */
    ULPFRAME pFrame;                            /* raw frame record */
    LPRECOGNIZEDATATABLE lpRecognizeDataTable;  /* protocols recognised and their offsets */
    LPPROPERTYTABLE lpPropertyTable;            /* attached properties; NULL without ATTACH */
} EXPERTFRAMEDESCRIPTOR, *LPEXPERTFRAMEDESCRIPTOR;

/* ExpertGetFrame directions and flags (spec 2.5). */
#define GET_SPECIFIED_FRAME 0
#define GET_FRAME_NEXT_FORWARD 1
#define GET_FRAME_NEXT_BACKWARD 2
#define FLAGS_DEFER_TO_UI_FILTER 0x1
#define FLAGS_ATTACH_PROPERTIES 0x2
#define EXPERT_GET_SPECIFIED_FRAME GET_SPECIFIED_FRAME
#define EXPERT_DEFER_TO_UI_FILTER FLAGS_DEFER_TO_UI_FILTER
#define EXPERT_ATTACH_PROPERTIES FLAGS_ATTACH_PROPERTIES

/* ===================================================================== */
/* 4.2 - 4.4 Registration, startup, configuration                         */
/* ===================================================================== */

typedef struct _EXPERTCONFIG {
    DWORD RawConfigLength; /* total length in bytes, including this DWORD */
    BYTE RawConfigData[];  /* expert-defined */
} EXPERTCONFIG, *PEXPERTCONFIG;

typedef struct _EXPERTSTARTUPINFO {
    DWORD Flags;                   /* copy of the StartupFlags */
    HCAPTURE hCapture;             /* the open capture */
    char szCaptureFile[MAX_PATH];  /* its file name */
    DWORD dwFrameNumber;           /* focused frame (zero-based) or INVALID_FRAME_NUMBER */
    HPROTOCOL hProtocol;           /* focused protocol or NULL */
    LPPROPERTYINST lpPropertyInst; /* focused property instance or NULL */
    struct {
        BYTE BitNumber; /* valid only for PROP_QUAL_FLAGS properties */
        BOOL bOn;
    } sBitfield;
} EXPERTSTARTUPINFO, *PEXPERTSTARTUPINFO;

#define EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA 0x00000001
/* nmexpert (SDK 1.2): the run is one shard of a capture set (`nmexpert run
 * --shard K/N`).  The expert sees only the frames of whole connections of
 * its shard and its report is merged with the others' (NmxExpertMerge): it
 * should keep every entry (no top-N cut) and report what the merge needs. */
#define NMX_EXPERT_STARTUP_FLAG_SHARD 0x00010000

struct _EXPERTENUMINFO;
typedef BOOL(WINAPI *PEXPERTREGISTERPROC)(struct _EXPERTENUMINFO *);
typedef BOOL(WINAPI *PEXPERTCONFIGPROC)(HEXPERTKEY, PEXPERTCONFIG *, PEXPERTSTARTUPINFO, DWORD, HWND);
typedef BOOL(WINAPI *PEXPERTRUNPROC)(HEXPERTKEY, PEXPERTCONFIG, PEXPERTSTARTUPINFO, DWORD, HWND);

typedef struct _EXPERTENUMINFO {
    char szName[EXPERTSTRINGLENGTH];        /* display name */
    char szVendor[EXPERTSTRINGLENGTH];      /* author / vendor */
    char szDescription[EXPERTSTRINGLENGTH]; /* may be empty */
    DWORD Version;                          /* accepted and ignored */
    DWORD Flags;                            /* EXPERT_ENUM_FLAG_* */
    char szDllName[MAX_PATH];               /* host-private */
    HEXPERT hExpert;                        /* host-private */
    HINSTANCE hModule;                      /* host-private */
    PEXPERTREGISTERPROC pRegisterProc;      /* host-private */
    PEXPERTCONFIGPROC pConfigProc;          /* host-private */
    PEXPERTRUNPROC pRunProc;                /* host-private */
} EXPERTENUMINFO, *PEXPERTENUMINFO;

#define EXPERT_ENUM_FLAG_CONFIGURABLE 0x0001
#define EXPERT_ENUM_FLAG_VIEWER_PRIVATE 0x0002
#define EXPERT_ENUM_FLAG_NO_VIEWER 0x0004
#define EXPERT_ENUM_FLAG_ADD_ME_TO_RMC_IN_SUMMARY 0x0010
#define EXPERT_ENUM_FLAG_ADD_ME_TO_RMC_IN_DETAIL 0x0020

typedef struct {
    HEXPERT hExpert;      /* a loaded expert */
    DWORD StartupFlags;   /* flags to pass to Run */
    PEXPERTCONFIG pConfig; /* its configuration (may be NULL) */
} CONFIGUREDEXPERT, *PCONFIGUREDEXPERT;

/* ===================================================================== */
/* 4.6 Status                                                             */
/* ===================================================================== */

typedef enum {
    EXPERTSTATUS_INACTIVE = 0, /* never started */
    EXPERTSTATUS_STARTING,     /* starting */
    EXPERTSTATUS_RUNNING,      /* running normally */
    EXPERTSTATUS_PROBLEM,      /* stopped by a problem described by SubStatus */
    EXPERTSTATUS_ABORTED,      /* stopped by the host */
    EXPERTSTATUS_DONE          /* finished successfully */
} EXPERTSTATUSENUMERATION;
typedef EXPERTSTATUSENUMERATION EXPERT_STATUS_ENUMERATION;

#define EXPERTSUBSTATUS_ABORTED_USER 0x0001
#define EXPERTSUBSTATUS_ABORTED_LOAD_FAIL 0x0002
#define EXPERTSUBSTATUS_ABORTED_THREAD_FAIL 0x0004
#define EXPERTSUBSTATUS_ABORTED_BAD_ENTRY 0x0008

typedef struct {
    EXPERTSTATUSENUMERATION Status;
    DWORD SubStatus;
    DWORD PercentDone;
    DWORD Frame; /* frame number */
    char szStatusText[EXPERTSTRINGLENGTH];
} EXPERTSTATUS, *PEXPERTSTATUS;

/* ===================================================================== */
/* 4.7 Events                                                             */
/* ===================================================================== */

#define NMEVENTFLAG_MONITOR 0x00000000
#define NMEVENTFLAG_EXPERT 0x00000001
#define NMEVENTFLAG_DO_NOT_DISPLAY_SEVERITY 0x80000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_SOURCE 0x40000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_EVENT_NAME 0x20000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_DESCRIPTION 0x10000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_MACHINE 0x08000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_TIME 0x04000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_DATE 0x02000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS 0xFE000000
#define EVENT_FLAG_EXPERT NMEVENTFLAG_EXPERT

enum _NMEVENT_SEVERITIES {
    NMEVENT_SEVERITY_INFORMATIONAL = 0,
    NMEVENT_SEVERITY_WARNING,
    NMEVENT_SEVERITY_STRONG_WARNING,
    NMEVENT_SEVERITY_ERROR,
    NMEVENT_SEVERITY_SEVERE_ERROR,
    NMEVENT_SEVERITY_CRITICAL_ERROR
};

typedef enum {
    NMCOLUMNTYPE_UINT8 = 0,
    NMCOLUMNTYPE_SINT8,
    NMCOLUMNTYPE_UINT16,
    NMCOLUMNTYPE_SINT16,
    NMCOLUMNTYPE_UINT32,
    NMCOLUMNTYPE_SINT32,
    NMCOLUMNTYPE_FLOAT64,
    NMCOLUMNTYPE_FRAME,
    NMCOLUMNTYPE_YESNO,
    NMCOLUMNTYPE_ONOFF,
    NMCOLUMNTYPE_TRUEFALSE,
    NMCOLUMNTYPE_MACADDR,
    NMCOLUMNTYPE_IPXADDR,
    NMCOLUMNTYPE_IPADDR,
    NMCOLUMNTYPE_VARTIME,
    NMCOLUMNTYPE_STRING,
    /* nmexpert (SDK 1.1): a 64-bit unsigned column (Value.Uint64Val), for
     * counts and byte totals that may pass 2^32.  NetMon 2 had only UINT32
     * and FLOAT64, so such a column had to change type with its values. */
    NMX_COLUMNTYPE_UINT64
} NMCOLUMNTYPE;

#pragma pack(push, 8)

typedef struct _NMCOLUMNVARIANT {
    NMCOLUMNTYPE Type; /* selects the union member */
    union {
        BYTE Uint8Val;
        char Sint8Val;
        WORD Uint16Val;
        short Sint16Val;
        DWORD Uint32Val;
        LONG Sint32Val;
        DOUBLE Float64Val;
        DWORD FrameVal; /* zero-based; displayed + 1 */
        BOOL YesNoVal;
        BOOL OnOffVal;
        BOOL TrueFalseVal;
        BYTE MACAddrVal[MAC_ADDRESS_SIZE];
        IPX_ADDR IPXAddrVal;
        DWORD IPAddrVal; /* the four bytes in memory (network) order */
        DOUBLE VarTimeVal; /* OLE automation date */
        LPCSTR pStringVal;
        unsigned long long Uint64Val; /* nmexpert: NMX_COLUMNTYPE_UINT64 */
    } Value;
} NMCOLUMNVARIANT;

typedef struct _NMCOLUMNINFO {
    LPSTR szColumnName;          /* column heading */
    NMCOLUMNVARIANT VariantData; /* the cell */
} NMCOLUMNINFO, *PNMCOLUMNINFO;
typedef NMCOLUMNINFO EVENTCOLUMNINFO;
typedef NMCOLUMNINFO *PEVENTCOLUMNINFO;

typedef LPSTR JTYPE;

typedef struct _NMEVENTDATA {
    LPSTR pszReserved;    /* reserved: NULL */
    BYTE Version;         /* must be 0 */
    DWORD EventIdent;     /* event id, unique within the expert */
    DWORD Flags;          /* NMEVENTFLAG_* */
    DWORD Severity;       /* NMEVENT_SEVERITY_* */
    BYTE NumColumns;      /* number of valid Column[] entries */
    LPSTR szSourceName;   /* shown as Source */
    LPSTR szEventName;    /* shown as Event Name */
    LPSTR szDescription;  /* shown as Description */
    LPSTR szMachine;      /* obsolete for experts: NULL */
    JTYPE Justification;  /* text for the viewer's second pane; NULL hides it */
    PVOID pvReserved;     /* reserved: NULL (szUrl in older headers) */
    SYSTEMTIME SysTime;   /* time of the event condition; all-zero = not set */
    NMCOLUMNINFO Column[]; /* NumColumns entries follow */
} NMEVENTDATA, *PNMEVENTDATA;

#pragma pack(pop)

/* ===================================================================== */
/* 4.8 Groups                                                             */
/* ===================================================================== */

typedef struct {
    char szGroupName[EXPERTGROUPNAMELENGTH + 1];
    HGROUP hGroup;
} GROUPINFO, *PGROUPINFO;

/* ===================================================================== */
/* 4.9 Display filter objects                                             */
/* ===================================================================== */

typedef DWORD FILTERACTIONTYPE;
typedef DWORD VALUETYPE;
typedef PROTOCOLTABLE PROTOCOLTABLETYPE;
typedef PROTOCOLTABLETYPE *LPPROTOCOLTABLETYPE;
typedef DWORD FILTERBITS;
typedef FILTERBITS *LPFILTERBITS;

#define PROTOCOL_NUM_ANY (-1)

typedef struct _FILTEROBJECT {
    FILTERACTIONTYPE Action; /* FILTERACTION_* */
    HPROPERTY hProperty;     /* property operand */
    union {
        VALUETYPE Value;
        HPROTOCOL hProtocol;
        LPVOID lpArray;
        LPPROTOCOLTABLETYPE lpProtocolTable;
        LPADDRESS lpAddress;
        ULPLARGEINT lpLargeInt;
        ULPTIME lpTime;
        LPOBJECT_IDENTIFIER lpOID;
    };
    union {
        WORD ByteCount;
        WORD ByteOffset;
    };
    struct _FILTEROBJECT *pNext; /* reserved */
} FILTEROBJECT, *LPFILTEROBJECT;

typedef struct _FILTEROBJECT2 {
    FILTERACTIONTYPE Action;
    HPROPERTY hProperty;
    union {
        VALUETYPE Value;
        HPROTOCOL hProtocol;
        LPVOID lpArray;
        LPPROTOCOLTABLETYPE lpProtocolTable;
        LPADDRESS2 lpAddress;
        ULPLARGEINT lpLargeInt;
        ULPTIME lpTime;
        LPOBJECT_IDENTIFIER lpOID;
    };
    union {
        WORD ByteCount;
        WORD ByteOffset;
    };
    struct _FILTEROBJECT2 *pNext;
} FILTEROBJECT2, *LPFILTEROBJECT2;

#define FILTERACTION_INVALID 0
#define FILTERACTION_PROPERTY 1
#define FILTERACTION_VALUE 2
#define FILTERACTION_STRING 3
#define FILTERACTION_ARRAY 4
#define FILTERACTION_AND 5
#define FILTERACTION_OR 6
#define FILTERACTION_XOR 7
#define FILTERACTION_PROPERTYEXIST 8
#define FILTERACTION_CONTAINSNC 9
#define FILTERACTION_CONTAINS 10
#define FILTERACTION_NOT 11
#define FILTERACTION_EQUALNC 12
#define FILTERACTION_EQUAL 13
#define FILTERACTION_NOTEQUALNC 14
#define FILTERACTION_NOTEQUAL 15
#define FILTERACTION_GREATERNC 16
#define FILTERACTION_GREATER 17
#define FILTERACTION_LESSNC 18
#define FILTERACTION_LESS 19
#define FILTERACTION_GREATEREQUALNC 20
#define FILTERACTION_GREATEREQUAL 21
#define FILTERACTION_LESSEQUALNC 22
#define FILTERACTION_LESSEQUAL 23
#define FILTERACTION_PLUS 24
#define FILTERACTION_MINUS 25
#define FILTERACTION_ADDRESS 26
#define FILTERACTION_ADDRESSANY 27
#define FILTERACTION_FROM 28
#define FILTERACTION_TO 29
#define FILTERACTION_FROMTO 30
#define FILTERACTION_AREBITSON 31
#define FILTERACTION_AREBITSOFF 32
#define FILTERACTION_PROTOCOLSEXIST 33
#define FILTERACTION_PROTOCOLEXIST 34
#define FILTERACTION_ARRAYEQUAL 35
#define FILTERACTION_DEREFPROPERTY 36
#define FILTERACTION_LARGEINT 37
#define FILTERACTION_TIME 38
#define FILTERACTION_ADDR_ETHER 39
#define FILTERACTION_ADDR_TOKEN 40
#define FILTERACTION_ADDR_FDDI 41
#define FILTERACTION_ADDR_IPX 42
#define FILTERACTION_ADDR_IP 43
#define FILTERACTION_OID 44
#define FILTERACTION_OID_CONTAINS 45
#define FILTERACTION_OID_BEGINS_WITH 46
#define FILTERACTION_OID_ENDS_WITH 47
#define FILTERACTION_ADDR_VINES 48
#define FILTERACTION_ADDR_IP6 49
#define FILTERACTION_EXPRESSION 97
#define FILTERACTION_BOOL 98
#define FILTERACTION_NOEVAL 99

#define FILTER_PASSED TRUE
#define FILTER_FAILED FALSE
#define FILTER_FAIL_WITH_ERROR (-1)
#define FILTER_NO_MORE_FRAMES 0xFFFFFFFF
#define FILTER_CANCELED 0xFFFFFFFE
#define FILTER_DIRECTION_NEXT TRUE
#define FILTER_DIRECTION_PREV FALSE
#define INVALIDELEMENT (-1)
#define INVALIDVALUE ((VALUETYPE)-9999)
#define FILTERFREEPOOLSTART 20

/* Host-internal filter descriptor, declared for source compatibility. */
typedef struct _FILTERDESC {
    WORD NumEntries;
    WORD Flags;
    LPFILTEROBJECT lpStack;
    LPFILTEROBJECT lpKeepLast;
    LPVOID UIInstanceData;
    LPFILTERBITS lpFilterBits;
    LPFILTERBITS lpCheckBits;
} FILTERDESC, *LPFILTERDESC;

typedef BOOL(WINAPI *STATUSPROC)(DWORD, HCAPTURE, HFILTER, LPVOID);

/* ===================================================================== */
/* 7. Capture-file structures (NetMon 2.x)                                */
/* ===================================================================== */

#define NETMON_1_0_CAPTUREFILE_SIGNATURE MAKE_IDENTIFIER('R', 'T', 'S', 'S')
#define NETMON_2_0_CAPTUREFILE_SIGNATURE MAKE_IDENTIFIER('G', 'M', 'B', 'U')
#define CAPTUREFILE_VERSION_MAJOR 2
#define CAPTUREFILE_VERSION_MINOR 0
#define MakeVersion(Major, Minor) ((DWORD)MAKEWORD(Minor, Major))

#pragma pack(push, 1)
typedef struct _CAPTUREFILE_HEADER_VALUES {
    DWORD Signature;
    BYTE BCDVerMinor;
    BYTE BCDVerMajor;
    WORD MacType;
    SYSTEMTIME TimeStamp;
    DWORD FrameTableOffset;
    DWORD FrameTableLength;
    DWORD UserDataOffset;
    DWORD UserDataLength;
    DWORD CommentDataOffset;
    DWORD CommentDataLength;
    DWORD StatisticsOffset;
    DWORD StatisticsLength;
    DWORD NetworkInfoOffset;
    DWORD NetworkInfoLength;
    DWORD ConversationStatsOffset;
    DWORD ConversationStatsLength;
} CAPTUREFILE_HEADER_VALUES, *LPCAPTUREFILE_HEADER_VALUES;

typedef struct _CAPTUREFILE_HEADER {
    union {
        CAPTUREFILE_HEADER_VALUES ActualHeader;
        BYTE Buffer[72];
    };
    BYTE Reserved[56];
} CAPTUREFILE_HEADER, *LPCAPTUREFILE_HEADER;
#pragma pack(pop)

typedef struct _STATISTICS {
    __int64 TimeElapsed;
    DWORD TotalFramesCaptured;
    DWORD TotalBytesCaptured;
    DWORD TotalFramesFiltered;
    DWORD TotalBytesFiltered;
    DWORD TotalMulticastsFiltered;
    DWORD TotalBroadcastsFiltered;
    DWORD TotalFramesSeen;
    DWORD TotalBytesSeen;
    DWORD TotalMulticastsReceived;
    DWORD TotalBroadcastsReceived;
    DWORD TotalFramesDropped;
    DWORD TotalFramesDroppedFromBuffer;
    DWORD MacFramesReceived;
    DWORD MacCRCErrors;
    __int64 MacBytesReceivedEx;
    DWORD MacFramesDropped_NoBuffers;
    DWORD MacMulticastsReceived;
    DWORD MacBroadcastsReceived;
    DWORD MacFramesDropped_HwError;
} STATISTICS, *LPSTATISTICS;

#define NETWORKINFO_FLAGS_PMODE_NOT_SUPPORTED 0x00000001
#define NETWORKINFO_FLAGS_REMOTE_NAL 0x00000004
#define NETWORKINFO_FLAGS_REMOTE_NAL_CONNECTED 0x00000008
#define NETWORKINFO_FLAGS_REMOTE_CARD 0x00000010
#define NETWORKINFO_FLAGS_RAS 0x00000020

typedef struct _NETWORKINFO {
    BYTE PermanentAddr[6];
    BYTE CurrentAddr[6];
    BYTE Reserved[14];
    DWORD LinkSpeed;
    DWORD MacType;
    DWORD MaxFrameSize;
    DWORD Flags;
    DWORD TimestampScaleFactor;
    BYTE NodeName[32];
    BOOL PModeSupported;
    BYTE Comment[32];
} NETWORKINFO, *LPNETWORKINFO;

#define STATS_FRAME_TYPE 103
#define STATISTICS_VERSION_1_0 0x00
#define STATISTICS_VERSION_2_0 0x20
#define DEFAULT_SAP 0xAA
#define DEFAULT_CONTROL 0x03
#define DEFAULT_ETHERTYPE 0x8419
#define DEFAULT_TR_AC 0x00
#define DEFAULT_TR_FC 0x40
#define DEFAULT_FDDI_FC 0x10

/* ===================================================================== */
/* Parser DLLs (netmon2 "Parser DLL Export Functions", "Parser Functions", */
/* "Parser Structures").  docs/writing-a-parser.md says what nmexpert     */
/* supports of them and how it contains a parser.                         */
/* ===================================================================== */

/* Older SDK pages spell the calling convention of parser entry points BHAPI. */
#ifndef BHAPI
#define BHAPI WINAPI
#endif

#define MAX_PROTOCOL_NAME_LEN 16 /* PF_* protocol names, with their NUL */

/* RecognizeFrame's *ProtocolStatusCode. */
#define PROTOCOL_STATUS_RECOGNIZED 0     /* recognised; the follow set goes on */
#define PROTOCOL_STATUS_NOT_RECOGNIZED 1 /* not this protocol: the next candidate gets it */
#define PROTOCOL_STATUS_CLAIMED 2        /* recognised, and the rest of the frame is its own */
#define PROTOCOL_STATUS_NEXT_PROTOCOL 3  /* recognised, *phNextProtocol follows */

/* PF_HANDOFFENTRY.ValueFormatBase */
typedef enum {
    HANDOFF_VALUE_FORMAT_BASE_UNKNOWN = 0,
    HANDOFF_VALUE_FORMAT_BASE_DECIMAL = 10,
    HANDOFF_VALUE_FORMAT_BASE_HEX = 16
} PF_HANDOFFVALUEFORMATBASE;

/* One protocol entered in the hand-off set of another: "protocol szProtocol
 * follows when the value in section szIniSection of szIniFile is
 * dwHandOffValue" (TCPIP.INI [TCP_HandoffSet] 80 = HTTP). */
typedef struct _PF_HANDOFFENTRY {
    char szIniFile[MAX_PATH];
    char szIniSection[MAX_PATH];
    char szProtocol[MAX_PROTOCOL_NAME_LEN];
    DWORD dwHandOffValue;
    PF_HANDOFFVALUEFORMATBASE ValueFormatBase;
} PF_HANDOFFENTRY, *PPF_HANDOFFENTRY;

typedef struct _PF_HANDOFFSET {
    DWORD nEntries;
    PF_HANDOFFENTRY Entry[];
} PF_HANDOFFSET, *PPF_HANDOFFSET;

typedef struct _PF_FOLLOWENTRY {
    char szProtocol[MAX_PROTOCOL_NAME_LEN];
} PF_FOLLOWENTRY, *PPF_FOLLOWENTRY;

typedef struct _PF_FOLLOWSET {
    DWORD nEntries;
    PF_FOLLOWENTRY Entry[];
} PF_FOLLOWSET, *PPF_FOLLOWSET;

/* One parser of a parser DLL, as ParserAutoInstallInfo describes it. */
typedef struct _PF_PARSERINFO {
    char szProtocolName[MAX_PROTOCOL_NAME_LEN];
    char szComment[MAX_PROTOCOL_COMMENT_LEN];
    char szHelpFile[MAX_PATH];
    PPF_FOLLOWSET pWhoCanPrecedeMe;
    PPF_FOLLOWSET pWhoCanFollowMe;
    PPF_HANDOFFSET pWhoHandsOffToMe;
    PPF_HANDOFFSET pWhoDoIHandOffTo;
} PF_PARSERINFO, *PPF_PARSERINFO;

/* What ParserAutoInstallInfo returns, allocated with
 * HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, ...) as are its sets. */
typedef struct _PF_PARSERDLLINFO {
    DWORD nParsers;
    PF_PARSERINFO ParserInfo[];
} PF_PARSERDLLINFO, *PPF_PARSERDLLINFO;

typedef PPF_PARSERDLLINFO(WINAPI *PPARSERAUTOINSTALLINFO)(VOID);
#define PARSER_AUTOINSTALLINFO_ENTRY "ParserAutoInstallInfo"

/* The five entry points a parser gives CreateProtocol. */
typedef VOID(WINAPI *REGISTER)(HPROTOCOL);
typedef VOID(WINAPI *DEREGISTER)(HPROTOCOL);
typedef LPBYTE(WINAPI *RECOGNIZEFRAME)(HFRAME, ULPBYTE, ULPBYTE, DWORD, DWORD, HPROTOCOL, DWORD,
                                       LPDWORD, LPHPROTOCOL, PDWORD_PTR);
typedef LPBYTE(WINAPI *ATTACHPROPERTIES)(HFRAME, ULPBYTE, ULPBYTE, DWORD, DWORD, HPROTOCOL, DWORD,
                                         DWORD_PTR);
typedef DWORD(WINAPI *FORMATPROPERTIES)(HFRAME, ULPBYTE, ULPBYTE, DWORD, LPPROPERTYINST);

typedef struct _ENTRYPOINTS {
    REGISTER Register;
    DEREGISTER Deregister;
    RECOGNIZEFRAME RecognizeFrame;
    ATTACHPROPERTIES AttachProperties;
    FORMATPROPERTIES FormatProperties;
} ENTRYPOINTS, *LPENTRYPOINTS;
#define ENTRYPOINTS_SIZE sizeof(ENTRYPOINTS)

/* A property formatter, as PROPERTYINFO.InstanceData names it
 * (FormatPropertyInstance, or the parser's own). */
typedef VOID(WINAPIV *FORMAT)(LPPROPERTYINST, ...);

/* The hand-off table CreateHandoffTable builds.  A parser only passes it to
 * GetProtocolFromTable; it never reads the entries. */
typedef struct _HANDOFFENTRY {
    DWORD hoe_sig;
    DWORD hoe_ProtIdentNumber;
    HPROTOCOL hoe_ProtocolHandle;
    DWORD hoe_ProtocolData;
} HANDOFFENTRY, *LPHANDOFFENTRY;

typedef struct _HANDOFFTABLE {
    DWORD hot_sig;
    DWORD hot_NumEntries;
    LPHANDOFFENTRY hot_Entries;
} HANDOFFTABLE, *LPHANDOFFTABLE;

/* The heap a parser allocates PF_PARSERDLLINFO and its sets from.  nmexpert
 * has one process heap: GetProcessHeap() names it, HeapAlloc behaves as
 * malloc (calloc with HEAP_ZERO_MEMORY) and HeapFree as free, with the
 * block checked first (a foreign pointer is refused, not freed).  Inside an
 * expert's session the blocks come from that session's expert heap. */
#define HEAP_NO_SERIALIZE 0x00000001
#define HEAP_GENERATE_EXCEPTIONS 0x00000004
#define HEAP_ZERO_MEMORY 0x00000008
#define NMX_PROCESS_HEAP ((HANDLE)(uintptr_t)0x4E4D5848u)
NMAPI HANDLE WINAPI GetProcessHeap(VOID);
NMAPI LPVOID WINAPI HeapAlloc(HANDLE hHeap, DWORD dwFlags, SIZE_T dwBytes);
NMAPI BOOL WINAPI HeapFree(HANDLE hHeap, DWORD dwFlags, LPVOID lpMem);

/* ===================================================================== */
/* 2. Host helpers for experts                                            */
/* ===================================================================== */

NMAPI LPVOID WINAPI ExpertAllocMemory(IN HEXPERTKEY hExpertKey, IN SIZE_T nBytes, OUT DWORD *pError);
NMAPI LPVOID WINAPI ExpertReallocMemory(IN HEXPERTKEY hExpertKey, IN LPVOID pOriginalMemory,
                                        IN SIZE_T nBytes, OUT DWORD *pError);
NMAPI DWORD WINAPI ExpertFreeMemory(IN HEXPERTKEY hExpertKey, IN LPVOID pOriginalMemory);
NMAPI SIZE_T WINAPI ExpertMemorySize(IN HEXPERTKEY hExpertKey, IN LPVOID pOriginalMemory);
NMAPI DWORD WINAPI ExpertGetFrame(IN HEXPERTKEY hExpertKey, IN DWORD Direction, IN DWORD RequestFlags,
                                  IN DWORD RequestedFrameNumber, IN HFILTER hFilter,
                                  OUT LPEXPERTFRAMEDESCRIPTOR pEFrameDescriptor);
NMAPI DWORD WINAPI ExpertGetStartupInfo(IN HEXPERTKEY hExpertKey,
                                        OUT PEXPERTSTARTUPINFO pExpertStartupInfo);
NMAPI DWORD WINAPI ExpertIndicateStatus(IN HEXPERTKEY hExpertKey, IN EXPERTSTATUSENUMERATION Status,
                                        IN DWORD SubStatus, IN const char *szText,
                                        IN LONG PercentDone);
NMAPI DWORD WINAPI ExpertSubmitEvent(IN HEXPERTKEY hExpertKey, IN PNMEVENTDATA pExpertEvent);

/* Entry points an expert exports (spec 3).  Declared so that the compiler
 * checks the expert's definitions against them, and with default visibility
 * so that they are exported even from a module built with
 * -fvisibility=hidden. */
#if defined(__GNUC__)
#define NMX_EXPERT_EXPORT __attribute__((visibility("default")))
#else
#define NMX_EXPERT_EXPORT
#endif
NMX_EXPERT_EXPORT BOOL WINAPI DllMain(HINSTANCE hInstance, ULONG ulReason, LPVOID Reserved);
/* A parser DLL's one named export besides DllMain (docs/writing-a-parser.md). */
NMX_EXPERT_EXPORT PPF_PARSERDLLINFO WINAPI ParserAutoInstallInfo(VOID);
NMX_EXPERT_EXPORT BOOL WINAPI Register(IN OUT PEXPERTENUMINFO pExpertInfo);
NMX_EXPERT_EXPORT BOOL WINAPI Configure(IN HEXPERTKEY hExpertKey, IN OUT PEXPERTCONFIG *ppConfig,
                                        IN PEXPERTSTARTUPINFO pExpertStartupInfo,
                                        IN DWORD StartupFlags, IN HWND hWnd);
NMX_EXPERT_EXPORT BOOL WINAPI Run(IN HEXPERTKEY hExpertKey, IN PEXPERTCONFIG pConfig,
                                  IN PEXPERTSTARTUPINFO pExpertStartupInfo, IN DWORD StartupFlags,
                                  IN HWND hWndParent);

/*
 * nmexpert (SDK 1.0): optional module options.  An expert may define
 *     NMX_EXPERT_EXPORT const DWORD NmxExpertOptions = NMX_EXPERT_OPTION_NOT_DEFAULT;
 * NOT_DEFAULT: the expert is left out of runs that name no expert (for
 * tools such as Protocol Coalesce, which needs an output file).
 */
#define NMX_EXPERT_OPTIONS_SYMBOL "NmxExpertOptions"
#define NMX_EXPERT_OPTION_NOT_DEFAULT 0x00000001

/*
 * nmexpert (SDK 1.1): the settings of an expert configured with KEY=VALUE
 * text lines, declared so that the host can list them (`nmexpert list
 * --settings`, `configure NAME --show`) and refuse a mistyped key or value
 * before anything runs.  An expert may define, ending with a NULL Key:
 *
 *     NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
 *         {"count", "20", "0..4294967295", "addresses reported; 0 for all"},
 *         {"sort", "frames", "frames|bytes", "what busiest means"},
 *         {NULL, NULL, NULL, NULL},
 *     };
 *
 * Values: "a|b|c" is one of the words (any case); "N..M" an unsigned
 * integer from N to M; "" anything (the expert's Configure and Run still
 * check).  Default "" means none (the setting is required or optional).
 * At most NMX_EXPERT_MAX_SETTINGS entries are read, each string up to 255
 * bytes.  An expert without the table is configured as before, unchecked.
 */
typedef struct NMX_EXPERT_SETTING {
    const char *Key;
    const char *Default;
    const char *Values;
    const char *Help;
} NMX_EXPERT_SETTING;
#define NMX_EXPERT_SETTINGS_SYMBOL "NmxExpertSettings"
#define NMX_EXPERT_MAX_SETTINGS 64

/*
 * nmexpert (SDK 1.2): how the reports of shards merge (`nmexpert run
 * --shard K/N`, `nmexpert merge`; docs/scale.md).  Optional: an expert
 * may define one text of lines, each "IDENT:COLUMN=RULE [ARGS]" for a
 * column of its events of EventIdent IDENT, or "IDENT:=DIRECTIVE ARGS" for
 * the event kind itself:
 *
 *     NMX_EXPERT_EXPORT const char NmxExpertMerge[] =
 *         "1:Address=key\n"                 rows with equal keys are one row
 *         "1:Frames=sum\n"                  also min, max, same, mean WEIGHT-COLUMN
 *         "1:% Frames=share Frames 2:Frames\n" 100 * Frames / the total of kind 2
 *         "2:=totals\n"                     kind 2 holds the shard's totals (dropped)
 *         "1:=order sort=frames* -Frames,+Address\n" row order (per setting value;
 *                                            * = the default), - descending
 *         "1:=limit count 20\n";            the first N rows, N from setting count
 *
 * Samples (exact percentiles): "samples" marks a column of space-separated
 * integers (the shard's raw values, dropped from the merged report);
 * "ns-count S", "ns-mean S", "ns-min S", "ns-max S" and "ns-pct P S" compute a
 * column from samples column S as seconds ((double)ns / 1e9; the mean as
 * (double)sum / count / 1e9; nearest-rank percentiles).  "1:=concat" keeps
 * every row of every shard (no key).  An expert without the text is
 * reported once per shard by `nmexpert merge`, never merged.  At most
 * NMX_EXPERT_MERGE_MAX bytes are read.
 */
#define NMX_EXPERT_MERGE_SYMBOL "NmxExpertMerge"
#define NMX_EXPERT_MERGE_MAX 8192

/* ===================================================================== */
/* 6.1 Filters                                                            */
/* ===================================================================== */

NMAPI HFILTER WINAPI CreateFilter(VOID);
NMAPI DWORD WINAPI DestroyFilter(HFILTER hFilter);
NMAPI HFILTER WINAPI FilterDuplicate(HFILTER hFilter);
/* FilterAddObject takes either object type (spec 4.9: same layout). */
#if defined(__GNUC__) && !defined(__cplusplus)
typedef union {
    LPFILTEROBJECT lpFilterObject;
    LPFILTEROBJECT2 lpFilterObject2;
} __attribute__((transparent_union)) NMX_LPFILTEROBJECT_ANY;
#else
typedef LPFILTEROBJECT2 NMX_LPFILTEROBJECT_ANY;
#endif
NMAPI DWORD WINAPI FilterAddObject(HFILTER hFilter, NMX_LPFILTEROBJECT_ANY lpFilterObject);
NMAPI VOID WINAPI FilterFlushBits(HFILTER hFilter);
NMAPI DWORD WINAPI FilterFrame(HFRAME hFrame, HFILTER hFilter, HCAPTURE hCapture);
NMAPI BOOL WINAPI FilterAttachesProperties(HFILTER hFilter);
NMAPI DWORD WINAPI FilterFindFrame(HFILTER hFilter, HCAPTURE hCapture, DWORD nFrame, STATUSPROC StatusProc,
                                   LPVOID UIInstance, DWORD TimeDelta, BOOL FilterDirection);
NMAPI HFRAME WINAPI FilterFindPropertyInstance(HFRAME hFrame, HFILTER hMasterFilter, HCAPTURE hCapture,
                                               HFILTER hInstanceFilter, LPPROPERTYINST *lpPropRestartKey,
                                               STATUSPROC StatusProc, LPVOID UIInstance,
                                               DWORD TimeDelta, BOOL FilterForward);
NMAPI VOID WINAPI SetCurrentFilter(HFILTER hFilter);
NMAPI HFILTER WINAPI GetCurrentFilter(VOID);
NMAPI DWORD WINAPI EnableParserFilter(HFILTER hFilter, HPARSER hParser);
NMAPI DWORD WINAPI DisableParserFilter(HFILTER hFilter, HPARSER hParser);

/* ===================================================================== */
/* 6.2 Protocols                                                          */
/* ===================================================================== */

NMAPI HPROTOCOL WINAPI GetProtocolFromName(LPCSTR ProtocolName);
NMAPI LPPROTOCOLINFO WINAPI GetProtocolInfo(HPROTOCOL hProtocol);
NMAPI LPPROTOCOLTABLE WINAPI GetEnabledProtocols(HCAPTURE hCapture);
NMAPI DWORD WINAPI GetProtocolStartOffset(HFRAME hFrame, LPCSTR ProtocolName);
NMAPI DWORD WINAPI GetProtocolStartOffsetHandle(HFRAME hFrame, HPROTOCOL hProtocol);
NMAPI DWORD WINAPI GetPreviousProtocolOffsetByName(HFRAME hFrame, DWORD dwStartOffset,
                                                   LPCSTR szProtocolName, DWORD *pdwPreviousOffset);
NMAPI LPLABELED_WORD WINAPI GetProtocolDescriptionTable(LPDWORD TableSize);
NMAPI LPLABELED_WORD WINAPI GetProtocolDescription(DWORD ProtocolID);
NMAPI HPROTOCOL WINAPI CreateProtocol(LPSTR ProtocolName, LPENTRYPOINTS lpEntryPoints,
                                      DWORD cbEntryPoints);
NMAPI VOID WINAPI DestroyProtocol(HPROTOCOL hProtocol);
NMAPI DWORD WINAPI CreateHandoffTable(LPSTR secName, LPSTR iniFile, LPHANDOFFTABLE *hTable,
                                     DWORD nMaxProtocolEntries, DWORD base);
NMAPI VOID WINAPI DestroyHandoffTable(LPHANDOFFTABLE hTable);
NMAPI HPROTOCOL WINAPI GetProtocolFromTable(LPHANDOFFTABLE hTable, DWORD ItemToFind,
                                           PDWORD_PTR lpInstData);

/* ===================================================================== */
/* 6.3 Properties                                                         */
/* ===================================================================== */

NMAPI HPROPERTY WINAPI GetProperty(HPROTOCOL hProtocol, LPCSTR PropertyName);
NMAPI LPPROPERTYINFO WINAPI GetPropertyInfo(HPROPERTY hProperty);
NMAPI LPPROPERTYINST WINAPI FindPropertyInstance(HFRAME hFrame, HPROPERTY hProperty);
NMAPI LPPROPERTYINST WINAPI FindPropertyInstanceRestart(HFRAME hFrame, HPROPERTY hProperty,
                                                        LPPROPERTYINST *lpRestartKey, BOOL DirForward);
NMAPI LPSTR WINAPI GetPropertyText(HFRAME hFrame, LPPROPERTYINST lpPI, LPSTR szBuffer, DWORD BufferSize);
NMAPI DWORD WINAPIV FormatPropertyInstance(LPPROPERTYINST lpPropertyInst, ...);
NMAPI DWORD WINAPI ResetPropertyInstanceLength(LPPROPERTYINST lpProp, WORD nOrgLen, WORD nNewLen);
NMAPI BOOL WINAPI AttachPropertyInstance(HFRAME hFrame, HPROPERTY hProperty, DWORD Length, ULPVOID lpData,
                                         DWORD HelpID, DWORD Level, DWORD IFlags);
NMAPI BOOL WINAPI AttachPropertyInstanceEx(HFRAME hFrame, HPROPERTY hProperty, DWORD Length,
                                           ULPVOID lpData, DWORD ExLength, ULPVOID lpExData,
                                           DWORD HelpID, DWORD Level, DWORD IFlags);
NMAPI DWORD WINAPI CreatePropertyDatabase(HPROTOCOL hProtocol, DWORD nProperties);
NMAPI DWORD WINAPI DestroyPropertyDatabase(HPROTOCOL hProtocol);
NMAPI HPROPERTY WINAPI AddProperty(HPROTOCOL hProtocol, LPPROPERTYINFO PropertyInfo);

/* ===================================================================== */
/* 6.4 Capture                                                            */
/* ===================================================================== */

NMAPI DWORD WINAPI GetCaptureTotalFrames(HCAPTURE hCapture);
NMAPI LPSYSTEMTIME WINAPI GetCaptureTimeStamp(HCAPTURE hCapture);
NMAPI DWORD WINAPI GetCaptureMacType(HCAPTURE hCapture);
NMAPI LPSTR WINAPI GetCaptureComment(HCAPTURE hCapture);
NMAPI DWORD WINAPI GetCaptureCommentFromFilename(LPCSTR lpFilename, LPSTR lpComment, DWORD BufferSize);

/* ===================================================================== */
/* 6.5 Frames                                                             */
/* ===================================================================== */

NMAPI HFRAME WINAPI GetFrame(HCAPTURE hCapture, DWORD FrameNumber);
NMAPI HCAPTURE WINAPI GetFrameCaptureHandle(HFRAME hFrame);
NMAPI DWORD WINAPI GetFrameNumber(HFRAME hFrame);
NMAPI DWORD WINAPI GetFrameLength(HFRAME hFrame);
NMAPI DWORD WINAPI GetFrameStoredLength(HFRAME hFrame);
NMAPI DWORD WINAPI GetFrameMacType(HFRAME hFrame);
NMAPI DWORD WINAPI GetFrameMacHeaderLength(HFRAME hFrame);
NMAPI __int64 WINAPI GetFrameTimeStamp(HFRAME hFrame);
NMAPI ULPFRAME WINAPI GetFrameFromFrameHandle(HFRAME hFrame);
NMAPI LPRECOGNIZEDATATABLE WINAPI GetFrameRecognizeData(HFRAME hFrame);
NMAPI DWORD WINAPI GetFrameDstAddressOffset(HFRAME hFrame, DWORD AddressType, LPDWORD AddressLength);
NMAPI DWORD WINAPI GetFrameSrcAddressOffset(HFRAME hFrame, DWORD AddressType, LPDWORD AddressLength);
/* The address helpers take the 16-byte ADDRESS of the NetMon 2 SDK (spec
 * 6.5) and never write more than sizeof(ADDRESS).  An ADDRESS has no room
 * for an IPv6 address: ADDRESS_TYPE_IP6 fails with NMERR_BUFFER_TOO_SMALL,
 * and ADDRESS_TYPE_FIND_HIGHEST passes IPv6 by.  The ADDRESS2 forms (the
 * newer header's, 22 bytes, with IPv6) are the Nmx...2 functions below; a
 * C11 or C++ source may also pass an ADDRESS2 * to the SDK names, which
 * then resolve to them. */
NMAPI DWORD WINAPI GetFrameDestAddress(HFRAME hFrame, LPADDRESS lpAddress, DWORD AddressType, DWORD Flags);
NMAPI DWORD WINAPI GetFrameSourceAddress(HFRAME hFrame, LPADDRESS lpAddress, DWORD AddressType, DWORD Flags);
NMAPI BOOL WINAPI CompareFrameDestAddress(HFRAME hFrame, LPADDRESS lpAddress);
NMAPI BOOL WINAPI CompareFrameSourceAddress(HFRAME hFrame, LPADDRESS lpAddress);
NMAPI int WINAPI CompareAddresses(LPADDRESS lpAddress1, LPADDRESS lpAddress2);
NMAPI DWORD WINAPI MacTypeToAddressType(DWORD MacType);
NMAPI DWORD WINAPI AddressTypeToMacType(DWORD AddressType);
NMAPI HFRAME WINAPI FindNextFrame(HFRAME hCurrentFrame, LPCSTR ProtocolName, LPADDRESS lpDestAddress,
                                  LPADDRESS lpSrcAddress, LPWORD ProtocolOffset,
                                  DWORD OriginalFrameNumber, DWORD nHighestFrame);
NMAPI HFRAME WINAPI FindPreviousFrame(HFRAME hCurrentFrame, LPCSTR ProtocolName, LPADDRESS lpDstAddress,
                                      LPADDRESS lpSrcAddress, LPWORD ProtocolOffset,
                                      DWORD OriginalFrameNumber, DWORD nLowestFrame);
/* nmexpert (SDK 1.1): the same seven on ADDRESS2. */
NMAPI DWORD WINAPI NmxGetFrameDestAddress2(HFRAME hFrame, LPADDRESS2 lpAddress, DWORD AddressType,
                                           DWORD Flags);
NMAPI DWORD WINAPI NmxGetFrameSourceAddress2(HFRAME hFrame, LPADDRESS2 lpAddress, DWORD AddressType,
                                             DWORD Flags);
NMAPI BOOL WINAPI NmxCompareFrameDestAddress2(HFRAME hFrame, LPADDRESS2 lpAddress);
NMAPI BOOL WINAPI NmxCompareFrameSourceAddress2(HFRAME hFrame, LPADDRESS2 lpAddress);
NMAPI int WINAPI NmxCompareAddresses2(LPADDRESS2 lpAddress1, LPADDRESS2 lpAddress2);
NMAPI HFRAME WINAPI NmxFindNextFrame2(HFRAME hCurrentFrame, LPCSTR ProtocolName, LPADDRESS2 lpDestAddress,
                                      LPADDRESS2 lpSrcAddress, LPWORD ProtocolOffset,
                                      DWORD OriginalFrameNumber, DWORD nHighestFrame);
NMAPI HFRAME WINAPI NmxFindPreviousFrame2(HFRAME hCurrentFrame, LPCSTR ProtocolName,
                                          LPADDRESS2 lpDstAddress, LPADDRESS2 lpSrcAddress,
                                          LPWORD ProtocolOffset, DWORD OriginalFrameNumber,
                                          DWORD nLowestFrame);
#if !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && \
    !defined(NMX_NO_ADDRESS2_GENERIC)
#define NMX_ADDR_PICK_(a, f1, f2) _Generic((a), ADDRESS2 *: f2, const ADDRESS2 *: f2, default: f1)
#define GetFrameDestAddress(h, a, t, f) \
    NMX_ADDR_PICK_((a), GetFrameDestAddress, NmxGetFrameDestAddress2)((h), (a), (t), (f))
#define GetFrameSourceAddress(h, a, t, f) \
    NMX_ADDR_PICK_((a), GetFrameSourceAddress, NmxGetFrameSourceAddress2)((h), (a), (t), (f))
#define CompareFrameDestAddress(h, a) \
    NMX_ADDR_PICK_((a), CompareFrameDestAddress, NmxCompareFrameDestAddress2)((h), (a))
#define CompareFrameSourceAddress(h, a) \
    NMX_ADDR_PICK_((a), CompareFrameSourceAddress, NmxCompareFrameSourceAddress2)((h), (a))
#define CompareAddresses(a, b) NMX_ADDR_PICK_((a), CompareAddresses, NmxCompareAddresses2)((a), (b))
#define FindNextFrame(h, p, d, s, o, n, m)                                                         \
    NMX_ADDR_PICK_((d), NMX_ADDR_PICK_((s), FindNextFrame, NmxFindNextFrame2), NmxFindNextFrame2)( \
        (h), (p), (d), (s), (o), (n), (m))
#define FindPreviousFrame(h, p, d, s, o, n, m)                                                  \
    NMX_ADDR_PICK_((d), NMX_ADDR_PICK_((s), FindPreviousFrame, NmxFindPreviousFrame2),          \
                   NmxFindPreviousFrame2)((h), (p), (d), (s), (o), (n), (m))
#endif
NMAPI HFRAME WINAPI ModifyFrame(HCAPTURE hCapture, DWORD FrameNumber, LPBYTE FrameData, DWORD FrameLength,
                                __int64 TimeStamp);
NMAPI ULPBYTE WINAPI ParserTemporaryLockFrame(HFRAME hFrame);
NMAPI LPSYSTEMTIME WINAPI AdjustSystemTime(LPSYSTEMTIME SystemTime, __int64 TimeDelta);

/* ===================================================================== */
/* 6.6 Miscellaneous helpers                                              */
/* ===================================================================== */

NMAPI LPSTR WINAPI AddressToString(LPSTR string, BYTE *lpAddress);
NMAPI LPBYTE WINAPI StringToAddress(BYTE *lpAddress, LPCSTR string);
NMAPI LPDWORD WINAPI VarLenSmallIntToDword(LPBYTE pValue, WORD ValueLen, BOOL fIsByteswapped,
                                           LPDWORD lpDword);
NMAPI LPBYTE WINAPI LookupByteSetString(LPSET lpSet, BYTE Value);
NMAPI LPBYTE WINAPI LookupWordSetString(LPSET lpSet, WORD Value);
NMAPI LPBYTE WINAPI LookupDwordSetString(LPSET lpSet, DWORD Value);
NMAPI DWORD WINAPI GetMacHeaderLength(LPVOID MacHeader, DWORD MacType);
NMAPI DWORD WINAPI GetEtype(LPVOID MacHeader, DWORD MacType);
NMAPI DWORD WINAPI GetSaps(LPVOID MacHeader, DWORD MacType);
NMAPI BOOL WINAPI IsLLCPresent(LPVOID MacHeader, DWORD MacType);
NMAPI DWORD WINAPI GetLLCHeaderLength(LPLLC Frame);
NMAPI LPSTR WINAPI FormatTimeAsString(SYSTEMTIME *time, LPSTR String);
NMAPI DWORD WINAPI BhGetLastError(VOID);
NMAPI VOID WINAPI BhSetLastError(DWORD Error);
#define BHGetLastError BhGetLastError
/* The SDK's debug printf, to stderr.  POSIX <stdio.h> declares another
 * dprintf(int, const char *, ...): this header includes <stdio.h> first (a
 * later #include of it changes nothing), then makes the SDK name a macro
 * for NmDebugPrintf, so legacy dprintf("...") calls work.  A source that
 * wants POSIX dprintf defines NETMON_NO_DPRINTF and calls NmDebugPrintf. */
NMAPI VOID WINAPIV NmDebugPrintf(LPCSTR format, ...);
#if !defined(NETMON_NO_DPRINTF) && !defined(dprintf)
#define dprintf NmDebugPrintf
#endif
NMAPI LPVOID WINAPI AllocMemory(SIZE_T size);
NMAPI LPVOID WINAPI ReallocMemory(LPVOID ptr, SIZE_T NewSize);
NMAPI VOID WINAPI FreeMemory(LPVOID ptr);
NMAPI SIZE_T WINAPI MemorySize(LPVOID ptr);
NMAPI DWORD WINAPI HelperFormatUnicodeString(LPSTR szOut, LPCWSTR szIn, WORD Len);
NMAPI DWORD WINAPI DecodeSNMPObjectIdentifier(LPBYTE lpData, DWORD DataLen, LPOBJECT_IDENTIFIER lpOID);

/* ===================================================================== */
/* nmexpert SDK extensions (SDK 1.0).  Additive only; not in NetMon 2.x.  */
/* ===================================================================== */

/* The pcap LINKTYPE_ value of a frame's link layer (1 = Ethernet, 113 =
 * Linux SLL, 101 = raw IP...), or values above 0xFFFF for NetMon's own
 * record kinds (0x1FFE0 ETW event, 0x1FFFF filter...).  (DWORD)-1 with
 * BhGetLastError() = NMERR_INVALID_HFRAME for a bad handle. */
NMAPI DWORD WINAPI NmxGetFrameLinkType(HFRAME hFrame);

/* The frame's absolute time, nanoseconds since 1970-01-01 UTC; -1 with
 * NMERR_INVALID_HFRAME for a bad handle. */
NMAPI __int64 WINAPI NmxGetFrameTime(HFRAME hFrame);

/* nmexpert (SDK 1.3): whether a layer of protocol hLayer (an entry of a
 * RECOGNIZEDATATABLE) may hold instances of hOwner's properties: its own;
 * those of a protocol it carries inside without a layer of its own (SMB,
 * SMB2, DCE/RPC, LDAP and HTTP hold ntlmssp.* and kerberos.* of their
 * authentication tokens); anyone's when it has no properties of its own
 * (mDNS and LLMNR show dns.*, SSDP http.*).  An expert that dissects only
 * the frames a property can be in asks this of each protocol.  FALSE with
 * BhGetLastError() = NMERR_INVALID_HPROTOCOL for a bad handle. */
NMAPI BOOL WINAPI NmxProtocolMayHold(HPROTOCOL hLayer, HPROTOCOL hOwner);

/* nmexpert (SDK 1.2): the shard this run covers (`run --shard K/N`): *Index
 * 1..*Count, or 1 of 1 for a whole run.  NMERR_INVALID_EXPERT_HANDLE for a
 * bad key, NMERR_INVALID_PARAMETER for a NULL pointer. */
NMAPI DWORD WINAPI NmxExpertGetShard(HEXPERTKEY hExpertKey, LPDWORD Index, LPDWORD Count);

/*
 * nmexpert (SDK 1.1): what the compat <windows.h> maps legacy Win32 calls
 * to (HeapAlloc, GlobalAlloc, LocalAlloc, GetLastError, GetTickCount, Sleep,
 * GetModuleFileName, the .ini profile functions); experts call them through
 * their Win32 names.  NmxHeap* use the calling session's expert heap (quota,
 * reclaimed at the end of the session); outside Configure/Run (DllMain, a
 * thread the expert created) the process heap of AllocMemory.  Flags: 0 or
 * HEAP_ZERO_MEMORY (8).  NmxGetModuleFileName: hModule NULL -> the program,
 * else the module that holds pInModule.  A profile file name without a '/'
 * lives in $XDG_CONFIG_HOME/nmexpert/ini/.
 */
NMAPI LPVOID WINAPI NmxHeapAlloc(SIZE_T nBytes, DWORD Flags);
NMAPI LPVOID WINAPI NmxHeapReAlloc(LPVOID pMem, SIZE_T nBytes, DWORD Flags);
NMAPI BOOL WINAPI NmxHeapFree(LPVOID pMem);
NMAPI SIZE_T WINAPI NmxHeapSize(LPCVOID pMem);
NMAPI LPDWORD WINAPI NmxWin32LastError(VOID);
NMAPI DWORD WINAPI NmxGetTickCount(VOID);
NMAPI VOID WINAPI NmxSleep(DWORD dwMilliseconds);
NMAPI DWORD WINAPI NmxGetModuleFileName(HMODULE hModule, LPCVOID pInModule, LPSTR lpFilename, DWORD nSize);
NMAPI DWORD WINAPI NmxGetPrivateProfileString(LPCSTR lpAppName, LPCSTR lpKeyName, LPCSTR lpDefault,
                                              LPSTR lpReturnedString, DWORD nSize, LPCSTR lpFileName);
NMAPI UINT WINAPI NmxGetPrivateProfileInt(LPCSTR lpAppName, LPCSTR lpKeyName, INT nDefault,
                                          LPCSTR lpFileName);
NMAPI BOOL WINAPI NmxWritePrivateProfileString(LPCSTR lpAppName, LPCSTR lpKeyName, LPCSTR lpString,
                                               LPCSTR lpFileName);

/* Writing a capture file (what the Protocol Coalesce expert produces). */
typedef struct _NMX_CAPTURE_WRITER *HNMXWRITER;
#define NMX_WRITER_PCAP 1        /* pcap, microsecond time stamps */
#define NMX_WRITER_PCAP_NSEC 2   /* pcap, nanosecond time stamps */
#define NMX_WRITER_NETMON2 3     /* NetMon 2.x */

/* LinkType for NmxCaptureWriterOpen: every frame gives its own, with
 * NmxCaptureWriterWriteEx (NetMon 2 only: its frames carry a media type). */
#define NMX_WRITER_LINK_PER_FRAME 0xFFFFFFFFu

/* Starts a capture file at Path for frames of one link type (a LINKTYPE_
 * value as NmxGetFrameLinkType returns), or NMX_WRITER_LINK_PER_FRAME.  The
 * frames go to a temporary file beside Path that NmxCaptureWriterClose
 * renames over it; until then an existing Path is untouched.  Path may not
 * be the capture being read (by any name) nor anything but a regular file.
 * 0, or NMERR_INVALID_PARAMETER, NMERR_INVALID_MEDIA_TYPE (the format cannot
 * hold that link type), NMERR_FILE_WRITE_ERROR (the file cannot be created,
 * or Path is refused), NMERR_OUT_OF_MEMORY; NmxCaptureWriterError() then
 * says why in words. */
NMAPI DWORD WINAPI NmxCaptureWriterOpen(LPCSTR Path, DWORD Format, DWORD LinkType,
                                        HNMXWRITER *phWriter);
/* Appends a frame of the writer's link type: its absolute time (ns), Length
 * stored bytes and the length it had on the wire.  0 or an NMERR code. */
NMAPI DWORD WINAPI NmxCaptureWriterWrite(HNMXWRITER hWriter, __int64 TimeNs, const BYTE *Data,
                                         DWORD Length, DWORD WireLength);
/* The same with the frame's own link type (any one, for a writer opened
 * with NMX_WRITER_LINK_PER_FRAME; else it must be the writer's). */
NMAPI DWORD WINAPI NmxCaptureWriterWriteEx(HNMXWRITER hWriter, __int64 TimeNs, DWORD LinkType,
                                           const BYTE *Data, DWORD Length, DWORD WireLength);
/* Finishes the file, renames it over Path and frees the writer.  After a
 * write error the file is abandoned instead (Path untouched).  0 or the
 * first error met while writing. */
NMAPI DWORD WINAPI NmxCaptureWriterClose(HNMXWRITER hWriter);
/* Abandons the file (Path untouched) and frees the writer.  0, or
 * NMERR_INVALID_PARAMETER for a handle that is not an open writer. */
NMAPI DWORD WINAPI NmxCaptureWriterDiscard(HNMXWRITER hWriter);
/* The text of the calling thread's last writer failure ("" if none), e.g.
 * "out.pcap: Permission denied". */
NMAPI LPCSTR WINAPI NmxCaptureWriterError(VOID);

#ifdef __cplusplus
}

/* C++ (many NetMon experts were C++): the SDK names also take the newer
 * header's ADDRESS2 and the older header's FILTEROBJECT (spec 4.9: same
 * layout as FILTEROBJECT2).  The Find functions take an ADDRESS2 * for
 * both addresses (a null one written as (LPADDRESS2)NULL); NULL, NULL and
 * ADDRESS * pick the SDK function. */
inline DWORD GetFrameDestAddress(HFRAME h, LPADDRESS2 a, DWORD t, DWORD f)
{
    return NmxGetFrameDestAddress2(h, a, t, f);
}
inline DWORD GetFrameSourceAddress(HFRAME h, LPADDRESS2 a, DWORD t, DWORD f)
{
    return NmxGetFrameSourceAddress2(h, a, t, f);
}
inline BOOL CompareFrameDestAddress(HFRAME h, LPADDRESS2 a)
{
    return NmxCompareFrameDestAddress2(h, a);
}
inline BOOL CompareFrameSourceAddress(HFRAME h, LPADDRESS2 a)
{
    return NmxCompareFrameSourceAddress2(h, a);
}
inline int CompareAddresses(LPADDRESS2 a, LPADDRESS2 b)
{
    return NmxCompareAddresses2(a, b);
}
template <class D, class S>
inline HFRAME FindNextFrame(HFRAME h, LPCSTR p, D *d, S *s, LPWORD o, DWORD n, DWORD m)
{
    return NmxFindNextFrame2(h, p, d, s, o, n, m);
}
template <class D, class S>
inline HFRAME FindPreviousFrame(HFRAME h, LPCSTR p, D *d, S *s, LPWORD o, DWORD n, DWORD m)
{
    return NmxFindPreviousFrame2(h, p, d, s, o, n, m);
}
inline DWORD FilterAddObject(HFILTER hFilter, LPFILTEROBJECT lpFilterObject)
{
    return FilterAddObject(hFilter, reinterpret_cast<LPFILTEROBJECT2>(lpFilterObject));
}
#endif

#endif /* NETMON_H */
