/* cli.h -- the goodwork command line: one function per command, each in cmd_<name>.c.
 *
 * Commands return the exit code of docs/reference/exit-codes.md (0 ok, 2 usage, 3 data,
 * 4 numerical, 5 verify mismatch, 6 verify reproduced within a tolerance only, 1 anything else)
 * and print errors through cli_error. */
#ifndef GW_CLI_H
#define GW_CLI_H

#include <stddef.h>

#include "gw_status.h"
#include "gw_table.h"

enum {
    GW_EXIT_OK = 0,
    GW_EXIT_OTHER = 1,
    GW_EXIT_USAGE = 2,
    GW_EXIT_DATA = 3,
    GW_EXIT_NUMERIC = 4,
    GW_EXIT_VERIFY = 5,
    GW_EXIT_WITHIN = 6 /* verify --tolerance: reproduced within it, not bit for bit */
};

int cmd_fit(int argc, char **argv);
int cmd_table(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_synergy(int argc, char **argv);
int cmd_mediate(int argc, char **argv);
int cmd_scenario(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_plot(int argc, char **argv);

/* cli_error -- print "goodwork: error: <message>" to standard error. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* cli_exit_code -- the exit code that a library status maps to. */
int cli_exit_code(gw_status s);

/* One option of a command's table: --name with a value (str != NULL) or a switch (flag !=
 * NULL). hint (may be NULL) replaces "goodwork CMD takes one" when a value is given twice. */
typedef struct {
    const char *name;
    const char **str;
    int *flag;
    const char *hint;
} cli_option;

/* An option that may repeat (fit's --model, --name): every value is appended to v, which has
 * room for argc entries (the caller's); n of them used, in the order given. */
typedef struct {
    const char *name;
    const char **v;
    size_t n;
} cli_list;

/* cli_parse_options -- parses argv[1..argc-1] ("--x v" and "--x=v") against opts: each value
 * goes through cli_option_value, so *str must be NULL before. A switch may repeat. Prints the
 * problem and returns GW_EXIT_USAGE, or GW_EXIT_OK. */
int cli_parse_options(int argc, char **argv, const cli_option *opts, size_t nopts, const char *cmd);

/* cli_parse_options_ex -- cli_parse_options with options that may repeat: lists[0..nlists-1]. */
int cli_parse_options_ex(int argc, char **argv, const cli_option *opts, size_t nopts,
                         cli_list *lists, size_t nlists, const char *cmd);

/* cli_option_value -- the one rule for every option that takes a single value, in every
 * command: sets *slot to value when *slot is NULL (not given before); otherwise prints
 * "NAME given twice ('A', then 'B'; goodwork CMD takes one)" (or "...: hint") and returns
 * GW_EXIT_USAGE. Options meant to repeat (scenario's --shock, --by) do not come here. */
int cli_option_value(const char *name, const char **slot, const char *value, const char *hint,
                     const char *cmd);

/* cli_option_at -- for commands that walk argv themselves: 1 when argv[*i] is option name,
 * "--name VALUE" (then *i moves to the value; *value NULL when nothing follows) or
 * "--name=VALUE"; 0 otherwise. The value then goes through cli_option_value. */
int cli_option_at(int argc, char **argv, int *i, const char *name, const char **value);

/* cli_take_delim -- removes "--delim C" / "--delim=C" from argv[2..] (C: one character, or
 * "tab" or "\\t" for a tab) and makes C the delimiter of every CSV file that cli_load_table and
 * cli_read_csv read (default: detected from the header). Returns GW_EXIT_OK, or prints the
 * problem and returns GW_EXIT_USAGE. */
int cli_take_delim(int *argc, char **argv);

/* cli_read_csv -- gw_csv_read_file with the --delim delimiter. */
gw_status cli_read_csv(const char *path, const char *const *columns, size_t ncolumns,
                       gw_table **out);

/* cli_load_table -- read the data table of --data path (cli/load.c), choosing the reader by
 * the extension: .h5/.hdf5/.he5 HDF5 (group: NULL means "/data"), anything else CSV. Only the
 * named columns are converted (columns NULL or ncolumns 0: all); a named column the file does
 * not have is left out, so that the model frame reports it with its context. On failure prints
 * the error (with the reader's place, "file:line:col: ...") and returns the exit code (2, 3 or
 * 1), *out NULL; on success returns GW_EXIT_OK and *out is the caller's (gw_table_free). */
int cli_load_table(const char *path, const char *group, const char *const *columns, size_t ncolumns,
                   gw_table **out);

/* cli_delim -- the --delim delimiter (0: detected), for callers of the library's readers. */
char cli_delim(void);

/* cli_read_model -- model name of the results file path (name NULL: the file's only model);
 * *used: the name read (owned, gw_free). An unknown name lists the file's models (exit 2); a
 * file holding several models without a name is exit 2. Prints the problem and returns the
 * exit code, or GW_EXIT_OK with *out the caller's (gw_result_free). (cli/cmd_test.c) */
struct gw_result;
int cli_read_model(const char *path, const char *name, struct gw_result **out, char **used);

/* The command line as typed, for provenance (set by main). */
extern const char *cli_command_line;

#endif
