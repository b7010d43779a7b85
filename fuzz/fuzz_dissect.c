/*
 * fuzz_dissect.c - fuzz target for the parser layer's entry points.
 *
 * Input: byte 0 selects the link type (modulo the table below), the rest is
 * the frame.  The frame is copied into a buffer of exactly its size, so that
 * any read past it is caught by ASan.  Both passes run; they must agree on
 * the protocols found (which start inside the frame), and every property
 * instance must render and decode.  The frame is then dissected twice as
 * frames 1 and 2 of a capture with a learned-conversation table (learn.c),
 * and goes through the conversation table (streams.c), which reads ports
 * and addresses too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/linktype.h"
#include "proto/proto.h"

/* Every link type dissect.c's link_parsers[] and dis_netmon.c take, and
 * two that no dissector takes (the frame alone). */
static const uint32_t link_types[] = {
    NMX_LINK_ETHERNET, NMX_LINK_NULL, NMX_LINK_LOOP, NMX_LINK_RAW, NMX_LINK_IPV4, NMX_LINK_IPV6,
    NMX_LINK_LINUX_SLL, NMX_LINK_LINUX_SLL2, NMX_LINK_IEEE802_11_RADIOTAP, NMX_LINK_IEEE802_11,
    NMX_LINK_FDDI, NMX_LINK_NETMON_EVENT, NMX_LINK_NETMON_FILTER, NMX_LINK_TOKEN_RING,
    NMX_LINK_NETMON_NETINFO, NMX_LINK_NETMON_NETINFO_EX, NMX_LINK_NETMON_REASSEMBLY, NMX_LINK_NFLOG,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every property instance of d renders and decodes, and a raw one points
 * inside the frame; the addresses are found in it. */
static void check_dissection(const nmx_dissection_t *d, const uint8_t *frame, size_t n)
{
    char buf[512];
    for (DWORD i = 0; i < d->props->nTotalPropertyInsts; i++) {
        const PROPERTYINST *pi = &d->props->lpFirstPropertyInst[i];
        nmx_value_t v;
        nmx__prop_value(pi, &v);
        nmx__prop_render(pi, buf, sizeof(buf));
        if (pi->DataLength != PROPERTYINST_EX_LENGTH && pi->DataLength &&
            (pi->lpByte < frame || pi->lpByte + pi->DataLength > frame + n))
            abort();
    }
    ADDRESS2 a;
    static const DWORD types[] = {ADDRESS_TYPE_ETHERNET, ADDRESS_TYPE_IP, ADDRESS_TYPE_IP6,
                                  ADDRESS_TYPE_FIND_HIGHEST};
    for (size_t t = 0; t < 4; t++) {
        nmx__frame_address(frame, (uint32_t)n, &d->addrs, false, types[t], 0, &a, NULL, NULL);
        nmx__frame_address(frame, (uint32_t)n, &d->addrs, true, types[t], ADDRESSTYPE_FLAGS_NORMALIZE, &a,
                           NULL, NULL);
    }
}

/* Both passes found the same layers, each starting inside the frame. */
static void check_layers(const nmx_recog_buf_t *rb, unsigned k, const nmx_dissection_t *d, size_t n)
{
    if (k != d->recog->nRecognizeDatas)
        abort();
    for (unsigned i = 0; i < k; i++)
        if (rb->table.RecognizeData[i].ProtocolID != d->recog->RecognizeData[i].ProtocolID ||
            rb->table.RecognizeData[i].nProtocolOffset != d->recog->RecognizeData[i].nProtocolOffset ||
            rb->table.RecognizeData[i].nProtocolOffset > n)
            abort();
}

/* The frame as frames 1 and 2 of a capture, learning (learn.c): what the
 * first announces may take the second (an EPSV reply naming its own port),
 * and both passes of the second must still agree. */
static void check_learned(const uint8_t *frame, size_t n, uint32_t wire, uint32_t lt)
{
    nmx_learned_t *l = nmx__learned_new();
    if (l == NULL)
        return;
    nmx_frame_ctx_t c1 = {.number = 1, .learned = l, .learn = true};
    nmx__dissection_free(nmx__dissect_ctx(NULL, frame, (uint32_t)n, wire, lt, &c1));
    nmx_frame_ctx_t c2 = {.number = 2, .learned = l, .learn = true};
    nmx_recog_buf_t rb;
    unsigned k = nmx__recognize_ctx(frame, (uint32_t)n, wire, lt, &rb, NULL, &c2);
    c2.learn = false; /* seen again: as the first time */
    nmx_dissection_t *d = nmx__dissect_ctx(NULL, frame, (uint32_t)n, wire, lt, &c2);
    if (d) {
        check_layers(&rb, k, d, n);
        check_dissection(d, frame, n);
        nmx__dissection_free(d);
    }
    nmx__learned_free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    /* Byte 0: bit 7 adds 100 bytes to the wire length (a cut frame), the
     * low 7 bits pick the link type. */
    uint32_t lt = link_types[(data[0] & 0x7F) % (sizeof(link_types) / sizeof(link_types[0]))];
    size_t n = size - 1;
    uint32_t wire = (uint32_t)n + (data[0] & 0x80 ? 100 : 0);
    uint8_t *frame = malloc(n ? n : 1);
    if (!frame)
        return 0;
    memcpy(frame, data + 1, n);

    nmx_recog_buf_t rb;
    nmx_frame_addrs_t addrs;
    unsigned k = nmx__recognize(frame, (uint32_t)n, wire, lt, &rb, &addrs);
    nmx_dissection_t *d = nmx__dissect(NULL, frame, (uint32_t)n, wire, lt);
    if (d) {
        check_layers(&rb, k, d, n);
        check_dissection(d, frame, n);
        nmx__dissection_free(d);
    }
    check_learned(frame, n, wire, lt);
    nmx_streams_t *st = nmx__streams_new();
    if (st) {
        uint32_t ts[NMX_STREAM_LAYERS], us[NMX_STREAM_LAYERS];
        nmx__streams_next(st, frame, (uint32_t)n, (uint32_t)n, lt, ts, us);
        nmx__streams_next(st, frame, (uint32_t)n, (uint32_t)n, lt, ts, us);
        nmx__streams_free(st);
    }
    free(frame);
    return 0;
}
