/*
 * render.c - decoding a PROPERTYINST back into a value, and printing values
 * exactly as `tshark -T fields` prints them (Wireshark 4.0 rules):
 *
 *   unsigned, BASE_DEC / BASE_DEC_HEX    decimal
 *   unsigned, BASE_HEX / BASE_HEX_DEC    "0x" + 2, 4, 6, 8 or 16 digits by the
 *                                        field's container width (not its mask)
 *   signed                               decimal
 *   boolean                              1 or 0
 *   Ethernet                             00:11:22:33:44:55
 *   IPv4 / IPv6                          dotted quad / RFC 5952
 *   string                               the text, UTF-8 with invalid bytes
 *                                        replaced (see nmx__format_text)
 *   bytes                                lower-case hex, no separator
 *   absolute time                        "Jan  1, 2010 00:00:29.651780000 UTC"
 *                                        (always UTC: tshark run with TZ=UTC);
 *                                        an NTP timestamp of zero is "NULL"
 *   relative time                        seconds: "0.000268000", "-1.500000000"
 *                                        (frame.time_epoch: "1262304029.651780000")
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/strutil.h"
#include "proto/proto_int.h"

/* ENC_ASCII text as tshark shows it: up to the first NUL, each byte over
 * 0x7F as U+FFFD, a backslash as it is, the rest escaped as
 * nmx__format_text escapes it. */
static size_t ascii_text(const uint8_t *s, size_t n, char *out, size_t outlen)
{
    size_t need = 0;
    for (size_t i = 0; i < n && s[i] != 0; i++) {
        char tmp[8];
        size_t k = s[i] >= 0x80   ? (memcpy(tmp, "\xEF\xBF\xBD", 4), 3)
                   : s[i] == '\\' ? (tmp[0] = '\\', 1)
                                   : nmx__format_text(s + i, 1, tmp, sizeof tmp);
        for (size_t j = 0; j < k; j++, need++)
            if (need + 1 < outlen)
                out[need] = tmp[j];
    }
    if (outlen > 0)
        out[need < outlen ? need : outlen - 1] = '\0';
    return need;
}

/* ENC_UTF_8 text of an item as tshark shows it: nmx__format_text's
 * escapes, but a backslash as it is. */
static size_t utf8_text(const uint8_t *s, size_t n, char *out, size_t outlen)
{
    size_t need = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] != '\\')
            j++;
        char *o = need < outlen ? out + need : NULL;
        need += nmx__format_text(s + i, j - i, o, o ? outlen - need : 0);
        if (j < n) {
            if (need + 1 < outlen)
                out[need] = '\\';
            need++;
            j++;
        }
        i = j;
    }
    if (outlen > 0)
        out[need < outlen ? need : outlen - 1] = '\0';
    return need;
}

/* A derived number, stored in host order with the width of its DataType
 * (1, 2, 4 or 8 bytes), in *v; false for any other width. */
static bool load_host_uint(const uint8_t *bytes, size_t len, uint64_t *v)
{
    switch (len) {
    case 1:
        *v = bytes[0];
        return true;
    case 2: {
        uint16_t s;
        memcpy(&s, bytes, 2);
        *v = s;
        return true;
    }
    case 4: {
        uint32_t x;
        memcpy(&x, bytes, 4);
        *v = x;
        return true;
    }
    case 8:
        memcpy(v, bytes, 8);
        return true;
    default:
        return false;
    }
}

/* The value of number (or boolean, or time) field f from its `len` bytes: a
 * derived one when ex, else frame bytes in the field's byte order under its
 * mask; false when they make no value of f's type. */
static bool number_value(const nmx_field_t *f, const uint8_t *bytes, size_t len, bool ex, nmx_value_t *out)
{
    uint64_t v;
    if (ex) {
        if (!load_host_uint(bytes, len, &v))
            return false;
    } else {
        if (len == 0)
            return false;
        v = nmx__load_uint(bytes, len, f->flags & NMX_FF_LE);
        if (f->mask && f->ftype != NMX_FT_BOOL)
            v = (v & f->mask) >> __builtin_ctzll(f->mask);
    }
    if (f->ftype == NMX_FT_BOOL) {
        out->u = (!ex && f->mask) ? ((v & f->mask) != 0) : (v != 0);
    } else if (f->ftype == NMX_FT_ABSTIME || f->ftype == NMX_FT_RELTIME) {
        if (!ex || len != 8)
            return false;
        out->i = (int64_t)v;
        out->u = v;
    } else if (f->ftype == NMX_FT_INT) {
        unsigned bits = (unsigned)(ex ? len : (len > 8 ? 8 : len)) * 8;
        if (bits < 64 && (v >> (bits - 1)) & 1)
            v |= ~0ULL << bits;
        out->i = (int64_t)v;
        out->u = v;
    } else {
        out->u = v;
    }
    out->bytes = bytes;
    out->len = len;
    return true;
}

