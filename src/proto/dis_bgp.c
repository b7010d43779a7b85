/*
 * dis_bgp.c - BGP-4 on TCP 179 (RFC 4271): every message of the segment,
 * its header, OPEN with its optional parameters and capabilities, UPDATE
 * with its withdrawn routes, path attributes and NLRI, NOTIFICATION and
 * ROUTE-REFRESH (RFC 2918).
 *
 *   +------------------+--------+------+--------------------------
 *   | marker (16 x FF) | length | type | message (length - 19 bytes)
 *   +------------------+--------+------+--------------------------
 *
 * As tshark 4.0 shows them: each message is a bgp layer of its own (io,phs
 * counts each); the withdrawn and NLRI prefixes as IPv4 addresses with
 * their lengths (bgp.prefix_length, both kinds in message order); of the
 * path attributes, flags, type code and length for each, and the values
 * of ORIGIN, NEXT_HOP, MULTI_EXIT_DISC and LOCAL_PREF; the NOTIFICATION's
 * minor code under the field of its major code.  Not parsed
 * (docs/protocols.md): AS_PATH segments (tshark guesses 2- or 4-byte AS
 * numbers), communities, multiprotocol reach and unreach, BGP-4 over IPv6
 * NLRI, authentication parameters, ORF entries.  A message that runs past
 * the segment is shown as far as it goes (tshark, which reassembles BGP
 * across segments, waits for the rest).
 */
#include "proto/proto_int.h"

enum { F_MARKER, F_LENGTH, F_TYPE, F_VERSION, F_MYAS, F_HOLDTIME, F_IDENTIFIER, F_OPT_LEN, F_PARAM_TYPE,
       F_PARAM_LEN, F_CAP_TYPE, F_CAP_LEN, F_WD_LEN, F_PREFIX_LEN, F_WD_PREFIX, F_PA_LEN, F_PA_FLAGS,
       F_PA_OPTIONAL, F_PA_TRANSITIVE, F_PA_PARTIAL, F_PA_EXTENDED, F_PA_UNUSED, F_PA_TYPE, F_PA_ATTR_LEN,
       F_ORIGIN, F_NEXT_HOP, F_MED, F_LOCAL_PREF, F_NLRI_PREFIX, F_MAJOR, F_MINOR_HDR, F_MINOR_OPEN,
       F_MINOR_UPDATE, F_MINOR_EXPIRED, F_MINOR_STATE, F_MINOR_CEASE, F_MINOR_CAP, F_MINOR_UNKNOWN, F_RR_AFI,
       F_RR_SUBTYPE, F_RR_SAFI };

