/*
 * test_cursor.c - the checked accessors of src/common/cursor.h at their
 * boundaries: a window of exactly n bytes, of n - 1, offsets near SIZE_MAX
 * (whose sum with the length would wrap), windows that only shrink, and
 * reads that never look outside the window even when the buffer goes on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/cursor.h"

static const uint8_t B[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};

/* A window over the first n bytes of B (the rest of B lies beyond it). */
static nmx_cursor_t win(size_t n)
{
    return nmx__cursor(B, n);
}

static void test_in(void **state)
{
    (void)state;
    nmx_cursor_t c = win(4);
    assert_true(nmx__cur_in(&c, 0, 4));
    assert_true(nmx__cur_in(&c, 4, 0));
    assert_true(nmx__cur_in(&c, 3, 1));
    assert_false(nmx__cur_in(&c, 3, 2));
    assert_false(nmx__cur_in(&c, 5, 0));
    assert_false(nmx__cur_in(&c, 0, 5));
    assert_false(nmx__cur_in(&c, SIZE_MAX, 1));
    assert_false(nmx__cur_in(&c, 1, SIZE_MAX));
    assert_false(nmx__cur_in(&c, SIZE_MAX, SIZE_MAX));
    assert_false(nmx__cur_in(&c, SIZE_MAX - 1, 2)); /* wraps to 0 */
}

/* Each width: left exactly n succeeds, n - 1 fails, offsets that wrap fail. */
static void test_peek_widths(void **state)
{
    (void)state;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    nmx_cursor_t c = win(1);
    assert_true(nmx__cur_peek_u8(&c, 0, &u8));
    assert_int_equal(u8, 0x01);
    assert_false(nmx__cur_peek_u8(&c, 1, &u8));
    assert_false(nmx__cur_peek_u8(&c, SIZE_MAX, &u8));

    c = win(2);
    assert_true(nmx__cur_peek_u16be(&c, 0, &u16));
    assert_int_equal(u16, 0x0102);
    assert_true(nmx__cur_peek_u16le(&c, 0, &u16));
    assert_int_equal(u16, 0x0201);
    assert_false(nmx__cur_peek_u16be(&c, 1, &u16));
    c = win(1);
    assert_false(nmx__cur_peek_u16be(&c, 0, &u16));
    assert_false(nmx__cur_peek_u16le(&c, 0, &u16));

    c = win(3);
    assert_true(nmx__cur_peek_u24be(&c, 0, &u32));
    assert_int_equal(u32, 0x010203);
    c = win(2);
    assert_false(nmx__cur_peek_u24be(&c, 0, &u32));

    c = win(5);
    assert_true(nmx__cur_peek_u32be(&c, 1, &u32));
    assert_int_equal(u32, 0x02030405);
    assert_true(nmx__cur_peek_u32le(&c, 1, &u32));
    assert_int_equal(u32, 0x05040302);
    assert_false(nmx__cur_peek_u32be(&c, 2, &u32));
    assert_false(nmx__cur_peek_u32le(&c, SIZE_MAX - 2, &u32)); /* off + 4 wraps to 1 */

    c = win(8);
    assert_true(nmx__cur_peek_u64be(&c, 0, &u64));
    assert_true(u64 == 0x0102030405060708ull);
    assert_true(nmx__cur_peek_u64le(&c, 0, &u64));
    assert_true(u64 == 0x0807060504030201ull);
    c = win(7);
    assert_false(nmx__cur_peek_u64be(&c, 0, &u64));
    assert_false(nmx__cur_peek_u64le(&c, 0, &u64));
    assert_false(nmx__cur_peek_u64le(&c, SIZE_MAX - 6, &u64));
    /* A failed peek neither moves the cursor nor writes the output. */
    u16 = 0xBEEF;
    c = win(1);
    assert_false(nmx__cur_peek_u16be(&c, 0, &u16));
    assert_int_equal(u16, 0xBEEF);
    assert_int_equal(c.left, 1);
}

static void test_getters(void **state)
{
    (void)state;
    nmx_cursor_t c = win(4);
    assert_int_equal(nmx__cur_get_u8(&c, 3), 0x04);
    assert_int_equal(nmx__cur_get_u8(&c, 4), 0); /* B[4] is 5: not read */
    assert_int_equal(nmx__cur_get_u16be(&c, 2), 0x0304);
    assert_int_equal(nmx__cur_get_u16be(&c, 3), 0);
    assert_int_equal(nmx__cur_get_u16le(&c, 3), 0);
    assert_int_equal(nmx__cur_get_u24be(&c, 1), 0x020304);
    assert_int_equal(nmx__cur_get_u24be(&c, 2), 0);
    assert_int_equal(nmx__cur_get_u32be(&c, 0), 0x01020304);
    assert_int_equal(nmx__cur_get_u32le(&c, 1), 0);
    assert_true(nmx__cur_get_u64be(&c, 0) == 0);
    assert_true(nmx__cur_get_u64le(&c, SIZE_MAX) == 0);
    assert_int_equal(nmx__cur_get_u8(&c, SIZE_MAX), 0);
    /* Reads are relative to the cursor's next byte. */
    assert_true(nmx__cur_skip(&c, 2));
    assert_int_equal(nmx__cur_get_u8(&c, 0), 0x03);
    assert_int_equal(nmx__cur_get_u8(&c, 2), 0);
}

