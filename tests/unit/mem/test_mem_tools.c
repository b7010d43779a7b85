/*
 * test_mem_tools.c - proves that ASan and valgrind see misuse of the expert
 * heap.  The test runs itself as a child process that reads past the end of
 * an expert-heap block, or reads a freed one, and checks that the tool
 * reports it: ASan in a sanitizer build (the child runs as is), valgrind
 * memcheck in a normal build (the child runs under valgrind).  A child that
 * uses the heap correctly must come out clean, so the reports are caused by
 * the misuse and not by the heap itself.
 */
#include "mem_test.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../nmx_skip.h"

extern char **environ;

#if defined(__SANITIZE_ADDRESS__) || defined(NMX_SANITIZE)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

/* ---- the child ----------------------------------------------------------- */

/* Reads one byte in a way the compiler cannot drop. */
static uint8_t read_byte(const void *p)
{
    return *(const volatile uint8_t *)p;
}

static int child(const char *mode)
{
    HEXPERTKEY k = NULL;
    if (nmx__key_create(NULL, &k) != 0)
        return 3;
    uint8_t *small = ExpertAllocMemory(k, 24, NULL);
    uint8_t *large = ExpertAllocMemory(k, 100000, NULL);
    if (!small || !large)
        return 4;
    unsigned sum = read_byte(small) + read_byte(small + 23) + read_byte(large + 99999);
    if (strcmp(mode, "overread") == 0)
        sum += read_byte(small + 24);
    else if (strcmp(mode, "overread-large") == 0)
        sum += read_byte(large + 100000);
    else if (strcmp(mode, "use-after-free") == 0) {
        ExpertFreeMemory(k, small);
        sum += read_byte(small);
    } else if (strcmp(mode, "clean") != 0)
        return 5;
    ExpertFreeMemory(k, small); /* 76 after the use-after-free case, harmless */
    nmx__key_destroy(k, NULL);
    return sum == 0 ? 0 : 6;
}

/* ---- the parent ---------------------------------------------------------- */

/* Runs argv with stderr captured into buf; returns the exit status, or
 * -1 when the child died from a signal. */
static int run(char *const argv[], char *buf, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    size_t len = 0;
    ssize_t r;
    while ((r = read(fds[0], buf + len, cap - 1 - len)) > 0) {
        len += (size_t)r;
        if (len == cap - 1) { /* keep only the start; drain the rest */
            char sink[4096];
            while (read(fds[0], sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    buf[len] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char self_path[4096];
static char out[1 << 16];

/* Runs the child in `mode` under the available tool; returns its status. */
static int run_child(const char *mode)
{
    if (UNDER_ASAN) {
        char *argv[] = {self_path, "--child", (char *)mode, NULL};
        return run(argv, out, sizeof out);
    }
#ifdef NMX_VALGRIND
    char *argv[] = {NMX_VALGRIND, "-q", "--error-exitcode=99", self_path, "--child",
                    (char *)mode, NULL};
    return run(argv, out, sizeof out);
#else
    return -2;
#endif
}

static bool tool_available(void)
{
    if (UNDER_ASAN)
        return true;
#ifdef NMX_VALGRIND
    return !ON_VALGRIND() && access(NMX_VALGRIND, X_OK) == 0;
#else
    return false;
#endif
}

/* valgrind gives up on some binaries (e.g. debug info it cannot read); that
 * is a missing tool, not a failure of the heap. */
static bool tool_gave_up(int rc)
{
    return !UNDER_ASAN && rc != 0 && rc != 99 && strstr(out, "Valgrind:") != NULL;
}

static void expect_report(const char *mode)
{
    if (!tool_available()) {
        print_message("neither ASan nor valgrind available: skipped\n");
        NMX_SKIP();
    }
    int rc = run_child(mode);
    if (tool_gave_up(rc)) {
        print_message("valgrind cannot run this binary: skipped\n%.400s\n", out);
        NMX_SKIP();
    }
    if (UNDER_ASAN) {
        assert_int_not_equal(rc, 0);
        assert_non_null(strstr(out, "ERROR: AddressSanitizer"));
        assert_non_null(strstr(out, "use-after-poison"));
    } else {
        assert_int_equal(rc, 99);
        assert_non_null(strstr(out, "Invalid read of size 1"));
    }
}

static void test_clean_child_is_clean(void **state)
{
    (void)state;
    if (!tool_available())
        NMX_SKIP();
    int rc = run_child("clean");
    if (tool_gave_up(rc)) {
        print_message("valgrind cannot run this binary: skipped\n%.400s\n", out);
        NMX_SKIP();
    }
    if (rc != 0)
        print_message("%s\n", out);
    assert_int_equal(rc, 0);
    assert_null(strstr(out, "AddressSanitizer"));
    assert_null(strstr(out, "Invalid"));
}

static void test_overread_small_reported(void **state)
{
    (void)state;
    expect_report("overread");
}

static void test_overread_large_reported(void **state)
{
    (void)state;
    expect_report("overread-large");
}

static void test_use_after_free_reported(void **state)
{
    (void)state;
    expect_report("use-after-free");
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return child(argv[2]);
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (n <= 0)
        return 1;
    self_path[n] = '\0';
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_child_is_clean),
        cmocka_unit_test(test_overread_small_reported),
        cmocka_unit_test(test_overread_large_reported),
        cmocka_unit_test(test_use_after_free_reported),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests_name("mem_tools", tests, NULL, NULL));
}