static nmx_field_t bgp_fields[] = {
    [F_MARKER] = NMX_F_BYTES("bgp.marker", "Marker"),
    [F_LENGTH] = NMX_F_UINT("bgp.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_TYPE] = NMX_F_UINT("bgp.type", "Type", NMX_BASE_DEC, 1, 0),
    [F_VERSION] = NMX_F_UINT("bgp.open.version", "Version", NMX_BASE_DEC, 1, 0),
    [F_MYAS] = NMX_F_UINT("bgp.open.myas", "My AS", NMX_BASE_DEC, 2, 0),
    [F_HOLDTIME] = NMX_F_UINT("bgp.open.holdtime", "Hold Time", NMX_BASE_DEC, 2, 0),
    [F_IDENTIFIER] = NMX_F_IPV4("bgp.open.identifier", "BGP Identifier"),
    [F_OPT_LEN] = NMX_F_UINT("bgp.open.opt.len", "Optional Parameters Length", NMX_BASE_DEC, 1, 0),
    [F_PARAM_TYPE] = NMX_F_UINT("bgp.open.opt.param.type", "Parameter Type", NMX_BASE_DEC, 1, 0),
    [F_PARAM_LEN] = NMX_F_UINT("bgp.open.opt.param.len", "Parameter Length", NMX_BASE_DEC, 1, 0),
    [F_CAP_TYPE] = NMX_F_UINT("bgp.cap.type", "Capability Type", NMX_BASE_DEC, 1, 0),
    [F_CAP_LEN] = NMX_F_UINT("bgp.cap.length", "Capability Length", NMX_BASE_DEC, 1, 0),
    [F_WD_LEN] = NMX_F_UINT("bgp.update.withdrawn_routes.length", "Withdrawn Routes Length", NMX_BASE_DEC, 2, 0),
    [F_PREFIX_LEN] = NMX_F_UINT("bgp.prefix_length", "Prefix Length", NMX_BASE_DEC, 1, 0),
    [F_WD_PREFIX] = NMX_F_IPV4("bgp.withdrawn_prefix", "Withdrawn prefix"),
    [F_PA_LEN] = NMX_F_UINT("bgp.update.path_attributes.length", "Total Path Attribute Length", NMX_BASE_DEC,
                            2, 0),
    [F_PA_FLAGS] = NMX_F_UINT("bgp.update.path_attribute.flags", "Flags", NMX_BASE_HEX, 1, 0),
    [F_PA_OPTIONAL] = NMX_F_BOOL("bgp.update.path_attribute.flags.optional", "Optional", 1, 0x80),
    [F_PA_TRANSITIVE] = NMX_F_BOOL("bgp.update.path_attribute.flags.transitive", "Transitive", 1, 0x40),
    [F_PA_PARTIAL] = NMX_F_BOOL("bgp.update.path_attribute.flags.partial", "Partial", 1, 0x20),
    [F_PA_EXTENDED] = NMX_F_BOOL("bgp.update.path_attribute.flags.extended_length", "Length", 1, 0x10),
    [F_PA_UNUSED] = NMX_F_UINT("bgp.update.path_attribute.flags.unused", "Unused", NMX_BASE_HEX, 1, 0x0f),
    [F_PA_TYPE] = NMX_F_UINT("bgp.update.path_attribute.type_code", "Type Code", NMX_BASE_DEC, 1, 0),
    [F_PA_ATTR_LEN] = NMX_F_UINT("bgp.update.path_attribute.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_ORIGIN] = NMX_F_UINT("bgp.update.path_attribute.origin", "Origin", NMX_BASE_DEC, 1, 0),
    [F_NEXT_HOP] = NMX_F_IPV4("bgp.update.path_attribute.next_hop", "Next hop"),
    [F_MED] = NMX_F_UINT("bgp.update.path_attribute.multi_exit_disc", "Multiple exit discriminator",
                         NMX_BASE_DEC, 4, 0),
    [F_LOCAL_PREF] = NMX_F_UINT("bgp.update.path_attribute.local_pref", "Local preference", NMX_BASE_DEC, 4, 0),
    [F_NLRI_PREFIX] = NMX_F_IPV4("bgp.nlri_prefix", "NLRI prefix"),
    [F_MAJOR] = NMX_F_UINT("bgp.notify.major_error", "Major error Code", NMX_BASE_DEC, 1, 0),
    [F_MINOR_HDR] = NMX_F_UINT("bgp.notify.minor_error", "Minor error Code (Message Header)", NMX_BASE_DEC, 1, 0),
    [F_MINOR_OPEN] = NMX_F_UINT("bgp.notify.minor_error_open", "Minor error Code (Open Message)", NMX_BASE_DEC, 1,
                                0),
    [F_MINOR_UPDATE] = NMX_F_UINT("bgp.notify.minor_error_update", "Minor error Code (Update Message)",
                                  NMX_BASE_DEC, 1, 0),
    [F_MINOR_EXPIRED] = NMX_F_UINT("bgp.notify.minor_error_expired", "Minor error Code (Hold Timer Expired)",
                                   NMX_BASE_DEC, 1, 0),
    [F_MINOR_STATE] = NMX_F_UINT("bgp.notify.minor_error_state", "Minor error Code (State Machine)",
                                 NMX_BASE_DEC, 1, 0),
    [F_MINOR_CEASE] = NMX_F_UINT("bgp.notify.minor_error_cease", "Minor error Code (Cease)", NMX_BASE_DEC, 1, 0),
    [F_MINOR_CAP] = NMX_F_UINT("bgp.notify.minor_error_capability", "Minor error Code (Capability)",
                               NMX_BASE_DEC, 1, 0),
    [F_MINOR_UNKNOWN] = NMX_F_UINT("bgp.notify.minor_error_unknown", "Minor error Code (Unknown)", NMX_BASE_DEC,
                                   1, 0),
    [F_RR_AFI] = NMX_F_UINT("bgp.route_refresh.afi", "Address family identifier (AFI)", NMX_BASE_DEC, 2, 0),
    [F_RR_SUBTYPE] = NMX_F_UINT("bgp.route_refresh.subtype", "Subtype", NMX_BASE_DEC, 1, 0),
    [F_RR_SAFI] = NMX_F_UINT("bgp.route_refresh.safi", "Subsequent address family identifier (SAFI)",
                             NMX_BASE_DEC, 1, 0),
};

static nmx_dissect_fn dis_bgp;

NMX_PROTOCOL(nmx__p_bgp, NMX_PROTO_BGP, "bgp", "BGP", NULL, "Border Gateway Protocol", bgp_fields,
             .dissect = dis_bgp, NMX_HANDOFFS({NMX_HO_TCP_PORT, 179}));

static bool bgp_add(nmx_dctx_t *d, const nmx_cursor_t *c, int f, size_t pos, size_t n)
{
    return nmx__add_at(d, c, &bgp_fields[f], pos, n);
}

/* OPEN: version, AS, hold time, identifier, then the optional parameters
 * (a capabilities parameter, type 2, holds capabilities). */
static void bgp_open(nmx_dctx_t *d, const nmx_cursor_t *m)
{
    if (!bgp_add(d, m, F_VERSION, 0, 1) || !bgp_add(d, m, F_MYAS, 1, 2) || !bgp_add(d, m, F_HOLDTIME, 3, 2) ||
        !bgp_add(d, m, F_IDENTIFIER, 5, 4) || !bgp_add(d, m, F_OPT_LEN, 9, 1))
        return;
    size_t end = 10 + nmx__cur_get_u8(m, 9);
    for (size_t p = 10; p + 2 <= end;) {
        if (!bgp_add(d, m, F_PARAM_TYPE, p, 1) || !bgp_add(d, m, F_PARAM_LEN, p + 1, 1))
            return;
        unsigned type = nmx__cur_get_u8(m, p), len = nmx__cur_get_u8(m, p + 1);
        for (size_t q = p + 2; type == 2 && q + 2 <= p + 2 + len;) {
            if (!bgp_add(d, m, F_CAP_TYPE, q, 1) || !bgp_add(d, m, F_CAP_LEN, q + 1, 1))
                return;
            q += 2 + nmx__cur_get_u8(m, q + 1);
        }
        p += 2 + len;
    }
}

/* IPv4 prefixes in [pos, end): a length in bits, then the bytes it needs
 * (the address shown with the bits beyond them zero). */
static bool bgp_prefixes(nmx_dctx_t *d, const nmx_cursor_t *m, size_t pos, size_t end, int field)
{
    while (pos < end) {
        unsigned bits = nmx__cur_get_u8(m, pos);
        size_t n = (bits + 7) / 8;
        uint8_t a[4] = {0};
        if (bits > 32 || !nmx__cur_peek_copy(m, pos + 1, a, n)) {
            nmx__add_err(d, &bgp_fields[F_PREFIX_LEN], nmx__off(m) + pos, 1);
            return false;
        }
        nmx__add(d, &bgp_fields[F_PREFIX_LEN], nmx__off(m) + pos, 1);
        nmx__add_str(d, &bgp_fields[field], nmx__off(m) + pos + 1, n, a, 4);
        pos += 1 + n;
    }
    return true;
}

/* One path attribute at pos: its flags, type and length, and the value
 * of the four well-known ones read here; the bytes it takes. */
static size_t bgp_attribute(nmx_dctx_t *d, const nmx_cursor_t *m, size_t pos)
{
    uint8_t flags = nmx__cur_get_u8(m, pos);
    size_t lsize = flags & 0x10 ? 2 : 1;
    for (int f = F_PA_FLAGS; f <= F_PA_UNUSED; f++)
        bgp_add(d, m, f, pos, 1);
    if (!bgp_add(d, m, F_PA_TYPE, pos + 1, 1) || !bgp_add(d, m, F_PA_ATTR_LEN, pos + 2, lsize))
        return 0;
    unsigned type = nmx__cur_get_u8(m, pos + 1);
    size_t len = lsize == 2 ? nmx__cur_get_u16be(m, pos + 2) : nmx__cur_get_u8(m, pos + 2);
    size_t v = pos + 2 + lsize;
    if (type == 1 && len == 1)
        bgp_add(d, m, F_ORIGIN, v, 1);
    else if (type == 3 && len == 4)
        bgp_add(d, m, F_NEXT_HOP, v, 4);
    else if (type == 4 && len == 4)
        bgp_add(d, m, F_MED, v, 4);
    else if (type == 5 && len == 4)
        bgp_add(d, m, F_LOCAL_PREF, v, 4);
    return 2 + lsize + len;
}

/* UPDATE: withdrawn routes, path attributes, then NLRI to the end. */
static void bgp_update(nmx_dctx_t *d, const nmx_cursor_t *m)
{
    if (!bgp_add(d, m, F_WD_LEN, 0, 2))
        return;
    size_t wd = nmx__cur_get_u16be(m, 0);
    if (!bgp_prefixes(d, m, 2, 2 + wd, F_WD_PREFIX) || !bgp_add(d, m, F_PA_LEN, 2 + wd, 2))
        return;
    size_t pa = 4 + wd, pa_end = pa + nmx__cur_get_u16be(m, 2 + wd);
    while (pa < pa_end) {
        size_t n = bgp_attribute(d, m, pa);
        if (n == 0)
            return;
        pa += n;
    }
    bgp_prefixes(d, m, pa_end, m->left, F_NLRI_PREFIX);
}

/* NOTIFICATION: the major code, and the minor one under its major's field. */
static void bgp_notification(nmx_dctx_t *d, const nmx_cursor_t *m)
{
    static const int minor[] = {F_MINOR_UNKNOWN, F_MINOR_HDR,   F_MINOR_OPEN,  F_MINOR_UPDATE,
                                F_MINOR_EXPIRED, F_MINOR_STATE, F_MINOR_CEASE, F_MINOR_CAP};
    if (!bgp_add(d, m, F_MAJOR, 0, 1))
        return;
    unsigned major = nmx__cur_get_u8(m, 0);
    bgp_add(d, m, minor[major < sizeof minor / sizeof minor[0] ? major : 0], 1, 1);
}

/* One message at the cursor; the bytes it takes (0: no BGP message here). */
static size_t bgp_message(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    static const uint8_t marker[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (c.left < 19 || !nmx__cur_match(&c, 0, marker, 16))
        return 0;
    size_t len = nmx__cur_get_u16be(&c, 16), off = nmx__off(&c);
    if (len < 19 || !nmx__push_layer(d, proto, off))
        return 0;
    if (d->ws) {
        nmx__add(d, &bgp_fields[F_MARKER], off, 16);
        nmx__add(d, &bgp_fields[F_LENGTH], off + 16, 2);
        nmx__add(d, &bgp_fields[F_TYPE], off + 18, 1);
        nmx_cursor_t m = nmx__cur_head(c, len);
        nmx__cur_skip(&m, 19);
        switch (nmx__cur_get_u8(&c, 18)) {
        case 1: bgp_open(d, &m); break;
        case 2: bgp_update(d, &m); break;
        case 3: bgp_notification(d, &m); break;
        case 5:
            if (bgp_add(d, &m, F_RR_AFI, 0, 2) && bgp_add(d, &m, F_RR_SUBTYPE, 2, 1))
                bgp_add(d, &m, F_RR_SAFI, 3, 1);
            break;
        default: break;
        }
    }
    return len;
}

static bool dis_bgp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t n;
    bool any = false;
    while (c.left > 0 && (n = bgp_message(d, c, proto)) > 0) {
        any = true;
        if (!nmx__cur_skip(&c, n))
            break;
    }
    return any;
}
