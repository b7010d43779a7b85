/*
 * dis_netbios.c - NetBIOS over TCP/IP (RFC 1001, RFC 1002): the name
 * service (NBNS, UDP 137), the datagram service (NBDGM, UDP 138) and the
 * session service (NBSS, TCP 139, and "direct hosting" on TCP 445).
 *
 * Names are first-level encoded (RFC 1001 14.1: each half-byte as 'A'+n, 32
 * characters for a 16-byte name whose last byte is the type) and shown as
 * Wireshark shows them: "NAME<1d>", non-printable characters as <xx>, and in
 * NB resource records followed by the type's description.
 *
 *   NBNS:  DNS-like header (12) | questions | RRs
 *   NBDGM: type(1) flags(1) id(2) src ip(4) src port(2) [len(2) off(2)
 *          src name, dst name, user data (SMB)]
 *   NBSS:  type(1) flags(1) length(2)   (445: type(1) length(3))
 */
#include <stdio.h>
#include <string.h>

#include "proto/proto_int.h"

/* ---- names ---------------------------------------------------------- */

const char *nmx_netbios_type_descr(unsigned type)
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

int nmx_netbios_name(nmx_cursor_t msg, size_t at, char *out, size_t outlen, size_t *used)
{
    const uint8_t *m = msg.p;
    size_t mlen = msg.left;
    size_t pos = at;
    int jumps = 0;
    bool jumped = false;
    *used = 0;
    if (outlen)
        out[0] = '\0';
    /* Follow a compression pointer to the name (NBNS answers use them). */
    while (pos < mlen && (m[pos] & 0xC0) == 0xC0) {
        if (pos + 1 >= mlen || ++jumps > 16)
            return -1;
        if (!jumped)
            *used = pos + 2 - at;
        jumped = true;
        pos = ((size_t)(m[pos] & 0x3F) << 8) | m[pos + 1];
    }
    if (pos >= mlen || m[pos] != 32 || pos + 33 > mlen)
        return -1;
    uint8_t name[16];
    const char *illegal = NULL;
    for (int i = 0; i < 16 && !illegal; i++) {
        uint8_t hi = m[pos + 1 + 2 * i], lo = m[pos + 2 + 2 * i];
        if (hi < 'A' || hi > 'Z')
            illegal = "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)";
        else if (lo < 'A' || lo > 'Z')
            illegal = "Illegal NetBIOS name (2nd character not between A and Z in first-level encoding)";
        else
            name[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
    }
    size_t p2 = pos + 33;
    /* Scope labels follow; collect them as ".label". */
    char scope[256];
    size_t sn = 0;
    scope[0] = '\0';
    for (int k = 0; k < 64; k++) {
        if (p2 >= mlen)
            return -1;
        uint8_t l = m[p2];
        if (l == 0) {
            p2++;
            break;
        }
        if ((l & 0xC0) || p2 + 1 + l > mlen)
            return -1;
        app(scope, sizeof(scope), &sn, ".");
        char lab[64];
        memcpy(lab, m + p2 + 1, l);
        lab[l < 63 ? l : 63] = '\0';
        app(scope, sizeof(scope), &sn, lab);
        p2 += 1 + l;
    }
    if (!jumped)
        *used = p2 - at;
    if (illegal) {
        /* Shown as Wireshark shows it: the complaint instead of the name. */
        size_t n0 = 0;
        app(out, outlen, &n0, illegal);
        return 0x100; /* a type no description knows */
    }
    /* The 15 name characters without trailing spaces. */
    int last = 14;
    while (last >= 0 && name[last] == ' ')
        last--;
    size_t n = 0;
    for (int i = 0; i <= last; i++) {
        char t[8];
        if (name[i] >= 0x20 && name[i] < 0x7F) {
            t[0] = (char)name[i];
            t[1] = '\0';
        } else {
            snprintf(t, sizeof(t), "<%02x>", name[i]);
        }
        app(out, outlen, &n, t);
    }
    char t[8];
    snprintf(t, sizeof(t), "<%02x>", name[15]);
    app(out, outlen, &n, t);
    app(out, outlen, &n, scope);
    return name[15];
}

/* ---- NBNS ------------------------------------------------------------ */

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

NMX_PROTOCOL(nmx_p_nbns, NMX_PROTO_NBNS, "nbns", "NBT", "NBNS", "NetBIOS Name Service", nbns_fields);

void nmx_dis_nbns(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_NBNS, off) || !d->ws)
        return;
    if (c.left < 12) {
        nmx_add_err(d, &nbns_fields[N_ID], off, c.left);
        return;
    }
    const uint8_t *m = c.p;
    nmx_add(d, &nbns_fields[N_ID], off, 2);
    nmx_add(d, &nbns_fields[N_FLAGS], off + 2, 2);
    nmx_add(d, &nbns_fields[N_RESPONSE], off + 2, 2);
    nmx_add(d, &nbns_fields[N_OPCODE], off + 2, 2);
    for (int i = 0; i < 4; i++)
        nmx_add(d, &nbns_fields[N_QDCOUNT + i], off + 4 + 2 * (size_t)i, 2);
    unsigned qd = nmx_load_u16be(m + 4);
    unsigned rr = (unsigned)nmx_load_u16be(m + 6) + nmx_load_u16be(m + 8) + nmx_load_u16be(m + 10);
    size_t pos = 12;
    char name[400];
    for (unsigned q = 0; q < qd; q++) {
        size_t used;
        int t = nmx_netbios_name(c, pos, name, sizeof(name), &used);
        if (t < 0 || pos + used + 4 > c.left) {
            nmx_add_err(d, &nbns_fields[N_NAME], off + pos, c.left > pos ? c.left - pos : 0);
            return;
        }
        nmx_add_str(d, &nbns_fields[N_NAME], off + pos, used, name, strlen(name));
        pos += used;
        nmx_add(d, &nbns_fields[N_TYPE], off + pos, 2);
        pos += 4;
    }
    for (unsigned r = 0; r < rr; r++) {
        size_t used;
        int t = nmx_netbios_name(c, pos, name, sizeof(name), &used);
        if (t < 0 || pos + used + 10 > c.left) {
            nmx_add_err(d, &nbns_fields[N_NAME], off + pos, c.left > pos ? c.left - pos : 0);
            return;
        }
        unsigned type = nmx_load_u16be(m + pos + used);
        if (type == 0x20) {
            size_t n = strlen(name);
            snprintf(name + n, sizeof(name) - n, " (%s)", nmx_netbios_type_descr((unsigned)t));
        }
        nmx_add_str(d, &nbns_fields[N_NAME], off + pos, used, name, strlen(name));
        pos += used;
        unsigned rdlen = nmx_load_u16be(m + pos + 8);
        nmx_add(d, &nbns_fields[N_TYPE], off + pos, 2);
        nmx_add(d, &nbns_fields[N_TTL], off + pos + 4, 4);
        pos += 10;
        if (pos + rdlen > c.left) {
            nmx_add_err(d, &nbns_fields[N_TTL], off + pos - 6, 4);
            return;
        }
        if (type == 0x20)
            for (size_t k = 0; k + 6 <= rdlen; k += 6)
                nmx_add(d, &nbns_fields[N_ADDR], off + pos + k + 2, 4);
        pos += rdlen;
    }
}

