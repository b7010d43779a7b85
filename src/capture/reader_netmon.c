/*
 * reader_netmon.c - Network Monitor 1.x and 2.0-2.3 capture files, from the
 * format facts in spec section 7.
 *
 *   header (72 bytes used; 128 reserved)     frame table (at FrameTableOffset)
 *   +-----------------------------------+    +--------------------------+
 *   | "RTSS" (1.x) or "GMBU" (2.x)      |    | u32 file offset, frame 0 |
 *   | minor u8, major u8, MacType u16   |    | u32 file offset, frame 1 |
 *   | SYSTEMTIME start (8 x u16)        |    | ...                      |
 *   | frame table offset, length  u32   |    +--------------------------+
 *   | user data, comment data,          |
 *   | statistics (2.2+: process info),  |    2.x record: i64 us since start |
 *   | network info: offset, length u32  |      u32 wire len | u32 stored len |
 *   +-----------------------------------+      data | 2.1+ trailer (media type,
 *                                              2.2 process index, 2.3 UTC FILETIME)
 *   1.x record: u32 ms since start | u16 wire len | u16 stored len | data
 *
 * All integers are little-endian.  Frames are found through the table only
 * (records need not be contiguous nor in order).  The header and the table's
 * placement must be good or the open fails; a bad table entry or record stops
 * reading there (damage), with the frames before it kept.  A bad comment
 * section is reported as damage too, but does not stop the frames.
 *
 * Time: the header's SYSTEMTIME carries no time zone; it is read as UTC
 * (docs/capture.md).  Version 2.3 records carry their own UTC FILETIME, used
 * instead of start + offset.  Special media types (ETW events 0xFFE0, the
 * filter string 0xFFFF, network info 0xFFFB/0xFFFD, DNS cache 0xFFFE, ...)
 * become frames of link type NMX_LINK_NETMON_BASE | media type; 0xE000 | N is
 * a converted pcap frame of LINKTYPE_ N.
 */
#include "capture/cap_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include <netmon.h>

#define NETMON_HEADER_LEN 72u
/* 100 ns intervals between 1601-01-01 and 1970-01-01 */
#define FILETIME_UNIX_EPOCH 116444736000000000LL

typedef struct nm_comment {
    uint32_t frame_offset; /* file offset of the frame it belongs to */
    const char *title;
    const char *detail;
} nm_comment_t;

typedef struct nm_state {
    unsigned major;
    unsigned minor;
    uint32_t header_linktype;
    int64_t start_ns;
    bool start_clamped; /* the header's start time is out of range: start_ns is clamped */
    size_t table_off;   /* frame table offset */
    uint32_t entries;   /* frame table entries */
    uint32_t next;      /* next entry */
    unsigned trailer;   /* bytes after the frame data: 0, 2, 6 or 15 */
    nm_comment_t *comments;
    uint32_t n_comments;
    bool pending;       /* a comment-section problem, reported at the end */
    uint64_t pending_off;
    char pending_why[NMX_ERROR_MSG_MAX];
    nmx_cap_window_t tw; /* the frame table */
    nmx_cap_window_t rw; /* records */
    nmx_cap_window_t cw; /* comments */
} nm_state_t;

static nmx_probe_t nm_probe(const nmx_cap_t *cap, const uint8_t *head, size_t len, nmx_error_t *err)
{
    (void)cap;
    (void)err;
    if (len >= 4 && (memcmp(head, "GMBU", 4) == 0 || memcmp(head, "RTSS", 4) == 0))
        return NMX_PROBE_MINE;
    return NMX_PROBE_NOT_MINE;
}

