/*
 * test_alloc_fail.c - allocation-failure injection over the whole library.
 *
 * The layers are linked into this program with the linker's --wrap for
 * malloc, calloc, realloc, strdup and strndup (CMakeLists.txt), so every
 * allocation of nmexpert's own code goes through the counting wrappers
 * below; allocations inside libc, jansson, libpcap and the other libraries
 * are not counted.  A first run counts the allocations of one complete run
 * (discover the experts, open the capture, make a run with a display
 * filter, add an expert, run it in-process, write the JSON report, free
 * everything).  Then the same run is repeated once per
 * allocation, in a child process, with that one allocation failing.  Each
 * must:
 *  - not crash (a signal fails the test);
 *  - end in success, or in an error that says what it is (an empty message
 *    fails the test);
 *  - leak nothing (under ASan, LeakSanitizer checks the child at its end).
 *
 * NMX_ALLOC_STRIDE=K tries every K-th allocation only (a quick look).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nmexpert/host.h>

#if defined(__SANITIZE_ADDRESS__)
#define NMX_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NMX_HAVE_LSAN 1
#endif
#endif
#ifdef NMX_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* ---- the counting allocator ---------------------------------------------------- */

static long alloc_count;   /* allocations seen since counting began */
static long fail_at = -1;  /* the one to fail (1-based); -1 none */
static bool counting;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static bool fail_now(void)
{
    if (!__atomic_load_n(&counting, __ATOMIC_RELAXED))
        return false;
    long c = __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED);
    if (c != fail_at)
        return false;
    errno = ENOMEM;
    return true;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

/* ---- one run ---------------------------------------------------------------------- */

/*
 * The run under test (the experts are registered in this process).  0
 * when everything succeeded, 1 when a step failed
 * and said why, 2 when a step failed without a message (the defect this
 * test looks for); `what` names the step.
 */
static int one_run(const char *capture, const char *expert, const char **what)
{
    char err[1024] = "";
    int rc = 0;
    nmx_capture_t *cap = NULL;
    nmx_run_t *run = NULL;
    *what = "nmx_host_new";
    nmx_host_t *host = nmx_host_new(err, sizeof err);
    if (host == NULL)
        return err[0] != '\0' ? 1 : 2;
    *what = "nmx_host_add_experts_dir";
    if (nmx_host_add_experts_dir(host, EXPERTS_DIR, err, sizeof err) != 0) {
        nmx_host_free(host);
        return err[0] != '\0' ? 1 : 2;
    }
    *what = "nmx_host_discover";
    if (nmx_host_discover(host, err, sizeof err) < 0) {
        nmx_host_free(host);
        return err[0] != '\0' ? 1 : 2;
    }
    *what = "nmx_capture_open";
    cap = nmx_capture_open(capture, err, sizeof err);
    if (cap == NULL) {
        rc = err[0] != '\0' ? 1 : 2;
        goto out;
    }
    nmx_run_opts_t o;
    memset(&o, 0, sizeof o);
    o.isolation = NMX_ISOLATION_NONE;
    o.jobs = 1;
    o.ui_filter = "tcp or udp.port == 53"; /* the display-filter compiler's allocations too */
    *what = "nmx_run_new";
    run = nmx_run_new(host, cap, &o, err, sizeof err);
    if (run == NULL) {
        rc = err[0] != '\0' ? 1 : 2;
        goto out;
    }
    *what = "nmx_run_add_expert";
    if (nmx_run_add_expert(run, expert, NULL, 0, err, sizeof err) != 0) {
        rc = err[0] != '\0' ? 1 : 2;
        goto out;
    }
    *what = "nmx_run_execute";
    if (nmx_run_execute(run) != 1) {
        const nmx_result_t *r = nmx_run_result(run, 0);
        rc = r != NULL && r->message != NULL && r->message[0] != '\0' ? 1 : 2;
    }
    *what = "nmx_report_write";
    FILE *sink = fopen("/dev/null", "w");
    err[0] = '\0';
    if (sink != NULL && nmx_report_write(run, NMX_REPORT_JSON, sink, 0, err, sizeof err) != 0 && rc == 0)
        rc = err[0] != '\0' ? 1 : 2;
    if (sink != NULL)
        fclose(sink);
out:
    nmx_run_free(run);
    nmx_capture_close(cap);
    nmx_host_free(host);
    return rc;
}

int main(int argc, char **argv)
{
    const char *capture = argc > 1 ? argv[1] : DATA_DIR "/http.pcap";
    const char *expert = argc > 2 ? argv[2] : "protdist";
    long stride = getenv("NMX_ALLOC_STRIDE") != NULL ? atol(getenv("NMX_ALLOC_STRIDE")) : 1;
    if (stride < 1)
        stride = 1;
    const char *what;
    counting = true;
    int first = one_run(capture, expert, &what);
    counting = false;
    long total = alloc_count;
    if (first != 0) {
        fprintf(stderr, "FAIL the run without injected failures did not succeed (%s)\n", what);
        return 1;
    }
    printf("ok   a run of %s over %s makes %ld allocations\n", expert, capture, total);
    if (total < 50) {
        fprintf(stderr, "FAIL only %ld allocations were counted: is --wrap in effect?\n", total);
        return 1;
    }
    long failed = 0, said = 0;
    for (long k = 1; k <= total; k += stride) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            alloc_count = 0;
            fail_at = k;
            counting = true;
            int rc = one_run(capture, expert, &what);
            counting = false;
            if (rc == 2) {
                fprintf(stderr, "FAIL allocation %ld failed: %s gave no message\n", k, what);
                _exit(2);
            }
#ifdef NMX_HAVE_LSAN
            if (__lsan_do_recoverable_leak_check() != 0) {
                fprintf(stderr, "FAIL allocation %ld failed: memory leaked (%s)\n", k, what);
                _exit(3);
            }
#endif
            _exit(rc);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (WIFSIGNALED(st)) {
            fprintf(stderr, "FAIL allocation %ld of %ld failed: the run died of signal %d\n", k, total,
                    WTERMSIG(st));
            failed++;
        } else if (WEXITSTATUS(st) > 1) {
            failed++;
        } else if (WEXITSTATUS(st) == 1) {
            said++;
        }
    }
    printf("%s %ld allocation failures injected: %ld reported as errors, %ld defects\n",
           failed ? "FAIL" : "ok  ", (total + stride - 1) / stride, said, failed);
    return failed ? 1 : 0;
}
