/*
 * merge.c - `nmexpert merge`: the JSON reports of the shards of a capture
 * set (`run --shard K/N`) combined into the report of the whole.
 *
 * Each expert merges by the rules it declared (NmxExpertMerge, netmon.h),
 * which every shard report carries in the expert's "merge" member:
 *
 *   IDENT:COLUMN=RULE [ARG,ARG...]     a column of the events of EventIdent IDENT
 *   IDENT:=DIRECTIVE [ARG,ARG...]      the event kind itself
 *
 * Rules: key, sum, min, max (optional ARG K:T: skip shards whose total T of
 * kind K is 0), same, mean W (weighted by column W), share C,K:T
 * (100 * C / total T of kind K), lmean K:S,K:N ((double)(S / (long double)N)
 * from totals), samples (a list of integers, dropped), ns-count S, ns-mean S,
 * ns-min S, ns-max S, ns-pct P,S (from samples S, in seconds).  Directives:
 * totals (a kind of per-shard totals, summed, dropped), concat (rows are not
 * merged), order [SETTING=VALUE[*]],KEY,KEY... (+COL ascending, -COL
 * descending, -A+B by a sum, ~COL as bytes even for addresses; * marks the
 * default), limit SETTING,DEFAULT.
 *
 * An expert that declares nothing (or whose shards disagree on what they
 * declare) is reported once per shard, its name marked with the shard.
 * Everything here works on the documents (jansson), never on a run.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strutil.h"
#include "report/report.h"

#define MAX_ARGS 16
#define MAX_RULES 128

typedef struct rule {
    unsigned ident;
    char *column;       /* NULL for a directive */
    char *word;
    char *args[MAX_ARGS];
    unsigned nargs;
} rule_t;

typedef struct decl {
    char *text;         /* owns the strings */
    rule_t r[MAX_RULES];
    unsigned n;
} decl_t;