/* Link type of a NetMon media type (header MacType or 2.1+ per-frame trailer). */
static uint32_t media_to_linktype(uint16_t m)
{
    switch (m) {
    case 0: /* MAC_TYPE_UNKNOWN: Ethernet in practice (NetMon 3 VPN captures) */
    case 1:
        return NMX_LINK_ETHERNET;
    case 2:
        return NMX_LINK_TOKEN_RING;
    case 3:
        return NMX_LINK_FDDI;
    case 4:
        return NMX_LINK_NETMON_ATM;
    case 5:
        return NMX_LINK_NETMON_1394;
    case 6:
        return NMX_LINK_NETMON_80211;
    case 7: /* tunnelling interfaces */
    case 8: /* wireless WAN */
    case 9: /* raw IP frames */
        return NMX_LINK_RAW;
    default:
        break;
    }
    if ((m & 0xF000u) == 0xE000u && !(m >= 0xE080u && m <= 0xE08Au))
        return m & 0x0FFFu; /* converted pcap: 0xE000 | LINKTYPE_ */
    return NMX_LINK_NETMON_BASE | m;
}

static bool systemtime_valid(const nmx_systemtime_t *t)
{
    return t->month >= 1 && t->month <= 12 && t->day >= 1 && t->day <= 31 && t->hour < 24 &&
           t->minute < 60 && t->second < 60 && t->milliseconds < 1000;
}

/* A valid SYSTEMTIME in ns since 1970; false (and *ns clamped) for years
 * outside the int64 range (any u16 year is valid as a date). */
static bool systemtime_to_ns(const nmx_systemtime_t *t, int64_t *ns)
{
    /* |days| < 2^25 for any u16 year: the seconds fit easily. */
    int64_t days = nmx__days_from_civil(t->year, t->month, t->day);
    int64_t secs = days * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
    if (__builtin_mul_overflow(secs, (int64_t)1000000000, ns) ||
        __builtin_add_overflow(*ns, (int64_t)t->milliseconds * 1000000, ns)) {
        *ns = secs < 0 ? INT64_MIN : INT64_MAX;
        return false;
    }
    return true;
}

static int comment_cmp(const void *a, const void *b)
{
    const nm_comment_t *x = a, *y = b;
    return x->frame_offset < y->frame_offset ? -1 : x->frame_offset > y->frame_offset;
}

static void pend(nm_state_t *s, uint64_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void pend(nm_state_t *s, uint64_t off, const char *fmt, ...)
{
    if (s->pending)
        return;
    s->pending = true;
    s->pending_off = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->pending_why, sizeof s->pending_why, fmt, ap);
    va_end(ap);
}

/*
 * Text of `len` bytes at `off` (UTF-16LE, or 8-bit kept as it is) in the
 * capture's pool; NULL when dropped (over the text budget, not even read)
 * or, with *unreadable set, when the bytes cannot be read.
 */
static const char *nm_text(nmx_cap_t *cap, nm_state_t *s, uint64_t off, uint32_t len, bool utf16,
                           bool *unreadable)
{
    if (!nmx__cap_text_len_ok(cap, utf16 ? (size_t)len / 2 * 3 : len))
        return NULL;
    const uint8_t *t = nmx__cap_view(cap, &s->cw, off, len);
    if (t == NULL) {
        *unreadable = true;
        return NULL;
    }
    return utf16 ? nmx__cap_utf16le(cap, t, len) : nmx__cap_strdup(cap, t, len);
}

/* A u32 of the comment section at `off`, or false (pending damage) when it cannot be read. */
static bool comment_u32(nmx_cap_t *cap, nm_state_t *s, uint64_t off, uint32_t *v)
{
    const uint8_t *p = nmx__cap_view(cap, &s->cw, off, 4);
    if (p == NULL) {
        pend(s, off, "cannot read 4 bytes at offset %llu: %s", (unsigned long long)off,
             NMX_CAP_SHRANK_REASON);
        return false;
    }
    *v = nmx__load_u32le(p);
    return true;
}

/*
 * NetMon 2.2+ frame comments: entries of
 *   u32 frames per comment (1) | u32 frame offset | u32 title bytes | UTF-16 title |
 *   u32 description bytes | description (RTF)
 */
/* The whole entries (each at least 16 bytes) of the comment section from
 * off to end, in *count; false when the file cannot be read. */
