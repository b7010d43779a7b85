/*
 * proto.h - the parser layer's internal API: protocol registry, the
 * recognize pass, full dissection into NetMon property instances, value
 * rendering as tshark prints it, frame addresses and protocol offsets.
 *
 * Users: the filter layer and the runtime (which owns HFRAME handles,
 * per-session caching and every exported function taking an HFRAME or an
 * HCAPTURE).  The handle-free NetMon functions are exported by this layer
 * itself: look-ups (protocols.c), parser registration (parser_api.c),
 * addresses (address.c), MAC headers (machdr.c) and value decoders
 * (decode.c).
 *
 * Model (docs/protocols.md has the long form):
 *  - Every protocol has a fixed id (enum nmx__proto_id), used as
 *    RECOGNIZEDATA.ProtocolID and PROTOCOLINFO.ProtocolID, and a name that
 *    is its Wireshark display-filter name ("eth", "ip", "tcp"); NetMon names
 *    ("ETHERNET", "IP", "FRAME") resolve too, case-insensitively.
 *  - Every property is keyed by its Wireshark field name ("ip.ttl"); its
 *    PROPERTYINFO.Label is Wireshark's display name ("Time to Live").
 *  - HPROTOCOL points at a registry entry; HPROPERTY is an encoded index.
 *    Both are validated without dereferencing what the caller passed.
 *  - The pseudo-protocol "frame" (NetMon FRAME) is present in every frame at
 *    offset 0.  It is not listed in the recognize table (so that protocol
 *    counts equal tshark -z io,phs), but its properties form the first
 *    slice of every property table.
 *
 * Thread safety: the registry is immutable after its one-time
 * initialisation (done on first use by any function here).  A workspace
 * (nmx_proto_ws_t) belongs to one thread at a time; results are independent
 * of the workspace that produced them.
 */
#ifndef NMX_PROTO_PROTO_H
#define NMX_PROTO_PROTO_H

#include <netmon.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================== */
/* Protocols                                                              */
/* ===================================================================== */

/* Fixed protocol ids (proto_list.h gives each its line); the order is the
 * registry's order.  Parser plug-ins get ids from NMX_PROTO_COUNT up
 * (nmx__proto_count() is the number in use). */
enum nmx__proto_id {
    NMX_PROTO_NONE = 0,
#define NMX_PROTO_X(id, var) NMX_PROTO_##id,
#include "proto/proto_list.h"
#undef NMX_PROTO_X
    NMX_PROTO_COUNT
};

/* Maximum protocol instances recorded per frame (recognize table size). */
#define NMX_MAX_LAYERS 32

/* The registry entry of a protocol: its HPROTOCOL points here. */
typedef struct nmx_protocol nmx_protocol_t;

/* The number of protocol ids in use (1 + the built-ins + the plug-ins):
 * ids run from 1 to nmx__proto_count() - 1. */
unsigned nmx__proto_count(void);

/* Protocol by id; NULL when out of range. */
const nmx_protocol_t *nmx__proto_by_id(unsigned id);

/* Protocol by Wireshark or NetMon name (case-insensitive); NULL if unknown. */
const nmx_protocol_t *nmx__proto_by_name(const char *name);

/* The registry entry behind an HPROTOCOL, or NULL if h is not one of ours
 * (checked by address comparison only: h is never dereferenced). */
const nmx_protocol_t *nmx__proto_from_handle(HPROTOCOL h);
HPROTOCOL nmx__proto_handle(const nmx_protocol_t *p);
unsigned nmx__proto_id(const nmx_protocol_t *p);
/* Wireshark display-filter name ("tcp"). */
const char *nmx__proto_name(const nmx_protocol_t *p);
/* NetMon-style name ("TCP", "ETHERNET"). */
const char *nmx__proto_netmon_name(const nmx_protocol_t *p);
/* The protocol's PROTOCOLINFO (ProtocolName holds the Wireshark name). */
LPPROTOCOLINFO nmx__proto_info(const nmx_protocol_t *p);

/* ===================================================================== */
/* Fields (properties)                                                    */
/* ===================================================================== */

