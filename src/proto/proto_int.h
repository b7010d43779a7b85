/*
 * proto_int.h - what the dissectors share: the registry structures, the
 * declarative property-table macros, the per-frame dissection context and
 * the functions that record protocols and property instances.
 *
 * Private to src/proto (the filter layer and the runtime use proto.h).
 *
 * A dissector reached through a hand-off is an nmx_dissect_fn (below) named
 * in its registry entry; one that other dissectors also call directly is
 * `void nmx__dis_<proto>(nmx_dctx_t *d, nmx_cursor_t c)`.  Either way the
 * cursor covers the protocol's bytes (its base is the frame start, so
 * nmx__cur_offset() is an absolute frame offset).  It calls nmx__push_layer() to
 * record itself, adds all of its properties with nmx__add*() (which do
 * nothing in a recognize-only pass), then hands the rest on with
 * nmx__handoff() (handoff.c), which finds the next dissector in the tables
 * the protocols declare (NMX_HANDOFFS).  Every read of frame bytes goes
 * through the checked accessors of common/cursor.h, which cannot read past
 * the window the parent gave; a dissector holds no pointer into the frame
 * (scripts/check-checked-reads.py, the checked_reads test, enforces it).
 */
#ifndef NMX_PROTO_INT_H
#define NMX_PROTO_INT_H

#include "common/cursor.h"
#include "proto/proto.h"

/* ===================================================================== */
/* Registry structures                                                    */
/* ===================================================================== */

/* Field flags. */
#define NMX_FF_LE 0x01 /* multi-byte value is little-endian in the frame */
#define NMX_FF_NTP 0x02 /* absolute time shown as "NULL" when zero (ABSOLUTE_TIME_NTP_UTC) */
#define NMX_FF_ASCII 0x04 /* ENC_ASCII text: a byte over 0x7F shows as U+FFFD, a NUL ends it */
#define NMX_FF_UTF8 0x08  /* ENC_UTF_8 text of an item: escaped as nmx__format_text does, but for a
                             backslash, which tshark prints as it is */

struct nmx_field {
    PROPERTYINFO info;  /* NetMon definition; Label = Wireshark display name */
    const char *key;    /* Wireshark field name, e.g. "ip.ttl" */
    uint8_t ftype;      /* enum nmx_ftype */
    uint8_t base;       /* enum nmx_base */
    uint8_t width;      /* bytes of the container (1, 2, 3, 4, 8) for numbers */
    uint8_t flags;      /* NMX_FF_* */
    uint64_t mask;      /* bit mask within the container, 0 = none */
    uint16_t proto;     /* owning protocol id (set by the registry) */
    uint8_t level;      /* PROPERTYINST.Level: dots in the key (set by the registry) */
    uint8_t ex_value;   /* a numeric field stored as an extracted value (mask or odd width) */
    uint8_t store_width; /* bytes of the stored number: 1, 2, 4 or 8 (by DataType) */
    uint32_t raw_iflags; /* IFLAG_SWAPPED for multi-byte numbers not in host order */
    uint32_t index;     /* global index (set by the registry) */
};

typedef struct nmx_dctx nmx_dctx_t;

/*
 * A dissector: records protocol `proto` (nmx__push_layer) with its
 * properties and hands the rest on.  It returns false, having recorded
 * nothing, when the bytes are not this protocol; the parent then offers them
 * to the next candidate (the other port, then the heuristics).
 */
typedef bool nmx_dissect_fn(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto);

/* The values a parent hands off on (docs/protocols.md, "Hand-off"). */
enum nmx__ho_table {
    NMX_HO_ETHERTYPE, /* Ethernet, 802.1Q, SLL and SNAP type */
    NMX_HO_LLC_SAP,   /* 802.2 DSAP */
    NMX_HO_IP_PROTO,  /* IPv4 protocol, IPv6 next header */
    NMX_HO_TCP_PORT,
    NMX_HO_UDP_PORT,
    NMX_HO_TCP_HEUR,  /* heuristics on TCP payloads; value = order, low first */
    NMX_HO_UDP_HEUR,  /* heuristics on UDP payloads; value = order, low first */
    NMX_HO_CISCO_PID, /* SNAP PID behind Cisco's OUI 00-00-0C (Wireshark's llc.cisco_pid) */
    NMX_HO_IPX_TYPE,  /* IPX packet type (Wireshark's ipx.packet_type) */
    NMX_HO_IPX_SOCKET, /* IPX socket, lower first (Wireshark's ipx.socket) */
    NMX_HO_LEARNED,   /* not a table: a conversation an earlier frame announced (learn.c) */
    NMX_HO_TABLES
};

/* One hand-off: the parent's table and the value that leads to us. */
typedef struct nmx__handoff {
    uint8_t table; /* enum nmx__ho_table */
    uint32_t value;
} nmx_handoff_t;

/* How many other protocols' properties one protocol's layers may record. */
#define NMX_MAX_BORROWS 3

