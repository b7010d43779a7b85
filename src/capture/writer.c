/*
 * writer.c - the capture writer: pcap (microsecond or nanosecond, little-
 * endian) and NetMon 2.x, for the Protocol Coalesce expert and the tests.
 *
 * pcap is written record by record.  NetMon follows spec 7.6: a 128-byte
 * placeholder header, the records back to back from offset 128, the frame
 * table, then the real header.  The start time is the first frame's time
 * truncated to the millisecond, stored as a UTC SYSTEMTIME (the reader reads
 * it as UTC too, docs/capture.md); each record's time is the offset from it
 * in microseconds, rounded.  Version 2.0 is written when the link type has a
 * NetMon MAC type (Ethernet, Token Ring, FDDI, ATM, 1394, 802.11, raw IP);
 * otherwise 2.1, whose per-frame trailer names the media type (0xE000 | pcap
 * LINKTYPE_ for other pcap types, or the NetMon special kinds).
 *
 * The writer never writes what the readers would refuse: pcap records larger
 * than the reader's maximum, times pcap cannot hold, NetMon files over 4 GiB.
 */
#include "capture/cap_internal.h"
#include "common/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

#include "common/checked.h"

#define NETMON_HEADER_SPACE 128u
#define WRITE_BUFFER (256u * 1024)

struct nmx_capwriter {
    nmx_outfile_t out;   /* a temporary file, renamed over path by close */
    FILE *f;             /* out.f */
    char *path;
    int format;          /* NMX_CAPW_* */
    uint32_t linktype;   /* or NMX_LINK_PER_FRAME */
    char *buffer;        /* stdio buffer */
    unsigned code;       /* first error (sticky), 0 if none */
    char msg[NMX_ERROR_MSG_MAX];
    uint64_t frames;
    /* NetMon */
    unsigned minor;      /* 0 or 1 */
    uint16_t mactype;    /* header MAC type */
    uint16_t media;      /* 2.1 media type when all frames share one */
    uint64_t pos;        /* file offset of the next record */
    uint32_t *table;
    uint32_t n_table;
    uint32_t table_cap;
    bool have_start;
    int64_t start_ns;
};

static unsigned fail(nmx_capwriter_t *w, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static unsigned fail(nmx_capwriter_t *w, unsigned code, const char *fmt, ...)
{
    if (w->code != 0)
        return w->code;
    w->code = code;
    int n = snprintf(w->msg, sizeof w->msg, "%s: ", w->path);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof w->msg)
        vsnprintf(w->msg + n, sizeof w->msg - (size_t)n, fmt, ap);
    va_end(ap);
    return code;
}

static unsigned put(nmx_capwriter_t *w, const void *p, size_t n)
{
    if (n > 0 && fwrite(p, 1, n, w->f) != n)
        return fail(w, NMERR_FILE_WRITE_ERROR, "write failed: %s", strerror(errno));
    return 0;
}

/* NetMon MAC type (2.0 header) of a link type, or -1. */
static int netmon_mactype(uint32_t lt)
{
    switch (lt) {
    case NMX_LINK_ETHERNET:
        return 1;
    case NMX_LINK_TOKEN_RING:
        return 2;
    case NMX_LINK_FDDI:
        return 3;
    case NMX_LINK_NETMON_ATM:
        return 4;
    case NMX_LINK_NETMON_1394:
        return 5;
    case NMX_LINK_NETMON_80211:
        return 6;
    case NMX_LINK_RAW:
        return 9; /* "raw IP frames" */
    default:
        return -1;
    }
}

/* NetMon 2.1 per-frame media type of a link type, or -1. */
static long netmon_media(uint32_t lt)
{
    int m = netmon_mactype(lt);
    if (m >= 0)
        return m;
    if (lt >= NMX_LINK_NETMON_BASE && lt <= (NMX_LINK_NETMON_BASE | 0xFFFFu))
        return (long)(lt & 0xFFFFu);
    /* 0xE080-0xE08A mean Message Analyzer types, so LINKTYPE_ 0x80-0x8A cannot be stored. */
    if (lt <= 0x0FFFu && !(lt >= 0x80u && lt <= 0x8Au))
        return (long)(0xE000u | lt);
    return -1;
}

