/*
 * nmx_skip.h - cmocka tests that skip: NMX_SKIP() instead of cmocka's
 * skip() counts the skipped tests, and NMX_TEST_STATUS() turns the result
 * of cmocka_run_group_tests into the exit status: 1 when any test failed
 * (never a count that could read as 77), else 77 when some test was skipped (a shared capture, a
 * tool or a feature missing), which ctest reports as "skipped" (every test
 * has SKIP_RETURN_CODE 77, cmake/NmxHelpers.cmake), else 0.
 *
 * Include it after <cmocka.h>.
 */
#ifndef NMX_TESTS_SKIP_H
#define NMX_TESTS_SKIP_H

#define NMX_SKIP_STATUS 77

static int nmx_skipped_tests __attribute__((unused));

#define NMX_SKIP()                                                                                 \
    do {                                                                                           \
        nmx_skipped_tests++;                                                                       \
        skip();                                                                                    \
    } while (0)

#define NMX_TEST_STATUS(failed) ((failed) != 0 ? 1 : nmx_skipped_tests > 0 ? NMX_SKIP_STATUS : 0)

#endif /* NMX_TESTS_SKIP_H */
