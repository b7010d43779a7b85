/*
 * cli.h - the subcommands of the nmexpert command, one file each.
 *
 * Every subcommand takes the arguments after its name and returns the exit
 * status: 0 success, 1 some expert did not complete, 2 usage error or an
 * unreadable or damaged capture (DESIGN.md).
 */
#ifndef NMX_CLI_H
#define NMX_CLI_H

#include <jansson.h>
#include <stdio.h>

#include <nmexpert/host.h>

enum { NMX_EXIT_OK = 0, NMX_EXIT_INCOMPLETE = 1, NMX_EXIT_USAGE = 2, NMX_EXIT_INTERRUPTED = 130 };

int nmx_cmd_info(int argc, char **argv);   /* cmd_info.c */

/* The "capture" object of DESIGN.md's JSON contract (cmd_info.c). */
json_t *nmx_cli_capture_json(const nmx_capture_info_t *info);

/* Prints "nmexpert: <message>" on stderr. */
void nmx_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* NMX_CLI_H */