unsigned nmx__capwriter_open(const char *path, int format, uint32_t linktype,
                             nmx_capwriter_t **out, nmx_error_t *err)
{
    nmx__error_clear(err);
    if (out == NULL || path == NULL)
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, path, NMX_OFFSET_UNKNOWN,
                              "no file or no result pointer");
    *out = NULL;
    if (format != NMX_CAPW_PCAP && format != NMX_CAPW_PCAP_NS && format != NMX_CAPW_NETMON2)
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, path, NMX_OFFSET_UNKNOWN,
                              "unknown capture file format %d", format);
    bool netmon = format == NMX_CAPW_NETMON2;
    if (!netmon && linktype > 0xFFFFu)
        return nmx__error_set(err, NMERR_INVALID_MEDIA_TYPE, path, NMX_OFFSET_UNKNOWN,
                              "link type %u cannot be stored in a pcap file", linktype);
    if (netmon && linktype != NMX_LINK_PER_FRAME && netmon_media(linktype) < 0)
        return nmx__error_set(err, NMERR_INVALID_MEDIA_TYPE, path, NMX_OFFSET_UNKNOWN,
                              "link type %u cannot be stored in a NetMon 2.x file", linktype);
    nmx_capwriter_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return nmx__error_set(err, NMERR_OUT_OF_MEMORY, path, NMX_OFFSET_UNKNOWN, "out of memory");
    w->format = format;
    w->linktype = linktype;
    w->path = strdup(path);
    w->buffer = malloc(WRITE_BUFFER);
    unsigned rc = 0;
    if (w->path == NULL || w->buffer == NULL) {
        rc = nmx__error_set(err, NMERR_OUT_OF_MEMORY, path, NMX_OFFSET_UNKNOWN, "out of memory");
        goto out_free;
    }
    char why[256];
    if (nmx__outfile_open(&w->out, path, why, sizeof why) != 0) {
        rc = nmx__error_set(err, NMERR_FILE_WRITE_ERROR, path, NMX_OFFSET_UNKNOWN, "%s", why);
        goto out_free;
    }
    w->f = w->out.f;
    setvbuf(w->f, w->buffer, _IOFBF, WRITE_BUFFER);
    if (netmon) {
        int mt = linktype == NMX_LINK_PER_FRAME ? -1 : netmon_mactype(linktype);
        w->minor = mt >= 0 ? 0 : 1;
        w->mactype = mt >= 0 ? (uint16_t)mt : 1; /* NetMon 3 writes 1 with per-frame types */
        w->media = linktype == NMX_LINK_PER_FRAME ? 0 : (uint16_t)netmon_media(linktype);
        uint8_t zero[NETMON_HEADER_SPACE] = {0};
        put(w, zero, sizeof zero);
        w->pos = NETMON_HEADER_SPACE;
    } else {
        uint8_t h[24];
        nmx__store_u32le(h, format == NMX_CAPW_PCAP_NS ? 0xA1B23C4Du : 0xA1B2C3D4u);
        nmx__store_u16le(h + 4, 2);
        nmx__store_u16le(h + 6, 4);
        nmx__store_u32le(h + 8, 0);  /* thiszone */
        nmx__store_u32le(h + 12, 0); /* sigfigs */
        nmx__store_u32le(h + 16, NMX_CAP_MAX_PCAP_RECORD);
        nmx__store_u32le(h + 20, linktype);
        put(w, h, sizeof h);
    }
    if (w->code != 0) {
        rc = nmx__error_set(err, w->code, NULL, NMX_OFFSET_UNKNOWN, "%s", w->msg);
        goto out_free;
    }
    *out = w;
    return 0;

out_free:
    nmx__outfile_discard(&w->out);
    free(w->buffer);
    free(w->path);
    free(w);
    return rc;
}

