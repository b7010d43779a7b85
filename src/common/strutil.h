/*
 * strutil.h - bounded string helpers for fixed-size buffers.
 */
#ifndef NMX_COMMON_STRUTIL_H
#define NMX_COMMON_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies src into dst (size n > 0), always NUL-terminating; returns strlen(src). */
size_t nmx__strlcpy(char *dst, const char *src, size_t n);

/* Length of s, but at most max (s need not be NUL-terminated within max). */
size_t nmx__strnlen(const char *s, size_t max);

/* Case-insensitive ASCII equality. */
bool nmx__streq_nocase(const char *a, const char *b);

/* Parses a size with an optional K/M/G/T suffix (powers of 1024): "64M". */
bool nmx__parse_size(const char *s, uint64_t *out);

/* Parses an unsigned decimal integer that must fill the whole string. */
bool nmx__parse_u64(const char *s, uint64_t *out);

/* Parses a non-negative decimal number of seconds ("1.5"). */
bool nmx__parse_seconds(const char *s, double *out);

/* Formats a MAC address "00:11:22:33:44:55" into buf (at least 18 bytes). */
void nmx__format_mac(const uint8_t mac[6], char *buf);

/* Formats an IPv4 address in dotted decimal into buf (at least 16 bytes). */
void nmx__format_ipv4(const uint8_t ip[4], char *buf);

/* Formats an IPv6 address in RFC 5952 form into buf (at least 46 bytes). */
void nmx__format_ipv6(const uint8_t ip[16], char *buf);

#endif /* NMX_COMMON_STRUTIL_H */
