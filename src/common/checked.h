/*
 * checked.h - overflow-checked size arithmetic.
 *
 * Every size computed from untrusted input or from a caller's request goes
 * through these, so that a request near SIZE_MAX fails instead of wrapping.
 */
#ifndef NMX_COMMON_CHECKED_H
#define NMX_COMMON_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* *out = a + b; false on overflow. */
static inline bool nmx__add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* *out = a * b; false on overflow. */
static inline bool nmx__mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* Rounds n up to a multiple of `align` (a power of two); false on overflow. */
static inline bool nmx__align_up(size_t n, size_t align, size_t *out)
{
    size_t t;
    if (__builtin_add_overflow(n, align - 1, &t))
        return false;
    *out = t & ~(align - 1);
    return true;
}

#endif /* NMX_COMMON_CHECKED_H */