/* ---- NBDGM ----------------------------------------------------------- */

enum { D_TYPE, D_ID, D_SRC_IP, D_SRC_PORT, D_SRC_NAME, D_DST_NAME };

static nmx_field_t nbdgm_fields[] = {
    [D_TYPE] = NMX_F_UINT("nbdgm.type", "Message Type", NMX_BASE_DEC, 1, 0),
    [D_ID] = NMX_F_UINT("nbdgm.dgram_id", "Datagram ID", NMX_BASE_HEX, 2, 0),
    [D_SRC_IP] = NMX_F_IPV4("nbdgm.src.ip", "Source IP"),
    [D_SRC_PORT] = NMX_F_UINT("nbdgm.src.port", "Source Port", NMX_BASE_DEC, 2, 0),
    [D_SRC_NAME] = NMX_F_STRING("nbdgm.source_name", "Source name"),
    [D_DST_NAME] = NMX_F_STRING("nbdgm.destination_name", "Destination name"),
};

NMX_PROTOCOL(nmx_p_nbdgm, NMX_PROTO_NBDGM, "nbdgm", "NBDGM", NULL, "NetBIOS Datagram Service", nbdgm_fields);

void nmx_dis_nbdgm(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_NBDGM, off))
        return;
    if (c.left < 10) {
        nmx_add_err(d, &nbdgm_fields[D_TYPE], off, c.left);
        return;
    }
    uint8_t type = c.p[0];
    nmx_add(d, &nbdgm_fields[D_TYPE], off, 1);
    nmx_add(d, &nbdgm_fields[D_ID], off + 2, 2);
    nmx_add(d, &nbdgm_fields[D_SRC_IP], off + 4, 4);
    nmx_add(d, &nbdgm_fields[D_SRC_PORT], off + 8, 2);
    if (type < 0x10 || type > 0x12)
        return;
    if (c.left < 14) {
        nmx_add_err(d, &nbdgm_fields[D_SRC_NAME], off + 10, c.left - 10);
        return;
    }
    size_t pos = 14;
    char name[400];
    size_t used;
    if (nmx_netbios_name(c, pos, name, sizeof(name), &used) < 0) {
        nmx_add_err(d, &nbdgm_fields[D_SRC_NAME], off + pos, c.left - pos);
        return;
    }
    nmx_add_str(d, &nbdgm_fields[D_SRC_NAME], off + pos, used, name, strlen(name));
    pos += used;
    if (nmx_netbios_name(c, pos, name, sizeof(name), &used) < 0) {
        nmx_add_err(d, &nbdgm_fields[D_DST_NAME], off + pos, c.left - pos);
        return;
    }
    nmx_add_str(d, &nbdgm_fields[D_DST_NAME], off + pos, used, name, strlen(name));
    pos += used;
    nmx_cur_skip(&c, pos);
    if (c.left >= 4 && c.p[0] == 0xFF && c.p[1] == 'S' && c.p[2] == 'M' && c.p[3] == 'B')
        nmx_dis_smb(d, c);
}

