/* cli.h -- the goodwork command line: one function per command, each in cmd_<name>.c.
 *
 * Commands return the process exit code of ../shared/interface.md (0 ok, 2 usage, 3 data,
 * 4 numerical, 5 verify mismatch, 1 anything else) and print errors through cli_error. */
#ifndef GW_CLI_H
#define GW_CLI_H

#include "gw_status.h"

enum {
    GW_EXIT_OK = 0,
    GW_EXIT_OTHER = 1,
    GW_EXIT_USAGE = 2,
    GW_EXIT_DATA = 3,
    GW_EXIT_NUMERIC = 4,
    GW_EXIT_VERIFY = 5
};

int cmd_fit(int argc, char **argv);
int cmd_table(int argc, char **argv);
int cmd_convert(int argc, char **argv);

/* cli_error -- print "goodwork: error: <message>" to standard error. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* cli_exit_code -- the exit code that a library status maps to. */
int cli_exit_code(gw_status s);

/* The command line as typed, for provenance (set by main). */
extern const char *cli_command_line;

#endif