/* Splits a declaration; false when it has a line that is not a rule. */
static bool decl_parse(const char *text, decl_t *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->text = strdup(text);
    if (d->text == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (char *line = d->text, *next; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *colon = strchr(line, ':'), *eq = colon != NULL ? strchr(colon, '=') : NULL, *end = NULL;
        unsigned long ident = strtoul(line, &end, 10);
        if (colon == NULL || eq == NULL || end != colon || d->n >= MAX_RULES) {
            snprintf(err, errlen, "merge declaration: '%s' is not IDENT:COLUMN=RULE", line);
            return false;
        }
        rule_t *r = &d->r[d->n++];
        r->ident = (unsigned)ident;
        *eq = '\0';
        r->column = eq > colon + 1 ? colon + 1 : NULL;
        r->word = eq + 1;
        char *sp = strchr(r->word, ' ');
        if (sp != NULL) {
            *sp = '\0';
            for (char *a = sp + 1, *c; a != NULL && r->nargs < MAX_ARGS; a = c) {
                c = strchr(a, ',');
                if (c != NULL)
                    *c++ = '\0';
                r->args[r->nargs++] = a;
            }
        }
    }
    return true;
}

static void decl_free(decl_t *d)
{
    free(d->text);
    d->text = NULL;
}

static const rule_t *rule_for(const decl_t *d, unsigned ident, const char *column, const char *word)
{
    for (unsigned i = 0; i < d->n; i++) {
        const rule_t *r = &d->r[i];
        if (r->ident != ident)
            continue;
        if (column != NULL ? (r->column != NULL && strcmp(r->column, column) == 0)
                           : (r->column == NULL && (word == NULL || strcmp(r->word, word) == 0)))
            return r;
    }
    return NULL;
}

static bool is_totals(const decl_t *d, unsigned ident)
{
    return rule_for(d, ident, NULL, "totals") != NULL;
}

/* ---- values ------------------------------------------------------------------ */

static bool num_of(json_t *v, double *out)
{
    if (json_is_integer(v))
        *out = (double)json_integer_value(v);
    else if (json_is_real(v))
        *out = json_real_value(v);
    else if (json_is_string(v)) {
        char *end;
        *out = strtod(json_string_value(v), &end);
        return end != json_string_value(v);
    } else
        return false;
    return true;
}

/* An address written as text: family (4 or 6) and bytes; 0 when not one. */
static int addr_of(const char *s, uint8_t out[16])
{
    memset(out, 0, 16);
    if (inet_pton(AF_INET, s, out) == 1)
        return 4;
    if (inet_pton(AF_INET6, s, out) == 1)
        return 6;
    return 0;
}

/* Order of two cells: numbers by value, addresses by family and bytes,
 * other text bytewise; a missing value first. */
static int cell_cmp(json_t *a, json_t *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    double x, y;
    if ((json_is_number(a) || json_is_boolean(a)) && (json_is_number(b) || json_is_boolean(b))) {
        x = json_is_boolean(a) ? json_is_true(a) : json_number_value(a);
        y = json_is_boolean(b) ? json_is_true(b) : json_number_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_is_string(a) && json_is_string(b)) {
        uint8_t p[16], q[16];
        int fa = addr_of(json_string_value(a), p), fb = addr_of(json_string_value(b), q);
        if (fa != 0 && fb != 0) {
            if (fa != fb)
                return fa < fb ? -1 : 1;
            return memcmp(p, q, 16);
        }
        return strcmp(json_string_value(a), json_string_value(b));
    }
    return json_is_string(a) ? 1 : -1;
}

/* ---- the rows of one event kind ----------------------------------------------- */

typedef struct sample_list {
    int64_t *v;
    size_t n, cap;
} samples_t;

typedef struct row {
    json_t *ev;          /* the merged event (owned) */
    json_t **src;        /* the events merged into it (borrowed) */
    size_t *shard;       /* ... and their shards */
    size_t nsrc;
    samples_t samples;
} row_t;

typedef struct rows {
    row_t *v;
    size_t n;
} rows_t;

static bool samples_add(samples_t *s, const char *text)
{
    for (const char *p = text; *p != '\0';) {
        char *end;
        long long x = strtoll(p, &end, 10);
        if (end == p)
            break;
        if (s->n == s->cap) {
            size_t c = s->cap > 0 ? 2 * s->cap : 64;
            int64_t *g = realloc(s->v, c * sizeof *g);
            if (g == NULL)
                return false;
            s->v = g;
            s->cap = c;
        }
        s->v[s->n++] = x;
        p = end;
    }
    return true;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The totals of the kinds a declaration marks "totals": per kind, per
 * column, the sum over every shard, and per shard. */
typedef struct totals {
    const decl_t *d;
    json_t *const *experts; /* one per shard */
    size_t nshards;
} totals_t;

/* Sum of column `col` over the rows of kind `ident` of shard s (all shards for s = SIZE_MAX). */
static long double total_of(const totals_t *t, const char *ref, size_t s)
{
    char *end;
    unsigned long ident = strtoul(ref, &end, 10);
    if (*end != ':')
        return 0;
    const char *col = end + 1;
    long double sum = 0;
    for (size_t k = 0; k < t->nshards; k++) {
        if (s != SIZE_MAX && k != s)
            continue;
        json_t *evs = json_object_get(t->experts[k], "events");
        for (size_t i = 0; i < json_array_size(evs); i++) {
            json_t *e = json_array_get(evs, i);
            if (json_integer_value(json_object_get(e, "ident")) != (json_int_t)ident)
                continue;
            json_t *v = json_object_get(json_object_get(e, "values"), col);
            if (json_is_integer(v))
                sum += (long double)json_integer_value(v);
            else if (json_is_real(v))
                sum += (long double)json_real_value(v);
            else if (json_is_string(v))
                sum += strtold(json_string_value(v), NULL);
        }
    }
    return sum;
}

/* The key of an event under the kind's key columns (text). */
static char *row_key(const decl_t *d, unsigned ident, json_t *vals)
{
    json_t *k = json_array();
    for (unsigned i = 0; i < d->n; i++)
        if (d->r[i].ident == ident && d->r[i].column != NULL && strcmp(d->r[i].word, "key") == 0) {
            json_t *v = json_object_get(vals, d->r[i].column);
            json_array_append(k, v != NULL ? v : json_null());
        }
    char *s = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(k);
    return s;
}

/* A merged number as the kind declares its column. */
static json_t *num_json(long double v, bool integer)
{
    if (integer)
        return json_integer((json_int_t)v);
    return json_real((double)v);
}

static const char *col_type(json_t *kind, const char *name)
{
    json_t *cols = json_object_get(kind, "columns");
    for (size_t i = 0; i < json_array_size(cols); i++) {
        json_t *c = json_array_get(cols, i);
        if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
            return json_string_value(json_object_get(c, "type"));
    }
    return "string";
}

/* The merged value of column `name` of row r. */
static json_t *merged_cell(const decl_t *d, const totals_t *t, unsigned ident, json_t *kind, row_t *r,
                           const char *name)
{
    const rule_t *ru = rule_for(d, ident, name, NULL);
    const char *w = ru != NULL ? ru->word : "same";
    bool integer = strcmp(col_type(kind, name), "integer") == 0;
    json_t *first = NULL;
    for (size_t i = 0; i < r->nsrc && first == NULL; i++)
        first = json_object_get(json_object_get(r->src[i], "values"), name);
    if (strcmp(w, "sum") == 0 || strcmp(w, "min") == 0 || strcmp(w, "max") == 0) {
        int op = w[1] == 'u' ? 0 : w[1] == 'i' ? 1 : 2;
        long double acc = 0;
        bool any = false;
        for (size_t i = 0; i < r->nsrc; i++) {
            json_t *v = json_object_get(json_object_get(r->src[i], "values"), name);
            double x;
            if (v == NULL || !num_of(v, &x))
                continue;
            if (op != 0 && ru->nargs > 0 && total_of(t, ru->args[0], r->shard[i]) == 0)
                continue;
            long double lx = json_is_integer(v) ? (long double)json_integer_value(v) : (long double)x;
            acc = !any ? lx : op == 0 ? acc + lx : op == 1 ? (lx < acc ? lx : acc) : (lx > acc ? lx : acc);
            any = true;
        }
        return num_json(any ? acc : 0, integer);
    }
    if (strcmp(w, "mean") == 0 && ru->nargs == 1) {
        long double sw = 0, swx = 0;
        for (size_t i = 0; i < r->nsrc; i++) {
            json_t *vals = json_object_get(r->src[i], "values");
            double x, wt;
            if (num_of(json_object_get(vals, name), &x) && num_of(json_object_get(vals, ru->args[0]), &wt)) {
                sw += wt;
                swx += (long double)x * wt;
            }
        }
        return num_json(sw > 0 ? swx / sw : 0, integer);
    }
    if (strcmp(w, "share") == 0 && ru->nargs == 2) {
        long double c = 0;
        for (size_t i = 0; i < r->nsrc; i++) {
            json_t *v = json_object_get(json_object_get(r->src[i], "values"), ru->args[0]);
            c += json_is_integer(v) ? (long double)json_integer_value(v) : json_is_real(v) ? json_real_value(v) : 0;
        }
        long double tot = total_of(t, ru->args[1], SIZE_MAX);
        return json_real(tot > 0 ? 100.0 * (double)c / (double)tot : 0.0);
    }
    if (strcmp(w, "lmean") == 0 && ru->nargs == 2) {
        long double s = total_of(t, ru->args[0], SIZE_MAX), n = total_of(t, ru->args[1], SIZE_MAX);
        return json_real(n > 0 ? (double)(s / n) : 0.0);
    }
    if (strncmp(w, "ns-", 3) == 0) {
        samples_t *sm = &r->samples;
        if (strcmp(w, "ns-count") == 0)
            return json_integer((json_int_t)sm->n);
        if (sm->n == 0)
            return json_real(0.0);
        if (strcmp(w, "ns-mean") == 0) {
            int64_t sum = 0;
            for (size_t i = 0; i < sm->n; i++)
                sum += sm->v[i];
            return json_real((double)sum / (double)sm->n / 1e9);
        }
        if (strcmp(w, "ns-min") == 0)
            return json_real((double)sm->v[0] / 1e9);
        if (strcmp(w, "ns-max") == 0)
            return json_real((double)sm->v[sm->n - 1] / 1e9);
        if (strcmp(w, "ns-pct") == 0 && ru->nargs == 2) {
            size_t p = (size_t)strtoul(ru->args[0], NULL, 10);
            size_t k = (p * sm->n + 99) / 100;
            return json_real((double)sm->v[(k > 0 ? k : 1) - 1] / 1e9);
        }
    }
    return first != NULL ? json_incref(first) : NULL; /* key, same, and anything undeclared */
}

/* ---- ordering ------------------------------------------------------------------ */

typedef struct order_ctx {
    const rule_t *order;
    unsigned first_key; /* args before it are the condition */
} order_ctx_t;

static long double key_sum(json_t *vals, const char *expr, bool *numeric)
{
    long double s = 0;
    char buf[256];
    nmx__strlcpy(buf, expr, sizeof buf);
    *numeric = true;
    for (char *p = buf, *plus; p != NULL; p = plus) {
        plus = strchr(p, '+');
        if (plus != NULL)
            *plus++ = '\0';
        double x;
        if (!num_of(json_object_get(vals, p), &x))
            *numeric = false;
        else
            s += json_is_integer(json_object_get(vals, p)) ? (long double)json_integer_value(json_object_get(vals, p)) : x;
    }
    return s;
}

static int row_cmp(const void *a, const void *b, void *ctx)
{
    const order_ctx_t *o = ctx;
    json_t *va = json_object_get(((const row_t *)a)->ev, "values");
    json_t *vb = json_object_get(((const row_t *)b)->ev, "values");
    for (unsigned i = o->first_key; i < o->order->nargs; i++) {
        const char *k = o->order->args[i];
        int dir = k[0] == '-' ? -1 : 1;
        if (k[0] == '-' || k[0] == '+')
            k++;
        bool text = k[0] == '~'; /* bytewise, even for text that reads as an address */
        if (text)
            k++;
        int c;
        if (text) {
            json_t *x = json_object_get(va, k), *y = json_object_get(vb, k);
            c = json_is_string(x) && json_is_string(y) ? strcmp(json_string_value(x), json_string_value(y))
                                                       : cell_cmp(x, y);
        } else if (strchr(k, '+') != NULL) {
            bool na, nb;
            long double x = key_sum(va, k, &na), y = key_sum(vb, k, &nb);
            c = x < y ? -1 : x > y;
        } else {
            c = cell_cmp(json_object_get(va, k), json_object_get(vb, k));
        }
        if (c != 0)
            return dir * c;
    }
    return 0;
}

/* Is the value of setting `key` in the expert's settings `value` (or, when
 * it is not set, is this the default)? */
static bool setting_is(json_t *settings, const char *cond)
{
    char key[128];
    const char *eq = strchr(cond, '=');
    if (eq == NULL || (size_t)(eq - cond) >= sizeof key)
        return false;
    memcpy(key, cond, (size_t)(eq - cond));
    key[eq - cond] = '\0';
    const char *want = eq + 1;
    size_t wl = strlen(want);
    bool dflt = wl > 0 && want[wl - 1] == '*';
    if (dflt)
        wl--;
    const char *k;
    json_t *v;
    json_object_foreach(settings, k, v)
    {
        if (strcasecmp(k, key) == 0 && json_is_string(v))
            return strlen(json_string_value(v)) == wl && strncasecmp(json_string_value(v), want, wl) == 0;
    }
    return dflt;
}

static const char *setting_text(json_t *settings, const char *key)
{
    const char *k;
    json_t *v;
    json_object_foreach(settings, k, v)
    {
        if (strcasecmp(k, key) == 0 && json_is_string(v))
            return json_string_value(v);
    }
    return NULL;
}

static void glue_sort(row_t *v, size_t n, order_ctx_t *o)
{
    /* insertion sort by merging: stable, and qsort_r is not C17 */
    for (size_t w = 1; w < n; w *= 2) {
        row_t *tmp = malloc(n * sizeof *tmp);
        if (tmp == NULL)
            return;
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = row_cmp(&v[j], &v[i], o) < 0 ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *tmp);
        free(tmp);
    }
}

/* ---- one expert ------------------------------------------------------------------ */

static const char *const outcome_rank[] = {"completed", "pending", "terminated", "timed_out", "failed",
                                           "out_of_memory", "crashed", "load_failed", "unknown"};

static int rank_of(const char *o)
{
    for (int i = 0; i < (int)(sizeof outcome_rank / sizeof *outcome_rank); i++)
        if (o != NULL && strcmp(o, outcome_rank[i]) == 0)
            return i;
    return 8;
}

static json_int_t int_at(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* The merged expert's fields (not its kinds and events). */
static json_t *expert_head(json_t *const *ex, size_t n)
{
    json_t *o = json_deep_copy(ex[0]);
    json_object_del(o, "event_kinds");
    json_object_del(o, "events");
    json_object_del(o, "merge");
    json_int_t frames = 0, elapsed = 0, refused = 0, over = 0, frame = -1, rss = 0, pct = 100;
    int worst = 0;
    for (size_t k = 0; k < n; k++) {
        frames += int_at(ex[k], "frames_read");
        elapsed += int_at(ex[k], "elapsed_ms");
        refused += int_at(ex[k], "events_refused");
        over += int_at(ex[k], "events_over_limit");
        json_t *f = json_object_get(ex[k], "frame");
        if (json_is_integer(f) && json_integer_value(f) > frame)
            frame = json_integer_value(f);
        if (int_at(ex[k], "peak_rss_bytes") > rss)
            rss = int_at(ex[k], "peak_rss_bytes");
        if (int_at(ex[k], "percent_done") < pct)
            pct = int_at(ex[k], "percent_done");
        int r = rank_of(json_string_value(json_object_get(ex[k], "outcome")));
        if (r > worst) {
            worst = r;
            json_object_set(o, "outcome", json_object_get(ex[k], "outcome"));
            json_object_set(o, "status", json_object_get(ex[k], "status"));
            json_object_set(o, "substatus", json_object_get(ex[k], "substatus"));
            json_object_set(o, "message", json_object_get(ex[k], "message"));
        }
        json_t *m = json_object_get(ex[k], "memory"), *mo = json_object_get(o, "memory");
        const char *key;
        json_t *v;
        json_object_foreach(m, key, v)
        {
            if (json_is_integer(v) && json_integer_value(v) > int_at(mo, key))
                json_object_set(mo, key, v);
        }
    }
    json_object_set_new(o, "frames_read", json_integer(frames));
    json_object_set_new(o, "elapsed_ms", json_integer(elapsed));
    json_object_set_new(o, "events_refused", json_integer(refused));
    json_object_set_new(o, "events_over_limit", json_integer(over));
    json_object_set_new(o, "frame", frame >= 0 ? json_integer(frame) : json_null());
    json_object_set_new(o, "peak_rss_bytes", json_integer(rss));
    json_object_set_new(o, "percent_done", json_integer(pct));
    return o;
}

/* The union of the kinds of every shard, in first-seen order, without
 * totals kinds and samples columns; column types widened as the writer does. */
static json_t *merged_kinds(const decl_t *d, json_t *const *ex, size_t n)
{
    json_t *out = json_array();
    for (size_t k = 0; k < n; k++) {
        json_t *kinds = json_object_get(ex[k], "event_kinds");
        for (size_t i = 0; i < json_array_size(kinds); i++) {
            json_t *kd = json_array_get(kinds, i);
            unsigned ident = (unsigned)int_at(kd, "ident");
            if (is_totals(d, ident))
                continue;
            json_t *mk = NULL;
            for (size_t j = 0; j < json_array_size(out) && mk == NULL; j++)
                if (int_at(json_array_get(out, j), "ident") == (json_int_t)ident)
                    mk = json_array_get(out, j);
            if (mk == NULL) {
                mk = json_object();
                json_object_set_new(mk, "ident", json_integer(ident));
                json_object_set(mk, "title", json_object_get(kd, "title"));
                json_object_set_new(mk, "columns", json_array());
                json_array_append_new(out, mk);
            }
            json_t *mcols = json_object_get(mk, "columns"), *cols = json_object_get(kd, "columns");
            for (size_t c = 0; c < json_array_size(cols); c++) {
                json_t *col = json_array_get(cols, c);
                const char *name = json_string_value(json_object_get(col, "name"));
                const rule_t *ru = rule_for(d, ident, name, NULL);
                if (name == NULL || (ru != NULL && strcmp(ru->word, "samples") == 0))
                    continue;
                json_t *have = NULL;
                for (size_t j = 0; j < json_array_size(mcols) && have == NULL; j++)
                    if (strcmp(json_string_value(json_object_get(json_array_get(mcols, j), "name")), name) == 0)
                        have = json_array_get(mcols, j);
                if (have == NULL) {
                    json_array_append_new(mcols, json_deep_copy(col));
                    continue;
                }
                const char *t1 = json_string_value(json_object_get(have, "netmon_type"));
                const char *t2 = json_string_value(json_object_get(col, "netmon_type"));
                if (t1 != NULL && t2 != NULL && strcmp(t1, t2) != 0) {
                    const char *j1 = json_string_value(json_object_get(have, "type"));
                    const char *j2 = json_string_value(json_object_get(col, "type"));
                    bool num = (strcmp(j1, "integer") == 0 || strcmp(j1, "number") == 0) &&
                               (strcmp(j2, "integer") == 0 || strcmp(j2, "number") == 0);
                    json_object_set_new(have, "type", json_string(num ? "number" : "string"));
                    json_object_set_new(have, "netmon_type", json_string("mixed"));
                }
            }
        }
    }
    return out;
}

/* A value as the merged kind declares its column (a number for "number",
 * text for "string"). */
static json_t *as_declared(json_t *v, const char *jtype)
{
    if (v == NULL)
        return NULL;
    if (strcmp(jtype, "number") == 0 && json_is_integer(v)) {
        json_t *r = json_real((double)json_integer_value(v));
        json_decref(v);
        return r;
    }
    if (strcmp(jtype, "string") == 0 && !json_is_string(v) && !json_is_null(v)) {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        json_t *r = json_string(s != NULL ? s : "");
        free(s);
        json_decref(v);
        return r;
    }
    return v;
}

static void rows_free(rows_t *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        json_decref(rs->v[i].ev);
        free(rs->v[i].src);
        free(rs->v[i].shard);
        free(rs->v[i].samples.v);
    }
    free(rs->v);
    rs->v = NULL;
    rs->n = 0;
}

/* Adds event e of shard k to the row of its key (a new row when none has
 * it; every event its own row for concat); false out of memory. */
static bool add_to_row(rows_t *rs, char ***keys, char *key, json_t *e, size_t k)
{
    size_t j = rs->n;
    for (size_t m = 0; key != NULL && m < rs->n; m++)
        if (strcmp((*keys)[m], key) == 0) {
            j = m;
            break;
        }
    if (j == rs->n) {
        row_t *g = realloc(rs->v, (rs->n + 1) * sizeof *g);
        if (g != NULL)
            rs->v = g;
        char **gk = realloc(*keys, (rs->n + 1) * sizeof *gk);
        if (gk != NULL)
            *keys = gk;
        if (g == NULL || gk == NULL) {
            free(key);
            return false;
        }
        memset(&rs->v[j], 0, sizeof rs->v[j]);
        (*keys)[j] = key;
        rs->n++;
    } else {
        free(key);
    }
    row_t *r = &rs->v[j];
    json_t **gs = realloc(r->src, (r->nsrc + 1) * sizeof *gs);
    if (gs != NULL)
        r->src = gs;
    size_t *gh = realloc(r->shard, (r->nsrc + 1) * sizeof *gh);
    if (gh != NULL)
        r->shard = gh;
    if (gs == NULL || gh == NULL)
        return false;
    r->src[r->nsrc] = e;
    r->shard[r->nsrc++] = k;
    return true;
}

/* The events of kind `ident` of every shard, grouped into rows by key. */
static bool gather_rows(const decl_t *d, const totals_t *t, unsigned ident, rows_t *rs)
{
    bool concat = rule_for(d, ident, NULL, "concat") != NULL;
    char **keys = NULL;
    bool ok = true;
    for (size_t k = 0; ok && k < t->nshards; k++) {
        json_t *evs = json_object_get(t->experts[k], "events");
        for (size_t i = 0; ok && i < json_array_size(evs); i++) {
            json_t *e = json_array_get(evs, i);
            if (int_at(e, "ident") == (json_int_t)ident)
                ok = add_to_row(rs, &keys, concat ? NULL : row_key(d, ident, json_object_get(e, "values")), e, k);
        }
    }
    for (size_t i = 0; i < rs->n; i++)
        free(keys[i]);
    free(keys);
    return ok;
}

/* The samples of row r (from its samples columns), sorted; false out of memory. */
static bool row_samples(const decl_t *d, unsigned ident, row_t *r)
{
    bool ok = true;
    for (unsigned q = 0; q < d->n; q++) {
        if (d->r[q].ident != ident || d->r[q].column == NULL || strcmp(d->r[q].word, "samples") != 0)
            continue;
        for (size_t s = 0; s < r->nsrc; s++) {
            json_t *v = json_object_get(json_object_get(r->src[s], "values"), d->r[q].column);
            if (json_is_string(v) && !samples_add(&r->samples, json_string_value(v)))
                ok = false;
        }
    }
    if (r->samples.n > 1)
        qsort(r->samples.v, r->samples.n, sizeof *r->samples.v, i64_cmp);
    return ok;
}

/* Row r's merged event: the first source event with every column merged,
 * in the order that event sent them, then the kind's others. */
static void merge_row(const decl_t *d, const totals_t *t, json_t *kind, row_t *r)
{
    unsigned ident = (unsigned)int_at(kind, "ident");
    json_t *cols = json_object_get(kind, "columns"), *first = json_object_get(r->src[0], "values");
    r->ev = json_deep_copy(r->src[0]);
    json_object_set_new(r->ev, "_shard", json_integer((json_int_t)r->shard[0]));
    json_t *vals = json_object(), *order = json_array();
    const char *vk;
    json_t *vv;
    json_object_foreach(first, vk, vv)
    {
        for (size_t c = 0; c < json_array_size(cols); c++)
            if (strcmp(json_string_value(json_object_get(json_array_get(cols, c), "name")), vk) == 0)
                json_array_append(order, json_array_get(cols, c));
    }
    for (size_t c = 0; c < json_array_size(cols); c++)
        if (json_object_get(first, json_string_value(json_object_get(json_array_get(cols, c), "name"))) == NULL)
            json_array_append(order, json_array_get(cols, c));
    for (size_t c = 0; c < json_array_size(order); c++) {
        const char *name = json_string_value(json_object_get(json_array_get(order, c), "name"));
        bool present = false;
        for (size_t s = 0; s < r->nsrc && !present; s++)
            present = json_object_get(json_object_get(r->src[s], "values"), name) != NULL;
        const rule_t *ru = rule_for(d, ident, name, NULL);
        bool computed = ru != NULL && (strncmp(ru->word, "ns-", 3) == 0 || strcmp(ru->word, "lmean") == 0);
        json_t *v = present || computed ? merged_cell(d, t, ident, kind, r, name) : NULL; /* typed by final_kinds() */
        if (v != NULL)
            json_object_set_new(vals, name, v);
    }
    json_decref(order);
    json_object_set_new(r->ev, "values", vals);
}

/* Sorts the rows by the kind's order for the expert's settings; returns how
 * many its limit keeps. */
static size_t order_and_limit(const decl_t *d, unsigned ident, json_t *settings, rows_t *rs)
{
    const rule_t *order = NULL, *fallback = NULL;
    for (unsigned q = 0; q < d->n && order == NULL; q++) {
        const rule_t *ru = &d->r[q];
        if (ru->ident != ident || ru->column != NULL || strcmp(ru->word, "order") != 0 || ru->nargs == 0)
            continue;
        if (strchr(ru->args[0], '=') == NULL)
            fallback = ru;
        else if (setting_is(settings, ru->args[0]))
            order = ru;
    }
    if (order == NULL)
        order = fallback;
    if (order != NULL) {
        order_ctx_t oc = {order, strchr(order->args[0], '=') != NULL ? 1u : 0u};
        glue_sort(rs->v, rs->n, &oc);
    }
    size_t limit = rs->n;
    const rule_t *lim = rule_for(d, ident, NULL, "limit");
    if (lim != NULL && lim->nargs >= 1) {
        const char *v = setting_text(settings, lim->args[0]);
        if (v == NULL)
            v = lim->nargs >= 2 ? lim->args[1] : "0";
        unsigned long long l = strtoull(v, NULL, 10);
        if (l > 0 && l < limit)
            limit = (size_t)l;
    }
    return limit;
}

/* The merged events of kind `kind` appended to `events`; false out of memory. */
static bool merge_kind(const decl_t *d, const totals_t *t, json_t *kind, json_t *settings, json_t *events)
{
    unsigned ident = (unsigned)int_at(kind, "ident");
    rows_t rs = {NULL, 0};
    bool ok = gather_rows(d, t, ident, &rs);
    for (size_t i = 0; ok && i < rs.n; i++) {
        ok = row_samples(d, ident, &rs.v[i]);
        if (ok)
            merge_row(d, t, kind, &rs.v[i]);
    }
    size_t limit = ok ? order_and_limit(d, ident, settings, &rs) : 0;
    for (size_t i = 0; ok && i < limit; i++)
        ok = json_array_append(events, rs.v[i].ev) == 0;
    rows_free(&rs);
    return ok;
}

/* The (type, netmon_type) of column `name` of kind `ident` in expert ex, or NULL. */
static json_t *shard_col(json_t *ex, json_int_t ident, const char *name)
{
    json_t *kinds = json_object_get(ex, "event_kinds");
    for (size_t i = 0; i < json_array_size(kinds); i++) {
        json_t *k = json_array_get(kinds, i);
        if (int_at(k, "ident") != ident)
            continue;
        json_t *cols = json_object_get(k, "columns");
        for (size_t c = 0; c < json_array_size(cols); c++)
            if (strcmp(json_string_value(json_object_get(json_array_get(cols, c), "name")), name) == 0)
                return json_array_get(cols, c);
    }
    return NULL;
}

static bool looks_ipv4(const char *s)
{
    uint8_t b[16];
    return s != NULL && inet_pton(AF_INET, s, b) == 1;
}

/* The type a cell had where it was written: its shard's column type, or for
 * a column of mixed types there, the unmixed type some shard gave the
 * column that fits the value (else one read from the value). */
static void cell_type(json_t *const *ex, size_t n, size_t shard, json_int_t ident, const char *name, json_t *v,
                      const char **jt, const char **nt)
{
    json_t *c = shard < n ? shard_col(ex[shard], ident, name) : NULL;
    const char *cn = json_string_value(json_object_get(c, "netmon_type"));
    if (c != NULL && cn != NULL && strcmp(cn, "mixed") != 0) {
        *jt = json_string_value(json_object_get(c, "type"));
        *nt = cn;
        return;
    }
    /* Text that reads as an IPv4 address in a column some shard mixed was
     * an IPADDR cell (IPv4 as IPADDR, IPv6 as text is the usual mix). */
    bool ipv4_text = json_is_string(v) && looks_ipv4(json_string_value(v));
    if (ipv4_text) {
        *jt = "ipv4";
        *nt = "ipaddr";
        return;
    }
    for (size_t k = 0; k < n; k++) {
        json_t *o = shard_col(ex[k], ident, name);
        const char *oj = json_string_value(json_object_get(o, "type"));
        const char *on = json_string_value(json_object_get(o, "netmon_type"));
        if (o == NULL || on == NULL || oj == NULL || strcmp(on, "mixed") == 0)
            continue;
        bool fits = json_is_number(v) ? (strcmp(oj, "integer") == 0 || strcmp(oj, "number") == 0)
                    : json_is_string(v) ? strcmp(oj, "string") == 0
                                        : false;
        if (fits) {
            *jt = oj;
            *nt = on;
            return;
        }
    }
    if (json_is_integer(v)) {
        *jt = "integer";
        *nt = "uint64";
    } else if (json_is_real(v)) {
        *jt = "number";
        *nt = "float64";
    } else {
        *jt = "string";
        *nt = "string";
    }
}

/* The kinds of the events written, as the JSON writer declares them: in
 * first-seen order, each column typed by the cells it holds (widened as
 * report_json.c widens), the values then written as declared. */
static json_t *final_kinds(json_t *const *ex, size_t n, json_t *events)
{
    json_t *kinds = json_array();
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *e = json_array_get(events, i);
        json_int_t ident = int_at(e, "ident");
        size_t shard = (size_t)int_at(e, "_shard");
        json_t *kd = NULL;
        for (size_t j = 0; j < json_array_size(kinds) && kd == NULL; j++)
            if (int_at(json_array_get(kinds, j), "ident") == ident)
                kd = json_array_get(kinds, j);
        if (kd == NULL) {
            kd = json_object();
            json_object_set_new(kd, "ident", json_integer(ident));
            json_object_set(kd, "title", json_object_get(e, "name"));
            json_object_set_new(kd, "columns", json_array());
            json_array_append_new(kinds, kd);
        }
        json_t *cols = json_object_get(kd, "columns");
        const char *name;
        json_t *v;
        json_object_foreach(json_object_get(e, "values"), name, v)
        {
            const char *jt, *nt;
            cell_type(ex, n, shard, ident, name, v, &jt, &nt);
            json_t *have = NULL;
            for (size_t c = 0; c < json_array_size(cols) && have == NULL; c++)
                if (strcmp(json_string_value(json_object_get(json_array_get(cols, c), "name")), name) == 0)
                    have = json_array_get(cols, c);
            if (have == NULL) {
                json_t *col = json_object();
                json_object_set_new(col, "name", json_string(name));
                json_object_set_new(col, "type", json_string(jt));
                json_object_set_new(col, "netmon_type", json_string(nt));
                json_array_append_new(cols, col);
                continue;
            }
            const char *hn = json_string_value(json_object_get(have, "netmon_type"));
            if (strcmp(hn, nt) == 0)
                continue;
            const char *hj = json_string_value(json_object_get(have, "type"));
            bool num = (strcmp(hj, "integer") == 0 || strcmp(hj, "number") == 0) &&
                       (strcmp(jt, "integer") == 0 || strcmp(jt, "number") == 0);
            json_object_set_new(have, "type", json_string(num ? "number" : "string"));
            json_object_set_new(have, "netmon_type", json_string("mixed"));
        }
    }
    /* the values as their columns are now declared */
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *e = json_array_get(events, i);
        json_int_t ident = int_at(e, "ident");
        json_object_del(e, "_shard");
        json_t *cols = NULL;
        for (size_t j = 0; j < json_array_size(kinds) && cols == NULL; j++)
            if (int_at(json_array_get(kinds, j), "ident") == ident)
                cols = json_object_get(json_array_get(kinds, j), "columns");
        json_t *vals = json_object_get(e, "values");
        for (size_t c = 0; c < json_array_size(cols); c++) {
            const char *name = json_string_value(json_object_get(json_array_get(cols, c), "name"));
            const char *jt = json_string_value(json_object_get(json_array_get(cols, c), "type"));
            json_t *v = json_object_get(vals, name);
            if (v == NULL)
                continue;
            if (strcmp(jt, "integer") == 0 && json_is_real(v))
                json_object_set_new(vals, name, json_integer((json_int_t)json_real_value(v)));
            else
                json_object_set_new(vals, name, as_declared(json_incref(v), jt));
        }
    }
    return kinds;
}

