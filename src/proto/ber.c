/*
 * ber.c - reading BER (X.690) element headers from a cursor, shared by
 * the ASN.1 protocols (SNMP, Kerberos): identifier, length and where the
 * contents are.  Every read goes through the checked cursor accessors.
 */
#include "proto/proto_int.h"

bool nmx__ber_ident(const nmx_cursor_t *c, size_t pos, nmx_ber_t *e, size_t *next)
{
    uint8_t b;
    if (!nmx__cur_peek_u8(c, pos, &b))
        return false;
    e->start = pos;
    e->cls = b >> 6;
    e->constructed = (b & 0x20) != 0;
    e->tag = b & 0x1f;
    pos++;
    if (e->tag == 0x1f) {
        e->tag = 0;
        do {
            if (!nmx__cur_peek_u8(c, pos++, &b) || e->tag > 0xffffff)
                return false;
            e->tag = e->tag << 7 | (b & 0x7f);
        } while (b & 0x80);
    }
    *next = pos;
    return true;
}

bool nmx__ber_len(const nmx_cursor_t *c, size_t pos, nmx_ber_t *e)
{
    uint8_t b;
    if (!nmx__cur_peek_u8(c, pos++, &b))
        return false;
    e->indefinite = b == 0x80;
    e->len = b & 0x7f;
    if (b & 0x80) {
        unsigned n = b & 0x7f;
        if (n > 4)
            return false;
        e->len = 0;
        for (unsigned i = 0; i < n; i++) {
            if (!nmx__cur_peek_u8(c, pos++, &b))
                return false;
            e->len = e->len << 8 | b;
        }
    }
    e->val = pos;
    return true;
}

bool nmx__ber_elem(const nmx_cursor_t *c, size_t pos, size_t end, nmx_ber_t *e)
{
    size_t next;
    return nmx__ber_ident(c, pos, e, &next) && nmx__ber_len(c, next, e) && !e->indefinite && e->val <= end &&
           e->len <= end - e->val;
}

bool nmx__ber_elem_cut(const nmx_cursor_t *c, size_t pos, size_t end, nmx_ber_t *e)
{
    size_t next;
    if (pos >= end || !nmx__ber_ident(c, pos, e, &next) || !nmx__ber_len(c, next, e) || e->indefinite ||
        e->val > end || (e->len > end - e->val && !e->constructed))
        return false;
    if (e->len > end - e->val)
        e->len = end - e->val;
    return true;
}
