/*
 * startup.c - what every expert of a run is told at start: the UI filter and
 * the EXPERTSTARTUPINFO (spec 1.3, 4.3).
 *
 * Headless, the "UI" is the command line: -Y gives the display filter that
 * FLAGS_DEFER_TO_UI_FILTER applies, and --frame/--protocol/--property/--bit
 * describe a focused frame, protocol and property as a right-click start
 * would.  The startup flag USE_STARTUP_DATA_OVER_CONFIG_DATA is set only
 * when a property instance is supplied (spec App. A 34).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strutil.h"
#include "runtime/run_internal.h"

/* Marks the shard's frames among [0, total) in bits, reading each frame
 * with `copy` (pread: a file truncated under the host ends nothing) or in
 * place (the mapping: a truncated file raises SIGBUS); false out of memory. */
static bool mark_shard(const struct nmx_run *run, uint32_t total, uint8_t *bits, bool copy, nmx_recog_buf_t *rb)
{
    const nmx_cap_t *cap = run->capobj->cap;
    uint8_t *buf = NULL;
    size_t cap_bytes = 0;
    bool ok = true;
    for (uint32_t n = 0; ok && n < total; n++) {
        const nmx_frame_rec_t *rec = nmx__cap_frame(cap, n);
        const uint8_t *data = NULL;
        if (!copy) {
            data = nmx__cap_data(cap, n);
        } else {
            if (rec->caplen > cap_bytes) {
                size_t want = rec->caplen > 65536 ? rec->caplen : 65536;
                uint8_t *g = realloc(buf, want);
                if (g == NULL) {
                    ok = false;
                    break;
                }
                buf = g;
                cap_bytes = want;
            }
            if (nmx__cap_copy_frame(cap, n, buf))
                data = buf;
        }
        uint32_t k = 1; /* a frame that cannot be read: shard 1, as frames without IP */
        if (data != NULL) {
            nmx__recognize(data, rec->caplen, rec->wirelen, rec->linktype, rb, NULL);
            k = nmx__shard_of(data, rec->caplen, &rb->table, run->range.shard_count);
        }
        if (k == run->range.shard_index)
            bits[n >> 3] |= (uint8_t)(1u << (n & 7));
    }
    free(buf);
    return ok;
}

/*
 * The frames of the run's shard, one bit each, from one recognize pass
 * before the experts start: each expert then tests a bit instead of
 * recognizing every frame of the set again.  The pass reads the frames in
 * place in a child process, which writes the bits into shared memory, so
 * that a file truncated under the host ends only that child; the host then
 * marks the frames again itself, reading each with pread (several times
 * slower).  0, or -1 out of memory.
 */
