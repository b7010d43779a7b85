/*
 * dis_geneve.c - Generic Network Virtualization Encapsulation (RFC 8926)
 * on UDP 6081: an 8-byte header, options, then a payload by its EtherType.
 *
 *   +---+-----------+-+-+-----------+-------------------------------+
 *   |Ver| Opt Len   |O|C|   Rsvd.   |          Protocol Type        |
 *   +---+-----------+-+-+-----------+-------------------------------+
 *   |        Virtual Network Identifier (VNI)       |    Reserved   |
 *   +-----------------------------------------------+---------------+
 *   |  Option Class (2) | Type (1) |R R R| Length (5) | data (4n) ...
 *
 * As tshark 4.0: the layer is recorded for any payload and its fields
 * while their bytes are there (another version is only flagged by tshark);
 * `geneve.option.length` is the header's options length in bytes, then
 * each option's whole length; an option longer than what is left of the
 * options ends them (the payload still follows).  The payload goes by the
 * Protocol Type through the EtherType table (0x6558 is Ethernet).  The
 * fields of Google's options (class 0x0132) are not recorded.
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_OPT_LEN, F_FLAGS, F_OAM, F_CRITICAL, F_FRES, F_PROTO, F_VNI, F_RESERVED, F_OPTIONS,
       F_OPTION, F_CLASS, F_TYPE, F_TYPE_CRIT, F_OFLAGS, F_OFLAGS_RES, F_UNKNOWN };

static nmx_field_t geneve_fields[] = {
    [F_VERSION] = NMX_F_UINT("geneve.version", "Version", NMX_BASE_DEC, 1, 0xC0),
    [F_OPT_LEN] = NMX_F_UINT("geneve.option.length", "Length", NMX_BASE_DEC, 1, 0),
    [F_FLAGS] = NMX_F_UINT("geneve.flags", "Flags", NMX_BASE_HEX, 1, 0),
    [F_OAM] = NMX_F_BOOL("geneve.flags.oam", "Operations, Administration and Management Frame", 1, 0x80),
    [F_CRITICAL] = NMX_F_BOOL("geneve.flags.critical", "Critical Options Present", 1, 0x40),
    [F_FRES] = NMX_F_BOOL("geneve.flags.reserved", "Reserved", 1, 0x3F),
    [F_PROTO] = NMX_F_UINT("geneve.proto_type", "Protocol Type", NMX_BASE_HEX, 2, 0),
    [F_VNI] = NMX_F_UINT("geneve.vni", "Virtual Network Identifier (VNI)", NMX_BASE_HEX_DEC, 3, 0),
    [F_RESERVED] = NMX_F_UINT("geneve.reserved", "Reserved", NMX_BASE_HEX, 1, 0),
    [F_OPTIONS] = NMX_F_BYTES("geneve.options", "Geneve Options"),
    [F_OPTION] = NMX_F_BYTES("geneve.option", "Option"),
    [F_CLASS] = NMX_F_UINT("geneve.option.class", "Class", NMX_BASE_HEX, 2, 0),
    [F_TYPE] = NMX_F_UINT("geneve.option.type", "Type", NMX_BASE_HEX, 1, 0),
    [F_TYPE_CRIT] = NMX_F_BOOL("geneve.option.type.critical", "Critical Option", 1, 0x80),
    [F_OFLAGS] = NMX_F_UINT("geneve.option.flags", "Flags", NMX_BASE_HEX, 1, 0xE0),
    [F_OFLAGS_RES] = NMX_F_BOOL("geneve.option.flags.reserved", "Reserved", 1, 0xE0),
    [F_UNKNOWN] = NMX_F_BYTES("geneve.option.unknown.data", "Unknown Option Data"),
};

static nmx_dissect_fn dis_geneve;

NMX_PROTOCOL(nmx__p_geneve, NMX_PROTO_GENEVE, "geneve", "GENEVE", NULL, "Generic Network Virtualization Encapsulation",
             geneve_fields, .dissect = dis_geneve, NMX_HANDOFFS({NMX_HO_UDP_PORT, 6081}));

enum { GCP_CLASS = 0x0132 };

/* The options in [8, 8 + len), all inside c (checked by the caller). */
static void geneve_options(nmx_dctx_t *d, nmx_cursor_t c, size_t len)
{
    size_t off = nmx__off(&c);
    nmx__add(d, &geneve_fields[F_OPTIONS], off + 8, len);
    for (size_t at = 8; len > 0;) {
        uint16_t cls = nmx__cur_get_u16be(&c, at);
        size_t olen = 4 + ((size_t)(nmx__cur_get_u8(&c, at + 3) & 0x1F) * 4);
        if (olen > len)
            return; /* "past end of options": tshark stops the options */
        nmx__add(d, &geneve_fields[F_OPTION], off + at, olen);
        nmx__add(d, &geneve_fields[F_CLASS], off + at, 2);
        nmx__add(d, &geneve_fields[F_TYPE], off + at + 2, 1);
        nmx__add(d, &geneve_fields[F_TYPE_CRIT], off + at + 2, 1);
        nmx__add(d, &geneve_fields[F_OFLAGS], off + at + 3, 1);
        nmx__add(d, &geneve_fields[F_OFLAGS_RES], off + at + 3, 1);
        nmx__add_uint(d, &geneve_fields[F_OPT_LEN], off + at + 3, 1, olen);
        if (cls != GCP_CLASS)
            nmx__add(d, &geneve_fields[F_UNKNOWN], off + at + 4, olen - 4);
        at += olen;
        len -= olen;
    }
}

/* The fixed header's fields while their bytes are there; false when it is
 * cut short. */
static bool geneve_header(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    uint8_t b0;
    if (!nmx__cur_peek_u8(&c, 0, &b0))
        return false;
    nmx__add(d, &geneve_fields[F_VERSION], off, 1);
    nmx__add_uint(d, &geneve_fields[F_OPT_LEN], off, 1, (unsigned)(b0 & 0x3F) * 4);
    if (!nmx__cur_in(&c, 1, 1))
        return false;
    for (unsigned f = F_FLAGS; f <= F_FRES; f++)
        nmx__add(d, &geneve_fields[f], off + 1, 1);
    static const uint8_t at[] = {2, 4, 7}, n[] = {2, 3, 1};
    for (unsigned f = F_PROTO; f <= F_RESERVED; f++) {
        if (!nmx__cur_in(&c, at[f - F_PROTO], n[f - F_PROTO]))
            return false;
        nmx__add(d, &geneve_fields[f], off + at[f - F_PROTO], n[f - F_PROTO]);
    }
    return true;
}

static bool dis_geneve(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (!nmx__push_layer(d, proto, nmx__off(&c)) || !geneve_header(d, c))
        return true;
    size_t opts = (size_t)(nmx__cur_get_u8(&c, 0) & 0x3F) * 4;
    if (opts > 0) {
        if (!nmx__cur_in(&c, 8, opts)) {
            nmx__add_err(d, &geneve_fields[F_OPTIONS], nmx__off(&c) + 8, c.left - 8);
            return true;
        }
        geneve_options(d, c, opts);
    }
    uint16_t type = nmx__cur_get_u16be(&c, 2);
    if (!nmx__cur_skip(&c, 8 + opts) || c.left == 0 || d->depth >= NMX_MAX_DEPTH)
        return true;
    d->depth++;
    nmx__handoff(d, c, NMX_HO_ETHERTYPE, type);
    d->depth--;
    return true;
}
