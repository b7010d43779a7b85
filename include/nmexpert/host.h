/*
 * nmexpert/host.h - the embedding API of the nmexpert host (prefix nmx_).
 *
 * This header is for programs that host experts: the nmexpert command, the
 * tests and third-party front ends.  Experts never include it; they see only
 * <netmon.h>.  All handles are opaque.  Functions return 0 or an NMERR code
 * and keep a formatted detail message on the handle (nmx_*_error()).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_HOST_H
#define NMEXPERT_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define NMX_EXPORT __attribute__((visibility("default")))
#else
#define NMX_EXPORT
#endif

#define NMX_VERSION_MAJOR 0
#define NMX_VERSION_MINOR 1
#define NMX_VERSION_PATCH 0
#define NMX_VERSION_STRING "0.1.0"

/* The library's version string, e.g. "0.1.0". */
NMX_EXPORT const char *nmx_version(void);

#ifdef __cplusplus
}
#endif

#endif /* NMEXPERT_HOST_H */
