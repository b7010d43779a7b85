/*
 * nmexpert/export.h - NMX_EXPORT, the mark of every function libnmapi.so
 * exports to programs that embed the host (nmexpert/host.h and the headers
 * it includes).  Everything unmarked stays hidden in the library.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_EXPORT_H
#define NMEXPERT_EXPORT_H

#if defined(__GNUC__)
#define NMX_EXPORT __attribute__((visibility("default")))
#else
#define NMX_EXPORT
#endif

#endif /* NMEXPERT_EXPORT_H */
