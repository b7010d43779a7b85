/*
 * test_merge.c - the merge rules of `nmexpert merge` (src/report/merge.c,
 * NmxExpertMerge in netmon.h), on hand-made shard reports: each rule, the
 * order and limit directives, totals, samples, an empty shard, a shard
 * merged with itself, an expert without rules, and reports that are not
 * shards of one run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"

/* A shard report of one expert (module "x"): events is a JSON array text,
 * kinds one too; merge NULL for none; settings a JSON object text. */
static json_t *shard(int k, int n, const char *merge, const char *settings, const char *kinds, const char *events,
                     int frames_read)
{
    char text[16384];
    snprintf(text, sizeof text,
             "{\"report_version\": 2, \"nmexpert_version\": \"t\", \"run\": {\"captures\": [\"a.pcap\"], "
             "\"display_filter\": null, \"range\": null, \"shard\": {\"index\": %d, \"count\": %d, \"hash\": "
             "\"connection\"}}, \"capture\": {}, \"experts\": [{\"name\": \"X\", \"module\": \"x\", \"version\": 1, "
             "\"outcome\": \"completed\", \"status\": \"done\", \"substatus\": 0, \"message\": \"\", \"elapsed_ms\": 1, "
             "\"percent_done\": 100, \"frame\": %d, \"frames_read\": %d, \"settings\": %s, \"containment\": \"none\", "
             "\"peak_rss_bytes\": 0, \"memory\": {\"allocations\": 0, \"frees\": 0, \"peak_bytes\": 0, "
             "\"live_bytes_at_end\": 0, \"reclaimed_bytes\": 0, \"reclaimed_blocks\": 0, \"limit_bytes\": 0}, "
             "\"events_refused\": 0, \"events_over_limit\": 0, \"event_limit_bytes\": 0, \"event_kinds\": %s, "
             "\"events\": %s}]}",
             k, n, frames_read > 0 ? frames_read - 1 : 0, frames_read, settings, kinds, events);
    json_error_t je;
    json_t *d = json_loads(text, 0, &je);
    if (d == NULL)
        fail_msg("bad test report: %s (%s)", je.text, text);
    if (merge != NULL)
        json_object_set_new(json_array_get(json_object_get(d, "experts"), 0), "merge", json_string(merge));
    return d;
}

#define EV(ident, values) \
    "{\"ident\": " #ident ", \"severity\": 0, \"source\": \"x\", \"name\": \"E\", \"description\": \"\", " \
    "\"flags\": 0, \"values\": " values "}"

static json_t *merge2(json_t *a, json_t *b, char *note)
{
    json_t *docs[2] = {a, b};
    char err[256], nb[256];
    json_t *m = nmx__report_merge(docs, b != NULL ? 2 : 1, err, sizeof err, nb, sizeof nb);
    if (note != NULL)
        strcpy(note, nb);
    if (m == NULL)
        fail_msg("merge failed: %s", err);
    json_decref(a);
    json_decref(b);
    return m;
}

static json_t *expert0(json_t *m)
{
    return json_array_get(json_object_get(m, "experts"), 0);
}

static json_t *event_values(json_t *m, size_t i)
{
    return json_object_get(json_array_get(json_object_get(expert0(m), "events"), i), "values");
}

static size_t nevents(json_t *m)
{
    return json_array_size(json_object_get(expert0(m), "events"));
}

