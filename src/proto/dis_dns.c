/*
 * dis_dns.c - Domain Name System messages (RFC 1035, 3596), used for DNS
 * (port 53, UDP and TCP), multicast DNS (RFC 6762, port 5353) and LLMNR
 * (RFC 4795, port 5355).  All three use the dns.* fields, as in Wireshark.
 *
 *   +----+-------+---------+---------+--------+--------+
 *   | ID | flags | QDCOUNT | ANCOUNT | NSCOUNT| ARCOUNT|   then questions,
 *   +----+-------+---------+---------+--------+--------+   answers, ...
 *
 * Names may be compressed (RFC 1035 4.1.4).  Pointers are followed as
 * tshark 4.0 follows them: it counts the bytes read for the name (labels and
 * pointers), and a pointer met once that count reaches the message's length
 * makes the name "<Name contains a pointer that loops>" (not an error: the
 * type and class that follow are still read).  So every loop ends.  A name is
 * shown as tshark shows it: labels joined by dots, "<Root>" for the root,
 * text escaped like Wireshark's format_text.  A UDP payload of fewer than 4
 * bytes is not DNS (tshark's dissector fails before adding its tree, so
 * io,phs does not count it).  Over TCP each message has a 2-byte
 * length prefix and a segment may hold several messages; a message with
 * fewer than 4 bytes there (its length, or what the segment holds of it) is
 * not shown, length included, as tshark 4.0 fails on it before adding its
 * item (the segment is dns in frame.protocols, not in io,phs, when no
 * message is shown).
 */
#include <string.h>

#include "proto/proto_int.h"

#define NMX_DNS_MAX_NAME 1024
#define NMX_DNS_LOOP_TEXT "<Name contains a pointer that loops>"

enum { F_LENGTH, F_ID, F_FLAGS, F_RESPONSE, F_OPCODE, F_RCODE, F_QDCOUNT, F_ANCOUNT, F_NSCOUNT,
       F_ARCOUNT, F_QRY_NAME, F_QRY_TYPE, F_RESP_NAME, F_RESP_TYPE, F_RESP_TTL, F_RESP_LEN, F_A,
       F_AAAA, F_CNAME, F_PTR };

