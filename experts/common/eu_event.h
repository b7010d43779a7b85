/*
 * eu_event.h - the built-in experts' events: one NMEVENTDATA in the expert
 * heap, reused for every row (the host copies what is submitted), filled
 * column by column; the text of addresses; the per-shard totals event.
 *
 * Part of libnmx_expert_util.a (experts/common/).  Functions that can fail
 * return an NMERR code (0 = success).
 */
#ifndef NMX_EU_EVENT_H
#define NMX_EU_EVENT_H

#include <stdint.h>

#include <netmon.h>

/* Columns an event may have. */
#define EU_MAX_COLUMNS 16

/* The EventIdent of the built-in experts' per-shard totals (their
 * NmxExpertMerge declares it "totals"; `nmexpert merge` drops it). */
#define EU_TOTALS_IDENT 999

/* One event under construction; reuse it for many rows. */
typedef struct eu_event {
    NMEVENTDATA *ev;   /* in the expert heap, room for EU_MAX_COLUMNS columns */
} eu_event_t;

/* Allocates the event: an informational expert event from `source`. */
DWORD eu_event_init(HEXPERTKEY key, eu_event_t *e, const char *source, DWORD ident);

/* Starts a new row: no columns, the given ident. */
void eu_event_row(eu_event_t *e, DWORD ident);

/* Columns, appended in order (at most EU_MAX_COLUMNS; callers stay below).
 * Strings are not copied: they must live until the event is submitted. */
void eu_col_u16(eu_event_t *e, const char *name, WORD v);
void eu_col_u32(eu_event_t *e, const char *name, DWORD v);
/* 64-bit (nmexpert SDK 1.1): every count and byte total, whatever its
 * value, so that a column's type is the same in every report. */
void eu_col_u64(eu_event_t *e, const char *name, uint64_t v);
void eu_col_f64(eu_event_t *e, const char *name, double v);
void eu_col_str(eu_event_t *e, const char *name, const char *v);
void eu_col_frame(eu_event_t *e, const char *name, DWORD frame);
void eu_col_ip(eu_event_t *e, const char *name, const BYTE ip[4]);
void eu_col_mac(eu_event_t *e, const char *name, const BYTE mac[6]);

/* An address column: IPADDR for IPv4 (family 4), STRING in RFC 5952 form
 * for IPv6; `text` (46 bytes) holds the string until the event is
 * submitted. */
void eu_col_addr(eu_event_t *e, const char *name, uint8_t family, const BYTE a[16], char text[46]);

/* An IPv6 address in RFC 5952 form (lower-case hex, leading zeros dropped,
 * the first longest run of two or more zero groups as "::", dotted IPv4 for
 * ::ffff:0:0/96 as tshark and inet_ntop print it).  out: 46 bytes. */
void eu_format_ipv6(const BYTE a[16], char out[46]);

DWORD eu_event_submit(HEXPERTKEY key, eu_event_t *e);
void eu_event_free(HEXPERTKEY key, eu_event_t *e);

/* Submits one totals event (EU_TOTALS_IDENT, "Shard totals"): the counts
 * named, for `nmexpert merge`. */
DWORD eu_submit_totals(HEXPERTKEY key, const char *source, const char *const *names, const uint64_t *values,
                       unsigned n);

#endif /* NMX_EU_EVENT_H */
