/*
 * dis_epm.c - the DCE/RPC endpoint mapper interface (C706 appendix O,
 * interface e1af8308-5d1f-11c9-91a4-08002b14a0fa): epm (version 3) and
 * epm4 (version 4, whose layers record epm.opnum, as in tshark).
 *
 * tshark hands a call's stub data to the dissector of its interface: a
 * connectionless PDU names the interface in its header, so its epm layer
 * needs no state, and is recorded here (dis_dcerpc.c calls nmx__dis_epm).
 * A connection-oriented call names only a presentation context, which the
 * connection's bind mapped to the interface; tshark follows that and we
 * do not (docs/protocols.md, difference 20).  Of the layer, only the
 * operation number (epm.opnum, as tshark adds it: no bytes of its own, at
 * the stub's start) is recorded; the towers and other arguments are not
 * parsed.
 */
#include "proto/proto_int.h"

enum { F_OPNUM };

static nmx_field_t epm_fields[] = {
    [F_OPNUM] = NMX_F_UINT("epm.opnum", "Operation", NMX_BASE_DEC, 2, 0),
};

NMX_PROTOCOL(nmx__p_epm, NMX_PROTO_EPM, "epm", "EPM", NULL, "DCE/RPC Endpoint Mapper", epm_fields);
/* Version 4 of the interface: a protocol of its own in tshark, whose layer
 * shows epm.opnum. */
NMX_PROTOCOL_NOFIELDS(nmx__p_epm4, NMX_PROTO_EPM4, "epm4", "EPMV4", NULL, "DCE/RPC Endpoint Mapper v4");

void nmx__dis_epm(nmx_dctx_t *d, nmx_cursor_t stub, unsigned version, unsigned opnum)
{
    size_t off = nmx__off(&stub);
    if (nmx__push_layer(d, version == 4 ? NMX_PROTO_EPM4 : NMX_PROTO_EPM, off))
        nmx__add_uint(d, &epm_fields[F_OPNUM], off, 0, opnum);
}
