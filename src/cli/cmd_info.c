/*
 * cmd_info.c - `nmexpert info CAPTURE... [--format text|json]`: what each
 * capture file holds (format, link types, frames, bytes, first and last time,
 * duration, comments) and whether it is damaged.
 *
 * A damaged capture is still described (the frames before the damage are
 * indexed; after times out of range, every frame with its time clamped),
 * then the damage is reported on stderr and the exit status is 2.
 * Several captures are described one after the other, as capinfos does; one
 * that cannot be read does not stop the others (the status is then 2).
 * The JSON form is {"capture": {...}} ({"captures": [...]} for several), the object of DESIGN.md's contract
 * that `run` writes too (nmx_capture_json), plus a few members only
 * `info` adds: wire_bytes, file_size, interfaces, time_precision,
 * link_type_values, link_type_descriptions and warnings.
 */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("usage: nmexpert info CAPTURE... [--format text|json]\n"
          "\n"
          "Describes pcap, pcapng or NetMon 1.x/2.x captures, each on its own: format, link\n"
          "types, frames, captured and on-wire bytes, first and last time, duration and\n"
          "comments.  A CAPTURE may be compressed (gzip, zstd, lz4), '-' is standard input,\n"
          "and -r CAPTURE is the same as CAPTURE.\n"
          "Exit status 2 when a file cannot be read or is damaged (the damage is\n"
          "reported on stderr after the description of the usable frames).\n",
          out);
}

/* A duration in seconds with `digits` decimals: 17.259926.  Unsigned: the
 * last time minus the first may exceed what an int64 holds. */
static void seconds(uint64_t ns, unsigned digits, char *buf, size_t n)
{
    char f[16];
    snprintf(f, sizeof f, "%09" PRIu64, ns % 1000000000u);
    if (digits == 0)
        snprintf(buf, n, "%" PRIu64, ns / 1000000000u);
    else
        snprintf(buf, n, "%" PRIu64 ".%.*s", ns / 1000000000u, (int)(digits > 9 ? 9 : digits), f);
}

/* Prints text indented under a label, continuation lines aligned. */
static void print_block(FILE *out, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1] != '\0')
            fputs("                   ", out);
    }
    fputc('\n', out);
}

static void print_text(FILE *out, const nmx_capture_info_t *in)
{
    char a[96], b[96];
    fprintf(out, "File:              %s\n", in->path);
    fprintf(out, "Format:            %s (%s)\n", in->format, in->format_detail);
    if (in->compression != NULL)
        fprintf(out, "Compression:       %s (decompressed in memory)\n", in->compression);
    fprintf(out, "Link types:        ");
    if (in->n_link_types == 0)
        fputs("none (no frames)\n", out);
    for (size_t k = 0; k < in->n_link_types; k++)
        fprintf(out, "%s%s (%s, %" PRIu32 ")\n", k > 0 ? "                   " : "",
                in->link_types[k], in->link_type_descriptions[k], in->link_type_values[k]);
    fprintf(out, "Interfaces:        %" PRIu32 "\n", in->interfaces);
    fprintf(out, "Frames:            %" PRIu32 "\n", in->frames);
    fprintf(out, "File size:         %" PRIu64 " bytes\n", in->file_size);
    fprintf(out, "Captured bytes:    %" PRIu64 "\n", in->captured_bytes);
    fprintf(out, "On-wire bytes:     %" PRIu64 "\n", in->wire_bytes);
    if (in->frames > 0) {
        nmx_iso_time(in->first_ns, in->time_digits, a, sizeof a);
        nmx_iso_time(in->last_ns, in->time_digits, b, sizeof b);
        fprintf(out, "First time:        %s\n", a);
        fprintf(out, "Last time:         %s\n", b);
        seconds((uint64_t)in->last_ns - (uint64_t)in->first_ns, in->time_digits, a, sizeof a);
        fprintf(out, "Duration:          %s s\n", a);
    } else {
        fputs("First time:        n/a\nLast time:         n/a\nDuration:          n/a\n", out);
    }
    fprintf(out, "Time precision:    %u decimal%s\n", in->time_digits,
            in->time_digits == 1 ? "" : "s");
    fprintf(out, "Comments:          %zu\n", in->n_comments);
    for (size_t k = 0; k < in->n_comments; k++) {
        if (in->comment_frames[k] == 0)
            fputs("  capture:         ", out);
        else
            fprintf(out, "  frame %-10" PRIu32 " ", in->comment_frames[k]);
        print_block(out, in->comments[k]);
    }
    if (in->n_warnings > 0) {
        fprintf(out, "Warnings:          %" PRIu32 "\n", in->n_warnings);
        for (size_t k = 0; k < in->n_warning_texts; k++)
            fprintf(out, "  %s\n", in->warnings[k]);
    }
    fprintf(out, "Damage:            %s\n", in->damage != NULL ? in->damage_reason : "none");
}

