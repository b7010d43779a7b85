/*
 * nmexpert/protocols.h - the protocols and fields the built-in parsers
 * know, described for programs outside the library (`nmexpert fields`).
 * Part of nmexpert/host.h, which includes it; the parser layer (src/proto)
 * implements it and sees no more of the API.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_PROTOCOLS_H
#define NMEXPERT_PROTOCOLS_H

#include <stddef.h>
#include <stdint.h>

#include <nmexpert/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================== */
/* Protocols and fields the dissectors know (src/proto)                    */
/* ===================================================================== */

typedef struct nmx_protocol_desc {
    const char *name;        /* display-filter name: "tcp" */
    const char *netmon_name; /* NetMon name ("TCP"), or NULL */
    const char *alias;       /* another accepted name, or NULL */
    const char *description; /* "Transmission Control Protocol" */
    size_t nfields;
} nmx_protocol_desc_t;

typedef struct nmx_field_desc {
    const char *protocol;       /* "tcp" */
    const char *key;            /* display-filter name: "tcp.srcport" */
    const char *label;          /* "Source Port" */
    const char *type;           /* "uint16", "int32", "bool", "ether", "ipv4", "ipv6", "string", "bytes", "none" */
    const char *wireshark_type; /* the same as tshark -G fields names it: "FT_UINT16" */
    const char *base;           /* numbers: "dec", "hex", "dec_hex", "hex_dec", "oct"; else "" */
    uint64_t bitmask;           /* bits within the container, 0 for none */
} nmx_field_desc_t;

/* Protocols known (0 .. count-1), described.  Pure look-ups: -1, without
 * a message, when i (or k) is out of range or out is NULL; 0 otherwise. */
NMX_EXPORT size_t nmx_protocol_count(void);
NMX_EXPORT int nmx_protocol_describe(size_t i, nmx_protocol_desc_t *out);
/* Field k of protocol i. */
NMX_EXPORT int nmx_field_describe(size_t i, size_t k, nmx_field_desc_t *out);

#ifdef __cplusplus
}
#endif

#endif /* NMEXPERT_PROTOCOLS_H */
