/*
 * frames.h - building test frames from hex text, and looking at the
 * dissection of one.
 */
#ifndef NMX_TEST_FRAMES_H
#define NMX_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* Appends the bytes of a hex string (spaces ignored) to buf; returns the new length. */
size_t fr_hex(uint8_t *buf, size_t len, const char *hex);

/* All rendered values of `key` in d joined by ',' (as tshark -E occurrence=a). */
const char *fr_values(const nmx_dissection_t *d, const char *key);

/* The protocols of a recognize table as "eth ip tcp". */
const char *fr_protos(const RECOGNIZEDATATABLE *t);

/* The first instance of `key`, or NULL. */
const PROPERTYINST *fr_inst(const nmx_dissection_t *d, const char *key);

/* Instances flagged IFLAG_ERROR. */
unsigned fr_errors(const nmx_dissection_t *d);

#endif
