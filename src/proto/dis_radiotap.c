/*
 * dis_radiotap.c - the radiotap header in front of 802.11 frames
 * (radiotap.org): version, pad, length, presence bitmaps and aligned fields.
 *
 *   +-----+-----+-----------+---------------+-----------------
 *   | ver | pad | length LE | present LE ...| fields (aligned)
 *   +-----+-----+-----------+---------------+-----------------
 *
 * Only the Flags field is read, to learn whether an FCS trails the frame.
 */
#include "proto/proto_int.h"

enum { R_VERSION, R_PAD, R_LENGTH };

static nmx_field_t radiotap_fields[] = {
    [R_VERSION] = NMX_F_UINT("radiotap.version", "Header revision", NMX_BASE_DEC, 1, 0),
    [R_PAD] = NMX_F_UINT("radiotap.pad", "Header pad", NMX_BASE_DEC, 1, 0),
    [R_LENGTH] = NMX_F_UINT_LE("radiotap.length", "Header length", NMX_BASE_DEC, 2, 0),
};

NMX_PROTOCOL(nmx__p_radiotap, NMX_PROTO_RADIOTAP, "radiotap", "RADIOTAP", NULL, "IEEE 802.11 Radiotap Capture header", radiotap_fields);

void nmx__dis_radiotap(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_RADIOTAP, off))
        return;
    if (c.left < 8) {
        nmx__add_err(d, &radiotap_fields[R_LENGTH], off, c.left);
        return;
    }
    uint16_t len = nmx__cur_get_u16le(&c, 2);
    nmx__add(d, &radiotap_fields[R_VERSION], off, 1);
    nmx__add(d, &radiotap_fields[R_PAD], off + 1, 1);
    nmx__add(d, &radiotap_fields[R_LENGTH], off + 2, 2);
    if (len < 8 || len > c.left) {
        nmx__add_err(d, &radiotap_fields[R_LENGTH], off + 2, 2);
        return;
    }
    /* Find the Flags field (bit 1) to learn whether an FCS trails the frame. */
    uint32_t present = nmx__cur_get_u32le(&c, 4);
    size_t pos = 8;
    uint32_t word = present;
    while ((word & 0x80000000u) && pos + 4 <= len) {
        word = nmx__cur_get_u32le(&c, pos);
        pos += 4;
    }
    bool fcs = false;
    if (present & 1)
        pos = ((pos + 7) & ~(size_t)7) + 8; /* TSFT, 8-aligned */
    if ((present & 2) && pos < len)
        fcs = (nmx__cur_get_u8(&c, pos) & 0x10) != 0;
    nmx__cur_skip(&c, len);
    if (fcs) {
        if (c.left < 4)
            return;
        c = nmx__cur_head(c, c.left - 4);
    }
    nmx__dis_wlan(d, c);
}