/* The shards' reports of one expert, merged by its declaration. */
static json_t *merge_expert(const decl_t *d, json_t *const *ex, size_t n, char *err, size_t errlen)
{
    json_t *o = expert_head(ex, n);
    json_t *kinds = merged_kinds(d, ex, n), *events = json_array();
    totals_t t = {d, ex, n};
    json_t *settings = json_object_get(ex[0], "settings");
    for (size_t i = 0; i < json_array_size(kinds); i++)
        if (!merge_kind(d, &t, json_array_get(kinds, i), settings, events)) {
            snprintf(err, errlen, "out of memory");
            json_decref(o);
            json_decref(kinds);
            json_decref(events);
            return NULL;
        }
    json_decref(kinds);
    json_object_set_new(o, "event_kinds", final_kinds(ex, n, events));
    json_object_set_new(o, "events", events);
    return o;
}

/* ---- the reports ---------------------------------------------------------------- */

static bool same_json(json_t *a, json_t *b)
{
    return json_equal(a, b) != 0 || (a == NULL && b == NULL);
}

/* Report k against report 1: a version 2 report of the same experts,
 * captures and filter, and a shard of as many; -1 with err.  seen collects
 * the shard numbers (up to 64) and dup whether one came twice. */
static int check_report(json_t *const *docs, size_t k, uint32_t *count, uint64_t *seen, bool *dup, char *err,
                        size_t errlen)
{
    json_t *d = docs[k], *run0 = json_object_get(docs[0], "run");
    size_t nexp = json_array_size(json_object_get(docs[0], "experts"));
    if (!json_is_object(d) || int_at(d, "report_version") != 2 || !json_is_array(json_object_get(d, "experts"))) {
        snprintf(err, errlen, "report %zu: not an nmexpert report of version 2", k + 1);
        return -1;
    }
    json_t *run = json_object_get(d, "run"), *sh = json_object_get(run, "shard");
    uint32_t c = json_is_object(sh) ? (uint32_t)int_at(sh, "count") : 1;
    uint32_t i = json_is_object(sh) ? (uint32_t)int_at(sh, "index") : 1;
    if (k == 0)
        *count = c;
    if (c != *count) {
        snprintf(err, errlen, "report %zu is shard %u of %u, report 1 one of %u: not shards of one set", k + 1, i, c,
                 *count);
        return -1;
    }
    if (i >= 1 && i <= 64) {
        *dup = *dup || (*seen & (1ull << (i - 1))) != 0;
        *seen |= 1ull << (i - 1);
    }
    if (json_array_size(json_object_get(d, "experts")) != nexp) {
        snprintf(err, errlen, "report %zu has %zu experts, report 1 %zu: not shards of one run", k + 1,
                 json_array_size(json_object_get(d, "experts")), nexp);
        return -1;
    }
    for (size_t e = 0; e < nexp; e++) {
        json_t *a = json_array_get(json_object_get(docs[0], "experts"), e);
        json_t *b = json_array_get(json_object_get(d, "experts"), e);
        if (!same_json(json_object_get(a, "module"), json_object_get(b, "module"))) {
            snprintf(err, errlen, "report %zu: expert %zu is not report 1's (%s)", k + 1, e + 1,
                     json_string_value(json_object_get(a, "module")));
            return -1;
        }
    }
    if (!same_json(json_object_get(run, "captures"), json_object_get(run0, "captures")) ||
        !same_json(json_object_get(run, "display_filter"), json_object_get(run0, "display_filter"))) {
        snprintf(err, errlen, "report %zu: other captures or another display filter than report 1's", k + 1);
        return -1;
    }
    return 0;
}

