/*
 * test_plugin.c - what the host makes of a parser probe's description
 * (nmx__plugin_enter, src/proto/parser_api.c): the description comes from a
 * process that ran untrusted code, so every malformed, oversized or
 * conflicting one is refused with a message and enters nothing; a good one
 * enters a shadow protocol (lower-case name, field names from the labels,
 * labelled sets, bits and ranges in its PROPERTYINFO) that recognises
 * nothing in a process that has not bound the parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/plugin.h"
#include "proto/proto_int.h"

static int enter(int dll, const char *text, char *err, size_t errlen)
{
    err[0] = '\0';
    return nmx__plugin_enter(dll, "/x/p.so", text, strlen(text), err, errlen);
}

static void test_malformed_descriptions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *why;
    } bad[] = {
        {"", "created no protocol"},
        {"N\tX\tcomment\n", "created no protocol"},
        {"F\t2\t0\tValue\t\n", "malformed (line 1)"},                 /* a property before any protocol */
        {"P\tbad name\t\n", "1 to 15 letters"},
        {"P\tSIXTEENCHARSLONG\t\n", "1 to 15 letters"},
        {"P\tudp\t\n", "already taken"},                               /* a built-in's name */
        {"P\tQQ\t\nF\t99\t0\tValue\t\n", "malformed (line 2)"},        /* an unknown type */
        {"P\tQQ\t\nF\t2\t5\tValue\t\n", "malformed (line 2)"},         /* an unknown qualifier */
        {"P\tQQ\t\nF\t2\t0\t\t\n", "malformed (line 2)"},              /* no label */
        {"P\tQQ\t\nF\t2\t0\tA\t\nF\t2\t0\ta\t\n", "two properties"},   /* labels differ in case only */
        {"P\tQQ\t\nF\t2\t0\tA b\t\nF\t2\t0\tA-b\t\n", "both make the field qq.a_b"},
        {"P\tQQ\t\nF\t2\t1\tA\t\nR\t9\t1\n", "malformed (line 3)"},    /* min > max */
        {"P\tQQ\t\nF\t2\t10\tA\t\nB\t64\toff\ton\n", "malformed (line 3)"}, /* bit 64 */
        {"P\tQQ\t\nH\tin\tQQ\tTCPIP.INI\tUDP_HandoffSet\t-1\n", "malformed (line 2)"},
        {"P\tQQ\t\nX\n", "malformed (line 2)"},
        {"P\tQQ\t\nF\t2\t0\tA\t\tmore\tfields\n", "malformed (line 2)"},
    };
    char err[256];
    unsigned before = nmx__proto_count();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(enter(0, bad[i].text, err, sizeof err), -1);
        if (strstr(err, bad[i].why) == NULL)
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, bad[i].why);
        assert_int_equal(nmx__proto_count(), before);
        assert_null(nmx__proto_by_name("qq"));
    }
    /* A NUL inside, and too many DLLs. */
    assert_int_equal(nmx__plugin_enter(0, "/x", "P\0Q", 3, err, sizeof err), -1);
    assert_int_equal(enter(NMX_PLUGIN_MAX_DLLS, "P\tQQ\t\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "too many"));
}

static void test_good_description(void **state)
{
    (void)state;
    char err[256];
    const char *text = "N\tZZTOP\tthe parser's own list\n"
                       "H\tin\tZZTOP\tTCPIP.INI\tUDP_HandoffSet\t40999\n"
                       "H\tin\tZZTOP\tTCPIP.INI\tUDP_HandoffSet\t70000\n" /* beyond a port: ignored */
                       "P\tZZTOP\tA test protocol\n"
                       "F\t1\t0\tSummary\tthe whole thing\n"
                       "F\t2\t4\tState\t\n"
                       "L\t0\tIdle\n"
                       "L\t3\tFailed\n"
                       "F\t2\t10\tFlags\t\n"
                       "B\t0\tRequest\tReply\n"
                       "F\t11\t1\tInterval Secs\t\n"
                       "R\t1\t3600\n"
                       "F\t8\t0\tNode Name\t\n";
    unsigned id = nmx__proto_count();
    assert_int_equal(enter(1, text, err, sizeof err), 0);
    assert_int_equal(nmx__proto_count(), id + 1);
    const nmx_protocol_t *p = nmx__proto_by_name("zztop");
    assert_non_null(p);
    assert_ptr_equal(nmx__proto_by_name("ZZTOP"), p);
    assert_int_equal(nmx__proto_id(p), id);
    assert_string_equal(nmx__proto_name(p), "zztop");
    assert_int_equal(nmx__proto_field_count(p), 5);
    const nmx_field_t *f = nmx__field_by_key("zztop.node_name");
    assert_non_null(f);
    assert_ptr_equal(nmx__field_lookup(p, "Node Name"), f);
    assert_int_equal(nmx__field_ftype(f), NMX_FT_STRING);
    const PROPERTYINFO *st = nmx__field_info(nmx__field_by_key("zztop.state"));
    assert_int_equal(st->DataQualifier, PROP_QUAL_LABELED_SET);
    assert_int_equal(st->lpSet->nEntries, 2);
    assert_int_equal(st->lpSet->lpLabeledByteTable[1].Value, 3);
    assert_string_equal(st->lpSet->lpLabeledByteTable[1].Label, "Failed");
    const PROPERTYINFO *fl = nmx__field_info(nmx__field_by_key("zztop.flags"));
    assert_string_equal(fl->lpSet->lpLabeledBit[0].LabelOn, "Reply");
    const PROPERTYINFO *iv = nmx__field_info(nmx__field_by_key("zztop.interval_secs"));
    assert_int_equal(iv->DataType, PROP_TYPE_BYTESWAPPED_WORD);
    assert_int_equal(iv->lpRange->MaxValue, 3600);
    /* Entered once: the name is taken now. */
    assert_int_equal(enter(2, "P\tzztop\t\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "already taken"));
    assert_int_equal(nmx__plugin_count(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_descriptions),
        cmocka_unit_test(test_good_description),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
