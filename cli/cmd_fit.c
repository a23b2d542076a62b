/* cmd_fit.c -- goodwork fit (placeholder until its issue lands; says so and fails). */
#include "cli.h"

int cmd_fit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'fit' is not implemented yet");
    return GW_EXIT_OTHER;
}