/* Wireshark-like value kinds of a field, used for rendering and filters. */
enum nmx_ftype {
    NMX_FT_NONE = 0, /* presence only (FT_NONE / FT_PROTOCOL) */
    NMX_FT_UINT,     /* unsigned integer up to 64 bits */
    NMX_FT_INT,      /* signed integer */
    NMX_FT_BOOL,     /* boolean: tshark prints 1 or 0 */
    NMX_FT_ETHER,    /* 6-byte MAC address */
    NMX_FT_IPV4,
    NMX_FT_IPV6,
    NMX_FT_STRING,   /* text */
    NMX_FT_BYTES,    /* raw bytes, printed as hex */
    NMX_FT_ABSTIME,  /* absolute time: int64 ns since 1970-01-01 UTC (value.i) */
    NMX_FT_RELTIME,  /* time interval: int64 ns (value.i) */
};

/* Number bases for NMX_FT_UINT / NMX_FT_INT. */
enum nmx_base { NMX_BASE_DEC = 0, NMX_BASE_HEX, NMX_BASE_DEC_HEX, NMX_BASE_HEX_DEC, NMX_BASE_OCT };

typedef struct nmx_field nmx_field_t;

/* Total number of properties in the registry. */
uint32_t nmx__field_count(void);
/* Property by global index (0 .. nmx__field_count()-1). */
const nmx_field_t *nmx__field_by_index(uint32_t index);
/* Property by Wireshark field name, across all protocols (case-insensitive). */
const nmx_field_t *nmx__field_by_key(const char *key);
/* Property of protocol p by field name or Label (case-insensitive). */
const nmx_field_t *nmx__field_lookup(const nmx_protocol_t *p, const char *name);
/* Validated conversions between HPROPERTY / PROPERTYINFO and fields. */
const nmx_field_t *nmx__field_from_handle(HPROPERTY h);
const nmx_field_t *nmx__field_from_info(const PROPERTYINFO *info);
HPROPERTY nmx__field_handle(const nmx_field_t *f);
LPPROPERTYINFO nmx__field_info(const nmx_field_t *f);
const char *nmx__field_key(const nmx_field_t *f);
const char *nmx__field_label(const nmx_field_t *f);
enum nmx_ftype nmx__field_ftype(const nmx_field_t *f);
const nmx_protocol_t *nmx__field_proto(const nmx_field_t *f);
/* Properties of a protocol: count and i-th. */
uint32_t nmx__proto_field_count(const nmx_protocol_t *p);
const nmx_field_t *nmx__proto_field(const nmx_protocol_t *p, uint32_t i);

/* ===================================================================== */
/* Recognize pass (hot path, no allocation)                               */
/* ===================================================================== */

/* Where one kind of address sits in the frame. */
typedef struct nmx_addr_loc {
    uint16_t src; /* offset of the source address */
    uint16_t dst; /* offset of the destination address */
    uint8_t present;
} nmx_addr_loc_t;

/* Addresses found by either pass: the outermost of each kind. */
typedef struct nmx_frame_addrs {
    nmx_addr_loc_t mac;  /* 6 bytes: Ethernet, 802.11 (SA/DA), FDDI, SLL source only */
    nmx_addr_loc_t ip;   /* 4 bytes */
    nmx_addr_loc_t ip6;  /* 16 bytes */
} nmx_frame_addrs_t;

/* A recognize table with room for NMX_MAX_LAYERS entries. */
typedef union nmx_recog_buf {
    RECOGNIZEDATATABLE table;
    unsigned char raw[sizeof(RECOGNIZEDATATABLE) + NMX_MAX_LAYERS * sizeof(RECOGNIZEDATA)];
    void *align;
} nmx_recog_buf_t;

/*
 * Recognizes the protocols of one frame: fills out->table with one
 * RECOGNIZEDATA per protocol header found (ProtocolID = enum nmx__proto_id,
 * nProtocolOffset = where the header starts, InstData NULL), outermost
 * first, and *addrs (if not NULL) with the address locations.  data holds
 * caplen captured bytes of a frame wirelen bytes long on the wire, of link
 * type `linktype` (linktype.h).  Never reads outside data[0..caplen).
 * Returns the number of entries.
 */