static bool count_comments(nmx_cap_t *cap, nm_state_t *s, uint64_t off, uint64_t end, uint32_t *count)
{
    *count = 0;
    uint64_t pos = off;
    while (end - pos > 16) {
        uint32_t title_len, desc_len;
        if (!comment_u32(cap, s, pos + 8, &title_len))
            return false;
        uint64_t p = pos + 12;
        if (title_len > end - p || end - p - title_len < 4)
            break;
        p += title_len;
        if (!comment_u32(cap, s, p, &desc_len))
            return false;
        p += 4;
        if (desc_len > end - p)
            break;
        pos = p + desc_len;
        (*count)++;
    }
    return true;
}

static void read_comment_table(nmx_cap_t *cap, nm_state_t *s, uint32_t off, uint32_t len)
{
    if ((uint64_t)off + len > cap->size) {
        pend(s, 40, "comment section (offset %u, %u bytes) extends beyond the end of the file (%zu bytes)",
             off, len, cap->size);
        return;
    }
    const uint64_t end = (uint64_t)off + len;
    /* Count the entries first, then allocate for them: at most one comment
     * per frame-table entry is kept. */
    uint32_t count;
    if (!count_comments(cap, s, off, end, &count))
        return;
    if (count > s->entries) {
        nmx__cap_warn(cap, "%u frame comments for %u frames; the extra ones are ignored", count,
                      s->entries);
        count = s->entries;
    }
    s->comments = count > 0 ? calloc(count, sizeof *s->comments) : NULL;
    if (count > 0 && s->comments == NULL) {
        nmx__cap_warn(cap, "out of memory for %u frame comments; comments dropped", count);
        return;
    }
    uint64_t pos = off;
    while (end - pos > 16) {
        uint64_t at = pos;
        uint32_t frame_off, title_len, desc_len;
        if (!comment_u32(cap, s, pos + 4, &frame_off) || !comment_u32(cap, s, pos + 8, &title_len))
            break;
        pos += 12;
        if (title_len > end - pos) {
            pend(s, at, "comment title of %u bytes is larger than what is left of the comment section (%llu)",
                 title_len, (unsigned long long)(end - pos));
            break;
        }
        uint64_t title = pos;
        pos += title_len;
        if (end - pos < 4) {
            pend(s, pos, "comment section ends inside a comment entry");
            break;
        }
        if (!comment_u32(cap, s, pos, &desc_len))
            break;
        pos += 4;
        if (desc_len > end - pos) {
            pend(s, at, "comment description of %u bytes is larger than what is left of the comment section (%llu)",
                 desc_len, (unsigned long long)(end - pos));
            break;
        }
        uint64_t desc = pos;
        pos += desc_len;
        if (s->n_comments == count)
            continue; /* more comments than frames: checked, not kept */
        nm_comment_t *e = &s->comments[s->n_comments++];
        bool unreadable = false;
        e->frame_offset = frame_off;
        e->title = nm_text(cap, s, title, title_len, true, &unreadable);
        e->detail = desc_len > 0 ? nm_text(cap, s, desc, desc_len, false, &unreadable) : NULL;
        if (unreadable) {
            pend(s, at, "cannot read comment %u: %s", s->n_comments, NMX_CAP_SHRANK_REASON);
            break;
        }
    }
    if (s->n_comments > 1)
        qsort(s->comments, s->n_comments, sizeof *s->comments, comment_cmp);
}

/* The header's start time (SYSTEMTIME at 8): the origin of 1.x-2.2 frame
 * times; clamped or invalid starts are said. */