struct nmx_protocol {
    PROTOCOLINFO info;         /* NetMon view: ProtocolID, PropertyDatabase, name */
    const char *name;          /* Wireshark display-filter name */
    const char *netmon_name;   /* NetMon name, or NULL */
    const char *alias;         /* another accepted name, or NULL */
    const char *description;   /* Wireshark's long name */
    nmx_field_t *fields;       /* property table */
    uint32_t nfields;
    uint32_t first_field;      /* global index of fields[0] */
    nmx_dissect_fn *dissect;   /* what a hand-off calls (NULL: reached only by direct calls) */
    const nmx_handoff_t *handoffs; /* who hands off to it */
    uint32_t nhandoffs;
    uint16_t borrows[NMX_MAX_BORROWS]; /* protocols whose properties its layers record too
                                  (ipv6 records ip.version; smb2 ntlmssp.* and kerberos.*),
                                  0 after the last; a protocol without fields of its own
                                  may record anyone's (nmx__layers_for) */
    bool unlisted;             /* frame.protocols does not name it: tshark calls its dissector
                                  without adding the name (a DCE/RPC interface) */
    bool chain;                /* its consecutive layers are the parts of one message, dissected
                                  by one call (an SMB2 compound chain, the SIP messages of a
                                  TCP segment, an RTCP compound): frame.protocols names it once */
    bool per_payload;          /* its layers within one TCP payload are the messages of one call,
                                  with other layers between them (NBSS's messages, each with its
                                  SMB): frame.protocols names it once per payload */
};

/* Defines a registry entry for protocol `id` with a field table.  The
 * optional last arguments are more designated initializers, normally
 * `.dissect = fn, NMX_HANDOFFS({table, value}, ...)`. */
#define NMX_PROTOCOL(var, id, wsname, nmname, alias_, descr, table, ...)                    \
    nmx_protocol_t var = {.info = {.ProtocolID = (id)}, .name = (wsname), .netmon_name = (nmname), \
                          .alias = (alias_), .description = (descr), .fields = (table),     \
                          .nfields = (uint32_t)(sizeof(table) / sizeof((table)[0])), __VA_ARGS__}
#define NMX_PROTOCOL_NOFIELDS(var, id, wsname, nmname, alias_, descr, ...)                   \
    nmx_protocol_t var = {.info = {.ProtocolID = (id)}, .name = (wsname), .netmon_name = (nmname), \
                          .alias = (alias_), .description = (descr), __VA_ARGS__}
/* The hand-offs of a protocol, as initializers of its entry. */
#define NMX_HANDOFFS(...)                                                                   \
    .handoffs = (const nmx_handoff_t[]){__VA_ARGS__},                                        \
    .nhandoffs = (uint32_t)(sizeof((const nmx_handoff_t[]){__VA_ARGS__}) / sizeof(nmx_handoff_t))

/* PROP_TYPE_* of an unsigned number by container width. */
#define NMX_PTYPE_UINT(w) ((w) == 1 ? PROP_TYPE_BYTE : (w) == 2 ? PROP_TYPE_WORD : (w) <= 4 ? PROP_TYPE_DWORD : PROP_TYPE_LARGEINT)

#define NMX_F_(k, l, ft, b, w, m, fl, pt, pq)                                                  \
    {.info = {.Label = (char *)(l), .Comment = (char *)(k), .DataType = (pt), .DataQualifier = (pq)}, \
     .key = (k), .ftype = (ft), .base = (b), .width = (w), .flags = (fl), .mask = (m)}

