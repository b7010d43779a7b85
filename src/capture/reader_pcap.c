/*
 * reader_pcap.c - the libpcap savefile reader: every variant (both byte
 * orders, microsecond magic a1b2c3d4, nanosecond magic a1b23c4d, the modified
 * "Kuznetzov" magic a1b2cd34 with its 24-byte record header, and the pre-2.3
 * order of the two length fields).
 *
 *   file header (24 bytes)          record header (16, or 24 modified)
 *   +------------------------+      +------------------------+
 *   | magic            u32   |      | ts_sec            u32  |
 *   | version major/minor u16|      | ts_usec or ts_nsec u32 |
 *   | thiszone         i32   |      | incl_len (stored) u32  |
 *   | sigfigs          u32   |      | orig_len (wire)   u32  |
 *   | snaplen          u32   |      | [modified: ifindex u32,|
 *   | linktype         u32   |      |  protocol u16, type u8,|
 *   +------------------------+      |  pad u8]               |
 *                                   +------------------------+ then incl_len bytes
 *
 * libpcap would copy every packet into its own buffer and gives no file
 * offsets, so the index is built by walking the records directly: their
 * headers only, through a pread window when the file is mapped (never the
 * mapping), else in the image (docs/capture.md explains the choice; the
 * tests use libpcap as the peer).
 */
#include "capture/cap_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include <netmon.h>

#define PCAP_MAGIC_USEC 0xA1B2C3D4u
#define PCAP_MAGIC_NSEC 0xA1B23C4Du
#define PCAP_MAGIC_MODIFIED 0xA1B2CD34u
#define PCAP_FILE_HEADER_LEN 24u

enum { LENGTHS_IN_ORDER, LENGTHS_SWAPPED, LENGTHS_MAYBE_SWAPPED };

typedef struct pcap_state {
    bool big_endian;
    unsigned record_header_len; /* 16, or 24 for the modified format */
    int lengths;                /* LENGTHS_* */
    uint64_t sub_units;         /* units per second of the sub-second field */
    uint32_t linktype;
    uint32_t max_record;        /* NMX_CAP_MAX_PCAP_RECORD, or larger for a few link types */
    size_t off;                 /* next record */
    nmx_cap_window_t win;       /* record headers, read ahead (a thousand or so a read) */
} pcap_state_t;

static uint32_t load32(const pcap_state_t *s, const uint8_t *p)
{
    return s->big_endian ? nmx__load_u32be(p) : nmx__load_u32le(p);
}

static nmx_probe_t pcap_probe(const nmx_cap_t *cap, const uint8_t *head, size_t len, nmx_error_t *err)
{
    (void)cap;
    (void)err;
    if (len < 4)
        return NMX_PROBE_NOT_MINE;
    uint32_t le = nmx__load_u32le(head), be = nmx__load_u32be(head);
    if (le == PCAP_MAGIC_USEC || le == PCAP_MAGIC_NSEC || le == PCAP_MAGIC_MODIFIED ||
        be == PCAP_MAGIC_USEC || be == PCAP_MAGIC_NSEC || be == PCAP_MAGIC_MODIFIED)
        return NMX_PROBE_MINE;
    return NMX_PROBE_NOT_MINE;
}

/* Link types whose packets may exceed the standard maximum (as libpcap allows). */
static uint32_t max_record_for(uint32_t linktype)
{
    switch (linktype) {
    case 231: /* LINKTYPE_DBUS: messages up to 128 MiB */
        return 128u * 1024 * 1024;
    case 220: /* LINKTYPE_USB_LINUX_MMAPPED */
    case 249: /* LINKTYPE_USBPCAP */
        return 1024u * 1024;
    default:
        return NMX_CAP_MAX_PCAP_RECORD;
    }
}