/* An expert that cannot be merged: each shard's report of it, marked. */
static void per_shard(json_t *const *docs, json_t *const *ex, size_t n, const char *text, const char *why,
                      json_t *experts)
{
    for (size_t k = 0; k < n; k++) {
        json_t *c = json_deep_copy(ex[k]);
        json_t *sh = json_object_get(json_object_get(docs[k], "run"), "shard");
        char name[600], msg[1200];
        snprintf(name, sizeof name, "%s [shard %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT "]",
                 json_string_value(json_object_get(c, "name")), json_is_object(sh) ? int_at(sh, "index") : 1,
                 json_is_object(sh) ? int_at(sh, "count") : 1);
        const char *m = json_string_value(json_object_get(c, "message"));
        snprintf(msg, sizeof msg, "not merged (%s): the report of one shard; %s",
                 why[0] != '\0' ? why
                 : text == NULL  ? "the expert declares no merge rules"
                                 : "its shards ran with other settings or rules",
                 m != NULL ? m : "");
        json_object_set_new(c, "name", json_string(name));
        json_object_set_new(c, "message", json_string(msg));
        json_object_del(c, "merge");
        json_array_append_new(experts, c);
    }
}

/* Expert e of every report, merged or (not mergeable) once per shard,
 * appended to experts; false with err. */