static json_int_t ival(json_t *vals, const char *k)
{
    json_t *v = json_object_get(vals, k);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static double rval(json_t *vals, const char *k)
{
    json_t *v = json_object_get(vals, k);
    assert_true(json_is_real(v));
    return json_real_value(v);
}

static const char *sval(json_t *vals, const char *k)
{
    json_t *v = json_object_get(vals, k);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

#define KINDS_NAME_N \
    "[{\"ident\": 1, \"title\": \"E\", \"columns\": [{\"name\": \"Name\", \"type\": \"string\", \"netmon_type\": " \
    "\"string\"}, {\"name\": \"N\", \"type\": \"integer\", \"netmon_type\": \"uint64\"}]}]"
static const char SUM_RULES[] = "1:Name=key\n1:N=sum\n1:=order -N,+Name\n";

/* key + sum: equal keys are one row, counts add up, the order is redone. */
static void test_key_sum_order(void **state)
{
    (void)state;
    json_t *m = merge2(shard(1, 2, SUM_RULES, "null", KINDS_NAME_N, "[" EV(1, "{\"Name\": \"a\", \"N\": 5}") "," EV(1, "{\"Name\": \"b\", \"N\": 1}") "]", 6),
                       shard(2, 2, SUM_RULES, "null", KINDS_NAME_N, "[" EV(1, "{\"Name\": \"b\", \"N\": 7}") "," EV(1, "{\"Name\": \"c\", \"N\": 2}") "]", 9), NULL);
    assert_int_equal(nevents(m), 3);
    assert_string_equal(sval(event_values(m, 0), "Name"), "b");
    assert_int_equal(ival(event_values(m, 0), "N"), 8);
    assert_string_equal(sval(event_values(m, 1), "Name"), "a");
    assert_int_equal(ival(event_values(m, 1), "N"), 5);
    assert_string_equal(sval(event_values(m, 2), "Name"), "c");
    assert_int_equal(ival(expert0(m), "frames_read"), 15);
    assert_int_equal(ival(expert0(m), "frame"), 8); /* the later shard's last frame */
    assert_null(json_object_get(expert0(m), "merge"));
    assert_null(json_object_get(json_object_get(m, "run"), "shard"));
    assert_int_equal(ival(json_object_get(m, "run"), "merged_shards"), 2);
    json_decref(m);
}

/* A shard with no events changes nothing; merged with itself, a shard doubles every count. */
static void test_empty_and_self(void **state)
{
    (void)state;
    const char *evs = "[" EV(1, "{\"Name\": \"a\", \"N\": 5}") "," EV(1, "{\"Name\": \"b\", \"N\": 3}") "]";
    char note[256];
    json_t *m = merge2(shard(1, 2, SUM_RULES, "null", KINDS_NAME_N, evs, 8), shard(2, 2, SUM_RULES, "null", "[]", "[]", 0), note);
    assert_int_equal(nevents(m), 2);
    assert_int_equal(ival(event_values(m, 0), "N"), 5);
    assert_int_equal(ival(event_values(m, 1), "N"), 3);
    assert_int_equal(ival(expert0(m), "frames_read"), 8);
    assert_string_equal(note, "");
    json_decref(m);

    m = merge2(shard(1, 2, SUM_RULES, "null", KINDS_NAME_N, evs, 8), shard(1, 2, SUM_RULES, "null", KINDS_NAME_N, evs, 8), note);
    assert_int_equal(nevents(m), 2);
    assert_int_equal(ival(event_values(m, 0), "N"), 10);
    assert_int_equal(ival(event_values(m, 1), "N"), 6);
    assert_int_equal(ival(expert0(m), "frames_read"), 16);
    assert_non_null(strstr(note, "not shards 1 to 2"));
    json_decref(m);

    /* an empty shard alone: an empty report */
    m = merge2(shard(1, 1, SUM_RULES, "null", "[]", "[]", 0), NULL, NULL);
    assert_int_equal(nevents(m), 0);
    assert_int_equal(json_array_size(json_object_get(expert0(m), "event_kinds")), 0);
    json_decref(m);
}

#define KINDS_STATS \
    "[{\"ident\": 1, \"title\": \"S\", \"columns\": [{\"name\": \"Min\", \"type\": \"integer\", \"netmon_type\": " \
    "\"uint64\"}, {\"name\": \"Max\", \"type\": \"integer\", \"netmon_type\": \"uint64\"}, {\"name\": \"Avg\", " \
    "\"type\": \"number\", \"netmon_type\": \"float64\"}, {\"name\": \"W\", \"type\": \"integer\", \"netmon_type\": " \
    "\"uint64\"}, {\"name\": \"Tag\", \"type\": \"string\", \"netmon_type\": \"string\"}]}, {\"ident\": 999, " \
    "\"title\": \"Shard totals\", \"columns\": [{\"name\": \"Inst\", \"type\": \"integer\", \"netmon_type\": " \
    "\"uint64\"}]}]"
static const char STATS_RULES[] = "1:Min=min 999:Inst\n1:Max=max 999:Inst\n1:Avg=mean W\n1:W=sum\n1:Tag=same\n"
                                  "999:=totals\n";

/* min, max (skipping a shard whose guard total is 0), a weighted mean, same; totals dropped. */
static void test_min_max_mean_same(void **state)
{
    (void)state;
    json_t *m = merge2(
        shard(1, 3, STATS_RULES, "null", KINDS_STATS,
              "[" EV(1, "{\"Min\": 4, \"Max\": 9, \"Avg\": 2.0, \"W\": 1, \"Tag\": \"t\"}") "," EV(999, "{\"Inst\": 3}") "]", 5),
        shard(2, 3, STATS_RULES, "null", KINDS_STATS,
              "[" EV(1, "{\"Min\": 2, \"Max\": 12, \"Avg\": 5.0, \"W\": 3, \"Tag\": \"t\"}") "," EV(999, "{\"Inst\": 4}") "]", 5),
        NULL);
    json_t *v = event_values(m, 0);
    assert_int_equal(nevents(m), 1);
    assert_int_equal(ival(v, "Min"), 2);
    assert_int_equal(ival(v, "Max"), 12);
    assert_true(rval(v, "Avg") == (2.0 * 1 + 5.0 * 3) / 4);
    assert_int_equal(ival(v, "W"), 4);
    assert_string_equal(sval(v, "Tag"), "t");
    json_t *kinds = json_object_get(expert0(m), "event_kinds");
    assert_int_equal(json_array_size(kinds), 1); /* no totals kind */
    json_decref(m);

    /* the guard: a shard that counted nothing sends Min 0, which does not count */
    m = merge2(shard(1, 2, STATS_RULES, "null", KINDS_STATS,
                     "[" EV(1, "{\"Min\": 0, \"Max\": 0, \"Avg\": 0.0, \"W\": 0, \"Tag\": \"t\"}") "," EV(999, "{\"Inst\": 0}") "]", 5),
               shard(2, 2, STATS_RULES, "null", KINDS_STATS,
                     "[" EV(1, "{\"Min\": 7, \"Max\": 8, \"Avg\": 7.5, \"W\": 2, \"Tag\": \"t\"}") "," EV(999, "{\"Inst\": 2}") "]", 5),
               NULL);
    v = event_values(m, 0);
    assert_int_equal(ival(v, "Min"), 7);
    assert_int_equal(ival(v, "Max"), 8);
    assert_true(rval(v, "Avg") == 7.5);
    json_decref(m);
}

#define KINDS_SHARE \
    "[{\"ident\": 1, \"title\": \"P\", \"columns\": [{\"name\": \"P\", \"type\": \"string\", \"netmon_type\": " \
    "\"string\"}, {\"name\": \"C\", \"type\": \"integer\", \"netmon_type\": \"uint64\"}, {\"name\": \"%\", \"type\": " \
    "\"number\", \"netmon_type\": \"float64\"}, {\"name\": \"Mean\", \"type\": \"number\", \"netmon_type\": " \
    "\"float64\"}]}, {\"ident\": 999, \"title\": \"T\", \"columns\": [{\"name\": \"F\", \"type\": \"integer\", " \
    "\"netmon_type\": \"uint64\"}, {\"name\": \"Sum\", \"type\": \"string\", \"netmon_type\": \"string\"}]}]"
static const char SHARE_RULES[] = "1:P=key\n1:C=sum\n1:%=share C,999:F\n1:Mean=lmean 999:Sum,999:F\n999:=totals\n"
                                  "1:=order -C,+P\n";

/* share of the merged totals and a mean of summed totals, as one run computes them. */
static void test_share_lmean(void **state)
{
    (void)state;
    json_t *m = merge2(shard(1, 2, SHARE_RULES, "null", KINDS_SHARE,
                             "[" EV(1, "{\"P\": \"ip\", \"C\": 3, \"%\": 75.0, \"Mean\": 1.0}") "," EV(999, "{\"F\": 4, \"Sum\": \"10\"}") "]", 4),
                       shard(2, 2, SHARE_RULES, "null", KINDS_SHARE,
                             "[" EV(1, "{\"P\": \"ip\", \"C\": 1, \"%\": 50.0, \"Mean\": 1.0}") "," EV(1, "{\"P\": \"arp\", \"C\": 1, \"%\": 50.0, \"Mean\": 1.0}") "," EV(999, "{\"F\": 2, \"Sum\": \"5\"}") "]", 2),
                       NULL);
    assert_int_equal(nevents(m), 2);
    json_t *v = event_values(m, 0);
    assert_string_equal(sval(v, "P"), "ip");
    assert_int_equal(ival(v, "C"), 4);
    assert_true(rval(v, "%") == 100.0 * 4.0 / 6.0);
    assert_true(rval(v, "Mean") == (double)(15.0L / 6.0L));
    assert_true(rval(event_values(m, 1), "%") == 100.0 * 1.0 / 6.0);
    json_decref(m);
}

#define KINDS_RT \
    "[{\"ident\": 1, \"title\": \"R\", \"columns\": [{\"name\": \"Server\", \"type\": \"string\", \"netmon_type\": " \
    "\"mixed\"}, {\"name\": \"Requests\", \"type\": \"integer\", \"netmon_type\": \"uint32\"}, {\"name\": \"Avg\", " \
    "\"type\": \"number\", \"netmon_type\": \"float64\"}, {\"name\": \"Min\", \"type\": \"number\", \"netmon_type\": " \
    "\"float64\"}, {\"name\": \"Med\", \"type\": \"number\", \"netmon_type\": \"float64\"}, {\"name\": \"P95\", " \
    "\"type\": \"number\", \"netmon_type\": \"float64\"}, {\"name\": \"Max\", \"type\": \"number\", \"netmon_type\": " \
    "\"float64\"}, {\"name\": \"Samples\", \"type\": \"string\", \"netmon_type\": \"string\"}]}]"
static const char RT_RULES[] = "1:Server=key\n1:Samples=samples\n1:Requests=ns-count Samples\n1:Avg=ns-mean Samples\n"
                               "1:Min=ns-min Samples\n1:Med=ns-pct 50,Samples\n1:P95=ns-pct 95,Samples\n"
                               "1:Max=ns-max Samples\n1:=order sort=server*,+Server\n"
                               "1:=order sort=requests,-Requests,+Server\n1:=limit count,0\n";

/* percentiles from the shards' samples: exact nearest rank; the samples are dropped; a row
 * sent in chunks (resptime's many samples) is one row. */
static void test_samples(void **state)
{
    (void)state;
    json_t *m = merge2(shard(1, 2, RT_RULES, "null", KINDS_RT,
                             "[" EV(1, "{\"Server\": \"10.0.0.10\", \"Requests\": 3, \"Samples\": \"1000 3000\"}") "," EV(1, "{\"Server\": \"10.0.0.10\", \"Requests\": 3, \"Samples\": \"5000\"}") "," EV(1, "{\"Server\": \"2001:db8::1\", \"Requests\": 1, \"Samples\": \"7\"}") "]", 9),
                       shard(2, 2, RT_RULES, "null", KINDS_RT,
                             "[" EV(1, "{\"Server\": \"10.0.0.10\", \"Requests\": 2, \"Samples\": \"2000 4000\"}") "," EV(1, "{\"Server\": \"10.0.0.9\", \"Requests\": 1, \"Samples\": \"9\"}") "]", 9),
                       NULL);
    assert_int_equal(nevents(m), 3);
    /* server order: IPv4 by number (10.0.0.9 before 10.0.0.10), then IPv6 */
    assert_string_equal(sval(event_values(m, 0), "Server"), "10.0.0.9");
    assert_string_equal(sval(event_values(m, 2), "Server"), "2001:db8::1");
    json_t *v = event_values(m, 1);
    assert_string_equal(sval(v, "Server"), "10.0.0.10");
    assert_int_equal(ival(v, "Requests"), 5);
    assert_true(rval(v, "Avg") == (double)15000 / 5.0 / 1e9);
    assert_true(rval(v, "Min") == 1000 / 1e9);
    assert_true(rval(v, "Med") == 3000 / 1e9);
    assert_true(rval(v, "P95") == 5000 / 1e9);
    assert_true(rval(v, "Max") == 5000 / 1e9);
    assert_null(json_object_get(v, "Samples"));
    json_t *cols = json_object_get(json_array_get(json_object_get(expert0(m), "event_kinds"), 0), "columns");
    for (size_t i = 0; i < json_array_size(cols); i++)
        assert_string_not_equal(json_string_value(json_object_get(json_array_get(cols, i), "name")), "Samples");
    /* the Server column holds IPv4 and IPv6: mixed, as the writer types it */
    assert_string_equal(json_string_value(json_object_get(json_array_get(cols, 0), "netmon_type")), "mixed");
    json_decref(m);
}

/* order by a setting (its default when unset), by a sum of columns; limit from a setting. */
static void test_order_setting_limit(void **state)
{
    (void)state;
    static const char rules[] = "1:Name=key\n1:A=sum\n1:B=sum\n1:=order sort=a*,-A,+Name\n1:=order sort=ab,-A+B,+Name\n"
                                "1:=limit count,2\n";
    const char *kinds = "[{\"ident\": 1, \"title\": \"E\", \"columns\": [{\"name\": \"Name\", \"type\": \"string\", "
                        "\"netmon_type\": \"string\"}, {\"name\": \"A\", \"type\": \"integer\", \"netmon_type\": "
                        "\"uint64\"}, {\"name\": \"B\", \"type\": \"integer\", \"netmon_type\": \"uint64\"}]}]";
    const char *e1 = "[" EV(1, "{\"Name\": \"x\", \"A\": 5, \"B\": 0}") "," EV(1, "{\"Name\": \"y\", \"A\": 1, \"B\": 9}") "]";
    const char *e2 = "[" EV(1, "{\"Name\": \"z\", \"A\": 3, \"B\": 3}") "]";
    /* default order (sort unset = a), default limit 2 */
    json_t *m = merge2(shard(1, 2, rules, "null", kinds, e1, 1), shard(2, 2, rules, "null", kinds, e2, 1), NULL);
    assert_int_equal(nevents(m), 2);
    assert_string_equal(sval(event_values(m, 0), "Name"), "x");
    assert_string_equal(sval(event_values(m, 1), "Name"), "z");
    json_decref(m);
    /* sort=AB (any case): by A+B; count=0: every row */
    const char *set = "{\"sort\": \"AB\", \"count\": \"0\"}";
    m = merge2(shard(1, 2, rules, set, kinds, e1, 1), shard(2, 2, rules, set, kinds, e2, 1), NULL);
    assert_int_equal(nevents(m), 3);
    assert_string_equal(sval(event_values(m, 0), "Name"), "y");
    assert_string_equal(sval(event_values(m, 1), "Name"), "z");
    assert_string_equal(sval(event_values(m, 2), "Name"), "x");
    json_decref(m);
}

/* concat keeps every row of every shard; ~ orders text bytewise. */
static void test_concat_text_order(void **state)
{
    (void)state;
    static const char rules[] = "1:=concat\n1:=order +Frame\n2:=concat\n2:=order +~V\n";
    const char *kinds = "[{\"ident\": 1, \"title\": \"R\", \"columns\": [{\"name\": \"Frame\", \"type\": \"frame\", "
                        "\"netmon_type\": \"frame\"}]}, {\"ident\": 2, \"title\": \"V\", \"columns\": [{\"name\": \"V\", "
                        "\"type\": \"string\", \"netmon_type\": \"string\"}]}]";
    json_t *m = merge2(shard(1, 2, rules, "null", kinds, "[" EV(1, "{\"Frame\": 7}") "," EV(1, "{\"Frame\": 2}") "," EV(2, "{\"V\": \"10.0.0.9\"}") "]", 1),
                       shard(2, 2, rules, "null", kinds, "[" EV(1, "{\"Frame\": 5}") "," EV(1, "{\"Frame\": 7}") "," EV(2, "{\"V\": \"10.0.0.10\"}") "]", 1),
                       NULL);
    assert_int_equal(nevents(m), 6);
    static const int frames[] = {2, 5, 7, 7};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(ival(event_values(m, i), "Frame"), frames[i]);
    assert_string_equal(sval(event_values(m, 4), "V"), "10.0.0.10"); /* bytewise: "1" < "9" */
    assert_string_equal(sval(event_values(m, 5), "V"), "10.0.0.9");
    json_decref(m);
}

/* An expert without rules is reported once per shard, marked. */
static void test_undeclared(void **state)
{
    (void)state;
    json_t *m = merge2(shard(1, 2, NULL, "null", KINDS_NAME_N, "[" EV(1, "{\"Name\": \"a\", \"N\": 5}") "]", 1),
                       shard(2, 2, NULL, "null", KINDS_NAME_N, "[" EV(1, "{\"Name\": \"a\", \"N\": 2}") "]", 1), NULL);
    json_t *ex = json_object_get(m, "experts");
    assert_int_equal(json_array_size(ex), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ex, 0), "name")), "X [shard 1/2]");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ex, 1), "name")), "X [shard 2/2]");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(ex, 1), "message")), "not merged"));
    assert_int_equal(ival(json_object_get(json_array_get(json_object_get(json_array_get(ex, 1), "events"), 0), "values"), "N"), 2);
    json_decref(m);
    /* shards that disagree on the rules are not merged either */
    m = merge2(shard(1, 2, SUM_RULES, "null", KINDS_NAME_N, "[]", 1), shard(2, 2, "1:N=max\n", "null", KINDS_NAME_N, "[]", 1), NULL);
    assert_int_equal(json_array_size(json_object_get(m, "experts")), 2);
    json_decref(m);
}

