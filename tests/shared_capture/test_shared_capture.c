/*
 * test_shared_capture.c - the capture layer against the shared capture set
 * ($NMX_SHARED_CAPTURES, ../shared/captures): one cmocka test per file.
 *
 *   test_shared_capture frames FOLDER...   frame count = MANIFEST.tsv `frames`;
 *                                          per-frame frame.len, frame.cap_len and
 *                                          frame.time_epoch = tshark's; pcap files
 *                                          frame by frame = libpcap's (bytes too)
 *   test_shared_capture malformed          every file rejected, or stopped with
 *                                          damage naming file, offset and reason
 *   test_shared_capture info               `nmexpert info --format json` agrees
 *                                          with capinfos (count, data size, first
 *                                          and last time, encapsulation); damaged
 *                                          and unreadable files exit 2 with a message
 *   test_shared_capture roundtrip          read, write pcap and NetMon 2.x, read back:
 *                                          identical frames
 *
 * Everything skips visibly (cmocka "SKIPPED", with the reason on stderr) when
 * the set, tshark, capinfos or the nmexpert binary is missing.  Where we
 * decide differently from Wireshark on purpose, the expected value is in the
 * `exceptions` table below with the reason (docs/capture.md).
 */
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>

#include "../unit/capture/captest.h"
#include "capture/cap_internal.h"
#include "../nmx_skip.h"

typedef struct entry {
    char file[256];   /* path relative to the set, "real/x.pcap" */
    char frames[64];  /* MANIFEST `frames`: "249", "24 before error", "-" */
    char format[64];  /* MANIFEST `format` */
} entry_t;

static char root[1024];
static entry_t *entries;
static size_t n_entries;

/* Decisions that differ from Wireshark 4.0 (the reference), with our expected value. */
static const struct {
    const char *file;
    long frames;            /* good frames we index (-1: not applicable) */
    const char *why;
} exceptions[] = {
    {"malformed/suricata_fuzz_huge-caplen.pcap", 1,
     "libpcap agrees: Wireshark's second frame is a misparsed record (1 byte, negative time)"},
    {"malformed/made_fuzz_netmon2-seed3-rate0.01.cap", 42,
     "frames before the first bad frame-table entry are kept; Wireshark rejects the whole file for "
     "its damaged comment section"},
    {"malformed/made_fuzz_nrb-seed7-rate0.02.pcapng", 0,
     "the first section header is good, so the open succeeds and the damaged block is reported"},
};

/* The three files Wireshark 4.0 mishandles (captures/README.md): what we must say instead. */
static const struct {
    const char *file;
    const char *reason;
} better[] = {
    {"malformed/made_zero-length.pcap", "offset 0: empty file (0 bytes): not a pcap, pcapng or NetMon capture"},
    {"malformed/made_netmon2_frame-offset-beyond-eof.cap",
     "frame table entry 3 points to offset 114523, beyond the end of the file"},
    {"malformed/made_pcapng_missing-shb.pcapng", "offset 0: not a pcap, pcapng or NetMon capture"},
};

static const char *better_reason(const char *file)
{
    for (size_t k = 0; k < sizeof better / sizeof better[0]; k++)
        if (strcmp(better[k].file, file) == 0)
            return better[k].reason;
    return NULL;
}

static long exception_frames(const char *file)
{
    for (size_t k = 0; k < sizeof exceptions / sizeof exceptions[0]; k++)
        if (strcmp(exceptions[k].file, file) == 0)
            return exceptions[k].frames;
    return -2;
}

/* Frames whose time we normalise where tshark wraps: (file, frame, expected ns). */
static const struct {
    const char *file;
    uint32_t frame;
    int64_t ns;
} time_exceptions[] = {
    /* ts_usec = 2^31: tshark computes usec * 1000 in 32 bits (giving .000000000); we carry it. */
    {"edge/tcpdump_timestamp_invalid_micro.pcap", 2, 1418147517483648000LL},
};

static bool time_exception(const char *file, uint32_t frame, int64_t *ns)
{
    for (size_t k = 0; k < sizeof time_exceptions / sizeof time_exceptions[0]; k++)
        if (strcmp(time_exceptions[k].file, file) == 0 && time_exceptions[k].frame == frame) {
            *ns = time_exceptions[k].ns;
            return true;
        }
    return false;
}

