/*
 * fuzz_report.c - libFuzzer target for saved JSON reports read back by
 * `nmexpert report` (src/report/source.c): any bytes are loaded as a
 * version 2 report and, when they load, written again as text, CSV, JSON
 * and HTML.  Besides ASan/UBSan, it checks that a refusal always says why,
 * and that no data can end the HTML page's script blocks: the page has its
 * three <script> elements, and three "</script", whatever the report says.
 * Seeds in corpus/report/ are reports of the built-in experts (one of a
 * merged capture, whose frames name their files) and damaged copies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nmexpert/host.h>

/* How many times `needle` occurs in `s`, ignoring case. */
static int count_nocase(const char *s, const char *needle)
{
    int n = 0;
    size_t k = strlen(needle);
    for (; s != NULL && *s != '\0'; s++)
        if (strncasecmp(s, needle, k) == 0)
            n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-report", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64], err[1024];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    FILE *sink = fopen("/dev/null", "w");
    for (int format = NMX_REPORT_TEXT; sink != NULL && format <= NMX_REPORT_JSON; format++) {
        err[0] = '\0';
        if (nmx_report_rewrite(path, format, sink, format == NMX_REPORT_TEXT ? 60 : 0, err, sizeof err) != 0 &&
            err[0] == '\0')
            abort(); /* refused without a reason */
    }
    if (sink != NULL)
        fclose(sink);
    char *html = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&html, &len);
    if (mem != NULL) {
        int rc = nmx_report_rewrite(path, NMX_REPORT_HTML, mem, 0, err, sizeof err);
        fclose(mem);
        if (rc == 0 && (count_nocase(html, "<script") != 3 || count_nocase(html, "</script") != 3))
            abort(); /* data broke out of a script block */
        free(html);
    }
    close(fd);
    return 0;
}