static void header_start_time(nmx_cap_t *cap, nm_state_t *s, const uint8_t *h)
{
    nmx_systemtime_t *st = &cap->systime;
    uint16_t *stf[8] = {&st->year, &st->month, &st->day_of_week, &st->day,
                        &st->hour, &st->minute, &st->second, &st->milliseconds};
    for (int k = 0; k < 8; k++)
        *stf[k] = nmx__load_u16le(h + 8 + 2 * k);
    cap->have_header_systime = true;
    if (!systemtime_valid(st)) {
        s->start_ns = 0;
        nmx__cap_warn(cap, "the header's start time %04u-%02u-%02u %02u:%02u:%02u.%03u is not a valid "
                      "date; frame times are relative to 1970-01-01",
                      st->year, st->month, st->day, st->hour, st->minute, st->second,
                      st->milliseconds);
        return;
    }
    /* 2.3 records carry their own UTC times: the start is not used. */
    bool own_times = s->major == 2 && s->minor >= 3;
    bool in_range = systemtime_to_ns(st, &s->start_ns);
    if (in_range && !own_times) {
        /* Frame times are offsets from it: FRAME.TimeStamp keeps them. */
        cap->have_origin = true;
        cap->origin_ns = s->start_ns;
    }
    if (!in_range && !own_times) {
        s->start_clamped = true;
        nmx__cap_time_damage(cap, 8,
                             "the header's start time %04u-%02u-%02u %02u:%02u:%02u.%03u is "
                             "outside the representable range (%s); frame times clamped",
                             st->year, st->month, st->day, st->hour, st->minute, st->second,
                             st->milliseconds, NMX_CAP_TIME_RANGE);
    }
}

/* The header's comments (offset and length at 40): 2.2+ frame comments, or
 * the 1.x-2.1 capture comment in 8-bit text. */
static void header_comments(nmx_cap_t *cap, nm_state_t *s, uint32_t cd_off, uint32_t cd_len)
{
    if (cd_len == 0)
        return;
    if (s->major == 2 && s->minor >= 2) {
        read_comment_table(cap, s, cd_off, cd_len);
        return;
    }
    if ((uint64_t)cd_off + cd_len > cap->size) {
        pend(s, 40, "comment (offset %u, %u bytes) extends beyond the end of the file (%zu bytes)",
             cd_off, cd_len, cap->size);
        return;
    }
    bool unreadable = false;
    nmx__cap_capture_comment(cap, nm_text(cap, s, cd_off, cd_len, false, &unreadable));
    if (unreadable)
        pend(s, cd_off, "cannot read the comment (%u bytes at offset %u): %s", cd_len, cd_off,
             NMX_CAP_SHRANK_REASON);
}

static unsigned nm_open(nmx_cap_t *cap, void **priv, nmx_error_t *err)
{
    if (cap->size < NETMON_HEADER_LEN)
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, cap->size,
                             "truncated NetMon file header: %zu of %u bytes", cap->size,
                             NETMON_HEADER_LEN);
    nm_state_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, 0, "out of memory");
    *priv = s;
    uint8_t h[NETMON_HEADER_LEN];
    const uint8_t *hv = nmx__cap_view(cap, &s->rw, 0, NETMON_HEADER_LEN);
    if (hv == NULL)
        return nmx__cap_fail_unreadable(cap, err, 0, NETMON_HEADER_LEN);
    memcpy(h, hv, sizeof h);
    s->minor = h[4];
    s->major = h[5];
    bool v1 = memcmp(h, "RTSS", 4) == 0;
    if (s->major > 2 || (s->major == 2 && s->minor > 3))
        return nmx__cap_fail(cap, err, NMERR_UPLEVEL_CAPTURE_FILE, 4,
                             "NetMon file version %u.%u is newer than 2.3, the last one known",
                             s->major, s->minor);
    if (s->major != (v1 ? 1u : 2u))
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 4,
                             "NetMon file version %u.%u does not match its signature \"%.4s\"",
                             s->major, s->minor, (const char *)h);
    uint16_t mactype = nmx__load_u16le(h + 6);
    cap->header_mactype = mactype;
    header_start_time(cap, s, h);

    uint32_t table_off = nmx__load_u32le(h + 24);
    uint32_t table_len = nmx__load_u32le(h + 28);
    if (table_len % 4 != 0)
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 28,
                             "frame table length %u is not a multiple of 4", table_len);
    if ((uint64_t)table_off + table_len > cap->size)
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 24,
                             "frame table (offset %u, %u bytes) extends beyond the end of the file "
                             "(%zu bytes)",
                             table_off, table_len, cap->size);
    if (table_len / 4 > NMX_CAP_MAX_FRAMES)
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 28,
                             "frame table of %u entries is larger than the limit of %u",
                             table_len / 4, (unsigned)NMX_CAP_MAX_FRAMES);
    s->table_off = table_off;
    s->entries = table_len / 4;
    s->header_linktype = media_to_linktype(mactype);
    s->trailer = s->major == 1 ? 0 : (s->minor == 0 ? 0 : s->minor == 1 ? 2 : s->minor == 2 ? 6 : 15);

    header_comments(cap, s, nmx__load_u32le(h + 40), nmx__load_u32le(h + 44));

    cap->format = v1 ? NMX_CAPFMT_NETMON1 : NMX_CAPFMT_NETMON2;
    cap->time_digits = s->major == 1 ? 3 : (s->minor >= 3 ? 7 : 6);
    snprintf(cap->format_detail, sizeof cap->format_detail, "NetMon %u.%u, MAC type %u, %u frames",
             s->major, s->minor, mactype, s->entries);
    nmx_cap_iface_t iface = {
        .linktype = s->header_linktype,
        .time_digits = (uint8_t)cap->time_digits,
    };
    if (nmx__cap_add_iface(cap, &iface, 6, err) < 0)
        return err != NULL ? err->code : NMERR_OUT_OF_MEMORY;
    (void)nmx__cap_reserve(cap, s->entries);
    return 0;
}