static unsigned write_pcap(nmx_capwriter_t *w, int64_t ts_ns, const uint8_t *data, uint32_t caplen,
                           uint32_t wirelen)
{
    if (caplen > NMX_CAP_MAX_PCAP_RECORD)
        return fail(w, NMERR_INVALID_PACKET_LENGTH,
                    "frame %llu: %u stored bytes exceed the pcap maximum of %u",
                    (unsigned long long)w->frames + 1, caplen, (unsigned)NMX_CAP_MAX_PCAP_RECORD);
    int64_t sec = ts_ns / 1000000000;
    int64_t ns = ts_ns % 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        sec -= 1;
    }
    if (sec < 0 || sec > (int64_t)UINT32_MAX)
        return fail(w, NMERR_INVALID_DATA,
                    "frame %llu: time %lld ns is outside what pcap can store (1970-2106)",
                    (unsigned long long)w->frames + 1, (long long)ts_ns);
    uint8_t h[16];
    nmx__store_u32le(h, (uint32_t)sec);
    nmx__store_u32le(h + 4, (uint32_t)(w->format == NMX_CAPW_PCAP_NS ? ns : ns / 1000));
    nmx__store_u32le(h + 8, caplen);
    nmx__store_u32le(h + 12, wirelen);
    if (put(w, h, sizeof h) != 0 || put(w, data, caplen) != 0)
        return w->code;
    w->frames++;
    return 0;
}

static unsigned write_netmon(nmx_capwriter_t *w, int64_t ts_ns, const uint8_t *data,
                             uint32_t caplen, uint32_t wirelen, uint16_t media)
{
    if (!w->have_start) {
        /* Start = first frame time truncated (toward the past) to the millisecond. */
        int64_t ms = ts_ns / 1000000;
        if (ts_ns % 1000000 < 0)
            ms -= 1;
        w->start_ns = ms * 1000000;
        w->have_start = true;
    }
    int64_t delta_ns;
    if (__builtin_sub_overflow(ts_ns, w->start_ns, &delta_ns))
        return fail(w, NMERR_INVALID_DATA, "frame %llu: time %lld ns is too far from the start",
                    (unsigned long long)w->frames + 1, (long long)ts_ns);
    /* Round to the microsecond, halves away from zero. */
    int64_t delta_us = delta_ns >= 0 ? (delta_ns + 500) / 1000 : -((-delta_ns + 500) / 1000);
    size_t trailer = w->minor >= 1 ? 2 : 0;
    uint64_t rec_len = 16 + (uint64_t)caplen + trailer;
    if (w->pos + rec_len > UINT32_MAX)
        return fail(w, NMERR_FILE_WRITE_ERROR,
                    "frame %llu does not fit: NetMon files are limited to 4 GiB",
                    (unsigned long long)w->frames + 1);
    if (w->n_table == w->table_cap) {
        uint32_t n = w->table_cap ? w->table_cap * 2 : 1024;
        uint32_t *t = n > w->table_cap ? realloc(w->table, (size_t)n * sizeof *t) : NULL;
        if (t == NULL)
            return fail(w, NMERR_OUT_OF_MEMORY, "out of memory for the frame table");
        w->table = t;
        w->table_cap = n;
    }
    uint8_t h[16];
    nmx__store_u64le(h, (uint64_t)delta_us);
    nmx__store_u32le(h + 8, wirelen);
    nmx__store_u32le(h + 12, caplen);
    uint8_t t[2];
    nmx__store_u16le(t, media);
    if (put(w, h, sizeof h) != 0 || put(w, data, caplen) != 0 || put(w, t, trailer) != 0)
        return w->code;
    w->table[w->n_table++] = (uint32_t)w->pos;
    w->pos += rec_len;
    w->frames++;
    return 0;
}

unsigned nmx__capwriter_write(nmx_capwriter_t *w, int64_t ts_ns, const uint8_t *data,
                              uint32_t caplen, uint32_t wirelen)
{
    if (w == NULL)
        return NMERR_INVALID_PARAMETER;
    if (w->code != 0)
        return w->code;
    if (data == NULL && caplen > 0)
        return fail(w, NMERR_INVALID_PARAMETER, "frame %llu: no data",
                    (unsigned long long)w->frames + 1);
    if (w->format != NMX_CAPW_NETMON2)
        return write_pcap(w, ts_ns, data, caplen, wirelen);
    if (w->linktype == NMX_LINK_PER_FRAME)
        return fail(w, NMERR_INVALID_PARAMETER,
                    "frame %llu: a per-frame NetMon writer needs each frame's link type "
                    "(nmx__capwriter_write_frame)",
                    (unsigned long long)w->frames + 1);
    return write_netmon(w, ts_ns, data, caplen, wirelen, w->media);
}

