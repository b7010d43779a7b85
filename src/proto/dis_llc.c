/*
 * dis_llc.c - IEEE 802.2 Logical Link Control, with the SNAP extension
 * (RFC 1042) that carries an EtherType behind OUI 00-00-00.
 *
 *   +------+------+---------+ SNAP: +-----------+----------+
 *   | DSAP | SSAP | control |       | OUI (3)   | PID (2)  |
 *   +------+------+---------+       +-----------+----------+
 *
 * Control is one byte for U frames (low bits 11) and two for I/S frames.
 * Behind another OUI the PID is llc.pid, or llc.cisco_pid behind Cisco's
 * (00-00-0C), as tshark names it; behind Cisco's, the payload is handed
 * off by PID (NMX_HO_CISCO_PID: CDP is 0x2000).
 */
#include "proto/proto_int.h"

enum { F_DSAP, F_SSAP, F_CONTROL, F_OUI, F_TYPE, F_PID, F_CISCO_PID };

static nmx_field_t llc_fields[] = {
    [F_DSAP] = NMX_F_UINT("llc.dsap", "DSAP", NMX_BASE_HEX, 1, 0),
    [F_SSAP] = NMX_F_UINT("llc.ssap", "SSAP", NMX_BASE_HEX, 1, 0),
    [F_CONTROL] = NMX_F_UINT("llc.control", "Control", NMX_BASE_HEX, 2, 0),
    [F_OUI] = NMX_F_UINT("llc.oui", "Organization Code", NMX_BASE_DEC, 3, 0),
    [F_TYPE] = NMX_F_UINT("llc.type", "Type", NMX_BASE_HEX, 2, 0),
    [F_PID] = NMX_F_UINT("llc.pid", "Protocol ID", NMX_BASE_HEX, 2, 0),
    [F_CISCO_PID] = NMX_F_UINT("llc.cisco_pid", "PID", NMX_BASE_HEX, 2, 0),
};

NMX_PROTOCOL(nmx__p_llc, NMX_PROTO_LLC, "llc", "LLC", NULL, "Logical-Link Control", llc_fields);

void nmx__dis_type_or_length(nmx_dctx_t *d, nmx_cursor_t c, uint16_t tl)
{
    if (tl <= 1500 && nmx__cur_match(&c, 0, "\xff\xff", 2))
        nmx__handoff(d, nmx__cur_head(c, tl), NMX_HO_ETHERTYPE, 0x8137); /* Novell's raw 802.3: IPX, no LLC */
    else if (tl <= 1500)
        nmx__dis_llc(d, nmx__cur_head(c, tl)); /* 802.3: the length bounds LLC (the rest is padding) */
    else
        nmx__handoff(d, c, NMX_HO_ETHERTYPE, tl);
}

void nmx__dis_llc(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (c.left < 3) {
        if (c.left && nmx__push_layer(d, NMX_PROTO_LLC, off))
            nmx__add_err(d, &llc_fields[F_DSAP], off, c.left);
        return;
    }
    if (!nmx__push_layer(d, NMX_PROTO_LLC, off))
        return;
    uint8_t dsap = nmx__cur_get_u8(&c, 0), ssap = nmx__cur_get_u8(&c, 1), ctl = nmx__cur_get_u8(&c, 2);
    size_t ctl_len = (ctl & 3) == 3 ? 1 : 2;
    nmx__add(d, &llc_fields[F_DSAP], off, 1);
    nmx__add(d, &llc_fields[F_SSAP], off + 1, 1);
    if (c.left >= 2 + ctl_len)
        nmx__add_uint(d, &llc_fields[F_CONTROL], off + 2, ctl_len,
                      ctl_len == 1 ? ctl : (uint64_t)nmx__cur_get_u16le(&c, 2));
    if (dsap == 0xAA && ssap == 0xAA && ctl_len == 1) {
        if (c.left < 8) {
            nmx__add_err(d, &llc_fields[F_OUI], off + 3, c.left - 3);
            return;
        }
        uint32_t oui = nmx__cur_get_u24be(&c, 3);
        uint16_t pid = nmx__cur_get_u16be(&c, 6);
        nmx__add(d, &llc_fields[F_OUI], off + 3, 3);
        if (oui == 0 || oui == 0xF8) {
            nmx__add(d, &llc_fields[F_TYPE], off + 6, 2);
            nmx__cur_skip(&c, 8);
            if (d->depth < NMX_MAX_DEPTH) {
                d->depth++;
                nmx__handoff(d, c, NMX_HO_ETHERTYPE, pid);
                d->depth--;
            }
        } else {
            nmx__add(d, &llc_fields[oui == 0x00000c ? F_CISCO_PID : F_PID], off + 6, 2);
            if (oui == 0x00000c && nmx__cur_skip(&c, 8) && c.left > 0)
                nmx__handoff(d, c, NMX_HO_CISCO_PID, pid);
        }
        return;
    }
    /* Any other SAP: whoever registered it (no built-in protocol does; a
     * parser plug-in's SAP handoff set may). */
    if (nmx__cur_skip(&c, 2 + ctl_len) && c.left > 0)
        nmx__handoff(d, c, NMX_HO_LLC_SAP, dsap);
}