static bool merge_one(json_t *const *docs, size_t n, size_t e, json_t **ex, json_t *experts, char *err, size_t errlen)
{
    const char *text = NULL;
    bool agree = true;
    for (size_t k = 0; k < n; k++) {
        ex[k] = json_array_get(json_object_get(docs[k], "experts"), e);
        json_t *m = json_object_get(ex[k], "merge");
        const char *s = json_is_string(m) ? json_string_value(m) : NULL;
        if (k == 0)
            text = s;
        agree = agree && s != NULL && text != NULL && strcmp(s, text) == 0 &&
                same_json(json_object_get(ex[k], "settings"), json_object_get(ex[0], "settings"));
    }
    decl_t d;
    char why[256] = "";
    if (agree && decl_parse(text, &d, why, sizeof why)) {
        json_t *m = merge_expert(&d, ex, n, err, errlen);
        decl_free(&d);
        if (m == NULL)
            return false;
        json_array_append_new(experts, m);
        return true;
    }
    if (agree)
        decl_free(&d);
    per_shard(docs, ex, n, text, why, experts);
    return true;
}

json_t *nmx__report_merge(json_t *const *docs, size_t n, char *err, size_t errlen, char *note, size_t notelen)
{
    if (note != NULL && notelen > 0)
        note[0] = '\0';
    if (n == 0) {
        snprintf(err, errlen, "nothing to merge");
        return NULL;
    }
    uint32_t count = 0;
    uint64_t seen = 0;
    bool dup = false;
    for (size_t k = 0; k < n; k++)
        if (check_report(docs, k, &count, &seen, &dup, err, errlen) != 0)
            return NULL;
    if (note != NULL && (dup || (count <= 64 && count > 0 && seen != (count == 64 ? UINT64_MAX : (1ull << count) - 1))))
        snprintf(note, notelen, "the reports are not shards 1 to %u of one set, once each: the merged figures "
                                "are those of the shards given", count);
    json_t *out = json_deep_copy(docs[0]);
    json_t *run = json_object_get(out, "run");
    json_object_del(run, "shard");
    json_object_set_new(run, "merged_shards", json_integer((json_int_t)n));
    json_t *experts = json_array();
    json_object_set_new(out, "experts", experts);
    json_t **ex = calloc(n, sizeof *ex);
    bool ok = ex != NULL;
    if (!ok)
        snprintf(err, errlen, "out of memory");
    size_t nexp = json_array_size(json_object_get(docs[0], "experts"));
    for (size_t e = 0; ok && e < nexp; e++)
        ok = merge_one(docs, n, e, ex, experts, err, errlen);
    free(ex);
    if (!ok) {
        json_decref(out);
        return NULL;
    }
    return out;
}