/* Declarative property-table entries. */
#define NMX_F_UINT(k, l, base, w, mask) NMX_F_(k, l, NMX_FT_UINT, base, w, mask, 0, NMX_PTYPE_UINT(w), PROP_QUAL_NONE)
#define NMX_F_UINT_LE(k, l, base, w, mask) NMX_F_(k, l, NMX_FT_UINT, base, w, mask, NMX_FF_LE, NMX_PTYPE_UINT(w), PROP_QUAL_NONE)
#define NMX_F_BOOL(k, l, w, mask) NMX_F_(k, l, NMX_FT_BOOL, NMX_BASE_DEC, w, mask, 0, NMX_PTYPE_UINT(w), PROP_QUAL_FLAGS)
#define NMX_F_BOOL_LE(k, l, w, mask) NMX_F_(k, l, NMX_FT_BOOL, NMX_BASE_DEC, w, mask, NMX_FF_LE, NMX_PTYPE_UINT(w), PROP_QUAL_FLAGS)
#define NMX_F_ETHER(k, l) NMX_F_(k, l, NMX_FT_ETHER, 0, 6, 0, 0, PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE)
#define NMX_F_IPV4(k, l) NMX_F_(k, l, NMX_FT_IPV4, 0, 4, 0, 0, PROP_TYPE_IP_ADDRESS, PROP_QUAL_NONE)
#define NMX_F_IPV6(k, l) NMX_F_(k, l, NMX_FT_IPV6, 0, 16, 0, 0, PROP_TYPE_IP6_ADDRESS, PROP_QUAL_NONE)
#define NMX_F_STRING(k, l) NMX_F_(k, l, NMX_FT_STRING, 0, 0, 0, 0, PROP_TYPE_STRING, PROP_QUAL_NONE)
/* Text tshark reads as ASCII (ENC_ASCII): see NMX_FF_ASCII. */
#define NMX_F_ASCII(k, l) NMX_F_(k, l, NMX_FT_STRING, 0, 0, 0, NMX_FF_ASCII, PROP_TYPE_STRING, PROP_QUAL_NONE)
/* Text tshark reads as UTF-8 (ENC_UTF_8) and shows unescaped: see NMX_FF_UTF8. */
#define NMX_F_UTF8(k, l) NMX_F_(k, l, NMX_FT_STRING, 0, 0, 0, NMX_FF_UTF8, PROP_TYPE_STRING, PROP_QUAL_NONE)
#define NMX_F_BYTES(k, l) NMX_F_(k, l, NMX_FT_BYTES, 0, 0, 0, 0, PROP_TYPE_RAW_DATA, PROP_QUAL_ARRAY)
#define NMX_F_ABSTIME(k, l) NMX_F_(k, l, NMX_FT_ABSTIME, 0, 8, 0, 0, PROP_TYPE_LARGEINT, PROP_QUAL_NONE)
/* An NTP timestamp (derived: ns since 1970), "NULL" when the 64 bits are zero. */
#define NMX_F_ABSTIME_NTP(k, l) NMX_F_(k, l, NMX_FT_ABSTIME, 0, 8, 0, NMX_FF_NTP, PROP_TYPE_LARGEINT, PROP_QUAL_NONE)
#define NMX_F_RELTIME(k, l) NMX_F_(k, l, NMX_FT_RELTIME, 0, 8, 0, 0, PROP_TYPE_LARGEINT, PROP_QUAL_NONE)
#define NMX_F_NONE(k, l) NMX_F_(k, l, NMX_FT_NONE, 0, 0, 0, 0, PROP_TYPE_SUMMARY, PROP_QUAL_NONE)

/* The registry entries, defined by the dis_*.c files. */
#define NMX_PROTO_X(id, var) extern nmx_protocol_t nmx__p_##var;
#include "proto/proto_list.h"
#undef NMX_PROTO_X

/* ip.version, which the IPv6 dissector adds too (as Wireshark does). */
extern const nmx_field_t *const nmx__ip_version_field;

/* One-time registry initialisation (idempotent, thread-safe). */
void nmx__registry_init(void);

/*
 * Run-time registration (a parser plug-in).  Appends p after every protocol
 * registered so far (its id is nmx__proto_count() before the call), numbers
 * its fields after all others, builds its PROPERTYDATABASE and enters its
 * hand-offs into the tables.  p must live as long as the process.  Call
 * single-threaded, before dissection starts in this process.  0, or -1 with
 * a message (a name already taken, a property without a name, no memory).
 */
int nmx__registry_add(nmx_protocol_t *p, char *errbuf, size_t errlen);

/* Enters the hand-offs of protocol `id` into the tables (handoff.c, called
 * by the registry); 0, or -1 out of memory. */
int nmx__handoff_enter(const nmx_protocol_t *p, unsigned id);
/* Adds one more hand-off to registered protocol `id`: a parser's entry in
 * a built-in parent's handoff set.  0, or -1 (unknown id, no memory). */
int nmx__handoff_add(unsigned id, enum nmx__ho_table table, uint32_t value);

/*
 * The one hand-off function of the parents: offers c to the protocols
 * registered in `table` for `value` (the most recently registered first, so
 * a plug-in can take over a port) until one accepts.  True when one did.
 */
bool nmx__handoff(nmx_dctx_t *d, nmx_cursor_t c, enum nmx__ho_table table, uint32_t value);
/* The hand-off of a TCP or UDP payload between ports sport and dport, by
 * tshark's rules (docs/protocols.md): the lower port, the higher port, then
 * the heuristics in their order. */
void nmx__handoff_ports(nmx_dctx_t *d, nmx_cursor_t c, bool tcp, unsigned sport, unsigned dport);

/* ===================================================================== */
/* Dissection context                                                     */
/* ===================================================================== */

