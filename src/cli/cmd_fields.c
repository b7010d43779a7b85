/*
 * cmd_fields.c - `nmexpert fields [PROTOCOL...] [--format text|tsv|json]`:
 * the protocols the dissectors know and their fields (properties), with
 * types, as `tshark -G fields` lists Wireshark's.  These are the names -Y
 * filters, propdist and the parsers' properties use.
 *
 *   text  one block per protocol: its name and description, then one line
 *         per field: name, type, label
 *   tsv   tshark -G fields' layout: "P<TAB>description<TAB>name" per
 *         protocol, "F<TAB>label<TAB>name<TAB>FT_TYPE<TAB>protocol<TAB>
 *         BASE<TAB>bitmask" per field
 *   json  {"protocols": [{"name", "netmon_name", "description",
 *         "fields": [{"name", "label", "type", "wireshark_type", "base",
 *         "bitmask"}]}]}
 *
 * Naming a protocol lists only it (its NetMon name and alias work too); an
 * unknown name is a usage error (exit 2).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

enum { FMT_TEXT, FMT_TSV, FMT_JSON };

static void usage(FILE *out)
{
    fputs("usage: nmexpert fields [PROTOCOL...] [--format text|tsv|json]\n"
          "\n"
          "Lists the protocols nmexpert dissects and their fields, with types: the names\n"
          "that -Y display filters and propdist's property setting take.  tsv is the\n"
          "layout of 'tshark -G fields'.\n",
          out);
}

static bool proto_matches(const nmx_protocol_desc_t *p, const char *name)
{
    return strcasecmp(p->name, name) == 0 || (p->netmon_name != NULL && strcasecmp(p->netmon_name, name) == 0) ||
           (p->alias != NULL && strcasecmp(p->alias, name) == 0);
}

static void print_text(size_t i, const nmx_protocol_desc_t *p)
{
    printf("%s - %s", p->name, p->description);
    if (p->netmon_name != NULL && strcasecmp(p->netmon_name, p->name) != 0)
        printf(" (NetMon: %s)", p->netmon_name);
    printf(", %zu field%s\n", p->nfields, p->nfields == 1 ? "" : "s");
    for (size_t k = 0; k < p->nfields; k++) {
        nmx_field_desc_t f;
        if (nmx_field_describe(i, k, &f) == 0)
            printf("  %-36s %-7s %s\n", f.key, f.type, f.label);
    }
}

static void print_tsv(size_t i, const nmx_protocol_desc_t *p)
{
    printf("P\t%s\t%s\n", p->description, p->name);
    for (size_t k = 0; k < p->nfields; k++) {
        nmx_field_desc_t f;
        if (nmx_field_describe(i, k, &f) != 0)
            continue;
        char base[16] = "";
        if (f.base[0] != '\0') {
            snprintf(base, sizeof base, "BASE_%s", f.base);
            for (char *c = base; *c; c++)
                if (*c >= 'a' && *c <= 'z')
                    *c = (char)(*c - 'a' + 'A');
        }
        printf("F\t%s\t%s\t%s\t%s\t%s\t0x%llx\t\n", f.label, f.key, f.wireshark_type, p->name, base,
               (unsigned long long)f.bitmask);
    }
}

static json_t *proto_json(size_t i, const nmx_protocol_desc_t *p)
{
    json_t *o = json_object(), *fields = json_array();
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "netmon_name", p->netmon_name != NULL ? json_string(p->netmon_name) : json_null());
    json_object_set_new(o, "description", json_string(p->description));
    for (size_t k = 0; k < p->nfields; k++) {
        nmx_field_desc_t f;
        if (nmx_field_describe(i, k, &f) != 0)
            continue;
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(f.key));
        json_object_set_new(j, "label", json_string(f.label));
        json_object_set_new(j, "type", json_string(f.type));
        json_object_set_new(j, "wireshark_type", json_string(f.wireshark_type));
        json_object_set_new(j, "base", f.base[0] != '\0' ? json_string(f.base) : json_null());
        json_object_set_new(j, "bitmask", json_integer((json_int_t)f.bitmask));
        json_array_append_new(fields, j);
    }
    json_object_set_new(o, "fields", fields);
    return o;
}

/* Whether every name given is a protocol (said when one is not): checked
 * before anything is printed. */
static bool all_known(const char **want, size_t nwant)
{
    size_t n = nmx_protocol_count();
    for (size_t w = 0; w < nwant; w++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++) {
            nmx_protocol_desc_t p;
            found = nmx_protocol_describe(i, &p) == 0 && proto_matches(&p, want[w]);
        }
        if (!found) {
            nmx__cli_error("fields: unknown protocol '%s' ('nmexpert fields' lists them all)", want[w]);
            return false;
        }
    }
    return true;
}

/* Prints the protocols asked for (all when none is) in `fmt`: the exit status. */
static int print_fields(const char **want, size_t nwant, int fmt)
{
    int rc = NMX_EXIT_OK;
    json_t *arr = fmt == FMT_JSON ? json_array() : NULL;
    for (size_t i = 0; i < nmx_protocol_count(); i++) {
        nmx_protocol_desc_t p;
        if (nmx_protocol_describe(i, &p) != 0)
            continue;
        bool listed = nwant == 0;
        for (size_t w = 0; w < nwant && !listed; w++)
            listed = proto_matches(&p, want[w]);
        if (!listed)
            continue;
        if (fmt == FMT_TEXT)
            print_text(i, &p);
        else if (fmt == FMT_TSV)
            print_tsv(i, &p);
        else
            json_array_append_new(arr, proto_json(i, &p));
    }
    if (arr != NULL) {
        json_t *root = json_object();
        json_object_set_new(root, "protocols", arr);
        if (json_dumpf(root, stdout, JSON_INDENT(2)) != 0)
            rc = NMX_EXIT_USAGE;
        fputc('\n', stdout);
        json_decref(root);
    }
    return rc;
}

int nmx__cmd_fields(int argc, char **argv)
{
    int fmt = FMT_TEXT;
    const char **want = calloc((size_t)argc + 1, sizeof *want);
    size_t nwant = 0;
    if (want == NULL) {
        nmx__cli_error("out of memory");
        return NMX_EXIT_USAGE;
    }
    int rc = NMX_EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool missing;
        const char *v = nmx__cli_option_value(argc, argv, &i, "--format", &missing);
        if (missing) {
            nmx__cli_error("fields: --format needs a value (text, tsv or json)");
            goto out;
        }
        if (v != NULL) {
            /* below */
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            rc = NMX_EXIT_OK;
            goto out;
        } else if (a[0] == '-') {
            nmx__cli_error("fields: unknown option '%s'", a);
            usage(stderr);
            goto out;
        } else {
            want[nwant++] = a;
        }
        if (v != NULL) {
            if (strcmp(v, "text") == 0)
                fmt = FMT_TEXT;
            else if (strcmp(v, "tsv") == 0)
                fmt = FMT_TSV;
            else if (strcmp(v, "json") == 0)
                fmt = FMT_JSON;
            else {
                nmx__cli_error("fields: unknown format '%s' (text, tsv or json)", v);
                goto out;
            }
        }
    }
    rc = all_known(want, nwant) ? print_fields(want, nwant, fmt) : NMX_EXIT_USAGE;
out:
    free(want);
    return rc;
}