static bool load_manifest(void)
{
    const char *env = getenv("NMX_SHARED_CAPTURES");
    const char *src = getenv("NMX_SOURCE_DIR");
    if (env != NULL && env[0] != '\0')
        snprintf(root, sizeof root, "%s", env);
    else
        snprintf(root, sizeof root, "%s/../shared/captures", src != NULL ? src : ".");
    char path[1100];
    snprintf(path, sizeof path, "%s/MANIFEST.tsv", root);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    char line[8192];
    size_t cap = 0;
    bool header = true;
    while (fgets(line, sizeof line, f) != NULL) {
        if (header) {
            header = false;
            continue;
        }
        char *cols[5] = {0};
        char *save = NULL;
        char *t = strtok_r(line, "\t\n", &save);
        for (int k = 0; k < 5 && t != NULL; k++, t = strtok_r(NULL, "\t\n", &save))
            cols[k] = t;
        if (cols[3] == NULL)
            continue;
        if (n_entries == cap) {
            cap = cap ? cap * 2 : 128;
            entries = realloc(entries, cap * sizeof *entries);
            if (entries == NULL)
                abort();
        }
        entry_t *e = &entries[n_entries++];
        snprintf(e->file, sizeof e->file, "%s", cols[0]);
        snprintf(e->format, sizeof e->format, "%s", cols[1]);
        snprintf(e->frames, sizeof e->frames, "%s", cols[3]);
    }
    fclose(f);
    return n_entries > 0;
}

static void full_path(const entry_t *e, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", root, e->file);
}

static bool is_malformed(const entry_t *e)
{
    return strncmp(e->file, "malformed/", 10) == 0;
}

/* "1418145370.1000000000" -> ns; more than 9 fraction digits is a raw over-range count. */
static bool parse_epoch(const char *s, int64_t *ns)
{
    char *end;
    long long sec = strtoll(s, &end, 10);
    if (end == s)
        return false;
    long long frac = 0;
    if (*end == '.') {
        const char *f = end + 1;
        size_t digits = strspn(f, "0123456789");
        frac = strtoll(f, NULL, 10);
        for (size_t k = digits; k < 9; k++)
            frac *= 10;
    }
    *ns = (int64_t)sec * 1000000000LL + frac;
    return true;
}

/* "2016-08-08T09:43:59.0596839Z" -> ns. */
static bool parse_iso(const char *s, int64_t *ns)
{
    int y, mo, d, h, mi, se, used = 0;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &se, &used) != 6)
        return false;
    int64_t frac = 0;
    const char *f = s + used;
    if (*f == '.') {
        f++;
        size_t digits = strspn(f, "0123456789");
        frac = strtoll(f, NULL, 10);
        for (size_t k = digits; k < 9; k++)
            frac *= 10;
    }
    int64_t days = nmx__days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ns = ((days * 24 + h) * 60 + mi) * 60 * 1000000000LL + (int64_t)se * 1000000000LL + frac;
    return true;
}

static bool have_tshark;
static bool have_capinfos;
static char nmexpert[1200];

/* ---- frames ---------------------------------------------------------------- */

static void compare_tshark(const entry_t *e, const char *path, const nmx_cap_t *cap)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd,
             "TZ=UTC tshark -r '%s' -T fields -e frame.len -e frame.cap_len -e frame.time_epoch "
             "2>/dev/null",
             path);
    char *out = run_output(cmd);
    assert_non_null(out);
    uint32_t i = 0, bad = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save), i++) {
        unsigned len, caplen;
        char epoch[64];
        assert_int_equal(sscanf(line, "%u\t%u\t%63s", &len, &caplen, epoch), 3);
        int64_t ns = 0; /* set by parse_epoch (cmocka's assert does not tell the compiler it returns only then) */
        assert_true(parse_epoch(epoch, &ns));
        (void)time_exception(e->file, i, &ns);
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
        if (r == NULL)
            break;
        if (r->wirelen != len || r->caplen != caplen || r->ts_ns != ns) {
            if (bad++ < 5)
                print_error("%s frame %u: tshark %s, ours %u %u %lld\n", e->file, i + 1, line,
                            r->wirelen, r->caplen, (long long)r->ts_ns);
        }
    }
    free(out);
    assert_int_equal(i, nmx__cap_count(cap));
    assert_int_equal(bad, 0);
}