/* Scratch storage of a full dissection (see dissect.c). */
struct nmx_proto_ws {
    PROPERTYINST *inst;           /* instances, inside blk; Ex ones hold an ex offset in lpData */
    uint32_t ninst;
    uint32_t cap;
    uint8_t *blk;                 /* the block the next result is packed in (pack()): its
                                     header, then inst, then room for the rest */
    size_t blk_size;
    size_t ex_room;               /* the room blk keeps for the Ex records */
    uint32_t exi_cap;             /* entries of exi */
    uint32_t last_ninst;          /* the previous result's instances ... */
    size_t last_exlen;            /* ... and Ex bytes: the next block's size */
    uint16_t *exi;                /* the indexes of the Ex instances, in order (cap of them): the
                                     ones pack() points at their records */
    uint32_t nexi;
    uint8_t *ex;                  /* PROPERTYINSTEX storage, 8-aligned records */
    size_t exlen;
    size_t excap;
    uint16_t slice_start[NMX_MAX_LAYERS + 1]; /* first instance of each slice */
    unsigned nslices;
    uint32_t n_errors;
    bool oom;                     /* an allocation failed */
    uint8_t *scratch;             /* bytes decoded from the frame (nmx__decoded_begin) */
    size_t scratch_cap;
};

struct nmx_dctx {
    const uint8_t *frame;         /* frame start */
    uint32_t caplen;              /* captured bytes */
    uint32_t wirelen;             /* bytes on the wire */
    RECOGNIZEDATATABLE *rt;       /* recognize table being filled */
    nmx_frame_addrs_t *addrs;     /* address locations being filled */
    struct nmx_proto_ws *ws;      /* NULL in a recognize-only pass */
    unsigned depth;               /* nesting guard for tunnels and ICMP errors */
    bool in_error;                /* inside the payload of an ICMP error */
    uint32_t l4_reported;         /* IP payload length on the wire (for tcp.len) */
    const nmx_frame_ctx_t *fctx;  /* the frame's place in the capture, or NULL */
    uint8_t ho_table;             /* the hand-off being made (enum nmx__ho_table) */
    bool ho_v6;                   /* ... from IPv6 (for NMX_HO_IP_PROTO) */
    uint32_t ho_value;            /* ... on this value (the port, for NMX_HO_TCP_PORT) */
    uint16_t ho_sport, ho_dport;  /* ... of a TCP or UDP payload: its ports (a request goes to
                                     the port matched: Wireshark's match_uint == destport) */
    bool ho_tcp;                  /* ... and whether it is TCP's (else UDP's) */
    bool partial;                 /* a partial dissection: it stops before the layers */
    unsigned max_layers;          /* ... it does not need, after max_layers of them */
    uint16_t gre_flags;           /* flags and version of the GRE header handing off (ERSPAN) */
    struct nmx_learned_hit {
        uint32_t setup;           /* the announcing frame's number, or the setup frame it named */
        uint8_t tag;              /* its nmx_learn_ep_t.tag */
        const char *note;         /* what the announcing connection said next, or NULL */
        uint32_t note_frame;      /* ... in which frame */
    } learned;                    /* ... and, for NMX_HO_LEARNED, the announcement (learn.c) */
    struct {
        bool on;                  /* properties are being recorded from decoded bytes */
        const uint8_t *bytes;     /* ... these (the workspace's scratch) */
        size_t len;
        size_t off, span;         /* ... decoded from these frame bytes */
    } decoded;                    /* see nmx__decoded_begin */
};

/* ---- Conversations announced by one frame for later ones (learn.c) ---- */

/* An announced transport endpoint, and what is known of its peer. */
typedef struct nmx_learn_ep {
    uint8_t l4;          /* NMX_PROTO_TCP or NMX_PROTO_UDP */
    uint8_t alen;        /* 4 or 16 */
    uint8_t addr[16];    /* the announced endpoint's address ... */
    uint16_t port;       /* ... and port */
    bool has_peer;       /* the other side's address is known (FTP: yes, SDP: no) */
    uint8_t peer[16];
    bool has_peer_port;  /* ... and its port (an exact conversation) */
    uint16_t peer_port;
    uint8_t tag;         /* the announcer's own (FTP: how it was set up) */
    bool to_only;        /* only payloads sent to the endpoint match (QUIC: the length of
                            the connection ID a packet to the endpoint carries) */
    uint32_t setup_frame; /* the frame tshark names as the setup (nmx_learned_hit.setup), when
                             the announcer knows it is not this one (SDP: the SIP request an
                             answer replies to), or 0 */
} nmx_learn_ep_t;

/*
 * From the frame after this one on, TCP or UDP hands a payload whose
 * endpoints match ep (either direction) to `proto`'s dissect function, with
 * d->ho_table == NMX_HO_LEARNED, before its port tables.  A TCP
 * announcement without the peer's port takes the port of the first
 * connection that matches it (tshark fills the wildcard in).  An
 * announcement equal to an earlier one is not recorded again unless it
 * names another setup frame (ep->setup_frame nonzero).  No effect unless
 * the dissection learns (nmx_frame_ctx_t.learn).
 */
void nmx__learn(nmx_dctx_t *d, const nmx_learn_ep_t *ep, unsigned proto);
/* nmx__learn of the current TCP payload's own connection, both ways (an
 * exact conversation): its later segments are `proto`'s (an HTTP/2
 * preface, a message HTTP's heuristic took). */