static void attach_comment(nmx_cap_t *cap, const nm_state_t *s, uint32_t frame_off)
{
    uint32_t lo = 0, hi = s->n_comments;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->comments[mid].frame_offset < frame_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < s->n_comments && s->comments[lo].frame_offset == frame_off; lo++)
        nmx__cap_add_frame_comment(cap, s->comments[lo].title, s->comments[lo].detail);
}

/* A record header's lengths and time offset; returns NMX_FRAME_TS_CLAMPED
 * when the offset does not fit in nanoseconds, else 0. */
static uint16_t record_header(const nm_state_t *s, const uint8_t *b, uint32_t *wirelen, uint32_t *caplen,
                              int64_t *delta_ns)
{
    if (s->major == 1) {
        *delta_ns = (int64_t)nmx__load_u32le(b) * 1000000;
        *wirelen = nmx__load_u16le(b + 4);
        *caplen = nmx__load_u16le(b + 6);
        return 0;
    }
    uint16_t flags = 0;
    /* Documented as unsigned microseconds, but negative values occur: ten times it is a
     * signed count of 100 ns (spec 7.3); wrap-around is defined in unsigned arithmetic. */
    int64_t ticks = (int64_t)(nmx__load_u64le(b) * 10u);
    if (__builtin_mul_overflow(ticks, (int64_t)100, delta_ns)) {
        flags |= NMX_FRAME_TS_CLAMPED;
        *delta_ns = ticks < 0 ? INT64_MIN : INT64_MAX;
    }
    *wirelen = nmx__load_u32le(b + 8);
    *caplen = nmx__load_u32le(b + 12);
    return flags;
}

/* A 2.1+ record trailer `t`: the frame's media type and, from 2.3, its own
 * UTC time, which replaces start + offset. */
static void record_trailer(const nm_state_t *s, const uint8_t *t, nmx_frame_rec_t *rec, uint16_t *flags)
{
    rec->linktype = media_to_linktype(nmx__load_u16le(t));
    if (s->trailer < 15)
        return;
    *flags &= (uint16_t)~NMX_FRAME_TS_CLAMPED;
    uint64_t ft = nmx__load_u64le(t + 6);
    __int128 ns = ((__int128)ft - FILETIME_UNIX_EPOCH) * 100;
    if (ns < INT64_MIN || ns > INT64_MAX) {
        *flags |= NMX_FRAME_TS_CLAMPED;
        ns = ns < 0 ? INT64_MIN : INT64_MAX;
    }
    rec->ts_ns = (int64_t)ns;
}

