/*
 * cmd_info.c - `nmexpert info CAPTURE [--format text|json]` (placeholder
 * until the capture readers land).
 */
#include "cli.h"

int nmx_cmd_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    nmx_cli_error("info: the capture readers are not built yet");
    return NMX_EXIT_USAGE;
}

json_t *nmx_cli_capture_json(const nmx_capture_info_t *info)
{
    (void)info;
    return json_object();
}