static void compare_libpcap(const entry_t *e, const char *path, const nmx_cap_t *cap)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    if (p == NULL) {
        /* libpcap refuses some valid pcapng files (mixed snap lengths); pcap it must read. */
        assert_int_not_equal(nmx__cap_format(cap), NMX_CAPFMT_PCAP);
        return;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint32_t i = 0;
    int rc;
    uint32_t snaplen = (uint32_t)pcap_snapshot(p);
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
        assert_non_null(r);
        /* libpcap cuts records longer than the file's snap length to it; we keep them whole,
         * as Wireshark does (edge/zeek_trunc-hdr_caplen8.pcap has snap length 1). */
        if (r->caplen > snaplen && h->caplen == snaplen) {
            assert_memory_equal(nmx__cap_data(cap, i), d, h->caplen);
            i++;
            continue;
        }
        if (r->caplen != h->caplen || r->wirelen != h->len ||
            memcmp(nmx__cap_data(cap, i), d, h->caplen) != 0)
            print_error("%s frame %u differs from libpcap\n", e->file, i + 1);
        assert_int_equal(r->caplen, h->caplen);
        assert_int_equal(r->wirelen, h->len);
        assert_memory_equal(nmx__cap_data(cap, i), d, h->caplen);
        /* libpcap's nanosecond field is not normalised; compare the sum. */
        if (!(r->flags & NMX_FRAME_TS_FIXED))
            assert_true(r->ts_ns == (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec);
        i++;
    }
    if (rc == PCAP_ERROR && nmx__cap_format(cap) == NMX_CAPFMT_PCAPNG) {
        /* libpcap stops on some valid pcapng files (interfaces with different snap lengths). */
        fprintf(stderr, "%s: libpcap stopped after %u frames (%s); compared those\n", e->file, i,
                pcap_geterr(p));
        pcap_close(p);
        return;
    }
    pcap_close(p);
    assert_int_equal(i, nmx__cap_count(cap));
}

static void test_frames(void **state)
{
    const entry_t *e = *state;
    char path[1400];
    full_path(e, path, sizeof path);
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    unsigned rc = nmx__cap_open_file(path, &cap, &err);
    if (rc != 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    if (nmx__cap_damage(cap) != NULL)
        print_error("%s\n", nmx__cap_damage(cap)->message);
    assert_null(nmx__cap_damage(cap));
    assert_int_equal(nmx__cap_count(cap), strtoul(e->frames, NULL, 10));
    compare_libpcap(e, path, cap);
    if (have_tshark)
        compare_tshark(e, path, cap);
    nmx__cap_close(cap);
    if (!have_tshark) {
        fprintf(stderr, "tshark not installed: per-frame comparison of %s skipped\n", e->file);
        NMX_SKIP();
    }
}

/* ---- malformed --------------------------------------------------------------- */

static void test_malformed(void **state)
{
    const entry_t *e = *state;
    char path[1400];
    full_path(e, path, sizeof path);
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    unsigned rc = nmx__cap_open_file(path, &cap, &err);
    long want = exception_frames(e->file);
    bool rejected_ref = strstr(e->format, "rejected at open") != NULL || strcmp(e->frames, "0") == 0;
    if (want == -2)
        want = rejected_ref ? -1 : (long)strtoul(e->frames, NULL, 10);
    const char *reason = better_reason(e->file);
    if (reason != NULL) {
        const nmx_cap_damage_t *dm = rc != 0 ? NULL : nmx__cap_damage(cap);
        const char *msg = rc != 0 ? err.msg : dm != NULL ? dm->message : "(no damage reported)";
        if (strstr(msg, reason) == NULL)
            print_error("%s: '%s' lacks '%s'\n", e->file, msg, reason);
        assert_non_null(strstr(msg, reason));
    }
    if (rc != 0) {
        /* Rejected: the message names the file, the offset and a reason. */
        assert_null(cap);
        assert_non_null(strstr(err.msg, path));
        assert_non_null(strstr(err.msg, ": offset "));
        assert_true(strlen(strstr(err.msg, ": offset ")) > 20);
        assert_true(err.offset != NMX_OFFSET_UNKNOWN);
        if (want > 0)
            print_error("%s rejected, but %ld frames before the damage were expected\n", e->file, want);
        assert_true(want <= 0);
        return;
    }
    const nmx_cap_damage_t *d = nmx__cap_damage(cap);
    if (d == NULL)
        print_error("%s: accepted without damage (%u frames)\n", e->file, nmx__cap_count(cap));
    assert_non_null(d);
    assert_non_null(strstr(d->message, path));
    char off[64];
    snprintf(off, sizeof off, ": offset %llu: ", (unsigned long long)d->offset);
    assert_non_null(strstr(d->message, off));
    assert_true(strlen(d->reason) > 10);
    if ((long)nmx__cap_count(cap) != (want < 0 ? 0 : want))
        print_error("%s: %u frames before the damage, expected %ld (%s)\n", e->file,
                    nmx__cap_count(cap), want, d->message);
    assert_int_equal(nmx__cap_count(cap), want < 0 ? 0 : want);
    nmx__cap_close(cap);
}

/* ---- nmexpert info vs capinfos ------------------------------------------------- */

/* Runs `nmexpert info PATH --format json`: JSON (or NULL), exit status and stderr. */
static json_t *run_info(const char *path, int *status, char *errtext, size_t errlen)
{
    char errfile[600];
    snprintf(errfile, sizeof errfile, "%s", scratch("info.err"));
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' info '%s' --format json 2>'%s'", nmexpert, path, errfile);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_error_t je;
    json_t *j = json_loadf(p, JSON_DISABLE_EOF_CHECK, &je);
    char drain[4096];
    while (fread(drain, 1, sizeof drain, p) > 0) {
    }
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    errtext[0] = '\0';
    FILE *f = fopen(errfile, "r");
    if (f != NULL) {
        size_t n = fread(errtext, 1, errlen - 1, f);
        errtext[n] = '\0';
        fclose(f);
    }
    return j;
}

/* capinfos -T: name, file type, encapsulation, count, data size, first, last. */
typedef struct capinfos {
    char encap[64];
    unsigned long long count;
    unsigned long long bytes;
    char first[64];
    char last[64];
} capinfos_t;

static bool run_capinfos(const char *path, capinfos_t *ci)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "capinfos -M -T -r -t -E -c -d -a -e -S '%s' 2>/dev/null", path);
    char *out = run_output(cmd);
    if (out == NULL)
        return false;
    char *cols[8] = {0};
    char *save = NULL;
    char *t = strtok_r(out, "\t\n", &save);
    for (int k = 0; k < 8 && t != NULL; k++, t = strtok_r(NULL, "\t\n", &save))
        cols[k] = t;
    bool ok = cols[6] != NULL;
    if (ok) {
        snprintf(ci->encap, sizeof ci->encap, "%s", cols[2]);
        ci->count = strtoull(cols[3], NULL, 10);
        ci->bytes = strtoull(cols[4], NULL, 10);
        snprintf(ci->first, sizeof ci->first, "%s", cols[5]);
        snprintf(ci->last, sizeof ci->last, "%s", cols[6]);
    }
    free(out);
    return ok;
}

