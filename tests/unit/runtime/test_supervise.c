/*
 * test_supervise.c - the unit that runs expert code in contained children
 * (src/runtime/supervise.c), on its own: what a child sends arrives in
 * order, its end is reported as it happened, a time limit stops it, every
 * process it starts (daemons included) ends with it, its channel is
 * bounded, and it keeps no descriptor and no memory it was not given.
 */
#include "runtime/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#ifdef NMX_SANITIZE
/* Under ASan a malloc the memory limit refuses must return NULL, as it
 * does without it; the children are forks of this process and keep its
 * options. */
__attribute__((visibility("default"), used)) const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

/* Runs fn in a child with the given spawn settings; the child must end by
 * itself within 30 s. */
static void run_to_end(nmx_child_t *c, nmx_spawn_t *s)
{
    assert_int_equal(nmx__child_run(c, s, 30.0), 0);
    assert_true(c->finished);
    assert_true(c->have_status);
}

/* The next message must be (type, text). */
static void expect_msg(nmx_child_t *c, uint32_t type, const char *text)
{
    uint32_t t = 0, len = 0;
    const uint8_t *p = NULL;
    assert_true(nmx__child_next(c, &t, &p, &len));
    assert_int_equal(t, type);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(p, text, len);
}

static void send_three(void *arg, int chan)
{
    (void)arg;
    nmx__chan_send(chan, 1, "one", 3);
    nmx__chan_send(chan, 2, "", 0);
    nmx__chan_send(chan, 3, "three", 5);
}

static void messages_arrive_in_order(void **state)
{
    (void)state;
    nmx_child_t c;
    nmx_spawn_t s = {.fn = send_three};
    run_to_end(&c, &s);
    assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    assert_int_not_equal(c.containment, NMX_CONTAIN_NONE);
    assert_non_null(nmx__containment_name(c.containment));
    expect_msg(&c, 1, "one");
    expect_msg(&c, 2, "");
    expect_msg(&c, 3, "three");
    uint32_t t, len;
    const uint8_t *p;
    assert_false(nmx__child_next(&c, &t, &p, &len));
    assert_false(c.chan_broken);
    nmx__child_release(&c);
}

static void exit_seven(void *arg, int chan)
{
    (void)arg;
    (void)chan;
    _exit(7);
}

static void crash(void *arg, int chan)
{
    (void)arg;
    (void)chan;
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
}

static void end_is_reported_as_it_happened(void **state)
{
    (void)state;
    nmx_child_t c;
    nmx_spawn_t s = {.fn = exit_seven};
    run_to_end(&c, &s);
    assert_true(WIFEXITED(c.status));
    assert_int_equal(WEXITSTATUS(c.status), 7);
    nmx__child_release(&c);

    s.fn = crash;
    run_to_end(&c, &s);
    assert_true(WIFSIGNALED(c.status));
    assert_int_equal(WTERMSIG(c.status), SIGSEGV);
    nmx__child_release(&c);
}

/* Starts a daemon (double fork, new session) and a plain child, all three
 * holding the descriptor in *arg, then waits forever. */
static void start_daemons(void *arg, int chan)
{
    (void)arg;
    if (fork() == 0) {
        setsid();
        if (fork() == 0)
            for (;;)
                pause();
        _exit(0);
    }
    if (fork() == 0)
        for (;;)
            pause();
    nmx__chan_send(chan, 9, "started", 7);
    for (;;)
        pause();
}

/* True when every holder of the pipe's write end is gone (EOF) within
 * `seconds`. */
static bool pipe_closes(int rd, double seconds)
{
    double until = nmx__now_s() + seconds;
    while (nmx__now_s() < until) {
        struct pollfd pf = {rd, POLLIN, 0};
        if (poll(&pf, 1, 100) > 0) {
            char b;
            if (read(rd, &b, 1) == 0)
                return true;
        }
    }
    return false;
}

static void time_limit_ends_everything_it_started(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    nmx_child_t c;
    nmx_spawn_t s = {.fn = start_daemons, .keep_fds = &p[1], .nkeep = 1};
    double t0 = nmx__now_s();
    assert_int_equal(nmx__child_run(&c, &s, 1.0), 1);
    close(p[1]);
    assert_true(nmx__now_s() - t0 < 20.0);
    assert_true(c.finished);
    expect_msg(&c, 9, "started");
    /* The expert, its child and its daemon all held p[1]: all are gone. */
    assert_true(pipe_closes(p[0], 10.0));
    close(p[0]);
    nmx__child_release(&c);
}

static void flood(void *arg, int chan)
{
    (void)arg;
    static char big[4096];
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 64; i++)
        if (nmx__chan_send(chan, 5, big, sizeof big) != 0)
            break;
}

static void garbage(void *arg, int chan)
{
    (void)arg;
    uint32_t head[2] = {1, NMX_CHAN_MSG_MAX + 1u};
    (void)!write(chan, head, sizeof head);
}

static void channel_is_bounded(void **state)
{
    (void)state;
    nmx_child_t c;
    nmx_spawn_t s = {.fn = flood, .chan_max = 16 * 1024};
    run_to_end(&c, &s);
    assert_true(c.chan_broken);
    uint32_t t, len;
    const uint8_t *p;
    int n = 0;
    while (nmx__child_next(&c, &t, &p, &len))
        n++;
    assert_true(n <= 4); /* what fitted in 16 KiB, nothing beyond */
    nmx__child_release(&c);

    /* A header announcing more than a message may hold breaks the channel. */
    s = (nmx_spawn_t){.fn = garbage};
    run_to_end(&c, &s);
    assert_false(nmx__child_next(&c, &t, &p, &len));
    assert_true(c.chan_broken);
    nmx__child_release(&c);
}

/* Reports what the expert process holds: an inherited descriptor it was
 * not given, its dumpable flag, and whether 256 MiB could be allocated. */
static void inspect(void *arg, int chan)
{
    int fd = *(const int *)arg;
    char r[3];
    r[0] = fcntl(fd, F_GETFD) < 0 && errno == EBADF ? 'C' : 'O';
    r[1] = prctl(PR_GET_DUMPABLE) == 0 ? 'N' : 'D';
    void *m = malloc(256u << 20);
    r[2] = m == NULL ? 'F' : 'A';
    free(m);
    nmx__chan_send(chan, 4, r, sizeof r);
}

static void child_keeps_nothing_it_was_not_given(void **state)
{
    (void)state;
    int fd = open("/dev/null", O_RDONLY); /* not close-on-exec, not kept */
    assert_true(fd > 2);
    nmx_child_t c;
    nmx_spawn_t s = {.fn = inspect, .arg = &fd, .mem_limit = 16u << 20};
    run_to_end(&c, &s);
    expect_msg(&c, 4, "CNF");
    nmx__child_release(&c);
    /* Without a limit the same allocation succeeds: the limit did it. */
    s.mem_limit = 0;
    run_to_end(&c, &s);
    uint32_t t, len;
    const uint8_t *p;
    assert_true(nmx__child_next(&c, &t, &p, &len));
    assert_int_equal(len, 3);
    assert_int_equal(p[2], 'A');
    nmx__child_release(&c);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(messages_arrive_in_order),
        cmocka_unit_test(end_is_reported_as_it_happened),
        cmocka_unit_test(time_limit_ends_everything_it_started),
        cmocka_unit_test(channel_is_bounded),
        cmocka_unit_test(child_keeps_nothing_it_was_not_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