unsigned nmx__recognize(const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint32_t linktype,
                        nmx_recog_buf_t *out, nmx_frame_addrs_t *addrs);

/* ===================================================================== */
/* Conversations learned from earlier frames (learn.c)                    */
/* ===================================================================== */

/*
 * tshark's conversation dissectors: an FTP PASV reply announces the data
 * connection, SDP the RTP and RTCP ports, an HTTP/2 preface its TCP
 * connection.  A dissection that is given the table (nmx_frame_ctx_t.learned)
 * hands a TCP or UDP payload whose endpoints match an earlier announcement
 * to the announced protocol before the port tables; one with .learn set
 * also records what its frame announces.  Fed every frame in capture order
 * with .learn set (as tshark's single pass sees them), a table gives each
 * frame a result that depends only on the frames before it; a frame seen
 * again later is dissected with .learn clear.  NULL when out of memory.
 */
typedef struct nmx_learned nmx_learned_t;
struct nmx_frame_ctx;
nmx_learned_t *nmx__learned_new(void);
void nmx__learned_free(nmx_learned_t *l);

/* nmx__recognize with the frame's context (its number and learned table;
 * ctx may be NULL: as nmx__recognize). */
unsigned nmx__recognize_ctx(const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint32_t linktype,
                            nmx_recog_buf_t *out, nmx_frame_addrs_t *addrs, const struct nmx_frame_ctx *ctx);

/* ===================================================================== */
/* Full dissection                                                        */
/* ===================================================================== */

/*
 * The result of dissecting one frame: one heap block, freed with
 * nmx__dissection_free(), that owns the recognize table, the property table,
 * the PROPERTYINSTs and their PROPERTYINSTEX storage.  Raw property
 * instances point into the frame bytes passed to nmx__dissect(), which must
 * therefore stay valid as long as the result is used.
 *
 * props->lpFirstPropertyInst[0 .. nTotalPropertyInsts) are in frame order.
 * props->PropertyInstTable[0] is the "frame" slice, and PropertyInstTable[i]
 * (i >= 1) holds the instances of the protocol recog->RecognizeData[i-1].
 */
/* Whether nmx__dissection_free keeps a block for the thread's next
 * dissection (dissect.c): not under AddressSanitizer, which is to see a
 * dissection used after its free. */
#if defined(__SANITIZE_ADDRESS__)
#define NMX_DISSECTION_SPARE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NMX_DISSECTION_SPARE 0
#endif
#endif
#ifndef NMX_DISSECTION_SPARE
#define NMX_DISSECTION_SPARE 1
#endif

typedef struct nmx_dissection {
    const uint8_t *data;          /* frame bytes (not owned) */
    uint32_t caplen;              /* captured bytes */
    uint32_t wirelen;             /* length on the wire */
    uint32_t linktype;            /* link type of the frame */
    LPRECOGNIZEDATATABLE recog;   /* protocols and offsets */
    LPPROPERTYTABLE props;        /* attached properties */
    nmx_frame_addrs_t addrs;      /* address locations */
    uint32_t n_errors;            /* instances flagged IFLAG_ERROR */
    size_t block_size;            /* bytes allocated for this block (dissect.c) */
    struct nmx_dissection *older; /* shallower dissections of the same frame, freed with
                                     this one (the session's cache keeps what it handed out) */
} nmx_dissection_t;

/*
 * What a frame's bytes do not say: its place in the capture.  Given to
 * nmx__dissect_ctx(), it adds the frame.* properties that tshark shows
 * (frame.number, frame.time, frame.time_epoch, frame.time_delta,
 * frame.time_relative, frame.protocols, frame.comment) and tcp.stream /
 * udp.stream when known.  Without it (nmx__dissect) only frame.len and
 * frame.cap_len are attached.
 */
#define NMX_STREAM_NONE UINT32_MAX
/* TCP or UDP headers per frame that get a stream number (tshark numbers
 * each; more than two in one frame are left without). */
#define NMX_STREAM_LAYERS 2