bool nmx__prop_value(const PROPERTYINST *pi, nmx_value_t *out)
{
    if (!pi || !out)
        return false;
    const nmx_field_t *f = nmx__field_from_info(pi->lpPropertyInfo);
    if (!f)
        return false;
    memset(out, 0, sizeof(*out));
    out->type = (enum nmx_ftype)f->ftype;
    if (pi->IFlags & IFLAG_ERROR)
        return false; /* marks malformed data; it has no value */
    const uint8_t *bytes;
    size_t len;
    bool ex = pi->DataLength == PROPERTYINST_EX_LENGTH;
    if (ex) {
        if (!pi->lpPropertyInstEx)
            return false;
        bytes = pi->lpPropertyInstEx->Byte;
        len = pi->lpPropertyInstEx->LengthEx;
    } else {
        bytes = pi->lpByte;
        len = pi->DataLength;
        if (!bytes && len)
            return false;
    }
    switch (f->ftype) {
    case NMX_FT_UINT:
    case NMX_FT_INT:
    case NMX_FT_BOOL:
    case NMX_FT_ABSTIME:
    case NMX_FT_RELTIME:
        return number_value(f, bytes, len, ex, out);
    case NMX_FT_ETHER:
        if (len != 6)
            return false;
        break;
    case NMX_FT_IPV4:
        if (len != 4)
            return false;
        break;
    case NMX_FT_IPV6:
        if (len != 16)
            return false;
        break;
    default:
        break;
    }
    out->bytes = bytes;
    out->len = len;
    return true;
}

void nmx__format_time(int64_t ns, int style, char *buf, size_t len)
{
    if (style != 2) {
        /* Seconds with nine decimals; the sign is printed once. */
        bool neg = ns < 0;
        uint64_t a = neg ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
        snprintf(buf, len, "%s%llu.%09llu", neg ? "-" : "", (unsigned long long)(a / 1000000000u),
                 (unsigned long long)(a % 1000000000u));
        return;
    }
    /* Floor division: a time before 1970 keeps a positive fraction. */
    int64_t sec = ns / 1000000000;
    int64_t frac = ns % 1000000000;
    if (frac < 0) {
        sec -= 1;
        frac += 1000000000;
    }
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)sec;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "Not representable");
        return;
    }
    snprintf(buf, len, "%s %2d, %d %02d:%02d:%02d.%09lld UTC", mon[tm.tm_mon % 12], tm.tm_mday,
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
}

/* Appends to a bounded buffer, counting what would have been written. */
typedef struct sbuf {
    char *p;
    size_t cap;
    size_t n;
} sbuf_t;

static void sb_putc(sbuf_t *b, char ch)
{
    if (b->n + 1 < b->cap)
        b->p[b->n] = ch;
    b->n++;
}

static void sb_puts(sbuf_t *b, const char *s)
{
    while (*s)
        sb_putc(b, *s++);
}

static void sb_end(sbuf_t *b)
{
    if (b->cap)
        b->p[b->n < b->cap ? b->n : b->cap - 1] = '\0';
}

/* Length of a valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

size_t nmx__format_text(const uint8_t *s, size_t n, char *out, size_t outlen)
{
    sbuf_t b = {out, outlen, 0};
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x7F) {
            if (c == '\\')
                sb_puts(&b, "\\\\");
            else
                sb_putc(&b, (char)c);
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_seq(s + i, n - i);
            if (k == 0) {
                sb_puts(&b, "\xEF\xBF\xBD"); /* U+FFFD */
                i++;
            } else {
                for (size_t j = 0; j < k; j++)
                    sb_putc(&b, (char)s[i + j]);
                i += k;
            }
            continue;
        }
        switch (c) {
        case '\a':
            sb_puts(&b, "\\a");
            break;
        case '\b':
            sb_puts(&b, "\\b");
            break;
        case '\f':
            sb_puts(&b, "\\f");
            break;
        case '\n':
            sb_puts(&b, "\\n");
            break;
        case '\r':
            sb_puts(&b, "\\r");
            break;
        case '\t':
            sb_puts(&b, "\\t");
            break;
        case '\v':
            sb_puts(&b, "\\v");
            break;
        default: {
            char oct[5];
            snprintf(oct, sizeof(oct), "\\%03o", c);
            sb_puts(&b, oct);
            break;
        }
        }
        i++;
    }
    sb_end(&b);
    return b.n;
}

