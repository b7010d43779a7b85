/*
 * dis_nflog.c - the Linux netfilter NFLOG link type (LINKTYPE_NFLOG, 239):
 * a 4-byte header, then type-length-value attributes, one of which holds
 * the logged packet.
 *
 * Reference: tcpdump.org/linktypes/LINKTYPE_NFLOG.html.
 *
 *   | family (1) | version (1) | resource id (2, big-endian) |
 *   | TLV length (2) | TLV type (2) | value ... | padding to 4 bytes | ...
 *
 * The TLV length and type are in the byte order of the host that wrote
 * the capture (tshark converts them to its own); we read them
 * little-endian, the order of the hosts that write such captures in
 * practice.  Values are big-endian.  As tshark 4.0: TLVs are read while 4
 * bytes are left; a length under 4 ends them, and so does one beyond the
 * frame (tshark's item for the TLV fails).  The payload TLV (9) is handed
 * on by the packet header's hardware protocol (an EtherType) when there is
 * one, else by the family (2 IPv4, 10 IPv6).  A 16-byte timestamp TLV is
 * not recorded (tshark shows it as nflog.timestamp, a local time).
 */
#include "proto/proto_int.h"

enum { F_FAMILY, F_VERSION, F_RESID, F_TLV, F_TLV_LEN, F_TLV_TYPE, F_PROTOCOL, F_HOOK, F_INDEV, F_OUTDEV,
       F_PHYSINDEV, F_PHYSOUTDEV, F_PREFIX, F_UID, F_GID, F_VALUE };

/* A signed 32-bit number (FT_INT32). */
#define NFLOG_F_INT32(k, l) NMX_F_(k, l, NMX_FT_INT, NMX_BASE_DEC, 4, 0, 0, PROP_TYPE_DWORD, PROP_QUAL_NONE)

static nmx_field_t nflog_fields[] = {
    [F_FAMILY] = NMX_F_UINT("nflog.family", "Family", NMX_BASE_DEC, 1, 0),
    [F_VERSION] = NMX_F_UINT("nflog.version", "Version", NMX_BASE_DEC, 1, 0),
    [F_RESID] = NMX_F_UINT("nflog.res_id", "Resource id", NMX_BASE_DEC, 2, 0),
    [F_TLV] = NMX_F_BYTES("nflog.tlv", "TLV"),
    [F_TLV_LEN] = NMX_F_UINT_LE("nflog.tlv_length", "Length", NMX_BASE_DEC, 2, 0),
    [F_TLV_TYPE] = NMX_F_UINT_LE("nflog.tlv_type", "Type", NMX_BASE_DEC, 2, 0x7FFF),
    [F_PROTOCOL] = NMX_F_UINT("nflog.protocol", "HW protocol", NMX_BASE_HEX, 2, 0),
    [F_HOOK] = NMX_F_UINT("nflog.hook", "Netfilter hook", NMX_BASE_DEC, 1, 0),
    [F_INDEV] = NMX_F_UINT("nflog.ifindex_indev", "IFINDEX_INDEV", NMX_BASE_DEC, 4, 0),
    [F_OUTDEV] = NMX_F_UINT("nflog.ifindex_outdev", "IFINDEX_OUTDEV", NMX_BASE_DEC, 4, 0),
    [F_PHYSINDEV] = NMX_F_UINT("nflog.ifindex_physindev", "IFINDEX_PHYSINDEV", NMX_BASE_DEC, 4, 0),
    [F_PHYSOUTDEV] = NMX_F_UINT("nflog.ifindex_physoutdev", "IFINDEX_PHYSOUTDEV", NMX_BASE_DEC, 4, 0),
    [F_PREFIX] = NMX_F_STRING("nflog.prefix", "Prefix"),
    [F_UID] = NFLOG_F_INT32("nflog.uid", "UID"),
    [F_GID] = NFLOG_F_INT32("nflog.gid", "GID"),
    [F_VALUE] = NMX_F_BYTES("nflog.tlv_value", "Value"),
};

NMX_PROTOCOL(nmx__p_nflog, NMX_PROTO_NFLOG, "nflog", "NFLOG", NULL, "Linux Netfilter NFLOG", nflog_fields);

enum { NFULA_PACKET_HDR = 1, NFULA_TIMESTAMP = 3, NFULA_IFINDEX_INDEV, NFULA_IFINDEX_OUTDEV, NFULA_IFINDEX_PHYSINDEV,
       NFULA_IFINDEX_PHYSOUTDEV, NFULA_PAYLOAD = 9, NFULA_PREFIX, NFULA_UID, NFULA_GID = 14 };

