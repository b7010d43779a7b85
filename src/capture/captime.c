/*
 * captime.c - overflow-safe time arithmetic for the readers: seconds plus a
 * sub-second field in any unit to nanoseconds, SYSTEMTIME <-> nanoseconds.
 *
 * Every reader turns untrusted fields into an int64 count of nanoseconds
 * since 1970 (about +-292 years).  Out-of-range sub-second fields are carried
 * into the seconds (docs/capture.md, "Timestamps"), and results that do not
 * fit are clamped; both are flagged on the frame, never undefined behaviour.
 */
#include "capture/cap_internal.h"

#define NS_PER_SEC 1000000000LL

static int64_t clamp_sign(bool negative, uint16_t *flags)
{
    *flags |= NMX_FRAME_TS_CLAMPED;
    return negative ? INT64_MIN : INT64_MAX;
}

int64_t nmx__ts_from_parts(int64_t sec, uint64_t sub, uint64_t units, uint16_t *flags)
{
    if (units == 0)
        units = 1;
    if (sub >= units) {
        *flags |= NMX_FRAME_TS_FIXED;
        uint64_t carry = sub / units;
        sub %= units;
        if (carry > (uint64_t)INT64_MAX || __builtin_add_overflow(sec, (int64_t)carry, &sec))
            return clamp_sign(false, flags);
    }
    int64_t ns;
    if (__builtin_mul_overflow(sec, NS_PER_SEC, &ns))
        return clamp_sign(sec < 0, flags);
    /* sub < units, so the fraction is below one second and fits easily. */
    int64_t frac = (int64_t)((unsigned __int128)sub * (unsigned __int128)NS_PER_SEC / units);
    if (__builtin_add_overflow(ns, frac, &ns))
        return clamp_sign(false, flags);
    return ns;
}

int64_t nmx__ts_add(int64_t base, int64_t delta, uint16_t *flags)
{
    int64_t r;
    if (__builtin_add_overflow(base, delta, &r))
        return clamp_sign(delta < 0, flags);
    return r;
}

int64_t nmx__cap_us_between(int64_t from_ns, int64_t to_ns)
{
    return (int64_t)(((__int128)to_ns - from_ns) / 1000);
}

/* Civil date to days since 1970-01-01, in the proleptic Gregorian calendar. */
int64_t nmx__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Count years from March so that the leap day is the last day of a year. */
    if (m <= 2)
        y -= 1;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                               /* 0..399 */
    int64_t mp = (int64_t)(m > 2 ? m - 3 : m + 9);              /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;         /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;       /* 0..146096 */
    return era * 146097 + doe - 719468;
}

bool nmx__systemtime_from_ns(int64_t ns, nmx_systemtime_t *st)
{
    int64_t secs = ns / NS_PER_SEC;
    int64_t rem = ns % NS_PER_SEC;
    if (rem < 0) {
        rem += NS_PER_SEC;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days -= 1;
    }
    /* Days to civil date: the inverse of nmx__days_from_civil. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y += 1;
    if (y < 1601 || y > 30827)
        return false;
    int64_t dow = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    if (dow < 0)
        dow += 7;
    st->year = (uint16_t)y;
    st->month = (uint16_t)m;
    st->day_of_week = (uint16_t)dow;
    st->day = (uint16_t)d;
    st->hour = (uint16_t)(sod / 3600);
    st->minute = (uint16_t)(sod / 60 % 60);
    st->second = (uint16_t)(sod % 60);
    st->milliseconds = (uint16_t)(rem / 1000000);
    return true;
}
