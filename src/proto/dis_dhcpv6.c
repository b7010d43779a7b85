/*
 * dis_dhcpv6.c - DHCPv6 (RFC 8415) on UDP 546 and 547: the message header
 * and its options, with the options nested in IA_NA, IA_TA, IA_PD,
 * IAADDR and IAPREFIX and the messages relayed in Relay Message options.
 *
 *   client/server:  msg-type(1) transaction-id(3) options...
 *   relay:          msg-type(1) hop-count(1) link-address(16)
 *                   peer-address(16) options...
 *   option:         option-code(2) option-len(2) option-data(option-len)
 *
 * As tshark 4.0: an option is shown only when its header and all its data
 * lie inside what contains it (the message, or the option it is nested
 * in); one that does not ends the list, and, inside a nested list, the
 * list of the option around it too (tshark shares the flag), but not the
 * list of the message that relays it.  The values come with tshark's
 * length checks: a DUID type from 2 bytes, IA_NA/IA_PD T1 and T2 from 12,
 * IAADDR from 24, requested option codes only for an even length, the
 * elapsed time (in ms: the field times 10) only for length 2, DNS servers
 * only for a multiple of 16.  Header fields are read inside the whole
 * payload, as tshark reads them, even past a relayed message's end.
 * Nesting deeper than DHCPV6_MAX_NEST levels is not followed.
 */
#include "proto/proto_int.h"

enum { F_MSGTYPE, F_HOPCOUNT, F_XID, F_LINKADDR, F_PEERADDR, F_OPT_TYPE, F_OPT_LEN, F_DUID_TYPE, F_T1, F_T2,
       F_IAADDR, F_PREF_LT, F_VALID_LT, F_REQ_OPT, F_ELAPSED, F_STATUS, F_DNS };