static nmx_field_t dns_fields[] = {
    [F_LENGTH] = NMX_F_UINT("dns.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_ID] = NMX_F_UINT("dns.id", "Transaction ID", NMX_BASE_HEX, 2, 0),
    [F_FLAGS] = NMX_F_UINT("dns.flags", "Flags", NMX_BASE_HEX, 2, 0),
    [F_RESPONSE] = NMX_F_BOOL("dns.flags.response", "Response", 2, 0x8000),
    [F_OPCODE] = NMX_F_UINT("dns.flags.opcode", "Opcode", NMX_BASE_DEC, 2, 0x7800),
    [F_RCODE] = NMX_F_UINT("dns.flags.rcode", "Reply code", NMX_BASE_DEC, 2, 0x000F),
    [F_QDCOUNT] = NMX_F_UINT("dns.count.queries", "Questions", NMX_BASE_DEC, 2, 0),
    [F_ANCOUNT] = NMX_F_UINT("dns.count.answers", "Answer RRs", NMX_BASE_DEC, 2, 0),
    [F_NSCOUNT] = NMX_F_UINT("dns.count.auth_rr", "Authority RRs", NMX_BASE_DEC, 2, 0),
    [F_ARCOUNT] = NMX_F_UINT("dns.count.add_rr", "Additional RRs", NMX_BASE_DEC, 2, 0),
    [F_QRY_NAME] = NMX_F_STRING("dns.qry.name", "Name"),
    [F_QRY_TYPE] = NMX_F_UINT("dns.qry.type", "Type", NMX_BASE_DEC, 2, 0),
    [F_RESP_NAME] = NMX_F_STRING("dns.resp.name", "Name"),
    [F_RESP_TYPE] = NMX_F_UINT("dns.resp.type", "Type", NMX_BASE_DEC, 2, 0),
    [F_RESP_TTL] = NMX_F_UINT("dns.resp.ttl", "Time to live", NMX_BASE_DEC, 4, 0),
    [F_RESP_LEN] = NMX_F_UINT("dns.resp.len", "Data length", NMX_BASE_DEC, 2, 0),
    [F_A] = NMX_F_IPV4("dns.a", "Address"),
    [F_AAAA] = NMX_F_IPV6("dns.aaaa", "AAAA Address"),
    [F_CNAME] = NMX_F_STRING("dns.cname", "CNAME"),
    [F_PTR] = NMX_F_STRING("dns.ptr.domain_name", "Domain Name"),
};

static nmx_dissect_fn dns_handoff;

NMX_PROTOCOL(nmx__p_dns, NMX_PROTO_DNS, "dns", "DNS", NULL, "Domain Name System", dns_fields,
             .dissect = dns_handoff,
             NMX_HANDOFFS({NMX_HO_UDP_PORT, 53}, {NMX_HO_TCP_PORT, 53}, {NMX_HO_TCP_PORT, 5353},
                          {NMX_HO_UDP_HEUR, 10}));
NMX_PROTOCOL_NOFIELDS(nmx__p_mdns, NMX_PROTO_MDNS, "mdns", "MDNS", NULL, "Multicast Domain Name System",
                      .dissect = dns_handoff, NMX_HANDOFFS({NMX_HO_UDP_PORT, 5353}));
NMX_PROTOCOL_NOFIELDS(nmx__p_llmnr, NMX_PROTO_LLMNR, "llmnr", "LLMNR", NULL, "Link-local Multicast Name Resolution",
                      .dissect = dns_handoff, NMX_HANDOFFS({NMX_HO_UDP_PORT, 5355}));

static void copy_text(char *out, size_t outlen, const char *text)
{
    size_t n = strlen(text);
    if (outlen > n) {
        memcpy(out, text, n + 1);
    } else if (outlen) {
        out[0] = '\0';
    }
}

/*
 * Decodes the name at msg offset `at` into out (display form).  Returns the
 * bytes the name occupies at `at` (up to its first pointer), or 0 when the
 * name is malformed or truncated.  A name that loops is not malformed: out
 * gets tshark's text for it.
 */
static size_t dns_name(const nmx_cursor_t *msg, size_t at, char *out, size_t outlen)
{
    size_t mlen = msg->left;
    uint8_t raw[NMX_DNS_MAX_NAME];
    size_t rlen = 0;
    size_t used = 0;
    size_t pos = at;
    size_t read = 0; /* bytes of labels and pointers read, as tshark counts them */
    bool jumped = false;
    for (;;) {
        uint8_t l, l2;
        if (!nmx__cur_peek_u8(msg, pos, &l))
            return 0;
        if ((l & 0xC0) == 0xC0) {
            if (!nmx__cur_peek_u8(msg, pos + 1, &l2))
                return 0;
            size_t ptr = ((size_t)(l & 0x3F) << 8) | l2;
            if (!jumped)
                used = pos + 2 - at;
            jumped = true;
            read += 2;
            if (read >= mlen) {
                copy_text(out, outlen, NMX_DNS_LOOP_TEXT);
                return used;
            }
            if (ptr >= mlen)
                return 0;
            pos = ptr;
            continue;
        }
        if ((l & 0xC0) != 0)
            return 0; /* extended label types: not supported */
        if (l == 0) {
            if (!jumped)
                used = pos + 1 - at;
            break;
        }
        if (!nmx__cur_in(msg, pos + 1, l))
            return 0;
        if (rlen && rlen < sizeof(raw))
            raw[rlen++] = '.';
        size_t take = l < sizeof(raw) - rlen ? l : sizeof(raw) - rlen;
        nmx__cur_peek_copy(msg, pos + 1, raw + rlen, take);
        rlen += take;
        pos += 1 + l;
        read += 1 + l;
    }
    if (rlen == 0) {
        copy_text(out, outlen, "<Root>");
        return used;
    }
    nmx__format_text(raw, rlen, out, outlen);
    return used;
}

bool nmx__dns_heur(nmx_cursor_t c)
{
    if (c.left <= 12)
        return false;
    uint16_t flags = nmx__cur_get_u16be(&c, 2);
    if ((flags & 0x7800) != 0 || (flags & 0x0040) != 0)
        return false; /* standard queries only; Z bit clear */
    if (nmx__cur_get_u16be(&c, 4) != 1)
        return false;
    for (size_t i = 6; i < 12; i += 2)
        if (nmx__cur_get_u16be(&c, i) > 64)
            return false;
    char name[NMX_DNS_MAX_NAME * 4 + 16];
    size_t used = dns_name(&c, 12, name, sizeof(name));
    uint16_t cls;
    if (used == 0 || !nmx__cur_peek_u16be(&c, 12 + used + 2, &cls))
        return false;
    cls &= 0x7FFF;
    return cls == 1 || cls == 3 || cls == 255;
}

/* Dissects one DNS message (msg = its bytes; `base` its frame offset). */
static void dns_message(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    size_t mlen = c.left;
    /* Header fields one by one, as far as they are there. */
    if (mlen >= 2)
        nmx__add(d, &dns_fields[F_ID], off, 2);
    if (mlen >= 4) {
        nmx__add(d, &dns_fields[F_FLAGS], off + 2, 2);
        nmx__add(d, &dns_fields[F_RESPONSE], off + 2, 2);
        nmx__add(d, &dns_fields[F_OPCODE], off + 2, 2);
        if (nmx__cur_get_u8(&c, 2) & 0x80)
            nmx__add(d, &dns_fields[F_RCODE], off + 2, 2);
    }
    for (size_t i = 0; i < 4 && 6 + 2 * i <= mlen; i++)
        nmx__add(d, &dns_fields[F_QDCOUNT + i], off + 4 + 2 * i, 2);
    if (mlen < 12) {
        nmx__add_err(d, &dns_fields[F_ID], off, mlen);
        return;
    }
    if (!d->ws)
        return; /* nothing below the header matters for recognition */
    unsigned qd = nmx__cur_get_u16be(&c, 4);
    /* Answers, authority and additional records all use the dns.resp.* fields. */
    unsigned an = (unsigned)nmx__cur_get_u16be(&c, 6) + nmx__cur_get_u16be(&c, 8) +
                  nmx__cur_get_u16be(&c, 10);
    size_t pos = 12;
    char name[NMX_DNS_MAX_NAME * 4 + 16];
    for (unsigned q = 0; q < qd; q++) {
        size_t used = dns_name(&c, pos, name, sizeof(name));
        if (used == 0 || pos + used + 4 > mlen) {
            nmx__add_err(d, &dns_fields[F_QRY_NAME], off + pos, mlen > pos ? mlen - pos : 0);
            return;
        }
        nmx__add_str(d, &dns_fields[F_QRY_NAME], off + pos, used, name, strlen(name));
        pos += used;
        nmx__add(d, &dns_fields[F_QRY_TYPE], off + pos, 2);
        pos += 4;
    }
    for (unsigned a = 0; a < an; a++) {
        size_t used = dns_name(&c, pos, name, sizeof(name));
        if (used == 0 || pos + used + 10 > mlen) {
            nmx__add_err(d, &dns_fields[F_RESP_NAME], off + pos, mlen > pos ? mlen - pos : 0);
            return;
        }
        unsigned type = nmx__cur_get_u16be(&c, pos + used);
        unsigned rdl = nmx__cur_get_u16be(&c, pos + used + 8);
        if (pos + used + 10 + rdl > mlen) {
            /* tshark reads a whole record before showing any of it */
            nmx__add_err(d, &dns_fields[F_RESP_NAME], off + pos, mlen - pos);
            return;
        }
        if (type != 33) /* SRV names are split into service, proto and name instead */
            nmx__add_str(d, &dns_fields[F_RESP_NAME], off + pos, used, name, strlen(name));
        pos += used;
        unsigned rdlen = nmx__cur_get_u16be(&c, pos + 8);
        nmx__add(d, &dns_fields[F_RESP_TYPE], off + pos, 2);
        if (type != 41) /* an OPT record's TTL field holds EDNS flags */
            nmx__add(d, &dns_fields[F_RESP_TTL], off + pos + 4, 4);
        nmx__add(d, &dns_fields[F_RESP_LEN], off + pos + 8, 2);
        pos += 10;
        if (pos + rdlen > mlen) {
            nmx__add_err(d, &dns_fields[F_RESP_LEN], off + pos - 2, 2);
            return;
        }
        if (type == 1 && rdlen == 4) {
            nmx__add(d, &dns_fields[F_A], off + pos, 4);
        } else if (type == 28 && rdlen == 16) {
            nmx__add(d, &dns_fields[F_AAAA], off + pos, 16);
        } else if (type == 5 || type == 12) {
            if (dns_name(&c, pos, name, sizeof(name)))
                nmx__add_str(d, &dns_fields[type == 5 ? F_CNAME : F_PTR], off + pos, rdlen, name,
                             strlen(name));
            else
                nmx__add_err(d, &dns_fields[type == 5 ? F_CNAME : F_PTR], off + pos, rdlen);
        }
        pos += rdlen;
    }
}

void nmx__dis_dns(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto, bool tcp)
{
    size_t off = nmx__off(&c);
    if (!tcp) {
        if (c.left < 4 || !nmx__push_layer(d, proto, off))
            return; /* not even an ID and flags: not DNS for tshark's io,phs */
        dns_message(d, c);
        return;
    }
    uint16_t len;
    bool layer = false;
    while (c.left >= 2) {
        size_t at = nmx__off(&c);
        if (!nmx__cur_u16be(&c, &len))
            break;
        nmx_cursor_t m = nmx__cur_head(c, len);
        if (m.left >= 4) { /* tshark adds its item once the ID and flags are read */
            if (!layer && !(layer = nmx__push_layer(d, proto, at)))
                return;
            nmx__add(d, &dns_fields[F_LENGTH], at, 2);
            dns_message(d, m);
        }
        if (!nmx__cur_skip(&c, len))
            break;
    }
}

/* A hand-off to DNS, mDNS or LLMNR (proto); the UDP heuristic takes only a
 * payload that is a DNS message. */
static bool dns_handoff(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (d->ho_table == NMX_HO_UDP_HEUR && !nmx__dns_heur(c))
        return false;
    nmx__dis_dns(d, c, proto, d->ho_table == NMX_HO_TCP_PORT);
    return true;
}
