/*
 * coalesce.h - what the two halves of the Protocol Coalesce expert share:
 * coalesce.c (the run: settings, the frame loop, the output file and the
 * synthetic headers) and stream.c (TCP reassembly and the framing of each
 * direction's bytes into transactions).
 */
#ifndef NMX_COALESCE_H
#define NMX_COALESCE_H

#include <stdint.h>

#include <netmon.h>

#include "eu_packet.h"

/* Payload of one output frame at most: an IPv4 datagram of 65535 bytes
 * minus the IPv4 and TCP headers. */
#define CO_MAX_PAYLOAD 65495u
/* Room kept in front of a transaction's bytes for the link, IP and TCP
 * headers of its output frame (16 + 40 + 20, rounded). */
#define CO_HEADROOM 80u

/* How a direction's bytes are cut into transactions. */
enum co_mode {
    M_UNKNOWN = 0, /* no data yet */
    M_RUNS,        /* each run of data in one direction */
    M_HTTP,        /* HTTP/1.x messages */
    M_NBSS,        /* NetBIOS session messages (SMB, SMB2) */
};

/* Request methods whose response has no body or ends the HTTP exchange. */
enum co_method { METHOD_OTHER = 0, METHOD_HEAD, METHOD_CONNECT };

/* HTTP message parser states. */
enum co_hstate { H_HDR = 0, H_BODY, H_CHUNK_SIZE, H_CHUNK_DATA, H_CHUNK_CRLF, H_TRAILER, H_UNTIL_CLOSE };

/* A segment that arrived before the bytes in front of it. */
typedef struct co_seg {
    struct co_seg *next;
    uint64_t pos;          /* stream position of data[0] */
    uint32_t len;          /* bytes (captured) */
    uint32_t wire;         /* bytes on the wire (len < wire: not all captured) */
    BYTE data[];
} co_seg_t;

/* One direction of a connection: reassembly and the transaction being built. */
typedef struct co_dir {
    /* reassembly */
    uint64_t next;         /* next stream position to deliver */
    uint64_t hi;           /* highest position seen + 1 (unwrap reference) */
    uint64_t fin_pos;      /* position of the FIN, when fin */
    co_seg_t *ooo;         /* out-of-order segments, sorted by pos */
    uint64_t ooo_bytes;
    uint32_t isn;          /* raw sequence number of the SYN */
    uint16_t window;       /* last window advertised by this side */
    uint8_t seen;          /* a segment was seen from this side */
    uint8_t syn;           /* its SYN was seen */
    uint8_t syn_written;   /* its SYN frame was written */
    uint8_t fin;           /* its FIN was seen */
    uint8_t fin_written;
    uint8_t delivered;     /* bytes (or a gap) were delivered */
    uint8_t have_link;     /* link[] holds this side's link header */
    BYTE link[16];         /* link header template (addresses), output link type */
    /* the transaction being built: CO_HEADROOM bytes, then the payload */
    eu_vec_t buf;          /* bytes (its len unused: see len) */
    uint32_t len;          /* payload bytes in buf */
    uint64_t buf_pos;      /* stream position of the first payload byte */
    int64_t last_ns;       /* time of the frame that delivered the latest byte */
    uint8_t mode;          /* enum co_mode */
    uint8_t open;          /* a transaction has started (bytes or framing in progress) */
    uint8_t ip_ttl;
    /* HTTP */
    uint8_t hstate;        /* enum co_hstate */
    uint8_t is_request;    /* this direction sends requests */
    uint8_t line_cr;       /* trailer / chunk line: bytes seen in the current line */
    uint16_t line_len;
    char line[40];         /* chunk-size line (start of it) */
    uint64_t remain;       /* body or chunk bytes still to come */
    uint32_t hdr_scan;     /* header terminator searched up to here */
    /* NBSS */
    uint8_t nb_have;       /* header bytes of the current message seen */
    BYTE nb_hdr[4];
    uint32_t nb_left;      /* message bytes still to come */
    uint16_t ip_id;        /* IPv4 identification of the next output frame */
} co_dir_t;

typedef struct co_conn {
    BYTE addr[2][16];
    uint16_t port[2];
    uint8_t family;
    uint8_t closed;        /* RST seen, or flushed: a new segment starts a new connection */
    uint8_t upgraded;      /* HTTP switched protocols: runs from now on */
    uint8_t mhead;         /* HTTP requests waiting for their response: */
    uint8_t mcount;        /*   a ring of their methods (enum co_method) */
    uint8_t methods[32];
    uint32_t index;
    co_dir_t d[2];
} co_conn_t;

typedef struct co_stats {
    uint64_t frames;       /* frames read */
    uint64_t tcp;          /* TCP segments reassembled */
    uint64_t copied;       /* frames copied unchanged */
    uint64_t converted;    /* frames given the output link type */
    uint64_t dropped;      /* frames of a link type that could not be converted */
    uint64_t transactions; /* transactions coalesced */
    uint64_t written;      /* frames written */
    uint64_t gap_bytes;    /* stream bytes the capture missed */
    uint64_t connections;
} co_stats_t;

struct co_run;

/* stream.c */
void co_init_conn(co_conn_t *c);
DWORD co_segment(struct co_run *r, co_conn_t *c, int side, const eu_tcpseg_t *s, int64_t t);
DWORD co_flush_conn(struct co_run *r, co_conn_t *c, int64_t t);
void co_free_conn(struct co_run *r, co_conn_t *c);

/* coalesce.c: writes one output frame of direction `side` carrying `len`
 * payload bytes at `payload` (with CO_HEADROOM writable bytes in front of
 * it, for the headers), sequence number = low 32 bits of `pos`, the given
 * TCP flags (ACK is added when the peer's sequence numbers are known), at
 * time t (ns since 1970). */
DWORD co_write_tcp(struct co_run *r, co_conn_t *c, int side, BYTE *payload, uint32_t len, uint64_t pos,
                   uint8_t flags, int64_t t);
/* A scratch area for frames without payload: CO_HEADROOM bytes, then the
 * (empty) payload. */
BYTE *co_scratch(struct co_run *r);
/* The run's heap key and statistics. */
HEXPERTKEY co_key(struct co_run *r);
co_stats_t *co_stats(struct co_run *r);

#endif /* NMX_COALESCE_H */