static void test_copy_window_from(void **state)
{
    (void)state;
    uint8_t out[4] = {0xEE, 0xEE, 0xEE, 0xEE};
    nmx_cursor_t c = win(4), s;
    assert_true(nmx__cur_peek_copy(&c, 1, out, 3));
    assert_memory_equal(out, B + 1, 3);
    memset(out, 0xEE, sizeof out);
    assert_false(nmx__cur_peek_copy(&c, 1, out, 4));
    assert_false(nmx__cur_peek_copy(&c, SIZE_MAX, out, 2));
    assert_int_equal(out[0], 0xEE);
    assert_true(nmx__cur_peek_copy(&c, 4, out, 0)); /* nothing at the end */

    assert_true(nmx__cur_window(&c, 1, 3, &s));
    assert_int_equal(s.left, 3);
    assert_int_equal(nmx__cur_offset(&s), 1);
    assert_int_equal(nmx__cur_get_u8(&s, 0), 0x02);
    assert_int_equal(nmx__cur_get_u8(&s, 3), 0); /* B[4] is beyond the window */
    assert_false(nmx__cur_window(&c, 1, 4, &s));
    assert_false(nmx__cur_window(&c, 5, 0, &s));
    assert_false(nmx__cur_window(&c, 2, SIZE_MAX, &s));
    assert_false(nmx__cur_window(&c, SIZE_MAX, 2, &s));
    assert_true(nmx__cur_window(&c, 4, 0, &s));
    assert_int_equal(s.left, 0);

    assert_true(nmx__cur_from(&c, 3, &s));
    assert_int_equal(s.left, 1);
    assert_true(nmx__cur_from(&c, 4, &s));
    assert_int_equal(s.left, 0);
    assert_false(nmx__cur_from(&c, 5, &s));
    assert_false(nmx__cur_from(&c, SIZE_MAX, &s));
    assert_int_equal(c.left, 4); /* none of them consumed anything */
}

static void test_match_find(void **state)
{
    (void)state;
    static const uint8_t t[] = "GET / HTTP/1.1\r\nHost: x";
    nmx_cursor_t c = nmx__cursor(t, 14); /* "GET / HTTP/1.1" */
    assert_true(nmx__cur_match(&c, 0, "GET", 3));
    assert_true(nmx__cur_match(&c, 6, "HTTP/1.1", 8));
    assert_false(nmx__cur_match(&c, 6, "HTTP/1.1\r", 9)); /* the CR is past the window */
    assert_false(nmx__cur_match(&c, SIZE_MAX, "G", 1));
    assert_true(nmx__cur_match(&c, 14, "", 0));
    assert_false(nmx__cur_match(&c, 15, "", 0));
    assert_true(nmx__cur_match_ci(&c, 6, "http/1.1", 8));
    assert_false(nmx__cur_match_ci(&c, 7, "http/1.1", 8));
    assert_false(nmx__cur_match_ci(&c, 0, "get", 4));
    assert_false(nmx__cur_match_ci(&c, SIZE_MAX - 1, "ge", 2));

    assert_int_equal(nmx__cur_find(&c, 0, ' '), 3);
    assert_int_equal(nmx__cur_find(&c, 4, ' '), 5);
    assert_int_equal(nmx__cur_find(&c, 0, '\r'), 14); /* past the window: not found */
    assert_int_equal(nmx__cur_find2(&c, 0, '\n', '/'), 4);
    assert_int_equal(nmx__cur_find(&c, 14, 'G'), 14);
    assert_int_equal(nmx__cur_find(&c, SIZE_MAX, 'G'), 14);
    c = nmx__cursor(t, 16);
    assert_int_equal(nmx__cur_find2(&c, 6, '\r', '\n'), 14);
}

static void test_readers_consume(void **state)
{
    (void)state;
    nmx_cursor_t c = win(3);
    uint16_t v;
    uint8_t b;
    assert_true(nmx__cur_u16be(&c, &v));
    assert_int_equal(v, 0x0102);
    assert_false(nmx__cur_u16be(&c, &v));
    assert_int_equal(c.left, 1);
    assert_true(nmx__cur_u8(&c, &b));
    assert_false(nmx__cur_u8(&c, &b));
    assert_int_equal(nmx__cur_offset(&c), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in),
        cmocka_unit_test(test_peek_widths),
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_copy_window_from),
        cmocka_unit_test(test_match_find),
        cmocka_unit_test(test_readers_consume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
