/*
 * dis_nbns.c - NetBIOS Name Service (RFC 1002 4.2), UDP port 137.
 *
 *   +----+-------+---------+---------+---------+---------+
 *   | ID | flags | QDCOUNT | ANCOUNT | NSCOUNT | ARCOUNT |   then questions
 *   +----+-------+---------+---------+---------+---------+   and resource records
 *
 * Names are encoded NetBIOS names (dis_netbios.c), possibly compressed as in
 * DNS; NB records get the name type's description appended, as in tshark.
 */
#include <stdio.h>
#include <string.h>

#include "proto/proto_int.h"

enum { N_ID, N_FLAGS, N_RESPONSE, N_OPCODE, N_QDCOUNT, N_ANCOUNT, N_NSCOUNT, N_ARCOUNT, N_NAME,
       N_TYPE, N_TTL, N_ADDR };

static nmx_field_t nbns_fields[] = {
    [N_ID] = NMX_F_UINT("nbns.id", "Transaction ID", NMX_BASE_HEX, 2, 0),
    [N_FLAGS] = NMX_F_UINT("nbns.flags", "Flags", NMX_BASE_HEX, 2, 0),
    [N_RESPONSE] = NMX_F_BOOL("nbns.flags.response", "Response", 2, 0x8000),
    [N_OPCODE] = NMX_F_UINT("nbns.flags.opcode", "Opcode", NMX_BASE_DEC, 2, 0x7800),
    [N_QDCOUNT] = NMX_F_UINT("nbns.count.queries", "Questions", NMX_BASE_DEC, 2, 0),
    [N_ANCOUNT] = NMX_F_UINT("nbns.count.answers", "Answer RRs", NMX_BASE_DEC, 2, 0),
    [N_NSCOUNT] = NMX_F_UINT("nbns.count.auth_rr", "Authority RRs", NMX_BASE_DEC, 2, 0),
    [N_ARCOUNT] = NMX_F_UINT("nbns.count.add_rr", "Additional RRs", NMX_BASE_DEC, 2, 0),
    [N_NAME] = NMX_F_STRING("nbns.name", "Name"),
    [N_TYPE] = NMX_F_UINT("nbns.type", "Type", NMX_BASE_DEC, 2, 0),
    [N_TTL] = NMX_F_UINT("nbns.ttl", "Time to live", NMX_BASE_DEC, 4, 0),
    [N_ADDR] = NMX_F_IPV4("nbns.addr", "Addr"),
};

static nmx_dissect_fn dis_nbns;

NMX_PROTOCOL(nmx__p_nbns, NMX_PROTO_NBNS, "nbns", "NBT", "NBNS", "NetBIOS Name Service", nbns_fields,
             .dissect = dis_nbns, NMX_HANDOFFS({NMX_HO_UDP_PORT, 137}));

static bool dis_nbns(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_NBNS */
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_NBNS, off) || !d->ws)
        return true;
    if (c.left < 12) {
        nmx__add_err(d, &nbns_fields[N_ID], off, c.left);
        return true;
    }
    nmx__add(d, &nbns_fields[N_ID], off, 2);
    nmx__add(d, &nbns_fields[N_FLAGS], off + 2, 2);
    nmx__add(d, &nbns_fields[N_RESPONSE], off + 2, 2);
    nmx__add(d, &nbns_fields[N_OPCODE], off + 2, 2);
    for (int i = 0; i < 4; i++)
        nmx__add(d, &nbns_fields[N_QDCOUNT + i], off + 4 + 2 * (size_t)i, 2);
    unsigned qd = nmx__cur_get_u16be(&c, 4);
    unsigned rr = (unsigned)nmx__cur_get_u16be(&c, 6) + nmx__cur_get_u16be(&c, 8) +
                  nmx__cur_get_u16be(&c, 10);
    size_t pos = 12;
    char name[400];
    for (unsigned q = 0; q < qd; q++) {
        size_t used;
        int t = nmx__netbios_name(c, pos, name, sizeof(name), &used);
        if (t < 0 || pos + used + 4 > c.left) {
            nmx__add_err(d, &nbns_fields[N_NAME], off + pos, c.left > pos ? c.left - pos : 0);
            return true;
        }
        nmx__add_str(d, &nbns_fields[N_NAME], off + pos, used, name, strlen(name));
        pos += used;
        nmx__add(d, &nbns_fields[N_TYPE], off + pos, 2);
        pos += 4;
    }
    for (unsigned r = 0; r < rr; r++) {
        size_t used;
        int t = nmx__netbios_name(c, pos, name, sizeof(name), &used);
        if (t < 0 || pos + used + 10 > c.left) {
            nmx__add_err(d, &nbns_fields[N_NAME], off + pos, c.left > pos ? c.left - pos : 0);
            return true;
        }
        unsigned type = nmx__cur_get_u16be(&c, pos + used);
        if (type == 0x20) {
            size_t n = strlen(name);
            snprintf(name + n, sizeof(name) - n, " (%s)", nmx__netbios_type_descr((unsigned)t));
        }
        nmx__add_str(d, &nbns_fields[N_NAME], off + pos, used, name, strlen(name));
        pos += used;
        unsigned rdlen = nmx__cur_get_u16be(&c, pos + 8);
        nmx__add(d, &nbns_fields[N_TYPE], off + pos, 2);
        nmx__add(d, &nbns_fields[N_TTL], off + pos + 4, 4);
        pos += 10;
        if (pos + rdlen > c.left) {
            nmx__add_err(d, &nbns_fields[N_TTL], off + pos - 6, 4);
            return true;
        }
        if (type == 0x20)
            for (size_t k = 0; k + 6 <= rdlen; k += 6)
                nmx__add(d, &nbns_fields[N_ADDR], off + pos + k + 2, 4);
        pos += rdlen;
    }
    return true;
}