static json_t *info_json(const nmx_capture_t *cap, const nmx_capture_info_t *in)
{
    char errbuf[1024];
    char *text = nmx_capture_json(cap, errbuf, sizeof errbuf);
    if (text == NULL) {
        nmx__cli_error("%s", errbuf);
        return NULL;
    }
    json_t *c = json_loads(text, 0, NULL);
    free(text);
    if (c == NULL) {
        nmx__cli_error("%s: out of memory", in->path);
        return NULL;
    }
    json_object_set_new(c, "wire_bytes", json_integer((json_int_t)in->wire_bytes));
    json_object_set_new(c, "file_size", json_integer((json_int_t)in->file_size));
    json_object_set_new(c, "interfaces", json_integer(in->interfaces));
    json_object_set_new(c, "time_precision", json_integer(in->time_digits));
    json_t *v = json_array();
    for (size_t k = 0; k < in->n_link_types; k++)
        json_array_append_new(v, json_integer(in->link_type_values[k]));
    json_object_set_new(c, "link_type_values", v);
    json_t *d = json_array();
    for (size_t k = 0; k < in->n_link_types; k++)
        json_array_append_new(d, json_string(in->link_type_descriptions[k]));
    json_object_set_new(c, "link_type_descriptions", d);
    json_t *w = json_array();
    for (size_t k = 0; k < in->n_warning_texts; k++)
        json_array_append_new(w, json_string(in->warnings[k]));
    json_object_set_new(c, "warnings", w);
    return c;
}

/* Describes one capture: as text on stdout, or as an object appended to
 * `objs`.  The status: 0, or 2 when it cannot be read or is damaged. */
static int describe(const char *path, json_t *objs)
{
    char errbuf[512];
    nmx_capture_t *cap = nmx_capture_open(path, errbuf, sizeof errbuf);
    if (cap == NULL) {
        nmx__cli_error("%s", errbuf);
        return NMX_EXIT_USAGE;
    }
    nmx_capture_info_t in;
    nmx_capture_get_info(cap, &in);
    int rc = NMX_EXIT_OK;
    if (objs != NULL) {
        json_t *c = info_json(cap, &in);
        if (c == NULL || json_array_append_new(objs, c) != 0)
            rc = NMX_EXIT_USAGE;
    } else {
        print_text(stdout, &in);
    }
    if (in.damage != NULL) {
        fflush(stdout); /* the description first, then what is wrong with it */
        nmx__cli_error("%s (%" PRIu32 " usable frame%s)", in.damage, in.frames,
                       in.frames == 1 ? "" : "s");
        rc = NMX_EXIT_USAGE;
    }
    nmx_capture_close(cap);
    return rc;
}

/*
 * Describes each capture on its own, as capinfos does: one that cannot be
 * read is reported and the others are still described.  In JSON, one
 * capture is {"capture": {...}}, several {"captures": [...]}.  The exit
 * status.
 */
static int describe_all(const char **paths, size_t npaths, bool json)
{
    json_t *objs = json ? json_array() : NULL;
    int rc = NMX_EXIT_OK;
    for (size_t k = 0; k < npaths; k++) {
        if (!json && k > 0)
            fputc('\n', stdout);
        if (describe(paths[k], objs) != NMX_EXIT_OK)
            rc = NMX_EXIT_USAGE;
    }
    if (!json)
        return rc;
    json_t *root = json_object();
    if (npaths == 1 && json_array_size(objs) == 1)
        json_object_set(root, "capture", json_array_get(objs, 0));
    else
        json_object_set(root, "captures", objs);
    if (npaths > 1 || json_array_size(objs) == 1) {
        if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15)) != 0)
            rc = NMX_EXIT_USAGE;
        fputc('\n', stdout);
    }
    json_decref(root);
    json_decref(objs);
    return rc;
}

int nmx__cmd_info(int argc, char **argv)
{
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    size_t npaths = 0;
    bool json = false;
    if (paths == NULL) {
        nmx__cli_error("out of memory");
        return NMX_EXIT_USAGE;
    }
    int rc = NMX_EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool missing, missing_r;
        const char *fmt = nmx__cli_option_value(argc, argv, &i, "--format", &missing);
        const char *r = fmt == NULL ? nmx__cli_option_value(argc, argv, &i, strcmp(a, "-r") == 0 ? "-r" : "--read-file",
                                                            &missing_r)
                                    : NULL;
        if (missing || (fmt == NULL && missing_r)) {
            nmx__cli_error(missing ? "info: --format needs a value (text or json)" : "info: %s needs a capture", a);
            goto out;
        }
        if (fmt != NULL) {
            /* below */
        } else if (r != NULL) {
            paths[npaths++] = r;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            rc = NMX_EXIT_OK;
            goto out;
        } else if (a[0] == '-' && a[1] != '\0') {
            nmx__cli_error("info: unknown option '%s'", a);
            usage(stderr);
            goto out;
        } else {
            paths[npaths++] = a;
        }
        if (fmt != NULL) {
            if (strcmp(fmt, "json") == 0) {
                json = true;
            } else if (strcmp(fmt, "text") == 0) {
                json = false;
            } else {
                nmx__cli_error("info: unknown format '%s' (text or json)", fmt);
                goto out;
            }
        }
    }
    if (npaths == 0) {
        usage(stderr);
        goto out;
    }

    rc = describe_all(paths, npaths, json);
    if (fflush(stdout) != 0) {
        nmx__cli_stdout_error(errno);
        rc = NMX_EXIT_USAGE;
    }
out:
    free(paths);
    return rc;
}