/* The value of one TLV (type, value of vlen bytes at `at`, all inside c);
 * false when tshark shows it as a raw value. */
static bool nflog_value(nmx_dctx_t *d, nmx_cursor_t c, size_t at, unsigned type, size_t vlen)
{
    size_t off = nmx__off(&c) + at;
    switch (type) {
    case NFULA_PACKET_HDR:
        if (vlen != 4)
            return false;
        nmx__add(d, &nflog_fields[F_PROTOCOL], off, 2);
        nmx__add(d, &nflog_fields[F_HOOK], off + 2, 1);
        return true;
    case NFULA_IFINDEX_INDEV:
    case NFULA_IFINDEX_OUTDEV:
    case NFULA_IFINDEX_PHYSINDEV:
    case NFULA_IFINDEX_PHYSOUTDEV:
        if (vlen != 4)
            return false;
        nmx__add(d, &nflog_fields[F_INDEV + (type - NFULA_IFINDEX_INDEV)], off, 4);
        return true;
    case NFULA_PAYLOAD:
        return true;
    case NFULA_TIMESTAMP:
        return vlen == 16; /* nflog.timestamp: not recorded */
    case NFULA_PREFIX: {
        if (vlen < 1)
            return false;
        nmx_cursor_t v;
        if (nmx__cur_window(&c, at, vlen, &v))
            nmx__add(d, &nflog_fields[F_PREFIX], off, nmx__cur_find(&v, 0, 0)); /* up to the NUL */
        return true;
    }
    case NFULA_UID:
    case NFULA_GID:
        if (vlen != 4)
            return false;
        nmx__add(d, &nflog_fields[type == NFULA_UID ? F_UID : F_GID], off, 4);
        return true;
    default:
        return false;
    }
}

/* The payload: by the hardware protocol, else by the family. */
static void nflog_payload(nmx_dctx_t *d, nmx_cursor_t p, uint16_t hwproto, unsigned family)
{
    if (p.left == 0)
        return;
    d->depth++;
    if (hwproto != 0)
        nmx__handoff(d, p, NMX_HO_ETHERTYPE, hwproto);
    else if (family == 2)
        nmx__dis_ip(d, p);
    else if (family == 10)
        nmx__dis_ipv6(d, p);
    d->depth--;
}

void nmx__dis_nflog(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    uint8_t family;
    if (!nmx__cur_peek_u8(&c, 0, &family) || !nmx__push_layer(d, NMX_PROTO_NFLOG, off))
        return;
    nmx__add(d, &nflog_fields[F_FAMILY], off, 1);
    if (!nmx__cur_in(&c, 1, 1))
        return;
    nmx__add(d, &nflog_fields[F_VERSION], off + 1, 1);
    if (!nmx__cur_in(&c, 2, 2))
        return;
    nmx__add(d, &nflog_fields[F_RESID], off + 2, 2);
    uint16_t hwproto = 0;
    size_t pat = 0, plen = 0; /* the payload value, if any (pat != 0) */
    for (size_t at = 4; nmx__cur_in(&c, at, 4);) {
        size_t tlen = nmx__cur_get_u16le(&c, at);
        unsigned type = nmx__cur_get_u16le(&c, at + 2) & 0x7FFF;
        if (tlen < 4 || !nmx__cur_in(&c, at, tlen))
            return; /* malformed, or the TLV's item fails: nothing follows */
        nmx__add(d, &nflog_fields[F_TLV], off + at, tlen);
        nmx__add(d, &nflog_fields[F_TLV_LEN], off + at, 2);
        nmx__add(d, &nflog_fields[F_TLV_TYPE], off + at + 2, 2);
        if (!nflog_value(d, c, at + 4, type, tlen - 4))
            nmx__add(d, &nflog_fields[F_VALUE], off + at + 4, tlen - 4);
        if (type == NFULA_PACKET_HDR && tlen == 8)
            hwproto = nmx__cur_get_u16be(&c, at + 4);
        if (type == NFULA_PAYLOAD) {
            pat = at + 4;
            plen = tlen - 4;
        }
        at += (tlen + 3) & ~(size_t)3;
    }
    nmx_cursor_t payload;
    if (pat != 0 && d->depth < NMX_MAX_DEPTH && nmx__cur_window(&c, pat, plen, &payload))
        nflog_payload(d, payload, hwproto, family);
}