static unsigned pcap_open(nmx_cap_t *cap, void **priv, nmx_error_t *err)
{
    if (cap->size < PCAP_FILE_HEADER_LEN)
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, cap->size,
                             "truncated pcap file header: %zu of %u bytes", cap->size,
                             PCAP_FILE_HEADER_LEN);
    pcap_state_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, 0, "out of memory");
    *priv = s;
    const uint8_t *h = nmx__cap_view(cap, &s->win, 0, PCAP_FILE_HEADER_LEN);
    if (h == NULL)
        return nmx__cap_fail_unreadable(cap, err, 0, PCAP_FILE_HEADER_LEN);
    uint32_t magic = nmx__load_u32le(h);
    s->big_endian = !(magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC ||
                      magic == PCAP_MAGIC_MODIFIED);
    if (s->big_endian)
        magic = nmx__load_u32be(h);
    uint16_t major = s->big_endian ? nmx__load_u16be(h + 4) : nmx__load_u16le(h + 4);
    uint16_t minor = s->big_endian ? nmx__load_u16be(h + 6) : nmx__load_u16le(h + 6);
    uint32_t snaplen = load32(s, h + 16);
    uint32_t ltfield = load32(s, h + 20);

    /* Versions 2.0-2.4, and 543.0 (DG/UX tcpdump), as libpcap accepts. */
    if (major == 2 && minor <= 4)
        s->lengths = minor < 3 ? LENGTHS_SWAPPED
                               : (minor == 3 ? LENGTHS_MAYBE_SWAPPED : LENGTHS_IN_ORDER);
    else if (major == 543 && minor == 0)
        s->lengths = LENGTHS_SWAPPED;
    else
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 4,
                             "unsupported pcap version %u.%u", major, minor);
    /* Bits 16-25 of the link-type field are reserved and must be zero. */
    if (ltfield & 0x03FF0000u)
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 20,
                             "pcap link-type field 0x%08x has reserved bits set", ltfield);
    s->linktype = ltfield & 0xFFFFu;
    s->max_record = max_record_for(s->linktype);
    s->record_header_len = magic == PCAP_MAGIC_MODIFIED ? 24u : 16u;
    s->sub_units = magic == PCAP_MAGIC_NSEC ? 1000000000u : 1000000u;
    s->off = PCAP_FILE_HEADER_LEN;

    cap->format = NMX_CAPFMT_PCAP;
    cap->time_digits = magic == PCAP_MAGIC_NSEC ? 9 : 6;
    snprintf(cap->format_detail, sizeof cap->format_detail, "%spcap %u.%u, %s-endian, %s",
             magic == PCAP_MAGIC_MODIFIED ? "modified (Kuznetzov) " : "", major, minor,
             s->big_endian ? "big" : "little",
             magic == PCAP_MAGIC_NSEC ? "nanoseconds" : "microseconds");
    nmx_cap_iface_t iface = {
        .linktype = s->linktype,
        .snaplen = snaplen,
        .time_digits = (uint8_t)cap->time_digits,
    };
    if (nmx__cap_add_iface(cap, &iface, 0, err) < 0)
        return err != NULL ? err->code : NMERR_OUT_OF_MEMORY;
    return 0;
}

static nmx_next_t pcap_next(nmx_cap_t *cap, void *priv, nmx_frame_rec_t *rec, nmx_error_t *err)
{
    pcap_state_t *s = priv;
    size_t left = cap->size - s->off;
    if (left == 0)
        return NMX_NEXT_EOF;
    if (left < s->record_header_len)
        return nmx__cap_set_damage(cap, err, s->off, "truncated record header: %zu of %u bytes", left,
                               s->record_header_len);
    const uint8_t *h = nmx__cap_view(cap, &s->win, s->off, s->record_header_len);
    if (h == NULL)
        return nmx__cap_unreadable(cap, err, s->off, s->record_header_len);
    uint32_t sec = load32(s, h);
    uint32_t sub = load32(s, h + 4);
    uint32_t incl = load32(s, h + 8);
    uint32_t orig = load32(s, h + 12);
    if (s->lengths == LENGTHS_SWAPPED || (s->lengths == LENGTHS_MAYBE_SWAPPED && incl > orig)) {
        uint32_t t = incl;
        incl = orig;
        orig = t;
    }
    /* A run of zero bytes (preallocated or zeroed file tails) parses as endless empty records. */
    if (incl == 0 && orig == 0)
        return nmx__cap_set_damage(cap, err, s->off,
                               "record with captured and original length 0 (corrupt record header)");
    if (incl > s->max_record)
        return nmx__cap_set_damage(cap, err, s->off,
                               "record length %u is larger than the maximum of %u (corrupt record "
                               "header)",
                               incl, s->max_record);
    if (incl > left - s->record_header_len)
        return nmx__cap_set_damage(cap, err, s->off,
                               "truncated record: %u bytes of packet data, only %zu left in the file",
                               incl, left - s->record_header_len);
    rec->data_off = s->off + s->record_header_len;
    rec->caplen = incl;
    rec->wirelen = orig;
    rec->linktype = s->linktype;
    rec->ts_ns = nmx__ts_from_parts((int64_t)sec, sub, s->sub_units, &rec->flags);
    s->off += s->record_header_len + (size_t)incl;
    return NMX_NEXT_FRAME;
}

static void pcap_close(void *priv)
{
    pcap_state_t *s = priv;
    if (s != NULL)
        nmx__cap_window_free(&s->win);
    free(priv);
}

const nmx_cap_reader_t nmx__pcap_reader = {
    .name = "pcap",
    .probe = pcap_probe,
    .open = pcap_open,
    .next = pcap_next,
    .close = pcap_close,
};