static unsigned hex_digits(const nmx_field_t *f)
{
    switch (f->width) {
    case 1:
        return 2;
    case 2:
        return 4;
    case 3:
        return 6;
    case 4:
        return 8;
    default:
        return 16;
    }
}

size_t nmx__value_render(const nmx_field_t *f, const nmx_value_t *v, char *buf, size_t buflen)
{
    char tmp[64];
    sbuf_t b = {buf, buflen, 0};
    if (!f || !v) {
        sb_end(&b);
        return 0;
    }
    switch (f->ftype) {
    case NMX_FT_UINT:
        if (f->base == NMX_BASE_HEX || f->base == NMX_BASE_HEX_DEC)
            snprintf(tmp, sizeof(tmp), "0x%0*llx", (int)hex_digits(f), (unsigned long long)v->u);
        else if (f->base == NMX_BASE_OCT)
            snprintf(tmp, sizeof(tmp), "0%llo", (unsigned long long)v->u);
        else
            snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v->u);
        sb_puts(&b, tmp);
        break;
    case NMX_FT_INT:
        snprintf(tmp, sizeof(tmp), "%lld", (long long)v->i);
        sb_puts(&b, tmp);
        break;
    case NMX_FT_BOOL:
        sb_puts(&b, v->u ? "1" : "0");
        break;
    case NMX_FT_ETHER:
        if (v->len == 6) {
            nmx__format_mac(v->bytes, tmp);
            sb_puts(&b, tmp);
        }
        break;
    case NMX_FT_IPV4:
        if (v->len == 4) {
            nmx__format_ipv4(v->bytes, tmp);
            sb_puts(&b, tmp);
        }
        break;
    case NMX_FT_IPV6:
        if (v->len == 16) {
            nmx__format_ipv6(v->bytes, tmp);
            sb_puts(&b, tmp);
        }
        break;
    case NMX_FT_STRING: {
        /* Strings are stored already as tshark shows them when derived;
         * raw frame text is passed through the same escaping. */
        if (f->flags & NMX_FF_ASCII)
            return ascii_text(v->bytes, v->len, buf, buflen);
        if (f->flags & NMX_FF_UTF8)
            return utf8_text(v->bytes, v->len, buf, buflen);
        size_t need = nmx__format_text(v->bytes, v->len, buf, buflen);
        return need;
    }
    case NMX_FT_ABSTIME:
    case NMX_FT_RELTIME:
        if ((f->flags & NMX_FF_NTP) && v->i == 0) {
            sb_puts(&b, "NULL"); /* Wireshark's ABSOLUTE_TIME_NTP_UTC of a zero timestamp */
            break;
        }
        nmx__format_time(v->i, f->ftype == NMX_FT_RELTIME ? 0 : 2, tmp, sizeof tmp);
        sb_puts(&b, tmp);
        break;
    case NMX_FT_BYTES:
        if (v->len == 0)
            sb_puts(&b, "<MISSING>"); /* what tshark 4.0 prints for an empty byte field */
        for (size_t i = 0; i < v->len; i++) {
            snprintf(tmp, sizeof(tmp), "%02x", v->bytes[i]);
            sb_puts(&b, tmp);
        }
        break;
    default:
        break;
    }
    sb_end(&b);
    return b.n;
}

size_t nmx__prop_render(const PROPERTYINST *pi, char *buf, size_t buflen)
{
    nmx_value_t v;
    const nmx_field_t *f = pi ? nmx__field_from_info(pi->lpPropertyInfo) : NULL;
    if (!f || !nmx__prop_value(pi, &v)) {
        if (buflen)
            buf[0] = '\0';
        return 0;
    }
    if (f->ftype == NMX_FT_STRING && pi->DataLength == PROPERTYINST_EX_LENGTH) {
        /* Derived strings are stored exactly as displayed. */
        sbuf_t b = {buf, buflen, 0};
        for (size_t i = 0; i < v.len; i++)
            sb_putc(&b, (char)v.bytes[i]);
        sb_end(&b);
        return b.n;
    }
    return nmx__value_render(f, &v, buf, buflen);
}
