/*
 * capture_json.c - the "capture" object of the JSON contract (DESIGN.md),
 * shared by `nmexpert run --format json` and `nmexpert info --format json`
 * (which gets it as text, nmx_capture_json: no jansson type crosses the
 * library's boundary).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "report/report.h"

void nmx__report_iso_time(int64_t ns, unsigned digits, char *buf, size_t n)
{
    int64_t secs = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        secs--;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    char head[48];
    if (gmtime_r(&t, &tm) == NULL || strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(buf, n, "(time %" PRId64 " ns out of range)", ns);
        return;
    }
    if (digits > 9)
        digits = 9;
    if (digits == 0) {
        snprintf(buf, n, "%sZ", head);
        return;
    }
    char f[16];
    snprintf(f, sizeof f, "%09lld", (long long)frac);
    snprintf(buf, n, "%s.%.*sZ", head, (int)digits, f);
}

json_t *nmx__report_capture_json(const nmx_capture_t *cap)
{
    if (cap == NULL)
        return NULL;
    nmx_capture_info_t info;
    nmx_capture_get_info(cap, &info);
    unsigned digits = nmx__cap_time_digits((const nmx_cap_t *)cap);
    json_t *o = json_object();
    json_object_set_new(o, "path", nmx__report_json_text(info.path));
    /* Every file read, in the order named: several are merged in time order. */
    json_t *files = json_array();
    for (uint32_t k = 0; k < info.n_files; k++) {
        json_t *f = json_object();
        json_object_set_new(f, "path", nmx__report_json_text(info.files[k]));
        json_object_set_new(f, "frames", json_integer(info.file_frames[k]));
        json_array_append_new(files, f);
    }
    json_object_set_new(o, "files", files);
    json_object_set_new(o, "compression", info.compression != NULL ? json_string(info.compression) : json_null());
    json_object_set_new(o, "format", json_string(info.format != NULL ? info.format : ""));
    json_object_set_new(o, "format_detail", json_string(info.format_detail != NULL ? info.format_detail : ""));
    json_object_set_new(o, "frames", json_integer(info.frames));
    json_object_set_new(o, "bytes", json_integer((json_int_t)info.wire_bytes));
    json_object_set_new(o, "captured_bytes", json_integer((json_int_t)info.captured_bytes));
    json_t *lt = json_array();
    for (size_t i = 0; i < info.n_link_types; i++)
        json_array_append_new(lt, json_string(info.link_types[i]));
    json_object_set_new(o, "link_types", lt);
    if (info.frames > 0) {
        char buf[64];
        nmx__report_iso_time(info.first_ns, digits, buf, sizeof buf);
        json_object_set_new(o, "first_time", json_string(buf));
        nmx__report_iso_time(info.last_ns, digits, buf, sizeof buf);
        json_object_set_new(o, "last_time", json_string(buf));
        json_object_set_new(o, "duration", json_real((double)((uint64_t)info.last_ns - (uint64_t)info.first_ns) / 1e9));
    } else {
        json_object_set_new(o, "first_time", json_null());
        json_object_set_new(o, "last_time", json_null());
        json_object_set_new(o, "duration", json_real(0));
    }
    json_t *cm = json_array();
    for (size_t i = 0; i < info.n_comments; i++)
        json_array_append_new(cm, nmx__report_json_text(info.comments[i]));
    json_object_set_new(o, "comments", cm);
    if (info.damage != NULL) {
        json_t *d = json_object();
        json_object_set_new(d, "offset", json_integer((json_int_t)info.damage_offset));
        json_object_set_new(d, "message", nmx__report_json_text(info.damage));
        json_object_set_new(o, "damage", d);
    } else {
        json_object_set_new(o, "damage", json_null());
    }
    return o;
}

NMX_EXPORT char *nmx_capture_json(const nmx_capture_t *cap, char *errbuf, size_t errlen)
{
    json_t *o = nmx__report_capture_json(cap);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (text == NULL && cap == NULL) {
        snprintf(errbuf, errlen, "capture as JSON: no capture");
    } else if (text == NULL) {
        nmx_capture_info_t info;
        nmx_capture_get_info(cap, &info);
        snprintf(errbuf, errlen, "%s: cannot describe the capture as JSON: out of memory", info.path);
    }
    return text;
}

NMX_EXPORT void nmx_iso_time(int64_t ns, unsigned digits, char *buf, size_t n)
{
    nmx__report_iso_time(ns, digits, buf, n);
}
