/*
 * dis_netbios.c - NetBIOS names as NBNS and NBDGM carry them (RFC 1001
 * 14.1 first-level encoding: each half-byte as 'A'+n, 32 characters for a
 * 16-byte name whose last byte is the type), shown as Wireshark shows them:
 * "NAME<1d>", non-printable characters as <xx>, malformed names as
 * Wireshark's complaint text; and the descriptions of the name types.
 */
#include <stdio.h>
#include <string.h>

#include "proto/proto_int.h"

const char *nmx__netbios_type_descr(unsigned type)
{
    switch (type) {
    case 0x00: return "Workstation/Redirector";
    case 0x01: return "Browser";
    case 0x02: return "Workstation/Redirector";
    case 0x03: return "Messenger service/Main name";
    case 0x05: return "Forwarded name";
    case 0x06: return "RAS Server service";
    case 0x1b: return "Domain Master Browser";
    case 0x1c: return "Domain Controllers";
    case 0x1d: return "Local Master Browser";
    case 0x1e: return "Browser Election Service";
    case 0x1f: return "Net DDE Service";
    case 0x20: return "Server service";
    case 0x21: return "RAS client service";
    case 0x22: return "Exchange Interchange (MSMail Connector)";
    case 0x23: return "Exchange Store";
    case 0x24: return "Exchange Directory";
    case 0x2b: return "Lotus Notes Server service";
    case 0x30: return "Modem sharing server service";
    case 0x31: return "Modem sharing client service";
    case 0x43: return "SMS Clients Remote Control";
    case 0x44: return "SMS Administrators Remote Control Tool";
    case 0x45: return "SMS Clients Remote Chat";
    case 0x46: return "SMS Clients Remote Transfer";
    case 0x4c: return "DEC Pathworks TCP/IP Service on Windows NT";
    case 0x52: return "DEC Pathworks TCP/IP Service on Windows NT";
    case 0x6a: return "Microsoft Exchange IMC";
    case 0x87: return "Microsoft Exchange MTA";
    case 0xbe: return "Network Monitor Agent";
    case 0xbf: return "Network Monitor Analyzer";
    default: return "Unknown";
    }
}

/* Appends to out, keeping it NUL-terminated. */
static void app(char *out, size_t outlen, size_t *n, const char *s)
{
    while (*s) {
        if (*n + 1 < outlen)
            out[*n] = *s;
        (*n)++;
        s++;
    }
    if (outlen)
        out[*n < outlen ? *n : outlen - 1] = '\0';
}

/* Follows compression pointers from *pos (NBNS answers use them) to the name;
 * sets *used to the bytes up to the first pointer and *jumped.  False when a
 * pointer runs off the message or there are more than 16. */
static bool follow_pointers(const nmx_cursor_t *m, size_t at, size_t *pos, size_t *used, bool *jumped)
{
    int jumps = 0;
    uint8_t b0, b1;
    while (nmx__cur_peek_u8(m, *pos, &b0) && (b0 & 0xC0) == 0xC0) {
        if (!nmx__cur_peek_u8(m, *pos + 1, &b1) || ++jumps > 16)
            return false;
        if (!*jumped)
            *used = *pos + 2 - at;
        *jumped = true;
        *pos = ((size_t)(b0 & 0x3F) << 8) | b1;
    }
    return true;
}

/* A decoded NetBIOS name: 15 characters and the type byte. */
struct nb_name {
    uint8_t b[16];
};

/* Decodes the 32 first-level characters at `at` into the 16-byte name; NULL,
 * or Wireshark's complaint about the first character out of 'A'..'Z'. */
static const char *decode_name(const nmx_cursor_t *m, size_t at, struct nb_name *name)
{
    uint8_t enc[32];
    if (!nmx__cur_peek_copy(m, at, enc, sizeof(enc)))
        return "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)";
    for (int i = 0; i < 16; i++) {
        uint8_t hi = enc[2 * i], lo = enc[2 * i + 1];
        if (hi < 'A' || hi > 'Z')
            return "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)";
        if (lo < 'A' || lo > 'Z')
            return "Illegal NetBIOS name (2nd character not between A and Z in first-level encoding)";
        name->b[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
    }
    return NULL;
}

/* Reads the scope labels at *p2 up to their terminating zero into scope as
 * ".label..." and moves *p2 past them; false when they are malformed. */
static bool read_scope(const nmx_cursor_t *m, size_t *p2, char *scope, size_t scopelen)
{
    size_t sn = 0;
    scope[0] = '\0';
    for (int k = 0; k < 64; k++) {
        uint8_t l;
        if (!nmx__cur_peek_u8(m, *p2, &l))
            return false;
        if (l == 0) {
            (*p2)++;
            break;
        }
        char lab[64];
        if ((l & 0xC0) || !nmx__cur_peek_copy(m, *p2 + 1, lab, l))
            return false;
        app(scope, scopelen, &sn, ".");
        lab[l < 63 ? l : 63] = '\0';
        app(scope, scopelen, &sn, lab);
        *p2 += 1 + l;
    }
    return true;
}

/* Writes the name as Wireshark shows it: its 15 characters without trailing
 * spaces (non-printable ones as <xx>), "<type>", then the scope. */
static void format_name(const struct nb_name *nm, const char *scope, char *out, size_t outlen)
{
    int last = 14;
    while (last >= 0 && nm->b[last] == ' ')
        last--;
    size_t n = 0;
    for (int i = 0; i <= last; i++) {
        char t[8];
        if (nm->b[i] >= 0x20 && nm->b[i] < 0x7F) {
            t[0] = (char)nm->b[i];
            t[1] = '\0';
        } else {
            snprintf(t, sizeof(t), "<%02x>", nm->b[i]);
        }
        app(out, outlen, &n, t);
    }
    char t[8];
    snprintf(t, sizeof(t), "<%02x>", nm->b[15]);
    app(out, outlen, &n, t);
    app(out, outlen, &n, scope);
}

int nmx__netbios_name(nmx_cursor_t msg, size_t at, char *out, size_t outlen, size_t *used)
{
    size_t pos = at;
    bool jumped = false;
    *used = 0;
    if (outlen)
        out[0] = '\0';
    if (!follow_pointers(&msg, at, &pos, used, &jumped))
        return -1;
    uint8_t l;
    if (!nmx__cur_peek_u8(&msg, pos, &l) || l != 32 || !nmx__cur_in(&msg, pos, 33))
        return -1;
    struct nb_name name;
    const char *illegal = decode_name(&msg, pos + 1, &name);
    size_t p2 = pos + 33;
    char scope[256];
    if (!read_scope(&msg, &p2, scope, sizeof(scope)))
        return -1;
    if (!jumped)
        *used = p2 - at;
    if (illegal) {
        /* Shown as Wireshark shows it: the complaint instead of the name. */
        size_t n0 = 0;
        app(out, outlen, &n0, illegal);
        return 0x100; /* a type no description knows */
    }
    format_name(&name, scope, out, outlen);
    return name.b[15];
}
