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
} fobj_t;

struct nmx_filter {
    fobj_t *obj;               /* the program */
    size_t n;
    size_t cap;
    bool needs_props;          /* some object reads properties */
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