void nmx__learn_connection(nmx_dctx_t *d, unsigned proto);
/*
 * Notes a message of the connection that carries the current frame on the
 * newest announcement that connection made, unless it has one already
 * (FTP: the request after PORT or PASV is the command the data connection
 * answers).  Dissections of later frames see it (nmx_dctx.learned.note);
 * text is copied, up to 255 bytes.  No effect unless the dissection learns.
 */
void nmx__learn_note(nmx_dctx_t *d, const char *text, size_t len);
/* Whether the dissection learns: a dissector that only announces may skip
 * its work otherwise. */
bool nmx__learning(const nmx_dctx_t *d);
/* The addresses of the nearest IP header before the current layer (the
 * one nmx__net_src names, dissect.c): *alen (4 or 16), its source and
 * destination; false when there is none or they are not all there. */
bool nmx__learn_ip(const nmx_dctx_t *d, uint8_t *alen, uint8_t src[16], uint8_t dst[16]);
/* The protocol an earlier announcement gives this TCP or UDP payload, or 0;
 * *found (if not NULL) receives the announcement.  For TCP it is also
 * called on segments without payload: a connection takes a wildcard port
 * on its first segment (not the one an ICMP error quotes; tshark finds
 * the conversation of a quoted datagram too). */
typedef struct nmx_learned_hit nmx_learned_hit_t; /* see nmx_dctx.learned */
unsigned nmx__learned_proto(nmx_dctx_t *d, bool tcp, unsigned sport, unsigned dport, nmx_learned_hit_t *found);

/*
 * Facts about a connection learned from earlier frames (learn.c): a small
 * value under a kind (enum below, one per use) and a 64-bit id, for the
 * TCP or UDP connection of the current frame (its transport, both
 * addresses and ports, either direction: the ports the payload was handed
 * off on).  A value set
 * by frame n is seen from frame n+1 on; a later set for the same key hides
 * it from the frames after that one only, so a frame dissected again sees
 * what it saw the first time.  nmx__fact_set does nothing unless the
 * dissection learns (nmx__learning), nor when the value is the one already
 * set.  At most 524,288 facts are kept per run (later ones are dropped), in
 * a hash bucket for every two at most, so a hostile capture can neither
 * grow the table without limit nor make a lookup scan all of it on average
 * (learn.c).  A TCP SYN
 * starts a new conversation for tshark (nmx__fact_syn): the facts set
 * before it are not seen after it.
 */
enum nmx_fact_kind {
    NMX_FACT_SMB_TID = 1, /* SMB: a tree id's service (dis_smb.c) */
    NMX_FACT_SMB_REQ,     /* SMB: what a request (PID << 16 | MID) was, for its response */
    NMX_FACT_SIP_CSEQ,    /* SIP over UDP, per Call-ID and direction: the CSeq number, */
    NMX_FACT_SIP_METHOD,  /* ... the hash of its method, */
    NMX_FACT_SIP_STATE,   /* ... the transaction's state and final status code, */
    NMX_FACT_SIP_FRAME,   /* ... and the frame of its request or response (dis_sip.c) */
    NMX_FACT_SIP_SDP,     /* SIP: whether a request (by its frame) had an SDP offer or answer */
    NMX_FACT_HTTP_REQUEST, /* HTTP over TCP: a request was seen on the connection (dis_http.c) */
    NMX_FACT_TCP_SYN,     /* TCP: the sequence number of the latest SYN without ACK (nmx__fact_syn) */
    NMX_FACT_TCP_EPOCH,   /* TCP: the latest SYN that started a new conversation (nmx__fact_syn) */
    NMX_FACT_DCE_CTX,     /* DCE/RPC: a presentation context's interface (dis_dcerpc.c) */
    NMX_FACT_DCE_CALL,    /* DCE/RPC: a call's request: opnum, interface, object UUID present */
    NMX_FACT_DCE_REQ_FRAME, /* DCE/RPC: the number of a call's request frame */
    NMX_FACT_DCE_REQ_TIME, /* DCE/RPC: the two words of a call's request time */
    NMX_FACT_DCE_OBJ,     /* DCE/RPC: the four words of a call's object UUID */
    NMX_FACT_DCE_ANSWERED, /* DCE/RPC: the request frame a call's last response or fault answered */
    NMX_FACT_SMB2_READ,   /* SMB2: a READ request's file id (message id: its pipe, dis_smb2.c) */
};
void nmx__fact_set(nmx_dctx_t *d, unsigned kind, uint64_t id, uint32_t value);
/* The value the latest earlier frame set for (kind, id) on this frame's
 * connection into *value; false when none did. */