static int shard_bits(struct nmx_run *run, uint32_t total)
{
    size_t len = (size_t)total / 8 + 1;
    uint8_t *bits = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (bits == MAP_FAILED)
        return -1;
    nmx_recog_buf_t *rb = malloc(sizeof *rb); /* allocated before the fork: the child allocates nothing */
    if (rb == NULL) {
        munmap(bits, len);
        return -1;
    }
    static const uint8_t none[1] = {0};
    nmx__recognize(none, 0, 0, 1, rb, NULL); /* the parsers' tables, set up before the fork */
    bool done = false;
    pid_t pid = fork();
    if (pid == 0)
        _exit(mark_shard(run, total, bits, false, rb) ? 0 : 1);
    if (pid > 0) {
        int status = 0;
        pid_t w;
        while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
            ;
        done = w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    if (!done) {
        memset(bits, 0, len);
        if (!mark_shard(run, total, bits, true, rb)) {
            free(rb);
            munmap(bits, len);
            return -1;
        }
    }
    free(rb);
    run->range.shard_bits = bits;
    run->shard_bits_len = len;
    return 0;
}

/* The frame and time bounds of the options; -1 when they hold no frame. */
static int prepare_range(struct nmx_run *run, char *errbuf, size_t errlen)
{
    const nmx_run_opts_t *o = &run->opts;
    nmx_frame_range_t *rg = &run->range;
    memset(rg, 0, sizeof *rg);
    rg->active = o->first_frame != 0 || o->last_frame != 0 || o->has_start_time || o->has_end_time ||
                 o->shard_count > 1;
    if (o->shard_count > 1) {
        if (o->shard_index < 1 || o->shard_index > o->shard_count) {
            snprintf(errbuf, errlen, "shard %u of %u: shards are numbered from 1 to %u", o->shard_index,
                     o->shard_count, o->shard_count);
            return -1;
        }
        rg->shard_index = o->shard_index;
        rg->shard_count = o->shard_count;
        if (shard_bits(run, nmx__cap_count(run->capobj->cap)) != 0) {
            snprintf(errbuf, errlen, "out of memory");
            return -1;
        }
    }
    rg->first = o->first_frame != 0 ? o->first_frame - 1 : 0;
    rg->last = o->last_frame != 0 ? o->last_frame - 1 : UINT32_MAX;
    rg->has_start = o->has_start_time != 0;
    rg->has_end = o->has_end_time != 0;
    rg->start_ns = o->start_ns;
    rg->end_ns = o->end_ns;
    if (rg->first > rg->last || (rg->has_start && rg->has_end && rg->start_ns > rg->end_ns)) {
        snprintf(errbuf, errlen, "the range is empty: its start is after its end");
        return -1;
    }
    return 0;
}

/* The startup property instance: field f in the startup frame, which the
 * host dissects (the dissection lives with the run); -1 with errbuf. */
static int startup_property(struct nmx_run *run, const nmx_field_t *f, char *errbuf, size_t errlen)
{
    const nmx_run_opts_t *o = &run->opts;
    uint32_t n = run->startup.dwFrameNumber;
    const nmx_frame_rec_t *rec = nmx__cap_frame(run->capobj->cap, n);
    /* The host dissects a copy read with pread, never the mapping: a file
     * truncated since it was opened must not fault here.  The copy lives as
     * long as the dissection (its data). */
    uint8_t *copy = malloc(rec->caplen > 0 ? rec->caplen : 1);
    if (copy == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    if (!nmx__cap_copy_frame(run->capobj->cap, n, copy)) {
        free(copy);
        snprintf(errbuf, errlen, "--frame %u: %s: the frame cannot be read (the file is "
                 "shorter than when it was opened)", o->start_frame, nmx__cap_path(run->capobj->cap));
        return -1;
    }
    nmx_dissection_t *d = nmx__dissect(NULL, copy, rec->caplen, rec->wirelen, rec->linktype);
    if (d == NULL) {
        free(copy);
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    run->startup_dissection = d;
    LPPROPERTYINST pi = nmx__dissection_find(d, f, NULL);
    if (pi == NULL) {
        snprintf(errbuf, errlen, "--property %s: frame %u has none", o->start_property, o->start_frame);
        return -1;
    }
    run->startup.lpPropertyInst = pi;
    run->startup_flags = EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA;
    return 0;
}

/* The startup bit field: its number, and bOn, that bit of the property's
 * raw bytes (big-endian, bit 0 the least significant) as the frame holds it. */
static void startup_bit(EXPERTSTARTUPINFO *si, unsigned bit)
{
    si->sBitfield.BitNumber = (BYTE)bit;
    LPPROPERTYINST pi = si->lpPropertyInst;
    const BYTE *bytes = NULL;
    DWORD len = 0;
    if (pi != NULL && pi->DataLength != 0xFFFF) {
        bytes = pi->lpByte;
        len = pi->DataLength;
    } else if (pi != NULL && pi->lpPropertyInstEx != NULL) {
        bytes = pi->lpPropertyInstEx->lpData; /* the bytes in the frame */
        len = pi->lpPropertyInstEx->Length;
    }
    if (bytes != NULL && len > 0 && len <= 8 && bit < 8u * len) {
        uint64_t raw = 0;
        for (DWORD i = 0; i < len; i++)
            raw = raw << 8 | bytes[i];
        si->sBitfield.bOn = (raw >> bit) & 1;
    }
}

int nmx__run_prepare_startup(struct nmx_run *run, char *errbuf, size_t errlen)
{
    const nmx_run_opts_t *o = &run->opts;
    EXPERTSTARTUPINFO *si = &run->startup;
    memset(si, 0, sizeof *si);
    si->hCapture = (HCAPTURE)run->capobj;
    nmx__strlcpy(si->szCaptureFile, nmx__cap_path(run->capobj->cap), sizeof si->szCaptureFile);
    si->dwFrameNumber = INVALID_FRAME_NUMBER;

    if (o->ui_filter != NULL && o->ui_filter[0] != '\0') {
        char msg[512];
        run->ui_filter = nmx__dfilter_compile(o->ui_filter, msg, sizeof msg);
        if (run->ui_filter == NULL) {
            snprintf(errbuf, errlen, "display filter: %s", msg);
            return -1;
        }
    }

    uint32_t total = nmx__cap_count(run->capobj->cap);
    if (prepare_range(run, errbuf, errlen) != 0)
        return -1;
    if (o->start_frame != 0) {
        if (o->start_frame > total) {
            snprintf(errbuf, errlen, "--frame %u: the capture has %u frames", o->start_frame, total);
            return -1;
        }
        si->dwFrameNumber = o->start_frame - 1;
    }
    const nmx_protocol_t *proto = NULL;
    if (o->start_protocol != NULL) {
        proto = nmx__proto_by_name(o->start_protocol);
        if (proto == NULL) {
            snprintf(errbuf, errlen, "--protocol %s: no such protocol", o->start_protocol);
            return -1;
        }
        si->hProtocol = nmx__proto_handle(proto);
    }
    if (o->start_property != NULL) {
        const nmx_field_t *f = proto != NULL ? nmx__field_lookup(proto, o->start_property)
                                             : nmx__field_by_key(o->start_property);
        if (f == NULL) {
            snprintf(errbuf, errlen, "--property %s: no such property%s%s", o->start_property,
                     proto != NULL ? " of " : "", proto != NULL ? nmx__proto_name(proto) : "");
            return -1;
        }
        if (si->hProtocol == NULL)
            si->hProtocol = nmx__proto_handle(nmx__field_proto(f));
        if (si->dwFrameNumber != INVALID_FRAME_NUMBER && startup_property(run, f, errbuf, errlen) != 0)
            return -1;
    }
    if (o->has_start_bit) {
        if (o->start_bit > 255) {
            snprintf(errbuf, errlen, "--bit %u: bit numbers go from 0 to 255", o->start_bit);
            return -1;
        }
        startup_bit(si, o->start_bit);
    }
    if (o->shard_count > 1)
        run->startup_flags |= NMX_EXPERT_STARTUP_FLAG_SHARD;
    si->Flags = run->startup_flags;
    return 0;
}

void nmx__run_release_startup(struct nmx_run *run)
{
    if (run->range.shard_bits != NULL)
        munmap((void *)run->range.shard_bits, run->shard_bits_len);
    run->range.shard_bits = NULL;
    if (run->startup_dissection != NULL)
        free((void *)run->startup_dissection->data); /* the frame copy it was made from */
    nmx__dissection_free((nmx_dissection_t *)run->startup_dissection);
    run->startup_dissection = NULL;
    nmx__filter_free(run->ui_filter);
    run->ui_filter = NULL;
}
