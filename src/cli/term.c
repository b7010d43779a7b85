/*
 * term.c - the width of the terminal the command writes to, for text
 * tables and progress bars.
 *
 * COLUMNS, when set to a positive number, wins (as for ls and many other
 * tools); otherwise the width of the terminal `fd` is, if it is one
 * (ioctl TIOCGWINSZ); otherwise 0, "no limit", so that output piped to a
 * script is what it always was.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

unsigned nmx__cli_term_width(int fd)
{
    const char *env = getenv("COLUMNS");
    if (env != NULL && *env != '\0') {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (*end == '\0' && v > 0 && v <= 100000)
            return (unsigned)v;
    }
    struct winsize ws;
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}