typedef struct nmx_frame_ctx {
    uint32_t number;          /* 1-based frame number */
    bool has_time;            /* false: the record has no time (pcapng SPB) */
    int64_t ts_ns;            /* absolute time, ns since 1970-01-01 UTC */
    int64_t first_ns;         /* time of the capture's first frame */
    int64_t prev_ns;          /* time of the previous captured frame (ts_ns for the first) */
    const char *comment;      /* the frame's comment, or NULL */
    bool netmon_comment;      /* the frame carries a NetMon 2.2+ comment: tshark shows a
                                 netmon_header layer in front of its link layer */
    uint32_t tcp_stream[NMX_STREAM_LAYERS]; /* tcp.stream of the first and second TCP
                                               header, or NMX_STREAM_NONE */
    uint32_t udp_stream[NMX_STREAM_LAYERS]; /* the same for UDP (a tunnel has two) */
    bool partial;             /* a partial dissection: the first max_layers layers only
                                 (those whose properties the caller wants), and no
                                 frame.protocols */
    uint32_t max_layers;
    struct nmx_learned *learned; /* the conversations earlier frames announced, or NULL */
    bool learn;               /* ... and this frame adds its own announcements to them */
} nmx_frame_ctx_t;

/* A reusable scratch area for nmx__dissect (one per thread or session). */
typedef struct nmx_proto_ws nmx_proto_ws_t;
nmx_proto_ws_t *nmx__proto_ws_new(void);
void nmx__proto_ws_free(nmx_proto_ws_t *ws);

/*
 * Dissects one frame with every parser and attaches all properties.
 * ws may be NULL (a temporary workspace is used).  Returns NULL only when
 * out of memory.  Malformed data yields instances flagged IFLAG_ERROR.
 */
nmx_dissection_t *nmx__dissect(nmx_proto_ws_t *ws, const uint8_t *data, uint32_t caplen,
                               uint32_t wirelen, uint32_t linktype);
/* The same with the frame's context (ctx may be NULL: as nmx__dissect). */
nmx_dissection_t *nmx__dissect_ctx(nmx_proto_ws_t *ws, const uint8_t *data, uint32_t caplen,
                                   uint32_t wirelen, uint32_t linktype, const nmx_frame_ctx_t *ctx);
void nmx__dissection_free(nmx_dissection_t *d);

/*
 * Partial dissections (nmx_frame_ctx_t.partial): the property helpers ask
 * for the properties of a few protocols, and the layers after the last one
 * that can hold them need not be parsed.  A protocol's properties are
 * recorded in its own layers, or by a protocol without properties of its
 * own (mdns, llmnr and ssdp record dns.* and http.* ones), or by one that
 * says it borrows them (ipv6 records ip.version).  wants[] has a
 * bit per protocol id below NMX_PARTIAL_IDS (the built-in ones).
 * Returns how many of the layers in rt (the frame's recognize table) a
 * dissection needs for them; *all when that is every layer.
 */
#define NMX_PARTIAL_IDS 128
uint32_t nmx__layers_for(const RECOGNIZEDATATABLE *rt, const uint64_t wants[2], bool *all);
/* Protocol id's bit in a wants[] set (ids from NMX_PARTIAL_IDS on have none). */
static inline bool nmx__wants_has(const uint64_t w[2], unsigned id)
{
    return id < NMX_PARTIAL_IDS && ((w[id / 64] >> (id % 64)) & 1) != 0;
}
static inline void nmx__wants_add(uint64_t w[2], unsigned id)
{
    if (id < NMX_PARTIAL_IDS)
        w[id / 64] |= (uint64_t)1 << (id % 64);
}

/* ===================================================================== */
/* Conversations: tcp.stream and udp.stream                               */
/* ===================================================================== */

/*
 * Numbers the TCP and UDP conversations of a capture as tshark does: fed
 * every frame in capture order, it gives each frame the 0-based index of
 * its conversation (addresses and ports, either direction), counted in
 * order of first appearance.  A TCP SYN (without ACK) whose sequence number
 * differs from the first one seen in that direction starts a new stream on
 * the same addresses and ports.  Each TCP and UDP header of a frame counts
 * (a tunnel's outer and inner one, the one an ICMP error quotes), the first
 * NMX_STREAM_LAYERS of each get their number; the others, and frames
 * without TCP or UDP, get NMX_STREAM_NONE.  streams.c has the details.
 */