/* ---- NBSS ------------------------------------------------------------ */

enum { S_TYPE, S_LENGTH };

static nmx_field_t nbss_fields[] = {
    [S_TYPE] = NMX_F_UINT("nbss.type", "Message Type", NMX_BASE_HEX, 1, 0),
    [S_LENGTH] = NMX_F_UINT("nbss.length", "Length", NMX_BASE_DEC, 4, 0),
};

NMX_PROTOCOL(nmx_p_nbss, NMX_PROTO_NBSS, "nbss", "NBSS", NULL, "NetBIOS Session Service", nbss_fields);

/* Whether the first bytes look like an NBSS message header (Wireshark's
 * test, used to tell a message start from a continuation). */
static bool nbss_header_ok(const uint8_t *p, size_t n, bool cifs)
{
    if (n < 4)
        return false;
    uint8_t type = p[0];
    uint32_t len;
    if (cifs) {
        len = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    } else {
        if (p[1] & 0xFE)
            return false;
        len = (uint32_t)(p[1] & 1) << 16 | nmx_load_u16be(p + 2);
    }
    switch (type) {
    case 0x00:
        return len != 0;
    case 0x81:
        return len >= 2 && len <= 256;
    case 0x82:
    case 0x85:
        return len == 0;
    case 0x83:
        return len == 1;
    case 0x84:
        return len == 6;
    default:
        return false;
    }
}

void nmx_dis_nbss(nmx_dctx_t *d, nmx_cursor_t c, bool cifs)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_NBSS, off))
        return;
    if (!nbss_header_ok(c.p, c.left, cifs))
        return; /* continuation of an earlier message */
    while (c.left >= 4) {
        size_t o = nmx_off(&c);
        uint8_t type = c.p[0];
        uint32_t len = cifs ? ((uint32_t)c.p[1] << 16 | (uint32_t)c.p[2] << 8 | c.p[3])
                            : ((uint32_t)(c.p[1] & 1) << 16 | nmx_load_u16be(c.p + 2));
        nmx_add(d, &nbss_fields[S_TYPE], o, 1);
        nmx_add_uint(d, &nbss_fields[S_LENGTH], cifs ? o + 1 : o + 2, cifs ? 3 : 2, len);
        nmx_cur_skip(&c, 4);
        nmx_cursor_t m = nmx_cur_head(c, len);
        if (type == 0x00 && m.left >= 4) {
            if (m.p[0] == 0xFF && m.p[1] == 'S' && m.p[2] == 'M' && m.p[3] == 'B')
                nmx_dis_smb(d, m);
            else if ((m.p[0] == 0xFE || m.p[0] == 0xFD) && m.p[1] == 'S' && m.p[2] == 'M' &&
                     m.p[3] == 'B')
                nmx_dis_smb2(d, m);
        }
        if (!nmx_cur_skip(&c, len))
            break;
    }
}
