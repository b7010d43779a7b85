/*
 * filter_int.h - the representation of a filter program shared by the
 * NetMon object interface (filter.c) and the text compiler (dfilter.c).
 *
 * A program is the caller's postfix FILTEROBJECT sequence, copied by value
 * into fobj_t records that own deep copies of everything the objects point
 * at, with property and protocol handles resolved once.
 */
#ifndef NMX_FILTER_INT_H
#define NMX_FILTER_INT_H

#include <stdint.h>

#include "filter/filter.h"

typedef struct fobj {
    DWORD action;              /* FILTERACTION_* */
    const nmx_field_t *field;  /* FILTERACTION_PROPERTY */
    unsigned proto;            /* FILTERACTION_PROTOCOLEXIST: protocol id, 0 = unknown */
    uint64_t num;              /* VALUE, LARGEINT, BOOL */
    uint8_t *bytes;            /* STRING, ARRAY: owned copy */
    size_t nbytes;
    ADDRESS2 addr;             /* address operands */
    unsigned prefix;           /* address operands: prefix bits to compare (0 = all) */
    unsigned *protos;          /* PROTOCOLSEXIST: owned ids */
    size_t nprotos;
    DWORD *oid;                /* OID: owned arcs */
    size_t noid;
    SYSTEMTIME time;           /* TIME */
    WORD count;                /* ByteCount / ByteOffset */
    /* Only the text compiler (dfilter.c) sets what follows; FilterAddObject
     * leaves it zero. */
    uint8_t xfunc;             /* PROPERTY: NMX_XF_* applied to each instance */
    bool has_slice;            /* PROPERTY, NMX_FA_PROTOCOL: [start:len] of the bytes */
    int32_t slice_start;       /* negative: from the end */
    int32_t slice_len;         /* -1: to the end */
    bool has_mask;             /* PROPERTY: "& mask" on numbers */
    uint64_t mask;
    bool is_signed;            /* VALUE, LARGEINT, NMX_FA_RANGE: num (and num2) are int64 */
    uint64_t num2;             /* NMX_FA_RANGE: upper bound (num the lower), inclusive */
    void *re;                  /* NMX_FA_REGEX: the compiled pcre2_code (bytes: the pattern) */
} fobj_t;

/*
 * Actions of the text compiler beyond NetMon's FILTERACTION_* (which stop at
 * 99).  FilterAddObject turns them into FILTERACTION_INVALID: a caller of
 * the NetMon interface cannot build them.
 */
#define NMX_FA_BASE 0x4E580000u
#define NMX_FA_MATCHES (NMX_FA_BASE + 1)  /* relation: property value matches the regex operand */
#define NMX_FA_REGEX (NMX_FA_BASE + 2)    /* operand: a compiled regular expression */
#define NMX_FA_RANGE (NMX_FA_BASE + 3)    /* operand: num..num2 (compared with EQUAL) */
#define NMX_FA_PROTOCOL (NMX_FA_BASE + 4) /* operand like PROPERTY: a protocol's bytes (proto, slice) */

/* Functions applied to property values (fobj_t.xfunc). */
enum { NMX_XF_NONE = 0, NMX_XF_LEN, NMX_XF_LOWER, NMX_XF_UPPER };

/* Compiles a regular expression for NMX_FA_REGEX (PCRE2, case-insensitive
 * as Wireshark's "matches" unless it says "(?-i)"); NULL with a message in
 * err on error. */
void *nmx__regex_compile(const char *pattern, size_t len, char *err, size_t errlen, size_t *erroff);
void nmx__regex_free(void *re);

struct nmx_filter {
    fobj_t *obj;               /* the program */
    size_t n;
    size_t cap;
    bool needs_props;          /* some object reads properties */
    bool needs_streams;        /* some object reads tcp.stream or udp.stream */
    bool parser_filter;        /* Enable/DisableParserFilter state (no effect) */
    uint32_t slot;             /* handle-table slot */
    uint32_t gen;              /* and generation */
};

/* A new, empty filter registered in the handle table; NULL when out of memory. */
nmx_filter_t *nmx__filter_new(void);

/* Appends an object (taking ownership of its buffers); false when out of
 * memory or the program already has NMX_FILTER_MAX_OBJECTS objects. */
bool nmx__filter_push(nmx_filter_t *f, const fobj_t *o);

/* Frees an object's buffers. */
void nmx__fobj_free(fobj_t *o);

#endif /* NMX_FILTER_INT_H */