bool nmx__fact_get(const nmx_dctx_t *d, unsigned kind, uint64_t id, uint32_t *value);
/* A TCP segment with SYN and without ACK (sequence number seq, ports sport
 * and dport) while learning: one whose sequence number differs from the
 * connection's previous SYN starts a new conversation, as tshark's
 * packet-tcp.c does (port reuse, a corrupted flags byte): the facts set
 * before its frame are not seen from it on.  A retransmitted SYN changes
 * nothing.  SYNs use at most half of the facts table. */
void nmx__fact_syn(nmx_dctx_t *d, unsigned sport, unsigned dport, uint32_t seq);

/* Maximum nesting of encapsulations (tunnels, ICMP error payloads). */
#define NMX_MAX_DEPTH 8

/*
 * Records protocol `id` starting at frame offset `off`.  Returns false when
 * the recognize table is full (or a partial dissection has all the layers
 * it wants), in which case the dissector stops.
 */
bool nmx__push_layer(nmx_dctx_t *d, unsigned id, size_t off);

/* How many layers of protocol id were recorded before the last one (0 for
 * the frame's first TCP header: the index into nmx_frame_ctx_t.tcp_stream). */
unsigned nmx__layer_index(const nmx_dctx_t *d, unsigned id);

/* A cursor over the source address of the innermost IPv4 or IPv6 header
 * recorded so far (4 or 16 bytes: Wireshark's pinfo->src); false when
 * there is none or its bytes are not all there. */
bool nmx__net_src(const nmx_dctx_t *d, nmx_cursor_t *out);

/* The instance recorders behind nmx__add* (dissect.c), called when the
 * frame is being dissected into properties (d->ws set). */
void nmx__record_raw(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len, uint32_t iflags);
void nmx__record_uint(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len, uint64_t v);
void nmx__record_bytes(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len, const void *s,
                       size_t n);

/*
 * Bytes carried as text: the base64 token of an HTTP authentication
 * header.  Decodes the base64 text at [pos, pos+len) of c, as GLib's
 * g_base64_decode_inplace does (characters outside the alphabet are
 * skipped, "=" pads, an incomplete last group is dropped), into the
 * workspace's scratch buffer (at most NMX_DECODED_MAX bytes: longer text
 * is refused), and points *out at the result: a checked cursor whose
 * offsets count from the start of the decoded bytes.  Until
 * nmx__decoded_end(), every property recorded takes its offset and length
 * as a place in those bytes and is stored by value (numbers as numbers,
 * strings as rendered), located at the encoded text [pos, pos+len) in the
 * frame; no layer may be pushed meanwhile.  False (and nothing begun) in
 * a recognize-only pass, when one is already begun, when the text is too
 * long or memory runs out, or when it decodes to nothing.
 */
#define NMX_DECODED_MAX 16384
bool nmx__decoded_begin(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, size_t len, nmx_cursor_t *out);
void nmx__decoded_end(nmx_dctx_t *d);

/* The value of the numeric field f (f->ex_value) at the frame bytes
 * [off, off+len), which are there, extracted (masked and shifted) and
 * stored by value, as nmx__record_raw stores it. */
void nmx__record_extracted(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len);

/* Writes every member of the instance pi of field f: its value at data,
 * len bytes (PROPERTYINST_EX_LENGTH and the record's offset for a value
 * stored beside it), flagged iflags.  The one writer of instances, inline
 * for nmx__add. */
static inline void nmx__inst_write(PROPERTYINST *pi, const nmx_field_t *f, const void *data, WORD len,
                                   DWORD iflags)
{
    pi->lpPropertyInfo = (LPPROPERTYINFO)&f->info;
    pi->szPropertyText = NULL;
    pi->lpData = (void *)(uintptr_t)data;
    pi->DataLength = len;
    pi->Level = f->level & 0xF;
    pi->HelpID = 0;
    pi->IFlags = iflags;
}

/* A property whose value is the frame bytes [off, off+len).  Nearly every
 * property of every frame comes this way, so the common case (the bytes
 * are there, the instance array has room, nothing stored beside it) is
 * written here, inline, as nmx__record_raw would write it; the rest goes
 * to nmx__record_raw. */
static inline void nmx__add(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len)
{
    struct nmx_proto_ws *ws = d->ws;
    if (ws == NULL)
        return;
    if (__builtin_expect(off > d->caplen || len > d->caplen - off || len > 0xFFFE || d->decoded.on ||
                             ws->ninst >= ws->cap,
                         0)) {
        nmx__record_raw(d, f, off, len, 0);
        return;
    }
    if (f->ex_value) { /* a flag bit, say: its value, extracted */
        nmx__record_extracted(d, f, off, len);
        return;
    }
    nmx__inst_write(&ws->inst[ws->ninst++], f, d->frame + off, (WORD)len, len == f->width ? f->raw_iflags : 0);
}
/* The same, flagged IFLAG_ERROR (malformed data). */
static inline void nmx__add_err(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len)
{
    if (d->ws)
        nmx__record_raw(d, f, off, len, IFLAG_ERROR);
}
/* A derived number (computed, not stored in the frame), stored in PROPERTYINSTEX. */
static inline void nmx__add_uint(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len,
                                 uint64_t v)
{
    if (d->ws)
        nmx__record_uint(d, f, off, len, v);
}
/* A derived string or byte value (e.g. a decompressed DNS name). */
static inline void nmx__add_str(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len,
                                const void *s, size_t n)
{
    if (d->ws)
        nmx__record_bytes(d, f, off, len, s, n);
}