/* The encapsulations capinfos lists for a per-packet file ("Ethernet", ...). */
static size_t capinfos_in_use(const char *path, char names[][96], size_t max)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "capinfos -E '%s' 2>/dev/null", path);
    char *out = run_output(cmd);
    assert_non_null(out);
    size_t n = 0;
    bool in_list = false;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, "Encapsulation in use by packets") != NULL) {
            in_list = true;
            continue;
        }
        if (!in_list || line[0] != ' ')
            continue;
        char *s = line + strspn(line, " ");
        char *paren = strrchr(s, '(');
        if (paren != NULL && paren > s)
            paren[-1] = '\0';
        if (n < max)
            snprintf(names[n++], sizeof names[0], "%s", s);
    }
    free(out);
    return n;
}

static void test_info(void **state)
{
    const entry_t *e = *state;
    if (!have_capinfos || nmexpert[0] == '\0') {
        fprintf(stderr, "%s: skipped (%s)\n", e->file,
                !have_capinfos ? "capinfos not installed" : "the nmexpert binary is not built");
        NMX_SKIP();
        return;
    }
    char path[1400];
    full_path(e, path, sizeof path);
    int status;
    char err[2048];
    json_t *j = run_info(path, &status, err, sizeof err);
    if (is_malformed(e)) {
        /* Exit 2, and a message naming the file, the offset and the reason. */
        if (status != 2 || strstr(err, path) == NULL || strstr(err, ": offset ") == NULL)
            print_error("%s: exit %d, stderr '%s'\n", e->file, status, err);
        assert_int_equal(status, 2);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, ": offset "));
        json_decref(j);
        return;
    }
    if (status != 0 || j == NULL)
        print_error("%s: exit %d, stderr '%s'\n", e->file, status, err);
    assert_int_equal(status, 0);
    assert_non_null(j);
    json_t *c = json_object_get(j, "capture");
    assert_non_null(c);
    capinfos_t ci;
    assert_true(run_capinfos(path, &ci));
    assert_int_equal(json_integer_value(json_object_get(c, "frames")), ci.count);
    /* capinfos' "data size" sums the on-the-wire lengths. */
    assert_int_equal(json_integer_value(json_object_get(c, "bytes")), ci.bytes);
    assert_int_equal(json_integer_value(json_object_get(c, "wire_bytes")), ci.bytes);
    if (ci.count > 0) {
        int64_t a = 0, b = 0;
        const char *first = json_string_value(json_object_get(c, "first_time"));
        const char *last = json_string_value(json_object_get(c, "last_time"));
        assert_non_null(first);
        assert_non_null(last);
        assert_true(parse_iso(first, &a));
        assert_true(parse_epoch(ci.first, &b));
        if (a != b)
            print_error("%s: first time %s, capinfos %s\n", e->file, first, ci.first);
        assert_true(a == b);
        assert_true(parse_iso(last, &a));
        assert_true(parse_epoch(ci.last, &b));
        int64_t ex;
        if (time_exception(e->file, 2, &ex) && a == ex)
            b = ex; /* the frame tshark wraps is also the last one */
        if (a != b)
            print_error("%s: last time %s, capinfos %s\n", e->file, last, ci.last);
        assert_true(a == b);
    } else {
        assert_true(json_is_null(json_object_get(c, "first_time")));
    }
    json_t *lts = json_object_get(c, "link_types");
    json_t *descs = json_object_get(c, "link_type_descriptions");
    if (ci.count == 0) {
        assert_int_equal(json_array_size(lts), 0);
    } else if (strcmp(ci.encap, "per-packet") != 0) {
        assert_int_equal(json_array_size(lts), 1);
        assert_string_equal(json_string_value(json_array_get(lts, 0)), ci.encap);
    } else {
        /* Every encapsulation capinfos lists is one of ours; "Network Monitor Header" is
         * Wireshark's wrapper for commented NetMon frames, not a link type. */
        char names[32][96];
        size_t n = capinfos_in_use(path, names, 32);
        bool wrapper = false;
        size_t matched = 0;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(names[k], "Network Monitor Header") == 0) {
                wrapper = true;
                continue;
            }
            bool found = false;
            for (size_t m = 0; m < json_array_size(descs); m++)
                found = found || strcmp(json_string_value(json_array_get(descs, m)), names[k]) == 0;
            if (!found)
                print_error("%s: capinfos encapsulation '%s' not among ours\n", e->file, names[k]);
            assert_true(found);
            matched++;
        }
        assert_true(matched == json_array_size(descs) || (wrapper && matched <= json_array_size(descs)));
    }
    json_decref(j);
}