typedef struct nmx_streams nmx_streams_t;
nmx_streams_t *nmx__streams_new(void);
void nmx__streams_free(nmx_streams_t *st);
/* Feeds the next frame; false only when out of memory (the outputs are
 * then NMX_STREAM_NONE). */
bool nmx__streams_next(nmx_streams_t *st, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                       uint32_t linktype, uint32_t tcp_stream[NMX_STREAM_LAYERS],
                       uint32_t udp_stream[NMX_STREAM_LAYERS]);

/* The first instance of property f in d after `after` (NULL: from the
 * start), in frame order; NULL when there is none or `after` is not one of
 * d's instances. */
LPPROPERTYINST nmx__dissection_find(const nmx_dissection_t *d, const nmx_field_t *f,
                                    const PROPERTYINST *after);
/* Index of inst in d's table, or -1 when inst is not one of d's instances. */
long nmx__dissection_index(const nmx_dissection_t *d, const PROPERTYINST *inst);

/* ===================================================================== */
/* Offsets and addresses                                                  */
/* ===================================================================== */

/*
 * Offset of the first instance of protocol `id` in a recognize table, or
 * (DWORD)-1 when absent.  "frame" is always at 0.
 */
DWORD nmx__proto_offset(const RECOGNIZEDATATABLE *t, unsigned id);

/*
 * The nearest instance of protocol `id` that starts before `start`:
 * returns 0 and stores its offset, or NMERR_PROTOCOL_NOT_FOUND.
 */
DWORD nmx__proto_prev_offset(const RECOGNIZEDATATABLE *t, unsigned id, DWORD start, DWORD *out);

/*
 * The frame's source (dst == false) or destination address of the given
 * ADDRESS_TYPE_* (ETHERNET, IP, IP6, FIND_HIGHEST = IP, else IPv6, else MAC).
 * Fills *out (Type and address bytes; ADDRESS2), *offset and *length when
 * not NULL.  flags: ADDRESSTYPE_FLAGS_NORMALIZE clears the group and local
 * bits of a MAC address.  Returns 0, NMERR_PROTOCOL_NOT_FOUND when the
 * frame has no such address, or NMERR_INVALID_PARAMETER.
 */
DWORD nmx__frame_address(const uint8_t *data, uint32_t caplen, const nmx_frame_addrs_t *addrs,
                         bool dst, DWORD type, DWORD flags, ADDRESS2 *out, DWORD *offset,
                         DWORD *length);

/* ===================================================================== */
/* Values and rendering                                                   */
/* ===================================================================== */

/* A property instance's value, decoded. */
typedef struct nmx_value {
    enum nmx_ftype type; /* of the field */
    uint64_t u;          /* NMX_FT_UINT / NMX_FT_BOOL */
    int64_t i;           /* NMX_FT_INT */
    const uint8_t *bytes; /* ETHER, IPV4, IPV6, STRING, BYTES: the value's bytes */
    size_t len;          /* their length */
} nmx_value_t;

/* Decodes an instance's value; false if the instance is not ours or has no
 * value (instances flagged IFLAG_ERROR have none: they mark malformed data). */
bool nmx__prop_value(const PROPERTYINST *pi, nmx_value_t *out);

/*
 * Renders an instance's value exactly as `tshark -T fields` prints it,
 * NUL-terminated and truncated to buflen.  Returns the full length (like
 * snprintf), or 0 and an empty string for unknown instances.
 */
size_t nmx__prop_render(const PROPERTYINST *pi, char *buf, size_t buflen);

/* Formats a time of ns nanoseconds as tshark shows it: style 0 (and 1) an
 * interval in seconds ("1.500000000"), 2 a UTC date
 * ("Jan  1, 2010 00:00:29.651780000 UTC").  buf should hold 64 bytes. */
void nmx__format_time(int64_t ns, int style, char *buf, size_t len);

/* Renders a decoded value of field f (same rules). */
size_t nmx__value_render(const nmx_field_t *f, const nmx_value_t *v, char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif

#endif /* NMX_PROTO_PROTO_H */
