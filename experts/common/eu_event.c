/*
 * eu_event.c - building and submitting the rows of eu_event.h, and the
 * text of IPv6 addresses.
 */
#include "eu_event.h"

#include <stdio.h>
#include <string.h>

DWORD eu_event_init(HEXPERTKEY key, eu_event_t *e, const char *source, DWORD ident)
{
    DWORD err = 0;
    e->ev = ExpertAllocMemory(key, sizeof(NMEVENTDATA) + EU_MAX_COLUMNS * sizeof(NMCOLUMNINFO), &err);
    if (e->ev == NULL)
        return err;
    e->ev->EventIdent = ident;
    e->ev->Flags = NMEVENTFLAG_EXPERT | NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS;
    e->ev->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    e->ev->szSourceName = (LPSTR)source;
    return 0;
}

void eu_event_row(eu_event_t *e, DWORD ident)
{
    e->ev->EventIdent = ident;
    e->ev->NumColumns = 0;
}

/* Appends a column; returns its variant for the caller to fill. */
static NMCOLUMNVARIANT *col(eu_event_t *e, const char *name, NMCOLUMNTYPE type)
{
    if (e->ev->NumColumns >= EU_MAX_COLUMNS)
        return &e->ev->Column[EU_MAX_COLUMNS - 1].VariantData; /* never: callers stay below */
    NMCOLUMNINFO *c = &e->ev->Column[e->ev->NumColumns++];
    memset(c, 0, sizeof *c);
    c->szColumnName = (LPSTR)name;
    c->VariantData.Type = type;
    return &c->VariantData;
}

void eu_col_u16(eu_event_t *e, const char *name, WORD v)
{
    col(e, name, NMCOLUMNTYPE_UINT16)->Value.Uint16Val = v;
}

void eu_col_u32(eu_event_t *e, const char *name, DWORD v)
{
    col(e, name, NMCOLUMNTYPE_UINT32)->Value.Uint32Val = v;
}

void eu_col_u64(eu_event_t *e, const char *name, uint64_t v)
{
    col(e, name, NMX_COLUMNTYPE_UINT64)->Value.Uint64Val = v;
}

void eu_col_f64(eu_event_t *e, const char *name, double v)
{
    col(e, name, NMCOLUMNTYPE_FLOAT64)->Value.Float64Val = v;
}

void eu_col_str(eu_event_t *e, const char *name, const char *v)
{
    col(e, name, NMCOLUMNTYPE_STRING)->Value.pStringVal = v;
}

void eu_col_frame(eu_event_t *e, const char *name, DWORD frame)
{
    col(e, name, NMCOLUMNTYPE_FRAME)->Value.FrameVal = frame;
}

void eu_col_ip(eu_event_t *e, const char *name, const BYTE ip[4])
{
    memcpy(&col(e, name, NMCOLUMNTYPE_IPADDR)->Value.IPAddrVal, ip, 4);
}

void eu_col_mac(eu_event_t *e, const char *name, const BYTE mac[6])
{
    memcpy(col(e, name, NMCOLUMNTYPE_MACADDR)->Value.MACAddrVal, mac, 6);
}

void eu_col_addr(eu_event_t *e, const char *name, uint8_t family, const BYTE a[16], char text[46])
{
    if (family == 4) {
        eu_col_ip(e, name, a);
    } else {
        eu_format_ipv6(a, text);
        eu_col_str(e, name, text);
    }
}

/* The first longest run of two or more zero groups: *best = its start
 * (-1: none), *bestlen its length. */
static void longest_zeros(const unsigned g[8], int *best, int *bestlen)
{
    *best = -1;
    *bestlen = 1;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > *bestlen) {
            *best = i;
            *bestlen = j - i;
        }
        i = j;
    }
}

void eu_format_ipv6(const BYTE a[16], char out[46])
{
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best, bestlen;
    longest_zeros(g, &best, &bestlen);
    size_t n = 0;
    const size_t cap = 46;
    int v4 = best == 0 && (bestlen == 6 || (bestlen == 5 && g[5] == 0xffff));
    int stop = v4 ? 6 : 8;
    for (int i = 0; i < stop; i++) {
        if (i == best) {
            n += (size_t)snprintf(out + n, cap - n, i == 0 ? "::" : ":");
            i += bestlen - 1;
            continue;
        }
        n += (size_t)snprintf(out + n, cap - n, "%x%s", g[i], i + 1 < stop ? ":" : "");
    }
    if (v4) {
        if (n > 0 && out[n - 1] != ':')
            n += (size_t)snprintf(out + n, cap - n, ":");
        snprintf(out + n, cap - n, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    }
}

DWORD eu_event_submit(HEXPERTKEY key, eu_event_t *e)
{
    return ExpertSubmitEvent(key, e->ev);
}

void eu_event_free(HEXPERTKEY key, eu_event_t *e)
{
    if (e->ev != NULL)
        ExpertFreeMemory(key, e->ev);
    e->ev = NULL;
}

DWORD eu_submit_totals(HEXPERTKEY key, const char *source, const char *const *names, const uint64_t *values,
                       unsigned n)
{
    eu_event_t ev = {0};
    DWORD err = eu_event_init(key, &ev, source, EU_TOTALS_IDENT);
    if (err != 0)
        return err;
    eu_event_row(&ev, EU_TOTALS_IDENT);
    ev.ev->szEventName = (LPSTR) "Shard totals";
    for (unsigned i = 0; i < n && i < EU_MAX_COLUMNS; i++)
        eu_col_u64(&ev, names[i], values[i]);
    err = eu_event_submit(key, &ev);
    eu_event_free(key, &ev);
    return err;
}