/* ---- round trip ---------------------------------------------------------------- */

static nmx_cap_t *write_and_reopen(const nmx_cap_t *src, int format, uint32_t linktype)
{
    char out[600];
    snprintf(out, sizeof out, "%s", scratch(format == NMX_CAPW_NETMON2 ? "rt.cap" : "rt.pcap"));
    nmx_capwriter_t *w = NULL;
    nmx_error_t err;
    unsigned rc = nmx__capwriter_open(out, format, linktype, &w, &err);
    assert_int_equal(rc, 0);
    for (uint32_t i = 0; i < nmx__cap_count(src) && rc == 0; i++)
        rc = nmx__capwriter_write_frame(w, nmx__cap_frame(src, i), nmx__cap_data(src, i));
    unsigned rc2 = nmx__capwriter_close(w, &err);
    if (rc != 0 || rc2 != 0)
        print_error("write: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(rc2, 0);
    nmx_cap_t *back = NULL;
    assert_int_equal(nmx__cap_open_file(out, &back, &err), 0);
    assert_null(nmx__cap_damage(back));
    return back;
}

static void same_frames(const entry_t *e, const nmx_cap_t *a, const nmx_cap_t *b, int64_t unit)
{
    assert_int_equal(nmx__cap_count(a), nmx__cap_count(b));
    for (uint32_t i = 0; i < nmx__cap_count(a); i++) {
        const nmx_frame_rec_t *x = nmx__cap_frame(a, i), *y = nmx__cap_frame(b, i);
        int64_t d = y->ts_ns - x->ts_ns;
        if (x->caplen != y->caplen || x->wirelen != y->wirelen || x->linktype != y->linktype ||
            d < -unit / 2 || d > unit / 2)
            print_error("%s frame %u: %u %u %u %lld -> %u %u %u %lld\n", e->file, i + 1, x->caplen,
                        x->wirelen, x->linktype, (long long)x->ts_ns, y->caplen, y->wirelen,
                        y->linktype, (long long)y->ts_ns);
        assert_int_equal(x->caplen, y->caplen);
        assert_int_equal(x->wirelen, y->wirelen);
        assert_int_equal(x->linktype, y->linktype);
        assert_memory_equal(nmx__cap_data(a, i), nmx__cap_data(b, i), x->caplen);
        assert_true(d >= -unit / 2 && d <= unit / 2);
    }
}

static void test_roundtrip(void **state)
{
    const entry_t *e = *state;
    char path[1400];
    full_path(e, path, sizeof path);
    nmx_cap_t *src = NULL;
    nmx_error_t err;
    assert_int_equal(nmx__cap_open_file(path, &src, &err), 0);
    nmx_capture_info_t in;
    nmx__cap_get_info(src, &in);
    /* pcap: one file per link type; NetMon kinds have no pcap link type. */
    if (in.n_link_types == 1 && in.link_type_values[0] <= 0xFFFF) {
        nmx_cap_t *back = write_and_reopen(src, in.time_digits > 6 ? NMX_CAPW_PCAP_NS : NMX_CAPW_PCAP,
                                           in.link_type_values[0]);
        same_frames(e, src, back, 1);
        nmx__cap_close(back);
    }
    /* NetMon 2.x keeps microseconds: exact for microsecond sources, rounded otherwise. */
    nmx_cap_t *back = write_and_reopen(src, NMX_CAPW_NETMON2,
                                       in.n_link_types == 1 ? in.link_type_values[0] : NMX_LINK_PER_FRAME);
    same_frames(e, src, back, in.time_digits > 6 ? 1000 : 1);
    nmx__cap_close(back);
    nmx__cap_close(src);
}

/* ---- main -------------------------------------------------------------------------- */

static void test_set_missing(void **state)
{
    (void)state;
    fprintf(stderr, "shared capture set not found at '%s' (set NMX_SHARED_CAPTURES): skipped\n", root);
    NMX_SKIP();
}

static bool in_group(const entry_t *e, const char *group)
{
    size_t n = strlen(group);
    return strncmp(e->file, group, n) == 0 && e->file[n] == '/';
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s frames FOLDER... | malformed | info | roundtrip\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    if (!load_manifest()) {
        const struct CMUnitTest missing[] = {cmocka_unit_test(test_set_missing)};
        return NMX_TEST_STATUS(cmocka_run_group_tests_name("shared captures", missing, NULL, NULL));
    }
    have_tshark = have_tool("tshark");
    have_capinfos = system("capinfos -h >/dev/null 2>&1") == 0;
    const char *bin = getenv("NMX_BINARY_DIR");
    struct stat st;
    if (bin != NULL) {
        snprintf(nmexpert, sizeof nmexpert, "%s/nmexpert", bin);
        if (stat(nmexpert, &st) != 0)
            nmexpert[0] = '\0';
    }

    struct CMUnitTest *tests = calloc(n_entries, sizeof *tests);
    size_t n = 0;
    for (size_t k = 0; k < n_entries; k++) {
        entry_t *e = &entries[k];
        CMUnitTestFunction fn = NULL;
        if (strcmp(mode, "frames") == 0) {
            for (int g = 2; g < argc; g++)
                if (in_group(e, argv[g]) && !is_malformed(e))
                    fn = test_frames;
        } else if (strcmp(mode, "malformed") == 0) {
            fn = is_malformed(e) ? test_malformed : NULL;
        } else if (strcmp(mode, "info") == 0) {
            fn = test_info;
        } else if (strcmp(mode, "roundtrip") == 0) {
            fn = !is_malformed(e) && strtoul(e->frames, NULL, 10) > 0 ? test_roundtrip : NULL;
        }
        if (fn == NULL)
            continue;
        tests[n].name = e->file;
        tests[n].test_func = fn;
        tests[n].initial_state = e;
        n++;
    }
    if (n == 0) {
        fprintf(stderr, "no files selected for '%s'\n", mode);
        return 1;
    }
    int rc = NMX_TEST_STATUS(_cmocka_run_group_tests(mode, tests, n, NULL, NULL));
    scratch_remove();
    free(tests);
    free(entries);
    return rc;
}