static nmx_next_t nm_next(nmx_cap_t *cap, void *priv, nmx_frame_rec_t *rec, nmx_error_t *err)
{
    nm_state_t *s = priv;
    if (s->next >= s->entries) {
        if (s->pending)
            return nmx__cap_set_damage(cap, err, s->pending_off, "%s", s->pending_why);
        return NMX_NEXT_EOF;
    }
    uint32_t i = s->next;
    size_t entry_at = s->table_off + 4 * (size_t)i;
    unsigned hdr = s->major == 1 ? 8 : 16;
    nmx_next_t r;
    const uint8_t *e = nmx__cap_view(cap, &s->tw, entry_at, 4);
    if (e == NULL) {
        r = nmx__cap_unreadable(cap, err, entry_at, 4);
        goto out_damage;
    }
    uint32_t off = nmx__load_u32le(e);
    if (off >= cap->size) {
        r = nmx__cap_set_damage(cap, err, entry_at,
                            "frame table entry %u points to offset %u, beyond the end of the file "
                            "(%zu bytes)",
                            i, off, cap->size);
        goto out_damage;
    }
    if (cap->size - off < hdr) {
        r = nmx__cap_set_damage(cap, err, off, "frame %u: truncated record header: %zu of %u bytes", i,
                            cap->size - off, hdr);
        goto out_damage;
    }
    const uint8_t *b = nmx__cap_view(cap, &s->rw, off, hdr);
    if (b == NULL) {
        r = nmx__cap_unreadable(cap, err, off, hdr);
        goto out_damage;
    }
    uint32_t wirelen, caplen;
    int64_t delta_ns;
    uint16_t flags = record_header(s, b, &wirelen, &caplen, &delta_ns);
    size_t room = cap->size - off - hdr;
    if (caplen > room || s->trailer > room - caplen) {
        r = nmx__cap_set_damage(cap, err, off,
                            "frame %u: record of %u stored bytes%s runs past the end of the file "
                            "(%zu bytes left)",
                            i, caplen, s->trailer ? " plus trailer" : "", room);
        goto out_damage;
    }
    rec->data_off = (uint64_t)off + hdr;
    rec->caplen = caplen;
    rec->wirelen = wirelen;
    rec->linktype = s->header_linktype;
    rec->ts_ns = nmx__ts_add(s->start_ns, delta_ns, &flags);
    if (s->start_clamped) {
        /* start + offset means nothing when the start is clamped */
        rec->ts_ns = s->start_ns;
        flags |= NMX_FRAME_TS_CLAMPED;
    }
    if (s->trailer > 0) {
        uint64_t trailer_at = (uint64_t)off + hdr + caplen;
        const uint8_t *t = nmx__cap_view(cap, &s->rw, trailer_at, s->trailer);
        if (t == NULL) {
            r = nmx__cap_unreadable(cap, err, trailer_at, s->trailer);
            goto out_damage;
        }
        record_trailer(s, t, rec, &flags);
    }
    rec->flags = flags;
    if (s->n_comments > 0)
        attach_comment(cap, s, off);
    s->next++;
    return NMX_NEXT_FRAME;

out_damage:
    if (s->pending)
        nmx__cap_warn(cap, "also: offset %llu: %s", (unsigned long long)s->pending_off,
                      s->pending_why);
    return r;
}

static void nm_close(void *priv)
{
    nm_state_t *s = priv;
    if (s != NULL) {
        free(s->comments);
        nmx__cap_window_free(&s->tw);
        nmx__cap_window_free(&s->rw);
        nmx__cap_window_free(&s->cw);
    }
    free(s);
}

const nmx_cap_reader_t nmx__netmon_reader = {
    .name = "netmon",
    .probe = nm_probe,
    .open = nm_open,
    .next = nm_next,
    .close = nm_close,
};
