/* cmd_table.c -- goodwork table (placeholder until its issue lands; says so and fails). */
#include "cli.h"

int cmd_table(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'table' is not implemented yet");
    return GW_EXIT_OTHER;
}