unsigned nmx__capwriter_write_frame(nmx_capwriter_t *w, const nmx_frame_rec_t *rec,
                                    const uint8_t *data)
{
    if (w == NULL || rec == NULL)
        return NMERR_INVALID_PARAMETER;
    if (w->code != 0)
        return w->code;
    if (w->linktype != NMX_LINK_PER_FRAME && rec->linktype != w->linktype)
        return fail(w, NMERR_INVALID_MEDIA_TYPE,
                    "frame %llu has link type %u, but the file holds link type %u",
                    (unsigned long long)w->frames + 1, rec->linktype, w->linktype);
    if (w->linktype != NMX_LINK_PER_FRAME)
        return nmx__capwriter_write(w, rec->ts_ns, data, rec->caplen, rec->wirelen);
    long media = netmon_media(rec->linktype);
    if (media < 0)
        return fail(w, NMERR_INVALID_MEDIA_TYPE,
                    "frame %llu: link type %u cannot be stored in a NetMon 2.x file",
                    (unsigned long long)w->frames + 1, rec->linktype);
    if (data == NULL && rec->caplen > 0)
        return fail(w, NMERR_INVALID_PARAMETER, "frame %llu: no data",
                    (unsigned long long)w->frames + 1);
    return write_netmon(w, rec->ts_ns, data, rec->caplen, rec->wirelen, (uint16_t)media);
}

static void finish_netmon(nmx_capwriter_t *w)
{
    uint64_t table_off = w->pos;
    uint64_t table_len = (uint64_t)w->n_table * 4;
    if (table_off + table_len > UINT32_MAX) {
        fail(w, NMERR_FILE_WRITE_ERROR, "the frame table does not fit: NetMon files are limited to 4 GiB");
        return;
    }
    for (uint32_t k = 0; k < w->n_table && w->code == 0; k++) {
        uint8_t e[4];
        nmx__store_u32le(e, w->table[k]);
        put(w, e, 4);
    }
    nmx_systemtime_t st;
    memset(&st, 0, sizeof st);
    if (!nmx__systemtime_from_ns(w->start_ns, &st))
        memset(&st, 0, sizeof st);
    uint8_t h[NETMON_HEADER_SPACE];
    memset(h, 0, sizeof h);
    memcpy(h, "GMBU", 4);
    h[4] = (uint8_t)w->minor;
    h[5] = 2;
    nmx__store_u16le(h + 6, w->mactype);
    const uint16_t f[8] = {st.year, st.month, st.day_of_week, st.day,
                           st.hour, st.minute, st.second, st.milliseconds};
    for (int k = 0; k < 8; k++)
        nmx__store_u16le(h + 8 + 2 * k, f[k]);
    nmx__store_u32le(h + 24, (uint32_t)table_off);
    nmx__store_u32le(h + 28, (uint32_t)table_len);
    if (w->code == 0 && fseek(w->f, 0, SEEK_SET) != 0)
        fail(w, NMERR_FILE_WRITE_ERROR, "seek failed: %s", strerror(errno));
    if (w->code == 0)
        put(w, h, sizeof h);
}

/* Frees the writer; `keep` renames the file into place when nothing failed. */
static unsigned finish(nmx_capwriter_t *w, bool keep, nmx_error_t *err)
{
    nmx__error_clear(err);
    if (w == NULL)
        return 0;
    if (keep && w->format == NMX_CAPW_NETMON2 && w->code == 0)
        finish_netmon(w);
    char why[256];
    if (keep && w->code == 0 && nmx__outfile_commit(&w->out, why, sizeof why) != 0)
        fail(w, NMERR_FILE_WRITE_ERROR, "%s", why);
    nmx__outfile_discard(&w->out); /* after a commit: nothing left to do */
    unsigned rc = w->code;
    if (rc != 0)
        nmx__error_set(err, rc, NULL, NMX_OFFSET_UNKNOWN, "%s", w->msg);
    free(w->table);
    free(w->buffer);
    free(w->path);
    free(w);
    return rc;
}

unsigned nmx__capwriter_close(nmx_capwriter_t *w, nmx_error_t *err)
{
    return finish(w, true, err);
}

void nmx__capwriter_discard(nmx_capwriter_t *w)
{
    nmx_error_t err;
    finish(w, false, &err);
}
