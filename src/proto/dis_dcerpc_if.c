/*
 * dis_dcerpc_if.c - the DCE/RPC interfaces whose layer tshark 4.0 shows:
 * the endpoint mapper (C706 appendix O: epm, version 3, and epm4, version
 * 4, whose layers record epm.opnum, as in tshark) and the Windows and DCOM
 * interfaces found in the shared captures (drsuapi, samr, lsarpc,
 * rpc_netlogon, srvsvc, wkssvc, spoolss, winreg, svcctl, pnp, rpc_browser,
 * messenger, dssetup, isystemactivator, remact, remunk, remunk2).
 *
 * tshark hands a call's stub data to the dissector registered for the
 * call's interface UUID and major version.  A connectionless PDU names the
 * interface in its header; a connection-oriented call names a presentation
 * context, which the connection's bind or alter_context mapped to the
 * interface, and a response or fault names only its call (dis_dcerpc.c
 * keeps both as facts of the connection).  Of each layer, only the
 * operation number (<name>.opnum, as tshark adds it: no bytes of its own,
 * at the stub's start) is recorded; the arguments are not parsed
 * (docs/protocols.md, difference 20).
 */
#include <string.h>

#include "proto/proto_int.h"

/* One opnum field per interface, each in its protocol's table. */
static nmx_field_t epm_fields[] = {NMX_F_UINT("epm.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t drsuapi_fields[] = {NMX_F_UINT("drsuapi.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t samr_fields[] = {NMX_F_UINT("samr.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t lsarpc_fields[] = {NMX_F_UINT("lsarpc.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t netlogon_fields[] = {NMX_F_UINT("netlogon.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t srvsvc_fields[] = {NMX_F_UINT("srvsvc.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t wkssvc_fields[] = {NMX_F_UINT("wkssvc.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t spoolss_fields[] = {NMX_F_UINT("spoolss.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t winreg_fields[] = {NMX_F_UINT("winreg.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t svcctl_fields[] = {NMX_F_UINT("svcctl.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t pnp_fields[] = {NMX_F_UINT("pnp.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t browser_fields[] = {NMX_F_UINT("rpc_browser.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t messenger_fields[] = {NMX_F_UINT("messenger.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t dssetup_fields[] = {NMX_F_UINT("dssetup.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t sysact_fields[] = {NMX_F_UINT("isystemactivator.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t remact_fields[] = {NMX_F_UINT("remact.opnum", "Operation", NMX_BASE_DEC, 2, 0)};
static nmx_field_t remunk_fields[] = {NMX_F_UINT("remunk.opnum", "Operation", NMX_BASE_DEC, 2, 0)};

/* A response's interface layer shows dcerpc.request_in too; tshark's
 * frame.protocols names no interface. */
#define IF_BORROWS .borrows = {NMX_PROTO_DCERPC}, .unlisted = true

NMX_PROTOCOL(nmx__p_epm, NMX_PROTO_EPM, "epm", "EPM", NULL, "DCE/RPC Endpoint Mapper", epm_fields, IF_BORROWS);
/* Version 4 of the interface: a protocol of its own in tshark, whose layer
 * shows epm.opnum. */
NMX_PROTOCOL_NOFIELDS(nmx__p_epm4, NMX_PROTO_EPM4, "epm4", "EPMV4", NULL, "DCE/RPC Endpoint Mapper v4",
                      .unlisted = true);
NMX_PROTOCOL(nmx__p_drsuapi, NMX_PROTO_DRSUAPI, "drsuapi", "DRSUAPI", NULL, "DRSUAPI", drsuapi_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_samr, NMX_PROTO_SAMR, "samr", "SAMR", NULL, "SAMR (pidl)", samr_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_lsarpc, NMX_PROTO_LSARPC, "lsarpc", "LSARPC", NULL, "Local Security Authority", lsarpc_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_rpc_netlogon, NMX_PROTO_RPC_NETLOGON, "rpc_netlogon", "RPC_NETLOGON", NULL,
             "Microsoft Network Logon", netlogon_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_srvsvc, NMX_PROTO_SRVSVC, "srvsvc", "SRVSVC", NULL, "Server Service", srvsvc_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_wkssvc, NMX_PROTO_WKSSVC, "wkssvc", "WKSSVC", NULL, "Workstation Service", wkssvc_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_spoolss, NMX_PROTO_SPOOLSS, "spoolss", "SPOOLSS", NULL, "Microsoft Spool Subsystem",
             spoolss_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_winreg, NMX_PROTO_WINREG, "winreg", "WINREG", NULL, "Remote Registry Service", winreg_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_svcctl, NMX_PROTO_SVCCTL, "svcctl", "SVCCTL", NULL, "Microsoft Service Control",
             svcctl_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_pnp, NMX_PROTO_PNP, "pnp", "PNP", NULL, "Microsoft Plug and Play service", pnp_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_rpc_browser, NMX_PROTO_RPC_BROWSER, "rpc_browser", "RPC_BROWSER", NULL, "RPC Browser",
             browser_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_messenger, NMX_PROTO_MESSENGER, "messenger", "Messenger", NULL, "Microsoft Messenger Service",
             messenger_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_dssetup, NMX_PROTO_DSSETUP, "dssetup", "DSSETUP", NULL, "Active Directory Setup",
             dssetup_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_isystemactivator, NMX_PROTO_ISYSTEMACTIVATOR, "isystemactivator", "ISystemActivator", NULL,
             "ISystemActivator ISystemActivator Resolver", sysact_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_remact, NMX_PROTO_REMACT, "remact", "REMACT", NULL, "DCOM IRemoteActivation", remact_fields, IF_BORROWS);
NMX_PROTOCOL(nmx__p_remunk, NMX_PROTO_REMUNK, "remunk", "IRemUnknown", NULL, "IRemUnknown", remunk_fields, IF_BORROWS);
/* IRemUnknown2: its layers show remunk.opnum, as in tshark. */
NMX_PROTOCOL_NOFIELDS(nmx__p_remunk2, NMX_PROTO_REMUNK2, "remunk2", "IRemUnknown2", NULL, "IRemUnknown2",
                      .unlisted = true);

/* The interfaces: UUID as tshark prints it, major version (tshark's key:
 * the minor version does not count), layer and opnum field. */
static const struct {
    const char *uuid;
    uint16_t ver;
    uint16_t proto;
    const nmx_field_t *opnum;
} ifs[] = {
    {"e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3, NMX_PROTO_EPM, epm_fields},
    {"e1af8308-5d1f-11c9-91a4-08002b14a0fa", 4, NMX_PROTO_EPM4, epm_fields},
    {"e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4, NMX_PROTO_DRSUAPI, drsuapi_fields},
    {"12345778-1234-abcd-ef00-0123456789ac", 1, NMX_PROTO_SAMR, samr_fields},
    {"12345778-1234-abcd-ef00-0123456789ab", 0, NMX_PROTO_LSARPC, lsarpc_fields},
    {"12345678-1234-abcd-ef00-01234567cffb", 1, NMX_PROTO_RPC_NETLOGON, netlogon_fields},
    {"4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, NMX_PROTO_SRVSVC, srvsvc_fields},
    {"6bffd098-a112-3610-9833-46c3f87e345a", 1, NMX_PROTO_WKSSVC, wkssvc_fields},
    {"12345678-1234-abcd-ef00-0123456789ab", 1, NMX_PROTO_SPOOLSS, spoolss_fields},
    {"338cd001-2244-31f1-aaaa-900038001003", 1, NMX_PROTO_WINREG, winreg_fields},
    {"367abb81-9844-35f1-ad32-98f038001003", 2, NMX_PROTO_SVCCTL, svcctl_fields},
    {"8d9f4e40-a03d-11ce-8f69-08003e30051b", 1, NMX_PROTO_PNP, pnp_fields},
    {"6bffd098-a112-3610-9833-012892020162", 0, NMX_PROTO_RPC_BROWSER, browser_fields},
    {"5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc", 1, NMX_PROTO_MESSENGER, messenger_fields},
    {"3919286a-b10c-11d0-9ba8-00c04fd92ef5", 0, NMX_PROTO_DSSETUP, dssetup_fields},
    {"000001a0-0000-0000-c000-000000000046", 0, NMX_PROTO_ISYSTEMACTIVATOR, sysact_fields},
    {"4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", 0, NMX_PROTO_REMACT, remact_fields},
    {"00000131-0000-0000-c000-000000000046", 0, NMX_PROTO_REMUNK, remunk_fields},
    {"00000143-0000-0000-c000-000000000046", 0, NMX_PROTO_REMUNK2, remunk_fields},
};

unsigned nmx__dcerpc_if_find(const char *uuid, unsigned ver)
{
    for (unsigned i = 0; i < sizeof(ifs) / sizeof(ifs[0]); i++)
        if (ifs[i].ver == ver && strcmp(ifs[i].uuid, uuid) == 0)
            return i;
    return NMX_DCE_IF_NONE;
}

bool nmx__dis_dcerpc_if(nmx_dctx_t *d, unsigned idx, size_t off, unsigned opnum)
{
    if (idx >= sizeof(ifs) / sizeof(ifs[0]) || !nmx__push_layer(d, ifs[idx].proto, off))
        return false;
    nmx__add_uint(d, ifs[idx].opnum, off, 0, opnum);
    return true;
}
