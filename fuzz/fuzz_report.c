/*
 * fuzz_report.c - libFuzzer target for saved JSON reports read back by
 * `nmexpert report` (src/report/source.c): any bytes are loaded as a
 * version 2 report and, when they load, written again as text, CSV and
 * JSON.  Besides ASan/UBSan, it checks that a refusal always says why.
 * Seeds in corpus/report/ are reports of the built-in experts (one of a
 * merged capture, whose frames name their files) and damaged copies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nmexpert/host.h>

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
    close(fd);
    return 0;
}
