/*
 * clock.h - the monotonic clock every layer times itself with (progress
 * while indexing, timeouts of expert processes).
 */
#ifndef NMX_COMMON_CLOCK_H
#define NMX_COMMON_CLOCK_H

#include <time.h>

/* Monotonic seconds. */
static inline double nmx__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* NMX_COMMON_CLOCK_H */
