/*
 * test_options.c - the option-value parsers of the embedding API
 * (host.h "Option values", src/api/options.c), as a front end calls them
 * through libnmapi.so: values, refusals and their messages.
 */
#include <nmexpert/host.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void sizes(void **state)
{
    (void)state;
    uint64_t v = 0;
    char err[160] = "";
    assert_int_equal(nmx_parse_size("64M", &v, err, sizeof err), 0);
    assert_int_equal(v, 64u << 20);
    assert_int_equal(nmx_parse_size("1GiB", &v, err, sizeof err), 0);
    assert_int_equal(v, 1u << 30);
    assert_int_equal(nmx_parse_size("4096", &v, NULL, 0), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(nmx_parse_size("64Q", &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "'64Q' is not a size"));
    assert_int_equal(nmx_parse_size("-1", &v, NULL, 0), -1);
    assert_int_equal(nmx_parse_size(NULL, &v, err, sizeof err), -1);
}

static void counts_and_seconds(void **state)
{
    (void)state;
    uint64_t u = 0;
    double d = 0;
    char err[160] = "";
    assert_int_equal(nmx_parse_u64("18446744073709551615", &u, err, sizeof err), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(nmx_parse_u64("18446744073709551616", &u, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not a whole number"));
    assert_int_equal(nmx_parse_u64("12x", &u, NULL, 0), -1);
    assert_int_equal(nmx_parse_seconds("1.5", &d, err, sizeof err), 0);
    assert_true(d == 1.5);
    assert_int_equal(nmx_parse_seconds("nan", &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "'nan' is not a number of seconds"));
    /* A message longer than the buffer is cut and still terminated. */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    assert_int_equal(nmx_parse_seconds("-2", &d, tiny, sizeof tiny), -1);
    assert_int_equal(tiny[sizeof tiny - 1], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes),
        cmocka_unit_test(counts_and_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