/* Reports that are not shards of one run are refused with a message. */
static void test_refused(void **state)
{
    (void)state;
    char err[256];
    json_t *a = shard(1, 2, SUM_RULES, "null", "[]", "[]", 1), *b = shard(1, 3, SUM_RULES, "null", "[]", "[]", 1);
    json_t *docs[2] = {a, b};
    assert_null(nmx__report_merge(docs, 2, err, sizeof err, NULL, 0));
    assert_non_null(strstr(err, "not shards of one set"));
    json_decref(b);
    b = shard(2, 2, SUM_RULES, "null", "[]", "[]", 1);
    json_object_set_new(json_array_get(json_object_get(b, "experts"), 0), "module", json_string("y"));
    docs[1] = b;
    assert_null(nmx__report_merge(docs, 2, err, sizeof err, NULL, 0));
    assert_non_null(strstr(err, "not report 1's"));
    json_decref(b);
    b = json_string("no");
    docs[1] = b;
    assert_null(nmx__report_merge(docs, 2, err, sizeof err, NULL, 0));
    assert_non_null(strstr(err, "not an nmexpert report"));
    assert_null(nmx__report_merge(docs, 0, err, sizeof err, NULL, 0));
    json_decref(a);
    json_decref(b);
    /* a declaration with a line that is not a rule: reported per shard, with why */
    json_t *m = merge2(shard(1, 2, "garbage\n", "null", "[]", "[]", 1), shard(2, 2, "garbage\n", "null", "[]", "[]", 1), NULL);
    assert_int_equal(json_array_size(json_object_get(m, "experts")), 2);
    assert_non_null(strstr(json_string_value(json_object_get(expert0(m), "message")), "not IDENT:COLUMN=RULE"));
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_sum_order),      cmocka_unit_test(test_empty_and_self),
        cmocka_unit_test(test_min_max_mean_same),  cmocka_unit_test(test_share_lmean),
        cmocka_unit_test(test_samples),            cmocka_unit_test(test_order_setting_limit),
        cmocka_unit_test(test_concat_text_order),  cmocka_unit_test(test_undeclared),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
