/*
 * dis_wlan.c - IEEE 802.11 MAC headers: frame control, addresses, sequence
 * (IEEE 802.11-2020 clause 9.2).
 *
 *   +------+----------+--------+--------+--------+-----+--------+-----+----
 *   | FC(2)| dur (2)  | addr1  | addr2  | addr3  | seq | addr4? | QoS?| HT?
 *   +------+----------+--------+--------+--------+-----+--------+-----+----
 *
 * DA, SA and BSSID are read from addr1-4 by the To DS / From DS bits.
 * Protected (encrypted) frames stop at the MAC header; unprotected data
 * frames continue with 802.2 LLC.  Control frames carry no DA/SA.
 */
#include "proto/proto_int.h"

enum { W_FC_TS, W_FC_TYPE, W_FC_SUBTYPE, W_FC_TODS, W_FC_FROMDS, W_FC_RETRY, W_FC_PROT, W_DUR,
       W_DA, W_SA, W_BSSID, W_SEQ, W_FRAG };

static nmx_field_t wlan_fields[] = {
    [W_FC_TS] = NMX_F_UINT("wlan.fc.type_subtype", "Type/Subtype", NMX_BASE_HEX, 2, 0),
    [W_FC_TYPE] = NMX_F_UINT("wlan.fc.type", "Type", NMX_BASE_DEC, 1, 0x0C),
    [W_FC_SUBTYPE] = NMX_F_UINT("wlan.fc.subtype", "Subtype", NMX_BASE_DEC, 1, 0xF0),
    [W_FC_TODS] = NMX_F_BOOL("wlan.fc.tods", "To DS", 1, 0x01),
    [W_FC_FROMDS] = NMX_F_BOOL("wlan.fc.fromds", "From DS", 1, 0x02),
    [W_FC_RETRY] = NMX_F_BOOL("wlan.fc.retry", "Retry", 1, 0x08),
    [W_FC_PROT] = NMX_F_BOOL("wlan.fc.protected", "Protected flag", 1, 0x40),
    [W_DUR] = NMX_F_UINT_LE("wlan.duration", "Duration", NMX_BASE_DEC, 2, 0x7FFF),
    [W_DA] = NMX_F_ETHER("wlan.da", "Destination address"),
    [W_SA] = NMX_F_ETHER("wlan.sa", "Source address"),
    [W_BSSID] = NMX_F_ETHER("wlan.bssid", "BSS Id"),
    [W_SEQ] = NMX_F_UINT_LE("wlan.seq", "Sequence number", NMX_BASE_DEC, 2, 0xFFF0),
    [W_FRAG] = NMX_F_UINT_LE("wlan.frag", "Fragment number", NMX_BASE_DEC, 2, 0x000F),
};

NMX_PROTOCOL(nmx__p_wlan, NMX_PROTO_WLAN, "wlan", "802.11", "WLAN", "IEEE 802.11 wireless LAN", wlan_fields);

static void set_mac(nmx_dctx_t *d, size_t src, size_t dst)
{
    if (!d->addrs->mac.present) {
        d->addrs->mac.present = 1;
        d->addrs->mac.src = (uint16_t)src;
        d->addrs->mac.dst = (uint16_t)dst;
    }
}

void nmx__dis_wlan(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_WLAN, off))
        return;
    if (c.left < 10) {
        nmx__add_err(d, &wlan_fields[W_FC_TS], off, c.left);
        return;
    }
    uint8_t fc0 = nmx__cur_get_u8(&c, 0), fc1 = nmx__cur_get_u8(&c, 1);
    unsigned type = (fc0 >> 2) & 3, subtype = fc0 >> 4;
    nmx__add_uint(d, &wlan_fields[W_FC_TS], off, 2, (uint64_t)(type << 4 | subtype));
    nmx__add(d, &wlan_fields[W_FC_TYPE], off, 1);
    nmx__add(d, &wlan_fields[W_FC_SUBTYPE], off, 1);
    nmx__add(d, &wlan_fields[W_FC_TODS], off + 1, 1);
    nmx__add(d, &wlan_fields[W_FC_FROMDS], off + 1, 1);
    nmx__add(d, &wlan_fields[W_FC_RETRY], off + 1, 1);
    nmx__add(d, &wlan_fields[W_FC_PROT], off + 1, 1);
    nmx__add(d, &wlan_fields[W_DUR], off + 2, 2);
    if (type == 1 || type == 3)
        return; /* control frames carry only RA/TA; extension frames skipped */
    if (c.left < 24) {
        nmx__add_err(d, &wlan_fields[W_SEQ], off + 4, c.left - 4);
        return;
    }
    size_t a1 = off + 4, a2 = off + 10, a3 = off + 16, a4 = off + 24;
    bool tods = fc1 & 1, fromds = fc1 & 2;
    size_t hlen = 24;
    if (type == 2 && tods && fromds)
        hlen += 6;
    if (type == 2 && (subtype & 8))
        hlen += 2; /* QoS control */
    if ((fc1 & 0x80) && ((type == 2 && (subtype & 8)) || type == 0))
        hlen += 4; /* HT control */
    size_t da = a1, sa = a2, bssid = a3;
    if (type == 2) {
        if (tods && !fromds) {
            bssid = a1;
            da = a3;
        } else if (!tods && fromds) {
            bssid = a2;
            sa = a3;
        } else if (tods && fromds) {
            da = a3;
            sa = a4;
            bssid = 0;
        }
    }
    if (sa + 6 > off + c.left || da + 6 > off + c.left) {
        nmx__add_err(d, &wlan_fields[W_SA], off + 24, c.left - 24);
        return;
    }
    set_mac(d, sa, da);
    nmx__add(d, &wlan_fields[W_DA], da, 6);
    nmx__add(d, &wlan_fields[W_SA], sa, 6);
    if (bssid)
        nmx__add(d, &wlan_fields[W_BSSID], bssid, 6);
    nmx__add(d, &wlan_fields[W_FRAG], off + 22, 2);
    nmx__add(d, &wlan_fields[W_SEQ], off + 22, 2);
    if (type != 2 || (fc1 & 0x40) || (subtype & 4))
        return; /* management, protected, or a null-data frame */
    if (!nmx__cur_skip(&c, hlen))
        return;
    if (c.left)
        nmx__dis_llc(d, c);
}
