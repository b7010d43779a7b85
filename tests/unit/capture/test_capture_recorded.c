/*
 * test_capture_recorded.c - the readers over the captures this project
 * records itself (data/sample.pcap and the files in tests/data, made by
 * scripts/record-traffic.sh):
 * read without damage, frame by frame equal to libpcap (bytes too) and to
 * tshark (lengths and times), and unchanged by a pcap and a NetMon round trip.
 * These files are in the repository, so this runs everywhere.
 */
#include <dirent.h>
#include <pcap/pcap.h>

#include "captest.h"
#include "capture/cap_internal.h"
#include "../../nmx_skip.h"

static char files[64][1024];
static size_t n_files;

static void add_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n_files < 64) {
        size_t l = strlen(e->d_name);
        if ((l > 5 && strcmp(e->d_name + l - 5, ".pcap") == 0) ||
            (l > 7 && strcmp(e->d_name + l - 7, ".pcapng") == 0))
            snprintf(files[n_files++], sizeof files[0], "%s/%s", dir, e->d_name);
    }
    closedir(d);
}

static void check_file(const char *path)
{
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    unsigned rc = nmx__cap_open_file(path, &cap, &err);
    if (rc != 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_null(nmx__cap_damage(cap));
    assert_true(nmx__cap_count(cap) > 0);

    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    assert_non_null(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    uint32_t i = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
        assert_non_null(r);
        assert_int_equal(r->caplen, h->caplen);
        assert_int_equal(r->wirelen, h->len);
        assert_true(r->ts_ns == NS(h->ts.tv_sec, h->ts.tv_usec));
        assert_memory_equal(nmx__cap_data(cap, i), d, h->caplen);
        i++;
    }
    pcap_close(p);
    assert_int_equal(i, nmx__cap_count(cap));

    if (have_tool("tshark")) {
        char cmd[2200];
        snprintf(cmd, sizeof cmd,
                 "TZ=UTC tshark -r '%s' -T fields -e frame.len -e frame.cap_len -e frame.time_epoch "
                 "2>/dev/null",
                 path);
        char *out = run_output(cmd);
        assert_non_null(out);
        i = 0;
        for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n"), i++) {
            unsigned len, caplen;
            long long sec;
            char frac[32];
            assert_int_equal(sscanf(line, "%u\t%u\t%lld.%31s", &len, &caplen, &sec, frac), 4);
            const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
            assert_non_null(r);
            assert_int_equal(r->wirelen, len);
            assert_int_equal(r->caplen, caplen);
            assert_true(r->ts_ns == NS(sec, strtoll(frac, NULL, 10)));
        }
        free(out);
        assert_int_equal(i, nmx__cap_count(cap));
    }

    /* Round trips: pcap (nanoseconds) and NetMon 2.x (microsecond sources are exact). */
    static const int formats[] = {NMX_CAPW_PCAP_NS, NMX_CAPW_NETMON2};
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    for (size_t k = 0; k < 2; k++) {
        if (k == 0 && in.n_link_types != 1)
            continue; /* a pcap file holds one link type */
        const char *out = scratch(k == 0 ? "rt.pcap" : "rt.cap");
        uint32_t lt = k == 0 ? in.link_type_values[0] : NMX_LINK_PER_FRAME;
        nmx_capwriter_t *w = NULL;
        assert_int_equal(nmx__capwriter_open(out, formats[k], lt, &w, &err), 0);
        for (i = 0; i < nmx__cap_count(cap); i++)
            assert_int_equal(nmx__capwriter_write_frame(w, nmx__cap_frame(cap, i), nmx__cap_data(cap, i)), 0);
        assert_int_equal(nmx__capwriter_close(w, &err), 0);
        nmx_cap_t *back = NULL;
        assert_int_equal(nmx__cap_open_file(out, &back, &err), 0);
        assert_int_equal(nmx__cap_count(back), nmx__cap_count(cap));
        for (i = 0; i < nmx__cap_count(cap); i++) {
            const nmx_frame_rec_t *x = nmx__cap_frame(cap, i), *y = nmx__cap_frame(back, i);
            assert_int_equal(x->caplen, y->caplen);
            assert_int_equal(x->wirelen, y->wirelen);
            assert_int_equal(x->linktype, y->linktype);
            assert_true(x->ts_ns == y->ts_ns || (k == 1 && nmx__cap_time_digits(cap) > 6));
            assert_memory_equal(nmx__cap_data(cap, i), nmx__cap_data(back, i), x->caplen);
        }
        nmx__cap_close(back);
    }
    nmx__cap_close(cap);
}

static void test_recorded(void **state)
{
    (void)state;
    if (n_files == 0) {
        fprintf(stderr, "no recorded captures found (NMX_SOURCE_DIR unset?): skipped\n");
        NMX_SKIP();
        return;
    }
    for (size_t k = 0; k < n_files; k++)
        check_file(files[k]);
    if (!have_tool("tshark")) {
        fprintf(stderr, "tshark not installed: the comparison with tshark was skipped\n");
        NMX_SKIP();
    }
}

static int teardown_all(void **state)
{
    (void)state;
    scratch_remove();
    return 0;
}

int main(void)
{
    const char *src = getenv("NMX_SOURCE_DIR");
    if (src != NULL) {
        char dir[900];
        snprintf(dir, sizeof dir, "%s/data", src);
        add_dir(dir);
        snprintf(dir, sizeof dir, "%s/tests/data", src);
        add_dir(dir);
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_recorded)};
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, teardown_all));
}
