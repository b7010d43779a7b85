/*
 * dis_fddi.c - FDDI MAC header (ANSI X3.139), followed by 802.2 LLC.
 *
 *   +----+----------------+----------------+-----
 *   | FC | destination(6) | source (6)     | LLC ...
 *   +----+----------------+----------------+-----
 *
 * pcap's DLT_FDDI frames hold the addresses with the bits of each byte
 * reversed; like Wireshark we show them in canonical (Ethernet) order, and
 * like it we list each address twice (the field and its resolved copy).
 */
#include "proto/proto_int.h"

enum { F_FC, F_DST, F_SRC };

static nmx_field_t fddi_fields[] = {
    [F_FC] = NMX_F_UINT("fddi.fc", "Frame Control", NMX_BASE_HEX, 1, 0),
    [F_DST] = NMX_F_ETHER("fddi.dst", "Destination"),
    [F_SRC] = NMX_F_ETHER("fddi.src", "Source"),
};

NMX_PROTOCOL(nmx__p_fddi, NMX_PROTO_FDDI, "fddi", "FDDI", NULL, "Fiber Distributed Data Interface", fddi_fields);

static uint8_t bitrev(uint8_t b)
{
    b = (uint8_t)((b & 0xF0) >> 4 | (b & 0x0F) << 4);
    b = (uint8_t)((b & 0xCC) >> 2 | (b & 0x33) << 2);
    b = (uint8_t)((b & 0xAA) >> 1 | (b & 0x55) << 1);
    return b;
}

static void add_addr(nmx_dctx_t *d, const nmx_field_t *f, const nmx_cursor_t *c, size_t at)
{
    uint8_t a[6];
    if (!nmx__cur_peek_copy(c, at, a, 6))
        return;
    for (int i = 0; i < 6; i++)
        a[i] = bitrev(a[i]);
    nmx__add_str(d, f, nmx__off(c) + at, 6, a, 6);
    nmx__add_str(d, f, nmx__off(c) + at, 6, a, 6);
}

void nmx__dis_fddi(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_FDDI, off))
        return;
    if (c.left < 13) {
        nmx__add_err(d, &fddi_fields[F_FC], off, c.left);
        return;
    }
    nmx__add(d, &fddi_fields[F_FC], off, 1);
    if (d->ws) {
        add_addr(d, &fddi_fields[F_DST], &c, 1);
        add_addr(d, &fddi_fields[F_SRC], &c, 7);
    }
    uint8_t fc = nmx__cur_get_u8(&c, 0);
    nmx__cur_skip(&c, 13);
    if ((fc & 0x30) == 0x10) /* LLC frame */
        nmx__dis_llc(d, c);
}
