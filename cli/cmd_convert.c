/* cmd_convert.c -- goodwork convert (placeholder until its issue lands; says so and fails). */
#include "cli.h"

int cmd_convert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'convert' is not implemented yet");
    return GW_EXIT_OTHER;
}