static nmx_field_t dhcpv6_fields[] = {
    [F_MSGTYPE] = NMX_F_UINT("dhcpv6.msgtype", "Message type", NMX_BASE_DEC, 1, 0),
    [F_HOPCOUNT] = NMX_F_UINT("dhcpv6.hopcount", "Hopcount", NMX_BASE_DEC, 1, 0),
    [F_XID] = NMX_F_UINT("dhcpv6.xid", "Transaction ID", NMX_BASE_HEX, 3, 0),
    [F_LINKADDR] = NMX_F_IPV6("dhcpv6.linkaddr", "Link address"),
    [F_PEERADDR] = NMX_F_IPV6("dhcpv6.peeraddr", "Peer address"),
    [F_OPT_TYPE] = NMX_F_UINT("dhcpv6.option.type", "Option", NMX_BASE_DEC, 2, 0),
    [F_OPT_LEN] = NMX_F_UINT("dhcpv6.option.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_DUID_TYPE] = NMX_F_UINT("dhcpv6.duid.type", "DUID Type", NMX_BASE_DEC, 2, 0),
    [F_T1] = NMX_F_UINT("dhcpv6.iaid.t1", "T1", NMX_BASE_DEC, 4, 0),
    [F_T2] = NMX_F_UINT("dhcpv6.iaid.t2", "T2", NMX_BASE_DEC, 4, 0),
    [F_IAADDR] = NMX_F_IPV6("dhcpv6.iaaddr.ip", "IPv6 address"),
    [F_PREF_LT] = NMX_F_UINT("dhcpv6.iaaddr.pref_lifetime", "Preferred lifetime", NMX_BASE_DEC, 4, 0),
    [F_VALID_LT] = NMX_F_UINT("dhcpv6.iaaddr.valid_lifetime", "Valid lifetime", NMX_BASE_DEC, 4, 0),
    [F_REQ_OPT] = NMX_F_UINT("dhcpv6.requested_option_code", "Requested Option code", NMX_BASE_DEC, 2, 0),
    /* Wireshark shows the option's value times 10 (ms), so it can pass 65535. */
    [F_ELAPSED] = NMX_F_UINT("dhcpv6.elapsed_time", "Elapsed time", NMX_BASE_DEC, 4, 0),
    [F_STATUS] = NMX_F_UINT("dhcpv6.status_code", "Status Code", NMX_BASE_DEC, 2, 0),
    [F_DNS] = NMX_F_IPV6("dhcpv6.dns_server", "DNS server address"),
};

static nmx_dissect_fn dis_dhcpv6;

NMX_PROTOCOL(nmx__p_dhcpv6, NMX_PROTO_DHCPV6, "dhcpv6", "DHCPV6", NULL, "DHCPv6", dhcpv6_fields,
             .dissect = dis_dhcpv6, NMX_HANDOFFS({NMX_HO_UDP_PORT, 546}, {NMX_HO_UDP_PORT, 547}));

#define DHCPV6_MAX_NEST 32

/* The walk of one message: the payload, and the nesting so far. */
typedef struct d6 {
    nmx_dctx_t *d;
    nmx_cursor_t c; /* the whole payload */
    size_t off;     /* its frame offset */
    unsigned nest;
} d6_t;

static void d6_message(d6_t *w, size_t pos, size_t end);
static size_t d6_option(d6_t *w, size_t pos, size_t end, bool *at_end);

/* Field f over the n bytes at pos of the payload (nmx__add_at). */
static bool d6_add(d6_t *w, int f, size_t pos, size_t n)
{
    return nmx__add_at(w->d, &w->c, &dhcpv6_fields[f], pos, n);
}

/* The options in [pos, end), nested in an option; at_end is shared with
 * the list around it, as in tshark. */
static void d6_nested(d6_t *w, size_t pos, size_t end, bool *at_end)
{
    if (w->nest >= DHCPV6_MAX_NEST)
        return;
    w->nest++;
    while (pos < end && !*at_end)
        pos += d6_option(w, pos, end, at_end);
    w->nest--;
}

/* The values of option `type` whose data is [v, v+len). */
static void d6_values(d6_t *w, unsigned type, size_t v, size_t len, bool *at_end)
{
    switch (type) {
    case 1:  /* Client Identifier */
    case 2:  /* Server Identifier */
    case 53: /* Relay Identifier */
        if (len >= 2)
            d6_add(w, F_DUID_TYPE, v, 2);
        break;
    case 3:  /* IA_NA */
    case 25: /* IA_PD */
        if (len >= 12) {
            d6_add(w, F_T1, v + 4, 4);
            d6_add(w, F_T2, v + 8, 4);
            d6_nested(w, v + 12, v + len, at_end);
        }
        break;
    case 4: /* IA_TA */
        if (len >= 4)
            d6_nested(w, v + 4, v + len, at_end);
        break;
    case 5: /* IAADDR */
        if (len >= 24) {
            d6_add(w, F_IAADDR, v, 16);
            d6_add(w, F_PREF_LT, v + 16, 4);
            d6_add(w, F_VALID_LT, v + 20, 4);
            d6_nested(w, v + 24, v + len, at_end);
        }
        break;
    case 26: /* IAPREFIX */
        if (len >= 25)
            d6_nested(w, v + 25, v + len, at_end);
        break;
    case 6:  /* Option Request */
    case 43: /* Echo Request */
        for (size_t i = 0; len % 2 == 0 && i < len; i += 2)
            d6_add(w, F_REQ_OPT, v + i, 2);
        break;
    case 8: /* Elapsed Time */
        if (len == 2)
            nmx__add_uint(w->d, &dhcpv6_fields[F_ELAPSED], w->off + v, 2, 10u * nmx__cur_get_u16be(&w->c, v));
        break;
    case 9: /* Relay Message */
        if (len > 0 && w->nest < DHCPV6_MAX_NEST) {
            w->nest++;
            d6_message(w, v, v + len);
            w->nest--;
        }
        break;
    case 13: /* Status Code */
        if (len >= 2)
            d6_add(w, F_STATUS, v, 2);
        break;
    case 23: /* DNS Recursive Name Server */
        for (size_t i = 0; len % 16 == 0 && i < len; i += 16)
            d6_add(w, F_DNS, v + i, 16);
        break;
    default:
        break;
    }
}

/* One option at pos, inside [.., end): its length with header, or 0 with
 * *at_end set when it does not fit. */
static size_t d6_option(d6_t *w, size_t pos, size_t end, bool *at_end)
{
    uint16_t type, len;
    if (end - pos < 4 || !nmx__cur_peek_u16be(&w->c, pos, &type) || !nmx__cur_peek_u16be(&w->c, pos + 2, &len) ||
        end - pos < 4u + len) {
        *at_end = true;
        return 0;
    }
    d6_add(w, F_OPT_TYPE, pos, 2);
    d6_add(w, F_OPT_LEN, pos + 2, 2);
    d6_values(w, type, pos + 4, len, at_end);
    return 4u + len;
}

/* A message at pos (its first byte is there), its options up to end. */
static void d6_message(d6_t *w, size_t pos, size_t end)
{
    unsigned type = nmx__cur_get_u8(&w->c, pos);
    d6_add(w, F_MSGTYPE, pos, 1);
    if (type == 12 || type == 13) { /* RELAY-FORW, RELAY-REPL */
        if (!d6_add(w, F_HOPCOUNT, pos + 1, 1) || !d6_add(w, F_LINKADDR, pos + 2, 16) ||
            !d6_add(w, F_PEERADDR, pos + 18, 16))
            return;
        pos += 34;
    } else {
        if (!d6_add(w, F_XID, pos + 1, 3))
            return;
        pos += 4;
    }
    bool at_end = false;
    while (!at_end && pos <= end)
        pos += d6_option(w, pos, end, &at_end);
}

static bool dis_dhcpv6(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off) || !d->ws || c.left == 0)
        return true;
    d6_t w = {.d = d, .c = c, .off = off, .nest = 0};
    d6_message(&w, 0, c.left);
    return true;
}
