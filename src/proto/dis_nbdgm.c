/*
 * dis_nbdgm.c - NetBIOS Datagram Service (RFC 1002 4.4), UDP port 138.
 *
 *   +------+-------+-------------+--------+------+
 *   | type | flags | datagram id | src IP | port |   direct/broadcast datagrams add
 *   +------+-------+-------------+--------+------+   length(2) offset(2), source
 *                                                     and destination names, and
 *                                                     user data (SMB mailslots)
 */
#include <string.h>

#include "proto/proto_int.h"

enum { D_TYPE, D_ID, D_SRC_IP, D_SRC_PORT, D_SRC_NAME, D_DST_NAME };

static nmx_field_t nbdgm_fields[] = {
    [D_TYPE] = NMX_F_UINT("nbdgm.type", "Message Type", NMX_BASE_DEC, 1, 0),
    [D_ID] = NMX_F_UINT("nbdgm.dgram_id", "Datagram ID", NMX_BASE_HEX, 2, 0),
    [D_SRC_IP] = NMX_F_IPV4("nbdgm.src.ip", "Source IP"),
    [D_SRC_PORT] = NMX_F_UINT("nbdgm.src.port", "Source Port", NMX_BASE_DEC, 2, 0),
    [D_SRC_NAME] = NMX_F_STRING("nbdgm.source_name", "Source name"),
    [D_DST_NAME] = NMX_F_STRING("nbdgm.destination_name", "Destination name"),
};

static nmx_dissect_fn dis_nbdgm;

NMX_PROTOCOL(nmx__p_nbdgm, NMX_PROTO_NBDGM, "nbdgm", "NBDGM", NULL, "NetBIOS Datagram Service", nbdgm_fields,
             .dissect = dis_nbdgm, NMX_HANDOFFS({NMX_HO_UDP_PORT, 138}));

static bool dis_nbdgm(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_NBDGM */
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_NBDGM, off))
        return true;
    if (c.left < 10) {
        nmx__add_err(d, &nbdgm_fields[D_TYPE], off, c.left);
        return true;
    }
    uint8_t type = nmx__cur_get_u8(&c, 0);
    nmx__add(d, &nbdgm_fields[D_TYPE], off, 1);
    nmx__add(d, &nbdgm_fields[D_ID], off + 2, 2);
    nmx__add(d, &nbdgm_fields[D_SRC_IP], off + 4, 4);
    nmx__add(d, &nbdgm_fields[D_SRC_PORT], off + 8, 2);
    if (type < 0x10 || type > 0x12)
        return true;
    if (c.left < 14) {
        nmx__add_err(d, &nbdgm_fields[D_SRC_NAME], off + 10, c.left - 10);
        return true;
    }
    size_t pos = 14;
    char name[400];
    size_t used;
    if (nmx__netbios_name(c, pos, name, sizeof(name), &used) < 0) {
        nmx__add_err(d, &nbdgm_fields[D_SRC_NAME], off + pos, c.left - pos);
        return true;
    }
    nmx__add_str(d, &nbdgm_fields[D_SRC_NAME], off + pos, used, name, strlen(name));
    pos += used;
    if (nmx__netbios_name(c, pos, name, sizeof(name), &used) < 0) {
        nmx__add_err(d, &nbdgm_fields[D_DST_NAME], off + pos, c.left - pos);
        return true;
    }
    nmx__add_str(d, &nbdgm_fields[D_DST_NAME], off + pos, used, name, strlen(name));
    pos += used;
    nmx__cur_skip(&c, pos);
    if (nmx__cur_match(&c, 0, "\xFFSMB", 4))
        nmx__dis_smb(d, c);
    return true;
}