/* Offset of the cursor's next byte from the frame start. */
static inline size_t nmx__off(const nmx_cursor_t *c)
{
    return nmx__cur_offset(c);
}

/* Adds f over the n bytes at pos of c when they are all there; otherwise
 * marks f malformed over what is left from pos and returns false (a
 * header shown field by field until its bytes run out). */
static inline bool nmx__add_at(nmx_dctx_t *d, const nmx_cursor_t *c, const nmx_field_t *f, size_t pos, size_t n)
{
    size_t off = nmx__off(c);
    if (!nmx__cur_in(c, pos, n)) {
        nmx__add_err(d, f, off + (pos < c->left ? pos : c->left), pos < c->left ? c->left - pos : 0);
        return false;
    }
    nmx__add(d, f, off + pos, n);
    return true;
}

/* A cursor over the first n bytes of c (all of c if n is larger). */
static inline nmx_cursor_t nmx__cur_head(nmx_cursor_t c, size_t n)
{
    if (n < c.left)
        c.left = n;
    return c;
}

/* ===================================================================== */
/* Dissectors                                                             */
/* ===================================================================== */

void nmx__dis_frame(nmx_dctx_t *d, uint32_t linktype);
/* Adds frame.protocols (after the other layers, see dissect.c). */
void nmx__dis_frame_protocols(nmx_dctx_t *d, const char *text);
void nmx__dis_eth(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_llc(nmx_dctx_t *d, nmx_cursor_t c);
/* What follows a type-or-length field (Ethernet, 802.1Q, VN-Tag; dis_llc.c):
 * 1500 or less is an 802.3 length bounding an LLC frame, more an EtherType. */
void nmx__dis_type_or_length(nmx_dctx_t *d, nmx_cursor_t c, uint16_t tl);
void nmx__dis_sll(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_sll2(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_null(nmx_dctx_t *d, nmx_cursor_t c, bool network_order);
void nmx__dis_raw(nmx_dctx_t *d, nmx_cursor_t c, unsigned version);
void nmx__dis_radiotap(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_wlan(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_fddi(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_tr(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_cfp(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_ip(nmx_dctx_t *d, nmx_cursor_t c);
/* PPP from its protocol field; when hdlc, after the HDLC-like address and
 * control bytes if the first byte is 0xFF (dis_ppp.c). */
void nmx__dis_ppp(nmx_dctx_t *d, nmx_cursor_t c, bool hdlc);
void nmx__dis_ipv6(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_ip_proto(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto, bool v6, bool first_frag);
void nmx__dis_icmp(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_dns(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto, bool tcp);
void nmx__dis_http(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto);
void nmx__dis_nbss(nmx_dctx_t *d, nmx_cursor_t c, bool port445);
void nmx__dis_smb(nmx_dctx_t *d, nmx_cursor_t c);
void nmx__dis_smb2(nmx_dctx_t *d, nmx_cursor_t c);
/* A session setup's security blob: NTLMSSP, bare or in a GSS-API/SPNEGO
 * token; its ntlmssp.* fields go into the caller's layer (dis_ntlmssp.c). */
void nmx__dis_security_blob(nmx_dctx_t *d, nmx_cursor_t c);
/* A GSS-API Kerberos token (RFC 4121 4.1), or in SPNEGO (in_spnego) a
 * bare AP-REQ or AP-REP: its Kerberos message's kerberos.* fields go into
 * the caller's layer; false when c holds none (dis_kerberos.c). */
bool nmx__dis_krb5_token(nmx_dctx_t *d, nmx_cursor_t c, bool in_spnego);
/* DCE/RPC PDUs in the data of a named pipe's read, write or transceive:
 * the n bytes at `at` of message m, as many as were captured (whole: take
 * them as all there even when cut); false when they do not start with one
 * (dis_dcerpc.c).  pipe tells the pipes of a connection apart (tshark's
 * transport salt: SMB's FID, SMB2's file id hashed to NMX_DCE_PIPE_BITS
 * bits; 0 when unknown). */
#define NMX_DCE_PIPE_BITS 30
bool nmx__dis_dcerpc_pipe(nmx_dctx_t *d, const nmx_cursor_t *m, size_t at, size_t n, bool whole, uint32_t pipe);
/* The DCE/RPC interfaces tshark shows a layer for (dis_dcerpc_if.c): the
 * index of the one with this UUID (as tshark prints it) and major version,
 * or NMX_DCE_IF_NONE; and its layer at frame offset off with the call's
 * operation number (false when the layer could not be recorded). */
#define NMX_DCE_IF_NONE 0xFFu
unsigned nmx__dcerpc_if_find(const char *uuid, unsigned ver);
bool nmx__dis_dcerpc_if(nmx_dctx_t *d, unsigned idx, size_t off, unsigned opnum);
void nmx__dis_tls(nmx_dctx_t *d, nmx_cursor_t c);
/* HTTP/2's connection preface at the start of c (24; 1 for a proper
 * prefix of it, 0 for none), and the segment that starts with it
 * (dis_http2.c). */
int nmx__http2_preface(nmx_cursor_t c);
void nmx__dis_http2(nmx_dctx_t *d, nmx_cursor_t c);
/* An SDP body (dis_sdp.c): the sdp layer, and, when `announce`, RTP and
 * RTCP learned from its media lines, with nmx_learn_ep_t.setup_frame
 * setup_frame (the SIP layer's choice, dis_sip.c). */
void nmx__dis_sdp(nmx_dctx_t *d, nmx_cursor_t c, bool announce, uint32_t setup_frame);
void nmx__dis_netmon(nmx_dctx_t *d, nmx_cursor_t c, uint32_t linktype);
void nmx__dis_nflog(nmx_dctx_t *d, nmx_cursor_t c);

/* Dissects the datagram quoted by an ICMP or ICMPv6 error (dis_icmp.c). */
void nmx__icmp_error_payload(nmx_dctx_t *d, nmx_cursor_t c, bool v6);

/* Shared by NBNS and NBDGM: decodes a first-level-encoded NetBIOS name at
 * `c` (which may use DNS-style compression relative to msg) into out as
 * tshark shows it ("NAME<1d>"), returns its type byte or -1, and stores the
 * encoded length consumed in *used. */
int nmx__netbios_name(nmx_cursor_t msg, size_t at, char *out, size_t outlen, size_t *used);
/* Wireshark's description of a NetBIOS name type ("Workstation/Redirector"). */
const char *nmx__netbios_type_descr(unsigned type);

/* The ports with a Wireshark dissector for a protocol we do not parse, and
 * the kinds of payload that dissector takes (ports.c, generated by
 * scripts/gen-ports.py): an HTTP request and a TLS record over TCP, a DNS
 * and an NBNS query over UDP. */
enum { NMX_PROBE_HTTP = 1, NMX_PROBE_TLS = 2, NMX_PROBE_DNS = 1, NMX_PROBE_NBNS = 2, NMX_PROBE_ALL = 3 };
typedef struct nmx__ws_port {
    uint16_t port;
    uint8_t takes; /* NMX_PROBE_* */
} nmx_ws_port_t;
extern const nmx_ws_port_t nmx__tcp_ws_ports[], nmx__udp_ws_ports[];
extern const size_t nmx__tcp_ws_ports_count, nmx__udp_ws_ports_count;

/* Wireshark's TLS heuristic: a handshake or application-data record header. */
bool nmx__tls_heur(nmx_cursor_t c);
/* Wireshark's HTTP-over-TCP heuristic: a first line starting or ending with
 * HTTP/1.x that is a request line with a known method or a status line. */
bool nmx__http_heur(nmx_cursor_t c);
/* A strict check that a UDP payload is a DNS query or response. */
bool nmx__dns_heur(nmx_cursor_t c);

/* One BER element (ber.c): identifier, and where its contents are. */
typedef struct nmx__ber {
    unsigned cls;    /* 0 universal, 1 application, 2 context, 3 private */
    bool constructed;
    uint32_t tag;
    size_t start;    /* offset of the identifier */
    size_t val;      /* offset of the contents */
    size_t len;      /* length of the contents */
    bool indefinite;
} nmx_ber_t;
/* Reads the identifier at pos into e; false when it runs past the end. */
bool nmx__ber_ident(const nmx_cursor_t *c, size_t pos, nmx_ber_t *e, size_t *next);
/* Reads the length at pos into e (contents then start after it); false
 * when it runs past the end. */
bool nmx__ber_len(const nmx_cursor_t *c, size_t pos, nmx_ber_t *e);
/* The element at pos, definite and its contents inside [pos, end); false otherwise. */
bool nmx__ber_elem(const nmx_cursor_t *c, size_t pos, size_t end, nmx_ber_t *e);
/* The same as tshark reads an element of a message cut short: a
 * constructed element's contents are cut to end, a primitive one must fit. */
bool nmx__ber_elem_cut(const nmx_cursor_t *c, size_t pos, size_t end, nmx_ber_t *e);

/* An NTP timestamp as ns since 1970 as Wireshark computes it (dis_ntp.c). */
int64_t nmx__ntp_time_ns(uint64_t ts);

/* Escapes text as Wireshark's format_text does (used for strings). */
size_t nmx__format_text(const uint8_t *s, size_t n, char *out, size_t outlen);

#endif /* NMX_PROTO_INT_H */
