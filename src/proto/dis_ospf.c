/*
 * dis_ospf.c - Open Shortest Path First, IP protocol 89: the packet header
 * of OSPFv2 (RFC 2328 A.3.1) and OSPFv3 (RFC 5340 A.3.1), and the Hello
 * packet of both.
 *
 *   v2: version(1) type(1) length(2) router-id(4) area-id(4) checksum(2)
 *       autype(2) authentication(8)
 *   v3: version(1) type(1) length(2) router-id(4) area-id(4) checksum(2)
 *       instance-id(1) reserved(1)
 *   Hello v2: mask(4) hello-interval(2) options(1) priority(1) dead(4)
 *             DR(4) BDR(4) neighbors(4 each, up to the packet length)
 *   Hello v3: interface-id(4) priority(1) options(3) hello-interval(2)
 *             dead(2) DR(4) BDR(4) neighbors(4 each)
 *
 * As tshark 4.0: fewer than 4 bytes are not counted (tshark reads the
 * length before it adds its tree; the payload is taken all the same); the
 * fields are shown one by one until the bytes run out; another version
 * shows the header up to the checksum.  The other packet types (database
 * description, link state request, update and acknowledgement) are
 * recorded by their header only.
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_MSG, F_LENGTH, F_SRCROUTER, F_AREA, F_CHECKSUM, F_AUTH_TYPE, F_INSTANCE, F_MASK,
       F_HELLO_INT, F_PRIO, F_DEAD_INT, F_DR, F_BDR, F_NEIGHBOR };

static nmx_field_t ospf_fields[] = {
    [F_VERSION] = NMX_F_UINT("ospf.version", "Version", NMX_BASE_DEC, 1, 0),
    [F_MSG] = NMX_F_UINT("ospf.msg", "Message Type", NMX_BASE_DEC, 1, 0),
    [F_LENGTH] = NMX_F_UINT("ospf.packet_length", "Packet Length", NMX_BASE_DEC, 2, 0),
    [F_SRCROUTER] = NMX_F_IPV4("ospf.srcrouter", "Source OSPF Router"),
    [F_AREA] = NMX_F_IPV4("ospf.area_id", "Area ID"),
    [F_CHECKSUM] = NMX_F_UINT("ospf.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_AUTH_TYPE] = NMX_F_UINT("ospf.auth.type", "Auth Type", NMX_BASE_DEC, 2, 0),
    [F_INSTANCE] = NMX_F_UINT("ospf.instance_id", "Instance ID", NMX_BASE_DEC, 1, 0),
    [F_MASK] = NMX_F_IPV4("ospf.hello.network_mask", "Network Mask"),
    [F_HELLO_INT] = NMX_F_UINT("ospf.hello.hello_interval", "Hello Interval [sec]", NMX_BASE_DEC, 4, 0),
    [F_PRIO] = NMX_F_UINT("ospf.hello.router_priority", "Router Priority", NMX_BASE_DEC, 1, 0),
    [F_DEAD_INT] = NMX_F_UINT("ospf.hello.router_dead_interval", "Router Dead Interval [sec]", NMX_BASE_DEC, 4, 0),
    [F_DR] = NMX_F_IPV4("ospf.hello.designated_router", "Designated Router"),
    [F_BDR] = NMX_F_IPV4("ospf.hello.backup_designated_router", "Backup Designated Router"),
    [F_NEIGHBOR] = NMX_F_IPV4("ospf.hello.active_neighbor", "Active Neighbor"),
};

static nmx_dissect_fn dis_ospf;

NMX_PROTOCOL(nmx__p_ospf, NMX_PROTO_OSPF, "ospf", "OSPF", NULL, "Open Shortest Path First", ospf_fields,
             .dissect = dis_ospf, NMX_HANDOFFS({NMX_HO_IP_PROTO, 89}));

/* One field at [pos, pos+len) of the packet. */
typedef struct ospf_at {
    uint8_t field, pos, len;
} ospf_at_t;

static const ospf_at_t ospf_header[] = {
    {F_VERSION, 0, 1}, {F_MSG, 1, 1}, {F_LENGTH, 2, 2}, {F_SRCROUTER, 4, 4}, {F_AREA, 8, 4}, {F_CHECKSUM, 12, 2},
};
static const ospf_at_t ospf_hello_v2[] = {
    {F_MASK, 24, 4}, {F_HELLO_INT, 28, 2}, {F_PRIO, 31, 1}, {F_DEAD_INT, 32, 4}, {F_DR, 36, 4}, {F_BDR, 40, 4},
};
static const ospf_at_t ospf_hello_v3[] = {
    {F_PRIO, 20, 1}, {F_HELLO_INT, 24, 2}, {F_DEAD_INT, 26, 2}, {F_DR, 28, 4}, {F_BDR, 32, 4},
};

/* Adds the fields of `at` in order; false (the first missing one marked
 * malformed) when the bytes run out.  A 2-byte interval of a 4-byte field
 * (tshark's FT_UINT32) is recorded as a number of the field's width. */
static bool ospf_fields_at(nmx_dctx_t *d, const nmx_cursor_t *c, const ospf_at_t *at, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const nmx_field_t *f = &ospf_fields[at[i].field];
        uint16_t v;
        if (f->width != at[i].len && nmx__cur_peek_u16be(c, at[i].pos, &v))
            nmx__add_uint(d, f, nmx__off(c) + at[i].pos, 2, v);
        else if (!nmx__add_at(d, c, f, at[i].pos, at[i].len))
            return false;
    }
    return true;
}

/* The Hello packet of version 2 or 3, its neighbors up to the packet length. */
static void ospf_hello(nmx_dctx_t *d, const nmx_cursor_t *c, unsigned version, size_t len)
{
    bool ok = version == 2 ? ospf_fields_at(d, c, ospf_hello_v2, sizeof(ospf_hello_v2) / sizeof(ospf_hello_v2[0]))
                           : ospf_fields_at(d, c, ospf_hello_v3, sizeof(ospf_hello_v3) / sizeof(ospf_hello_v3[0]));
    for (size_t pos = version == 2 ? 44 : 36; ok && pos < len; pos += 4)
        ok = nmx__add_at(d, c, &ospf_fields[F_NEIGHBOR], pos, 4);
}

static bool dis_ospf(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint16_t len;
    if (!nmx__cur_peek_u16be(&c, 2, &len))
        return true; /* tshark reads the length first: taken, not counted */
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    unsigned version = nmx__cur_get_u8(&c, 0), type = nmx__cur_get_u8(&c, 1);
    if (!ospf_fields_at(d, &c, ospf_header, sizeof(ospf_header) / sizeof(ospf_header[0])) ||
        (version != 2 && version != 3))
        return true;
    static const ospf_at_t auth_type = {F_AUTH_TYPE, 14, 2}, instance = {F_INSTANCE, 14, 1};
    if (!ospf_fields_at(d, &c, version == 2 ? &auth_type : &instance, 1) || type != 1)
        return true;
    ospf_hello(d, &c, version, len);
    return true;
}
